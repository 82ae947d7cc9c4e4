// SPDX-License-Identifier: GPL-2.0
/* The domains' table (domain.h) and each operation's order. */
#include <stdlib.h>
#include "mem_model.h"
#include "domain.h"
#include "heap_model.h"
#include "model.h"
#include "proc_samples.h"
#include "records.h"
#include "ns_model.h"
#include "sock_model.h"

/* Every record of a process the model does not keep for itself: samples
 * (and then the process's series, which take real memory as it made it),
 * the ledger, big mappings, growth sites, smaps, exits; --heap's records
 * are heap_model.c's. */
static void mem_ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	if (rec->type == LS_REC_PROC_META || rec->type == LS_REC_PROC_CGROUP ||
	    rec->type == LS_REC_PROC_FORK)
		return;
	if (rec->type == LS_REC_HEAP || rec->type == LS_REC_HEAP_SITE) {
		heap_model__ingest(m, p, rec);
		return;
	}
	mem_model__ingest(m, p, rec);
	if (rec->type == LS_REC_PROC_SAMPLE) {
		const struct ls_proc_sample *s = (const void *)rec;

		proc_samples__add(m, p, rec->ts_ns, (double)mem_model__real_bytes(&p->mem),
				  (double)(s->rss_anon_bytes + s->rss_file_bytes + s->rss_shmem_bytes),
				  s->flags & LS_SAMPLE_HAS_FDS, s->fds_open);
	}
}

static void mem_text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{
	(void)m;
	mem_model__text(p, out, final);
}

static bool mem_notable(const struct ls_process *p)
{
	enum verdict v = p->mem.verdict;

	return v == VERDICT_LEAK || v == VERDICT_GROWING || v == VERDICT_LAZY_FREE;
}

static double mem_rank(const struct ls_process *p)
{
	double r = 0;

	switch (p->mem.verdict) {
	case VERDICT_LEAK: r += 1000 + 100 * p->mem.confidence; break;
	case VERDICT_GROWING: r += 600 + 100 * p->mem.confidence; break;
	case VERDICT_LAZY_FREE: r += 300; break;
	default: break;
	}
	/* then by how fast real memory grows, in MiB/s, squashed into (0, 100) */
	if (p->mem.real_v.rate_per_s > 0) {
		double mibs = p->mem.real_v.rate_per_s / (1 << 20);

		r += 100 * mibs / (1 + mibs);
	}
	/* before any verdict, the biggest processes are the interesting ones */
	if (p->mem.have_sample) {
		double gib = (double)mem_model__real_bytes(&p->mem) / (1 << 30);

		r += 10 * gib / (1 + gib);
	}
	return r;
}

static void mem_release(struct model *m, struct ls_process *p)
{
	if (p->mem.extra)
		m->nextra--;
	free(p->mem.extra);
	p->mem.extra = NULL;
	if (p->mem.regions)
		m->nregions--;
	free(p->mem.regions);
	p->mem.regions = NULL;
	heap_model__free(m, p);
}

static bool sock_ingest_unowned(struct model *m, const struct ls_rec_hdr *rec)
{
	switch (rec->type) {
	case LS_REC_UNIX_CONN:
	case LS_REC_SOCK_CLOSE:
	case LS_REC_TCP_STATE:
	case LS_REC_UNIX_EXISTING:
	case LS_REC_TCP_EXISTING:
	case LS_REC_PROC_EXEC:		/* only sockets care: close-on-exec ends */
		sock_model__ingest(m, rec);
		return true;
	default:
		return false;
	}
}

/* an exit: the ends the process held close */
static void sock_ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	(void)p;
	if (rec->type == LS_REC_PROC_EXIT)
		sock_model__ingest(m, rec);
}

static double sock_rank(const struct ls_process *p)
{
	return sock_model__notable(p) ? 2000 : 0;
}

static void sock_release(struct model *m, struct ls_process *p)
{
	(void)m;
	sock_state__free(p->sock);
	p->sock = NULL;
}

static bool ns_ingest_unowned(struct model *m, const struct ls_rec_hdr *rec)
{
	if (rec->type != LS_REC_SETNS && rec->type != LS_REC_UNSHARE)
		return false;
	ns_model__ingest(m, rec);
	return true;
}

static void ns_ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	(void)p;
	if (rec->type == LS_REC_PROC_EXIT)
		ns_model__ingest(m, rec);
}

static double ns_rank(const struct ls_process *p)
{
	return ns_model__notable(p) ? 4000 : 0;
}

