// SPDX-License-Identifier: GPL-2.0
/* Which capabilities leakscope asks for, names, and keeps once attached. */
#include "harness.h"
#include "caps.h"

#define C(n) LS_CAP(LS_CAP_##n)
#define NEEDED (C(BPF) | C(PERFMON) | C(DAC_READ_SEARCH) | C(SYS_PTRACE))
#define ROOT 0x000001ffffffffffULL	/* every capability of 6.18 */
#define K618 6018

static const char *names(uint64_t mask)
{
	static char buf[256];

	caps__names(mask, buf, sizeof(buf));
	return buf;
}

TEST(kernel_versions)
{
	ASSERT_EQ(caps__kernel_version("6.18.44-fc-v1045"), 6018);
	ASSERT_EQ(caps__kernel_version("5.4.0-150-generic"), 5004);
	ASSERT_EQ(caps__kernel_version("4.19"), 4019);
	ASSERT_EQ(caps__kernel_version("garbage"), 0);
	ASSERT_EQ(caps__kernel_version(NULL), 0);
}

TEST(root_and_the_four_need_nothing_more)
{
	ASSERT_EQ(caps__missing(ROOT, K618, 0), 0);
	ASSERT_EQ(caps__missing(NEEDED, K618, 0), 0);
	/* CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON, CAP_DAC_OVERRIDE
	 * for CAP_DAC_READ_SEARCH */
	ASSERT_EQ(caps__missing(C(SYS_ADMIN) | C(DAC_OVERRIDE) | C(SYS_PTRACE), K618, 0), 0);
}

TEST(each_missing_one_is_named)
{
	static const struct { uint64_t cap; const char *name; } each[] = {
		{ C(BPF), "CAP_BPF" }, { C(PERFMON), "CAP_PERFMON" },
		{ C(DAC_READ_SEARCH), "CAP_DAC_READ_SEARCH" }, { C(SYS_PTRACE), "CAP_SYS_PTRACE" },
	};

	for (unsigned i = 0; i < 4; i++) {
		uint64_t m = caps__missing(NEEDED & ~each[i].cap, K618, 0);

		ASSERT_EQ(m, each[i].cap);
		ASSERT_STREQ(names(m), each[i].name);
	}
	ASSERT_STREQ(names(caps__missing(0, K618, 0)),
		     "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE");
	ASSERT_STREQ(names(LS_CAP(45) | C(BPF)), "CAP_BPF, cap 45");
}

TEST(memlock_matters_before_5_11_only)
{
	ASSERT_EQ(caps__missing(NEEDED, 5010, 0), C(SYS_RESOURCE));
	ASSERT_EQ(caps__missing(NEEDED, 5010, 1), 0);	/* ulimit -l unlimited */
	ASSERT_EQ(caps__missing(NEEDED | C(SYS_RESOURCE), 5010, 0), 0);
	ASSERT_EQ(caps__missing(NEEDED, 5011, 0), 0);
	/* an unknown version is taken as old */
	ASSERT_EQ(caps__missing(NEEDED, 0, 0), C(SYS_RESOURCE));
}

/* The error lists every capability a run needs: on 5.10 without CAP_BPF
 * it must still say CAP_SYS_RESOURCE, which the user holds but needs. */
TEST(required_list_names_sys_resource_before_5_11)
{
	ASSERT_STREQ(names(caps__required(5010, 0)),
		     "CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_SYS_RESOURCE");
	ASSERT_EQ(caps__required(5010, 1), NEEDED);
	ASSERT_EQ(caps__required(K618, 0), NEEDED);
}

TEST(kept_after_attach)
{
	/* root keeps what reads /proc and the maps, and map_files */
	ASSERT_STREQ(names(caps__keep(ROOT, K618, 0, 0)),
		     "CAP_BPF, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_CHECKPOINT_RESTORE");
	ASSERT_EQ(caps__keep(NEEDED, K618, 0, 0), C(BPF) | C(DAC_READ_SEARCH) | C(SYS_PTRACE));
	/* never more than it has */
	ASSERT_EQ(caps__keep(C(SYS_PTRACE), K618, 1, 1), C(SYS_PTRACE));
	/* --bench-toggle attaches again */
	ASSERT_EQ(caps__keep(NEEDED, K618, 1, 0), NEEDED);
	/* record --force renames its file later: until then */
	ASSERT_EQ(caps__keep(ROOT, K618, 0, 1) & (C(DAC_OVERRIDE) | C(FOWNER)),
		  C(DAC_OVERRIDE) | C(FOWNER));
	/* CAP_DAC_OVERRIDE in the place of CAP_DAC_READ_SEARCH stays */
	ASSERT_EQ(caps__keep(C(BPF) | C(PERFMON) | C(DAC_OVERRIDE) | C(SYS_PTRACE), K618, 0, 0),
		  C(BPF) | C(DAC_OVERRIDE) | C(SYS_PTRACE));
	/* before 5.8 CAP_SYS_ADMIN is what bpf() asks for */
	ASSERT_TRUE(caps__keep(ROOT, 5004, 0, 0) & C(SYS_ADMIN));
	ASSERT_FALSE(caps__keep(ROOT, K618, 0, 0) & (C(SYS_ADMIN) | C(PERFMON)));
}

int main(void)
{
	return RUN_TESTS();
}
