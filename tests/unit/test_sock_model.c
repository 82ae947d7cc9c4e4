// SPDX-License-Identifier: GPL-2.0
/* The report's words for a socket leak, and TCP sockets leaving the counts;
 * pairing orders, closes, exit and pid reuse are in test_sock_pairing.c. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "sock_model.h"

#define SERVER 812
#define AGENT 1962370
#define SRV_START (5 * SEC)
#define AGT_START (9 * SEC)
#define TCP_CLOSE_WAIT_STATE 8

static struct model *new_model(void)
{
	return fx_model(0);
}

static void conn(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk, uint64_t peer,
		 uint32_t kind, const char *path, uint64_t ts)
{
	fx_unix_conn(m, tgid, start, sk, peer, kind, path, tgid == SERVER ? "dockerd" : "agent", ts);
}

static void sample(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts)
{
	fx_sample(m, tgid, start, ts, 1 << 20, 0, 0);
}

static void interval(struct model *m, uint64_t ts)
{
	fx_interval(m, ts, false);
}

static char *report_json(struct model *m)
{
	return fx_report_json(m);
}

/* client sk = 0x1000 + 2i, server-side embryo = 0x1001 + 2i */
static void agent_connects(struct model *m, int i, uint64_t ts, bool accept_first)
{
	uint64_t c = 0x1000 + 2 * i, e = 0x1001 + 2 * i;

	if (accept_first)
		conn(m, SERVER, SRV_START, e, c, LS_UNIX_ACCEPT, "/var/run/docker.sock", ts);
	conn(m, AGENT, AGT_START, c, e, LS_UNIX_CONNECT, "/var/run/docker.sock", ts);
	if (!accept_first)
		conn(m, SERVER, SRV_START, e, c, LS_UNIX_ACCEPT, "/var/run/docker.sock", ts);
}

TEST(the_dockerd_agent_leak)
{
	struct model *m = new_model();
	char *js;

	/* one leaked connection per poll, both orders of the two records */
	for (int t = 0; t < 30; t++) {
		agent_connects(m, t, (uint64_t)(t + 1) * SEC, t % 2);
		sample(m, SERVER, SRV_START, (uint64_t)(t + 1) * SEC);
		sample(m, AGENT, AGT_START, (uint64_t)(t + 1) * SEC);
		interval(m, (uint64_t)(t + 1) * SEC);
	}
	js = report_json(m);
	ASSERT_CONTAINS(js, "\"pid\":812,\"comm\":\"dockerd\"");
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":30,\"opened\":30,\"closed\":0,\"verdict\":\"leak\"");
	ASSERT_CONTAINS(js, "\"peers\":[{\"pid\":1962370,\"comm\":\"agent\",\"exe\":\"\","
			"\"path\":\"/var/run/docker.sock\",\"open\":30,\"opened\":30,\"closed\":0,"
			"\"growth_per_s\":1.000,\"oldest_open_age_s\":29.0,\"oldest_open_age_at_least\":false,"
			"\"open_before_attach\":0}");
	ASSERT_CONTAINS(js, "dockerd (812) holds 30 connections on /var/run/docker.sock opened by "
			"agent (1962370), 0 closed, +1.0 a second");
	/* the agent sees dockerd on the other end */
	ASSERT_CONTAINS(js, "agent (1962370) holds 30 connections to dockerd (812) on "
			"/var/run/docker.sock");
	free(js);
	model__free(m);
}

/* The server leaks a connection a second, but from the 5th second on BPF's
 * socket table is full and the opens are dropped (counted): its count
 * stays flat.  The verdict must not read "stable" with confidence: it is
 * capped at MODEL_INCOMPLETE_CONFIDENCE and says why, in the report and
 * the JSON; a process alive before the loss with nothing lost keeps its
 * full confidence only if no interval lost anything while it ran. */
TEST(a_leak_hidden_by_drops_is_never_a_certain_stable)
{
	struct model *m = new_model();
	struct sock_unix_view u;
	char *js;

	for (int t = 0; t < 30; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;
		struct ls_interval iv = { 0 };

		if (t < 5)
			agent_connects(m, t, ts, false);
		sample(m, SERVER, SRV_START, ts);
		fx_hdr(&iv.hdr, LS_REC_INTERVAL, sizeof(iv), 0, ts);
		iv.interval_ns = SEC;
		iv.drops[LS_DROP_SOCK] = t < 5 ? 0 : 2 * (uint64_t)(t - 4);	/* cumulative */
		model__ingest(m, &iv.hdr, sizeof(iv));
	}
	ASSERT_TRUE(sock_model__unix_view(model__find(m, SERVER), &u));
	ASSERT_EQ(u.open, 5);
	ASSERT_TRUE(u.verdict != VERDICT_LEAK);
	ASSERT_CONTAINS(u.explanation, "not certain");
	js = report_json(m);
	ASSERT_CONTAINS(js, "\"incomplete\":true,\"incomplete_reason\":\"50 events lost "
			"(socket table full 50)\"");
	ASSERT_CONTAINS(js, "not certain: 50 events lost (socket table full 50) while it ran, "
			"its counts may be short");
	ASSERT_LE(u.confidence, MODEL_INCOMPLETE_CONFIDENCE);
	free(js);
	model__free(m);
}

