# SPDX-License-Identifier: GPL-2.0
"""Resident memory by region class (/proc/PID/smaps, issue 27's first part).

One recorded run traces four workloads with repeated -p: a 256 MiB data
file mapped and read (class file, not a leak), 200 threads that each touch
64 KiB of their stack (class stack), an anonymous leak (class anon grows,
and the explanation says so) and a leak through malloc's brk heap (class
heap).  At the end the workloads are stopped
(SIGSTOP) before leakscope is: its last smaps read and the test's own read
of smaps_rollup see the same memory, and the classes' Rss must add up to
smaps_rollup's within 2%.  The recording replays to the same regions, and
the text report has the breakdown line.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, MiB, Failed, Suite, check, final_report, json_lines, proc_in,
                       replayed, smaps_rollup, wait_attached, wait_info, workload)

FILE_MIB = 256
THREADS = 200
STACK_KIB = 64      # touched by each thread
# what else a thread's stack mapping holds resident: glibc's thread
# descriptor and TLS at its top, the touched part's page rounding (8 KiB
# measured on Debian 12's glibc 2.36; 16 allowed), and the main [stack]
STACK_EXTRA_KIB = 16
LEAK_RATE = 4       # MiB/s
BRK_RATE = 2        # MiB/s, malloc'd in 2 KiB chunks
RUN_S = 28          # a leak verdict needs 24 s
SUM_TOLERANCE = 0.02


def regions_of(proc):
    return {r["class"]: r for r in proc["memory"]["regions"]}


class Run:
    def __init__(self, suite):
        self.suite = suite
        self.live = None
        self.replayed = None
        self.text = None
        self.truth = {}
        self.pids = {}
        self.data_path = None

    def run(self):
        d = tempfile.mkdtemp(prefix="ls-regions-", dir="/var/tmp")
        # a data file on disk (tmpfs would be shared memory): /var/tmp
        self.data_path = os.path.join(d, "data file.bin")
        rec = os.path.join(d, "run.lsrec")
        work = {
            "file": [workload("mem_filemap"), str(FILE_MIB), "120", self.data_path],
            "threads": [workload("mem_threads"), str(THREADS), "120", str(STACK_KIB)],
            "leak": [workload("mem_leak"), str(LEAK_RATE), "120"],
            "brk": [workload("mem_brk_leak"), str(BRK_RATE), "120"],
        }
        procs = {}
        try:
            for name, argv in work.items():
                env = dict(os.environ, WL_INFO=os.path.join(d, name + ".info"))
                procs[name] = self.suite.spawn(argv, env=env)
                self.pids[name] = procs[name].pid
            for name in work:  # set up (mapped, threads started): "pid" comes last
                wait_info(os.path.join(d, name + ".info"))
            args = ["record", "-o", rec, "--json", "-i", "1"]
            for p in procs.values():
                args += ["-p", str(p.pid)]
            ls = subprocess.Popen([LEAKSCOPE] + args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
            try:
                wait_attached()
                time.sleep(RUN_S)
                # freeze them: leakscope's last read and ours see the same memory
                for p in procs.values():
                    os.kill(p.pid, signal.SIGSTOP)
                time.sleep(0.1)
                for name, p in procs.items():
                    self.truth[name] = smaps_rollup(p.pid)
                ls.send_signal(signal.SIGINT)
                out, err = ls.communicate(timeout=120)
            finally:
                if ls.poll() is None:
                    ls.kill()
                    ls.wait()
            check(ls.returncode == 0, "leakscope record exits 0", 0, f"{ls.returncode}: {err[-500:]}")
            self.live = final_report(json_lines(out))
            self.replayed, self.text = replayed(rec)
        finally:
            for p in procs.values():
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            for f in (self.data_path, rec):
                if os.path.exists(f):
                    os.unlink(f)
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
            os.rmdir(d)

    def proc(self, name):
        if self.live is None:
            raise Failed("the traced run did not complete")
        return proc_in(self.live, self.pids[name])


def main():
    s = Suite("regions")
    run = Run(s)

    # the first subtest runs leakscope; the others read the same run
    @s.subtest("file_mapping_is_class_file_not_a_leak")
    def file_mapping():
        run.run()
        mem = run.proc("file")["memory"]
        reg = regions_of(run.proc("file"))
        f = reg["file"]
        check(f["rss_bytes"] >= 0.98 * FILE_MIB * MiB, "class file's rss",
              f">= {0.98 * FILE_MIB} MiB", f["rss_bytes"] / MiB)
        check(f["name"] == run.data_path, "its biggest file", run.data_path, f["name"])
        check(f["files"][0]["rss_bytes"] >= 0.98 * FILE_MIB * MiB, "the file's own rss",
              f">= {0.98 * FILE_MIB} MiB", f["files"][0]["rss_bytes"] / MiB)
        check(reg["anon"]["rss_bytes"] < 16 * MiB, "anonymous memory stays small", "< 16 MiB",
              reg["anon"]["rss_bytes"] / MiB)
        check(reg["lib"]["count"] >= 4 and reg["lib"]["name"], "libraries are lib",
              ">= 4 mappings, named", (reg["lib"]["count"], reg["lib"]["name"]))
        check(mem["verdict"] not in ("leak", "growing"), "not a leak", "stable",
              mem["verdict"])

    @s.subtest("threads_are_class_stack")
    def threads():
        reg = regions_of(run.proc("threads"))
        st = reg["stack"]
        check(THREADS + 1 <= st["count"] <= THREADS + 3, "stack mappings: the threads' and [stack]",
              f"{THREADS + 1}..{THREADS + 3}", st["count"])
        lo = THREADS * STACK_KIB * 1024
        hi = THREADS * (STACK_KIB + STACK_EXTRA_KIB) * 1024 + 1 * MiB
        check(lo <= st["rss_bytes"] <= hi, "stack rss: 64 KiB a thread, plus at most 16",
              f"{lo / MiB:.1f}..{hi / MiB:.1f} MiB", st["rss_bytes"] / MiB)
        check(reg["anon"]["rss_bytes"] < 4 * MiB, "stacks are not counted anon", "< 4 MiB",
              reg["anon"]["rss_bytes"] / MiB)

    @s.subtest("anon_leak_grows_class_anon_and_is_named")
    def anon_leak():
        mem = run.proc("leak")["memory"]
        reg = regions_of(run.proc("leak"))
        check(mem["verdict"] == "leak", "verdict", "leak", mem["verdict"])
        check(mem["regions_reads"] >= 3, "smaps read every few intervals", ">= 3",
              mem["regions_reads"])
        grew = {c: r["rss_growth_bytes"] for c, r in reg.items()}
        check(max(grew, key=grew.get) == "anon", "the class that grew most", "anon", grew)
        want = 0.8 * LEAK_RATE * MiB * (RUN_S - 2)
        check(grew["anon"] >= want, "anon growth over the run", f">= {want / MiB:.0f} MiB",
              grew["anon"] / MiB)
        check("the growth is in anonymous mappings" in mem["explanation"], "explanation",
              "... the growth is in anonymous mappings ...", mem["explanation"])

    @s.subtest("brk_leak_grows_class_heap_and_is_named")
    def brk_leak():
        mem = run.proc("brk")["memory"]
        grew = {r["class"]: r["rss_growth_bytes"] for r in mem["regions"]}
        check(max(grew, key=grew.get) == "heap", "the class that grew most", "heap", grew)
        want = 0.7 * BRK_RATE * MiB * (RUN_S - 2)
        check(grew["heap"] >= want, "heap growth over the run", f">= {want / MiB:.0f} MiB",
              grew["heap"] / MiB)
        check(mem["verdict"] == "leak", "verdict", "leak", mem["verdict"])
        check("the growth is in the brk heap" in mem["explanation"], "explanation",
              "... the growth is in the brk heap ...", mem["explanation"])

    @s.subtest("classes_add_up_to_smaps_rollup")
    def add_up():
        for name in ("file", "threads", "leak", "brk"):
            reg = run.proc(name)["memory"]["regions"]
            total = sum(r["rss_bytes"] for r in reg if r["class"] != "hugepages")
            truth = run.truth[name]["Rss"]
            check(abs(total - truth) <= SUM_TOLERANCE * truth,
                  f"{name}: classes' rss against smaps_rollup's Rss",
                  f"{truth / MiB:.2f} MiB within 2%", f"{total / MiB:.2f} MiB")

    @s.subtest("recording_replays_the_regions")
    def replay():
        for name in ("file", "threads", "leak", "brk"):
            live = run.proc(name)["memory"]
            again = proc_in(run.replayed, run.pids[name])["memory"]
            check(live["regions"] == again["regions"], f"{name}: replayed regions",
                  json.dumps(live["regions"])[:300], json.dumps(again["regions"])[:300])
            check(live["explanation"] == again["explanation"], f"{name}: replayed explanation",
                  live["explanation"], again["explanation"])

    @s.subtest("text_report_has_the_breakdown")
    def text():
        run.proc("leak")  # the run completed
        lines = run.text.splitlines()
        res = [l for l in lines if l.startswith("    resident: ")]
        check(len(res) == 4, "a resident line per process", 4, res)
        base = os.path.basename(run.data_path)
        check(any(f"file 2" in l and f"({base}" in l for l in res), "the data file's line",
              f"file 256.0 MiB ({base}", res)
        check(any(f"stack " in l and f"({THREADS + 1})" in l for l in res), "the threads' line",
              f"stack ... ({THREADS + 1})", res)
        check(any(l.startswith("    resident: anon ") for l in res), "the leak's line",
              "resident: anon ...", res)

    if not s.root_or_skip():
        return 0
    return s.run_all()

if __name__ == "__main__":
    raise SystemExit(main())
