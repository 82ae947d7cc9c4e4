/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Naming a growth site: the frames of a user stack, innermost first, from
 * the first that is the application's (past the C library, allocators,
 * C++'s operator new, Go's runtime: symbols__is_plumbing), with their
 * source lines.  A bounded cache keeps the last SITE_NAMER_CACHE named
 * (process, stack, caller): a site is symbolised once, not every interval.
 */
#ifndef LS_SITES_H
#define LS_SITES_H
#include <stdint.h>
#include "leakscope.h"

#define SITE_NAMER_CACHE	256

struct site_frames {
	uint32_t tgid;
	uint32_t stack_id;
	uint64_t caller;
	uint32_t nframes;
	uint32_t _pad;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN];	/* "name+0x1c (file)": untrusted text */
	struct ls_site_source sources[LS_SITE_FRAMES];
};

struct site_namer;

struct site_namer *site_namer__new(void);
void site_namer__free(struct site_namer *sn);	/* accepts NULL */
/* Forget process tgid's sites and mappings (it exited: its pid may be
 * another process's next). */
void site_namer__forget(struct site_namer *sn, uint32_t tgid);
/* The site already named, or NULL. */
const struct site_frames *site_namer__find(struct site_namer *sn, uint32_t tgid,
					   uint32_t stack_id, uint64_t caller);
/* Name the stack ips (innermost first, n at most, ends at the first 0) of
 * process tgid; caller: the return address the frame walk could not see
 * (the word at the stack pointer at entry), 0 if none, tried after the
 * innermost frame.  NULL when no frame resolves. */
const struct site_frames *site_namer__name(struct site_namer *sn, uint32_t tgid,
					   uint32_t stack_id, uint64_t caller,
					   const uint64_t *ips, unsigned n);
#endif
