// SPDX-License-Identifier: GPL-2.0
/* The reader thread's queue: records come out whole and in order, across
 * the wrap; a drained queue starts again at the front (the pages touched
 * are its deepest backlog's); a full queue refuses instead of overwriting;
 * two threads at full speed lose or reorder nothing. */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include "harness.h"
#include "record_queue.h"

struct seen {
	uint64_t next;		/* the sequence number expected next */
	size_t bad;		/* records out of order or torn */
	size_t bytes;
};

/* A record: its sequence number, then (seq % 61) bytes of (seq & 0xff). */
static size_t make_rec(unsigned char *buf, uint64_t seq)
{
	size_t n = 8 + seq % 61;

	memcpy(buf, &seq, 8);
	memset(buf + 8, (int)(seq & 0xff), n - 8);
	return n;
}

static void check_rec(void *ctx, const void *rec, size_t len)
{
	struct seen *s = ctx;
	unsigned char want[128];
	uint64_t seq;

	memcpy(&seq, rec, 8);
	if (seq != s->next || len != make_rec(want, seq) || memcmp(rec, want, len))
		s->bad++;
	s->next = seq + 1;
	s->bytes += len;
}

TEST(records_come_out_whole_and_in_order_across_the_wrap)
{
	struct record_queue *q = record_queue__new(4096);
	unsigned char buf[128];
	struct seen s = { 0 };
	uint64_t seq = 0;

	ASSERT_TRUE(q);
	/* 40 rounds of 30 records through 4 KiB, one always left behind so
	 * the queue is never empty: the buffer wraps many times */
	for (int round = 0; round < 40; round++) {
		for (int i = 0; i < 30; i++, seq++)
			ASSERT_TRUE(record_queue__push(q, buf, make_rec(buf, seq)));
		size_t behind = seq - s.next - 1;

		ASSERT_EQ(record_queue__pop(q, check_rec, &s, behind), behind);
	}
	ASSERT_GE(record_queue__touched(q), 4096 - 80);
	ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), 1);
	ASSERT_EQ(s.bad, 0);
	ASSERT_EQ(s.next, seq);
	ASSERT_EQ(record_queue__used(q), 0);
	record_queue__free(q);
}

TEST(a_drained_queue_starts_again_at_the_front)
{
	struct record_queue *q = record_queue__new(1 << 20);
	unsigned char buf[128];
	struct seen s = { 0 };
	uint64_t seq = 0;

	ASSERT_TRUE(q);
	/* 100,000 records (5 MB), popped as they come or in bursts of 50 (at
	 * most 50 * 80 bytes behind): the pages touched are the deepest
	 * backlog's, not the whole 1 MiB the traffic went round five times */
	for (int i = 0; i < 50000; i++, seq++) {
		ASSERT_TRUE(record_queue__push(q, buf, make_rec(buf, seq)));
		ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), 1);
	}
	ASSERT_LE(record_queue__touched(q), 2 * 80);
	for (int burst = 0; burst < 1000; burst++) {
		for (int i = 0; i < 50; i++, seq++)
			ASSERT_TRUE(record_queue__push(q, buf, make_rec(buf, seq)));
		ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), 50);
	}
	ASSERT_LE(record_queue__touched(q), 50 * 80 + 80);
	ASSERT_EQ(s.bad, 0);
	ASSERT_EQ(s.next, seq);
	ASSERT_EQ(record_queue__used(q), 0);
	record_queue__free(q);
}

