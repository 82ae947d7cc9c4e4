#!/bin/bash
# The hard gate of the kernel matrix: in a guest of each kernel of
# kernels.list, leakscope attaches (every program loaded: the fast builds or
# their fallbacks), traces -- build/workloads/mem_leak 4 30 from its first
# instruction with --heap (the uprobes' object too), and must call it a
# leak with its malloc traced.  Prints "RELEASE: loads, ..." or
# "RELEASE: FAILS ..." per kernel, then "N passed, N failed, 0 skipped".
# KERNELS="6.12 newest" checks only those lines (names from kernels.list).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
[ "$(id -u)" -eq 0 ] || { echo "Error: load-check needs root" >&2; exit 1; }
[ -x "$OUT/leakscope" ] || { echo "Error: no $OUT/leakscope: run make first" >&2; exit 1; }
passed=0 failed=0
check_one() {	# check_one DIR RELEASE: 0 when the guest read a leak
	local dir=$1 r=$2 out rc verdict
	out=$(mktemp)
	KTEST_TIMEOUT=600 tests/kernels/boot.sh "$dir" \
		"$OUT/leakscope" -i 2 --json --heap -- "$OUT/workloads/mem_leak" 4 30 >"$out" 2>&1
	rc=$?
	# the report line; the guest's console shares the output (a kernel
	# message can land inside a line: such a line is passed over)
	verdict=$(grep -o '{"type":"report".*' "$out" | python3 -c '
import json, sys
verdict = "absent"
for line in sys.stdin:
    try:
        rep = json.loads(line)
    except ValueError:
        continue
    p = [x for x in rep["processes"] if x["comm"] == "mem_leak"]
    verdict = p[0]["memory"]["verdict"] if p else "absent"
    heap = p[0]["memory"].get("heap") if p else None
    if verdict == "leak" and not (heap and heap["traced"]):
        verdict = "leak, but malloc not traced (%s)" % (heap and heap["why_not"])
print(verdict)')
	if [ "$rc" -eq 0 ] && [ "$verdict" = leak ]; then
		echo "$r: loads, and mem_leak reads leak, its malloc traced"
		passed=$((passed + 1))
		rm -f "$out"
		return 0
	else
		echo "$r: FAILS (exit $rc, mem_leak's verdict: ${verdict:-none}): $(grep -m1 Error "$out")"
		tail -n 20 "$out" | sed "s/^/#   /"
	fi
	rm -f "$out"
	return 1
}

while read -r name suite _; do
	case "$name" in '' | '#'*) continue ;; esac
	# KERNELS="6.12 newest": only those lines of kernels.list
	if [ -n "${KERNELS:-}" ] && [[ " ${KERNELS//,/ } " != *" $name "* ]]; then
		continue
	fi
	if ! dir=$(tests/kernels/fetch.sh "$suite"); then
		echo "$name: FAILS: fetching $suite failed"
		failed=$((failed + 1))
		continue
	fi
	r=$(cat "$dir/release")
	# a second try for a guest that gave no verdict: emulation is slow and
	# the console shares the output; both tries are printed
	for try in 1 2; do
		check_one "$dir" "$r" </dev/null && break
		[ "$try" = 2 ] && failed=$((failed + 1))
	done
done <tests/kernels/kernels.list
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
