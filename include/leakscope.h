/* SPDX-License-Identifier: GPL-2.0 */
/*
 * leakscope ABI: the only thing the BPF side and user space share.
 *
 * Everything leakscope knows reaches the model as a stream of records, each
 * starting with struct ls_rec_hdr.  BPF produces some (ring buffer), the
 * loader produces the rest (interval samples read from BPF maps and /proc).
 * A recording is that same stream, so a replay feeds the model exactly what
 * the live run fed it.
 *
 * Rules: fixed-width types only, explicit padding, every struct a multiple
 * of 8 bytes, the record type first.  User space checks hdr.size against
 * the size it expects for the type before it trusts a record.
 * Timestamps are CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns()).
 */
#ifndef LEAKSCOPE_ABI_H
#define LEAKSCOPE_ABI_H

#ifdef __bpf__
/* vmlinux.h provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#define LS_COMM_LEN	16
/* cgroup v2 directories the kernel filters on (--cgroup, --container) */
#define LS_CGROUP_FILTERS	2
#define LS_PATH_LEN	108	/* sizeof(sun_path) */
#define LS_NAME_LEN	64	/* dentry names in setns records */
#define LS_EXE_LEN	256

/* start_ns is rounded down to this: /proc/PID/stat counts USER_HZ ticks. */
#define LS_START_TICK_NS	10000000ULL

/* Mappings at least this large get a ring-buffer record of their own. */
#define LS_BIG_MAPPING_BYTES	(64ULL << 20)

/* Sizes of the BPF maps; the loader may lower or raise them before load. */
#define LS_MAX_PROCS		16384	/* mem_ledgers, LRU */
#define LS_MAX_STACKS		4096	/* user stacks of growth sites */
#define LS_MAX_SITES		16384	/* (process, stack) -> bytes, LRU */
/* user frames kept per stack: Go's allocator alone is about 15 deep under
 * main.main (runtime.sysMmap up through mallocgc), so 32 */
#define LS_STACK_DEPTH		32
#define LS_MAX_SOCKS		65536	/* tracked sockets, LRU: at least; the
					 * loader sizes them for the host's
					 * sockets up to LS_MAX_SOCKS_CAP */
#define LS_MAX_SOCKS_CAP	(1U << 21)
#define LS_RINGBUF_BYTES	(1U << 22)

enum ls_rec_type {
	LS_REC_NONE = 0,
	/* --- produced by BPF (ring buffer) --- */
	LS_REC_BIG_MMAP = 1,	/* struct ls_big_mmap */
	LS_REC_PROC_EXIT = 2,	/* struct ls_proc_exit */
	LS_REC_PROC_FORK = 3,	/* struct ls_proc_fork (filtered runs only) */
	LS_REC_PROC_EXEC = 4,	/* struct ls_proc_exec */
	LS_REC_UNIX_CONN = 10,	/* struct ls_unix_conn: connect/accept/socketpair */
	LS_REC_SOCK_CLOSE = 11,	/* struct ls_sock_close */
	LS_REC_TCP_STATE = 12,	/* struct ls_tcp_state */
	LS_REC_RING_WAKE = 13,	/* struct ls_rec_hdr only: a per-CPU conn or
				 * close ring is a quarter full (read it;
				 * never recorded) */
	LS_REC_SETNS = 20,	/* struct ls_setns */
	LS_REC_UNSHARE = 21,	/* struct ls_unshare */
	/* --- produced by the loader --- */
	LS_REC_PROC_META = 100,	 /* struct ls_proc_meta: comm, exe */
	LS_REC_MEM_LEDGER = 101, /* struct ls_mem_ledger_rec: BPF ledger snapshot */
	LS_REC_PROC_SAMPLE = 102,/* struct ls_proc_sample: /proc numbers */
	LS_REC_GROWTH_SITE = 103,/* struct ls_growth_site: symbolised stack */
	LS_REC_UNIX_EXISTING = 104, /* struct ls_unix_existing: sock_diag */
	LS_REC_TCP_EXISTING = 105,  /* struct ls_tcp_existing: sock_diag */
	LS_REC_PROC_CGROUP = 106,   /* struct ls_proc_cgroup: /proc/PID/cgroup */
	LS_REC_PROC_REGIONS = 107,  /* struct ls_proc_regions: /proc/PID/smaps by class */
	LS_REC_HEAP = 108,	    /* struct ls_heap_rec: --heap counters (leakscope_heap.h) */
	LS_REC_HEAP_SITE = 109,	    /* struct ls_heap_site: an outstanding allocation site */
	LS_REC_INTERVAL = 110,	 /* struct ls_interval: end of an interval */
	LS_REC_TYPE_MAX,
};

