// SPDX-License-Identifier: GPL-2.0
/*
 * setns()/unshare() per process: failures grouped by (what the fd was, the
 * namespace type asked for, errno), each with an explanation a person can
 * act on; successes counted by namespace as context.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "fmt.h"
#include "json.h"
#include "ns_model.h"
#include "records.h"
#include "text.h"

#define NS_MAX_FAILURES		16	/* groups per process */
#define NS_MAX_SUCCESSES	8
#define NS_MAX_UNSHARE		8
#define NS_TARGET_LEN		(LS_NAME_LEVELS * LS_NAME_LEN + 8)

#define LS_CLONE_NEWNS		0x00020000
#define LS_CLONE_NEWCGROUP	0x02000000
#define LS_CLONE_NEWUTS		0x04000000
#define LS_CLONE_NEWIPC		0x08000000
#define LS_CLONE_NEWUSER	0x10000000
#define LS_CLONE_NEWPID		0x20000000
#define LS_CLONE_NEWNET		0x40000000
#define LS_CLONE_NEWTIME	0x00000080

struct ns_failure {
	uint64_t target_ino;
	uint64_t fs_magic;
	int32_t nstype;
	int32_t err;		/* positive errno */
	int32_t fd;
	uint32_t tid;
	uint32_t kind;
	uint32_t target_nstype;
	uint32_t target_pid;
	uint32_t _pad;
	uint64_t count;
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	char target[NS_TARGET_LEN];
	char explanation[MODEL_EXPLAIN_LEN];
};

struct ns_success {
	uint32_t nstype;
	uint32_t _pad;
	uint64_t ino;
	uint64_t count;
};

struct unshare_failure {
	uint64_t flags;
	int32_t err;
	uint32_t _pad;
	uint64_t count;
	uint64_t last_ts_ns;
};

struct ns_state {
	uint64_t calls;
	uint64_t failed;
	uint64_t groups_dropped;	/* failures past NS_MAX_FAILURES groups */
	struct ns_failure failures[NS_MAX_FAILURES];
	uint32_t nfailures;
	uint32_t nsuccesses;
	struct ns_success successes[NS_MAX_SUCCESSES];
	uint64_t unshare_calls;
	uint64_t unshare_failed;
	struct unshare_failure ufail[NS_MAX_UNSHARE];
	uint32_t nufail;
	struct series failed_series;	/* failed setns calls so far, each interval */
};

const char *ns_type_name(uint32_t t)
{
	switch (t) {
	case 0: return "any";
	case LS_CLONE_NEWNET: return "net";
	case LS_CLONE_NEWNS: return "mnt";
	case LS_CLONE_NEWPID: return "pid";
	case LS_CLONE_NEWIPC: return "ipc";
	case LS_CLONE_NEWUTS: return "uts";
	case LS_CLONE_NEWUSER: return "user";
	case LS_CLONE_NEWCGROUP: return "cgroup";
	case LS_CLONE_NEWTIME: return "time";
	default: return "several";
	}
}

static const char *clone_flag_name(uint32_t t)
{
	switch (t) {
	case LS_CLONE_NEWNET: return "CLONE_NEWNET";
	case LS_CLONE_NEWNS: return "CLONE_NEWNS";
	case LS_CLONE_NEWPID: return "CLONE_NEWPID";
	case LS_CLONE_NEWIPC: return "CLONE_NEWIPC";
	case LS_CLONE_NEWUTS: return "CLONE_NEWUTS";
	case LS_CLONE_NEWUSER: return "CLONE_NEWUSER";
	case LS_CLONE_NEWCGROUP: return "CLONE_NEWCGROUP";
	case LS_CLONE_NEWTIME: return "CLONE_NEWTIME";
	default: return "0";
	}
}

const char *ns_errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EBADF: return "EBADF";
	case ESRCH: return "ESRCH";
	case ENOMEM: return "ENOMEM";
	case EUSERS: return "EUSERS";
	case ENOSPC: return "ENOSPC";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	default: return "E?";
	}
}

