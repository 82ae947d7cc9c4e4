// SPDX-License-Identifier: GPL-2.0
/*
 * The dockerd loop: ns_setns_loop PATH TYPE COUNT INTERVAL_MS [--reopen] [--drop-privs]
 * calls setns(fd, TYPE) COUNT times, INTERVAL_MS apart, on PATH (TYPE is
 * net, mnt or any).  --reopen opens PATH before every call (as dockerd did
 * with /var/run/docker/netns/ID); otherwise it is opened once.
 * --drop-privs opens PATH as root, then becomes nobody: setns gets EPERM.
 * Writes "attempts N", "failures N" and "errno N" (last one) to $WL_INFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include "wl_common.h"

int main(int argc, char **argv)
{
	int reopen = 0, drop = 0, fd = -1, type = 0, failures = 0, last_err = 0;
	long count, interval_ms;

	if (argc < 5) {
		fprintf(stderr, "usage: ns_setns_loop PATH net|mnt|any COUNT INTERVAL_MS [--reopen] [--drop-privs]\n");
		return 2;
	}
	if (!strcmp(argv[2], "net"))
		type = CLONE_NEWNET;
	else if (!strcmp(argv[2], "mnt"))
		type = CLONE_NEWNS;
	count = atol(argv[3]);
	interval_ms = atol(argv[4]);
	for (int i = 5; i < argc; i++) {
		reopen |= !strcmp(argv[i], "--reopen");
		drop |= !strcmp(argv[i], "--drop-privs");
	}
	wl_ready();
	if (!reopen && (fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		perror(argv[1]);
		return 1;
	}
	if (drop && (setgid(65534) || setuid(65534))) {
		perror("setuid");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		if (reopen && (fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
			perror(argv[1]);
			return 1;
		}
		if (setns(fd, type)) {
			failures++;
			last_err = errno;
		}
		if (reopen)
			close(fd);
		usleep((useconds_t)interval_ms * 1000);
	}
	wl_info("attempts", count);
	wl_info("failures", failures);
	wl_info("errno", last_err);
	return 0;
}
