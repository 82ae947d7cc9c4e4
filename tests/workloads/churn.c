// SPDX-License-Identifier: GPL-2.0
/*
 * Steady churn for the soak run (tests/soak/run.sh): churn MODE RATE SECONDS
 * does RATE operations a second for SECONDS, paced, leaking nothing:
 *   fork    fork a child that exits at once, and reap it
 *   unix    connect to its own unix listener, accept, close both ends
 *   tcp     the same over TCP on 127.0.0.1
 *   mmap    map 64 KiB, touch a page, unmap
 *   setns   open its own network namespace and setns() into it (root)
 * Writes "ops N" (operations done), "ms N" (how long it ran) and "late N"
 * (seconds it fell behind the pace, rounded) to $WL_INFO at the end, or at
 * SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "wl_common.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int listener(const char *mode, struct sockaddr_storage *a, socklen_t *len)
{
	int l;

	memset(a, 0, sizeof(*a));
	if (!strcmp(mode, "unix")) {
		struct sockaddr_un *u = (struct sockaddr_un *)a;

		u->sun_family = AF_UNIX;
		/* abstract: nothing left on disk */
		snprintf(u->sun_path + 1, sizeof(u->sun_path) - 1, "leakscope-churn-%d", getpid());
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   strlen(u->sun_path + 1));
		l = socket(AF_UNIX, SOCK_STREAM, 0);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)a;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*in);
		l = socket(AF_INET, SOCK_STREAM, 0);
	}
	if (l < 0 || bind(l, (struct sockaddr *)a, *len) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)a, len))
		exit(1);
	return l;
}

static int one_connection(int l, const struct sockaddr_storage *a, socklen_t len)
{
	int c = socket(a->ss_family, SOCK_STREAM, 0), s;

	if (c < 0 || connect(c, (const struct sockaddr *)a, len))
		return -1;
	s = accept(l, NULL, NULL);
	/* the server's end first: the client's is left in TIME_WAIT (TCP) */
	if (s >= 0)
		close(s);
	close(c);
	return s >= 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage a;
	socklen_t alen = 0;
	double rate, secs, start, next;
	long ops = 0;
	double late = 0;
	int l = -1;
	const char *mode;

	if (argc < 4) {
		fprintf(stderr, "usage: churn fork|unix|tcp|mmap|setns RATE SECONDS\n");
		return 2;
	}
	mode = argv[1];
	rate = atof(argv[2]);
	secs = atof(argv[3]);
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	wl_info("pid", getpid());
	if (!strcmp(mode, "unix") || !strcmp(mode, "tcp"))
		l = listener(mode, &a, &alen);
	start = next = wl_now();
	while (!stop && wl_now() - start < secs) {
		if (!strcmp(mode, "fork")) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		} else if (l >= 0) {
			if (one_connection(l, &a, alen))
				return 1;
		} else if (!strcmp(mode, "mmap")) {
			char *p = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				return 1;
			p[0] = 1;
			munmap(p, 64 << 10);
		} else if (!strcmp(mode, "setns")) {
			int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

			if (fd < 0 || setns(fd, CLONE_NEWNET))
				return 1;
			close(fd);
		} else {
			fprintf(stderr, "churn: unknown mode %s\n", mode);
			return 2;
		}
		ops++;
		next += 1 / rate;
		if (wl_now() > next + 1) {	/* more than a second behind */
			late += wl_now() - next;
			next = wl_now();
		}
		while (!stop && wl_now() < next)
			usleep((useconds_t)((next - wl_now()) * 1e6) + 1);
	}
	wl_info("ops", ops);
	wl_info("ms", (long)((wl_now() - start) * 1000));
	wl_info("late", (long)late);
	return 0;
}
