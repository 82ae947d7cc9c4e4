/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Containers on the live side: a process's cgroup record (from
 * /proc/PID/cgroup, with the container's name from dockerd when it has
 * one), and the --container / --cgroup filters, which add the processes
 * they match to the kernel's traced set as -p does.
 */
#ifndef LS_CONTAINERS_H
#define LS_CONTAINERS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup_path.h"
#include "leakscope.h"

#define CONTAINERS_PATH_MAX	4096

/* The path to attribute pid by (cgroup_path__from_proc), whole; -1 if
 * the process is gone or the file is refused. */
int containers__read_path(pid_t pid, char path[CONTAINERS_PATH_MAX]);

/* A cgroup record for pid (start_ns is the process's): 0, or -1 if gone.
 * The name of a docker container is asked of dockerd once per id (cached,
 * failures too); hdr.ts_ns is left to the caller. */
int containers__record(pid_t pid, uint64_t start_ns, struct ls_proc_cgroup *rec);

struct container_filter {
	const char *prefix;		/* --container, as given */
	char id[CGROUP_ID_LEN + 1];	/* what it resolved to */
	const char *cgroup;		/* --cgroup */
};

/* --container: the one running container whose id begins with the
 * prefix, into f->id.  0; -1 none (error said); -2 ambiguous (said). */
int containers__resolve(struct container_filter *f);
/* Does pid's cgroup match the filter (either option)? */
bool containers__match(const struct container_filter *f, pid_t pid);
/* Calls add(pid) for each process of /proc the filter matches; returns
 * how many matched. */
unsigned containers__for_each_match(const struct container_filter *f,
				    void (*add)(pid_t pid, void *ctx), void *ctx);

/* The cgroup v2 directories the kernel can filter on, opened into fds:
 * --cgroup PATH's when it is a v2 path (in the unified hierarchy), the
 * container's when its v2 path names it.  Returns how many; none on a
 * system without cgroup v2, where the walk above is all there is. */
unsigned containers__cgroup_fds(const struct container_filter *f, int fds[LS_CGROUP_FILTERS]);

/* How many docker lookups were made (one per new id), for -v. */
unsigned containers__lookups(void);

#endif
