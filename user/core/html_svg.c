// SPDX-License-Identifier: GPL-2.0
/* Inline SVG line charts for the HTML report (see html_svg.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "html_report.h"
#include "html_svg.h"

double svg__map(const struct svg_scale *s, double v)
{
	if (!(s->d1 != s->d0))
		return (s->r0 + s->r1) / 2;
	return s->r0 + (v - s->d0) * (s->r1 - s->r0) / (s->d1 - s->d0);
}

static double nice_step(double raw)
{
	double mag = pow(10, floor(log10(raw))), norm = raw / mag;

	if (norm <= 1.0000001)
		return mag;
	if (norm <= 2.0000001)
		return 2 * mag;
	if (norm <= 5.0000001)
		return 5 * mag;
	return 10 * mag;
}

uint32_t svg__ticks(double lo, double hi, uint32_t max, double *ticks, double *step)
{
	double s, start, end;
	uint32_t n;

	if (max < 2)
		max = 2;
	if (max > SVG_MAX_TICKS)
		max = SVG_MAX_TICKS;
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (lo > hi) {
		double t = lo;

		lo = hi;
		hi = t;
	}
	if (hi == lo) {
		if (lo == 0) {
			hi = 1;
		} else {
			double d = fabs(lo) / 10;

			lo -= d;
			hi += d;
		}
	}
	s = nice_step((hi - lo) / (max - 1));
	for (;;) {
		start = floor(lo / s + 1e-9) * s;
		end = ceil(hi / s - 1e-9) * s;
		n = (uint32_t)llround((end - start) / s) + 1;
		if (n <= max)
			break;
		s = nice_step(s * 1.5);	/* the next nice step up */
	}
	for (uint32_t i = 0; i < n; i++) {
		ticks[i] = start + i * s;
		if (fabs(ticks[i]) < s * 1e-9)
			ticks[i] = 0;	/* no "-0" */
	}
	*step = s;
	return n;
}

int svg__decimals(double step)
{
	int d;

	if (!(step > 0) || step >= 1)
		return 0;
	d = (int)ceil(-log10(step) - 1e-9);
	return d < 0 ? 0 : d > 6 ? 6 : d;
}

int svg__path(char *buf, size_t len, const double *x, const double *y, uint32_t n,
	      const struct svg_scale *sx, const struct svg_scale *sy)
{
	size_t o = 0;
	bool first = true;

	if (!len)
		return -1;
	buf[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		int k;

		if (!isfinite(x[i]) || !isfinite(y[i]))
			continue;
		k = snprintf(buf + o, len - o, "%s%.1f %.1f", first ? "M" : "L", svg__map(sx, x[i]),
			     svg__map(sy, y[i]));
		if (k < 0 || (size_t)k >= len - o) {
			buf[0] = 0;
			return -1;
		}
		o += (size_t)k;
		first = false;
	}
	return (int)o;
}

/* ---------------------------------------------------------------- drawing */

#define W	720
#define H	280
#define ML	72	/* left margin: y tick labels */
#define MR	170	/* right margin: the lines' labels */
#define MT	24
#define MB	46
#define LABEL_GAP	13	/* px between two end labels */
#define LABEL_CHARS	24

#define NSTYLES	6
/* dark enough on white, and told apart without them by dash and marker */
static const char *const colours[NSTYLES] = {
	"#1b4f9c", "#b8321f", "#2d7a36", "#7b3f9e", "#9a6a00", "#3a3a3a",
};
static const char *const dashes[NSTYLES] = {
	"none", "9 4", "2 3", "10 3 2 3", "16 5", "5 2",
};

static void marker(FILE *out, uint32_t style, double x, double y)
{
	switch (style % NSTYLES) {
	case 0:		/* circle */
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.2\"/>", x, y);
		break;
	case 1:		/* square */
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\"/>", x - 3, y - 3);
		break;
	case 2:		/* triangle */
		fprintf(out, "<path d=\"M%.1f %.1fl3.8 6.6h-7.6z\"/>", x, y - 4.2);
		break;
	case 3:		/* diamond */
		fprintf(out, "<path d=\"M%.1f %.1fl4 4l-4 4l-4-4z\"/>", x, y - 4);
		break;
	case 4:		/* cross */
		fprintf(out, "<path d=\"M%.1f %.1fl6 6m0-6l-6 6\"/>", x - 3, y - 3);
		break;
	default:	/* plus */
		fprintf(out, "<path d=\"M%.1f %.1fh8m-4-4v8\"/>", x - 4, y);
		break;
	}
}

