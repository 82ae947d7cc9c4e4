// SPDX-License-Identifier: GPL-2.0
/* The live view's content (core/tui_view.h): rows in the report's order
 * and by each sort, a selection that follows its process, names escaped,
 * and text fitted to columns without cutting a character or letting a
 * control byte through. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "tui_view.h"

#define MIB (1024ULL * 1024)
#define LEAKER 100	/* real memory +10 MiB/s: leak */
#define BIG 200		/* 500 MiB flat */
#define FDS 300		/* 10 MiB flat, 900 fds */
#define EVIL_COMM "\x1b[31mEVIL\x1b[0m\n"

static void meta(struct model *m, uint32_t tgid, const char *comm)
{
	struct ls_proc_meta r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_META, sizeof(r), tgid, SEC);
	r.start_ns = tgid;
	memcpy(r.comm, comm, strnlen(comm, LS_COMM_LEN - 1));
	snprintf(r.exe, sizeof(r.exe), "/usr/bin/x");
	model__ingest(m, &r.hdr, sizeof(r));
}

/* 30 intervals of 1 s of the three processes */
static struct model *three(void)
{
	struct model *m = fx_model(0);

	meta(m, LEAKER, EVIL_COMM);
	meta(m, BIG, "big");
	meta(m, FDS, "fds");
	for (uint64_t i = 0; i < 30; i++) {
		uint64_t ts = (i + 1) * SEC;

		fx_sample_fds(m, LEAKER, LEAKER, ts, (20 + 10 * i) * MIB, 0, 0, 10);
		fx_sample_fds(m, BIG, BIG, ts, 500 * MIB, 0, 0, 20);
		fx_sample_fds(m, FDS, FDS, ts, 10 * MIB, 0, 0, 900);
		fx_interval(m, ts + SEC / 2, false);
	}
	return m;
}

static bool safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n')
			return false;
	return true;
}

TEST(rows_in_report_order_then_each_sort)
{
	struct model *m = three();
	struct tui_view v;

	ASSERT_EQ(tui_view__init(&v), 0);
	tui_view__update(&v, m);
	ASSERT_EQ(v.nrows, 3);
	ASSERT_FALSE(v.more);
	ASSERT_EQ(v.rows[0].pid, LEAKER);	/* the leak is the most urgent */
	ASSERT_EQ(v.rows[0].mem_v, VERDICT_LEAK);
	ASSERT_EQ(v.nprocs, 3);
	ASSERT_EQ(v.intervals, 30);
	tui_view__next_sort(&v);
	ASSERT_EQ(v.sort, TUI_SORT_MEMORY);
	ASSERT_EQ(v.rows[0].pid, BIG);
	ASSERT_EQ(v.rows[1].pid, LEAKER);	/* 310 MiB */
	tui_view__next_sort(&v);
	ASSERT_EQ(v.sort, TUI_SORT_UNIX);	/* none has any: the report's order */
	ASSERT_EQ(v.rows[0].pid, LEAKER);
	tui_view__next_sort(&v);
	ASSERT_EQ(v.sort, TUI_SORT_FDS);
	ASSERT_EQ(v.rows[0].pid, FDS);
	ASSERT_EQ(v.rows[1].pid, BIG);
	tui_view__next_sort(&v);
	ASSERT_EQ(v.sort, TUI_SORT_URGENCY);
	ASSERT_EQ(v.rows[0].pid, LEAKER);
	ASSERT_TRUE(!strcmp(tui_view__sort_name(TUI_SORT_FDS), "fds"));
	tui_view__free(&v);
	model__free(m);
}

TEST(selection_follows_its_process)
{
	struct model *m = three();
	struct tui_view v;

	ASSERT_EQ(tui_view__init(&v), 0);
	tui_view__update(&v, m);
	ASSERT_EQ(tui_view__selected(&v)->pid, LEAKER);	/* the first row until a key */
	tui_view__set_sort(&v, TUI_SORT_MEMORY);
	ASSERT_EQ(tui_view__selected(&v)->pid, BIG);	/* still the first row */
	tui_view__move(&v, 1);
	ASSERT_EQ(tui_view__selected(&v)->pid, LEAKER);
	tui_view__set_sort(&v, TUI_SORT_URGENCY);	/* moved: it stays on its process */
	ASSERT_EQ(v.sel, 0);
	ASSERT_EQ(tui_view__selected(&v)->pid, LEAKER);
	tui_view__move(&v, 2);
	ASSERT_EQ(v.sel, 2);
	tui_view__move(&v, 5);			/* clamped */
	ASSERT_EQ(v.sel, 2);
	tui_view__move(&v, -9);
	ASSERT_EQ(v.sel, 0);
	tui_view__move(&v, 1);
	{
		uint32_t pid = tui_view__selected(&v)->pid;

		/* the next interval: the same process */
		for (uint64_t i = 30; i < 32; i++) {
			uint64_t ts = (i + 1) * SEC;

			fx_sample_fds(m, LEAKER, LEAKER, ts, (20 + 10 * i) * MIB, 0, 0, 10);
			fx_sample_fds(m, BIG, BIG, ts, 500 * MIB, 0, 0, 20);
			fx_sample_fds(m, FDS, FDS, ts, 10 * MIB, 0, 0, 900);
			fx_interval(m, ts + SEC / 2, false);
		}
		tui_view__update(&v, m);
		ASSERT_EQ(tui_view__selected(&v)->pid, pid);
	}
	tui_view__free(&v);
	model__free(m);
}

