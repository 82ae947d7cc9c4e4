/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sockets the socket model knows: entries in chunks that never move
 * (an entry pointer stays good until that entry is erased), found through
 * an open-addressing index of entry numbers (with each key's hash).
 * Memory grows with the sockets tracked, a chunk and an index doubling at
 * a time, up to a cap: past it an insert fails and the caller counts the
 * drop.
 */
#ifndef LS_SOCK_TABLE_H
#define LS_SOCK_TABLE_H
#include <stdbool.h>
#include <stdint.h>
#include "leakscope.h"

/* 2,097,152 entries (120 bytes each), 304 MiB at most with the index: a
 * million unix connections, both ends, with room for what the run makes */
#define SOCK_TABLE_MAX		(1U << 21)
#define SOCK_CHUNK_SHIFT	12	/* 4,096 entries (480 KiB) a chunk */
#define SOCK_CHUNK		(1U << SOCK_CHUNK_SHIFT)
#define SOCK_INDEX_MIN		4096	/* index slots at first; doubles */

struct sock_entry {
	uint64_t key;		/* sk, or ino | EXISTING_BIT; 0 = free entry */
	uint64_t peer_key;	/* the other end's key (unix); on the free
				 * list: the next free entry's number + 1 */
	uint64_t peer_start;	/* the other end's owner, once paired: kept */
	uint32_t peer_tgid;	/* after the peer exits */
	uint32_t cred_tgid;	/* accept: the connecting process, when its end is not seen */
	uint64_t ino;
	uint64_t start_ns;	/* owner's */
	uint64_t since_ns;	/* opened (unix) or entered its state (tcp) */
	uint32_t tgid;		/* owner */
	uint16_t family;	/* 1 unix, 2/10 inet */
	uint16_t path;		/* index in paths, 0 = unnamed */
	uint8_t state;		/* tcp state */
	uint8_t existing;	/* known from sock_diag: not "opened" in the run */
	uint8_t counted;	/* its group has counted it as opened */
	uint8_t accepted;	/* this end came from accept(): the server's */
	uint8_t kind;		/* enum ls_unix_conn_kind; 0 from sock_diag */
	uint8_t closed;		/* closed before its peer was seen: kept to pair */
	uint8_t unverified;	/* its close came unverified: open until the
				 * loader finds the socket gone */
	uint8_t check_only;	/* unverified, but not by the owner's own
				 * close: another process closed its copy,
				 * or the owner ran exec() */
	uint8_t settled;	/* sock_diag end whose sock_diag peer is known:
				 * its peer's pid, start and path copied here,
				 * no lookup each interval */
	uint8_t before_attach;	/* since_ns is the snapshot's time: opened (or
				 * in its state) at least since then, not when */
	uint16_t dport;
	uint16_t sport;
	uint64_t closed_ns;	/* when closed, or when the unverified close came */
	uint8_t daddr[16];
	uint8_t saddr[16];
};

struct sock_table {
	struct sock_entry *chunks[SOCK_TABLE_MAX / SOCK_CHUNK];
	uint32_t nchunks;
	uint32_t max;		/* entries at most (SOCK_TABLE_MAX or less) */
	uint32_t hi;		/* entries ever handed out: iterate below it */
	uint32_t used;
	uint32_t free_head;	/* free entry number + 1; 0: none */
	uint64_t *index;	/* key's hash << 32 | entry number + 1; 0 empty */
	uint32_t index_cap;	/* power of two, at least twice used */
};

/* max: entries at most, 0 for SOCK_TABLE_MAX (tests set less). */
int sock_table__init(struct sock_table *t, uint32_t max);
void sock_table__free(struct sock_table *t);
struct sock_entry *sock_table__find(const struct sock_table *t, uint64_t key);
/* The entry for key, zeroed if new; NULL when the table is full or memory
 * ran out (the caller counts it). */
struct sock_entry *sock_table__insert(struct sock_table *t, uint64_t key);
void sock_table__erase(struct sock_table *t, struct sock_entry *e);
/* Bytes held, for the tests and benchmarks. */
uint64_t sock_table__bytes(const struct sock_table *t);

/* Entry number i below t->hi, or NULL for a free one.  Iteration may
 * erase the entry it is on (and others): nothing moves. */
static inline struct sock_entry *sock_table__at(const struct sock_table *t, uint32_t i)
{
	struct sock_entry *e = &t->chunks[i >> SOCK_CHUNK_SHIFT][i & (SOCK_CHUNK - 1)];

	return e->key ? e : NULL;
}
#endif
