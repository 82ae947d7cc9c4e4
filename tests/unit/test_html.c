// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report: its one escaping function fed hostile names, the SVG
 * arithmetic (scales, ticks, paths; empty, one-point and flat series), a
 * page of hostile processes, a page of a committed recording, and the
 * output file's safety (outfile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mem_model.h"
#include "harness.h"
#include "fixtures.h"
#include "html_report.h"
#include "html_svg.h"
#include "outfile.h"
#include "recording.h"
#include "report.h"
#include "text.h"

/* ---------------------------------------------------------------- escaping */

__attribute__((noinline)) static char *esc(const char *s, size_t n, int flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html__escape(f, s, n, flags);
	fclose(f);
	return buf;
}

#define ASSERT_ESC(in, want) do {						\
		char *ls_o = esc(in, sizeof(in) - 1, 0);			\
		int ls_ok = !strcmp(ls_o, want);				\
		if (!ls_ok)							\
			printf("#   got \"%s\"\n", ls_o);			\
		free(ls_o);							\
		ASSERT_TRUE(ls_ok);						\
	} while (0)

TEST(escape_markup)
{
	ASSERT_ESC("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	ASSERT_ESC("a&b \"q\" <img src=x onerror=y>",
		   "a&amp;b &quot;q&quot; &lt;img src=x onerror=y&gt;");
	ASSERT_ESC("&amp;", "&amp;amp;");	/* no entity passes through */
	ASSERT_ESC("plain /usr/bin/dockerd", "plain /usr/bin/dockerd");
}

TEST(escape_controls_and_bad_utf8)
{
	ASSERT_ESC("\x1b[31mEVIL\x1b[0m\n", "\\x1b[31mEVIL\\x1b[0m\\n");
	ASSERT_ESC("a\\b\tc\r", "a\\\\b\\tc\\x0d");
	ASSERT_ESC("\x7f\xc2\x9b", "\\x7f\\xc2\\x9b");			/* DEL, C1 */
	ASSERT_ESC("\xe2\x80\xae" "exe", "\\xe2\\x80\\xaeexe");		/* RLO */
	ASSERT_ESC("\xe2\x80\xa8", "\\xe2\\x80\\xa8");			/* line separator */
	ASSERT_ESC("x\xff\xfe", "x\\xff\\xfe");				/* not UTF-8 */
	ASSERT_ESC("\xc0\xaf", "\\xc0\\xaf");				/* overlong '/' */
	ASSERT_ESC("\xed\xa0\x80", "\\xed\\xa0\\x80");			/* surrogate */
	ASSERT_ESC("\xe2\x82", "\\xe2\\x82");				/* cut sequence */
	ASSERT_ESC("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\x9b", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\x9b");
}

TEST(escape_bounds)
{
	char *o = esc("abcdef", 3, 0);

	ASSERT_STREQ(o, "abc");
	free(o);
	o = esc("ab\0<script>", 11, 0);	/* stops at the NUL, as text.h does */
	ASSERT_STREQ(o, "ab");
	free(o);
	o = esc("\xe2\x82\xac", 2, 0);	/* a sequence cut by n */
	ASSERT_STREQ(o, "\\xe2\\x82");
	free(o);
	o = esc(NULL, 5, 0);
	ASSERT_STREQ(o, "");
	free(o);
}

TEST(escape_text_mode_keeps_lines)
{
	/* the text report's lines are escaped by text.h already: its
	 * backslashes stay single, its newlines stay, markup is escaped */
	char *o = esc("  memory: \\x1b[31m <b>\n  x\x1b", 27, HTML_ESC_TEXT);

	ASSERT_STREQ(o, "  memory: \\x1b[31m &lt;b&gt;\n  x\\x1b");
	free(o);
}

/* What an HTML page may hold as text: valid UTF-8, no control byte but
 * newline, none of < > " ', and & only starting an entity. */
static const char *unsafe_html(const char *s, bool newlines)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = text__utf8_len(u + i, n - i, &cp);

		if (!len || (text__cp_unsafe(cp) && !(newlines && cp == '\n')))
			return s + i;
		if (cp == '<' || cp == '>' || cp == '"' || cp == '\'')
			return s + i;
		if (cp == '&' && strncmp(s + i, "&amp;", 5) && strncmp(s + i, "&lt;", 4) &&
		    strncmp(s + i, "&gt;", 4) && strncmp(s + i, "&quot;", 6) && strncmp(s + i, "&#39;", 5))
			return s + i;
		i += len;
	}
	return NULL;
}

