// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol names: C++ (libstdc++'s __cxa_demangle, loaded at run time) and
 * Rust legacy demangling, and which frames are allocation plumbing rather
 * than the application.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbols.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

#ifdef LEAKSCOPE_STATIC
/* The static build (make static) links the demangler itself, from GCC's
 * libsupc++.a (cp-demangle.o: plain C, it needs only malloc and the string
 * functions; the GCC runtime library exception lets GPL-2.0 code use it): a
 * static binary cannot dlopen libstdc++, and a scratch image has none. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle(void)
{
	return __cxa_demangle;
}
#else
/* libstdc++'s demangler, a C function (the GCC runtime library exception
 * lets GPL-2.0 code use it), looked up once: every Debian system has
 * libstdc++.so.6 (apt needs it), and none is needed to build */
static cxa_demangle_fn cxa_demangle(void)
{
	static int tried;
	static cxa_demangle_fn fn;

	if (!tried) {
		void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);

		tried = 1;
		if (h)
			*(void **)&fn = dlsym(h, "__cxa_demangle");
	}
	return fn;
}
#endif

/* A Rust legacy name, demangled as C++ ("a::b::h0123456789abcdef"), loses
 * its hash and gets its escapes back; false when it is not one. */
static bool rust_legacy(char *d)
{
	static const struct { const char *esc; char c; } escs[] = {
		{ "$LT$", '<' }, { "$GT$", '>' }, { "$RF$", '&' }, { "$BP$", '*' }, { "$C$", ',' },
		{ "$SP$", '@' }, { "$LP$", '(' }, { "$RP$", ')' },
	};
	size_t n = strlen(d);
	char *r, *w;

	if (n < 20 || strncmp(d + n - 19, "::h", 3))
		return false;
	for (size_t i = n - 16; i < n; i++)
		if (!strchr("0123456789abcdef", d[i]))
			return false;
	d[n - 19] = 0;
	for (r = w = d; *r;) {
		bool done = false;

		if (r[0] == '.' && r[1] == '.') {
			*w++ = ':';
			*w++ = ':';
			r += 2;
			continue;
		}
		if (r[0] == '_' && r[1] == '$' && (r == d || r[-1] == ':')) {
			r++;
			continue;
		}
		if (*r == '$') {
			unsigned v;
			int used = 0;

			for (size_t i = 0; i < sizeof(escs) / sizeof(escs[0]) && !done; i++)
				if (!strncmp(r, escs[i].esc, strlen(escs[i].esc))) {
					*w++ = escs[i].c;
					r += strlen(escs[i].esc);
					done = true;
				}
			if (!done && r[1] == 'u' && sscanf(r + 2, "%2x$%n", &v, &used) == 1 && used == 3 &&
			    v >= 0x20 && v < 0x7f) {
				*w++ = (char)v;
				r += 5;
				done = true;
			}
			if (done)
				continue;
		}
		*w++ = *r++;
	}
	*w = 0;
	return true;
}

bool symbols__demangle(const char *name, char *out, size_t len)
{
	cxa_demangle_fn fn;
	char *d;
	int status = -1;

	if (!len)
		return false;
	snprintf(out, len, "%s", name);
	/* Itanium names only; a long one is not worth the demangler's time */
	if (strncmp(name, "_Z", 2) || strlen(name) > 4096 || !(fn = cxa_demangle()))
		return false;
	d = fn(name, NULL, NULL, &status);
	if (!d || status) {
		free(d);
		return false;
	}
	rust_legacy(d);
	snprintf(out, len, "%s", d);
	free(d);
	return true;
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

bool symbols__is_plumbing(const char *name, const char *module)
{
	/* libraries whose every frame is the allocator or the C runtime */
	static const char *const modules[] = {
		"libc.so", "libc-2.", "libc.musl", "ld-linux", "ld-musl", "libpthread",
		"libjemalloc", "libtcmalloc", "libmimalloc", "libstdc++", "libc++",
	};
	/* allocator code linked into the binary (jemalloc's je_ and Rust's
	 * _rjem_ prefixes, tcmalloc's tc_), C++'s allocation, Rust's alloc::,
	 * Go's runtime and cgo glue */
	static const char *const prefixes[] = {
		"runtime.", "runtime/", "internal/", "_cgo_", "x_cgo_", "crosscall",
		"je_", "_rjem_", "tc_", "tcmalloc::", "operator new", "std::", "__gnu_cxx::",
		"__cxa_", "__libc_", "alloc::", "<alloc::", "__rust_alloc", "__rust_realloc",
		"__rdl_", "__rg_",
	};
	static const char *const exact[] = {
		"malloc", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
		"memalign", "valloc", "pvalloc", "mmap", "mmap64", "__mmap", "mremap", "sbrk",
		"__sbrk", "brk", "__brk",
	};

	for (size_t i = 0; module && i < sizeof(modules) / sizeof(modules[0]); i++)
		if (has_prefix(module, modules[i]))
			return true;
	if (!name || !*name)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(name, prefixes[i]))
			return true;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(name, exact[i]))
			return true;
	/* cgo's Go-side stubs: main._Cfunc_f, main._cgo_..., _cgoexp_... */
	return strstr(name, "._Cfunc_") || strstr(name, "._Cgo_") || strstr(name, "._cgo_") ||
	       has_prefix(name, "_cgoexp_");
}
