/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every leakscope BPF program shares: settings, the process filter,
 * the ring buffer with its drop counters, and per-thread syscall arguments.
 */
#ifndef LS_COMMON_BPF_H
#define LS_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "leakscope.h"
#include "compat.bpf.h"

#ifndef EINVAL
#define EINVAL 22
#endif

/* Settings: written by the loader between __open() and __load(). */
const volatile bool filter_pids = false;	/* trace only tgids in traced_tgids */
const volatile bool filter_comm = false;	/* ... or whose comm is target_comm */
const volatile char target_comm[LS_COMM_LEN] = {};
/* ... or in a cgroup of traced_cgroups, or below it (cgroup v2) */
const volatile __u32 cgroup_filters = 0;
const volatile __u32 self_tgid = 0;		/* leakscope itself: never traced */
const volatile __u64 big_mapping_bytes = LS_BIG_MAPPING_BYTES;
const volatile bool rss_from_tracepoint = false;
const volatile bool capture_stacks = true;
const volatile bool exit_has_group_dead = false;	/* sched_process_exit(p, group_dead) */
const volatile __u32 nr_cpus = 1;		/* possible CPUs (per-CPU deltas) */
/* growth-site stacks: every mapping this big; of smaller ones, one stack per
 * site_sample_bytes a process maps on a CPU (a stack walk costs about a
 * microsecond) */
const volatile __u64 site_always_bytes = 1 << 20;
const volatile __u64 site_sample_bytes = 4 << 20;

/* tgid -> 1: processes to trace when a filter is on (children join). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} traced_tgids SEC(".maps");

/* --cgroup and --container: the cgroup v2 directories (fds, as the loader
 * put them) whose processes, and those of the cgroups below, are traced
 * from their first event, wherever they came from (docker exec, a write
 * to cgroup.procs); the first cgroup_filters slots are set. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, LS_CGROUP_FILTERS);
	__type(key, __u32);
	__type(value, __u32);
} traced_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LS_RINGBUF_BYTES);
} events SEC(".maps");

/* Drop counters by enum ls_drop_kind; per-CPU so counting is free. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Arguments of the syscall a thread is in, from sys_enter to sys_exit. */
struct pending_call {
	__u64 args[6];
	__u32 nr;		/* which syscall (enum pending_nr) */
	__u32 _pad;
	__u64 aux[4];		/* whatever sys_enter resolved (setns target, ...) */
};

/* the syscalls whose sys_exit needs what sys_enter saw */
enum pending_nr {
	PEND_MREMAP = 1, PEND_PROCESS_MADVISE, PEND_UNSHARE, PEND_SOCKETPAIR,
	PEND_MMAP, PEND_CONNECT,	/* only without bpf_task_pt_regs */
};

static __always_inline void count_drop(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &kind);

	if (c)
		*c += 1;
}

/* Identity of the current process: group leader's boot-time start, rounded
 * to the clock tick /proc/PID/stat uses so both sides agree.  Plain loads
 * through BTF pointers: a probe-read helper call per hop costs more than
 * the rest of a ledger update. */
static __always_inline __u64 start_tick(__u64 boottime)
{
	return boottime - boottime % LS_START_TICK_NS;
}

static __always_inline __u64 task_start_ns(struct task_struct *task)
{
	return start_tick(LS_TASK_READ(task, group_leader, start_boottime));
}

static __always_inline __u64 current_start_ns(void)
{
	return task_start_ns(ls_current_task());
}

static __always_inline bool comm_matches(void)
{
	char comm[LS_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < LS_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Is the current task in a cgroup of traced_cgroups, or below one?
 * (bpf_current_task_under_cgroup: tracing programs have it since 4.9) */
static __always_inline bool cgroup_matches(void)
{
	for (__u32 i = 0; i < LS_CGROUP_FILTERS; i++) {
		if (i >= cgroup_filters)
			break;
		if (bpf_current_task_under_cgroup(&traced_cgroups, i) == 1)
			return true;
	}
	return false;
}

/* Should events of process tgid be recorded?  Cheap when unfiltered. */
static __always_inline bool is_traced(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (!filter_pids && !filter_comm)
		return true;
	if (bpf_map_lookup_elem(&traced_tgids, &tgid))
		return true;
	if ((filter_comm && comm_matches()) || (cgroup_filters && cgroup_matches())) {
		__u8 one = 1;

		/* remember it: later events (other contexts, renamed threads)
		 * only need the map lookup */
		bpf_map_update_elem(&traced_tgids, &tgid, &one, BPF_ANY);
		return true;
	}
	return false;
}

static __always_inline bool current_traced(__u32 *tgid_out)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	*tgid_out = tgid;
	return is_traced(tgid);
}

/* A record's bytes in the ring: its header added, rounded up to 8. */
static __always_inline __u32 rb_taken(__u32 size)
{
	return (size + BPF_RINGBUF_HDR_SZ + 7) & ~7U;
}

/* Waking the reader on every record costs the writer an IPI and a context
 * switch (5x on a unix connect/accept/close loop); user space polls at least
 * every 100 ms, so it is woken only by the record that takes the ring past a
 * quarter full.  (Waking on every record past the mark, until the reader
 * caught up, cost 10 to 15% of the socket programs' time on that loop.)
 * avail_with: the ring's unread bytes, this record included. */
static __always_inline __u64 rb_wakeup_flags(__u64 avail_with, __u32 size)
{
	const __u64 mark = LS_RINGBUF_BYTES / 4;

	return avail_with >= mark && avail_with - rb_taken(size) < mark ? BPF_RB_FORCE_WAKEUP
								: BPF_RB_NO_WAKEUP;
}

static __always_inline void emit_submit(void *rec)
{
	struct ls_rec_hdr *h = rec;

	bpf_ringbuf_submit(rec, rb_wakeup_flags(bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA),
						h->size));
}

