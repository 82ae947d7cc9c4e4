// SPDX-License-Identifier: GPL-2.0
/* Theil-Sen slope, Kendall's tau and the noise around the line. */
#include <math.h>
#include <string.h>
#include "trend.h"

/* Pairwise slopes and tau on at most this many points, evenly spaced:
 * 496 pairs instead of up to 8,128 (the median of a subsample of pairs
 * is still robust; replays judge every process at every interval). */
#define TREND_MAX_POINTS 32
#define MAX_PAIRS (TREND_MAX_POINTS * (TREND_MAX_POINTS - 1) / 2)

/* k-th smallest of a[0..n) (Hoare's selection; reorders a). */
static double select_kth(double *a, uint32_t n, uint32_t k)
{
	long lo = 0, hi = (long)n - 1;

	while (lo < hi) {
		double pivot = a[lo + (hi - lo) / 2];
		long i = lo, j = hi;

		do {
			while (a[i] < pivot)
				i++;
			while (pivot < a[j])
				j--;
			if (i <= j) {
				double t = a[i];

				a[i++] = a[j];
				a[j--] = t;
			}
		} while (i <= j);
		if ((long)k <= j)
			hi = j;
		else if ((long)k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

static double median(double *a, uint32_t n)
{
	double hi;

	if (!n)
		return 0;
	hi = select_kth(a, n, n / 2);
	if (n % 2)
		return hi;
	return (select_kth(a, n, n / 2 - 1) + hi) / 2;
}

void trend__fit_range(const struct series *s, uint32_t from, uint32_t to, struct trend *out)
{
	static double work[MAX_PAIRS > SERIES_CAP ? MAX_PAIRS : SERIES_CAP];	/* single-threaded */
	uint32_t idx[TREND_MAX_POINTS];
	uint32_t n, npairs = 0, m;
	long concordant = 0, discordant = 0, pairs = 0;
	double t0, sum = 0;

	memset(out, 0, sizeof(*out));
	if (to > s->n)
		to = s->n;
	if (from >= to)
		return;
	n = to - from;
	out->n = n;
	t0 = (double)s->t_ns[from] / 1e9;
	out->first = s->v[from];
	out->last = s->v[to - 1];
	out->min = out->max = s->v[from];
	for (uint32_t i = from; i < to; i++) {
		double v = s->v[i];

		/* plain compares: series hold counts and bytes, never NaN, and
		 * libm's fmin/fmax calls were a tenth of a replay's time */
		sum += v;
		if (v < out->min)
			out->min = v;
		if (v > out->max)
			out->max = v;
	}
	out->mean = sum / n;
	out->span_s = (double)(s->t_ns[to - 1] - s->t_ns[from]) / 1e9;
	if (n < 2 || out->span_s <= 0 || out->min == out->max) {
		out->intercept = out->mean;	/* too short, or flat: slope 0 */
		return;
	}
	/* the points the pairs are made of: all, or TREND_MAX_POINTS spread
	 * evenly from the first to the last */
	m = n < TREND_MAX_POINTS ? n : TREND_MAX_POINTS;
	for (uint32_t k = 0; k < m; k++)
		idx[k] = from + (uint32_t)((uint64_t)k * (n - 1) / (m - 1));
	for (uint32_t a = 0; a < m; a++) {
		for (uint32_t b = a + 1; b < m; b++) {
			uint32_t i = idx[a], j = idx[b];
			double dt = (double)(s->t_ns[j] - s->t_ns[i]) / 1e9;

			if (dt > 0)
				work[npairs++] = (s->v[j] - s->v[i]) / dt;
		}
	}
	/* tau over every pair: comparisons only, no storage, no selection.
	 * Ties in value count as neither concordant nor discordant. */
	for (uint32_t i = from; i < to; i++) {
		for (uint32_t j = i + 1; j < to; j++) {
			if (s->t_ns[j] <= s->t_ns[i])
				continue;
			concordant += s->v[j] > s->v[i];
			discordant += s->v[j] < s->v[i];
			pairs++;
		}
	}
	out->slope = median(work, npairs);
	out->tau = pairs ? (double)(concordant - discordant) / pairs : 0;
	for (uint32_t i = from; i < to; i++)
		work[i - from] = s->v[i] - out->slope * ((double)s->t_ns[i] / 1e9 - t0);
	out->intercept = median(work, n);
	for (uint32_t i = from; i < to; i++) {
		double fit = out->intercept + out->slope * ((double)s->t_ns[i] / 1e9 - t0);

		work[i - from] = fabs(s->v[i] - fit);
	}
	out->noise = median(work, n);
	out->rise = out->slope * out->span_s;
}
