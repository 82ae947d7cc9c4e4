/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory ledger: what each process asks of the kernel (mmap, munmap,
 * mremap, brk, madvise) aggregated per process in mem_ledgers; nothing goes
 * through the ring buffer but big mappings and exits.  Optionally the
 * kernel's RSS counters from tp_btf/rss_stat.
 */
#ifndef LS_MEM_BPF_H
#define LS_MEM_BPF_H
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

/* ---- mmap(addr, len, prot, flags, fd, off), all at sys_exit: the syscall
 * saved the caller's registers, and they still hold its arguments there.
 * That spares a sys_enter program, its dispatch and a per-thread slot.
 * Kernels without bpf_task_pt_regs load this one to save them. */
SEC("tracepoint/syscalls/sys_enter_mmap")
int ls_enter_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid;

	if (current_traced(&tgid))
		pending_save(ctx, PEND_MMAP, 6);
	return 0;
}

static __always_inline int exit_mmap(struct trace_event_raw_sys_exit *ctx, const bool fast)
{
	struct cpu_delta *slot;
	struct ledger_delta *d;
	struct ls_mem_ledger *l;
	__u64 len, flags, addr;
	__s32 fd;
	__u32 prot, tgid;

	if (has_task_pt_regs) {
		struct pt_regs *regs = task_user_regs(ls_current_task());

		len = page_round(PT_REGS_PARM2_SYSCALL(regs));
		prot = PT_REGS_PARM3_SYSCALL(regs);
		flags = PT_REGS_PARM4_SYSCALL(regs);
		fd = (__s32)PT_REGS_PARM5_SYSCALL(regs);
	} else {
		struct pending_call *pc = pending_get(PEND_MMAP);

		if (!pc)
			return 0;
		len = page_round(pc->args[1]);
		prot = pc->args[2];
		flags = pc->args[3];
		fd = (__s32)pc->args[4];
		pending_del(pc);
	}
	slot = delta_slot(&tgid, fast);
	if (!slot)
		return 0;
	d = &slot->delta;
	d->mmap_calls++;
	if (is_err(ctx->ret)) {
		d->failed_calls++;
		delta_commit(slot, 0, fast);
		return 0;
	}
	addr = ctx->ret;
	if (flags & LS_MAP_ANONYMOUS) {
		slot->recent_anon[slot->recent_next++ & 3] = addr;
		d->mmap_anon_bytes += len;
		d->mapped_anon_bytes += len;
		/* a PROT_NONE reservation (Go's heap arenas, glibc's thread
		 * heaps) is address space, not memory: its stack is not taken */
		if (prot)
			site_add(ctx, tgid, len, slot);
	} else {
		d->mmap_file_bytes += len;
	}
	if (len < big_mapping_bytes) {
		delta_commit(slot, len, fast);
		return 0;
	}
	l = delta_flush(slot);
	if (l) {
		__sync_fetch_and_add(&l->big_mappings, 1);
		emit_big_mapping(tgid, l->start_ns, addr, len, prot, flags,
				 (flags & LS_MAP_ANONYMOUS) ? -1 : fd, 0);
	}
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_exit_mmap", ls_exit_mmap,
		  struct trace_event_raw_sys_exit, exit_mmap)

/* ---- munmap: whether the range is anonymous is known only before it goes */
struct vma_probe {
	__u64 anon;
};

static long vma_is_anon(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	((struct vma_probe *)data)->anon = !vma->vm_file;
	return 0;
}

/* Before 6.1 an mm kept its VMAs in an rbtree too. */
struct vm_area_struct___rb {
	unsigned long vm_start, vm_end;
	struct rb_node vm_rb;
	struct file *vm_file;
} __attribute__((preserve_access_index));

struct mm_struct___rb {
	struct rb_root mm_rb;
} __attribute__((preserve_access_index));

#define LS_RB_DEPTH	48	/* an rbtree of 2^24 VMAs is at most 48 deep */

/* Without bpf_find_vma: descend the current mm's rbtree by probe reads, as
 * find_vma() does but without its lock (a concurrent change can end the
 * walk early: unknown). */
static __always_inline __u64 classify_rb(__u64 addr)
{
	struct mm_struct___rb *mm;
	struct rb_node *node;
	__u64 off;

	if (!bpf_core_field_exists(struct mm_struct___rb, mm_rb))
		return 2;
	off = bpf_core_field_offset(struct vm_area_struct___rb, vm_rb);
	mm = (struct mm_struct___rb *)BPF_CORE_READ(ls_current_task(), mm);
	node = BPF_CORE_READ(mm, mm_rb.rb_node);
	for (int i = 0; i < LS_RB_DEPTH && node; i++) {
		struct vm_area_struct___rb *vma = (void *)node - off;

		if (addr < BPF_CORE_READ(vma, vm_end)) {
			if (BPF_CORE_READ(vma, vm_start) <= addr)
				return !BPF_CORE_READ(vma, vm_file);
			node = BPF_CORE_READ(node, rb_left);
		} else {
			node = BPF_CORE_READ(node, rb_right);
		}
	}
	return 2;
}

