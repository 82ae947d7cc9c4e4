// SPDX-License-Identifier: GPL-2.0
/* setns/unshare model: placeholder until namespace failures land. */
#include <stdlib.h>
#include "model.h"

void ns_model__ingest(struct model *m, const struct ls_rec_hdr *rec) { (void)m; (void)rec; }
void ns_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{ (void)m; (void)p; (void)now_ns; }
void ns_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{ (void)m; (void)p; (void)j; }
void ns_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{ (void)m; (void)p; (void)out; (void)final; }
void ns_state__free(struct ns_state *s) { free(s); }
bool ns_model__notable(const struct ls_process *p) { (void)p; return false; }
