// SPDX-License-Identifier: GPL-2.0
/*
 * A process's sampled series (real memory, RSS, fds: struct proc_samples in
 * model.h).  Until a sample differs from those before, they are three
 * numbers and one column of times, decimated as series__add would; the
 * three series (6 KiB) are allocated at the first change, and
 * model__series builds them point for point meanwhile.  An idle process
 * costs a few hundred bytes instead of 6 KiB.
 */
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "proc_samples.h"

#define FLAT_FIRST_CAP		8	/* flat times' first room, doubled to SERIES_CAP */

/* The flat times take t as series__add would; -1 (nothing changed) when
 * there is no memory for it. */
static int flat_add(struct proc_samples *ps, uint64_t t)
{
	bool keep = !ps->n || ps->skipped + 1 >= ps->stride;

	if (keep && ps->n < SERIES_CAP && ps->n == ps->cap) {
		uint32_t cap = ps->cap ? 2 * ps->cap : FLAT_FIRST_CAP;
		uint64_t *t_ns = realloc(ps->t_ns, (cap > SERIES_CAP ? SERIES_CAP : cap) *
					 sizeof(*t_ns));

		if (!t_ns)
			return -1;
		ps->t_ns = t_ns;
		ps->cap = cap > SERIES_CAP ? SERIES_CAP : cap;
	}
	ps->last_t_ns = t;
	if (ps->n && ++ps->skipped < ps->stride)
		return 0;
	ps->skipped = 0;
	if (ps->n == SERIES_CAP) {	/* keep every other one, as decimate() */
		uint32_t j = 0;

		for (uint32_t i = 0; i < ps->n; i += 2)
			ps->t_ns[j++] = ps->t_ns[i];
		ps->n = j;
		ps->stride *= 2;
	}
	ps->t_ns[ps->n++] = t;
	return 0;
}

/* s as series__add would have made it from the flat points with value v. */
static void flat_fill(const struct proc_samples *ps, double v, struct series *s)
{
	series__init(s);
	s->n = ps->n;
	s->stride = ps->stride;
	s->skipped = ps->skipped;
	s->last_t_ns = ps->last_t_ns;
	s->last_v = v;
	if (ps->n)
		memcpy(s->t_ns, ps->t_ns, ps->n * sizeof(s->t_ns[0]));
	for (uint32_t i = 0; i < ps->n; i++)
		s->v[i] = v;
}

/* The first sample that differs: the three series, as they would be. */
static int samples_unflatten(struct model *m, struct proc_samples *ps)
{
	struct proc_series_full *full = malloc(sizeof(*full));

	if (!full)
		return -1;
	flat_fill(ps, ps->real, &full->real);
	flat_fill(ps, ps->rss, &full->rss);
	if (ps->fds_kind == 1)
		flat_fill(ps, ps->fds, &full->fds);
	else
		series__init(&full->fds);
	free(ps->t_ns);
	ps->t_ns = NULL;
	ps->cap = ps->n = 0;
	ps->full = full;
	m->nfull++;
	return 0;
}

void proc_samples__add(struct model *m, struct ls_process *p, uint64_t t, double real,
		       double rss, bool has_fds, double fds)
{
	struct proc_samples *ps = &p->samples;
	uint8_t kind = has_fds ? 1 : 2;

	if (!ps->full) {
		if (!ps->fds_kind) {
			ps->fds_kind = kind;
			ps->real = real;
			ps->rss = rss;
			ps->fds = has_fds ? fds : 0;
		}
		if (ps->fds_kind == kind && ps->real == real && ps->rss == rss &&
		    (!has_fds || ps->fds == fds) && !flat_add(ps, t))
			return;
		if (samples_unflatten(m, ps)) {
			m->alloc_drops++;
			return;
		}
	}
	series__add(&ps->full->real, t, real);
	series__add(&ps->full->rss, t, rss);
	if (has_fds)
		series__add(&ps->full->fds, t, fds);
}

const struct series *model__series(const struct ls_process *p, enum proc_series_kind k,
				   struct series *scratch)
{
	const struct proc_samples *ps = &p->samples;

	if (ps->full)
		return k == PROC_SERIES_REAL ? &ps->full->real :
		       k == PROC_SERIES_RSS ? &ps->full->rss : &ps->full->fds;
	if (k == PROC_SERIES_FDS && ps->fds_kind != 1)
		series__init(scratch);
	else
		flat_fill(ps, k == PROC_SERIES_REAL ? ps->real :
			  k == PROC_SERIES_RSS ? ps->rss : ps->fds, scratch);
	return scratch;
}

uint32_t model__samples(const struct ls_process *p)
{
	return p->samples.full ? p->samples.full->real.n : p->samples.n;
}

void proc_samples__release(struct model *m, struct ls_process *p)
{
	if (p->samples.full)
		m->nfull--;
	free(p->samples.full);
	free(p->samples.t_ns);
	p->samples.full = NULL;
	p->samples.t_ns = NULL;
}
