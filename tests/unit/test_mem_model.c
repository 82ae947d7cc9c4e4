// SPDX-License-Identifier: GPL-2.0
/* Memory verdicts through the model, fed the records the loader would send. */
#include <stdlib.h>
#include "mem_model.h"
#include "harness.h"
#include "fixtures.h"

#define MiB (1ULL << 20)
#define PID 4242
#define START (7 * SEC)

struct sample_in {
	uint64_t anon, file, lazy;
};

static void feed_sample(struct model *m, uint64_t ts, struct sample_in in)
{
	fx_sample(m, PID, START, ts, in.anon, in.file, in.lazy);
}

static void feed_ledger(struct model *m, uint64_t ts, uint64_t madv_free)
{
	struct ls_mem_ledger_rec r = { 0 };

	fx_hdr(&r.hdr, LS_REC_MEM_LEDGER, sizeof(r), PID, ts);
	r.ledger.start_ns = START;
	r.ledger.madv_free_bytes = madv_free;
	model__ingest(m, &r.hdr, sizeof(r));
}

static void end_interval(struct model *m, uint64_t ts)
{
	fx_interval(m, ts, false);
}

static struct model *new_model(void)
{
	return fx_model(0);
}

static const struct mem_state *mem(struct model *m)
{
	return &model__find(m, PID)->mem;
}

TEST(steady_growth_is_a_leak_at_its_rate)
{
	struct model *m = new_model();

	for (int t = 0; t < 30; t++)	/* 3 MiB/s for 29 s */
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 10 * MiB, 0 });
	end_interval(m, 31 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_REL(mem(m)->real_v.rate_per_s, 3.0 * MiB, 0.02);
	ASSERT_GE(mem(m)->confidence, 0.7);
	ASSERT_CONTAINS(mem(m)->explanation, "grew steadily");
	model__free(m);
}

/* Each explanation's numbers are the series' own: its first and last
 * samples, the time between them, and the rate the verdict used (which,
 * for a steady leak, is what those endpoints give). */
TEST(leak_explanation_quotes_its_endpoints_and_its_rate)
{
	struct model *m = new_model();

	for (int t = 0; t < 30; t++)	/* real = anon + file: 60 MiB + 3 MiB/s, 29 s */
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 10 * MiB, 0 });
	end_interval(m, 31 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	/* (147 - 60) / 29 = 3.0 */
	ASSERT_CONTAINS(mem(m)->explanation, "grew steadily from 60.0 MiB to 147.0 MiB in 29 s, "
			"+3.0 MiB/s; RSS 147.0 MiB");
	ASSERT_FALSE(strstr(mem(m)->explanation, "end to end"));
	ASSERT_REL(mem(m)->real_v.rate_per_s, 3.0 * MiB, 1e-9);
	model__free(m);
}

TEST(growing_explanation_quotes_the_endpoints_average_when_the_trend_differs)
{
	/* 2 MiB/s for 10 s, then 20 MiB given back: the trend (Theil-Sen,
	 * robust to the one drop) says +2.0 MiB/s, the endpoints (100 MiB to
	 * 100 MiB in 11 s... + 0) say otherwise, and both are quoted */
	struct model *m = new_model();
	uint64_t v[12];

	for (int t = 0; t < 12; t++) {
		v[t] = (100 + 2 * t - (t == 11 ? 12 : 0)) * MiB;
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ v[t], 0, 0 });
	}
	end_interval(m, 13 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "growing");
	/* first 100, last 110: (110 - 100) / 11 = 0.9 MiB/s end to end */
	ASSERT_CONTAINS(mem(m)->explanation, "Real memory rose from 100.0 MiB to 110.0 MiB in 11 s, "
			"+2.0 MiB/s (+930.9 KiB/s from end to end), but not steadily");
	ASSERT_REL(mem(m)->real_v.rate_per_s, 2.0 * MiB, 1e-9);
	model__free(m);
}

TEST(leak_that_started_late_says_over_which_span_its_rate_is)
{
	/* flat at 64 MiB for 60 s, then 2 MiB/s for 40 s: a leak over the
	 * newer half of the series (50 s), whose rate is the one quoted,
	 * with the endpoints' average over the whole 99 s beside it */
	struct model *m = new_model();

	for (int t = 0; t < 100; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC,
			    (struct sample_in){ (64 + (t > 59 ? 2 * (t - 59) : 0)) * MiB, 0, 0 });
	end_interval(m, 101 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->real_v.window_from, 50);
	/* 64 + 2 * 40 = 144; (144 - 64) / 99 = 0.81 MiB/s */
	ASSERT_CONTAINS(mem(m)->explanation, "grew from 64.0 MiB to 144.0 MiB in 99 s, steadily for "
			"the last 49 s at +2.0 MiB/s (+827.5 KiB/s from end to end)");
	model__free(m);
}