struct ls_rec_hdr {
	__u16 type;		/* enum ls_rec_type */
	__u16 size;		/* whole record, header included */
	__u32 tgid;		/* process the record is about (0: none) */
	__u64 ts_ns;		/* CLOCK_BOOTTIME; 0 from BPF: the reader stamps
				 * it (records of at most LS_UNTIMED_MAX bytes) */
};
#define LS_UNTIMED_MAX	512

/*
 * A process is (tgid, start_ns): start_ns is the group leader's
 * start_boottime, so a reused pid never inherits another process's numbers.
 */

/* ---------------------------------------------------------------- memory */

/* Per-process aggregate kept in the mem_ledgers map (hot path, no events). */
struct ls_mem_ledger {
	__u64 start_ns;
	__u64 mmap_calls;
	__u64 munmap_calls;
	__u64 mremap_calls;
	__u64 brk_calls;
	__u64 madvise_calls;
	__u64 mmap_anon_bytes;		/* gross anonymous bytes mapped */
	__u64 mmap_file_bytes;		/* gross file-backed bytes mapped */
	__u64 munmap_bytes;		/* gross bytes unmapped */
	__s64 mapped_anon_bytes;	/* anonymous bytes mapped minus unmapped
					 * during the run (negative: it gave back) */
	__u64 munmap_anon_bytes;	/* gross anonymous bytes unmapped */
	__s64 brk_growth_bytes;		/* net heap growth through brk */
	__u64 brk_last;			/* last program break seen */
	__u64 mremap_grow_bytes;
	__u64 mremap_shrink_bytes;
	__u64 madv_free_bytes;		/* MADV_FREE: lazily freed, stays in RSS */
	__u64 madv_dontneed_bytes;	/* MADV_DONTNEED: gone from RSS at once */
	__u64 madv_other_bytes;		/* REMOVE, PAGEOUT, COLD */
	__u64 big_mappings;		/* mappings >= LS_BIG_MAPPING_BYTES */
	__u64 failed_calls;		/* memory syscalls that returned an error */
	/* from tp_btf/rss_stat when that source is on (else 0) */
	__s64 rss_pages[4];		/* MM_FILEPAGES, ANON, SWAPENTS, SHMEM */
	__u64 rss_peak_pages;		/* peak file+anon+shmem */
	__u64 rss_ts_ns;
};

struct ls_mem_ledger_rec {
	struct ls_rec_hdr hdr;		/* LS_REC_MEM_LEDGER */
	struct ls_mem_ledger ledger;
};

struct ls_big_mmap {
	struct ls_rec_hdr hdr;		/* LS_REC_BIG_MMAP */
	__u64 start_ns;
	__u64 addr;
	__u64 len;
	__u32 tid;
	__u32 prot;
	__u32 flags;
	__s32 fd;			/* -1 for anonymous */
	__u32 syscall;			/* 0 mmap, 1 mremap, 2 brk */
	__u32 _pad;
	char comm[LS_COMM_LEN];		/* thread name */
};

struct ls_proc_exit {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_EXIT */
	__u64 start_ns;
	__s32 exit_code;
	__u32 _pad;
	char comm[LS_COMM_LEN];
	struct ls_mem_ledger ledger;	/* final ledger, deleted from the map */
};

struct ls_proc_fork {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_FORK; hdr.tgid = child */
	__u64 start_ns;			/* child */
	__u32 parent_tgid;
	__u32 _pad;
};

/* A process ran execve(): the kernel closed its close-on-exec fds, with no
 * close() for BPF to see. */
struct ls_proc_exec {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_EXEC */
	__u64 start_ns;
};

/* Symbolised user stack of a growth site (loader-produced). */
#define LS_SITE_FRAMES	4
#define LS_SYM_LEN	96
#define LS_SRC_FILE_LEN	92
/* Where a frame is in the source, from debug information: line 0 and ""
 * when unknown.  A path longer than the field keeps its last bytes after
 * "...". */
