// SPDX-License-Identifier: GPL-2.0
/*
 * What real memory grows with.  A server that leaks connections grows its
 * memory with them (dockerd: about 21 KiB a connection held); a report that
 * gives a memory leak and a socket leak side by side sends its reader
 * hunting a second leak (field report 2).  So when a process's real memory
 * grows, each count it holds (unix connections, TCP connections, fds) is
 * set against it over the memory verdict's window, at the count's own
 * instants, and the memory is said to follow the count when:
 *
 *  - the count gained beyond a count's floors (3, and 10% of where it was);
 *  - the two move together: Pearson's r of memory against the count at
 *    least LINK_MIN_R (two steady ramps agree; memory that steps while
 *    connections ramp does not, r = 0.87 for one step halfway);
 *  - what each item would cost is plausible: the least-squares slope of
 *    memory on the count (the figure quoted: the noise at the ends does
 *    not move it) within LINK_MIN_BYTES to LINK_MAX_BYTES, and the change
 *    in memory over the change in the count between the same two
 *    instants (what a reader divides) within a factor of 2 of it.
 *
 * Whether either series was called a leak plays no part.  Two unrelated
 * steady ramps at a plausible ratio cannot be told apart from cause and
 * effect by their series alone: the README says so.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "mem_link.h"
#include "fmt.h"
#include "json.h"
#include "sock_model.h"
#include "sock_state.h"

#define LINK_MIN_R		0.95
#define LINK_MIN_GAIN		3.0	/* items, as verdict_params_count */
#define LINK_MIN_REL_GAIN	0.10	/* of the count at the window's start */
#define LINK_MIN_BYTES		64.0	/* an item costs at least a small struct */
#define LINK_MAX_BYTES		(1024.0 * 1024.0)
#define LINK_SLOPE_FACTOR	2.0	/* endpoints' ratio vs least squares */
#define LINK_MIN_POINTS		5
#define LINK_MIN_COVER		0.8	/* of the memory window the pairs span */
#define LINK_PEER_SHARE		0.5	/* a peer named when it has this share of the gain */

/* Real memory at t, interpolated between its samples; a point beyond its
 * ends counts only within tol of them (a sample is taken just before the
 * interval's end, when the counts are).  *at is where to start looking:
 * the caller asks in time order. */
static bool value_at(const struct series *s, uint64_t t, uint64_t tol, uint32_t *at, double *v)
{
	uint32_t i = *at;

	if (!s->n)
		return false;
	if (t <= s->t_ns[0]) {
		*v = s->v[0];
		return s->t_ns[0] - t <= tol;
	}
	if (t >= s->t_ns[s->n - 1]) {
		*v = s->v[s->n - 1];
		return t - s->t_ns[s->n - 1] <= tol;
	}
	while (i + 1 < s->n && s->t_ns[i + 1] < t)
		i++;
	*at = i;
	/* t_ns[i] < t <= t_ns[i + 1] */
	*v = s->v[i] + (s->v[i + 1] - s->v[i]) * (double)(t - s->t_ns[i]) /
			       (double)(s->t_ns[i + 1] - s->t_ns[i]);
	return true;
}

struct fit {
	double gained, growth, r, bytes_per_item, span_s;
	uint64_t t0;		/* the first pair's time */
};

/* Does memory (from since on) move with cnt?  Fills f either way.
 * zero_before: the count was 0 before its series began (a process's
 * socket series begins with its first socket: before, it held none), so
 * memory's own samples before then pair with 0. */
