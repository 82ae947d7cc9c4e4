// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/smaps summed by region class (user/regions.c): a fixed smaps
 * text as the kernel writes it, with the names a process can choose
 * (spaces, a newline the kernel writes as "\012", " (deleted)"), every
 * class, hugetlb fields, glibc's thread stacks under their guard page;
 * the classifier on its own; the streaming reader on this process's own
 * smaps against its smaps_rollup.  The parser is fuzzed too
 * (tests/fuzz/fuzz_readers.c). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "regions.h"

static char text[1 << 16];
static size_t tlen;

/* one mapping: header, then the fields smaps writes (kB) */
static void map(const char *range, const char *perms, const char *dev_ino, const char *name,
		unsigned rss, unsigned priv, unsigned lazy, unsigned swap, unsigned page_kb,
		unsigned huge_private)
{
	tlen += snprintf(text + tlen, sizeof(text) - tlen,
			 "%s %s 00000000 %s%s%s\n"
			 "Size:               %u kB\n"
			 "KernelPageSize:     %u kB\n"
			 "MMUPageSize:        %u kB\n"
			 "Rss:                %u kB\n"
			 "Pss:                %u kB\n"
			 "Pss_Dirty:          %u kB\n"
			 "Shared_Clean:       %u kB\n"
			 "Shared_Dirty:       0 kB\n"
			 "Private_Clean:      0 kB\n"
			 "Private_Dirty:      %u kB\n"
			 "Referenced:         %u kB\n"
			 "Anonymous:          %u kB\n"
			 "KSM:                0 kB\n"
			 "LazyFree:           %u kB\n"
			 "AnonHugePages:      0 kB\n"
			 "ShmemPmdMapped:     0 kB\n"
			 "FilePmdMapped:      0 kB\n"
			 "Shared_Hugetlb:     0 kB\n"
			 "Private_Hugetlb:    %u kB\n"
			 "Swap:               %u kB\n"
			 "SwapPss:            %u kB\n"
			 "Locked:             0 kB\n"
			 "THPeligible:        0\n"
			 "ProtectionKey:      0\n"
			 "VmFlags: rd wr mr mw me ac sd \n",
			 range, perms, dev_ino, *name ? "                 " : " ", name,
			 rss + 4, page_kb, page_kb, rss, priv, priv, rss - priv, priv, rss, priv,
			 lazy, huge_private, swap, swap);
}

#define KB 1024ULL

