// SPDX-License-Identifier: GPL-2.0
/*
 * Memory: real memory is RSS minus the MADV_FREE'd pages still resident
 * (LazyFree), and the verdict rests on it, never on RSS alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mem_model.h"
#include "fmt.h"
#include "heap_model.h"
#include "mem_link.h"
#include "text.h"

/* LazyFree is "high" when at least this share of RSS and this many bytes. */
#define LAZY_HIGH_SHARE		0.20
#define LAZY_HIGH_BYTES		(16ULL << 20)

static uint64_t sample_rss(const struct ls_proc_sample *s)
{
	return s->rss_anon_bytes + s->rss_file_bytes + s->rss_shmem_bytes;
}

/* LazyFree pages are anonymous: never more than RssAnon. */
uint64_t mem_model__lazyfree_bytes(const struct mem_state *ms)
{
	uint64_t lazy = ms->lazyfree_bytes;

	return lazy > ms->sample.rss_anon_bytes ? ms->sample.rss_anon_bytes : lazy;
}

uint64_t mem_model__rss_bytes(const struct mem_state *ms)
{
	return sample_rss(&ms->sample);
}

uint64_t mem_model__real_bytes(const struct mem_state *ms)
{
	return sample_rss(&ms->sample) - mem_model__lazyfree_bytes(ms);
}

/* The mappings and sites part, allocated on first use; NULL (the record
 * counted lost) when there is no memory for it. */
static struct mem_extra *extra_of(struct model *m, struct mem_state *ms)
{
	if (!ms->extra) {
		ms->extra = calloc(1, sizeof(*ms->extra));
		if (!ms->extra) {
			m->alloc_drops++;
			return NULL;
		}
		m->nextra++;
	}
	return ms->extra;
}

static void add_mapping(struct mem_extra *ms, const struct ls_big_mmap *b)
{
	struct mem_mapping nm = {
		.size = b->len, .addr = b->addr, .ts_ns = b->hdr.ts_ns, .tid = b->tid,
		.syscall = b->syscall, .fd = b->fd, .prot = b->prot,
	};
	uint32_t i;

	memcpy(nm.thread, b->comm, sizeof(nm.thread));
	nm.thread[sizeof(nm.thread) - 1] = 0;
	/* keep the MODEL_TOP_MAPPINGS largest, biggest first, earliest on ties */
	for (i = 0; i < ms->nlargest; i++)
		if (nm.size > ms->largest[i].size)
			break;
	if (i >= MODEL_TOP_MAPPINGS)
		return;
	if (ms->nlargest < MODEL_TOP_MAPPINGS)
		ms->nlargest++;
	memmove(&ms->largest[i + 1], &ms->largest[i],
		(ms->nlargest - 1 - i) * sizeof(ms->largest[0]));
	ms->largest[i] = nm;
}

const char *mem_model__src_base(const char *file, size_t size)
{
	size_t n = strnlen(file, size);

	while (n && file[n - 1] != '/')
		n--;
	return file + n;
}

static void add_site(struct mem_extra *ms, const struct ls_growth_site *g)
{
	struct mem_site ns = { .bytes = g->bytes, .calls = g->calls, .stack_id = g->stack_id };
	uint32_t i, n = ms->nsites;

	ns.nframes = g->nframes > LS_SITE_FRAMES ? LS_SITE_FRAMES : g->nframes;
	for (uint32_t f = 0; f < ns.nframes; f++) {
		memcpy(ns.frames[f], g->frames[f], LS_SYM_LEN);
		ns.frames[f][LS_SYM_LEN - 1] = 0;
		/* a recording made before sources has none */
		if (g->hdr.size >= sizeof(*g) && g->sources[f].line) {
			ns.sources[f] = g->sources[f];
			ns.sources[f].file[LS_SRC_FILE_LEN - 1] = 0;
		}
	}
	/* the loader sends cumulative bytes per stack: replace the old entry */
	for (i = 0; i < n; i++)
		if (ms->sites[i].stack_id == g->stack_id)
			break;
	if (i < n) {
		memmove(&ms->sites[i], &ms->sites[i + 1], (n - 1 - i) * sizeof(ms->sites[0]));
		n--;
	}
	for (i = 0; i < n; i++)
		if (ns.bytes > ms->sites[i].bytes)
			break;
	if (i >= MODEL_TOP_SITES) {
		ms->nsites = n;
		return;
	}
	if (n < MODEL_TOP_SITES)
		n++;
	memmove(&ms->sites[i + 1], &ms->sites[i], (n - 1 - i) * sizeof(ms->sites[0]));
	ms->sites[i] = ns;
	ms->nsites = n;
}

