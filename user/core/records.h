/* SPDX-License-Identifier: GPL-2.0 */
/* What each record type must look like before anyone trusts it. */
#ifndef LS_RECORDS_H
#define LS_RECORDS_H
#include <stddef.h>
#include <stdint.h>
#include "leakscope.h"

/* Size of a record of this type (the largest, for a unix record cut after
 * its path), 0 for an unknown type. */
size_t ls_rec_size(uint16_t type);
const char *ls_rec_name(uint16_t type);

/* Every record but LS_REC_INTERVAL carries the process's start_ns right
 * after its header (the ABI keeps it there). */
static inline uint64_t ls_rec_start_ns(const struct ls_rec_hdr *h)
{
	return h->type == LS_REC_INTERVAL ? 0 : *(const uint64_t *)(const void *)(h + 1);
}

/* 0 if the record is well formed for its type, else -1. */
int ls_rec_check(const struct ls_rec_hdr *h, size_t len);

#endif
