// SPDX-License-Identifier: GPL-2.0
/* --heap in the model (user/core/heap_model.c): the counters and sites the
 * loader sends, the allocator's share from smaps, JSON and text, what is
 * untraced and why, escaping, and the memory it takes. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "heap_model.h"

#define MiB (1ULL << 20)
#define PID 4343
#define START (9 * SEC)

static uint64_t run_drops[LS_HEAP_DROP_MAX];	/* the run's, sent with each record */

static int feed_heap(struct model *m, uint64_t ts, int64_t live, uint32_t flags, const char *why,
		     uint64_t dropped)
{
	struct ls_heap_rec r = { 0 };

	memcpy(r.drops, run_drops, sizeof(r.drops));

	fx_hdr(&r.hdr, LS_REC_HEAP, sizeof(r), PID, ts);
	r.start_ns = START;
	r.flags = flags;
	r.sample_bytes = LS_HEAP_SAMPLE_DEFAULT;
	r.c.alloc_calls = 1000;
	r.c.free_calls = 875;
	r.c.alloc_bytes = 1024 * 1000;
	r.c.live_bytes = live;
	r.c.live_count = live > 0 ? live / LS_HEAP_SAMPLE_DEFAULT : 0;
	r.c.dropped = dropped;
	snprintf(r.allocator, sizeof(r.allocator), "/usr/lib/x86_64-linux-gnu/libc.so.6");
	if (why)	/* not NUL-ended: the model ends it */
		memset(r.why_not, 'x', sizeof(r.why_not)), memcpy(r.why_not, why, strlen(why));
	return model__ingest(m, &r.hdr, sizeof(r));
}

static int feed_site(struct model *m, uint64_t ts, uint64_t oldest, uint64_t live, const char *f0)
{
	struct ls_heap_site s = { 0 };

	fx_hdr(&s.hdr, LS_REC_HEAP_SITE, sizeof(s), PID, ts);
	s.start_ns = START;
	s.live_bytes = live;
	s.count = live / LS_HEAP_SAMPLE_DEFAULT;
	s.oldest_ns = oldest;
	s.nframes = 2;
	snprintf(s.frames[0], LS_SYM_LEN, "%s", f0);
	snprintf(s.frames[1], LS_SYM_LEN, "main+0x10 (prog)");
	return model__ingest(m, &s.hdr, sizeof(s));
}

static int feed_regions(struct model *m, uint64_t ts, uint64_t heap, uint64_t anon, uint64_t lazy)
{
	struct ls_proc_regions r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_REGIONS, sizeof(r), PID, ts);
	r.start_ns = START;
	r.classes[LS_REGION_HEAP] = (struct ls_region_sum){ .rss_bytes = heap, .count = 1 };
	r.classes[LS_REGION_ANON] = (struct ls_region_sum){ .rss_bytes = anon, .lazyfree_bytes = lazy,
							    .count = 3 };
	r.classes[LS_REGION_LIB] = (struct ls_region_sum){ .rss_bytes = 5 * MiB, .count = 9 };
	return model__ingest(m, &r.hdr, sizeof(r));
}

/* held = heap + anon resident, less LazyFree, less live; the sites come
 * oldest first with their age at the counters' read */
TEST(allocator_held_is_resident_heap_and_anon_less_live)
{
	struct model *m = fx_model(0);
	uint64_t held;
	char *buf;

	fx_sample(m, PID, START, SEC, 1100 * MiB, 0, 0);
	ASSERT_EQ(feed_regions(m, 2 * SEC, 1000 * MiB, 100 * MiB, 20 * MiB), 0);
	ASSERT_EQ(feed_heap(m, 10 * SEC, 128 * MiB, LS_HEAP_TRACED, NULL, 0), 0);
	ASSERT_EQ(feed_site(m, 10 * SEC, 8 * SEC, 2 * MiB, "churn+0x5 (prog)"), 0);
	ASSERT_EQ(feed_site(m, 10 * SEC, 3 * SEC, 126 * MiB, "leak_fn+0x1c (prog)"), 0);
	fx_interval(m, 10 * SEC, false);
	ASSERT_TRUE(heap_model__held(model__find(m, PID), &held));
	ASSERT_EQ(held, 952 * MiB);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"heap\":{\"traced\":true,\"why_not\":null,\"allocator\":\"glibc\","
			"\"allocator_file\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\","
			"\"covers\":\"this process\",\"sample_bytes\":262144,"
			"\"live_bytes\":134217728,\"live_samples\":512,"
			"\"allocator_held_bytes\":998244352,\"alloc_calls\":1000,\"free_calls\":875,");
	ASSERT_CONTAINS(buf, "\"dropped\":0,\"dropped_all_processes\":0,\"complete\":true,");
	ASSERT_CONTAINS(buf, "\"sites\":[{\"frames\":[\"leak_fn+0x1c (prog)\",\"main+0x10 (prog)\"],"
			"\"live_bytes\":132120576,\"count\":504,\"oldest_age_s\":7.0},"
			"{\"frames\":[\"churn+0x5 (prog)\"");
	free(buf);
	buf = fx_final_text(m);
	ASSERT_FALSE(strstr(buf, "oldest malloc'd memory"));	/* not growing: no words */
	ASSERT_CONTAINS(buf, "    heap: 128.0 MiB in live allocations; glibc keeps 952.0 MiB after "
			"free() (fragmentation or arenas: not a leak; MALLOC_ARENA_MAX or malloc_trim)\n");
	ASSERT_CONTAINS(buf, "    heap calls: 1000 allocations, 875 free(); sampled 1 in 256.0 KiB "
			"(probes on /usr/lib/x86_64-linux-gnu/libc.so.6)\n");
	ASSERT_CONTAINS(buf, "    heap site 126.0 MiB live in 504 samples, oldest 7 s: leak_fn+0x1c "
			"(prog) <- main+0x10 (prog)\n");
	free(buf);
	model__free(m);
}

