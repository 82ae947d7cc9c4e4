// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets: one bounded table of the sockets leakscope knows, keyed by the
 * kernel's sock address (or, for sockets known only from sock_diag, by
 * inode), from which each interval derives, per process, the unix
 * connections it holds grouped by (peer process, path) and its TCP
 * connections by state; verdicts come from verdict__decide like memory's.
 * What is said of them (explanations, JSON, text) is sock_report.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct sock_entry *find(struct sock_model *sm, uint64_t key)
{
	return sock_table__find(&sm->table, key);
}


static void erase(struct sock_model *sm, struct sock_entry *e)
{
	if (e->unverified)
		sm->unverified--;
	sock_table__erase(&sm->table, e);
}

static uint16_t intern_path(struct sock_model *sm, const char *name, uint16_t len, uint8_t abstract)
{
	if (len > LS_PATH_LEN)
		len = LS_PATH_LEN;
	/* pathnames: the kernel's length may count the terminating NUL */
	while (!abstract && len && (name[len - 1] == 0 || memchr(name, 0, len)))
		len = (uint16_t)strnlen(name, len);
	if (!len)
		return 0;
	for (uint32_t i = 1; i < sm->npaths; i++)
		if (sm->paths[i].len == len && sm->paths[i].abstract == abstract &&
		    !memcmp(sm->paths[i].name, name, len))
			return (uint16_t)i;
	if (sm->npaths == SOCK_MAX_PATHS)
		return 0;	/* shown as "(unnamed)": rare, and counted nowhere worse */
	memcpy(sm->paths[sm->npaths].name, name, len);
	sm->paths[sm->npaths].name[len] = 0;
	sm->paths[sm->npaths].len = len;
	sm->paths[sm->npaths].abstract = abstract;
	return (uint16_t)sm->npaths++;
}

const char *sock_model__path_name(const struct sock_model *sm, uint16_t idx, char *buf,
				  size_t len)
{
	const struct sock_path *p;

	if (!idx || idx >= sm->npaths) {
		snprintf(buf, len, "(unnamed)");
		return buf;
	}
	p = &sm->paths[idx];
	if (p->abstract) {
		size_t n = 0;

		/* abstract names may hold any byte: show printable ones */
		buf[n++] = '@';
		for (uint16_t i = 1; i < p->len && n + 1 < len; i++)
			buf[n++] = (p->name[i] >= 0x20 && p->name[i] < 0x7f) ? p->name[i] : '.';
		buf[n] = 0;
		return buf;
	}
	snprintf(buf, len, "%s", p->name);
	return buf;
}

static struct sock_state *state_of(struct ls_process *p)
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
static struct sock_entry *insert(struct model *m, uint64_t key, uint32_t tgid, uint64_t start)
{
	struct sock_entry *e = sock_table__insert(&m->sock->table, key);
	struct ls_process *p;
	struct sock_state *ss;

	if (e)
		return e;
	m->sock->dropped++;
	if (tgid && (p = model__proc(m, tgid, start)) && (ss = state_of(p)))
		ss->dropped++;
	return NULL;
}

static struct peer_group *group_of(struct sock_state *ss, uint32_t peer_tgid, uint64_t peer_start,
				   uint16_t path)
{
	for (uint32_t i = 0; i < ss->ngroups; i++) {
		struct peer_group *g = &ss->groups[i];

		/* a start of 0 is "not known yet" (a peer named only by pid) */
		if (g->peer_tgid == peer_tgid && g->path == path &&
		    (!peer_tgid || g->peer_start == peer_start || !g->peer_start || !peer_start)) {
			if (!g->peer_start)
				g->peer_start = peer_start;
			return g;
		}
	}
	if (ss->ngroups == SOCK_MAX_GROUPS) {
		ss->groups_dropped++;
		return NULL;
	}
	memset(&ss->groups[ss->ngroups], 0, sizeof(ss->groups[0]));
	ss->groups[ss->ngroups].peer_tgid = peer_tgid;
	ss->groups[ss->ngroups].peer_start = peer_start;
	ss->groups[ss->ngroups].path = path;
	return &ss->groups[ss->ngroups++];
}

