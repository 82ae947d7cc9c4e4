// SPDX-License-Identifier: GPL-2.0
#include "poll_pace.h"

int poll_pace__next_timeout_ms(struct poll_pace *p, uint64_t now_ns, uint64_t records,
			       int max_ms)
{
	uint64_t since = p->last_ns && now_ns > p->last_ns ? now_ns - p->last_ns : 0;
	double ms;

	p->last_ns = now_ns;
	if (max_ms < 1)
		max_ms = 1;
	if (!records)
		return max_ms;
	if (!since)
		return 1;	/* many records at once: a burst */
	/* at the rate records / since, LS_PACE_RECORDS come in this long */
	ms = (double)since / 1e6 * LS_PACE_RECORDS / (double)records;
	if (ms < 1)
		return 1;
	return ms > max_ms ? max_ms : (int)ms;
}
