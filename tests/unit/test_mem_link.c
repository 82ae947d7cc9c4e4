// SPDX-License-Identifier: GPL-2.0
/*
 * What real memory grows with (mem_link.c): the link between a process's
 * memory and the connections or fds it holds, said when the two series
 * move together and never because both are called leaks.
 */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "sock_model.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define SERVER 812
#define AGENT 1962370
#define OTHER 1962371
#define SRV_START (5 * SEC)
#define AGT_START (9 * SEC)

static uint64_t next_sk = 0x1000;

static void conn(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk, uint64_t peer,
		 uint32_t kind, uint64_t ts)
{
	fx_unix_conn(m, tgid, start, sk, peer, kind, "/var/run/docker.sock",
		     tgid == SERVER ? "dockerd" : "agent", ts);
}

/* client connects to the server, which accepts: one connection each holds */
static void connects(struct model *m, uint32_t client, uint64_t ts)
{
	uint64_t c = next_sk, e = next_sk + 1;

	next_sk += 2;
	conn(m, client, client == AGENT ? AGT_START : AGT_START + SEC, c, e, LS_UNIX_CONNECT, ts);
	conn(m, SERVER, SRV_START, e, c, LS_UNIX_ACCEPT, ts);
}

/* A TCP connection accepted on :8080 and left established. */
static void tcp_accepted(struct model *m, uint64_t sk, uint16_t cport, uint64_t ts)
{
	struct ls_tcp_state t = { 0 };

	fx_hdr(&t.hdr, LS_REC_TCP_STATE, sizeof(t), SERVER, ts);
	t.start_ns = SRV_START;
	t.sk = sk;
	t.family = 2;
	t.sport = 8080;
	t.dport = cport;
	t.oldstate = 1;
	t.newstate = 1;
	t.saddr[0] = 127, t.saddr[3] = 1;
	t.daddr[0] = 10, t.daddr[3] = 7;
	model__ingest(m, &t.hdr, sizeof(t));
}

static void server_sample(struct model *m, uint64_t ts, uint64_t real, uint32_t fds)
{
	fx_sample_fds(m, SERVER, SRV_START, ts, real, 0, 0, fds);
}

static const struct mem_state *mem(const struct model *m)
{
	return &model__find(m, SERVER)->mem;
}

/* dockerd and an agent that never closes: 20 connections a second for
 * 30 s, and dockerd's real memory grows 21 KiB with each (as measured on
 * dockerd 20.10), with +-64 KiB of noise. */
TEST(memory_that_grows_with_leaked_connections_says_so)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;
	char *js, *txt;

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 20; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts, 50 * MiB + (uint64_t)(20 * t) * 21 * KiB +
					     (uint64_t)((t * 7919) % 128) * KiB, 0);
		fx_interval(m, ts, t == 30);
	}
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_UNIX);
	ASSERT_TRUE(l->count_leaks);
	/* the count's own endpoints over the memory verdict's window: 20 at
	 * 1 s, 600 at 30 s */
	ASSERT_EQ((uint64_t)l->gained, 580);
	ASSERT_EQ(l->peer_tgid, AGENT);
	ASSERT_EQ((uint64_t)l->peer_gained, 580);
	/* the cost a connection is the least-squares slope of memory on the
	 * count (the noise at the ends does not move it); the memory's own
	 * change between the same instants, quoted, is what it gives within
	 * the noise: 11.8 MiB / 580 = 20.8 KiB */
	ASSERT_REL(l->bytes_per_item, 21.0 * KiB, 0.005);
	ASSERT_REL(l->bytes_per_item * l->gained, l->memory_growth, 0.02);
	ASSERT_GE(l->correlation, 0.99);
	ASSERT_NEAR(l->span_s, 29, 1e-9);
	ASSERT_CONTAINS(mem(m)->explanation,
			"; real memory +11.8 MiB in 29 s while it gained 580 unix connections from "
			"agent (1962370), about 21.0 KiB a connection: the connection leak explains "
			"the memory growth");
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"explained_by\":{\"kind\":\"unix\",\"count_leaks\":true,"
			"\"gained\":580,\"memory_growth_bytes\":");
	ASSERT_CONTAINS(js, "\"peers\":1,\"peer\":{\"pid\":1962370,\"comm\":\"agent\","
			"\"gained\":580,\"connected_to_it\":true}}");
	txt = fx_final_text(m);
	ASSERT_CONTAINS(txt, "the connection leak explains the memory growth");
	free(txt);
	free(js);
	model__free(m);
}

