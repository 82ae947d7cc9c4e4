// SPDX-License-Identifier: GPL-2.0
/* Leaks through malloc in one named function, at a steady rate, beside
 * malloc/free churn that leaks nothing: heap_leak MiB_PER_S SECONDS.
 * leak_here() is the function the oldest outstanding allocations must
 * name.  Says "leaked BYTES" in $WL_INFO every second: the truth, however
 * slowly an emulated machine runs it. */
#include "wl_common.h"

#define LEAK_BLOCK	2048

__attribute__((noinline)) static char *leak_here(void)
{
	char *p = malloc(LEAK_BLOCK);

	if (p)
		memset(p, 2, LEAK_BLOCK);
	return p;
}

/* allocates and frees at once: outstanding only for a moment */
__attribute__((noinline)) static void churn_here(size_t n)
{
	char *volatile p = malloc(n);

	if (p)
		memset(p, 3, n);
	free(p);
}

int main(int argc, char **argv)
{
	double rate = wl_arg(argc, argv, 1, 2), secs = wl_arg(argc, argv, 2, 30);
	size_t per_tick = (size_t)(rate * MiB / 10);
	double start, next, said;
	long leaked = 0;

	wl_ready();
	start = next = said = wl_now();
	while (wl_now() - start < secs) {
		for (size_t done = 0; done < per_tick; done += LEAK_BLOCK) {
			if (!leak_here())
				return 1;
			leaked += LEAK_BLOCK;
			churn_here(LEAK_BLOCK * 4);
		}
		if (wl_now() - said >= 1) {
			wl_info("leaked", leaked);
			said = wl_now();
		}
		next += 0.1;
		while (wl_now() < next)
			usleep(5000);
	}
	return 0;
}
