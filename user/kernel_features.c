// SPDX-License-Identifier: GPL-2.0
/* Probes of the running kernel's BPF facilities (see kernel_features.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel_features.h"
#include "options.h"

static const struct {
	const char *name;
	const char *fallback;
} feature_info[FEAT_MAX] = {
	[FEAT_TASK_BTF] = { "task_btf", "the current task read by probe reads" },
	[FEAT_RDONLY_CAST] = { "rdonly_cast",
			       "fd tables, files, sockets and unix names read by probe reads" },
	[FEAT_TASK_PT_REGS] = { "task_pt_regs",
				"mmap and connect arguments saved at sys_enter, the registers "
				"found at the top of the kernel stack for growth sites (x86-64)" },
	[FEAT_LOOP] = { "loop", "a close searches fd tables of up to 512 slots (else 4,096)" },
	[FEAT_FIND_VMA] = { "find_vma", "munmap ranges classified by walking the VMA rbtree" },
	[FEAT_PERCPU_LOOKUP] = { "percpu_lookup",
				 "every mmap, munmap and madvise added to the ledger at once" },
	[FEAT_TASK_STORAGE] = { "task_storage", "syscall arguments kept in a hash by thread id" },
};

const char *features__name(enum ls_feature feat)
{
	return feature_info[feat].name;
}

const char *features__fallback(enum ls_feature feat)
{
	return feature_info[feat].fallback;
}

static bool helper_ok(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, id, NULL) == 1;
}

/* bpf_rdonly_cast is in the kernel's BTF from 6.2, but tracepoint programs
 * may call it only from 6.12: load one that does. */
static bool rdonly_cast_ok(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int func, type, fd;
	bool ok = false;

	if (!vmlinux)
		return false;
	func = btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC);
	type = btf__find_by_name_kind(vmlinux, "task_struct", BTF_KIND_STRUCT);
	if (func > 0 && type > 0) {
		struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = type },
			{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = func },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};

		fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "probe_kfunc", "GPL", insns,
				   sizeof(insns) / sizeof(insns[0]), NULL);
		ok = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	btf__free(vmlinux);
	return ok;
}

static int force_off(struct ls_features *f, const char *list)
{
	char buf[256], *save = NULL, *tok;

	if (!list || !*list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i, hit = 0;

		for (i = 0; i < FEAT_MAX; i++) {
			if (!strcmp(tok, "all") || !strcmp(tok, feature_info[i].name)) {
				f->forced_off[i] = true;
				hit = 1;
			}
		}
		if (!hit) {
			ls_error("LEAKSCOPE_WITHOUT names an unknown kernel facility '%s' (known: "
				 "all, task_btf, rdonly_cast, task_pt_regs, loop, find_vma, "
				 "percpu_lookup, task_storage)", tok);
			return -1;
		}
	}
	return 0;
}

int features__probe(struct ls_features *f)
{
	memset(f, 0, sizeof(*f));
	if (force_off(f, getenv("LEAKSCOPE_WITHOUT")))
		return -1;
	f->has[FEAT_TASK_BTF] = helper_ok(BPF_FUNC_get_current_task_btf);
	f->has[FEAT_TASK_PT_REGS] = helper_ok(BPF_FUNC_task_pt_regs);
	f->has[FEAT_LOOP] = helper_ok(BPF_FUNC_loop);
	f->has[FEAT_FIND_VMA] = helper_ok(BPF_FUNC_find_vma);
	f->has[FEAT_PERCPU_LOOKUP] = helper_ok(BPF_FUNC_map_lookup_percpu_elem);
	f->has[FEAT_TASK_STORAGE] = helper_ok(BPF_FUNC_task_storage_get) &&
				    libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) == 1;
	f->has[FEAT_RDONLY_CAST] = rdonly_cast_ok();
	for (int i = 0; i < FEAT_MAX; i++)
		if (f->forced_off[i])
			f->has[i] = false;
	/* Plain loads through numbers go with the fast builds only: the compat
	 * builds pass fd table slots to global functions, which take numbers.
	 * Every kernel with the first (6.12) has the second's facilities
	 * (5.19), so only LEAKSCOPE_WITHOUT parts them. */
	if (f->has[FEAT_RDONLY_CAST] &&
	    (!f->has[FEAT_LOOP] || !f->has[FEAT_FIND_VMA] || !f->has[FEAT_PERCPU_LOOKUP])) {
		f->has[FEAT_RDONLY_CAST] = false;
		f->forced_off[FEAT_RDONLY_CAST] = true;
	}
	/* the typed-pointer paths build on the typed task */
	if (!f->has[FEAT_TASK_BTF]) {
		f->has[FEAT_RDONLY_CAST] = false;
		f->has[FEAT_TASK_PT_REGS] = false;
		f->has[FEAT_FIND_VMA] = false;
		f->has[FEAT_TASK_STORAGE] = false;
	}
	return 0;
}

void features__print(const struct ls_features *f, FILE *out)
{
	for (int i = 0; i < FEAT_MAX; i++) {
		if (f->has[i])
			fprintf(out, "leakscope: kernel facility %s: used\n", feature_info[i].name);
		else
			fprintf(out, "leakscope: kernel facility %s: %s, so %s\n", feature_info[i].name,
				f->forced_off[i] ? "turned off by LEAKSCOPE_WITHOUT" : "missing",
				feature_info[i].fallback);
	}
}
