/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process lifecycle: exit sends the final ledger and forgets it, exec
 * starts a new image's program break, fork makes a traced process's
 * children traced; and the kernel's RSS counters (--rss-source=tracepoint).
 */
#ifndef LS_PROC_BPF_H
#define LS_PROC_BPF_H
#include "mem_ledger.bpf.h"

/* Before 6.2 the RSS counters were atomics in struct mm_rss_stat. */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/* ---- the kernel's RSS counters (only when --rss-source=tracepoint).
 * Fires on every page fault: leave in a few instructions when off or when
 * the process is not traced, and keep only the latest value per process. */
static __always_inline int rss_stat(struct mm_struct *mm, int member, const bool typed)
{
	struct task_struct *owner;
	struct ls_mem_ledger *l;
	__u32 tgid, m = member & 3;
	__s64 pages, total;

	if (!rss_from_tracepoint)
		return 0;
	/* in reclaim the mm is not current's: find its owner */
	if (mm == BPF_CORE_READ(ls_current_task(), mm)) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		owner = ls_current_task();
	} else {
		if (!bpf_core_field_exists(mm->owner))
			return 0;
		owner = LS_ARG_READ(typed, mm, owner);
		if (!owner)
			return 0;
		tgid = LS_ARG_READ(typed, owner, tgid);
	}
	if (tgid == self_tgid)
		return 0;
	if ((filter_pids || filter_comm) && !bpf_map_lookup_elem(&traced_tgids, &tgid))
		return 0;
	l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
	if (!l) {
		l = ledger_get(tgid, task_start_ns(owner));
		if (!l)
			return 0;
	}
	if (bpf_core_type_exists(struct mm_rss_stat___old))
		pages = BPF_CORE_READ((struct mm_struct___old *)mm, rss_stat.count[m].counter);
	else
		pages = BPF_CORE_READ(mm, rss_stat[m].count);
	l->rss_pages[m] = pages;
	l->rss_ts_ns = bpf_ktime_get_boot_ns();
	total = l->rss_pages[0] + l->rss_pages[1] + l->rss_pages[3];
	if (total > (__s64)l->rss_peak_pages)
		l->rss_peak_pages = total;
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(ls_rss_stat, struct mm_struct *mm, int member)
{
	return rss_stat(mm, member, true);
}

SEC("raw_tp/rss_stat")
int ls_rss_stat_raw(__u64 *ctx)
{
	return rss_stat((struct mm_struct *)ctx[0], (int)ctx[1], false);
}

/* ---- process exit: one record with the final ledger, then forget it */
/* Newer kernels pass group_dead (the loader sets exit_has_group_dead): true
 * in exactly one thread, the one that ended the group.  Before, signal->live
 * reading 0 is the best guess, and two threads ending at once can both see
 * it (the model keeps the first exit record). */
static __always_inline int process_exit(__u64 *ctx, struct task_struct *task, const bool fast,
					const bool typed)
{
	bool last = LS_ARG_READ(typed, task, signal, live.counter) == 0;
	struct ls_mem_ledger *l;
	struct ls_proc_exit *e;
	__u32 tgid = LS_ARG_READ(typed, task, tgid);
	__u64 start_ns;

	if (exit_has_group_dead)
		last = (bool)ctx[1];
	if (!last || tgid == self_tgid)
		return 0;
	if ((filter_pids || filter_comm) && !bpf_map_lookup_elem(&traced_tgids, &tgid))
		return 0;
	/* the process's shares still on CPUs go to its ledger before it is
	 * sent: no thread of it makes another call */
	start_ns = task_start_ns(task);
	delta_claim_all(tgid, start_ns, fast);
	e = emit_reserve(sizeof(*e), LS_REC_PROC_EXIT, tgid);
	if (e) {
		e->start_ns = start_ns;
		e->exit_code = BPF_CORE_READ(task, exit_code);
		e->_pad = 0;
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), task->comm);
		l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
		if (l)
			__builtin_memcpy(&e->ledger, l, sizeof(e->ledger));
		else
			__builtin_memset(&e->ledger, 0, sizeof(e->ledger));
		emit_submit(e);
	}
	bpf_map_delete_elem(&mem_ledgers, &tgid);
	if (filter_pids || filter_comm)
		bpf_map_delete_elem(&traced_tgids, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ls_process_exit, struct task_struct *task)
{
	return process_exit(ctx, task, true, true);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ls_process_exit_compat, struct task_struct *task)
{
	return process_exit(ctx, task, false, true);
}

/* Kernels without BTF of their own (given it with --btf FILE) have no
 * tp_btf: the same bodies from raw tracepoints, whose arguments are
 * numbers read by probe reads.  The loader loads one of each pair
 * (LS_BTF_FALLBACKS in loader.c). */
SEC("raw_tp/sched_process_exit")
int ls_process_exit_raw(__u64 *ctx)
{
	return process_exit(ctx, (struct task_struct *)ctx[0], true, false);
}

SEC("raw_tp/sched_process_exit")
int ls_process_exit_raw_compat(__u64 *ctx)
{
	return process_exit(ctx, (struct task_struct *)ctx[0], false, false);
}

/* ---- exec: a new image has a new program break; without this its first
 * brk() would look like growth by the distance between the two heaps.  And
 * the kernel has closed the close-on-exec fds, sockets among them, with no
 * close() to see: a record tells the socket model to check them. */
static __always_inline int process_exec(struct task_struct *task, const bool fast)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct ls_mem_ledger *l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
	__u64 start_ns = task_start_ns(task);
	struct ls_proc_exec *e;

	if (l)
		l->brk_last = 0;
	/* the old image's shares (and their recent mappings, gone with it)
	 * leave every CPU: exec has ended the process's other threads */
	delta_claim_all(tgid, start_ns, fast);
	if (tgid == self_tgid ||
	    ((filter_pids || filter_comm) && !bpf_map_lookup_elem(&traced_tgids, &tgid)))
		return 0;
	e = emit_reserve(sizeof(*e), LS_REC_PROC_EXEC, tgid);
	if (e) {
		e->start_ns = start_ns;
		emit_submit(e);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ls_process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	return process_exec(task, true);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ls_process_exec_compat, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return process_exec(task, false);
}

SEC("raw_tp/sched_process_exec")
int ls_process_exec_raw(__u64 *ctx)
{
	return process_exec((struct task_struct *)ctx[0], true);
}

SEC("raw_tp/sched_process_exec")
int ls_process_exec_raw_compat(__u64 *ctx)
{
	return process_exec((struct task_struct *)ctx[0], false);
}

/* ---- children of traced processes are traced too (filtered runs) */
static __always_inline int process_fork(struct task_struct *parent, struct task_struct *child)
{
	struct ls_proc_fork *e;
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (!filter_pids && !filter_comm)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&traced_tgids, &ptgid))
		return 0;	/* a thread, or an untraced parent */
	bpf_map_update_elem(&traced_tgids, &ctgid, &one, BPF_ANY);
	e = emit_reserve(sizeof(*e), LS_REC_PROC_FORK, ctgid);
	if (!e)
		return 0;
	e->start_ns = BPF_CORE_READ(child, start_boottime);
	e->start_ns -= e->start_ns % LS_START_TICK_NS;
	e->parent_tgid = ptgid;
	e->_pad = 0;
	emit_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ls_process_fork, struct task_struct *parent, struct task_struct *child)
{
	return process_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int ls_process_fork_raw(__u64 *ctx)
{
	return process_fork((struct task_struct *)ctx[0], (struct task_struct *)ctx[1]);
}

#endif
