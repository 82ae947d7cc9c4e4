/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers, and the way taken where it lacks it.
 * The loader probes each facility (user/kernel_features.c) and sets these between
 * open and load; the verifier reads them as constants and never looks at
 * the branches a kernel cannot run, so one object loads everywhere from
 * 5.10 on, with the fast paths where the kernel has them.
 */
#ifndef LS_COMPAT_BPF_H
#define LS_COMPAT_BPF_H

/* bpf_get_current_task_btf (5.11): the current task as a typed pointer,
 * read with plain loads.  Without it: bpf_get_current_task and probe reads. */
const volatile bool has_task_btf = true;
/* plain loads through kernel addresses held as numbers (fd table slots,
 * files, sockets, unix names): bpf_rdonly_cast in tracepoint programs (6.12)
 * and a typed current task.  Without it: probe reads. */
const volatile bool direct_loads = true;
/* bpf_task_pt_regs (5.15): a syscall's arguments read at its sys_exit from
 * the registers it saved.  Without it: saved at sys_enter. */
const volatile bool has_task_pt_regs = true;
/* Some facilities a kernel checks even in code it would never run: a
 * compare-and-swap (5.12) and the callbacks of bpf_loop and bpf_find_vma
 * (5.17).  Programs that use them, or bpf_map_lookup_percpu_elem (5.19),
 * are built twice from one body: the fast build, and NAME_compat without
 * them.  The loader loads one of the two. */
#define LS_TWO_BUILDS(sec, name, ctx_type, body)				\
	SEC(sec) int name(ctx_type *ctx) { return body(ctx, true); }		\
	SEC(sec) int name##_compat(ctx_type *ctx) { return body(ctx, false); }

/* task storage from tracing programs (5.12: probed).  Without it: a hash
 * keyed by thread id. */
const volatile bool has_task_storage = true;

/* A kernel pointer held as a number, typed again for plain (fault-safe)
 * loads; the verifier turns the call into a register move.  Weak: absent
 * before 6.2, and only called where direct_loads says it may be.
 * LS_NO_KFUNCS builds the object loaded where the kernel lacks it: without
 * the extern, because libbpf 1.1 (Debian 12's) then searches the modules'
 * BTF for it, which needs CAP_SYS_ADMIN, and fails the whole load without
 * it.  Its ls_cast is never run: direct_loads is false there. */
#ifdef LS_NO_KFUNCS
#define ls_cast(type, ptr) ((type *)(ptr))
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#define ls_cast(type, ptr) ((type *)bpf_rdonly_cast((void *)(ptr), bpf_core_type_id_kernel(type)))
#endif

/* Typed for plain loads when the kernel allows it, a plain number for
 * probe reads otherwise. */
#define ls_ptr(type, ptr) (direct_loads ? ls_cast(type, ptr) : (type *)(ptr))

/* src->a->b...: plain loads when direct_loads, probe reads (CO-RE) else. */
#define LS_READ(src, a, ...)							\
	(direct_loads ? ___arrow(src, a, ##__VA_ARGS__) : BPF_CORE_READ(src, a, ##__VA_ARGS__))
/* the same for chains that start at a typed task (arguments of tp_btf
 * programs, ls_current_task()): plain loads need only has_task_btf */
#define LS_TASK_READ(task, a, ...)						\
	(has_task_btf ? ___arrow(task, a, ##__VA_ARGS__) : BPF_CORE_READ(task, a, ##__VA_ARGS__))

static __always_inline struct task_struct *ls_current_task(void)
{
	if (has_task_btf)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

#endif
