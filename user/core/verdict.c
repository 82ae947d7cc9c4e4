// SPDX-License-Identifier: GPL-2.0
/*
 * leak / growing / stable / insufficient-data on a series.  A false alarm
 * costs as much trust as a miss (field report 5), so a rise must beat an
 * absolute floor, a share of the level and three times the noise, and a
 * leak must have grown steadily for long enough that a warm-up cannot pass
 * for one, without a pause of a quarter of that time (a heap's steps
 * towards its GC goal), and still be rising at its newest samples.
 *
 * The rule was chosen on the labelled corpus of tests/unit/corpus.h (run
 * build/tests/test_verdict_corpus for its figures); the README's Verdicts
 * section gives them.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "verdict.h"

#define LEAK_MIN_TAU		0.6	/* steadiness a leak needs */
#define LEAK_RECENT_SHARE	0.75	/* a leak window's newer half vs its whole slope */
#define LEAK_MIN_SPAN_S		24.0	/* a leak window spans at least this... */
#define LEAK_MIN_POINTS		7	/* ...with this many samples (30 s at -i 5) */
#define LEAK_TAIL_SHARE		0.5	/* its newest samples' slope vs its whole */
#define LEAK_TAIL_FRAC		0.15	/* the newest samples: this share of its span */
#define LEAK_FLAT_BAND		0.1	/* a stretch within this share of the rise... */
#define LEAK_FLAT_SHARE		0.25	/* ...this share of the span long is a pause */
#define LEAK_PAUSE_MIN_POINTS	5	/* fewer flat samples are chance */
#define LEAK_FALLBACK_SHARE	0.5	/* the newest sample this far below the line */
#define LEVELLED_SHARE		0.25	/* below this share it has levelled off */
#define FULL_CONFIDENCE_POINTS	12.0	/* a minute at -i 5 */
#define STEADY_MIN_POINTS	7	/* fewer: a rising newer half may be chance */
#define GROWTH_RECENT_SHARE	0.4	/* newer half's slope: still rising */

const struct verdict_params verdict_params_memory = {
	.min_points = 5, .min_span_s = 8, .min_rise = 1 << 20, .min_rel_rise = 0.02,
	.leak_min_rise = 4 << 20, .unit = 0,
};

const struct verdict_params verdict_params_count = {
	.min_points = 5, .min_span_s = 8, .min_rise = 3, .min_rel_rise = 0.10,
	.leak_min_rise = 3, .unit = 1,
};

const char *verdict__name(enum verdict v)
{
	switch (v) {
	case VERDICT_STABLE: return "stable";
	case VERDICT_GROWING: return "growing";
	case VERDICT_LEAK: return "leak";
	case VERDICT_LAZY_FREE: return "lazy-free";
	case VERDICT_INSUFFICIENT:
	default: return "insufficient-data";
	}
}

/* The smallest rise that is not noise, for a fit over `t`. */
static double rise_floor(const struct trend *t, const struct verdict_params *p)
{
	double floor = p->min_rise;

	floor = fmax(floor, p->min_rel_rise * fabs(t->mean));
	return fmax(floor, 3 * t->noise);
}

/* Is the series still rising at the window's pace at its newest end?  A
 * warm-up that levelled off in the last few samples leaves the window's fit
 * steady; its newest samples are flat.  The newest LEAK_TAIL_FRAC of the
 * window's span, at least two samples, and long enough for the window's
 * pace to add two units (a count rising one every 10 s is flat between). */
static bool still_rising(const struct series *s, uint32_t first, const struct trend *w,
			 const struct verdict_params *p)
{
	double tail_s = fmax(w->span_s * LEAK_TAIL_FRAC, w->slope > 0 ? 2 * p->unit / w->slope : 0);
	uint64_t last = s->t_ns[s->n - 1];
	uint64_t since = last - (uint64_t)(fmin(tail_s, w->span_s) * 1e9);
	uint32_t from = first;
	struct trend tail;

	while (from < s->n - 2 && s->t_ns[from] < since)
		from++;
	trend__fit_range(s, from, s->n, &tail);
	return tail.slope >= LEAK_TAIL_SHARE * w->slope;
}

/* Where the stretch of points from i that stays within `band` ends: the
 * first point past it (n if none); *lo is the stretch's lowest value. */
static uint32_t stretch_end(const struct series *s, uint32_t i, double band, double *lo)
{
	double min = s->v[i], max = s->v[i];
	uint32_t j = i + 1;

	for (; j < s->n; j++) {
		double a = s->v[j] < min ? s->v[j] : min, b = s->v[j] > max ? s->v[j] : max;

		if (b - a > band)
			break;
		min = a;
		max = b;
	}
	*lo = min;
	return j;
}

/* The longest stretch of points [from, n) that stays within `band`, in
 * seconds, above the window's lowest level `base`: a pause in the growth.  A
 * leak grows all along its window; a Go heap climbing in two or three
 * steps towards the goal its last GC set pauses between them, and only
 * many steps make a staircase a leak.  A flat stretch at the lowest level
 * is a leak that started late, which the fit already weighs.  (128 points
 * at most: the quadratic walk is cheap.) */
static double longest_pause_s(const struct series *s, uint32_t from, double band, double base)
{
	double best = 0, lo;

	for (uint32_t i = from; i + 1 < s->n; i++) {
		uint32_t j = stretch_end(s, i, band, &lo);

		if (lo > base + band && j - i >= LEAK_PAUSE_MIN_POINTS)
			best = fmax(best, (double)(s->t_ns[j - 1] - s->t_ns[i]) / 1e9);
	}
	return best;
}