const char *ns_fs_name(uint64_t magic)
{
	switch (magic) {
	case 0x01021994: return "tmpfs";
	case 0xef53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x9123683e: return "btrfs";
	case 0x794c7630: return "overlay";
	case 0x9fa0: return "proc";
	case 0x62656572: return "sysfs";
	case 0x6e736673: return "nsfs";
	case 0x50494446: return "pidfs";
	case 0x09041934: return "anon_inodefs";
	case 0x534f434b: return "sockfs";
	case 0x1373: return "devfs";
	case 0x858458f6: return "ramfs";
	case 0x50495045: return "pipefs";
	case 0x73636673: return "securityfs";
	case 0x27e0eb: return "cgroup";
	case 0x63677270: return "cgroup2";
	case 0x74726163: return "tracefs";
	case 0x6969: return "nfs";
	case 0xff534d42: return "cifs";
	case 0x2fc12fc1: return "zfs";
	case 0xf2f52010: return "f2fs";
	case 0x4d44: return "vfat";
	case 0: return "none";
	default: return "unknown-fs";
	}
}

const char *ns_kind_name(uint32_t k)
{
	switch (k) {
	case LS_TARGET_NSFS: return "nsfs";
	case LS_TARGET_REGULAR: return "regular-file";
	case LS_TARGET_DIR: return "directory";
	case LS_TARGET_PIDFD: return "pidfd";
	case LS_TARGET_SOCKET: return "socket";
	case LS_TARGET_CHAR: return "char-device";
	case LS_TARGET_FIFO: return "fifo";
	case LS_TARGET_OTHER: return "other";
	case LS_TARGET_BADFD: return "bad-fd";
	default: return "unknown";
	}
}

/* "/run/netns/x" from leaf-first names; "" when nothing is known. */
static void join_path(const struct ls_setns *e, char *out, size_t len)
{
	int n = 0, top = -1;

	out[0] = 0;
	for (int i = 0; i < LS_NAME_LEVELS; i++)
		if (e->name[i][0])
			top = i;
	if (top < 0)
		return;
	/* nsfs and anon inodes have a single name that is not a path */
	if (e->target_kind == LS_TARGET_NSFS) {
		snprintf(out, len, "%.*s", LS_NAME_LEN, e->name[0]);
		return;
	}
	/* a pidfs dentry is named "/" or nothing: the pid is the name */
	if (e->target_kind == LS_TARGET_PIDFD) {
		snprintf(out, len, "[pidfd] pid %u", e->target_pid);
		return;
	}
	/* the walk did not reach "/": the top of the path is missing */
	if (strcmp(e->name[top], "/"))
		n = snprintf(out, len, "...");
	for (int i = top; i >= 0 && (size_t)n < len; i--) {
		if (!strcmp(e->name[i], "/"))
			continue;
		n += snprintf(out + n, len - n, "/%.*s", LS_NAME_LEN, e->name[i]);
	}
}

static void explain_failure(struct ns_failure *f)
{
	char *e = f->explanation;
	size_t len = sizeof(f->explanation);
	const char *asked = ns_type_name((uint32_t)f->nstype);

	switch (f->kind) {
	case LS_TARGET_BADFD:
		snprintf(e, len, "fd %d is not an open file descriptor (closed before setns?)", f->fd);
		return;
	case LS_TARGET_REGULAR:
	case LS_TARGET_DIR:
		snprintf(e, len, "fd %d is %.160s, a %s on %s, not a namespace: its nsfs bind mount is gone "
			 "(unmounted, or mounted in another mount namespace)", f->fd,
			 f->target[0] ? f->target : "a file",
			 f->kind == LS_TARGET_DIR ? "directory" : "plain file", ns_fs_name(f->fs_magic));
		return;
	case LS_TARGET_PIDFD:
		if (f->err == ESRCH)
			snprintf(e, len, "fd %d is a pidfd for pid %u, which has exited", f->fd,
				 f->target_pid);
		else if (f->err == EPERM)
			snprintf(e, len, "fd %d is a pidfd for pid %u: joining its namespaces needs "
				 "CAP_SYS_ADMIN over them, which this process lacks", f->fd, f->target_pid);
		else if (f->err == EINVAL && (f->nstype & LS_CLONE_NEWUSER))
			snprintf(e, len, "fd %d is a pidfd for pid %u; setns(%s) failed with EINVAL: "
				 "a process cannot join its own user namespace, and a multithreaded "
				 "one cannot join any", f->fd, f->target_pid, asked);
		else if (f->err == EINVAL && (f->nstype & LS_CLONE_NEWNS))
			snprintf(e, len, "fd %d is a pidfd for pid %u; setns(%s) failed with EINVAL: "
				 "a mount namespace cannot be joined while the fs struct is shared "
				 "(threads created with CLONE_FS)", f->fd, f->target_pid, asked);
		else
			snprintf(e, len, "fd %d is a pidfd for pid %u; setns(%s) failed with %s", f->fd,
				 f->target_pid, asked, ns_errno_name(f->err));
		return;
	case LS_TARGET_NSFS:
		break;
	default:
		snprintf(e, len, "fd %d is a %s on %s, not a namespace", f->fd, ns_kind_name(f->kind),
			 ns_fs_name(f->fs_magic));
		return;
	}
	/* a real namespace */
	if (f->nstype && f->target_nstype && (uint32_t)f->nstype != f->target_nstype) {
		snprintf(e, len, "fd %d is a %s namespace (%.64s) but setns asked for %s (%s)", f->fd,
			 ns_type_name(f->target_nstype), f->target, asked,
			 clone_flag_name((uint32_t)f->nstype));
		return;
	}
	if (f->err == EPERM) {
		snprintf(e, len, "entering %s namespace %.64s needs CAP_SYS_ADMIN in the user namespace "
			 "that owns it (and in this process's own): this process lacks it",
			 ns_type_name(f->target_nstype), f->target);
		return;
	}
	if (f->err == EINVAL && f->target_nstype == LS_CLONE_NEWUSER) {
		snprintf(e, len, "a multithreaded process cannot join a user namespace (%.64s), nor one "
			 "it is already in", f->target);
		return;
	}
	if (f->err == EINVAL && f->target_nstype == LS_CLONE_NEWNS) {
		snprintf(e, len, "cannot join mount namespace %.64s while the fs struct is shared "
			 "(threads created with CLONE_FS)", f->target);
		return;
	}
	snprintf(e, len, "setns into %s namespace %.64s failed with %s", ns_type_name(f->target_nstype),
		 f->target, ns_errno_name(f->err));
}

