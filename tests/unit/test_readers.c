// SPDX-License-Identifier: GPL-2.0
/* The loader's readers of /proc and sock_diag, on real processes and
 * sockets (no root): fd counts of this process and of a child as fds come
 * and go, a pid that does not exist, and which unix sockets are gone. */
#include <fcntl.h>
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

int main(void)
{
	return RUN_TESTS();
}
