/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `leakscope serve`: the model's metrics over HTTP (libmicrohttpd, its own
 * thread).  The main thread writes the exposition at each interval's end
 * (serve__publish); the HTTP thread only copies the latest text out under a
 * mutex, so a scrape never touches the model.
 */
#ifndef LS_SERVE_H
#define LS_SERVE_H
#include "model.h"

struct serve;

/* Parses HOST:PORT ([v6]:PORT for IPv6) and binds and listens on it, so
 * that a port in use fails before the seconds attaching takes.  NULL after
 * printing an error. */
struct serve *serve__bind(const char *listen);
/* Starts the HTTP thread (after the capabilities are dropped: it never
 * holds more than the main thread).  0, or -1 after printing an error. */
int serve__start(struct serve *s);
/* The model's exposition, for the scrapes to come. */
void serve__publish(struct serve *s, const struct model *m);
/* /healthz says "ok" from now on. */
void serve__set_ready(struct serve *s);
void serve__free(struct serve *s);

#endif