static struct ns_state *state_of(struct ls_process *p)
{
	if (!p->ns) {
		p->ns = calloc(1, sizeof(*p->ns));
		if (p->ns)
			series__init(&p->ns->failed_series);
	}
	return p->ns;
}

/* A syscall's return is 0.. or -errno, errno at most 4095 (MAX_ERRNO):
 * anything below comes from a damaged recording. */
static bool bad_ret(int32_t ret)
{
	return ret < -4095;
}

static void add_setns(struct model *m, struct ls_process *p, const struct ls_setns *e)
{
	struct ns_state *ns = state_of(p);
	struct ns_failure *f = NULL;
	int err;

	if (bad_ret(e->ret)) {
		m->bad_records++;
		return;
	}
	err = e->ret < 0 ? -e->ret : 0;
	if (!ns) {
		m->user_drops++;
		return;
	}
	ns->calls++;
	if (!err) {
		uint32_t i;

		for (i = 0; i < ns->nsuccesses; i++)
			if (ns->successes[i].ino == e->target_ino)
				break;
		if (i == ns->nsuccesses && i < NS_MAX_SUCCESSES) {
			ns->successes[i].ino = e->target_ino;
			/* a pidfd has no type of its own: it enters what was asked */
			ns->successes[i].nstype = e->target_kind == LS_TARGET_PIDFD ?
				(uint32_t)e->nstype : e->target_nstype;
			ns->nsuccesses++;
		}
		if (i < ns->nsuccesses)
			ns->successes[i].count++;
		return;
	}
	ns->failed++;
	for (uint32_t i = 0; i < ns->nfailures; i++) {
		struct ns_failure *g = &ns->failures[i];

		if (g->target_ino == e->target_ino && g->fs_magic == e->fs_magic &&
		    g->nstype == e->nstype && g->err == err && g->kind == e->target_kind) {
			f = g;
			break;
		}
	}
	if (!f) {
		if (ns->nfailures == NS_MAX_FAILURES) {
			ns->groups_dropped++;
			return;
		}
		f = &ns->failures[ns->nfailures++];
		memset(f, 0, sizeof(*f));
		f->target_ino = e->target_ino;
		f->fs_magic = e->fs_magic;
		f->nstype = e->nstype;
		f->err = err;
		f->kind = e->target_kind;
		f->target_nstype = e->target_nstype;
		f->target_pid = e->target_pid;
		f->first_ts_ns = e->hdr.ts_ns;
		join_path(e, f->target, sizeof(f->target));
	}
	f->count++;
	f->fd = e->fd;
	f->tid = e->tid;
	f->last_ts_ns = e->hdr.ts_ns;
	explain_failure(f);
}

