// SPDX-License-Identifier: GPL-2.0
/* What reading /proc/PID/smaps by region class costs (user/regions.c):
 * bench/regions [PROCS] [MAPPINGS] [ROUNDS] forks PROCS processes that
 * each hold MAPPINGS separate anonymous mappings of 16 KiB, every page
 * touched (plus their libraries), then times regions__read over all of
 * them, ROUNDS times, and prints the time a process, a mapping, a pass
 * (what one interval's reads cost) and the parser's own share (the same
 * text parsed again from memory). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "regions.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t holder(int mappings, int ready_fd)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	for (int i = 0; i < mappings; i++) {
		/* a guard page between them: no two merge */
		char *p = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED || mprotect(p + 4 * 4096, 4096, PROT_NONE))
			_exit(1);
		for (int k = 0; k < 4; k++)
			p[k * 4096] = 1;
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

int main(int argc, char **argv)
{
	int procs = argc > 1 ? atoi(argv[1]) : 50, mappings = argc > 2 ? atoi(argv[2]) : 1000;
	int rounds = argc > 3 ? atoi(argv[3]) : 20, fds[2];
	pid_t *pids = calloc((size_t)procs, sizeof(*pids));
	static struct ls_proc_regions r;
	uint64_t maps = 0;
	double t0, t;
	char c;

	if (!pids || procs < 1 || mappings < 0 || rounds < 1 || pipe(fds))
		return 2;
	for (int i = 0; i < procs; i++)
		pids[i] = holder(mappings, fds[1]);
	for (int i = 0; i < procs; i++)
		if (read(fds[0], &c, 1) != 1)
			return 1;
	t0 = now();
	for (int k = 0; k < rounds; k++)
		for (int i = 0; i < procs; i++) {
			if (regions__read(pids[i], 1, &r))
				return 1;
			maps += r.mappings;
		}
	t = now() - t0;
	/* the kernel's share: the same files read, not parsed */
	{
		static char buf[1 << 16];
		double k0 = now(), kt;

		for (int k = 0; k < rounds; k++)
			for (int i = 0; i < procs; i++) {
				char path[64];
				int fd;

				snprintf(path, sizeof(path), "/proc/%d/smaps", pids[i]);
				fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd < 0)
					return 1;
				while (read(fd, buf, sizeof(buf)) > 0)
					;
				close(fd);
			}
		kt = now() - k0;
		printf("reading alone (the kernel's part): %.1f us a process\n", kt / rounds / procs * 1e6);
	}
	printf("smaps by class: %d processes of %llu mappings each (%d anonymous of 16 KiB): "
	       "%.1f us a process, %.2f us a mapping, %.2f ms for all %d (one pass)\n",
	       procs, (unsigned long long)(maps / ((uint64_t)rounds * procs)), mappings,
	       t / rounds / procs * 1e6, t / (double)maps * 1e6, t / rounds * 1e3, procs);
	for (int i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
