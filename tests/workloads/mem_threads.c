// SPDX-License-Identifier: GPL-2.0
/* Threads that each touch a known part of their stack, then wait:
 * mem_threads N SECONDS KiB.  glibc gives each an anonymous mapping of
 * the stack size with a guard page below it.  Says "pid" and "threads"
 * (all started and touched) in $WL_INFO. */
#include <pthread.h>
#include "wl_common.h"

static size_t touch_kib;
static volatile int started;

static void *thread(void *arg)
{
	volatile char *buf = __builtin_alloca(touch_kib << 10);

	(void)arg;
	for (size_t i = 0; i < touch_kib << 10; i += 1024)
		buf[i] = 1;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = (int)wl_arg(argc, argv, 1, 200);
	double secs = wl_arg(argc, argv, 2, 30);
	pthread_t t;

	touch_kib = (size_t)wl_arg(argc, argv, 3, 64);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, thread, NULL))
			return 1;
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n)
		usleep(1000);
	wl_info("threads", n);
	wl_ready();
	for (double start = wl_now(); wl_now() - start < secs;)
		usleep(100000);
	return 0;
}
