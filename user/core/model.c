// SPDX-License-Identifier: GPL-2.0
/*
 * The process table and the record dispatcher.  Processes live in a fixed
 * array (max_procs slots, allocated once) indexed by an open-addressing hash
 * on tgid; a reused pid replaces the old entry in place, and when the table
 * is full an exited process is evicted, or the newcomer is counted and left
 * out.  Nothing here grows with run time.
 */
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "records.h"
#include "sock_model.h"

#define NO_SLOT UINT32_MAX

struct model_index {
	uint32_t cap;		/* power of two, >= 2 * max_procs */
	uint32_t *slot;		/* index -> procs slot, NO_SLOT when empty */
};

static struct model_index *idx_of(const struct model *m)
{
	return (struct model_index *)m->index;
}

static uint32_t hash_tgid(uint32_t tgid, uint32_t cap)
{
	return (tgid * 2654435761u) & (cap - 1);
}

struct model *model__new(const struct model_opts *opts)
{
	struct model *m = calloc(1, sizeof(*m));
	struct model_index *ix;
	uint32_t cap = 1;

	if (!m)
		return NULL;
	m->opts = *opts;
	m->max_procs = opts->max_procs ? opts->max_procs : MODEL_MAX_PROCS;
	if (!m->opts.top_n)
		m->opts.top_n = 10;
	while (cap < 2 * m->max_procs)
		cap <<= 1;
	ix = calloc(1, sizeof(*ix));
	m->procs = calloc(m->max_procs, sizeof(*m->procs));
	m->free_slots = calloc(m->max_procs, sizeof(uint32_t));
	if (ix)
		ix->slot = malloc(cap * sizeof(uint32_t));
	m->index = ix;
	m->sock = sock_model__new(m->opts.max_sockets);
	if (!ix || !ix->slot || !m->procs || !m->free_slots || !m->sock) {
		model__free(m);
		return NULL;
	}
	ix->cap = cap;
	memset(ix->slot, 0xff, cap * sizeof(uint32_t));
	/* free slots handed out from the top so early processes come first */
	for (uint32_t i = 0; i < m->max_procs; i++)
		m->free_slots[i] = m->max_procs - 1 - i;
	m->nfree = m->max_procs;
	return m;
}

static void proc_release(struct ls_process *p)
{
	sock_state__free(p->sock);
	ns_state__free(p->ns);
	p->sock = NULL;
	p->ns = NULL;
}

void model__free(struct model *m)
{
	struct model_index *ix;

	if (!m)
		return;
	for (uint32_t i = 0; m->procs && i < m->max_procs; i++)
		if (m->procs[i].tgid)
			proc_release(&m->procs[i]);
	ix = idx_of(m);
	if (ix)
		free(ix->slot);
	free(ix);
	free(m->procs);
	free(m->free_slots);
	sock_model__free(m->sock);
	free(m);
}

void model__set_report(struct model *m, model_report_fn fn, void *ctx)
{
	m->report_fn = fn;
	m->report_ctx = ctx;
}

/* Index position holding tgid, or where it would go (slot NO_SLOT). */
static uint32_t idx_find(const struct model *m, uint32_t tgid)
{
	const struct model_index *ix = idx_of(m);
	uint32_t i = hash_tgid(tgid, ix->cap);

	while (ix->slot[i] != NO_SLOT && m->procs[ix->slot[i]].tgid != tgid)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void idx_delete(struct model *m, uint32_t i)
{
	struct model_index *ix = idx_of(m);
	uint32_t mask = ix->cap - 1, j = i;

	ix->slot[i] = NO_SLOT;
	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (ix->slot[j] == NO_SLOT)
			return;
		home = hash_tgid(m->procs[ix->slot[j]].tgid, ix->cap);
		/* move j back to i if i lies cyclically in [home, j) */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ix->slot[i] = ix->slot[j];
			ix->slot[j] = NO_SLOT;
			i = j;
		}
	}
}

static void proc_remove(struct model *m, struct ls_process *p)
{
	uint32_t i = idx_find(m, p->tgid);

	if (idx_of(m)->slot[i] != NO_SLOT)
		idx_delete(m, i);
	proc_release(p);
	memset(p, 0, sizeof(*p));
	m->free_slots[m->nfree++] = (uint32_t)(p - m->procs);
	m->nprocs--;
}

