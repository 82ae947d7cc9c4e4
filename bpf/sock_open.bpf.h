/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unix connections as they are made: connect() and accept() pair the
 * two ends by kernel sock address, socketpair() makes both at once.
 */
#ifndef LS_SOCK_OPEN_BPF_H
#define LS_SOCK_OPEN_BPF_H
#include "sock.bpf.h"

/* ---- connect(fd, addr, len): unix paired at sys_exit, where the fd comes
 * from the registers the syscall saved (TCP is owned in ls_tcp_state, at
 * its move to SYN_SENT: no program on sys_enter_connect at all, except on
 * kernels without bpf_task_pt_regs, which save the fd there) */
SEC("tracepoint/syscalls/sys_enter_connect")
int ls_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != self_tgid)
		pending_save(ctx, PEND_CONNECT, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int ls_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	struct sock *sk, *peer;
	__u64 ino = 0;
	__u32 tgid;
	int fd = -1;

	if (!has_task_pt_regs) {
		struct pending_call *pc = pending_get(PEND_CONNECT);

		if (!pc)
			return 0;
		fd = (int)pc->args[0];
		pending_del(pc);
	}
	if (ctx->ret != 0)
		return 0;
	task = ls_current_task();
	tgid = LS_TASK_READ(task, tgid);
	if (tgid == self_tgid)
		return 0;
	if (has_task_pt_regs)
		fd = (int)PT_REGS_PARM1_SYSCALL(task_user_regs(task));
	sk = file_sock(task_fd_file(task, fd), &ino);
	if (!sk || LS_READ(sk, __sk_common.skc_family) != LS_AF_UNIX)
		return 0;
	peer = LS_READ(unix_sk(sk), peer);
	if (!peer)
		return 0;
	/* the listener's credentials matter only when this end is not traced:
	 * unfiltered, is_traced() says yes at once and the walk is skipped */
	if (!is_traced(tgid) && !unix_wanted(tgid, peercred_tgid(sk)))
		return 0;
	/* the peer is the embryo: it carries the listener's name */
	emit_unix(task, sk, peer, peer, ino, fd, LS_UNIX_CONNECT, 0);
	return 0;
}

/* ---- accept/accept4: the new socket's peer is the connecting socket */
static __always_inline int on_accept_exit(long ret)
{
	struct task_struct *task;
	struct sock *sk, *peer;
	__u64 ino = 0;
	__u32 tgid;

	if (ret < 0)
		return 0;
	task = ls_current_task();
	tgid = LS_TASK_READ(task, tgid);
	if (tgid == self_tgid)
		return 0;
	sk = file_sock(task_fd_file(task, (int)ret), &ino);
	if (!sk)
		return 0;
	if (LS_READ(sk, __sk_common.skc_family) == LS_AF_UNIX) {
		__u32 client;

		peer = LS_READ(unix_sk(sk), peer);
		/* the client's pid: under a filter, whether to record this;
		 * and it names the client when its connect was not seen
		 * (made before attach) */
		client = peercred_tgid(sk);
		if (!unix_wanted(tgid, client))
			return 0;
		emit_unix(task, sk, peer, sk, ino, (int)ret, LS_UNIX_ACCEPT, client);
	} else if (is_tcp(sk) && is_traced(tgid)) {
		__u64 start = task_start_ns(task);
		int state = LS_READ(sk, __sk_common.skc_state);

		own_sock(sk, tgid, start);
		emit_tcp(sk, tgid, start, state, state, 0);	/* "now owned by" */
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int ls_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int ls_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return on_accept_exit(ctx->ret);
}

/* ---- socketpair(domain, type, protocol, sv[2]) */
SEC("tracepoint/syscalls/sys_enter_socketpair")
int ls_enter_socketpair(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid;

	if (ctx->args[0] == LS_AF_UNIX && current_traced(&tgid))
		pending_save(ctx, PEND_SOCKETPAIR, 4);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_socketpair")
int ls_exit_socketpair(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_call *pc = pending_get(PEND_SOCKETPAIR);
	struct task_struct *task;
	__u64 ino0 = 0, ino1 = 0;
	struct sock *a, *b;
	int sv[2];

	if (!pc)
		return 0;
	pending_del(pc);
	task = ls_current_task();
	if (ctx->ret != 0 || bpf_probe_read_user(sv, sizeof(sv), (void *)pc->args[3]))
		return 0;
	a = file_sock(task_fd_file(task, sv[0]), &ino0);
	b = file_sock(task_fd_file(task, sv[1]), &ino1);
	if (!a || !b)
		return 0;
	emit_unix(task, a, b, NULL, ino0, sv[0], LS_UNIX_SOCKETPAIR, 0);
	emit_unix(task, b, a, NULL, ino1, sv[1], LS_UNIX_SOCKETPAIR, 0);
	return 0;
}

#endif
