#!/bin/bash
# Runs every test and ends with one line: "N passed, N failed, N skipped".
# Each test program prints lines "ok NAME", "not ok NAME" or "skip NAME: why";
# a program that exits non-zero without a "not ok" line counts as one failure.
# Unit tests (build/tests/test_*) need no root; integration tests
# (tests/integration/test_*.py) load BPF and skip, saying so, without root.
# Knobs: TESTS="SUBSTRING..." runs only the tests whose path has one of them; SKIP_TESTS="A B"
# leaves out those whose path has any of the words; UNIT=0 leaves out the unit
# tests (the kernel matrix runs only the integration tests in its guests);
# TEST_TIMES=1 prints each test program's and each subtest's wall time ("# NAME: N s").
set -u
OUT=${OUT:-build}
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
log=$(mktemp)
fails=$(mktemp)	# every "not ok" line, said again just before the summary
trap 'rm -f "$log" "$fails"' EXIT

run_one() {
	local name=$1; shift
	local t0=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	[ "${TEST_TIMES:-0}" = 1 ] && echo "# $name: $((SECONDS - t0)) s"
	local p f s
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	s=$(grep -c '^skip ' "$log")
	# show failures with their context, and every skip with its reason
	if [ "$f" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		cat "$log"
	elif [ "${TEST_TIMES:-0}" = 1 ]; then
		grep -E '^(ok|skip|#) ' "$log"
	else
		grep -E '^(ok|skip) ' "$log"
	fi
	grep '^not ok ' "$log" >>"$fails"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok $name: exited $rc" | tee -a "$fails"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "not ok $name: ran no test" | tee -a "$fails"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

filter=${TESTS:-}
left_out() {
	local w
	if [ -n "$filter" ]; then
		local hit=
		for w in $filter; do [[ "$1" == *$w* ]] && hit=1; done
		[ -n "$hit" ] || return 0
	fi
	for w in ${SKIP_TESTS:-}; do
		[[ "$1" == *$w* ]] && return 0
	done
	return 1
}
units=("$OUT"/tests/test_* ${ASAN_OUT:+"$ASAN_OUT"/tests/test_*})
[ "${UNIT:-1}" = 0 ] && units=()
for t in "${units[@]}"; do
	[ -x "$t" ] || continue
	case "$t" in *.d|*.o) continue ;; esac
	left_out "$t" && continue
	# the sanitizer build's tests are told apart by their path
	run_one "$t" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$t"
done
for t in tests/integration/test_*.py tests/integration/test_*.sh; do
	[ -e "$t" ] || continue
	left_out "$t" && continue
	case "$t" in
	*.py) run_one "$t" python3 "$t" ;;
	*.sh) run_one "$t" bash "$t" ;;
	esac
done
# a long failure's output can push its line out of a log's tail: the list
# of failures again, then the summary as the last line
if [ -s "$fails" ]; then
	echo "# the failures:"
	sed "s/^/# /" "$fails" | cut -c1-300
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
