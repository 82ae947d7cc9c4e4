// SPDX-License-Identifier: GPL-2.0
/*
 * Separate debug files for libdwfl: by build id under /usr/lib/debug, then
 * by .gnu_debuglink beside the file, in its .debug/ and under
 * /usr/lib/debug, as gdb does, on the host and in the process's root.
 * Regular files only: a debuglink name is the traced binary's choice (no
 * '/' in it, no FIFO to hang on).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "sym_debug.h"

#define DEBUG_ROOT	"/usr/lib/debug"

int sym_debug__open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* .gnu_debuglink's CRC is zlib's CRC-32 of the whole debug file */
static bool crc_matches(int fd, uint32_t want)
{
	enum { CHUNK = 1 << 16 };
	unsigned char *buf = malloc(CHUNK);
	uLong crc = crc32(0, NULL, 0);
	ssize_t n = -1;

	if (!buf)
		return false;
	while ((n = read(fd, buf, CHUNK)) > 0)
		crc = crc32(crc, buf, (uInt)n);
	free(buf);
	return n == 0 && lseek(fd, 0, SEEK_SET) == 0 && (uint32_t)crc == want;
}

/* file_name is "/proc/PID/root/dir/file": the root part's length */
static size_t root_len(const char *file_name)
{
	const char *r;

	if (strncmp(file_name, "/proc/", 6) || !(r = strstr(file_name + 6, "/root/")))
		return 0;
	return (size_t)(r - file_name) + 5;
}

static int found(const char *path, int fd, char **debuginfo_file_name)
{
	*debuginfo_file_name = strdup(path);	/* libdwfl frees it */
	return fd;
}

/* libdwfl asks for the debug file of a module whose own has no DWARF (or
 * no .symtab): by build id on the host then in the process's root, then by
 * its .gnu_debuglink name with the CRC it gives. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink,
			  GElf_Word crc, char **debuginfo_file_name)
{
	const unsigned char *id = NULL;
	GElf_Addr id_vaddr;
	char path[4400], hex[2 * 64 + 1];
	const char *dir_end;
	int n = dwfl_module_build_id(mod, &id, &id_vaddr), fd;
	size_t rl = file_name ? root_len(file_name) : 0;

	(void)userdata;
	(void)modname;
	(void)base;
	if (n >= 2 && n <= 64) {
		for (int i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		for (int in_root = 0; in_root < 2; in_root++) {
			if (in_root && !rl)
				break;
			snprintf(path, sizeof(path), "%.*s" DEBUG_ROOT "/.build-id/%.2s/%s.debug",
				 in_root ? (int)rl : 0, file_name ? file_name : "", hex, hex + 2);
			fd = sym_debug__open_regular(path);
			if (fd >= 0)
				return found(path, fd, debuginfo_file_name);
		}
	}
	/* a base name only: the traced binary chose it */
	if (!file_name || !debuglink || !*debuglink || strchr(debuglink, '/') ||
	    !strcmp(debuglink, ".") || !strcmp(debuglink, "..") || !(dir_end = strrchr(file_name, '/')))
		return -1;
	for (int c = 0; c < 3; c++) {
		int dl = (int)(dir_end - file_name);

		if (c == 0)	/* beside the file */
			snprintf(path, sizeof(path), "%.*s/%s", dl, file_name, debuglink);
		else if (c == 1)
			snprintf(path, sizeof(path), "%.*s/.debug/%s", dl, file_name, debuglink);
		else		/* /usr/lib/debug/DIR/NAME, in the process's root */
			snprintf(path, sizeof(path), "%.*s" DEBUG_ROOT "%.*s/%s", (int)rl, file_name,
				 dl - (int)rl, file_name + rl, debuglink);
		fd = sym_debug__open_regular(path);
		if (fd < 0)
			continue;
		if (crc_matches(fd, crc))
			return found(path, fd, debuginfo_file_name);
		close(fd);
	}
	return -1;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

Dwfl *sym_debug__open(int fd, const char *file_name, Dwfl_Module **mod)
{
	Dwfl *dwfl;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	const char *base = strrchr(file_name, '/');

	*mod = NULL;
	if (dfd < 0)
		return NULL;
	dwfl = dwfl_begin(&dwfl_callbacks);
	if (!dwfl) {
		close(dfd);
		return NULL;
	}
	dwfl_report_begin(dwfl);
	*mod = dwfl_report_elf(dwfl, base ? base + 1 : file_name, file_name, dfd, 0, true);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!*mod) {	/* fd consumed only on success */
		close(dfd);
		dwfl_end(dwfl);
		return NULL;
	}
	return dwfl;
}
