// SPDX-License-Identifier: GPL-2.0
/*
 * The socket table under the socket model: what goes in is found, what is
 * erased is gone, entries never move, the cap holds, and memory follows
 * the sockets held.
 */
#include <stdlib.h>
#include "harness.h"
#include "sock_table.h"

#define N 60000

/* keys like kernel sock addresses: 0x400 apart, and inodes with the top bit */
static uint64_t key_of(uint32_t i)
{
	return i & 1 ? 0xffff888000000000ULL + (uint64_t)i * 0x400 : (1ULL << 63) | (1000 + i);
}

TEST(random_inserts_and_erases_match_a_reference)
{
	static struct sock_entry *where[N];
	struct sock_table t;
	uint32_t held = 0;

	ASSERT_EQ(sock_table__init(&t, 0), 0);
	srand(7);
	for (int op = 0; op < 400000; op++) {
		uint32_t i = (uint32_t)rand() % N;
		struct sock_entry *e = sock_table__find(&t, key_of(i));

		if (e != where[i])
			LS_FAIL("op %d: key %u found at %p, put at %p", op, i, (void *)e,
				(void *)where[i]);
		if (!e) {
			e = sock_table__insert(&t, key_of(i));
			ASSERT_TRUE(e != NULL);
			ASSERT_EQ(e->key, key_of(i));
			ASSERT_EQ(e->tgid, 0);	/* new entries come zeroed */
			e->tgid = i + 1;
			where[i] = e;
			held++;
		} else {
			ASSERT_EQ(e->tgid, i + 1);	/* never moved, never overwritten */
			sock_table__erase(&t, e);
			where[i] = NULL;
			held--;
		}
		ASSERT_EQ(t.used, held);
	}
	/* iteration sees each held entry once */
	uint32_t seen = 0;
	for (uint32_t n = 0; n < t.hi; n++) {
		struct sock_entry *e = sock_table__at(&t, n);

		if (!e)
			continue;
		seen++;
		ASSERT_TRUE(where[e->tgid - 1] == e);
	}
	ASSERT_EQ(seen, held);
	sock_table__free(&t);
}

TEST(full_table_refuses_and_takes_again_after_an_erase)
{
	struct sock_table t;
	struct sock_entry *first = NULL;

	ASSERT_EQ(sock_table__init(&t, 5000), 0);
	for (uint32_t i = 0; i < 5000; i++) {
		struct sock_entry *e = sock_table__insert(&t, key_of(i));

		ASSERT_TRUE(e != NULL);
		if (!first)
			first = e;
	}
	ASSERT_TRUE(sock_table__insert(&t, key_of(5000)) == NULL);
	ASSERT_TRUE(sock_table__find(&t, key_of(4999)) != NULL);
	sock_table__erase(&t, first);
	ASSERT_TRUE(sock_table__insert(&t, key_of(5000)) == first);	/* the freed entry */
	ASSERT_EQ(t.used, 5000);
	ASSERT_TRUE(sock_table__insert(&t, 0) == NULL);	/* 0 is no key */
	sock_table__free(&t);
}

TEST(memory_follows_the_sockets_held)
{
	struct sock_table t;
	uint64_t small, big;

	ASSERT_EQ(sock_table__init(&t, 0), 0);
	for (uint32_t i = 0; i < 1000; i++)
		ASSERT_TRUE(sock_table__insert(&t, key_of(i)) != NULL);
	small = sock_table__bytes(&t);
	for (uint32_t i = 1000; i < 200000; i++)
		ASSERT_TRUE(sock_table__insert(&t, key_of(i)) != NULL);
	big = sock_table__bytes(&t);
	printf("# 1,000 sockets: %llu KiB; 200,000: %llu KiB (%zu bytes an entry)\n",
	       (unsigned long long)small >> 10, (unsigned long long)big >> 10,
	       sizeof(struct sock_entry));
	ASSERT_LE(small, 1024 * 1024);
	/* entries and 16 to 32 bytes of index each (8-byte slots, the index
	 * kept under half full), a chunk of slack */
	ASSERT_LE(big, 200000 * (sizeof(struct sock_entry) + 32) +
		       SOCK_CHUNK * sizeof(struct sock_entry) + 8 * SOCK_INDEX_MIN);
	sock_table__free(&t);
}

int main(void)
{
	return RUN_TESTS();
}
