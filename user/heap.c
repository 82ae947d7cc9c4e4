// SPDX-License-Identifier: GPL-2.0
/*
 * --heap: the uprobes of bpf/heap.bpf.c per traced process (or on the
 * host's libc for every pid), and each interval the counters and the
 * oldest and biggest sites of outstanding sampled allocations as records.
 * Everything here is bounded: the targets' table, the scan's buffers, the
 * aggregation and the symbol cache are fixed in size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "leakscope.h"	/* before the skeleton: its globals' types */
#include "heap.skel.h"
#include "heap.h"
#include "heap_target.h"
#include "options.h"
#include "procfs.h"
#include "sites.h"

#define MAX_TARGETS	64	/* processes probed one by one (-p, -c and children) */
#define LINKS_PER	(2 * HEAP_FUNCS)
#define SCAN_CHUNK	4096	/* heap_allocs entries a batch lookup reads */
#define AGG_SLOTS	8192	/* (process, stack) pairs aggregated a scan; a power of two */
#define SITES_OLDEST	3	/* sites sent a process: the oldest ... */
#define SITES_BIGGEST	3	/* ... and the biggest of the rest */
#define SITE_PROCS	64	/* processes whose sites are sent an interval */

struct target {
	uint32_t tgid;		/* 0: free slot */
	uint64_t start_ns;
	bool traced;
	char allocator[LS_HEAP_NAME_LEN];
	char why_not[LS_HEAP_WHY_LEN];
	struct bpf_link *links[LINKS_PER];
	unsigned nlinks;
};

struct agg {
	uint32_t tgid;		/* 0: empty */
	int32_t stack_id;
	uint64_t live, count, oldest_ns;
};

struct heap {
	struct heap_bpf *skel;
	struct heap_opts o;
	struct target targets[MAX_TARGETS];
	/* whole machine: one set of links for every pid */
	struct bpf_link *all_links[LINKS_PER];
	unsigned nall;
	char all_name[LS_HEAP_NAME_LEN];
	struct site_namer *sites;	/* NULL: sites unnamed (out of memory) */
	struct agg agg[AGG_SLOTS];
	uint64_t agg_cut;	/* pairs that found no slot (said with -v) */
	struct ls_heap_key keys[SCAN_CHUNK];
	struct ls_heap_alloc vals[SCAN_CHUNK];
};

static struct bpf_program *entry_prog(struct heap_bpf *s, int f)
{
	switch (f) {
	case HEAP_MALLOC: return s->progs.heap_malloc;
	case HEAP_CALLOC: return s->progs.heap_calloc;
	case HEAP_REALLOC: return s->progs.heap_realloc;
	case HEAP_FREE: return s->progs.heap_free;
	case HEAP_POSIX_MEMALIGN: return s->progs.heap_posix_memalign;
	default: return s->progs.heap_memalign;	/* aligned_alloc, memalign */
	}
}

/* Every function the file defines, once per address (aligned_alloc is
 * memalign in some glibc versions), entry and (but free) return. */
static int attach_file(struct heap *h, pid_t pid, const struct heap_target *t,
		       struct bpf_link **links, unsigned *nlinks)
{
	for (int f = 0; f < HEAP_FUNCS; f++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = heap_func_names[f]);
		bool dup = false;

		if (!t->addr[f])
			continue;
		for (int g = 0; g < f; g++)
			dup |= t->addr[g] == t->addr[f];
		if (dup)
			continue;
		for (int ret = 0; ret <= (f != HEAP_FREE); ret++) {
			struct bpf_link *l;

			uo.retprobe = ret;
			l = bpf_program__attach_uprobe_opts(ret ? h->skel->progs.heap_alloc_ret
								: entry_prog(h->skel, f),
							    pid, t->path, 0, &uo);
			if (!l) {
				int err = -errno;

				if (ls_verbose)
					fprintf(stderr, "leakscope: --heap: no uprobe on %s in %s: %s\n",
						heap_func_names[f], t->path, strerror(-err));
				return err;
			}
			links[(*nlinks)++] = l;
		}
	}
	return 0;
}

static void detach(struct bpf_link **links, unsigned *n)
{
	while (*n)
		bpf_link__destroy(links[--*n]);
}

/* The host's libc (ours, or pid 1's when this binary is static). */
static int start_all_pids(struct heap *h)
{
	struct heap_target t;
	char why[LS_HEAP_WHY_LEN];
	pid_t pid = getpid();

	if (heap_target__find(pid, &t, why, sizeof(why)) ||
	    !strstr(t.name, "libc")) {
		pid = 1;
		if (heap_target__find(pid, &t, why, sizeof(why))) {
			ls_error("--heap: no C library found to probe on this host (%s)", why);
			return -1;
		}
	}
	memcpy(h->all_name, t.name, sizeof(h->all_name));
	if (attach_file(h, -1, &t, h->all_links, &h->nall)) {
		ls_error("--heap: cannot attach uprobes to %s: %s", t.path, strerror(errno));
		return -1;
	}
	return 0;
}

