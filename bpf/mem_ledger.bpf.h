/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory ledger's state: per-process ledgers in mem_ledgers, the
 * per-CPU deltas that batch a thread's calls before they reach its
 * ledger, growth sites by user stack, and the big-mapping record.
 * mem.bpf.h (the syscalls) and proc.bpf.h (exit, exec, fork) feed it.
 */
#ifndef LS_MEM_LEDGER_BPF_H
#define LS_MEM_LEDGER_BPF_H
#include "common.bpf.h"

#define LS_MAP_ANONYMOUS	0x20
#define LS_MADV_DONTNEED	4
#define LS_MADV_FREE		8
#define LS_MADV_REMOVE		9
#define LS_MADV_COLD		20
#define LS_MADV_PAGEOUT		21
#define LS_MADV_DONTNEED_LOCKED	24
#define LS_PAGE_MASK		4095ULL

/* the kernel works in whole pages */
static __always_inline __u64 page_round(__u64 len)
{
	return (len + LS_PAGE_MASK) & ~LS_PAGE_MASK;
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LS_MAX_PROCS);
	__type(key, __u32);	/* tgid; value->start_ns tells reused pids apart */
	__type(value, struct ls_mem_ledger);
} mem_ledgers SEC(".maps");

/* Growth sites: user stacks that mapped anonymous memory. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LS_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LS_STACK_DEPTH * sizeof(__u64));
} user_stacks SEC(".maps");

struct site_key {
	__u32 tgid;
	__u32 stack_id;
	__u64 caller;	/* return address at the user stack pointer */
};

struct site_val {
	__u64 bytes;
	__u64 calls;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LS_MAX_SITES);
	__type(key, struct site_key);
	__type(value, struct site_val);
} growth_sites SEC(".maps");

/* A zeroed ledger to insert from: keeps 200+ bytes off the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_mem_ledger);
} ledger_zero SEC(".maps");

/* The not yet flushed share of a process's ledger, per CPU: mmap, munmap
 * and madvise add to the slot of the CPU they run on, and the sum goes to
 * mem_ledgers every LS_DELTA_CALLS calls or LS_DELTA_BYTES bytes, when
 * another process takes the CPU's slot, and when the process exits (its
 * last thread claims its slots on every CPU).  The ledger is a hash lookup
 * and locked adds on lines every CPU shares.  Per CPU rather than per
 * thread (task storage, as fast on the mmap loop): what a live process has
 * not flushed is bounded by the CPUs, not by its threads, and the exit
 * finds all of it.
 * Programs on syscall tracepoints run one at a time per CPU (the kernel's
 * bpf_prog_active), so only the CPU's own programs write its slot; another
 * CPU only reads it and takes it with a compare-and-swap on tgid, and only
 * for a process whose threads are all gone. */
#define LS_DELTA_CALLS	16
#define LS_DELTA_BYTES	(1ULL << 20)
#define LS_MAX_CPUS	1024
struct ledger_delta {
	__s64 mmap_calls, munmap_calls, madvise_calls, failed_calls;
	__s64 mmap_anon_bytes, mmap_file_bytes, mapped_anon_bytes;
	__s64 munmap_bytes, munmap_anon_bytes;
	__s64 madv_free_bytes, madv_dontneed_bytes, madv_other_bytes;
	__u64 bytes;	/* bytes mapped, unmapped or advised since the flush */
	__u32 calls;	/* calls since the flush */
	__u32 _pad;
};

struct cpu_delta {
	__u64 tgid;		/* whose share this is; 0: nobody's (64 bits:
				 * the compare-and-swap clang 14 has) */
	__u64 start_ns;		/* of tgid */
	__u32 recent_next;
	__u32 _pad;
	/* the process's last anonymous mappings made on this CPU: most
	 * munmaps undo one of them, and knowing so spares a find_vma walk */
	__u64 recent_anon[4];
	__u64 site_credit;	/* bytes mapped since the last stack taken */
	struct ledger_delta delta;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_delta);
} cpu_deltas SEC(".maps");

/* The process's ledger, created on first use.  Exits delete ledgers, so a
 * ledger found under tgid is this process's: start_ns (three pointer loads)
 * is read only to create one.  start_ns 0: read it from current. */
