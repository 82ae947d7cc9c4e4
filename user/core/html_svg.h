/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Line charts as inline SVG, drawn by leakscope itself for the HTML report
 * (html_report.c): no script, no library, nothing fetched.  Each line has
 * its own dash pattern and marker shape and a label at its end, so a chart
 * reads in black and white; axes have nice ticks (1, 2 or 5 times a power
 * of ten) and say their unit.  Plain C, no libbpf.
 */
#ifndef LS_HTML_SVG_H
#define LS_HTML_SVG_H
#include <stdint.h>
#include <stdio.h>

/* A linear map from the domain [d0, d1] onto the range [r0, r1]. */
struct svg_scale {
	double d0, d1, r0, r1;
};

/* v's place in the range; an empty domain (d0 == d1) maps to the range's middle. */
double svg__map(const struct svg_scale *s, double v);

#define SVG_MAX_TICKS	12

/* Ticks covering [lo, hi], from a multiple of step at or below lo to one
 * at or above hi, step 1, 2 or 5 times a power of ten, at most max ticks
 * (2 <= max <= SVG_MAX_TICKS); lo == hi gives [0, 1] for 0 and else a range
 * around it.  Writes the ticks, sets *step; returns how many. */
uint32_t svg__ticks(double lo, double hi, uint32_t max, double *ticks, double *step);
/* Decimals a tick label needs to tell ticks step apart (0 to 6). */
int svg__decimals(double step);

/* "M12.0 40.5L30.0 38.0...": the points through the scales, one decimal;
 * "" for no point.  Returns the length, or -1 when buf is too small
 * (buf then holds "").  Non-finite values are skipped. */
int svg__path(char *buf, size_t len, const double *x, const double *y, uint32_t n,
	      const struct svg_scale *sx, const struct svg_scale *sy);

#define SVG_MAX_LINES	8
#define SVG_MAX_POINTS	160

struct svg_line {
	const char *label;	/* raw: escaped when written */
	const double *t;	/* seconds */
	const double *v;	/* in the y unit */
	const double *raw;	/* the same values as counted (bytes, connections): data-v */
	uint32_t n;		/* <= SVG_MAX_POINTS */
};

struct svg_chart {
	const char *id;		/* element id, [a-z0-9-] */
	const char *title;	/* raw: escaped */
	const char *y_unit;	/* "MiB", "connections" */
	double t_max;		/* x axis: 0 to at least this many seconds */
	uint32_t nlines;
	struct svg_line lines[SVG_MAX_LINES];
};

/* The chart as one <svg> element (role img, a <title>, and per line a
 * <g class="series"> whose data-t and data-v list its points). */
void svg__chart(FILE *out, const struct svg_chart *c);
/* A small legend swatch of line style i (dash and marker), inline SVG. */
void svg__swatch(FILE *out, uint32_t style);

#endif
