# SPDX-License-Identifier: GPL-2.0
"""A kernel without BTF of its own, given its BTF as a file (--btf FILE).

Kernels built without CONFIG_DEBUG_INFO_BTF have no /sys/kernel/btf/vmlinux:
leakscope then refuses in one line, or runs from a BTF file (BTFHub's, as
libbpf-based tools do) with the fallbacks that need no kernel BTF: raw
tracepoints for the sched ones, the inet_sock_set_state tracepoint's own
record for TCP states, /proc for the socket snapshot's holders, probe reads.

Such a kernel is made here from this one: the test process moves to a
mount namespace of its own and mounts an empty tmpfs over /sys/kernel/btf
(leakscope's children inherit it; nothing outside sees it).  The file given
is a copy of the real /sys/kernel/btf/vmlinux taken before; another kernel's
BTF (a matrix kernel's, from tests/kernels/btf.sh) must be refused.  One run
of 28 s reads a mmap leak, a unix leak, TCP CLOSE_WAIT and a child's fork,
exec and exit, each checked by a subtest of its own.
"""
import ctypes
import glob
import os
import shutil
import signal
import subprocess
import tempfile

from lsharness import (LEAKSCOPE, MiB, ROOT, Failed, Skipped, Suite, check, check_nothing_lost,
                       check_near, final_report, connections_before, info, json_lines, proc_in, unix_client_log,
                       wait_for_file, workload)

VMLINUX = "/sys/kernel/btf/vmlinux"
KERNELS = "/var/cache/leakscope-kernels"
NO_BTF = ("this kernel has no BTF (/sys/kernel/btf/vmlinux): give its BTF with --btf FILE "
          "(BTFHub has files for many distribution kernels), or use a kernel built with "
          "CONFIG_DEBUG_INFO_BTF=y")
LEAK_RATE = 4       # MiB/s, by mem_leak
CONNS = 600         # the unix client's connections, one each CONN_MS: past the run's end
CONN_MS = 100
RUN_S = 28          # a leak verdict needs 24 s at -i 1
EXEC_CONNS = 5
FALLBACKS = [("ls_process_exit_raw_compat", "raw_tp/sched_process_exit"),
             ("ls_process_exec_raw_compat", "raw_tp/sched_process_exec"),
             ("ls_process_fork_raw", "raw_tp/sched_process_fork"),
             ("ls_tcp_state_tp", "tracepoint/sock/inet_sock_set_state")]

# A traced parent forks a child (traced by the fork), which connects to a
# unix server, then execs a shell that exits 7: its close-on-exec ends are
# closed by the exec, which only the exec's record tells the model.
FORKER = r"""
import os, socket, sys, time
path, n, gate = sys.argv[1], int(sys.argv[2]), sys.argv[3]
end = time.time() + 60
while not os.path.exists(gate) and time.time() < end:
    time.sleep(0.01)
time.sleep(2)
pid = os.fork()
if pid == 0:
    kept = []
    for _ in range(n):
        c = socket.socket(socket.AF_UNIX); c.connect(path); kept.append(c)
    time.sleep(2)
    os.execv("/bin/sh", ["sh", "-c", "sleep 3; exit 7"])
print(pid, flush=True)
os.waitpid(pid, 0)
time.sleep(600)
"""


def one_error_line(p, rc, needle):
    check(p.returncode == rc, "exit status", rc, p.returncode)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    check(len(lines) == 1, "one line on stderr", 1, lines)
    check(lines[0].startswith("Error: "), "starts with 'Error: '", "Error: ...", lines[0])
    check(needle in lines[0], f"says '{needle}'", needle, lines[0])


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)