TEST(escape_random_bytes_are_safe)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char in[64];

	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + round % 63;
		char *o;

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half the time from the interesting bytes */
			in[i] = x & 0x100 ? "<>&\"'\\\n\x1b\x80\xc2\xe2\xf0\xff\x9b"[(x >> 9) % 14] : (char)x;
		}
		in[n] = 0;
		o = esc(in, n, 0);
		if (unsafe_html(o, false)) {
			printf("#   round %d: unsafe output at \"%.20s\"\n", round, unsafe_html(o, false));
			free(o);
			LS_FAIL("unsafe");
		}
		free(o);
	}
}

/* ---------------------------------------------------------------- SVG arithmetic */

TEST(scale_maps_and_inverts)
{
	struct svg_scale x = { 0, 10, 100, 600 }, y = { 0, 40, 250, 30 }, e = { 5, 5, 0, 100 };

	ASSERT_NEAR(svg__map(&x, 0), 100, 1e-9);
	ASSERT_NEAR(svg__map(&x, 10), 600, 1e-9);
	ASSERT_NEAR(svg__map(&x, 2.5), 225, 1e-9);
	ASSERT_NEAR(svg__map(&y, 0), 250, 1e-9);	/* y grows down */
	ASSERT_NEAR(svg__map(&y, 40), 30, 1e-9);
	ASSERT_NEAR(svg__map(&y, 20), 140, 1e-9);
	ASSERT_NEAR(svg__map(&e, 5), 50, 1e-9);		/* an empty domain: the middle */
	ASSERT_NEAR(svg__map(&e, 123), 50, 1e-9);
}

#define ASSERT_TICKS(lo, hi, max, first, last, wstep, count) do {		\
		double ls_t[SVG_MAX_TICKS], ls_s;				\
		uint32_t ls_n = svg__ticks(lo, hi, max, ls_t, &ls_s);		\
		ASSERT_EQ(ls_n, count);						\
		ASSERT_NEAR(ls_s, wstep, 1e-9 * (wstep));			\
		ASSERT_NEAR(ls_t[0], first, 1e-9 * (wstep));			\
		ASSERT_NEAR(ls_t[ls_n - 1], last, 1e-9 * (wstep));		\
	} while (0)

TEST(ticks_are_nice)
{
	ASSERT_TICKS(0, 37.5, 6, 0, 40, 10, 5);
	ASSERT_TICKS(0, 1.5, 6, 0, 1.5, 0.5, 4);
	ASSERT_TICKS(0, 110, 6, 0, 150, 50, 4);
	ASSERT_TICKS(0, 10, 9, 0, 10, 2, 6);
	ASSERT_TICKS(0, 11, 9, 0, 12, 2, 7);
	ASSERT_TICKS(0, 100, 6, 0, 100, 20, 6);
	ASSERT_TICKS(0, 3.1, 9, 0, 3.5, 0.5, 8);
	ASSERT_TICKS(-7, 13, 6, -10, 15, 5, 6);
	ASSERT_TICKS(0, 4096.0 * 1024, 6, 0, 5e6, 1e6, 6);	/* 4 GiB in MiB */
	ASSERT_TICKS(0, 0.003, 4, 0, 0.003, 0.001, 4);
	ASSERT_TICKS(0, 0.003, 3, 0, 0.004, 0.002, 3);
}

