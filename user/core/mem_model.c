// SPDX-License-Identifier: GPL-2.0
/*
 * Memory: real memory is RSS minus the MADV_FREE'd pages still resident
 * (LazyFree), and the verdict rests on it, never on RSS alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "json.h"
#include "heap_model.h"
#include "mem_link.h"
#include "report.h"
#include "text.h"

/* LazyFree is "high" when at least this share of RSS and this many bytes. */
#define LAZY_HIGH_SHARE		0.20
#define LAZY_HIGH_BYTES		(16ULL << 20)

static uint64_t sample_rss(const struct ls_proc_sample *s)
{
	return s->rss_anon_bytes + s->rss_file_bytes + s->rss_shmem_bytes;
}

/* LazyFree pages are anonymous: never more than RssAnon. */
static uint64_t lazy_now(const struct mem_state *ms)
{
	uint64_t lazy = ms->lazyfree_bytes;

	return lazy > ms->sample.rss_anon_bytes ? ms->sample.rss_anon_bytes : lazy;
}

uint64_t mem_model__real_bytes(const struct mem_state *ms)
{
	return sample_rss(&ms->sample) - lazy_now(ms);
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

/* the last part of a source path */
static const char *src_base(const char *file, size_t size)
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
static const char *rate_str(double r, char *buf, size_t len)
{
	char b[32];

	report__bytes((uint64_t)(r < 0 ? -r : r), b, sizeof(b));
	snprintf(buf, len, "%s%s/s", r < 0 ? "-" : "+", b);
	return buf;
}

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

	report__bytes(w->first > 0 ? (uint64_t)w->first : 0, from, sizeof(from));
	report__bytes(w->last > 0 ? (uint64_t)w->last : 0, to, sizeof(to));
	rate_str(v->rate_per_s, rate, sizeof(rate));
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
		n += snprintf(e + n, len - n, " (%s from end to end)", rate_str(mean, avg, sizeof(avg)));
	return n;
}