/* a new interval's counters replace the sites; no smaps read: held unknown;
 * drops make it incomplete, and say so */
TEST(next_interval_replaces_sites_and_drops_say_incomplete)
{
	struct model *m = fx_model(0);
	char *buf;

	fx_sample(m, PID, START, SEC, 100 * MiB, 0, 0);
	ASSERT_EQ(feed_heap(m, 5 * SEC, 4 * MiB, LS_HEAP_TRACED | LS_HEAP_ALL_PIDS, NULL, 0), 0);
	for (int i = 0; i < 12; i++)	/* more than are kept */
		ASSERT_EQ(feed_site(m, 5 * SEC, (uint64_t)(i + 1) * SEC, MiB, "a+0x1 (prog)"), 0);
	ASSERT_EQ(model__find(m, PID)->mem.heap->nsites, HEAP_SITES_MAX);
	ASSERT_EQ(feed_heap(m, 10 * SEC, 4 * MiB, LS_HEAP_TRACED | LS_HEAP_ALL_PIDS, NULL, 3), 0);
	ASSERT_EQ(model__find(m, PID)->mem.heap->nsites, 0);
	fx_interval(m, 10 * SEC, false);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"covers\":\"every process mapping allocator_file\"");
	ASSERT_CONTAINS(buf, "\"allocator_held_bytes\":null");
	ASSERT_CONTAINS(buf, "\"dropped\":3,\"dropped_all_processes\":0,\"complete\":false,");
	ASSERT_CONTAINS(buf, "\"sites\":[]");
	free(buf);
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "    heap: 4.0 MiB in live allocations\n");
	ASSERT_CONTAINS(buf, "(probes on every process's /usr/lib/x86_64-linux-gnu/libc.so.6); "
			"incomplete: 3 of its samples dropped, 0 in all\n");
	free(buf);
	model__free(m);
}

/* skipped (Go): why, in JSON and escaped in text; nothing else */
TEST(untraced_process_says_why)
{
	struct model *m = fx_model(0);
	char *buf;

	fx_sample(m, PID, START, SEC, 100 * MiB, 0, 0);
	ASSERT_EQ(feed_heap(m, 5 * SEC, 0, 0, "a Go binary\x1b[2J: uretprobes break Go's stacks", 0), 0);
	fx_interval(m, 5 * SEC, false);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"heap\":{\"traced\":false,\"why_not\":\"a Go binary\\u001b[2J: "
			"uretprobes break Go's stacks");
	ASSERT_FALSE(strstr(buf, "\"live_bytes\""));
	free(buf);
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "    heap: not traced: a Go binary\\x1b[2J: uretprobes");
	free(buf);
	model__free(m);
}

/* without --heap: no heap key, and no memory taken for it */
TEST(without_heap_records_no_heap_key)
{
	struct model *m = fx_model(0);
	uint64_t before;
	char *buf;

	fx_sample(m, PID, START, SEC, 100 * MiB, 0, 0);
	fx_interval(m, 5 * SEC, false);
	buf = fx_report_json(m);
	ASSERT_FALSE(strstr(buf, "\"heap\""));
	free(buf);
	before = model__heap_bytes(m);
	ASSERT_EQ(feed_heap(m, 6 * SEC, MiB, LS_HEAP_TRACED, NULL, 0), 0);
	for (int i = 0; i < 100; i++)	/* bounded: the state does not grow */
		ASSERT_EQ(feed_site(m, 6 * SEC, SEC, MiB, "a+0x1 (prog)"), 0);
	ASSERT_EQ(model__heap_bytes(m) - before, sizeof(struct heap_state));
	model__free(m);
}