TEST(ticks_of_flat_and_bad_ranges)
{
	/* all-zero values: 0 to 1 */
	ASSERT_TICKS(0, 0, 6, 0, 1, 0.2, 6);
	/* all equal: a range around the value, the value inside */
	{
		double t[SVG_MAX_TICKS], s;
		uint32_t n = svg__ticks(42, 42, 6, t, &s);

		ASSERT_GE(n, 2);
		ASSERT_LE(t[0], 42);
		ASSERT_GE(t[n - 1], 42);
		ASSERT_TRUE(t[n - 1] > t[0]);
	}
	/* reversed, not finite */
	ASSERT_TICKS(10, 0, 9, 0, 10, 2, 6);
	ASSERT_TICKS(NAN, 5, 6, 0, 1, 0.2, 6);
	ASSERT_TICKS(0, INFINITY, 6, 0, 1, 0.2, 6);
}

TEST(ticks_never_exceed_max_and_cover)
{
	uint64_t x = 12345;

	for (int i = 0; i < 5000; i++) {
		double t[SVG_MAX_TICKS], s, lo, hi;
		uint32_t max = 2 + i % (SVG_MAX_TICKS - 1), n;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		lo = (double)(x >> 40) / 1e3 * ((x & 1) ? -1 : 1);
		hi = lo + (double)((x >> 20) & 0xfffff) / ((x & 2) ? 1e4 : 1);
		n = svg__ticks(lo, hi, max, t, &s);
		if (n < 2 || n > max || t[0] > lo + 1e-9 * s || t[n - 1] < hi - 1e-9 * s) {
			printf("#   lo %g hi %g max %u: %u ticks %g..%g step %g\n", lo, hi, max, n, t[0],
			       t[n - 1], s);
			LS_FAIL("bad ticks");
		}
	}
}

TEST(tick_decimals)
{
	ASSERT_EQ(svg__decimals(10), 0);
	ASSERT_EQ(svg__decimals(1), 0);
	ASSERT_EQ(svg__decimals(0.5), 1);
	ASSERT_EQ(svg__decimals(0.2), 1);
	ASSERT_EQ(svg__decimals(0.05), 2);
	ASSERT_EQ(svg__decimals(0.001), 3);
	ASSERT_EQ(svg__decimals(1e-12), 6);
	ASSERT_EQ(svg__decimals(0), 0);
}

TEST(path_empty_one_and_many)
{
	struct svg_scale sx = { 0, 10, 0, 100 }, sy = { 0, 4, 40, 0 };
	double x[] = { 0, 5, 10 }, y[] = { 0, 2, 4 }, bx[] = { 0, NAN, 10 };
	char buf[128], tiny[8];

	ASSERT_EQ(svg__path(buf, sizeof(buf), x, y, 0, &sx, &sy), 0);
	ASSERT_STREQ(buf, "");
	ASSERT_TRUE(svg__path(buf, sizeof(buf), x, y, 1, &sx, &sy) > 0);
	ASSERT_STREQ(buf, "M0.0 40.0");
	svg__path(buf, sizeof(buf), x, y, 3, &sx, &sy);
	ASSERT_STREQ(buf, "M0.0 40.0L50.0 20.0L100.0 0.0");
	svg__path(buf, sizeof(buf), bx, y, 3, &sx, &sy);	/* a NaN point is skipped */
	ASSERT_STREQ(buf, "M0.0 40.0L100.0 0.0");
	ASSERT_EQ(svg__path(tiny, sizeof(tiny), x, y, 3, &sx, &sy), -1);
	ASSERT_STREQ(tiny, "");
}

