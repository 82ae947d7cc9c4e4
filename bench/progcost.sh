#!/bin/bash
# bench/progcost.sh MODE ITERS [leakscope options]: per-program BPF cost (kernel.bpf_stats_enabled)
# of leakscope while build/bench/loops MODE ITERS runs; wall-clock ratios on a shared 2-core
# machine are noisy, these per-program figures are not.
cd "$(dirname "$0")/.."
mode=$1 iters=$2; shift 2
sysctl -q kernel.bpf_stats_enabled=1
minid=$(bpftool prog show -j | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)]+[0]))')
build/leakscope -v -i 5 "$@" >${TMPDIR:-/tmp}/ls-pc.log 2>&1 &
p=$!
for i in $(seq 100); do grep -q attached ${TMPDIR:-/tmp}/ls-pc.log && break; sleep 0.05; done
snap() { bpftool prog show -j | python3 -c '
import json,sys
for p in json.load(sys.stdin):
    if p["id"] > '$minid' and p["name"].startswith("ls_"):
        print(p["name"], p.get("run_cnt",0), p.get("run_time_ns",0))'; }
snap > ${TMPDIR:-/tmp}/ls-pc.a
taskset -c 1 build/bench/loops $mode $iters
snap > ${TMPDIR:-/tmp}/ls-pc.b
kill -INT $p; wait $p
sysctl -q kernel.bpf_stats_enabled=0
join <(sort ${TMPDIR:-/tmp}/ls-pc.a) <(sort ${TMPDIR:-/tmp}/ls-pc.b) | awk '{c=$4-$2; t=$5-$3; if (c>0) printf "%-28s %10d runs %8.0f ns/run %10.0f us total\n", $1, c, t/c, t/1000}' | sort -k6 -g -r
