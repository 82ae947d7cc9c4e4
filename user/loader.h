/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF side's user-space half: environment checks, open -> configure ->
 * load -> attach, the ring buffer, and reading the in-kernel aggregates.
 * Everything it learns leaves as ls_rec_hdr records through the sink.
 */
#ifndef LS_LOADER_H
#define LS_LOADER_H
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include "leakscope.h"
#include "rings.h"

/* Should growth sites of this process be symbolised and sent? */
typedef bool (*ls_want_fn)(void *ctx, uint32_t tgid);

struct loader_opts {
	bool filtered;		/* trace only pids added with loader__trace_pid / comm */
	const char *comm;	/* NULL: no comm filter */
	bool rss_tracepoint;	/* attach tp_btf/rss_stat */
	bool stacks;		/* growth-site stacks */
	const char *btf;	/* --btf FILE: the kernel's BTF, or NULL */
	/* cgroup v2 directories (open fds, kept by the caller) whose processes
	 * and those below are traced from their first event (filtered) */
	int cgroup_fds[LS_CGROUP_FILTERS];
	unsigned ncgroups;
	ls_sink_fn sink;
	void *sink_ctx;
};

struct loader;

/* Open, configure, load and attach; prints "Error: ..." and returns NULL on
 * failure.  Every tracepoint is checked first so the error can name it. */
struct loader *loader__start(const struct loader_opts *opts);
void loader__destroy(struct loader *l);	/* accepts NULL */
/* Detach every program, keeping maps and rings, and attach them again:
 * for bench/toggle.c, which measures a loop with and without them within
 * a fraction of a second (while detached, nothing is seen: not for
 * reports).  loader__attach prints the error. */
void loader__detach(struct loader *l);
int loader__attach(struct loader *l);

int loader__trace_pid(struct loader *l, pid_t pid);
/* Make pid's memory ledger (start_ns as BPF computes it) before BPF would. */
int loader__make_ledger(struct loader *l, pid_t pid, uint64_t start_ns);
/* Watch close() of a socket that existed before attach. */
int loader__watch_inode(struct loader *l, uint64_t ino);
/* Every socket fd of every process (the snapshot's holders), through the
 * BPF task_file iterator: fn once each.  -EOPNOTSUPP where this kernel
 * has no such iterator (the caller reads /proc instead), or -errno. */
int loader__for_each_sock_fd(struct loader *l, void (*fn)(void *ctx, const struct ls_sock_fd *r),
			     void *ctx);
/* Is pid in the kernel's traced set (a -p target, a child, a -c match)? */
bool loader__is_traced(struct loader *l, pid_t pid);
/* Calls fn for each tgid in the kernel's traced set (filtered runs). */
int loader__for_each_traced(struct loader *l, int (*fn)(pid_t pid, void *ctx), void *ctx);
unsigned loader__nprograms(const struct loader *l);

/* The rings BPF writes to, read by a thread of their own (rings.h). */
struct rings *loader__rings(struct loader *l);
/* Emit a LS_REC_MEM_LEDGER record per process in the kernel's ledger. */
int loader__collect_ledgers(struct loader *l, uint64_t now_ns);
/* Emit LS_REC_GROWTH_SITE records for the top sites of wanted processes. */
int loader__collect_sites(struct loader *l, uint64_t now_ns, ls_want_fn want, void *ctx);
/* Cumulative drop counters, by enum ls_drop_kind. */
void loader__drops(struct loader *l, __u64 drops[LS_DROP_MAX]);


#endif
