/* SPDX-License-Identifier: GPL-2.0 */
/* Socket model extras beyond the hooks in model.h. */
#ifndef LS_SOCK_MODEL_H
#define LS_SOCK_MODEL_H
#include "model.h"

/* Sockets not tracked because the table was full. */
uint64_t sock_model__dropped(const struct model *m);

#endif
