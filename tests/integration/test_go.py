# SPDX-License-Identifier: GPL-2.0
"""A Go program's leak, traced live with -p (issue 24): the verdict, the
rate against what the program itself says it retains, and a growth site in
the program's own code (main.), past Go's runtime, with its source line.
The workload is built by the Makefile with Debian's golang-go; without it
the tests skip, saying so (make deps installs it)."""
import os
import tempfile

from lsharness import (ROOT, MiB, Failed, Suite, check, check_near, final_report,
                       json_lines, proc_in, run_leakscope, wait_info, workload)

GO_RATE = 2       # MiB/s of fresh []byte kept in a map by mem_go_leak
GO_SECS = 30      # the workload's own run, from attach (its gate)
RUN_S = 34        # leakscope's: the workload exits first and says what it kept
SRC = os.path.join(ROOT, "tests", "workloads", "mem_go_leak.go")


def line_of(path, needle):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise Failed(f"{needle!r} not in {path}")


def main():
    s = Suite("go")

    @s.subtest("go_map_leak")
    def go_map_leak():
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "info")
            p = s.spawn([workload("mem_go_leak"), str(GO_RATE), str(GO_SECS)],
                        env=dict(os.environ, WL_INFO=path))
            pid = wait_info(path, "pid")["pid"]
            _, out, _ = run_leakscope(["-p", str(pid), "-i", "1", "-d", str(RUN_S), "--json"])
            info = wait_info(path, "retained_per_s", timeout=10)
            p.wait(timeout=10)
        mem = proc_in(final_report(json_lines(out)), pid)["memory"]
        check(mem["verdict"] == "leak", "verdict", "leak",
              f"{mem['verdict']}: {mem['explanation']}")
        check_near(mem["real_growth_bytes_per_s"], info["retained_per_s"], 0.25,
                   "real growth rate against what the program retained")
        # past runtime.sysMmap, mmap, sysMap, mheap.grow, mallocgc, makeslice:
        # the program's own function, at the make() that allocates
        ours = [x for x in mem["growth_sites"] if x["frames"][0].startswith("main.")]
        check(ours, "a growth site whose first frame is in main.", ">= 1",
              [x["frames"] for x in mem["growth_sites"]])
        site = ours[0]
        check(site["frames"][0].startswith("main.leak+"), "the allocating function",
              "main.leak+0x...", site["frames"])
        check(site["frames"][0].endswith("(mem_go_leak)"), "its module", "(mem_go_leak)",
              site["frames"][0])
        want = line_of(SRC, "b := make([]byte, chunk)")
        src = site["sources"][0]
        check(src is not None and os.path.basename(src["file"]) == "mem_go_leak.go"
              and src["line"] == want, "its source line", f"mem_go_leak.go:{want}", src)
        # and the biggest site is the program's, not the runtime's start-up
        check(mem["growth_sites"][0]["frames"][0].startswith("main."),
              "the biggest growth site is the program's", "main....",
              mem["growth_sites"][0]["frames"])
        check(site["bytes"] >= 0.7 * info["retained_bytes"], "the site's bytes",
              f">= 0.7 x {info['retained_bytes'] / MiB:.1f} MiB", site["bytes"] / MiB)

    if not s.root_or_skip():
        return 0
    if not os.access(workload("mem_go_leak"), os.X_OK):
        s.skip_all("build/workloads/mem_go_leak not built: golang-go is not installed "
                   "(make deps installs it, then make)")
        return 0
    return s.run_all()


if __name__ == "__main__":
    raise SystemExit(main())
