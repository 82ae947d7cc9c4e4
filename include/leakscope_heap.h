/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --heap's ABI (included by leakscope.h): uprobes on malloc and friends in
 * bpf/heap.bpf.c, a BPF object of its own that is opened only with --heap.
 *
 * Sampling by bytes, as tcmalloc does: an allocation of s bytes is sampled
 * with probability min(1, s / rate) and then stands for max(s, rate) bytes
 * (its weight), so the sum of the weights of the sampled allocations still
 * outstanding estimates the live bytes without bias, and the cost per
 * unsampled call is one random number.  Same rules as leakscope.h.
 */
#ifndef LEAKSCOPE_HEAP_H
#define LEAKSCOPE_HEAP_H

#define LS_HEAP_SAMPLE_DEFAULT	(256U << 10)	/* bytes */
#define LS_HEAP_SAMPLE_MAX	(1U << 30)
/* map sizes: fixed, so the kernel's memory for --heap is bounded */
#define LS_HEAP_MAX_ALLOCS	65536	/* sampled outstanding allocations */
#define LS_HEAP_MAX_PROCS	4096	/* per-process counters */
#define LS_HEAP_MAX_THREADS	8192	/* sampled calls between entry and return */
#define LS_HEAP_MAX_STACKS	8192	/* user stacks of sampled allocations */

/* heap_allocs's key: a sampled allocation still outstanding */
struct ls_heap_key {
	__u32 tgid;
	__u32 _pad;
	__u64 addr;
};

struct ls_heap_alloc {
	__u64 size;		/* bytes asked for */
	__u64 weight;		/* bytes it stands for: max(size, rate) */
	__u64 ts_ns;		/* when (CLOCK_BOOTTIME) */
	__s32 stack_id;		/* in heap_stacks; < 0: none (counted in drops) */
	__u32 _pad;
};

/* heap_procs: per process, by tgid */
struct ls_heap_counters {
	__u64 alloc_calls;	/* malloc, calloc, realloc, memalign, ... */
	__u64 free_calls;	/* free() of a non-NULL pointer */
	__u64 alloc_bytes;	/* bytes asked for, all calls */
	__u64 sampled;		/* allocations sampled */
	__s64 live_bytes;	/* sum of weights of those outstanding */
	__s64 live_count;
	__u64 dropped;		/* sampled allocations not kept (map or stack full) */
	__u64 _pad;
};

/* heap_drops, a per-CPU array indexed by this */
enum ls_heap_drop_kind {
	LS_HEAP_DROP_ALLOCS = 0,	/* heap_allocs full */
	LS_HEAP_DROP_STACK = 1,		/* no stack id (heap_stacks full) */
	LS_HEAP_DROP_PENDING = 2,	/* heap_pending full */
	LS_HEAP_DROP_PROCS = 3,		/* heap_procs full: a process not counted */
	LS_HEAP_DROP_MAX = 4,
};

/* ---- records (loader-produced; recording format 6) */

#define LS_HEAP_NAME_LEN	64
#define LS_HEAP_WHY_LEN		96
#define LS_HEAP_TRACED		(1U << 0)	/* uprobes attached to it */
#define LS_HEAP_ALL_PIDS	(1U << 1)	/* whole machine: probes on one libc for every pid */

/* A process's heap counters at the end of an interval, or (flags without
 * LS_HEAP_TRACED) why it is not traced.  Its sites follow it. */
struct ls_heap_rec {
	struct ls_rec_hdr hdr;		/* LS_REC_HEAP */
	__u64 start_ns;
	__u32 flags;			/* LS_HEAP_* */
	__u32 sample_bytes;		/* the rate */
	struct ls_heap_counters c;
	__u64 drops[LS_HEAP_DROP_MAX];	/* the whole run's, all processes */
	char allocator[LS_HEAP_NAME_LEN];	/* file with malloc: "libc.so.6" */
	char why_not[LS_HEAP_WHY_LEN];	/* not traced: why ("a Go binary ...") */
};

/* One stack of outstanding sampled allocations of a process: the oldest
 * and the biggest few, each interval, after its ls_heap_rec. */
struct ls_heap_site {
	struct ls_rec_hdr hdr;		/* LS_REC_HEAP_SITE */
	__u64 start_ns;
	__u64 live_bytes;		/* weights of its outstanding samples */
	__u64 count;			/* outstanding samples */
	__u64 oldest_ns;		/* the oldest one's ts (CLOCK_BOOTTIME) */
	__u32 nframes;
	__u32 _pad;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN];	/* innermost first */
};

#endif