static void fixed_smaps(void)
{
	tlen = 0;
	/* the binary: four segments of one file, one executable */
	map("55d0a0000000-55d0a0001000", "r--p", "fe:00 1311", "/usr/bin/my app", 4, 0, 0, 0, 4, 0);
	map("55d0a0001000-55d0a0005000", "r-xp", "fe:00 1311", "/usr/bin/my app", 16, 0, 0, 0, 4, 0);
	map("55d0a0005000-55d0a0006000", "r--p", "fe:00 1311", "/usr/bin/my app", 4, 4, 0, 0, 4, 0);
	map("55d0a0006000-55d0a0007000", "rw-p", "fe:00 1311", "/usr/bin/my app", 4, 4, 0, 0, 4, 0);
	map("55d0a1000000-55d0a5000000", "rw-p", "00:00 0", "[heap]", 40000, 40000, 1000, 8, 4, 0);
	/* a data file, a deleted one and one whose name has a newline */
	map("7f0000000000-7f0010000000", "r--s", "fe:00 77", "/var/lib/db/data file.bin", 262144,
	    0, 0, 0, 4, 0);
	map("7f0010000000-7f0010100000", "r--p", "fe:00 78", "/tmp/old.idx (deleted)", 512, 0, 0,
	    0, 4, 0);
	map("7f0010100000-7f0010101000", "r--p", "fe:00 79", "/tmp/evil\\012name", 4, 0, 0, 0, 4, 0);
	/* shared memory */
	map("7f0020000000-7f0020400000", "rw-s", "00:01 1024", "/memfd:pool (deleted)", 4096,
	    0, 0, 0, 4, 0);
	map("7f0020400000-7f0020500000", "rw-s", "00:19 55", "/dev/shm/ring", 1024, 0, 0, 0, 4, 0);
	map("7f0020500000-7f0020600000", "rw-s", "00:01 32768", "/SYSV00000000 (deleted)", 256, 0, 0,
	    0, 4, 0);
	map("7f0020600000-7f0020700000", "rw-s", "00:01 9", "/dev/zero (deleted)", 64, 0, 0, 0, 4, 0);
	/* hugetlb: not in Rss, in its own fields */
	map("7f0040000000-7f0040400000", "rw-p", "00:10 3", "/anon_hugepage (deleted)", 0, 0, 0, 0,
	    2048, 4096);
	/* anonymous: plain, named, and two thread stacks under guard pages;
	 * a glibc arena (rw-p below its ---p reserve) is no stack */
	map("7f0050000000-7f0060000000", "rw-p", "00:00 0", "", 65536, 65536, 4096, 0, 4, 0);
	map("7f0060000000-7f0060100000", "rw-p", "00:00 0", "[anon:jit cache]", 128, 128, 0, 0, 4, 0);
	map("7f0070000000-7f0070001000", "---p", "00:00 0", "", 0, 0, 0, 0, 4, 0);
	map("7f0070001000-7f0070801000", "rw-p", "00:00 0", "", 40, 40, 0, 0, 4, 0);
	map("7f0070801000-7f0070802000", "---p", "00:00 0", "", 0, 0, 0, 0, 4, 0);
	map("7f0070802000-7f0071002000", "rw-p", "00:00 0", "", 24, 24, 0, 0, 4, 0);
	map("7f0080000000-7f0080021000", "rw-p", "00:00 0", "", 132, 132, 0, 0, 4, 0);
	map("7f0080021000-7f0084000000", "---p", "00:00 0", "", 0, 0, 0, 0, 4, 0);
	/* libc: segments with a ---p hole between, then its .bss (anonymous) */
	map("7f0090000000-7f0090028000", "r--p", "fe:00 500", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	    160, 0, 0, 0, 4, 0);
	map("7f0090028000-7f009019d000", "r-xp", "fe:00 500", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	    1200, 0, 0, 0, 4, 0);
	map("7f009019d000-7f00901f5000", "---p", "fe:00 500", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	    0, 0, 0, 0, 4, 0);
	map("7f00901f5000-7f00901f9000", "rw-p", "fe:00 500", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	    16, 16, 0, 0, 4, 0);
	map("7f00901f9000-7f0090206000", "rw-p", "00:00 0", "", 20, 20, 0, 0, 4, 0);
	map("7ffd00000000-7ffd00021000", "rw-p", "00:00 0", "[stack]", 132, 132, 0, 4, 4, 0);
	map("7ffd00100000-7ffd00104000", "r--p", "00:00 0", "[vvar]", 0, 0, 0, 0, 4, 0);
	map("7ffd00104000-7ffd00106000", "r-xp", "00:00 0", "[vdso]", 8, 0, 0, 0, 4, 0);
	map("ffffffffff600000-ffffffffff601000", "--xp", "00:00 0", "[vsyscall]", 0, 0, 0, 0, 4, 0);
}

static const struct ls_region_sum *cls(const struct ls_proc_regions *r, int c)
{
	return &r->classes[c];
}