static void add_unshare(struct model *m, struct ls_process *p, const struct ls_unshare *u)
{
	struct ns_state *ns = state_of(p);
	uint32_t i;

	if (bad_ret(u->ret)) {
		m->bad_records++;
		return;
	}
	if (!ns) {
		m->user_drops++;
		return;
	}
	ns->unshare_calls++;
	if (u->ret >= 0)
		return;
	ns->unshare_failed++;
	for (i = 0; i < ns->nufail; i++)
		if (ns->ufail[i].flags == u->flags && ns->ufail[i].err == -u->ret)
			break;
	if (i == ns->nufail) {
		if (i == NS_MAX_UNSHARE) {
			ns->groups_dropped++;
			return;
		}
		ns->ufail[i].flags = u->flags;
		ns->ufail[i].err = -u->ret;
		ns->nufail++;
	}
	ns->ufail[i].count++;
	ns->ufail[i].last_ts_ns = u->hdr.ts_ns;
}

void ns_model__ingest(struct model *m, const struct ls_rec_hdr *rec)
{
	struct ls_process *p;

	if (rec->type != LS_REC_SETNS && rec->type != LS_REC_UNSHARE)
		return;	/* exits: nothing to close */
	p = model__proc(m, rec->tgid, ls_rec_start_ns(rec));
	if (!p)
		return;
	if (!p->comm[0]) {
		const char *comm = rec->type == LS_REC_SETNS ? ((const struct ls_setns *)rec)->comm
							      : ((const struct ls_unshare *)rec)->comm;

		memcpy(p->comm, comm, LS_COMM_LEN);
		p->comm[LS_COMM_LEN - 1] = 0;
	}
	if (!p->first_ts_ns)
		p->first_ts_ns = rec->ts_ns;
	p->last_ts_ns = rec->ts_ns;
	if (rec->type == LS_REC_SETNS)
		add_setns(m, p, (const struct ls_setns *)rec);
	else
		add_unshare(m, p, (const struct ls_unshare *)rec);
}

void ns_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{
	(void)m;
	/* explanations are kept current as records arrive; the count over
	 * time is for the HTML report's chart */
	if (p->ns)
		series__add(&p->ns->failed_series, now_ns, (double)p->ns->failed);
}

const struct series *ns_model__failed_series(const struct ls_process *p)
{
	return p->ns ? &p->ns->failed_series : NULL;
}

bool ns_model__notable(const struct ls_process *p)
{
	return p->ns && (p->ns->failed || p->ns->unshare_failed);
}

bool ns_model__failure_view(const struct ls_process *p, uint32_t i, struct ns_failure_view *out)
{
	const struct ns_state *ns = p->ns;

	if (!ns || i >= ns->nfailures)
		return false;
	out->err = ns->failures[i].err;
	out->nstype = (uint32_t)ns->failures[i].nstype;
	out->count = ns->failures[i].count;
	return true;
}

bool ns_model__counts(const struct ls_process *p, uint64_t *calls, uint64_t *failed)
{
	const struct ns_state *ns = p->ns;

	*calls = ns ? ns->calls : 0;
	*failed = ns ? ns->failed : 0;
	return ns != NULL;
}

void ns_state__free(struct ns_state *s)
{
	free(s);
}

/* "CLONE_NEWNET|CLONE_NEWNS" */
static void unshare_flags(uint64_t flags, char *out, size_t len)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ LS_CLONE_NEWNS, "CLONE_NEWNS" }, { LS_CLONE_NEWCGROUP, "CLONE_NEWCGROUP" },
		{ LS_CLONE_NEWUTS, "CLONE_NEWUTS" }, { LS_CLONE_NEWIPC, "CLONE_NEWIPC" },
		{ LS_CLONE_NEWUSER, "CLONE_NEWUSER" }, { LS_CLONE_NEWPID, "CLONE_NEWPID" },
		{ LS_CLONE_NEWNET, "CLONE_NEWNET" }, { LS_CLONE_NEWTIME, "CLONE_NEWTIME" },
		{ 0x200, "CLONE_FS" }, { 0x400, "CLONE_FILES" }, { 0x40000, "CLONE_SYSVSEM" },
	};
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		n += snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", names[i].name);
		flags &= ~names[i].bit;
	}
	if (flags && n < len)
		snprintf(out + n, len - n, "%s0x%" PRIx64, n ? "|" : "", flags);
	else if (!n)
		snprintf(out, len, "0");
}

static double rate_per_s(const struct ns_failure *f)
{
	double span = (double)(f->last_ts_ns - f->first_ts_ns) / 1e9;

	/* a rate needs a second of history: two calls a microsecond apart
	 * are not a million a second */
	return f->count > 1 && span >= 1.0 ? (double)(f->count - 1) / span : 0;
}

