#!/bin/bash
# bench/interleave.sh MODE ITERS REPS LABEL:CMD... (root): run build/bench/loops
# MODE ITERS under each configuration in turn, REPS rounds, and print each
# configuration's median, its fastest run, and all values, in ns per iteration;
# with configurations labelled base and floor, also each other one's added
# time over the floor's per round (median and middle half).  CMD is a
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
# With configurations labelled base (untraced) and floor: each other one's
# added time over the floor's, per round (the fastest run of each
# configuration in that round: a round's configurations run within some
# 20 s, so a slow period of the VM mostly hits a round, not a configuration),
# as the median over rounds and the middle half of them.
if [ -n "${res[base]:-}" ] && [ -n "${res[floor]:-}" ]; then
	for spec in "$@"; do
		label=${spec%%:*}
		case $label in base|floor) continue ;; esac
		python3 - "$PER_ATTACH" "${res[base]}" "${res[floor]}" "${res[$label]}" "$label" <<'PY'
import statistics, sys
per = int(sys.argv[1])
runs = [list(map(float, a.split())) for a in sys.argv[2:5]]
label = sys.argv[5]
def fastest_by_round(v):
    return [min(v[i:i + per]) for i in range(0, len(v), per)]
base, floor, traced = (fastest_by_round(v) for v in runs)
ratios = sorted((t - b) / (f - b) for b, f, t in zip(base, floor, traced) if f > b)
if not ratios:
    print(f"{label:<10} added time / floor's: no round where the floor added time")
    sys.exit(0)
q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
print(f"{label:<10} added time / floor's, per round: median {statistics.median(ratios):.2f}, "
      f"middle half {q[0]:.2f} to {q[2]:.2f}, {len(ratios)} rounds")
PY
	done
fi
