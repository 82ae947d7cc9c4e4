#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A client that leaks connections to an HTTP server on a unix socket
(dockerd's API): RATE a second for SECONDS, each asks GET /_ping, reads
the answer and is kept open.  Then it writes how many it holds to
COUNT_FILE and holds them until killed.

usage: http_conn_leak.py SOCKET RATE SECONDS COUNT_FILE
"""
import socket
import sys
import time


def main():
    path, rate, seconds, count_file = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    held = []
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got or not got.endswith(b"OK"):
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit(f"the server closed connection {n + 1}")
            got += chunk
        held.append(s)
        n += 1
        # paced from the start, so the rate holds whatever each request takes
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    with open(count_file + ".tmp", "w") as f:
        f.write(f"{len(held)}\n")
    import os
    os.rename(count_file + ".tmp", count_file)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
