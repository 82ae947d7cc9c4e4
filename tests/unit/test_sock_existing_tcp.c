// SPDX-License-Identifier: GPL-2.0
/*
 * TCP sockets known from the sock_diag snapshot (made before attach) are
 * found again by address when a state change arrives with no owner (softirq
 * context).  The model skips the address search when no snapshot socket can
 * match (a filter of tuple hashes): these tests make sure it still finds
 * every one that does, in either order of arrival, and only those.
 */
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"

#define SERVER 812
#define SRV_START (5 * SEC)
#define TCP_ESTABLISHED 1
#define TCP_CLOSE_WAIT 8

static void existing(struct model *m, uint64_t ino, uint16_t cport)
{
	struct ls_tcp_existing x = { 0 };

	x.hdr.type = LS_REC_TCP_EXISTING;
	x.hdr.size = sizeof(x);
	x.hdr.tgid = SERVER;
	x.hdr.ts_ns = SEC;
	x.start_ns = SRV_START;
	x.ino = ino;
	x.family = 2;
	x.sport = 8080;
	x.dport = cport;
	x.state = TCP_ESTABLISHED;
	x.saddr[0] = 127, x.saddr[3] = 1;
	x.daddr[0] = 10, x.daddr[3] = 7;
	model__ingest(m, &x.hdr, sizeof(x));
}

/* A state change seen in softirq: no owner, an sk never seen before. */
static void ownerless(struct model *m, uint64_t sk, uint16_t cport, uint8_t last_daddr)
{
	struct ls_tcp_state t = { 0 };

	t.hdr.type = LS_REC_TCP_STATE;
	t.hdr.size = sizeof(t);
	t.hdr.ts_ns = 2 * SEC;
	t.sk = sk;
	t.family = 2;
	t.sport = 8080;
	t.dport = cport;
	t.oldstate = TCP_ESTABLISHED;
	t.newstate = TCP_CLOSE_WAIT;
	t.saddr[0] = 127, t.saddr[3] = 1;
	t.daddr[0] = 10, t.daddr[3] = last_daddr;
	model__ingest(m, &t.hdr, sizeof(t));
}

static char *report_after(struct model *m)
{
	fx_sample(m, SERVER, SRV_START, 3 * SEC, 1 << 20, 0, 0);
	fx_interval(m, 3 * SEC, true);
	return fx_report_json(m);
}

TEST(ownerless_change_of_a_snapshot_socket_is_counted)
{
	struct model *m = fx_model(0);
	char *js;

	for (uint16_t i = 0; i < 50; i++)
		existing(m, 1000 + i, 40000 + i);
	/* every fifth one goes to CLOSE_WAIT */
	for (uint16_t i = 0; i < 50; i += 5)
		ownerless(m, 0x77000 + i, 40000 + i, 7);
	js = report_after(m);
	ASSERT_CONTAINS(js, "\"by_state\":{\"ESTABLISHED\":40,\"CLOSE_WAIT\":10}");
	free(js);
	model__free(m);
}

TEST(ownerless_change_of_an_unknown_socket_is_ignored)
{
	struct model *m = fx_model(0);
	char *js;

	existing(m, 1000, 40000);
	ownerless(m, 0x77000, 40001, 7);	/* another port */
	ownerless(m, 0x77001, 40000, 8);	/* another peer address */
	for (uint32_t i = 0; i < 5000; i++)	/* a busy machine's other sockets */
		ownerless(m, 0x100000 + i, (uint16_t)(1024 + i), (uint8_t)i);
	js = report_after(m);
	ASSERT_CONTAINS(js, "\"by_state\":{\"ESTABLISHED\":1}");
	free(js);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
