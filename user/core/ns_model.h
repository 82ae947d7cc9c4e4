/* SPDX-License-Identifier: GPL-2.0 */
/* The namespace domain: setns() and unshare() calls, failures explained. */
#ifndef LS_NS_MODEL_H
#define LS_NS_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include "model.h"

void ns_model__ingest(struct model *m, const struct ls_rec_hdr *rec);
void ns_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns);
void ns_model__json(const struct model *m, const struct ls_process *p, struct json *j);
void ns_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final);
void ns_state__free(struct ns_state *s);
bool ns_model__notable(const struct ls_process *p);	/* has failures */

/* Names the setns model gives to kernel numbers (also used by its tests). */

const char *ns_type_name(uint32_t clone_flag);	/* CLONE_NEWNET -> "net", 0 -> "any" */
const char *ns_errno_name(int err);		/* EINVAL -> "EINVAL" */
const char *ns_fs_name(uint64_t magic);		/* 0x01021994 -> "tmpfs" */
const char *ns_kind_name(uint32_t kind);	/* LS_TARGET_REGULAR -> "regular-file" */

struct ls_process;

/* A failure group of a process's setns calls, read-only (metrics, tests). */
struct ns_failure_view {
	int err;		/* positive errno */
	uint32_t nstype;	/* clone flag asked for, 0: any */
	uint64_t count;
};
/* false when the process has no setns state or i is out of range. */
bool ns_model__failure_view(const struct ls_process *p, uint32_t i, struct ns_failure_view *out);
/* Its setns calls and failures during the run (the live view's row);
 * false, zeros, when it has no setns state. */
bool ns_model__counts(const struct ls_process *p, uint64_t *calls, uint64_t *failed);
/* Failed setns calls so far, at each interval since its first setns or
 * unshare record; NULL when it made none. */
struct series;
const struct series *ns_model__failed_series(const struct ls_process *p);

#endif
