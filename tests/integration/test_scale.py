# SPDX-License-Identifier: GPL-2.0
"""Hosts full of sockets (issue 23): other processes' sockets never make a
traced process's numbers look doubtful, and a whole-machine run that could
not take them all says so.

Workload: python3 processes holding 76,000 unix ends between them in
socketpairs (as many a process as its hard fd limit allows), more than
the attach snapshot's 65,536 a dump; beside them, a server that keeps
every connection a client makes (tests/workloads/sock_peer.c).
"""
import os
import resource
import subprocess
import tempfile

from lsharness import (LEAKSCOPE, Suite, check, final_report, json_lines, proc_in,
                       wait_attached, wait_for_file, workload)

NAMES = ["untraced_sockets_past_the_snapshot_are_not_lost_events",
         "whole_machine_past_the_snapshot_counts_the_skipped"]

HOLDER = """
import resource, socket, sys
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = [socket.socketpair(socket.AF_UNIX) for _ in range(int(sys.argv[1]))]
print("held", flush=True)
sys.stdin.read()
"""

UNIX_ENDS = 76000
# each holder fills its hard fd limit, less room for python's own fds
_HARD = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
PAIRS_EACH = min(9500, (_HARD - 64) // 2)
HOLDERS = -(-UNIX_ENDS // (2 * PAIRS_EACH))


def main():
    s = Suite("scale")
    if not s.root_or_skip(NAMES):
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-scale-")

    def hold_sockets():
        """The holders, each with its socketpairs made before leakscope
        starts; returns the number of unix ends they hold."""
        hs = []
        for _ in range(HOLDERS):
            h = s.spawn(["python3", "-c", HOLDER, str(PAIRS_EACH)], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, env=dict(os.environ, WL_GATE=""))
            hs.append(h)
        for h in hs:
            check(h.stdout.readline() == b"held\n", "a holder made its sockets", "held",
                  h.returncode)
        return HOLDERS * PAIRS_EACH * 2

    def leaking_pair(name, args):
        """A server keeping every connection and its client (one every
        100 ms), inside a 10 s run of leakscope with args; returns the
        final report and the server's pid."""
        sock = os.path.join(tmp, name + ".sock")
        srv = s.spawn([workload("sock_peer"), "unix-server", sock, "30", "keep"],
                      env=dict(os.environ, WL_GATE=""))
        wait_for_file(sock)
        lsp = subprocess.Popen([LEAKSCOPE] + args(srv.pid) +
                               ["-i", "1", "-d", "10", "--json", "-n", "10000"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_attached()
        s.spawn([workload("sock_peer"), "unix-client", sock, "100", "30", "keep"])
        out, err = lsp.communicate(timeout=120)
        check(lsp.returncode == 0, "leakscope exit", 0, err[-300:])
        return final_report(json_lines(out)), srv.pid

    def untraced_past_snapshot():
        ends = hold_sockets()
        rep, srv = leaking_pair("p", lambda pid: ["-p", str(pid)])
        skipped = rep.get("snapshot_untraced_skipped")
        print(f"# -p beside {ends} unix ends of others: lost_events {rep['lost_events']}, "
              f"snapshot_untraced_skipped {skipped}")
        check(rep["lost_events"] == 0, "no lost event said of the traced server", 0,
              (rep["lost_events"], rep["drops"]))
        check(skipped and skipped > 0, "the others' sockets past the snapshot, shown apart",
              "> 0", skipped)
        p = proc_in(rep, srv)
        check(not p["incomplete"], "the server is not marked incomplete", False, p["incomplete"])
        # a connection every 100 ms for the 10 s run, from attach
        check(p["unix_sockets"]["open"] >= 80, "the server's connections counted",
              ">= 80", p["unix_sockets"]["open"])

    def whole_machine_past_snapshot():
        ends = hold_sockets()
        rep, srv = leaking_pair("w", lambda pid: [])
        print(f"# whole machine beside {ends} unix ends: lost_events {rep['lost_events']}, "
              f"drops {rep['drops']}")
        # the snapshot had no room for all of them: whose they were is known
        # only for those it took, so the loss is said, not shown apart
        check(rep["lost_events"] > 0, "the sockets the snapshot had no room for are lost events",
              "> 0", rep["lost_events"])
        check(rep.get("snapshot_untraced_skipped") == 0, "nothing apart: every process is traced",
              0, rep.get("snapshot_untraced_skipped"))
        p = proc_in(rep, srv)
        check(p["incomplete"], "the server is marked incomplete", True, p["incomplete"])
        check(p["unix_sockets"]["open"] >= 80, "its connections made after attach still counted",
              ">= 80", p["unix_sockets"]["open"])

    try:
        s.run(NAMES[0], untraced_past_snapshot)
        s.run(NAMES[1], whole_machine_past_snapshot)
    finally:
        subprocess.run(["rm", "-rf", tmp])
    return s.done()


if __name__ == "__main__":
    raise SystemExit(main())
