# SPDX-License-Identifier: GPL-2.0
"""The fallback paths, on this kernel: kernels the matrix does not boot.

leakscope probes what the running kernel offers and takes another way to
the same numbers where a facility is missing (bpf/compat.bpf.h).  The
guests of `make test-kernels` prove 5.10, 6.1, 6.12 and the newest; the
kernels between them (Ubuntu 22.04's 5.15, RHEL 9's 5.14, Ubuntu 24.04's
6.8) offer other sets, which LEAKSCOPE_WITHOUT reproduces here: each set
must load, and read the same leaks as the fast paths.  One at a time,
each on its own workloads (-p): a leak through mmap, a unix server that
keeps every connection, and a client that keeps them too but closes a dup
of each first (a close that is not the last reference: the fd table search
that has a loop of its own without bpf_loop).
"""
import os
import signal
import subprocess
import tempfile

from lsharness import (LEAKSCOPE, MiB, Failed, Suite, check, check_nothing_lost, check_near,
                       final_report, connections_before, json_lines, proc_in, unix_client_log,
                       wait_for_file, workload)

# name: (LEAKSCOPE_WITHOUT, the kernels whose facilities it leaves)
PROFILES = {
    "5.10": ("all", "Debian 11, Amazon Linux 2: no typed task, probe reads only"),
    "5.14": ("loop,find_vma,percpu_lookup,rdonly_cast,task_pt_regs",
             "RHEL 9 without its backports: typed task, no bpf_loop, no bpf_task_pt_regs"),
    "5.15": ("loop,find_vma,percpu_lookup,rdonly_cast",
             "Ubuntu 22.04: typed task and bpf_task_pt_regs, no bpf_loop"),
    "6.8": ("rdonly_cast", "Debian 12's 6.1, Ubuntu 24.04's 6.8: no kfunc for tracepoints"),
}
# one at a time: two or four runs at once on two CPUs had a 4 MiB/s leak
# read "growing" now and then (1 run in 2 at two at once)
BATCHES = [[p] for p in PROFILES]
LEAK_RATE = 4       # MiB/s, by mem_leak
CONNS = 600         # the client's connections, one each CONN_MS: past the run's end
CONN_MS = 100
RUN_S = 32          # a leak verdict needs 24 s at -i 1: some to spare

def main():
    s = Suite("facilities")
    runs = {}
    procs = []   # outlive the subtests (Suite.run reaps its own spawns at each end)

    def spawn(argv, **kw):
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", subprocess.DEVNULL),
                             stderr=kw.pop("stderr", subprocess.DEVNULL),
                             start_new_session=True, **kw)
        procs.append(p)
        return p

    def start_batch(batch):
        for name in batch:
            without = PROFILES[name][0]
            d = os.path.join(tmp, name)
            os.makedirs(d)
            gate = os.path.join(d, "ready")
            env = dict(os.environ, WL_GATE=gate, LEAKSCOPE_READY_FILE=gate,
                       LEAKSCOPE_WITHOUT=without)
            sock = os.path.join(d, "app.sock")
            leak = spawn([workload("mem_leak"), str(LEAK_RATE), "60"], env=env)
            srv = spawn([workload("sock_peer"), "unix-server", sock, "60", "keep"], env=env)
            wait_for_file(sock)
            cli_info = os.path.join(d, "client.info")
            cli = spawn(unix_client_log(sock, CONNS, CONN_MS / 1000, cli_info, gate, dup=True),
                        env=env)
            err = open(os.path.join(d, "stderr"), "w+")
            args = [LEAKSCOPE, "-v", "-i", "1", "-d", str(RUN_S), "--json",
                    "-p", str(leak.pid), "-p", str(srv.pid), "-p", str(cli.pid)]
            p = spawn(args, stdout=subprocess.PIPE, stderr=err, env=env)
            runs[name] = {"proc": p, "gate": gate, "err": err, "leak": leak.pid,
                          "server": srv.pid, "client": cli.pid, "client_info": cli_info}

    def attach(name):
        if name not in runs:
            start_batch(next(b for b in BATCHES if name in b))
        r = runs[name]
        try:
            wait_for_file(r["gate"], 120)
        except Failed:
            r["proc"].kill()
            r["err"].seek(0)
            lines = [l for l in r["err"].read().splitlines() if not l.startswith("libbpf:")]
            raise Failed(f"LEAKSCOPE_WITHOUT={PROFILES[name][0]}: never attached: {lines[-3:]}")
        r["attached"] = True

    def verdicts(name):
        r = runs.get(name)
        if not r or not r.get("attached"):
            raise Failed("did not attach (see attach_" + name + ")")
        out, _ = r["proc"].communicate(timeout=RUN_S + 90)
        r["err"].seek(0)
        err = r["err"].read()
        check(r["proc"].returncode == 0, "exit status", 0, r["proc"].returncode)
        # the object and the paths chosen, as -v says them
        plain = "the BPF object built without kfuncs" in err
        check(plain == ("rdonly_cast" in PROFILES[name][0] or PROFILES[name][0] == "all"),
              "the object without kfunc externs where bpf_rdonly_cast is off",
              "rdonly_cast" in PROFILES[name][0] or PROFILES[name][0] == "all", plain)
        rep = final_report(json_lines(out))
        check_nothing_lost(rep, "events lost")
        mem = proc_in(rep, r["leak"])["memory"]
        check(mem["verdict"] == "leak", "mem_leak's verdict", "leak",
              f'{mem["verdict"]}: {mem.get("explanation")}')
        check_near(mem["real_growth_bytes_per_s"], LEAK_RATE * MiB, 0.25, "mem_leak's rate")
        # the client goes on connecting past the run: count those made
        # before the final report was taken (CLOCK_BOOTTIME, as ts_ns)
        held = connections_before(r["client_info"], rep["ts_ns"])
        srv = proc_in(rep, r["server"])["unix_sockets"]
        check(srv["verdict"] == "leak", "the server's unix verdict", "leak",
              f'{srv["verdict"]}: {srv.get("explanation")}')
        check(abs(srv["open"] - held) <= 1,
              "the server's open connections: the client's made before the report (within 1)",
              held, srv["open"])
        cli = proc_in(rep, r["client"])["unix_sockets"]
        # the dups' closes found another fd on the socket: not closes of it
        check(cli["open"] == srv["open"] and cli["closed"] == 0,
              "the client's (open, closed): each dup's close leaves the socket held",
              (srv["open"], 0), (cli["open"], cli["closed"]))
        check(cli["verdict"] == "leak", "the client's unix verdict", "leak", cli["verdict"])

    for batch in BATCHES:
        for name in batch:
            s.subtest(f"attach_{name}", attach, name)
        for name in batch:
            s.subtest(f"verdicts_{name}", verdicts, name)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-facilities-")
    try:
        return s.run_all()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        for r in runs.values():
            r["err"].close()
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    raise SystemExit(main())
