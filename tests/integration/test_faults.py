# SPDX-License-Identifier: GPL-2.0
"""Faults (issue 22): the reader stopped while events flow, the disk full
while recording, a signal while attaching, two leakscopes at once, a traced
process killed in the middle of a call."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from lsharness import LEAKSCOPE, Failed, Suite, check, check_nothing_lost, final_report, \
    json_lines, proc_in, wait_attached, wait_for_file, workload


def run(argv, timeout=120, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


def spawn_to_files(s, argv, name, tmp):
    """leakscope with its output in files: a pipe nobody reads while the
    test waits would fill and stop it (and its rings would overflow)."""
    out = open(os.path.join(tmp, name + ".out"), "wb")
    err = open(os.path.join(tmp, name + ".err"), "wb")
    return s.spawn(argv, stdout=out, stderr=err), out.name, err.name


def finish(p, out, err, who, timeout=90):
    p.wait(timeout=timeout)
    o, e = open(out).read(), open(err).read()
    check(p.returncode == 0, f"{who}: exit status", 0, f"{p.returncode}: {e[-300:]}")
    return o, e


def error_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("Error")]


def main():
    s = Suite("faults")

    def reader_stopped():
        # a unix churn (connect, accept, close both ends) far more than the
        # rings hold for 22 s: stopped, the reader loses events; it must
        # count them, say which processes they were of, and then see the
        # connections again as before.  10,000 a second (660,000 records
        # in the stop; the conn rings hold 8,192 slots a CPU and the ring
        # buffer 4 MiB), not as fast as it can: unpaced, the churn made
        # 84,000 a second, and on a busy machine the reader, once
        # resumed, lost events until the churn's end
        # (reader_stopped_22s_... failed so beside a guest)
        sock = os.path.join(tmp, "churn.sock")
        rec = os.path.join(tmp, "stopped.lsrec")
        lsp, o, e = spawn_to_files(s, [LEAKSCOPE, "record", "-o", rec, "-i", "1", "--json", "-v",
                                        "--", workload("sock_peer"), "unix-churn", sock, "55",
                                        "10000"],
                                   "stopped", tmp)
        end = time.time() + 30
        while time.time() < end and "attached" not in open(e).read():
            time.sleep(0.05)
        time.sleep(2)
        os.kill(lsp.pid, signal.SIGSTOP)
        time.sleep(22)
        os.kill(lsp.pid, signal.SIGCONT)
        out, err = finish(lsp, o, e, "leakscope")
        objs = json_lines(out)
        rep = objs[-1]
        check(rep["type"] == "report", "a final report", "report", rep["type"])
        check(rep["lost_events"] > 10000 and rep["drops"]["ringbuf"] > 0, "the loss counted",
              "> 10,000 (ring buffer)", (rep["lost_events"], rep["drops"]))
        span = (rep["lost_to_ts"] - rep["lost_from_ts"]) / 1e9
        check(span >= 20, "the loss placed around the stop", ">= 20 s between lost_from_ts and "
              "lost_to_ts (stopped 22 s)", span)
        churn = rep["processes"][0]
        check(churn["comm"] == "sock_peer" and churn["incomplete"], "the churning process marked",
              "sock_peer, incomplete", (churn["comm"], churn["incomplete"]))
        u = churn["unix_sockets"]
        # lost closes must not read as a leak: the ends are closed at the
        # churn's exit in any case, and the verdict is not "leak"
        check(u["open"] == 0 and u["verdict"] != "leak", "no false leak from the loss",
              "0 open, not leak", (u["open"], u["verdict"]))
        # recovered: connections seen in the intervals after the stop
        after = [o for o in objs if o["type"] == "interval"
                 and o["ts_ns"] > rep["lost_to_ts"] and o["processes"]]
        seen = [o["processes"][0].get("unix_sockets", {}).get("opened", 0) for o in after]
        check(len(seen) >= 3 and seen[-1] - seen[0] > 1000, "connections seen again after the stop",
              "> 1,000 more over >= 3 intervals", seen)
        check(rep["intervals"] >= 10, "intervals after the stop too", ">= 10", rep["intervals"])
        # the text report of the recording says it
        r = run([LEAKSCOPE, "report", rec])
        check(r.returncode == 0, "report exit status", 0, r.stderr[-300:])
        check("Events were lost from +" in r.stdout and "(incomplete)" in r.stdout,
              "the text report says what was lost and whose counts", "Events were lost ... "
              "(incomplete)", r.stdout[-800:])

    def disk_full():
        # a 256 KiB tmpfs fills within seconds under a unix churn
        mnt = os.path.join(tmp, "small")
        os.mkdir(mnt)
        p = run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt])
        check(p.returncode == 0, "mount a small tmpfs", 0, p.stderr)
        try:
            rec = os.path.join(mnt, "full.lsrec")
            sock = os.path.join(tmp, "full.sock")
            t0 = time.time()
            p = run([LEAKSCOPE, "record", "-o", rec, "-i", "1", "--", workload("sock_peer"),
                     "unix-churn", sock, "60"])
            took = time.time() - t0
            errs = error_lines(p.stderr)
            check(p.returncode == 1, "exit status", 1, f"{p.returncode}: {p.stderr[-300:]}")
            check(len(errs) == 1 and "No space left on device" in errs[0]
                  and f"writing {rec}" in errs[0], "one Error line naming the file and ENOSPC",
                  "Error: writing FILE: No space left on device: ...", errs)
            check(took < 40, "the run stops at the error", "< 40 s (the command runs 60)", took)
            size = os.path.getsize(rec)
            check(0 < size <= 256 << 10, "the file within the disk", "<= 256 KiB", size)
            r = run([LEAKSCOPE, "report", rec, "--json"])
            check(r.returncode == 3, "report of it: cut off", 3, f"{r.returncode}: {r.stderr[-300:]}")
            check("was cut off after" in r.stderr and "inside a block" not in r.stderr
                  and "corrupt" not in r.stderr, "it ends with a whole block",
                  "cut off after N intervals", r.stderr.strip())
            rep = final_report(json_lines(r.stdout))
            check(rep["intervals"] >= 1 and rep["processes"], "what it holds is reported",
                  ">= 1 interval, the churn", (rep["intervals"], len(rep["processes"])))
        finally:
            subprocess.run(["umount", mnt])

    def signal_while_attaching():
        # at every point of the start (loading the programs takes 150 ms to
        # 1 s here, up to 20 s in an emulated guest): a signal while they
        # load ends the run at once, killed by it, leaving no file; once
        # attached, the run ends as after Ctrl-C, with its final report and
        # a recording that reads.  CMD is never left behind.
        handled = runs = 0
        for sig in (signal.SIGTERM, signal.SIGINT):
            for delay in (0.005, 0.03, 0.08, 0.15, 0.3, 0.6, "attached", "attached+0.05"):
                rec = os.path.join(tmp, f"sig-{sig}-{delay}.lsrec")
                ready = os.path.join(tmp, f"sig-{sig}-{delay}.ready")
                runs += 1
                marker = f"{1000 + runs:.3f}"	# a sleep only this run starts
                t0 = time.time()
                # SIGINT as a terminal's Ctrl-C finds it: a non-interactive
                # shell starts background jobs with SIGINT ignored (the
                # guests of make test-kernels run the suites so), and an
                # ignored SIGINT before leakscope sets its handler is lost
                p = subprocess.Popen([LEAKSCOPE, "record", "-o", rec, "--json", "--",
                                      "sleep", marker], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=dict(os.environ, LEAKSCOPE_READY_FILE=ready),
                                     preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                      signal.SIG_DFL))
                after_attach = isinstance(delay, str)
                if after_attach:
                    wait_for_file(ready, 120)
                    if delay.endswith("0.05"):
                        time.sleep(0.05)
                else:
                    time.sleep(delay)
                p.send_signal(sig)
                what = f"{sig.name} {'once ' + delay if after_attach else f'after {delay * 1000:.0f} ms'}"
                try:
                    out, err = p.communicate(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    raise Failed(f"{what}: still running 15 s later")
                left = run(["pgrep", "-f", f"^sleep {marker}$"]).stdout.split()
                check(not left, f"{what}: the command not left running", "none", left)
                if p.returncode == -sig and not after_attach:
                    # while loading (or before the handlers were set):
                    # nothing traced, nothing left half-made
                    check(not os.path.exists(rec), f"{what}: killed while loading, no file",
                          "no file", os.path.getsize(rec) if os.path.exists(rec) else None)
                    continue
                check(p.returncode == 0, f"{what}: exit status",
                      "0" + ("" if after_attach else f" (or killed by {sig.name} while loading)"),
                      f"{p.returncode}: {err[-300:]}")
                objs = json_lines(out)
                check(objs and objs[-1]["type"] == "report", f"{what}: a final report",
                      "report", objs[-1:] if objs else out[-200:])
                r = run([LEAKSCOPE, "report", rec])
                check(r.returncode == 0, f"{what}: its recording reads", 0,
                      f"{r.returncode}: {r.stderr[-200:]}")
                handled += 1
        left = [f for f in os.listdir(tmp) if f.startswith(".sig-")]
        check(not left, "no temporary file left", [], left)
        check(handled >= 4, "runs that ended with a report", ">= 4 (the attached ones)", handled)

    def two_at_once():
        # two leakscopes at once, one on the whole machine and one on the
        # server's pid, attached together: both see the same leak
        sock = os.path.join(tmp, "two.sock")
        # 28 s: a leak verdict needs 7 samples over 24 s
        srv = s.spawn([workload("sock_peer"), "unix-server", sock, "45", "keep"])
        wait_for_file(sock)
        a = spawn_to_files(s, [LEAKSCOPE, "-i", "1", "-d", "28", "--json", "-n", "10000"],
                           "two-a", tmp)
        b = spawn_to_files(s, [LEAKSCOPE, "-i", "1", "-d", "28", "--json", "-p", str(srv.pid)],
                           "two-b", tmp)
        wait_attached()
        time.sleep(2)
        cli = s.spawn([workload("sock_peer"), "unix-client", sock, "100", "40", "keep"])
        reps = {}
        for who, run_ in (("whole machine", a), ("-p", b)):
            out, err = finish(*run_, who)
            reps[who] = final_report(json_lines(out))
        held = {}
        for who, rep in reps.items():
            u = proc_in(rep, srv.pid)["unix_sockets"]
            held[who] = u["open"]
            check(u["verdict"] == "leak", f"{who}: the server leaks", "leak", u["verdict"])
            check(u["peers"] and u["peers"][0]["pid"] == cli.pid, f"{who}: the client is its peer",
                  cli.pid, u["peers"][:1])
            check(u["open"] >= 80, f"{who}: connections held", ">= 80 (10 a second, 11 s)",
                  u["open"])
            check_nothing_lost(rep, f"{who}: nothing lost")
        # each stops 28 s after its own attach (seconds apart in an emulated
        # guest) while the client connects 10 times a second: they agree up
        # to the connections made between their two ends
        apart = abs(reps["whole machine"]["ts_ns"] - reps["-p"]["ts_ns"]) / 1e9
        check(abs(held["whole machine"] - held["-p"]) <= 10 * apart + 3,
              "both count the same connections",
              f"within 3 + 10 a second for the {apart:.2f} s between their ends", held)

    def killed_mid_call():
        # a client blocked in connect() (the listener's backlog is full and
        # it never accepts) killed by SIGKILL: no connection appears that
        # connect() never made, the ones it made close with its death, and
        # leakscope carries on
        path = os.path.join(tmp, "noaccept.sock")
        made_file = os.path.join(tmp, "made")
        lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lst.bind(path)
        lst.listen(1)	# two connections queue; the third connect() blocks
        code = ("import socket\n"
                "held = []\n"
                "for i in range(8):\n"
                "    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                f"    c.connect({path!r})\n"
                "    held.append(c)\n"
                f"    open({made_file!r}, 'a').write('x')\n")
        try:
            lsp = spawn_to_files(s, [LEAKSCOPE, "-i", "1", "-d", "9", "--json", "-n", "10000"],
                                 "killed", tmp)
            wait_attached()
            cli = s.spawn(["python3", "-c", code])
            end = time.time() + 5
            while time.time() < end and (not os.path.exists(made_file)
                                         or len(open(made_file).read()) < 2):
                time.sleep(0.05)
            time.sleep(1)
            made = len(open(made_file).read()) if os.path.exists(made_file) else 0
            with open(f"/proc/{cli.pid}/wchan") as f:
                wchan = f.read()
            check(made == 2 and cli.poll() is None, "the client blocked in its third connect()",
                  "2 made, running", (made, cli.poll(), wchan))
            os.kill(cli.pid, signal.SIGKILL)
            cli.wait()
            out, err = finish(*lsp, "leakscope")
            rep = final_report(json_lines(out))
            c = proc_in(rep, cli.pid)
            check(c["exited"], "the client seen gone", True, c["exited"])
            u = c.get("unix_sockets", {})
            check(u.get("opened") == made and u.get("open") == 0,
                  "the connections it made, closed by its death, none for the blocked call",
                  f"{made} opened, 0 open", (u.get("opened"), u.get("open")))
            check_nothing_lost(rep)
        finally:
            lst.close()

    s.subtest("reader_stopped_22s_counts_drops_and_recovers", reader_stopped)
    s.subtest("disk_full_while_recording", disk_full)
    s.subtest("signal_while_attaching", signal_while_attaching)
    s.subtest("two_leakscopes_at_once", two_at_once)
    s.subtest("traced_process_killed_mid_call", killed_mid_call)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-faults-")
    try:
        return s.run_all()
    finally:
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    raise SystemExit(main())
