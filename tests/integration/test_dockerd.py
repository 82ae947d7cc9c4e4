# SPDX-License-Identifier: GPL-2.0
"""dockerd leaking connections, end to end (issue 24, field report 2).

A private dockerd (as in test_containers.py) and a python client that
opens 20 connections a second to its API socket, asks GET /_ping on each
and keeps them all.  leakscope -p dockerd must call dockerd's connections a
leak, naming the client's pid with the client's own count, and, when
dockerd's real memory grows with them (measured beside it from
smaps_rollup: about 14 KiB a connection on dockerd 20.10), say in the
memory explanation that the connections explain it; when it does not
grow, no such link may be invented.  And a loop of docker ps and docker
version (short requests, every connection closed) must never read leak.
Skips when dockerd cannot start.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, ROOT, Failed, Suite, check, final_report, json_lines,
                       proc_in, smaps_rollup, wait_attached, wait_for_file)
from test_containers import DOCKER, Dockerd

RATE = 20       # connections a second
SECONDS = 32    # a leak verdict needs 24 s
CLIENT = os.path.join(ROOT, "tests", "workloads", "http_conn_leak.py")
LOOP_S = 60     # the docker ps loop: long enough for a false leak to show


def ppid_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


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

    @s.subtest("docker_ps_loop_is_no_leak")
    def docker_ps_loop():
        """Field report 5's fear: a daemon under a steady load of short
        requests (a loop of docker ps and docker version, as monitoring
        does) must never read leak, at any interval, for dockerd or the
        containerd it started; every connection is closed again."""
        pid = d.proc.pid
        kids = [int(e) for e in os.listdir("/proc") if e.isdigit() and ppid_of(int(e)) == pid]
        args = ["-p", str(pid)] + [x for k in kids for x in ("-p", str(k))]
        out_path = os.path.join(tmp, "loop.json")   # a pipe read only at the end would fill
        out_file = open(out_path, "w")
        ls = s.spawn([LEAKSCOPE, *args, "-i", "1", "-d", str(LOOP_S), "--json"], stdout=out_file)
        wait_attached()
        calls = 0
        end = time.time() + LOOP_S - 3
        while time.time() < end:
            for cmd in (["ps"], ["version"]):
                subprocess.run([DOCKER, *cmd], env=d.env, capture_output=True, timeout=30)
                calls += 1
        ls.wait(timeout=120)
        out_file.close()
        check(ls.returncode == 0, "leakscope's exit", 0, ls.returncode)
        with open(out_path) as f:
            objs = json_lines(f.read())
        rep = final_report(objs)
        alarms = []
        for o in objs:
            for q in o.get("processes", []):
                if q["pid"] in [pid] + kids and q.get("memory", {}).get("verdict") == "leak":
                    alarms.append((o.get("duration_s"), q["comm"], q["memory"]["explanation"]))
        print(f"# {calls} docker calls in {LOOP_S - 3} s; dockerd and {len(kids)} children "
              f"traced; memory leak verdicts at any interval: {len(alarms)}")
        if alarms:  # what the verdict saw: dockerd's real memory at each interval
            print("# dockerd real memory (s:MiB): " + " ".join(
                f"{o.get('duration_s', 0):.0f}:{q['memory'].get('real_bytes', 0) / 2**20:.1f}"
                for o in objs for q in o.get("processes", []) if q["pid"] == pid))
        check(not alarms, "no interval calls dockerd's or containerd's memory a leak", "none",
              alarms[:3])
        u = proc_in(rep, pid)["unix_sockets"]
        check(u["verdict"] != "leak", "dockerd's unix verdict", "not leak",
              f"{u['verdict']}: {u['explanation']}")
        check(u["opened"] >= 0.9 * calls, "connections dockerd accepted, one a docker call at least",
              f">= {0.9 * calls:.0f}", u["opened"])
        check(u["open"] <= 5, "connections left open at the end", "<= 5", u["open"])

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
