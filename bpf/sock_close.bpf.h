/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket closes: a close(fd) that drops the last reference to a socket
 * we know, after searching the fd table for another fd on it.
 */
#ifndef LS_SOCK_CLOSE_BPF_H
#define LS_SOCK_CLOSE_BPF_H
#include "sock.bpf.h"

/* How many fd slots a close may search for another fd on the same unix
 * socket (see other_fd_on): past this, user space checks the socket is
 * gone instead.  About 2 ns a slot on this project's VM: at most ~8 us, on
 * a rare path.  Without bpf_loop a plain loop, which the verifier walks
 * slot by slot, searches fewer, by probe reads. */
#define LS_FD_SEARCH_MAX	4096
#define LS_FD_SEARCH_MAX_NOLOOP	512
#define LS_FD_SEARCH_STEP	8	/* slots per bpf_loop step (a call each) */

struct fd_search {
	__u64 slots;		/* fdt->fd, as a number */
	__u64 file;		/* the struct file being closed */
	__u32 skip;		/* the fd being closed */
	__u32 found;
};

static long fd_slots_match(__u64 step, void *ctx)
{
	struct fd_search *s = ctx;

	for (__u32 j = 0; j < LS_FD_SEARCH_STEP; j++) {
		__u64 i = step * LS_FD_SEARCH_STEP + j;

		if (i != s->skip && fd_slot(s->slots, i) == s->file) {
			s->found = 1;
			return 1;
		}
	}
	return 0;
}

enum other_fd { OTHER_FD_NONE, OTHER_FD_FOUND, OTHER_FD_UNSEARCHED };

/* The search without bpf_loop: is file in two slots (the fd being closed
 * and another)?  Two searches for the first slot from a given one, each a
 * global function, which the verifier checks once instead of once per slot
 * for each way the caller goes on, and whose loop ends at a match: a loop
 * that counts matches and goes on had the verifier follow a path of its
 * own from each slot (past its million instructions in some builds), and
 * comparing slot numbers with the closed fd does the same. */
static __always_inline int fd_search_from(__u64 slots, __u64 file, __u32 from, __u32 n,
					  const bool direct)
{
	for (__u32 k = 0; k < LS_FD_SEARCH_MAX_NOLOOP; k++) {
		__u32 i = from + k;

		if (i >= n)
			break;
		if (fd_slot_by(slots, i, direct) == file)
			return (int)i;
	}
	return -1;
}

/* direct_loads tested once, before the loop: clang may leave the test in it */
__noinline int fd_search_first(__u64 slots, __u64 file, __u32 from, __u32 n)
{
	if (direct_loads)
		return fd_search_from(slots, file, from, n, true);
	return fd_search_from(slots, file, from, n, false);
}

static __always_inline int fd_search_plain(__u64 slots, __u64 file, __u32 n)
{
	int first = fd_search_first(slots, file, 0, n);

	return first >= 0 && fd_search_first(slots, file, (__u32)first + 1, n) >= 0;
}

/* Another fd of this process (any thread) on file f?  Only on the rare path
 * where close() is not the last reference: the others may be this
 * process's dups, another process's copy (fork, SCM_RIGHTS), or a
 * short-lived one (a thread inside a call on the socket, a tool reading
 * /proc/PID/fd with readdir) after which the socket is released with no
 * close() to see.  Fd tables hold a multiple of 64 slots (BITS_PER_LONG),
 * so whole steps stay inside; bigger tables than LS_FD_SEARCH_MAX are left
 * to user space. */
static __always_inline enum other_fd other_fd_on(struct task_struct *task, struct file *f, int fd,
						 const bool fast)
{
	struct fdtable *fdt = LS_TASK_READ(task, files, fdt);
	struct fd_search s = { .slots = (__u64)LS_TASK_READ(fdt, fd), .file = (__u64)f, .skip = fd };
	__u32 n = LS_TASK_READ(fdt, max_fds);

	if (!fast) {
		/* a global function takes numbers: the slots' address by probe
		 * read, as a typed task's plain load gives a pointer (5.11 to
		 * 5.16 have the typed task and no bpf_loop) */
		__u64 slots = (__u64)BPF_CORE_READ(fdt, fd);

		if (n > LS_FD_SEARCH_MAX_NOLOOP)
			return OTHER_FD_UNSEARCHED;
		return fd_search_plain(slots, s.file, n) ? OTHER_FD_FOUND : OTHER_FD_NONE;
	}
	if (n > LS_FD_SEARCH_MAX)
		return OTHER_FD_UNSEARCHED;
	bpf_loop(n / LS_FD_SEARCH_STEP, fd_slots_match, &s, 0);
	return s.found ? OTHER_FD_FOUND : OTHER_FD_NONE;
}

