/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the workloads: they end by themselves and say who they are. */
#ifndef WL_COMMON_H
#define WL_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MiB (1UL << 20)

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double wl_arg(int argc, char **argv, int i, double dflt)
{
	return argc > i ? atof(argv[i]) : dflt;
}

/* Write "key value" lines to $WL_INFO (if set) so tests learn tids etc.
 * without touching stdout, which may carry leakscope's JSON. */
static inline void wl_info(const char *key, long value)
{
	const char *path = getenv("WL_INFO");
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "%s %ld\n", key, value);
	fclose(f);
}

/* Set up: say so ("pid" in $WL_INFO), then wait for the tracer.  With
 * $WL_GATE set (the tests set it), the workload's timeline starts only once
 * that file exists: leakscope creates it when it has attached
 * ($LEAKSCOPE_READY_FILE), which takes seconds in an emulated machine.  At
 * most 30 s, for a run with no tracer. */
static inline void wl_gate(void)
{
	const char *gate = getenv("WL_GATE");
	double end = wl_now() + 30;

	if (!gate || !*gate)
		return;
	while (access(gate, F_OK) != 0 && wl_now() < end)
		usleep(10000);
}

static inline void wl_ready(void)
{
	wl_info("pid", getpid());
	wl_gate();
}

static inline void wl_touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4096)
		p[off] = (char)(off >> 12) | 1;
}

/* Anonymous memory, touched, then MADV_FREE'd: lazily freed pages. */
static inline char *wl_map_freed(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		exit(1);
	wl_touch(p, len);
	if (madvise(p, len, MADV_FREE))
		exit(1);
	return p;
}

#endif
