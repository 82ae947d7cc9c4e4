// SPDX-License-Identifier: GPL-2.0
/*
 * The loops the benchmark times: loops MODE ITERATIONS, prints the fastest
 * round's ns per iteration out of 5 (on a shared VM, other load only ever
 * adds time, so the minimum is the steadiest estimate).
 *   mmap:  mmap 64 KiB, touch a page, madvise(MADV_FREE), munmap (one page:
 *          with all 16, page faults are 90% of the time and their jitter
 *          swamps the few hundred ns a tracer adds to the syscalls)
 *   fault: fault in 4 MiB of a mapping, MADV_DONTNEED it, again (page faults)
 *   unix:  connect + accept + close on a unix socket
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void mmap_loop(long n)
{
	size_t len = 64 << 10;

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			exit(1);
		p[0] = 1;
		madvise(p, len, MADV_FREE);
		munmap(p, len);
	}
}

static char *fault_area;
static void fault_loop(long n)
{
	size_t len = 4 << 20;

	if (!fault_area) {
		fault_area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		madvise(fault_area, len, MADV_NOHUGEPAGE);	/* one fault per 4 KiB page */
	}
	for (long i = 0; i < n; i++) {
		for (size_t off = 0; off < len; off += 4096)
			fault_area[off] = 1;
		madvise(fault_area, len, MADV_DONTNEED);
	}
}

static struct sockaddr_un addr;
static int listener = -1;

static void unix_loop(long n)
{
	if (listener < 0) {
		listener = socket(AF_UNIX, SOCK_STREAM, 0);
		addr.sun_family = AF_UNIX;
		snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/leakscope-bench-%d.sock", getpid());
		unlink(addr.sun_path);
		if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 64))
			exit(1);
	}
	for (long i = 0; i < n; i++) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0), a;

		if (connect(c, (struct sockaddr *)&addr, sizeof(addr)))
			exit(1);
		a = accept(listener, NULL, NULL);
		if (a < 0)
			exit(1);
		close(a);
		close(c);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	void (*loop)(long);
	double per[ROUNDS];
	long n;

	if (argc < 3) {
		fprintf(stderr, "usage: loops mmap|fault|unix ITERATIONS\n");
		return 2;
	}
	n = atol(argv[2]);
	if (!strcmp(argv[1], "mmap"))
		loop = mmap_loop;
	else if (!strcmp(argv[1], "fault"))
		loop = fault_loop;
	else if (!strcmp(argv[1], "unix"))
		loop = unix_loop;
	else
		return 2;
	loop(n / 10 + 1);	/* warm up */
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		loop(n);
		per[r] = (now_ns() - t0) / n;
	}
	qsort(per, ROUNDS, sizeof(per[0]), cmp);
	printf("%.1f\n", per[0]);
	if (listener >= 0)
		unlink(addr.sun_path);
	return 0;
}
