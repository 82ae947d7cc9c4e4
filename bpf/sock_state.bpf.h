/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What sockets are in beyond open and close: TCP state changes, and the
 * attach-time snapshot of every socket fd (the task_file iterator).
 */
#ifndef LS_SOCK_STATE_BPF_H
#define LS_SOCK_STATE_BPF_H
#include "sock.bpf.h"

/* ---- TCP state changes, attributed to the owner from connect/accept.
 * Sockets made before attach are known by the inodes user space put in
 * existing_inodes from the sock_diag snapshot (only traced processes'
 * under a filter): their changes are sent with the inode, which user space
 * maps to the holder; every other socket costs two lookups. */
static __always_inline int tcp_state(const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk, ino;
	struct sock_owner *o;
	struct socket *sock;

	/* connect() moves the socket to SYN_SENT in the connecting task: the
	 * owner is the current process (a kernel thread's connect is nobody's) */
	if (oldstate == LS_TCP_CLOSE && newstate == LS_TCP_SYN_SENT) {
		struct task_struct *task = ls_current_task();
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u64 start;

		if ((LS_TASK_READ(task, flags) & LS_PF_KTHREAD) || !is_traced(tgid))
			return 0;
		start = task_start_ns(task);
		own_sock((struct sock *)sk, tgid, start);
		emit_tcp(sk, tgid, start, oldstate, newstate, 0);
		return 0;
	}
	o = bpf_map_lookup_elem(&sock_owners, &key);
	if (o) {
		emit_tcp(sk, o->tgid, o->start_ns, oldstate, newstate, 0);
		if (newstate == LS_TCP_CLOSE)
			bpf_map_delete_elem(&sock_owners, &key);
		return 0;
	}
	/* an orphan (its process closed it) has no socket: nobody holds it */
	sock = BPF_CORE_READ(sk, sk_socket);
	if (!sock)
		return 0;
	ino = BPF_CORE_READ(sock, file, f_inode, i_ino);
	if (ino && bpf_map_lookup_elem(&existing_inodes, &ino))
		emit_tcp(sk, 0, 0, oldstate, newstate, ino);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ls_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (sk->sk_protocol != LS_IPPROTO_TCP)
		return 0;
	return tcp_state(sk, oldstate, newstate);
}

/* Kernels without BTF of their own (given it with --btf FILE): the
 * tracepoint's own record, the socket a number read by probe reads
 * (LS_READ without direct_loads, which needs kernel BTF). */
SEC("tracepoint/sock/inet_sock_set_state")
int ls_tcp_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != LS_IPPROTO_TCP)
		return 0;
	return tcp_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* ---- the attach-time snapshot: every socket fd of every process, for
 * the loader to read through an iterator (struct ls_sock_fd) instead of a
 * readlink of each fd in /proc (a million sockets: seconds).  Threads
 * sharing their leader's fd table are skipped by the kernel; an inode
 * met twice (fork, SCM_RIGHTS) is kept by its first holder in user space.
 * Not loaded where the kernel has no task_file iterator: the loader reads
 * /proc then. */
SEC("iter/task_file")
int ls_iter_sock_fds(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct ls_sock_fd r;
	struct inode *inode;

	if (!task || !file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & LS_S_IFMT_) != LS_S_IFSOCK_)
		return 0;
	r.ino = BPF_CORE_READ(inode, i_ino);
	r.tgid = BPF_CORE_READ(task, tgid);
	r.fd = (__s32)ctx->fd;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

#endif
