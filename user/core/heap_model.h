/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --heap in the model: per process, the latest LS_REC_HEAP counters and the
 * sites that came with them (heap_model.c).  Plain C, fed records.
 */
#ifndef LS_HEAP_MODEL_H
#define LS_HEAP_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "leakscope.h"

#define HEAP_SITES_MAX	8	/* sites kept a process (the loader sends at most 6) */

struct heap_site {
	uint64_t live_bytes;
	uint64_t count;
	uint64_t oldest_ns;
	uint32_t nframes;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN];
};

/* Allocated at a process's first heap record (3.9 KiB, fixed). */
struct heap_state {
	struct ls_heap_rec latest;
	struct heap_site sites[HEAP_SITES_MAX];	/* those of latest, oldest first */
	uint32_t nsites;
};

struct model;
struct ls_process;
struct json;

void heap_model__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec);
void heap_model__free(struct model *m, struct ls_process *p);
/* "heap": {...} in a process's memory object; nothing without --heap */
void heap_model__json(const struct ls_process *p, struct json *j);
/* "    heap: ..." lines of the text report; nothing without --heap */
void heap_model__text(const struct ls_process *p, FILE *out);
/* "; oldest malloc'd memory still held from leak_here+0xe (prog) (54.0 MiB
 * live)" for an explanation, or nothing (no sites); snprintf's count */
int heap_model__words(const struct ls_process *p, char *buf, size_t len);
/* What the allocator holds after free(): anonymous and brk-heap resident
 * memory (less LazyFree) minus the live bytes; false when smaps was never
 * read for the process (no regions) or it is not traced. */
bool heap_model__held(const struct ls_process *p, uint64_t *held);
/* "glibc", "jemalloc", "tcmalloc", "musl", ... from the allocator's file */
const char *heap_model__allocator(const char *file);

#endif
