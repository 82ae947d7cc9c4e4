// SPDX-License-Identifier: GPL-2.0
/*
 * What the socket model says: each interval's explanations of the unix and
 * TCP verdicts, the JSON and text of a process's sockets, and read-only
 * views for tests.  The state comes from sock_model.c (sock_state.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "fmt.h"
#include "sock_model.h"
#include "sock_state.h"
#include "text.h"

static const char *const tcp_state_names[TCP_NSTATES] = {
	"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

static const char *peer_label(const struct model *m, uint32_t tgid, char *buf, size_t len)
{
	const struct ls_process *q = model__find(m, tgid);

	if (!tgid)
		snprintf(buf, len, "an unknown process");
	else
		snprintf(buf, len, "%s (%u)", q && q->comm[0] ? q->comm : "?", tgid);
	return buf;
}

static double age_s(uint64_t now, uint64_t since)
{
	return since && now > since ? (double)(now - since) / 1e9 : 0;
}

/* "42 s", or ">= 29 s (open before attach)" when the oldest was in the
 * sock_diag snapshot: when it was opened is not known, only that it was
 * open then (the kernel keeps no creation time a reader can get). */
static const char *age_words(double age, bool at_least, char *buf, size_t len)
{
	snprintf(buf, len, "%s%.0f s%s", at_least ? ">= " : "", age,
		 at_least ? " (open before attach)" : "");
	return buf;
}

static void every(double rate, char *buf, size_t len)
{
	if (rate <= 0)
		snprintf(buf, len, "not growing");
	else if (rate >= 1)
		snprintf(buf, len, "+%.1f a second", rate);
	else
		snprintf(buf, len, "+1 every %.0f s", 1 / rate);
}

/* Ends it closed whose socket is still there: counted open until it goes. */
static void explain_unconfirmed(struct sock_state *ss)
{
	size_t len = strlen(ss->explanation);

	if (ss->unix_unconfirmed)
		snprintf(ss->explanation + len, sizeof(ss->explanation) - len,
			 " (%llu of the open ones closed by it, but their sockets are still held "
			 "elsewhere)", (unsigned long long)ss->unix_unconfirmed);
}

/* Other peers whose connections grow too, each with its own count and
 * rate (the first group's rate is its own, not the process's). */
static void explain_other_peers(const struct model *m, struct sock_state *ss)
{
	for (uint32_t i = 1, said = 0; i < ss->ngroups && said < 2; i++) {
		const struct peer_group *g = &ss->groups[i];
		size_t len = strlen(ss->explanation);
		char peer[64], open[32], rate[48];

		if (!g->open || g->rate <= 0 || g->rate < 0.1 * ss->groups[0].rate)
			continue;
		peer_label(m, g->peer_tgid, peer, sizeof(peer));
		fmt__count(g->open, open, sizeof(open));
		every(g->rate, rate, sizeof(rate));
		snprintf(ss->explanation + len, sizeof(ss->explanation) - len, "; and %s with %s, %s",
			 open, peer, rate);
		said++;
	}
}

void sock_explain__unix(const struct model *m, const struct ls_process *p, struct sock_state *ss)
{
	const struct peer_group *g = ss->ngroups ? &ss->groups[0] : NULL;
	char peer[64], path[LS_PATH_LEN + 8], open[32], closed[32], rate[48];

	if (!g || !g->open) {
		snprintf(ss->explanation, sizeof(ss->explanation),
			 "%s (%u) holds %llu unix connections; %llu opened and %llu closed during the run",
			 p->comm, p->tgid, (unsigned long long)ss->unix_open,
			 (unsigned long long)ss->unix_opened, (unsigned long long)ss->unix_closed);
		explain_unconfirmed(ss);
		return;
	}
	peer_label(m, g->peer_tgid, peer, sizeof(peer));
	sock_model__path_name(m->sock, g->path, path, sizeof(path));
	fmt__count(g->open, open, sizeof(open));
	fmt__count(g->closed, closed, sizeof(closed));
	every(g->rate, rate, sizeof(rate));
	if (g->accepted * 2 >= g->open)	/* the server's side */
		snprintf(ss->explanation, sizeof(ss->explanation),
			 "%s (%u) holds %s connections on %.120s opened by %s, %s closed, %s", p->comm,
			 p->tgid, open, path, peer, closed, rate);
	else
		snprintf(ss->explanation, sizeof(ss->explanation),
			 "%s (%u) holds %s connections to %s on %.120s, %s closed, %s", p->comm, p->tgid,
			 open, peer, path, closed, rate);
	explain_other_peers(m, ss);
	explain_unconfirmed(ss);
}

