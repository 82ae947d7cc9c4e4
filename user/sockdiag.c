// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets that existed before leakscope attached: a NETLINK_SOCK_DIAG dump
 * (unix with name and peer, TCP with addresses and state) joined with the
 * socket inodes under /proc/PID/fd, which is what `ss -xp` does.  And,
 * while running, whether given unix sockets still exist (by inode).
 */
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "procfs.h"
#include "sockdiag.h"

/* Socket inodes held by processes: the table starts small and doubles,
 * kept under half full, up to 8,388,608 slots (128 MiB, during the
 * snapshot only) for 4,194,304 sockets: a million-socket host fits. */
#define INO_TABLE_MIN	(1U << 16)
#define INO_TABLE_MAX	(1U << 23)
#define MAX_SOCKETS	(INO_TABLE_MAX / 2)	/* per dump */
#define TCP_LISTEN_STATE	10

struct ino_owner {
	uint64_t ino;
	uint32_t tgid;
	int32_t fd;
};

/* Holders' start times: a million sockets are held by a few thousand
 * processes, each of whose /proc/PID/stat would otherwise be read once a
 * socket. */
#define START_MEMO	4096	/* power of two */
struct start_memo {
	uint32_t tgid;		/* 0: empty */
	uint64_t start_ns;	/* 0: gone */
};

/* An inode asked about and its place in the caller's arrays. */
struct ino_query {
	uint64_t ino;
	size_t idx;
};

struct sockdiag {
	struct ino_owner *owners;	/* open addressing on ino */
	uint32_t owners_cap;		/* power of two */
	struct start_memo *starts;	/* START_MEMO of them, by tgid */
	uint32_t nowners;
	uint64_t skipped;		/* what did not fit */
	uint64_t untraced_skipped;	/* of it, no traced process's */
	sockdiag_traced_fn traced;	/* NULL: every process is */
	bool scanning_traced;		/* scan_fds' pass: traced ones only */
	bool interrupted;		/* a signal cut the dump short */
	sockdiag_emit_fn emit;
	void *ctx;
	uint64_t now_ns;
	/* sockdiag__parse_buffer: every socket held by this process, and
	 * no /proc read for its start time */
	const struct ino_owner *everyone;
	/* sockdiag__unix_gone's dump: the inodes asked about, sorted */
	const struct ino_query *queries;
	size_t nqueries;
	uint8_t *found;			/* by the caller's index */
};

static uint32_t ino_slot(const struct sockdiag *sd, uint64_t ino)
{
	return (uint32_t)((ino * 0x9e3779b97f4a7c15ULL) >> 32) & (sd->owners_cap - 1);
}

/* Double the owner table; false when memory ran out or it is at its cap. */
static bool owners_grow(struct sockdiag *sd)
{
	struct ino_owner *old = sd->owners;
	uint32_t old_cap = sd->owners_cap;

	if (old_cap >= INO_TABLE_MAX)
		return false;
	sd->owners = calloc((size_t)old_cap * 2, sizeof(*sd->owners));
	if (!sd->owners) {
		sd->owners = old;
		return false;
	}
	sd->owners_cap = old_cap * 2;
	for (uint32_t i = 0; i < old_cap; i++) {
		uint32_t j;

		if (!old[i].ino)
			continue;
		for (j = ino_slot(sd, old[i].ino); sd->owners[j].ino; j = (j + 1) & (sd->owners_cap - 1))
			;
		sd->owners[j] = old[i];
	}
	free(old);
	return true;
}

static void owner_add(struct sockdiag *sd, uint64_t ino, uint32_t tgid, int fd)
{
	uint32_t i;

	if (sd->nowners >= sd->owners_cap / 2 && !owners_grow(sd)) {
		if (sd->traced && !sd->traced(sd->ctx, tgid))
			sd->untraced_skipped++;
		else
			sd->skipped++;
		return;
	}
	for (i = ino_slot(sd, ino); sd->owners[i].ino && sd->owners[i].ino != ino;)
		i = (i + 1) & (sd->owners_cap - 1);
	if (sd->owners[i].ino)
		return;	/* shared by several processes: the first one holds it */
	sd->owners[i] = (struct ino_owner){ ino, tgid, fd };
	sd->nowners++;
}