struct ls_process *model__find(const struct model *m, uint32_t tgid)
{
	uint32_t i;

	if (!tgid)
		return NULL;
	i = idx_find(m, tgid);
	return idx_of(m)->slot[i] == NO_SLOT ? NULL : &m->procs[idx_of(m)->slot[i]];
}

static bool proc_notable(const struct ls_process *p)
{
	enum verdict v = p->mem.verdict;

	return v == VERDICT_LEAK || v == VERDICT_GROWING || v == VERDICT_LAZY_FREE ||
	       sock_model__notable(p) || ns_model__notable(p);
}

/* Make room: the exited process that ended longest ago and shows nothing. */
static bool evict_one(struct model *m)
{
	struct ls_process *victim = NULL;

	for (uint32_t i = 0; i < m->max_procs; i++) {
		struct ls_process *p = &m->procs[i];

		if (!p->tgid || !p->exited)
			continue;
		if (!victim || (proc_notable(victim) && !proc_notable(p)) ||
		    (proc_notable(victim) == proc_notable(p) && p->exit_ts_ns < victim->exit_ts_ns))
			victim = p;
	}
	if (!victim)
		return false;
	proc_remove(m, victim);
	return true;
}

static void proc_init(struct ls_process *p, uint32_t tgid, uint64_t start_ns)
{
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->start_ns = start_ns;
	series__init(&p->fds);
	series__init(&p->mem.real);
	series__init(&p->mem.rss);
	series__init(&p->mem.lazy);
}

struct ls_process *model__proc(struct model *m, uint32_t tgid, uint64_t start_ns)
{
	struct model_index *ix = idx_of(m);
	struct ls_process *p;
	uint32_t i, slot;

	if (!tgid)
		return NULL;
	i = idx_find(m, tgid);
	if (ix->slot[i] != NO_SLOT) {
		p = &m->procs[ix->slot[i]];
		/* start_ns 0: the record does not know (tcp softirq); take it */
		if (!start_ns || !p->start_ns || p->start_ns == start_ns) {
			if (!p->start_ns)
				p->start_ns = start_ns;
			return p;
		}
		/* the pid was reused: the old process is gone */
		proc_release(p);
		proc_init(p, tgid, start_ns);
		return p;
	}
	if (!m->nfree && !evict_one(m)) {
		m->procs_capped++;
		return NULL;
	}
	i = idx_find(m, tgid);	/* eviction may have moved chains */
	slot = m->free_slots[--m->nfree];
	ix->slot[i] = slot;
	p = &m->procs[slot];
	proc_init(p, tgid, start_ns);
	m->nprocs++;
	return p;
}

uint64_t model__lost(const struct model *m)
{
	uint64_t n = m->user_drops + m->bad_records + m->procs_capped + sock_model__dropped(m);

	/* a stack that could not be walked loses no event: shown, not summed */
	for (int i = 0; i < LS_DROP_MAX; i++)
		if (i != LS_DROP_STACK)
			n += m->drops[i];
	return n;
}

void model__loss_reason(const struct model *m, char *buf, size_t len)
{
	const struct { const char *what; uint64_t n; } kinds[] = {
		{ "socket table full", m->drops[LS_DROP_SOCK] + sock_model__dropped(m) },
		{ "ring full", m->drops[LS_DROP_RINGBUF] },
		{ "pending-call table full", m->drops[LS_DROP_PENDING] },
		{ "ledger full", m->drops[LS_DROP_LEDGER] },
		{ "dropped in user space", m->user_drops },
		{ "processes not tracked", m->procs_capped },
		{ "bad records", m->bad_records },
	};
	size_t at;

	at = (size_t)snprintf(buf, len, "%llu events lost (", (unsigned long long)model__lost(m));
	for (size_t i = 0, said = 0; i < sizeof(kinds) / sizeof(kinds[0]) && at < len; i++) {
		if (!kinds[i].n)
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s %llu", said++ ? ", " : "",
				       kinds[i].what, (unsigned long long)kinds[i].n);
	}
	if (at < len)
		snprintf(buf + at, len - at, ")");
}

