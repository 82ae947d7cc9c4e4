// SPDX-License-Identifier: GPL-2.0
/*
 * toggle MODE ITERS CYCLES LABEL:CMD... (root): time build/bench/loops MODE
 * ITERS untraced ("base") and under each tracer in turn, many cycles, with
 * every tracer started once.  A tracer stays loaded between its turns: each
 * SIGUSR1 detaches or attaches its programs and it prints a line ending in
 * "detached" or "attached" (bench/floor; leakscope --bench-toggle, which
 * prints "attached" when ready too).  A cycle takes about a second, so this
 * VM's slow periods, which last seconds, fall on all of a cycle's
 * configurations alike; bench/interleave.sh (removed in 2026-12), which started a tracer for each
 * turn, needs some 4 s a configuration.
 *
 * Each turn keeps the fastest of RUNS loops runs (each already the fastest
 * of 5 rounds).  The order of the configurations rotates from cycle to
 * cycle.  Prints each configuration's median and fastest and, given a
 * tracer labelled "floor", each other tracer's added time over the floor's
 * (both over base) per cycle, as a median and middle half, and as the
 * ratio of the medians of the per-cycle added times.  Run the same tracer under two labels to see
 * the method's own spread.
 *   RUNS (default 3), SETTLE_MS (default 50: after each attach and detach,
 *   for the RCU work a detach leaves), LOOPS (default build/bench/loops).
 * E.g. build/bench/toggle unix 4000 60 floor:build/bench/floor \
 *          leakscope:"build/leakscope -i 5 --bench-toggle"
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONFIGS	8	/* base and up to 7 tracers */
#define MAX_CYCLES	1000
#define ACK_TIMEOUT_MS	30000

struct tracer {
	const char *label;
	const char *cmd;
	pid_t pid;
	int out;		/* its stdout and stderr */
	char line[4096];	/* the line being read */
	size_t len;
};

static struct tracer tracers[MAX_CONFIGS];
static unsigned ntracers;

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "Error: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	for (unsigned i = 0; i < ntracers; i++)
		if (tracers[i].pid > 0)
			kill(tracers[i].pid, SIGINT);
	exit(1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void start_tracer(struct tracer *t)
{
	int p[2];

	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	t->pid = fork();
	if (t->pid < 0)
		fail("fork: %s", strerror(errno));
	if (t->pid == 0) {
		char *cmd;

		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		if (asprintf(&cmd, "exec %s", t->cmd) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	t->out = p[0];
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n) &&
	       (len == n || s[len - n - 1] == ' ');
}

/* Read t's output until a line ends in word ("attached" or "detached"). */
static void wait_for(struct tracer *t, const char *word)
{
	struct timespec ts;
	double deadline;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 + ACK_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { .fd = t->out, .events = POLLIN };
		char buf[1024];
		ssize_t n;
		int left;

		/* a deadline, not a timeout per read: a tracer that prints a
		 * table every few seconds but never the line would hold us */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = (int)(deadline - (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6));
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			fail("%s did not say it was (de)tached within 30 s (a tracer here must "
			     "switch on SIGUSR1: bench/floor, leakscope --bench-toggle)", t->label);
		n = read(t->out, buf, sizeof(buf));
		if (n <= 0)
			fail("%s exited (a tracer here must switch on SIGUSR1: bench/floor, "
			     "leakscope --bench-toggle)", t->label);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (t->len < sizeof(t->line))
					t->line[t->len++] = buf[i];
				continue;
			}
			if (ends_with(t->line, t->len, word)) {
				t->len = 0;
				return;
			}
			t->len = 0;
		}
	}
}

static void toggle(struct tracer *t, const char *word)
{
	kill(t->pid, SIGUSR1);
	wait_for(t, word);
}