static const struct ino_owner *owner_of(const struct sockdiag *sd, uint64_t ino)
{
	uint32_t i;

	if (sd->everyone)
		return sd->everyone;
	for (i = ino_slot(sd, ino); sd->owners[i].ino; i = (i + 1) & (sd->owners_cap - 1))
		if (sd->owners[i].ino == ino)
			return &sd->owners[i];
	return NULL;
}

static int scan_fds(pid_t pid, void *arg)
{
	struct sockdiag *sd = arg;
	char path[64], link[64];
	struct dirent *de;
	DIR *d;

	/* two passes when filtered: the traced processes' sockets first,
	 * so that a full table leaves out only others' */
	if (sd->traced && sd->traced(sd->ctx, (uint32_t)pid) != sd->scanning_traced)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long long ino;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		/* relative to the open directory: no path walk a socket */
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%llu]", &ino) == 1)
			owner_add(sd, ino, (uint32_t)pid, atoi(de->d_name));
	}
	closedir(d);
	return 0;
}

typedef void (*msg_fn)(struct sockdiag *, const struct nlmsghdr *);

/* A dump message past MAX_SOCKETS: whose socket it was, if that can be
 * told (both diag messages start with family, state and more bytes before
 * the inode; the inode is read where each family keeps it). */
static void count_skipped_msg(struct sockdiag *sd, const struct nlmsghdr *h)
{
	const struct ino_owner *own = NULL;
	uint64_t ino = 0;

	if (sd->traced && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct unix_diag_msg))) {
		const struct unix_diag_msg *u = NLMSG_DATA(h);

		if (u->udiag_family == AF_UNIX)
			ino = u->udiag_ino;
		else if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			ino = ((const struct inet_diag_msg *)NLMSG_DATA(h))->idiag_inode;
		own = ino ? owner_of(sd, ino) : NULL;
	}
	if (sd->traced && (!own || !sd->traced(sd->ctx, own->tgid)))
		sd->untraced_skipped++;
	else
		sd->skipped++;
}

/* The messages of one recv()'s n bytes (from an address aligned as netlink
 * aligns them) to fn: 1 at NLMSG_DONE, -EPROTO at NLMSG_ERROR, 0 when
 * more is to come.  Each message is kept inside the n bytes (by hand: the
 * NLMSG_NEXT macro lets the count go negative after a last message with no
 * padding); fn checks that its message holds what it reads. */
static int parse(struct sockdiag *sd, const void *buf, size_t n, msg_fn fn, int *seen)
{
	for (size_t off = 0; n - off >= sizeof(struct nlmsghdr);) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > n - off)
			break;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -EPROTO;
		if ((uint32_t)(*seen)++ < MAX_SOCKETS)
			fn(sd, h);
		else
			count_skipped_msg(sd, h);
		if (NLMSG_ALIGN(h->nlmsg_len) >= n - off)
			break;
		off += NLMSG_ALIGN(h->nlmsg_len);
	}
	return 0;
}

/* Send a dump request, call fn for each message; returns messages seen. */
static int dump(int fd, void *req, size_t reqlen, msg_fn fn, struct sockdiag *sd)
{
	struct sockaddr_nl nladdr = { .nl_family = AF_NETLINK };
	struct iovec iov = { req, reqlen };
	struct msghdr msg = { .msg_name = &nladdr, .msg_namelen = sizeof(nladdr), .msg_iov = &iov,
			      .msg_iovlen = 1 };
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	int seen = 0, ret;

	if (sendmsg(fd, &msg, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR) {
			sd->interrupted = true;
			return seen;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return seen;	/* no NLMSG_DONE: take what came */
		ret = parse(sd, buf, (size_t)n, fn, &seen);
		if (ret < 0)
			return ret;
		if (ret)
			return seen;
	}
}

/* Every unix socket of this network namespace, with the attributes in show
 * (UDIAG_SHOW_*). */
static int dump_unix(int fd, __u32 show, msg_fn fn, struct sockdiag *sd)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} ureq = {
		.nlh = { .nlmsg_len = sizeof(ureq), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0U, .udiag_show = show },
	};

	return dump(fd, &ureq, sizeof(ureq), fn, sd);
}

