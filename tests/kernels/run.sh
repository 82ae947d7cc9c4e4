#!/bin/bash
# The kernel matrix: for each line of tests/kernels/kernels.list, fetch that
# Debian kernel, boot it in QEMU and run the integration tests in it (the
# tests/integration/* that `make test` runs on the host, through tests/run.sh;
# not the unit tests, nor the fuzzer, which do not touch the kernel).
# Prints one line per kernel, "RELEASE: N passed, N failed, N skipped", then the
# sums in the same form; exits non-zero if any kernel failed or gave no status.
#   KERNELS="6.1 newest"  only these lines (names from kernels.list, comma or space)
#   TESTS=SUBSTRING        passed to tests/run.sh in each guest
#   SUBTESTS=SUITE/NAME,.. passed to the suites (lsharness.Suite.selected)
#   KTEST_SKIP="A B"       tests left out in the guests (default: GUEST_SKIP below)
#   KTEST_JOBS=N           guests at once (default 2); KTEST_CPUS, KTEST_MEM per guest
#   KTEST_TIMEOUT=S        per guest (default 1200)
#   KTEST_REQUIRED=1       (CI) a missing requirement fails instead of skipping
#   KTEST_NOT_GATING="6.1" these kernels' results are printed, not counted
#   KTEST_RETRY=1          after a failure or a hung guest, the files that did
#                          not pass run again in a new guest
# Logs: $OUT/kernels/RELEASE.log (the tests' output), RELEASE.console (the serial
# console: boot and kernel messages).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/kernels
OUT=${OUT:-build}

