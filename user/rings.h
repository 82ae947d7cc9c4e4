/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF's rings, read.  A thread of their own drains them (the per-CPU conn
 * and close rings and the ring buffer, in the order docs/sockets.md gives)
 * into a bounded queue (core/record_queue.h) as soon as they fill, so that
 * sampling thousands of processes or writing a long report does not leave
 * them unread; the caller's thread takes the records from the queue to
 * the sink.
 */
#ifndef LS_RINGS_H
#define LS_RINGS_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "clock.h"
#include "leakscope.h"

typedef void (*ls_sink_fn)(void *ctx, const struct ls_rec_hdr *rec, size_t len);

struct rings_opts {
	int events_fd;		/* the BPF ring buffer */
	int conn_rings_fd;	/* the per-CPU rings: array maps of ncpus values */
	int close_rings_fd;
	unsigned ncpus;
	ls_sink_fn sink;
	void *sink_ctx;
};

struct rings;

/* Maps the rings and starts the reader; prints the error, NULL on failure. */
struct rings *rings__new(const struct rings_opts *opts);
/* Stops the reader (giving up what it still holds: after the last
 * rings__flush there is nothing) and unmaps.  Accepts NULL. */
void rings__free(struct rings *r);
/* Waits up to timeout_ms (0: no wait) for records, and hands those queued
 * to the sink.  sigmask (NULL: unchanged) is the signal mask while waiting,
 * as for ppoll: a signal kept blocked outside the wait cannot come just
 * before it and go unnoticed for the whole timeout.  Returns the records
 * handed over, or -errno. */
int rings__poll(struct rings *r, int timeout_ms, const sigset_t *sigmask);
/* rings__poll's wait also ends when fd (-1: none) is readable; it is not
 * read (the live view's keys on stdin). */
void rings__set_wake_fd(struct rings *r, int fd);
/* Has the reader drain now and hands everything up to now to the sink;
 * last: stops the reader first and drains in the caller's thread (before
 * the final report).  Returns the records handed over. */
int rings__flush(struct rings *r, bool last);
/* Closes the last drain left in the close rings (it waits at a ring-buffer
 * record still being written): at the end, they are counted as lost. */
uint64_t rings__closes_waiting(const struct rings *r);

#endif