/* Reserve a ring-buffer record of `size` bytes with its header filled in.
 * A failed reservation is counted: nothing is lost silently.  Untimed
 * (ts_ns 0) leaves the time to the reader, which stamps records of at most
 * LS_UNTIMED_MAX bytes when it takes them (within its 100 ms poll): for the
 * per-connection socket records, where a clock read is a tenth of the cost. */
static __always_inline void *emit_reserve_at(__u32 size, __u16 type, __u32 tgid, bool timed)
{
	struct ls_rec_hdr *h = bpf_ringbuf_reserve(&events, size, 0);

	if (!h) {
		count_drop(LS_DROP_RINGBUF);
		return NULL;
	}
	h->type = type;
	h->size = size;
	h->tgid = tgid;
	/* size is a constant: the test folds away */
	h->ts_ns = timed || size > LS_UNTIMED_MAX ? bpf_ktime_get_boot_ns() : 0;
	return h;
}

static __always_inline void *emit_reserve(__u32 size, __u16 type, __u32 tgid)
{
	return emit_reserve_at(size, type, tgid, true);
}

static __always_inline void *emit_reserve_untimed(__u32 size, __u16 type, __u32 tgid)
{
	return emit_reserve_at(size, type, tgid, false);
}

/* Per-thread slot, freed with the thread: cheaper than a hash on the hot
 * path (no insert, no delete, no LRU lists). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pending_call);
} pending SEC(".maps");

/* The same keyed by thread id, where tracing programs have no task
 * storage (the loader sizes it, and leaves the unused one of the two
 * uncreated).  LRU: a thread killed inside a call leaves its slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_call);
} pending_by_tid SEC(".maps");

static __always_inline struct pending_call *pending_slot(bool create)
{
	struct pending_call zero = {};
	struct pending_call *pc;
	__u32 tid;

	if (has_task_storage)
		return bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	tid = (__u32)bpf_get_current_pid_tgid();
	pc = bpf_map_lookup_elem(&pending_by_tid, &tid);
	if (pc || !create)
		return pc;
	bpf_map_update_elem(&pending_by_tid, &tid, &zero, BPF_ANY);
	return bpf_map_lookup_elem(&pending_by_tid, &tid);
}

/* Save the syscall's first nargs arguments for its sys_exit.  nargs must be
 * the syscall's arity (a constant): reading args[] past it reads past the
 * tracepoint's context, and the kernel then refuses to attach (EACCES). */
static __always_inline struct pending_call *pending_save(struct trace_event_raw_sys_enter *ctx,
							 __u32 nr, const int nargs)
{
	struct pending_call *pc = pending_slot(true);

	if (!pc) {
		count_drop(LS_DROP_PENDING);
		return NULL;
	}
	pc->nr = nr;
	if (nargs > 0) pc->args[0] = ctx->args[0];
	if (nargs > 1) pc->args[1] = ctx->args[1];
	if (nargs > 2) pc->args[2] = ctx->args[2];
	if (nargs > 3) pc->args[3] = ctx->args[3];
	if (nargs > 4) pc->args[4] = ctx->args[4];
	if (nargs > 5) pc->args[5] = ctx->args[5];
	return pc;
}

/* The saved arguments at sys_exit, if this thread's sys_enter saved them. */
static __always_inline struct pending_call *pending_get(__u32 nr)
{
	struct pending_call *pc = pending_slot(false);

	if (!pc || pc->nr != nr)
		return NULL;
	return pc;
}