/* Two clients leaking into one server, one connection a second and three:
 * the server's explanation names the faster with its own rate (not the
 * sum), and the other with its own; each peer's rate is its own and they
 * add up to the server's. */
TEST(each_peer_has_its_own_rate)
{
	struct model *m = new_model();
	struct sock_unix_view u;
	struct sock_peer_view a, b;
	uint64_t sk = 0x1000;

	for (int t = 0; t < 30; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		for (int k = 0; k < 4; k++, sk += 2) {
			uint32_t cli = k ? AGENT : AGENT + 1;
			uint64_t start = k ? AGT_START : AGT_START + SEC;

			conn(m, cli, start, sk, sk + 1, LS_UNIX_CONNECT, "/var/run/docker.sock", ts);
			conn(m, SERVER, SRV_START, sk + 1, sk, LS_UNIX_ACCEPT, "/var/run/docker.sock", ts);
		}
		sample(m, SERVER, SRV_START, ts);
		interval(m, ts);
	}
	ASSERT_TRUE(sock_model__unix_view(model__find(m, SERVER), &u));
	ASSERT_EQ(u.verdict, VERDICT_LEAK);
	ASSERT_REL(u.growth_per_s, 4.0, 0.01);
	ASSERT_TRUE(sock_model__peer_view(m, model__find(m, SERVER), 0, &a));
	ASSERT_TRUE(sock_model__peer_view(m, model__find(m, SERVER), 1, &b));
	ASSERT_EQ(a.pid, AGENT);
	ASSERT_EQ(a.open, 90);
	ASSERT_REL(a.growth_per_s, 3.0, 0.01);
	ASSERT_EQ(b.pid, AGENT + 1);
	ASSERT_EQ(b.open, 30);
	ASSERT_REL(b.growth_per_s, 1.0, 0.01);
	ASSERT_REL(a.growth_per_s + b.growth_per_s, u.growth_per_s, 0.01);
	ASSERT_CONTAINS(u.explanation, "dockerd (812) holds 90 connections on /var/run/docker.sock "
			"opened by agent (1962370), 0 closed, +3.0 a second; and 30 with agent "
			"(1962371), +1.0 a second");
	model__free(m);
}

/* A peer that started leaking late: its rate is over the time it has held
 * connections, not diluted by the intervals before it came. */
TEST(a_peer_that_came_late_has_its_rate_from_when_it_came)
{
	struct model *m = new_model();
	struct sock_peer_view a, b;
	uint64_t sk = 0x1000;

	for (int t = 0; t < 40; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		for (int k = 0; k < (t >= 20 ? 3 : 1); k++, sk += 2) {
			uint32_t cli = k ? AGENT + 1 : AGENT;
			uint64_t start = k ? AGT_START + SEC : AGT_START;

			conn(m, cli, start, sk, sk + 1, LS_UNIX_CONNECT, "/var/run/docker.sock", ts);
			conn(m, SERVER, SRV_START, sk + 1, sk, LS_UNIX_ACCEPT, "/var/run/docker.sock", ts);
		}
		sample(m, SERVER, SRV_START, ts);
		interval(m, ts);
	}
	ASSERT_TRUE(sock_model__peer_view(m, model__find(m, SERVER), 0, &a));
	ASSERT_TRUE(sock_model__peer_view(m, model__find(m, SERVER), 1, &b));
	ASSERT_EQ(a.pid, AGENT);
	ASSERT_EQ(a.open, 40);
	ASSERT_REL(a.growth_per_s, 1.0, 0.01);
	ASSERT_EQ(b.pid, AGENT + 1);
	ASSERT_EQ(b.open, 40);
	ASSERT_REL(b.growth_per_s, 2.0, 0.05);
	model__free(m);
}

static void tcp(struct model *m, uint32_t tgid, uint64_t sk, int from, int to, uint16_t cport,
		uint64_t ts)
{
	struct ls_tcp_state t = { 0 };

	fx_hdr(&t.hdr, LS_REC_TCP_STATE, sizeof(t), tgid, ts);
	t.start_ns = tgid ? SRV_START : 0;
	t.sk = sk;
	t.family = 2;
	t.sport = 8080;
	t.dport = cport;
	t.oldstate = from;
	t.newstate = to;
	t.saddr[0] = 127, t.saddr[3] = 1;
	t.daddr[0] = 10, t.daddr[3] = 7;
	model__ingest(m, &t.hdr, sizeof(t));
}