static __always_inline struct ls_mem_ledger *ledger_get(__u32 tgid, __u64 start_ns)
{
	struct ls_mem_ledger *l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
	struct ls_mem_ledger *z;
	__u32 zero = 0;

	if (l && (!start_ns || l->start_ns == start_ns))
		return l;
	if (!start_ns)
		start_ns = current_start_ns();
	z = bpf_map_lookup_elem(&ledger_zero, &zero);
	if (!z)
		return NULL;
	__builtin_memset(z, 0, sizeof(*z));
	z->start_ns = start_ns;
	/* NOEXIST for a new pid so two threads racing here keep one ledger
	 * (the loser finds the winner's); ANY to replace a reused pid's stale
	 * ledger (exit record missed).  Whatever happened, the ledger is ours
	 * only if it has our start time: else (table full, a failed replace)
	 * the caller's numbers are dropped, and counted. */
	bpf_map_update_elem(&mem_ledgers, &tgid, z, l ? BPF_ANY : BPF_NOEXIST);
	l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
	if (l && l->start_ns == start_ns)
		return l;
	count_drop(LS_DROP_LEDGER);
	return NULL;
}

static __always_inline struct ls_mem_ledger *current_ledger(__u32 *tgid_out)
{
	__u32 tgid;

	if (!current_traced(&tgid))
		return NULL;
	*tgid_out = tgid;
	return ledger_get(tgid, 0);
}

/* Add a delta to its process's ledger (none: the ledger table is full,
 * counted by ledger_get). */
#define FLUSH_FIELD(f)						\
	do {							\
		if (d->f)					\
			__sync_fetch_and_add(&l->f, d->f);	\
	} while (0)
static __always_inline void delta_add(const struct ledger_delta *d, struct ls_mem_ledger *l)
{
	if (!l)
		return;
	FLUSH_FIELD(mmap_calls);
	FLUSH_FIELD(munmap_calls);
	FLUSH_FIELD(madvise_calls);
	FLUSH_FIELD(failed_calls);
	FLUSH_FIELD(mmap_anon_bytes);
	FLUSH_FIELD(mmap_file_bytes);
	FLUSH_FIELD(mapped_anon_bytes);
	FLUSH_FIELD(munmap_bytes);
	FLUSH_FIELD(munmap_anon_bytes);
	FLUSH_FIELD(madv_free_bytes);
	FLUSH_FIELD(madv_dontneed_bytes);
	FLUSH_FIELD(madv_other_bytes);
}
#undef FLUSH_FIELD

/* Flush the slot's delta into its owner's ledger and start it again;
 * returns that ledger (NULL: table full, counted). */
static __always_inline struct ls_mem_ledger *delta_flush(struct cpu_delta *s)
{
	struct ls_mem_ledger *l = ledger_get(s->tgid, s->start_ns);

	delta_add(&s->delta, l);
	__builtin_memset(&s->delta, 0, sizeof(s->delta));
	return l;
}

/* Take a slot whose delta is tgid's (start_ns's) from it, if nobody has
 * yet, and add the delta to its ledger.  The delta is copied before the
 * swap: whoever wins the swap adds the copy, so it is added once. */
static __always_inline void delta_claim(struct cpu_delta *s, __u32 tgid, __u64 start_ns)
{
	struct ledger_delta d = s->delta;
	struct ls_mem_ledger *l;
	__u64 owner = tgid;

	if (__sync_val_compare_and_swap(&s->tgid, owner, 0) != owner || !d.calls)
		return;
	/* never replace a ledger: a pid reused since is another process's */
	l = bpf_map_lookup_elem(&mem_ledgers, &tgid);
	if (!l)
		l = ledger_get(tgid, start_ns);
	if (l && l->start_ns == start_ns)
		delta_add(&d, l);
	else
		count_drop(LS_DROP_LEDGER);
}

/* Take every CPU's share of a process whose threads make no more calls
 * (it exited, or exec replaced them) into its ledger. */
static __always_inline void delta_claim_all(__u32 tgid, __u64 start_ns, const bool fast)
{
	__u32 zero = 0;

	if (!fast)
		return;		/* nothing is left on CPUs: see delta_commit */
	for (__u32 cpu = 0; cpu < LS_MAX_CPUS && cpu < nr_cpus; cpu++) {
		struct cpu_delta *s = bpf_map_lookup_percpu_elem(&cpu_deltas, &zero, cpu);

		if (s && s->tgid == tgid && s->start_ns == start_ns)
			delta_claim(s, tgid, start_ns);
	}
}

