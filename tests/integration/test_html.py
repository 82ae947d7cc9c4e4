# SPDX-License-Identifier: GPL-2.0
"""report FILE --html and watch --html (issue 28): one self-contained page.

One recording of 30 s holds a python3 unix server that keeps every
connection (named "<script>srv" through /proc/self/comm) while a client
leaks one every 50 ms into it, a memory leak (mem_leak), RSS growing
through MADV_FREE'd pages (mem_lazyfree, the Go 1.12-1.15 case), and
tests/workloads/evil_names run from an executable named with markup and
escapes.  Its page is opened in headless Chromium (Debian's
chromium-headless-shell, or chromium): a screenshot goes to
build/html-report.png, the DOM must hold one chart per chart section, the
final report's verdict text and data points equal to the JSON report's
samples of the same replay, and it prints (build/html-report.pdf); no request may leave the page (no URL in it,
and a Chromium whose proxy is a local listener makes no connection to it);
and every hostile name is escaped."""
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from html.parser import HTMLParser

from lsharness import (LEAKSCOPE, OUT, Skipped, Suite, check, final_report,
                       json_lines, unix_client_log, workload)

SERVER_COMM = "<script>srv"
PY_SERVER = r"""
import socket, sys
with open("/proc/self/comm", "w") as f:
    f.write(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1024)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
"""
EXE_NAME = b"<script>alert(1)<img src=x onerror=y>\x1b[7m\nevil"
EVIL_COMM_ESCAPED = "\\x1b[31mEVIL\\x1b[0m\\n"
EXE_ESCAPED = "<script>alert(1)<img src=x onerror=y>\\x1b[7m\\nevil"  # as the DOM's text reads
SCREENSHOT = os.path.join(OUT, "html-report.png")


def chromium():
    for name in ("chromium-headless-shell", "chromium"):
        path = shutil.which(name)
        if path:
            return path
    raise Skipped("no headless Chromium (make deps installs chromium-headless-shell)")


def browse(page, *extra, timeout=60):
    """Chromium on file://page with extra flags; returns (rc, stdout, stderr)."""
    home = tempfile.mkdtemp(prefix="leakscope-chromium-")
    try:
        p = subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox",
                            "--no-first-run", "--disable-background-networking",
                            f"--user-data-dir={home}", *extra, "file://" + page],
                           capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, HOME=home))
        return p.returncode, p.stdout, p.stderr
    finally:
        shutil.rmtree(home, ignore_errors=True)


class Page(HTMLParser):
    """Per process (article data-pid): its chart sections with their svg
    count, its series (data-label -> data-v numbers) per section kind, and
    its text."""

    def __init__(self):
        super().__init__()
        self.procs = {}
        self.cur = None
        self.section = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" and "data-pid" in a:
            self.cur = {"sections": [], "series": {}, "text": []}
            self.procs[int(a["data-pid"])] = self.cur
        elif self.cur is None:
            return
        elif tag == "section" and "chart" in a.get("class", "").split():
            self.section = {"kind": a.get("data-kind"), "svgs": 0}
            self.cur["sections"].append(self.section)
        elif tag == "svg" and self.section is not None and "chart" in a.get("class", "").split():
            self.section["svgs"] += 1
        elif tag == "g" and "series" in a.get("class", "").split() and self.section is not None:
            vals = [float(v) for v in a.get("data-v", "").split()]
            times = [float(v) for v in a.get("data-t", "").split()]
            self.cur["series"][(self.section["kind"], a.get("data-label"))] = (times, vals)

    def handle_endtag(self, tag):
        if tag == "section":
            self.section = None
        elif tag == "article":
            self.cur = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cur is not None:
            self.cur["text"].append(data)


def parse(html):
    p = Page()
    p.feed(html)
    return p


