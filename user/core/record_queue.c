// SPDX-License-Identifier: GPL-2.0
/* Single-producer, single-consumer record queue (see record_queue.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "record_queue.h"

#define WRAP_MARK UINT32_MAX
#define RECORD_QUEUE_KEEP	(4U << 20)	/* bytes a drained queue keeps touched */

struct record_queue {
	unsigned char *buf;
	size_t size;		/* a power of two */
	/* byte counts since the start, never wrapped: position = count & (size - 1).
	 * head is the producer's, tail the consumer's; each on its own line. */
	_Alignas(64) uint64_t head;
	/* the producer's too: where it last started again at the front after
	 * the consumer had caught up (the bytes before it are all read) */
	uint64_t restart;
	size_t touched;		/* bytes from the buffer's start ever written */
	_Alignas(64) uint64_t tail;
};

static size_t slot_bytes(size_t len)
{
	return (sizeof(uint32_t) + len + 7) & ~(size_t)7;
}

struct record_queue *record_queue__new(size_t bytes)
{
	struct record_queue *q;

	if (bytes < 4096 || (bytes & (bytes - 1)))
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->buf == MAP_FAILED) {
		free(q);
		return NULL;
	}
	q->size = bytes;
	return q;
}

void record_queue__free(struct record_queue *q)
{
	if (!q)
		return;
	munmap(q->buf, q->size);
	free(q);
}

/* What a backlog deeper than keep touched goes back to the kernel once
 * the consumer has read it all (so nothing reads those pages now): a
 * burst's pages do not stay in RSS for the rest of the run. */
static void give_back(struct record_queue *q)
{
	size_t keep = q->size / 4 < RECORD_QUEUE_KEEP ? q->size / 4 : RECORD_QUEUE_KEEP;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), from = (keep + page - 1) & ~(page - 1);

	if (q->touched <= from)
		return;
	if (madvise(q->buf + from, q->touched - from, MADV_DONTNEED) == 0)
		__atomic_store_n(&q->touched, from, __ATOMIC_RELAXED);
}

bool record_queue__push(struct record_queue *q, const void *rec, size_t len)
{
	uint64_t head = q->head;	/* only this thread writes it, and restart */
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	uint64_t oldest = tail > q->restart ? tail : q->restart;	/* first byte unread */
	size_t need = slot_bytes(len), pos = head & (q->size - 1), to_end;
	uint32_t len32 = (uint32_t)len;

	if (!len || len > q->size / 4)
		return false;
	/* all read: start again at the front, so the pages touched are those
	 * of the deepest backlog, not the whole buffer once traffic has gone
	 * round it (the consumer skips to restart, published with head) */
	if (pos && oldest == head) {
		head += q->size - pos;
		__atomic_store_n(&q->restart, head, __ATOMIC_RELAXED);
		oldest = head;
		pos = 0;
		give_back(q);
	}
	to_end = q->size - pos;
	if (need > to_end) {
		/* a record never straddles the end: the rest of the buffer is skipped */
		if (q->size - (head - oldest) < to_end + need)
			return false;
		memcpy(q->buf + pos, &(uint32_t){ WRAP_MARK }, sizeof(uint32_t));
		head += to_end;
		pos = 0;
	} else if (q->size - (head - oldest) < need) {
		return false;
	}
	memcpy(q->buf + pos, &len32, sizeof(len32));
	memcpy(q->buf + pos + sizeof(len32), rec, len);
	if (pos + need > q->touched)
		__atomic_store_n(&q->touched, pos + need, __ATOMIC_RELAXED);
	/* the bytes (and restart) before the position that makes them visible */
	__atomic_store_n(&q->head, head + need, __ATOMIC_RELEASE);
	return true;
}

/* The consumer's first unread byte: tail, or the producer's last restart
 * once that is published (at or before the head it loaded). */
static uint64_t read_from(const struct record_queue *q, uint64_t tail, uint64_t head)
{
	uint64_t restart = __atomic_load_n(&q->restart, __ATOMIC_RELAXED);

	return tail < restart && restart <= head ? restart : tail;
}

size_t record_queue__pop(struct record_queue *q, record_queue_fn fn, void *ctx, size_t max)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	uint64_t tail = read_from(q, q->tail, head);	/* only this thread writes tail */
	size_t n = 0;

	while (tail < head && n < max) {
		size_t pos = tail & (q->size - 1), to_end = q->size - pos;
		uint32_t len;

		/* 8-byte alignment leaves at least a length's room before the end */
		memcpy(&len, q->buf + pos, sizeof(len));
		if (len == WRAP_MARK) {
			tail += to_end;
			continue;
		}
		fn(ctx, q->buf + pos + sizeof(len), len);
		tail += slot_bytes(len);
		n++;
		/* room for the producer as soon as each record is read */
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	return n;
}

const void *record_queue__buf(const struct record_queue *q)
{
	return q->buf;
}

size_t record_queue__touched(const struct record_queue *q)
{
	return __atomic_load_n(&q->touched, __ATOMIC_RELAXED);
}

size_t record_queue__used(const struct record_queue *q)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	return (size_t)(head - read_from(q, __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE), head));
}
