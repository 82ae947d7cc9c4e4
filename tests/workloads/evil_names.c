// SPDX-License-Identifier: GPL-2.0
/*
 * A process that names everything it can with terminal escapes (issue 22):
 *   evil_names DIR SECONDS
 * Names itself "\x1b[31mEVIL\x1b[0m\n" (prctl PR_SET_NAME), listens on a unix
 * socket in DIR whose name holds escapes and a newline, forks a client
 * (named "peer\xc2\x9b" "2J\xff": a C1 CSI and a byte that is not UTF-8)
 * that connects every 100 ms and keeps every connection, accepts and keeps
 * them too, maps and touches 1 MiB every 250 ms (a leak), and calls
 * setns(fd, CLONE_NEWNET) every 200 ms on a plain file in DIR whose name
 * holds escapes (EINVAL).  Ends after SECONDS.  Writes "pid N" and
 * "client N" to $WL_INFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "wl_common.h"

#define EVIL_COMM	"\x1b[31mEVIL\x1b[0m\n"
#define PEER_COMM	"peer\xc2\x9b" "2J\xff"
#define SOCK_NAME	"\x1b[2J\x1b]0;pwned\x07\n.sock"
#define NS_NAME		"ns\x1b[1A\x1b[2K\xe2\x80\xae"

static socklen_t addr_of(struct sockaddr_un *a, const char *dir)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, SOCK_NAME);
	return sizeof(*a);
}

static void client(const char *dir, double secs)
{
	struct sockaddr_un a;
	socklen_t len = addr_of(&a, dir);
	double end = wl_now() + secs;

	prctl(PR_SET_NAME, PEER_COMM);
	while (wl_now() < end) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, len))
			close(fd);	/* kept when connected: the leak */
		usleep(100000);
	}
	pause();	/* the server's end of the run kills us */
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	struct pollfd pfd;
	char nspath[256];
	double start, next_map, next_ns, secs;
	pid_t child;
	int l;

	if (argc < 3) {
		fprintf(stderr, "usage: evil_names DIR SECONDS\n");
		return 2;
	}
	secs = atof(argv[2]);
	prctl(PR_SET_NAME, EVIL_COMM);
	wl_info("pid", getpid());
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	addr_of(&a, argv[1]);
	unlink(a.sun_path);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 512)) {
		perror("bind");
		return 1;
	}
	snprintf(nspath, sizeof(nspath), "%s/%s", argv[1], NS_NAME);
	close(open(nspath, O_WRONLY | O_CREAT, 0600));
	child = fork();
	if (child == 0) {
		client(argv[1], secs);
		_exit(0);
	}
	wl_info("client", child);
	start = wl_now();
	next_map = next_ns = start;
	pfd = (struct pollfd){ .fd = l, .events = POLLIN };
	while (wl_now() - start < secs) {
		double now = wl_now();

		if (poll(&pfd, 1, 20) > 0)
			accept(l, NULL, NULL);	/* kept */
		if (now >= next_map) {
			char *p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);

			if (p != MAP_FAILED)
				wl_touch(p, MiB);
			next_map += 0.25;
		}
		if (now >= next_ns) {
			int fd = open(nspath, O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				if (setns(fd, CLONE_NEWNET) == 0)
					fprintf(stderr, "setns on a plain file worked?\n");
				close(fd);
			}
			next_ns += 0.2;
		}
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	unlink(a.sun_path);
	return 0;
}
