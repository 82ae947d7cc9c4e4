// SPDX-License-Identifier: GPL-2.0
/* Putting back the path a conn ring's record left out (path_as_last). */
#include "harness.h"
#include "conn_path.h"
#include "records.h"

/* A record as BPF puts it in a conn ring, with its path's bytes. */
static uint32_t with_path(struct ls_unix_conn *c, const char *path, uint16_t len)
{
	uint32_t room = LS_UNIX_PATH_ROOM(len);

	memset(c, 0, sizeof(*c));
	c->hdr.type = LS_REC_UNIX_CONN;
	c->kind = LS_UNIX_CONNECT;
	c->path_len = len;
	c->abstract = len && path[0] == 0;
	memcpy(c->path, path, len);
	c->hdr.size = LS_UNIX_CONN_SIZE(room);
	return c->hdr.size;
}

/* ... and one that left them out. */
static uint32_t as_last(struct ls_unix_conn *c, uint16_t len)
{
	memset(c, 0, sizeof(*c));
	c->hdr.type = LS_REC_UNIX_CONN;
	c->kind = LS_UNIX_CONNECT;
	c->path_len = len;
	c->path_as_last = 1;
	c->hdr.size = LS_UNIX_CONN_SIZE(0);
	return c->hdr.size;
}

TEST(left_out_path_is_the_last_one_carried)
{
	static const char name[] = "/var/run/docker.sock";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;
	uint32_t size;

	size = with_path(&c, name, sizeof(name) - 1);
	ASSERT_EQ(conn_path__restore(&last, &c, size), LS_UNIX_CONN_SIZE(32));
	ASSERT_EQ(last.len, sizeof(name) - 1);

	size = as_last(&c, sizeof(name) - 1);
	size = conn_path__restore(&last, &c, size);
	ASSERT_EQ(size, LS_UNIX_CONN_SIZE(32));
	ASSERT_EQ(c.path_as_last, 0);
	ASSERT_EQ(c.path_len, sizeof(name) - 1);
	ASSERT_TRUE(memcmp(c.path, name, sizeof(name) - 1) == 0);
	ASSERT_EQ(c.path[sizeof(name) - 1], 0);		/* the room past it zeroed */
	c.hdr.size = size;
	ASSERT_EQ(ls_rec_check(&c.hdr, size), 0);		/* the sink takes it */
}

TEST(a_new_path_replaces_the_last)
{
	static const char a[] = "/tmp/a.sock";
	/* 70 bytes: the 112-byte room, so a longer record is restored too */
	static const char b[] = "/run/user/1000/some-service-with-a-long-name/control/socket.sock.0001";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;

	conn_path__restore(&last, &c, with_path(&c, a, sizeof(a) - 1));
	conn_path__restore(&last, &c, with_path(&c, b, sizeof(b) - 1));
	ASSERT_EQ(conn_path__restore(&last, &c, as_last(&c, sizeof(b) - 1)),
		  LS_UNIX_CONN_SIZE(LS_UNIX_PATH_ROOM_MAX));
	ASSERT_EQ(c.path_len, sizeof(b) - 1);
	ASSERT_TRUE(memcmp(c.path, b, sizeof(b) - 1) == 0);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(LS_UNIX_PATH_ROOM_MAX)), 0);
}

TEST(abstract_name_keeps_its_flag)
{
	static const char name[] = "\0containerd-shim";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;

	conn_path__restore(&last, &c, with_path(&c, name, sizeof(name) - 1));
	conn_path__restore(&last, &c, as_last(&c, sizeof(name) - 1));
	ASSERT_EQ(c.abstract, 1);
	ASSERT_EQ(c.path_len, sizeof(name) - 1);
	ASSERT_TRUE(memcmp(c.path, name, sizeof(name) - 1) == 0);
}

/* Records without a name (accepts, socketpairs) leave the last path alone. */
TEST(unnamed_records_keep_the_last_path)
{
	static const char name[] = "/tmp/app.sock";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;

	conn_path__restore(&last, &c, with_path(&c, name, sizeof(name) - 1));
	ASSERT_EQ(conn_path__restore(&last, &c, with_path(&c, "", 0)), LS_UNIX_CONN_SIZE(0));
	conn_path__restore(&last, &c, as_last(&c, sizeof(name) - 1));
	ASSERT_TRUE(memcmp(c.path, name, sizeof(name) - 1) == 0);
}

/* BPF and the reader out of step: the record stays marked, so the sink
 * rejects it and it is counted, not taken under no name or a wrong one. */
TEST(left_out_path_the_reader_lacks_is_rejected)
{
	static const char name[] = "/tmp/app.sock";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;

	ASSERT_EQ(conn_path__restore(&last, &c, as_last(&c, 13)), LS_UNIX_CONN_SIZE(0));
	ASSERT_EQ(c.path_as_last, 1);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(0)), -1);
	conn_path__restore(&last, &c, with_path(&c, name, sizeof(name) - 1));
	/* a length other than the last path's */
	ASSERT_EQ(conn_path__restore(&last, &c, as_last(&c, 12)), LS_UNIX_CONN_SIZE(0));
	ASSERT_EQ(c.path_as_last, 1);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(0)), -1);
}

/* A path longer than its record's room is not remembered: the sink
 * rejects that record, and a later one must not get its bytes. */
TEST(cut_path_is_not_remembered)
{
	static const char name[] = "/tmp/app.sock";
	struct conn_path last = { 0 };
	struct ls_unix_conn c;

	with_path(&c, name, sizeof(name) - 1);
	c.path_len = 40;			/* says more than its 32-byte room */
	conn_path__restore(&last, &c, LS_UNIX_CONN_SIZE(32));
	ASSERT_EQ(last.len, 0);
}

/* The sink never gets path_as_last: a recording holding one is bad. */
TEST(record_still_marked_as_last_is_rejected)
{
	struct ls_unix_conn c;

	as_last(&c, 0);
	ASSERT_EQ(ls_rec_check(&c.hdr, LS_UNIX_CONN_SIZE(0)), -1);
}

int main(void)
{
	return RUN_TESTS();
}
