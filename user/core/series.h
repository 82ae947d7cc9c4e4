/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded time series: at most SERIES_CAP points whatever the run time.
 * When full, every other point is dropped and the stride doubles, so the
 * series always spans the whole run at decreasing resolution.
 */
#ifndef LS_SERIES_H
#define LS_SERIES_H
#include <stdint.h>
#include <stddef.h>

#define SERIES_CAP 128

struct series {
	uint32_t n;		/* points held */
	uint32_t stride;	/* keep one point in `stride` offered */
	uint32_t skipped;	/* points offered since the last kept one */
	uint32_t _pad;
	uint64_t t_ns[SERIES_CAP];
	double v[SERIES_CAP];
	uint64_t last_t_ns;	/* newest point offered, kept or not */
	double last_v;
};

void series__init(struct series *s);
void series__add(struct series *s, uint64_t t_ns, double v);
/* The newest value offered (even if decimation did not keep it). */
double series__last(const struct series *s);
double series__first(const struct series *s);
double series__max(const struct series *s);
double series__span_s(const struct series *s);

#endif
