# SPDX-License-Identifier: GPL-2.0
"""The soak run (`make soak`, root; not part of `make test`).

leakscope records the whole machine for SOAK_MINUTES (default 60) at -i 5
while tests/workloads/churn loops fork and exit processes, open and close
unix and TCP connections, map and unmap memory and call setns, at the RATES
below; halfway through, mem_leak starts leaking LEAK_MIB_S.  Checks:

  soak/exit                  leakscope ran its time and ended with a report
  soak/rss_flat              leakscope's peak RSS after the warm-up (5 min,
                             or 60% of a shorter run) within 10% of its RSS
                             at the warm-up's end
  soak/nothing_lost          lost_events 0 in the final report
  soak/planted_leak_found    the leak's verdict "leak", its rate within 15%
  soak/replay_matches        `report FILE --json` of the recording gives the
                             live run's objects, byte for byte but "time"
  soak/churn_at_stated_rates each loop kept 90% of its rate (else the machine
                             could not give the load stated)

and prints the figures ("# ...") and, last, `N passed, N failed, N skipped`.
`make soak SOAK_MINUTES=5` is the short version, which CI runs after the
other tests.  The machine is traced whole: anything else running adds to the
load, and its bursts can lose events (the drops are printed).
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, os.environ.get("OUT", "build"))
LEAKSCOPE = os.path.join(OUT, "leakscope")
WL = os.path.join(OUT, "workloads")
RATES = {"fork": 10, "unix": 500, "tcp": 200, "mmap": 500, "setns": 50}	# a second
LEAK_MIB_S = 0.5
INTERVAL = 5
WALL = re.compile(r'"time":"[^"]*",')


COUNTS = {"passed": 0, "failed": 0}
CHECKS = ("exit", "rss_flat", "nothing_lost", "planted_leak_found", "replay_matches",
          "churn_at_stated_rates")


def result(name, ok, detail=""):
    COUNTS["passed" if ok else "failed"] += 1
    print(f"{'ok' if ok else 'not ok'} soak/{name}{': ' + detail if detail else ''}", flush=True)
    return ok


def vm(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def info(path):
    try:
        return {k: int(v) for k, v in (l.split() for l in open(path))}
    except OSError:
        return {}


def main():
    if os.geteuid() != 0:
        for n in CHECKS:
            print(f"skip soak/{n}: needs root to load BPF programs")
        print(f"0 passed, 0 failed, {len(CHECKS)} skipped")
        return 0
    minutes = float(os.environ.get("SOAK_MINUTES", "60"))
    total = minutes * 60
    warmup = min(300, total * 0.6)
    tmp = tempfile.mkdtemp(prefix="leakscope-soak-")
    rec = os.path.join(tmp, "soak.lsrec")
    live_out = os.path.join(tmp, "live.jsonl")
    print(f"# soak: {minutes:g} min, whole machine at -i {INTERVAL}, rates a second "
          + ", ".join(f"{k} {v}" for k, v in RATES.items())
          + f", a {LEAK_MIB_S} MiB/s leak from minute {minutes / 2:g}; files in {tmp}", flush=True)
    ls = subprocess.Popen([LEAKSCOPE, "record", "-o", rec, "--json", "-i", str(INTERVAL),
                           "-n", "20", "-d", str(int(total)), "-v"],
                          stdout=open(live_out, "wb"), stderr=open(os.path.join(tmp, "live.err"), "wb"))
    end = time.time() + 60
    while time.time() < end and b"attached" not in open(os.path.join(tmp, "live.err"), "rb").read():
        time.sleep(0.1)
    t0 = time.time()
    loops = {}
    for mode, rate in RATES.items():
        loops[mode] = subprocess.Popen([os.path.join(WL, "churn"), mode, str(rate), str(int(total) + 60)],
                                       env=dict(os.environ, WL_INFO=os.path.join(tmp, f"{mode}.info")))
    leak = None
    samples = []	# (s since start, VmRSS kB)
    cpu = 0
    while ls.poll() is None:
        t = time.time() - t0
        try:
            samples.append((t, vm(ls.pid, "VmRSS")))
            cpu = cpu_s(ls.pid)
        except (OSError, TypeError):
            break
        if leak is None and t >= total / 2:
            leak = subprocess.Popen([os.path.join(WL, "mem_leak"), str(LEAK_MIB_S), str(int(total))])
            leak_t = t
        time.sleep(10 if total >= 600 else 2)
    ls.wait()
    ran = time.time() - t0
    with open(os.path.join(tmp, "rss.tsv"), "w") as f:
        f.writelines(f"{t:.0f}\t{rss}\n" for t, rss in samples)
    for p in list(loops.values()) + ([leak] if leak else []):
        p.send_signal(signal.SIGTERM)
    for p in loops.values():
        p.wait()
    if leak:
        leak.wait()
    print(f"# leakscope CPU: {cpu:.1f} s in {ran / 60:.1f} min ({cpu / ran * 100:.2f}% of a CPU)",
          flush=True)
    err = open(os.path.join(tmp, "live.err"), errors="replace").read()
    lines = open(live_out).read().splitlines()
    objs = [json.loads(l) for l in lines]
    rep = objs[-1] if objs else {}
    ok = True
    ok &= result("exit", ls.returncode == 0 and rep.get("type") == "report",
                 f"leakscope exited {ls.returncode}: {err[-300:]}" if ls.returncode else "")

    # RSS
    at = [rss for t, rss in samples if t <= warmup and rss]
    after = [rss for t, rss in samples if t > warmup and rss]
    if at and after:
        base, peak = at[-1], max(after)
        print(f"# leakscope RSS: {samples[0][1] / 1024:.1f} MiB at start, {base / 1024:.1f} MiB at "
              f"{warmup / 60:g} min, peak after {peak / 1024:.1f} MiB ({(peak / base - 1) * 100:+.1f}%), "
              f"{samples[-1][1] / 1024:.1f} MiB at the end", flush=True)
        curve, nxt = [], 0
        for t, rss in samples:
            if t >= nxt and rss:
                curve.append(f"{t / 60:.0f}:{rss / 1024:.1f}")
                nxt += max(60, total / 12)
        print("# leakscope RSS (min:MiB): " + " ".join(curve), flush=True)
        ok &= result("rss_flat", peak <= base * 1.10,
                     f"expected peak <= {base * 1.1 / 1024:.1f} MiB, got {peak / 1024:.1f}"
                     if peak > base * 1.10 else "")
    else:
        ok &= result("rss_flat", False, "not enough RSS samples")

    # lost events
    lost = rep.get("lost_events")
    print(f"# lost events: {lost} ({rep.get('drops')}); {rep.get('processes_tracked')} processes "
          f"tracked at the end, {rep.get('intervals')} intervals", flush=True)
    ok &= result("nothing_lost", lost == 0, f"expected 0, got {lost} between "
                 f"{rep.get('lost_from_ts')} and {rep.get('lost_to_ts')}: {rep.get('drops')}"
                 if lost else "")

    # the planted leak
    chunk = ((int(LEAK_MIB_S * (1 << 20) / 10) + 4095) & ~4095)
    truth = chunk * 10
    mine = [p for p in rep.get("processes", []) if leak and p["pid"] == leak.pid]
    if mine:
        m = mine[0]["memory"]
        got = m["real_growth_bytes_per_s"]
        print(f"# planted leak (pid {leak.pid}, from {leak_t / 60:.1f} min): {m['verdict']} "
              f"(confidence {m['confidence']}), {got / (1 << 20):.3f} MiB/s against "
              f"{truth / (1 << 20):.3f}", flush=True)
        ok &= result("planted_leak_found", m["verdict"] == "leak" and abs(got - truth) <= 0.15 * truth,
                     f"expected leak at {truth / (1 << 20):.3f} MiB/s +- 15%, got {m['verdict']} at "
                     f"{got / (1 << 20):.3f}" if m["verdict"] != "leak" or abs(got - truth) > 0.15 * truth
                     else "")
    else:
        ok &= result("planted_leak_found", False, "the leak is not in the final report")

    # replay
    t = time.time()
    r = subprocess.run([LEAKSCOPE, "report", rec, "--json", "--intervals", "-n", "20"],
                       capture_output=True, text=True)
    took = time.time() - t
    a = [WALL.sub("", l) for l in lines]
    b = [WALL.sub("", l) for l in r.stdout.splitlines()]
    same = r.returncode == 0 and a == b
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    print(f"# recording: {os.path.getsize(rec) / 1e6:.1f} MB, replayed in {took:.1f} s "
          f"({len(b)} objects against {len(a)} live)", flush=True)
    ok &= result("replay_matches", same, "" if same else
                 f"report exit {r.returncode}, {len(a)} live and {len(b)} replayed objects, first "
                 f"difference at {first}: {r.stderr[-200:]}")

    # the load given
    short = []
    for mode, rate in RATES.items():
        i = info(os.path.join(tmp, f"{mode}.info"))
        n, secs = i.get("ops", 0), i.get("ms", 0) / 1000
        got = n / secs if secs else 0
        print(f"# churn {mode}: {n} operations in {secs:.0f} s, {got:.1f} a second (stated {rate})",
              flush=True)
        if got < 0.9 * rate:
            short.append(f"{mode} {got:.1f} a second < {0.9 * rate:.1f}")
    ok &= result("churn_at_stated_rates", not short, ", ".join(short))
    if ok:
        subprocess.run(["rm", "-rf", tmp])
    print(f"{COUNTS['passed']} passed, {COUNTS['failed']} failed, 0 skipped", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