/* One run of the loops binary pinned to the last CPU: its ns/iteration. */
static double run_loop(const char *loops, const char *mode, const char *iters)
{
	int p[2], status;
	char buf[64] = "";
	ssize_t n;
	pid_t pid;

	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) - 1, &set);
		sched_setaffinity(0, sizeof(set), &set);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(loops, loops, mode, iters, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("%s failed", loops);
	return strtod(buf, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), by linear interpolation. */
static double quantile(double *v, unsigned n, double q)
{
	double pos;
	unsigned i;

	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (n - 1);
	i = (unsigned)pos;
	return i + 1 < n ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static double times[MAX_CONFIGS][MAX_CYCLES];

int main(int argc, char **argv)
{
	const char *loops = getenv("LOOPS") ? getenv("LOOPS") : "build/bench/loops";
	int runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 3;
	long settle = getenv("SETTLE_MS") ? atol(getenv("SETTLE_MS")) : 50;
	const char *labels[MAX_CONFIGS] = { "base" };
	unsigned nconfigs, cycles, floor_at = 0;
	double t0, scratch[MAX_CYCLES];
	struct timespec ts;

	if (argc < 5) {
		fprintf(stderr, "Error: usage: toggle MODE ITERS CYCLES LABEL:CMD...\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "Error: toggle needs root (its tracers load BPF programs)\n");
		return 1;
	}
	cycles = (unsigned)atoi(argv[3]);
	if (cycles < 1 || cycles > MAX_CYCLES || runs < 1 || settle < 0) {
		fprintf(stderr, "Error: CYCLES must be 1 to %d, RUNS at least 1, SETTLE_MS at least 0\n", MAX_CYCLES);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		char *colon = strchr(argv[i], ':');

		if (!colon || colon == argv[i] || ntracers + 1 >= MAX_CONFIGS) {
			fprintf(stderr, "Error: '%s' is not LABEL:CMD (at most %d tracers)\n",
				argv[i], MAX_CONFIGS - 1);
			return 2;
		}
		*colon = '\0';
		tracers[ntracers].label = argv[i];
		tracers[ntracers].cmd = colon + 1;
		if (!strcmp(argv[i], "floor"))
			floor_at = ntracers + 1;
		labels[ntracers + 1] = argv[i];
		ntracers++;
	}
	nconfigs = ntracers + 1;
	signal(SIGPIPE, SIG_IGN);

	/* start every tracer, each detached once ready */
	for (unsigned i = 0; i < ntracers; i++) {
		start_tracer(&tracers[i]);
		wait_for(&tracers[i], "attached");
		toggle(&tracers[i], "detached");
	}
	sleep_ms(1000);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec + ts.tv_nsec / 1e9;
	for (unsigned c = 0; c < cycles; c++) {
		for (unsigned k = 0; k < nconfigs; k++) {
			unsigned at = (c + k) % nconfigs;
			struct tracer *t = at ? &tracers[at - 1] : NULL;
			double best = 0;

			if (t) {
				toggle(t, "attached");
				sleep_ms(settle);
			}
			for (int r = 0; r < runs; r++) {
				double v = run_loop(loops, argv[1], argv[2]);

				if (!r || v < best)
					best = v;
			}
			times[at][c] = best;
			if (t) {
				toggle(t, "detached");
				sleep_ms(settle);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (unsigned i = 0; i < ntracers; i++) {
		kill(tracers[i].pid, SIGINT);
		waitpid(tracers[i].pid, NULL, 0);
	}

	printf("%u cycles in %.0f s, %s %s, the fastest of %d runs a turn\n", cycles,
	       ts.tv_sec + ts.tv_nsec / 1e9 - t0, argv[1], argv[2], runs);
	for (unsigned a = 0; a < nconfigs; a++) {
		memcpy(scratch, times[a], cycles * sizeof(double));
		printf("%-10s median %8.1f  fastest %8.1f  ns/iteration\n", labels[a],
		       quantile(scratch, cycles, 0.5), quantile(scratch, cycles, 0));
	}
	if (!floor_at)
		return 0;
	for (unsigned a = 1; a < nconfigs; a++) {
		double added[MAX_CYCLES], floor_added[MAX_CYCLES];
		unsigned n = 0;

		if (a == floor_at)
			continue;
		for (unsigned c = 0; c < cycles; c++) {
			double f = times[floor_at][c] - times[0][c];

			added[c] = times[a][c] - times[0][c];
			floor_added[c] = f;
			if (f > 0)
				scratch[n++] = added[c] / f;
		}
		if (!n) {
			printf("%-10s added time / floor's: no cycle where the floor added time\n",
			       labels[a]);
			continue;
		}
		printf("%-10s added time / floor's, per cycle: median %.2f, middle half %.2f to %.2f, "
		       "%u cycles",
		       labels[a], quantile(scratch, n, 0.5), quantile(scratch, n, 0.25),
		       quantile(scratch, n, 0.75), n);
		{
			double mt = quantile(added, cycles, 0.5), mf = quantile(floor_added, cycles, 0.5);

			printf("; from the medians %.0f / %.0f ns = %.2f\n", mt, mf, mf > 0 ? mt / mf : 0);
		}
	}
	return 0;
}
