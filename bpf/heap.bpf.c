// SPDX-License-Identifier: GPL-2.0
/*
 * --heap: uprobes on malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc and memalign (whatever the allocator exports), a BPF
 * object of its own: without --heap it is never opened.  Counts calls and
 * bytes per process, and keeps the allocations sampled by bytes
 * (leakscope_heap.h) until free() sees them.  The loader attaches each
 * program per traced process (or for every pid on the host's libc), so no
 * filter runs here but leakscope's own pid.
 *
 * Linux 5.10 features only: uprobes, uretprobes, hash maps, a stack trace
 * map, per-CPU arrays, bpf_get_prandom_u32; no atomics beyond fetch-add.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "leakscope.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 sample_bytes = LS_HEAP_SAMPLE_DEFAULT;
const volatile __u32 self_tgid = 0;

/* a sampled call between its entry and its return, by thread */
struct pending {
	__u64 size;
	__u64 weight;
	__u64 memptr;		/* posix_memalign's void **, else 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_HEAP_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct pending);
} heap_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_HEAP_MAX_ALLOCS);
	__type(key, struct ls_heap_key);
	__type(value, struct ls_heap_alloc);
} heap_allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LS_HEAP_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct ls_heap_counters);
} heap_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LS_HEAP_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LS_STACK_DEPTH * sizeof(__u64));
} heap_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LS_HEAP_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} heap_drops SEC(".maps");

static __always_inline void drop(__u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(&heap_drops, &kind);

	if (n)
		(*n)++;		/* per CPU: no other writer */
}

static __always_inline struct ls_heap_counters *counters(__u32 tgid)
{
	static const struct ls_heap_counters zero = {};
	struct ls_heap_counters *c = bpf_map_lookup_elem(&heap_procs, &tgid);

	if (c)
		return c;
	/* fails when another CPU made it first (fine) or the map is full */
	bpf_map_update_elem(&heap_procs, &tgid, &zero, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&heap_procs, &tgid);
	if (!c)
		drop(LS_HEAP_DROP_PROCS);
	return c;
}

/* Every allocation call: counted; one in sample_bytes bytes kept for the
 * return probe, which learns the address. */
static __always_inline int alloc_enter(__u64 size, __u64 memptr)
{
	__u64 id = bpf_get_current_pid_tgid(), weight = sample_bytes;
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct ls_heap_counters *c;
	struct pending p;

	if (tgid == self_tgid)
		return 0;
	c = counters(tgid);
	if (!c)
		return 0;
	__sync_fetch_and_add(&c->alloc_calls, 1);
	__sync_fetch_and_add(&c->alloc_bytes, size);
	if (size < weight) {
		if (bpf_get_prandom_u32() % weight >= size)
			return 0;
	} else {
		weight = size;
	}
	p.size = size;
	p.weight = weight;
	p.memptr = memptr;
	if (bpf_map_update_elem(&heap_pending, &tid, &p, BPF_ANY))
		drop(LS_HEAP_DROP_PENDING);
	return 0;
}

/* The sampled call returned addr: keep it, with the stack of its caller
 * (taken here, at the return, where frame pointers are whole: at the
 * entry the walk would miss the immediate caller). */
static __always_inline int alloc_return(void *ctx, __u64 addr)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct ls_heap_key key = { .tgid = tgid };
	struct ls_heap_alloc a = {}, *old;
	struct ls_heap_counters *c;
	struct pending *p = bpf_map_lookup_elem(&heap_pending, &tid);

	if (!p)
		return 0;	/* not sampled */
	a.size = p->size;
	a.weight = p->weight;
	if (p->memptr) {
		if (addr)	/* posix_memalign's result: 0 or an errno */
			addr = 0;
		else if (bpf_probe_read_user(&addr, sizeof(addr), (void *)p->memptr))
			addr = 0;
	}
	bpf_map_delete_elem(&heap_pending, &tid);
	if (!addr)
		return 0;	/* failed */
	c = bpf_map_lookup_elem(&heap_procs, &tgid);
	if (!c)
		return 0;
	a.ts_ns = bpf_ktime_get_boot_ns();
	a.stack_id = bpf_get_stackid(ctx, &heap_stacks, BPF_F_USER_STACK);
	if (a.stack_id < 0) {
		drop(LS_HEAP_DROP_STACK);
		__sync_fetch_and_add(&c->dropped, 1);
	}
	key.addr = addr;
	/* the address again without a free() seen (freed where no probe is):
	 * the old sample is gone */
	old = bpf_map_lookup_elem(&heap_allocs, &key);
	if (old) {
		__sync_fetch_and_add(&c->live_bytes, -(__s64)old->weight);
		__sync_fetch_and_add(&c->live_count, -1);
	}
	if (bpf_map_update_elem(&heap_allocs, &key, &a, BPF_ANY)) {
		drop(LS_HEAP_DROP_ALLOCS);
		__sync_fetch_and_add(&c->dropped, 1);
		if (old)
			bpf_map_delete_elem(&heap_allocs, &key);
		return 0;
	}
	__sync_fetch_and_add(&c->sampled, 1);
	__sync_fetch_and_add(&c->live_bytes, (__s64)a.weight);
	__sync_fetch_and_add(&c->live_count, 1);
	return 0;
}

static __always_inline void forget(__u32 tgid, struct ls_heap_counters *c, __u64 addr)
{
	struct ls_heap_key key = { .tgid = tgid, .addr = addr };
	struct ls_heap_alloc *a = bpf_map_lookup_elem(&heap_allocs, &key);

	if (!a)
		return;		/* not sampled (nearly always) */
	__sync_fetch_and_add(&c->live_bytes, -(__s64)a->weight);
	__sync_fetch_and_add(&c->live_count, -1);
	bpf_map_delete_elem(&heap_allocs, &key);
}

SEC("uprobe")
int BPF_KPROBE(heap_malloc, __u64 size)
{
	return alloc_enter(size, 0);
}

SEC("uprobe")
int BPF_KPROBE(heap_calloc, __u64 n, __u64 size)
{
	return alloc_enter(n * size, 0);
}

/* realloc(p, n): p is freed (when it moves, and when it does not the
 * address comes back and is sampled again or not), n allocated */
SEC("uprobe")
int BPF_KPROBE(heap_realloc, __u64 ptr, __u64 size)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ls_heap_counters *c;

	if (tgid == self_tgid)
		return 0;
	if (ptr && (c = bpf_map_lookup_elem(&heap_procs, &tgid)))
		forget(tgid, c, ptr);
	return alloc_enter(size, 0);
}

SEC("uprobe")
int BPF_KPROBE(heap_posix_memalign, __u64 memptr, __u64 align, __u64 size)
{
	return alloc_enter(size, memptr ? memptr : 0);
}

/* aligned_alloc(align, n), memalign(align, n) */
SEC("uprobe")
int BPF_KPROBE(heap_memalign, __u64 align, __u64 size)
{
	return alloc_enter(size, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(heap_alloc_ret, __u64 ret)
{
	return alloc_return(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(heap_free, __u64 ptr)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct ls_heap_counters *c;

	if (!ptr || tgid == self_tgid)
		return 0;
	c = bpf_map_lookup_elem(&heap_procs, &tgid);
	if (!c)
		return 0;	/* allocated before the probes: nothing known */
	__sync_fetch_and_add(&c->free_calls, 1);
	forget(tgid, c, ptr);
	return 0;
}
