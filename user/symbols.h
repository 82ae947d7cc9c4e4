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
 * something to buf: the symbol, or "0x7f..(libfoo.so.1)", or "0x7f..". */
void symbolizer__resolve(struct symbolizer *s, pid_t pid, uint64_t ip, char *buf, size_t len);
/* Forget what is cached about pid's mappings (call when it exits). */
void symbolizer__forget(struct symbolizer *s, pid_t pid);

#endif