/* resident pages of [p, p + len) */
static size_t resident(const void *p, size_t len)
{
	unsigned char vec[1024];
	size_t n = 0, pages = len / 4096;

	if (pages > sizeof(vec) || mincore((void *)p, len, vec))
		return SIZE_MAX;
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

TEST(a_deep_backlog_s_pages_go_back_once_read)
{
	/* 3 MiB queued in a 4 MiB queue (a burst while the consumer was busy),
	 * all read, then one more record: the queue starts again at the front
	 * and keeps its first quarter; the pages beyond leave RSS */
	struct record_queue *q = record_queue__new(4 << 20);
	unsigned char buf[128];
	struct seen s = { 0 };
	uint64_t seq = 0;
	size_t pushed = 0;

	ASSERT_TRUE(q);
	while (pushed < (3u << 20)) {
		size_t n = make_rec(buf, seq++);

		ASSERT_TRUE(record_queue__push(q, buf, n));
		pushed += (4 + n + 7) & ~(size_t)7;
	}
	ASSERT_GE(record_queue__touched(q), 3u << 20);
	ASSERT_GE(resident(record_queue__buf(q), 4 << 20), 700);
	ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), seq);
	ASSERT_TRUE(record_queue__push(q, buf, make_rec(buf, seq++)));
	ASSERT_EQ(record_queue__touched(q), 1u << 20);
	ASSERT_LE(resident(record_queue__buf(q), 4 << 20), 256);
	ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), 1);
	ASSERT_EQ(s.bad, 0);
	ASSERT_EQ(s.next, seq);
	record_queue__free(q);
}

TEST(a_full_queue_refuses_and_keeps_what_it_has)
{
	struct record_queue *q = record_queue__new(4096);
	unsigned char buf[128];
	struct seen s = { 0 };
	uint64_t seq = 0;

	ASSERT_TRUE(q);
	while (record_queue__push(q, buf, make_rec(buf, seq)))
		seq++;
	/* records of 12 to 72 bytes: at least 4096 / 80 fit, and the last
	 * refusal left the queue within a record of full */
	ASSERT_GE(seq, 4096 / 80);
	ASSERT_GE(record_queue__used(q), 4096 - 80);
	/* popping the oldest ten (at least 176 bytes) makes room again for
	 * one, even past the end (under 80 bytes skipped and 80 taken), and
	 * nothing was overwritten */
	ASSERT_EQ(record_queue__pop(q, check_rec, &s, 10), 10);
	ASSERT_TRUE(record_queue__push(q, buf, make_rec(buf, seq)));
	seq++;
	ASSERT_EQ(record_queue__pop(q, check_rec, &s, SIZE_MAX), seq - 10);
	ASSERT_EQ(s.bad, 0);
	ASSERT_EQ(s.next, seq);
	record_queue__free(q);
}

TEST(bad_sizes_are_refused)
{
	struct record_queue *q = record_queue__new(4096);
	unsigned char big[2048] = { 0 };

	ASSERT_TRUE(q);
	ASSERT_FALSE(record_queue__push(q, big, 0));
	ASSERT_FALSE(record_queue__push(q, big, 1025));	/* over a quarter */
	ASSERT_TRUE(record_queue__push(q, big, 1024));
	ASSERT_TRUE(record_queue__new(3000) == NULL);		/* not a power of two */
	ASSERT_TRUE(record_queue__new(2048) == NULL);		/* too small */
	record_queue__free(q);
	record_queue__free(NULL);
}

#define STRESS_RECORDS 2000000ULL

static void *produce(void *arg)
{
	struct record_queue *q = arg;
	unsigned char buf[128];

	for (uint64_t seq = 0; seq < STRESS_RECORDS; seq++) {
		size_t n = make_rec(buf, seq);

		while (!record_queue__push(q, buf, n))
			;	/* the consumer makes room */
	}
	return NULL;
}

TEST(two_threads_lose_and_reorder_nothing)
{
	struct record_queue *q = record_queue__new(8192);
	struct seen s = { 0 };
	pthread_t t;

	ASSERT_TRUE(q);
	ASSERT_EQ(pthread_create(&t, NULL, produce, q), 0);
	while (s.next < STRESS_RECORDS && !s.bad)
		record_queue__pop(q, check_rec, &s, 7);
	pthread_join(t, NULL);
	ASSERT_EQ(s.bad, 0);
	ASSERT_EQ(s.next, STRESS_RECORDS);
	ASSERT_EQ(record_queue__used(q), 0);
	record_queue__free(q);
}

int main(void)
{
	return RUN_TESTS();
}