__attribute__((noinline)) static char *chart(const struct svg_chart *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	svg__chart(f, c);
	fclose(f);
	return buf;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

TEST(chart_of_flat_one_point_and_empty_series)
{
	double t[] = { 0, 1, 2, 3 }, flat[] = { 7, 7, 7, 7 }, one[] = { 3 };
	struct svg_chart c = { .id = "c1", .title = "T <b>", .y_unit = "MiB", .t_max = 3, .nlines = 3,
			       .lines = { { .label = "flat", .t = t, .v = flat, .n = 4 },
					  { .label = "one", .t = t, .v = one, .n = 1 },
					  { .label = "none", .t = t, .v = one, .n = 0 } } };
	char *s = chart(&c), *p;

	ASSERT_EQ(count(s, "<svg"), 1);
	ASSERT_EQ(count(s, "<g class=\"series\""), 3);
	ASSERT_CONTAINS(s, "<title id=\"c1-t\">T &lt;b&gt;</title>");
	/* the flat line is horizontal: every y of its path the same */
	p = strstr(s, "data-label=\"flat\"");
	ASSERT_TRUE(p);
	p = strstr(p, "<path d=\"M");
	ASSERT_TRUE(p);
	{
		double x0, y0, x1, y1;

		ASSERT_EQ(sscanf(p, "<path d=\"M%lf %lfL%lf %lf", &x0, &y0, &x1, &y1), 4);
		ASSERT_NEAR(y0, y1, 1e-9);
		ASSERT_TRUE(x1 > x0);
	}
	ASSERT_CONTAINS(s, "data-v=\"7 7 7 7\"");
	/* one point: no line, a marker and the value */
	p = strstr(s, "data-label=\"one\"");
	ASSERT_TRUE(p);
	ASSERT_CONTAINS(p, "data-t=\"0.000\" data-v=\"3\"");
	/* the empty one: no path, no label, no NaN anywhere */
	p = strstr(s, "data-label=\"none\"");
	ASSERT_TRUE(p && !strncmp(strstr(p, "<title>none</title>") + 19, "<g class=\"markers\"", 18));
	ASSERT_FALSE(strstr(s, "nan"));
	ASSERT_FALSE(strstr(s, "inf"));
	ASSERT_CONTAINS(s, ">MiB</text>");
	ASSERT_CONTAINS(s, "seconds since the run started");
	free(s);
}

TEST(chart_with_nothing)
{
	struct svg_chart c = { .id = "c2", .title = "empty", .y_unit = "fds open" };
	char *s = chart(&c);

	ASSERT_EQ(count(s, "<svg"), 1);
	ASSERT_EQ(count(s, "<g class=\"series\""), 0);
	ASSERT_FALSE(strstr(s, "nan"));
	free(s);
}

/* ---------------------------------------------------------------- pages */

#define EVIL_PID 666
#define PEER_PID 667
#define START (2 * SEC)
#define PEER_START (3 * SEC)
#define EVIL_COMM "<script>al\x1b\n"	/* 13 bytes */
#define EVIL_EXE "/tmp/\"><img src=x onerror=alert(1)>\x1b]0;pwned\x07\xc2\x9b\xe2\x80\xae\xff"
#define EVIL_PATH "/tmp/<iframe src='//evil'>\r\n\xc0\xaf"
#define EVIL_SYM "f<svg onload=x>\xe2\x81\xa6+0x10 (lib&.so)"

static void conn(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk, uint64_t peer,
		 uint32_t kind, uint64_t ts)
{
	fx_unix_conn(m, tgid, start, sk, peer, kind, EVIL_PATH, EVIL_COMM, ts);
}

static void setns_fail(struct model *m, uint64_t ts)
{
	struct ls_setns e = { 0 };

	fx_hdr(&e.hdr, LS_REC_SETNS, sizeof(e), EVIL_PID, ts);
	e.start_ns = START;
	e.tid = EVIL_PID;
	e.fd = 5;
	e.nstype = 0x40000000;	/* CLONE_NEWNET */
	e.ret = -EINVAL;
	e.target_kind = LS_TARGET_REGULAR;
	e.fs_magic = 0x01021994;
	snprintf(e.name[0], LS_NAME_LEN, "<script>x");
	snprintf(e.name[1], LS_NAME_LEN, "run");
	snprintf(e.name[2], LS_NAME_LEN, "/");
	memcpy(e.comm, EVIL_COMM, strlen(EVIL_COMM));
	model__ingest(m, &e.hdr, sizeof(e));
}

static void site(struct model *m, uint64_t ts)
{
	struct ls_growth_site g = { 0 };

	fx_hdr(&g.hdr, LS_REC_GROWTH_SITE, sizeof(g), EVIL_PID, ts);
	g.start_ns = START;
	g.bytes = 64ULL << 20;
	g.calls = 4;
	g.stack_id = 9;
	g.nframes = 2;
	snprintf(g.frames[0], LS_SYM_LEN, "%s", EVIL_SYM);
	snprintf(g.frames[1], LS_SYM_LEN, "main'+0x1 (\x1b[0m)");
	model__ingest(m, &g.hdr, sizeof(g));
}

/* A leaking process with a hostile name, a hostile peer and path, a
 * failing setns into a hostile target and a hostile growth site. */
/* An smaps read: anon bytes, a hostile shared library's name */
static void regions(struct model *m, uint64_t anon, uint64_t ts)
{
	struct ls_proc_regions r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_REGIONS, sizeof(r), EVIL_PID, ts);
	r.start_ns = START;
	r.mappings = 3;
	r.classes[LS_REGION_ANON].rss_bytes = anon;
	r.classes[LS_REGION_ANON].private_bytes = anon;
	r.classes[LS_REGION_ANON].count = 1;
	r.classes[LS_REGION_LIB].rss_bytes = 2 << 20;
	r.classes[LS_REGION_LIB].count = 2;
	snprintf(r.names[LS_REGION_NAMED_INDEX(LS_REGION_LIB)][0].name, LS_REGION_NAME_LEN,
		 "/lib/<b>lib\x1b.so");
	r.names[LS_REGION_NAMED_INDEX(LS_REGION_LIB)][0].rss_bytes = 2 << 20;
	model__ingest(m, &r.hdr, sizeof(r));
}

