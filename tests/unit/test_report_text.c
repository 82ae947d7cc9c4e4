// SPDX-License-Identifier: GPL-2.0
/* Every name a report prints comes from another process: fed hostile ones
 * (escape sequences, newlines, C1, bidi overrides, bytes that are not
 * UTF-8), the table, the final report and the JSON carry none of them. */
#include <errno.h>
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "text.h"

#define EVIL_PID 666
#define PEER_PID 667
#define START (2 * SEC)
#define PEER_START (3 * SEC)
#define EVIL_COMM "\x1b[31mEVIL\x1b[0m\n"	/* 15 bytes: all of a comm */
#define EVIL_EXE "/tmp/\x1b]0;pwned\x07/\xc2\x9b" "2J\xe2\x80\xae" "exe\xff"
#define EVIL_PATH "/tmp/\x1b[2J\r\nsock\xc0\xaf"
#define EVIL_SYM "f\x1b[8m\xe2\x81\xa6" "g+0x10 (lib\n.so)"

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
	snprintf(e.name[0], LS_NAME_LEN, "ns\x1b[1A\x1b[2K\n");
	snprintf(e.name[1], LS_NAME_LEN, "\xe2\x80\xae" "dir");
	snprintf(e.name[2], LS_NAME_LEN, "run");
	snprintf(e.name[3], LS_NAME_LEN, "/");
	memcpy(e.comm, EVIL_COMM, strlen(EVIL_COMM));
	model__ingest(m, &e.hdr, sizeof(e));
}

static void big_map_and_site(struct model *m, uint64_t ts)
{
	struct ls_big_mmap b = { 0 };
	struct ls_growth_site g = { 0 };

	fx_hdr(&b.hdr, LS_REC_BIG_MMAP, sizeof(b), EVIL_PID, ts);
	b.start_ns = START;
	b.addr = 0x7f0000000000;
	b.len = 128ULL << 20;
	b.tid = EVIL_PID + 10;
	b.fd = -1;
	memcpy(b.comm, EVIL_COMM, strlen(EVIL_COMM));
	model__ingest(m, &b.hdr, sizeof(b));
	fx_hdr(&g.hdr, LS_REC_GROWTH_SITE, sizeof(g), EVIL_PID, ts);
	g.start_ns = START;
	g.bytes = 64ULL << 20;
	g.calls = 4;
	g.stack_id = 9;
	g.nframes = 2;
	snprintf(g.frames[0], LS_SYM_LEN, "%s", EVIL_SYM);
	snprintf(g.frames[1], LS_SYM_LEN, "main\x7f+0x1 (\x1b[0m)");
	model__ingest(m, &g.hdr, sizeof(g));
}

/* A leaking process named EVIL_COMM with a peer, a failing setns, a big
 * mapping and a growth site, every name hostile. */
static struct model *hostile_model(void)
{
	struct model *m = fx_model(0);

	for (int t = 0; t < 20; t++) {
		uint64_t ts = (uint64_t)(t + 1) * SEC;

		if (t == 0) {
			fx_meta(m, EVIL_PID, START, EVIL_COMM, EVIL_EXE, ts);
			fx_meta(m, PEER_PID, PEER_START, "peer\x9b\x1b", "/bin/\x1b[5mpeer", ts);
		}
		conn(m, PEER_PID, PEER_START, 0x1000 + 2 * t, 0x1001 + 2 * t, LS_UNIX_CONNECT, ts);
		conn(m, EVIL_PID, START, 0x1001 + 2 * t, 0x1000 + 2 * t, LS_UNIX_ACCEPT, ts);
		setns_fail(m, ts);
		if (t == 5)
			big_map_and_site(m, ts);
		fx_sample(m, EVIL_PID, START, ts, (uint64_t)(t + 1) << 22, 0, 0);
		fx_sample(m, PEER_PID, PEER_START, ts, 1 << 20, 0, 0);
		if (t < 19)
			fx_interval(m, ts, false);
	}
	return m;
}

/* No control byte but the lines' own newlines, and valid UTF-8 with no
 * C1 or bidi control: what a terminal can safely be sent. */
static const char *unsafe_at(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = text__utf8_len(u + i, n - i, &cp);

		if (!len || (cp != '\n' && text__cp_unsafe(cp)))
			return s + i;
		i += len;
	}
	return NULL;
}

__attribute__((noinline)) static char *render(const struct model *m, bool final, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json)
		report__json(m, final, f);
	else
		report__text(m, final, f);
	fclose(f);
	return buf;
}

#define ASSERT_SAFE(s) do {							\
		const char *ls_bad = unsafe_at(s);				\
		if (ls_bad)							\
			LS_FAIL("%s: unsafe byte 0x%02x at offset %zu: \"%.40s\"", #s, \
				(unsigned char)*ls_bad, (size_t)(ls_bad - (s)), ls_bad > (s) + 20 ? ls_bad - 20 : (s)); \
	} while (0)

TEST(live_table_escapes_names)
{
	struct model *m = hostile_model();
	char *s;

	fx_interval(m, 20 * SEC, false);
	s = render(m, false, false);
	ASSERT_SAFE(s);
	ASSERT_CONTAINS(s, "\\x1b[31mEVIL\\x1b[0m\\n");
	/* the socket line under it names the peer and the path, escaped */
	ASSERT_CONTAINS(s, "/tmp/\\x1b[2J\\x0d\\nsock\\xc0\\xaf");
	free(s);
	model__free(m);
}

TEST(final_report_escapes_every_name)
{
	struct model *m = hostile_model();
	char *s;

	fx_interval(m, 20 * SEC, true);
	s = render(m, true, false);
	ASSERT_SAFE(s);
	ASSERT_CONTAINS(s, "] \\x1b[31mEVIL\\x1b[0m\\n (pid 666) "
			"/tmp/\\x1b]0;pwned\\x07/\\xc2\\x9b2J\\xe2\\x80\\xaeexe\\xff");
	ASSERT_CONTAINS(s, "peer\\x9b\\x1b (667) on /tmp/\\x1b[2J\\x0d\\nsock\\xc0\\xaf");
	ASSERT_CONTAINS(s, "ns\\x1b[1A\\x1b[2K\\n");		/* setns target */
	ASSERT_CONTAINS(s, "\\xe2\\x80\\xaedir");
	ASSERT_CONTAINS(s, "(\\x1b[31mEVIL\\x1b[0m\\n)");	/* the mapping's thread */
	ASSERT_CONTAINS(s, "f\\x1b[8m\\xe2\\x81\\xa6g+0x10 (lib\\n.so)");	/* growth site */
	ASSERT_CONTAINS(s, "main\\x7f+0x1 (\\x1b[0m)");
	free(s);
	model__free(m);
}

TEST(json_escapes_every_name)
{
	struct model *m = hostile_model();
	char *s, *nl;

	fx_interval(m, 20 * SEC, true);
	s = render(m, true, true);
	ASSERT_SAFE(s);
	nl = strchr(s, '\n');
	ASSERT_TRUE(nl && nl[1] == 0);	/* one line */
	ASSERT_CONTAINS(s, "\"comm\":\"\\u001b[31mEVIL\\u001b[0m\\n\"");
	ASSERT_CONTAINS(s, "\"exe\":\"/tmp/\\u001b]0;pwned\\u0007/\\u009b2J\\u202eexe\\ufffd\"");
	ASSERT_CONTAINS(s, "\"path\":\"/tmp/\\u001b[2J\\r\\nsock\\ufffd\\ufffd\"");
	free(s);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
