# Shell shared by bench/run.sh and bench/pair.sh (sourced).

# wait_attached LOG WHAT: wait (10 s at most) until the leakscope writing
# LOG says it has attached; else one error line and exit 1.
wait_attached() {
	for _ in $(seq 200); do
		grep -q attached "$1" && return 0
		sleep 0.05
	done
	echo "Error: $2 did not attach: $(grep -m1 Error "$1" || tail -1 "$1")" >&2
	exit 1
}

# median of the numbers on stdin, one a line
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
