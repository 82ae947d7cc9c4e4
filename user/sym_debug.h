/* SPDX-License-Identifier: GPL-2.0 */
/* symbols.c's libdwfl side: a file's Dwfl, its debug file found safely. */
#ifndef LS_SYM_DEBUG_H
#define LS_SYM_DEBUG_H
#include <elfutils/libdwfl.h>

/* path opened read-only if it is a regular file (never blocks on a FIFO or
 * a device); -1 otherwise. */
int sym_debug__open_regular(const char *path);
/* A Dwfl for the file open at fd (file_name: its path, "/proc/PID/root/..."
 * for another mount namespace), its module at the file's own addresses
 * (bias 0): asked with the same virtual addresses as the symbol table.
 * NULL (and *mod NULL) when libdwfl cannot take it.  fd stays the caller's. */
Dwfl *sym_debug__open(int fd, const char *file_name, Dwfl_Module **mod);
#endif
