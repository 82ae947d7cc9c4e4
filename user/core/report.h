/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reports from the model: the live table, the final report, JSON Lines.
 * Everything printed is derived from the records the model was fed, so a
 * replayed recording prints the same report (wall-clock fields aside).
 */
#ifndef LS_REPORT_H
#define LS_REPORT_H
#include <stdbool.h>
#include <stdio.h>
#include "model.h"

/* One JSON object on one line: {"type":"interval",...} or {"type":"report",...} */
void report__json(const struct model *m, bool final, FILE *out);
/* The top-like table (interval) or the full leak report (final). */
void report__text(const struct model *m, bool final, FILE *out);

#endif