/* The same growth shared by two clients, three to one: the peer named is
 * the one with most of the gain, with its own share. */
TEST(the_peer_named_is_the_one_with_most_of_the_gain)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 4; k++)
			connects(m, k ? AGENT : OTHER, ts);
		server_sample(m, ts, 50 * MiB + (uint64_t)(4 * t) * 64 * KiB, 0);
		fx_interval(m, ts, false);
	}
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_UNIX);
	ASSERT_EQ((uint64_t)l->gained, 116);
	ASSERT_EQ(l->peers, 2);
	ASSERT_EQ(l->peer_tgid, AGENT);
	ASSERT_EQ((uint64_t)l->peer_gained, 87);
	ASSERT_CONTAINS(mem(m)->explanation, "while it gained 116 unix connections (87 of them from "
			"agent (1962370)), about 64.0 KiB a connection");
	model__free(m);
}

/* Flat for 60 s, then 10 connections a second at 32 KiB each for 40 s:
 * memory's verdict rests on the newer half of its series (50 s), and the
 * link is over that window, not the whole run. */
TEST(the_link_is_over_the_memory_verdicts_window)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;

	for (int t = 1; t <= 100; t++) {
		uint64_t ts = (uint64_t)t * SEC;
		int held = t > 60 ? 10 * (t - 60) : 0;

		for (int k = 0; t > 60 && k < 10; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts, 64 * MiB + (uint64_t)held * 32 * KiB, 0);
		fx_interval(m, ts, false);
	}
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->real_v.window_from, 50);
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_UNIX);
	/* from the 51st second (none held) to the 100th (400) */
	ASSERT_NEAR(l->span_s, 49, 1e-9);
	ASSERT_EQ((uint64_t)l->gained, 400);
	ASSERT_EQ((uint64_t)l->memory_growth, 400 * 32 * KiB);
	ASSERT_CONTAINS(mem(m)->explanation, "grew from 64.0 MiB to 76.5 MiB in 99 s, steadily for "
			"the last 49 s at");
	ASSERT_CONTAINS(mem(m)->explanation, "real memory +12.5 MiB in 49 s while it gained 400 unix "
			"connections from agent (1962370), about 32.0 KiB a connection");
	model__free(m);
}

static void unix_existing(struct model *m, uint64_t ino, uint32_t peer, uint64_t ts)
{
	struct ls_unix_existing x = { 0 };

	fx_hdr(&x.hdr, LS_REC_UNIX_EXISTING, sizeof(x), SERVER, ts);
	x.start_ns = SRV_START;
	x.ino = ino;
	x.peer_ino = ino + 1;
	x.peer_tgid = peer;
	model__ingest(m, &x.hdr, sizeof(x));
}

/* A live run: the first sample is taken at attach, then the snapshot
 * brings 4 connections held already, then the first interval ends.  What
 * the process held at that first sample is not known: it is not taken for
 * 0, which would count the 4 as gained. */
TEST(the_sample_at_attach_is_not_paired_with_nothing)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;

	server_sample(m, SEC / 2, 50 * MiB, 0);
	for (uint64_t k = 0; k < 4; k++)
		unix_existing(m, 0x700 + 2 * k, OTHER, SEC / 2 + SEC / 10);
	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 20; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts + SEC / 2, 50 * MiB + (uint64_t)(20 * t) * 21 * KiB, 0);
		fx_interval(m, ts + SEC / 2 + SEC / 100, false);
	}
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_UNIX);
	ASSERT_EQ((uint64_t)l->gained, 580);
	ASSERT_EQ(l->peers, 1);
	ASSERT_CONTAINS(mem(m)->explanation, "while it gained 580 unix connections from agent "
			"(1962370), about 21.0 KiB a connection");
	model__free(m);
}

/* Memory leaks 3 MiB/s; the process holds 10 connections all along. */
TEST(no_link_when_the_connections_stay_flat)
{
	struct model *m = fx_model(0);
	char *js;

	for (int k = 0; k < 10; k++)
		connects(m, AGENT, SEC);
	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		server_sample(m, ts, (uint64_t)(50 + 3 * t) * MiB, 0);
		fx_interval(m, ts, t == 30);
	}
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->link.kind, MEM_LINK_NONE);
	ASSERT_FALSE(strstr(mem(m)->explanation, "explain"));
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"explained_by\":null");
	free(js);
	model__free(m);
}

