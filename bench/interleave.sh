#!/bin/bash
# bench/interleave.sh MODE ITERS REPS LABEL:CMD... (root): run build/bench/loops
# MODE ITERS under each configuration in turn, REPS rounds, and print each
# configuration's median, its fastest run, and all values, in ns per iteration.  CMD is a
# tracer that prints "attached" when ready, or "none".  E.g.
#   bench/interleave.sh mmap 50000 9 base:none floor:build/bench/floor \
#       leakscope:"build/leakscope -v -i 5"
# PER_ATTACH=N runs the loop N times per tracer start: with short runs
# (ITERS 4000), "fastest" sees past this VM's slow periods of seconds.
# README.md's ratios come from this script; bench/run.sh's round robin has
# shown leakscope mmap runs in a slow mode it does not (see README).
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "Error: bench/interleave.sh needs root (it loads BPF programs)" >&2; exit 1; }
[ $# -ge 4 ] || { echo "Error: usage: bench/interleave.sh MODE ITERS REPS LABEL:CMD..." >&2; exit 2; }
make -s build/leakscope build/bench/loops build/bench/floor ||
	{ echo "Error: cannot build the benchmark's binaries" >&2; exit 1; }
mode=$1 iters=$2 reps=$3; shift 3
PER_ATTACH=${PER_ATTACH:-1}	# loop runs per tracer start (the fastest of many short
				# runs sees past this VM's slow periods of seconds)
LOOPS=${LOOPS:-build/bench/loops}
PIN="taskset -c $(( $(nproc) - 1 ))"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
declare -A res
for _ in $(seq "$reps"); do
	for spec in "$@"; do
		label=${spec%%:*} cmd=${spec#*:}
		if [ "$cmd" != none ]; then
			$cmd >"$log" 2>&1 &
			p=$!
			for _ in $(seq 100); do grep -q attached "$log" && break; sleep 0.05; done
			sleep 1.5	# past the tracer's start-up scan
		fi
		for _ in $(seq "$PER_ATTACH"); do
			res[$label]+="$($PIN "$LOOPS" "$mode" "$iters") "
		done
		if [ "$cmd" != none ]; then
			kill -INT $p
			wait $p 2>/dev/null
			sleep 2	# its teardown (detach, RCU, map frees) must not slow the next run
		fi
	done
done
for spec in "$@"; do
	label=${spec%%:*}
	sorted=$(echo ${res[$label]} | tr ' ' '\n' | sort -g)
	printf '%-10s median %8s  fastest %8s   [ %s]\n' "$label" \
		"$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
		"$(echo "$sorted" | head -1)" "${res[$label]}"
done