/* The start time of a socket's holder (none when parsing for a test). */
static uint64_t start_of(const struct sockdiag *sd, uint32_t tgid)
{
	struct start_memo *m;

	if (sd->everyone)
		return 0;
	if (!sd->starts)
		return procfs__start_ns((pid_t)tgid);
	m = &sd->starts[tgid & (START_MEMO - 1)];
	if (m->tgid != tgid) {
		m->tgid = tgid;
		m->start_ns = procfs__start_ns((pid_t)tgid);
	}
	return m->start_ns;
}

static void on_unix(struct sockdiag *sd, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	const struct ino_owner *own, *peer_own;
	struct ls_unix_existing x;
	const struct rtattr *a;

	if (len < 0)
		return;	/* shorter than its header: nothing to trust */
	own = owner_of(sd, m->udiag_ino);
	if (!own)
		return;	/* held by no process (in flight, or kernel-owned) */
	memset(&x, 0, sizeof(x));
	x.hdr.type = LS_REC_UNIX_EXISTING;
	x.hdr.size = sizeof(x);
	x.hdr.tgid = own->tgid;
	x.hdr.ts_ns = sd->now_ns;
	x.start_ns = start_of(sd, own->tgid);
	x.ino = m->udiag_ino;
	x.fd = own->fd;
	x.state = m->udiag_state;
	x.listening = m->udiag_state == 10;	/* TCP_LISTEN */
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_NAME) {
			size_t n = RTA_PAYLOAD(a);

			if (n > LS_PATH_LEN)
				n = LS_PATH_LEN;
			memcpy(x.path, RTA_DATA(a), n);
			x.abstract = n && x.path[0] == 0;
			/* pathname names come NUL-terminated from some kernels */
			while (n && !x.abstract && x.path[n - 1] == 0)
				n--;
			x.path_len = (uint16_t)n;
		} else if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
			uint32_t peer;

			memcpy(&peer, RTA_DATA(a), sizeof(peer));
			x.peer_ino = peer;
		}
	}
	if (x.peer_ino && (peer_own = owner_of(sd, x.peer_ino)))
		x.peer_tgid = peer_own->tgid;
	sd->emit(sd->ctx, &x.hdr, sizeof(x), x.listening ? 0 : x.ino);
}

static void on_tcp(struct sockdiag *sd, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	const struct ino_owner *own;
	struct ls_tcp_existing x;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return;
	own = owner_of(sd, m->idiag_inode);
	if (!own)
		return;
	memset(&x, 0, sizeof(x));
	x.hdr.type = LS_REC_TCP_EXISTING;
	x.hdr.size = sizeof(x);
	x.hdr.tgid = own->tgid;
	x.hdr.ts_ns = sd->now_ns;
	x.start_ns = start_of(sd, own->tgid);
	x.ino = m->idiag_inode;
	x.family = m->idiag_family;
	x.sport = ntohs(m->id.idiag_sport);
	x.dport = ntohs(m->id.idiag_dport);
	x.state = m->idiag_state;
	memcpy(x.saddr, m->id.idiag_src, x.family == AF_INET6 ? 16 : 4);
	memcpy(x.daddr, m->id.idiag_dst, x.family == AF_INET6 ? 16 : 4);
	/* watched: its close() and state changes find it by inode */
	sd->emit(sd->ctx, &x.hdr, sizeof(x), x.state == TCP_LISTEN_STATE ? 0 : x.ino);
}

/* One socket fd from the holders' callback, as scan_fds takes it. */
static void add_holder(void *arg, const struct ls_sock_fd *r)
{
	struct sockdiag *sd = arg;

	if (sd->traced && sd->traced(sd->ctx, r->tgid) != sd->scanning_traced)
		return;
	owner_add(sd, r->ino, r->tgid, r->fd);
}

/* Every process's socket fds into the owner table, the traced ones' first:
 * from holders, or from /proc when there are none or they fail. */