static struct model *hostile_model(int intervals)
{
	struct model *m = fx_model(0);

	for (int t = 0; t < intervals; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		if (t == 0) {
			fx_meta(m, EVIL_PID, START, EVIL_COMM, EVIL_EXE, ts);
			fx_meta(m, PEER_PID, PEER_START, "peer</td>", "/bin/peer", ts);
		}
		conn(m, PEER_PID, PEER_START, 0x1000 + 2 * t, 0x1001 + 2 * t, LS_UNIX_CONNECT, ts);
		conn(m, EVIL_PID, START, 0x1001 + 2 * t, 0x1000 + 2 * t, LS_UNIX_ACCEPT, ts);
		setns_fail(m, ts);
		if (t == 5)
			site(m, ts);
		fx_sample_fds(m, EVIL_PID, START, ts, (uint64_t)(t + 1) << 22, 0, 0, (uint32_t)t + 3);
		fx_sample(m, PEER_PID, PEER_START, ts, 1 << 20, 0, 0);
		if (t == 0 || t + 1 == intervals)
			regions(m, (uint64_t)(t + 1) << 22, ts);
		fx_interval(m, ts, t + 1 == intervals);
	}
	return m;
}

__attribute__((noinline)) static char *page(const struct model *m, const char *source)
{
	struct html_opts o = { .source = source };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html_report__write(m, &o, f);
	fclose(f);
	return buf;
}

/* Only our own markup: every tag name in the page is one we write. */
static const char *foreign_tag(const char *s)
{
	static const char *const ok[] = {
		"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2",
		"h3", "p", "code", "nav", "table", "tr", "th", "td", "a", "main", "article", "pre",
		"section", "svg", "g", "path", "text", "circle", "rect", "ul", "li", "span", "br",
	};

	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		const char *n = p + 1 + (p[1] == '/');
		size_t len = strcspn(n, " >\n");
		bool found = false;

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			if (strlen(ok[i]) == len && !strncmp(ok[i], n, len))
				found = true;
		if (!found)
			return p;
	}
	return NULL;
}

