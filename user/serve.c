// SPDX-License-Identifier: GPL-2.0
/*
 * `leakscope serve`'s HTTP side (serve.h).  libmicrohttpd parses requests
 * in its own thread; every bound is set here: connections, their memory,
 * their idle time, and the size of the text served.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "metrics.h"
#include "options.h"
#include "serve.h"

#define SERVE_MAX_CONNECTIONS	64	/* Prometheus keeps one; headroom for curl and HA pairs */
#define SERVE_CONN_TIMEOUT_S	10	/* an idle or slow client lets go of its slot */
#define SERVE_CONN_MEMORY	(32 * 1024)	/* request headers and all, per connection */
/* the exposition's cap: 1,000 processes of every family fit in about 4 MiB */
#define SERVE_MAX_BYTES		(8 << 20)
#define SERVE_MAX_PROCS		1000

/* One exposition: the text and its length. */
struct exposition {
	char *text;
	size_t len;
};

struct serve {
	int fd;			/* listening; MHD's once started */
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;	/* guards front[] and ready */
	/* per format: the one scrapes copy from, and the one the main thread
	 * writes next; swapped under the lock */
	struct exposition front[2], back[2];
	bool ready;
	bool cap_warned;
	char where[80];
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	if (!ls_verbose)
		return;	/* a bad request is the client's business, not an operator's */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	ls_warn("http: %s", msg);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;	/* out of memory: MHD closes the connection */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Prometheus asks for OpenMetrics first in its Accept header; anything
 * else gets the 0.0.4 text every scraper reads. */
static int wants_openmetrics(struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);

	return accept && strcasestr(accept, "application/openmetrics-text") ? 1 : 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	static const char plain[] = "text/plain; charset=utf-8";
	struct serve *s = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, plain, "GET or HEAD\n", 12);
	if (!strcmp(url, "/healthz")) {
		bool ready;

		pthread_mutex_lock(&s->lock);
		ready = s->ready;
		pthread_mutex_unlock(&s->lock);
		return ready ? reply(conn, MHD_HTTP_OK, plain, "ok\n", 3) :
			       reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, plain, "attaching\n", 10);
	}
	if (!strcmp(url, "/metrics")) {
		int om = wants_openmetrics(conn);

		/* copied under the lock: the main thread swaps, never frees,
		 * the text a scrape is reading */
		pthread_mutex_lock(&s->lock);
		if (!s->front[om].text)
			ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, plain, "attaching\n", 10);
		else
			ret = reply(conn, MHD_HTTP_OK, om ? METRICS_CONTENT_TYPE_OPENMETRICS :
				    METRICS_CONTENT_TYPE_PROMETHEUS, s->front[om].text, s->front[om].len);
		pthread_mutex_unlock(&s->lock);
		return ret;
	}
	return reply(conn, MHD_HTTP_NOT_FOUND, plain, "not found: /metrics, /healthz\n", 30);
}

/* HOST:PORT, [HOST]:PORT; a port alone is not enough: where it listens is
 * a choice to make. */
static int split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -1;
		snprintf(host, hlen, "%.*s", (int)(close - addr - 1), addr + 1);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || memchr(addr, ':', (size_t)(colon - addr)))
			return -1;	/* an IPv6 address goes in brackets */
		snprintf(host, hlen, "%.*s", (int)(colon - addr), addr);
	}
	snprintf(port, plen, "%s", colon + 1);
	if (!host[0] || !port[0] || strspn(port, "0123456789") != strlen(port) ||
	    strlen(port) > 5 || atoi(port) < 1 || atoi(port) > 65535)
		return -1;
	return 0;
}

/* The address to bind from HOST and PORT: a numeric one by inet_pton, which
 * needs nothing of glibc's NSS and so works in the static build (make
 * static) too; a name through getaddrinfo in the dynamic build, and only
 * "localhost" in the static one, whose getaddrinfo would want the shared
 * NSS modules of the glibc it was linked with. */
