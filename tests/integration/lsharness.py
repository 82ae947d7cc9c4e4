# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for leakscope's integration tests.

Each test file makes a Suite, runs named subtests and prints one line per
subtest ("ok NAME", "not ok NAME", "skip NAME: why") that tests/run.sh counts.
Checks print what was expected and what came.
"""
import atexit
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, os.environ.get("OUT", "build"))
LEAKSCOPE = os.path.join(OUT, "leakscope")
MiB = 1 << 20
# where the subtests' gates live (see Suite.run)
GATE_DIR = tempfile.mkdtemp(prefix="leakscope-gates-")
atexit.register(shutil.rmtree, GATE_DIR, True)


def workload(name):
    """Path of a built workload from tests/workloads/NAME.c."""
    return os.path.join(OUT, "workloads", name)


def info(path):
    """The KEY N lines a workload wrote to its $WL_INFO file (a line being
    written is passed over)."""
    vals = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and line.endswith("\n"):
                    vals[parts[0]] = int(parts[1])
    return vals


def wait_info(path, key="pid", timeout=60):
    """Until the workload has written KEY to its $WL_INFO file ("pid" once
    it is set up); its lines then."""
    end = time.time() + timeout
    while time.time() < end:
        vals = info(path)
        if key in vals:
            return vals
        time.sleep(0.02)
    raise Failed(f"{os.path.basename(path)}: no '{key}' within {timeout}s")


def unix_client_log(path, count, every_s, log, gate, dup=False):
    """argv of tests/workloads/unix_client_log.py (see there)."""
    return ["python3", os.path.join(ROOT, "tests", "workloads", "unix_client_log.py"), path,
            str(count), str(every_s), log, gate] + (["dup"] if dup else [])


def connections_before(log, ts_ns):
    """Connections unix_client_log made by a report's ts_ns (CLOCK_BOOTTIME)."""
    with open(log) as f:
        return sum(1 for l in f if l.strip() and int(l) <= ts_ns)


def hold_unix_ends(n):
    """python3 processes holding n unix ends between them (socketpairs),
    as many a process as its hard fd limit allows; returns them once all
    hold theirs.  Kill them (kill() and wait()) when done."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    holders = -(-n // (2 * min(n // 2, (hard - 64) // 2)))
    pairs = -(-n // (2 * holders))
    script = os.path.join(ROOT, "tests", "workloads", "hold_unix_ends.py")
    hs = [subprocess.Popen(["python3", script, str(pairs)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, start_new_session=True)
          for _ in range(holders)]
    for h in hs:
        if h.stdout.readline() != b"held\n":
            for k in hs:
                k.kill()
                k.wait()
            raise Failed(f"a holder of unix ends failed (exit {h.poll()}: fd or memory limits?)")
    return hs


class Failed(Exception):
    pass


class Skipped(Exception):
    """Raise inside a subtest to skip it, with the reason."""


class Suite:
    """A suite's subtests are registered once, in the order they run:

        s.subtest("unix_leak_both_sides", unix_leak, True)
        @s.subtest("disk_full_while_recording")
        def disk_full(): ...

    That list is the only one: a skip names every registered subtest, and
    run_all() runs them."""

    def __init__(self, name, needs_root=True):
        self.name = name
        self.needs_root = needs_root
        self.failed = 0
        self.children = []
        self.planned = []

    def subtest(self, name, fn=None, *args):
        """Register fn(*args) as subtest name; without fn, a decorator."""
        if fn is None:
            def register(f):
                self.planned.append((name, f, ()))
                return f
            return register
        self.planned.append((name, fn, args))
        return fn

    def between(self, fn, *args):
        """Register a step that runs between two subtests (a mount for
        those that follow), not a subtest itself.  A step that returns a
        reason (a daemon that would not start) skips the rest with it."""
        self.planned.append((None, fn, args))

    def names(self):
        return [n for n, _, _ in self.planned if n is not None]

    def skip_all(self, why, names=None):
        for n in self.names() if names is None else names:
            print(f"skip {self.name}/{n}: {why}")
        sys.stdout.flush()

    def root_or_skip(self, names=None):
        """True when BPF tests can run; otherwise prints a skip per name
        (by default, per registered subtest)."""
        if os.geteuid() != 0:
            self.skip_all("needs root to load BPF programs", names)
            return False
        return True

    def run_all(self):
        """Run the registered subtests in order; the suite's exit status."""
        for k, (name, fn, args) in enumerate(self.planned):
            if name is None:
                why = fn(*args)
                if why:
                    self.skip_all(why, [n for n, _, _ in self.planned[k:] if n])
                    break
            else:
                self.run(name, fn, *args)
        return self.done()

    def selected(self, name):
        """SUBTESTS=a,b runs only subtests a and b of every suite; an entry
        SUITE/NAME restricts only that suite (the kernel matrix runs a part
        of the socket suite so), and a suite no entry names runs whole."""
        only = [w for w in os.environ.get("SUBTESTS", "").split(",") if w]
        if not only:
            return True
        mine = [w.split("/", 1)[1] for w in only if w.startswith(self.name + "/")]
        plain = [w for w in only if "/" not in w]
        if not mine and not plain:
            return True
        return name in mine or name in plain

    def run(self, name, fn, *args):
        """Run one subtest; fn raises Failed (through check) to fail.

        Each subtest gets a gate: the workloads it starts (tests/workloads,
        through WL_GATE) begin their timelines only once leakscope has
        attached and created that file (LEAKSCOPE_READY_FILE), which takes
        seconds in an emulated machine (make test-kernels).  A spawn that
        must act before attach passes WL_GATE="" in its env."""
        if not self.selected(name):
            return
        gate = os.path.join(GATE_DIR, f"{self.name}-{name}")
        if os.path.exists(gate):
            os.unlink(gate)
        os.environ["WL_GATE"] = gate
        os.environ["LEAKSCOPE_READY_FILE"] = gate
        t0 = time.monotonic()
        try:
            fn(*args)
            print(f"ok {self.name}/{name}")
        except Skipped as e:
            print(f"skip {self.name}/{name}: {e}")
            self.reap()
            sys.stdout.flush()
            return
        except Failed as e:
            print(f"not ok {self.name}/{name}: {e}")
            self.failed += 1
        except Exception as e:  # a crash in the test is a failure, said as such
            print(f"not ok {self.name}/{name}: {type(e).__name__}: {e}")
            self.failed += 1
        finally:
            self.reap()
            if os.path.exists(gate):
                os.unlink(gate)
            if os.environ.get("TEST_TIMES") == "1":
                print(f"# {self.name}/{name}: {time.monotonic() - t0:.1f} s")
        sys.stdout.flush()

    # ---- processes the test starts; all are killed when a subtest ends
    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", subprocess.DEVNULL),
                             stderr=kw.pop("stderr", subprocess.DEVNULL),
                             start_new_session=True, **kw)
        self.children.append(p)
        return p

    def reap(self):
        for p in self.children:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        self.children = []

    def done(self):
        sys.stdout.flush()
        return 1 if self.failed else 0


