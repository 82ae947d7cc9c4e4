# SPDX-License-Identifier: GPL-2.0
"""dockerd leaking connections, end to end (issue 24, field report 2).

A private dockerd (as in test_containers.py) and a python client that
opens 20 connections a second to its API socket, asks GET /_ping on each
and keeps them all.  leakscope -p dockerd must call dockerd's connections a
leak, naming the client's pid with the client's own count, and, when
dockerd's real memory grows with them (measured beside it from
smaps_rollup: about 14 KiB a connection on dockerd 20.10), say in the
memory explanation that the connections explain it; when it does not
grow, no such link may be invented.  Skips when dockerd cannot start.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, ROOT, Failed, Suite, check, final_report, json_lines,
                       proc_in, smaps_rollup, wait_attached, wait_for_file)
from test_containers import Dockerd

RATE = 20       # connections a second
SECONDS = 32    # a leak verdict needs 24 s
CLIENT = os.path.join(ROOT, "tests", "workloads", "http_conn_leak.py")


def real_bytes(pid):
    r = smaps_rollup(pid)
    return r.get("Rss", 0) - r.get("LazyFree", 0)


def main():
    s = Suite("dockerd")

    @s.subtest("leaked_connections_explain_the_memory")
    def leaked_connections():
        pid = d.proc.pid
        count_file = os.path.join(tmp, "count")
        ls = s.spawn([LEAKSCOPE, "-p", str(pid), "-i", "1", "--json"], stdout=subprocess.PIPE,
                     text=True)
        wait_attached()
        before = real_bytes(pid)
        client = s.spawn(["python3", CLIENT, d.sock, str(RATE), str(SECONDS), count_file])
        try:
            wait_for_file(count_file, SECONDS + 60)
        except Failed:
            raise Failed(f"the client did not finish (exit {client.poll()})")
        after = real_bytes(pid)
        with open(count_file) as f:
            held = int(f.read())
        ls.send_signal(signal.SIGINT)
        out, _ = ls.communicate(timeout=60)
        check(ls.returncode == 0, "leakscope's exit", 0, ls.returncode)
        check(client.poll() is None, "the client still holds its connections", "running",
              client.poll())
        rep = final_report(json_lines(out))
        p = proc_in(rep, pid)
        u = p["unix_sockets"]
        check(u["verdict"] == "leak", "dockerd's unix verdict", "leak", u["verdict"])
        peer = u["peers"][0]
        check(peer["pid"] == client.pid, "the peer named", client.pid, peer["pid"])
        check(peer["open"] == held, "its connections held, as the client counts them", held,
              peer["open"])
        check(f"opened by python3 ({client.pid})" in u["explanation"], "the explanation names it",
              f"opened by python3 ({client.pid})", u["explanation"])
        mem = p["memory"]
        link = mem["explained_by"]
        grew = after - before
        print(f"# dockerd real memory {before / 2**20:.1f} -> {after / 2**20:.1f} MiB "
              f"({grew / held / 1024:.1f} KiB a connection by smaps_rollup); leakscope: "
              f"{mem['verdict']}, {mem['explanation']}")
        if mem["verdict"] not in ("leak", "growing"):
            # no measurable growth: nothing to explain, and nothing invented
            check(link is None, "no link when memory does not grow", None, link)
            return
        check(link is not None, "the memory explanation's link to the connections", "a link",
              mem["explanation"])
        check(link["kind"] == "unix" and link["peer"] and link["peer"]["pid"] == client.pid,
              "what memory grows with", f"unix connections from {client.pid}", link)
        check(abs(link["gained"] - held) <= 0.1 * held, "connections gained", held,
              link["gained"])
        truth = grew / held
        check(0.5 * truth <= link["bytes_per_item"] <= 2 * truth,
              "bytes a connection (smaps_rollup's growth over the client's count)",
              f"{truth / 1024:.1f} KiB within a factor of 2", link["bytes_per_item"] / 1024)
        check("the connection leak explains the memory growth" in mem["explanation"],
              "the memory explanation says so", "the connection leak explains ...",
              mem["explanation"])

    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-dockerd-")
    d = Dockerd(tmp)
    why = d.start()
    if why:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        s.skip_all(why)
        return 0
    try:
        return s.run_all()
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
