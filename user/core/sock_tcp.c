// SPDX-License-Identifier: GPL-2.0
/*
 * TCP in the socket model: each socket's state by the kernel's
 * inet_sock_set_state (owned by the process that made or accepted it),
 * those from before attach by sock_diag with the listeners that tell a
 * server's sockets from a client's, and at the interval's pass the counts
 * by state and the CLOSE_WAIT / FIN_WAIT2 groups by peer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model.h"
#include "sock_model.h"
#include "sock_state.h"
#include "sock_table.h"

void sock_tcp__add(struct model *m, const struct ls_tcp_state *t)
{
	struct sock_model *sm = m->sock;
	struct sock_entry *e = sock__find(sm, t->sk);

	if (!e && !t->hdr.tgid) {
		/* nobody owns it: one known from sock_diag, by inode */
		e = t->ino ? sock__find(sm, t->ino | EXISTING_BIT) : NULL;
		if (!e || e->family == AF_UNIX)
			return;
	}
	if (t->newstate == TCP_CLOSE) {
		if (e)
			sock_model__erase(sm, e);
		return;
	}
	if (!e) {
		struct ls_process *p = model__proc(m, t->hdr.tgid, t->start_ns);

		e = sock_model__insert(m, t->sk, t->hdr.tgid, t->start_ns);
		if (!e)
			return;
		e->tgid = t->hdr.tgid;
		e->start_ns = t->start_ns;
		e->family = t->family;
		e->sport = t->sport;
		e->dport = t->dport;
		memcpy(e->saddr, t->saddr, 16);
		memcpy(e->daddr, t->daddr, 16);
		if (p && sock_model__state_of(p))
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

void sock_tcp__add_existing(struct model *m, const struct ls_tcp_existing *x)
{
	struct sock_entry *e;
	struct ls_process *p;

	if (x->state == TCP_LISTEN) {
		add_listener(m->sock, x);
		return;
	}
	e = sock_model__insert(m, x->ino | EXISTING_BIT, x->hdr.tgid, x->start_ns);
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
		sock_model__state_of(p);
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

/* One TCP socket in the interval's pass. */
void sock_tcp__view(struct sock_state *ss, const struct sock_entry *e)
{
	ss->by_state[e->state < TCP_NSTATES ? e->state : 0]++;
	ss->tcp_held++;
	if (e->state == TCP_CLOSE_WAIT || e->state == TCP_FIN_WAIT2)
		add_stuck(ss, e);
}

/* By state, from the first interval it holds a TCP socket on. */
void sock_tcp__series(struct model *m, struct sock_state *ss, uint64_t now_ns)
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
