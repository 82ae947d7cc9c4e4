/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Verdicts on a series of a quantity a process holds (real memory bytes,
 * open connections, stuck TCP sockets): leak, growing, stable or
 * insufficient-data, with a confidence.  Memory adds lazy-free on top.
 */
#ifndef LS_VERDICT_H
#define LS_VERDICT_H
#include "series.h"
#include "trend.h"

enum verdict {
	VERDICT_INSUFFICIENT = 0,
	VERDICT_STABLE,
	VERDICT_GROWING,
	VERDICT_LEAK,
	VERDICT_LAZY_FREE,
};

const char *verdict__name(enum verdict v);	/* "leak", "lazy-free", ... */

struct verdict_params {
	uint32_t min_points;	/* fewer: insufficient-data */
	double min_span_s;	/* shorter: insufficient-data */
	double min_rise;	/* absolute rise below this is noise (units) */
	double min_rel_rise;	/* rise relative to the mean below this is noise */
	double leak_min_rise;	/* a leak has risen at least this much (units) */
	double unit;		/* what the series moves by at least (1: counts) */
};

/* Defaults for bytes of memory and for counts of sockets. */
extern const struct verdict_params verdict_params_memory;
extern const struct verdict_params verdict_params_count;

struct verdict_result {
	enum verdict verdict;
	double confidence;	/* 0..1 */
	double rate_per_s;	/* growth rate the verdict rests on: window.slope */
	struct trend whole;	/* fit over the whole series */
	struct trend recent;	/* fit over the newer half */
	struct trend window;	/* the fit rate_per_s comes from: the whole series,
				 * its newer half (a leak that started late, or a
				 * rise that levelled off) */
	uint32_t window_from;	/* its first point's index in the series */
};

void verdict__decide(const struct series *s, const struct verdict_params *p,
		     struct verdict_result *out);

#endif
