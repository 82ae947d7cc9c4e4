/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --heap: which file of a process has its malloc (the program itself, a
 * preloaded or linked allocator, or the C library), where each allocation
 * function is in it, and whether the process is a Go program (never
 * probed).  libelf and /proc only: unit-tested on the test's own process.
 */
#ifndef LS_HEAP_TARGET_H
#define LS_HEAP_TARGET_H
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "leakscope.h"

enum heap_func {
	HEAP_MALLOC = 0,
	HEAP_CALLOC,
	HEAP_REALLOC,
	HEAP_FREE,
	HEAP_POSIX_MEMALIGN,
	HEAP_ALIGNED_ALLOC,
	HEAP_MEMALIGN,
	HEAP_FUNCS,
};
extern const char *const heap_func_names[HEAP_FUNCS];

struct heap_target {
	/* to open from here: /proc/PID/root + name (the process's view) */
	char path[PATH_MAX];
	char name[LS_HEAP_NAME_LEN];	/* as the process maps it; "..." + its end if longer */
	uint64_t addr[HEAP_FUNCS];	/* symbol values; 0: not defined there */
};

/* The file with pid's malloc and free.  0, or -1 with why it is not traced
 * in why ("a Go binary: ...", "no malloc ..."), from the process's files:
 * untrusted text. */
int heap_target__find(pid_t pid, struct heap_target *t, char *why, size_t len);
/* Go: a .go.buildinfo section, or a runtime.main symbol. */
bool heap_target__is_go(const char *path);
/* Each function's symbol value in the ELF file at path (0 when not
 * defined); true when malloc and free both are. */
bool heap_target__funcs(const char *path, uint64_t addr[HEAP_FUNCS]);

#endif
