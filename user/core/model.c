// SPDX-License-Identifier: GPL-2.0
/*
 * The process table and the record dispatcher.  Processes live in slots
 * (max_procs at most, in chunks allocated as they are first used: a slot
 * never moves) indexed by an open-addressing hash on tgid; a reused pid
 * replaces the old entry in place.  A slot is small until its process
 * shows something: its series (proc_samples), memory extras, socket and
 * setns state are allocated on use and freed with it.  When the table is
 * full, a record showing activity takes the slot of the least interesting
 * process (exited, then idle: no event, samples that never changed or a
 * plain verdict), counted in procs_evicted when that one was alive; a
 * sample or a name takes only an exited process's slot, else its process
 * is counted in procs_capped.  Nothing here grows with run time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "domain.h"
#include "model.h"
#include "proc_samples.h"
#include "records.h"

#define NO_SLOT UINT32_MAX
/* pids below this are counted once each in procs_capped (a bitmap of
 * 512 KiB, allocated at the first refusal); Linux's pid_max is at most
 * 4,194,304 */
#define CAPPED_PID_LIMIT	(1U << 22)

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
	uint32_t cap = 1, nchunks;

	if (!m)
		return NULL;
	m->opts = *opts;
	m->max_procs = opts->max_procs ? opts->max_procs : MODEL_MAX_PROCS;
	if (!m->opts.top_n)
		m->opts.top_n = 10;
	while (cap < 2 * m->max_procs)
		cap <<= 1;
	nchunks = (m->max_procs + MODEL_SLOT_CHUNK - 1) / MODEL_SLOT_CHUNK;
	ix = calloc(1, sizeof(*ix));
	m->chunks = calloc(nchunks, sizeof(*m->chunks));
	m->free_slots = calloc(m->max_procs, sizeof(uint32_t));
	if (ix)
		ix->slot = malloc(cap * sizeof(uint32_t));
	m->index = ix;
	if (!ix || !ix->slot || !m->chunks || !m->free_slots || domains__create(m)) {
		model__free(m);
		return NULL;
	}
	ix->cap = cap;
	memset(ix->slot, 0xff, cap * sizeof(uint32_t));
	/* free slots handed out lowest first, so that chunks fill in order
	 * and a freed slot is the next one used */
	for (uint32_t i = 0; i < m->max_procs; i++)
		m->free_slots[i] = m->max_procs - 1 - i;
	m->nfree = m->max_procs;
	return m;
}

static void proc_release(struct model *m, struct ls_process *p)
{
	domains__release(m, p);
	proc_samples__release(m, p);
	if (p->exited)
		m->nexited--;
	p->exited = false;
}

void model__free(struct model *m)
{
	struct model_index *ix;

	if (!m)
		return;
	for (uint32_t i = 0; i < m->nslots; i++)
		if (model__slot(m, i)->tgid)
			proc_release(m, model__slot(m, i));
	for (uint32_t c = 0; m->chunks && c * MODEL_SLOT_CHUNK < m->nslots; c++)
		free(m->chunks[c]);
	ix = idx_of(m);
	if (ix)
		free(ix->slot);
	free(ix);
	free(m->chunks);
	free(m->free_slots);
	free(m->capped_pids);
	domains__destroy(m);
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

	while (ix->slot[i] != NO_SLOT && model__slot(m, ix->slot[i])->tgid != tgid)
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
		home = hash_tgid(model__slot(m, ix->slot[j])->tgid, ix->cap);
		/* move j back to i if i lies cyclically in [home, j) */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			ix->slot[i] = ix->slot[j];
			ix->slot[j] = NO_SLOT;
			i = j;
		}
	}
}

static uint32_t slot_no(const struct model *m, const struct ls_process *p)
{
	for (uint32_t c = 0; c * MODEL_SLOT_CHUNK < m->nslots; c++) {
		uint32_t n = m->nslots - c * MODEL_SLOT_CHUNK;

		n = n > MODEL_SLOT_CHUNK ? MODEL_SLOT_CHUNK : n;
		if (p >= m->chunks[c] && p < m->chunks[c] + n)
			return c * MODEL_SLOT_CHUNK + (uint32_t)(p - m->chunks[c]);
	}
	return NO_SLOT;	/* not reached: p is a slot */
}

