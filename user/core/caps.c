// SPDX-License-Identifier: GPL-2.0
/* Capability policy (see caps.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "caps.h"

#define KV(major, minor) ((major) * 1000U + (minor))

unsigned caps__kernel_version(const char *release)
{
	unsigned major = 0, minor = 0;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 || minor >= 1000)
		return 0;
	return KV(major, minor);
}

/* Unknown versions (0) are taken as old: asking too much is an error
 * message, keeping too little a broken run. */
static int older_than(unsigned kver, unsigned major, unsigned minor)
{
	return kver < KV(major, minor);
}

uint64_t caps__required(unsigned kver, int memlock_unlimited)
{
	uint64_t caps = LS_CAP(LS_CAP_BPF) | LS_CAP(LS_CAP_PERFMON) |
			LS_CAP(LS_CAP_DAC_READ_SEARCH) | LS_CAP(LS_CAP_SYS_PTRACE);

	if (older_than(kver, 5, 11) && !memlock_unlimited)
		caps |= LS_CAP(LS_CAP_SYS_RESOURCE);
	return caps;
}

uint64_t caps__missing(uint64_t eff, unsigned kver, int memlock_unlimited)
{
	uint64_t missing = 0;
	int admin = (eff & LS_CAP(LS_CAP_SYS_ADMIN)) != 0;

	if (!(eff & LS_CAP(LS_CAP_BPF)) && !admin)
		missing |= LS_CAP(LS_CAP_BPF);
	if (!(eff & LS_CAP(LS_CAP_PERFMON)) && !admin)
		missing |= LS_CAP(LS_CAP_PERFMON);
	if (!(eff & (LS_CAP(LS_CAP_DAC_READ_SEARCH) | LS_CAP(LS_CAP_DAC_OVERRIDE))))
		missing |= LS_CAP(LS_CAP_DAC_READ_SEARCH);
	if (!(eff & LS_CAP(LS_CAP_SYS_PTRACE)))
		missing |= LS_CAP(LS_CAP_SYS_PTRACE);
	if (older_than(kver, 5, 11) && !memlock_unlimited && !(eff & LS_CAP(LS_CAP_SYS_RESOURCE)))
		missing |= LS_CAP(LS_CAP_SYS_RESOURCE);
	return missing;
}

uint64_t caps__keep(uint64_t eff, unsigned kver, int bench_toggle, int rename_pending)
{
	uint64_t keep = LS_CAP(LS_CAP_DAC_READ_SEARCH) | LS_CAP(LS_CAP_SYS_PTRACE) |
			LS_CAP(LS_CAP_CHECKPOINT_RESTORE);

	/* with unprivileged BPF off (kernel.unprivileged_bpf_disabled, on by
	 * default), bpf() asks for CAP_BPF (CAP_SYS_ADMIN before 5.8) even
	 * to read a map by its fd: without it, measured on 6.18, every
	 * ledger read fails and memory reads "stable" */
	keep |= LS_CAP(LS_CAP_BPF) | (older_than(kver, 5, 8) ? LS_CAP(LS_CAP_SYS_ADMIN) : 0);
	if (bench_toggle)
		keep |= LS_CAP(LS_CAP_PERFMON) | (older_than(kver, 5, 8) ? LS_CAP(LS_CAP_SYS_ADMIN) : 0);
	/* with CAP_DAC_OVERRIDE alone (no CAP_DAC_READ_SEARCH), keep it */
	if (!(eff & LS_CAP(LS_CAP_DAC_READ_SEARCH)))
		keep |= LS_CAP(LS_CAP_DAC_OVERRIDE);
	if (rename_pending)
		keep |= LS_CAP(LS_CAP_DAC_OVERRIDE) | LS_CAP(LS_CAP_FOWNER);
	return eff & keep;
}

void caps__names(uint64_t mask, char *buf, size_t len)
{
	static const struct { int cap; const char *name; } names[] = {
		{ LS_CAP_BPF, "CAP_BPF" },
		{ LS_CAP_PERFMON, "CAP_PERFMON" },
		{ LS_CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
		{ LS_CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
		{ LS_CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE" },
		{ LS_CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
		{ LS_CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
		{ LS_CAP_FOWNER, "CAP_FOWNER" },
		{ LS_CAP_CHECKPOINT_RESTORE, "CAP_CHECKPOINT_RESTORE" },
	};
	size_t o = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(mask & LS_CAP(names[i].cap)))
			continue;
		mask &= ~LS_CAP(names[i].cap);
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? ", " : "",
				      names[i].name);
	}
	for (int c = 0; c < 64; c++)
		if (mask & LS_CAP(c))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%scap %d",
					      o ? ", " : "", c);
}
