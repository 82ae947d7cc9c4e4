// SPDX-License-Identifier: GPL-2.0
/* Grows real memory at a known rate: mem_leak MiB_PER_S SECONDS.
 * Every 100 ms it maps rate/10 MiB of anonymous memory, touches every page
 * and never frees it. */
#include <sys/mman.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	double rate = wl_arg(argc, argv, 1, 4), secs = wl_arg(argc, argv, 2, 20);
	size_t chunk = (size_t)(rate * MiB / 10);
	double start = wl_now(), next = start;

	chunk = (chunk + 4095) & ~4095UL;
	wl_ready();
	start = next = wl_now();
	while (wl_now() - start < secs) {
		char *p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		wl_touch(p, chunk);
		next += 0.1;	/* paced on the clock, so the rate holds */
		while (wl_now() < next)
			usleep(5000);
	}
	return 0;
}
