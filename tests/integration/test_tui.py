# SPDX-License-Identifier: GPL-2.0
"""The live view (issue 28): on a terminal, `watch` redraws one screen in
place; keys select and sort; q ends the run with the final report on the
normal screen and exit 0; the terminal is restored on every way out.

Driven under tmux (a terminal of 160x40 on a private server): the screen is
read with `capture-pane`, keys sent with `send-keys`.  Not on a terminal,
or with --no-tui, the appended table stays."""
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from lsharness import (LEAKSCOPE, Failed, Suite, check, run_leakscope, wait_attached,
                       wait_for_file, workload)

EVIL_ESCAPED = "\\x1b[31mEVIL\\x1b[0m\\n"
PEER_ESCAPED = "peer\\xc2\\x9b2J\\xff"
HELP = "q quit  Up/Down or j/k select"


class Tmux:
    """One tmux server of our own, one window running cmd (through sh),
    which writes its exit status and the tty's modes around leakscope."""

    made = 0

    def __init__(self, tmp, argv, env=None):
        Tmux.made += 1  # a server each (one being killed may linger), its socket in tmp
        self.sock = os.path.join(tmp, f"tmux-{Tmux.made}")
        self.status = os.path.join(tmp, "status")
        self.before = os.path.join(tmp, "stty.before")
        self.after = os.path.join(tmp, "stty.after")
        for f in (self.status, self.before, self.after):
            if os.path.exists(f):
                os.unlink(f)
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        cmd = (f"stty -g > {self.before}; env {envs} {' '.join(map(shlex.quote, argv))}; "
               f"echo $? > {self.status}.tmp; stty -g > {self.after}; "
               f"mv {self.status}.tmp {self.status}; sleep 600")
        self.tmux("new-session", "-d", "-x", "160", "-y", "40", "sh", "-c", cmd)

    def tmux(self, *args):
        p = subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                           capture_output=True, text=True, timeout=20)
        if p.returncode:
            raise Failed(f"tmux {' '.join(args[:2])}: {p.stderr.strip()}")
        return p.stdout

    def screen(self, history=False):
        return self.tmux("capture-pane", "-p", *(["-S", "-200"] if history else []))

    def keys(self, *k):
        self.tmux("send-keys", *k)

    def wait_screen(self, pred, timeout, what):
        end = time.time() + timeout
        scr = ""
        while time.time() < end:
            scr = self.screen()
            if pred(scr):
                return scr
            time.sleep(0.5)
        raise Failed(f"{what} within {timeout} s; the screen:\n{scr}")

    def leakscope_pid(self):
        """The pane's sh's child: leakscope (env execs it)."""
        sh = self.tmux("display-message", "-p", "#{pane_pid}").strip()
        with open(f"/proc/{sh}/task/{sh}/children") as f:
            kids = f.read().split()
        check(len(kids) == 1, "one child of the pane's shell", 1, kids)
        return int(kids[0])

    def exit_status(self, timeout=30):
        wait_for_file(self.status, timeout)
        with open(self.status) as f:
            return int(f.read())

    def terminal_restored(self):
        with open(self.before) as a, open(self.after) as b:
            before, after = a.read().strip(), b.read().strip()
        check(before == after, "the tty's modes as before the run (stty -g)", before, after)

    def kill(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True, timeout=20)
        if os.path.exists(self.sock):
            os.unlink(self.sock)


def table_rows(scr):
    """The table's lines: those after the column titles, up to a blank one."""
    lines = scr.splitlines()
    for i, l in enumerate(lines):
        if l.lstrip().startswith("PID ") and "MEMORY" in l:
            rows = []
            for r in lines[i + 1:]:
                if not r.strip():
                    break
                rows.append(r)
            return rows
    return []


def ended_with_report(t, how, timeout=30):
    """The run ended by how: exit 0, the terminal as it was, and the final
    report on the normal screen with the live view gone."""
    rc = t.exit_status(timeout)
    check(rc == 0, f"exit status after {how}", 0, rc)
    t.terminal_restored()
    scr = t.screen(history=True)
    check("=== leakscope report:" in scr and HELP not in scr,
          "the report on the normal screen, the view gone", "=== ...", scr)