TEST(scroll_keeps_the_selection_on_screen)
{
	struct tui_view v;

	ASSERT_EQ(tui_view__init(&v), 0);
	v.nrows = 10;
	for (uint32_t i = 0; i < 10; i++)
		v.rows[i].pid = i + 1;
	tui_view__move(&v, 7);
	tui_view__scroll(&v, 3);
	ASSERT_EQ(v.top, 5);		/* rows 5, 6, 7 */
	tui_view__move(&v, -6);
	tui_view__scroll(&v, 3);
	ASSERT_EQ(v.top, 1);
	tui_view__scroll(&v, 20);	/* room for all: from the first */
	ASSERT_EQ(v.top, 0);
	tui_view__move(&v, 100);
	tui_view__scroll(&v, 4);
	ASSERT_EQ(v.top, 6);		/* the last screenful, no empty lines */
	tui_view__free(&v);
}

TEST(names_escaped_in_rows_and_explanation)
{
	struct model *m = three();
	struct tui_view v;
	char line[512], *ex = malloc(TUI_EXPLAIN_SIZE);

	ASSERT_TRUE(ex != NULL);
	ASSERT_EQ(tui_view__init(&v), 0);
	tui_view__update(&v, m);
	tui_view__row_text(&v.rows[0], line, sizeof(line));
	ASSERT_TRUE(strstr(line, "\\x1b[31mEVIL\\x1b[0m\\n") != NULL);
	ASSERT_TRUE(strstr(line, " leak ") != NULL);
	ASSERT_TRUE(safe(line) && !strchr(line, '\n'));
	tui_view__title(line, sizeof(line));
	ASSERT_TRUE(strstr(line, "PID") && strstr(line, "MEMORY") && strstr(line, "FDS"));
	tui_view__explain(&v, m, ex, TUI_EXPLAIN_SIZE);
	ASSERT_TRUE(!strncmp(ex, "\\x1b[31mEVIL\\x1b[0m\\n (pid 100) /usr/bin/x\n", 43));
	ASSERT_TRUE(strstr(ex, "  memory: leak (confidence") != NULL);
	ASSERT_TRUE(safe(ex));
	/* cut short: still a string */
	tui_view__explain(&v, m, ex, 20);
	ASSERT_EQ(strlen(ex), 19);
	tui_view__header_text(&v, 1, line, sizeof(line));
	ASSERT_TRUE(strstr(line, "+30 s  3 processes tracked") &&
		    strstr(line, "0 events lost") && strstr(line, "sorted by urgency"));
	free(ex);
	tui_view__free(&v);
	model__free(m);
}

TEST(rows_bounded)
{
	struct model_opts o = { .top_n = 5000 };
	struct model *m = model__new(&o);
	struct tui_view v;

	for (uint32_t p = 1; p <= TUI_MAX_ROWS + 100; p++)
		fx_sample(m, p, p, SEC, MIB * p, 0, 0);
	fx_interval(m, 2 * SEC, false);
	ASSERT_EQ(tui_view__init(&v), 0);
	tui_view__update(&v, m);
	ASSERT_EQ(v.nrows, TUI_MAX_ROWS);
	ASSERT_TRUE(v.more);
	tui_view__free(&v);
	model__free(m);
}

TEST(fit_never_cuts_a_character)
{
	char d[64];
	unsigned w;

	ASSERT_EQ(tui_fit(d, sizeof(d), "hello world", 11, 5, false, &w), 5);
	ASSERT_TRUE(!strcmp(d, "hello") && w == 5);
	ASSERT_EQ(tui_fit(d, sizeof(d), "h\xc3\xa9llo", 6, 2, false, &w), 3);	/* é whole */
	ASSERT_TRUE(!strcmp(d, "h\xc3\xa9") && w == 2);
	/* wide: 日 takes two columns, and a third is not enough for 本 */
	ASSERT_EQ(tui_fit(d, sizeof(d), "\xe6\x97\xa5\xe6\x9c\xac", 6, 3, false, &w), 3);
	ASSERT_TRUE(w == 2 && strlen(d) == 3);
	/* the buffer too small for the next character: stops before it */
	ASSERT_EQ(tui_fit(d, 3, "a\xc3\xa9", 3, 10, false, &w), 1);
	ASSERT_TRUE(!strcmp(d, "a"));
	/* control bytes, C1, bidi and bytes that are not UTF-8: '?' */
	tui_fit(d, sizeof(d), "a\x1b[2J\x07\r\n\x7f" "b", 10, 40, false, &w);
	ASSERT_TRUE(!strcmp(d, "a?[2J????b"));
	tui_fit(d, sizeof(d), "\xc2\x9b" "x\xe2\x80\xae" "y\xff\xc0\xaf", 10, 40, false, &w);
	ASSERT_TRUE(!strcmp(d, "?x?y???"));
	/* a locale that is not UTF-8: ASCII only */
	tui_fit(d, sizeof(d), "h\xc3\xa9\xe6\x97\xa5", 8, 40, true, &w);
	ASSERT_TRUE(!strcmp(d, "h??") && w == 3);
	ASSERT_EQ(tui_cp_width('a'), 1);
	ASSERT_EQ(tui_cp_width(0x301), 0);
	ASSERT_EQ(tui_cp_width(0xac00), 2);
}

TEST(wrap_at_spaces)
{
	const char *s = "memory: leak (confidence 1.00). Real memory grew";
	size_t n = strlen(s);

	ASSERT_EQ(tui_wrap(s, n, 200), n);
	ASSERT_EQ(tui_wrap(s, n, 14), 13);		/* "memory: leak " */
	ASSERT_EQ(tui_wrap("abcdefghij", 10, 4), 4);	/* no space: cut in the word */
	ASSERT_EQ(tui_wrap("abc", 3, 0), 1);		/* one character at least */
	ASSERT_EQ(tui_wrap("\xc3\xa9\xc3\xa9", 4, 1), 2);
}

int main(void)
{
	return RUN_TESTS();
}
