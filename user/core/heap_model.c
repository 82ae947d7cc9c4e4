// SPDX-License-Identifier: GPL-2.0
/*
 * --heap: what the program holds in live allocations against what its
 * allocator keeps after free().  The loader sends, each interval, a
 * process's BPF counters (LS_REC_HEAP) and then its sites (LS_REC_HEAP_SITE):
 * a heap record starts a new list of sites.  Live bytes are an estimate
 * from samples (leakscope_heap.h); the allocator's share is the process's
 * resident anonymous and brk-heap memory, from smaps (regions), minus them.
 */
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "fmt.h"
#include "heap_model.h"
#include "json.h"
#include "text.h"

static struct heap_state *state_of(struct model *m, struct ls_process *p)
{
	if (!p->mem.heap) {
		p->mem.heap = calloc(1, sizeof(*p->mem.heap));
		if (!p->mem.heap) {
			m->alloc_drops++;
			return NULL;
		}
		m->nheap++;
	}
	return p->mem.heap;
}

void heap_model__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	struct heap_state *h = state_of(m, p);

	if (!h)
		return;
	if (rec->type == LS_REC_HEAP) {
		h->latest = *(const struct ls_heap_rec *)rec;
		/* from the process's files: NUL-ended here, escaped when printed */
		h->latest.allocator[LS_HEAP_NAME_LEN - 1] = 0;
		h->latest.why_not[LS_HEAP_WHY_LEN - 1] = 0;
		h->nsites = 0;
	} else if (rec->type == LS_REC_HEAP_SITE && h->nsites < HEAP_SITES_MAX) {
		const struct ls_heap_site *s = (const void *)rec;
		struct heap_site *d = &h->sites[h->nsites];
		uint32_t i = h->nsites++;

		d->live_bytes = s->live_bytes;
		d->count = s->count;
		d->oldest_ns = s->oldest_ns;
		d->nframes = s->nframes > LS_SITE_FRAMES ? LS_SITE_FRAMES : s->nframes;
		memcpy(d->frames, s->frames, sizeof(d->frames));
		for (uint32_t f = 0; f < LS_SITE_FRAMES; f++)
			d->frames[f][LS_SYM_LEN - 1] = 0;
		/* oldest first, whatever order they came in (8 at most) */
		for (; i > 0 && h->sites[i].oldest_ns < h->sites[i - 1].oldest_ns; i--) {
			struct heap_site t = h->sites[i];

			h->sites[i] = h->sites[i - 1];
			h->sites[i - 1] = t;
		}
	}
}

void heap_model__free(struct model *m, struct ls_process *p)
{
	if (p->mem.heap)
		m->nheap--;
	free(p->mem.heap);
	p->mem.heap = NULL;
}

const char *heap_model__allocator(const char *file)
{
	const char *b = strrchr(file, '/');

	b = b ? b + 1 : file;
	if (strstr(b, "jemalloc"))
		return "jemalloc";
	if (strstr(b, "tcmalloc"))
		return "tcmalloc";
	if (strstr(b, "mimalloc"))
		return "mimalloc";
	if (strstr(b, "musl"))
		return "musl";
	if (!strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5))
		return "glibc";
	return "the allocator";
}

static uint64_t live_of(const struct heap_state *h)
{
	return h->latest.c.live_bytes > 0 ? (uint64_t)h->latest.c.live_bytes : 0;
}

bool heap_model__held(const struct ls_process *p, uint64_t *held)
{
	const struct heap_state *h = p->mem.heap;
	const struct mem_regions *r = p->mem.regions;
	uint64_t res = 0, live;

	*held = 0;
	if (!h || !(h->latest.flags & LS_HEAP_TRACED) || !r)
		return false;
	/* malloc's memory is the brk heap and anonymous mappings (arenas,
	 * mmap'd blocks); MADV_FREE'd pages are not held */
	for (int c = LS_REGION_HEAP; c <= LS_REGION_ANON; c++) {
		const struct ls_region_sum *s = &r->latest.classes[c];

		res += s->rss_bytes > s->lazyfree_bytes ? s->rss_bytes - s->lazyfree_bytes : 0;
	}
	live = live_of(h);
	*held = res > live ? res - live : 0;
	return true;
}

/* This process's figures miss samples: its own were dropped (map or stack
 * map full), or some thread's sampled call had no room to wait for its
 * return (whose, unknown).  A process not counted at all (heap_procs
 * full) is in the totals only: it takes nothing from the others. */
static bool complete(const struct heap_state *h)
{
	return !h->latest.c.dropped && !h->latest.drops[LS_HEAP_DROP_PENDING];
}

int heap_model__words(const struct ls_process *p, char *buf, size_t len)
{
	const struct heap_state *h = p->mem.heap;
	char b[32];
	int n;

	if (!h || !(h->latest.flags & LS_HEAP_TRACED) || !h->nsites || !h->sites[0].nframes)
		return 0;
	n = snprintf(buf, len, "; oldest malloc'd memory still held from %s (%s live%s)",
		     h->sites[0].frames[0], fmt__bytes(h->sites[0].live_bytes, b, sizeof(b)),
		     complete(h) ? "" : ", incomplete: samples dropped");
	return n < 0 ? 0 : n;
}

static uint64_t drops_of(const struct heap_state *h, uint64_t *all)
{
	*all = 0;
	for (int k = 0; k < LS_HEAP_DROP_MAX; k++)
		*all += h->latest.drops[k];
	return h->latest.c.dropped;
}

