// SPDX-License-Identifier: GPL-2.0
/* The in-kernel tables once loaded: the traced set and the inodes watched
 * (written), and the ledgers, growth sites and drop counters (read and
 * sent as records through the loader's sink). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader_priv.h"

#define SITES_PER_PROC	LS_SITE_FRAMES

int loader__trace_pid(struct loader *l, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(l->skel->maps.traced_tgids, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

/* A traced process's ledger, made here rather than by BPF on its first
 * call: an insert in BPF can fail where one here waits (a hash table's
 * bucket lock in BPF gives up after a quarter second on 6.15 and later,
 * which a starved virtual CPU reaches), and a BPF program finds the ledger
 * with a lookup, which takes no lock.  Exists already: BPF was first. */
int loader__make_ledger(struct loader *l, pid_t pid, uint64_t start_ns)
{
	struct ls_mem_ledger z;
	__u32 key = pid;
	int err;

	memset(&z, 0, sizeof(z));
	z.start_ns = start_ns;
	err = bpf_map__update_elem(l->skel->maps.mem_ledgers, &key, sizeof(key), &z, sizeof(z),
				   BPF_NOEXIST);
	return err == -EEXIST ? 0 : err;
}

int loader__watch_inode(struct loader *l, uint64_t ino)
{
	__u64 key = ino;
	__u8 one = 1;

	return bpf_map__update_elem(l->skel->maps.existing_inodes, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

bool loader__is_traced(struct loader *l, pid_t pid)
{
	__u32 key = pid;
	__u8 v;

	return bpf_map__lookup_elem(l->skel->maps.traced_tgids, &key, sizeof(key), &v, sizeof(v),
				    0) == 0;
}

int loader__for_each_traced(struct loader *l, int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	__u32 key, next;
	void *prev = NULL;
	int n = 0;

	while (bpf_map__get_next_key(l->skel->maps.traced_tgids, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (fn((pid_t)key, ctx))
			break;
		if (++n > 4096)
			break;
	}
	return n;
}

int loader__collect_ledgers(struct loader *l, uint64_t now_ns)
{
	struct bpf_map *map = l->skel->maps.mem_ledgers;
	struct ls_mem_ledger_rec rec;
	__u32 key, next;
	void *prev = NULL;
	int n = 0;

	memset(&rec, 0, sizeof(rec));
	rec.hdr.type = LS_REC_MEM_LEDGER;
	rec.hdr.size = sizeof(rec);
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0 && n < LS_MAX_PROCS) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &rec.ledger, sizeof(rec.ledger), 0))
			continue;	/* exited between the two calls */
		rec.hdr.tgid = key;
		rec.hdr.ts_ns = now_ns;
		l->opts.sink(l->opts.sink_ctx, &rec.hdr, sizeof(rec));
		n++;
	}
	return n;
}

struct site_pick {
	uint32_t tgid;
	uint32_t stack_id;
	uint64_t caller;
	uint64_t bytes;
	uint64_t calls;
};

/* A picked site's frames: named once per (process, stack, caller), the
 * stack read from the BPF stack map only when not named yet. */
static const struct site_frames *site_frames_of(struct loader *l, const struct site_pick *p)
{
	const struct site_frames *e = site_namer__find(l->sites, p->tgid, p->stack_id, p->caller);
	uint64_t ips[LS_STACK_DEPTH];

	if (e)
		return e;
	memset(ips, 0, sizeof(ips));
	if (bpf_map__lookup_elem(l->skel->maps.user_stacks, &p->stack_id, sizeof(p->stack_id), ips,
				 sizeof(ips), 0))
		return NULL;
	return site_namer__name(l->sites, p->tgid, p->stack_id, p->caller, ips, LS_STACK_DEPTH);
}

int loader__collect_sites(struct loader *l, uint64_t now_ns, ls_want_fn want, void *ctx)
{
	struct { __u32 tgid; __u32 stack_id; __u64 caller; } key, next;
	struct { __u64 bytes; __u64 calls; } val;
	struct bpf_map *map = l->skel->maps.growth_sites;
	/* top SITES_PER_PROC per wanted process, in a bounded scratch table */
	enum { MAX_PICKS = 1024 };
	static struct site_pick picks[MAX_PICKS];
	unsigned npicks = 0, scanned = 0;
	void *prev = NULL;
	struct ls_growth_site rec;

	if (!l->sites)
		return 0;
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0 &&
	       scanned++ < LS_MAX_SITES) {
		unsigned fewest = MAX_PICKS, have = 0;

		key = next;
		prev = &key;
		if (!want(ctx, key.tgid))
			continue;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &val, sizeof(val), 0))
			continue;
		for (unsigned i = 0; i < npicks; i++) {
			if (picks[i].tgid != key.tgid)
				continue;
			have++;
			if (fewest == MAX_PICKS || picks[i].bytes < picks[fewest].bytes)
				fewest = i;
		}
		if (have < SITES_PER_PROC && npicks < MAX_PICKS) {
			picks[npicks++] = (struct site_pick){ key.tgid, key.stack_id, key.caller, val.bytes,
							      val.calls };
		} else if (have >= SITES_PER_PROC && fewest != MAX_PICKS && val.bytes > picks[fewest].bytes) {
			picks[fewest] = (struct site_pick){ key.tgid, key.stack_id, key.caller, val.bytes,
							    val.calls };
		}
	}
	for (unsigned i = 0; i < npicks; i++) {
		const struct site_frames *e = site_frames_of(l, &picks[i]);

		if (!e)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.hdr.type = LS_REC_GROWTH_SITE;
		rec.hdr.size = sizeof(rec);
		rec.hdr.tgid = picks[i].tgid;
		rec.hdr.ts_ns = now_ns;
		rec.bytes = picks[i].bytes;
		rec.calls = picks[i].calls;
		/* one site per (stack, caller): the model keys sites by this id */
		rec.stack_id = picks[i].stack_id ^ (uint32_t)((picks[i].caller * 0x9e3779b97f4a7c15ULL) >> 40);
		rec.nframes = e->nframes;
		memcpy(rec.frames, e->frames, sizeof(rec.frames));
		memcpy(rec.sources, e->sources, sizeof(rec.sources));
		/* start_ns: the model fills it from the process entry */
		l->opts.sink(l->opts.sink_ctx, &rec.hdr, sizeof(rec));
	}
	return (int)npicks;
}

/* Runs of our programs the kernel skipped since load: a tracepoint program
 * is not run while another BPF program is active on its CPU (the kernel's
 * bpf_prog_active), and a tp_btf/raw_tp one while it is itself (nested);
 * each such run is an event lost.  0 before 5.12, which does not count. */
static __u64 programs_skipped(struct loader *l)
{
	struct bpf_program *prog;
	__u64 n = 0;

	bpf_object__for_each_program(prog, l->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

void loader__drops(struct loader *l, __u64 drops[LS_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(drops, 0, LS_DROP_MAX * sizeof(drops[0]));
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < LS_DROP_MAX; k++) {
		if (bpf_map__lookup_elem(l->skel->maps.drops, &k, sizeof(k), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			drops[k] += vals[c];
	}
	free(vals);
	drops[LS_DROP_SKIPPED] = programs_skipped(l);
}
