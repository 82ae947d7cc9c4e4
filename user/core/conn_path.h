/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path a unix record from a conn ring may leave out.  BPF keeps, per
 * CPU, the path of the last record it put in that CPU's conn ring with path
 * bytes; a record to the same path carries only its length and
 * path_as_last (the path's bytes were 16 ns of a connect program's 125 on the
 * AMD EPYC VM, by bench/pair.sh).
 * The reader keeps the same per ring, reading the ring in the order BPF
 * wrote it, and puts the bytes back before the record goes anywhere else:
 * the model, recordings and replays never see path_as_last.
 */
#ifndef LS_CONN_PATH_H
#define LS_CONN_PATH_H
#include <stdint.h>
#include "leakscope.h"

struct conn_path {
	uint16_t len;		/* 0: no record with path bytes yet */
	uint8_t abstract;
	char bytes[LS_PATH_LEN];
};

/* Record c (in a buffer of sizeof(*c) bytes, size of them used) came from
 * the ring whose last path is *last: put its path back, or remember its
 * path.  Returns c's size after, in hdr.size too (one that left its path
 * out grows to its path's room).  A record that left out a path the
 * reader does not hold (BPF and reader out of step: a bug) stays marked:
 * the sink rejects it and the model counts it among the lost events
 * (bad_records), rather than counting a connection under no name. */
uint32_t conn_path__restore(struct conn_path *last, struct ls_unix_conn *c, uint32_t size);

#endif
