# SPDX-License-Identifier: GPL-2.0
"""Memory verdicts on real workloads, traced live (issue 2's integration tests).

One run traces six workloads at once with repeated -p: a leak through mmap,
a leak through the brk heap, a lazily freed arena, an RSS that grows only
through lazily freed pages (Go 1.12-1.15), a warm-up then plateau, and a
1 GiB mapping made after the tracer attached.  -- CMD runs check tracing
from the first instruction; a run with no filter checks the leak stands out.
The workloads' true figures were checked by hand against their own
smaps_rollup (see tests/workloads/*.c for what each does).
"""
import os
import subprocess
import tempfile
import threading
import time

from lsharness import (LEAKSCOPE, ROOT, MiB, Failed, Suite, check, check_exact_or_skipped,
                       check_near, check_nothing_lost, final_report,
                       info as read_info, json_lines, proc_in, run_leakscope, smaps_rollup, wait_info,
                       workload)


LEAK_RATE = 4       # MiB/s, mapped and touched by mem_leak
BRK_RATE = 2        # MiB/s, malloc'd in 2 KiB chunks by mem_brk_leak
LAZY_ARENA = 256    # MiB, lazily freed at once by mem_lazyfree
LAZY_CYCLE = 5      # MiB/s that mem_lazyfree reuses and frees lazily again
LAZY_BASE = 32      # MiB, arena of the growing lazy-free workload
LAZY_GROW = 8       # MiB/s of new lazily freed memory it adds
BIGMAP_DELAY = 6    # s before mem_bigmap maps, so that -p sees it happen
RUN_S = 28          # the -p run (a leak verdict needs 24 s); every workload outlives it

# name: (workload, arguments); the durations outlive the run (reaped after)
MULTI = {
    "leak": ("mem_leak", [LEAK_RATE, 50]),
    "brk": ("mem_brk_leak", [BRK_RATE, 50]),
    "lazy": ("mem_lazyfree", [LAZY_ARENA, 50]),
    "lazygrow": ("mem_lazyfree", [LAZY_BASE, 50, LAZY_GROW]),
    "plateau": ("mem_plateau", [3, 20, 50]),
    "bigmap": ("mem_bigmap", [1024, 50, BIGMAP_DELAY]),
}
WANT_VERDICT = {"leak": "leak", "brk": "leak", "lazy": "lazy-free", "lazygrow": "lazy-free",
                "plateau": "stable", "bigmap": "stable"}


def function_lines(path, start):
    """First and last line (1-based) of the C function whose line starts with
    start: up to the first line that is a lone closing brace."""
    with open(path) as f:
        lines = f.read().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i in range(first, len(lines)) if lines[i] == "}")
    return first + 1, last + 1


def check_mapping(proc, info):
    """The mapping the workload made is the first of largest_mappings."""
    maps = proc["memory"]["largest_mappings"]
    check(len(maps) >= 1, "the 1 GiB mapping is listed", ">= 1", len(maps))
    big = maps[0]
    for key in ("size", "addr", "tid", "ts"):
        check(isinstance(big.get(key), int), f"largest_mappings[0].{key} is an integer", "int",
              big.get(key))
    check(big["size"] >= 1 << 30, "its size", ">= 1 GiB", big["size"])
    check(big["tid"] == info["tid"], "the thread that mapped it", info["tid"], big["tid"])
    check(big["tid"] != info["pid"], "a thread, not the main one", f"!= {info['pid']}", big["tid"])
    check(big["addr"] == info["addr"], "its address", hex(info["addr"]), hex(big["addr"]))
    check(big.get("thread") == "bigmapper", "thread name", "bigmapper", big.get("thread"))


