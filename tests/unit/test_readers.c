// SPDX-License-Identifier: GPL-2.0
/* The loader's readers of /proc and sock_diag, on real processes and
 * sockets (no root): fd counts of this process and of a child as fds come
 * and go, a pid that does not exist, and which unix sockets are gone; and
 * their parsers fed what a process can make them read, cut short or lying
 * (the same parsers are fuzzed: tests/fuzz/fuzz_readers.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "procfs.h"
#include "sockdiag.h"

static long fds_of(pid_t pid)
{
	struct ls_proc_sample s = { 0 };

	if (procfs__count_fds(pid, &s))
		return -1;
	if (!(s.flags & LS_SAMPLE_HAS_FDS))
		return -2;
	return s.fds_open;
}

TEST(procfs_fds_follow_open_and_close)
{
	long before = fds_of(getpid()), with, after;
	int fds[40];

	ASSERT_GE(before, 3);
	for (int i = 0; i < 40; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	with = fds_of(getpid());
	for (int i = 0; i < 40; i++)
		close(fds[i]);
	after = fds_of(getpid());
	ASSERT_EQ(with, before + 40);
	ASSERT_EQ(after, before);
}

/* A child holding 300 fds, some far up the table: the count is of fds, not
 * of the table's size or its highest slot. */
TEST(procfs_fds_of_another_process)
{
	int ready[2], hold[2];
	char c;
	pid_t pid;
	long n;

	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(hold), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		/* keep stdin and the two pipe ends (at 1000, 1001), nothing
		 * inherited */
		int w = fcntl(ready[1], F_DUPFD, 1000), r = fcntl(hold[0], F_DUPFD, 1000);

		if (w < 0 || r < 0 || close_range(1, 999, 0))
			_exit(1);
		for (int i = 0; i < 299; i++)
			open("/dev/null", O_RDONLY);
		dup2(w, 5000);
		/* stdin, 1000, 1001, 299 opened, 5000: 303 */
		if (write(w, "r", 1) != 1 || read(r, &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		LS_FAIL("child did not get ready");
	}
	n = fds_of(pid);
	close(hold[1]);
	close(ready[0]);
	waitpid(pid, NULL, 0);
	ASSERT_EQ(n, 303);
}

TEST(procfs_fds_of_missing_pid)
{
	/* above the largest pid_max (4194304) */
	ASSERT_EQ(fds_of(99999999), -1);
}

/* 40 socket pairs, every third closed: exactly those are gone, asked
 * together with inodes no socket has. */
TEST(sockdiag_unix_gone_names_closed_sockets)
{
	uint64_t inos[42];
	uint8_t gone[42];
	int fds[40][2], err, ngone = 0;

	for (int i = 0; i < 40; i++) {
		struct stat st;

		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds[i]), 0);
		ASSERT_EQ(fstat(fds[i][0], &st), 0);
		inos[i] = st.st_ino;
	}
	inos[40] = 1;		/* no socket has these */
	inos[41] = 0xfffffff0;
	for (int i = 0; i < 40; i += 3) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	err = sockdiag__unix_gone(inos, gone, 42);
	for (int i = 0; i < 40; i++)
		if (i % 3) {
			close(fds[i][0]);
			close(fds[i][1]);
		}
	if (err)
		LS_FAIL("sock_diag: %s", strerror(-err));
	for (int i = 0; i < 40; i++) {
		if (gone[i] != (i % 3 == 0))
			LS_FAIL("socket %d (inode %llu): expected gone %d, got %d", i,
				(unsigned long long)inos[i], i % 3 == 0, gone[i]);
		ngone += gone[i];
	}
	ASSERT_EQ(ngone, 14);
	ASSERT_EQ(gone[40], 1);
	ASSERT_EQ(gone[41], 1);
}

TEST(stat_comm_with_parens_spaces_and_newlines)
{
	struct procfs_stat st;

	ASSERT_EQ(procfs__parse_stat("42 (a) b\n) (c) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
				     "12345 0 0\n", &st), 0);
	ASSERT_EQ(st.ppid, 7);
	ASSERT_EQ(st.start_ticks, 12345);
}