def check(cond, what, expected=None, got=None):
    if not cond:
        msg = what
        if expected is not None or got is not None:
            msg += f": expected {expected}, got {got}"
        raise Failed(msg)


def skipped_runs(rep):
    """Runs of leakscope's programs the kernel skipped (drops.programs_skipped:
    another BPF program active on the CPU, which 7.x kernels under CPU
    starvation do), counted in lost_events: outside leakscope's hands."""
    n = rep.get("drops", {}).get("programs_skipped", 0)
    if n:
        print(f"# the kernel skipped {n} runs of leakscope's programs (counted as lost)")
    return n


def check_nothing_lost(rep, what="nothing lost"):
    """No event lost by leakscope's rings, tables or reader: all of
    lost_events, but the program runs the kernel skipped, which are
    counted and said (skipped_runs)."""
    lost = rep["lost_events"] - skipped_runs(rep)
    check(lost == 0, what, 0, (rep["lost_events"], rep["drops"]))


def check_exact_or_skipped(got, truth, rep, per_run, what):
    """A count leakscope must get exactly, unless the kernel skipped runs of
    its programs: then short by at most per_run for each, never over."""
    n = skipped_runs(rep)
    if not n:
        check(got == truth, what + ", exactly", truth, (got, rep["drops"]))
        return
    check(truth - n * per_run <= got <= truth, what + f", short by at most {n} skipped runs",
          f"{truth - n * per_run}..{truth}", got)


def check_near(got, expected, rel, what):
    """|got - expected| <= rel * |expected|"""
    ok = got is not None and abs(got - expected) <= rel * abs(expected)
    check(ok, what, f"{expected:.4g} within {rel * 100:.0f}%", got)


def run_leakscope(args, timeout=120, check_rc=True):
    """Run leakscope with args; returns (rc, stdout, stderr)."""
    p = subprocess.run([LEAKSCOPE] + args, capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise Failed(f"leakscope {' '.join(args)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    return p.returncode, p.stdout, p.stderr


def json_lines(stdout):
    objs = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            objs.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise Failed(f"not JSON: {line[:200]!r}: {e}")
    return objs


def final_report(objs):
    reps = [o for o in objs if o.get("type") == "report"]
    check(len(reps) == 1, "one final report object", 1, len(reps))
    return reps[0]


def proc_in(report, pid):
    for p in report.get("processes", []):
        if p.get("pid") == pid:
            return p
    pids = [p.get("pid") for p in report.get("processes", [])]
    raise Failed(f"pid {pid} not in report (pids: {pids[:20]})")


def replayed(rec):
    """`report REC --json`'s final report and `report REC`'s text, each
    checked to exit 0: what a recording gives on another machine."""
    r = subprocess.run([LEAKSCOPE, "report", rec, "--json"], capture_output=True, text=True,
                       timeout=120)
    check(r.returncode == 0, "report --json exits 0", 0, f"{r.returncode}: {r.stderr[-300:]}")
    rep = final_report(json_lines(r.stdout))
    r = subprocess.run([LEAKSCOPE, "report", rec], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "report exits 0", 0, f"{r.returncode}: {r.stderr[-300:]}")
    return rep, r.stdout


def wait_attached(timeout=120):
    """Until the leakscope this subtest started has attached (it creates
    the subtest's gate, LEAKSCOPE_READY_FILE): 0.1 s on an idle machine,
    seconds under load, up to 20 s in an emulated one."""
    wait_for_file(os.environ["LEAKSCOPE_READY_FILE"], timeout)


def wait_for_file(path, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            return
        time.sleep(0.02)
    raise Failed(f"{path} did not appear within {timeout}s")


def smaps_rollup(pid):
    """The process's own /proc/PID/smaps_rollup in bytes, by field."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return out
