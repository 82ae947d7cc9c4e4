// SPDX-License-Identifier: GPL-2.0
/* Bounded time series with decimation (see series.h). */
#include <string.h>
#include "series.h"

void series__init(struct series *s)
{
	memset(s, 0, sizeof(*s));
	s->stride = 1;
}

/* Keep every other point (the first, third, ...) and double the stride. */
static void decimate(struct series *s)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < s->n; i += 2, j++) {
		s->t_ns[j] = s->t_ns[i];
		s->v[j] = s->v[i];
	}
	s->n = j;
	s->stride *= 2;
}

void series__add(struct series *s, uint64_t t_ns, double v)
{
	s->last_t_ns = t_ns;
	s->last_v = v;
	if (s->n && ++s->skipped < s->stride)
		return;	/* decimated away; series__last still has it */
	s->skipped = 0;
	if (s->n == SERIES_CAP)
		decimate(s);
	s->t_ns[s->n] = t_ns;
	s->v[s->n] = v;
	s->n++;
}

double series__last(const struct series *s)
{
	return s->n ? s->last_v : 0;
}

double series__first(const struct series *s)
{
	return s->n ? s->v[0] : 0;
}

double series__max(const struct series *s)
{
	double m = s->n ? s->v[0] : 0;

	for (uint32_t i = 1; i < s->n; i++)
		if (s->v[i] > m)
			m = s->v[i];
	return m;
}

double series__span_s(const struct series *s)
{
	if (s->n < 2)
		return 0;
	return (double)(s->t_ns[s->n - 1] - s->t_ns[0]) / 1e9;
}
