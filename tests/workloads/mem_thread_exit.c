// SPDX-License-Identifier: GPL-2.0
/* Threads on every CPU make a few small MADV_FREE'd mappings, then the
 * process exits or execs: mem_thread_exit THREADS DELAY SECONDS [CMD ARGS...].
 * After DELAY s, THREADS threads at once, thread i pinned to CPU i mod the
 * CPU count, each map 5 x 64 KiB, touch it and madvise(MADV_FREE) it; the
 * process then exits at SECONDS, or, given CMD, execs it at once.  BPF adds
 * each CPU's calls to a per-CPU share flushed every 16 calls or 1 MiB:
 * what each CPU holds unflushed reaches the ledger only through the claim
 * of the process's shares on every CPU at exit (or exec).  Writes "pid N"
 * at start and "madv_free_bytes N" when the threads are done. */
#include <pthread.h>
#include <sys/mman.h>
#include "wl_common.h"

#define MAPS_PER_THREAD	5
#define MAP_LEN		(64 << 10)

static void *thread_main(void *arg)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)((long)arg % (ncpu > 0 ? ncpu : 1)), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (int i = 0; i < MAPS_PER_THREAD; i++)
		wl_map_freed(MAP_LEN);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = (int)wl_arg(argc, argv, 1, 16);
	double delay = wl_arg(argc, argv, 2, 2), secs = wl_arg(argc, argv, 3, 10);
	double start;

	wl_ready();
	start = wl_now();
	usleep((useconds_t)(delay * 1e6));
	pthread_attr_t attr;

	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, 64 << 10))
		return 1;
	pthread_t t[256];

	if (threads > 256)
		threads = 256;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&t[i], &attr, thread_main, (void *)i))
			return 1;
	for (int i = 0; i < threads; i++)
		if (pthread_join(t[i], NULL))
			return 1;
	wl_info("madv_free_bytes", (long)threads * MAPS_PER_THREAD * MAP_LEN);
	if (argc > 4) {
		execvp(argv[4], argv + 4);
		return 127;
	}
	while (wl_now() - start < secs)
		usleep(100000);
	return 0;
}
