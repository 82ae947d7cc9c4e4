// SPDX-License-Identifier: GPL-2.0
/* The process table: identity, pid reuse, bounds, malformed records. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "records.h"

static struct model *new_model(uint32_t max)
{
	return fx_model(max);
}

static void feed_sample(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts, uint64_t anon)
{
	fx_sample(m, tgid, start, ts, anon, 0, 0);
}

static int reports, finals;
static void count_reports(void *ctx, const struct model *m, bool final)
{
	(void)ctx;
	(void)m;
	reports++;
	finals += final;
}

static void feed_interval(struct model *m, uint64_t ts, bool final)
{
	struct ls_interval iv = { 0 };

	iv.hdr.type = LS_REC_INTERVAL;
	iv.hdr.size = sizeof(iv);
	iv.hdr.ts_ns = ts;
	iv.interval_ns = SEC;
	iv.drops[LS_DROP_RINGBUF] = 3;
	iv.final = final;
	model__ingest(m, &iv.hdr, sizeof(iv));
}

TEST(same_process_is_one_entry)
{
	struct model *m = new_model(0);

	feed_sample(m, 100, 5 * SEC, 10 * SEC, 1 << 20);
	feed_sample(m, 100, 5 * SEC, 11 * SEC, 2 << 20);
	ASSERT_EQ(m->nprocs, 1);
	ASSERT_EQ(model__samples(model__find(m, 100)), 2);
	model__free(m);
}

TEST(reused_pid_starts_a_new_process)
{
	struct model *m = new_model(0);
	struct ls_process *p;

	feed_sample(m, 100, 5 * SEC, 10 * SEC, 100 << 20);
	feed_sample(m, 100, 5 * SEC, 11 * SEC, 200 << 20);
	feed_sample(m, 100, 9 * SEC, 12 * SEC, 1 << 20);	/* another process, same pid */
	p = model__find(m, 100);
	ASSERT_EQ(m->nprocs, 1);
	ASSERT_EQ(p->start_ns, 9 * SEC);
	ASSERT_EQ(model__samples(p), 1);	/* the old series is not inherited */
	ASSERT_EQ(p->mem.sample.rss_anon_bytes, 1 << 20);
	model__free(m);
}

TEST(full_table_counts_what_it_leaves_out)
{
	struct model *m = new_model(4);

	for (uint32_t pid = 1; pid <= 5; pid++)
		feed_sample(m, pid, SEC, 2 * SEC, 1 << 20);
	ASSERT_EQ(m->nprocs, 4);
	ASSERT_EQ(m->procs_capped, 1);
	ASSERT_TRUE(model__find(m, 5) == NULL);
	ASSERT_GE(model__lost(m), 1);
	model__free(m);
}

TEST(full_table_evicts_an_exited_process)
{
	struct model *m = new_model(4);

	for (uint32_t pid = 1; pid <= 4; pid++)
		feed_sample(m, pid, SEC, 2 * SEC, 1 << 20);
	fx_exit(m, 2, SEC, 3 * SEC);
	feed_sample(m, 7, SEC, 4 * SEC, 1 << 20);
	ASSERT_EQ(m->procs_capped, 0);
	ASSERT_TRUE(model__find(m, 2) == NULL);
	ASSERT_TRUE(model__find(m, 7) != NULL);
	for (uint32_t pid = 1; pid <= 4; pid++)
		if (pid != 2)
			ASSERT_TRUE(model__find(m, pid) != NULL);
	model__free(m);
}

/* many pids that collide in the index, removed in the middle of chains */
TEST(index_survives_collisions_and_removals)
{
	struct model *m = new_model(64);
	uint32_t cap = 128;	/* index size for 64 slots */

	/* 60 of 64 slots: past half full, so exited ones are removed */
	for (uint32_t i = 1; i <= 60; i++)
		feed_sample(m, i * cap, SEC, 2 * SEC, 1 << 20);	/* same bucket */
	for (uint32_t i = 1; i <= 60; i += 3)
		fx_exit(m, i * cap, SEC, 3 * SEC);
	feed_interval(m, 10 * SEC, false);	/* removes exited, unremarkable ones */
	for (uint32_t i = 1; i <= 60; i++) {
		if (i % 3 == 1)
			ASSERT_TRUE(model__find(m, i * cap) == NULL);
		else
			ASSERT_TRUE(model__find(m, i * cap) != NULL);
	}
	ASSERT_EQ(m->nprocs, 40);
	model__free(m);
}