static const char *const region_classes[LS_REGION_CLASSES] = {
	[LS_REGION_HEAP] = "heap", [LS_REGION_ANON] = "anon", [LS_REGION_STACK] = "stack",
	[LS_REGION_LIB] = "lib", [LS_REGION_FILE] = "file", [LS_REGION_SHMEM] = "shmem",
	[LS_REGION_HUGE] = "hugepages", [LS_REGION_OTHER] = "other",
};

/* what the explanation calls a class that grew */
static const char *const region_words[LS_REGION_CLASSES] = {
	[LS_REGION_HEAP] = "the brk heap", [LS_REGION_ANON] = "anonymous mappings",
	[LS_REGION_STACK] = "thread stacks", [LS_REGION_LIB] = "shared libraries",
	[LS_REGION_FILE] = "file mappings", [LS_REGION_SHMEM] = "shared memory",
	[LS_REGION_HUGE] = "huge pages", [LS_REGION_OTHER] = "other mappings",
};

const char *mem_model__region_class(int cls)
{
	return cls >= 0 && cls < LS_REGION_CLASSES ? region_classes[cls] : "unknown";
}

int mem_model__region_growth(const struct mem_state *ms, int64_t *grew)
{
	const struct mem_regions *r = ms->regions;
	int best = -1;

	*grew = 0;
	if (!r || r->reads < 2)
		return -1;
	for (int c = 0; c < LS_REGION_CLASSES; c++) {
		int64_t g = (int64_t)(r->latest.classes[c].rss_bytes - r->first[c].rss_bytes);

		if (g > *grew) {
			*grew = g;
			best = c;
		}
	}
	return best;
}

static void add_regions(struct model *m, struct mem_state *ms, const struct ls_proc_regions *r)
{
	struct mem_regions *x = ms->regions;

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x) {
			m->alloc_drops++;
			return;
		}
		ms->regions = x;
		m->nregions++;
	}
	x->latest = *r;
	/* names come from the process: always NUL-ended here */
	for (int k = 0; k < LS_REGION_NAMED; k++)
		for (int j = 0; j < LS_REGION_TOP_NAMES; j++)
			x->latest.names[k][j].name[LS_REGION_NAME_LEN - 1] = 0;
	if (!x->reads++) {
		memcpy(x->first, r->classes, sizeof(x->first));
		x->first_ts_ns = r->hdr.ts_ns;
	}
}

void mem_model__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	struct mem_state *ms = &p->mem;
	struct mem_extra *x;

	switch (rec->type) {
	case LS_REC_MEM_LEDGER:
		/* the exit record's ledger is final: one read after it can only
		 * be a thread's late share (kernels that do not tell the last
		 * thread apart) */
		if (p->exited)
			break;
		ms->ledger = ((const struct ls_mem_ledger_rec *)rec)->ledger;
		ms->have_ledger = true;
		break;
	case LS_REC_PROC_EXIT: {
		const struct ls_proc_exit *e = (const void *)rec;

		if (e->ledger.start_ns) {
			ms->ledger = e->ledger;
			ms->have_ledger = true;
		}
		break;
	}
	case LS_REC_PROC_SAMPLE: {
		const struct ls_proc_sample *s = (const void *)rec;

		/* the series are the table's (model.c: samples_add) */
		ms->sample = *s;
		ms->have_sample = true;
		if (s->flags & LS_SAMPLE_HAS_ROLLUP) {
			ms->lazyfree_bytes = s->lazyfree_bytes;
			ms->rollup_ts_ns = rec->ts_ns;
			ms->have_rollup = true;
		}
		break;
	}
	case LS_REC_PROC_REGIONS:
		add_regions(m, ms, (const struct ls_proc_regions *)rec);
		break;
	case LS_REC_BIG_MMAP:
		if ((x = extra_of(m, ms)))
			add_mapping(x, (const struct ls_big_mmap *)rec);
		break;
	case LS_REC_GROWTH_SITE:
		if ((x = extra_of(m, ms)))
			add_site(x, (const struct ls_growth_site *)rec);
		break;
	default:
		break;
	}
}