/* Who is at the other end: the paired peer (kept after it goes), else the
 * peer's entry, else the process accept() named by its credentials. */
static void peer_of(const struct model *m, const struct sock_entry *e,
		    const struct sock_entry *peer, uint32_t *tgid, uint64_t *start)
{
	if (e->peer_tgid) {
		*tgid = e->peer_tgid;
		*start = e->peer_start;
	} else if (peer) {
		*tgid = peer->tgid;
		*start = peer->start_ns;
	} else {
		*tgid = e->cred_tgid;
		*start = 0;
	}
	if (*tgid && !*start) {
		const struct ls_process *q = model__find(m, *tgid);

		*start = q ? q->start_ns : 0;
	}
}

/* Can p be the other end of e's connection?  Closes come late (per-CPU
 * close rings, read after the ring buffer), so the entry at e's peer
 * address can be an older socket not yet seen closed, or a newer one, and
 * both ends' addresses can be reused at once: the real peer points back,
 * and has the other role.  accept() names the connecting process
 * (SO_PEERCRED), so a client end must be that process's; a socketpair's
 * ends are one process's.  (sock_diag entries are paired by inode, and
 * one side may not know the other.) */
static bool ends_match(const struct sock_entry *e, const struct sock_entry *p)
{
	if (p->existing)
		return true;
	if (p->peer_key != e->key)
		return false;
	switch (e->kind) {
	case LS_UNIX_ACCEPT:
		return p->kind == LS_UNIX_CONNECT && (!e->cred_tgid || p->tgid == e->cred_tgid);
	case LS_UNIX_CONNECT:
		return p->kind == LS_UNIX_ACCEPT && (!p->cred_tgid || p->cred_tgid == e->tgid);
	case LS_UNIX_SOCKETPAIR:
		return p->kind == LS_UNIX_SOCKETPAIR && p->tgid == e->tgid;
	default:
		return true;
	}
}

/* The other end of e's connection, if its entry is there. */
static struct sock_entry *peer_entry(struct sock_model *sm, const struct sock_entry *e)
{
	struct sock_entry *p = e->peer_key ? find(sm, e->peer_key) : NULL;

	return p && ends_match(e, p) ? p : NULL;
}

/* Count a unix connection as opened in its owner's group, once its peer
 * is known (both ends seen) or when it closes unpaired. */
static void count_opened(struct model *m, struct sock_entry *e, const struct sock_entry *peer)
{
	struct ls_process *p;
	struct sock_state *ss;
	struct peer_group *g;
	uint32_t ptgid;
	uint64_t pstart;

	if (e->counted || e->existing)
		return;
	p = model__find(m, e->tgid);
	if (!p || p->start_ns != e->start_ns || !(ss = state_of(p)))
		return;
	peer_of(m, e, peer, &ptgid, &pstart);
	g = group_of(ss, ptgid, pstart, e->path ? e->path : (peer ? peer->path : 0));
	if (g)
		g->opened++;
	e->counted = 1;
}

/* Count a closed end in its owner's group and forget it. */
static void settle_close(struct model *m, struct sock_entry *e, const struct sock_entry *peer)
{
	struct ls_process *p = model__find(m, e->tgid);

	if (e->family == 1) {
		count_opened(m, e, peer);
		if (p && p->start_ns == e->start_ns && p->sock) {
			uint32_t ptgid;
			uint64_t pstart;
			struct peer_group *g;

			peer_of(m, e, peer, &ptgid, &pstart);
			g = group_of(p->sock, ptgid, pstart,
				     e->path ? e->path : (peer ? peer->path : 0));

			if (g)
				g->closed++;
		}
	}
	if (e->closed)
		m->sock->unpaired_closed--;
	erase(m->sock, e);
}