TEST(page_escapes_every_name)
{
	struct model *m = hostile_model(20);
	char *s = page(m, "rec<\x1b>.lsrec");
	const char *bad;

	bad = foreign_tag(s);
	if (bad)
		printf("#   foreign tag at \"%.60s\"\n", bad);
	ASSERT_FALSE(bad);
	ASSERT_FALSE(strstr(s, "<script"));
	ASSERT_FALSE(strstr(s, "<img"));
	ASSERT_FALSE(strstr(s, "<iframe"));
	ASSERT_FALSE(strchr(s, '\x1b'));
	ASSERT_FALSE(strstr(s, "\xe2\x80\xae"));
	ASSERT_CONTAINS(s, "&lt;script&gt;al\\x1b\\n (pid 666)");
	ASSERT_CONTAINS(s, "/tmp/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\\x1b]0;pwned\\x07"
			"\\xc2\\x9b\\xe2\\x80\\xae\\xff");
	ASSERT_CONTAINS(s, "/tmp/&lt;iframe src=&#39;//evil&#39;&gt;\\x0d\\n\\xc0\\xaf");
	ASSERT_CONTAINS(s, "peer&lt;/td&gt; (667)");
	ASSERT_CONTAINS(s, "f&lt;svg onload=x&gt;\\xe2\\x81\\xa6+0x10 (lib&amp;.so)");
	ASSERT_CONTAINS(s, "main&#39;+0x1 (\\x1b[0m)");
	ASSERT_CONTAINS(s, "rec&lt;\\x1b&gt;.lsrec");
	/* the regions table: the hostile library escaped, anon's growth */
	ASSERT_CONTAINS(s, "<h3>Resident memory by region</h3>");
	ASSERT_CONTAINS(s, "<code>/lib/&lt;b&gt;lib\\x1b.so</code>");
	ASSERT_CONTAINS(s, "<tr><td>anon</td><td class=\"num\">80.0 MiB</td>"
			"<td class=\"num\">+76.0 MiB</td>");
	/* the page is valid UTF-8 with no control byte but newlines */
	{
		const unsigned char *u = (const unsigned char *)s;
		size_t n = strlen(s);

		for (size_t i = 0; i < n;) {
			uint32_t cp;
			size_t len = text__utf8_len(u + i, n - i, &cp);

			if (!len || (cp != '\n' && text__cp_unsafe(cp)))
				LS_FAIL("unsafe byte at %zu: \"%.30s\"", i, s + i);
			i += len;
		}
	}
	free(s);
	model__free(m);
}

TEST(page_has_a_chart_per_section_and_nothing_fetched)
{
	struct model *m = hostile_model(20);
	char *s = page(m, NULL);

	/* memory, unix, fds, setns of the evil one; memory and fds of its peer
	 * when it is reported; each section one svg */
	ASSERT_EQ(count(s, "<section class=\"chart\""), count(s, "<svg class=\"chart\""));
	ASSERT_GE(count(s, "<svg class=\"chart\""), 4);
	ASSERT_CONTAINS(s, "data-kind=\"memory\"");
	ASSERT_CONTAINS(s, "data-kind=\"unix\"");
	ASSERT_CONTAINS(s, "data-kind=\"setns\"");
	ASSERT_CONTAINS(s, "data-kind=\"fds\"");
	ASSERT_CONTAINS(s, "<table class=\"sites\">");
	ASSERT_CONTAINS(s, "unix sockets: growing (confidence");
	ASSERT_CONTAINS(s, "Content-Security-Policy");
	ASSERT_CONTAINS(s, "@media print");
	ASSERT_FALSE(strstr(s, "http:"));
	ASSERT_FALSE(strstr(s, "https:"));
	ASSERT_FALSE(strstr(s, "url("));
	ASSERT_FALSE(strstr(s, "@import"));
	ASSERT_FALSE(strstr(s, "src=\""));	/* hostile "src=x" is text, escaped */
	for (const char *h = strstr(s, "href=\""); h; h = strstr(h + 1, "href=\""))
		ASSERT_EQ(h[6], '#');		/* links within the page only */
	free(s);
	model__free(m);
}