/* "+4.0 MiB/s" for rates of bytes a second. */
/* How the series rose, in numbers that agree: its own first and last
 * samples and the time between them, then the rate the verdict used and
 * the span it was measured over when that is not the whole series, then
 * the average those endpoints give when the rate is not it (a trend's
 * slope is robust to a jump; the endpoints are what a reader checks). */
static int rise_words(char *e, size_t len, const struct verdict_result *v, const char *verb,
		      bool steady)
{
	const struct trend *w = &v->whole;
	char from[32], to[32], rate[40], avg[40];
	double mean = w->span_s > 0 ? (w->last - w->first) / w->span_s : 0;
	int n;

	fmt__bytes(w->first > 0 ? (uint64_t)w->first : 0, from, sizeof(from));
	fmt__bytes(w->last > 0 ? (uint64_t)w->last : 0, to, sizeof(to));
	fmt__rate(v->rate_per_s, rate, sizeof(rate));
	if (v->window_from)
		n = snprintf(e, len, "%s from %s to %s in %.0f s, %sfor the last %.0f s at %s", verb,
			     from, to, w->span_s, steady ? "steadily " : "", v->window.span_s, rate);
	else
		n = snprintf(e, len, "%s %sfrom %s to %s in %.0f s, %s", verb, steady ? "steadily " : "",
			     from, to, w->span_s, rate);
	if (n < 0 || (size_t)n >= len)
		return n;
	/* the endpoints' own average, when the rate quoted is not it */
	if (fabs(mean - v->rate_per_s) > 0.2 * fmax(fabs(mean), fabs(v->rate_per_s)))
		n += snprintf(e + n, len - n, " (%s from end to end)", fmt__rate(mean, avg, sizeof(avg)));
	return n;
}