/* Done with the slot: a later sys_exit must not reuse these arguments. */
static __always_inline void pending_del(struct pending_call *pc)
{
	pc->nr = 0;
	if (!has_task_storage) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();

		bpf_map_delete_elem(&pending_by_tid, &tid);
	}
}

/* Slot i of an fd table's array (fdt->fd, as a number): the struct file
 * pointer in it, or 0.  The verifier cannot index an array of pointers, so
 * the slot is read as the kernel's one-pointer struct, a fault-safe plain
 * load (the probe-read call it replaces was 7% of the socket programs' time
 * on this VM, by bench/pair.sh). */
static __always_inline __u64 fd_slot_by(__u64 slots, __u64 i, const bool direct)
{
	__u64 v = 0;

	if (direct)
		return (__u64)ls_cast(struct llist_node, slots + i * sizeof(void *))->next;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(slots + i * sizeof(void *)));
	return v;
}

static __always_inline __u64 fd_slot(__u64 slots, __u64 i)
{
	return fd_slot_by(slots, i, direct_loads);
}

/* The 8 bytes at kernel address a, by the same fault-safe plain load (a
 * fault reads 0): no probe-read call.  Read through a struct whose first
 * field is a 64-bit integer, so the verifier types the value as a number. */
static __always_inline __u64 kernel_word(__u64 a)
{
	__u64 v = 0;

	if (direct_loads)
		return ls_cast(struct timespec64, a)->tv_sec;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)a);
	return v;
}

/* Resolve fd to its struct file through task's fd table.  Hot programs
 * fetch the current task once and pass it: each helper call is a call and
 * a return through this kernel's return thunks. */
static __always_inline struct file *task_fd_file(struct task_struct *task, int fd)
{
	struct files_struct *files = LS_TASK_READ(task, files);
	struct fdtable *fdt;
	__u64 f;

	if (fd < 0 || !files)
		return NULL;
	fdt = LS_TASK_READ(files, fdt);
	if ((unsigned int)fd >= LS_TASK_READ(fdt, max_fds))
		return NULL;
	f = fd_slot((__u64)LS_TASK_READ(fdt, fd), (__u64)fd);
	return f ? ls_ptr(struct file, f) : NULL;
}

/* Where a task's user registers sit above the base of its kernel stack:
 * the same for every task on x86 and arm64 (task_pt_regs() there is that
 * base plus constants the kernel's build chose).  The first call learns it
 * from bpf_task_pt_regs; the later ones load task->stack and add, instead
 * of the helper call (about 15 ns on the AMD EPYC VM this project ran
 * on; no gain that could be measured on the Intel Xeon one).  Two CPUs
 * learning it at once store the same number.  Only where plain loads
 * through numbers are allowed (direct_loads); callers check
 * has_task_pt_regs. */
__u64 pt_regs_stack_offset;

static __always_inline struct pt_regs *task_user_regs(struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
	if (direct_loads) {
		__u64 off = pt_regs_stack_offset, stack = (__u64)task->stack, addr = 0, base;
		struct pt_regs *regs;

		if (off)
			return ls_cast(struct pt_regs, stack + off);
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		/* learnt from numbers read by probe: kernels before 6.17
		 * refuse arithmetic between a typed pointer and a loaded one */
		base = (__u64)BPF_CORE_READ(task, stack);
		bpf_probe_read_kernel(&addr, sizeof(addr), &regs);
		if (addr > base)
			pt_regs_stack_offset = addr - base;
		return regs;
	}
#endif
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/* Without bpf_task_pt_regs (before 5.15), on x86-64: where task_pt_regs()
 * puts them, at the top of the kernel stack, whose size (16 KiB, 32 KiB
 * with KASAN) is taken once the syscall number saved there (orig_ax)
 * confirms it.  nr: the syscall the program is in.  NULL elsewhere. */
__u64 guessed_stack_size;

static __always_inline struct pt_regs *guess_user_regs(struct task_struct *task, long nr)
{
#if defined(__TARGET_ARCH_x86)
	__u64 stack = (__u64)BPF_CORE_READ(task, stack), size = guessed_stack_size;
	__u64 regs_size = bpf_core_type_size(struct pt_regs);
	__u64 nr_off = bpf_core_field_offset(struct pt_regs, orig_ax);
	long saved = -1;

	if (size)
		return (struct pt_regs *)(stack + size - regs_size);
	for (int i = 0; i < 2; i++) {
		size = 16384ULL << i;
		bpf_probe_read_kernel(&saved, sizeof(saved), (void *)(stack + size - regs_size + nr_off));
		if (saved == nr) {
			guessed_stack_size = size;
			return (struct pt_regs *)(stack + size - regs_size);
		}
	}
#endif
	return NULL;
}

static __always_inline struct file *fd_to_file(int fd)
{
	return task_fd_file(ls_current_task(), fd);
}

#endif
