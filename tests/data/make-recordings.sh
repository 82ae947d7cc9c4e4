#!/bin/bash
# Makes the recordings in tests/data/ with leakscope itself (root needed).
# The unit tests replay them without root (tests/unit/test_replay.c):
#   mem-leak.lsrec     mem_leak at 4 MiB/s for 10 s, traced with -- CMD
#   unix-leak.lsrec    a unix server keeping every connection of a client
#                      that connects every 100 ms, traced with -p server
#   setns-gone.lsrec   setns(CLONE_NEWNET) every 100 ms on a plain file
#   unix-reordered.lsrec  not made here: build 81f2037 (whose loader read unix
#                      records one CPU after another, out of order) running
#                      the README's first command with a leaking unix pair
#                      and one connecting and closing every 20 ms; kept as a
#                      record stream in an order the model must survive
# Re-run after a change to the record format (and bump its version).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
LS=$OUT/leakscope
W=$OUT/workloads
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

$LS record --force -o tests/data/mem-leak.lsrec -i 1 -- $W/mem_leak 4 10 2>/dev/null

$W/sock_peer unix-server "$tmp/app.sock" 14 keep &
srv=$!
sleep 0.3
$W/sock_peer unix-client "$tmp/app.sock" 100 13 keep &
$LS record --force -o tests/data/unix-leak.lsrec -p $srv -i 1 -d 11 2>/dev/null
wait

touch "$tmp/netns-file"
$LS record --force -o tests/data/setns-gone.lsrec -i 1 -- $W/ns_setns_loop "$tmp/netns-file" net 30 100 --reopen 2>/dev/null
chmod 0644 tests/data/*.lsrec	# test data, not a production trace
ls -l tests/data/*.lsrec