static void explain(const struct model *m, struct ls_process *p,
		    const struct series *real_series)
{
	struct mem_state *ms = &p->mem;
	const struct mem_extra *x = ms->extra;
	const struct trend *w = &ms->real_v.whole;
	char rss[32], real[32], lazy[32], from[32], to[32], peak[32];
	uint64_t real_b = mem_model__real_bytes(ms), lazy_b = mem_model__lazyfree_bytes(ms);
	size_t len = sizeof(ms->explanation);
	char *e = ms->explanation;
	int n = 0;

	fmt__bytes(sample_rss(&ms->sample), rss, sizeof(rss));
	fmt__bytes(real_b, real, sizeof(real));
	fmt__bytes(lazy_b, lazy, sizeof(lazy));
	fmt__bytes(w->first > 0 ? (uint64_t)w->first : 0, from, sizeof(from));
	fmt__bytes(w->last > 0 ? (uint64_t)w->last : 0, to, sizeof(to));
	fmt__bytes(w->max > 0 ? (uint64_t)w->max : 0, peak, sizeof(peak));

	switch (ms->verdict) {
	case VERDICT_LEAK:
		n = rise_words(e, len, &ms->real_v, "Real memory (RSS minus lazily freed pages) grew",
			       true);
		if (n >= 0 && (size_t)n < len)
			n += snprintf(e + n, len - n, "; RSS %s", rss);
		break;
	case VERDICT_GROWING:
		n = rise_words(e, len, &ms->real_v, "Real memory rose", false);
		if (n >= 0 && (size_t)n < len)
			n += snprintf(e + n, len - n, ", but not steadily or not for long enough to call "
				      "it a leak yet; RSS %s", rss);
		break;
	case VERDICT_LAZY_FREE:
		n = snprintf(e, len, "RSS %s, of which %s is lazily freed (MADV_FREE) and reclaimable; "
			     "real memory flat at %s: not a leak", rss, lazy, real);
		break;
	case VERDICT_STABLE:
		if (w->max - w->first > 2 * (w->max - w->last > 0 ? w->max - w->last : 0) &&
		    ms->real_v.whole.rise > ms->real_v.recent.rise * 4 &&
		    w->max - w->first > (double)(1 << 20) * 4)
			n = snprintf(e, len, "Real memory grew from %s and levelled off at %s "
				     "(warm-up or cache, not a leak); RSS %s", from, to, rss);
		else
			n = snprintf(e, len, "Real memory flat at %s (peak %s); RSS %s: not a leak",
				     real, peak, rss);
		break;
	default:
		n = snprintf(e, len, "%u sample%s over %.0f s: not enough yet to judge (RSS %s, real %s)",
			     real_series->n, real_series->n == 1 ? "" : "s",
			     series__span_s(real_series), rss, real);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return;
	/* what it grows with, when it moves with something it holds */
	if (ms->link.kind != MEM_LINK_NONE) {
		n += snprintf(e + n, len - n, "; ");
		if ((size_t)n < len)
			n += mem_link__words(m, &ms->link, e + n, len - n);
		if (n < 0 || (size_t)n >= len)
			return;
	}
	/* which kind of memory grew, from smaps (read every few intervals) */
	if (ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING) {
		int64_t grew;
		int c = mem_model__region_growth(ms, &grew);

		if (c >= 0 && grew >= (1 << 20)) {
			char g[32];

			fmt__bytes((uint64_t)grew, g, sizeof(g));
			n += snprintf(e + n, len - n, "; the growth is in %s (+%s since the first smaps read)",
				      region_words[c], g);
			if (n < 0 || (size_t)n >= len)
				return;
		}
	}
	/* where the growth comes from, when we know */
	if ((ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING) && x && x->nsites &&
	    x->sites[0].nframes) {
		const struct ls_site_source *src = &x->sites[0].sources[0];

		n += snprintf(e + n, len - n, "; biggest growth site %s", x->sites[0].frames[0]);
		if ((size_t)n < len && src->line)
			n += snprintf(e + n, len - n, " at %s:%u", mem_model__src_base(src->file, sizeof(src->file)),
				      src->line);
	}
	/* --heap: whose malloc'd memory is the oldest still held */
	if ((size_t)n < len && (ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING))
		n += heap_model__words(p, e + n, len - n);
	if ((size_t)n < len && x && x->nlargest &&
	    (ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING)) {
		char sz[32];

		fmt__bytes(x->largest[0].size, sz, sizeof(sz));
		n += snprintf(e + n, len - n, "; largest mapping %s by thread %u (%s)", sz,
			      x->largest[0].tid, x->largest[0].thread);
	}
	if ((size_t)n < len)
		snprintf(e + n, len - n, ".");
}

void mem_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{
	struct mem_state *ms = &p->mem;
	struct series real_scratch, rss_scratch;	/* a flat process's (model.h) */
	const struct series *real_s, *rss_s;
	uint64_t rss, lazy;
	bool lazy_high, rss_rose;

	(void)now_ns;
	memset(&ms->link, 0, sizeof(ms->link));
	if (!ms->have_sample) {
		ms->verdict = VERDICT_INSUFFICIENT;
		ms->confidence = 0;
		snprintf(ms->explanation, sizeof(ms->explanation),
			 "no memory sample yet (process exited or was never readable)");
		return;
	}
	real_s = model__series(p, PROC_SERIES_REAL, &real_scratch);
	rss_s = model__series(p, PROC_SERIES_RSS, &rss_scratch);
	verdict__decide(real_s, &verdict_params_memory, &ms->real_v);
	verdict__decide(rss_s, &verdict_params_memory, &ms->rss_v);
	ms->verdict = ms->real_v.verdict;
	ms->confidence = ms->real_v.confidence;

	rss = sample_rss(&ms->sample);
	lazy = mem_model__lazyfree_bytes(ms);
	lazy_high = lazy >= LAZY_HIGH_BYTES && (double)lazy >= LAZY_HIGH_SHARE * (double)rss;
	rss_rose = ms->rss_v.verdict == VERDICT_LEAK || ms->rss_v.verdict == VERDICT_GROWING;
	/* RSS high or rising, real memory flat: the difference is MADV_FREE */
	if (ms->real_v.verdict == VERDICT_STABLE && (lazy_high || rss_rose) &&
	    (lazy_high || ms->ledger.madv_free_bytes)) {
		ms->verdict = VERDICT_LAZY_FREE;
		ms->confidence = ms->real_v.confidence;
	}
	mem_link__decide(m, p, real_s, &ms->link);
	explain(m, p, real_s);
}