struct heap *heap__start(const struct heap_opts *o)
{
	struct heap *h = calloc(1, sizeof(*h));
	int err;

	if (!h) {
		ls_error("out of memory");
		return NULL;
	}
	h->o = *o;
	h->skel = heap_bpf__open();
	if (!h->skel) {
		ls_error("--heap: cannot open its BPF object: %s", strerror(errno));
		goto fail;
	}
	h->skel->rodata->sample_bytes = o->sample_bytes;
	h->skel->rodata->self_tgid = (__u32)getpid();
	err = heap_bpf__load(h->skel);
	if (err) {
		ls_error("--heap: cannot load its BPF programs: %s", strerror(-err));
		goto fail;
	}
	h->sites = site_namer__new();
	if (o->all_pids && start_all_pids(h))
		goto fail;
	return h;
fail:
	heap__destroy(h);
	return NULL;
}

void heap__destroy(struct heap *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < MAX_TARGETS; i++)
		detach(h->targets[i].links, &h->targets[i].nlinks);
	detach(h->all_links, &h->nall);
	heap_bpf__destroy(h->skel);
	site_namer__free(h->sites);
	free(h);
}

unsigned heap__nlinks(const struct heap *h)
{
	unsigned n = h ? h->nall : 0;

	for (unsigned i = 0; h && i < MAX_TARGETS; i++)
		n += h->targets[i].nlinks;
	return n;
}

