// SPDX-License-Identifier: GPL-2.0
/* The process table at scale: a full table of idle processes makes room
 * for one showing activity (counted), never the other way round; churn far
 * beyond the cap keeps memory bounded; an idle process costs little, and
 * its series, kept flat, come out exactly as series__add would make them. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"

#define SERVER 900
#define CLIENT 901
#define IDLE_START (2 * SEC)

static void conn(struct model *m, uint32_t tgid, uint64_t sk, uint64_t peer, uint32_t kind,
		 uint64_t ts)
{
	struct ls_unix_conn c = { 0 };

	fx_hdr(&c.hdr, LS_REC_UNIX_CONN, sizeof(c), tgid, ts);
	c.start_ns = SEC;
	c.sk = sk;
	c.peer_sk = peer;
	c.kind = kind;
	c.path_len = sizeof("/run/app.sock");
	memcpy(c.path, "/run/app.sock", sizeof("/run/app.sock"));
	snprintf(c.comm, LS_COMM_LEN, "%s", tgid == SERVER ? "server" : "client");
	model__ingest(m, &c.hdr, sizeof(c));
}

static void big_mmap(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts)
{
	struct ls_big_mmap b = { 0 };

	fx_hdr(&b.hdr, LS_REC_BIG_MMAP, sizeof(b), tgid, ts);
	b.start_ns = start;
	b.len = 64 << 20;
	b.fd = -1;
	model__ingest(m, &b.hdr, sizeof(b));
}

/* 16 slots, all taken by idle processes sampled every second; from 5 s on
 * a server accepts a connection a second from a client, both new.  They
 * take two idle processes' slots (evictions counted), the leak is reported,
 * and the two left out are counted once each, not once per sample. */
TEST(idle_processes_make_room_for_a_leaking_server)
{
	struct model *m = fx_model(16);
	const struct ls_process *srv;
	char *js, *text;

	for (int t = 1; t <= 40; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (uint32_t pid = 100; pid < 116; pid++)
			fx_sample_fds(m, pid, IDLE_START, ts, 1 << 20, 0, 0, 4);
		if (t >= 5) {
			conn(m, CLIENT, 0x1000 + 2 * (uint64_t)t, 0x1001 + 2 * (uint64_t)t,
			     LS_UNIX_CONNECT, ts);
			conn(m, SERVER, 0x1001 + 2 * (uint64_t)t, 0x1000 + 2 * (uint64_t)t,
			     LS_UNIX_ACCEPT, ts);
			fx_sample(m, SERVER, SEC, ts, 2 << 20, 0, 0);
			fx_sample(m, CLIENT, SEC, ts, 2 << 20, 0, 0);
		}
		fx_interval(m, ts, t == 40);
	}
	srv = model__find(m, SERVER);
	ASSERT_TRUE(srv != NULL);
	ASSERT_TRUE(model__find(m, CLIENT) != NULL);
	ASSERT_EQ(m->nprocs, 16);
	ASSERT_EQ(m->procs_evicted, 2);
	ASSERT_EQ(m->procs_capped, 2);	/* the two evicted, refused at every sample since */
	/* the left-out processes' records concern them only */
	ASSERT_FALSE(srv->incomplete);
	ASSERT_FALSE(model__find(m, CLIENT)->incomplete);
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"pid\":900,\"comm\":\"server\"");
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":36,\"opened\":36,\"closed\":0,"
			"\"verdict\":\"leak\"");
	ASSERT_CONTAINS(js, "\"processes_not_tracked\":2");
	ASSERT_CONTAINS(js, "\"processes_evicted\":2");
	text = fx_final_text(m);
	ASSERT_CONTAINS(text, "The process table (16 processes) was full: 2 processes not "
			"tracked, 2 idle ones evicted");
	free(js);
	free(text);
	model__free(m);
}

/* A sample is no activity: a full table of live processes leaves the
 * newcomer out (counted once), whatever its samples. */