struct ls_site_source {
	__u32 line;
	char file[LS_SRC_FILE_LEN];
};
struct ls_growth_site {
	struct ls_rec_hdr hdr;		/* LS_REC_GROWTH_SITE */
	__u64 start_ns;
	__u64 bytes;			/* anonymous bytes mapped from this stack */
	__u64 calls;
	__u32 stack_id;
	__u32 nframes;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN]; /* "sym+0x12 (lib.so)" */
	/* recordings made before sources were added end here (the reader
	 * takes both sizes, see LS_GROWTH_SITE_V1_SIZE) */
	struct ls_site_source sources[LS_SITE_FRAMES];
};
/* a growth site as recorded before it had sources */
#define LS_GROWTH_SITE_V1_SIZE	__builtin_offsetof(struct ls_growth_site, sources)

/* ---------------------------------------------------------------- /proc */

struct ls_proc_meta {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_META */
	__u64 start_ns;
	__u32 ppid;
	__u32 _pad;
	char comm[LS_COMM_LEN];
	char exe[LS_EXE_LEN];
};

/*
 * The process's cgroup, sent with its meta.  The path only: the model
 * derives the container from it (user/core/cgroup_path.c), so a replay
 * derives it with the same code, and a better parser reads old recordings
 * better.  The name is what the runtime calls the container (docker's
 * API), which no path says: it must travel in the record to replay.
 */
#define LS_CGROUP_LEN		256
#define LS_CONTAINER_NAME_LEN	64
#define LS_CGROUP_CUT		(1U << 0)	/* longer: path keeps its last bytes */
struct ls_proc_cgroup {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_CGROUP */
	__u64 start_ns;
	__u32 flags;			/* LS_CGROUP_* */
	__u32 _pad;
	char path[LS_CGROUP_LEN];	/* "/docker/<id>", NUL-terminated */
	char name[LS_CONTAINER_NAME_LEN];	/* "" when unknown */
};

#define LS_SAMPLE_HAS_ROLLUP	(1U << 0)	/* smaps_rollup was read */
#define LS_SAMPLE_HAS_FDS	(1U << 1)

struct ls_proc_sample {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_SAMPLE */
	__u64 start_ns;
	__u32 flags;
	__u32 fds_open;
	__u64 rss_anon_bytes;		/* /proc/PID/status RssAnon */
	__u64 rss_file_bytes;		/* RssFile */
	__u64 rss_shmem_bytes;		/* RssShmem */
	__u64 swap_bytes;		/* VmSwap */
	__u64 vm_size_bytes;		/* VmSize */
	__u64 vm_data_bytes;		/* VmData */
	/* smaps_rollup, when LS_SAMPLE_HAS_ROLLUP */
	__u64 lazyfree_bytes;
	__u64 private_clean_bytes;
	__u64 private_dirty_bytes;
	__u64 private_hugetlb_bytes;
};

/*
 * Resident memory by region class, summed from /proc/PID/smaps (loader;
 * recording format 5).  Read for the processes a report shows, every few
 * intervals (user/regions.c says which mapping goes where).
 */
enum ls_region_class {
	LS_REGION_HEAP = 0,	/* [heap]: the brk heap */
	LS_REGION_ANON = 1,	/* anonymous private mappings (and [anon:name]) */
	LS_REGION_STACK = 2,	/* [stack] and thread stacks (a guard page below) */
	LS_REGION_LIB = 3,	/* files with an executable mapping: the binary, .so */
	LS_REGION_FILE = 4,	/* other file-backed mappings: data files */
	LS_REGION_SHMEM = 5,	/* /dev/shm, memfd:, SYSV, shared anonymous */
	LS_REGION_HUGE = 6,	/* hugetlbfs: rss_bytes is the Hugetlb pages */
	LS_REGION_OTHER = 7,	/* [vdso], [vvar], [vsyscall], other [names] */
	LS_REGION_CLASSES = 8,
};
/* the classes that name their biggest files: lib, file, shmem */
#define LS_REGION_NAMED		3
#define LS_REGION_TOP_NAMES	3	/* names kept per named class */
#define LS_REGION_NAME_LEN	88	/* longer: "..." and the path's end */
/* a named class's index into ls_proc_regions.names, or -1 */
#define LS_REGION_NAMED_INDEX(c) ((c) == LS_REGION_LIB ? 0 : (c) == LS_REGION_FILE ? 1 \
				  : (c) == LS_REGION_SHMEM ? 2 : -1)

