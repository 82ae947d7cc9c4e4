// SPDX-License-Identifier: GPL-2.0
/*
 * The floor: empty programs on exactly leakscope's attach points.  What a
 * loop loses with these attached is what any tracer pays for being there;
 * leakscope's own cost is measured against it.  Keep in step with bpf/.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY_TP(name)						\
	SEC("tracepoint/syscalls/" #name)			\
	int empty_##name(void *ctx) { return 0; }

EMPTY_TP(sys_exit_mmap)
EMPTY_TP(sys_enter_munmap)
EMPTY_TP(sys_enter_mremap)
EMPTY_TP(sys_exit_mremap)
EMPTY_TP(sys_exit_brk)
EMPTY_TP(sys_enter_madvise)
EMPTY_TP(sys_enter_process_madvise)
EMPTY_TP(sys_exit_process_madvise)

EMPTY_TP(sys_enter_setns)
EMPTY_TP(sys_exit_setns)
EMPTY_TP(sys_enter_unshare)
EMPTY_TP(sys_exit_unshare)
EMPTY_TP(sys_exit_connect)
EMPTY_TP(sys_exit_accept)
EMPTY_TP(sys_exit_accept4)
EMPTY_TP(sys_enter_socketpair)
EMPTY_TP(sys_exit_socketpair)
EMPTY_TP(sys_enter_close)

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(empty_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{ return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(empty_exit, struct task_struct *task) { return 0; }

SEC("tp_btf/sched_process_exec")
int BPF_PROG(empty_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{ return 0; }

SEC("tp_btf/sched_process_fork")
int BPF_PROG(empty_fork, struct task_struct *parent, struct task_struct *child) { return 0; }

/* attached only for the rss_stat comparison (floor.c --rss) */
SEC("tp_btf/rss_stat")
int BPF_PROG(empty_rss_stat, struct mm_struct *mm, int member) { return 0; }
