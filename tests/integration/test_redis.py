# SPDX-License-Identifier: GPL-2.0
"""redis-server filled slowly, then steady: never a leak (issue 24).

Field report 5: a false alarm costs as much trust as a miss.  Debian's
redis-server (jemalloc) is started on a unix socket of the test's own; a
client fills it at FILL_MIB MiB/s for FILL_S seconds (a cache warming up),
then only reads for the rest of the run.  No interval of leakscope -p
redis may call its memory a leak (while it fills it may say growing), and
the final report's real memory must agree with smaps_rollup read beside
it.  The truth beside the tool: redis's own INFO used_memory, and
smaps_rollup.  Skips when redis-server is not installed.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, MiB, Failed, Suite, check, check_near, final_report,
                       json_lines, proc_in, smaps_rollup, wait_attached)

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
FILL_S = 16         # the warm-up
FILL_MIB = 2        # MiB/s of values while it fills
RUN_S = 50          # then about 30 s of reads only
VALUE = 4096


def resp(*args):
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.buf = b""

    def reply(self):
        """One reply, of the kinds these commands get: +OK, $N bulk, :N."""
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        if line[:1] == b"$" and int(line[1:]) >= 0:
            n = int(line[1:])
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(65536)
            body, self.buf = self.buf[:n], self.buf[n + 2:]
            return body
        if line[:1] == b"-":
            raise Failed(f"redis: {line.decode(errors='replace')}")
        return line[1:]

    def call(self, *args):
        self.s.sendall(resp(*args))
        return self.reply()

    def pipeline(self, cmds):
        self.s.sendall(b"".join(resp(*c) for c in cmds))
        for _ in cmds:
            self.reply()

    def used_memory(self):
        info = self.call("INFO", "memory").decode()
        return int(info.split("used_memory:", 1)[1].split("\r\n", 1)[0])


def main():
    s = Suite("redis")
    tmp = None

    @s.subtest("fill_then_steady_is_no_leak")
    def fill_then_steady():
        sock = os.path.join(tmp, "redis.sock")
        srv = s.spawn([REDIS, "--port", "0", "--unixsocket", sock, "--save", "",
                       "--appendonly", "no", "--dir", tmp, "--daemonize", "no"])
        end = time.time() + 30
        while not os.path.exists(sock) and time.time() < end and srv.poll() is None:
            time.sleep(0.1)
        check(os.path.exists(sock), "redis-server listening", sock, srv.poll())
        c = Client(sock)
        # to a file: a pipe nobody reads until the end would fill and stop it
        out_path = os.path.join(tmp, "report.json")
        out_file = open(out_path, "w")
        ls = s.spawn([LEAKSCOPE, "-p", str(srv.pid), "-i", "1", "-d", str(RUN_S), "--json"],
                     stdout=out_file)
        wait_attached()
        used0 = c.used_memory()
        value = b"v" * VALUE
        per_tick = FILL_MIB * MiB // VALUE // 10     # ten batches a second
        key = 0
        t0 = time.time()
        while time.time() - t0 < FILL_S:
            c.pipeline([("SET", f"k{key + i}", value) for i in range(per_tick)])
            key += per_tick
            time.sleep(max(0.0, t0 + key / (per_tick * 10) - time.time()))
        used1 = c.used_memory()
        while ls.poll() is None:                      # steady: reads only
            c.call("GET", f"k{int(time.time() * 1000) % key}")
            time.sleep(0.01)
        ls.wait(timeout=60)
        out_file.close()
        truth = smaps_rollup(srv.pid)
        with open(out_path) as f:
            out = f.read()
        check(ls.returncode == 0, "leakscope's exit", 0, ls.returncode)
        objs = json_lines(out)
        rep = final_report(objs)
        verdicts = [q["memory"]["verdict"] for o in objs for q in o.get("processes", [])
                    if q["pid"] == srv.pid and "memory" in q]
        mem = proc_in(rep, srv.pid)["memory"]
        print(f"# redis used_memory {used0 / MiB:.1f} -> {used1 / MiB:.1f} MiB while filling; "
              f"verdicts over the run: {' '.join(v[0] for v in verdicts)} "
              f"(l leak, g growing, s stable, i insufficient); final {mem['verdict']}: "
              f"{mem['explanation']}")
        check(used1 - used0 >= 0.7 * FILL_MIB * FILL_S * MiB, "redis really filled (its INFO)",
              f">= {0.7 * FILL_MIB * FILL_S:.0f} MiB", (used1 - used0) / MiB)
        check("leak" not in verdicts, "no interval says leak", "none",
              [i for i, v in enumerate(verdicts) if v == "leak"])
        check(mem["verdict"] == "stable", "the final verdict", "stable",
              f"{mem['verdict']}: {mem['explanation']}")
        check_near(mem["real_bytes"], truth.get("Rss", 0) - truth.get("LazyFree", 0), 0.10,
                   "real memory against smaps_rollup (Rss - LazyFree)")

    if not s.root_or_skip():
        return 0
    if not os.access(REDIS, os.X_OK):
        s.skip_all("redis-server is not installed (make deps installs it)")
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-redis-")
    os.chmod(tmp, 0o755)
    try:
        return s.run_all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