TEST(page_says_when_points_were_decimated)
{
	struct model *m = hostile_model(300);	/* past SERIES_CAP */
	char *s = page(m, NULL), *p, *end;
	int points = 1;

	ASSERT_CONTAINS(s, "this chart shows one interval in 4 over the whole run");
	/* the memory chart's real memory line: bounded, and ends at the last sample */
	p = strstr(s, "data-label=\"real memory\"");
	ASSERT_TRUE(p);
	p = strstr(p, "data-v=\"");
	end = strchr(p + 8, '"');
	for (char *q = p + 8; q < end; q++)
		points += *q == ' ';
	ASSERT_LE(points, SERIES_CAP + 1);
	ASSERT_GE(points, SERIES_CAP / 2);
	{
		char last[32];

		snprintf(last, sizeof(last), " %llu\"", 300ULL << 22);
		ASSERT_TRUE(!strncmp(end - strlen(last) + 1, last, strlen(last)));
	}
	free(s);
	model__free(m);
}

TEST(page_of_a_recording_matches_its_json)
{
	struct model_opts mo = { .top_n = 10 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m;
	char err[256], want[64], *s, *p;
	const struct ls_process *rows[4];

	r = recording__open("tests/data/unix-leak.lsrec", &info, err, sizeof(err));
	ASSERT_TRUE(r);
	m = model__new(&mo);
	while (recording__next(r, &rec) > 0)
		model__ingest(m, rec, rec->size);
	recording__close_reader(r);
	ASSERT_TRUE(m->saw_final);
	ASSERT_GE(model__ranked(m, rows, 4, true), 1);
	s = page(m, "tests/data/unix-leak.lsrec");
	ASSERT_CONTAINS(s, "data-kind=\"unix\"");
	ASSERT_CONTAINS(s, "unix sockets: ");
	/* the last real-memory point is the report's real_bytes */
	p = strstr(s, "data-label=\"real memory\"");
	ASSERT_TRUE(p);
	p = strchr(strstr(p, "data-v=\"") + 8, '"');
	snprintf(want, sizeof(want), " %llu\"",
		 (unsigned long long)mem_model__real_bytes(&rows[0]->mem));
	ASSERT_TRUE(!strncmp(p - strlen(want) + 1, want, strlen(want)));
	free(s);
	model__free(m);
}

static void tcp(struct model *m, uint64_t sk, int from, int to, uint64_t ts)
{
	struct ls_tcp_state t = { 0 };

	fx_hdr(&t.hdr, LS_REC_TCP_STATE, sizeof(t), 700, ts);
	t.start_ns = START;
	t.sk = sk;
	t.family = 2;
	t.sport = 8080;
	t.dport = (uint16_t)(40000 + sk);
	t.oldstate = from;
	t.newstate = to;
	t.saddr[0] = 127, t.saddr[3] = 1;
	t.daddr[0] = 10, t.daddr[3] = 7;
	model__ingest(m, &t.hdr, sizeof(t));
}

/* the numbers a series of the page holds, "" when it has none */
static char *data_v(const char *page, const char *label, char *buf, size_t len)
{
	char key[80];
	const char *p, *e;

	snprintf(key, sizeof(key), "data-label=\"%s\"", label);
	buf[0] = 0;
	if (!(p = strstr(page, key)) || !(p = strstr(p, "data-v=\"")))
		return buf;
	p += 8;
	e = strchr(p, '"');
	snprintf(buf, len, "%.*s", (int)(e - p), p);
	return buf;
}

TEST(tcp_chart_by_state)
{
	struct model *m = fx_model(0);
	char *s, v[256];

	/* each second: two connections established, one of them the peer
	 * closes (CLOSE_WAIT, never closed here) */
	for (int t = 0; t < 12; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		if (!t)
			fx_meta(m, 700, START, "tcpd", "/usr/sbin/tcpd", ts);
		tcp(m, 2 * t + 2, 2, 1, ts);	/* SYN_RECV -> ESTABLISHED */
		tcp(m, 2 * t + 3, 2, 1, ts);
		tcp(m, 2 * t + 3, 1, 8, ts);	/* -> CLOSE_WAIT */
		fx_sample(m, 700, START, ts, 1 << 20, 0, 0);
		fx_interval(m, ts, t == 11);
	}
	s = page(m, NULL);
	ASSERT_CONTAINS(s, "data-kind=\"tcp\"");
	ASSERT_STREQ(data_v(s, "ESTABLISHED", v, sizeof(v)), "1 2 3 4 5 6 7 8 9 10 11 12");
	ASSERT_STREQ(data_v(s, "CLOSE_WAIT", v, sizeof(v)), "1 2 3 4 5 6 7 8 9 10 11 12");
	ASSERT_STREQ(data_v(s, "FIN_WAIT2", v, sizeof(v)), "0 0 0 0 0 0 0 0 0 0 0 0");
	ASSERT_FALSE(strstr(s, "data-label=\"other states\""));	/* none: no line */
	ASSERT_CONTAINS(s, "<tr><td>CLOSE_WAIT</td><td class=\"num\">12</td></tr>");
	ASSERT_CONTAINS(s, "tcp: ");
	free(s);
	model__free(m);
}

TEST(page_of_a_cut_off_recording_says_so)
{
	struct model *m = hostile_model(6);
	struct html_opts o = { .source = "cut.lsrec", .cut_off = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	html_report__write(m, &o, f);
	fclose(f);
	ASSERT_CONTAINS(buf, "<p class=\"warn\">The recording was cut off");
	free(buf);
	buf = page(m, "whole.lsrec");
	ASSERT_FALSE(strstr(buf, "was cut off"));
	free(buf);
	model__free(m);
}

/* ---------------------------------------------------------------- the file */

TEST(outfile_never_overwrites_nor_follows)
{
	char dir[] = "/tmp/ls-html-XXXXXX", path[128], link[128], err[256];
	struct outfile of;
	struct stat st;
	int fd;

	ASSERT_TRUE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.html", dir);
	snprintf(link, sizeof(link), "%s/link.html", dir);
	umask(022);
	ASSERT_EQ(outfile__create(&of, path, false, "an HTML report", "leakscope", err, sizeof(err)), 0);
	ASSERT_EQ(write(of.fd, "x", 1), 1);
	ASSERT_EQ(fstat(of.fd, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);
	outfile__release(&of);
	/* there already */
	ASSERT_EQ(outfile__create(&of, path, false, "an HTML report", "leakscope", err, sizeof(err)), -1);
	ASSERT_CONTAINS(err, "exists: leakscope does not overwrite a file (--force replaces it)");
	ASSERT_EQ(of.fd, -1);
	/* a link, even to nothing */
	ASSERT_EQ(symlink("/tmp/ls-html-nowhere", link), 0);
	ASSERT_EQ(outfile__create(&of, link, false, "an HTML report", "leakscope", err, sizeof(err)), -1);
	ASSERT_CONTAINS(err, "is a symbolic link: an HTML report is never written through one");
	ASSERT_EQ(lstat("/tmp/ls-html-nowhere", &st), -1);
	/* --force: a file beside it, renamed over the link; the target untouched */
	ASSERT_EQ(outfile__create(&of, link, true, "an HTML report", "leakscope", err, sizeof(err)), 0);
	ASSERT_TRUE(of.tmp && strstr(of.tmp, "/.link.html."));
	ASSERT_EQ(write(of.fd, "new", 3), 3);
	ASSERT_EQ(outfile__commit(&of), 0);
	outfile__release(&of);
	ASSERT_EQ(lstat(link, &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT_EQ(st.st_size, 3);
	ASSERT_EQ(lstat("/tmp/ls-html-nowhere", &st), -1);
	/* discarded: nothing left, path as it was */
	ASSERT_EQ(outfile__create(&of, path, true, "an HTML report", "leakscope", err, sizeof(err)), 0);
	outfile__discard(&of);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_size, 1);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	unlink(path);
	unlink(link);
	ASSERT_EQ(rmdir(dir), 0);	/* no temporary file left */
}

int main(void)
{
	return RUN_TESTS();
}