def private_mounts_without_kernel_btf():
    """This process (and its children from now on) in a mount namespace of
    its own, where /sys/kernel/btf is an empty tmpfs."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:  # CLONE_NEWNS
        raise Failed(f"unshare(CLONE_NEWNS): {os.strerror(ctypes.get_errno())}")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "none", "/sys/kernel/btf"],
                   check=True)


def main():
    s = Suite("btf_file")
    procs = []   # the run's workloads outlive the subtests
    r = {}

    def spawn(argv, **kw):
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", subprocess.DEVNULL),
                             stderr=kw.pop("stderr", subprocess.DEVNULL),
                             start_new_session=True, **kw)
        procs.append(p)
        return p

    def beside_kernel_btf():
        # a kernel with its own BTF, given a file too: CO-RE from the file,
        # and the same programs as without it
        p = run([LEAKSCOPE, "-v", "-d", "1", "-i", "1", "-p", "1", "--btf", btf])
        check(p.returncode == 0, "exit status", 0, (p.returncode, p.stderr[-300:]))
        check(f"kernel BTF: from {btf} (for CO-RE; the kernel has its own too)" in p.stderr,
              "-v names the file", f"kernel BTF: from {btf} ...",
              [l for l in p.stderr.splitlines() if "BTF" in l])
        check("instead of tp_btf" not in p.stderr, "no fallback for tp_btf", "none",
              [l for l in p.stderr.splitlines() if "instead of" in l])
        check("this kernel's (its struct task_struct reads right)" in p.stderr,
              "the file checked against the running kernel", "reads right", p.stderr[-300:])

    def no_btf():
        one_error_line(run([LEAKSCOPE, "-d", "1", "-p", "1"]), 1, NO_BTF)

    def empty_vmlinux():
        # an empty /sys/kernel/btf/vmlinux (/dev/null bound over it) is no BTF
        sh = f"umount /sys/kernel/btf && mount --bind /dev/null {VMLINUX} && exec {LEAKSCOPE} -d 1"
        one_error_line(run(["unshare", "-m", "sh", "-c", sh]), 1, NO_BTF)

    def missing_file():
        missing = os.path.join(tmp, "no-such.btf")
        one_error_line(run([LEAKSCOPE, "--btf", missing, "-d", "1"]), 1,
                       f"--btf {missing}: No such file or directory")

    def unparsable_file():
        junk = os.path.join(tmp, "junk.btf")
        with open(junk, "wb") as f:
            f.write(b"not BTF at all\n" * 100)
        one_error_line(run([LEAKSCOPE, "--btf", junk, "-d", "1"]), 1,
                       f"--btf {junk}: not a kernel's BTF")

    def other_kernels_btf():
        # a matrix kernel's BTF (another build): CO-RE finds every field in
        # it and would read the wrong bytes; leakscope reads its own task
        # through it and refuses
        release = os.uname().release
        kdirs = [d for d in sorted(glob.glob(os.path.join(KERNELS, "*")))
                 if os.path.exists(os.path.join(d, "vmlinuz")) and os.path.basename(d) != release]
        if not kdirs:
            raise Skipped(f"no kernel in {KERNELS} (make test-kernels fetches them)")
        other = os.path.join(tmp, "other.btf")
        p = run([os.path.join(ROOT, "tests", "kernels", "btf.sh"), kdirs[0], other])
        check(p.returncode == 0, f"btf.sh {kdirs[0]}", 0, p.stderr[-300:])
        print(f"# the BTF of {os.path.basename(kdirs[0])}")
        one_error_line(run([LEAKSCOPE, "--btf", other, "-d", "2", "-p", "1"]), 1,
                       f"--btf {other} is not the running kernel's BTF")

    def start():
        gate = os.path.join(tmp, "ready")
        env = dict(os.environ, WL_GATE=gate, LEAKSCOPE_READY_FILE=gate)
        leak = spawn([workload("mem_leak"), str(LEAK_RATE), "60"], env=env)
        usock = os.path.join(tmp, "app.sock")
        usrv = spawn([workload("sock_peer"), "unix-server", usock, "60", "keep"], env=env)
        esock = os.path.join(tmp, "exec.sock")
        esrv = spawn([workload("sock_peer"), "unix-server", esock, "60", "keep"], env=env)
        port = 20000 + os.getpid() % 20000
        tsrv = spawn([workload("sock_peer"), "tcp-server", str(port), "60"], env=env)
        wait_for_file(usock)
        wait_for_file(esock)
        cli_info = os.path.join(tmp, "client.info")
        ucli = spawn(unix_client_log(usock, CONNS, CONN_MS / 1000, cli_info, gate), env=env)
        tcli_info = os.path.join(tmp, "tcp-client.info")
        tcli = spawn([workload("sock_peer"), "tcp-client", str(port), "100", str(RUN_S), "close"],
                     env=dict(env, WL_INFO=tcli_info))
        forker = spawn(["python3", "-c", FORKER, esock, str(EXEC_CONNS), gate], env=env,
                       stdout=subprocess.PIPE)
        err = open(os.path.join(tmp, "stderr"), "w+")
        args = [LEAKSCOPE, "--btf", btf, "-v", "-i", "1", "-d", str(RUN_S), "--json"]
        for p in (leak, usrv, esrv, tsrv, ucli, tcli, forker):
            args += ["-p", str(p.pid)]
        lsp = spawn(args, stdout=subprocess.PIPE, stderr=err, env=env)
        r.update(proc=lsp, gate=gate, err=err, leak=leak.pid, usrv=usrv.pid, ucli=ucli.pid,
                 cli_info=cli_info, tsrv=tsrv.pid, tcli_info=tcli_info, esrv=esrv.pid,
                 forker=forker, port=port)

    def attach():
        start()
        try:
            wait_for_file(r["gate"], 120)
        except Failed:
            r["proc"].kill()
            r["err"].seek(0)
            lines = [l for l in r["err"].read().splitlines() if not l.startswith("libbpf:")]
            raise Failed(f"never attached: {lines[-3:]}")
        out, _ = r["proc"].communicate(timeout=RUN_S + 90)
        r["err"].seek(0)
        r["stderr"] = r["err"].read()
        check(r["proc"].returncode == 0, "exit status", 0,
              (r["proc"].returncode, [l for l in r["stderr"].splitlines()
                                      if not l.startswith("libbpf:")][-3:]))
        r["report"] = final_report(json_lines(out))
        check_nothing_lost(r["report"], "events lost")

    def report():
        if "report" not in r:
            raise Failed("the run did not end with a report (see attach_from_btf_file)")
        return r["report"]

    def fallbacks():
        report()
        err = r["stderr"]
        want = [f"leakscope: kernel BTF: from {btf}\n",
                "leakscope: kernel facility task_btf: missing (no kernel BTF)",
                "leakscope: the BPF object built without kfuncs",
                "no task_file iterator: the attach-time snapshot reads /proc/PID/fd",
                f"leakscope: --btf {btf}: this kernel's (its struct task_struct reads right)"]
        for prog, sec in FALLBACKS:
            want.append(f"no kernel BTF, so {prog} from {sec} instead of tp_btf/")
        for w in want:
            check(w in err, "-v says", w.strip(),
                  [l for l in err.splitlines() if "BTF" in l or "kfunc" in l])

    def mem_verdict():
        mem = proc_in(report(), r["leak"])["memory"]
        check(mem["verdict"] == "leak", "mem_leak's verdict", "leak",
              f'{mem["verdict"]}: {mem.get("explanation")}')
        check_near(mem["real_growth_bytes_per_s"], LEAK_RATE * MiB, 0.25, "mem_leak's rate")

    def unix_leak():
        rep = report()
        # the client goes on connecting past the run: count those made
        # before the final report was taken (CLOCK_BOOTTIME, as ts_ns)
        held = connections_before(r["cli_info"], rep["ts_ns"])
        srv = proc_in(rep, r["usrv"])["unix_sockets"]
        check(srv["verdict"] == "leak", "the server's unix verdict", "leak",
              f'{srv["verdict"]}: {srv.get("explanation")}')
        print(f"# unix: {held} connections made before the report, the server holds {srv['open']}")
        check(abs(srv["open"] - held) <= 1,
              "the server's open connections: the client's made before the report (within 1)",
              held, srv["open"])
        cli = proc_in(rep, r["ucli"])["unix_sockets"]
        check(cli["open"] == srv["open"], "the client's open ends: the server's", srv["open"],
              cli["open"])

    def tcp_close_wait():
        t = proc_in(report(), r["tsrv"])["tcp"]
        truth = info(r["tcli_info"]).get("connects", 0)
        stuck = [x for x in t["stuck"] if x["state"] == "CLOSE_WAIT"]
        check(t["verdict"] == "leak", "the TCP server's verdict", "leak", t["verdict"])
        check(len(stuck) == 1, "one CLOSE_WAIT group", 1, t["stuck"])
        check(abs(stuck[0]["count"] - truth) <= max(2, 0.05 * truth),
              "CLOSE_WAIT count: the client's connects (within 5%)", truth, stuck[0]["count"])
        check(stuck[0]["peer"] == f"127.0.0.1 -> :{r['port']}", "clients of our port",
              f"127.0.0.1 -> :{r['port']}", stuck[0]["peer"])

    def fork_exec_exit():
        rep = report()
        line = r["forker"].stdout.readline().strip()
        check(line.isdigit(), "the forker's child pid", "a pid", line)
        child = proc_in(rep, int(line))   # traced from its fork on
        check(child["exited"], "the child marked exited", True, child["exited"])
        check(child.get("exit_code", 0) >> 8 == 7, "its exit status (wait status >> 8)", 7,
              child.get("exit_code"))
        u = child["unix_sockets"]
        # the exec closed its close-on-exec ends: no close() for BPF to see
        check((u["opened"], u["closed"], u["open"]) == (EXEC_CONNS, EXEC_CONNS, 0),
              "(opened, closed, open) after its exec", (EXEC_CONNS, EXEC_CONNS, 0),
              (u["opened"], u["closed"], u["open"]))

    s.subtest("btf_file_beside_kernel_btf", beside_kernel_btf)
    s.between(private_mounts_without_kernel_btf)
    s.subtest("no_btf_one_line_error", no_btf)
    s.subtest("empty_vmlinux_is_no_btf", empty_vmlinux)
    s.subtest("missing_btf_file", missing_file)
    s.subtest("unparsable_btf_file", unparsable_file)
    s.subtest("other_kernels_btf_refused", other_kernels_btf)
    s.subtest("attach_from_btf_file", attach)
    s.subtest("fallbacks_chosen", fallbacks)
    s.subtest("mem_leak_verdict", mem_verdict)
    s.subtest("unix_leak", unix_leak)
    s.subtest("tcp_close_wait", tcp_close_wait)
    s.subtest("fork_exec_exit_seen", fork_exec_exit)
    if not s.root_or_skip():
        return 0
    if not os.path.exists(VMLINUX):
        s.skip_all("this kernel has no BTF to copy (the test hides a kernel's own)")
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-btf-")
    btf = os.path.join(tmp, "vmlinux.btf")
    shutil.copyfile(VMLINUX, btf)
    try:
        return s.run_all()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
