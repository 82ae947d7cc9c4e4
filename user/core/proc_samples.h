/* SPDX-License-Identifier: GPL-2.0 */
/* model.c's sampled series (proc_samples.c); model__series and
 * model__samples, in model.h, read them. */
#ifndef LS_PROC_SAMPLES_H
#define LS_PROC_SAMPLES_H
#include <stdbool.h>
#include <stdint.h>

struct model;
struct ls_process;

/* One sample of real memory and RSS (and fds when has_fds) at t. */
void proc_samples__add(struct model *m, struct ls_process *p, uint64_t t, double real,
		       double rss, bool has_fds, double fds);
/* The series freed with the process's slot. */
void proc_samples__release(struct model *m, struct ls_process *p);
#endif