/* Go 1.12-1.15: RSS climbs, all of the climb is MADV_FREE'd pages */
TEST(rss_growth_made_of_lazyfree_is_lazy_free)
{
	struct model *m = new_model();

	for (int t = 0; t < 15; t++) {
		uint64_t lazy = (uint64_t)(20 * t) * MiB;

		feed_ledger(m, (uint64_t)(t + 1) * SEC, lazy);
		feed_sample(m, (uint64_t)(t + 1) * SEC,
			    (struct sample_in){ 500 * MiB + lazy, 10 * MiB, lazy });
	}
	end_interval(m, 16 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "lazy-free");
	ASSERT_EQ(mem_model__real_bytes(mem(m)), 510 * MiB);
	ASSERT_CONTAINS(mem(m)->explanation, "lazily freed (MADV_FREE)");
	ASSERT_CONTAINS(mem(m)->explanation, "not a leak");
	model__free(m);
}

TEST(high_flat_lazyfree_is_lazy_free)
{
	struct model *m = new_model();

	for (int t = 0; t < 12; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC,
			    (struct sample_in){ 1400 * MiB + (t % 2) * 64 * 1024, 0, 900 * MiB });
	end_interval(m, 13 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "lazy-free");
	model__free(m);
}

TEST(lazyfree_never_exceeds_anonymous_rss)
{
	struct model *m = new_model();

	feed_sample(m, SEC, (struct sample_in){ 10 * MiB, 5 * MiB, 50 * MiB });
	ASSERT_EQ(mem_model__real_bytes(mem(m)), 5 * MiB);
	model__free(m);
}

TEST(warm_up_then_plateau_is_stable)
{
	struct model *m = new_model();

	for (int t = 0; t < 20; t++) {
		uint64_t anon = t < 6 ? (uint64_t)(100 + 30 * t) * MiB : 280 * MiB;

		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ anon, 0, 0 });
	}
	end_interval(m, 21 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "stable");
	model__free(m);
}

TEST(flat_is_stable)
{
	struct model *m = new_model();

	for (int t = 0; t < 12; t++)	/* +-200 KiB of noise around 300 MiB */
		feed_sample(m, (uint64_t)(t + 1) * SEC,
			    (struct sample_in){ 300 * MiB + ((t * 7919) % 400) * 1024, 0, 0 });
	end_interval(m, 13 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "stable");
	ASSERT_CONTAINS(mem(m)->explanation, "not a leak");
	model__free(m);
}

TEST(few_samples_are_insufficient)
{
	struct model *m = new_model();

	for (int t = 0; t < 3; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (10 + 50 * t) * MiB, 0, 0 });
	end_interval(m, 4 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "insufficient-data");
	model__free(m);
}

static void feed_big(struct model *m, uint64_t ts, uint64_t len, uint32_t tid)
{
	struct ls_big_mmap b = { 0 };

	fx_hdr(&b.hdr, LS_REC_BIG_MMAP, sizeof(b), PID, ts);
	b.start_ns = START;
	b.len = len;
	b.addr = 0x7f0000000000ULL + len;
	b.tid = tid;
	b.fd = -1;
	model__ingest(m, &b.hdr, sizeof(b));
}

static void feed_exit_ledger(struct model *m, uint64_t ts, uint64_t madv_free)
{
	struct ls_proc_exit e = { 0 };

	fx_hdr(&e.hdr, LS_REC_PROC_EXIT, sizeof(e), PID, ts);
	e.start_ns = e.ledger.start_ns = START;
	e.ledger.madv_free_bytes = madv_free;
	model__ingest(m, &e.hdr, sizeof(e));
}

/* Two threads ending at once can both send the exit record (kernels without
 * group_dead), and a thread's late share can leave a ledger behind: the
 * first exit record's ledger is the final one. */
TEST(exit_ledger_is_final)
{
	struct model *m = new_model();

	feed_sample(m, SEC, (struct sample_in){ 10 * MiB, 0, 0 });
	feed_ledger(m, SEC, 10 * MiB);
	feed_exit_ledger(m, 2 * SEC, 64 * MiB);
	feed_exit_ledger(m, 2 * SEC, 64 * 1024);	/* a late thread's share only */
	feed_ledger(m, 3 * SEC, 64 * 1024);
	ASSERT_EQ(mem(m)->ledger.madv_free_bytes, 64 * MiB);
	ASSERT_EQ(model__find(m, PID)->exit_ts_ns, 2 * SEC);
	model__free(m);
}

