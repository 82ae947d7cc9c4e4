/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket lifecycles.  Unix connections are paired by kernel sock address:
 * connect() gives (client sk, peer sk) where the peer is the server-side
 * embryo, which accept() later returns, giving (that sk, client sk).  With a
 * process filter, a unix connection is kept when either end is traced: the
 * culprit is usually the other end (the agent, not dockerd), so accept()
 * also names the connecting process (its SO_PEERCRED pid) in case that
 * process's connect() was not traced.  TCP sockets are owned
 * from their move to SYN_SENT (in the connecting task) and from accept;
 * later state changes arrive in softirq context and are attributed through
 * that ownership.
 */
#ifndef LS_SOCK_BPF_H
#define LS_SOCK_BPF_H
#include "common.bpf.h"

#define LS_AF_UNIX	1
#define LS_AF_INET	2
#define LS_AF_INET6	10
#define LS_IPPROTO_TCP	6
#define LS_TCP_SYN_SENT	2
#define LS_TCP_FIN_WAIT2	5
#define LS_TCP_CLOSE		7
#define LS_TCP_CLOSE_WAIT	8
#define LS_PF_KTHREAD		0x00200000
#define LS_S_IFSOCK_	0140000
#define LS_S_IFMT_	00170000

struct sock_owner {
	__u32 tgid;
	__u32 _pad;
	__u64 start_ns;
};

/* sk -> owner, for sockets made or accepted while tracing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LS_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/* Inodes of sockets that existed before attach (filled from sock_diag by
 * user space), so their close() is seen too. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LS_MAX_SOCKS);
	__type(key, __u64);
	__type(value, __u8);
} existing_inodes SEC(".maps");

/* A ring of unix closes per CPU, indexed by CPU (see struct ls_close_ring);
 * the loader sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_close_ring);
} close_rings SEC(".maps");

/* A ring of unix connect/accept/socketpair records per CPU, indexed by CPU
 * (see struct ls_conn_ring); sized like close_rings. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_conn_ring);
} conn_rings SEC(".maps");

/* The order of conn records across CPUs (see struct ls_unix_order). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ls_unix_order);
} unix_order SEC(".maps");

/* Plain stores reach another CPU in program order on x86 only: other
 * architectures send unix records through the ring buffer (the loader's
 * per-CPU rings then stay empty).  clang 14 turns a fetch-and-add whose
 * result is unused into a non-fetching XADD, which arm64 does not order. */
#if defined(__TARGET_ARCH_x86) && !defined(LS_FORCE_RINGBUF)
#define LS_CPU_RINGS	1
#else
#define LS_CPU_RINGS	0	/* also built on x86 by -DLS_FORCE_RINGBUF, for tests */
#endif

/* Wake the reader for a per-CPU ring that a record took to a quarter full,
 * as rb_wakeup_flags does for the ring buffer (a header-only record). */
static __always_inline void ring_wake(__u32 tgid)
{
	struct ls_rec_hdr *h = bpf_ringbuf_reserve(&events, sizeof(*h), 0);

	if (h) {
		h->type = LS_REC_RING_WAKE;
		h->size = sizeof(*h);
		h->tgid = tgid;
		h->ts_ns = 0;
		bpf_ringbuf_submit(h, BPF_RB_FORCE_WAKEUP);
	}
}

