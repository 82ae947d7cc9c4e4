// SPDX-License-Identifier: GPL-2.0
/* Single-producer, single-consumer record queue (see record_queue.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "record_queue.h"

#define WRAP_MARK UINT32_MAX

struct record_queue {
	unsigned char *buf;
	size_t size;		/* a power of two */
	/* byte counts since the start, never wrapped: position = count & (size - 1).
	 * head is the producer's, tail the consumer's; each on its own line. */
	_Alignas(64) uint64_t head;
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

bool record_queue__push(struct record_queue *q, const void *rec, size_t len)
{
	uint64_t head = q->head;	/* only this thread writes it */
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	size_t need = slot_bytes(len), pos = head & (q->size - 1), to_end = q->size - pos;
	uint32_t len32 = (uint32_t)len;

	if (!len || len > q->size / 4)
		return false;
	/* a record never straddles the end: the rest of the buffer is skipped */
	if (need > to_end) {
		if (q->size - (head - tail) < to_end + need)
			return false;
		if (to_end >= sizeof(uint32_t))
			memcpy(q->buf + pos, &(uint32_t){ WRAP_MARK }, sizeof(uint32_t));
		head += to_end;
		pos = 0;
	} else if (q->size - (head - tail) < need) {
		return false;
	}
	memcpy(q->buf + pos, &len32, sizeof(len32));
	memcpy(q->buf + pos + sizeof(len32), rec, len);
	/* the bytes before the position that makes them visible */
	__atomic_store_n(&q->head, head + need, __ATOMIC_RELEASE);
	return true;
}

size_t record_queue__pop(struct record_queue *q, record_queue_fn fn, void *ctx, size_t max)
{
	uint64_t tail = q->tail;	/* only this thread writes it */
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
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

size_t record_queue__used(const struct record_queue *q)
{
	return (size_t)(__atomic_load_n(&q->head, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&q->tail, __ATOMIC_ACQUIRE));
}