/* 1 anonymous, 0 file-backed, 2 unknown (no VMA, or mmap lock busy) */
static __always_inline __u64 classify(__u64 addr, const bool fast)
{
	struct vma_probe probe = { .anon = 2 };

	if (!fast)
		return classify_rb(addr);
	if (bpf_find_vma(bpf_get_current_task_btf(), addr, vma_is_anon, &probe, 0))
		return 2;
	return probe.anon;
}

/* Was addr the start of one of the process's last anonymous mappings made
 * on this CPU? */
static __always_inline bool recent_anon(struct cpu_delta *slot, __u64 addr)
{
	for (int i = 0; i < 4; i++) {
		if (slot->recent_anon[i] == addr) {
			slot->recent_anon[i] = 0;	/* unmapped: forget it */
			return true;
		}
	}
	return false;
}

/* Accounted at sys_enter, as asked: the range's kind is known only before
 * it goes, and munmap fails only on bad arguments. */
static __always_inline int enter_munmap(struct trace_event_raw_sys_enter *ctx, const bool fast)
{
	struct cpu_delta *slot;
	struct ledger_delta *d;
	__u64 len;
	__u32 tgid;

	slot = delta_slot(&tgid, fast);
	if (!slot)
		return 0;
	d = &slot->delta;
	len = page_round(ctx->args[1]);
	d->munmap_calls++;
	d->munmap_bytes += len;
	if (recent_anon(slot, ctx->args[0]) || classify(ctx->args[0], fast) == 1) {
		d->munmap_anon_bytes += len;
		d->mapped_anon_bytes -= len;
	}
	delta_commit(slot, len, fast);
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_enter_munmap", ls_enter_munmap,
		  struct trace_event_raw_sys_enter, enter_munmap)

/* ---- mremap(old_addr, old_len, new_len, flags, new_addr) */
static __always_inline int enter_mremap(struct trace_event_raw_sys_enter *ctx, const bool fast)
{
	struct pending_call *pc;
	__u32 tgid;

	if (!current_traced(&tgid))
		return 0;
	pc = pending_save(ctx, PEND_MREMAP, 5);
	if (pc)
		pc->aux[0] = classify(ctx->args[0], fast);
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_enter_mremap", ls_enter_mremap,
	      struct trace_event_raw_sys_enter, enter_mremap)

static __always_inline int exit_mremap(struct trace_event_raw_sys_exit *ctx, const bool fast)
{
	struct pending_call *pc = pending_get(PEND_MREMAP);
	struct ls_mem_ledger *l;
	__u64 old_len, new_len, kind;
	__u32 tgid;

	if (!pc)
		return 0;
	old_len = page_round(pc->args[1]);
	new_len = page_round(pc->args[2]);
	kind = pc->aux[0];
	pending_del(pc);
	l = current_ledger(&tgid);
	if (!l)
		return 0;
	__sync_fetch_and_add(&l->mremap_calls, 1);
	if (is_err(ctx->ret)) {
		__sync_fetch_and_add(&l->failed_calls, 1);
		return 0;
	}
	if (new_len > old_len)
		__sync_fetch_and_add(&l->mremap_grow_bytes, new_len - old_len);
	else
		__sync_fetch_and_add(&l->mremap_shrink_bytes, old_len - new_len);
	if (kind == 1) {
		/* an anonymous region moved or changed size */
		__sync_fetch_and_add(&l->mapped_anon_bytes, (__s64)new_len - (__s64)old_len);
		if (new_len > old_len)
			site_add(ctx, tgid, new_len - old_len, delta_slot(&tgid, fast));
	}
	if (new_len >= big_mapping_bytes && new_len > old_len) {
		__sync_fetch_and_add(&l->big_mappings, 1);
		emit_big_mapping(tgid, l->start_ns, (__u64)ctx->ret, new_len, 0, 0, -1, 1);
	}
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_exit_mremap", ls_exit_mremap,
		  struct trace_event_raw_sys_exit, exit_mremap)