static void ns_release(struct model *m, struct ls_process *p)
{
	(void)m;
	ns_state__free(p->ns);
	p->ns = NULL;
}

static uint64_t mem_heap_bytes(const struct model *m)
{
	return (uint64_t)m->nextra * sizeof(struct mem_extra) +
	       (uint64_t)m->nregions * sizeof(struct mem_regions) +
	       (uint64_t)m->nheap * sizeof(struct heap_state);
}

static int sock_create(struct model *m)
{
	m->sock = sock_model__new(m->opts.max_sockets);
	return m->sock ? 0 : -1;
}

static void sock_destroy(struct model *m)
{
	sock_model__free(m->sock);
	m->sock = NULL;
}

static const struct domain_ops mem = {
	.name = "memory", .heap_bytes = mem_heap_bytes, .ingest = mem_ingest,
	.interval = mem_model__interval, .json = mem_model__json, .text = mem_text,
	.notable = mem_notable, .rank = mem_rank, .release = mem_release,
};
static const struct domain_ops sock = {
	.name = "sockets", .create = sock_create, .destroy = sock_destroy,
	.dropped = sock_model__dropped, .ingest_unowned = sock_ingest_unowned, .ingest = sock_ingest,
	.interval = sock_model__interval, .json = sock_model__json,
	.text = sock_model__text, .notable = sock_model__notable, .rank = sock_rank,
	.release = sock_release,
};
static const struct domain_ops ns = {
	.name = "namespaces", .ingest_unowned = ns_ingest_unowned, .ingest = ns_ingest,
	.interval = ns_model__interval, .json = ns_model__json,
	.text = ns_model__text, .notable = ns_model__notable, .rank = ns_rank,
	.release = ns_release,
};

#define NDOMAINS 3
/* what memory grows with needs the sockets' views of this interval */
static const struct domain_ops *const by_interval[NDOMAINS] = { &sock, &mem, &ns };
/* the JSON keys' order: memory, unix_sockets and tcp, setns and unshare */
static const struct domain_ops *const by_json[NDOMAINS] = { &mem, &sock, &ns };
/* the final report: setns failures, sockets, memory; under the live
 * table's row, sockets then setns (memory is the row) */
static const struct domain_ops *const by_final_text[NDOMAINS] = { &ns, &sock, &mem };
static const struct domain_ops *const by_live_text[NDOMAINS] = { &sock, &ns, &mem };

int domains__create(struct model *m)
{
	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->create && by_json[i]->create(m))
			return -1;
	return 0;
}

/* safe after a failed domains__create: each destroy takes what exists */
void domains__destroy(struct model *m)
{
	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->destroy)
			by_json[i]->destroy(m);
}

uint64_t domains__dropped(const struct model *m)
{
	uint64_t n = 0;

	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->dropped)
			n += by_json[i]->dropped(m);
	return n;
}

uint64_t domains__heap_bytes(const struct model *m)
{
	uint64_t n = 0;

	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->heap_bytes)
			n += by_json[i]->heap_bytes(m);
	return n;
}

bool domains__ingest_unowned(struct model *m, const struct ls_rec_hdr *rec)
{
	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->ingest_unowned && by_json[i]->ingest_unowned(m, rec))
			return true;
	return false;
}

/* memory, sockets, namespaces: an exit reaches them in that order */
void domains__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec)
{
	for (int i = 0; i < NDOMAINS; i++)
		by_json[i]->ingest(m, p, rec);
}

void domains__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{
	for (int i = 0; i < NDOMAINS; i++)
		by_interval[i]->interval(m, p, now_ns);
}

void domains__json(const struct model *m, const struct ls_process *p, struct json *j)
{
	for (int i = 0; i < NDOMAINS; i++)
		by_json[i]->json(m, p, j);
}

void domains__text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{
	for (int i = 0; i < NDOMAINS; i++)
		(final ? by_final_text : by_live_text)[i]->text(m, p, out, final);
}

bool domains__notable(const struct ls_process *p)
{
	for (int i = 0; i < NDOMAINS; i++)
		if (by_json[i]->notable(p))
			return true;
	return false;
}

double domains__rank(const struct ls_process *p)
{
	double r = 0;

	for (int i = 0; i < NDOMAINS; i++)
		r += by_final_text[i]->rank(p);
	return r;
}

void domains__release(struct model *m, struct ls_process *p)
{
	for (int i = 0; i < NDOMAINS; i++)
		by_json[i]->release(m, p);
}