static void close_entry(struct model *m, struct sock_entry *e, uint64_t ts_ns);

static void add_unix(struct model *m, const struct ls_unix_conn *c)
{
	struct sock_model *sm = m->sock;
	struct sock_entry *e = find(sm, c->sk), *peer;
	struct ls_process *p;

	/* the address of an end closed unpaired is free again: settle it; an
	 * end whose close came unverified is proven gone */
	if (e && e->unverified) {
		close_entry(m, e, c->hdr.ts_ns);
		e = find(sm, c->sk);
	}
	/* another socket at this address was freed: its close, read from a
	 * per-CPU close ring, may come after this record */
	if (e && !e->closed && e->family == 1 && e->ino && c->ino && e->ino != c->ino) {
		close_entry(m, e, c->hdr.ts_ns);
		e = find(sm, c->sk);
	}
	if (e && e->closed)
		settle_close(m, e, NULL);
	/* made while we attached: the sock_diag snapshot has it too */
	if (c->ino && (e = find(sm, c->ino | EXISTING_BIT)) && e->tgid == c->hdr.tgid)
		erase(sm, e);
	e = insert(m, c->sk, c->hdr.tgid, c->start_ns);
	if (!e)
		return;
	p = model__proc(m, c->hdr.tgid, c->start_ns);
	if (p && !p->comm[0] && c->comm[0]) {
		memcpy(p->comm, c->comm, LS_COMM_LEN);
		p->comm[LS_COMM_LEN - 1] = 0;
	}
	if (p && state_of(p)) {
		p->sock->unix_opened++;
		if (!p->first_ts_ns)
			p->first_ts_ns = c->hdr.ts_ns;
	}
	/* read after its process's exit (the exit comes through the ring
	 * buffer, this from a per-CPU ring): closed by the next pass */
	if (p && p->exited)
		sm->exits_pending = true;
	e->tgid = c->hdr.tgid;
	e->start_ns = c->start_ns;
	e->peer_key = c->peer_sk;
	e->ino = c->ino;
	e->family = 1;
	e->accepted = c->kind == LS_UNIX_ACCEPT;
	e->kind = (uint8_t)c->kind;
	e->since_ns = c->hdr.ts_ns;
	e->path = intern_path(sm, c->path, c->path_len, c->abstract);
	e->cred_tgid = c->peer_tgid;
	peer = peer_entry(sm, e);
	if (!peer) {
		/* a client whose connect() was not traced: known by its pid,
		 * in the table so that the loader names it */
		if (c->peer_tgid && !model__find(m, c->peer_tgid)) {
			struct ls_process *q = model__proc(m, c->peer_tgid, 0);

			if (q)
				state_of(q);
		}
		if (c->peer_tgid)
			count_opened(m, e, NULL);
		return;
	}
	/* the path lives on the server's end: share it */
	if (!e->path)
		e->path = peer->path;
	else if (!peer->path)
		peer->path = e->path;
	peer->peer_key = c->sk;
	e->peer_tgid = peer->tgid;
	e->peer_start = peer->start_ns;
	peer->peer_tgid = e->tgid;
	peer->peer_start = e->start_ns;
	count_opened(m, e, peer);
	count_opened(m, peer, e);
	if (peer->closed) {
		/* it closed before we saw this end: now it can be counted */
		settle_close(m, peer, e);
	}
}

static void close_entry(struct model *m, struct sock_entry *e, uint64_t ts_ns)
{
	struct sock_model *sm = m->sock;
	struct ls_process *p = model__find(m, e->tgid);
	struct sock_entry *peer;

	if (e->unverified) {
		e->unverified = 0;
		e->check_only = 0;
		sm->unverified--;
	}
	if (e->closed)
		return;	/* already counted as closed */
	if (e->family != 1) {
		erase(sm, e);
		return;
	}
	if (p && p->start_ns == e->start_ns && p->sock)
		p->sock->unix_closed++;
	peer = peer_entry(sm, e);
	if (!peer && !e->peer_tgid && e->peer_key && !e->existing) {
		/* the other end's record has not come yet (an accept after
		 * the client already closed): wait for it to name the peer */
		e->closed = 1;
		e->closed_ns = ts_ns;
		sm->unpaired_closed++;
		return;
	}
	settle_close(m, e, peer);
}

