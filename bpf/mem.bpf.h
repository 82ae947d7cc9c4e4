/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory syscalls: what each process asks of the kernel (mmap, munmap,
 * mremap, brk, madvise, process_madvise) added to its ledger
 * (mem_ledger.bpf.h); nothing goes through the ring buffer but big mappings.
 */
#ifndef LS_MEM_BPF_H
#define LS_MEM_BPF_H
#include "mem_ledger.bpf.h"

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

#endif
