// SPDX-License-Identifier: GPL-2.0
/* The static build's answer to libdwfl's debuginfod hooks (make static).
 * libdw.a's debuginfod-client.o loads libdebuginfod.so with dlopen when
 * DEBUGINFOD_URLS is set, which a static binary cannot do (and a tracer
 * should not fetch over the network while it runs).  Defined here, these
 * keep that object out of the link: libdwfl finds no debug file by
 * debuginfod, and looks where it always does (the build-id tree and
 * .gnu_debuglink, through leakscope's own callbacks). */
#include <stddef.h>

struct Dwfl;

int __libdwfl_debuginfod_find_executable(struct Dwfl *dwfl, const unsigned char *id, size_t len);
int __libdwfl_debuginfod_find_debuginfo(struct Dwfl *dwfl, const unsigned char *id, size_t len);
void __libdwfl_debuginfod_end(void *client);

int __libdwfl_debuginfod_find_executable(struct Dwfl *dwfl, const unsigned char *id, size_t len)
{
	(void)dwfl, (void)id, (void)len;
	return -1;	/* no file */
}

int __libdwfl_debuginfod_find_debuginfo(struct Dwfl *dwfl, const unsigned char *id, size_t len)
{
	(void)dwfl, (void)id, (void)len;
	return -1;
}

void __libdwfl_debuginfod_end(void *client)
{
	(void)client;
}