/* Hold a unix end open until the loader finds its socket gone (and sends
 * its close again, verified), the owner closes it, the address is reused or
 * the owner exits.  by_owner: the owner's own close asked (it counts as
 * "closed by it, still held elsewhere" meanwhile); else another process
 * closed its copy, or the owner ran exec(). */
static void await_check(struct sock_model *sm, struct sock_entry *e, bool by_owner, uint64_t ts)
{
	if (!e->unverified) {
		e->unverified = 1;
		e->check_only = !by_owner;
		e->closed_ns = ts;
		sm->unverified++;
	} else if (e->check_only) {
		/* the owner's close now, or another reason to look: the
		 * loader checks for a minute from the latest */
		e->check_only = !by_owner;
		e->closed_ns = ts;
	}
}

static void add_close(struct model *m, const struct ls_sock_close *c)
{
	struct sock_entry *e = find(m->sock, c->sk);
	bool by_other;

	if (!e)
		e = find(m->sock, c->ino | EXISTING_BIT);
	if (!e)
		return;
	/* the close of an earlier socket at this address, read after the
	 * record of the one there now (closes come from per-CPU rings) */
	if (e->family == 1 && c->ino && e->ino && c->ino != e->ino)
		return;
	/* A unix close that may leave the socket held: one the kernel side
	 * could not check (another reference, a fd table too big to search),
	 * or another process's close of its copy (a forked child closing the
	 * fds it inherited, a process the fd was passed to).  Held open until
	 * the loader finds the socket gone and sends the close again,
	 * verified, or the owner closes it.  Another process's close can be
	 * the last one (the owner let go of its fd where BPF does not look,
	 * close_range or exec), hence the check rather than ignoring it. */
	by_other = c->hdr.tgid != e->tgid;
	if ((c->unverified || by_other) && e->family == 1 && !e->closed) {
		await_check(m->sock, e, !by_other, c->hdr.ts_ns);
		return;
	}
	close_entry(m, e, c->hdr.ts_ns);
}

uint32_t sock_model__unverified(const struct model *m, uint64_t since_ns, uint32_t max,
				struct sock_unverified *out)
{
	const struct sock_model *sm = m->sock;
	uint32_t n = 0, left;

	if (!sm || !sm->unverified)
		return 0;
	left = sm->unverified;
	for (uint32_t i = 0; left && n < max && i < sm->table.hi; i++) {
		const struct sock_entry *e = sock_table__at(&sm->table, i);

		if (!e || !e->unverified)
			continue;
		left--;
		if (e->closed_ns < since_ns)
			continue;
		out[n++] = (struct sock_unverified){ .sk = e->existing ? 0 : e->key, .ino = e->ino,
						     .tgid = e->tgid, .start_ns = e->start_ns };
	}
	return n;
}

/* Every socket a process held closed when it exited.  One pass over the
 * table per interval for all the exits in it (a pass per exit would cost
 * a whole-machine run dearly); entries whose process left the process
 * table (evicted, or its pid now another process's) go too. */
static void close_exited(struct model *m)
{
	struct sock_model *sm = m->sock;

	for (uint32_t i = 0; i < sm->table.hi; i++) {
		struct sock_entry *e = sock_table__at(&sm->table, i);
		const struct ls_process *p;

		if (!e || e->closed)
			continue;
		p = model__find(m, e->tgid);
		if (!p || p->exited || (p->start_ns && e->start_ns && p->start_ns != e->start_ns)) {
			close_entry(m, e, p && p->exited ? p->exit_ts_ns : 0);
		}
	}
	sm->exits_pending = false;
}

