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

#endif