TEST(fixed_smaps_by_class)
{
	static struct ls_proc_regions r;
	uint64_t sum = 0;

	fixed_smaps();
	regions__parse(text, tlen, &r);
	ASSERT_EQ(r.mappings, 30);
	ASSERT_EQ(cls(&r, LS_REGION_HEAP)->count, 1);
	ASSERT_EQ(cls(&r, LS_REGION_HEAP)->rss_bytes, 40000 * KB);
	ASSERT_EQ(cls(&r, LS_REGION_HEAP)->lazyfree_bytes, 1000 * KB);
	ASSERT_EQ(cls(&r, LS_REGION_HEAP)->swap_bytes, 8 * KB);
	/* the binary and libc: every segment, the hole too */
	ASSERT_EQ(cls(&r, LS_REGION_LIB)->count, 8);
	ASSERT_EQ(cls(&r, LS_REGION_LIB)->rss_bytes, (28 + 1376) * KB);
	ASSERT_EQ(cls(&r, LS_REGION_LIB)->private_bytes, (8 + 16) * KB);
	ASSERT_STREQ(r.names[0][0].name, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ASSERT_EQ(r.names[0][0].rss_bytes, 1376 * KB);
	ASSERT_STREQ(r.names[0][1].name, "/usr/bin/my app");
	ASSERT_STREQ(r.names[0][2].name, "");
	/* data files, the biggest first, names as the kernel wrote them */
	ASSERT_EQ(cls(&r, LS_REGION_FILE)->count, 3);
	ASSERT_EQ(cls(&r, LS_REGION_FILE)->rss_bytes, (262144 + 512 + 4) * KB);
	ASSERT_STREQ(r.names[1][0].name, "/var/lib/db/data file.bin");
	ASSERT_STREQ(r.names[1][1].name, "/tmp/old.idx (deleted)");
	ASSERT_STREQ(r.names[1][2].name, "/tmp/evil\\012name");
	ASSERT_EQ(cls(&r, LS_REGION_SHMEM)->count, 4);
	ASSERT_EQ(cls(&r, LS_REGION_SHMEM)->rss_bytes, (4096 + 1024 + 256 + 64) * KB);
	ASSERT_STREQ(r.names[2][0].name, "/memfd:pool (deleted)");
	ASSERT_STREQ(r.names[2][1].name, "/dev/shm/ring");
	ASSERT_EQ(cls(&r, LS_REGION_HUGE)->count, 1);
	ASSERT_EQ(cls(&r, LS_REGION_HUGE)->rss_bytes, 4096 * KB);
	ASSERT_EQ(cls(&r, LS_REGION_HUGE)->private_bytes, 4096 * KB);
	/* [stack] and the two thread stacks (their guards are anon) */
	ASSERT_EQ(cls(&r, LS_REGION_STACK)->count, 3);
	ASSERT_EQ(cls(&r, LS_REGION_STACK)->rss_bytes, (132 + 40 + 24) * KB);
	ASSERT_EQ(cls(&r, LS_REGION_STACK)->swap_bytes, 4 * KB);
	/* plain, [anon:...], 2 guards, arena and its reserve, libc's .bss */
	ASSERT_EQ(cls(&r, LS_REGION_ANON)->count, 7);
	ASSERT_EQ(cls(&r, LS_REGION_ANON)->rss_bytes, (65536 + 128 + 132 + 20) * KB);
	ASSERT_EQ(cls(&r, LS_REGION_ANON)->lazyfree_bytes, 4096 * KB);
	ASSERT_EQ(cls(&r, LS_REGION_OTHER)->count, 3);
	ASSERT_EQ(cls(&r, LS_REGION_OTHER)->rss_bytes, 8 * KB);
	/* the classes but hugepages add up to smaps' Rss */
	for (int c = 0; c < LS_REGION_CLASSES; c++)
		if (c != LS_REGION_HUGE)
			sum += r.classes[c].rss_bytes;
	ASSERT_EQ(sum, (uint64_t)(4 + 16 + 4 + 4 + 40000 + 262144 + 512 + 4 + 4096 + 1024 + 256 +
				  64 + 65536 + 128 + 40 + 24 + 132 + 160 + 1200 + 16 + 20 + 132 +
				  8) * KB);
}

TEST(classifier)
{
	ASSERT_EQ(regions__classify("[heap]", "rw-p", false, false), LS_REGION_HEAP);
	ASSERT_EQ(regions__classify("[stack]", "rw-p", false, false), LS_REGION_STACK);
	ASSERT_EQ(regions__classify("[stack:1234]", "rw-p", false, false), LS_REGION_STACK);
	ASSERT_EQ(regions__classify("[anon:stack_and_tls:77]", "rw-p", false, false), LS_REGION_STACK);
	ASSERT_EQ(regions__classify("[anon:arena]", "rw-p", false, false), LS_REGION_ANON);
	ASSERT_EQ(regions__classify("[anon_shmem:x]", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("", "rw-p", false, false), LS_REGION_ANON);
	ASSERT_EQ(regions__classify("", "rw-p", true, false), LS_REGION_STACK);
	ASSERT_EQ(regions__classify("", "r--p", true, false), LS_REGION_ANON);
	ASSERT_EQ(regions__classify("", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/dev/zero (deleted)", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/dev/zero", "rw-p", false, false), LS_REGION_ANON);
	ASSERT_EQ(regions__classify("memfd:x (deleted)", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/memfd:x (deleted)", "rw-p", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/dev/shm/a b", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/SYSV0000abcd (deleted)", "rw-s", false, false), LS_REGION_SHMEM);
	ASSERT_EQ(regions__classify("/usr/lib/libc.so.6", "r-xp", false, false), LS_REGION_FILE);
	ASSERT_EQ(regions__classify("/x", "rw-p", false, true), LS_REGION_HUGE);
	ASSERT_EQ(regions__classify("[vdso]", "r-xp", false, false), LS_REGION_OTHER);
	ASSERT_EQ(regions__classify("[vvar]", "r--p", false, false), LS_REGION_OTHER);
	ASSERT_EQ(regions__classify("[vsyscall]", "--xp", false, false), LS_REGION_OTHER);
	ASSERT_EQ(regions__classify("anon_inode:[perf_event]", "r--s", false, false), LS_REGION_OTHER);
	ASSERT_EQ(regions__classify("", "", true, false), LS_REGION_ANON);
}

TEST(long_names_keep_their_end_and_text_cut_anywhere_holds)
{
	static struct ls_proc_regions r;
	char name[600];

	memset(name, 'd', sizeof(name));
	memcpy(name, "/data/", 6);
	memcpy(name + sizeof(name) - 12, "/payload.bin", 12);
	name[sizeof(name) - 1] = 0;
	name[sizeof(name) - 2] = 'N';
	tlen = 0;
	map("10000-20000", "r--p", "fe:00 1", name, 64, 0, 0, 0, 4, 0);
	regions__parse(text, tlen, &r);
	ASSERT_EQ(r.classes[LS_REGION_FILE].count, 1);
	ASSERT_EQ(strlen(r.names[1][0].name), LS_REGION_NAME_LEN - 1);
	ASSERT_TRUE(!strncmp(r.names[1][0].name, "...", 3));
	ASSERT_CONTAINS(r.names[1][0].name, "/payload.bN");
	/* the fixed text cut at every length: nothing read past it, the
	 * figures never more than the whole's */
	fixed_smaps();
	for (size_t n = 0; n < tlen; n += 37) {
		uint64_t sum = 0;

		regions__parse(text, n, &r);
		ASSERT_LE(r.mappings, 30);
		for (int c = 0; c < LS_REGION_CLASSES; c++)
			sum += r.classes[c].rss_bytes;
		ASSERT_LE(sum, 380160 * KB);	/* the whole's, hugepages too */
	}
	/* garbage and a header alone */
	regions__parse("garbage\nRss: 5 kB\n", 18, &r);
	ASSERT_EQ(r.mappings, 0);
	regions__parse("1000-2000 rw-p 0 00:00 0", 24, &r);
	ASSERT_EQ(r.mappings, 1);
	ASSERT_EQ(r.classes[LS_REGION_ANON].count, 1);
}

TEST(syscall_stack_pointers)
{
	uint64_t sp = 7;

	ASSERT_EQ(regions__parse_syscall_sp("230 0x1 0x0 0x7f00c0ffee10 0x0 0x0 0x0 0x7f00c0ffed80 "
					    "0x7f00deadbeef\n", &sp), 0);
	ASSERT_EQ(sp, 0x7f00c0ffed80ULL);
	ASSERT_EQ(regions__parse_syscall_sp("-1 0x7ffd00001000 0x55d0a0001234\n", &sp), 0);
	ASSERT_EQ(sp, 0x7ffd00001000ULL);
	ASSERT_EQ(regions__parse_syscall_sp("running\n", &sp), -1);
	ASSERT_EQ(regions__parse_syscall_sp("", &sp), -1);
	ASSERT_EQ(regions__parse_syscall_sp("230 0x1 0x0 0x0 0x0 0x0 0x0 zz 0x1", &sp), -1);
	ASSERT_EQ(regions__parse_syscall_sp("-1 0x 0x1", &sp), -1);
	ASSERT_EQ(regions__parse_syscall_sp("-1 0x12g 0x1", &sp), -1);
}

/* a plain anonymous mapping holding one thread's stack pointer in its
 * upper half is a stack (no guard page: pthread_attr_setguardsize(0)); a
 * big one holding one (a stack the program put inside an arena) is not,
 * nor a Go heap, which holds the stacks of goroutines blocked in system
 * calls: two low in it (dockerd), or one low */
TEST(stack_pointer_makes_a_stack)
{
	static struct ls_proc_regions r;
	struct regions_parser rp;
	const uint64_t sps[] = { 0xc00007c3a0ULL, 0xc00007ced0ULL, 0xc800040000ULL,
				 0x7f00707ffb80ULL, 0x7f0090000100ULL };
	size_t i = 0;

	tlen = 0;
	map("c000000000-c000800000", "rw-p", "00:00 0", "", 3000, 3000, 0, 0, 4, 0);
	map("c800000000-c800400000", "rw-p", "00:00 0", "", 2000, 2000, 0, 0, 4, 0);
	map("7f0070001000-7f0070801000", "rw-p", "00:00 0", "", 40, 40, 0, 0, 4, 0);
	map("7f0090000000-7f0098000000", "rw-p", "00:00 0", "", 900, 900, 0, 0, 4, 0);
	map("7f00a0000000-7f00a0800000", "rw-p", "00:00 0", "", 30, 30, 0, 0, 4, 0);
	regions__begin(&rp, &r);
	rp.sps = sps;
	rp.nsps = 5;
	while (i < tlen) {
		const char *nl = memchr(text + i, '\n', tlen - i);

		regions__line(&rp, text + i, (size_t)(nl - (text + i)));
		i = (size_t)(nl - text) + 1;
	}
	regions__end(&rp);
	ASSERT_EQ(r.classes[LS_REGION_STACK].count, 1);
	ASSERT_EQ(r.classes[LS_REGION_STACK].rss_bytes, 40 * KB);
	ASSERT_EQ(r.classes[LS_REGION_ANON].count, 4);
	ASSERT_EQ(r.classes[LS_REGION_ANON].rss_bytes, (3000 + 2000 + 900 + 30) * KB);
}

static void pause_until(volatile int *stop)
{
	while (!*stop)
		usleep(10000);
}

static void *sleeper(void *arg)
{
	volatile char buf[48 << 10];

	for (size_t i = 0; i < sizeof(buf); i += 512)
		buf[i] = 1;
	pause_until((volatile int *)arg);
	return NULL;
}

/* this process's own smaps, through the streaming reader, against its
 * smaps_rollup: the classes add up; its threads' stacks are stacks */
TEST(own_smaps_adds_up_to_rollup)
{
	static struct ls_proc_regions r;
	pthread_t t[6];
	pthread_attr_t no_guard;
	volatile int stop = 0;
	char buf[4096];
	unsigned long long rss = 0;
	uint64_t sum = 0;
	FILE *f;

	for (int i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, sleeper, (void *)&stop), 0);
	/* and two without a guard page: their stack pointers tell them */
	pthread_attr_init(&no_guard);
	pthread_attr_setguardsize(&no_guard, 0);
	pthread_attr_setstacksize(&no_guard, 1 << 20);
	for (int i = 4; i < 6; i++)
		ASSERT_EQ(pthread_create(&t[i], &no_guard, sleeper, (void *)&stop), 0);
	pthread_attr_destroy(&no_guard);
	usleep(100000);
	ASSERT_EQ(regions__read(getpid(), 42, &r), 0);
	f = fopen("/proc/self/smaps_rollup", "r");
	ASSERT_TRUE(f != NULL);
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Rss: %llu kB", &rss) == 1)
			break;
	if (f)
		fclose(f);
	stop = 1;
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(r.hdr.type, LS_REC_PROC_REGIONS);
	ASSERT_EQ(r.hdr.size, sizeof(r));
	ASSERT_EQ(r.start_ns, 42);
	for (int c = 0; c < LS_REGION_CLASSES; c++)
		if (c != LS_REGION_HUGE)
			sum += r.classes[c].rss_bytes;
	ASSERT_REL((double)sum, (double)rss * 1024, 0.05);
	/* [stack], 4 threads' and the unguarded ones' (adjacent: maybe one) */
	ASSERT_GE(r.classes[LS_REGION_STACK].count, 6);
	ASSERT_GE(r.classes[LS_REGION_STACK].rss_bytes, 6 * (48 << 10));
	ASSERT_GE(r.classes[LS_REGION_LIB].count, 2);
	ASSERT_EQ(regions__read(0x7ffffff0, 0, &r), -1);	/* no such process */
}

int main(void)
{
	return RUN_TESTS();
}