double model__duration_s(const struct model *m)
{
	if (!m->first_ts_ns || m->last_ts_ns < m->first_ts_ns)
		return 0;
	return (double)(m->last_ts_ns - m->first_ts_ns) / 1e9;
}

static double proc_rank(const struct ls_process *p)
{
	double r = 0;

	if (ns_model__notable(p))
		r += 4000;
	if (sock_model__notable(p))
		r += 2000;
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

/* Events were lost in this interval (a ring full: the reader fell behind
 * or was stopped; a table full): which processes they were of is not
 * known, so every process alive in it is marked, and the report says so. */
static void mark_incomplete(struct model *m, uint64_t now)
{
	uint64_t lost = model__lost(m), since = m->prev_interval_ns ? m->prev_interval_ns
								    : m->first_ts_ns;

	m->prev_interval_ns = now;
	if (lost <= m->lost_prev)
		return;
	m->lost_prev = lost;
	if (!m->lost_from_ns)
		m->lost_from_ns = since;
	m->lost_to_ns = now;
	for (uint32_t i = 0; i < m->max_procs; i++) {
		struct ls_process *p = &m->procs[i];

		if (p->tgid && (!p->exited || p->exit_ts_ns >= since))
			p->incomplete = true;
	}
}

static void interval_end(struct model *m, const struct ls_interval *iv)
{
	uint64_t now = iv->hdr.ts_ns;

	m->interval_ns = iv->interval_ns;
	memcpy(m->drops, iv->drops, sizeof(m->drops));
	m->user_drops = iv->user_drops;
	m->snapshot_untraced_skipped = iv->snapshot_untraced_skipped;
	m->procs_capped = iv->procs_capped > m->procs_capped ? iv->procs_capped : m->procs_capped;
	m->intervals++;
	mark_incomplete(m, now);
	for (uint32_t i = 0; i < m->max_procs; i++) {
		struct ls_process *p = &m->procs[i];

		if (!p->tgid)
			continue;
		sock_model__interval(m, p, now);
		mem_model__interval(m, p, now);	/* what memory grows with: sockets' views */
		ns_model__interval(m, p, now);
		p->rank = proc_rank(p);
	}
	if (iv->final)
		m->saw_final = true;
	if (m->report_fn)
		m->report_fn(m->report_ctx, m, iv->final != 0);
	/* when the table is half full, short-lived processes that showed
	 * nothing make room after a report (whole-machine runs churn) */
	for (uint32_t i = 0; !iv->final && m->nprocs > m->max_procs / 2 && i < m->max_procs; i++) {
		struct ls_process *p = &m->procs[i];

		if (p->tgid && p->exited && !proc_notable(p) && p->exit_ts_ns + iv->interval_ns < now)
			proc_remove(m, p);
	}
}

int model__ingest(struct model *m, const struct ls_rec_hdr *rec, size_t len)
{
	struct ls_process *p = NULL;

	if (ls_rec_check(rec, len)) {
		m->bad_records++;
		return -1;
	}
	if (!m->first_ts_ns || rec->ts_ns < m->first_ts_ns)
		m->first_ts_ns = rec->ts_ns;
	if (rec->ts_ns > m->last_ts_ns)
		m->last_ts_ns = rec->ts_ns;

	switch (rec->type) {
	case LS_REC_INTERVAL:
		interval_end(m, (const struct ls_interval *)rec);
		return 0;
	case LS_REC_UNIX_CONN:
	case LS_REC_SOCK_CLOSE:
	case LS_REC_TCP_STATE:
	case LS_REC_UNIX_EXISTING:
	case LS_REC_TCP_EXISTING:
	case LS_REC_PROC_EXEC:		/* only sockets care */
		sock_model__ingest(m, rec);
		return 0;
	case LS_REC_SETNS:
	case LS_REC_UNSHARE:
		ns_model__ingest(m, rec);
		return 0;
	default:
		break;
	}

	p = model__proc(m, rec->tgid, ls_rec_start_ns(rec));
	if (!p)
		return 0;	/* counted in procs_capped */
	if (!p->first_ts_ns)
		p->first_ts_ns = rec->ts_ns;
	p->last_ts_ns = rec->ts_ns;

	switch (rec->type) {
	case LS_REC_PROC_META: {
		const struct ls_proc_meta *meta = (const void *)rec;

		memcpy(p->comm, meta->comm, sizeof(p->comm));
		p->comm[sizeof(p->comm) - 1] = 0;
		memcpy(p->exe, meta->exe, sizeof(p->exe));
		p->exe[sizeof(p->exe) - 1] = 0;
		p->ppid = meta->ppid;
		break;
	}
	case LS_REC_PROC_CGROUP: {
		const struct ls_proc_cgroup *cg = (const void *)rec;

		memcpy(p->cgroup, cg->path, sizeof(p->cgroup));
		p->cgroup[sizeof(p->cgroup) - 1] = 0;
		p->cgroup_cut = cg->flags & LS_CGROUP_CUT;
		cgroup_path__parse(p->cgroup, sizeof(p->cgroup), &p->container);
		memcpy(p->container_name, cg->name, sizeof(p->container_name));
		p->container_name[sizeof(p->container_name) - 1] = 0;
		break;
	}
	case LS_REC_PROC_FORK: {
		const struct ls_proc_fork *f = (const void *)rec;

		p->ppid = f->parent_tgid;
		break;
	}
	case LS_REC_PROC_EXIT: {
		const struct ls_proc_exit *e = (const void *)rec;

		/* once: on kernels whose exit tracepoint does not say which
		 * thread ended the group, two threads ending at once both can */
		if (p->exited)
			break;
		p->exited = true;
		p->exit_code = e->exit_code;
		p->exit_ts_ns = rec->ts_ns;
		if (!p->comm[0]) {
			memcpy(p->comm, e->comm, sizeof(p->comm));
			p->comm[sizeof(p->comm) - 1] = 0;
		}
		mem_model__ingest(m, p, rec);
		sock_model__ingest(m, rec);
		ns_model__ingest(m, rec);
		break;
	}
	case LS_REC_PROC_SAMPLE: {
		const struct ls_proc_sample *s = (const void *)rec;

		if (s->flags & LS_SAMPLE_HAS_FDS) {
			p->fds_open = s->fds_open;
			series__add(&p->fds, rec->ts_ns, s->fds_open);
		}
		mem_model__ingest(m, p, rec);
		break;
	}
	default:
		mem_model__ingest(m, p, rec);
		break;
	}
	return 0;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct ls_process *pa = *(const struct ls_process *const *)a;
	const struct ls_process *pb = *(const struct ls_process *const *)b;

	if (pa->rank != pb->rank)
		return pa->rank < pb->rank ? 1 : -1;
	return pa->tgid < pb->tgid ? -1 : pa->tgid > pb->tgid;
}

uint32_t model__ranked(const struct model *m, const struct ls_process **out, uint32_t max,
		       bool final)
{
	uint32_t n = 0, shown = 0, top = 0;
	const struct ls_process **all;

	(void)final;
	all = malloc(m->max_procs * sizeof(*all));
	if (!all)
		return 0;
	for (uint32_t i = 0; i < m->max_procs; i++) {
		const struct ls_process *p = &m->procs[i];

		if (!p->tgid)
			continue;
		if (m->opts.only_tgid && p->tgid != m->opts.only_tgid)
			continue;
		/* traced processes are sampled; untraced ones (peers) are context */
		if (!p->mem.have_sample && !p->ns)
			continue;
		/* gone after a single sample with nothing else to say (no setns,
		 * no sockets): noise in a report */
		if (p->exited && p->mem.real.n < 2 && !proc_notable(p) && !p->ns && !p->sock)
			continue;
		all[n++] = p;
	}
	qsort(all, n, sizeof(*all), cmp_rank);
	/* every notable process, plus the top_n others by rank */
	for (uint32_t i = 0; i < n && shown < max; i++) {
		if (proc_notable(all[i]) || top++ < m->opts.top_n)
			out[shown++] = all[i];
	}
	free(all);
	return shown;
}