static void style_attrs(FILE *out, uint32_t style)
{
	style %= NSTYLES;
	fprintf(out, " stroke=\"%s\"", colours[style]);
	if (strcmp(dashes[style], "none"))
		fprintf(out, " stroke-dasharray=\"%s\"", dashes[style]);
}

void svg__swatch(FILE *out, uint32_t style)
{
	fputs("<svg class=\"swatch\" width=\"40\" height=\"12\" viewBox=\"0 0 40 12\" aria-hidden=\"true\">"
	      "<g fill=\"#fff\" stroke-width=\"2\"", out);
	style_attrs(out, style);
	fputs("><path d=\"M1 6H39\"/>", out);
	marker(out, style, 20, 6);
	fputs("</g></svg>", out);
}

/* The label at a line's end: its first LABEL_CHARS characters (whole UTF-8
 * sequences), "..." after when cut; the whole one is in the legend. */
static void short_label(FILE *out, const char *s)
{
	size_t i = 0, chars = 0, n = strlen(s);

	while (i < n && chars < LABEL_CHARS) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

		if (i + k > n)
			k = n - i;
		i += k;
		chars++;
	}
	html__escape(out, s, i, 0);
	if (i < n)
		fputs("...", out);
}

struct end_label {
	uint32_t line;
	double y0;	/* the last point's */
	double y;	/* placed */
};

static int cmp_label(const void *a, const void *b)
{
	const struct end_label *x = a, *y = b;

	return x->y0 < y->y0 ? -1 : x->y0 > y->y0;
}

/* Labels in the order of their lines' ends, at least LABEL_GAP apart, within the plot. */
static void place_labels(struct end_label *l, uint32_t n, double top, double bottom)
{
	qsort(l, n, sizeof(*l), cmp_label);
	for (uint32_t i = 0; i < n; i++) {
		l[i].y = l[i].y0;
		if (i && l[i].y < l[i - 1].y + LABEL_GAP)
			l[i].y = l[i - 1].y + LABEL_GAP;
	}
	/* pushed below the bottom: shift up from the end */
	for (uint32_t i = n; i-- > 0;) {
		double lim = i + 1 < n ? l[i + 1].y - LABEL_GAP : bottom;

		if (l[i].y > lim)
			l[i].y = lim;
	}
	for (uint32_t i = 0; i < n; i++)
		if (l[i].y < top)
			l[i].y = top;
}

static void fmt_num(char *buf, size_t len, double v, int dec)
{
	snprintf(buf, len, "%.*f", dec, v);
}

