# SPDX-License-Identifier: GPL-2.0
"""A unix client that keeps every connection and logs when it made each.

    unix_client_log.py PATH COUNT EVERY_S LOG GATE [dup]

Waits for GATE (leakscope's ready file, at most 60 s), then connects COUNT
times, one each EVERY_S, writing each connection's CLOCK_BOOTTIME (as a
report's ts_ns) to LOG, so a test counts those made before a report
(lsharness.connections_before).  With "dup", each connection's fd is dup'd
and the dup closed: a close that is not the last reference.  Then holds on.
"""
import os
import socket
import sys
import time

path, n, every, log_path, gate = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                  sys.argv[4], sys.argv[5])
dup = sys.argv[6:] == ["dup"]
end = time.time() + 60
while not os.path.exists(gate) and time.time() < end:
    time.sleep(0.01)
held = []
log = open(log_path, "w", buffering=1)
for _ in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if dup:
        os.close(os.dup(s.fileno()))   # the socket stays open
    held.append(s)
    log.write(f"{time.clock_gettime_ns(time.CLOCK_BOOTTIME)}\n")
    time.sleep(every)
time.sleep(600)