/* Ends closed unpaired whose peer never showed up: counted, peer unknown. */
static void settle_unpaired(struct model *m, uint64_t now)
{
	struct sock_model *sm = m->sock;

	for (uint32_t i = 0; sm->unpaired_closed && i < sm->table.hi; i++) {
		struct sock_entry *e = sock_table__at(&sm->table, i);

		if (e && e->closed && e->closed_ns + UNPAIRED_WAIT_NS <= now)
			settle_close(m, e, NULL);
	}
}

static void add_tcp(struct model *m, const struct ls_tcp_state *t)
{
	struct sock_model *sm = m->sock;
	struct sock_entry *e = find(sm, t->sk);

	if (!e && !t->hdr.tgid) {
		/* nobody owns it: one known from sock_diag, by inode */
		e = t->ino ? find(sm, t->ino | EXISTING_BIT) : NULL;
		if (!e || e->family == 1)
			return;
	}
	if (t->newstate == TCP_CLOSE) {
		if (e)
			erase(sm, e);
		return;
	}
	if (!e) {
		struct ls_process *p = model__proc(m, t->hdr.tgid, t->start_ns);

		e = insert(m, t->sk, t->hdr.tgid, t->start_ns);
		if (!e)
			return;
		e->tgid = t->hdr.tgid;
		e->start_ns = t->start_ns;
		e->family = t->family;
		e->sport = t->sport;
		e->dport = t->dport;
		memcpy(e->saddr, t->saddr, 16);
		memcpy(e->daddr, t->daddr, 16);
		if (p && state_of(p))
			p->sock->tcp_seen++;
	}
	if (t->oldstate == t->newstate && t->hdr.tgid)
		e->accepted = 1;	/* the "now owned by" record comes from accept() */
	if (e->state != t->newstate || !e->since_ns) {
		e->since_ns = t->hdr.ts_ns;
		e->before_attach = 0;	/* in this state since now: known */
	}
	e->state = t->newstate;
}

static void add_existing_unix(struct model *m, const struct ls_unix_existing *x)
{
	struct sock_entry *e = insert(m, x->ino | EXISTING_BIT, x->hdr.tgid, x->start_ns);

	if (!e)
		return;
	e->tgid = x->hdr.tgid;
	e->start_ns = x->start_ns;
	e->ino = x->ino;
	e->peer_key = x->peer_ino ? x->peer_ino | EXISTING_BIT : 0;
	e->peer_tgid = x->peer_tgid;
	e->family = 1;
	e->existing = 1;
	e->since_ns = x->hdr.ts_ns;	/* at least this old */
	e->before_attach = 1;
	e->path = intern_path(m->sock, x->path, x->path_len, x->abstract);
	if (x->listening)
		erase(m->sock, e);	/* listeners are not connections */
	else {
		struct ls_process *p = model__proc(m, x->hdr.tgid, x->start_ns);

		if (p)
			state_of(p);
	}
}

static bool is_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool same_listener(const struct tcp_listener *l, const struct ls_tcp_existing *x)
{
	return l->family == x->family && l->port == x->sport &&
	       (is_zero(l->addr, sizeof(l->addr)) || !memcmp(l->addr, x->saddr, sizeof(l->addr)));
}

static void add_listener(struct sock_model *sm, const struct ls_tcp_existing *x)
{
	struct tcp_listener *l;

	for (uint32_t i = 0; i < sm->nlisteners; i++) {
		l = &sm->listeners[i];
		if (l->family == x->family && l->port == x->sport &&
		    !memcmp(l->addr, x->saddr, sizeof(l->addr)))
			return;	/* one listener held by several processes */
	}
	if (sm->nlisteners == SOCK_MAX_LISTENERS)
		return;
	l = &sm->listeners[sm->nlisteners++];
	l->family = (uint8_t)x->family;
	l->port = x->sport;
	memcpy(l->addr, x->saddr, sizeof(l->addr));
}

