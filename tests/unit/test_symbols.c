// SPDX-License-Identifier: GPL-2.0
/* The symbolizer on this very process: its own static function, libc's
 * malloc (checked against the dynamic linker's dladdr), an anonymous
 * mapping, a pid that does not exist, and the file cache's bound. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "symbols.h"

__attribute__((noinline)) static int some_static_func(int x)
{
	return x * 3 + 1;
}

TEST(symbols_own_static_function)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256];

	ASSERT_TRUE(s);
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func + 4, buf, sizeof(buf));
	symbolizer__free(s);
	if (strcmp(buf, "some_static_func+0x4 (test_symbols)"))
		LS_FAIL("expected some_static_func+0x4 (test_symbols), got %s", buf);
}

TEST(symbols_libc_malloc_matches_dladdr)
{
	struct symbolizer *s = symbolizer__new();
	/* libc's own malloc, not a sanitizer's interceptor of it */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	void *fn = libc ? dlsym(libc, "malloc") : NULL;
	char *ip = (char *)fn + 8;
	char buf[256], name[128], lib[128];
	unsigned long long off;
	Dl_info info;
	void *addr;

	ASSERT_TRUE(s && fn);
	ASSERT_TRUE(dladdr(ip, &info) && info.dli_sname);
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)ip, buf, sizeof(buf));
	symbolizer__free(s);
	if (sscanf(buf, "%127[^+]+0x%llx (%127[^)])", name, &off, lib) != 3)
		LS_FAIL("not sym+off (lib): %s", buf);
	if (strcmp(lib, "libc.so.6") || strncmp(name, "malloc", 6))
		LS_FAIL("expected malloc+... (libc.so.6), got %s (dladdr: %s)", buf, info.dli_sname);
	/* the same function as the dynamic linker sees, at the same offset */
	addr = dlsym(libc, name);
	dlclose(libc);
	ASSERT_TRUE(addr == info.dli_saddr);
	ASSERT_EQ(off, (char *)ip - (char *)info.dli_saddr);
}

TEST(symbols_anonymous_mapping)
{
	struct symbolizer *s = symbolizer__new();
	size_t len = 4 * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[256];

	ASSERT_TRUE(s && p != MAP_FAILED);
	/* the mapping is newer than the cached maps: it must read them again */
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, sizeof(buf));
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)(p + 5000), buf, sizeof(buf));
	munmap(p, len);
	symbolizer__free(s);
	if (strcmp(buf, "[anon]"))
		LS_FAIL("expected [anon], got %s", buf);
}

TEST(symbols_bogus_pid_gives_address)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256];

	ASSERT_TRUE(s);
	/* pid_max is at most 4194304 */
	symbolizer__resolve(s, 0x7ffffff0, 0x401000, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "0x401000"));
	symbolizer__resolve(NULL, getpid(), 0x1234, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "0x1234"));
	/* tiny buffers are truncated, never overrun */
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, 5);
	ASSERT_EQ(strlen(buf), 4);
	symbolizer__free(s);
}

TEST(symbols_forget_then_resolve_again)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256];

	ASSERT_TRUE(s);
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, sizeof(buf));
	symbolizer__forget(s, getpid());
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, sizeof(buf));
	symbolizer__free(s);
	ASSERT_TRUE(!strcmp(buf, "some_static_func+0x0 (test_symbols)"));
}

/* 40 distinct files (copies of this binary) mapped: more than the cache
 * holds, so the least recently used go and every one still resolves. */
TEST(symbols_cache_evicts_beyond_cap)
{
	struct symbolizer *s = symbolizer__new();
	enum { NFILES = 40 };
	char *maps[NFILES] = { 0 }, buf[256];
	size_t size[NFILES] = { 0 };
	unsigned max_cached = 0, resolved = 0;
	char dir[] = "/tmp/ls_symtest.XXXXXX";
	char tmpl[64];
	int fails = 0;

	ASSERT_TRUE(s && mkdtemp(dir));
	for (int i = 0; i < NFILES; i++) {
		int in = open("/proc/self/exe", O_RDONLY), out;
		char chunk[65536];
		ssize_t n;

		snprintf(tmpl, sizeof(tmpl), "%s/copy%d", dir, i);
		out = open(tmpl, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof(chunk))) > 0)
			size[i] += write(out, chunk, n) == n ? (size_t)n : 0;
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		out = open(tmpl, O_RDONLY);
		maps[i] = out >= 0 ? mmap(NULL, size[i], PROT_READ, MAP_PRIVATE, out, 0) : MAP_FAILED;
		if (out >= 0)
			close(out);
		unlink(tmpl);
		fails += maps[i] == MAP_FAILED;
	}
	rmdir(dir);
	for (int round = 0; round < 25 && !fails; round++)
		for (int i = 0; i < NFILES; i++) {
			unsigned c;

			symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)maps[i] + 64, buf, sizeof(buf));
			snprintf(tmpl, sizeof(tmpl), " (copy%d)", i);
			resolved += strlen(buf) > strlen(tmpl) &&
				    !strcmp(buf + strlen(buf) - strlen(tmpl), tmpl);
			c = symbolizer__cached_files(s);
			if (c > max_cached)
				max_cached = c;
		}
	for (int i = 0; i < NFILES; i++)
		if (maps[i] && maps[i] != MAP_FAILED)
			munmap(maps[i], size[i]);
	symbolizer__free(s);
	ASSERT_EQ(fails, 0);
	ASSERT_EQ(resolved, 25 * NFILES);
	ASSERT_EQ(max_cached, 32);
}

/* Every file-backed mapping of this process, 1000 times round: more files
 * than the cache holds if the system has them, never more cached than cap. */
TEST(symbols_cache_stays_bounded)
{
	struct symbolizer *s = symbolizer__new();
	uint64_t starts[512];
	unsigned n = 0, max_cached = 0;
	char line[512], buf[256];
	FILE *f = fopen("/proc/self/maps", "r");

	ASSERT_TRUE(s && f);
	while (fgets(line, sizeof(line), f) && n < 512) {
		unsigned long long a;

		if (strchr(line, '/') && sscanf(line, "%llx-", &a) == 1)
			starts[n++] = a;
	}
	fclose(f);
	ASSERT_GE(n, 2);
	for (unsigned i = 0; i < 1000; i++) {
		unsigned c;

		symbolizer__resolve(s, getpid(), starts[i % n] + (i % 7) * 16, buf, sizeof(buf));
		c = symbolizer__cached_files(s);
		if (c > max_cached)
			max_cached = c;
	}
	symbolizer__free(s);
	ASSERT_GE(max_cached, 2);
	ASSERT_LE(max_cached, 32);
}

int main(void)
{
	return RUN_TESTS();
}