/* BPF cuts unix records after their path's room: every cut it makes is
 * taken, a cut that loses path bytes or the fixed part is not. */
TEST(unix_record_cuts_are_checked)
{
	struct ls_unix_conn c = { 0 };

	c.hdr.type = LS_REC_UNIX_CONN;
	c.path_len = 0;
	c.hdr.size = LS_UNIX_CONN_SIZE(0);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(0)), 0);
	c.hdr.size = LS_UNIX_CONN_SIZE(0) - 8;	/* the fixed part cut */
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(0) - 8), -1);
	c.path_len = 32;
	c.hdr.size = LS_UNIX_CONN_SIZE(32);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(32)), 0);
	c.path_len = 33;			/* more path than room */
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(32)), -1);
	c.path_len = LS_PATH_LEN;
	c.hdr.size = LS_UNIX_CONN_SIZE(LS_UNIX_PATH_ROOM_MAX);
	ASSERT_EQ(ls_rec_check(&c.hdr, c.hdr.size), 0);
	c.hdr.size = sizeof(c);			/* format 1: whole, comm included */
	ASSERT_EQ(ls_rec_check(&c.hdr, sizeof(c)), 0);
	c.path_len = LS_PATH_LEN + 1;		/* past sun_path */
	ASSERT_EQ(ls_rec_check(&c.hdr, sizeof(c)), -1);
}

TEST(malformed_records_are_counted_not_trusted)
{
	struct model *m = new_model(0);
	struct ls_proc_sample s = { 0 };

	s.hdr.type = LS_REC_PROC_SAMPLE;
	s.hdr.size = sizeof(s) - 8;	/* lies about its size */
	s.hdr.tgid = 1;
	ASSERT_EQ(model__ingest(m, &s.hdr, sizeof(s)), -1);
	s.hdr.size = sizeof(s);
	s.hdr.type = 999;		/* unknown type */
	ASSERT_EQ(model__ingest(m, &s.hdr, sizeof(s)), -1);
	ASSERT_EQ(m->bad_records, 2);
	ASSERT_EQ(m->nprocs, 0);
	ASSERT_EQ(model__lost(m), 2);
	model__free(m);
}

TEST(interval_reports_and_final)
{
	struct model *m = new_model(0);

	reports = finals = 0;
	model__set_report(m, count_reports, NULL);
	feed_sample(m, 1, SEC, 2 * SEC, 1 << 20);
	feed_interval(m, 3 * SEC, false);
	feed_interval(m, 4 * SEC, true);
	ASSERT_EQ(reports, 2);
	ASSERT_EQ(finals, 1);
	ASSERT_TRUE(m->saw_final);
	ASSERT_EQ(m->drops[LS_DROP_RINGBUF], 3);	/* drops reach the report */
	ASSERT_EQ(model__lost(m), 3);
	ASSERT_NEAR(model__duration_s(m), 2.0, 1e-9);
	model__free(m);
}

TEST(ranked_puts_leaks_first_and_caps_the_rest)
{
	struct model *m = new_model(0);
	const struct ls_process *rows[16];
	uint32_t n;

	m->opts.top_n = 2;
	/* pid 50 leaks 4 MiB/s; 10 others are flat */
	for (int t = 0; t < 30; t++) {
		feed_sample(m, 50, SEC, (uint64_t)(t + 1) * SEC, (uint64_t)(10 + 4 * t) << 20);
		for (uint32_t pid = 1; pid <= 10; pid++)
			feed_sample(m, pid, SEC, (uint64_t)(t + 1) * SEC, 8 << 20);
	}
	feed_interval(m, 31 * SEC, true);
	n = model__ranked(m, rows, 16, true);
	ASSERT_EQ(rows[0]->tgid, 50);
	ASSERT_STREQ(verdict__name(rows[0]->mem.verdict), "leak");
	ASSERT_EQ(n, 3);	/* the leak (notable) + top 2 others */
	model__free(m);
}