static int resolve(const char *addr, const char *host, const char *port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	uint16_t p = htons((uint16_t)atoi(port));

	memset(ss, 0, sizeof(*ss));
#ifdef LEAKSCOPE_STATIC
	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
#endif
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = p;
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = p;
		*len = sizeof(*in6);
		return 0;
	}
#ifdef LEAKSCOPE_STATIC
	ls_error("--listen %s: this static build takes a numeric address (or localhost)", addr);
	return -1;
#else
	{
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
		struct addrinfo *ai = NULL;
		int err = getaddrinfo(host, port, &hints, &ai);

		if (err) {
			ls_error("--listen %s: %s", addr, gai_strerror(err));
			return -1;
		}
		if (ai->ai_addrlen > sizeof(*ss)) {
			freeaddrinfo(ai);
			ls_error("--listen %s: an address of an unknown kind", addr);
			return -1;
		}
		memcpy(ss, ai->ai_addr, ai->ai_addrlen);
		*len = ai->ai_addrlen;
		freeaddrinfo(ai);
		return 0;
	}
#endif
}

struct serve *serve__bind(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	char host[64], port[8];
	struct serve *s = NULL;
	int one = 1;

	if (strlen(addr) >= 64 || split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		ls_error("--listen '%s': expected HOST:PORT (an IPv6 address in brackets: [::1]:9464)",
			 addr);
		return NULL;
	}
	if (resolve(addr, host, port, &ss, &sslen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		ls_error("out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->where, sizeof(s->where), "%s", addr);
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		ls_error("cannot listen on %s: socket: %s", addr, strerror(errno));
		goto fail;
	}
	/* a restart binds again while the last run's connections linger */
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, sslen) || listen(s->fd, 64)) {
		ls_error("cannot listen on %s: %s", addr, strerror(errno));
		goto fail;
	}
	return s;
fail:
	serve__free(s);
	return NULL;
}

int serve__start(struct serve *s)
{
	s->mhd = MHD_start_daemon(MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, on_request, s,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_CONN_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_END);
	if (!s->mhd) {
		ls_error("cannot serve HTTP on %s: libmicrohttpd did not start", s->where);
		return -1;
	}
	s->fd = -1;	/* MHD's now: it closes it */
	return 0;
}

/* One format into the back buffer; false when it could not be made whole
 * (out of memory, or over the cap). */
static bool build(struct serve *s, const struct model *m, enum metrics_format fmt)
{
	struct exposition *b = &s->back[fmt];
	FILE *f;
	int err;

	free(b->text);
	b->text = NULL;
	b->len = 0;
	f = open_memstream(&b->text, &b->len);
	if (!f)
		return false;
	err = metrics__write(m, fmt, LEAKSCOPE_VERSION, SERVE_MAX_PROCS, f);
	if (fclose(f))
		err = -1;
	if (!err && b->len <= SERVE_MAX_BYTES)
		return true;
	if (!s->cap_warned && !err)
		ls_warn("the metrics exposition is %zu bytes, over the %d MiB cap: the last one "
			"that fit is served", b->len, SERVE_MAX_BYTES >> 20);
	s->cap_warned = s->cap_warned || !err;
	return false;
}

void serve__publish(struct serve *s, const struct model *m)
{
	bool ok[2];

	if (!s)
		return;
	ok[METRICS_PROMETHEUS] = build(s, m, METRICS_PROMETHEUS);
	ok[METRICS_OPENMETRICS] = build(s, m, METRICS_OPENMETRICS);
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < 2; i++) {
		if (ok[i]) {
			struct exposition t = s->front[i];

			s->front[i] = s->back[i];
			s->back[i] = t;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

void serve__set_ready(struct serve *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->ready = true;
	pthread_mutex_unlock(&s->lock);
}

void serve__free(struct serve *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);	/* joins its thread: no scrape is left */
	if (s->fd >= 0)
		close(s->fd);
	for (int i = 0; i < 2; i++) {
		free(s->front[i].text);
		free(s->back[i].text);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}