static void explain(const struct model *m, struct ls_process *p,
		    const struct series *real_series)
{
	struct mem_state *ms = &p->mem;
	const struct mem_extra *x = ms->extra;
	const struct trend *w = &ms->real_v.whole;
	char rss[32], real[32], lazy[32], from[32], to[32], peak[32];
	uint64_t real_b = mem_model__real_bytes(ms), lazy_b = lazy_now(ms);
	size_t len = sizeof(ms->explanation);
	char *e = ms->explanation;
	int n = 0;

	report__bytes(sample_rss(&ms->sample), rss, sizeof(rss));
	report__bytes(real_b, real, sizeof(real));
	report__bytes(lazy_b, lazy, sizeof(lazy));
	report__bytes(w->first > 0 ? (uint64_t)w->first : 0, from, sizeof(from));
	report__bytes(w->last > 0 ? (uint64_t)w->last : 0, to, sizeof(to));
	report__bytes(w->max > 0 ? (uint64_t)w->max : 0, peak, sizeof(peak));

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
		n = snprintf(e, len, "%u samples over %.0f s: not enough yet to judge (RSS %s, real %s)",
			     real_series->n, series__span_s(real_series), rss, real);
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

			report__bytes((uint64_t)grew, g, sizeof(g));
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
			n += snprintf(e + n, len - n, " at %s:%u", src_base(src->file, sizeof(src->file)),
				      src->line);
	}
	/* --heap: whose malloc'd memory is the oldest still held */
	if ((size_t)n < len && (ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING))
		n += heap_model__words(p, e + n, len - n);
	if ((size_t)n < len && x && x->nlargest &&
	    (ms->verdict == VERDICT_LEAK || ms->verdict == VERDICT_GROWING)) {
		char sz[32];

		report__bytes(x->largest[0].size, sz, sizeof(sz));
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
	lazy = lazy_now(ms);
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

static const char *map_syscall(uint32_t s)
{
	return s == 1 ? "mremap" : s == 2 ? "brk" : "mmap";
}

void mem_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{
	const struct mem_state *ms = &p->mem;
	const struct ls_mem_ledger *l = &ms->ledger;
	const struct mem_extra *x = ms->extra;
	uint64_t rss = sample_rss(&ms->sample);

	json__obj_begin(j, "memory");
	json__u64(j, "rss_bytes", rss);
	json__u64(j, "rss_anon_bytes", ms->sample.rss_anon_bytes);
	json__u64(j, "rss_file_bytes", ms->sample.rss_file_bytes);
	json__u64(j, "rss_shmem_bytes", ms->sample.rss_shmem_bytes);
	json__u64(j, "swap_bytes", ms->sample.swap_bytes);
	json__u64(j, "lazyfree_bytes", lazy_now(ms));
	json__bool(j, "lazyfree_measured", ms->have_rollup);
	json__u64(j, "real_bytes", ms->have_sample ? mem_model__real_bytes(ms) : 0);
	json__dbl(j, "real_growth_bytes_per_s", ms->real_v.rate_per_s, 0);
	json__dbl(j, "rss_growth_bytes_per_s", ms->rss_v.rate_per_s, 0);
	json__u64(j, "private_bytes", ms->sample.private_clean_bytes +
		  ms->sample.private_dirty_bytes + ms->sample.private_hugetlb_bytes);
	json__u64(j, "vm_data_bytes", ms->sample.vm_data_bytes);
	json__u64(j, "madv_free_bytes", l->madv_free_bytes);
	json__u64(j, "madv_dontneed_bytes", l->madv_dontneed_bytes);
	json__u64(j, "madv_other_bytes", l->madv_other_bytes);
	json__i64(j, "mapped_anon_bytes", l->mapped_anon_bytes);
	json__u64(j, "mmap_anon_bytes", l->mmap_anon_bytes);
	json__u64(j, "mmap_file_bytes", l->mmap_file_bytes);
	json__u64(j, "munmap_bytes", l->munmap_bytes);
	json__u64(j, "munmap_anon_bytes", l->munmap_anon_bytes);
	json__i64(j, "brk_growth_bytes", l->brk_growth_bytes);
	json__u64(j, "mremap_grow_bytes", l->mremap_grow_bytes);
	json__u64(j, "syscalls", l->mmap_calls + l->munmap_calls + l->mremap_calls +
		  l->brk_calls + l->madvise_calls);
	json__u64(j, "failed_syscalls", l->failed_calls);
	if (l->rss_ts_ns)
		json__u64(j, "rss_peak_bytes", l->rss_peak_pages * 4096);
	json__arr_begin(j, "largest_mappings");
	for (uint32_t i = 0; x && i < x->nlargest; i++) {
		const struct mem_mapping *mm = &x->largest[i];

		json__obj_begin(j, NULL);
		json__u64(j, "size", mm->size);
		json__u64(j, "addr", mm->addr);
		json__u64(j, "tid", mm->tid);
		json__u64(j, "ts", mm->ts_ns);
		json__str(j, "thread", mm->thread);
		json__str(j, "syscall", map_syscall(mm->syscall));
		json__bool(j, "anonymous", mm->fd < 0);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__arr_begin(j, "growth_sites");
	for (uint32_t i = 0; x && i < x->nsites; i++) {
		const struct mem_site *s = &x->sites[i];

		json__obj_begin(j, NULL);
		json__u64(j, "bytes", s->bytes);
		json__u64(j, "calls", s->calls);
		json__arr_begin(j, "frames");
		for (uint32_t f = 0; f < s->nframes; f++)
			json__str(j, NULL, s->frames[f]);
		json__arr_end(j);
		/* one per frame: where debug information places it, else null */
		json__arr_begin(j, "sources");
		for (uint32_t f = 0; f < s->nframes; f++) {
			if (!s->sources[f].line) {
				json__null(j, NULL);
				continue;
			}
			json__obj_begin(j, NULL);
			json__strn(j, "file", s->sources[f].file, sizeof(s->sources[f].file));
			json__u64(j, "line", s->sources[f].line);
			json__obj_end(j);
		}
		json__arr_end(j);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__arr_begin(j, "regions");
	for (int c = 0; ms->regions && c < LS_REGION_CLASSES; c++) {
		const struct mem_regions *r = ms->regions;
		const struct ls_region_sum *rs = &r->latest.classes[c];
		int k = LS_REGION_NAMED_INDEX(c);

		json__obj_begin(j, NULL);
		json__str(j, "class", region_classes[c]);
		if (k >= 0 && r->latest.names[k][0].name[0])
			json__str(j, "name", r->latest.names[k][0].name);
		else
			json__null(j, "name");
		json__u64(j, "rss_bytes", rs->rss_bytes);
		json__u64(j, "private_bytes", rs->private_bytes);
		json__u64(j, "lazyfree_bytes", rs->lazyfree_bytes);
		json__u64(j, "swap_bytes", rs->swap_bytes);
		json__u64(j, "count", rs->count);
		json__i64(j, "rss_growth_bytes", (int64_t)(rs->rss_bytes - r->first[c].rss_bytes));
		if (k >= 0) {
			json__arr_begin(j, "files");
			for (int f = 0; f < LS_REGION_TOP_NAMES && r->latest.names[k][f].name[0]; f++) {
				json__obj_begin(j, NULL);
				json__str(j, "name", r->latest.names[k][f].name);
				json__u64(j, "rss_bytes", r->latest.names[k][f].rss_bytes);
				json__obj_end(j);
			}
			json__arr_end(j);
		}
		json__obj_end(j);
	}
	json__arr_end(j);
	if (ms->regions) {
		json__u64(j, "regions_ts", ms->regions->latest.hdr.ts_ns);
		json__u64(j, "regions_reads", ms->regions->reads);
		json__bool(j, "regions_cut", ms->regions->latest.flags & LS_REGIONS_CUT);
	}
	json__str(j, "verdict", verdict__name(ms->verdict));
	json__dbl(j, "confidence", ms->confidence, 2);
	json__u64(j, "samples", model__samples(p));
	json__str(j, "explanation", ms->explanation);
	mem_link__json(m, &ms->link, j);
	heap_model__json(p, j);
	json__obj_end(j);
}

/* the last part of a file's name */
static const char *name_base(const char *name)
{
	const char *b = strrchr(name, '/');

	return b && b[1] ? b + 1 : name;
}

/* "    resident: anon 812.0 MiB, heap 40.1 MiB, lib 22.3 MiB (libc.so.6,
 * ...), stack 1.6 MiB (200), shmem 0": the classes with mappings, the
 * most resident first; file names escaped (the process chose them) */
static void regions_text(const struct mem_regions *r, FILE *out)
{
	int order[LS_REGION_CLASSES], n = 0;
	char b[32], esc[TEXT_ESC_SIZE(LS_REGION_NAME_LEN)];

	for (int c = 0; c < LS_REGION_CLASSES; c++)
		if (r->latest.classes[c].count)
			order[n++] = c;
	for (int i = 1; i < n; i++)	/* by rss, biggest first (8 at most) */
		for (int k = i; k > 0 && r->latest.classes[order[k]].rss_bytes >
				       r->latest.classes[order[k - 1]].rss_bytes; k--) {
			int t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	fprintf(out, "    resident:");
	for (int i = 0; i < n; i++) {
		const struct ls_region_sum *rs = &r->latest.classes[order[i]];
		int k = LS_REGION_NAMED_INDEX(order[i]);

		fprintf(out, "%s %s %s", i ? "," : "", region_classes[order[i]],
			rs->rss_bytes ? report__bytes(rs->rss_bytes, b, sizeof(b)) : "0");
		if (order[i] == LS_REGION_STACK)
			fprintf(out, " (%u)", rs->count);
		else if (k >= 0 && r->latest.names[k][0].name[0]) {
			fprintf(out, " (%s", text__esc(name_base(r->latest.names[k][0].name), esc,
							 sizeof(esc)));
			if (r->latest.names[k][1].name[0])
				fprintf(out, ", %s%s", text__esc(name_base(r->latest.names[k][1].name), esc,
								 sizeof(esc)),
					r->latest.names[k][2].name[0] ? ", ..." : "");
			fputc(')', out);
		}
	}
	if (r->latest.flags & LS_REGIONS_CUT)
		fprintf(out, " (the first %u mappings)", r->latest.mappings);
	fputc('\n', out);
}

void mem_model__text(const struct ls_process *p, FILE *out, bool final)
{
	const struct mem_state *ms = &p->mem;
	const struct mem_extra *x = ms->extra;
	char a[32], b[32];
	/* thread names and symbols (from the process's own ELF files, and in
	 * the explanation) are the process's choice: escaped (text.h) */
	char esc[TEXT_ESC_SIZE(sizeof(ms->explanation))];

	if (!final)
		return;
	fprintf(out, "  memory: %s (confidence %.2f). %s\n", verdict__name(ms->verdict),
		ms->confidence, text__esc(ms->explanation, esc, sizeof(esc)));
	if (ms->regions)
		regions_text(ms->regions, out);
	heap_model__text(p, out);
	if (ms->ledger.madv_free_bytes || ms->ledger.madv_dontneed_bytes)
		fprintf(out, "    madvise: %s MADV_FREE, %s MADV_DONTNEED during the run\n",
			report__bytes(ms->ledger.madv_free_bytes, a, sizeof(a)),
			report__bytes(ms->ledger.madv_dontneed_bytes, b, sizeof(b)));
	for (uint32_t i = 0; x && i < x->nlargest; i++) {
		const struct mem_mapping *mm = &x->largest[i];

		fprintf(out, "    mapping %s at 0x%llx by %s thread %u (%s)\n",
			report__bytes(mm->size, a, sizeof(a)), (unsigned long long)mm->addr,
			map_syscall(mm->syscall), mm->tid,
			text__escape(esc, sizeof(esc), mm->thread, sizeof(mm->thread)));
	}
	for (uint32_t i = 0; x && i < x->nsites; i++) {
		const struct mem_site *s = &x->sites[i];

		fprintf(out, "    growth site %s in %llu calls:", report__bytes(s->bytes, a, sizeof(a)),
			(unsigned long long)s->calls);
		for (uint32_t f = 0; f < s->nframes; f++) {
			const struct ls_site_source *src = &s->sources[f];

			fprintf(out, "%s %s", f ? " <-" : "",
				text__escape(esc, sizeof(esc), s->frames[f], sizeof(s->frames[f])));
			if (src->line)	/* the path's last part: the frame says which file */
				fprintf(out, " at %s:%u",
					text__esc(src_base(src->file, sizeof(src->file)), esc, sizeof(esc)),
					src->line);
		}
		fputc('\n', out);
	}
}
