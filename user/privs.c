// SPDX-License-Identifier: GPL-2.0
/* Capabilities by capget/capset (no libcap): see privs.h, caps.h. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "caps.h"
#include "options.h"
#include "privs.h"

static unsigned kernel_version(void)
{
	struct utsname un;

	return uname(&un) ? 0 : caps__kernel_version(un.release);
}

static int get_caps(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*perm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	return 0;
}

uint64_t privs__effective(void)
{
	uint64_t eff = 0, perm;

	return get_caps(&eff, &perm) ? 0 : eff;
}

int privs__check(void)
{
	unsigned kver = kernel_version();
	struct rlimit rl;
	uint64_t missing;
	char miss[256], all[256];
	int unlimited = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY;

	missing = caps__missing(privs__effective(), kver, unlimited);
	if (!missing)
		return 0;
	caps__names(missing, miss, sizeof(miss));
	caps__names(caps__required(kver, unlimited) | missing, all, sizeof(all));
	ls_error("leakscope lacks %s: run it as root, or with the capabilities %s%s", miss, all,
		 missing & LS_CAP(LS_CAP_SYS_RESOURCE) ?
		 " (CAP_SYS_RESOURCE: kernels before 5.11 count BPF maps against RLIMIT_MEMLOCK; "
		 "or ulimit -l unlimited)" : "");
	return -1;
}

int privs__drop_all_in_thread(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

int privs__drop_after_attach(bool bench_toggle, bool rename_pending)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t eff, perm, keep;
	int err = get_caps(&eff, &perm);

	if (err)
		return err;
	keep = caps__keep(eff, kernel_version(), bench_toggle, rename_pending);
	/* the ambient set must go first: it cannot hold what permitted lacks */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}
