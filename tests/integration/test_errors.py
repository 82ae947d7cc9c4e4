# SPDX-License-Identifier: GPL-2.0
"""Bad input gets one clear line and a non-zero exit (issue 2's error paths)."""
import json
import os
import shutil
import subprocess

from lsharness import LEAKSCOPE, Skipped, Suite, check

def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, **kw)


def one_error_line(p, rc, needle):
    check(p.returncode == rc, "exit status", rc, p.returncode)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(len(lines) == 1, "one line on stderr", 1, lines)
    check(lines[0].startswith("Error: "), "starts with 'Error: '", "Error: ...", lines[0])
    check(needle in lines[0], f"says '{needle}'", needle, lines[0])


def main():
    s = Suite("errors")

    def unknown_pid():
        one_error_line(run([LEAKSCOPE, "-p", "999999", "-d", "1"]), 1, "no process with pid 999999")

    def unknown_pid_json():
        p = run([LEAKSCOPE, "-p", "999999", "-d", "1", "--json"])
        check(p.returncode == 1, "exit status", 1, p.returncode)
        obj = json.loads(p.stdout.strip().splitlines()[-1])
        check(obj.get("type") == "error", "JSON error object", "error", obj)
        check("999999" in obj.get("message", ""), "message names the pid", "999999", obj)

    def bad_options():
        one_error_line(run([LEAKSCOPE, "-i", "abc"]), 2, "-i must be a positive number")
        one_error_line(run([LEAKSCOPE, "frobnicate"]), 2, "unknown command 'frobnicate'")
        one_error_line(run([LEAKSCOPE, "--bogus"]), 2, "unknown option --bogus")
        one_error_line(run([LEAKSCOPE, "-c", "a-very-long-command-name"]), 2, "at most 15 characters")
        one_error_line(run([LEAKSCOPE, "record"]), 2, "record needs -o FILE")
        one_error_line(run([LEAKSCOPE, "-p"]), 2, "option -p needs a value")
        one_error_line(run([LEAKSCOPE, "-p", "1", "--", "true"]), 2, "does not go with -p")
        one_error_line(run([LEAKSCOPE, "report", "-p", "1", "-p", "2", "x.lsrec"]), 2,
                       "report shows one process: give -p once")
        one_error_line(run([LEAKSCOPE, "report", "--btf", "vmlinux.btf", "x.lsrec"]), 2,
                       "--btf is for the commands that load BPF programs")
        one_error_line(run([LEAKSCOPE, "--btf", "a", "--btf", "b"]), 2, "give --btf once")
        one_error_line(run([LEAKSCOPE, "report", "--no-tui", "x.lsrec"]), 2,
                       "--no-tui is for 'leakscope watch'")
        one_error_line(run([LEAKSCOPE, "--btf"]), 2, "option --btf needs a value")

    def help_exits_zero():
        p = run([LEAKSCOPE, "--help"])
        check(p.returncode == 0 and "Usage: leakscope" in p.stdout, "usage on stdout, exit 0",
              0, (p.returncode, p.stdout[:80]))

    def version_exits_zero():
        version = open(os.path.join(os.path.dirname(__file__), "..", "..", "VERSION")).read().strip()
        p = run([LEAKSCOPE, "--version"])
        check(p.returncode == 0 and p.stdout == f"leakscope {version}\n",
              "'leakscope VERSION' on stdout, exit 0", f"leakscope {version}",
              (p.returncode, p.stdout))

    def missing_command():
        if os.geteuid() != 0:
            raise Skipped("needs root to load BPF programs")
        one_error_line(run([LEAKSCOPE, "--", "/nonexistent/cmd"]), 1,
                       "cannot run /nonexistent/cmd: No such file or directory")

    def unprivileged():
        setpriv = shutil.which("setpriv")
        check(setpriv is not None, "setpriv (util-linux) installed", "found", None)
        if os.geteuid() == 0:
            argv = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", LEAKSCOPE, "-d", "1"]
        else:
            argv = [LEAKSCOPE, "-d", "1"]
        # kernels before 5.11 count BPF maps against RLIMIT_MEMLOCK
        old = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2]) < (5, 11)
        one_error_line(run(argv), 1, "lacks CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH, "
                       "CAP_SYS_PTRACE" + (", CAP_SYS_RESOURCE" if old else "") +
                       ": run it as root, or with the capabilities")

    def root_without_capabilities():
        # uid 0 is not enough: the check must look at the capabilities
        if os.geteuid() != 0:
            raise Skipped("needs root to drop capabilities while keeping uid 0")
        argv = [shutil.which("setpriv"), "--inh-caps=-all", "--bounding-set=-all", LEAKSCOPE,
                "-d", "1"]
        one_error_line(run(argv), 1, "lacks CAP_BPF, CAP_PERFMON")

    def capabilities_without_root():
        # as another user with CAP_BPF and CAP_PERFMON only, leakscope says
        # what else it lacks, never that the kernel has no tracepoint (the
        # whole set is tests/integration/test_privileges.py's)
        if os.geteuid() != 0:
            raise Skipped("needs root to grant capabilities to another user")
        argv = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon", LEAKSCOPE,
                "-d", "1"]
        one_error_line(run(argv), 1, "lacks CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE")

    s.subtest("unknown_pid", unknown_pid)
    s.subtest("unknown_pid_json", unknown_pid_json)
    s.subtest("bad_options", bad_options)
    s.subtest("help_exits_zero", help_exits_zero)
    s.subtest("version_exits_zero", version_exits_zero)
    s.subtest("missing_command", missing_command)
    s.subtest("unprivileged", unprivileged)
    s.subtest("root_without_capabilities", root_without_capabilities)
    s.subtest("capabilities_without_root", capabilities_without_root)
    return s.run_all()


if __name__ == "__main__":
    raise SystemExit(main())