struct ls_region_sum {
	__u64 rss_bytes;	/* Rss (hugepages: Shared_ + Private_Hugetlb) */
	__u64 private_bytes;	/* Private_Clean + Private_Dirty (+ Private_Hugetlb) */
	__u64 lazyfree_bytes;
	__u64 swap_bytes;
	__u32 count;		/* mappings */
	__u32 _pad;
};

struct ls_region_name {
	__u64 rss_bytes;	/* of this file's mappings */
	char name[LS_REGION_NAME_LEN];	/* as smaps writes it ("\012" for a
					 * newline, " (deleted)"); NUL-ended */
};

#define LS_REGIONS_CUT		(1U << 0)	/* the read stopped short (too many mappings) */
struct ls_proc_regions {
	struct ls_rec_hdr hdr;		/* LS_REC_PROC_REGIONS */
	__u64 start_ns;
	__u32 flags;			/* LS_REGIONS_* */
	__u32 mappings;			/* mappings read */
	struct ls_region_sum classes[LS_REGION_CLASSES];
	/* the biggest files of lib, file, shmem (LS_REGION_NAMED_INDEX),
	 * biggest first; "" past the last */
	struct ls_region_name names[LS_REGION_NAMED][LS_REGION_TOP_NAMES];
};

/* ---------------------------------------------------------------- sockets */

enum ls_unix_conn_kind {
	LS_UNIX_CONNECT = 1,	/* this process connected */
	LS_UNIX_ACCEPT = 2,	/* this process accepted */
	LS_UNIX_SOCKETPAIR = 3,
};

struct ls_unix_conn {
	struct ls_rec_hdr hdr;		/* LS_REC_UNIX_CONN */
	__u64 start_ns;
	__u64 sk;			/* this end's struct sock (opaque id) */
	__u64 peer_sk;			/* the other end's struct sock */
	__u64 ino;			/* this end's inode (0 if none yet) */
	__u32 tid;
	__s32 fd;
	__u32 kind;			/* enum ls_unix_conn_kind */
	__u32 sock_type;		/* SOCK_STREAM, SOCK_SEQPACKET, ... */
	__u16 path_len;			/* bytes of path used; 0 unnamed */
	__u8 abstract;			/* path[0] was NUL */
	__u8 _reserved;			/* 0 (a record with it set is refused) */
	__u32 peer_tgid;		/* accept: the connecting process (SO_PEERCRED) */
	char comm[LS_COMM_LEN];		/* thread that connected/accepted: names a
					 * client gone before any /proc read
					 * (empty: as in this CPU's conn ring's
					 * last record of this process that had
					 * one) */
	union {
		char path[LS_PATH_LEN + 4];	/* listening socket's name (4: padding) */
		/* the same bytes as words, for BPF: stores through path[]
		 * compile to a byte store each (clang cannot prove the
		 * alignment) */
		__u64 path_words[(LS_PATH_LEN + 4) / 8];
	};
};
/*
 * BPF cuts the record after room for its path: hdr.size is
 * LS_UNIX_CONN_SIZE(room), room 0, 32, 64 or LS_UNIX_PATH_ROOM_MAX bytes
 * (the ring's memory is most of a record's cost, and most paths are
 * short).  Readers take any size from LS_UNIX_CONN_SIZE(0) to the whole
 * struct and treat what is cut as zero.  (Recording format 1 had path
 * before comm, whole: its reader converts.)
 */
#define LS_UNIX_PATH_ROOM_MAX	(LS_PATH_LEN + 4)
#define LS_UNIX_CONN_SIZE(room)	(__builtin_offsetof(struct ls_unix_conn, path) + (room))
/* the room BPF gives a path of len bytes */
#define LS_UNIX_PATH_ROOM(len)	((len) == 0 ? 0 : (len) <= 32 ? 32 : (len) <= 64 ? 64 \
				 : LS_UNIX_PATH_ROOM_MAX)

struct ls_sock_close {
	struct ls_rec_hdr hdr;		/* LS_REC_SOCK_CLOSE */
	__u64 start_ns;
	__u64 sk;
	__u64 ino;			/* finds sockets known from sock_diag */
	__u32 tid;
	__s32 fd;
	__u16 family;			/* AF_UNIX, AF_INET, AF_INET6 */
	__u8 by_exit;			/* closed because the process exited */
	__u8 unverified;		/* unix, not the last reference, fd table
					 * too big to search: user space checks
					 * the socket is gone before counting it */
	__u8 _pad[4];
};

