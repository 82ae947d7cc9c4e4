/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a process's real memory grows with: its unix or TCP connections, or
 * its fds, when the two series move together (mem_link.c says how it is
 * decided).  The socket model's views must be this interval's.
 */
#ifndef LS_MEM_LINK_H
#define LS_MEM_LINK_H
#include <stddef.h>
#include "model.h"

struct json;

/* Decide p's link (kind MEM_LINK_NONE when its memory grows with nothing
 * it holds, or does not grow). */
/* mem: the real-memory series the verdict was decided on */
void mem_link__decide(const struct model *m, const struct ls_process *p,
		      const struct series *mem, struct mem_link *out);
/* The explanation's words for it; 0 (and nothing written) for no link. */
int mem_link__words(const struct model *m, const struct mem_link *l, char *buf, size_t len);
/* "explained_by": null, or the link's figures. */
void mem_link__json(const struct model *m, const struct mem_link *l, struct json *j);

#endif
