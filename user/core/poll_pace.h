/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How soon the reader reads BPF's rings again.  BPF wakes the reader only
 * when a ring crosses a quarter full, and that wakeup is paid by the traced
 * CPU: an irq_work self-interrupt, then a reschedule interrupt to the
 * reader's CPU (about 15 us on this project's VM, by bench/run.sh's
 * "wakeups" line).  So while records flow, the reader comes back on its own
 * before any ring gets there, on a timer of its own CPU.
 */
#ifndef LS_POLL_PACE_H
#define LS_POLL_PACE_H
#include <stdint.h>
#include "leakscope.h"

/* Records the reader lets build up between polls at the last poll's rate:
 * half of the conn ring's wake mark (a quarter of its slots) in records of
 * two slots, the tightest of the rings.  The rate is over all CPUs and all
 * rings, so no one ring gets more. */
#define LS_PACE_RECORDS	(LS_CONN_RING_SLOTS / 4 / 2 / 2)

struct poll_pace {
	uint64_t last_ns;	/* when the last poll returned (0: none yet) */
};

/* A poll that returned at now_ns drained `records`: the timeout (ms) for
 * the next one, from 1 (a burst) to max_ms (nothing flowing). */
int poll_pace__next_timeout_ms(struct poll_pace *p, uint64_t now_ns, uint64_t records,
			       int max_ms);

#endif