static void tcp_from(struct model *m, uint64_t sk, int from, int to, uint16_t cport,
		     uint8_t host, uint64_t ts)
{
	struct ls_tcp_state t = { 0 };

	fx_hdr(&t.hdr, LS_REC_TCP_STATE, sizeof(t), SERVER, ts);
	t.start_ns = SRV_START;
	t.sk = sk;
	t.family = 2;
	t.sport = 8080;
	t.dport = cport;
	t.oldstate = from;
	t.newstate = to;
	t.saddr[0] = 127, t.saddr[3] = 1;
	t.daddr[0] = 10, t.daddr[3] = host;
	model__ingest(m, &t.hdr, sizeof(t));
}

TEST(closed_tcp_leaves_the_counts)
{
	struct model *m = new_model();
	char *js;

	for (int t = 0; t < 10; t++) {
		tcp(m, SERVER, 0x9000 + t, 1, 1, 40000 + t, SEC);
		tcp(m, SERVER, 0x9000 + t, 1, 8, 40000 + t, SEC);
		tcp(m, SERVER, 0x9000 + t, 8, 9, 40000 + t, 2 * SEC);	/* LAST_ACK */
		tcp(m, SERVER, 0x9000 + t, 9, 7, 40000 + t, 2 * SEC);	/* CLOSE */
	}
	sample(m, SERVER, SRV_START, 3 * SEC);
	interval(m, 3 * SEC);
	js = report_json(m);
	ASSERT_CONTAINS(js, "\"tcp\":{\"by_state\":{},");
	free(js);
	model__free(m);
}

/* One connection a second left in CLOSE_WAIT for 30 s: the text report's
 * tcp line gives the verdict with its confidence, as memory and unix do. */
TEST(tcp_close_wait_leak_text_has_confidence)
{
	struct model *m = new_model();
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (int t = 0; t < 30; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		tcp(m, SERVER, 0x9000 + t, 1, 1, 40000 + t, ts);
		tcp(m, SERVER, 0x9000 + t, 1, 8, 40000 + t, ts);
		sample(m, SERVER, SRV_START, ts);
		interval(m, ts);
	}
	f = open_memstream(&buf, &len);
	ASSERT_TRUE(f);
	report__text(m, true, f);
	fclose(f);
	ASSERT_CONTAINS(buf, "  tcp: leak (confidence ");
	free(buf);
	model__free(m);
}

/* A CLOSE_WAIT socket from before attach: the snapshot says it is there,
 * not since when. */
static void tcp_existing(struct model *m, uint64_t ino, uint8_t state, uint16_t cport, uint64_t ts)
{
	struct ls_tcp_existing x = { 0 };

	fx_hdr(&x.hdr, LS_REC_TCP_EXISTING, sizeof(x), SERVER, ts);
	x.start_ns = SRV_START;
	x.ino = ino;
	x.family = 2;
	x.state = state;
	x.sport = 8080;
	x.dport = cport;
	x.saddr[0] = 127, x.saddr[3] = 1;
	x.daddr[0] = 10, x.daddr[3] = 7;
	model__ingest(m, &x.hdr, sizeof(x));
}

static void unix_existing(struct model *m, uint64_t ino, uint64_t peer_ino, uint64_t ts)
{
	struct ls_unix_existing x = { 0 };
	const char *path = "/var/run/docker.sock";

	fx_hdr(&x.hdr, LS_REC_UNIX_EXISTING, sizeof(x), SERVER, ts);
	x.start_ns = SRV_START;
	x.ino = ino;
	x.peer_ino = peer_ino;
	x.peer_tgid = AGENT;
	x.path_len = (uint16_t)strlen(path);
	memcpy(x.path, path, x.path_len);
	model__ingest(m, &x.hdr, sizeof(x));
}

/* Sockets open before attach (from the sock_diag snapshot at 1 s): their
 * age is at least the run's, and says so; one that changes state after
 * attach has its age in that state known. */