void svg__chart(FILE *out, const struct svg_chart *c)
{
	struct svg_scale sx = { 0, 1, ML, W - MR }, sy = { 0, 1, H - MB, MT };
	double xt[SVG_MAX_TICKS], yt[SVG_MAX_TICKS], xstep, ystep, vmax = 0, tmax = c->t_max;
	struct end_label labels[SVG_MAX_LINES];
	uint32_t nxt, nyt, nlabels = 0;
	char path[SVG_MAX_POINTS * 24 + 8], num[48];
	int xdec, ydec;

	for (uint32_t i = 0; i < c->nlines && i < SVG_MAX_LINES; i++)
		for (uint32_t k = 0; k < c->lines[i].n; k++) {
			if (isfinite(c->lines[i].v[k]) && c->lines[i].v[k] > vmax)
				vmax = c->lines[i].v[k];
			if (isfinite(c->lines[i].t[k]) && c->lines[i].t[k] > tmax)
				tmax = c->lines[i].t[k];
		}
	nyt = svg__ticks(0, vmax, 6, yt, &ystep);
	nxt = svg__ticks(0, tmax, 9, xt, &xstep);
	sy.d0 = yt[0];
	sy.d1 = yt[nyt - 1];
	sx.d0 = xt[0];
	sx.d1 = xt[nxt - 1];
	xdec = svg__decimals(xstep);
	ydec = svg__decimals(ystep);

	fprintf(out, "<svg class=\"chart\" id=\"%s\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-labelledby=\"%s-t\" "
		"font-family=\"sans-serif\" font-size=\"11\">\n<title id=\"%s-t\">", c->id, W, H, c->id,
		c->id);
	html__esc(out, c->title);
	fputs("</title>\n<g class=\"grid\" stroke=\"#ddd\" stroke-width=\"1\">", out);
	for (uint32_t i = 0; i < nyt; i++)
		fprintf(out, "<path d=\"M%d %.1fH%d\"/>", ML, svg__map(&sy, yt[i]), W - MR);
	for (uint32_t i = 0; i < nxt; i++)
		fprintf(out, "<path d=\"M%.1f %dV%d\"/>", svg__map(&sx, xt[i]), MT, H - MB);
	fprintf(out, "</g>\n<g class=\"axes\" stroke=\"#000\" fill=\"none\"><path d=\"M%d %dV%dH%d\"/></g>\n",
		ML, MT, H - MB, W - MR);
	fputs("<g class=\"yticks\" text-anchor=\"end\" fill=\"#000\">", out);
	for (uint32_t i = 0; i < nyt; i++) {
		fmt_num(num, sizeof(num), yt[i], ydec);
		fprintf(out, "<text x=\"%d\" y=\"%.1f\">%s</text>", ML - 6, svg__map(&sy, yt[i]) + 4, num);
	}
	fputs("</g>\n<g class=\"xticks\" text-anchor=\"middle\" fill=\"#000\">", out);
	for (uint32_t i = 0; i < nxt; i++) {
		fmt_num(num, sizeof(num), xt[i], xdec);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">%s</text>", svg__map(&sx, xt[i]), H - MB + 16, num);
	}
	fprintf(out, "</g>\n<text class=\"xlabel\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">"
		"seconds since the run started</text>\n", (ML + W - MR) / 2, H - 8);
	fprintf(out, "<text class=\"ylabel\" transform=\"translate(16 %d) rotate(-90)\" "
		"text-anchor=\"middle\">", (MT + H - MB) / 2);
	html__esc(out, c->y_unit);
	fputs("</text>\n", out);

	for (uint32_t i = 0; i < c->nlines && i < SVG_MAX_LINES; i++) {
		const struct svg_line *l = &c->lines[i];
		uint32_t every = l->n <= 24 ? 1 : (l->n + 11) / 12;

		fputs("<g class=\"series\" data-label=\"", out);
		html__esc(out, l->label);
		fputs("\" data-t=\"", out);
		for (uint32_t k = 0; k < l->n; k++)
			fprintf(out, "%s%.3f", k ? " " : "", l->t[k]);
		fputs("\" data-v=\"", out);
		for (uint32_t k = 0; k < l->n; k++)
			fprintf(out, "%s%.0f", k ? " " : "", l->raw ? l->raw[k] : l->v[k]);
		/* wider first: a line drawn over an equal one leaves it showing */
		fprintf(out, "\" fill=\"none\" stroke-width=\"%.1f\"", i == 0 ? 3.5 : i == 1 ? 2.5 : 2.0);
		style_attrs(out, i);
		fputs("><title>", out);
		html__esc(out, l->label);
		fputs("</title>", out);
		if (svg__path(path, sizeof(path), l->t, l->v, l->n, &sx, &sy) > 0)
			fprintf(out, "<path d=\"%s\"/>", path);
		fputs("<g class=\"markers\" fill=\"#fff\" stroke-dasharray=\"none\">", out);
		for (uint32_t k = 0; k < l->n; k++)
			if (k % every == 0 || k + 1 == l->n)
				marker(out, i, svg__map(&sx, l->t[k]), svg__map(&sy, l->v[k]));
		fputs("</g></g>\n", out);
		if (l->n) {
			labels[nlabels].line = i;
			labels[nlabels].y0 = svg__map(&sy, l->v[l->n - 1]);
			nlabels++;
		}
	}
	place_labels(labels, nlabels, MT + 4, H - MB);
	fputs("<g class=\"labels\" fill=\"#000\">", out);
	for (uint32_t k = 0; k < nlabels; k++) {
		const struct svg_line *l = &c->lines[labels[k].line];
		double x0 = svg__map(&sx, l->t[l->n - 1]);

		fprintf(out, "<path d=\"M%.1f %.1fL%d %.1f\" stroke=\"#888\" stroke-dasharray=\"1 2\"/>",
			x0 + 4, labels[k].y0, W - MR + 4, labels[k].y);
		fprintf(out, "<text x=\"%d\" y=\"%.1f\">", W - MR + 8, labels[k].y + 4);
		short_label(out, l->label ? l->label : "");
		fputs("</text>", out);
	}
	fputs("</g>\n</svg>\n", out);
}
