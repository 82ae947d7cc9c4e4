// SPDX-License-Identifier: GPL-2.0
/* Unix pairing and TCP states through the model, from synthetic records. */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"

#define SERVER 812
#define AGENT 1962370
#define SRV_START (5 * SEC)
#define AGT_START (9 * SEC)

static struct model *new_model(void)
{
	return fx_model(0);
}

static void conn(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk, uint64_t peer,
		 uint32_t kind, const char *path, uint64_t ts)
{
	struct ls_unix_conn c = { 0 };

	c.hdr.type = LS_REC_UNIX_CONN;
	c.hdr.size = sizeof(c);
	c.hdr.tgid = tgid;
	c.hdr.ts_ns = ts;
	c.start_ns = start;
	c.sk = sk;
	c.peer_sk = peer;
	c.kind = kind;
	if (path) {
		c.path_len = (uint16_t)strlen(path) + 1;	/* the kernel counts the NUL */
		memcpy(c.path, path, strlen(path));
	}
	snprintf(c.comm, LS_COMM_LEN, "%s", tgid == SERVER ? "dockerd" : "agent");
	model__ingest(m, &c.hdr, sizeof(c));
}

static void sock_close(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk, uint64_t ts)
{
	struct ls_sock_close c = { 0 };

	c.hdr.type = LS_REC_SOCK_CLOSE;
	c.hdr.size = sizeof(c);
	c.hdr.tgid = tgid;
	c.hdr.ts_ns = ts;
	c.start_ns = start;
	c.sk = sk;
	c.family = 1;
	model__ingest(m, &c.hdr, sizeof(c));
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

static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
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
			"\"oldest_open_age_s\":29.0}");
	ASSERT_CONTAINS(js, "dockerd (812) holds 30 connections on /var/run/docker.sock opened by "
			"agent (1962370), 0 closed, +1.0 a second");
	/* the agent sees dockerd on the other end */
	ASSERT_CONTAINS(js, "agent (1962370) holds 30 connections to dockerd (812) on "
			"/var/run/docker.sock");
	free(js);
	model__free(m);
}

TEST(close_of_either_end_first)
{
	struct model *m = new_model();
	char *js;

	agent_connects(m, 0, SEC, false);
	agent_connects(m, 1, SEC, true);
	sock_close(m, AGENT, AGT_START, 0x1000, 2 * SEC);	/* client end first */
	sock_close(m, SERVER, SRV_START, 0x1001, 2 * SEC);
	sock_close(m, SERVER, SRV_START, 0x1003, 2 * SEC);	/* server end first */
	sock_close(m, AGENT, AGT_START, 0x1002, 2 * SEC);
	sample(m, SERVER, SRV_START, 3 * SEC);
	sample(m, AGENT, AGT_START, 3 * SEC);
	interval(m, 3 * SEC);
	js = report_json(m);
	ASSERT_CONTAINS(js, "\"pid\":812,");
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":0,\"opened\":2,\"closed\":2");
	ASSERT_CONTAINS(js, "\"pid\":1962370,\"comm\":\"agent\",\"exe\":\"\",\"path\":"
			"\"/var/run/docker.sock\",\"open\":0,\"opened\":2,\"closed\":2");
	free(js);
	model__free(m);
}

TEST(exit_with_connections_open)
{
	struct model *m = new_model();
	struct ls_proc_exit e = { 0 };
	const struct ls_process *srv;
	char *js;

	for (int i = 0; i < 5; i++)
		agent_connects(m, i, SEC, false);
	e.hdr.type = LS_REC_PROC_EXIT;
	e.hdr.size = sizeof(e);
	e.hdr.tgid = AGENT;
	e.hdr.ts_ns = 2 * SEC;
	e.start_ns = AGT_START;
	model__ingest(m, &e.hdr, sizeof(e));
	sample(m, SERVER, SRV_START, 3 * SEC);
	interval(m, 3 * SEC);
	srv = model__find(m, SERVER);
	ASSERT_TRUE(srv != NULL);
	js = report_json(m);
	/* the agent's ends closed with it; dockerd still holds its five, and
	 * still knows who opened them */
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":5,\"opened\":5,\"closed\":0");
	ASSERT_CONTAINS(js, "\"peers\":[{\"pid\":1962370,\"comm\":\"agent\"");
	free(js);
	model__free(m);
}

TEST(reused_pid_is_another_peer)
{
	struct model *m = new_model();
	char *js;

	agent_connects(m, 0, SEC, false);
	/* a new process gets the agent's pid and connects too */
	conn(m, AGENT, AGT_START + 50 * SEC, 0x5000, 0x5001, LS_UNIX_CONNECT, "/var/run/docker.sock",
	     60 * SEC);
	conn(m, SERVER, SRV_START, 0x5001, 0x5000, LS_UNIX_ACCEPT, "/var/run/docker.sock", 60 * SEC);
	sample(m, SERVER, SRV_START, 61 * SEC);
	interval(m, 61 * SEC);
	js = report_json(m);
	/* two groups for dockerd: the old agent and the new process */
	ASSERT_CONTAINS(js, "\"open\":2,\"opened\":2");
	ASSERT_EQ(occurrences(js, "{\"pid\":1962370,\"comm\":\"agent\""), 2);
	free(js);
	model__free(m);
}

static void tcp(struct model *m, uint32_t tgid, uint64_t sk, int from, int to, uint16_t cport,
		uint64_t ts)
{
	struct ls_tcp_state t = { 0 };

	t.hdr.type = LS_REC_TCP_STATE;
	t.hdr.size = sizeof(t);
	t.hdr.tgid = tgid;
	t.hdr.ts_ns = ts;
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

TEST(close_wait_accumulates)
{
	struct model *m = new_model();
	char *js;

	for (int t = 0; t < 20; t++) {
		uint64_t sk = 0x9000 + t;

		tcp(m, SERVER, sk, 1, 1, 40000 + t, (uint64_t)(t + 1) * SEC);	/* accepted */
		tcp(m, SERVER, sk, 1, 8, 40000 + t, (uint64_t)(t + 1) * SEC);	/* peer closed */
		sample(m, SERVER, SRV_START, (uint64_t)(t + 1) * SEC);
		interval(m, (uint64_t)(t + 1) * SEC);
	}
	js = report_json(m);
	ASSERT_CONTAINS(js, "\"tcp\":{\"by_state\":{\"CLOSE_WAIT\":20},\"verdict\":\"leak\"");
	ASSERT_CONTAINS(js, "\"stuck\":[{\"state\":\"CLOSE_WAIT\",\"peer\":\"10.0.0.7 -> :8080\","
			"\"count\":20,\"oldest_age_s\":19.0}]");
	ASSERT_CONTAINS(js, "never closes its end");
	free(js);
	model__free(m);
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

int main(void)
{
	return RUN_TESTS();
}