class MultiRun:
    """The six workloads under one leakscope run with repeated -p."""

    def __init__(self, suite):
        self.suite = suite
        self.report = None
        self.objs = None
        self.procs = {}
        self.smaps = {}
        self.info = {}
        self.true_rate = {}

    def run(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {}
            for name, (prog, args) in MULTI.items():
                paths[name] = os.path.join(d, name)
                env = dict(os.environ, WL_INFO=paths[name])
                self.procs[name] = self.suite.spawn([workload(prog)] + [str(a) for a in args],
                                                    env=env)
            for name in MULTI:
                wait_info(paths[name])
            args = []
            for p in self.procs.values():
                args += ["-p", str(p.pid)]
            # the workloads start once leakscope has attached (the gate):
            # their true rates count from then
            before = {}
            gate = os.environ["LEAKSCOPE_READY_FILE"]

            def at_attach():
                end = time.time() + 120
                while not os.path.exists(gate) and time.time() < end:
                    time.sleep(0.01)
                before.update(self.anon_now())
            t = threading.Thread(target=at_attach)
            t.start()
            _, out, _ = run_leakscope(args + ["-i", "1", "-d", str(RUN_S), "--json"])
            after = self.anon_now()
            t.join()
            # the leaks' true rates, from their own smaps_rollup over the run
            for name in ("leak", "brk"):
                (t0, a0), (t1, a1) = before[name], after[name]
                self.true_rate[name] = (a1 - a0) / (t1 - t0)
            # LazyFree as the processes themselves see it, right after the last report
            for name in ("lazy", "lazygrow"):
                self.smaps[name] = smaps_rollup(self.procs[name].pid)
            self.smaps_at = time.clock_gettime(time.CLOCK_BOOTTIME)
            self.info = {name: read_info(path) for name, path in paths.items()}
        self.objs = json_lines(out)
        self.report = final_report(self.objs)

    def anon_now(self):
        return {name: (time.monotonic(), smaps_rollup(self.procs[name].pid)["Anonymous"])
                for name in ("leak", "brk")}

    def mem(self, name):
        return proc_in(self.report, self.procs[name].pid)["memory"]


def main():
    s = Suite("memory")
    multi = MultiRun(s)

    def verdicts_with_repeated_p():
        multi.run()  # workloads stay alive for the reads of /proc (reaped after)
        got = {name: multi.mem(name)["verdict"] for name in MULTI}
        check(got == WANT_VERDICT, "verdicts", WANT_VERDICT, got)

    # the remaining checks read the same run, captured by the first subtest
    def leak_rate():
        mem = multi.mem("leak")
        truth = multi.true_rate["leak"]
        check_near(truth, LEAK_RATE * MiB, 0.1, "the workload's own rate (smaps_rollup)")
        check_near(mem["real_growth_bytes_per_s"], truth, 0.25, "real growth rate")
        check(mem["confidence"] >= 0.6, "confidence of a steady leak", ">= 0.6", mem["confidence"])
        check("grew steadily" in mem["explanation"], "explanation", "grew steadily ...",
              mem["explanation"])

    def brk_leak():
        mem = multi.mem("brk")
        check(mem["brk_growth_bytes"] >= 0.5 * BRK_RATE * MiB * RUN_S, "heap growth through brk",
              f">= {0.5 * BRK_RATE * RUN_S:.0f} MiB", mem["brk_growth_bytes"] / MiB)
        truth = multi.true_rate["brk"]
        check_near(truth, BRK_RATE * MiB, 0.1, "the workload's own rate (smaps_rollup)")
        check_near(mem["real_growth_bytes_per_s"], truth, 0.25, "real growth rate")

    def lazyfree():
        mem = multi.mem("lazy")
        truth = multi.smaps["lazy"]["LazyFree"]
        check(truth > 200 * MiB, "workload really holds lazily freed pages", "> 200 MiB", truth)
        check_near(mem["lazyfree_bytes"], truth, 0.10, "lazyfree_bytes vs smaps_rollup")
        check(mem["real_bytes"] < 32 * MiB, "real memory excludes LazyFree", "< 32 MiB",
              mem["real_bytes"])
        check(mem["rss_bytes"] > 200 * MiB, "RSS still counts it", "> 200 MiB", mem["rss_bytes"])
        # the arena was freed before the tracer attached: only the reuse cycle is seen
        check_near(mem["madv_free_bytes"], LAZY_CYCLE * MiB * multi.report["duration_s"], 0.2,
                   "MADV_FREE bytes during the run")
        check("lazily freed (MADV_FREE)" in mem["explanation"], "explanation", "lazily freed ...",
              mem["explanation"])

    def lazyfree_growing():
        # field report 1: RSS climbs, but only through MADV_FREE'd pages
        mem = multi.mem("lazygrow")
        truth = multi.smaps["lazygrow"]["LazyFree"]
        check(truth > (LAZY_BASE + LAZY_GROW * RUN_S / 2) * MiB, "its LazyFree really grew",
              f"> {LAZY_BASE + LAZY_GROW * RUN_S / 2:.0f} MiB", truth / MiB)
        # it adds LAZY_GROW MiB/s: smaps_rollup, read after leakscope exits,
        # is ahead of the last sample by what came between (seconds in an
        # emulated guest, where detaching is slow)
        gap = max(0.0, multi.smaps_at - multi.report["ts_ns"] / 1e9)
        low = 0.9 * (truth - LAZY_GROW * MiB * gap)
        check(low <= mem["lazyfree_bytes"] <= 1.1 * truth,
              "lazyfree_bytes vs smaps_rollup, read %.1f s after the last sample" % gap,
              f"{low / MiB:.1f} to {1.1 * truth / MiB:.1f} MiB", mem["lazyfree_bytes"] / MiB)
        check(mem["real_bytes"] < 32 * MiB, "real memory excludes LazyFree", "< 32 MiB",
              mem["real_bytes"])
        check(abs(mem["real_growth_bytes_per_s"]) < 0.5 * MiB, "real memory flat", "< 0.5 MiB/s",
              mem["real_growth_bytes_per_s"])
        check_near(mem["rss_growth_bytes_per_s"], LAZY_GROW * MiB, 0.25, "RSS growth rate")
        check(mem["madv_free_bytes"] >= 0.8 * (LAZY_GROW + LAZY_CYCLE) * MiB * RUN_S,
              "MADV_FREE bytes counted", f">= {0.8 * (LAZY_GROW + LAZY_CYCLE) * RUN_S:.0f} MiB",
              mem["madv_free_bytes"] / MiB)

    def plateau():
        mem = multi.mem("plateau")
        check(mem["real_bytes"] >= 55 * MiB, "plateau holds its cache", ">= 55 MiB", mem["real_bytes"])
        check(abs(mem["real_growth_bytes_per_s"]) < 0.5 * MiB, "no growth at the end", "< 0.5 MiB/s",
              mem["real_growth_bytes_per_s"])

    def bigmap_with_p():
        info = multi.info["bigmap"]
        check("tid" in info, "the workload mapped during the run", "tid written", info)
        check_mapping(proc_in(multi.report, multi.procs["bigmap"].pid), info)

    def json_contract():
        objs = multi.objs
        check(objs[-1]["type"] == "report", "the report comes last", "report", objs[-1]["type"])
        intervals = objs[:-1]
        check(len(intervals) >= RUN_S - 3, "one interval object a second", f">= {RUN_S - 3}",
              len(intervals))
        for o in intervals:
            check(o.get("type") == "interval", "every object before the report is an interval",
                  "interval", o.get("type"))
            check(isinstance(o.get("processes"), list), "interval.processes is a list", "list",
                  type(o.get("processes")))
        rep = multi.report
        for key, typ in (("type", str), ("duration_s", (int, float)), ("lost_events", int),
                         ("processes", list)):
            check(isinstance(rep.get(key), typ), f"report.{key} type", typ, type(rep.get(key)))
        check_near(rep["duration_s"], RUN_S, 0.1, "report.duration_s")
        check_nothing_lost(rep, "nothing lost tracing six processes")
        p = proc_in(rep, multi.procs["leak"].pid)
        check(p["comm"] == "mem_leak", "comm", "mem_leak", p["comm"])
        check(p["exe"] == os.path.realpath(workload("mem_leak")), "exe",
              os.path.realpath(workload("mem_leak")), p["exe"])
        m = p["memory"]
        for key in ("rss_bytes", "rss_anon_bytes", "rss_file_bytes", "rss_shmem_bytes",
                    "swap_bytes", "lazyfree_bytes", "real_bytes", "madv_free_bytes",
                    "madv_dontneed_bytes", "mapped_anon_bytes"):
            check(isinstance(m.get(key), int) and m[key] >= 0,
                  f"memory.{key} is a non-negative integer", "int >= 0", m.get(key))
        check(isinstance(m["real_growth_bytes_per_s"], (int, float)), "growth rate is a number",
              "number", m["real_growth_bytes_per_s"])
        check(isinstance(m["largest_mappings"], list), "largest_mappings is a list", "list",
              type(m["largest_mappings"]))
        check(m["verdict"] in ("leak", "growing", "lazy-free", "stable", "insufficient-data"),
              "verdict is one of the five", "leak|growing|lazy-free|stable|insufficient-data",
              m["verdict"])
        check(isinstance(m["confidence"], (int, float)) and 0 <= m["confidence"] <= 1,
              "confidence in 0..1", "0..1", m["confidence"])
        check(isinstance(m["explanation"], str) and m["explanation"], "explanation", "a sentence",
              m["explanation"])
        check(m["rss_bytes"] == m["rss_anon_bytes"] + m["rss_file_bytes"] + m["rss_shmem_bytes"],
              "rss = anon + file + shmem", m["rss_anon_bytes"] + m["rss_file_bytes"] +
              m["rss_shmem_bytes"], m["rss_bytes"])
        check(m["real_bytes"] == m["rss_bytes"] - m["lazyfree_bytes"], "real = rss - lazyfree",
              m["rss_bytes"] - m["lazyfree_bytes"], m["real_bytes"])
        check(m["mapped_anon_bytes"] >= 0.8 * LEAK_RATE * MiB * RUN_S,
              "anonymous bytes mapped during the run", f">= {0.8 * LEAK_RATE * RUN_S:.0f} MiB",
              m["mapped_anon_bytes"] / MiB)

    def cmd_leak():
        _, out, _ = run_leakscope(["-i", "1", "--json", "--", workload("mem_leak"),
                                   str(LEAK_RATE), "27"])
        rep = final_report(json_lines(out))
        leaks = [p for p in rep["processes"] if p["comm"] == "mem_leak"]
        check(len(leaks) == 1, "the command is in the report", 1, len(leaks))
        mem = leaks[0]["memory"]
        check(mem["verdict"] == "leak", "verdict", "leak", mem["verdict"])
        check_near(mem["real_growth_bytes_per_s"], LEAK_RATE * MiB, 0.25, "real growth rate")
        # traced from exec: every chunk it mapped is counted
        check(mem["mmap_anon_bytes"] >= 0.9 * LEAK_RATE * MiB * 26, "all its mappings seen",
              f">= {0.9 * LEAK_RATE * 26:.0f} MiB", mem["mmap_anon_bytes"] / MiB)
        check(leaks[0]["exited"], "the command exited", True, leaks[0]["exited"])
        # it holds no connection and opens no fd as it leaks: its growth
        # follows nothing it holds, and the report invents no cause
        check(mem["explained_by"] is None, "what the growth follows", None, mem["explained_by"])
        check("explain" not in mem["explanation"], "no cause in the explanation", "none",
              mem["explanation"])
        # the growth site names the code that maps, not libc's mmap wrapper
        sites = mem["growth_sites"]
        check(sites, "growth sites", ">= 1", sites)
        top = sites[0]
        check(top["frames"][0].startswith("main+") and top["frames"][0].endswith("(mem_leak)"),
              "top growth site", "main+0x... (mem_leak)", top["frames"])
        # built with -g: the frame's source line, inside main (the mmap call)
        src = top["sources"][0]
        first, last = function_lines(os.path.join(ROOT, "tests", "workloads", "mem_leak.c"),
                                     "int main(")
        check(src is not None and os.path.basename(src["file"]) == "mem_leak.c"
              and first <= src["line"] <= last, "the site's source line",
              f"mem_leak.c:{first}..{last}", src)
        check(len(top["sources"]) == len(top["frames"]), "one source per frame",
              len(top["frames"]), len(top["sources"]))
        check(abs(top["bytes"] - mem["mmap_anon_bytes"]) <= 0.3 * mem["mmap_anon_bytes"],
              "its bytes (1 in 16 small mappings sampled, weighted)", mem["mmap_anon_bytes"],
              top["bytes"])

    def cmd_lazyfree():
        secs = 10
        with tempfile.TemporaryDirectory() as d:
            info_path = os.path.join(d, "info")
            env = dict(os.environ, WL_INFO=info_path)
            p = subprocess.run([LEAKSCOPE, "-i", "1", "--json", "--", workload("mem_lazyfree"),
                                str(LAZY_ARENA), str(secs)],
                               capture_output=True, text=True, timeout=60, env=env)
            check(p.returncode == 0, "leakscope exit status", 0, f"{p.returncode}: {p.stderr[-300:]}")
            info = read_info(info_path)
        rep = final_report(json_lines(p.stdout))
        mem = proc_in(rep, info["pid"])["memory"]
        check(mem["verdict"] == "lazy-free", "verdict", "lazy-free", mem["verdict"])
        # its own smaps_rollup just before it exited; the arena does not change
        check_near(mem["lazyfree_bytes"], info["lazyfree_kb"] * 1024, 0.10,
                   "lazyfree_bytes vs the workload's own smaps_rollup")
        # traced from exec: the arena's first MADV_FREE is counted too
        check(mem["madv_free_bytes"] >= (LAZY_ARENA + 0.8 * LAZY_CYCLE * secs) * MiB,
              "MADV_FREE bytes since exec", f">= {LAZY_ARENA + 0.8 * LAZY_CYCLE * secs:.0f} MiB",
              mem["madv_free_bytes"] / MiB)
        check(mem["mmap_anon_bytes"] >= LAZY_ARENA * MiB, "the arena's mmap seen",
              f">= {LAZY_ARENA} MiB", mem["mmap_anon_bytes"] / MiB)

    def cmd_bigmap():
        with tempfile.TemporaryDirectory() as d:
            info_path = os.path.join(d, "info")
            env = dict(os.environ, WL_INFO=info_path)
            p = subprocess.run([LEAKSCOPE, "-i", "1", "--json", "--", workload("mem_bigmap"),
                                "1024", "2"], capture_output=True, text=True, timeout=60, env=env)
            check(p.returncode == 0, "leakscope exit status", 0, f"{p.returncode}: {p.stderr[-300:]}")
            info = read_info(info_path)
        rep = final_report(json_lines(p.stdout))
        check_mapping(proc_in(rep, info["pid"]), info)

    def threads_then(nthreads, after, seconds):
        """mem_thread_exit: nthreads threads pinned across the CPUs, each
        MADV_FREEing 5 x 64 KiB, then `after` (its argv tail); traced for
        `seconds`.  Returns the process's final report entry and the bytes
        the workload says it freed."""
        with tempfile.TemporaryDirectory() as d:
            info_path = os.path.join(d, "info")
            wl = s.spawn([workload("mem_thread_exit"), str(nthreads), "2"] + after,
                         env=dict(os.environ, WL_INFO=info_path))
            wait_info(info_path)
            _, out, _ = run_leakscope(["-p", str(wl.pid), "-i", "1", "-d", str(seconds), "--json"])
            truth = read_info(info_path).get("madv_free_bytes")
        check(truth == nthreads * 5 * 64 * 1024, "workload finished its threads",
              nthreads * 5 * 64 * 1024, truth)
        rep = final_report(json_lines(out))
        return proc_in(rep, wl.pid), truth, rep

    def exited_threads():
        # BPF keeps mmap/munmap/madvise counts in a per-CPU share of the
        # process's ledger, flushed every 16 calls or 1 MiB: what a CPU holds
        # when the process exits reaches the ledger only through the exit's
        # claim of its shares on every CPU (threads pinned to each CPU)
        p, truth, rep = threads_then(15, ["4"], 7)
        check(p.get("exited") is True, "process reported as exited", True, p.get("exited"))
        check_exact_or_skipped(p["memory"]["madv_free_bytes"], truth, rep, 64 * 1024,
                               "MADV_FREE bytes of the exited process")

    def cpu_share_handover():
        # two traced processes whose one thread each runs on CPU 0 and stays
        # under the flush thresholds: the second to call there takes CPU 0's
        # share from the first, which must land in the first's ledger (while
        # it lives), once; each exact at the end
        with tempfile.TemporaryDirectory() as d:
            infos = [os.path.join(d, f"info{i}") for i in range(2)]
            wls = [s.spawn([workload("mem_thread_exit"), "1", "2", "4"],
                           env=dict(os.environ, WL_INFO=path)) for path in infos]
            for path in infos:
                wait_info(path)
            _, out, _ = run_leakscope(["-p", str(wls[0].pid), "-p", str(wls[1].pid), "-i", "1",
                                       "-d", "7", "--json"])
            truths = [read_info(path).get("madv_free_bytes") for path in infos]
        rep = final_report(json_lines(out))
        for wl, truth in zip(wls, truths):
            check(truth == 5 * 64 * 1024, "workload finished", 5 * 64 * 1024, truth)
            got = proc_in(rep, wl.pid)["memory"]["madv_free_bytes"]
            check_exact_or_skipped(got, truth, rep, 64 * 1024, f"MADV_FREE bytes of {wl.pid}")

    def exec_claims_cpu_shares():
        # the same threads, then exec (sleep): the old image's shares on
        # every CPU must reach the ledger at exec, while the process lives on
        p, truth, rep = threads_then(15, ["0", "sleep", "15"], 6)
        check(p.get("exited") is False and p.get("comm") == "sleep", "process alive as sleep",
              ("sleep", False), (p.get("comm"), p.get("exited")))
        check_exact_or_skipped(p["memory"]["madv_free_bytes"], truth, rep, 64 * 1024,
                               "MADV_FREE bytes of the image before exec")

    def comm_filter():
        # -c: only processes with that command name, filtered in the kernel
        leak = s.spawn([workload("mem_brk_leak"), "2", "20"])
        other = s.spawn([workload("mem_leak"), "2", "20"])
        # unix peers are traced machine-wide: they must not be reported
        sock = f"/tmp/leakscope-comm-{os.getpid()}.sock"
        s.spawn([workload("sock_peer"), "unix-server", sock, "15", "keep"])
        time.sleep(0.2)
        s.spawn([workload("sock_peer"), "unix-client", sock, "100", "14", "keep"])
        time.sleep(0.3)
        _, out, _ = run_leakscope(["-c", "mem_brk_leak", "-i", "1", "-d", "10", "--json"])
        rep = final_report(json_lines(out))
        comms = {q["comm"] for q in rep["processes"]}
        check(comms == {"mem_brk_leak"}, "only the named command", {"mem_brk_leak"}, comms)
        p = proc_in(rep, leak.pid)
        # 10 s of a steady rise: growing (a leak verdict needs 24 s)
        check(p["memory"]["verdict"] == "growing", "verdict", "growing", p["memory"]["verdict"])
        check(p["memory"]["syscalls"] > 0, "its syscalls traced", "> 0", p["memory"]["syscalls"])
        del other

    def whole_machine():
        # no filter at all: the leak must stand out among everything else,
        # and a Go-like RSS growing through lazily freed pages must not be one
        leak = s.spawn([workload("mem_leak"), str(LEAK_RATE), "40"])
        lazygrow = s.spawn([workload("mem_lazyfree"), str(LAZY_BASE), "40", str(LAZY_GROW)])
        time.sleep(0.3)
        _, out, _ = run_leakscope(["-i", "1", "-d", "28", "--json"])
        rep = final_report(json_lines(out))
        p = proc_in(rep, leak.pid)
        check(p["memory"]["verdict"] == "leak", "verdict", "leak", p["memory"]["verdict"])
        check_near(p["memory"]["real_growth_bytes_per_s"], LEAK_RATE * MiB, 0.25,
                   "real growth rate")
        lazy = proc_in(rep, lazygrow.pid)["memory"]
        check(lazy["verdict"] == "lazy-free", "verdict of the growing lazy-free RSS", "lazy-free",
              f"{lazy['verdict']}: {lazy['explanation']}")
        # other tests may run at the same time: only a process that is itself
        # leaking or growing, or has some other alarm (sockets, setns), may be
        # ranked above it
        ahead = []
        for q in rep["processes"]:
            if q["pid"] == leak.pid:
                break
            alarms = [k for k, v in q.items() if k != "memory" and isinstance(v, dict)
                      and v.get("verdict") not in (None, "stable", "insufficient-data")]
            if q.get("setns", {}).get("failed") or q.get("unshare", {}).get("failed"):
                alarms.append("setns")	# failures lead the report by design
            if q["memory"]["verdict"] not in ("leak", "growing") and not alarms:
                ahead.append((q["pid"], q["comm"], q["memory"]["verdict"]))
        check(not ahead, "nothing without an alarm ranked above the leak", "[]", ahead)

    def of_the_traced_run(fn):
        """The subtests that read the run verdicts_with_repeated_p made."""
        def check_it():
            if multi.report is None:
                raise Failed("the traced run did not complete")
            fn()
        return check_it

    s.subtest("verdicts_with_repeated_p", verdicts_with_repeated_p)
    for n, fn in [("leak_rate_within_25pct", leak_rate), ("brk_leak_seen", brk_leak),
                  ("lazyfree_within_10pct_of_smaps", lazyfree),
                  ("lazyfree_growing_rss_is_not_a_leak", lazyfree_growing),
                  ("plateau_is_stable", plateau),
                  ("bigmap_with_p_in_largest_mappings", bigmap_with_p),
                  ("json_contract", json_contract)]:
        s.subtest(n, of_the_traced_run(fn))
    s.subtest("cmd_leak_traced_from_exec", cmd_leak)
    s.subtest("cmd_lazyfree_traced_from_exec", cmd_lazyfree)
    s.subtest("cmd_bigmap_in_largest_mappings", cmd_bigmap)
    s.subtest("whole_machine_sees_leak", whole_machine)
    s.subtest("comm_filter", comm_filter)
    s.subtest("exited_threads_counted", exited_threads)
    s.subtest("cpu_share_handed_over", cpu_share_handover)
    s.subtest("exec_claims_cpu_shares", exec_claims_cpu_shares)
    if not s.root_or_skip():
        return 0
    return s.run_all()

if __name__ == "__main__":
    raise SystemExit(main())
