# SPDX-License-Identifier: GPL-2.0
"""make bench-scale (root): what a whole-machine run costs as the host
grows, measured in this one run.

Two series, each beside a leaking pair (a server keeping every connection,
a client making one every 50 ms):
  - unix ends held by other processes: 10,000, 100,000, 1,000,000
    (socketpairs made by python3 holders, as many a holder as its hard fd
    limit allows);
  - idle processes: 100, 1,000, 5,000, 20,000 (sleep; the process table
    held 4,096 before 32,768).
For each: the time from start to ready (attached, the sock_diag snapshot
taken, the first samples read), leakscope's peak RSS, and its CPU time a
1 s interval over a BENCH_SECS (default 10) run: the mean, the worst
second and the median one.  Then the growth as
ratios against the series' first point, so a regression in how cost grows
shows, and whether the leaking pair was counted (the server's open count
against the client's connects).

Knobs: BENCH_SCALE_ENDS="10000 100000 1000000", BENCH_SCALE_PROCS="100 1000
5000 20000", BENCH_SECS=10; an empty list leaves its series out.
"""
import os
import subprocess
import sys
import tempfile
import time
import json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import lsharness  # noqa: E402  (the tests' holders of unix ends)

OUT = os.environ.get("OUT", "build")
LS = os.path.join(OUT, "leakscope")
PEER = os.path.join(OUT, "workloads", "sock_peer")
SECS = int(os.environ.get("BENCH_SECS", "10"))
TICK = os.sysconf("SC_CLK_TCK")


def hold_ends(n):
    return lsharness.hold_unix_ends(n) if n > 0 else []


def idle_procs(n):
    return [subprocess.Popen(["sleep", "3600"], start_new_session=True) for _ in range(n)]


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def one_run(tmp, tag):
    """A whole-machine run beside a fresh leaking pair: (ready s, peak MiB,
    CPU % of an interval, server's open, client's connects)."""
    sock = os.path.join(tmp, tag + ".sock")
    info = os.path.join(tmp, tag + ".info")
    ready = os.path.join(tmp, tag + ".ready")
    env = dict(os.environ, WL_GATE="")
    srv = subprocess.Popen([PEER, "unix-server", sock, str(SECS + 60), "keep"], env=env)
    while not os.path.exists(sock):
        time.sleep(0.01)
    t0 = time.monotonic()
    report = open(os.path.join(tmp, tag + ".json"), "w+")
    ls = subprocess.Popen([LS, "-i", "1", "-d", str(SECS), "--json", "-n", "10000"],
                          stdout=report, stderr=subprocess.DEVNULL,
                          env=dict(os.environ, LEAKSCOPE_READY_FILE=ready))
    while not os.path.exists(ready):
        if ls.poll() is not None:
            sys.exit("Error: leakscope ended before it was ready")
        time.sleep(0.005)
    t_ready = time.monotonic() - t0
    cpu0 = cpu_s(ls.pid)
    cli = subprocess.Popen([PEER, "unix-client", sock, "50", str(SECS - 1), "keep", "60"],
                           env=dict(env, WL_INFO=info))
    peak = 0
    cpu_at = [cpu0]	# at each second after ready
    t1 = time.monotonic()
    while ls.poll() is None:
        try:
            peak = max(peak, hwm_kib(ls.pid))
            cpu = cpu_s(ls.pid)
        except (OSError, IndexError):
            break
        if time.monotonic() - t1 >= len(cpu_at):
            cpu_at.append(cpu)
        time.sleep(0.05)
    per_s = sorted(100 * (b - a) for a, b in zip(cpu_at, cpu_at[1:])) or [0.0]
    ls.wait()
    report.seek(0)
    out = report.read()
    report.close()
    final = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    final = [o for o in final if o.get("final")] or final[-1:]
    srv_open = next((p.get("unix_sockets", {}).get("open") for p in final[0]["processes"]
                     if p["pid"] == srv.pid), None) if final else None
    connects = lsharness.info(info).get("connects")
    for p in (cli, srv):
        p.kill()
        p.wait()
    return (t_ready, peak / 1024, 100 * (cpu_at[-1] - cpu0) / max(1, len(cpu_at) - 1),
            per_s[-1], per_s[len(per_s) // 2], srv_open, connects)


def series(name, points, setup):
    rows = []
    if not points:
        return rows
    tmp = tempfile.mkdtemp(prefix="leakscope-bench-")
    for n in points:
        held = setup(n)
        time.sleep(1)
        rows.append((n,) + one_run(tmp, f"{name}{n}"))
        for h in held:
            h.kill()
            h.wait()
    subprocess.run(["rm", "-rf", tmp])
    print(f"{name:>12} {'ready s':>8} {'peak MiB':>9} {'CPU %':>6} {'worst':>6} {'median':>6} "
          f"{'x ready':>8} {'x peak':>7} {'x CPU':>6}  leaking pair (tool / truth)")
    base = rows[0]
    for n, ready, peak, cpu, worst, median, srv_open, truth in rows:
        x = [a / b if b else float("nan") for a, b in ((ready, base[1]), (peak, base[2]),
                                                      (cpu, base[3]))]
        print(f"{n:>12,} {ready:8.2f} {peak:9.1f} {cpu:6.1f} {worst:6.1f} {median:6.1f} "
              f"{x[0]:8.2f} {x[1]:7.2f} {x[2]:6.2f}  {srv_open} / {truth}")
    return rows


def main():
    if os.geteuid():
        sys.exit("Error: make bench-scale needs root (it loads BPF programs)")
    ends = [int(x) for x in os.environ.get("BENCH_SCALE_ENDS", "10000 100000 1000000").split()]
    procs = [int(x) for x in os.environ.get("BENCH_SCALE_PROCS", "100 1000 5000 20000").split()]
    print(f"leakscope at scale ({os.uname().release}, {os.cpu_count()} CPUs, {SECS} s "
          "whole-machine runs, -i 1); x: against the first row")
    if series("unix ends", ends, hold_ends):
        print()
    series("idle procs", procs, idle_procs)


if __name__ == "__main__":
    main()
