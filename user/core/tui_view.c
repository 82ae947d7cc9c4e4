// SPDX-License-Identifier: GPL-2.0
/* The live view's content: rows copied from the model each interval,
 * sorted and selected by keys, and text fitted to a terminal's columns. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "tui_view.h"
#include "fmt.h"
#include "domain.h"
#include "mem_model.h"
#include "ns_model.h"
#include "report.h"
#include "sock_model.h"

#define TCP_FIN_WAIT2	5	/* the kernel's TCP state numbers */
#define TCP_CLOSE_WAIT	8

int tui_view__init(struct tui_view *v)
{
	memset(v, 0, sizeof(*v));
	v->rows = calloc(TUI_MAX_ROWS, sizeof(*v->rows));
	v->ranked = calloc(TUI_MAX_ROWS, sizeof(*v->ranked));
	v->follow = true;
	if (!v->rows || !v->ranked) {
		tui_view__free(v);
		return -1;
	}
	return 0;
}

void tui_view__free(struct tui_view *v)
{
	free(v->rows);
	free(v->ranked);
	v->rows = NULL;
	v->ranked = NULL;
	v->nrows = 0;
}

static void fill_row(struct tui_row *r, const struct ls_process *p, uint32_t urgency)
{
	const struct mem_state *ms = &p->mem;
	struct sock_unix_view uv;
	struct sock_tcp_view tv;
	uint64_t calls;

	memset(r, 0, sizeof(*r));
	r->pid = p->tgid;
	r->start_ns = p->start_ns;
	r->urgency = urgency;
	text__escape(r->comm, sizeof(r->comm), p->comm, sizeof(p->comm));
	r->real = mem_model__real_bytes(ms);
	r->lazyfree = ms->lazyfree_bytes;
	r->rss = ms->sample.rss_anon_bytes + ms->sample.rss_file_bytes + ms->sample.rss_shmem_bytes;
	r->real_rate = ms->real_v.rate_per_s;
	r->mem_v = ms->verdict;
	r->mem_conf = ms->confidence;
	if (sock_model__unix_view(p, &uv) && (uv.open || uv.opened)) {
		r->has_unix = true;
		r->unix_v = uv.verdict;
		r->unix_open = uv.open;
	}
	if (sock_model__tcp_view(p, &tv)) {
		r->tcp_stuck = (uint64_t)tv.by_state[TCP_FIN_WAIT2] + tv.by_state[TCP_CLOSE_WAIT];
		r->tcp_v = tv.verdict;
		r->has_tcp = r->tcp_stuck || tv.verdict == VERDICT_LEAK || tv.verdict == VERDICT_GROWING;
	}
	r->fds = p->fds_open;
	ns_model__counts(p, &calls, &r->setns_failed);
	r->exited = p->exited;
	r->incomplete = p->incomplete;
}

static uint64_t sort_key(const struct tui_row *r, enum tui_sort s)
{
	switch (s) {
	case TUI_SORT_MEMORY: return r->real;
	case TUI_SORT_UNIX: return r->unix_open;
	case TUI_SORT_FDS: return r->fds;
	default: return 0;
	}
}

static enum tui_sort sort_by;	/* qsort has no context argument */

static int cmp_rows(const void *a, const void *b)
{
	const struct tui_row *ra = a, *rb = b;
	uint64_t ka = sort_key(ra, sort_by), kb = sort_key(rb, sort_by);

	if (ka != kb)
		return ka < kb ? 1 : -1;	/* biggest first */
	return ra->urgency < rb->urgency ? -1 : ra->urgency > rb->urgency;
}

/* The selection follows its process; gone, the same place (clamped). */
static void reselect(struct tui_view *v)
{
	if (!v->nrows) {
		v->sel = 0;
		return;
	}
	if (v->follow) {
		v->sel = 0;
	} else {
		uint32_t i;

		for (i = 0; i < v->nrows; i++)
			if (v->rows[i].pid == v->sel_pid && v->rows[i].start_ns == v->sel_start)
				break;
		if (i < v->nrows)
			v->sel = i;
		else if (v->sel >= v->nrows)
			v->sel = v->nrows - 1;
	}
	v->sel_pid = v->rows[v->sel].pid;
	v->sel_start = v->rows[v->sel].start_ns;
}

static void sort_rows(struct tui_view *v)
{
	sort_by = v->sort;
	qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_rows);
	reselect(v);
}