/* "10.0.0.2:443" for a server we connected to; "10.0.0.7 -> :8080" for
 * clients of our port 8080. */
static const char *addr_str(uint8_t family, const uint8_t *addr, uint16_t port, bool local_port,
			    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	if (local_port)
		snprintf(buf, len, family == AF_INET6 ? "[%s] -> :%u" : "%s -> :%u", a, port);
	else
		snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

/* Events were lost while this process ran (model.c: mark_incomplete): its
 * counts may be short by what was lost, so a verdict that nothing grows is
 * not certain (a leak whose opens were dropped looks flat).  Its confidence
 * is capped at MODEL_INCOMPLETE_CONFIDENCE and the explanation says why;
 * a leak or growth seen despite the loss stands. */
void sock_explain__doubt(const struct model *m, const struct ls_process *p,
			 struct verdict_result *v, char *expl, size_t size)
{
	size_t len = strlen(expl);
	char why[240];

	if (v->verdict == VERDICT_LEAK || v->verdict == VERDICT_GROWING)
		return;
	if (v->confidence > MODEL_INCOMPLETE_CONFIDENCE)
		v->confidence = MODEL_INCOMPLETE_CONFIDENCE;
	sock_model__incomplete_reason(m, p, why, sizeof(why));
	snprintf(expl + len, size - len, "; not certain: %s while it ran, its counts may be short",
		 why);
}

void sock_explain__tcp(const struct ls_process *p, struct sock_state *ss)
{
	const struct stuck_group *worst = NULL;
	char peer[80], rate[48], age[48], all[96];
	uint64_t stuck = 0;

	for (uint32_t i = 0; i < ss->nstuck; i++) {
		stuck += ss->stuck[i].count;
		if (!worst || ss->stuck[i].count > worst->count)
			worst = &ss->stuck[i];
	}
	if (!worst) {
		snprintf(ss->tcp_explanation, sizeof(ss->tcp_explanation),
			 "no TCP connection stuck in CLOSE_WAIT or FIN_WAIT2");
		return;
	}
	addr_str(worst->family, worst->addr, worst->port, worst->accepted, peer, sizeof(peer));
	/* the rate is the verdict's, of every stuck socket: quoted as this
	 * group's only when the group is all of them */
	every(ss->tcp_v.rate_per_s, rate, sizeof(rate));
	if (stuck == worst->count)
		snprintf(all, sizeof(all), "%s", rate);
	else
		snprintf(all, sizeof(all), "%llu stuck in all, %s", (unsigned long long)stuck, rate);
	age_words(age_s(ss->now_ns, worst->oldest_ns), worst->oldest_at_least, age, sizeof(age));
	snprintf(ss->tcp_explanation, sizeof(ss->tcp_explanation),
		 worst->state == TCP_CLOSE_WAIT
			 ? "%s (%u) has %llu connections to %s in CLOSE_WAIT, the oldest for %s: the "
			   "peer closed, this process never closes its end (%s)"
			 : "%s (%u) has %llu connections to %s in FIN_WAIT2, the oldest for %s: this "
			   "process shut its end, the peer never closes (%s)",
		 p->comm, p->tgid, (unsigned long long)worst->count, peer, age, all);
}

void sock_model__incomplete_reason(const struct model *m, const struct ls_process *p, char *buf,
				   size_t len)
{
	uint64_t own = p->sock ? p->sock->dropped : 0;
	int n = 0;

	if (own)
		n = snprintf(buf, len, "%llu socket record%s about this process dropped (socket "
			     "table full); ", (unsigned long long)own, own == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= len)
		return;
	model__loss_reason(m, buf + n, len - (size_t)n);
}

void sock_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{
	const struct sock_state *ss = p->sock;
	char buf[LS_PATH_LEN + 80];

	if (!ss)
		return;
	json__obj_begin(j, "unix_sockets");
	json__u64(j, "open", ss->unix_open);
	json__u64(j, "opened", ss->unix_opened);
	json__u64(j, "closed", ss->unix_closed);
	json__str(j, "verdict", verdict__name(ss->unix_v.verdict));
	json__dbl(j, "confidence", ss->unix_v.confidence, 2);
	json__dbl(j, "growth_per_s", ss->unix_v.rate_per_s, 3);
	json__arr_begin(j, "peers");
	for (uint32_t i = 0; i < ss->ngroups; i++) {
		const struct peer_group *g = &ss->groups[i];
		const struct ls_process *q = model__find(m, g->peer_tgid);

		json__obj_begin(j, NULL);
		json__u64(j, "pid", g->peer_tgid);
		json__str(j, "comm", q ? q->comm : "");
		json__str(j, "exe", q ? q->exe : "");
		if (q && q->container.id[0])
			json__str(j, "container_id", q->container.id);
		json__str(j, "path", sock_model__path_name(m->sock, g->path, buf, sizeof(buf)));
		json__u64(j, "open", g->open);
		json__u64(j, "opened", g->opened);
		json__u64(j, "closed", g->closed);
		json__dbl(j, "growth_per_s", g->rate, 3);
		json__dbl(j, "oldest_open_age_s", g->open ? age_s(ss->now_ns, g->oldest_ns) : 0, 1);
		json__bool(j, "oldest_open_age_at_least", g->open && g->oldest_at_least);
		json__u64(j, "open_before_attach", g->before_attach);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__u64(j, "groups_dropped", ss->groups_dropped);
	json__u64(j, "closes_unconfirmed", ss->unix_unconfirmed);
	json__str(j, "explanation", ss->explanation);
	json__obj_end(j);

	json__obj_begin(j, "tcp");
	json__obj_begin(j, "by_state");
	for (int s = 1; s < TCP_NSTATES; s++)
		if (ss->by_state[s])
			json__u64(j, tcp_state_names[s], ss->by_state[s]);
	json__obj_end(j);
	json__str(j, "verdict", verdict__name(ss->tcp_v.verdict));
	json__dbl(j, "confidence", ss->tcp_v.confidence, 2);
	json__dbl(j, "growth_per_s", ss->tcp_v.rate_per_s, 3);
	json__arr_begin(j, "stuck");
	for (uint32_t i = 0; i < ss->nstuck; i++) {
		const struct stuck_group *g = &ss->stuck[i];

		json__obj_begin(j, NULL);
		json__str(j, "state", tcp_state_names[g->state]);
		json__str(j, "peer", addr_str(g->family, g->addr, g->port, g->accepted, buf, sizeof(buf)));
		json__u64(j, "count", g->count);
		json__dbl(j, "oldest_age_s", age_s(ss->now_ns, g->oldest_ns), 1);
		json__bool(j, "oldest_age_at_least", g->oldest_at_least);
		json__u64(j, "open_before_attach", g->before_attach);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__str(j, "explanation", ss->tcp_explanation);
	json__obj_end(j);
}

void sock_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{
	const struct sock_state *ss = p->sock;
	char buf[LS_PATH_LEN + 80], peer[64];
	/* explanations name processes and paths: escaped (text.h) */
	char esc[TEXT_ESC_SIZE(sizeof(ss->explanation))], esc2[TEXT_ESC_SIZE(sizeof(buf))];

	if (!ss)
		return;
	if (!final) {
		if (ss->unix_v.verdict == VERDICT_LEAK || ss->unix_v.verdict == VERDICT_GROWING)
			fprintf(out, "%8s unix %s: %s\n", "", verdict__name(ss->unix_v.verdict),
				text__esc(ss->explanation, esc, sizeof(esc)));
		if (ss->tcp_v.verdict == VERDICT_LEAK || ss->tcp_v.verdict == VERDICT_GROWING)
			fprintf(out, "%8s tcp %s: %s\n", "", verdict__name(ss->tcp_v.verdict),
				text__esc(ss->tcp_explanation, esc, sizeof(esc)));
		return;
	}
	if (ss->unix_open || ss->unix_opened) {
		fprintf(out, "  unix sockets: %s (confidence %.2f). %s.\n",
			verdict__name(ss->unix_v.verdict), ss->unix_v.confidence,
			text__esc(ss->explanation, esc, sizeof(esc)));
		for (uint32_t i = 0; i < ss->ngroups && i < 5; i++) {
			const struct peer_group *g = &ss->groups[i];

			char rate[48], age[64] = "";

			every(g->rate, rate, sizeof(rate));
			if (g->open) {
				char a[48];

				snprintf(age, sizeof(age), ", oldest open %s",
					 age_words(age_s(ss->now_ns, g->oldest_ns), g->oldest_at_least,
						   a, sizeof(a)));
			}
			fprintf(out, "    %s on %s: %llu open, %llu opened, %llu closed, %s%s\n",
				text__esc(peer_label(m, g->peer_tgid, peer, sizeof(peer)), esc, sizeof(esc)),
				text__esc(sock_model__path_name(m->sock, g->path, buf, sizeof(buf)), esc2, sizeof(esc2)),
				(unsigned long long)g->open, (unsigned long long)g->opened,
				(unsigned long long)g->closed, rate, age);
		}
		if (ss->ngroups > 5)
			fprintf(out, "    and %u other peer groups (--json lists them all)\n",
				ss->ngroups - 5);
		if (ss->groups_dropped)
			fprintf(out, "    %llu connections in peer groups not kept (the table of %u "
				"groups was full): counted above, not by peer\n",
				(unsigned long long)ss->groups_dropped, SOCK_MAX_GROUPS);
	}
	if (ss->nstuck || ss->tcp_seen)
		fprintf(out, "  tcp: %s (confidence %.2f). %s.\n", verdict__name(ss->tcp_v.verdict),
			ss->tcp_v.confidence, text__esc(ss->tcp_explanation, esc, sizeof(esc)));
}

const char *sock_model__tcp_state_name(uint32_t state)
{
	return state < TCP_NSTATES ? tcp_state_names[state] : NULL;
}

bool sock_model__unix_view(const struct ls_process *p, struct sock_unix_view *out)
{
	const struct sock_state *ss = p->sock;

	if (!ss)
		return false;
	out->open = ss->unix_open;
	out->opened = ss->unix_opened;
	out->closed = ss->unix_closed;
	out->closes_unconfirmed = ss->unix_unconfirmed;
	out->groups_dropped = ss->groups_dropped;
	out->npeers = ss->ngroups;
	out->verdict = ss->unix_v.verdict;
	out->confidence = ss->unix_v.confidence;
	out->growth_per_s = ss->unix_v.rate_per_s;
	out->explanation = ss->explanation;
	return true;
}

bool sock_model__peer_view(const struct model *m, const struct ls_process *p, uint32_t i,
			   struct sock_peer_view *out)
{
	const struct sock_state *ss = p->sock;
	const struct peer_group *g;

	if (!ss || i >= ss->ngroups)
		return false;
	g = &ss->groups[i];
	out->pid = g->peer_tgid;
	out->open = g->open;
	out->opened = g->opened;
	out->closed = g->closed;
	out->oldest_open_age_s = g->open ? age_s(ss->now_ns, g->oldest_ns) : 0;
	out->oldest_at_least = g->open && g->oldest_at_least;
	out->open_before_attach = g->before_attach;
	out->growth_per_s = g->rate;
	sock_model__path_name(m->sock, g->path, out->path, sizeof(out->path));
	return true;
}

bool sock_model__tcp_view(const struct ls_process *p, struct sock_tcp_view *out)
{
	const struct sock_state *ss = p->sock;

	if (!ss)
		return false;
	memcpy(out->by_state, ss->by_state, sizeof(out->by_state));
	out->nstuck = ss->nstuck;
	out->verdict = ss->tcp_v.verdict;
	out->growth_per_s = ss->tcp_v.rate_per_s;
	out->confidence = ss->tcp_v.confidence;
	out->explanation = ss->tcp_explanation;
	return true;
}

bool sock_model__stuck_view(const struct ls_process *p, uint32_t i, struct sock_stuck_view *out)
{
	const struct sock_state *ss = p->sock;
	const struct stuck_group *g;

	if (!ss || i >= ss->nstuck)
		return false;
	g = &ss->stuck[i];
	out->state = g->state;
	out->count = g->count;
	out->oldest_age_s = age_s(ss->now_ns, g->oldest_ns);
	out->oldest_at_least = g->oldest_at_least;
	out->open_before_attach = g->before_attach;
	addr_str(g->family, g->addr, g->port, g->accepted, out->peer, sizeof(out->peer));
	return true;
}

const struct series *sock_model__series(const struct ls_process *p, enum sock_series_kind k)
{
	const struct sock_state *ss = p->sock;

	if (!ss)
		return NULL;
	switch (k) {
	case SOCK_SERIES_UNIX:
		return &ss->unix_series;
	case SOCK_SERIES_TCP_HELD:
		return &ss->tcp_series;
	case SOCK_SERIES_TCP_STUCK:
		return &ss->stuck_series;
	}
	return NULL;
}

const struct series *sock_model__peer_series(const struct ls_process *p, uint32_t i)
{
	const struct sock_state *ss = p->sock;

	return ss && i < ss->ngroups ? ss->groups[i].opens : NULL;
}

const char *sock_model__peer_label(const struct model *m, uint32_t tgid, char *buf, size_t len)
{
	return peer_label(m, tgid, buf, len);
}

const struct series *sock_model__tcp_state_series(const struct ls_process *p,
						  enum sock_tcp_series k)
{
	const struct sock_state *ss = p->sock;

	return ss && ss->tcp_by_state && k < SOCK_TCP_SERIES_N ? &ss->tcp_by_state->s[k] : NULL;
}
