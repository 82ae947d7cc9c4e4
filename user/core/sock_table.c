// SPDX-License-Identifier: GPL-2.0
/*
 * The socket model's table (see sock_table.h).  Entries sit in chunks, so
 * growing never copies them and a million sockets cost their entries and
 * 16 to 32 bytes of index each, not a doubled array of entries.  An index
 * slot holds the key's hash beside the entry number, so a probe reads an
 * entry only when the hashes match: a lookup in a million costs about one
 * cache miss in the index and one in the entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sock_table.h"

static inline uint32_t hash_of(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (uint32_t)key;
}

static inline struct sock_entry *entry(const struct sock_table *t, uint32_t n)
{
	return &t->chunks[n >> SOCK_CHUNK_SHIFT][n & (SOCK_CHUNK - 1)];
}

int sock_table__init(struct sock_table *t, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max && max < SOCK_TABLE_MAX ? max : SOCK_TABLE_MAX;
	t->index_cap = SOCK_INDEX_MIN;
	t->index = calloc(t->index_cap, sizeof(*t->index));
	return t->index ? 0 : -ENOMEM;
}

void sock_table__free(struct sock_table *t)
{
	for (uint32_t c = 0; c < t->nchunks; c++)
		free(t->chunks[c]);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

uint64_t sock_table__bytes(const struct sock_table *t)
{
	return (uint64_t)t->nchunks * SOCK_CHUNK * sizeof(struct sock_entry) +
	       (uint64_t)t->index_cap * sizeof(*t->index);
}

/* An index slot: the key's hash above, the entry number + 1 below. */
#define SLOT_NUMBER(s)	((uint32_t)(s))
#define SLOT_HASH(s)	((uint32_t)((s) >> 32))

/* The index slot holding key, or the empty slot where it would go. */
static uint32_t slot_for(const struct sock_table *t, uint64_t key)
{
	uint32_t h = hash_of(key), i = h & (t->index_cap - 1);

	for (; t->index[i]; i = (i + 1) & (t->index_cap - 1))
		if (SLOT_HASH(t->index[i]) == h &&
		    entry(t, SLOT_NUMBER(t->index[i]) - 1)->key == key)
			break;
	return i;
}

struct sock_entry *sock_table__find(const struct sock_table *t, uint64_t key)
{
	uint32_t i;

	if (!key || !t->index)
		return NULL;
	i = slot_for(t, key);
	return t->index[i] ? entry(t, SLOT_NUMBER(t->index[i]) - 1) : NULL;
}

/* Double the index (on failure it stays as it was, fuller). */
static void grow_index(struct sock_table *t)
{
	uint32_t cap = t->index_cap * 2, old_cap = t->index_cap;
	uint64_t *old = t->index, *ix = calloc(cap, sizeof(*ix));

	if (!ix)
		return;
	t->index = ix;
	t->index_cap = cap;
	for (uint32_t i = 0; i < old_cap; i++) {
		uint32_t j;

		if (!old[i])
			continue;
		for (j = SLOT_HASH(old[i]) & (cap - 1); ix[j]; j = (j + 1) & (cap - 1))
			;
		ix[j] = old[i];
	}
	free(old);
}

/* A free entry's number, from the free list or a new one past hi. */
static int take_entry(struct sock_table *t, uint32_t *n)
{
	if (t->free_head) {
		*n = t->free_head - 1;
		t->free_head = (uint32_t)entry(t, *n)->peer_key;
		return 0;
	}
	if (t->hi >= t->max)
		return -ENOSPC;
	if ((t->hi >> SOCK_CHUNK_SHIFT) == t->nchunks) {
		struct sock_entry *c = calloc(SOCK_CHUNK, sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->chunks[t->nchunks++] = c;
	}
	*n = t->hi++;
	return 0;
}

struct sock_entry *sock_table__insert(struct sock_table *t, uint64_t key)
{
	struct sock_entry *e;
	uint32_t n, i;

	if (!key || !t->index)
		return NULL;
	if ((e = sock_table__find(t, key)))
		return e;
	if (t->used >= t->max)
		return NULL;
	/* at most half full, so probes stay short */
	if (t->used + 1 > t->index_cap / 2)
		grow_index(t);
	if (t->used + 1 > t->index_cap / 8 * 7 || take_entry(t, &n))
		return NULL;
	e = entry(t, n);
	memset(e, 0, sizeof(*e));
	e->key = key;
	i = slot_for(t, key);
	t->index[i] = (uint64_t)hash_of(key) << 32 | (n + 1);
	t->used++;
	return e;
}

/* Backward-shift deletion in the index (no tombstones); the entry goes on
 * the free list. */
void sock_table__erase(struct sock_table *t, struct sock_entry *e)
{
	uint32_t n, i, j;

	if (!e->key)
		return;
	i = slot_for(t, e->key);
	if (!t->index[i] || entry(t, SLOT_NUMBER(t->index[i]) - 1) != e)
		return;	/* not this table's */
	n = SLOT_NUMBER(t->index[i]) - 1;
	t->index[i] = 0;
	for (j = i;;) {
		uint32_t home;

		j = (j + 1) & (t->index_cap - 1);
		if (!t->index[j])
			break;
		home = SLOT_HASH(t->index[j]) & (t->index_cap - 1);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->index[i] = t->index[j];
			t->index[j] = 0;
			i = j;
		}
	}
	memset(e, 0, sizeof(*e));
	e->peer_key = t->free_head;
	t->free_head = n + 1;
	t->used--;
}
