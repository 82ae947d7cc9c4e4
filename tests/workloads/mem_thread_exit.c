// SPDX-License-Identifier: GPL-2.0
/* Threads that each make a few small MADV_FREE'd mappings and exit while
 * the process lives on: mem_thread_exit THREADS DELAY SECONDS.
 * After DELAY s, THREADS threads in turn map 5 x 64 KiB, touch it and
 * madvise(MADV_FREE) it (10 calls, 640 KiB: below the BPF per-thread
 * flush thresholds), then exit; the process then sleeps until SECONDS.
 * Their MADV_FREE bytes reach the ledger only through the flush at thread
 * exit.  Small stacks: glibc madvise(MADV_DONTNEED)s the unused part of an
 * exiting thread's stack, and 8 MiB of that would cross the byte threshold
 * and flush before the exit does.  Writes "pid N" at start and "madv_free_bytes N" when done. */
#include <pthread.h>
#include <sys/mman.h>
#include "wl_common.h"

#define MAPS_PER_THREAD	5
#define MAP_LEN		(64 << 10)

static void *thread_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < MAPS_PER_THREAD; i++) {
		char *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			exit(1);
		wl_touch(p, MAP_LEN);
		if (madvise(p, MAP_LEN, MADV_FREE))
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = (int)wl_arg(argc, argv, 1, 16);
	double delay = wl_arg(argc, argv, 2, 2), secs = wl_arg(argc, argv, 3, 10);
	double start = wl_now();

	wl_info("pid", getpid());
	usleep((useconds_t)(delay * 1e6));
	pthread_attr_t attr;

	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, 64 << 10))
		return 1;
	for (int i = 0; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, &attr, thread_main, NULL) || pthread_join(t, NULL))
			return 1;
	}
	wl_info("madv_free_bytes", (long)threads * MAPS_PER_THREAD * MAP_LEN);
	while (wl_now() - start < secs)
		usleep(100000);
	return 0;
}
