// SPDX-License-Identifier: GPL-2.0
/*
 * leak / growing / stable / insufficient-data on a series.  A false alarm
 * costs as much trust as a miss (field report 5), so a rise must beat an
 * absolute floor, a share of the level and three times the noise, and a
 * leak must still be rising in the newer half of the window.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "verdict.h"

#define LEAK_MIN_TAU		0.6	/* steadiness a leak needs */
#define LEAK_RECENT_SHARE	0.4	/* newer half's slope vs the whole's */
#define LEVELLED_SHARE		0.25	/* below this share it has levelled off */
#define FULL_CONFIDENCE_POINTS	12.0	/* a minute at -i 5 */
#define STEADY_MIN_POINTS	7	/* fewer: a rising newer half may be chance */

const struct verdict_params verdict_params_memory = {
	.min_points = 5, .min_span_s = 8, .min_rise = 1 << 20, .min_rel_rise = 0.02,
};

const struct verdict_params verdict_params_count = {
	.min_points = 5, .min_span_s = 8, .min_rise = 3, .min_rel_rise = 0.10,
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
static double rise_floor(const struct trend *t, const struct verdict_params *p, double rel_scale)
{
	double floor = p->min_rise;

	floor = fmax(floor, rel_scale * p->min_rel_rise * fabs(t->mean));
	return fmax(floor, 3 * t->noise);
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

	if (s->n < p->min_points || out->whole.span_s < p->min_span_s) {
		out->verdict = VERDICT_INSUFFICIENT;
		return;
	}
	rose = out->whole.rise > rise_floor(&out->whole, p, 1.0);
	/* Levelled off: the newer half's robust slope fell well below the
	 * whole's, or its rise is below the absolute/relative floor (not 3x
	 * its noise: noise alone would hide a leak that is still going)...
	 * unless the newer half on its own climbs steadily and clearly above
	 * its noise at the whole's pace: half a window rises half as much, so
	 * a slow steady leak (one socket per 10 s poll) must not read
	 * "stable" just because its newer half is short. */
	recent_steady = out->recent.n >= STEADY_MIN_POINTS &&
			out->recent.slope >= LEAK_RECENT_SHARE * out->whole.slope &&
			out->recent.tau >= LEAK_MIN_TAU &&
			out->recent.rise > 3 * fmax(out->recent.noise, out->whole.noise);
	recent_flat = out->recent.slope <= LEVELLED_SHARE * out->whole.slope ||
		      (out->recent.rise <= fmax(p->min_rise,
						0.5 * p->min_rel_rise * fabs(out->recent.mean)) &&
		       !recent_steady);

	if (!rose || recent_flat) {
		/* flat, falling, or rose and levelled off (warm-up, one big step) */
		out->verdict = VERDICT_STABLE;
		out->rate_per_s = rose ? out->recent.slope : out->whole.slope;
		out->confidence = coverage * (rose ? 0.8 : 1.0 - 0.5 * fmax(0, out->whole.tau));
		return;
	}
	if (out->whole.tau >= LEAK_MIN_TAU &&
	    out->recent.slope >= LEAK_RECENT_SHARE * out->whole.slope) {
		out->verdict = VERDICT_LEAK;
		out->confidence = coverage * out->whole.tau;
		return;
	}
	out->verdict = VERDICT_GROWING;
	out->confidence = coverage * (0.4 + 0.4 * fmax(0, out->whole.tau));
}
