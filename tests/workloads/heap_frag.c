// SPDX-License-Identifier: GPL-2.0
/* Fragments glibc's heap: heap_frag TOTAL_MiB BLOCK_BYTES SECONDS.
 * Once the tracer is there ($WL_GATE), mallocs TOTAL_MiB in blocks of
 * BLOCK_BYTES, frees all but every eighth (the kept ones pin the heap:
 * glibc keeps the freed 7/8 and cannot give it back), writes mallinfo2's
 * in_use (uordblks) and free (fordblks) bytes to $WL_INFO, then "done 1",
 * and holds for SECONDS. */
#include <malloc.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	size_t total = (size_t)(wl_arg(argc, argv, 1, 1024) * MiB);
	size_t block = (size_t)wl_arg(argc, argv, 2, 1024);
	double secs = wl_arg(argc, argv, 3, 60);
	size_t n = total / block;
	/* the pointers outside malloc: mapped, and unmapped before the hold,
	 * so that neither the heap nor the figures count them */
	char **ptrs = mmap(NULL, n * sizeof(*ptrs), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mallinfo2 mi;
	double start;

	if (ptrs == MAP_FAILED || !block)
		return 1;
	wl_ready();
	for (size_t i = 0; i < n; i++) {
		ptrs[i] = malloc(block);
		if (!ptrs[i])
			return 1;
		memset(ptrs[i], 1, block);
	}
	for (size_t i = 0; i < n; i++)
		if (i % 8)
			free(ptrs[i]);
	munmap(ptrs, n * sizeof(*ptrs));
	mi = mallinfo2();
	wl_info("in_use", (long)mi.uordblks);
	wl_info("free", (long)mi.fordblks);
	wl_info("arena", (long)mi.arena);
	wl_info("mmapped", (long)mi.hblkhd);
	wl_info("done", 1);
	start = wl_now();
	while (wl_now() - start < secs)
		usleep(100000);
	return 0;
}
