# SPDX-License-Identifier: GPL-2.0
"""record + report give what watch gave (issue 5), and bad files are refused."""
import os
import re
import stat
import subprocess
import tempfile
import time

from lsharness import LEAKSCOPE, Suite, check, final_report, json_lines, workload


WALL = re.compile(r'"time":"[^"]*",')


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


def main():
    s = Suite("recording")
    live = {}

    def replay_matches():
        # a leak, a socket leak and failing setns in one recording
        sock = os.path.join(tmp, "app.sock")
        srv = s.spawn([workload("sock_peer"), "unix-server", sock, "14", "keep"])
        time.sleep(0.3)
        s.spawn([workload("sock_peer"), "unix-client", sock, "100", "13", "keep"])
        leak = s.spawn([workload("mem_leak"), "3", "14"])
        plain = os.path.join(tmp, "plain")
        open(plain, "w").close()
        loop = s.spawn([workload("ns_setns_loop"), plain, "net", "120", "100", "--reopen"])
        p = run([LEAKSCOPE, "record", "-o", rec, "--json", "-i", "1", "-d", "12",
                 "-p", str(srv.pid), "-p", str(leak.pid), "-p", str(loop.pid)])
        check(p.returncode == 0, "record exit status", 0, f"{p.returncode}: {p.stderr[-300:]}")
        check("PID" in p.stderr and "REAL" in p.stderr, "a summary table on stderr", "table",
              p.stderr[:200])
        r = run([LEAKSCOPE, "report", rec, "--json", "--intervals"])
        check(r.returncode == 0, "report exit status", 0, f"{r.returncode}: {r.stderr[-300:]}")
        a = WALL.sub("", p.stdout).splitlines()
        b = WALL.sub("", r.stdout).splitlines()
        check(len(a) == len(b) and len(a) >= 9, "as many objects", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            check(x == y, f"object {i} identical apart from wall-clock fields", x[:300], y[:300])
        rep = final_report(json_lines(r.stdout))
        verdicts = {p["pid"]: p for p in rep["processes"]}
        # 10 s of steady growth: growing (a leak verdict needs 24 s)
        check(verdicts[leak.pid]["memory"]["verdict"] == "growing", "memory growth in the replay",
              "growing", verdicts[leak.pid]["memory"]["verdict"])
        check(verdicts[srv.pid]["unix_sockets"]["verdict"] == "growing",
              "socket growth in the replay", "growing",
              verdicts[srv.pid]["unix_sockets"]["verdict"])
        # it starts before leakscope attaches: its first calls are not seen
        check(verdicts[loop.pid]["setns"]["failed"] >= 70, "setns failures in the replay", ">= 70",
              verdicts[loop.pid]["setns"]["failed"])
        live["size"] = os.path.getsize(rec)

    def private_and_small():
        st = os.stat(rec)
        check(stat.S_IMODE(st.st_mode) == 0o600, "mode", "0600", oct(stat.S_IMODE(st.st_mode)))
        check(st.st_size < 64 * 1024, "10 s of three processes stays small", "< 64 KiB", st.st_size)
        # an existing file replaced (--force) is private too
        other = os.path.join(tmp, "existing.lsrec")
        with open(other, "w") as f:
            f.write("x")
        os.chmod(other, 0o644)
        p = run([LEAKSCOPE, "record", "-o", other, "--force", "-d", "1", "-i", "1",
                 "-p", str(os.getpid())])
        check(p.returncode == 0, "record", 0, p.stderr[-200:])
        check(stat.S_IMODE(os.stat(other).st_mode) == 0o600, "existing file made 0600", "0600",
              oct(stat.S_IMODE(os.stat(other).st_mode)))

    def cut_off():
        data = open(rec, "rb").read()
        cut = os.path.join(tmp, "cut.lsrec")
        with open(cut, "wb") as f:
            f.write(data[: len(data) * 2 // 3])
        r = run([LEAKSCOPE, "report", cut, "--json"])
        check(r.returncode == 3, "exit status of a cut-off recording", 3, r.returncode)
        check("was cut off" in r.stderr, "a warning that it was cut off", "was cut off", r.stderr)
        objs = json_lines(r.stdout)
        check(objs and objs[-1]["type"] == "report", "still a final report", "report",
              objs[-1]["type"] if objs else None)
        check(3 <= objs[-1]["intervals"] < 12, "the intervals before the cut", "3..11",
              objs[-1]["intervals"])

    def corrupt():
        data = bytearray(open(rec, "rb").read())
        data[len(data) // 2] ^= 0x40
        bad = os.path.join(tmp, "bad.lsrec")
        open(bad, "wb").write(bytes(data))
        r = run([LEAKSCOPE, "report", bad])
        check(r.returncode == 1, "exit status", 1, r.returncode)
        check(re.search(r"Error: .*corrupt (block|record)", r.stderr), "names the corruption",
              "Error: ... corrupt block ...", r.stderr.strip())
        r = run([LEAKSCOPE, "report", "/etc/hostname"])
        check(r.returncode == 1 and "not a leakscope recording" in r.stderr, "foreign file",
              "not a leakscope recording", r.stderr.strip())
        r = run([LEAKSCOPE, "report", os.path.join(tmp, "missing")])
        check(r.returncode == 1 and "No such file" in r.stderr, "missing file", "No such file",
              r.stderr.strip())

    def text_report():
        r = run([LEAKSCOPE, "report", rec])
        check(r.returncode == 0, "exit status", 0, r.stderr[-200:])
        check("=== leakscope report:" in r.stdout and "holds" in r.stdout and "EINVAL" in r.stdout,
              "the human report", "report with sockets and setns", r.stdout[-600:])
        # the final report alone: no interval table before it
        check(r.stdout.lstrip().startswith("=== leakscope report:") and "VERDICT" not in r.stdout,
              "only the final report", "starts with '=== leakscope report:'", r.stdout[:200])
        t = run([LEAKSCOPE, "report", rec, "--intervals"])
        check(t.stdout.count("VERDICT") >= 9 and t.stdout.endswith(r.stdout),
              "--intervals: each interval's table, then the same final report",
              ">= 9 tables, same end", t.stdout.count("VERDICT"))
        j = run([LEAKSCOPE, "report", rec, "--json"])
        objs = json_lines(j.stdout)
        check([o["type"] for o in objs] == ["report"], "JSON: the report object alone",
              ["report"], [o["type"] for o in objs])

    s.subtest("replay_matches_live_json", replay_matches)
    s.subtest("recording_is_private_and_small", private_and_small)
    s.subtest("cut_off_file_reports_and_warns", cut_off)
    s.subtest("corrupt_file_is_refused", corrupt)
    s.subtest("text_report_from_recording", text_report)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-rec-")
    rec = os.path.join(tmp, "run.lsrec")
    try:
        return s.run_all()
    finally:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    raise SystemExit(main())
