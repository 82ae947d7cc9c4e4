/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space address to symbol, with libelf: "func+0x1c (libfoo.so.1)";
 * C++ and Rust names demangled; source file and line from DWARF with
 * libdw, in the file or in its separate debug file (build id,
 * .gnu_debuglink), and symbols of stripped files from their MiniDebugInfo.
 * ELF files are cached per file (device, inode), the cache capped.
 */
#ifndef LS_SYMBOLS_H
#define LS_SYMBOLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

/* One resolved address.  Every string is NUL-terminated, and comes from
 * another process's files: escape it to print it. */
#define SYM_NAME_LEN	256
#define SYM_MODULE_LEN	96
#define SYM_FILE_LEN	256
struct sym_frame {
	char name[SYM_NAME_LEN];	/* demangled symbol; "" when none covers it */
	uint64_t off;		/* from the symbol; the file address when no name */
	/* the file's base name; "[vdso]", "[heap]", "[anon]" (no file); ""
	 * when the address or the process is unknown (off is then the address) */
	char module[SYM_MODULE_LEN];
	bool in_file;		/* module is a file's name (not "[anon]", "[vdso]"...) */
	char file[SYM_FILE_LEN];	/* source file; "" when unknown */
	uint32_t line;		/* 0 when unknown */
};

struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *s);	/* accepts NULL */
/* Resolve ip in process pid (reads /proc/PID/maps).  Always writes
 * something to buf: "sym+0x1c (libfoo.so.1)", "0x1c40 (libfoo.so.1)" (file
 * virtual address, no symbol covers it), "[vdso]", "[heap]", "[anon]", or
 * "0x7f.." when the address or the process is unknown. */
void symbolizer__resolve(struct symbolizer *s, pid_t pid, uint64_t ip, char *buf, size_t len);
/* The same, in parts; with want_source, the source line of the call at ip
 * (a return address: the line of ip - 1) where debug information has it. */
void symbolizer__frame(struct symbolizer *s, pid_t pid, uint64_t ip, bool want_source,
		       struct sym_frame *out);
/* f as symbolizer__resolve writes it, in len bytes: a name too long loses
 * its parameter list, then its end ("..."), never the module. */
void sym_frame__format(const struct sym_frame *f, char *buf, size_t len);
/* Forget what is cached about pid's mappings (call when it exits). */
void symbolizer__forget(struct symbolizer *s, pid_t pid);
/* ELF files whose symbols are cached now (bounded; for tests and stats). */
unsigned symbolizer__cached_files(const struct symbolizer *s);

/* A frame of how memory is asked for rather than who asks: the C library
 * and dynamic linker, malloc implementations (jemalloc, tcmalloc,
 * mimalloc), C++'s operator new and std:: allocators, Rust's alloc::, Go's
 * runtime and cgo glue.  name demangled ("" for none), module a base name. */
bool symbols__is_plumbing(const char *name, const char *module);
/* Demangle an Itanium C++ name (_Z...), or a Rust legacy one (its hash
 * dropped, $LT$-style escapes decoded), into out.  Returns true when it did;
 * false leaves out as name (cut to len).  Through libstdc++'s
 * __cxa_demangle, found at run time: without libstdc++ names stay as they are. */
bool symbols__demangle(const char *name, char *out, size_t len);

#endif
