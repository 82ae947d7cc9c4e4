// SPDX-License-Identifier: GPL-2.0
/* One huge mapping, from a named thread, like dockerd's 2.5 GB allocation:
 * mem_bigmap MiB SECONDS [DELAY_SECONDS].  Maps after DELAY (default 0.2 s,
 * so a tracer attached with -p sees it happen), then stays SECONDS.
 * Writes "pid N" at start, then "tid N" and "addr N" to $WL_INFO. */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "wl_common.h"

static size_t len;

static void *mapper(void *arg)
{
	char *p;

	(void)arg;
	prctl(PR_SET_NAME, "bigmapper");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(1);
	wl_touch(p, 16 * MiB);	/* asked for much, used little */
	wl_info("tid", syscall(SYS_gettid));
	wl_info("addr", (long)p);
	return NULL;
}

int main(int argc, char **argv)
{
	double secs, delay;
	pthread_t t;

	len = (size_t)(wl_arg(argc, argv, 1, 1024) * MiB);
	secs = wl_arg(argc, argv, 2, 5);
	delay = wl_arg(argc, argv, 3, 0.2);
	wl_ready();
	usleep((useconds_t)(delay * 1e6));	/* let an attaching tracer see it happen */
	pthread_create(&t, NULL, mapper, NULL);
	pthread_join(t, NULL);
	usleep((useconds_t)(secs * 1e6));
	return 0;
}
