/* SPDX-License-Identifier: GPL-2.0 */
/* This process's capabilities: read them, check them, drop what is not
 * needed once attached (the policy is user/core/caps.h's). */
#ifndef LS_PRIVS_H
#define LS_PRIVS_H
#include <stdbool.h>
#include <stdint.h>

/* The effective set (bit n: capability n); 0 if it cannot be read. */
uint64_t privs__effective(void);
/* Everything needed to run is there; else prints one "Error: ..." line
 * naming what is missing and returns -1. */
int privs__check(void);
/* Keeps caps__keep()'s set and drops every other capability (effective,
 * permitted, inheritable, ambient): 0, or -errno (nothing is lost but
 * hardening: the caller goes on). */
int privs__drop_after_attach(bool bench_toggle, bool rename_pending);
/* Drops every capability of the calling thread (capabilities are each
 * thread's own: a thread started before privs__drop_after_attach would keep
 * what the process had): 0, or -errno. */
int privs__drop_all_in_thread(void);

#endif