/* ---- brk: the exit value is the new break; growth is the difference */
static __always_inline int exit_brk(struct trace_event_raw_sys_exit *ctx, const bool fast)
{
	struct ls_mem_ledger *l;
	__u64 brk = ctx->ret;
	__s64 delta;
	__u32 tgid;

	l = current_ledger(&tgid);
	if (!l)
		return 0;
	__sync_fetch_and_add(&l->brk_calls, 1);
	if (!l->brk_last) {
		l->brk_last = brk;	/* first sighting: the base is unknown */
		return 0;
	}
	delta = (__s64)(brk - l->brk_last);
	l->brk_last = brk;
	if (!delta)
		return 0;
	__sync_fetch_and_add(&l->brk_growth_bytes, delta);
	if (delta > 0) {
		site_add(ctx, tgid, delta, delta_slot(&tgid, fast));
		if ((__u64)delta >= big_mapping_bytes) {
			__sync_fetch_and_add(&l->big_mappings, 1);
			emit_big_mapping(tgid, l->start_ns, brk - delta, delta, 3, 0, -1, 2);
		}
	}
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_exit_brk", ls_exit_brk,
		  struct trace_event_raw_sys_exit, exit_brk)

static __always_inline void count_advice(struct ledger_delta *d, __u32 advice, __u64 bytes)
{
	switch (advice) {
	case LS_MADV_FREE:
		d->madv_free_bytes += bytes;
		break;
	case LS_MADV_DONTNEED:
	case LS_MADV_DONTNEED_LOCKED:
		d->madv_dontneed_bytes += bytes;
		break;
	case LS_MADV_REMOVE:
	case LS_MADV_COLD:
	case LS_MADV_PAGEOUT:
		d->madv_other_bytes += bytes;
		break;
	default:
		break;	/* WILLNEED, HUGEPAGE...: no effect on what is held */
	}
}

/* ---- madvise(addr, len, advice): bytes advised, as asked, at sys_enter */
static __always_inline int enter_madvise(struct trace_event_raw_sys_enter *ctx, const bool fast)
{
	struct cpu_delta *slot;
	__u64 len = page_round(ctx->args[1]);
	__u32 tgid;

	slot = delta_slot(&tgid, fast);
	if (!slot)
		return 0;
	slot->delta.madvise_calls++;
	count_advice(&slot->delta, ctx->args[2], len);
	delta_commit(slot, len, fast);
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_enter_madvise", ls_enter_madvise,
		  struct trace_event_raw_sys_enter, enter_madvise)

/* ---- process_madvise(pidfd, iovec, vlen, advice, flags): returns bytes.
 * Counted to the caller: the advice acts on the pidfd's process, but
 * only COLD/PAGEOUT/WILLNEED/COLLAPSE are allowed, none of them a free. */
SEC("tracepoint/syscalls/sys_enter_process_madvise")
int ls_enter_process_madvise(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid;

	if (current_traced(&tgid))
		pending_save(ctx, PEND_PROCESS_MADVISE, 5);
	return 0;
}

static __always_inline int exit_process_madvise(struct trace_event_raw_sys_exit *ctx,
						 const bool fast)
{
	struct pending_call *pc = pending_get(PEND_PROCESS_MADVISE);
	struct cpu_delta *slot;
	__u32 advice, tgid;

	if (!pc)
		return 0;
	advice = pc->args[3];
	pending_del(pc);
	slot = delta_slot(&tgid, fast);
	if (!slot)
		return 0;
	slot->delta.madvise_calls++;
	if (ctx->ret < 0)
		slot->delta.failed_calls++;
	else
		count_advice(&slot->delta, advice, (__u64)ctx->ret);
	delta_commit(slot, ctx->ret < 0 ? 0 : ctx->ret, fast);
	return 0;
}

LS_TWO_BUILDS("tracepoint/syscalls/sys_exit_process_madvise", ls_exit_process_madvise,
		  struct trace_event_raw_sys_exit, exit_process_madvise)

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
SEC("tp_btf/rss_stat")
int BPF_PROG(ls_rss_stat, struct mm_struct *mm, int member)
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
		owner = mm->owner;
		if (!owner)
			return 0;
		tgid = owner->tgid;
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

/* ---- process exit: one record with the final ledger, then forget it */
/* Newer kernels pass group_dead (the loader sets exit_has_group_dead): true
 * in exactly one thread, the one that ended the group.  Before, signal->live
 * reading 0 is the best guess, and two threads ending at once can both see
 * it (the model keeps the first exit record). */
static __always_inline int process_exit(__u64 *ctx, struct task_struct *task, const bool fast)
{
	bool last = task->signal->live.counter == 0;
	struct ls_mem_ledger *l;
	struct ls_proc_exit *e;
	__u32 tgid = task->tgid;
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
	return process_exit(ctx, task, true);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ls_process_exit_compat, struct task_struct *task)
{
	return process_exit(ctx, task, false);
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

/* ---- children of traced processes are traced too (filtered runs) */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(ls_process_fork, struct task_struct *parent, struct task_struct *child)
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

#endif