static void interval_with_drops(struct model *m, uint64_t ts, uint64_t ringbuf, bool final)
{
	struct ls_interval iv = { 0 };

	fx_hdr(&iv.hdr, LS_REC_INTERVAL, sizeof(iv), 0, ts);
	iv.interval_ns = SEC;
	iv.drops[LS_DROP_RINGBUF] = ringbuf;
	iv.final = final;
	model__ingest(m, &iv.hdr, sizeof(iv));
}

/* A reader stopped for a while: the processes alive while events were lost
 * are marked, those gone before or come after are not, and the report says
 * when. */
TEST(lost_events_mark_the_processes_alive_then)
{
	struct model *m = new_model(0);
	char *js, *txt;

	feed_sample(m, 10, SEC, 1 * SEC, 1 << 20);	/* alive throughout */
	feed_sample(m, 11, SEC, 1 * SEC, 1 << 20);	/* gone before the loss */
	fx_exit(m, 11, SEC, 2 * SEC);
	interval_with_drops(m, 3 * SEC, 0, false);
	feed_sample(m, 10, SEC, 4 * SEC, 1 << 20);
	interval_with_drops(m, 5 * SEC, 0, false);
	interval_with_drops(m, 7 * SEC, 500, false);	/* lost between 5 and 7 s */
	interval_with_drops(m, 9 * SEC, 800, false);	/* and between 7 and 9 */
	feed_sample(m, 12, 10 * SEC, 10 * SEC, 1 << 20);	/* came after */
	feed_sample(m, 10, SEC, 10 * SEC, 1 << 20);
	interval_with_drops(m, 11 * SEC, 800, true);
	ASSERT_TRUE(model__find(m, 10)->incomplete);
	ASSERT_FALSE(model__find(m, 11)->incomplete);
	ASSERT_FALSE(model__find(m, 12)->incomplete);
	ASSERT_EQ(m->lost_from_ns, 5 * SEC);
	ASSERT_EQ(m->lost_to_ns, 9 * SEC);
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"lost_events\":800,\"lost_from_ts\":5000000000,\"lost_to_ts\":9000000000");
	ASSERT_CONTAINS(js, "\"pid\":10,");
	ASSERT_CONTAINS(js, "\"exited\":false,\"incomplete\":true");
	txt = fx_final_text(m);
	ASSERT_CONTAINS(txt, "Events were lost from +4 s to +8 s");
	ASSERT_CONTAINS(txt, "(pid 10) (incomplete)");
	ASSERT_FALSE(strstr(txt, "(pid 12) (incomplete)"));
	free(js);
	free(txt);
	model__free(m);
}

/* Runs of leakscope's programs the kernel skipped (user space sums them
 * into drops[LS_DROP_SKIPPED]): lost events like any other, by that cause,
 * and the processes alive then are incomplete. */
TEST(program_runs_the_kernel_skipped_are_lost_events)
{
	struct model *m = new_model(0);
	struct ls_interval iv = { 0 };
	char *js, *txt;

	feed_sample(m, 10, SEC, 1 * SEC, 1 << 20);
	interval_with_drops(m, 2 * SEC, 0, false);
	fx_hdr(&iv.hdr, LS_REC_INTERVAL, sizeof(iv), 0, 4 * SEC);
	iv.interval_ns = SEC;
	iv.drops[LS_DROP_SKIPPED] = 7;
	iv.final = 1;
	model__ingest(m, &iv.hdr, sizeof(iv));
	ASSERT_EQ(model__lost(m), 7);
	ASSERT_TRUE(model__find(m, 10)->incomplete);
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"lost_events\":7,");
	ASSERT_CONTAINS(js, "\"programs_skipped\":7,");
	txt = fx_final_text(m);
	ASSERT_CONTAINS(txt, "(pid 10) (incomplete)");
	free(js);
	free(txt);
	model__free(m);
}

TEST(nothing_lost_nothing_marked)
{
	struct model *m = new_model(0);
	char *js, *txt;

	feed_sample(m, 10, SEC, 1 * SEC, 1 << 20);
	interval_with_drops(m, 2 * SEC, 0, true);
	js = fx_report_json(m);
	txt = fx_final_text(m);
	ASSERT_CONTAINS(js, "\"lost_events\":0,\"lost_from_ts\":0,\"lost_to_ts\":0");
	ASSERT_CONTAINS(js, "\"incomplete\":false");
	ASSERT_FALSE(strstr(txt, "Events were lost"));
	free(js);
	free(txt);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
