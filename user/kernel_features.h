/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers leakscope's BPF programs, probed at start
 * (its BTF, test loads of tiny programs), never guessed from its version.
 * Each missing facility has a slower way to the same numbers, chosen in
 * bpf/compat.bpf.h by the settings the loader copies from here.
 */
#ifndef LS_FEATURES_H
#define LS_FEATURES_H
#include <stdbool.h>
#include <stdio.h>

enum ls_feature {
	FEAT_TASK_BTF,		/* bpf_get_current_task_btf (5.11) */
	FEAT_RDONLY_CAST,	/* bpf_rdonly_cast kfunc in tracepoint programs (6.12) */
	FEAT_TASK_PT_REGS,	/* bpf_task_pt_regs (5.15) */
	FEAT_LOOP,		/* bpf_loop (5.17) */
	FEAT_FIND_VMA,		/* bpf_find_vma (5.17) */
	FEAT_PERCPU_LOOKUP,	/* bpf_map_lookup_percpu_elem (5.19) */
	FEAT_TASK_STORAGE,	/* task storage from tracing programs */
	FEAT_MAX
};

struct ls_features {
	bool has[FEAT_MAX];
	bool forced_off[FEAT_MAX];	/* by LEAKSCOPE_WITHOUT */
	/* /sys/kernel/btf/vmlinux is there: tp_btf, iterators, typed
	 * pointers and kfuncs need the kernel's own BTF, which a file given
	 * with --btf does not give it */
	bool kernel_btf;
	const char *btf_path;		/* --btf FILE, or NULL */
};

/* Probe the running kernel.  LEAKSCOPE_WITHOUT=name,name (or "all") makes
 * leakscope act as if those were missing: for tests and benchmarks of the
 * fallbacks on a kernel that has everything.  Returns -1 (error printed)
 * for an unknown name. */
int features__probe(struct ls_features *f, const char *btf_path);
/* Does the running kernel have BTF of its own (a non-empty
 * /sys/kernel/btf/vmlinux)? */
bool features__kernel_btf(void);
/* The kernel's BTF: from btf_path (--btf FILE) when given, else the
 * kernel's own (libbpf's search).  NULL if there is none; btf__free it. */
struct btf *features__vmlinux_btf(const char *btf_path);
const char *features__name(enum ls_feature feat);
/* What leakscope does without it, for -v. */
const char *features__fallback(enum ls_feature feat);
/* One line per facility: "leakscope: kernel facility loop: used", or
 * "...: missing, so WHAT IS DONE INSTEAD". */
void features__print(const struct ls_features *f, FILE *out);

#endif
