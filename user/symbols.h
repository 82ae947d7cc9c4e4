/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space address to symbol, with libelf: "func+0x1c (libfoo.so.1)".
 * ELF symbol tables are cached per file (device, inode), the cache capped.
 */
#ifndef LS_SYMBOLS_H
#define LS_SYMBOLS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *s);	/* accepts NULL */
/* Resolve ip in process pid (reads /proc/PID/maps).  Always writes
 * something to buf: "sym+0x1c (libfoo.so.1)", "0x1c40 (libfoo.so.1)" (file
 * virtual address, no symbol covers it), "[vdso]", "[heap]", "[anon]", or
 * "0x7f.." when the address or the process is unknown. */
void symbolizer__resolve(struct symbolizer *s, pid_t pid, uint64_t ip, char *buf, size_t len);
/* Forget what is cached about pid's mappings (call when it exits). */
void symbolizer__forget(struct symbolizer *s, pid_t pid);
/* ELF files whose symbols are cached now (bounded; for tests and stats). */
unsigned symbolizer__cached_files(const struct symbolizer *s);

#endif
