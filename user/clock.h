/* SPDX-License-Identifier: GPL-2.0 */
/* The clock every record's ts_ns is on: CLOCK_BOOTTIME, as BPF's
 * bpf_ktime_get_boot_ns(). */
#ifndef LS_CLOCK_H
#define LS_CLOCK_H
#include <stdint.h>
#include <time.h>

static inline uint64_t ls_now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