static void proc_remove(struct model *m, struct ls_process *p)
{
	uint32_t i = idx_find(m, p->tgid);

	if (idx_of(m)->slot[i] != NO_SLOT)
		idx_delete(m, i);
	proc_release(m, p);
	m->free_slots[m->nfree++] = slot_no(m, p);
	memset(p, 0, sizeof(*p));
	m->nprocs--;
}

struct ls_process *model__find(const struct model *m, uint32_t tgid)
{
	uint32_t i;

	if (!tgid)
		return NULL;
	i = idx_find(m, tgid);
	return idx_of(m)->slot[i] == NO_SLOT ? NULL : model__slot(m, idx_of(m)->slot[i]);
}

static bool proc_notable(const struct ls_process *p)
{
	return domains__notable(p);
}

/* How little a process would be missed, lowest first; EVICT_NEVER for
 * one that showed activity. */
enum evict_tier {
	EVICT_EXITED,		/* exited, showed nothing */
	EVICT_EXITED_NOTABLE,	/* exited; its report goes with it */
	EVICT_IDLE,		/* alive, no event, every sample the same */
	EVICT_PLAIN,		/* alive, no event, a plain verdict */
	EVICT_NEVER,
};

static enum evict_tier evict_tier(const struct ls_process *p)
{
	if (p->exited)
		return proc_notable(p) ? EVICT_EXITED_NOTABLE : EVICT_EXITED;
	if (p->active_ts_ns || p->sock || p->ns || proc_notable(p))
		return EVICT_NEVER;
	return p->samples.full ? EVICT_PLAIN : EVICT_IDLE;
}

/* Make room: the least interesting process up to tier worst (exited ones:
 * the one that ended longest ago; live ones: the lowest ranked). */
static bool evict_one(struct model *m, enum evict_tier worst)
{
	struct ls_process *victim = NULL;
	enum evict_tier vt = EVICT_NEVER;

	if (worst <= EVICT_EXITED_NOTABLE && !m->nexited)
		return false;	/* a sample of a full table of live ones: no scan */
	if (m->no_victim)
		return false;	/* none at the last scan, and nothing changed since */
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct ls_process *p = model__slot(m, i);
		enum evict_tier t;

		if (!p->tgid)
			continue;
		t = evict_tier(p);
		if (t > worst || t > vt)
			continue;
		if (!victim || t < vt ||
		    (t <= EVICT_EXITED_NOTABLE ? p->exit_ts_ns < victim->exit_ts_ns
					       : p->rank < victim->rank)) {
			victim = p;
			vt = t;
		}
	}
	if (!victim) {
		/* a busy host past the cap: no scan of every slot for each of
		 * its records until a process exits or an interval ends */
		m->no_victim = worst >= EVICT_PLAIN;
		return false;
	}
	if (vt >= EVICT_IDLE)
		m->procs_evicted++;
	proc_remove(m, victim);
	return true;
}

/* A process left out: counted once per pid (its samples come back every
 * interval), so that processes_not_tracked counts processes. */
static void count_capped(struct model *m, uint32_t tgid)
{
	if (tgid < CAPPED_PID_LIMIT) {
		if (!m->capped_pids)
			m->capped_pids = calloc(CAPPED_PID_LIMIT / 64, sizeof(uint64_t));
		if (m->capped_pids) {
			uint64_t bit = 1ULL << (tgid % 64);

			if (m->capped_pids[tgid / 64] & bit)
				return;
			m->capped_pids[tgid / 64] |= bit;
		}
	}
	m->procs_capped++;
}

static void proc_init(struct ls_process *p, uint32_t tgid, uint64_t start_ns)
{
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->start_ns = start_ns;
	p->samples.stride = 1;
}

/* Slot number slot, its chunk allocated if it is the first used in it. */
static struct ls_process *slot_take(struct model *m, uint32_t slot)
{
	uint32_t c = slot / MODEL_SLOT_CHUNK;

	while (m->nslots <= slot) {
		uint32_t k = m->nslots / MODEL_SLOT_CHUNK;
		uint32_t n = m->max_procs - m->nslots;	/* the last chunk: what is left */

		if (n > MODEL_SLOT_CHUNK)
			n = MODEL_SLOT_CHUNK;
		m->chunks[k] = calloc(n, sizeof(struct ls_process));
		if (!m->chunks[k])
			return NULL;
		m->nslots += n;
	}
	return &m->chunks[c][slot % MODEL_SLOT_CHUNK];
}

