// SPDX-License-Identifier: GPL-2.0
/* Theil-Sen slope, Kendall's tau and the noise around the line. */
#include <math.h>
#include <string.h>
#include "trend.h"

#define MAX_PAIRS (SERIES_CAP * (SERIES_CAP - 1) / 2)

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
	static double work[MAX_PAIRS];	/* single-threaded model: no per-call allocation */
	uint32_t n, npairs = 0;
	long concordant = 0, discordant = 0;
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
		sum += s->v[i];
		out->min = fmin(out->min, s->v[i]);
		out->max = fmax(out->max, s->v[i]);
	}
	out->mean = sum / n;
	out->span_s = (double)(s->t_ns[to - 1] - s->t_ns[from]) / 1e9;
	if (n < 2 || out->span_s <= 0) {
		out->intercept = out->mean;
		return;
	}
	for (uint32_t i = from; i < to; i++) {
		for (uint32_t j = i + 1; j < to; j++) {
			double dt = (double)(s->t_ns[j] - s->t_ns[i]) / 1e9;
			double dv = s->v[j] - s->v[i];

			if (dt > 0)
				work[npairs++] = dv / dt;
			/* tau over time order: ties in value count as neither */
			if (dt > 0 && dv > 0)
				concordant++;
			else if (dt > 0 && dv < 0)
				discordant++;
		}
	}
	out->slope = median(work, npairs);
	out->tau = npairs ? (double)(concordant - discordant) / npairs : 0;
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
