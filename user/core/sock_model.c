// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets: one bounded table of the sockets leakscope knows, keyed by the
 * kernel's sock address (or, for sockets known only from sock_diag, by
 * inode), from which each interval derives, per process, the unix
 * connections it holds grouped by (peer process, path) and its TCP
 * connections by state; verdicts come from verdict__decide like memory's.
 * This file: the table's entries and processes' states, records in, the
 * interval's pass and verdicts.  Unix pairing and closes are
 * sock_unix.c's, TCP states sock_tcp.c's; what is said of them
 * (explanations, JSON, text) sock_report.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model.h"
#include "records.h"
#include "sock_model.h"
#include "sock_state.h"
#include "sock_table.h"

struct sock_model *sock_model__new(uint32_t max_sockets)
{
	struct sock_model *sm = calloc(1, sizeof(*sm));

	if (!sm)
		return NULL;
	if (sock_table__init(&sm->table, max_sockets)) {
		free(sm);
		return NULL;
	}
	sm->npaths = 1;	/* 0 = unnamed */
	return sm;
}

void sock_model__free(struct sock_model *sm)
{
	if (!sm)
		return;
	sock_table__free(&sm->table);
	free(sm);
}

void sock_state__free(struct sock_state *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->ngroups; i++)
		free(s->groups[i].opens);
	free(s->tcp_by_state);
	free(s);
}

void sock_model__erase(struct sock_model *sm, struct sock_entry *e)
{
	if (e->unverified)
		sm->unverified--;
	sock_table__erase(&sm->table, e);
}

struct sock_state *sock_model__state_of(struct ls_process *p)
{
	if (!p->sock) {
		p->sock = calloc(1, sizeof(*p->sock));
		if (p->sock) {
			series__init(&p->sock->unix_series);
			series__init(&p->sock->stuck_series);
			series__init(&p->sock->tcp_series);
		}
	}
	return p->sock;
}

/* The entry for key (zeroed if new) of a socket of (tgid, start); NULL when
 * the table is full, counted run-wide and, when the owner is known, as
 * that process's: its report says how many of its sockets went uncounted. */
struct sock_entry *sock_model__insert(struct model *m, uint64_t key, uint32_t tgid, uint64_t start)
{
	struct sock_entry *e = sock_table__insert(&m->sock->table, key);
	struct ls_process *p;
	struct sock_state *ss;

	if (e)
		return e;
	m->sock->dropped++;
	if (tgid && (p = model__proc(m, tgid, start)) && (ss = sock_model__state_of(p)))
		ss->dropped++;
	return NULL;
}

void sock_model__ingest(struct model *m, const struct ls_rec_hdr *rec)
{
	if (!m->sock)
		return;
	switch (rec->type) {
	case LS_REC_UNIX_CONN: {
		/* BPF cuts the record after its path: what is cut reads as 0
		 * (ls_rec_check has bounded hdr.size) */
		struct ls_unix_conn whole = { 0 };

		memcpy(&whole, rec, rec->size);
		sock_unix__add(m, &whole);
		break;
	}
	case LS_REC_SOCK_CLOSE:
		sock_unix__add_close(m, (const struct ls_sock_close *)rec);
		break;
	case LS_REC_TCP_STATE:
		sock_tcp__add(m, (const struct ls_tcp_state *)rec);
		break;
	case LS_REC_UNIX_EXISTING:
		sock_unix__add_existing(m, (const struct ls_unix_existing *)rec);
		break;
	case LS_REC_TCP_EXISTING:
		sock_tcp__add_existing(m, (const struct ls_tcp_existing *)rec);
		break;
	case LS_REC_PROC_EXIT: {
		struct ls_process *p = model__find(m, rec->tgid);

		if (p && p->sock)
			m->sock->exits_pending = true;
		break;
	}
	case LS_REC_PROC_EXEC: {
		const struct ls_proc_exec *x = (const void *)rec;
		struct ls_process *p = model__find(m, rec->tgid);

		/* its ends are checked in the next pass (one pass for all
		 * the execs in an interval, not a table walk each) */
		if (p && p->sock && p->start_ns == x->start_ns) {
			p->sock->exec_pass = m->sock->pass + 1;
			p->sock->exec_ns = rec->ts_ns;
		}
		break;
	}
	default:
		break;
	}
}