/* Did accept() make this socket from before attach?  It did when it is on
 * a listening port (the kernel's dump lists listeners first).  Then it is
 * grouped with the accepted sockets that come later, by the service port,
 * not one group per client port. */
static bool on_listening_port(const struct sock_model *sm, const struct ls_tcp_existing *x)
{
	for (uint32_t i = 0; i < sm->nlisteners; i++)
		if (same_listener(&sm->listeners[i], x))
			return true;
	return false;
}

static void add_existing_tcp(struct model *m, const struct ls_tcp_existing *x)
{
	struct sock_entry *e;
	struct ls_process *p;

	if (x->state == TCP_LISTEN) {
		add_listener(m->sock, x);
		return;
	}
	e = insert(m, x->ino | EXISTING_BIT, x->hdr.tgid, x->start_ns);
	if (!e)
		return;
	e->tgid = x->hdr.tgid;
	e->start_ns = x->start_ns;
	e->ino = x->ino;
	e->family = x->family;
	e->state = x->state;
	e->sport = x->sport;
	e->dport = x->dport;
	memcpy(e->saddr, x->saddr, 16);
	memcpy(e->daddr, x->daddr, 16);
	e->existing = 1;
	e->accepted = on_listening_port(m->sock, x);
	e->since_ns = x->hdr.ts_ns;	/* in this state at least since then */
	e->before_attach = 1;
	p = model__proc(m, x->hdr.tgid, x->start_ns);
	if (p)
		state_of(p);
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
		add_unix(m, &whole);
		break;
	}
	case LS_REC_SOCK_CLOSE:
		add_close(m, (const struct ls_sock_close *)rec);
		break;
	case LS_REC_TCP_STATE:
		add_tcp(m, (const struct ls_tcp_state *)rec);
		break;
	case LS_REC_UNIX_EXISTING:
		add_existing_unix(m, (const struct ls_unix_existing *)rec);
		break;
	case LS_REC_TCP_EXISTING:
		add_existing_tcp(m, (const struct ls_tcp_existing *)rec);
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

static void add_stuck(struct sock_state *ss, const struct sock_entry *e)
{
	uint16_t port = e->accepted ? e->sport : e->dport;
	struct stuck_group *g = NULL;

	for (uint32_t i = 0; i < ss->nstuck; i++)
		if (ss->stuck[i].state == e->state && ss->stuck[i].port == port &&
		    ss->stuck[i].accepted == e->accepted && !memcmp(ss->stuck[i].addr, e->daddr, 16)) {
			g = &ss->stuck[i];
			break;
		}
	if (!g) {
		if (ss->nstuck == SOCK_MAX_STUCK)
			return;
		g = &ss->stuck[ss->nstuck++];
		memset(g, 0, sizeof(*g));
		g->state = e->state;
		g->family = (uint8_t)e->family;
		g->accepted = e->accepted;
		g->port = port;
		memcpy(g->addr, e->daddr, 16);
	}
	g->count++;
	g->before_attach += e->before_attach;
	if (!g->oldest_ns || e->since_ns < g->oldest_ns) {
		g->oldest_ns = e->since_ns;
		g->oldest_at_least = e->before_attach;
	} else if (e->since_ns == g->oldest_ns && e->before_attach) {
		g->oldest_at_least = true;
	}
}