TEST(a_sample_never_evicts_a_live_process)
{
	struct model *m = fx_model(4);

	for (int t = 1; t <= 10; t++) {
		for (uint32_t pid = 1; pid <= 5; pid++)
			fx_sample(m, pid, SEC, (uint64_t)t * SEC, (uint64_t)(pid + t) << 20, 0, 0);
		fx_interval(m, (uint64_t)t * SEC, false);
	}
	ASSERT_EQ(m->nprocs, 4);
	ASSERT_TRUE(model__find(m, 5) == NULL);
	ASSERT_EQ(m->procs_capped, 1);
	ASSERT_EQ(m->procs_evicted, 0);
	model__free(m);
}

/* Activity takes an exited process's slot before any live one's, and
 * that is no eviction of a live process. */
TEST(exited_processes_are_reused_first)
{
	struct model *m = fx_model(4);

	for (uint32_t pid = 1; pid <= 4; pid++)
		fx_sample(m, pid, SEC, 2 * SEC, 1 << 20, 0, 0);
	fx_exit(m, 3, SEC, 3 * SEC);
	big_mmap(m, 7, SEC, 4 * SEC);
	ASSERT_TRUE(model__find(m, 7) != NULL);
	ASSERT_TRUE(model__find(m, 3) == NULL);
	ASSERT_EQ(m->procs_evicted, 0);
	ASSERT_EQ(m->procs_capped, 0);
	/* no exited one left: the next active newcomer takes an idle one */
	big_mmap(m, 8, SEC, 5 * SEC);
	ASSERT_TRUE(model__find(m, 8) != NULL);
	ASSERT_TRUE(model__find(m, 7) != NULL);	/* active: never the victim */
	ASSERT_EQ(m->procs_evicted, 1);
	model__free(m);
}

/* Every process with activity: the newcomer is left out, counted once,
 * and no one is evicted; an exit makes room again. */
TEST(a_table_full_of_activity_leaves_the_newcomer_out)
{
	struct model *m = fx_model(4);

	for (uint32_t pid = 1; pid <= 4; pid++)
		big_mmap(m, pid, SEC, 2 * SEC);
	for (int i = 0; i < 3; i++)
		big_mmap(m, 9, SEC, (uint64_t)(3 + i) * SEC);
	ASSERT_TRUE(model__find(m, 9) == NULL);
	ASSERT_EQ(m->procs_capped, 1);
	ASSERT_EQ(m->procs_evicted, 0);
	fx_exit(m, 2, SEC, 6 * SEC);
	big_mmap(m, 9, SEC, 7 * SEC);
	ASSERT_TRUE(model__find(m, 9) != NULL);
	ASSERT_EQ(m->procs_evicted, 0);	/* an exited one's place */
	model__free(m);
}

/* A table of 64 and 20,000 processes that each map, change their RSS and
 * exit, 200 an interval: slots, series and extras stay within what 64
 * processes can hold, from the first thousand on. */
TEST(fork_churn_far_beyond_the_cap_stays_bounded)
{
	struct model *m = fx_model(64);
	uint64_t ts = SEC, after_first = 0, peak = 0;
	uint64_t bound = 64 * (sizeof(struct ls_process) + sizeof(struct proc_series_full) +
			       sizeof(struct mem_extra) + SERIES_CAP * sizeof(uint64_t));

	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t pid = 1000 + i;

		fx_sample(m, pid, ts, ts, 1 << 20, 0, 0);
		big_mmap(m, pid, ts, ts + 1);
		fx_sample(m, pid, ts, ts + 2, 3 << 20, 0, 0);
		fx_exit(m, pid, ts, ts + 3);
		ts += 5 * 1000000;
		if (i % 200 == 199)
			fx_interval(m, ts, false);
		if (model__heap_bytes(m) > peak)
			peak = model__heap_bytes(m);
		if (i == 999)
			after_first = peak;
	}
	ASSERT_LE(m->nslots, 64);
	ASSERT_LE(m->nfull, 64);
	ASSERT_LE(m->nextra, 64);
	ASSERT_LE(peak, bound);
	ASSERT_EQ(peak, after_first);	/* slots reused, nothing more allocated */
	ASSERT_EQ(m->procs_capped, 0);	/* exited ones made room */
	model__free(m);
}