/* A unix close into this CPU's close ring: false if the ring is full (the
 * close is counted as lost).  The record that takes the ring to a quarter
 * full wakes the reader.  An unverified close is marked in ino_tgid's top
 * bit (pids stay below 2^22). */
static __always_inline bool close_ring_put(__u64 sk, __u64 ino, __u32 tgid, __u8 unverified)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct ls_close_ring *r = bpf_map_lookup_elem(&close_rings, &cpu);
	struct ls_close_slot *slot;
	__u64 head, used;

	if (!r)
		return false;
	head = r->head;
	used = head - r->tail;
	if (used >= LS_CLOSE_RING_SLOTS)
		return false;
	slot = &r->slots[head & (LS_CLOSE_RING_SLOTS - 1)];
	slot->sk = sk;
	slot->ino_tgid = (__u32)ino | (__u64)tgid << 32 | (unverified ? LS_CLOSE_SLOT_UNVERIFIED : 0);
	/* the slot before the head that shows it: x86 keeps stores in order
	 * (elsewhere closes take the ring buffer, see LS_CPU_RINGS) */
	barrier();
	r->head = head + 1;
	if (used == LS_CLOSE_RING_SLOTS / 4)
		ring_wake(tgid);
	return true;
}

/* After a close of an owned socket: the owner entry goes with the owner's
 * own checked close.  Another process closing its copy of a unix socket (a
 * forked child closing what it inherited) leaves the owner holding it, and
 * the owner's close must still find the entry.  (A TCP close here is
 * always the last reference.) */
static __always_inline void forget_owner(struct sock_owner *o, __u64 key, __u32 tgid,
					 __u16 family, __u8 unverified)
{
	if (o && !unverified && (family != LS_AF_UNIX || o->tgid == tgid))
		bpf_map_delete_elem(&sock_owners, &key);
}

/* ---- close(fd) of a socket we know, when it drops the last reference, or
 * (unix) when no other fd of this process is on it: this process is done
 * with that end, whoever else still holds a reference for a while.  In a
 * table too big to search, the close is sent marked unverified: user space
 * counts it once the socket is gone (and a later close still finds the
 * owner).  Unfiltered, every unix socket's (see emit_unix): no map lookups.
 * Unix closes go to this CPU's close ring, TCP's to the ring buffer. */
static __always_inline int enter_close(struct trace_event_raw_sys_enter *ctx, const bool fast)
{
	struct task_struct *task = ls_current_task();
	struct sock_owner *o = NULL;
	struct ls_sock_close *e;
	__u64 ino = 0, key;
	struct file *f;
	struct sock *sk;
	int fd = (int)ctx->args[0];
	__u8 unverified = 0;
	__u16 family;
	__u32 tgid;

	f = task_fd_file(task, fd);
	sk = file_sock(f, &ino);
	if (!sk)
		return 0;
	family = LS_READ(sk, __sk_common.skc_family);
	if (!last_reference(f)) {
		enum other_fd other;

		/* TCP's release shows in its state changes; a unix socket's
		 * only here */
		if (family != LS_AF_UNIX)
			return 0;
		other = other_fd_on(task, f, fd, fast);
		if (other == OTHER_FD_FOUND)
			return 0;
		unverified = other == OTHER_FD_UNSEARCHED;
	}
	key = (__u64)sk;
	tgid = LS_TASK_READ(task, tgid);
	if (family != LS_AF_UNIX || filter_pids || filter_comm) {
		o = bpf_map_lookup_elem(&sock_owners, &key);
		if (!o && !bpf_map_lookup_elem(&existing_inodes, &ino))
			return 0;
	}
	if (LS_CPU_RINGS && family == LS_AF_UNIX) {
		if (!close_ring_put(key, ino, tgid, unverified))
			count_drop(LS_DROP_RINGBUF);
		forget_owner(o, key, tgid, family, unverified);
		return 0;
	}
	e = emit_reserve_untimed(sizeof(*e), LS_REC_SOCK_CLOSE, tgid);
	if (e) {
		e->start_ns = task_start_ns(task);
		e->sk = key;
		e->ino = ino;
		e->tid = LS_TASK_READ(task, pid);
		e->fd = fd;
		e->family = family;
		e->by_exit = 0;
		e->unverified = unverified;
		__builtin_memset(e->_pad, 0, sizeof(e->_pad));
		emit_submit(e);
	}
	forget_owner(o, key, tgid, family, unverified);
	return 0;
}

/* the fast build searches with bpf_loop (LS_TWO_BUILDS, compat.bpf.h) */
LS_TWO_BUILDS("tracepoint/syscalls/sys_enter_close", ls_enter_close,
	      struct trace_event_raw_sys_enter, enter_close)

#endif
