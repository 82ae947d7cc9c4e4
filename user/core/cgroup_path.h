/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which container a process is in, from its cgroup path: pure string
 * functions (no /proc), unit-tested and fuzzed.  The path is what the
 * container's runtime chose, partly from names a user can pick (a systemd
 * unit, a pod), so nothing here trusts it: every output is bounded and a
 * container id is taken only when it is exactly 64 hex digits.
 */
#ifndef LS_CGROUP_PATH_H
#define LS_CGROUP_PATH_H
#include <stdbool.h>
#include <stddef.h>
#include "leakscope.h"

enum cgroup_runtime {
	CGROUP_RT_NONE = 0,
	CGROUP_RT_DOCKER,	/* docker-<id>.scope, /docker/<id> */
	CGROUP_RT_CONTAINERD,	/* cri-containerd-<id>.scope */
	CGROUP_RT_CRIO,		/* crio-<id>.scope */
	CGROUP_RT_PODMAN,	/* libpod-<id>.scope, libpod-<id> */
	CGROUP_RT_KUBERNETES,	/* kubepods cgroupfs driver: /pod<uid>/<id>, runtime unsaid */
	CGROUP_RT_SYSTEMD,	/* no container: a systemd service (unit[]) */
};

#define CGROUP_ID_LEN	64		/* hex digits of a container id */
#define CGROUP_UID_LEN	36		/* a pod uid, 8-4-4-4-12 */
#define CGROUP_UNIT_LEN	128

struct cgroup_info {
	enum cgroup_runtime runtime;
	char id[CGROUP_ID_LEN + 1];	/* "" unless a container */
	char pod_uid[CGROUP_UID_LEN + 1];	/* Kubernetes only, with dashes */
	char unit[CGROUP_UNIT_LEN];	/* CGROUP_RT_SYSTEMD: "cron.service" */
};

/* The container (or service) of the cgroup path of len bytes (not
 * necessarily NUL-terminated).  The innermost container wins (docker in
 * docker); a service counts only outside any container.  Always fills
 * *out (CGROUP_RT_NONE when nothing is recognised); returns true when a
 * container id was found. */
bool cgroup_path__parse(const char *path, size_t len, struct cgroup_info *out);

/* From /proc/PID/cgroup's text (NUL-terminated, any bytes), the path to
 * attribute by: the v2 line ("0::/path"), else v1's name=systemd, else
 * its memory controller; on a hybrid system, the first of those that names
 * a container (a runtime with the cgroupfs driver leaves the v2 line at
 * "/").  Copies at most outlen - 1 bytes, NUL-terminated: a longer path
 * keeps its last bytes (the container is in the leaf) and *cut is set.
 * Returns the path's length as copied, or -1 when there is no such line. */
int cgroup_path__from_proc(const char *text, char *out, size_t outlen, bool *cut);

/* Is path the cgroup dir or below it ("/a" holds "/a" and "/a/b", not
 * "/ab"; "/" holds every path)?  Trailing slashes on dir do not count. */
bool cgroup_path__within(const char *path, const char *dir);

/* Does hex (6 to 64 hex digits, either case) begin id?  false for
 * anything else. */
bool cgroup_path__id_matches(const char *id, const char *prefix);
/* Is s a valid --container argument: 6 to 64 hex digits? */
bool cgroup_path__valid_prefix(const char *s);

const char *cgroup_path__runtime_name(enum cgroup_runtime rt);

#endif
