/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded queue of records from one producer thread to one consumer
 * thread, without locks.  The loader's reader thread drains BPF's rings
 * into it the moment they fill, and the main thread takes the records when
 * it is free: sampling thousands of processes or writing a big report no
 * longer stops the rings being read (a burst of unix connections fills a
 * CPU's close ring in ~20 ms).
 *
 * Each record is stored as a 4-byte length and its bytes, 8-byte aligned;
 * one that does not fit before the end of the buffer leaves a wrap mark and
 * starts at the beginning.  The first record after the consumer has caught
 * up starts at the beginning too.  The buffer is mapped once and its pages
 * are only touched as records reach them: its size bounds the memory, and
 * a run touches the pages of its deepest backlog, not the whole buffer
 * (which a busy host's traffic walked through in about a minute, when
 * every record went after the last), and once that backlog is read the
 * pages beyond 4 MiB (or a quarter of the buffer) go back to the kernel.
 */
#ifndef LS_RECORD_QUEUE_H
#define LS_RECORD_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct record_queue;

/* bytes: a power of two, at least 4 KiB; NULL when it cannot be mapped. */
struct record_queue *record_queue__new(size_t bytes);
void record_queue__free(struct record_queue *q);	/* accepts NULL */

/* Producer: copies len bytes in; false when there is no room now (the
 * caller waits for the consumer, or gives up and counts the record) or
 * len is 0 or more than a quarter of the queue. */
bool record_queue__push(struct record_queue *q, const void *rec, size_t len);

typedef void (*record_queue_fn)(void *ctx, const void *rec, size_t len);
/* Consumer: hands up to max records to fn, oldest first; fn must not keep
 * the pointer.  Returns how many. */
size_t record_queue__pop(struct record_queue *q, record_queue_fn fn, void *ctx, size_t max);
/* Bytes waiting (a snapshot; exact from the consumer's side when the
 * producer is idle). */
size_t record_queue__used(const struct record_queue *q);
/* Bytes from the buffer's start ever written: the queue's pages in RSS
 * (a snapshot from outside the producer). */
size_t record_queue__touched(const struct record_queue *q);
/* The buffer's mapping (the unit test asks the kernel what is resident). */
const void *record_queue__buf(const struct record_queue *q);

#endif
