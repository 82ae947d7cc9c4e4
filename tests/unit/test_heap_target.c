// SPDX-License-Identifier: GPL-2.0
/* --heap's targets (user/heap_target.c) on the test's own process: its C
 * library defines malloc and free, the functions found are where the
 * dynamic linker says (libc, or ASan's runtime), it is no Go program; files that are not ELF, or
 * are missing, are nothing. */
#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>
#include "harness.h"
#include "heap_target.h"

TEST(own_libc_has_malloc_and_free)
{
	struct heap_target t;
	char why[LS_HEAP_WHY_LEN] = "";
	Dl_info di;
	struct link_map *lm;
	char real[PATH_MAX];

	ASSERT_EQ(heap_target__find(getpid(), &t, why, sizeof(why)), 0);
	ASSERT_TRUE(strstr(t.path, "/root/"));
	/* the file the dynamic linker bound malloc to: libc, or ASan's
	 * runtime (libasan.so, its interceptors) */
	ASSERT_TRUE(dladdr1((void *)malloc, &di, (void **)&lm, RTLD_DL_LINKMAP));
	ASSERT_TRUE(realpath(di.dli_fname, real));
	ASSERT_STREQ(strrchr(t.name, '/'), strrchr(real, '/'));
	ASSERT_NE(t.addr[HEAP_MALLOC], 0);
	ASSERT_NE(t.addr[HEAP_FREE], 0);
	ASSERT_NE(t.addr[HEAP_CALLOC], 0);
	ASSERT_NE(t.addr[HEAP_REALLOC], 0);
	ASSERT_NE(t.addr[HEAP_POSIX_MEMALIGN], 0);
	/* the symbol's value is malloc's address less the file's base */
	ASSERT_EQ(t.addr[HEAP_MALLOC], (uint64_t)((uintptr_t)di.dli_saddr - lm->l_addr));
}

TEST(not_go_and_not_elf)
{
	uint64_t addr[HEAP_FUNCS];
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", getpid());
	ASSERT_FALSE(heap_target__is_go(path));
	ASSERT_FALSE(heap_target__is_go("/proc/self/status"));
	ASSERT_FALSE(heap_target__funcs("/proc/self/status", addr));
	ASSERT_FALSE(heap_target__funcs("/nonexistent/file", addr));
	ASSERT_EQ(addr[HEAP_MALLOC], 0);
}

/* the Go workload, when Go built it */
TEST(go_workload_is_go)
{
	const char *out = getenv("OUT") ? getenv("OUT") : "build";
	char path[256];

	snprintf(path, sizeof(path), "%s/workloads/mem_go_leak", out);
	if (access(path, R_OK))
		return;
	ASSERT_TRUE(heap_target__is_go(path));
}

TEST(gone_process_says_why)
{
	struct heap_target t;
	char why[LS_HEAP_WHY_LEN] = "";

	ASSERT_EQ(heap_target__find(0x3ffffff, &t, why, sizeof(why)), -1);
	ASSERT_CONTAINS(why, "cannot be read");
}

int main(void)
{
	return RUN_TESTS();
}
