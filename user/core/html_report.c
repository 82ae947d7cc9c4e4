// SPDX-License-Identifier: GPL-2.0
/* The HTML report (see html_report.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "html_report.h"
#include "fmt.h"
#include "domain.h"
#include "html_svg.h"
#include "mem_model.h"
#include "ns_model.h"
#include "report.h"
#include "sock_model.h"
#include "text.h"

#ifndef LEAKSCOPE_VERSION
#define LEAKSCOPE_VERSION "0.0.0"
#endif

/* ---------------------------------------------------------------- page */

static const char css[] =
	":root{color-scheme:light}\n"
	"body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:1em auto;padding:0 1em;"
	"color:#111;background:#fff}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}\n"
	"h2{font-size:1.2em;border-top:2px solid #000;padding-top:.5em;margin-top:2em}\n"
	"h3{font-size:1em;margin:1.2em 0 .3em}\n"
	"code,pre{font-family:ui-monospace,monospace;font-size:12.5px}\n"
	"pre.explain{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f5;"
	"border-left:4px solid #555;padding:.5em .8em}\n"
	"table{border-collapse:collapse;margin:.4em 0}\n"
	"th,td{border:1px solid #aaa;padding:2px 8px;text-align:left;vertical-align:top}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".verdict-leak{font-weight:bold;background:#fbd5cf}\n"
	".verdict-growing{font-weight:bold;background:#fde9bf}\n"
	".verdict-lazy-free{font-style:italic}\n"
	"svg.chart{width:100%;max-width:720px;height:auto;display:block}\n"
	"ul.legend{list-style:none;padding:0;margin:.2em 0}\n"
	"ul.legend li{display:inline-block;margin-right:1.2em}\n"
	"svg.swatch{vertical-align:middle;margin-right:.3em}\n"
	".note{color:#333;font-size:.9em}\n"
	".warn{border:2px solid #000;padding:.3em .6em}\n"
	"@media print{body{max-width:none;margin:0;font-size:10pt}"
	"nav.toc{display:none}section.chart,table,pre.explain{break-inside:avoid}"
	"article+article{break-before:page}a{color:inherit;text-decoration:none}"
	"pre.explain{background:none}.verdict-leak,.verdict-growing{background:none}}\n";

struct pts {
	double t[SVG_MAX_POINTS], v[SVG_MAX_POINTS], raw[SVG_MAX_POINTS];
	uint32_t n;
	uint32_t stride;	/* 1: every interval */
};

/* s's kept points and its newest one (decimation may not have kept it),
 * in seconds since t0 and in unit (raw: as counted). */
static void series_pts(const struct series *s, uint64_t t0, double unit, struct pts *p)
{
	p->n = 0;
	p->stride = s ? s->stride : 1;
	if (!s)
		return;
	for (uint32_t i = 0; i < s->n && p->n < SVG_MAX_POINTS; i++) {
		p->t[p->n] = s->t_ns[i] > t0 ? (double)(s->t_ns[i] - t0) / 1e9 : 0;
		p->raw[p->n] = s->v[i];
		p->v[p->n] = s->v[i] / unit;
		p->n++;
	}
	if (s->n && s->last_t_ns > s->t_ns[s->n - 1] && p->n < SVG_MAX_POINTS) {
		p->t[p->n] = s->last_t_ns > t0 ? (double)(s->last_t_ns - t0) / 1e9 : 0;
		p->raw[p->n] = s->last_v;
		p->v[p->n] = s->last_v / unit;
		p->n++;
	}
}

static void add_line(struct svg_chart *c, const char *label, const struct pts *p)
{
	struct svg_line *l;

	if (c->nlines >= SVG_MAX_LINES)
		return;
	l = &c->lines[c->nlines++];
	l->label = label;
	l->t = p->t;
	l->v = p->v;
	l->raw = p->raw;
	l->n = p->n;
}

static void legend(FILE *out, const struct svg_chart *c)
{
	fputs("<ul class=\"legend\">", out);
	for (uint32_t i = 0; i < c->nlines; i++) {
		fputs("<li>", out);
		svg__swatch(out, i);
		html__esc(out, c->lines[i].label);
		fputs("</li>", out);
	}
	fputs("</ul>\n", out);
}

static void decimation_note(FILE *out, uint32_t stride)
{
	if (stride > 1)
		fprintf(out, "<p class=\"note\">The model keeps %u points a series: this chart shows "
			"one interval in %u over the whole run, and the newest.</p>\n", SERIES_CAP,
			stride);
}

static void chart_section(FILE *out, const char *kind, const char *heading,
			  const struct svg_chart *c, uint32_t stride)
{
	fprintf(out, "<section class=\"chart\" data-kind=\"%s\">\n<h3>", kind);
	html__esc(out, heading);
	fputs("</h3>\n", out);
	svg__chart(out, c);
	legend(out, c);
	decimation_note(out, stride);
}

static const char *verdict_cell(enum verdict v)
{
	return verdict__name(v);
}

static void verdict_row(FILE *out, const char *kind, enum verdict v, double conf, const char *rate)
{
	fprintf(out, "<tr><th>%s</th><td class=\"verdict-%s\">%s</td><td class=\"num\">%.2f</td>"
		"<td class=\"num\">", kind, verdict_cell(v), verdict_cell(v), conf);
	html__esc(out, rate);
	fputs("</td></tr>\n", out);
}

static const char *rate_bytes(double r, char *buf, size_t len)
{
	char b[32];

	fmt__bytes((uint64_t)fabs(r), b, sizeof(b));
	snprintf(buf, len, "%s%s/s", r < 0 ? "-" : "+", b);
	return buf;
}

static bool has_unix(const struct ls_process *p)
{
	struct sock_unix_view uv;

	return sock_model__unix_view(p, &uv) && (uv.open || uv.opened || uv.npeers);
}

static bool has_tcp(const struct ls_process *p, struct sock_tcp_view *tv)
{
	const struct series *held = sock_model__series(p, SOCK_SERIES_TCP_HELD);
	const struct series *stuck = sock_model__series(p, SOCK_SERIES_TCP_STUCK);

	if (!sock_model__tcp_view(p, tv))
		return false;
	return tv->nstuck || (held && series__max(held) > 0) || (stuck && series__max(stuck) > 0);
}

/* The final text report's lines for p, made HTML. */
static void explanation(FILE *out, const struct model *m, const struct ls_process *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	domains__text(m, p, f, true);
	fclose(f);
	fputs("<pre class=\"explain\">", out);
	html__escape(out, buf, len, HTML_ESC_TEXT);
	fputs("</pre>\n", out);
	free(buf);
}

static void verdicts(FILE *out, const struct model *m, const struct ls_process *p)
{
	const struct mem_state *ms = &p->mem;
	struct series scratch;
	struct verdict_result fv;
	struct sock_unix_view uv;
	struct sock_tcp_view tv;
	char rate[48];

	(void)m;
	fputs("<table class=\"verdicts\"><tr><th>what</th><th>verdict</th><th class=\"num\">"
	      "confidence</th><th class=\"num\">growth</th></tr>\n", out);
	verdict_row(out, "memory", ms->verdict, ms->confidence,
		    rate_bytes(ms->real_v.rate_per_s, rate, sizeof(rate)));
	if (has_unix(p) && sock_model__unix_view(p, &uv)) {
		snprintf(rate, sizeof(rate), "%+.1f connections/s", uv.growth_per_s);
		verdict_row(out, "unix connections", uv.verdict, uv.confidence, rate);
	}
	if (has_tcp(p, &tv)) {
		snprintf(rate, sizeof(rate), "%+.1f stuck/s", tv.growth_per_s);
		verdict_row(out, "TCP (CLOSE_WAIT, FIN_WAIT2)", tv.verdict,
			    tv.confidence, rate);
	}
	verdict__decide(model__series(p, PROC_SERIES_FDS, &scratch), &verdict_params_count, &fv);
	if (p->samples.fds_kind != 2) {
		snprintf(rate, sizeof(rate), "%+.1f fds/s", fv.rate_per_s);
		verdict_row(out, "open fds", fv.verdict, fv.confidence, rate);
	}
	if (p->ns) {
		const struct series *fs = ns_model__failed_series(p);

		fprintf(out, "<tr><th>setns</th><td>%.0f failed</td><td></td><td></td></tr>\n",
			fs ? series__last(fs) : 0);
	}
	fputs("</table>\n", out);
}

static void memory_chart(FILE *out, const struct model *m, const struct ls_process *p,
			 const char *id)
{
	struct series real_s, rss_s;
	const struct series *real = model__series(p, PROC_SERIES_REAL, &real_s);
	const struct series *rss = model__series(p, PROC_SERIES_RSS, &rss_s);
	static struct pts pr, pl, ps;	/* 4 KiB each: not on the stack */
	struct svg_chart c = { .id = id, .y_unit = "MiB",
			       .title = "Real memory, LazyFree and RSS (MiB) over the run" };

	c.t_max = model__duration_s(m);
	series_pts(real, m->first_ts_ns, MODEL_MIB, &pr);
	series_pts(rss, m->first_ts_ns, MODEL_MIB, &ps);
	if (!pr.n) {
		fputs("<section class=\"chart\" data-kind=\"memory\"><h3>Memory</h3><p class=\"note\">"
		      "No memory sample.</p></section>\n", out);
		return;
	}
	/* LazyFree = RSS - real memory, at the same samples */
	pl = pr;
	for (uint32_t i = 0; i < pl.n; i++) {
		bool same = i < ps.n && ps.t[i] == pr.t[i];

		pl.raw[i] = same && ps.raw[i] > pr.raw[i] ? ps.raw[i] - pr.raw[i] : 0;
		pl.v[i] = pl.raw[i] / MODEL_MIB;
	}
	add_line(&c, "real memory", &pr);
	add_line(&c, "LazyFree", &pl);
	add_line(&c, "RSS", &ps);
	chart_section(out, "memory", "Real memory, LazyFree and RSS", &c, pr.stride);
	fputs("<p class=\"note\">Real memory (RSS minus LazyFree) is what the verdict rests on; LazyFree is memory "
	      "freed with MADV_FREE that the kernel has not taken back yet (counted in RSS).</p>\n"
	      "</section>\n", out);
}

static void unix_chart(FILE *out, const struct model *m, const struct ls_process *p,
		       const char *id)
{
	static struct pts pt[SVG_MAX_LINES];
	static char labels[SVG_MAX_LINES][LS_PATH_LEN + 96];
	struct svg_chart c = { .id = id, .y_unit = "connections open",
			       .title = "Unix connections open per peer over the run" };
	struct sock_unix_view uv;
	struct sock_peer_view pv;
	char peer[64];
	uint32_t shown = 0, i, stride = 1;

	if (!has_unix(p) || !sock_model__unix_view(p, &uv))
		return;
	c.t_max = model__duration_s(m);
	/* the total only when it is not the one peer's line */
	if (uv.npeers != 1 || uv.groups_dropped) {
		series_pts(sock_model__series(p, SOCK_SERIES_UNIX), m->first_ts_ns, 1, &pt[0]);
		snprintf(labels[0], sizeof(labels[0]), "all peers");
		stride = pt[0].stride;
		add_line(&c, labels[0], &pt[0]);
	}
	for (i = 0; i < uv.npeers && c.nlines < SVG_MAX_LINES; i++) {
		const struct series *s = sock_model__peer_series(p, i);

		if (!s || !sock_model__peer_view(m, p, i, &pv))
			continue;
		series_pts(s, m->first_ts_ns, 1, &pt[c.nlines]);
		snprintf(labels[c.nlines], sizeof(labels[0]), "%s on %s",
			 sock_model__peer_label(m, pv.pid, peer, sizeof(peer)), pv.path);
		if (pt[c.nlines].stride > stride)
			stride = pt[c.nlines].stride;
		add_line(&c, labels[c.nlines], &pt[c.nlines]);
		shown++;
	}
	chart_section(out, "unix", "Unix connections open, per peer", &c, stride);
	if (shown < uv.npeers)
		fprintf(out, "<p class=\"note\">%u of %u peer groups drawn (the ones holding the "
			"most); the table lists them all.</p>\n", shown, uv.npeers);
	fputs("<table class=\"peers\"><tr><th>peer</th><th>path</th><th class=\"num\">open</th>"
	      "<th class=\"num\">opened</th><th class=\"num\">closed</th>"
	      "<th class=\"num\">oldest open</th></tr>\n", out);
	for (i = 0; i < uv.npeers; i++) {
		if (!sock_model__peer_view(m, p, i, &pv))
			continue;
		fputs("<tr><td>", out);
		html__esc(out, sock_model__peer_label(m, pv.pid, peer, sizeof(peer)));
		fputs("</td><td><code>", out);
		html__esc(out, pv.path);
		fprintf(out, "</code></td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
			"</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%s%.0f s</td></tr>\n",
			pv.open, pv.opened, pv.closed, pv.oldest_at_least ? "&ge; " : "",
			pv.oldest_open_age_s);
	}
	fputs("</table>\n</section>\n", out);
}

static void tcp_chart(FILE *out, const struct model *m, const struct ls_process *p, const char *id)
{
	static const char *const names[SOCK_TCP_SERIES_N] = {
		"ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT2", "other states",
	};
	static struct pts ps[SOCK_TCP_SERIES_N];
	struct svg_chart c = { .id = id, .y_unit = "sockets",
			       .title = "TCP sockets held, by state, over the run" };
	struct sock_tcp_view tv;
	struct sock_stuck_view sv;
	uint32_t stride = 1;

	if (!has_tcp(p, &tv))
		return;
	c.t_max = model__duration_s(m);
	for (uint32_t k = 0; k < SOCK_TCP_SERIES_N; k++) {
		const struct series *s = sock_model__tcp_state_series(p, k);

		series_pts(s, m->first_ts_ns, 1, &ps[k]);
		/* the stuck states always, the others when there were some */
		if (!ps[k].n || (k != SOCK_TCP_SERIES_CLOSE_WAIT && k != SOCK_TCP_SERIES_FIN_WAIT2 &&
				 series__max(s) == 0))
			continue;
		if (ps[k].stride > stride)
			stride = ps[k].stride;
		add_line(&c, names[k], &ps[k]);
	}
	if (!c.nlines) {
		/* never held one at an interval's end (stuck groups only): the counts */
		static struct pts ph, pst;

		series_pts(sock_model__series(p, SOCK_SERIES_TCP_HELD), m->first_ts_ns, 1, &ph);
		series_pts(sock_model__series(p, SOCK_SERIES_TCP_STUCK), m->first_ts_ns, 1, &pst);
		add_line(&c, "held, any state", &ph);
		add_line(&c, "CLOSE_WAIT + FIN_WAIT2", &pst);
		stride = ph.stride;
	}
	chart_section(out, "tcp", "TCP sockets by state", &c, stride);
	fputs("<table class=\"tcp-states\"><tr><th>state now</th><th class=\"num\">sockets</th></tr>\n",
	      out);
	for (uint32_t s = 0; s < SOCK_TCP_NSTATES; s++)
		if (tv.by_state[s])
			fprintf(out, "<tr><td>%s</td><td class=\"num\">%u</td></tr>\n",
				sock_model__tcp_state_name(s), tv.by_state[s]);
	fputs("</table>\n", out);
	if (tv.nstuck) {
		fputs("<table class=\"stuck\"><tr><th>state</th><th>peer</th><th class=\"num\">count"
		      "</th><th class=\"num\">oldest</th></tr>\n", out);
		for (uint32_t i = 0; sock_model__stuck_view(p, i, &sv); i++) {
			fprintf(out, "<tr><td>%s</td><td><code>", sock_model__tcp_state_name(sv.state));
			html__esc(out, sv.peer);
			fprintf(out, "</code></td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">"
				"%s%.0f s</td></tr>\n", sv.count, sv.oldest_at_least ? "&ge; " : "",
				sv.oldest_age_s);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n", out);
}

static void fds_chart(FILE *out, const struct model *m, const struct ls_process *p, const char *id)
{
	static struct pts pf;
	struct series scratch;
	struct svg_chart c = { .id = id, .y_unit = "fds open",
			       .title = "Open file descriptors over the run" };

	if (p->samples.fds_kind == 2)
		return;
	c.t_max = model__duration_s(m);
	series_pts(model__series(p, PROC_SERIES_FDS, &scratch), m->first_ts_ns, 1, &pf);
	if (!pf.n)
		return;
	add_line(&c, "open fds", &pf);
	chart_section(out, "fds", "Open file descriptors", &c, pf.stride);
	fputs("</section>\n", out);
}

static void setns_chart(FILE *out, const struct model *m, const struct ls_process *p,
			const char *id)
{
	static struct pts pf;
	const struct series *s = ns_model__failed_series(p);
	struct svg_chart c = { .id = id, .y_unit = "failed calls",
			       .title = "Failed setns calls so far, over the run" };

	if (!s || !s->n)
		return;
	c.t_max = model__duration_s(m);
	series_pts(s, m->first_ts_ns, 1, &pf);
	add_line(&c, "setns failures", &pf);
	chart_section(out, "setns", "Failed setns calls (cumulative)", &c, pf.stride);
	fputs("</section>\n", out);
}

static const char *base_name(const char *file, size_t size)
{
	size_t n = strnlen(file, size);

	while (n && file[n - 1] != '/')
		n--;
	return file + n;
}

/* Resident memory by region class at the latest smaps read, with each
 * class's change since the first read and its biggest file. */
static void regions_table(FILE *out, const struct ls_process *p)
{
	const struct mem_regions *r = p->mem.regions;
	char a[32], b[32], g[32];

	if (!r)
		return;
	fputs("<section class=\"regions\">\n<h3>Resident memory by region</h3>\n"
	      "<table class=\"regions\"><tr><th>class</th><th class=\"num\">resident</th>"
	      "<th class=\"num\">since the first read</th><th class=\"num\">private</th>"
	      "<th class=\"num\">lazily freed</th><th class=\"num\">swap</th>"
	      "<th class=\"num\">mappings</th><th>biggest</th></tr>\n", out);
	for (int c = 0; c < LS_REGION_CLASSES; c++) {
		const struct ls_region_sum *rs = &r->latest.classes[c];
		int64_t grew = (int64_t)(rs->rss_bytes - r->first[c].rss_bytes);
		int k = LS_REGION_NAMED_INDEX(c);

		if (!rs->count)
			continue;
		fmt__bytes(grew < 0 ? (uint64_t)-grew : (uint64_t)grew, g, sizeof(g));
		fprintf(out, "<tr><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s%s</td>"
			"<td class=\"num\">%s</td>", mem_model__region_class(c),
			fmt__bytes(rs->rss_bytes, a, sizeof(a)), grew < 0 ? "-" : "+", g,
			fmt__bytes(rs->private_bytes, b, sizeof(b)));
		fprintf(out, "<td class=\"num\">%s</td>", fmt__bytes(rs->lazyfree_bytes, a, sizeof(a)));
		fprintf(out, "<td class=\"num\">%s</td><td class=\"num\">%u</td><td>",
			fmt__bytes(rs->swap_bytes, a, sizeof(a)), rs->count);
		if (k >= 0 && r->latest.names[k][0].name[0]) {
			fputs("<code>", out);
			html__escape(out, r->latest.names[k][0].name, sizeof(r->latest.names[k][0].name), 0);
			fputs("</code>", out);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	if (r->latest.flags & LS_REGIONS_CUT)
		fprintf(out, "<p class=\"note\">From the first %u mappings only.</p>\n",
			r->latest.mappings);
	fputs("</section>\n", out);
}

static void sites_table(FILE *out, const struct ls_process *p)
{
	const struct mem_extra *x = p->mem.extra;
	char a[32];

	if (!x || (!x->nsites && !x->nlargest))
		return;
	fputs("<section class=\"sites\">\n", out);
	if (x->nsites) {
		fputs("<h3>Growth sites</h3>\n<p class=\"note\">The code that mapped the most anonymous "
		      "memory, innermost frame first.</p>\n<table class=\"sites\"><tr><th class=\"num\">"
		      "mapped</th><th class=\"num\">calls</th><th>frames</th></tr>\n", out);
		for (uint32_t i = 0; i < x->nsites; i++) {
			const struct mem_site *s = &x->sites[i];

			fprintf(out, "<tr><td class=\"num\">%s</td><td class=\"num\">%" PRIu64
				"</td><td>", fmt__bytes(s->bytes, a, sizeof(a)), s->calls);
			for (uint32_t f = 0; f < s->nframes && f < LS_SITE_FRAMES; f++) {
				fputs(f ? "<br>&larr; <code>" : "<code>", out);
				html__escape(out, s->frames[f], sizeof(s->frames[f]), 0);
				fputs("</code>", out);
				if (s->sources[f].line) {
					fputs(" at <code>", out);
					html__esc(out, base_name(s->sources[f].file,
								 sizeof(s->sources[f].file)));
					fprintf(out, ":%u</code>", s->sources[f].line);
				}
			}
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	if (x->nlargest) {
		fputs("<h3>Largest mappings</h3>\n<table class=\"mappings\"><tr><th class=\"num\">size"
		      "</th><th>address</th><th>call</th><th>thread</th></tr>\n", out);
		for (uint32_t i = 0; i < x->nlargest; i++) {
			const struct mem_mapping *mm = &x->largest[i];

			fprintf(out, "<tr><td class=\"num\">%s</td><td><code>0x%" PRIx64 "</code></td>"
				"<td>%s</td><td>%u ", fmt__bytes(mm->size, a, sizeof(a)), mm->addr,
				mm->syscall == 1 ? "mremap" : mm->syscall == 2 ? "brk" : "mmap", mm->tid);
			html__escape(out, mm->thread, sizeof(mm->thread), 0);
			fputs("</td></tr>\n", out);
		}
		fputs("</table>\n", out);
	}
	fputs("</section>\n", out);
}

static void container_line(FILE *out, const struct ls_process *p)
{
	const struct cgroup_info *ci = &p->container;

	if (ci->runtime == CGROUP_RT_SYSTEMD) {
		fputs(" <span class=\"container\">(systemd ", out);
		html__escape(out, ci->unit, sizeof(ci->unit), 0);
		fputs(")</span>", out);
	} else if (ci->runtime != CGROUP_RT_NONE) {
		fprintf(out, " <span class=\"container\">(%s container ",
			cgroup_path__runtime_name(ci->runtime));
		html__escape(out, ci->id, 12, 0);
		if (p->container_name[0]) {
			fputc(' ', out);
			html__escape(out, p->container_name, sizeof(p->container_name), 0);
		}
		fputs(")</span>", out);
	}
}

static void process(FILE *out, const struct model *m, const struct ls_process *p, uint32_t rank)
{
	char id[32];

	fprintf(out, "<article class=\"process\" id=\"p%u\" data-pid=\"%u\">\n<h2>[%u] ", rank,
		p->tgid, rank);
	if (p->comm[0])
		html__escape(out, p->comm, sizeof(p->comm), 0);
	else
		fputc('?', out);
	fprintf(out, " (pid %u)", p->tgid);
	if (p->exe[0]) {
		fputs(" <code class=\"exe\">", out);
		html__escape(out, p->exe, sizeof(p->exe), 0);
		fputs("</code>", out);
	}
	container_line(out, p);
	fprintf(out, "%s%s</h2>\n", p->exited ? " (exited)" : "", p->incomplete ? " (incomplete)" : "");
	if (p->incomplete) {
		char why[240];

		sock_model__incomplete_reason(m, p, why, sizeof(why));
		fputs("<p class=\"warn\">Incomplete: ", out);
		html__esc(out, why);
		fputs("</p>\n", out);
	}
	verdicts(out, m, p);
	explanation(out, m, p);
	snprintf(id, sizeof(id), "p%u-memory", rank);
	memory_chart(out, m, p, id);
	snprintf(id, sizeof(id), "p%u-unix", rank);
	unix_chart(out, m, p, id);
	snprintf(id, sizeof(id), "p%u-tcp", rank);
	tcp_chart(out, m, p, id);
	snprintf(id, sizeof(id), "p%u-fds", rank);
	fds_chart(out, m, p, id);
	snprintf(id, sizeof(id), "p%u-setns", rank);
	setns_chart(out, m, p, id);
	regions_table(out, p);
	sites_table(out, p);
	fputs("</article>\n", out);
}

static void toc(FILE *out, const struct ls_process **rows, uint32_t n)
{
	fputs("<nav class=\"toc\"><table><tr><th>#</th><th>process</th><th>memory</th>"
	      "<th>unix</th><th>TCP</th><th>setns failed</th></tr>\n", out);
	for (uint32_t i = 0; i < n; i++) {
		const struct ls_process *p = rows[i];
		struct sock_unix_view uv;
		struct sock_tcp_view tv;
		const struct series *fs = ns_model__failed_series(p);

		fprintf(out, "<tr><td><a href=\"#p%u\">%u</a></td><td><a href=\"#p%u\">", i + 1, i + 1,
			i + 1);
		html__escape(out, p->comm, sizeof(p->comm), 0);
		fprintf(out, " (%u)</a></td><td class=\"verdict-%s\">%s</td>", p->tgid,
			verdict__name(p->mem.verdict), verdict__name(p->mem.verdict));
		if (has_unix(p) && sock_model__unix_view(p, &uv))
			fprintf(out, "<td class=\"verdict-%s\">%s</td>", verdict__name(uv.verdict),
				verdict__name(uv.verdict));
		else
			fputs("<td>-</td>", out);
		if (has_tcp(p, &tv))
			fprintf(out, "<td class=\"verdict-%s\">%s</td>", verdict__name(tv.verdict),
				verdict__name(tv.verdict));
		else
			fputs("<td>-</td>", out);
		if (fs)
			fprintf(out, "<td class=\"num\">%.0f</td></tr>\n", series__last(fs));
		else
			fputs("<td>-</td></tr>\n", out);
	}
	fputs("</table></nav>\n", out);
}

void html_report__write(const struct model *m, const struct html_opts *o, FILE *out)
{
	const struct ls_process **rows = malloc((m->nprocs + 1) * sizeof(*rows));
	uint32_t n = rows ? model__ranked(m, rows, m->nprocs + 1, true) : 0;
	char when[48], lost[32];

	if (o->max_procs && n > o->max_procs)
		n = o->max_procs;
	model__wall_time(m, m->last_ts_ns, "%Y-%m-%d %H:%M:%S UTC", when, sizeof(when));
	fmt__count(model__lost(m), lost, sizeof(lost));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"leakscope " LEAKSCOPE_VERSION "\">\n", out);
	fprintf(out, "<title>leakscope report: %.0f s, %u process%s reported</title>\n",
		model__duration_s(m), n, n == 1 ? "" : "es");
	fprintf(out, "<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>leakscope report</h1>\n", css);
	fprintf(out, "<p class=\"summary\">%.0f s, %" PRIu64 " intervals of %.1f s, %u process%s "
		"tracked, %s events lost", model__duration_s(m), m->intervals,
		(double)m->interval_ns / 1e9, m->nprocs, m->nprocs == 1 ? "" : "es", lost);
	if (when[0])
		fprintf(out, "; newest sample %s", when);
	fputs(o->source ? ". Replayed from <code>" : ". A live run", out);
	if (o->source)
		html__esc(out, o->source);
	fputs(o->source ? "</code>" : "", out);
	fputs(" by leakscope " LEAKSCOPE_VERSION ".</p>\n", out);
	if (o->cut_off)
		fputs("<p class=\"warn\">The recording was cut off (a crash, a full disk): this report "
		      "covers it up to its last complete block.</p>\n", out);
	if (m->lost_to_ns)
		fprintf(out, "<p class=\"warn\">Events were lost from +%.0f s to +%.0f s (a ring or a "
			"table was full): the socket, setns and exit counts of the processes marked "
			"(incomplete), alive then, may be short.</p>\n",
			(double)(m->lost_from_ns - m->first_ts_ns) / 1e9,
			(double)(m->lost_to_ns - m->first_ts_ns) / 1e9);
	if (m->procs_capped || m->procs_evicted)
		fprintf(out, "<p class=\"warn\">The process table (%u processes) was full: %" PRIu64
			" not tracked, %" PRIu64 " idle ones evicted.</p>\n", m->max_procs,
			m->procs_capped, m->procs_evicted);
	fputs("<p class=\"note\">Charts: time in seconds since the run started; each line has its "
	      "own dash pattern and marker and is named at its end.</p>\n</header>\n", out);
	if (!n)
		fputs("<p>No process to report (nothing traced had a memory sample).</p>\n", out);
	else
		toc(out, rows, n);
	fputs("<main>\n", out);
	for (uint32_t i = 0; i < n; i++)
		process(out, m, rows[i], i + 1);
	fputs("</main>\n</body>\n</html>\n", out);
	free(rows);
}

int html_report__to_file(const struct model *m, const struct html_opts *o, struct outfile *of,
			 char *err, size_t errlen)
{
	FILE *f = fdopen(of->fd, "w");
	int e = 0;

	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", of->path, strerror(errno));
		outfile__discard(of);
		return -1;
	}
	of->fd = -1;	/* f owns it now */
	html_report__write(m, o, f);
	if (fflush(f) || ferror(f))
		e = errno ? errno : EIO;
	if (fclose(f) && !e)
		e = errno ? errno : EIO;
	if (!e)
		e = outfile__commit(of);
	if (e) {
		snprintf(err, errlen, "cannot write %s: %s", of->path, strerror(e));
		outfile__discard(of);
		return -1;
	}
	outfile__release(of);
	return 0;
}
