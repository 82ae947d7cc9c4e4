/* SPDX-License-Identifier: GPL-2.0 */
/* The memory domain: /proc samples, the BPF ledger, smaps by region,
 * growth sites and what memory grows with (mem_link.c), and --heap's
 * figures (heap_model.c). */
#ifndef LS_MEM_MODEL_H
#define LS_MEM_MODEL_H
#include "model.h"

void mem_model__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec);
/* after sock_model__interval: what memory grows with needs its views */
void mem_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns);
/* mem_report.c */
void mem_model__json(const struct model *m, const struct ls_process *p, struct json *j);
void mem_model__text(const struct ls_process *p, FILE *out, bool final);
/* The latest sample's RSS; its LazyFree (measured, or the ledger's
 * estimate); RSS minus LazyFree. */
uint64_t mem_model__rss_bytes(const struct mem_state *ms);
uint64_t mem_model__lazyfree_bytes(const struct mem_state *ms);
uint64_t mem_model__real_bytes(const struct mem_state *ms);
/* The last part of a growth site's source path. */
const char *mem_model__src_base(const char *file, size_t size);
/* "heap", "anon", "stack", "lib", "file", "shmem", "hugepages", "other" */
const char *mem_model__region_class(int cls);
/* The class whose resident bytes grew most since the first read (-1 when
 * none grew, or fewer than two reads), and by how much. */
int mem_model__region_growth(const struct mem_state *ms, int64_t *grew);
#endif