/* Derive every process's view in one pass over the table. */
static void compute_views(struct model *m, uint64_t now)
{
	struct sock_model *sm = m->sock;

	if (sm->exits_pending)
		close_exited(m);
	settle_unpaired(m, now);
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
		if (!p || p->start_ns != e->start_ns || !(ss = state_of(p)))
			continue;
		if (e->family == 1) {
			const struct sock_entry *peer = e->settled ? NULL : peer_entry(sm, e);
			uint32_t ptgid;
			uint64_t pstart;
			struct peer_group *g;

			peer_of(m, e, peer, &ptgid, &pstart);
			if (!e->peer_tgid && peer && peer->tgid) {
				e->peer_tgid = peer->tgid;	/* sock_diag pairs resolve here */
				e->peer_start = peer->start_ns;
			}
			/* both ends from sock_diag: nothing about the pair changes
			 * but closes, so look the peer up once, not every
			 * interval (a million-socket host has a million) */
			if (e->existing && peer && peer->existing && peer->tgid &&
			    peer->tgid == e->peer_tgid) {
				e->peer_start = peer->start_ns;
				if (!e->path)
					e->path = peer->path;
				e->settled = 1;
			}
			g = group_of(ss, ptgid, pstart, e->path ? e->path : (peer ? peer->path : 0));

			/* exec'd since the last pass: this end may have
			 * been close-on-exec (one made after the exec is
			 * checked too, and found still there) */
			if (ss->exec_pass == sm->pass + 1)
				await_check(sm, e, false, ss->exec_ns);
			ss->unix_open++;
			ss->unix_unconfirmed += e->unverified && !e->check_only;
			if (g) {
				g->open++;
				g->accepted += e->accepted;
				g->before_attach += e->before_attach;
				if (!g->oldest_ns || e->since_ns < g->oldest_ns) {
					g->oldest_ns = e->since_ns;
					g->oldest_at_least = e->before_attach;
				} else if (e->since_ns == g->oldest_ns && e->before_attach) {
					g->oldest_at_least = true;
				}
			}
		} else {
			ss->by_state[e->state < TCP_NSTATES ? e->state : 0]++;
			ss->tcp_held++;
			if (e->state == TCP_CLOSE_WAIT || e->state == TCP_FIN_WAIT2)
				add_stuck(ss, e);
		}
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

/* By state, from the first interval it holds a TCP socket on. */
static void tcp_state_series(struct model *m, struct sock_state *ss, uint64_t now_ns)
{
	uint64_t all = 0, est = ss->by_state[TCP_ESTABLISHED], cw = ss->by_state[TCP_CLOSE_WAIT],
		 fw2 = ss->by_state[TCP_FIN_WAIT2];
	struct tcp_state_series *t;

	for (uint32_t i = 0; i < TCP_NSTATES; i++)
		all += ss->by_state[i];
	if (!ss->tcp_by_state && all) {
		ss->tcp_by_state = malloc(sizeof(*ss->tcp_by_state));
		if (!ss->tcp_by_state) {
			m->alloc_drops++;
			return;
		}
		for (uint32_t i = 0; i < SOCK_TCP_SERIES_N; i++)
			series__init(&ss->tcp_by_state->s[i]);
	}
	t = ss->tcp_by_state;
	if (!t)
		return;
	series__add(&t->s[SOCK_TCP_SERIES_ESTABLISHED], now_ns, (double)est);
	series__add(&t->s[SOCK_TCP_SERIES_CLOSE_WAIT], now_ns, (double)cw);
	series__add(&t->s[SOCK_TCP_SERIES_FIN_WAIT2], now_ns, (double)fw2);
	series__add(&t->s[SOCK_TCP_SERIES_OTHER], now_ns, (double)(all - est - cw - fw2));
}

void sock_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{
	struct sock_state *ss = p->sock;
	uint64_t stuck = 0;

	if (!m->sock || !ss)
		return;
	if (m->sock->computed_at != now_ns)
		compute_views(m, now_ns);
	qsort(ss->groups, ss->ngroups, sizeof(ss->groups[0]), cmp_group);
	stuck = ss->by_state[TCP_CLOSE_WAIT] + ss->by_state[TCP_FIN_WAIT2];
	series__add(&ss->unix_series, now_ns, (double)ss->unix_open);
	series__add(&ss->stuck_series, now_ns, (double)stuck);
	series__add(&ss->tcp_series, now_ns, (double)ss->tcp_held);
	tcp_state_series(m, ss, now_ns);
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