TEST(ages_from_before_attach_are_floors_and_say_so)
{
	struct model *m = new_model();
	struct sock_stuck_view st;
	struct sock_peer_view pv;
	struct sock_tcp_view tv;
	char *js, *txt;

	tcp_existing(m, 0x4ff, 10, 0, SEC);	/* the listener on :8080 */
	tcp_existing(m, 0x500, TCP_CLOSE_WAIT_STATE, 40001, SEC);
	tcp_existing(m, 0x501, TCP_CLOSE_WAIT_STATE, 40002, SEC);
	unix_existing(m, 0x600, 0x601, SEC);
	for (int t = 1; t <= 30; t++) {
		uint64_t ts = (uint64_t)t * SEC;

		if (t == 10)	/* a new connection, seen opening */
			agent_connects(m, 0, ts, false);
		sample(m, SERVER, SRV_START, ts);
		sample(m, AGENT, AGT_START, ts);
		interval(m, ts);
	}
	ASSERT_TRUE(sock_model__stuck_view(model__find(m, SERVER), 0, &st));
	ASSERT_EQ(st.count, 2);
	ASSERT_NEAR(st.oldest_age_s, 29, 1e-9);
	ASSERT_TRUE(st.oldest_at_least);
	ASSERT_EQ(st.open_before_attach, 2);
	ASSERT_TRUE(sock_model__peer_view(m, model__find(m, SERVER), 0, &pv));
	ASSERT_EQ(pv.open, 2);
	ASSERT_NEAR(pv.oldest_open_age_s, 29, 1e-9);
	ASSERT_TRUE(pv.oldest_at_least);
	ASSERT_EQ(pv.open_before_attach, 1);
	ASSERT_TRUE(sock_model__tcp_view(model__find(m, SERVER), &tv));
	ASSERT_CONTAINS(tv.explanation, "dockerd (812) has 2 connections to 10.0.0.7 -> :8080 in "
			"CLOSE_WAIT, the oldest for >= 29 s (open before attach): the peer closed");
	js = fx_report_json(m);
	ASSERT_CONTAINS(js, "\"oldest_open_age_s\":29.0,\"oldest_open_age_at_least\":true,"
			"\"open_before_attach\":1}");
	ASSERT_CONTAINS(js, "\"count\":2,\"oldest_age_s\":29.0,\"oldest_age_at_least\":true,"
			"\"open_before_attach\":2}");
	txt = fx_final_text(m);
	ASSERT_CONTAINS(txt, "    agent (1962370) on /var/run/docker.sock: 2 open, 1 opened, 0 closed, "
			"not growing, oldest open >= 29 s (open before attach)\n");
	/* the agent's end was seen opening at 10 s: its age is known */
	ASSERT_CONTAINS(txt, "    dockerd (812) on /var/run/docker.sock: 1 open, 1 opened, 0 closed, "
			"not growing, oldest open 20 s\n");
	free(txt);
	free(js);
	model__free(m);
}

/* A socket from before attach that goes to CLOSE_WAIT during the run: its
 * time in CLOSE_WAIT is known, so not a floor. */
TEST(a_state_change_seen_after_attach_gives_a_known_age)
{
	struct model *m = new_model();
	struct sock_stuck_view st;
	struct ls_tcp_state t = { 0 };

	tcp_existing(m, 0x500, 1, 40001, SEC);
	fx_hdr(&t.hdr, LS_REC_TCP_STATE, sizeof(t), 0, 5 * SEC);	/* no owner: by inode */
	t.ino = 0x500;
	t.sk = 0xabc;
	t.family = 2;
	t.oldstate = 1;
	t.newstate = TCP_CLOSE_WAIT_STATE;
	model__ingest(m, &t.hdr, sizeof(t));
	for (int s = 1; s <= 10; s++) {
		sample(m, SERVER, SRV_START, (uint64_t)s * SEC);
		interval(m, (uint64_t)s * SEC);
	}
	ASSERT_TRUE(sock_model__stuck_view(model__find(m, SERVER), 0, &st));
	ASSERT_NEAR(st.oldest_age_s, 5, 1e-9);
	ASSERT_FALSE(st.oldest_at_least);
	ASSERT_EQ(st.open_before_attach, 0);
	model__free(m);
}

/* Two groups of stuck connections, 2 a second and 1 a second: the
 * explanation names the bigger with its own count, and gives the verdict's
 * rate as the total's, not as that group's. */
TEST(the_tcp_rate_is_quoted_for_what_it_measures)
{
	struct model *m = new_model();
	struct sock_tcp_view tv;
	uint64_t sk = 0x9000;

	for (int t = 0; t < 30; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		for (int k = 0; k < 3; k++, sk++) {
			uint8_t host = k ? 7 : 8;	/* 10.0.0.7 twice, 10.0.0.8 once */

			tcp_from(m, sk, 1, 1, (uint16_t)(40000 + (sk & 0xfff)), host, ts);
			tcp_from(m, sk, 1, 8, (uint16_t)(40000 + (sk & 0xfff)), host, ts);
		}
		sample(m, SERVER, SRV_START, ts);
		interval(m, ts);
	}
	ASSERT_TRUE(sock_model__tcp_view(model__find(m, SERVER), &tv));
	ASSERT_EQ(tv.verdict, VERDICT_LEAK);
	ASSERT_REL(tv.growth_per_s, 3.0, 0.01);
	ASSERT_CONTAINS(tv.explanation, "(812) has 60 connections to 10.0.0.7 -> :8080 in "
			"CLOSE_WAIT, the oldest for 29 s: the peer closed, this process never closes "
			"its end (90 stuck in all, +3.0 a second)");
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