void tui_view__update(struct tui_view *v, const struct model *m)
{
	uint32_t n = model__ranked(m, v->ranked, TUI_MAX_ROWS, false);

	for (uint32_t i = 0; i < n; i++)
		fill_row(&v->rows[i], v->ranked[i], i);
	memset(v->ranked, 0, n * sizeof(*v->ranked));	/* not kept past this call */
	v->nrows = n;
	v->more = n == TUI_MAX_ROWS;
	v->have_interval = true;
	v->duration_s = model__duration_s(m);
	v->lost = model__lost(m);
	v->intervals = m->intervals;
	v->nprocs = m->nprocs;
	sort_rows(v);
}

void tui_view__set_sort(struct tui_view *v, enum tui_sort s)
{
	v->sort = s < TUI_NSORTS ? s : TUI_SORT_URGENCY;
	sort_rows(v);
}

void tui_view__next_sort(struct tui_view *v)
{
	tui_view__set_sort(v, (enum tui_sort)((v->sort + 1) % TUI_NSORTS));
}

const char *tui_view__sort_name(enum tui_sort s)
{
	static const char *names[TUI_NSORTS] = { "urgency", "memory", "unix", "fds" };

	return s < TUI_NSORTS ? names[s] : "?";
}

void tui_view__move(struct tui_view *v, int delta)
{
	int64_t s = (int64_t)v->sel + delta;

	v->follow = false;
	if (!v->nrows)
		return;
	if (s < 0)
		s = 0;
	if (s >= v->nrows)
		s = v->nrows - 1;
	v->sel = (uint32_t)s;
	v->sel_pid = v->rows[v->sel].pid;
	v->sel_start = v->rows[v->sel].start_ns;
}

void tui_view__scroll(struct tui_view *v, uint32_t visible)
{
	if (!visible)
		visible = 1;
	if (v->sel < v->top)
		v->top = v->sel;
	else if (v->sel >= v->top + visible)
		v->top = v->sel - visible + 1;
	/* no empty screen below the last row when rows could fill it */
	if (v->nrows <= visible)
		v->top = 0;
	else if (v->top > v->nrows - visible)
		v->top = v->nrows - visible;
}

const struct tui_row *tui_view__selected(const struct tui_view *v)
{
	return v->nrows ? &v->rows[v->sel] : NULL;
}

#define ROW_FMT "%8s %-16s %10s %10s %10s %12s %-17s %4s %-16s %6s  %s"

void tui_view__title(char *buf, size_t len)
{
	snprintf(buf, len, ROW_FMT, "PID", "COMM", "REAL", "LAZYFREE", "RSS", "REAL/s", "MEMORY",
		 "CONF", "UNIX", "FDS", "OTHER");
}

void tui_view__row_text(const struct tui_row *r, char *buf, size_t len)
{
	char pid[16], real[24], lazy[24], rss[24], rate[32], conf[16], unx[48], fds[16], other[160];
	size_t o = 0;

	snprintf(pid, sizeof(pid), "%u", r->pid);
	fmt__bytes(r->real, real, sizeof(real));
	fmt__bytes(r->lazyfree, lazy, sizeof(lazy));
	fmt__bytes(r->rss, rss, sizeof(rss));
	fmt__bytes((uint64_t)(r->real_rate < 0 ? -r->real_rate : r->real_rate), rate + 1,
		      sizeof(rate) - 4);
	rate[0] = r->real_rate < 0 ? '-' : '+';
	strcat(rate, "/s");
	snprintf(conf, sizeof(conf), "%4.2f", r->mem_conf);
	if (r->has_unix)
		snprintf(unx, sizeof(unx), "%s %" PRIu64, verdict__name(r->unix_v), r->unix_open);
	else
		snprintf(unx, sizeof(unx), "-");
	if (r->fds)
		snprintf(fds, sizeof(fds), "%u", r->fds);
	else
		snprintf(fds, sizeof(fds), "-");
	other[0] = 0;
	if (r->has_tcp)
		o += (size_t)snprintf(other + o, sizeof(other) - o, "tcp %s %" PRIu64 " stuck  ",
				      verdict__name(r->tcp_v), r->tcp_stuck);
	if (r->setns_failed && o < sizeof(other))
		o += (size_t)snprintf(other + o, sizeof(other) - o, "setns %" PRIu64 " failed  ",
				      r->setns_failed);
	if (r->exited && o < sizeof(other))
		o += (size_t)snprintf(other + o, sizeof(other) - o, "(exited) ");
	if (r->incomplete && o < sizeof(other))
		snprintf(other + o, sizeof(other) - o, "(incomplete)");
	snprintf(buf, len, ROW_FMT, pid, r->comm, real, lazy, rss, rate, verdict__name(r->mem_v),
		 conf, unx, fds, other);
}