class Listener:
    """A TCP listener on 127.0.0.1 counting the connections made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.stop = False
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.count += 1
            c.close()

    def close(self):
        self.stop = True
        self.t.join()
        self.sock.close()


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, timeout=180, **kw)


def main():
    s = Suite("html")
    st = {}  # the recording's figures, shared by the subtests

    def record():
        """The recording every subtest but the last reads, made once."""
        if "json" in st:
            return
        sock = os.path.join(tmp, "app.sock")
        srv = s.spawn(["python3", "-c", PY_SERVER, sock, SERVER_COMM])
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.01)
        log = os.path.join(tmp, "client.log")
        s.spawn(unix_client_log(sock, 700, 0.05, log, os.environ["LEAKSCOPE_READY_FILE"]))
        leak = s.spawn([workload("mem_leak"), "3", "40"])
        # RSS climbing through lazily freed pages, real memory flat (Go 1.12-1.15)
        lazy = s.spawn([workload("mem_lazyfree"), "64", "40", "2"])
        exe = os.path.join(os.fsencode(tmp), EXE_NAME)
        shutil.copy(workload("evil_names"), exe)
        evil = s.spawn([exe, tmp, "40"], env=dict(os.environ, WL_INFO=os.path.join(tmp, "info")))
        p = run([LEAKSCOPE, "record", "-o", rec, "-i", "1", "-d", "30", "-p", str(srv.pid),
                 "-p", str(leak.pid), "-p", str(evil.pid), "-p", str(lazy.pid)])
        check(p.returncode == 0, "record exit status", 0, f"{p.returncode}: {p.stderr[-400:]!r}")
        t0 = time.monotonic()
        r = run([LEAKSCOPE, "report", rec, "--json", "--intervals", "--html", page])
        st["write_s"] = time.monotonic() - t0
        check(r.returncode == 0, "report --html exit status", 0,
              f"{r.returncode}: {r.stderr[-400:]!r}")
        objs = json_lines(r.stdout.decode())
        st["json"] = final_report(objs)
        st["intervals"] = [o for o in objs if o.get("type") == "interval"]
        st.update(srv=srv.pid, leak=leak.pid, evil=evil.pid, lazy=lazy.pid)
        with open(page, "rb") as f:
            st["raw"] = f.read()

    def private_and_never_overwritten():
        record()
        mode = stat.S_IMODE(os.stat(page).st_mode)
        check(mode == 0o600, "the page's mode", "0600", oct(mode))
        size = len(st["raw"])
        print(f"# page of a 30 s recording, {st['raw'].count(b'<article')} processes: "
              f"{size} bytes, written in "
              f"{st['write_s'] * 1000:.0f} ms (with the replay)")
        check(10_000 < size < 1_000_000, "a page of a sensible size", "10 KB to 1 MB", size)
        p = run([LEAKSCOPE, "report", rec, "--html", page])
        check(p.returncode == 1 and b"exists" in p.stderr, "an existing page is not replaced",
              "exit 1, ...exists...", (p.returncode, p.stderr[-200:]))
        check(open(page, "rb").read() == st["raw"], "the page left as it was", "unchanged", "changed")
        link = os.path.join(tmp, "link.html")
        target = os.path.join(tmp, "target")
        with open(target, "w") as f:
            f.write("keep")
        os.symlink(target, link)
        p = run([LEAKSCOPE, "report", rec, "--html", link])
        check(p.returncode == 1 and b"symbolic link" in p.stderr, "a link is refused",
              "exit 1, ...symbolic link...", (p.returncode, p.stderr[-200:]))
        p = run([LEAKSCOPE, "report", rec, "--html", link, "--force"])
        check(p.returncode == 0, "--force", 0, p.stderr[-200:])
        check(not os.path.islink(link) and open(target).read() == "keep",
              "--force replaced the link, not its target", "a file; target kept",
              (os.path.islink(link), open(target).read()))
        check(stat.S_IMODE(os.stat(link).st_mode) == 0o600, "replaced page's mode", "0600",
              oct(stat.S_IMODE(os.stat(link).st_mode)))
        check(not [n for n in os.listdir(tmp) if n.startswith(".")], "no temporary file left",
              [], os.listdir(tmp))

    def dom():
        record()
        rc, out, err = browse(page, "--dump-dom")
        check(rc == 0 and "<article" in out, "Chromium dumps the DOM", "exit 0 with articles",
              (rc, err[-300:]))
        rc, _, err = browse(page, "--window-size=1000,3000", f"--screenshot={SCREENSHOT}")
        check(rc == 0 and os.path.getsize(SCREENSHOT) > 20_000, "a screenshot",
              f"{SCREENSHOT} > 20 KB", (rc, err[-300:]))
        # it prints (@media print): a PDF of it
        pdf = os.path.join(OUT, "html-report.pdf")
        rc, _, err = browse(page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
        check(rc == 0 and open(pdf, "rb").read(5) == b"%PDF-" and os.path.getsize(pdf) > 20_000,
              "a PDF of the page", f"{pdf}, > 20 KB", (rc, err[-300:]))
        doc = parse(out)
        rep = st["json"]
        for pid in (st["srv"], st["leak"], st["evil"], st["lazy"]):
            check(pid in doc.procs, f"pid {pid} has a section", "present", sorted(doc.procs))
            secs = doc.procs[pid]["sections"]
            check(secs and all(x["svgs"] == 1 for x in secs), f"pid {pid}: one chart per section",
                  "1 each", [(x["kind"], x["svgs"]) for x in secs])
        # verdicts and the text report's explanation
        srv = doc.procs[st["srv"]]
        text = "".join(srv["text"])
        jsrv = next(p for p in rep["processes"] if p["pid"] == st["srv"])
        check("unix sockets: leak (confidence" in text, "the server's unix verdict in the page",
              "unix sockets: leak", text[:600])
        check(jsrv["unix_sockets"]["explanation"][:60] in text.replace("\n", " "),
              "the JSON's explanation in the page", jsrv["unix_sockets"]["explanation"][:60],
              text[:800])
        kinds = [x["kind"] for x in srv["sections"]]
        check("memory" in kinds and "unix" in kinds and "fds" in kinds,
              "memory, unix and fds charts", "all three", kinds)
        leak = doc.procs[st["leak"]]
        ltext = "".join(leak["text"])
        check(re.search(r"memory: (leak|growing) \(confidence", ltext), "the memory verdict",
              "memory: leak or growing", ltext[:400])
        # data points: each process's last real-memory point is the JSON's,
        # and every interval's figure is one of the chart's points
        for pid in (st["srv"], st["leak"], st["evil"], st["lazy"]):
            jp = next(p for p in rep["processes"] if p["pid"] == pid)
            times, vals = doc.procs[pid]["series"][("memory", "real memory")]
            check(vals and vals[-1] == jp["memory"]["real_bytes"],
                  f"pid {pid}: last real-memory point is the report's", jp["memory"]["real_bytes"],
                  vals[-3:])
            check(times == sorted(times) and times[-1] <= rep["duration_s"] + 1.5,
                  f"pid {pid}: times in order, within the run", rep["duration_s"], times[-3:])
            seen = [p["memory"]["real_bytes"] for o in st["intervals"] for p in o["processes"]
                    if p["pid"] == pid]
            missing = [v for v in seen if v not in vals]
            check(len(seen) >= 20 and not missing, f"pid {pid}: each interval's real memory drawn",
                  f">= 20 intervals, none missing", (len(seen), missing[:5]))
        # the lazily freeing one: its verdict, and LazyFree and RSS drawn to the report's figures
        lazy = doc.procs[st["lazy"]]
        jl = next(p for p in rep["processes"] if p["pid"] == st["lazy"])["memory"]
        check("memory: lazy-free (confidence" in "".join(lazy["text"]), "the lazy-free verdict",
              "memory: lazy-free", "".join(lazy["text"])[:400])
        for label, key in (("LazyFree", "lazyfree_bytes"), ("RSS", "rss_bytes")):
            vals = lazy["series"][("memory", label)][1]
            check(vals[-1] == jl[key] and jl[key] >= 32 << 20, f"the last {label} point",
                  jl[key], vals[-3:])
        # the leaking peer's line ends at the connections the server holds from it
        peers = {k[1]: v for k, v in srv["series"].items() if k[0] == "unix"}
        check(peers, "a line per peer", ">= 1", 0)
        jpeer = jsrv["unix_sockets"]["peers"][0]
        line = next((v for k, v in peers.items() if f"({jpeer['pid']})" in k), None)
        check(line and line[1][-1] == jpeer["open"], "the peer's last point is its open count",
              jpeer["open"], line and line[1][-3:])
        check(jpeer["open"] >= 300, "the client's leak was seen", ">= 300", jpeer["open"])

    def no_request():
        record()
        html = st["raw"].decode()
        for bad in ("http:", "https:", "ftp:", "url(", "@import", "src=\"", "src='",
                    "<script", "<link", "<iframe", "<img", "<object", "<embed", "<base"):
            check(bad not in html.lower(), f"no {bad} in the page", "none",
                  html[max(0, html.lower().find(bad) - 80):html.lower().find(bad) + 80])
        for href in re.findall(r'href="([^"]*)"', html):
            check(href.startswith("#"), "links stay in the page", "#...", href)
        check("default-src 'none'" in html, "a Content-Security-Policy forbidding fetches",
              "default-src 'none'", html[:400])
        # Chromium with every request sent to a local proxy that counts
        # them: the page makes none; a page with one remote image does
        # (the listener is seen to work)
        control = os.path.join(tmp, "control.html")
        with open(control, "w") as f:
            f.write('<!DOCTYPE html><html><body><img src="http://leakscope-control.test/x.png">'
                    "</body></html>")
        for what, path, want in (("the report", page, 0), ("a page with a remote image", control, 1)):
            lis = Listener()
            try:
                rc, _, err = browse(path, f"--proxy-server=127.0.0.1:{lis.port}",
                                    "--proxy-bypass-list=<-loopback>", "--dump-dom",
                                    "--virtual-time-budget=3000")
                time.sleep(0.3)
            finally:
                lis.close()
            check(rc == 0, f"Chromium opens {what}", 0, err[-300:])
            if want:
                check(lis.count >= 1, f"{what} reaches the proxy", ">= 1", lis.count)
            else:
                check(lis.count == 0, f"{what} makes no request", 0, lis.count)

    def hostile():
        record()
        raw = st["raw"]
        raw.decode("utf-8")  # valid UTF-8, or this raises
        check(b"\x1b" not in raw, "no escape byte in the page", "none", raw.find(b"\x1b"))
        for ch in range(0x20):
            if ch != 0x0a:
                check(bytes([ch]) not in raw, f"no control byte 0x{ch:02x} in the page", "none",
                      raw.find(bytes([ch])))
        html = raw.decode()
        check("<script" not in html, "no raw <script", "none", html.find("<script"))
        check("&lt;script&gt;srv" in html, "the server's comm escaped", "&lt;script&gt;srv",
              "absent")
        check("&lt;script&gt;alert(1)&lt;img src=x onerror=y&gt;\\x1b[7m\\nevil" in html,
              "the executable's name escaped", "&lt;script&gt;alert(1)...", "absent")
        rc, out, err = browse(page, "--dump-dom")
        check(rc == 0, "Chromium dumps the DOM", 0, err[-300:])
        doc = parse(out)
        text = "".join(doc.procs[st["evil"]]["text"])
        for name in (EVIL_COMM_ESCAPED + f" (pid {st['evil']})", EXE_ESCAPED, "peer\\xc2\\x9b2J\\xff",
                     "\\x1b[2J\\x1b]0;pwned\\x07\\n.sock", "ns\\x1b[1A\\x1b[2K\\xe2\\x80\\xae"):
            check(name in text, "the page reads the name as the text report does", name,
                  text[:1200])
        check("<script>srv" in "".join(doc.procs[st["srv"]]["text"]),
              "the comm reads as it is, as text", "<script>srv", "absent")

    def watch():
        out = os.path.join(tmp, "live.html")
        sleeper = s.spawn([workload("mem_leak"), "2", "20"])
        p = run([LEAKSCOPE, "watch", "-i", "1", "-d", "4", "-p", str(sleeper.pid), "--html", out])
        check(p.returncode == 0, "watch --html exit status", 0, f"{p.returncode}: {p.stderr[-300:]}")
        check(b"=== leakscope report" in p.stdout, "the final text report still printed",
              "present", p.stdout[-300:])
        html = open(out).read()
        check(f'data-pid="{sleeper.pid}"' in html and "A live run" in html,
              "the page of the live run", "its article", html[:300])
        check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode", "0600",
              oct(stat.S_IMODE(os.stat(out).st_mode)))
        # an existing page: refused before attaching, left as it was
        t0 = time.monotonic()
        p = run([LEAKSCOPE, "watch", "-i", "1", "-d", "4", "-p", str(sleeper.pid), "--html", out])
        check(p.returncode == 1 and b"exists" in p.stderr and time.monotonic() - t0 < 3,
              "an existing page fails at once", "exit 1, ...exists...", (p.returncode, p.stderr[-200:]))
        check(open(out).read() == html, "the page left as it was", "unchanged", "changed")

    s.subtest("page_is_private_and_never_overwritten", private_and_never_overwritten)
    s.subtest("dom_has_charts_verdicts_and_samples", dom)
    s.subtest("nothing_leaves_the_page", no_request)
    s.subtest("hostile_names_are_escaped", hostile)
    s.subtest("watch_writes_the_page_at_the_end", watch)
    if not s.root_or_skip():
        return 0
    tmp = tempfile.mkdtemp(prefix="leakscope-html-")
    os.chmod(tmp, 0o755)
    rec = os.path.join(tmp, "run.lsrec")
    page = os.path.join(tmp, "report.html")
    try:
        return s.run_all()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