static struct ls_process *proc_get(struct model *m, uint32_t tgid, uint64_t start_ns,
				   enum evict_tier may_evict)
{
	struct model_index *ix = idx_of(m);
	struct ls_process *p;
	uint32_t i, slot;

	if (!tgid)
		return NULL;
	i = idx_find(m, tgid);
	if (ix->slot[i] != NO_SLOT) {
		p = model__slot(m, ix->slot[i]);
		/* start_ns 0: the record does not know (tcp softirq); take it */
		if (!start_ns || !p->start_ns || p->start_ns == start_ns) {
			if (!p->start_ns)
				p->start_ns = start_ns;
			return p;
		}
		/* the pid was reused: the old process is gone */
		proc_release(m, p);
		proc_init(p, tgid, start_ns);
		return p;
	}
	if (!m->nfree && !evict_one(m, may_evict)) {
		count_capped(m, tgid);
		return NULL;
	}
	slot = m->free_slots[m->nfree - 1];
	p = slot_take(m, slot);
	if (!p) {
		count_capped(m, tgid);
		return NULL;
	}
	m->nfree--;
	i = idx_find(m, tgid);	/* eviction may have moved chains */
	ix->slot[i] = slot;
	proc_init(p, tgid, start_ns);
	m->nprocs++;
	return p;
}

struct ls_process *model__proc(struct model *m, uint32_t tgid, uint64_t start_ns)
{
	struct ls_process *p = proc_get(m, tgid, start_ns, EVICT_PLAIN);

	if (p && !p->active_ts_ns)
		p->active_ts_ns = m->last_ts_ns ? m->last_ts_ns : 1;
	return p;
}

struct ls_process *model__proc_idle(struct model *m, uint32_t tgid, uint64_t start_ns)
{
	return proc_get(m, tgid, start_ns, EVICT_EXITED_NOTABLE);
}

uint64_t model__heap_bytes(const struct model *m)
{
	uint64_t n = (uint64_t)m->nslots * sizeof(struct ls_process) +
		     (uint64_t)m->nfull * sizeof(struct proc_series_full) +
		     domains__heap_bytes(m);

	for (uint32_t i = 0; i < m->nslots; i++)
		n += model__slot(m, i)->samples.cap * sizeof(uint64_t);
	return n;
}

uint64_t model__lost(const struct model *m)
{
	uint64_t n = m->user_drops + m->bad_records + m->procs_capped + m->alloc_drops +
		     domains__dropped(m);

	/* a stack that could not be walked loses no event: shown, not summed */
	for (int i = 0; i < LS_DROP_MAX; i++)
		if (i != LS_DROP_STACK)
			n += m->drops[i];
	return n;
}