void tui_view__header_text(const struct tui_view *v, double interval_s, char *buf, size_t len)
{
	char lost[32];

	if (!v->have_interval) {
		snprintf(buf, len, "leakscope  waiting for the first interval (every %g s)  sorted by %s",
			 interval_s, tui_view__sort_name(v->sort));
		return;
	}
	fmt__count(v->lost, lost, sizeof(lost));
	snprintf(buf, len, "leakscope  +%.0f s  %u process%s tracked  %s events lost  %u shown%s  "
		 "every %g s  sorted by %s", v->duration_s, v->nprocs, v->nprocs == 1 ? "" : "es", lost,
		 v->nrows, v->more ? "+" : "", interval_s, tui_view__sort_name(v->sort));
}

void tui_view__explain(const struct tui_view *v, const struct model *m, char *buf, size_t len)
{
	const struct tui_row *r = tui_view__selected(v);
	const struct ls_process *p;
	char exe[TEXT_ESC_SIZE(LS_EXE_LEN)];
	FILE *f;
	long pos;

	if (!len)
		return;
	buf[0] = 0;
	if (!r || len < 2)
		return;
	p = model__find(m, r->pid);
	if (!p || p->start_ns != r->start_ns) {
		snprintf(buf, len, "%s (pid %u): no longer in the table (it exited, and another "
			 "process took its place)\n", r->comm, r->pid);
		return;
	}
	/* the domains' own final-report writers: escaped there */
	f = fmemopen(buf, len, "w");
	if (!f)
		return;
	fprintf(f, "%s (pid %u)%s%s%s%s\n", r->comm[0] ? r->comm : "?", r->pid, p->exe[0] ? " " : "",
		text__escape(exe, sizeof(exe), p->exe, sizeof(p->exe)), p->exited ? " (exited)" : "",
		p->incomplete ? " (incomplete)" : "");
	domains__text(m, p, f, true);
	fflush(f);
	pos = ftell(f);
	fclose(f);
	if (pos < 0)
		pos = 0;
	if ((size_t)pos > len - 1)
		pos = (long)(len - 1);
	buf[pos] = 0;
}

unsigned tui_cp_width(uint32_t cp)
{
	static const struct { uint32_t lo, hi; } zero[] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
		{ 0x064b, 0x065f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200d },
		{ 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xe0100, 0xe01ef },
	}, wide[] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
		{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i].lo && cp <= zero[i].hi)
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

/* The character at s: its bytes in src, its width, and whether it is
 * shown as '?' */
static size_t next_char(const char *s, size_t n, bool ascii, unsigned *w, bool *subst)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	*w = 1;
	*subst = false;
	if (u[0] < 0x80) {
		*subst = u[0] < 0x20 || u[0] == 0x7f;
		return 1;
	}
	k = text__utf8_len(u, n, &cp);
	if (!k) {
		*subst = true;
		return 1;
	}
	if (ascii || text__cp_unsafe(cp)) {
		*subst = true;
		return k;
	}
	*w = tui_cp_width(cp);
	return k;
}

size_t tui_fit(char *dst, size_t dstlen, const char *src, size_t srclen, unsigned cols,
	       bool ascii, unsigned *width)
{
	size_t i = 0, o = 0;
	unsigned used = 0;

	while (i < srclen && src[i]) {
		unsigned w;
		bool subst;
		size_t k = next_char(src + i, srclen - i, ascii, &w, &subst);
		size_t out = subst ? 1 : k;

		if (used + w > cols || o + out + 1 > dstlen)
			break;
		if (subst)
			dst[o] = '?';
		else
			memcpy(dst + o, src + i, k);
		o += out;
		used += w;
		i += k;
	}
	if (dstlen)
		dst[o] = 0;
	if (width)
		*width = used;
	return i;
}

size_t tui_wrap(const char *src, size_t srclen, unsigned cols)
{
	size_t i = 0, last_space = 0;
	unsigned used = 0;

	while (i < srclen && src[i]) {
		unsigned w;
		bool subst;
		size_t k = next_char(src + i, srclen - i, false, &w, &subst);

		if (used + w > cols) {
			if (last_space)
				return last_space;
			return i ? i : k;	/* at least one character */
		}
		used += w;
		i += k;
		if (src[i - 1] == ' ')
			last_space = i;
	}
	return i;
}