/* a leak's explanation names the oldest site's frame (escaped in text) */
TEST(leak_explanation_names_the_oldest_site)
{
	struct model *m = fx_model(0);
	char *buf;

	for (int t = 0; t < 30; t++) {
		fx_sample(m, PID, START, (uint64_t)(t + 1) * SEC, (uint64_t)(50 + 3 * t) * MiB, 0, 0);
		if (t == 29) {
			ASSERT_EQ(feed_heap(m, 30 * SEC, 87 * MiB, LS_HEAP_TRACED, NULL, 0), 0);
			ASSERT_EQ(feed_site(m, 30 * SEC, 20 * SEC, 2 * MiB, "churn+0x5 (prog)"), 0);
			ASSERT_EQ(feed_site(m, 30 * SEC, 2 * SEC, 85 * MiB, "leak\x1b[2J_fn+0x1c (prog)"), 0);
		}
	}
	fx_interval(m, 31 * SEC, false);
	ASSERT_STREQ(verdict__name(model__find(m, PID)->mem.verdict), "leak");
	ASSERT_CONTAINS(model__find(m, PID)->mem.explanation,
			"; oldest malloc'd memory still held from leak\x1b[2J_fn+0x1c (prog) (85.0 MiB live)");
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "oldest malloc'd memory still held from leak\\x1b[2J_fn+0x1c (prog)");
	free(buf);
	model__free(m);
}

/* a heap record or site of another size is refused and counted, never read */
TEST(wrong_sizes_are_refused)
{
	struct model *m = fx_model(0);
	struct { struct ls_heap_site s; char more[8]; } big = { 0 };
	struct ls_heap_rec r = { 0 };

	fx_hdr(&r.hdr, LS_REC_HEAP, sizeof(r) - 8, PID, SEC);
	ASSERT_EQ(model__ingest(m, &r.hdr, sizeof(r) - 8), -1);
	fx_hdr(&big.s.hdr, LS_REC_HEAP_SITE, sizeof(big), PID, SEC);
	ASSERT_EQ(model__ingest(m, &big.s.hdr, sizeof(big)), -1);
	ASSERT_EQ(m->bad_records, 2);
	ASSERT_TRUE(!model__find(m, PID));
	model__free(m);
}

/* another process not counted (heap_procs full) leaves this one complete;
 * a pending call dropped (whose, unknown) does not */
TEST(which_drops_make_it_incomplete)
{
	struct model *m = fx_model(0);
	char *buf;

	fx_sample(m, PID, START, SEC, 100 * MiB, 0, 0);
	run_drops[LS_HEAP_DROP_PROCS] = 5;
	ASSERT_EQ(feed_heap(m, 5 * SEC, MiB, LS_HEAP_TRACED, NULL, 0), 0);
	fx_interval(m, 5 * SEC, false);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"dropped\":0,\"dropped_all_processes\":5,\"complete\":true,");
	free(buf);
	run_drops[LS_HEAP_DROP_PENDING] = 1;
	ASSERT_EQ(feed_heap(m, 6 * SEC, MiB, LS_HEAP_TRACED, NULL, 0), 0);
	fx_interval(m, 6 * SEC, false);
	buf = fx_report_json(m);
	ASSERT_CONTAINS(buf, "\"dropped\":0,\"dropped_all_processes\":6,\"complete\":false,");
	free(buf);
	buf = fx_final_text(m);
	ASSERT_CONTAINS(buf, "; incomplete: 0 of its samples dropped, 6 in all\n");
	free(buf);
	memset(run_drops, 0, sizeof(run_drops));
	model__free(m);
}

TEST(allocator_names)
{
	ASSERT_STREQ(heap_model__allocator("/usr/lib/x86_64-linux-gnu/libc.so.6"), "glibc");
	ASSERT_STREQ(heap_model__allocator("/usr/lib/libjemalloc.so.2"), "jemalloc");
	ASSERT_STREQ(heap_model__allocator("libtcmalloc_minimal.so.4"), "tcmalloc");
	ASSERT_STREQ(heap_model__allocator("/lib/ld-musl-x86_64.so.1"), "musl");
	ASSERT_STREQ(heap_model__allocator("/opt/app/server"), "the allocator");
}

int main(void)
{
	return RUN_TESTS();
}