/* Before 6.13 struct file counted references in f_count. */
struct file___old {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

static __always_inline struct sock *file_sock(struct file *f, __u64 *ino)
{
	struct inode *inode;
	struct socket *sock;

	if (!f)
		return NULL;
	inode = LS_READ(f, f_inode);
	if ((LS_READ(inode, i_mode) & LS_S_IFMT_) != LS_S_IFSOCK_)
		return NULL;
	*ino = LS_READ(inode, i_ino);
	sock = ls_ptr(struct socket, LS_READ(f, private_data));
	return sock ? LS_READ(sock, sk) : NULL;
}

static __always_inline struct unix_sock *unix_sk(struct sock *sk)
{
	return ls_ptr(struct unix_sock, sk);
}

/* Does this close() drop the last reference (dup'd fds and fork-shared
 * files keep the socket open)? */
static __always_inline bool last_reference(struct file *f)
{
	if (bpf_core_field_exists(f->f_ref))
		return LS_READ(f, f_ref.refcnt.counter) == 0;	/* FILE_REF_ONEREF */
	return BPF_CORE_READ((struct file___old *)f, f_count.counter) == 1;
}

static __always_inline void own_sock(struct sock *sk, __u32 tgid, __u64 start_ns)
{
	struct sock_owner o = { .tgid = tgid, .start_ns = start_ns };
	__u64 key = (__u64)sk;

	if (bpf_map_update_elem(&sock_owners, &key, &o, BPF_ANY))
		count_drop(LS_DROP_SOCK);
}

/* Bytes of the name a unix socket is bound to (0: unnamed), at most
 * LS_PATH_LEN. */
static __always_inline __u64 unix_path_len(struct sock *named, struct unix_address **addr_out)
{
	struct unix_address *addr = named ? LS_READ(unix_sk(named), addr) : NULL;
	__u64 len;

	*addr_out = addr;
	if (!addr)
		return 0;
	len = (__u32)LS_READ(addr, len);
	if (len <= 2)		/* sun_family only */
		return 0;
	len -= 2;
	return len > LS_PATH_LEN ? LS_PATH_LEN : len;
}

/* The tgid SO_PEERCRED gives for sk: on an accepted socket the process
 * that connected; on a connecting one the process that called listen(). */
static __always_inline __u32 peercred_tgid(struct sock *sk)
{
	struct pid *pid = LS_READ(sk, sk_peer_pid);
	int nr;

	if (!pid)
		return 0;
	nr = LS_READ(pid, numbers[0].nr);
	return nr > 0 ? nr : 0;
}

/* Under a filter: is this end, or the process at the other end, traced?
 * (a plain lookup for the other end: is_traced() would judge the current
 * task's comm for it) */
static __always_inline bool unix_wanted(__u32 tgid, __u32 other_tgid)
{
	if (tgid == self_tgid)
		return false;
	if (is_traced(tgid))
		return true;
	return other_tgid && bpf_map_lookup_elem(&traced_tgids, &other_tgid);
}

/* Where the name's bytes start in a struct unix_address. */
static __always_inline __u64 path_src(struct unix_address *addr)
{
	return (__u64)addr + bpf_core_field_offset(struct unix_address, name) +
	       __builtin_offsetof(struct sockaddr_un, sun_path);
}

/* Word i of a name of n bytes at kernel address src, as a record holds it:
 * read with fault-safe loads (no probe-read call), zero past the name.
 * The name's last bytes come from the word that ends with it, shifted
 * down: nothing past the name is read (the allocation may end there,
 * against a guard page), and for a name under 8 bytes that word starts
 * inside struct unix_address, 10 bytes before the name. */
static __always_inline __u64 path_word(__u64 src, __u64 n, __u32 i)
{
	__u64 at = i * 8;

	if (at >= n)
		return 0;
	if (n - at >= 8)
		return kernel_word(src + at);
	return kernel_word(src + n - 8) >> ((8 - (n - at)) * 8);
}

/* Fill a unix record with room for path_room bytes of path (a constant:
 * the ring buffer reserves constant sizes); e is a ring-buffer record or a
 * slot of this CPU's conn ring. */
static __always_inline void fill_unix(struct ls_unix_conn *e, struct sock *sk, struct sock *peer,
				      __u64 ino, int fd, __u32 kind, __u32 peer_tgid, __u64 id,
				      __u64 start_ns, struct unix_address *addr, __u64 path_len,
				      const __u32 path_room, bool with_comm)
{
	e->start_ns = start_ns;
	e->sk = (__u64)sk;
	e->peer_sk = (__u64)peer;
	e->ino = ino;
	e->tid = (__u32)id;
	e->fd = fd;
	e->kind = kind;
	e->sock_type = LS_READ(sk, sk_type);
	e->path_len = 0;
	e->abstract = 0;
	e->_reserved = 0;
	e->peer_tgid = peer_tgid;
	if (with_comm)
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	else
		__builtin_memset(e->comm, 0, sizeof(e->comm));
	if (path_room) {
		__u64 src = path_src(addr);

		/* word by word, the room past the name zeroed */
		for (__u32 i = 0; i < path_room / 8; i++)
			e->path_words[i] = path_word(src, path_len, i);
		if (path_len) {
			e->path_len = path_len;
			e->abstract = e->path[0] == 0;
		}
	}
}

/* The record into this CPU's conn ring: false if the ring is full (the
 * caller sends it through the ring buffer instead).  A slot costs plain
 * stores; a ring-buffer record's reserve and submit were 40% of the
 * connect and accept programs' time on a connect/accept/close loop. */
static __always_inline bool conn_ring_put(struct sock *sk, struct sock *peer, __u64 ino, int fd,
					  __u32 kind, __u32 peer_tgid, __u64 id, __u64 boot,
					  struct unix_address *addr, __u64 path_len,
					  const __u32 path_room)
{
	const __u32 nslots = LS_CONN_RECORD_SLOTS(LS_UNIX_CONN_SIZE(path_room));
	__u32 cpu = bpf_get_smp_processor_id(), tgid = id >> 32, zero = 0;
	struct ls_conn_ring *r = bpf_map_lookup_elem(&conn_rings, &cpu);
	struct ls_unix_order *order = bpf_map_lookup_elem(&unix_order, &zero);
	struct ls_unix_conn *e;
	__u64 head, used, seq, start_ns;
	bool with_comm;

	if (!r || !order)
		return false;
	head = r->head;
	used = head - r->tail;
	if (used + nslots > LS_CONN_RING_SLOTS)
		return false;
	e = (struct ls_unix_conn *)&r->slots[head & (LS_CONN_RING_SLOTS - 1)];
	e->hdr.type = LS_REC_UNIX_CONN;
	e->hdr.size = LS_UNIX_CONN_SIZE(path_room);
	e->hdr.tgid = id >> 32;
	/* Its place among every CPU's records (the reader stamps the time).
	 * A plain increment, not an atomic one (that cost a sixth of the
	 * socket programs' time): two CPUs may take the same number, or one
	 * interrupted between load and store may set the counter back a few,
	 * but only for records made within those few instructions of each
	 * other.  What the reader needs ordered is a socket's records before
	 * those of a later socket at its address (a close and a new socket
	 * apart), and those always get increasing numbers. */
	seq = order->next;
	order->next = seq + 1;
	e->hdr.ts_ns = seq;
	with_comm = r->comm_tgid != tgid || r->comm_start_boot != boot;
	start_ns = with_comm ? start_tick(boot) : r->comm_start_ns;
	fill_unix(e, sk, peer, ino, fd, kind, peer_tgid, id, start_ns, addr, path_len, path_room,
		  with_comm);
	if (with_comm) {
		r->comm_tgid = tgid;
		r->comm_start_ns = start_ns;
		r->comm_start_boot = boot;
	}
	/* the slot before the head that shows it: x86 keeps stores in order */
	barrier();
	r->head = head + nslots;
	if (used < LS_CONN_RING_SLOTS / 4 && used + nslots >= LS_CONN_RING_SLOTS / 4)
		ring_wake(id >> 32);
	return true;
}

/* Send a unix record with room for path_room bytes of path: through this
 * CPU's conn ring, or the ring buffer when that is full.  boot: the
 * process's start_boottime, unrounded. */
static __always_inline void emit_unix_sized(struct sock *sk, struct sock *peer, __u64 ino, int fd,
					    __u32 kind, __u32 peer_tgid, __u64 id, __u64 boot,
					    struct unix_address *addr, __u64 path_len,
					    const __u32 path_room)
{
	struct ls_unix_conn *e;

	if (LS_CPU_RINGS && conn_ring_put(sk, peer, ino, fd, kind, peer_tgid, id, boot, addr,
					  path_len, path_room))
		return;
	e = emit_reserve_untimed(LS_UNIX_CONN_SIZE(path_room), LS_REC_UNIX_CONN, id >> 32);
	if (!e)
		return;
	fill_unix(e, sk, peer, ino, fd, kind, peer_tgid, id, start_tick(boot), addr, path_len,
		  path_room, true);
	emit_submit(e);
}

/* One end of a unix connection, as this process sees it.  The record is cut
 * after the path's bytes (rounded up to a size class): ring-buffer memory
 * is most of a record's cost, and most paths are short. */
static __always_inline void emit_unix(struct task_struct *task, struct sock *sk, struct sock *peer,
				      struct sock *named, __u64 ino, int fd, __u32 kind,
				      __u32 peer_tgid)
{
	__u64 id = (__u64)LS_TASK_READ(task, tgid) << 32 | (__u32)LS_TASK_READ(task, pid);
	__u64 boot = LS_TASK_READ(task, group_leader, start_boottime);
	struct unix_address *addr;
	__u64 len = unix_path_len(named, &addr);

	/* Under a filter, close() reports only sockets owned here (owned even
	 * if the record is lost: its close still finds it).  Unfiltered, every
	 * unix close is reported and user space drops the ones it never saw
	 * open: cheaper than an LRU insert and delete per socket. */
	if (filter_pids || filter_comm)
		own_sock(sk, id >> 32, start_tick(boot));
	/* one call per room: the ring reserves constant sizes */
	switch (LS_UNIX_PATH_ROOM(len)) {
	case 0:
		emit_unix_sized(sk, peer, ino, fd, kind, peer_tgid, id, boot, addr, len, 0);
		break;
	case 32:
		emit_unix_sized(sk, peer, ino, fd, kind, peer_tgid, id, boot, addr, len, 32);
		break;
	case 64:
		emit_unix_sized(sk, peer, ino, fd, kind, peer_tgid, id, boot, addr, len, 64);
		break;
	default:
		emit_unix_sized(sk, peer, ino, fd, kind, peer_tgid, id, boot, addr, len,
				LS_UNIX_PATH_ROOM_MAX);
	}
}

static __always_inline void emit_tcp(const struct sock *sk, __u32 tgid, __u64 start_ns,
				     int oldstate, int newstate, __u64 ino)
{
	struct ls_tcp_state *e = emit_reserve_untimed(sizeof(*e), LS_REC_TCP_STATE, tgid);
	__u16 family;

	if (!e)
		return;
	family = LS_READ(sk, __sk_common.skc_family);
	e->start_ns = tgid ? start_ns : ino;
	e->sk = (__u64)sk;
	e->family = family;
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->oldstate = oldstate;
	e->newstate = newstate;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	if (family == LS_AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	}
	emit_submit(e);
}

static __always_inline bool is_tcp(struct sock *sk)
{
	__u16 family = LS_READ(sk, __sk_common.skc_family);

	return (family == LS_AF_INET || family == LS_AF_INET6) &&
	       LS_READ(sk, sk_protocol) == LS_IPPROTO_TCP;
}

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