void model__loss_reason(const struct model *m, char *buf, size_t len)
{
	const struct { const char *what; uint64_t n; } kinds[] = {
		{ "socket table full", m->drops[LS_DROP_SOCK] + domains__dropped(m) },
		{ "ring full", m->drops[LS_DROP_RINGBUF] },
		{ "pending-call table full", m->drops[LS_DROP_PENDING] },
		{ "ledger full", m->drops[LS_DROP_LEDGER] },
		{ "program runs the kernel skipped", m->drops[LS_DROP_SKIPPED] },
		{ "dropped in user space", m->user_drops + m->alloc_drops },
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

void model__wall_time(const struct model *m, uint64_t boot_ns, const char *fmt, char *buf,
		      size_t len)
{
	time_t t;
	struct tm tm;

	buf[0] = 0;
	if (!m->opts.wall_minus_boot_ns)
		return;
	t = (time_t)(((int64_t)boot_ns + m->opts.wall_minus_boot_ns) / 1000000000LL);
	if (gmtime_r(&t, &tm))
		strftime(buf, len, fmt, &tm);
}

double model__duration_s(const struct model *m)
{
	if (!m->first_ts_ns || m->last_ts_ns < m->first_ts_ns)
		return 0;
	return (double)(m->last_ts_ns - m->first_ts_ns) / 1e9;
}

static double proc_rank(const struct ls_process *p)
{
	return domains__rank(p);
}

/* Events were lost in this interval (a ring full: the reader fell behind
 * or was stopped; a table full): which processes they were of is not
 * known, so every process alive in it is marked, and the report says so.
 * Records of processes the full table left out are the exception: they
 * are about those processes only, which are not reported, and a tracked
 * process's counts come from its own records. */
static void mark_incomplete(struct model *m, uint64_t now)
{
	uint64_t lost = model__lost(m) - m->procs_capped;
	uint64_t since = m->prev_interval_ns ? m->prev_interval_ns : m->first_ts_ns;

	m->prev_interval_ns = now;
	if (lost <= m->lost_prev)
		return;
	m->lost_prev = lost;
	if (!m->lost_from_ns)
		m->lost_from_ns = since;
	m->lost_to_ns = now;
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct ls_process *p = model__slot(m, i);

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
	m->no_victim = false;	/* verdicts change: scan again */
	mark_incomplete(m, now);
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct ls_process *p = model__slot(m, i);

		if (!p->tgid)
			continue;
		domains__interval(m, p, now);
		p->rank = proc_rank(p);
	}
	if (iv->final)
		m->saw_final = true;
	if (m->report_fn)
		m->report_fn(m->report_ctx, m, iv->final != 0);
	/* when the table is half full, holds MODEL_KEEP_PROCS or
	 * MODEL_KEEP_EXITED exited ones (a host forking 1,000 a second),
	 * short-lived processes that showed nothing make room after a report */
	for (uint32_t i = 0; !iv->final && i < m->nslots &&
	     (m->nprocs > m->max_procs / 2 || m->nprocs > MODEL_KEEP_PROCS ||
	      m->nexited > MODEL_KEEP_EXITED); i++) {
		struct ls_process *p = model__slot(m, i);

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

	if (rec->type == LS_REC_INTERVAL) {
		interval_end(m, (const struct ls_interval *)rec);
		return 0;
	}
	/* sockets' and namespaces' records find their processes themselves */
	if (domains__ingest_unowned(m, rec))
		return 0;

	/* the exit of a process never seen (forked and gone between two
	 * samples, no socket, no setns): no report could show it */
	if (rec->type == LS_REC_PROC_EXIT && !model__find(m, rec->tgid))
		return 0;
	/* a sample or a name shows no activity: it takes no live
	 * process's slot */
	if (rec->type == LS_REC_PROC_SAMPLE || rec->type == LS_REC_PROC_META ||
	    rec->type == LS_REC_PROC_CGROUP || rec->type == LS_REC_PROC_EXIT ||
	    rec->type == LS_REC_PROC_REGIONS || rec->type == LS_REC_HEAP ||
	    rec->type == LS_REC_HEAP_SITE)
		p = model__proc_idle(m, rec->tgid, ls_rec_start_ns(rec));
	else
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
			return 0;
		p->exited = true;
		m->nexited++;
		m->no_victim = false;
		p->exit_code = e->exit_code;
		p->exit_ts_ns = rec->ts_ns;
		if (!p->comm[0]) {
			memcpy(p->comm, e->comm, sizeof(p->comm));
			p->comm[sizeof(p->comm) - 1] = 0;
		}
		break;
	}
	case LS_REC_PROC_SAMPLE: {
		const struct ls_proc_sample *s = (const void *)rec;

		if (s->flags & LS_SAMPLE_HAS_FDS)
			p->fds_open = s->fds_open;
		break;
	}
	default:
		break;
	}
	domains__ingest(m, p, rec);
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
	all = malloc((m->nprocs ? m->nprocs : 1) * sizeof(*all));
	if (!all)
		return 0;
	for (uint32_t i = 0; i < m->nslots; i++) {
		const struct ls_process *p = model__slot(m, i);

		if (!p->tgid)
			continue;
		if (m->opts.only_tgid && p->tgid != m->opts.only_tgid)
			continue;
		/* traced processes are sampled; untraced ones (peers) are context */
		if (!p->mem.have_sample && !p->ns)
			continue;
		/* gone after a single sample with nothing else to say (no setns,
		 * no sockets): noise in a report */
		if (p->exited && model__samples(p) < 2 && !proc_notable(p) && !p->ns && !p->sock)
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