/*
 * Per-CPU rings.  Unix records do not go through the ring buffer: a
 * ring-buffer record's reserve and submit cost more than the rest of a
 * connect or accept program.  Each CPU has a ring of connect/accept/
 * socketpair records (struct ls_unix_conn, cut at hdr.size as in the ring
 * buffer) in the mmap-able `conn_rings` map, and a ring of closes in
 * `close_rings`, written with plain stores.  Only syscall tracepoint
 * programs write them (sys_exit_connect/accept/accept4/socketpair,
 * sys_enter_close), and those do not nest on a CPU (bpf_prog_active), so
 * each ring has one writer.  x86 only (plain stores in order; see
 * bpf/sock.bpf.h).  A full conn ring sends its record through the ring
 * buffer; a full close ring counts the close as lost.  The loader turns
 * slots into ordinary records, which recordings hold; drain_rings() in
 * loader.c gives the order it reads them in.
 *
 * Conn records keep one order across CPUs (pairing two ends, and telling
 * a socket from an older one at the same address, need it): each takes a
 * number from the shared counter `unix_order`, carried in hdr.ts_ns (the
 * reader stamps the time), and the reader merges the rings by it.
 */
#define LS_CONN_RING_SLOTS	8192	/* a power of two */
/* A record takes one slot (up to 32 bytes of path: two cache lines) or two
 * (longer paths); the ring has a spare slot at its end, so that a record of
 * two slots starting at the last one stays in one piece. */
#define LS_CONN_SLOT_BYTES	128
#define LS_CONN_RECORD_SLOTS(size)	((size) > LS_CONN_SLOT_BYTES ? 2 : 1)
_Static_assert(sizeof(struct ls_unix_conn) <= 2 * LS_CONN_SLOT_BYTES,
	       "a unix record fits two conn slots");
struct ls_conn_slot {
	__u64 bytes[LS_CONN_SLOT_BYTES / 8];	/* a struct ls_unix_conn, cut at hdr.size */
};
struct ls_conn_ring {
	__u64 head;			/* records written (BPF) */
	/* (BPF's) the process of the last record with a command name: the
	 * next records of that process leave comm empty (the model takes a
	 * process's name from its first record; a helper call is a tenth of
	 * a connect program's cost).  comm_start_ns is the start time
	 * rounded as records carry it, kept with the unrounded one it came
	 * from: the next records of that process reuse it (the rounding is a
	 * 64-bit division) */
	__u64 comm_start_ns;
	__u32 comm_tgid;
	__u32 _pad0;
	__u64 comm_start_boot;
	__u64 _pad0b;
	__u64 _pad1[3];			/* head and tail on their own lines */
	__u64 tail;			/* records read (user space) */
	__u64 _pad2[7];
	struct ls_conn_slot slots[LS_CONN_RING_SLOTS + 1];	/* + the spare */
};

struct ls_unix_order {
	__u64 next;			/* the next conn record's number */
	__u64 _pad[7];			/* a line of its own */
};

#define LS_CLOSE_RING_SLOTS	8192	/* a power of two */
#define LS_CLOSE_SLOT_UNVERIFIED (1ULL << 63)	/* ls_sock_close.unverified */
struct ls_close_slot {
	__u64 sk;
	__u64 ino_tgid;			/* inode (32 bits for sockets) | tgid << 32,
					 * | LS_CLOSE_SLOT_UNVERIFIED */
};
struct ls_close_ring {
	__u64 head;			/* slots written (BPF) */
	__u64 _pad1[7];			/* head and tail on their own lines */
	__u64 tail;			/* slots read (user space) */
	__u64 _pad2[7];
	struct ls_close_slot slots[LS_CLOSE_RING_SLOTS];
};