TEST(stat_cut_short_or_garbage_is_refused)
{
	const char *full = "42 (x) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 12345 0";
	struct procfs_stat st;
	char buf[128];

	/* every cut before starttime's first digit is refused */
	for (size_t n = 0; n < strlen(full); n++) {
		snprintf(buf, sizeof(buf), "%.*s", (int)n, full);
		if (procfs__parse_stat(buf, &st) == 0 && st.start_ticks != 1 && st.start_ticks != 12 &&
		    st.start_ticks != 123 && st.start_ticks != 1234 && st.start_ticks != 12345)
			LS_FAIL("cut at %zu: took \"%s\" (start %llu)", n, buf,
				(unsigned long long)st.start_ticks);
		if (n < strlen(full) - 7 && procfs__parse_stat(buf, &st) == 0)
			LS_FAIL("cut at %zu, before starttime: accepted \"%s\"", n, buf);
	}
	ASSERT_EQ(procfs__parse_stat("42 x S 7", &st), -1);	/* no ')' */
	ASSERT_EQ(procfs__parse_stat("42 (x)", &st), -1);
	ASSERT_EQ(procfs__parse_stat("42 (x) S seven", &st), -1);
	ASSERT_EQ(procfs__parse_stat("\xff\x01)\x7f", &st), -1);
}

TEST(status_and_rollup_fields)
{
	struct ls_proc_sample s = { 0 };

	ASSERT_EQ(procfs__parse_status("Name:\tx\nRssAnon:\t    100 kB\nRssFile:\t 20 kB\n"
				       "VmSwap:\t3 kB", &s), 0);
	ASSERT_EQ(s.rss_anon_bytes, 100 * 1024);
	ASSERT_EQ(s.rss_file_bytes, 20 * 1024);
	ASSERT_EQ(s.swap_bytes, 3 * 1024);
	/* a kernel thread (no RssAnon), and lines cut anywhere */
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(procfs__parse_status("Name:\tkworker/0:1\nState:\tI (idle)\n", &s), -1);
	ASSERT_EQ(procfs__parse_status("RssFile: 12", &s), -1);
	ASSERT_EQ(s.rss_file_bytes, 12 * 1024);
	ASSERT_EQ(procfs__parse_status("", &s), -1);
	ASSERT_EQ(procfs__parse_status("RssAnon", &s), -1);
	memset(&s, 0, sizeof(s));
	procfs__parse_rollup("00400000-7fff [rollup]\nLazyFree:  8 kB\nPrivate_Dirty: 4 kB\nPrivate_Cle", &s);
	ASSERT_EQ(s.lazyfree_bytes, 8 * 1024);
	ASSERT_EQ(s.private_dirty_bytes, 4 * 1024);
	ASSERT_EQ(s.private_clean_bytes, 0);
	procfs__parse_rollup("LazyFree:\nLazyFree: x kB\n\n\n", &s);
	ASSERT_EQ(s.lazyfree_bytes, 8 * 1024);	/* nothing taken from garbage */
}

TEST(comm_newline_length_and_nul)
{
	char comm[LS_COMM_LEN];

	procfs__parse_comm("bash\n", 5, comm);
	ASSERT_STREQ(comm, "bash");
	/* a comm that ends with its own newline keeps it */
	procfs__parse_comm("\x1b[31mEVIL\x1b[0m\n\n", 15, comm);
	ASSERT_STREQ(comm, "\x1b[31mEVIL\x1b[0m\n");
	procfs__parse_comm("0123456789abcdefghij", 20, comm);
	ASSERT_STREQ(comm, "0123456789abcde");
	procfs__parse_comm("a\0b\n", 4, comm);
	ASSERT_STREQ(comm, "a");
	ASSERT_EQ(comm[LS_COMM_LEN - 1], 0);
	procfs__parse_comm("", 0, comm);
	ASSERT_STREQ(comm, "");
}

struct emitted {
	int n;
	struct ls_unix_existing u;
	struct ls_tcp_existing t;
};

static void on_emit(void *ctx, const struct ls_rec_hdr *rec, size_t len, uint64_t ino)
{
	struct emitted *e = ctx;

	(void)ino;
	e->n++;
	if (rec->type == LS_REC_UNIX_EXISTING && len == sizeof(e->u))
		memcpy(&e->u, rec, len);
	if (rec->type == LS_REC_TCP_EXISTING && len == sizeof(e->t))
		memcpy(&e->t, rec, len);
}

