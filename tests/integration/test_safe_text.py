# SPDX-License-Identifier: GPL-2.0
"""Names other processes chose never reach the terminal raw (issue 22).

tests/workloads/evil_names names itself "\\x1b[31mEVIL\\x1b[0m\\n", runs from
an executable whose path holds escapes, listens on a unix socket whose path
holds escapes and a newline, has a client named with a C1 CSI and a byte that
is not UTF-8 leak connections into it, leaks memory, and fails setns on a
file whose name holds escapes and a bidi override.  Every output leakscope
gives (the live table, the final report, `report FILE`, JSON Lines live and
replayed) must be valid UTF-8 with no control character but the lines' own
newlines, show the names escaped, and still find the leaks."""
import json
import os
import shutil
import subprocess
import tempfile

from lsharness import LEAKSCOPE, Failed, Suite, check, workload


EVIL_COMM = "\x1b[31mEVIL\x1b[0m\n"
EVIL_COMM_ESCAPED = b"\\x1b[31mEVIL\\x1b[0m\\n"
PEER_COMM_ESCAPED = b"peer\\xc2\\x9b2J\\xff"
SOCK_ESCAPED = b"\\x1b[2J\\x1b]0;pwned\\x07\\n.sock"
NS_ESCAPED = b"ns\\x1b[1A\\x1b[2K\\xe2\\x80\\xae"
EXE_NAME = b"evil\x1b[7m\nbin"
EXE_ESCAPED = b"evil\\x1b[7m\\nbin"

UNSAFE = set(range(0x20)) - {0x0a} | set(range(0x7f, 0xa0)) | {0x61c, 0x200e, 0x200f} \
    | set(range(0x2028, 0x202f)) | set(range(0x2066, 0x206a))


def check_safe(what, data):
    """Valid UTF-8; no control or bidi character but newline."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Failed(f"{what}: not UTF-8 at byte {e.start}: {data[max(0, e.start - 40):e.start + 8]!r}")
    for i, ch in enumerate(s):
        if ord(ch) in UNSAFE:
            raise Failed(f"{what}: expected no control character, got U+{ord(ch):04X} at {i}: "
                         f"{s[max(0, i - 40):i + 8]!r}")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, timeout=120, **kw)


def main():
    s = Suite("safe_text")

    def everything_escaped():
        exe = os.path.join(os.fsencode(tmp), EXE_NAME)
        shutil.copy(workload("evil_names"), exe)
        info = os.path.join(tmp, "info")
        wl = s.spawn([exe, tmp, "40"], env=dict(os.environ, WL_INFO=info))
        rec = os.path.join(tmp, "run.lsrec")
        live = run([LEAKSCOPE, "record", "-o", rec, "--json", "-i", "1", "-d", "28",
                    "-p", str(wl.pid)])
        check(live.returncode == 0, "record exit status", 0,
              f"{live.returncode}: {live.stderr[-400:]!r}")
        text = run([LEAKSCOPE, "report", rec])
        replay = run([LEAKSCOPE, "report", rec, "--json"])
        check(text.returncode == 0 and replay.returncode == 0, "report exit status", "0, 0",
              (text.returncode, replay.returncode))
        # record: JSON on stdout, the table and the final report on stderr
        check(b"PID" in live.stderr and b"=== leakscope report" in live.stderr,
              "table and final report on stderr", "both", live.stderr[:200])
        for what, out in (("live table and final report", live.stderr),
                          ("report FILE", text.stdout), ("report FILE stderr", text.stderr),
                          ("live JSON", live.stdout), ("replayed JSON", replay.stdout)):
            check_safe(what, out)
        # the names, escaped, where a person reads them
        table = live.stderr.split(b"=== leakscope report")[0]
        check(EVIL_COMM_ESCAPED in table, "the table shows the comm escaped",
              EVIL_COMM_ESCAPED, table[-600:])
        for what, out in (("final report", live.stderr), ("report FILE", text.stdout)):
            rep = out.split(b"=== leakscope report")[-1]
            for name in (EVIL_COMM_ESCAPED + f" (pid {wl.pid}) ".encode(), EXE_ESCAPED,
                         PEER_COMM_ESCAPED, SOCK_ESCAPED, NS_ESCAPED):
                check(name in rep, f"{what} names it escaped", name, rep[:1500])
        # JSON gives back the very bytes (as far as they are UTF-8), and the
        # tool still found what the process does
        for what, out in (("live JSON", live.stdout), ("replayed JSON", replay.stdout)):
            objs = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
            rep = objs[-1]
            check(rep["type"] == "report", f"{what}: a final report", "report", rep["type"])
            me = [p for p in rep["processes"] if p["pid"] == wl.pid]
            check(len(me) == 1, f"{what}: the workload reported", 1, len(me))
            me = me[0]
            check(me["comm"] == EVIL_COMM, f"{what}: comm", repr(EVIL_COMM), repr(me["comm"]))
            check(me["exe"].endswith("evil\x1b[7m\nbin"), f"{what}: exe", "...evil\\x1b[7m\\nbin",
                  repr(me["exe"]))
            check(me["memory"]["verdict"] == "leak", f"{what}: memory verdict", "leak",
                  me["memory"]["verdict"])
            check(me["unix_sockets"]["verdict"] == "leak", f"{what}: unix verdict", "leak",
                  me["unix_sockets"]["verdict"])
            peers = me["unix_sockets"]["peers"]
            check(peers and peers[0]["comm"] == "peer\u009b2J\ufffd"
                  and peers[0]["path"].endswith("/\x1b[2J\x1b]0;pwned\x07\n.sock"),
                  f"{what}: the peer and path", "peer\\u009b2J\\ufffd on ...sock", peers[:1])
            fails = me["setns"]["failures"]
            check(fails and fails[0]["target"].endswith("ns\x1b[1A\x1b[2K\u202e")
                  and me["setns"]["failed"] >= 40, f"{what}: setns failures on the file",
                  ">= 40 on ...ns\\x1b[1A\\x1b[2K\\u202e", (me["setns"]["failed"], fails[:1]))

    s.subtest("every_output_is_escaped_and_the_leaks_found", everything_escaped)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-text-")
    try:
        return s.run_all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return s.done()


if __name__ == "__main__":
    raise SystemExit(main())