static bool moves_with(const struct series *mem, uint64_t since, const struct series *cnt,
		       bool zero_before, uint64_t tol, struct fit *f)
{
	double x[2 * SERIES_CAP], y[2 * SERIES_CAP], mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
	uint64_t t0 = 0, t1 = 0, window = mem->n ? mem->t_ns[mem->n - 1] - since : 0;
	uint32_t n = 0, at = 0;
	double ends;

	memset(f, 0, sizeof(*f));
	for (uint32_t i = 0; zero_before && i < mem->n; i++) {
		if (mem->t_ns[i] < since)
			continue;
		/* an interval ended between this sample and the series'
		 * first point, and the series has none for it: it held none.
		 * A sample nearer than that (the one taken at attach, before
		 * the snapshot's sockets came) may have held some. */
		if (cnt->n && mem->t_ns[i] + tol + tol / 2 >= cnt->t_ns[0])
			break;
		x[n] = 0;
		y[n] = mem->v[i];
		if (!n)
			t0 = mem->t_ns[i];
		t1 = mem->t_ns[i];
		n++;
	}
	for (uint32_t i = 0; i < cnt->n; i++) {
		if (cnt->t_ns[i] + tol < since)
			continue;
		if (!value_at(mem, cnt->t_ns[i], tol, &at, &y[n]))
			continue;
		x[n] = cnt->v[i];
		if (!n)
			t0 = cnt->t_ns[i];
		t1 = cnt->t_ns[i];
		n++;
	}
	if (n < LINK_MIN_POINTS || (double)(t1 - t0) < LINK_MIN_COVER * (double)window)
		return false;
	f->t0 = t0;
	f->span_s = (double)(t1 - t0) / 1e9;
	f->gained = x[n - 1] - x[0];
	f->growth = y[n - 1] - y[0];
	for (uint32_t i = 0; i < n; i++)
		mx += x[i], my += y[i];
	mx /= n;
	my /= n;
	for (uint32_t i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		syy += (y[i] - my) * (y[i] - my);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (sxx <= 0 || syy <= 0)
		return false;
	f->r = sxy / sqrt(sxx * syy);
	if (f->gained < fmax(LINK_MIN_GAIN, LINK_MIN_REL_GAIN * x[0]))
		return false;
	ends = f->growth / f->gained;
	f->bytes_per_item = sxy / sxx;
	return f->r >= LINK_MIN_R && f->bytes_per_item >= LINK_MIN_BYTES &&
	       f->bytes_per_item <= LINK_MAX_BYTES && ends <= LINK_SLOPE_FACTOR * f->bytes_per_item &&
	       f->bytes_per_item <= LINK_SLOPE_FACTOR * ends;
}

/* A peer group's open count at t (0 before it held any). */
static double group_at(const struct peer_group *g, uint64_t t)
{
	double v = 0;

	if (!g->opens)
		return 0;
	for (uint32_t i = 0; i < g->opens->n && g->opens->t_ns[i] <= t; i++)
		v = g->opens->v[i];
	return v;
}

/* Which peer the unix connections gained are with, when one has most. */
static void name_peer(const struct sock_state *ss, uint64_t t0, struct mem_link *l)
{
	const struct peer_group *best = NULL;
	double best_gain = 0;

	for (uint32_t i = 0; i < ss->ngroups; i++) {
		const struct peer_group *g = &ss->groups[i];
		double gain = (double)g->open - group_at(g, t0);

		if (gain <= 0)
			continue;
		l->peers++;
		if (gain > best_gain) {
			best = g;
			best_gain = gain;
		}
	}
	if (best && best->peer_tgid && best_gain >= LINK_PEER_SHARE * l->gained) {
		l->peer_tgid = best->peer_tgid;
		l->peer_gained = best_gain;
		l->peer_connected = best->accepted * 2 >= best->open;
	}
}

void mem_link__decide(const struct model *m, const struct ls_process *p,
		      const struct series *mem, struct mem_link *out)
{
	const struct mem_state *ms = &p->mem;
	const struct sock_state *ss = p->sock;
	/* a flat process's series are made up from its samples (model.h) */
	struct series fds_scratch;
	const struct series *fds;
	uint64_t tol = m->interval_ns ? m->interval_ns : 1000000000ULL, since;
	struct fit f, best = { 0 };
	enum mem_link_kind kind = MEM_LINK_NONE;
	bool leaks = false;

	memset(out, 0, sizeof(*out));
	if ((ms->real_v.verdict != VERDICT_LEAK && ms->real_v.verdict != VERDICT_GROWING) ||
	    !mem->n)
		return;
	since = mem->t_ns[ms->real_v.window_from < mem->n ? ms->real_v.window_from : 0];
	/* connections first: fds count them too, and say less */
	if (ss) {
		if (moves_with(mem, since, &ss->unix_series, true, tol, &f)) {
			best = f;
			kind = MEM_LINK_UNIX;
			leaks = ss->unix_v.verdict == VERDICT_LEAK;
		}
		if (moves_with(mem, since, &ss->tcp_series, true, tol, &f) &&
		    (kind == MEM_LINK_NONE || f.r > best.r)) {
			best = f;
			kind = MEM_LINK_TCP;
			leaks = false;
		}
	}
	fds = model__series(p, PROC_SERIES_FDS, &fds_scratch);
	if (kind == MEM_LINK_NONE && moves_with(mem, since, fds, false, tol, &f)) {
		struct verdict_result fv;

		best = f;
		kind = MEM_LINK_FDS;
		verdict__decide(fds, &verdict_params_count, &fv);
		leaks = fv.verdict == VERDICT_LEAK;
	}
	if (kind == MEM_LINK_NONE)
		return;
	out->kind = kind;
	out->count_leaks = leaks;
	out->gained = best.gained;
	out->memory_growth = best.growth;
	out->bytes_per_item = best.bytes_per_item;
	out->correlation = best.r;
	out->span_s = best.span_s;
	if (kind == MEM_LINK_UNIX)
		name_peer(ss, best.t0, out);
}

static const char *kind_name(enum mem_link_kind k)
{
	return k == MEM_LINK_UNIX ? "unix" : k == MEM_LINK_TCP ? "tcp" : "fds";
}

/* "real memory +11.9 MiB in 29 s while it gained 600 unix connections from
 * agent (1962370), about 20.3 KiB a connection: the connection leak
 * explains the memory growth" */
int mem_link__words(const struct model *m, const struct mem_link *l, char *buf, size_t len)
{
	bool fds = l->kind == MEM_LINK_FDS;
	char growth[32], per[32], who[96] = "";
	const char *what = l->kind == MEM_LINK_UNIX ? "unix connections"
			   : l->kind == MEM_LINK_TCP ? "TCP connections" : "more fds";
	const char *cause = l->count_leaks ? (fds ? "the fd leak explains"
						  : "the connection leak explains")
					   : (fds ? "the fds it holds explain"
						  : "the connections it holds explain");

	if (l->kind == MEM_LINK_NONE)
		return 0;
	if (l->peer_tgid) {
		const struct ls_process *q = model__find(m, l->peer_tgid);
		const char *dir = l->peer_connected ? "from" : "to";
		const char *comm = q && q->comm[0] ? q->comm : "?";

		if (l->peer_gained >= l->gained)
			snprintf(who, sizeof(who), " %s %s (%u)", dir, comm, l->peer_tgid);
		else
			snprintf(who, sizeof(who), " (%.0f of them %s %s (%u))", l->peer_gained, dir,
				 comm, l->peer_tgid);
	}
	fmt__bytes(l->memory_growth > 0 ? (uint64_t)l->memory_growth : 0, growth,
		      sizeof(growth));
	fmt__bytes((uint64_t)(l->bytes_per_item + 0.5), per, sizeof(per));
	return snprintf(buf, len, "real memory +%s in %.0f s while it %s %.0f %s%s, about %s %s: "
			"%s the memory growth", growth, l->span_s, fds ? "opened" : "gained",
			l->gained, what, who, per, fds ? "an fd" : "a connection", cause);
}

void mem_link__json(const struct model *m, const struct mem_link *l, struct json *j)
{
	const struct ls_process *q;

	if (l->kind == MEM_LINK_NONE) {
		json__null(j, "explained_by");
		return;
	}
	json__obj_begin(j, "explained_by");
	json__str(j, "kind", kind_name(l->kind));
	json__bool(j, "count_leaks", l->count_leaks);
	json__dbl(j, "gained", l->gained, 0);
	json__dbl(j, "memory_growth_bytes", l->memory_growth, 0);
	json__dbl(j, "bytes_per_item", l->bytes_per_item, 0);
	json__dbl(j, "correlation", l->correlation, 3);
	json__dbl(j, "span_s", l->span_s, 1);
	if (l->kind == MEM_LINK_UNIX) {
		json__u64(j, "peers", l->peers);
		if (l->peer_tgid) {
			q = model__find(m, l->peer_tgid);
			json__obj_begin(j, "peer");
			json__u64(j, "pid", l->peer_tgid);
			json__str(j, "comm", q ? q->comm : "");
			json__dbl(j, "gained", l->peer_gained, 0);
			json__bool(j, "connected_to_it", l->peer_connected);
			json__obj_end(j);
		} else {
			json__null(j, "peer");
		}
	}
	json__obj_end(j);
}