/* Connections leak 20 a second; memory stays flat: nothing to explain. */
TEST(no_link_when_memory_is_flat)
{
	struct model *m = fx_model(0);
	struct sock_unix_view u;

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 20; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts, 50 * MiB + (uint64_t)((t * 7919) % 128) * KiB, 0);
		fx_interval(m, ts, false);
	}
	ASSERT_TRUE(sock_model__unix_view(model__find(m, SERVER), &u));
	ASSERT_EQ(u.verdict, VERDICT_LEAK);
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "stable");
	ASSERT_EQ(mem(m)->link.kind, MEM_LINK_NONE);
	model__free(m);
}

/* Both grow, not together: memory climbs in two steps of 15 MiB (a cache
 * filled twice, at 18 s and 25 s) while connections ramp 20 a second:
 * memory is "growing", r is 0.88. */
TEST(no_link_when_memory_steps_while_connections_ramp)
{
	struct model *m = fx_model(0);

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 20; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts, (uint64_t)(60 + (t >= 18 ? 15 : 0) + (t >= 25 ? 15 : 0)) * MiB, 0);
		fx_interval(m, ts, false);
	}
	ASSERT_TRUE(mem(m)->real_v.verdict == VERDICT_GROWING ||
		    mem(m)->real_v.verdict == VERDICT_LEAK);
	ASSERT_EQ(mem(m)->link.kind, MEM_LINK_NONE);
	ASSERT_FALSE(strstr(mem(m)->explanation, "explain"));
	model__free(m);
}

/* Both grow, not together: memory leaks 1 MiB/s steadily while 300
 * connections come at once halfway and stay (r = 0.86). */
TEST(no_link_when_connections_step_while_memory_ramps)
{
	struct model *m = fx_model(0);

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; t == 15 && k < 300; k++)
			connects(m, AGENT, ts);
		server_sample(m, ts, (uint64_t)(60 + t) * MiB, 0);
		fx_interval(m, ts, false);
	}
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->link.kind, MEM_LINK_NONE);
	model__free(m);
}

/* A 4 MiB/s leak in a process whose fds grow one a second: together, but
 * 4 MiB an fd is no fd's cost: no link. */
TEST(no_link_when_the_cost_an_item_is_implausible)
{
	struct model *m = fx_model(0);

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		server_sample(m, ts, (uint64_t)(60 + 4 * t) * MiB, (uint32_t)(10 + t));
		fx_interval(m, ts, false);
	}
	ASSERT_STREQ(verdict__name(mem(m)->verdict), "leak");
	ASSERT_EQ(mem(m)->link.kind, MEM_LINK_NONE);
	model__free(m);
}

/* fds opened (files, say) 10 a second, 48 KiB of memory each. */
TEST(memory_that_grows_with_fds_says_so)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		server_sample(m, ts, 40 * MiB + (uint64_t)(10 * t) * 48 * KiB, (uint32_t)(8 + 10 * t));
		fx_interval(m, ts, false);
	}
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_FDS);
	ASSERT_TRUE(l->count_leaks);
	ASSERT_EQ((uint64_t)l->gained, 290);
	ASSERT_REL(l->bytes_per_item, 48.0 * KiB, 1e-6);
	ASSERT_CONTAINS(mem(m)->explanation, "real memory +13.6 MiB in 29 s while it opened 290 more "
			"fds, about 48.0 KiB an fd: the fd leak explains the memory growth");
	model__free(m);
}

/* TCP connections accepted and kept, 5 a second, 100 KiB each; the fds
 * grow with them but the connections say more. */
TEST(memory_that_grows_with_tcp_connections_says_so)
{
	struct model *m = fx_model(0);
	const struct mem_link *l;
	uint64_t sk = 0x9000;

	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		for (int k = 0; k < 5; k++, sk++)
			tcp_accepted(m, sk, (uint16_t)(40000 + sk - 0x9000), ts);
		server_sample(m, ts, 40 * MiB + (uint64_t)(5 * t) * 100 * KiB, (uint32_t)(8 + 5 * t));
		fx_interval(m, ts, false);
	}
	l = &mem(m)->link;
	ASSERT_EQ(l->kind, MEM_LINK_TCP);
	ASSERT_FALSE(l->count_leaks);	/* established connections: no TCP verdict on them */
	ASSERT_EQ((uint64_t)l->gained, 145);
	ASSERT_CONTAINS(mem(m)->explanation, "while it gained 145 TCP connections, about 100.0 KiB "
			"a connection: the connections it holds explain the memory growth");
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