void ns_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{
	const struct ns_state *ns = p->ns;
	char flags[160];

	(void)m;
	if (!ns)
		return;
	json__obj_begin(j, "setns");
	json__u64(j, "calls", ns->calls);
	json__u64(j, "failed", ns->failed);
	json__arr_begin(j, "failures");
	for (uint32_t i = 0; i < ns->nfailures; i++) {
		const struct ns_failure *f = &ns->failures[i];

		json__obj_begin(j, NULL);
		json__str(j, "errno", ns_errno_name(f->err));
		json__str(j, "nstype", ns_type_name((uint32_t)f->nstype));
		json__i64(j, "fd", f->fd);
		json__u64(j, "tid", f->tid);
		json__str(j, "target", f->target);
		json__str(j, "target_kind", ns_kind_name(f->kind));
		json__str(j, "target_fs", ns_fs_name(f->fs_magic));
		if (f->kind == LS_TARGET_NSFS)
			json__str(j, "target_nstype", ns_type_name(f->target_nstype));
		if (f->kind == LS_TARGET_PIDFD)
			json__u64(j, "target_pid", f->target_pid);
		json__u64(j, "target_ino", f->target_ino);
		json__u64(j, "count", f->count);
		json__u64(j, "first_ts", f->first_ts_ns);
		json__u64(j, "last_ts", f->last_ts_ns);
		json__dbl(j, "rate_per_s", rate_per_s(f), 2);
		json__str(j, "explanation", f->explanation);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__arr_begin(j, "successes");
	for (uint32_t i = 0; i < ns->nsuccesses; i++) {
		json__obj_begin(j, NULL);
		json__str(j, "nstype", ns_type_name(ns->successes[i].nstype));
		json__u64(j, "ino", ns->successes[i].ino);
		json__u64(j, "count", ns->successes[i].count);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__u64(j, "groups_dropped", ns->groups_dropped);
	json__obj_end(j);
	json__obj_begin(j, "unshare");
	json__u64(j, "calls", ns->unshare_calls);
	json__u64(j, "failed", ns->unshare_failed);
	json__arr_begin(j, "failures");
	for (uint32_t i = 0; i < ns->nufail; i++) {
		unshare_flags(ns->ufail[i].flags, flags, sizeof(flags));
		json__obj_begin(j, NULL);
		json__str(j, "flags", flags);
		json__str(j, "errno", ns_errno_name(ns->ufail[i].err));
		json__u64(j, "count", ns->ufail[i].count);
		json__u64(j, "last_ts", ns->ufail[i].last_ts_ns);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__obj_end(j);
}

void ns_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{
	const struct ns_state *ns = p->ns;
	char cnt[32], flags[160];
	/* explanations quote the setns target's path: escaped (text.h) */
	char esc[TEXT_ESC_SIZE(MODEL_EXPLAIN_LEN)];

	(void)m;
	if (!ns || (!ns->failed && !ns->unshare_failed))
		return;
	if (!final) {
		const struct ns_failure *f = &ns->failures[0];

		fprintf(out, "%8s setns: %s of %s failed (%s): %s\n", "",
			fmt__count(ns->failed, cnt, sizeof(cnt)),
			fmt__count(ns->calls, flags, sizeof(flags)),
			ns->nfailures ? ns_errno_name(f->err) : "-",
			ns->nfailures ? text__esc(f->explanation, esc, sizeof(esc)) : "");
		return;
	}
	fprintf(out, "  setns: %s calls, %s failed\n", fmt__count(ns->calls, cnt, sizeof(cnt)),
		fmt__count(ns->failed, flags, sizeof(flags)));
	for (uint32_t i = 0; i < ns->nfailures; i++) {
		const struct ns_failure *f = &ns->failures[i];

		fprintf(out, "    %s x %s setns(fd %d, %s) by thread %u, %.1f/s: %s\n",
			fmt__count(f->count, cnt, sizeof(cnt)), ns_errno_name(f->err), f->fd,
			ns_type_name((uint32_t)f->nstype), f->tid, rate_per_s(f),
			text__esc(f->explanation, esc, sizeof(esc)));
	}
	for (uint32_t i = 0; i < ns->nufail; i++) {
		unshare_flags(ns->ufail[i].flags, flags, sizeof(flags));
		fprintf(out, "    %s x unshare(%s) failed with %s\n",
			fmt__count(ns->ufail[i].count, cnt, sizeof(cnt)), flags,
			ns_errno_name(ns->ufail[i].err));
	}
}