def main():
    s = Suite("tui")
    ready_env = lambda: {"LEAKSCOPE_READY_FILE": os.environ["LEAKSCOPE_READY_FILE"]}

    def leak_on_top():
        wl = s.spawn([workload("mem_leak"), "4", "120"])
        t = Tmux(tmp, [LEAKSCOPE, "watch", "-i", "1", "-p", str(wl.pid)], ready_env())
        try:
            wait_attached()
            # the leak at the top with its verdict (-i 1: leak at about 24 s)
            scr = t.wait_screen(lambda x: (r := table_rows(x)) and
                                r[0].split()[0] == str(wl.pid) and " leak " in r[0], 60,
                                "mem_leak at the top with verdict leak")
            check(HELP in scr and "leakscope  +" in scr and "events lost" in scr and
                  "process" in scr, "the header: run time, events lost, processes", HELP, scr)
            # the selected process's explanation below the table
            check(f"mem_leak (pid {wl.pid})" in scr and "memory: leak (confidence" in scr,
                  "the explanation of the selected process", "memory: leak", scr)
            check(scr.count("leakscope  +") == 1, "one screen, redrawn in place (not appended)",
                  1, scr.count("leakscope  +"))
            # s cycles the sort, j/k and arrows select (one row: stays)
            t.keys("s")
            t.wait_screen(lambda x: "sorted by memory" in x, 5, "s: sorted by memory")
            t.keys("s", "s", "s")
            t.wait_screen(lambda x: "sorted by urgency" in x, 5, "s x4: back to urgency")
            t.keys("j", "Down", "k", "Up")
            t.wait_screen(lambda x: (r := table_rows(x)) and r[0].split()[0] == str(wl.pid),
                          5, "still there after moving")
            t.keys("q")
            rc = t.exit_status()
            check(rc == 0, "exit status after q", 0, rc)
            t.terminal_restored()
            scr = t.screen(history=True)
            check("=== leakscope report:" in scr, "the final report after the view", "=== ...", scr)
            rep = scr.split("=== leakscope report:")[1]
            check(f"mem_leak (pid {wl.pid})" in rep and "memory: leak" in rep,
                  "the report names the leak", f"mem_leak (pid {wl.pid}) ... memory: leak", rep)
            check(HELP not in scr, "the live view is gone from the normal screen", "", scr)
        finally:
            t.kill()

    def hostile_names():
        d = os.path.join(tmp, "evil")
        os.makedirs(d, exist_ok=True)
        wl = s.spawn([workload("evil_names"), d, "60"],
                     env=dict(os.environ, WL_INFO=os.path.join(d, "info")))
        t = Tmux(tmp, [LEAKSCOPE, "watch", "-i", "1", "-p", str(wl.pid)], ready_env())
        try:
            wait_attached()
            scr = t.wait_screen(lambda x: EVIL_ESCAPED in x and PEER_ESCAPED in x and
                                "unix sockets:" in x, 30,
                                "the evil comm and its peer, escaped, with the socket verdict")
            rows = table_rows(scr)
            check(rows and EVIL_ESCAPED in rows[0], "the table's first row shows the comm escaped",
                  EVIL_ESCAPED, rows)
            # nothing the names hold reached the terminal: no title set, no
            # screen cleared, no line moved (the header is still line 1)
            title = t.tmux("display-message", "-p", "#{pane_title}")
            check("pwned" not in title, "the pane's title untouched", "not pwned", title)
            check(scr.splitlines()[0].startswith("leakscope  +"), "the header on the first line",
                  "leakscope  +", scr.splitlines()[:2])
            t.keys("q")
            rc = t.exit_status()
            check(rc == 0, "exit status after q", 0, rc)
            t.terminal_restored()
            rep = t.screen(history=True).split("=== leakscope report:")[-1]
            check(f"{EVIL_ESCAPED} (pid {wl.pid})" in rep, "the final report names it escaped",
                  EVIL_ESCAPED, rep[:800])
        finally:
            t.kill()

    def ends_restore():
        wl = s.spawn(["sleep", "120"])
        # -d: the run ends by itself
        t = Tmux(tmp, [LEAKSCOPE, "watch", "-i", "1", "-d", "3", "-p", str(wl.pid)], ready_env())
        try:
            t.wait_screen(lambda x: HELP in x, 30, "the live view")
            ended_with_report(t, "-d", 60)
        finally:
            t.kill()
        # SIGTERM: the same
        os.unlink(os.environ["LEAKSCOPE_READY_FILE"])
        t = Tmux(tmp, [LEAKSCOPE, "watch", "-i", "1", "-p", str(wl.pid)], ready_env())
        try:
            wait_attached()
            t.wait_screen(lambda x: table_rows(x), 30, "a first table")
            # SIGWINCH: drawn again for 90x15, the header on top and the
            # explanation under a table of 8 lines (at 40 lines: on line 29)
            t.tmux("resize-window", "-x", "90", "-y", "15")
            t.wait_screen(lambda x: len(x.splitlines()) <= 15 and
                          x.startswith("leakscope  +") and any(l.startswith(f"sleep (pid {wl.pid})") for l in x.splitlines()[:15]),
                          10, "the screen redrawn for 90x15")
            os.kill(t.leakscope_pid(), 15)
            ended_with_report(t, "SIGTERM")
        finally:
            t.kill()

    def old_output():
        wl = s.spawn(["sleep", "120"])
        args = ["-i", "1", "-d", "3", "-p", str(wl.pid)]
        # stdout not a terminal: the appended tables, no escape sequence
        rc, out, err = run_leakscope(args)
        check("\x1b" not in out, "no escape sequence in the output", "none", repr(out[:200]))
        check(out.count("\nleakscope ") >= 2 and out.count("     PID COMM") >= 2,
              "one table an interval, appended", ">= 2", out)
        check("=== leakscope report:" in out, "the final report", "=== ...", out)
        # --no-tui on a terminal: the same tables, appended
        os.unlink(os.environ["LEAKSCOPE_READY_FILE"])
        t = Tmux(tmp, [LEAKSCOPE, "watch", "--no-tui"] + args, ready_env())
        try:
            rc = t.exit_status(60)
            check(rc == 0, "exit status", 0, rc)
            scr = t.screen(history=True)
            check(HELP not in scr and scr.count("     PID COMM") >= 2 and
                  "=== leakscope report:" in scr, "tables appended, no live view", "tables", scr)
        finally:
            t.kill()

    s.subtest("leak_on_top_then_q_prints_the_report", leak_on_top)
    s.subtest("hostile_names_escaped_on_screen", hostile_names)
    s.subtest("duration_resize_and_sigterm", ends_restore)
    s.subtest("no_tui_and_no_terminal_keep_the_table", old_output)
    if not s.root_or_skip():
        return 0
    if not shutil.which("tmux"):
        s.skip_all("tmux is not installed (make deps installs it)")
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-tui-")
    try:
        return s.run_all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
