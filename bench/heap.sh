#!/bin/bash
# --heap's cost per allocation (make bench-heap; root): a malloc(64)+free()
# loop (build/bench/heap_loop) untraced, under empty uprobes and uretprobes
# on the same functions of its libc (build/bench/heap_floor: the floor any
# uprobe tracer pays), and under leakscope --heap -p at its default
# sampling; each traced run attaches to the loop alone, which starts once
# the tracer has (HEAP_GATE).  Prints ns per malloc+free, the median of
# BENCH_REPS runs taken round robin, and leakscope's added time over the
# floor's (target <= 1.5).
set -u
OUT=${OUT:-build}
cd "$(dirname "$0")/.."
LS=$OUT/leakscope LOOP=$OUT/bench/heap_loop FLOOR=$OUT/bench/heap_floor
REPS=${BENCH_REPS:-5}
ITERS=${HEAP_ITERS:-300000}
PIN="taskset -c $(( $(nproc) - 1 ))"
[ "$(id -u)" = 0 ] || { echo "Error: make bench-heap needs root (it attaches uprobes)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2f", a / b }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

# once TRACER...: ns per malloc+free of one loop under TRACER (none: untraced)
once() {
	local gate=$tmp/gate out=$tmp/loop.out tr=""
	rm -f "$gate"
	HEAP_GATE=$gate $PIN $LOOP "$ITERS" >"$out" &
	local loop=$!
	# attach to heap_loop, not to taskset before its exec: its libc mapped
	while ! grep -q heap_loop "/proc/$loop/maps" 2>/dev/null || ! grep -q libc "/proc/$loop/maps"; do
		sleep 0.01
	done
	if [ "$1" = none ]; then
		touch "$gate"
	else
		LEAKSCOPE_READY_FILE=$gate "$@" "$loop" >"$tmp/tracer.log" 2>&1 &
		tr=$!
	fi
	wait "$loop"
	if [ -n "$tr" ]; then kill -INT "$tr" 2>/dev/null; wait "$tr" 2>/dev/null; fi
	if [ ! -s "$out" ]; then
		echo "Error: the loop printed nothing under $*: $(tail -3 "$tmp/tracer.log")" >&2
		exit 1
	fi
	cat "$out"
}

b_v="" f_v="" l_v=""
for _ in $(seq "$REPS"); do
	b_v+="$(once none)"$'\n'
	f_v+="$(once "$FLOOR")"$'\n'
	l_v+="$(once "$LS" --heap -i 5 -p)"$'\n'
done
base=$(printf '%s' "$b_v" | median) floor=$(printf '%s' "$f_v" | median)
ls=$(printf '%s' "$l_v" | median)
echo "--heap benchmark ($(uname -r), $(nproc) CPUs, malloc(64)+free x $ITERS, median of $REPS runs)"
printf '%-10s %10s %10s %10s %14s %14s\n' "" untraced floor leakscope "ls/untraced" "ls/floor add"
printf '%-10s %10s %10s %10s %14s %14s\n' "ns/alloc" "$base" "$floor" "$ls" "$(ratio "$ls" "$base")" \
	"$(ratio "$(sub "$ls" "$base")" "$(sub "$floor" "$base")")"
echo "added: floor $(sub "$floor" "$base") ns, leakscope $(sub "$ls" "$base") ns per malloc+free" \
	"(floor/untraced $(ratio "$floor" "$base"))"
echo "runs: untraced [$(echo $b_v)] floor [$(echo $f_v)] leakscope [$(echo $l_v)]"
