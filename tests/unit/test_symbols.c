// SPDX-License-Identifier: GPL-2.0
/* The symbolizer on this very process: its own static function, libc's
 * malloc (checked against the dynamic linker's dladdr), an anonymous
 * mapping, a pid that does not exist, and the file cache's bound; source
 * lines from this file's DWARF, from a separate debug file found through
 * .gnu_debuglink, and names from MiniDebugInfo; which frames are
 * plumbing; C++ and Rust demangling. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "symbols.h"

#define LS_TEST_SYM_LEN 96	/* LS_SYM_LEN: a frame in a growth site */

__attribute__((noinline)) static int some_static_func(int x)
{
	return x * 3 + 1;
}

TEST(symbols_own_static_function)
{
	struct symbolizer *s = symbolizer__new();
	char buf[256], want[256];

	ASSERT_TRUE(s);
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func + 4, buf, sizeof(buf));
	symbolizer__free(s);
	/* the module is this binary: test_symbols, or test_symbols_static */
	snprintf(want, sizeof(want), "some_static_func+0x4 (%s)", program_invocation_short_name);
	if (strcmp(buf, want))
		LS_FAIL("expected %s, got %s", want, buf);
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
	char buf[256], want[256];

	ASSERT_TRUE(s);
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, sizeof(buf));
	symbolizer__forget(s, getpid());
	symbolizer__resolve(s, getpid(), (uint64_t)(uintptr_t)some_static_func, buf, sizeof(buf));
	symbolizer__free(s);
	snprintf(want, sizeof(want), "some_static_func+0x0 (%s)", program_invocation_short_name);
	ASSERT_STREQ(buf, want);
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

/* ---- which frames are how memory is asked for */

TEST(symbols_plumbing_rules)
{
	static const struct { const char *name, *module; bool plumbing; } cases[] = {
		/* the C library and dynamic linker, by file */
		{ "__mmap", "libc.so.6", true },
		{ "", "libc.so.6", true },
		{ "_dl_map_object", "ld-linux-x86-64.so.2", true },
		/* allocators, by file and by name when linked in */
		{ "", "libjemalloc.so.2", true },
		{ "je_malloc", "redis-server", true },
		{ "je_extent_alloc_mmap", "redis-server", true },
		{ "tc_malloc", "app", true },
		{ "tcmalloc::PageHeap::GrowHeap()", "app", true },
		{ "", "libtcmalloc_minimal.so.4", true },
		{ "malloc", "app", true },
		{ "mmap64", "app", true },
		/* C++ */
		{ "operator new(unsigned long)", "libstdc++.so.6", true },
		{ "operator new[](unsigned long)", "app", true },
		{ "std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)", "app", true },
		{ "__gnu_cxx::new_allocator<char>::allocate(unsigned long, void const*)", "app", true },
		/* Rust's alloc:: */
		{ "alloc::raw_vec::RawVec<T,A>::grow_one", "app", true },
		{ "<alloc::vec::Vec<T> as core::clone::Clone>::clone", "app", true },
		{ "__rust_alloc", "app", true },
		/* Go's runtime, old and new names, and cgo glue */
		{ "runtime.sysMmap.abi0", "gowork", true },
		{ "runtime.(*mheap).grow", "gowork", true },
		{ "runtime.mapassign_faststr", "gowork", true },
		{ "internal/runtime/maps.(*Map).PutSlot", "gowork", true },
		{ "runtime/internal/syscall.Syscall6", "gowork", true },
		{ "_cgo_0b49d6ed4a0b_Cfunc_malloc", "gowork", true },
		{ "x_cgo_mmap", "gowork", true },
		{ "crosscall2", "gowork", true },
		{ "main._Cfunc_malloc", "gowork", true },
		/* the application */
		{ "main.main", "gowork", false },
		{ "main.grow", "gowork", false },
		{ "github.com/x/runtimeish.Alloc", "gowork", false },
		{ "main", "mem_leak", false },
		{ "mallocate_things", "app", false },
		{ "Cache::insert(std::string const&)", "app", false },
		{ "zmalloc", "redis-server", false },
		{ "", "app", false },
		{ "", "", false },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (symbols__is_plumbing(cases[i].name, cases[i].module) != cases[i].plumbing) {
			printf("#   %s (%s): expected %s\n", cases[i].name, cases[i].module,
			       cases[i].plumbing ? "plumbing" : "the application");
			bad++;
		}
	ASSERT_EQ(bad, 0);
	ASSERT_FALSE(symbols__is_plumbing(NULL, NULL));
}

TEST(symbols_demangle)
{
	static const struct { const char *in, *out; bool done; } cases[] = {
		{ "_ZN3foo3barEi", "foo::bar(int)", true },
		{ "_Znwm", "operator new(unsigned long)", true },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)", true },
		/* Rust legacy: the hash goes, the escapes come back */
		{ "_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE",
		  "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>", true },
		{ "_ZN5alloc7raw_vec11finish_grow17h1a2b3c4d5e6f7a8bE", "alloc::raw_vec::finish_grow", true },
		/* not mangled, or not valid: as it is */
		{ "main.main", "main.main", false },
		{ "some_static_func", "some_static_func", false },
		{ "_Z", "_Z", false },
		{ "_ZN3foo", "_ZN3foo", false },
		{ "_ZZZZZZZZ\xff\x1b[31m", "_ZZZZZZZZ\xff\x1b[31m", false },
	};
	char out[256];
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool done = symbols__demangle(cases[i].in, out, sizeof(out));

		if (done != cases[i].done || strcmp(out, cases[i].out)) {
			printf("#   %s: expected %s (%d), got %s (%d)\n", cases[i].in, cases[i].out,
			       cases[i].done, out, done);
			bad++;
		}
	}
	ASSERT_EQ(bad, 0);
	/* a small buffer: cut, terminated */
	symbols__demangle("_ZN3foo3barEi", out, 5);
	ASSERT_STREQ(out, "foo:");
}

