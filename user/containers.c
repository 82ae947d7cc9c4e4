// SPDX-License-Identifier: GPL-2.0
/* Containers: cgroup records, docker names, the --container/--cgroup
 * filters (containers.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "containers.h"
#include "options.h"
#include "procfs.h"

/* /proc/PID/cgroup: a line per v1 hierarchy (a dozen), each path at most
 * PATH_MAX; a file that fills this is refused (cut off mid-line) */
#define CGROUP_FILE_MAX	16384

/* pid's /proc/PID/cgroup into buf, NUL-terminated; -1 if gone or not text */
static int read_cgroup_file(pid_t pid, char buf[CGROUP_FILE_MAX])
{
	char file[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (total < CGROUP_FILE_MAX - 1) {
		n = read(fd, buf + total, (size_t)(CGROUP_FILE_MAX - 1 - total));
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = 0;
	return memchr(buf, 0, (size_t)total) ? -1 : 0;
}

/* one caller at a time (the main loop): static, not on the stack */
static char file_buf[CGROUP_FILE_MAX];

int containers__read_path(pid_t pid, char path[CONTAINERS_PATH_MAX])
{
	bool cut;

	if (read_cgroup_file(pid, file_buf))
		return -1;
	return cgroup_path__from_proc(file_buf, path, CONTAINERS_PATH_MAX, &cut) < 0 || cut ? -1 : 0;
}

/* ---- dockerd's name for a container: GET /containers/ID/json on its
 * socket.  Bounded: one lookup per new id, DOCKER_DEADLINE_MS in all,
 * at most DOCKER_REPLY_MAX bytes read; a daemon that is absent, slow or
 * answers oddly gives no name, and is not asked again for that id. */
#define DOCKER_DEADLINE_MS	500
#define DOCKER_REPLY_MAX	(64 << 10)
#define NAME_CACHE		64

static struct {
	char id[CGROUP_ID_LEN + 1];
	char name[LS_CONTAINER_NAME_LEN];
} name_cache[NAME_CACHE];
static unsigned name_next, lookups;

unsigned containers__lookups(void)
{
	return lookups;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* DOCKER_HOST=unix:///path (what the docker client reads), else the
 * default socket; a TCP DOCKER_HOST is not asked */
static const char *docker_socket(void)
{
	const char *h = getenv("DOCKER_HOST");

	if (!h || !*h)
		return "/var/run/docker.sock";
	if (!strncmp(h, "unix://", 7))
		return h + 7;
	return NULL;
}

/* Waits for fd to be ready (events) until deadline; false on timeout. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left = deadline - ms_now();

	return left > 0 && poll(&pfd, 1, (int)left) == 1 && (pfd.revents & (events | POLLHUP));
}

/* The container's name in an inspect reply: the first "Name" key (the
 * top level's comes before any nested one: State, the only object before
 * it, has none), "/web" -> "web"; only docker's name characters. */
static bool name_from_reply(const char *body, char name[LS_CONTAINER_NAME_LEN])
{
	const char *p = strstr(body, "\"Name\":\"/");
	size_t n = 0;

	if (!p)
		return false;
	p += 9;
	while (n < LS_CONTAINER_NAME_LEN - 1 &&
	       (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.' || p[n] == '-'))
		n++;
	if (!n || p[n] != '"')
		return false;
	memcpy(name, p, n);
	name[n] = 0;
	return true;
}

static void docker_name(const char *id, char name[LS_CONTAINER_NAME_LEN])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = docker_socket();
	int64_t deadline = ms_now() + DOCKER_DEADLINE_MS;
	char req[160], *reply = NULL;
	size_t got = 0, sent = 0, reqlen;
	int fd = -1;

	name[0] = 0;
	lookups++;
	if (!sock || strlen(sock) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, strlen(sock));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	/* non-blocking: a daemon whose backlog is full returns EAGAIN */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	/* HTTP/1.0: the reply ends when the daemon closes */
	reqlen = (size_t)snprintf(req, sizeof(req), "GET /containers/%s/json HTTP/1.0\r\n"
				  "Host: docker\r\n\r\n", id);
	while (sent < reqlen) {
		ssize_t n;

		if (!wait_fd(fd, POLLOUT, deadline))
			goto out;
		n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			goto out;
		if (n > 0)
			sent += (size_t)n;
	}
	reply = malloc(DOCKER_REPLY_MAX + 1);
	if (!reply)
		goto out;
	while (got < DOCKER_REPLY_MAX) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, deadline))
			break;
		n = recv(fd, reply + got, DOCKER_REPLY_MAX - got, 0);
		if (n == 0)
			break;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	reply[got] = 0;
	/* a cut reply still has the name near its start: the name is taken
	 * from any 200 reply, whole or not */
	if (got > 12 && !strncmp(reply, "HTTP/1.", 7) && !strncmp(reply + 8, " 200", 4)) {
		const char *body = strstr(reply, "\r\n\r\n");

		if (body && strlen(body) == got - (size_t)(body - reply))	/* no NUL inside */
			name_from_reply(body, name);
	}
out:
	free(reply);
	close(fd);
}

static void container_name(const struct cgroup_info *ci, char name[LS_CONTAINER_NAME_LEN])
{
	name[0] = 0;
	/* only dockerd's API is asked (podman's and the CRI's are not) */
	if (ci->runtime != CGROUP_RT_DOCKER)
		return;
	for (unsigned i = 0; i < NAME_CACHE; i++)
		if (!strcmp(name_cache[i].id, ci->id)) {
			memcpy(name, name_cache[i].name, LS_CONTAINER_NAME_LEN);
			return;
		}
	docker_name(ci->id, name);
	memcpy(name_cache[name_next].id, ci->id, sizeof(name_cache[0].id));
	memcpy(name_cache[name_next].name, name, LS_CONTAINER_NAME_LEN);
	name_next = (name_next + 1) % NAME_CACHE;
}

int containers__record(pid_t pid, uint64_t start_ns, struct ls_proc_cgroup *rec)
{
	static char path[CONTAINERS_PATH_MAX];
	struct cgroup_info ci;
	bool cut;
	int len;

	memset(rec, 0, sizeof(*rec));
	rec->hdr.type = LS_REC_PROC_CGROUP;
	rec->hdr.size = sizeof(*rec);
	rec->hdr.tgid = (uint32_t)pid;
	rec->start_ns = start_ns;
	if (read_cgroup_file(pid, file_buf))
		return -1;
	/* the record keeps the path's last LS_CGROUP_LEN - 1 bytes: the
	 * container is named in the leaf */
	len = cgroup_path__from_proc(file_buf, path, sizeof(path), &cut);
	if (len < 0)
		return -1;
	if ((size_t)len >= sizeof(rec->path) || cut) {
		memcpy(rec->path, path + len - (sizeof(rec->path) - 1), sizeof(rec->path) - 1);
		rec->flags |= LS_CGROUP_CUT;
	} else {
		memcpy(rec->path, path, (size_t)len);
	}
	if (cgroup_path__parse(path, (size_t)len, &ci))
		container_name(&ci, rec->name);
	return 0;
}

/* ---- filters */

struct resolve_ctx {
	const char *prefix;
	char ids[4][CGROUP_ID_LEN + 1];
	unsigned nids;
};

static int resolve_pid(pid_t pid, void *arg)
{
	struct resolve_ctx *r = arg;
	char path[CONTAINERS_PATH_MAX];
	struct cgroup_info ci;

	if (containers__read_path(pid, path) ||
	    !cgroup_path__parse(path, sizeof(path), &ci) || !cgroup_path__id_matches(ci.id, r->prefix))
		return 0;
	for (unsigned i = 0; i < r->nids; i++)
		if (!strcmp(r->ids[i], ci.id))
			return 0;
	if (r->nids < 4)
		memcpy(r->ids[r->nids], ci.id, sizeof(ci.id));
	r->nids++;
	return 0;
}

int containers__resolve(struct container_filter *f)
{
	static struct resolve_ctx r;

	memset(&r, 0, sizeof(r));
	f->id[0] = 0;
	if (!f->prefix)
		return 0;
	r.prefix = f->prefix;
	procfs__for_each_pid(resolve_pid, &r);
	if (r.nids == 0) {
		ls_error("--container %s: no running process is in a container whose id begins so",
			 f->prefix);
		return -1;
	}
	if (r.nids > 1) {
		ls_error("--container %s is ambiguous: it begins %u container ids (%.12s, %.12s%s): "
			 "give more of the id", f->prefix, r.nids, r.ids[0], r.ids[1],
			 r.nids > 2 ? ", ..." : "");
		return -2;
	}
	memcpy(f->id, r.ids[0], sizeof(f->id));
	return 0;
}

bool containers__match(const struct container_filter *f, pid_t pid)
{
	static char path[CONTAINERS_PATH_MAX];
	struct cgroup_info ci;

	if (containers__read_path(pid, path))
		return false;
	if (f->cgroup && cgroup_path__within(path, f->cgroup))
		return true;
	return f->id[0] && cgroup_path__parse(path, sizeof(path), &ci) && !strcmp(ci.id, f->id);
}

struct match_ctx {
	const struct container_filter *f;
	void (*add)(pid_t, void *);
	void *ctx;
	unsigned n;
};

static int match_pid(pid_t pid, void *arg)
{
	struct match_ctx *mc = arg;

	if (pid != getpid() && containers__match(mc->f, pid)) {
		mc->add(pid, mc->ctx);
		mc->n++;
	}
	return 0;
}

unsigned containers__for_each_match(const struct container_filter *f,
				    void (*add)(pid_t pid, void *ctx), void *ctx)
{
	struct match_ctx mc = { f, add, ctx, 0 };

	if (!f->id[0] && !f->cgroup)
		return 0;
	procfs__for_each_pid(match_pid, &mc);
	return mc.n;
}

/* ---- the kernel's half of the filter: cgroup v2 directories */
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Where cgroup v2's whole tree is mounted (the unified hierarchy; under
 * /sys/fs/cgroup/unified on a hybrid system): 0, or -1 when it is not. */
static int cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[1024], mnt[1024];
	int ret = -1;

	if (!f)
		return -1;
	/* ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [TAGS...] - FSTYPE ... */
	while (ret && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) ||
		    sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2)
			continue;
		/* the root of its tree (a bind mount of a subtree is not), and
		 * no octal escape in the path */
		if (strcmp(root, "/") || strchr(mnt, '\\') || strlen(mnt) >= len)
			continue;
		snprintf(out, len, "%s", mnt);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* The directory of cgroup v2 path rel (as /proc/PID/cgroup's "0::" line
 * writes it) under the mount: an fd, or -1. */
