// SPDX-License-Identifier: GPL-2.0
/* Leaks through glibc malloc in small chunks, so the heap grows by brk:
 * mem_brk_leak MiB_PER_S SECONDS. */
#include "wl_common.h"

int main(int argc, char **argv)
{
	double rate = wl_arg(argc, argv, 1, 2), secs = wl_arg(argc, argv, 2, 20);
	size_t per_tick = (size_t)(rate * MiB / 10), small = 2048;
	double start = wl_now(), next = start;

	wl_ready();
	start = next = wl_now();
	while (wl_now() - start < secs) {
		for (size_t done = 0; done < per_tick; done += small) {
			char *p = malloc(small);	/* below the mmap threshold: heap */

			if (!p)
				return 1;
			memset(p, 1, small);
		}
		next += 0.1;
		while (wl_now() < next)
			usleep(5000);
	}
	return 0;
}