TEST(symbols_format_keeps_the_module)
{
	struct sym_frame f = { .off = 0x1c, .in_file = true };
	char buf[LS_TEST_SYM_LEN];

	snprintf(f.name, sizeof(f.name), "ns::Cache<std::string>::insert(std::string const&, "
		 "std::vector<unsigned char, std::allocator<unsigned char> > const&) const");
	snprintf(f.module, sizeof(f.module), "libapp.so.1");
	/* too long with its parameters: without them */
	sym_frame__format(&f, buf, sizeof(buf));
	ASSERT_STREQ(buf, "ns::Cache<std::string>::insert+0x1c (libapp.so.1)");
	/* still too long: cut, "..." then the offset and module */
	sym_frame__format(&f, buf, 40);
	ASSERT_STREQ(buf, "ns::Cache<std::st...+0x1c (libapp.so.1)");
	ASSERT_LE(strlen(buf), 39);
	/* fits: as it is */
	snprintf(f.name, sizeof(f.name), "foo::bar(int)");
	sym_frame__format(&f, buf, sizeof(buf));
	ASSERT_STREQ(buf, "foo::bar(int)+0x1c (libapp.so.1)");
	f.name[0] = 0;
	sym_frame__format(&f, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0x1c (libapp.so.1)");
	f.in_file = false;
	snprintf(f.module, sizeof(f.module), "[vdso]");
	sym_frame__format(&f, buf, sizeof(buf));
	ASSERT_STREQ(buf, "[vdso]");
}

/* ---- source lines */

__attribute__((noinline)) static uint64_t return_address(void)
{
	uint64_t ra = (uint64_t)(uintptr_t)__builtin_return_address(0);

	__asm__ volatile("" ::: "memory");
	return ra;
}

static const char *base_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

TEST(symbols_source_line_from_dwarf)
{
	struct symbolizer *s = symbolizer__new();
	struct sym_frame f;
	int line = __LINE__ + 1;
	uint64_t ra = return_address();

	ASSERT_TRUE(s);
	symbolizer__frame(s, getpid(), ra, true, &f);
	symbolizer__free(s);
	ASSERT_STREQ(f.name, "test_symbols_source_line_from_dwarf");
	ASSERT_STREQ(base_of(f.file), "test_symbols.c");
	ASSERT_EQ(f.line, line);
	ASSERT_EQ(f.file[0], '/');	/* the whole path, with the build's directory */
}

/* The file offset of ip in this process's mappings, or -1 */
static long long file_offset_of(uint64_t ip)
{
	char line[512];
	long long off = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a, b, o;

		if (sscanf(line, "%llx-%llx %*s %llx", &a, &b, &o) == 3 && ip >= a && ip < b) {
			off = (long long)(ip - a + o);
			break;
		}
	}
	if (f)
		fclose(f);
	return off;
}

