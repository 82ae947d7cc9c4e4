# SPDX-License-Identifier: GPL-2.0
"""`leakscope serve` (issue 26): a real Prometheus scrapes it, bad requests
get a 4xx without harm, and parallel scrapes cost no memory.

Prometheus is Debian's package (`make deps`), its binary run here with a
temporary configuration and storage, never the packaged service.  It needs
no network and no feature flag: it asks for OpenMetrics first in its Accept
header, so the scrape below goes through leakscope's OpenMetrics text.
"""
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from lsharness import (LEAKSCOPE, MiB, Failed, Skipped, Suite, check, smaps_rollup,
                       wait_attached, workload)

PROMETHEUS = "/usr/bin/prometheus"
LEAK_RATE = 2       # MiB/s
SCRAPE_WAIT = 35    # s of scraping before Prometheus is asked
PARALLEL = 50       # scrapes at once, once a second
PARALLEL_S = 10
RSS_GROWTH_MAX = 4 * MiB
CONN_TIMEOUT = 10   # s, SERVE_CONN_TIMEOUT_S in user/serve.c


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_pid_file(path, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == "pid":
                        return int(v)
        time.sleep(0.02)
    raise Failed(f"workload did not write its pid to {path} within {timeout}s")


def http_get(port, path, headers=None, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read().decode("utf-8")
    finally:
        c.close()


def raw(port, data, timeout=5):
    """Send bytes as they are; the status code of the reply, or None when
    the server closed the connection without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        try:
            while b"\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    if not got:
        return None
    parts = got.split(b" ", 2)
    check(len(parts) >= 2 and parts[0].startswith(b"HTTP/1."), "an HTTP status line",
          "HTTP/1.x NNN", got[:60])
    return int(parts[1])


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise Failed(f"no VmRSS for {pid}")


def start_serve(s, d, args, port):
    err = open(os.path.join(d, "leakscope.err"), "w")
    p = s.spawn([LEAKSCOPE, "serve", "--listen", f"127.0.0.1:{port}"] + args, stderr=err)
    try:
        wait_attached()
    except Failed:
        p.kill()
        p.wait()
        with open(err.name) as f:
            raise Failed(f"leakscope serve did not attach: {f.read()[-600:]}")
    return p


def sleeper(s):
    """A quiet process to trace: the runs here are about HTTP."""
    return s.spawn(["sleep", "300"])


def main():
    s = Suite("serve")

    def prometheus_scrapes_leak():
        if not os.access(PROMETHEUS, os.X_OK):
            raise Skipped(f"{PROMETHEUS} missing (make deps installs Debian's prometheus)")
        with tempfile.TemporaryDirectory() as d:
            info = os.path.join(d, "info")
            leak = s.spawn([workload("mem_leak"), str(LEAK_RATE), "200"],
                           env=dict(os.environ, WL_INFO=info))
            pid = wait_pid_file(info)
            check(pid == leak.pid, "the workload's pid", leak.pid, pid)
            port, pport = free_port(), free_port()
            start_serve(s, d, ["-p", str(pid), "-i", "1"], port)
            # the workload's own real memory, a few times a second, to
            # compare with what Prometheus scraped when it scraped it
            history, stop = [], threading.Event()

            def watch():
                while not stop.is_set():
                    r = smaps_rollup(pid)
                    history.append((time.time(), r["Rss"] - r.get("LazyFree", 0)))
                    time.sleep(0.2)
            t = threading.Thread(target=watch)
            t.start()
            cfg = os.path.join(d, "prometheus.yml")
            with open(cfg, "w") as f:
                f.write("global:\n  scrape_interval: 2s\n  scrape_timeout: 1s\n"
                        "scrape_configs:\n  - job_name: leakscope\n    static_configs:\n"
                        f"      - targets: ['127.0.0.1:{port}']\n")
            plog = open(os.path.join(d, "prometheus.log"), "w")
            s.spawn([PROMETHEUS, f"--config.file={cfg}",
                     f"--storage.tsdb.path={os.path.join(d, 'tsdb')}",
                     f"--web.listen-address=127.0.0.1:{pport}"], stderr=plog)
            try:
                time.sleep(SCRAPE_WAIT)
            finally:
                stop.set()
                t.join()

            def query(q):
                url = f"http://127.0.0.1:{pport}/api/v1/query?" + urllib.parse.urlencode({"query": q})
                try:
                    with urllib.request.urlopen(url, timeout=10) as r:
                        body = json.load(r)
                except OSError as e:
                    with open(plog.name) as f:
                        raise Failed(f"Prometheus query {q}: {e}; its log: {f.read()[-800:]}")
                check(body.get("status") == "success", f"query {q}", "success", body)
                return body["data"]["result"]

            up = query('up{job="leakscope"}')
            check(len(up) == 1 and up[0]["value"][1] == "1", "the scrape succeeds (up)", "1",
                  up)
            real = query(f'leakscope_memory_real_bytes{{pid="{pid}"}}')
            check(len(real) == 1, "one real-memory series for the workload", 1, real)
            check(real[0]["metric"].get("comm") == "mem_leak", "its comm label", "mem_leak",
                  real[0]["metric"])
            got = float(real[0]["value"][1])
            ts = query(f'timestamp(leakscope_memory_real_bytes{{pid="{pid}"}})')
            scraped = float(ts[0]["value"][1])
            # leakscope sampled at its last interval's end: up to 1 s before
            # the scrape (more under load); the workload's own figure then
            near = [v for (when, v) in history if scraped - 3 <= when <= scraped]
            check(near, "smaps_rollup read near the scrape", "some", len(history))
            ok = any(abs(got - v) <= 0.10 * v for v in near)
            check(ok, "leakscope_memory_real_bytes against smaps_rollup Rss - LazyFree "
                  "in the 3 s before the scrape",
                  f"within 10% of {min(near) / MiB:.1f}..{max(near) / MiB:.1f} MiB",
                  f"{got / MiB:.1f} MiB")
            check(got > 20 * MiB, "the leak has grown", "> 20 MiB", f"{got / MiB:.1f} MiB")
            v = query(f'leakscope_verdict{{kind="memory",verdict="leak",pid="{pid}"}}')
            check(len(v) == 1 and v[0]["value"][1] == "1", "the memory verdict is leak", "1",
                  v or query(f'leakscope_verdict{{kind="memory",pid="{pid}"}}'))
            n = query("leakscope_intervals_total")
            check(n and float(n[0]["value"][1]) >= 25, "intervals counted", ">= 25", n)

    def bad_requests():
        with tempfile.TemporaryDirectory() as d:
            port = free_port()
            target = sleeper(s)
            start_serve(s, d, ["-p", str(target.pid), "-i", "1"], port)
            cases = [
                ("binary garbage with spaces", b"\xff\xfeGAR BAGE \x7f\x80junk\r\n\r\n"),
                ("a request line of three letters", b"G E T\r\n\r\n"),
                ("a header line without a colon",
                 b"GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
                ("an unknown HTTP version", b"GET /metrics HTTP/7.3\r\nHost: x\r\n\r\n"),
            ]
            for what, data in cases:
                st = raw(port, data)
                # 505 for the version: a 5xx the standard asks for, not a crash
                want = range(400, 506) if "version" in what else range(400, 500)
                check(st in want, f"{what}: the reply", f"{want.start}..{want.stop - 1}", st)
            st = raw(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            check(st == 405, "POST /metrics", 405, st)
            st, _, _ = http_get(port, "/nope")
            check(st == 404, "GET /nope", 404, st)
            # no request line at all: libmicrohttpd drops the connection
            st = raw(port, b"GARBAGE\x00\xff\r\n\r\n")
            check(st is None or 400 <= st < 500, "a request line of one word",
                  "a 4xx or the connection closed", st)
            # bytes after a NUL are not seen (the line reads as empty, and
            # an empty line before a request is allowed): the connection
            # waits for a request until the idle timeout closes it
            t0 = time.time()
            st = raw(port, b"\x00\x01\x02 junk\r\n\r\n", timeout=CONN_TIMEOUT + 5)
            took = time.time() - t0
            check(st is None and took < CONN_TIMEOUT + 3, "NUL-led garbage: closed by the "
                  "idle timeout", f"closed within {CONN_TIMEOUT + 3} s", f"{st} after {took:.1f} s")
            # half a request, then silence, while others are served
            with socket.create_connection(("127.0.0.1", port)) as c:
                c.sendall(b"GET /metr")
                st, ctype, body = http_get(port, "/metrics")
            check(st == 200, "GET /metrics after all that", 200, st)
            check(ctype.startswith("text/plain; version=0.0.4"), "its content type",
                  "text/plain; version=0.0.4", ctype)
            check("leakscope_build_info{version=" in body, "the build_info line", "present",
                  body[:300])
            st, ctype, body = http_get(port, "/metrics",
                                       {"Accept": "application/openmetrics-text;version=1.0.0"})
            check(st == 200 and ctype.startswith("application/openmetrics-text; version=1.0.0"),
                  "OpenMetrics when asked for", "200 application/openmetrics-text",
                  f"{st} {ctype}")
            check(body.endswith("# EOF\n"), "the OpenMetrics text's end", "# EOF", body[-40:])
            st, _, body = http_get(port, "/healthz")
            check((st, body) == (200, "ok\n"), "GET /healthz", (200, "ok\n"), (st, body))

    def parallel_scrapes():
        with tempfile.TemporaryDirectory() as d:
            port = free_port()
            target = sleeper(s)
            ls = start_serve(s, d, ["-p", str(target.pid), "-i", "1"], port)
            statuses = []
            with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
                def burst():
                    fs = [pool.submit(http_get, port, "/metrics") for _ in range(PARALLEL)]
                    return [f.result()[0] if not f.exception() else repr(f.exception())
                            for f in fs]
                # warm up: MHD's thread stack, malloc's arenas
                statuses += burst()
                time.sleep(1)
                before = vm_rss(ls.pid)
                for _ in range(PARALLEL_S):
                    t0 = time.time()
                    statuses += burst()
                    time.sleep(max(0.0, 1 - (time.time() - t0)))
                after = vm_rss(ls.pid)
            bad = [x for x in statuses if x != 200]
            check(len(statuses) == PARALLEL * (PARALLEL_S + 1), "scrapes made",
                  PARALLEL * (PARALLEL_S + 1), len(statuses))
            check(not bad, "every scrape 200", "[]", f"{len(bad)} not: {bad[:5]}")
            print(f"# leakscope RSS {before / MiB:.1f} MiB before, {after / MiB:.1f} MiB after "
                  f"{len(statuses)} scrapes")
            check(after - before <= RSS_GROWTH_MAX, "leakscope's RSS growth",
                  f"<= {RSS_GROWTH_MAX / MiB:.0f} MiB", f"{(after - before) / MiB:.2f} MiB")
            check(ls.poll() is None, "leakscope still running", "running", ls.poll())

    def port_in_use():
        with tempfile.TemporaryDirectory() as d, socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            target = sleeper(s)
            p = subprocess.run([LEAKSCOPE, "serve", "--listen", f"127.0.0.1:{port}", "-p",
                                str(target.pid), "-d", "1"], capture_output=True, text=True,
                               timeout=60)
            lines = p.stderr.strip().splitlines()
            check(p.returncode == 1, "exit status with the port taken", 1, p.returncode)
            check(len(lines) == 1 and lines[0].startswith("Error: cannot listen on")
                  and "in use" in lines[0], "one error line", "Error: cannot listen on ...: "
                  "Address already in use", p.stderr.strip())
            check(not os.path.exists(os.environ["LEAKSCOPE_READY_FILE"]),
                  "nothing attached", "no ready file", "ready file")
            for bad in ("9464", "localhost", "127.0.0.1:0", "127.0.0.1:99999", "::1:9464"):
                p = subprocess.run([LEAKSCOPE, "serve", "--listen", bad, "-d", "1"],
                                   capture_output=True, text=True, timeout=60)
                lines = p.stderr.strip().splitlines()
                check(p.returncode != 0 and len(lines) == 1 and lines[0].startswith("Error: "),
                      f"--listen {bad}", "one Error: line, non-zero exit",
                      f"{p.returncode}: {p.stderr.strip()}")
            p = subprocess.run([LEAKSCOPE, "watch", "--listen", "127.0.0.1:9", "-d", "1"],
                               capture_output=True, text=True, timeout=60)
            check(p.returncode == 2 and p.stderr.startswith("Error: --listen is for"),
                  "--listen with watch", "exit 2, Error: --listen is for 'leakscope serve'",
                  f"{p.returncode}: {p.stderr.strip()}")

    s.subtest("prometheus_scrapes_leak", prometheus_scrapes_leak)
    s.subtest("bad_requests_get_4xx", bad_requests)
    s.subtest("parallel_scrapes_flat_rss", parallel_scrapes)
    s.subtest("port_in_use_one_error_line", port_in_use)
    if not s.root_or_skip():
        return 0
    return s.run_all()


if __name__ == "__main__":
    raise SystemExit(main())