/* oldstate == newstate: "this process now owns sk" (accept). */
struct ls_tcp_state {
	struct ls_rec_hdr hdr;		/* LS_REC_TCP_STATE; tgid = owner or 0 */
	union {
		__u64 start_ns;		/* tgid != 0: the owner's */
		__u64 ino;		/* tgid == 0: a socket from sock_diag, by inode */
	};
	__u64 sk;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u8 oldstate;
	__u8 newstate;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* A socket fd of a process, from the attach-time snapshot's iterator
 * (iter/task_file): who holds which socket inode, without a readlink of
 * every fd in /proc.  Not a record: read by the loader only. */
struct ls_sock_fd {
	__u64 ino;
	__u32 tgid;
	__s32 fd;
};

/* What BPF read of the loader's own task through the offsets of a BTF file
 * given with --btf (ls_btf_check): the loader compares.  Not a record. */
struct ls_btf_check {
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 _pad;
	char comm[16];
};

/* Sockets that existed before attach, from NETLINK_SOCK_DIAG (loader). */
struct ls_unix_existing {
	struct ls_rec_hdr hdr;		/* LS_REC_UNIX_EXISTING; tgid = holder */
	__u64 start_ns;
	__u64 ino;
	__u64 peer_ino;
	__u32 peer_tgid;		/* 0 if no process holds the peer */
	__s32 fd;
	__u32 state;
	__u16 path_len;
	__u8 abstract;
	__u8 listening;
	char path[LS_PATH_LEN];
	char _pad[4];
};

struct ls_tcp_existing {
	struct ls_rec_hdr hdr;		/* LS_REC_TCP_EXISTING; tgid = holder */
	__u64 start_ns;
	__u64 ino;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u8 state;
	__u8 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* ---------------------------------------------------------------- namespaces */

enum ls_target_kind {
	LS_TARGET_UNKNOWN = 0,
	LS_TARGET_NSFS = 1,
	LS_TARGET_REGULAR = 2,
	LS_TARGET_DIR = 3,
	LS_TARGET_PIDFD = 4,
	LS_TARGET_SOCKET = 5,
	LS_TARGET_CHAR = 6,
	LS_TARGET_FIFO = 7,
	LS_TARGET_OTHER = 8,
	LS_TARGET_BADFD = 9,
};

#define LS_NAME_LEVELS	5	/* leaf, 3 parents and "/" when the walk reached the root */
struct ls_setns {
	struct ls_rec_hdr hdr;		/* LS_REC_SETNS */
	__u64 start_ns;
	__u32 tid;
	__s32 fd;
	__s32 nstype;			/* as passed: CLONE_NEW* or 0 */
	__s32 ret;			/* 0 or -errno */
	__u64 target_ino;		/* inode of the fd's file */
	__u64 fs_magic;			/* superblock magic */
	__u32 target_kind;		/* enum ls_target_kind */
	__u32 target_nstype;		/* CLONE_NEW* of the namespace, if nsfs */
	__u32 target_pid;		/* pidfd target */
	__u32 mode;			/* i_mode */
	/* dentry names, leaf first: name[0] is the file, name[1] its parent;
	 * a complete path ends with the name "/" */
	char name[LS_NAME_LEVELS][LS_NAME_LEN];
	char comm[LS_COMM_LEN];
};

struct ls_unshare {
	struct ls_rec_hdr hdr;		/* LS_REC_UNSHARE */
	__u64 start_ns;
	__u32 tid;
	__s32 ret;
	__u64 flags;
	char comm[LS_COMM_LEN];
};

/* ---------------------------------------------------------------- interval */

/* Drop counters kept by BPF in the `drops` array, indexed by this enum. */
enum ls_drop_kind {
	LS_DROP_RINGBUF = 0,	/* ring buffer, or a CPU's close ring, full */
	LS_DROP_LEDGER = 1,	/* ledger map full (insert failed) */
	LS_DROP_PENDING = 2,	/* per-thread pending table full */
	LS_DROP_SOCK = 3,	/* socket table full */
	LS_DROP_STACK = 4,	/* stack id could not be taken */
	/* runs of leakscope's programs the kernel skipped (another BPF program
	 * active on the CPU: bpf_prog_info.recursion_misses, 5.12+), summed by
	 * user space, not by BPF; 0 in recordings made before */
	LS_DROP_SKIPPED = 5,
	LS_DROP_MAX = 8,
};

struct ls_interval {
	struct ls_rec_hdr hdr;		/* LS_REC_INTERVAL */
	__u64 interval_ns;		/* configured interval */
	__u64 drops[LS_DROP_MAX];	/* cumulative, by enum ls_drop_kind */
	__u64 user_drops;		/* records user space had to discard */
	__u64 procs_capped;		/* processes not tracked: table full */
	__u32 final;			/* 1 on the last interval of the run */
	/* filtered runs: sockets of untraced processes the attach snapshot
	 * had no room for (they concern no traced process; not lost events;
	 * 0 in recordings made before it was counted) */
	__u32 snapshot_untraced_skipped;
};

/* --heap's maps and records: a BPF object of its own (bpf/heap.bpf.c) */
#include "leakscope_heap.h"

#endif /* LEAKSCOPE_ABI_H */
