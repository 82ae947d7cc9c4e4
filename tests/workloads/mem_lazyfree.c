// SPDX-License-Identifier: GPL-2.0
/* Keeps RSS high only through MADV_FREE'd pages, like Go 1.12-1.15:
 * mem_lazyfree MiB SECONDS [GROW_MiB_PER_S].
 * Maps MiB, touches it, frees it lazily; then every 200 ms reuses 1 MiB of
 * it (so that part is real again) and lazily frees it once more.  Real
 * memory stays flat; with GROW, RSS climbs through new MADV_FREE'd memory
 * (a heap that grows and gives back lazily).  Writes "pid N" to $WL_INFO
 * once the arena is lazily freed, and at the end "lazyfree_kb N": its own
 * smaps_rollup LazyFree, the truth a tracer is checked against. */
#include <sys/mman.h>
#include "wl_common.h"

static long own_lazyfree_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "LazyFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	size_t len = (size_t)(wl_arg(argc, argv, 1, 256) * MiB);
	double secs = wl_arg(argc, argv, 2, 20), grow = wl_arg(argc, argv, 3, 0);
	double start = wl_now(), next = start;
	char *arena = wl_map_freed(len);
	size_t cursor = 0;

	wl_ready();
	start = next = wl_now();
	while (wl_now() - start < secs) {
		char *part = arena + cursor;

		wl_touch(part, MiB);		/* reused: real again */
		madvise(part, MiB, MADV_FREE);	/* and given back lazily */
		cursor = (cursor + MiB) % len;
		if (grow > 0)
			wl_map_freed((size_t)(grow * MiB / 5) & ~4095UL);
		next += 0.2;
		while (wl_now() < next)
			usleep(5000);
	}
	wl_info("lazyfree_kb", own_lazyfree_kb());
	return 0;
}
