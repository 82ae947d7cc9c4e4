#!/bin/bash
# The hard gate of the kernel matrix: in a guest of each kernel of
# kernels.list, leakscope attaches (every program loaded: the fast builds or
# their fallbacks), traces -- build/workloads/mem_leak 4 30 from its first
# instruction, and must call it a leak.  Prints "RELEASE: loads, ..." or
# "RELEASE: FAILS ..." per kernel, then "N passed, N failed, 0 skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
[ "$(id -u)" -eq 0 ] || { echo "Error: load-check needs root" >&2; exit 1; }
[ -x "$OUT/leakscope" ] || { echo "Error: no $OUT/leakscope: run make first" >&2; exit 1; }
passed=0 failed=0
while read -r name suite _; do
	case "$name" in '' | '#'*) continue ;; esac
	if ! dir=$(tests/kernels/fetch.sh "$suite"); then
		echo "$name: FAILS: fetching $suite failed"
		failed=$((failed + 1))
		continue
	fi
	r=$(cat "$dir/release")
	out=$(mktemp)
	KTEST_TIMEOUT=600 tests/kernels/boot.sh "$dir" \
		"$OUT/leakscope" -i 2 --json -- "$OUT/workloads/mem_leak" 4 30 >"$out" 2>&1
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
print(verdict)')
	if [ "$rc" -eq 0 ] && [ "$verdict" = leak ]; then
		echo "$r: loads, and mem_leak reads leak"
		passed=$((passed + 1))
	else
		echo "$r: FAILS (exit $rc, mem_leak's verdict: ${verdict:-none}): $(grep -m1 Error "$out")"
		tail -n 20 "$out" | sed "s/^/#   /"
		failed=$((failed + 1))
	fi
	rm -f "$out"
done <tests/kernels/kernels.list
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
