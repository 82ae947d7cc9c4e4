/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Robust trend of a series: Theil-Sen slope (median of pairwise slopes, so
 * a single jump or outlier cannot make a trend), Kendall's tau as the
 * measure of how steadily it moves, and the noise around the line.
 */
#ifndef LS_TREND_H
#define LS_TREND_H
#include "series.h"

struct trend {
	uint32_t n;		/* points used */
	double span_s;		/* time covered */
	double slope;		/* units per second (Theil-Sen) */
	double intercept;	/* at t = first point */
	double tau;		/* Kendall's tau, -1..1: 1 = always rising */
	double noise;		/* median absolute residual around the line */
	double rise;		/* slope * span_s */
	double first, last, min, max, mean;
};

/* Fit points [from, to) of the series (indices into s->v). */
void trend__fit_range(const struct series *s, uint32_t from, uint32_t to, struct trend *out);
static inline void trend__fit(const struct series *s, struct trend *out)
{
	trend__fit_range(s, 0, s->n, out);
}

#endif