static struct target *target_of(struct heap *h, uint32_t tgid)
{
	for (unsigned i = 0; i < MAX_TARGETS; i++)
		if (h->targets[i].tgid == tgid)
			return &h->targets[i];
	return NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int heap__trace_pid(struct heap *h, pid_t pid, unsigned wait_ms)
{
	uint64_t start = procfs__start_ns(pid);
	struct target *t = target_of(h, (uint32_t)pid);
	struct heap_target ht;
	int err = -1;

	if (!start || pid == getpid())
		return -ESRCH;
	if (t && t->start_ns == start)
		return 0;	/* done (or skipped) already */
	if (t)
		detach(t->links, &t->nlinks);
	else if (!(t = target_of(h, 0))) {
		if (ls_verbose)
			fprintf(stderr, "leakscope: --heap: more than %d processes: %d not probed\n",
				MAX_TARGETS, pid);
		return -ENOSPC;
	}
	memset(t, 0, sizeof(*t));
	t->tgid = (uint32_t)pid;
	t->start_ns = start;
	/* a command just started: its C library is mapped by the dynamic
	 * linker, a moment after the exec */
	for (unsigned waited = 0;; waited += 5) {
		err = heap_target__find(pid, &ht, t->why_not, sizeof(t->why_not));
		if (!err || waited >= wait_ms || strstr(t->why_not, "Go binary"))
			break;
		sleep_ms(5);
	}
	if (err)
		return 0;	/* said in its records */
	if (h->o.all_pids && !strcmp(ht.name, h->all_name)) {
		/* the whole machine's probes cover it already */
		t->traced = true;
		memcpy(t->allocator, ht.name, sizeof(t->allocator));
		return 0;
	}
	if (h->o.all_pids) {
		/* a container's own libc, a static program, its own allocator:
		 * the whole machine's probes are on the host's libc only */
		const char *base = strrchr(ht.name, '/');

		snprintf(t->why_not, sizeof(t->why_not), "its malloc is in %.32s, not the host's libc "
			 "probed for all: use -p", base ? base + 1 : ht.name);
		return 0;
	}
	err = attach_file(h, pid, &ht, t->links, &t->nlinks);
	if (err) {
		detach(t->links, &t->nlinks);
		if (err == -EACCES || err == -EPERM)	/* CAP_SYS_ADMIN is dropped once attached */
			snprintf(t->why_not, sizeof(t->why_not), "it came after attach, and a uprobe "
				 "needs CAP_SYS_ADMIN, dropped then: trace it with -p");
		else
			snprintf(t->why_not, sizeof(t->why_not), "its uprobes could not be attached (%s)",
				 strerror(-err));
		return err;
	}
	t->traced = true;
	memcpy(t->allocator, ht.name, sizeof(t->allocator));
	return 0;
}

void heap__consider(struct heap *h, pid_t pid)
{
	struct ls_heap_counters c;
	uint32_t key = (uint32_t)pid;

	if (!h->o.all_pids ||
	    !bpf_map__lookup_elem(h->skel->maps.heap_procs, &key, sizeof(key), &c, sizeof(c), 0))
		return;	/* filtered runs probe their own; seen calling malloc */
	heap__trace_pid(h, pid, 0);
}

static void drops(struct heap *h, __u64 out[LS_HEAP_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[1024];

	memset(out, 0, LS_HEAP_DROP_MAX * sizeof(out[0]));
	if (ncpu <= 0 || ncpu > 1024)
		return;
	for (__u32 k = 0; k < LS_HEAP_DROP_MAX; k++) {
		if (bpf_map__lookup_elem(h->skel->maps.heap_drops, &k, sizeof(k), vals,
					 (size_t)ncpu * sizeof(vals[0]), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
}

static bool alive(uint32_t tgid)
{
	return !(kill((pid_t)tgid, 0) && errno == ESRCH);
}

static struct agg *agg_slot(struct heap *h, uint32_t tgid, int32_t stack_id)
{
	uint32_t hash = (tgid * 0x9e3779b1U) ^ ((uint32_t)stack_id * 0x85ebca6bU);

	for (uint32_t i = 0; i < 64; i++) {
		struct agg *a = &h->agg[(hash + i) & (AGG_SLOTS - 1)];

		if (!a->tgid || (a->tgid == tgid && a->stack_id == stack_id)) {
			a->tgid = tgid;
			a->stack_id = stack_id;
			return a;
		}
	}
	h->agg_cut++;
	return NULL;
}

/* Every outstanding sample, by (process, stack); those of processes gone
 * are deleted. */
static void scan_allocs(struct heap *h)
{
	int fd = bpf_map__fd(h->skel->maps.heap_allocs);
	struct ls_heap_key in, out;
	bool first = true;

	memset(h->agg, 0, sizeof(h->agg));
	for (unsigned rounds = 0; rounds <= LS_HEAP_MAX_ALLOCS / SCAN_CHUNK; rounds++) {
		__u32 count = SCAN_CHUNK;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, h->keys, h->vals, &count,
					       NULL);

		if (err && errno != ENOENT)
			break;
		for (__u32 i = 0; i < count; i++) {
			struct agg *a;

			if (!alive(h->keys[i].tgid)) {
				bpf_map_delete_elem(fd, &h->keys[i]);
				continue;
			}
			if (!(a = agg_slot(h, h->keys[i].tgid, h->vals[i].stack_id)))
				continue;
			a->live += h->vals[i].weight;
			a->count++;
			if (!a->oldest_ns || h->vals[i].ts_ns < a->oldest_ns)
				a->oldest_ns = h->vals[i].ts_ns;
		}
		if (err)	/* ENOENT: that was the last */
			break;
		in = out;
		first = false;
	}
}

/* A site's frames (NULL: its stack was dropped, or nothing resolves),
 * named once: the stack map is read only for a stack not named yet. */
static const struct site_frames *symbolise(struct heap *h, uint32_t tgid, int32_t stack_id)
{
	const struct site_frames *e;
	uint64_t ips[LS_STACK_DEPTH];

	if (stack_id < 0 || !h->sites)
		return NULL;
	e = site_namer__find(h->sites, tgid, (uint32_t)stack_id, 0);
	if (e)
		return e;
	memset(ips, 0, sizeof(ips));
	if (bpf_map__lookup_elem(h->skel->maps.heap_stacks, &stack_id, sizeof(stack_id), ips,
				 sizeof(ips), 0))
		return NULL;
	return site_namer__name(h->sites, tgid, (uint32_t)stack_id, 0, ips, LS_STACK_DEPTH);
}

static void send_sites(struct heap *h, uint32_t tgid, uint64_t start_ns, uint64_t now_ns)
{
	struct agg *pick[SITES_OLDEST + SITES_BIGGEST];
	unsigned npick = 0;
	struct ls_heap_site s;

	/* the oldest, then the biggest of the rest (a pass each: 8192 slots) */
	for (int round = 0; round < SITES_OLDEST + SITES_BIGGEST; round++) {
		struct agg *best = NULL;

		for (unsigned i = 0; i < AGG_SLOTS; i++) {
			struct agg *a = &h->agg[i];
			bool taken = false;

			if (a->tgid != tgid)
				continue;
			for (unsigned k = 0; k < npick; k++)
				taken |= pick[k] == a;
			if (taken)
				continue;
			if (!best || (round < SITES_OLDEST ? a->oldest_ns < best->oldest_ns
							   : a->live > best->live))
				best = a;
		}
		if (!best)
			break;
		pick[npick++] = best;
	}
	for (unsigned k = 0; k < npick; k++) {
		const struct site_frames *e = symbolise(h, tgid, pick[k]->stack_id);

		memset(&s, 0, sizeof(s));
		s.hdr.type = LS_REC_HEAP_SITE;
		s.hdr.size = sizeof(s);
		s.hdr.tgid = tgid;
		s.hdr.ts_ns = now_ns;
		s.start_ns = start_ns;
		s.live_bytes = pick[k]->live;
		s.count = pick[k]->count;
		s.oldest_ns = pick[k]->oldest_ns;
		if (e) {
			s.nframes = e->nframes;
			memcpy(s.frames, e->frames, sizeof(s.frames));
		}
		h->o.sink(h->o.sink_ctx, &s.hdr, sizeof(s));
	}
}

static void send_rec(struct heap *h, struct ls_heap_rec *r, uint32_t tgid, uint64_t start_ns,
		     uint64_t now_ns)
{
	r->hdr.type = LS_REC_HEAP;
	r->hdr.size = sizeof(*r);
	r->hdr.tgid = tgid;
	r->hdr.ts_ns = now_ns;
	r->start_ns = start_ns;
	r->sample_bytes = (uint32_t)h->o.sample_bytes;
	h->o.sink(h->o.sink_ctx, &r->hdr, sizeof(*r));
}

void heap__collect(struct heap *h, uint64_t now_ns, ls_want_fn want, void *ctx)
{
	struct bpf_map *procs = h->skel->maps.heap_procs;
	__u64 all_drops[LS_HEAP_DROP_MAX];
	uint32_t key, next, *prev = NULL;
	unsigned scanned = 0, sites_sent = 0;
	bool sent[MAX_TARGETS] = { false };
	struct ls_heap_rec r;

	drops(h, all_drops);
	/* targets gone: their probes go (a pid reused is another process) */
	for (unsigned i = 0; i < MAX_TARGETS; i++) {
		struct target *t = &h->targets[i];

		if (t->tgid && procfs__start_ns((pid_t)t->tgid) != t->start_ns) {
			detach(t->links, &t->nlinks);
			site_namer__forget(h->sites, t->tgid);
			memset(t, 0, sizeof(*t));
		}
	}
	scan_allocs(h);
	/* the processes skipped, and why */
	for (unsigned i = 0; i < MAX_TARGETS; i++) {
		struct target *t = &h->targets[i];

		if (!t->tgid || t->traced)
			continue;
		memset(&r, 0, sizeof(r));
		memcpy(r.why_not, t->why_not, sizeof(r.why_not));
		send_rec(h, &r, t->tgid, t->start_ns, now_ns);
	}
	while (bpf_map__get_next_key(procs, prev, &next, sizeof(next)) == 0 &&
	       scanned++ < LS_HEAP_MAX_PROCS) {
		struct target *t = target_of(h, next);
		uint64_t start;

		key = next;
		prev = &key;
		if (!alive(key)) {
			bpf_map__delete_elem(procs, &key, sizeof(key), 0);
			site_namer__forget(h->sites, key);
			continue;
		}
		if (!t && !want(ctx, key))
			continue;
		start = t ? t->start_ns : procfs__start_ns((pid_t)key);
		memset(&r, 0, sizeof(r));
		if (!start || bpf_map__lookup_elem(procs, &key, sizeof(key), &r.c, sizeof(r.c), 0))
			continue;
		r.flags = LS_HEAP_TRACED | (t && t->nlinks ? 0 : LS_HEAP_ALL_PIDS);
		memcpy(r.drops, all_drops, sizeof(r.drops));
		memcpy(r.allocator, t ? t->allocator : h->all_name, sizeof(r.allocator));
		send_rec(h, &r, key, start, now_ns);
		if (t)
			sent[t - h->targets] = true;
		if (sites_sent++ < SITE_PROCS)
			send_sites(h, key, start, now_ns);
	}
	/* probed, but no call since: zeros, not silence */
	for (unsigned i = 0; i < MAX_TARGETS; i++) {
		struct target *t = &h->targets[i];

		if (!t->tgid || !t->traced || sent[i])
			continue;
		memset(&r, 0, sizeof(r));
		r.flags = LS_HEAP_TRACED | (t->nlinks ? 0 : LS_HEAP_ALL_PIDS);
		memcpy(r.drops, all_drops, sizeof(r.drops));
		memcpy(r.allocator, t->allocator, sizeof(r.allocator));
		send_rec(h, &r, t->tgid, t->start_ns, now_ns);
	}
	if (ls_verbose && h->agg_cut)
		fprintf(stderr, "leakscope: --heap: %llu (process, stack) pairs not aggregated\n",
			(unsigned long long)h->agg_cut);
}