/* A unix dump's message: the socket, its name and its peer; then DONE. */
static size_t unix_msg(uint32_t *buf, const char *name, size_t namelen, size_t peer_payload)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct unix_diag_msg *m = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)(m + 1);
	uint32_t peer = 5555;
	size_t len = NLMSG_LENGTH(sizeof(*m));

	memset(buf, 0, 512);
	m->udiag_family = AF_UNIX;
	m->udiag_state = 1;
	m->udiag_ino = 4444;
	a->rta_type = UNIX_DIAG_NAME;
	a->rta_len = (unsigned short)RTA_LENGTH(namelen);
	memcpy(RTA_DATA(a), name, namelen);
	len += RTA_ALIGN(a->rta_len);
	a = (struct rtattr *)((char *)h + len);
	a->rta_type = UNIX_DIAG_PEER;
	a->rta_len = (unsigned short)RTA_LENGTH(peer_payload);
	memcpy(RTA_DATA(a), &peer, peer_payload < 4 ? peer_payload : 4);
	len += RTA_ALIGN(a->rta_len);
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h = (struct nlmsghdr *)((char *)buf + NLMSG_ALIGN(len));
	h->nlmsg_len = NLMSG_LENGTH(4);
	h->nlmsg_type = NLMSG_DONE;
	return NLMSG_ALIGN(len) + NLMSG_LENGTH(4);
}

TEST(sockdiag_unix_message_parsed)
{
	uint32_t buf[128];
	struct emitted e = { 0 };
	size_t n = unix_msg(buf, "/run/\x1b[2J.sock", 14, 4);

	ASSERT_EQ(sockdiag__parse_buffer(buf, n, AF_UNIX, 77, on_emit, &e), 1);
	ASSERT_EQ(e.n, 1);
	ASSERT_EQ(e.u.hdr.tgid, 77);
	ASSERT_EQ(e.u.ino, 4444);
	ASSERT_EQ(e.u.peer_ino, 5555);
	ASSERT_EQ(e.u.path_len, 14);
	ASSERT_TRUE(!memcmp(e.u.path, "/run/\x1b[2J.sock", 15));
}

TEST(sockdiag_cut_anywhere_emits_nothing_half_read)
{
	uint32_t buf[128], copy[128];
	size_t full = unix_msg(buf, "/tmp/s", 6, 4);

	/* a recv() that gave fewer bytes than the message says it has */
	for (size_t n = 0; n < full - NLMSG_LENGTH(4); n++) {
		struct emitted e = { 0 };

		memcpy(copy, buf, n);
		if (sockdiag__parse_buffer(copy, n, AF_UNIX, 77, on_emit, &e) != 0 || e.n)
			LS_FAIL("cut at %zu bytes: %d records", n, e.n);
	}
}

TEST(sockdiag_lying_lengths)
{
	uint32_t buf[128];
	struct emitted e = { 0 };
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	size_t n;

	/* a peer attribute of 2 bytes: no peer read past it */
	n = unix_msg(buf, "/tmp/s", 6, 2);
	ASSERT_EQ(sockdiag__parse_buffer(buf, n, AF_UNIX, 77, on_emit, &e), 1);
	ASSERT_EQ(e.n, 1);
	ASSERT_EQ(e.u.peer_ino, 0);
	/* a message that says it is shorter than a unix_diag_msg: skipped */
	n = unix_msg(buf, "/tmp/s", 6, 4);
	h->nlmsg_len = NLMSG_LENGTH(8);
	e.n = 0;
	sockdiag__parse_buffer(buf, n, AF_UNIX, 77, on_emit, &e);
	ASSERT_EQ(e.n, 0);
	e.n = 0;
	ASSERT_EQ(sockdiag__parse_buffer(buf, NLMSG_LENGTH(8), AF_INET, 77, on_emit, &e), 0);
	ASSERT_EQ(e.n, 0);	/* nor as an inet_diag_msg */
	/* a name attribute longer than a path: cut to LS_PATH_LEN */
	{
		char name[200];

		memset(name, 'n', sizeof(name));
		n = unix_msg(buf, name, sizeof(name), 4);
		e.n = 0;
		ASSERT_EQ(sockdiag__parse_buffer(buf, n, AF_UNIX, 77, on_emit, &e), 1);
		ASSERT_EQ(e.n, 1);
		ASSERT_EQ(e.u.path_len, LS_PATH_LEN);
	}
	/* NLMSG_ERROR ends a dump */
	h->nlmsg_len = NLMSG_LENGTH(4);
	h->nlmsg_type = NLMSG_ERROR;
	ASSERT_EQ(sockdiag__parse_buffer(buf, NLMSG_LENGTH(4), AF_UNIX, 77, on_emit, &e), -EPROTO);
}

int main(void)
{
	return RUN_TESTS();
}