/* seconds from the oldest sample of a site to the counters' read */
static double age_s(const struct heap_state *h, const struct heap_site *s)
{
	return h->latest.hdr.ts_ns > s->oldest_ns ? (double)(h->latest.hdr.ts_ns - s->oldest_ns) / 1e9 : 0;
}

void heap_model__json(const struct ls_process *p, struct json *j)
{
	const struct heap_state *h = p->mem.heap;
	uint64_t held, all, dropped;
	bool traced;

	if (!h)
		return;
	traced = h->latest.flags & LS_HEAP_TRACED;
	dropped = drops_of(h, &all);
	json__obj_begin(j, "heap");
	json__bool(j, "traced", traced);
	if (!traced) {
		json__str(j, "why_not", h->latest.why_not);
		json__obj_end(j);
		return;
	}
	json__null(j, "why_not");
	json__str(j, "allocator", heap_model__allocator(h->latest.allocator));
	json__str(j, "allocator_file", h->latest.allocator);
	/* probes on one file for every pid (whole machine), or on this process */
	json__str(j, "covers", h->latest.flags & LS_HEAP_ALL_PIDS ? "every process mapping allocator_file"
								   : "this process");
	json__u64(j, "sample_bytes", h->latest.sample_bytes);
	json__u64(j, "live_bytes", live_of(h));
	json__u64(j, "live_samples", h->latest.c.live_count > 0 ? (uint64_t)h->latest.c.live_count : 0);
	if (heap_model__held(p, &held))
		json__u64(j, "allocator_held_bytes", held);
	else
		json__null(j, "allocator_held_bytes");
	json__u64(j, "alloc_calls", h->latest.c.alloc_calls);
	json__u64(j, "free_calls", h->latest.c.free_calls);
	json__u64(j, "alloc_bytes", h->latest.c.alloc_bytes);
	json__u64(j, "sampled", h->latest.c.sampled);
	json__u64(j, "dropped", dropped);
	json__u64(j, "dropped_all_processes", all);
	/* live bytes and sites miss what was dropped */
	json__bool(j, "complete", complete(h));
	json__u64(j, "ts", h->latest.hdr.ts_ns);
	json__arr_begin(j, "sites");
	for (uint32_t i = 0; i < h->nsites; i++) {
		const struct heap_site *s = &h->sites[i];

		json__obj_begin(j, NULL);
		json__arr_begin(j, "frames");
		for (uint32_t f = 0; f < s->nframes; f++)
			json__str(j, NULL, s->frames[f]);
		json__arr_end(j);
		json__u64(j, "live_bytes", s->live_bytes);
		json__u64(j, "count", s->count);
		json__dbl(j, "oldest_age_s", age_s(h, s), 1);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__obj_end(j);
}

/* The allocator keeps this much after free() before it is worth a word */
#define HELD_NOTABLE	(16ULL << 20)

void heap_model__text(const struct ls_process *p, FILE *out)
{
	const struct heap_state *h = p->mem.heap;
	char a[32], b[32], esc[TEXT_ESC_SIZE(LS_SYM_LEN)];
	uint64_t held, all, dropped;

	if (!h)
		return;
	if (!(h->latest.flags & LS_HEAP_TRACED)) {
		fprintf(out, "    heap: not traced: %s\n",
			text__escape(esc, sizeof(esc), h->latest.why_not, sizeof(h->latest.why_not)));
		return;
	}
	dropped = drops_of(h, &all);
	fprintf(out, "    heap: %s in live allocations", fmt__bytes(live_of(h), a, sizeof(a)));
	if (heap_model__held(p, &held)) {
		fprintf(out, "; %s keeps %s after free()", heap_model__allocator(h->latest.allocator),
			fmt__bytes(held, b, sizeof(b)));
		if (held >= HELD_NOTABLE && held > live_of(h))
			fprintf(out, " (fragmentation or arenas: not a leak; MALLOC_ARENA_MAX or malloc_trim)");
	}
	fputc('\n', out);
	fprintf(out, "    heap calls: %llu allocations, %llu free(); sampled 1 in %s (%s",
		(unsigned long long)h->latest.c.alloc_calls, (unsigned long long)h->latest.c.free_calls,
		fmt__bytes(h->latest.sample_bytes, a, sizeof(a)),
		h->latest.flags & LS_HEAP_ALL_PIDS ? "probes on every process's " : "probes on ");
	fprintf(out, "%s)", text__esc(h->latest.allocator, esc, sizeof(esc)));
	if (!complete(h))
		fprintf(out, "; incomplete: %llu of its samples dropped, %llu in all",
			(unsigned long long)dropped, (unsigned long long)all);
	fputc('\n', out);
	for (uint32_t i = 0; i < h->nsites; i++) {
		const struct heap_site *s = &h->sites[i];

		fprintf(out, "    heap site %s live in %llu samples, oldest %.0f s:",
			fmt__bytes(s->live_bytes, a, sizeof(a)), (unsigned long long)s->count,
			age_s(h, s));
		for (uint32_t f = 0; f < s->nframes; f++)
			fprintf(out, "%s %s", f ? " <-" : "",
				text__escape(esc, sizeof(esc), s->frames[f], sizeof(s->frames[f])));
		fputc('\n', out);
	}
}
