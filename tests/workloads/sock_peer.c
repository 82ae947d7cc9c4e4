// SPDX-License-Identifier: GPL-2.0
/*
 * Socket workloads (each ends after SECONDS):
 *   sock_peer unix-server PATH SECONDS keep|close   accept all; keep every
 *       connection, or close each when its client closes
 *   sock_peer unix-client PATH INTERVAL_MS SECONDS keep|close [LINGER]   connect
 *       every INTERVAL_MS; keep (leak) or close at once; then hold on LINGER s
 *   sock_peer tcp-server PORT SECONDS               accept, never close, never read
 *   sock_peer tcp-client PORT INTERVAL_MS SECONDS close|shutdown   connect every
 *       INTERVAL_MS, then close (server side: CLOSE_WAIT) or shutdown(SHUT_WR)
 *       and keep the fd (this side: FIN_WAIT2)
 *   sock_peer unix-burst PATH COUNT LINGER   listen on PATH, then COUNT times
 *       connect + accept + close both ends, as fast as it can; then hold on
 *       LINGER s
 *   sock_peer unix-churn PATH SECONDS [RATE]   the same for SECONDS, however
 *       many that makes, or at most RATE a second
 * Writes "connects N" (clients) or "accepts N" (servers) to $WL_INFO.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "wl_common.h"

#define MAX_CONNS 4096

static socklen_t unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	return sizeof(*a);
}

static socklen_t tcp_addr(struct sockaddr_in *a, int port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a);
}

static int serve(int lfd, double secs, int close_on_eof)
{
	struct pollfd fds[MAX_CONNS + 1];
	int n = 1, accepts = 0;
	double end;

	wl_gate();
	end = wl_now() + secs;
	fds[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	while (wl_now() < end) {
		if (poll(fds, n, 50) <= 0)
			continue;
		if (fds[0].revents & POLLIN) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0) {
				accepts++;
				if (n <= MAX_CONNS)
					fds[n++] = (struct pollfd){ .fd = c, .events = close_on_eof ? POLLIN : 0 };
			}
		}
		for (int i = 1; close_on_eof && i < n; i++) {
			char buf[64];

			if (fds[i].revents & (POLLIN | POLLHUP) && read(fds[i].fd, buf, sizeof(buf)) <= 0) {
				close(fds[i].fd);
				fds[i--] = fds[--n];
			}
		}
	}
	wl_info("accepts", accepts);
	return 0;
}

static int clients(int tcp, const char *where, double interval_ms, double secs, const char *mode,
		   double linger)
{
	double start, next;
	int connects = 0, keep = !strcmp(mode, "keep") || !strcmp(mode, "shutdown");

	wl_gate();
	start = next = wl_now();
	while (wl_now() - start < secs) {
		int fd = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0), rc;

		if (tcp) {
			struct sockaddr_in a;

			rc = connect(fd, (struct sockaddr *)&a, tcp_addr(&a, atoi(where)));
		} else {
			struct sockaddr_un a;

			rc = connect(fd, (struct sockaddr *)&a, unix_addr(&a, where));
		}
		if (rc == 0) {
			connects++;
			if (!strcmp(mode, "shutdown"))
				shutdown(fd, SHUT_WR);
		}
		if (!keep || rc)
			close(fd);
		next += interval_ms / 1000;
		while (wl_now() < next)
			usleep(2000);
	}
	wl_info("connects", connects);
	usleep((useconds_t)(linger * 1e6));
	return 0;
}

/* One process at both ends: four socket records per connection, back to
 * back, far faster than any reader's poll interval.  secs > 0: for that
 * long instead of count times. */
static int burst(const char *path, long count, double linger, double secs, double rate)
{
	double end, start;
	struct sockaddr_un a;
	socklen_t len = unix_addr(&a, path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	long done = 0;

	wl_gate();
	unlink(path);
	if (bind(l, (struct sockaddr *)&a, len) || listen(l, 64))
		return 1;
	start = wl_now();
	end = start + secs;
	for (; secs > 0 ? (done & 1023) || wl_now() < end : done < count; done++) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0), s;

		if (connect(c, (struct sockaddr *)&a, len))
			break;
		s = accept(l, NULL, NULL);
		if (s < 0)
			break;
		close(s);
		close(c);
		/* paced by batches of 100: a rate the reader keeps up with */
		if (rate > 0 && done % 100 == 99) {
			double due = start + (done + 1) / rate;

			while (wl_now() < due)
				usleep(1000);
		}
	}
	wl_info("connects", done);
	usleep((useconds_t)(linger * 1e6));
	return done == count || secs > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 4)
		goto usage;
	/* servers listen at once (tests wait for the path), then wait for
	 * the tracer like the clients (wl_gate) */
	wl_info("pid", getpid());
	if (!strcmp(argv[1], "unix-server") && argc >= 5) {
		struct sockaddr_un a;
		int l = socket(AF_UNIX, SOCK_STREAM, 0);

		unlink(argv[2]);
		if (bind(l, (struct sockaddr *)&a, unix_addr(&a, argv[2])) || listen(l, 512))
			return 1;
		return serve(l, atof(argv[3]), !strcmp(argv[4], "close"));
	}
	if (!strcmp(argv[1], "tcp-server")) {
		struct sockaddr_in a;
		int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;

		setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(l, (struct sockaddr *)&a, tcp_addr(&a, atoi(argv[2]))) || listen(l, 512))
			return 1;
		return serve(l, atof(argv[3]), 0);
	}
	if (!strcmp(argv[1], "unix-burst") && argc >= 5)
		return burst(argv[2], atol(argv[3]), atof(argv[4]), 0, 0);
	if (!strcmp(argv[1], "unix-churn"))
		return burst(argv[2], 0, 0, atof(argv[3]), wl_arg(argc, argv, 4, 0));
	if (!strcmp(argv[1], "unix-client") && argc >= 6)
		return clients(0, argv[2], atof(argv[3]), atof(argv[4]), argv[5],
			       wl_arg(argc, argv, 6, 0));
	if (!strcmp(argv[1], "tcp-client") && argc >= 6)
		return clients(1, argv[2], atof(argv[3]), atof(argv[4]), argv[5],
			       wl_arg(argc, argv, 6, 0));
usage:
	fprintf(stderr, "usage: see the comment at the top of sock_peer.c\n");
	return 2;
}
