/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resident memory by region class, from /proc/PID/smaps (the record is
 * struct ls_proc_regions).  The parser is streaming: smaps is fed line by
 * line, a mapping is classified when the next begins, and what it keeps
 * is bounded (one group of adjacent mappings of a file, the previous
 * mapping, REGIONS_CANDIDATES file names), whatever the process maps.
 *
 * Classes (enum ls_region_class):
 *   heap   [heap]
 *   stack  [stack]; an anonymous rw-p mapping right above an anonymous
 *          ---p mapping of at most REGIONS_GUARD_MAX (glibc's and musl's
 *          pthread stacks: the guard page is mprotect'ed in the same
 *          mmap), or one of at most REGIONS_SP_STACK_MAX whose highest
 *          thread stack pointer is in its upper half
 *          (/proc/PID/task/TID/syscall: threads blocked in a system call,
 *          most of a server's; a Go heap holds some, low); [anon:NAME]
 *          with "stack" in NAME (Android, glibc's decorated maps)
 *   anon   other anonymous private mappings, [anon:NAME], private /dev/zero
 *   lib    the mappings of a file one of whose mappings next to them
 *          (ld.so maps a library's segments together) is executable: the
 *          binary and its shared libraries, text, rodata and data
 *   file   other file-backed mappings: data files
 *   shmem  memfd:, /dev/shm/, /SYSV, shared anonymous (/dev/zero (deleted),
 *          [anon_shmem:NAME]), any shared mapping of those
 *   hugepages  hugetlb mappings (KernelPageSize above the base page, or
 *          *_Hugetlb pages): rss_bytes counts their Hugetlb pages, which
 *          smaps' Rss leaves out
 *   other  [vdso], [vvar], [vsyscall], other [NAME]s, anon_inode:...
 */
#ifndef LS_REGIONS_H
#define LS_REGIONS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "leakscope.h"

#define REGIONS_GUARD_MAX	(1ULL << 20)	/* a thread stack's guard, at most */
#define REGIONS_CANDIDATES	32	/* file names weighed to find the biggest */
#define REGIONS_MAX_MAPPINGS	65536	/* max_map_count's default is 65,530 */
#define REGIONS_LINE_MAX	(4096 + 256)	/* PATH_MAX and the fields before it */
/* threads whose stack pointers are read (/proc/PID/task/TID/syscall) */
#define REGIONS_MAX_SPS		512
/* a mapping holding a thread's stack pointer is its stack up to this
 * size (a stack the program allocated inside a bigger mapping, a malloc
 * arena, does not make that mapping a stack) */
#define REGIONS_SP_STACK_MAX	(64ULL << 20)

struct regions_map {
	uint64_t start, end, inode;
	uint32_t dev;
	char perms[5];
	bool named;		/* a name after the inode */
	char name[LS_REGION_NAME_LEN];	/* cut: "..." and the end */
	char cls_name[32];	/* its start, which classifies it */
	uint64_t rss, priv, lazy, swap, huge_shared, huge_private, page_kb;
};

struct regions_group {	/* adjacent mappings of one file */
	bool open, exec;
	uint64_t inode, end;
	uint32_t dev;
	char name[LS_REGION_NAME_LEN];
	struct ls_region_sum sum;
};

struct regions_parser {
	struct ls_proc_regions *out;
	bool in_map;
	struct regions_map cur;
	/* the previous mapping: a guard page below a thread stack */
	bool prev_guard;
	uint64_t prev_end;
	struct regions_group group;
	const uint64_t *sps;	/* threads' stack pointers, sorted; may be NULL */
	uint32_t nsps;
	struct { uint64_t rss; uint8_t cls; char name[LS_REGION_NAME_LEN]; }
		cand[REGIONS_CANDIDATES];
	uint32_t ncand;
};

/* Begins a parse into out (zeroed; its header is left to the caller). */
void regions__begin(struct regions_parser *rp, struct ls_proc_regions *out);
/* One line of smaps, without its newline (len bytes, any bytes). */
void regions__line(struct regions_parser *rp, const char *line, size_t len);
/* Ends the parse: the last mapping and group, the biggest names. */
void regions__end(struct regions_parser *rp);
/* All three on a buffer of len bytes. */
void regions__parse(const char *buf, size_t len, struct ls_proc_regions *out);
/* A mapping's class from its name (its start will do; "" when none), its
 * perms ("rw-p"), whether an anonymous guard (---p, at most
 * REGIONS_GUARD_MAX) ends where it begins, and whether it is hugetlb.
 * File mappings read LS_REGION_FILE: the grouping makes lib of those of
 * a file with an executable mapping among them. */
int regions__classify(const char *name, const char *perms, bool guard_below, bool huge);
/* The stack pointer in a /proc/PID/task/TID/syscall text ("nr a1..a6 sp
 * pc", "-1 sp pc"): 0 and *sp, or -1 ("running", cut, garbage). */
int regions__parse_syscall_sp(const char *text, uint64_t *sp);
/* Reads /proc/PID/smaps into out, with its header (ts_ns left 0) and
 * start_ns; -1 if the process is gone or has no mm. */
int regions__read(pid_t pid, uint64_t start_ns, struct ls_proc_regions *out);

#endif