TEST(largest_mappings_keeps_the_biggest_first)
{
	struct model *m = new_model();

	for (uint32_t i = 1; i <= 8; i++)
		feed_big(m, i * SEC, (uint64_t)i * 64 * MiB, 1000 + i);
	feed_big(m, 9 * SEC, 2400 * MiB, 4321);	/* the dockerd 2.5 GB read */
	ASSERT_EQ(mem(m)->extra->nlargest, MODEL_TOP_MAPPINGS);
	ASSERT_EQ(mem(m)->extra->largest[0].size, 2400 * MiB);
	ASSERT_EQ(mem(m)->extra->largest[0].tid, 4321);
	ASSERT_EQ(mem(m)->extra->largest[1].size, 8 * 64 * MiB);
	ASSERT_EQ(mem(m)->extra->largest[4].size, 5 * 64 * MiB);
	model__free(m);
}

static void feed_site(struct model *m, uint32_t stack, uint64_t bytes, const char *sym)
{
	struct ls_growth_site g = { 0 };

	fx_hdr(&g.hdr, LS_REC_GROWTH_SITE, sizeof(g), PID, SEC);
	g.stack_id = stack;
	g.bytes = bytes;
	g.calls = 1;
	g.nframes = 1;
	snprintf(g.frames[0], LS_SYM_LEN, "%s", sym);
	model__ingest(m, &g.hdr, sizeof(g));
}

TEST(growth_sites_update_by_stack_and_stay_sorted)
{
	struct model *m = new_model();

	feed_site(m, 1, 10 * MiB, "a");
	feed_site(m, 2, 20 * MiB, "b");
	feed_site(m, 1, 50 * MiB, "a");	/* cumulative: replaces, moves up */
	ASSERT_EQ(mem(m)->extra->nsites, 2);
	ASSERT_STREQ(mem(m)->extra->sites[0].frames[0], "a");
	ASSERT_EQ(mem(m)->extra->sites[0].bytes, 50 * MiB);
	for (uint32_t s = 3; s < 12; s++)
		feed_site(m, s, s * MiB, "small");
	ASSERT_EQ(mem(m)->extra->nsites, MODEL_TOP_SITES);
	ASSERT_STREQ(mem(m)->extra->sites[1].frames[0], "b");
	model__free(m);
}

/* Frames with and without a source line, in JSON (sources[] beside
 * frames[], null where unknown) and in text ("at FILE:LINE", the base name);
 * a record from a recording made before sources (its shorter size) is
 * still read, with no sources. */
TEST(growth_site_sources_in_json_and_text)
{
	struct model *m = new_model();
	struct ls_growth_site g = { 0 };
	char *buf;

	for (int t = 0; t < 30; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 0, MiB });
	fx_hdr(&g.hdr, LS_REC_GROWTH_SITE, sizeof(g), PID, SEC);
	g.stack_id = 7;
	g.bytes = 90 * MiB;
	g.calls = 9;
	g.nframes = 2;
	snprintf(g.frames[0], LS_SYM_LEN, "main.leak+0x51 (gowork)");
	snprintf(g.frames[1], LS_SYM_LEN, "main.main+0xf7 (gowork)");
	g.sources[0].line = 53;
	snprintf(g.sources[0].file, LS_SRC_FILE_LEN, "/src/app/leak.go");
	ASSERT_EQ(model__ingest(m, &g.hdr, sizeof(g)), 0);
	/* as recorded before sources: the same record, cut */
	g.hdr.size = LS_GROWTH_SITE_V1_SIZE;
	g.stack_id = 8;
	g.bytes = 10 * MiB;
	snprintf(g.frames[0], LS_SYM_LEN, "old+0x1 (gowork)");
	ASSERT_EQ(model__ingest(m, &g.hdr, LS_GROWTH_SITE_V1_SIZE), 0);
	end_interval(m, 31 * SEC);
	ASSERT_EQ(mem(m)->extra->nsites, 2);
	ASSERT_EQ(mem(m)->extra->sites[1].sources[0].line, 0);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"frames\":[\"main.leak+0x51 (gowork)\",\"main.main+0xf7 (gowork)\"],"
			     "\"sources\":[{\"file\":\"/src/app/leak.go\",\"line\":53},null]");
	ASSERT_CONTAINS(buf, "\"frames\":[\"old+0x1 (gowork)\",\"main.main+0xf7 (gowork)\"],"
			     "\"sources\":[null,null]");
	free(buf);
	ASSERT_CONTAINS(mem(m)->explanation, "; biggest growth site main.leak+0x51 (gowork) at leak.go:53");
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "growth site 90.0 MiB in 9 calls: main.leak+0x51 (gowork) at leak.go:53 <- "
			     "main.main+0xf7 (gowork)\n");
	free(buf);
	model__free(m);
}