skip() {
	if [ "${KTEST_REQUIRED:-0}" = 1 ]; then
		echo "Error: test-kernels cannot run: $1" >&2
		exit 1
	fi
	echo "skip test-kernels: $1"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root (kernel cache in /var/cache, BPF in the guests as the host's root)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 not installed (make deps installs qemu-system-x86)"
for tool in /bin/busybox modprobe depmod dpkg-deb apt-get flock xz zstd; do
	command -v "$tool" >/dev/null ||
		{ echo "Error: test-kernels needs $tool (make deps installs it)" >&2; exit 1; }
done
# the guests see the host's root, with tmpfs over /tmp, /run and /var/tmp
case "$(pwd -P)/" in /tmp/* | /run/* | /var/tmp/*)
	echo "Error: test-kernels cannot run from $(pwd -P): the guests mount tmpfs over /tmp, /run and /var/tmp; clone the tree elsewhere" >&2
	exit 2 ;;
esac
[ -x "$OUT/leakscope" ] || { echo "Error: no $OUT/leakscope: run make first" >&2; exit 1; }

# kernels.list: "name suite # who runs it"
names=() suites=()
while read -r name suite _; do
	case "$name" in '' | '#'*) continue ;; esac
	names+=("$name") suites+=("$suite")
done <"$here/kernels.list"
sel=()
if [ -n "${KERNELS:-}" ]; then
	for want in ${KERNELS//,/ }; do
		found=
		for i in "${!names[@]}"; do
			if [ "${names[$i]}" = "$want" ]; then sel+=("$i") found=1; fi
		done
		[ -n "$found" ] ||
			{ echo "Error: KERNELS: no line '$want' in $here/kernels.list (${names[*]})" >&2; exit 2; }
	done
else
	sel=("${!names[@]}")
fi

# What the guests run: the suites that exercise a kernel facility (the
# memory ledger and LazyFree, process exit/exec/fork, setns, capabilities,
# uprobes, the ring buffer under faults), and the socket suite's subtests
# that exercise one (pairing by connect and accept, socketpairs, closes
# through dup, threads, exec and close_range, unix names of every length,
# TCP states, the attach-time snapshot). Left out: suites that touch no
# kernel facility the host's run has not (the fuzzer, the docs, recordings,
# safe text and files, scale, serve, containers, dockerd, redis, the image,
# html, tui, regions); those that force or hide facilities of the host's
# kernel, which the guests have for real (facilities, btf_file); and the
# socket subtests that measure rates or hold 100,000 ends (burst, the big
# tables, bench_toggle), which an emulated machine, 10 to 50 times slower,
# cannot keep up. KTEST_SKIP and SUBTESTS override (KTEST_SKIP=fuzz
# SUBTESTS= runs every suite whole).
GUEST_SKIP=${KTEST_SKIP-"fuzz docs recording safe_files safe_text scale serve containers dockerd redis image html tui regions facilities btf_file"}
GUEST_SOCKETS="unix_leak_both_sides unix_closing_client_is_stable connections_before_attach
	socketpair_pairs peer_that_exits tcp_close_wait_leak tcp_from_before_attach
	paths_of_every_length closed_while_a_thread_reads dup_keeps_it_open
	exec_closes_close_on_exec_ends last_close_by_a_child_after_close_range"
export SUBTESTS=${SUBTESTS-$(for t in $GUEST_SOCKETS; do printf 'sockets/%s,' "$t"; done)}

NOT_GATING=${KTEST_NOT_GATING:-}
NOT_GATING=${NOT_GATING//,/ }
logs=$OUT/kernels
mkdir -p "$logs"
jobs=${KTEST_JOBS:-2}
export KTEST_TIMEOUT=${KTEST_TIMEOUT:-1200}
start=$SECONDS

# Fetch one at a time (fetch.sh holds the cache's lock anyway), then boot.
declare -A kdir release
for i in "${sel[@]}"; do
	if d=$("$here/fetch.sh" "${suites[$i]}"); then
		kdir[$i]=$d release[$i]=$(cat "$d/release")
	else
		echo "not ok kernels/${names[$i]}: fetching ${suites[$i]} failed"
	fi
done
echo "# left out in every guest: ${GUEST_SKIP:-nothing} (they touch no kernel facility the host's run has not)"
echo "# subtests picked: ${SUBTESTS:-every one}"
echo "# fetched in $((SECONDS - start)) s; ${#kdir[@]} guests, $jobs at a time," \
	"${KTEST_CPUS:-2} CPUs and ${KTEST_MEM:-2G} each"

# One boot of kernel dir $1 running the integration tests TESTS=$2 (words:
# any matches; empty: all) but SKIP_TESTS=$3, output in $4, console in $5;
# returns the status.
boot_tests() {
	KTEST_LOG=$4 "$here/boot.sh" "$1" \
		env OUT="$OUT" UNIT=0 TESTS="$2" SKIP_TESTS="$3" TEST_TIMES=1 SUBTESTS="${SUBTESTS:-}" \
		tests/run.sh >"$5" 2>&1
}

# The test files a log shows finished without a failure, as SKIP_TESTS words
# ("test_faults."): TEST_TIMES=1 prints "# tests/integration/test_X.py: N s"
# as each ends, after its lines.
finished_ok_files() {
	local f w
	for f in $(sed -n 's|^# tests/integration/\(test_[A-Za-z0-9_]*\.\)[a-z]*: [0-9]* s$|\1|p' "$1"); do
		w=${f#test_}
		grep -qE "^not ok (${w%.}/|tests/integration/$f)" "$1" || echo "$f"
	done
}

# One guest: its tests' output in R.log, its status in R.rc, its time in R.secs;
# prints what failed or was skipped when it ends.  KTEST_RETRY=1: when a test
# failed, or the guest gave no status (a timeout, a hung kernel), the test
# files that did not finish without a failure run once more in a new guest,
# and their second run's lines replace the first's: a subtest fails the
# kernel when it fails twice (emulation is 10 to 50 times slower, and a
# timeline breaks now and then).
guest() {
	local r=$1 d=$2 name=$3 t0=$SECONDS rc=0 retried="" retry=${KTEST_RETRY:-0}
	# a kernel that does not gate is not worth a second boot
	[[ " ${NOT_GATING} " == *" $name "* ]] && retry=0
	rm -f "$logs/$r".{log,console,rc,secs,first.log,first.console}
	boot_tests "$d" "${TESTS:-}" "$GUEST_SKIP" "$logs/$r.log" "$logs/$r.console" || rc=$?
	if [ "$retry" = 1 ] && { [ "$rc" -ne 0 ] || grep -q '^not ok ' "$logs/$r.log"; }; then
		local ok suites="" w
		ok=$(finished_ok_files "$logs/$r.log" | tr '\n' ' ')
		for w in $ok; do w=${w#test_}; suites+="${suites:+|}${w%.}"; done
		mv "$logs/$r.log" "$logs/$r.first.log"
		mv "$logs/$r.console" "$logs/$r.first.console"
		retried="every file but: ${ok:-none} "
		rc=0
		boot_tests "$d" "${TESTS:-}" "$GUEST_SKIP $ok" "$logs/$r.retry.log" "$logs/$r.console" || rc=$?
		# the first run's lines of the files that passed, then the retry's
		{
			[ -z "$suites" ] || grep -E "^(ok|skip) ($suites)/" "$logs/$r.first.log" || true
			grep -E '^(ok|not ok|skip) ' "$logs/$r.retry.log" || true
		} >"$logs/$r.log"
		grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$logs/$r.retry.log" &&
			echo "$(grep -c '^ok ' "$logs/$r.log") passed, $(grep -c '^not ok ' "$logs/$r.log") failed, $(grep -c '^skip ' "$logs/$r.log") skipped" >>"$logs/$r.log"
		rm -f "$logs/$r.retry.log"
	fi
	echo "$rc" >"$logs/$r.rc"
	echo $((SECONDS - t0)) >"$logs/$r.secs"
	# one write, so that two guests ending together do not interleave
	local out bad
	out="# $r: guest done in $((SECONDS - t0)) s, status $rc"
	[ -z "$retried" ] ||
		out+=$'\n'"# $r: retried in a new guest: $retried(first run: $logs/$r.first.log)"
	bad=$(sed -n "s/^\(not ok \|skip \)/$r: &/p" "$logs/$r.log")
	[ -z "$bad" ] || out+=$'\n'$bad
	printf '%s\n' "$out"
}
running=0
for i in "${sel[@]}"; do
	[ -n "${kdir[$i]:-}" ] || continue
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	echo "# ${release[$i]}: booting (${names[$i]}, ${suites[$i]}; log $logs/${release[$i]}.log)"
	guest "${release[$i]}" "${kdir[$i]}" "${names[$i]}" &
	running=$((running + 1))
done
wait

# The summary: counted from each guest's own lines, in the order of kernels.list.
tp=0 tf=0 ts=0 lines=()
for i in "${sel[@]}"; do
	if [ -z "${kdir[$i]:-}" ]; then
		lines+=("${names[$i]} (${suites[$i]}): 0 passed, 1 failed, 0 skipped")
		tf=$((tf + 1))
		continue
	fi
	r=${release[$i]} log=$logs/${release[$i]}.log
	p=$(grep -c '^ok ' "$log" || true)
	f=$(grep -c '^not ok ' "$log" || true)
	s=$(grep -c '^skip ' "$log" || true)
	rc=$(cat "$logs/$r.rc")
	if [ "$rc" -eq 125 ] || ! grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log"; then
		echo "not ok kernels/$r: the guest gave no status (boot failure or timeout after" \
			"${KTEST_TIMEOUT} s): see $logs/$r.console"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok kernels/$r: the tests exited $rc with no failure"
		f=1
	fi
	if [[ " ${NOT_GATING} " == *" ${names[$i]} "* ]]; then
		# printed, not counted in the status (see KTEST_NOT_GATING)
		echo "# ${names[$i]} ($r) is not gating: $p passed, $f failed, $s skipped"
		continue
	fi
	lines+=("$r: $p passed, $f failed, $s skipped")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "# the matrix took $((SECONDS - start)) s"
printf '%s\n' "${lines[@]}"
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" -eq 0 ]
