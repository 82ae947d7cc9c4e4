/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LS_BPF_ENV_H
#define LS_BPF_ENV_H
struct btf;

/* The capabilities (root, or those caps.h lists), BTF (the kernel's own,
 * or btf_path: --btf FILE, read here) and tracefs; prints the error. */
int bpf_env__check(const char *btf_path);
/* libbpf's messages only with -v (the tool prints its own errors). */
void bpf_env__libbpf_quiet(void);
/* Does the program section's attach point exist: 1 yes, 0 no, -1 tracefs
 * not readable (an error was printed).  vmlinux: the BTF tp_btf and
 * raw_tp points are looked up in (NULL: none). */
int bpf_env__tracepoint_exists(const char *sec, const struct btf *vmlinux);
/* Arguments a tp_btf tracepoint passes, from its btf_trace_ typedef (a
 * pointer to a function whose first parameter is the context); -1 unknown. */
int bpf_env__tp_btf_nargs(const struct btf *vmlinux, const char *tp);
#endif