static int open_cgroup2(const char *mnt, const char *rel)
{
	char path[CONTAINERS_PATH_MAX + 1024];
	struct statfs sf;
	int fd;

	if (rel[0] != '/' || strstr(rel, "/../") || snprintf(path, sizeof(path), "%s%s",
							      mnt, rel) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && (fstatfs(fd, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* pid's cgroup v2 path (the "0::" line) into out: 0, or -1 without one. */
static int cgroup2_path(pid_t pid, char *out, size_t len)
{
	const char *p;

	if (read_cgroup_file(pid, file_buf))
		return -1;
	for (p = file_buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n;

		if (strncmp(p, "0::", 3))
			continue;
		p += 3;
		n = strcspn(p, "\n");
		if (n == 0 || n >= len)
			return -1;
		memcpy(out, p, n);
		out[n] = 0;
		return 0;
	}
	return -1;
}

struct v2_ctx {
	const struct container_filter *f;
	char path[CONTAINERS_PATH_MAX];
	bool found;
};

/* the container's cgroup v2 directory, from one of its processes: its path
 * must name the container (a docker on cgroup v1 leaves it at "/") */
static int find_v2(pid_t pid, void *arg)
{
	struct v2_ctx *c = arg;
	struct container_filter only = { .prefix = c->f->prefix };

	memcpy(only.id, c->f->id, sizeof(only.id));
	if (c->found || pid == getpid() || !containers__match(&only, pid))
		return 0;
	if (!cgroup2_path(pid, c->path, sizeof(c->path)) && strstr(c->path, c->f->id))
		c->found = true;
	return 0;
}

unsigned containers__cgroup_fds(const struct container_filter *f, int fds[LS_CGROUP_FILTERS])
{
	static struct v2_ctx c;
	char mnt[1024];
	unsigned n = 0;
	int fd;

	if ((!f->cgroup && !f->id[0]) || cgroup2_mount(mnt, sizeof(mnt)))
		return 0;
	if (f->cgroup && (fd = open_cgroup2(mnt, f->cgroup)) >= 0)
		fds[n++] = fd;
	if (f->id[0]) {
		memset(&c, 0, sizeof(c));
		c.f = f;
		procfs__for_each_pid(find_v2, &c);
		if (c.found && (fd = open_cgroup2(mnt, c.path)) >= 0)
			fds[n++] = fd;
	}
	return n;
}
