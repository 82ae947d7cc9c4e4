# SPDX-License-Identifier: GPL-2.0
"""hold_unix_ends.py PAIRS: make PAIRS unix socketpairs (raising the soft fd
limit to the hard one), print "held", and keep them until stdin closes.
The "other processes' sockets" of the scale tests and bench-scale."""
import resource
import socket
import sys

hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = [socket.socketpair(socket.AF_UNIX) for _ in range(int(sys.argv[1]))]
print("held", flush=True)
sys.stdin.read()