/* When the growth in points [from, n) began: the end of the stretch from
 * the first point that stays within `band` (a leak starting late, or a
 * heap that starts to climb).  The climb, not the window, must last long
 * enough that a warm-up cannot pass for a leak. */
static double growth_span_s(const struct series *s, uint32_t from, double band)
{
	double lo;
	uint32_t j = stretch_end(s, from, band, &lo);

	return (double)(s->t_ns[s->n - 1] - s->t_ns[j - 1]) / 1e9;
}

/* Do points [from, n) read as a leak: long enough, steady, risen beyond
 * the floors, and rising as fast in their newer half and at their newest
 * end? */
static bool leak_window(const struct series *s, uint32_t from, const struct verdict_params *p,
			struct trend *w)
{
	struct trend half;
	double band;

	trend__fit_range(s, from, s->n, w);
	if (w->n < LEAK_MIN_POINTS || w->span_s < LEAK_MIN_SPAN_S || w->tau < LEAK_MIN_TAU)
		return false;
	if (w->rise <= rise_floor(w, p) || w->rise <= p->leak_min_rise)
		return false;
	trend__fit_range(s, from + (s->n - from) / 2, s->n, &half);
	if (half.slope < LEAK_RECENT_SHARE * w->slope)
		return false;
	/* the newest sample fell back well below the line: given back, not
	 * rising now (a robust fit shrugs one sample off) */
	band = fmax(3 * w->noise, LEAK_FALLBACK_SHARE * w->rise);
	if (s->v[s->n - 1] < w->intercept + w->rise - band)
		return false;
	/* a steady climb takes LEAK_FLAT_BAND of the span to leave the band */
	band = LEAK_FLAT_BAND * w->rise;
	if (growth_span_s(s, from, band) < LEAK_MIN_SPAN_S - LEAK_FLAT_BAND * w->span_s)
		return false;
	/* a count rises a unit at a time: pauses shorter than two units' time
	 * are its pace, not a pause */
	if (longest_pause_s(s, from, band, w->min) >=
	    fmax(LEAK_FLAT_SHARE * w->span_s, 2 * p->unit / w->slope))
		return false;
	return still_rising(s, from, w, p);
}

void verdict__decide(const struct series *s, const struct verdict_params *p,
		     struct verdict_result *out)
{
	double coverage;
	bool rose, recent_flat, recent_steady;

	memset(out, 0, sizeof(*out));
	trend__fit(s, &out->whole);
	trend__fit_range(s, s->n / 2, s->n, &out->recent);
	coverage = fmin(1.0, s->n / FULL_CONFIDENCE_POINTS);
	out->rate_per_s = out->whole.slope;
	out->window = out->whole;

	if (s->n < p->min_points || out->whole.span_s < p->min_span_s) {
		out->verdict = VERDICT_INSUFFICIENT;
		return;
	}
	/* A leak over the whole window, or over its newer half (a leak that
	 * started after a long flat stretch).  When both read as one, the
	 * newer half's rate is the one quoted if the whole's understates it
	 * (the flat stretch drags a whole-window slope down). */
	{
		struct trend w, h;
		bool whole = leak_window(s, 0, p, &w);
		bool half = leak_window(s, s->n / 2, p, &h);

		if (whole || half) {
			if (half && (!whole || w.slope < LEAK_RECENT_SHARE * h.slope)) {
				w = h;
				out->window_from = s->n / 2;
			}
			out->verdict = VERDICT_LEAK;
			out->confidence = coverage * w.tau;
			out->rate_per_s = w.slope;
			out->window = w;
			return;
		}
	}
	rose = out->whole.rise > rise_floor(&out->whole, p);
	/* Levelled off: the newer half's robust slope fell well below the
	 * whole's, or its rise is below the absolute/relative floor (not 3x
	 * its noise: noise alone would hide a leak that is still going)...
	 * unless the newer half on its own climbs steadily and clearly above
	 * its noise: half a window rises half as much, so a slow steady leak
	 * (one socket per 10 s poll) must not read "stable" just because its
	 * newer half is short. */
	recent_steady = out->recent.n >= STEADY_MIN_POINTS &&
			out->recent.slope >= GROWTH_RECENT_SHARE * out->whole.slope &&
			out->recent.tau >= LEAK_MIN_TAU &&
			out->recent.rise > 3 * fmax(out->recent.noise, out->whole.noise);
	recent_flat = out->recent.slope <= LEVELLED_SHARE * out->whole.slope ||
		      (out->recent.rise <= fmax(p->min_rise,
						0.5 * p->min_rel_rise * fabs(out->recent.mean)) &&
		       !recent_steady);

	if (!rose || recent_flat) {
		/* flat, falling, or rose and levelled off (warm-up, one big step) */
		out->verdict = VERDICT_STABLE;
		if (rose) {
			out->rate_per_s = out->recent.slope;
			out->window = out->recent;
			out->window_from = s->n / 2;
		}
		out->confidence = coverage * (rose ? 0.8 : 1.0 - 0.5 * fmax(0, out->whole.tau));
		return;
	}
	/* it rose, and is rising still, but not steadily or not for long
	 * enough to call it a leak */
	out->verdict = VERDICT_GROWING;
	out->confidence = coverage * (0.4 + 0.4 * fmax(0, out->whole.tau));
}
