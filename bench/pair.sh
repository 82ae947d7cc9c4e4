#!/bin/bash
# bench/pair.sh MODE ITERS ROUNDS A B (root): compare two builds of leakscope by the BPF time
# each spends on the same loop (build/bench/loops MODE ITERS), both attached at once; which one
# attaches first alternates by round.  Prints B's time over A's for each round, their median,
# and each program's ns per run (medians).  Both builds see the same events in the same state of
# the host, so this VM's slow periods, which move wall-clock figures by 30 to 60%, cancel in
# the ratio: an A/A run (one build twice) read 0.80 to 1.12 per round at ITERS 20000, and
# 1.01 as the median of 12 rounds.  It measures program bodies only (kernel.bpf_stats_enabled),
# not the dispatch to them: for the ratio to the floor, use build/bench/toggle.
# E.g. bench/pair.sh unix 20000 12 /tmp/old/leakscope build/leakscope
cd "$(dirname "$0")/.."
. bench/lib.sh
[ "$(id -u)" = 0 ] || { echo "Error: bench/pair.sh needs root (it loads BPF programs)" >&2; exit 1; }
[ $# -eq 5 ] || { echo "Error: usage: bench/pair.sh MODE ITERS ROUNDS A B" >&2; exit 2; }
mode=$1 iters=$2 rounds=$3 A=$4 B=$5
for bin in "$A" "$B"; do
	[ -x "$bin" ] || { echo "Error: $bin is not an executable" >&2; exit 2; }
done
make -s build/bench/loops || { echo "Error: cannot build build/bench/loops" >&2; exit 1; }
dir=$(mktemp -d)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -f "$dir/first.pid" ] && kill -INT "$(cat "$dir/first.pid")" 2>/dev/null
	[ -f "$dir/second.pid" ] && kill -INT "$(cat "$dir/second.pid")" 2>/dev/null
	wait
	sysctl -q kernel.bpf_stats_enabled="$old_stats"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sysctl -q kernel.bpf_stats_enabled=1

last_prog_id() {
	bpftool prog show -j | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] + [0]))'
}
start() {	# start BIN as TAG, wait for "attached"
	"$1" -v -i 5 >"$dir/$2.log" 2>&1 &
	echo $! >"$dir/$2.pid"
	wait_attached "$dir/$2.log" "$1"
}
# "name run_cnt run_time_ns owner" for the ls_ programs with ids in (lo, hi] (A) or above hi (B)
snap() {
	bpftool prog show -j | python3 -c '
import json, sys
lo, hi, a_first = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
for p in json.load(sys.stdin):
    if p["id"] > lo and p["name"].startswith("ls_"):
        first = p["id"] <= hi
        print(p["name"], p.get("run_cnt", 0), p.get("run_time_ns", 0), "A" if first == a_first else "B")' "$@"
}

for r in $(seq "$rounds"); do
	a_first=$((r % 2))
	lo=$(last_prog_id)
	if [ $a_first = 1 ]; then start "$A" first; else start "$B" first; fi
	hi=$(last_prog_id)
	if [ $a_first = 1 ]; then start "$B" second; else start "$A" second; fi
	sleep 1	# past the tracers' start-up scans
	snap "$lo" "$hi" $a_first >"$dir/before"
	taskset -c $(($(nproc) - 1)) build/bench/loops "$mode" "$iters" >/dev/null
	snap "$lo" "$hi" $a_first >"$dir/after"
	kill -INT "$(cat "$dir/first.pid")" "$(cat "$dir/second.pid")"
	wait
	rm -f "$dir/first.pid" "$dir/second.pid"
	paste "$dir/before" "$dir/after" | sed "s/^/$r /" >>"$dir/rounds"
	sleep 2	# teardown (detach, RCU, map frees) must not slow the next round
done

python3 - "$dir/rounds" "$A" "$B" <<'EOF'
import collections, statistics, sys
tot = collections.defaultdict(lambda: {"A": 0, "B": 0})
per = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, name, c0, t0, who, _, c1, t1, _ = line.split()
    runs, ns = int(c1) - int(c0), int(t1) - int(t0)
    tot[r][who] += ns
    if runs:
        per[(name, who)].append(ns / runs)
ratios = [t["B"] / t["A"] for _, t in sorted(tot.items(), key=lambda kv: int(kv[0])) if t["A"]]
if not ratios:
    sys.exit("Error: no BPF time recorded (did the loop run any traced syscall?)")
print("B/A per round:", " ".join(f"{x:.3f}" for x in ratios))
print(f"B/A median over {len(ratios)} rounds: {statistics.median(ratios):.3f}   (A: {sys.argv[2]}, B: {sys.argv[3]})")
print(f"{'program':<24} {'A ns/run':>9} {'B ns/run':>9}")
for name in sorted({n for n, _ in per}):
    a, b = per.get((name, "A")), per.get((name, "B"))
    if a and b and min(len(a), len(b)) * 2 >= len(ratios):
        print(f"{name:<24} {statistics.median(a):9.0f} {statistics.median(b):9.0f}")
EOF
