// SPDX-License-Identifier: GPL-2.0
/* Socket model: placeholder until unix pairing and TCP states land. */
#include <stdlib.h>
#include "model.h"

struct sock_model { int unused; };

struct sock_model *sock_model__new(void) { return calloc(1, sizeof(struct sock_model)); }
void sock_model__free(struct sock_model *sm) { free(sm); }
void sock_model__ingest(struct model *m, const struct ls_rec_hdr *rec) { (void)m; (void)rec; }
void sock_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns)
{ (void)m; (void)p; (void)now_ns; }
void sock_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{ (void)m; (void)p; (void)j; }
void sock_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final)
{ (void)m; (void)p; (void)out; (void)final; }
void sock_state__free(struct sock_state *s) { free(s); }
bool sock_model__notable(const struct ls_process *p) { (void)p; return false; }