/* Derive every process's view in one pass over the table. */
static void compute_views(struct model *m, uint64_t now)
{
	struct sock_model *sm = m->sock;

	sock_unix__settle(m, now);
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct sock_state *ss = model__slot(m, i)->sock;

		if (!model__slot(m, i)->tgid || !ss)
			continue;
		ss->unix_open = 0;
		ss->unix_unconfirmed = 0;
		ss->nstuck = 0;
		ss->tcp_held = 0;
		memset(ss->by_state, 0, sizeof(ss->by_state));
		for (uint32_t g = 0; g < ss->ngroups; g++) {
			ss->groups[g].open = 0;
			ss->groups[g].accepted = 0;
			ss->groups[g].oldest_ns = 0;
			ss->groups[g].before_attach = 0;
			ss->groups[g].oldest_at_least = false;
		}
		ss->now_ns = now;
	}
	for (uint32_t i = 0; i < sm->table.hi; i++) {
		struct sock_entry *e = sock_table__at(&sm->table, i);
		struct ls_process *p;
		struct sock_state *ss;

		if (!e || e->closed)
			continue;
		p = model__find(m, e->tgid);
		if (!p || p->start_ns != e->start_ns || !(ss = sock_model__state_of(p)))
			continue;
		if (e->family == AF_UNIX)
			sock_unix__view(m, e, ss);
		else
			sock_tcp__view(ss, e);
	}
	sm->pass++;
	sm->computed_at = now;
}

/* Each peer group's own rate: its open count each interval (kept once it
 * holds a connection), fitted over the span the process's verdict used, so
 * that the rates of its peers add up to the process's. */
static void group_rates(struct sock_state *ss, uint64_t now_ns)
{
	const struct series *all = &ss->unix_series;
	uint64_t since = all->n ? all->t_ns[ss->unix_v.window_from < all->n ?
					    ss->unix_v.window_from : 0] : 0;

	for (uint32_t i = 0; i < ss->ngroups; i++) {
		struct peer_group *g = &ss->groups[i];
		struct trend t;
		uint32_t from = 0;

		g->rate = 0;
		if (!g->opens && g->open) {
			g->opens = malloc(sizeof(*g->opens));
			if (!g->opens)
				continue;
			series__init(g->opens);
			/* it held none at the last interval */
			if (all->n >= 2)
				series__add(g->opens, all->t_ns[all->n - 2], 0);
		}
		if (!g->opens)
			continue;
		series__add(g->opens, now_ns, (double)g->open);
		while (from < g->opens->n && g->opens->t_ns[from] < since)
			from++;
		trend__fit_range(g->opens, from, g->opens->n, &t);
		g->rate = t.slope;
	}
}

/* Peer groups by open ends, then by opened: the report shows the first. */
static int cmp_group(const void *a, const void *b)
{
	const struct peer_group *x = a, *y = b;

	if (x->open != y->open)
		return x->open < y->open ? 1 : -1;
	return x->opened < y->opened ? 1 : x->opened > y->opened ? -1 : 0;
}

/* Groups that hold nothing and never did: an end is grouped by its peer
 * as known at a pass, and one whose peer's record had not come yet sat
 * for a pass under "peer unknown" before its own group; that group is
 * left with no end, none opened, none closed.  It says nothing: gone, so
 * a report names only real peers (and it frees a place of 16). */
static void drop_empty_groups(struct sock_state *ss)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < ss->ngroups; i++) {
		struct peer_group *g = &ss->groups[i];

		if (!g->open && !g->opened && !g->closed) {
			free(g->opens);
			continue;
		}
		if (k != i)
			ss->groups[k] = *g;
		k++;
	}
	ss->ngroups = k;
}

void sock_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{
	struct sock_state *ss = p->sock;
	uint64_t stuck = 0;

	if (!m->sock || !ss)
		return;
	if (m->sock->computed_at != now_ns)
		compute_views(m, now_ns);
	drop_empty_groups(ss);
	qsort(ss->groups, ss->ngroups, sizeof(ss->groups[0]), cmp_group);
	stuck = ss->by_state[TCP_CLOSE_WAIT] + ss->by_state[TCP_FIN_WAIT2];
	series__add(&ss->unix_series, now_ns, (double)ss->unix_open);
	series__add(&ss->stuck_series, now_ns, (double)stuck);
	series__add(&ss->tcp_series, now_ns, (double)ss->tcp_held);
	sock_tcp__series(m, ss, now_ns);
	verdict__decide(&ss->unix_series, &verdict_params_count, &ss->unix_v);
	verdict__decide(&ss->stuck_series, &verdict_params_count, &ss->tcp_v);
	group_rates(ss, now_ns);
	sock_explain__unix(m, p, ss);
	sock_explain__tcp(p, ss);
	if (p->incomplete) {
		sock_explain__doubt(m, p, &ss->unix_v, ss->explanation, sizeof(ss->explanation));
		sock_explain__doubt(m, p, &ss->tcp_v, ss->tcp_explanation, sizeof(ss->tcp_explanation));
	}
}

bool sock_model__notable(const struct ls_process *p)
{
	const struct sock_state *ss = p->sock;

	if (!ss)
		return false;
	return ss->unix_v.verdict == VERDICT_LEAK || ss->unix_v.verdict == VERDICT_GROWING ||
	       ss->tcp_v.verdict == VERDICT_LEAK || ss->tcp_v.verdict == VERDICT_GROWING;
}

uint64_t sock_model__dropped(const struct model *m)
{
	return m->sock ? m->sock->dropped : 0;
}