/* 2,000 idle processes sampled 200 times: each costs its slot and its
 * times, not three series. */
TEST(an_idle_process_costs_little)
{
	struct model *m = fx_model(0);
	uint64_t per;

	for (int t = 1; t <= 200; t++) {
		for (uint32_t pid = 1; pid <= 2000; pid++)
			fx_sample_fds(m, pid, SEC, (uint64_t)t * SEC + pid * 1000, 3 << 20, 1 << 20, 0, 9);
		fx_interval(m, (uint64_t)t * SEC + SEC / 2, false);
	}
	per = model__heap_bytes(m) / 2000;
	printf("# an idle process: %llu bytes (slot %zu, three series %zu)\n",
	       (unsigned long long)per, sizeof(struct ls_process), sizeof(struct proc_series_full));
	ASSERT_EQ(m->nfull, 0);
	ASSERT_LE(per, sizeof(struct ls_process) + SERIES_CAP * sizeof(uint64_t) + 64);
	ASSERT_STREQ(verdict__name(model__find(m, 7)->mem.verdict), "stable");
	model__free(m);
}

/* Are a and b the same points?  Says where they differ first. */
static bool same_series(const struct series *a, const struct series *b)
{
	if (a->n != b->n || a->stride != b->stride || a->skipped != b->skipped ||
	    a->last_t_ns != b->last_t_ns || a->last_v != b->last_v) {
		printf("#   expected n %u stride %u skipped %u last %llu %g, got %u %u %u %llu %g\n",
		       b->n, b->stride, b->skipped, (unsigned long long)b->last_t_ns, b->last_v,
		       a->n, a->stride, a->skipped, (unsigned long long)a->last_t_ns, a->last_v);
		return false;
	}
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->t_ns[i] != b->t_ns[i] || a->v[i] != b->v[i]) {
			printf("#   point %u: expected %llu %g, got %llu %g\n", i,
			       (unsigned long long)b->t_ns[i], b->v[i],
			       (unsigned long long)a->t_ns[i], a->v[i]);
			return false;
		}
	}
	return true;
}

/* 300 equal samples at uneven times (decimated twice), then changing
 * ones: while flat and after, the series are the ones series__add makes. */
TEST(flat_series_come_out_as_series_add_makes_them)
{
	struct model *m = fx_model(0);
	static struct series real, fds, scratch;
	const struct ls_process *p;
	uint64_t ts = SEC;

	series__init(&real);
	series__init(&fds);
	for (int i = 0; i < 360; i++) {
		uint64_t anon = i < 300 ? 5 << 20 : (uint64_t)(5 + i) << 20;
		uint32_t nfds = i < 330 ? 7 : 7 + i;

		ts += SEC + (uint64_t)(i * 7919 % 1000) * 1000000;	/* jitter */
		fx_sample_fds(m, 42, SEC, ts, anon, 0, 0, nfds);
		series__add(&real, ts, (double)anon);
		series__add(&fds, ts, nfds);
		p = model__find(m, 42);
		if (i == 299) {
			ASSERT_TRUE(p->samples.full == NULL);
			ASSERT_TRUE(same_series(model__series(p, PROC_SERIES_REAL, &scratch), &real));
			ASSERT_TRUE(same_series(model__series(p, PROC_SERIES_FDS, &scratch), &fds));
		}
	}
	p = model__find(m, 42);
	ASSERT_TRUE(p->samples.full != NULL);
	ASSERT_TRUE(same_series(model__series(p, PROC_SERIES_REAL, &scratch), &real));
	ASSERT_TRUE(same_series(model__series(p, PROC_SERIES_RSS, &scratch), &real));
	ASSERT_TRUE(same_series(model__series(p, PROC_SERIES_FDS, &scratch), &fds));
	ASSERT_EQ(model__samples(p), real.n);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