/* This CPU's slot, for the current process if it is traced: a process
 * other than its owner settles the owner's share first. */
static __always_inline struct cpu_delta *delta_slot(__u32 *tgid, const bool fast)
{
	struct cpu_delta *s;
	__u64 start_ns;
	__u32 zero = 0;

	if (!current_traced(tgid))
		return NULL;
	s = bpf_map_lookup_elem(&cpu_deltas, &zero);
	if (!s)
		return NULL;
	start_ns = current_start_ns();
	if (s->tgid == *tgid && s->start_ns == start_ns)
		return s;
	if (s->tgid && fast)
		delta_claim(s, s->tgid, s->start_ns);
	__builtin_memset(&s->delta, 0, sizeof(s->delta));
	__builtin_memset(s->recent_anon, 0, sizeof(s->recent_anon));
	s->site_credit = 0;
	s->start_ns = start_ns;
	s->tgid = *tgid;
	return s;
}

/* One more call in the slot's delta; flush it when it is due.  Without
 * shares (not fast), every call. */
static __always_inline void delta_commit(struct cpu_delta *s, __u64 bytes, const bool fast)
{
	struct ledger_delta *d = &s->delta;

	d->bytes += bytes;
	if (++d->calls < LS_DELTA_CALLS && d->bytes < LS_DELTA_BYTES && fast)
		return;
	delta_flush(s);
}

/* LS_TWO_BUILDS (compat.bpf.h): the fast build keeps per-CPU shares
 * (an exit claims what its process left on other CPUs, by
 * bpf_map_lookup_percpu_elem and a compare-and-swap) and classifies
 * unmapped ranges with bpf_find_vma; the _compat one adds every call to
 * the ledger at once and walks the VMA tree. */

static __always_inline bool is_err(__s64 ret)
{
	return ret < 0 && ret >= -4095;
}

/* Walking a user stack costs about a microsecond: take every big mapping's,
 * and one per site_sample_bytes of the process's smaller ones on this CPU,
 * weighted by the bytes mapped since the last, so the bytes per site stay an
 * unbiased estimate (a site is picked in proportion to the bytes it maps). */
static __always_inline void site_add(void *ctx, __u32 tgid, __u64 bytes, struct cpu_delta *slot)
{
	struct site_key key = { .tgid = tgid };
	struct site_val *v, nv = {};
	long id;

	if (!capture_stacks)
		return;
	if (bytes < site_always_bytes) {
		if (!slot)
			return;
		slot->site_credit += bytes;
		if (slot->site_credit < site_sample_bytes)
			return;
		bytes = slot->site_credit;
		slot->site_credit = 0;
	}
	id = bpf_get_stackid(ctx, &user_stacks, BPF_F_USER_STACK);
	if (id < 0) {
		count_drop(LS_DROP_STACK);
		return;
	}
	key.stack_id = (__u32)id;
	/* Syscall wrappers (glibc's mmap, Go's assembly stubs) push no frame,
	 * so a frame-pointer walk skips their caller; at the syscall the
	 * caller's return address is the word at the stack pointer. */
	if (has_task_pt_regs) {
		struct pt_regs *regs = task_user_regs(ls_current_task());

		if (regs)
			bpf_probe_read_user(&key.caller, sizeof(key.caller), (void *)regs->sp);
	} else {
		/* site_add runs at a sys_exit */
		long nr = ((struct trace_event_raw_sys_exit *)ctx)->id;
		struct pt_regs *regs = guess_user_regs(ls_current_task(), nr);

		if (regs)
			bpf_probe_read_user(&key.caller, sizeof(key.caller),
					    (void *)BPF_CORE_READ(regs, sp));
	}
	v = bpf_map_lookup_elem(&growth_sites, &key);
	if (!v) {
		bpf_map_update_elem(&growth_sites, &key, &nv, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&growth_sites, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->calls, 1);
}

static __always_inline void emit_big_mapping(__u32 tgid, __u64 start_ns, __u64 addr,
					     __u64 len, __u32 prot, __u32 flags, __s32 fd,
					     __u32 which)
{
	struct ls_big_mmap *e = emit_reserve(sizeof(*e), LS_REC_BIG_MMAP, tgid);

	if (!e)
		return;
	e->start_ns = start_ns;
	e->addr = addr;
	e->len = len;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->prot = prot;
	e->flags = flags;
	e->fd = fd;
	e->syscall = which;
	e->_pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	emit_submit(e);
}

#endif