TEST(json_report_has_the_contract_keys)
{
	struct model *m = new_model();
	char *buf;

	for (int t = 0; t < 30; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 0, MiB });
	end_interval(m, 31 * SEC);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "{\"type\":\"report\"");
	ASSERT_CONTAINS(buf, "\"lost_events\":0");
	ASSERT_CONTAINS(buf, "\"pid\":4242");
	ASSERT_CONTAINS(buf, "\"real_bytes\":");
	ASSERT_CONTAINS(buf, "\"lazyfree_bytes\":1048576");
	ASSERT_CONTAINS(buf, "\"verdict\":\"leak\"");
	ASSERT_CONTAINS(buf, "\"largest_mappings\":[]");
	ASSERT_TRUE(buf[strlen(buf) - 1] == '\n');
	free(buf);
	model__free(m);
}

static int feed_regions(struct model *m, uint64_t ts, uint64_t anon, uint64_t heap,
			 const char *file_name)
{
	struct ls_proc_regions r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_REGIONS, sizeof(r), PID, ts);
	r.start_ns = START;
	r.mappings = 40;
	r.classes[LS_REGION_ANON] = (struct ls_region_sum){ .rss_bytes = anon, .private_bytes = anon,
							    .lazyfree_bytes = MiB, .count = 12 };
	r.classes[LS_REGION_HEAP] = (struct ls_region_sum){ .rss_bytes = heap, .count = 1 };
	r.classes[LS_REGION_STACK] = (struct ls_region_sum){ .rss_bytes = 800 << 10, .count = 200 };
	r.classes[LS_REGION_LIB] = (struct ls_region_sum){ .rss_bytes = 2 * MiB, .count = 20 };
	r.classes[LS_REGION_FILE] = (struct ls_region_sum){ .rss_bytes = 3 * MiB, .count = 1 };
	snprintf(r.names[0][0].name, LS_REGION_NAME_LEN, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	r.names[0][0].rss_bytes = 2 * MiB;
	snprintf(r.names[1][0].name, LS_REGION_NAME_LEN, "%s", file_name);
	r.names[1][0].rss_bytes = 3 * MiB;
	return model__ingest(m, &r.hdr, sizeof(r));
}

/* smaps by class: the latest read and the growth since the first; the
 * explanation names the class that grew, the text lists them, the names
 * (the process's choice) escaped in both */
TEST(regions_name_the_class_that_grew)
{
	struct model *m = new_model();
	char *buf;

	ASSERT_EQ(feed_regions(m, SEC, 40 * MiB, 5 * MiB, "/data/first.bin"), 0);
	for (int t = 0; t < 30; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 0, 0 });
	ASSERT_EQ(feed_regions(m, 30 * SEC, 127 * MiB, 6 * MiB, "/data/a b\\012c\x1b[31m.bin"), 0);
	end_interval(m, 31 * SEC);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->regions->reads, 2);
	ASSERT_CONTAINS(mem(m)->explanation, "; the growth is in anonymous mappings (+87.0 MiB since "
			"the first smaps read).");
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"regions\":[{\"class\":\"heap\",\"name\":null,\"rss_bytes\":6291456,"
			"\"private_bytes\":0,\"lazyfree_bytes\":0,\"swap_bytes\":0,\"count\":1,"
			"\"rss_growth_bytes\":1048576},{\"class\":\"anon\",\"name\":null,"
			"\"rss_bytes\":133169152,\"private_bytes\":133169152,\"lazyfree_bytes\":1048576,"
			"\"swap_bytes\":0,\"count\":12,\"rss_growth_bytes\":91226112}");
	ASSERT_CONTAINS(buf, "{\"class\":\"lib\",\"name\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\"");
	ASSERT_CONTAINS(buf, "\"files\":[{\"name\":\"/data/a b\\\\012c\\u001b[31m.bin\","
			"\"rss_bytes\":3145728}]");
	ASSERT_CONTAINS(buf, "{\"class\":\"hugepages\",\"name\":null,\"rss_bytes\":0");
	ASSERT_CONTAINS(buf, "\"regions_reads\":2");
	free(buf);
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "    resident: anon 127.0 MiB, heap 6.0 MiB, file 3.0 MiB "
			"(a b\\\\012c\\x1b[31m.bin), lib 2.0 MiB (libc.so.6), stack 800.0 KiB (200)\n");
	free(buf);
	model__free(m);
}

/* never read: an empty list, no line, no words */
TEST(no_regions_read_is_an_empty_list)
{
	struct model *m = new_model();
	char *buf;

	for (int t = 0; t < 30; t++)
		feed_sample(m, (uint64_t)(t + 1) * SEC, (struct sample_in){ (50 + 3 * t) * MiB, 0, 0 });
	end_interval(m, 31 * SEC);
	ASSERT_FALSE(strstr(mem(m)->explanation, "the growth is in"));
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"regions\":[]");
	free(buf);
	buf = fx_final_text(m);
	ASSERT_FALSE(strstr(buf, "resident:"));
	free(buf);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