/* path mapped (read-only) where ip's file offset sits: the address there */
static uint64_t map_like(const char *path, uint64_t ip, void **map)
{
	long long off = file_offset_of(ip);
	int fd = open(path, O_RDONLY);
	char *p;

	*map = MAP_FAILED;
	if (fd < 0 || off < 0)
		return 0;
	p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, off & ~4095LL);
	close(fd);
	if (p == MAP_FAILED)
		return 0;
	*map = p;
	return (uint64_t)(uintptr_t)p + (off & 4095);
}

static int sh(const char *fmt, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, dir);
	return system(cmd);
}

/* A stripped copy of this binary whose .gnu_debuglink names its debug file
 * beside it: the name and line come from there. */
TEST(symbols_source_line_through_debuglink)
{
	struct symbolizer *s = symbolizer__new();
	char dir[] = "/tmp/ls_dbglink.XXXXXX", path[128], cmd[1024];
	struct sym_frame f;
	int line = __LINE__ + 1;
	uint64_t ra = return_address(), at;
	void *map;
	int rc;

	ASSERT_TRUE(s && mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && cp /proc/%d/exe prog && objcopy --only-keep-debug prog prog.debug && "
		 "objcopy --strip-all --add-gnu-debuglink=prog.debug prog prog.stripped",
		 dir, getpid());
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/prog.stripped", dir);
	at = rc ? 0 : map_like(path, ra, &map);
	if (at)
		symbolizer__frame(s, getpid(), at, true, &f);
	symbolizer__free(s);
	if (at)
		munmap(map, 8192);
	sh("rm -rf %s", dir);
	ASSERT_EQ(rc, 0);
	ASSERT_TRUE(at);
	ASSERT_STREQ(f.module, "prog.stripped");
	ASSERT_STREQ(f.name, "test_symbols_source_line_through_debuglink");
	ASSERT_STREQ(base_of(f.file), "test_symbols.c");
	ASSERT_EQ(f.line, line);
}

/* A stripped copy with MiniDebugInfo (.gnu_debugdata: an xz'd ELF of just
 * the function symbols, as Fedora ships): names, no lines. */
TEST(symbols_names_from_minidebuginfo)
{
	struct symbolizer *s = symbolizer__new();
	char dir[] = "/tmp/ls_minidbg.XXXXXX", path[128], cmd[1024];
	struct sym_frame f;
	uint64_t ra = return_address(), at;
	void *map;
	int rc;

	ASSERT_TRUE(s && mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && cp /proc/%d/exe prog && "
		 "nm prog --format=posix --defined-only | awk '$2 ~ /[Tt]/ {print $1}' > funcs && "
		 "objcopy --only-keep-debug prog debug && "
		 "objcopy -S --remove-section .gdb_index --remove-section .comment "
		 "--keep-symbols=funcs debug mini && xz mini && "
		 "objcopy --strip-all --add-section .gnu_debugdata=mini.xz prog prog.mini",
		 dir, getpid());
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/prog.mini", dir);
	at = rc ? 0 : map_like(path, ra, &map);
	if (at)
		symbolizer__frame(s, getpid(), at, true, &f);
	symbolizer__free(s);
	if (at)
		munmap(map, 8192);
	sh("rm -rf %s", dir);
	ASSERT_EQ(rc, 0);
	ASSERT_TRUE(at);
	ASSERT_STREQ(f.module, "prog.mini");
	ASSERT_STREQ(f.name, "test_symbols_names_from_minidebuginfo");
	ASSERT_EQ(f.line, 0);
}

int main(void)
{
	return RUN_TESTS();
}
