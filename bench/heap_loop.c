// SPDX-License-Identifier: GPL-2.0
/* A malloc/free loop: heap_loop ITERATIONS [SIZE].  Waits for $HEAP_GATE
 * (a file the tracer creates once attached) when set, then prints the ns
 * one malloc(SIZE) + free() took, the mean of ITERATIONS. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 64;
	const char *gate = getenv("HEAP_GATE");
	double t0, end = now() + 60e9;
	char *volatile p;

	if (iters <= 0)
		return 2;
	while (gate && *gate && access(gate, F_OK) && now() < end)
		usleep(10000);
	for (int i = 0; i < 10000; i++) {	/* warm: the arena's first pages */
		p = malloc(size);
		free(p);
	}
	t0 = now();
	for (long i = 0; i < iters; i++) {
		p = malloc(size);
		p[0] = 1;
		free(p);
	}
	printf("%.1f\n", (now() - t0) / iters);
	return 0;
}
