// SPDX-License-Identifier: GPL-2.0
/* A cache warming up, then full: mem_plateau WARM_SECONDS MiB_PER_S SECONDS.
 * Grows for WARM_SECONDS, then keeps rewriting what it has. */
#include <sys/mman.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	double warm = wl_arg(argc, argv, 1, 4), rate = wl_arg(argc, argv, 2, 16);
	double secs = wl_arg(argc, argv, 3, 30);
	size_t total = (size_t)(warm * rate * MiB), filled = 0, step = (size_t)(rate * MiB / 10);
	double start = wl_now(), next = start;
	char *cache = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (cache == MAP_FAILED)
		return 1;
	wl_ready();
	start = next = wl_now();
	step &= ~4095UL;
	while (wl_now() - start < secs) {
		if (filled < total) {
			size_t n = total - filled < step ? total - filled : step;

			wl_touch(cache + filled, n);
			filled += n;
		} else {
			wl_touch(cache, total);	/* busy, but holds no more */
		}
		next += 0.1;
		while (wl_now() < next)
			usleep(5000);
	}
	return 0;
}