static void find_holders(struct sockdiag *sd, sockdiag_holders_fn holders)
{
	for (int pass = sd->traced ? 0 : 1; pass < 2; pass++) {
		sd->scanning_traced = pass == 0;
		/* a failure part-way leaves what came: owner_add keeps the
		 * first holder of an inode, so /proc adds only the rest */
		if (!holders || holders(sd->ctx, add_holder, sd) < 0) {
			holders = NULL;
			procfs__for_each_pid(scan_fds, sd);
		}
	}
	sd->scanning_traced = false;
}

int sockdiag__snapshot(uint64_t now_ns, sockdiag_emit_fn emit, void *ctx,
		       sockdiag_traced_fn traced, sockdiag_holders_fn holders,
		       uint64_t *skipped, uint64_t *untraced_skipped)
{
	struct sockdiag sd = { .emit = emit, .ctx = ctx, .now_ns = now_ns, .traced = traced };
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} ireq = {
		.nlh = { .nlmsg_len = sizeof(ireq), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_protocol = IPPROTO_TCP, .idiag_states = ~0U },
	};
	int fd, ret = 0;

	sd.owners_cap = INO_TABLE_MIN;
	sd.owners = calloc(sd.owners_cap, sizeof(*sd.owners));
	sd.starts = calloc(START_MEMO, sizeof(*sd.starts));
	if (!sd.owners || !sd.starts) {
		free(sd.owners);
		free(sd.starts);
		return -ENOMEM;
	}
	find_holders(&sd, holders);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = dump_unix(fd, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, on_unix, &sd)) < 0)
		goto out;
	ireq.req.sdiag_family = AF_INET;
	if ((ret = dump(fd, &ireq, sizeof(ireq), on_tcp, &sd)) < 0)
		goto out;
	ireq.req.sdiag_family = AF_INET6;
	ret = dump(fd, &ireq, sizeof(ireq), on_tcp, &sd);
	if (ret > 0)
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (skipped)
		*skipped = sd.skipped;
	if (untraced_skipped)
		*untraced_skipped = sd.untraced_skipped;
	free(sd.owners);
	free(sd.starts);
	return ret;
}

static int query_cmp(const void *a, const void *b)
{
	const struct ino_query *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void on_unix_found(struct sockdiag *sd, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	struct ino_query key;
	const struct ino_query *q;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return;
	key.ino = m->udiag_ino;
	q = bsearch(&key, sd->queries, sd->nqueries, sizeof(key), query_cmp);
	if (q)
		sd->found[q->idx] = 1;
}

/* One dump of every unix socket (no attributes), each looked up among the
 * inodes asked about.  An exact query per inode walks the kernel's unix
 * sockets as well: on this project's VM, with 20,000 of them, 16 exact
 * queries took 12 ms and the dump 2.5 ms. */
int sockdiag__unix_gone(const uint64_t *inos, uint8_t *gone, size_t n)
{
	struct ino_query *queries = calloc(n, sizeof(*queries));
	uint8_t *found = calloc(n, 1);
	struct sockdiag sd = { .queries = queries, .nqueries = n, .found = found };
	/* should the answer stop coming, the interval must not wait for it */
	struct timeval wait = { .tv_sec = 1 };
	int fd = -1, ret = -ENOMEM;

	memset(gone, 0, n);
	if (!queries || !found)
		goto out;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	for (size_t i = 0; i < n; i++)
		queries[i] = (struct ino_query){ .ino = inos[i], .idx = i };
	qsort(queries, n, sizeof(*queries), query_cmp);
	ret = dump_unix(fd, 0, on_unix_found, &sd);
	if (ret < 0)
		goto out;
	ret = 0;
	/* a dump cut short proves nothing about what it did not show */
	for (size_t i = 0; i < n; i++)
		gone[i] = !sd.skipped && !sd.interrupted && !found[i];
out:
	if (fd >= 0)
		close(fd);
	free(queries);
	free(found);
	return ret;
}

int sockdiag__parse_buffer(const void *buf, size_t n, int family, uint32_t tgid,
			   sockdiag_emit_fn emit, void *ctx)
{
	struct ino_owner everyone = { .ino = 1, .tgid = tgid, .fd = 3 };
	struct sockdiag sd = { .emit = emit, .ctx = ctx, .everyone = &everyone };
	int seen = 0;

	return parse(&sd, buf, n, family == AF_UNIX ? on_unix : on_tcp, &seen);
}
