// SPDX-License-Identifier: GPL-2.0
/*
 * --heap's targets: the file that defines a process's malloc, read through
 * /proc/PID/root so that a container's own libc is the one probed.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "heap_target.h"

const char *const heap_func_names[HEAP_FUNCS] = {
	[HEAP_MALLOC] = "malloc", [HEAP_CALLOC] = "calloc", [HEAP_REALLOC] = "realloc",
	[HEAP_FREE] = "free", [HEAP_POSIX_MEMALIGN] = "posix_memalign",
	[HEAP_ALIGNED_ALLOC] = "aligned_alloc", [HEAP_MEMALIGN] = "memalign",
};

/* At most this many distinct files of a process are looked at. */
#define MAX_FILES	64

static Elf *elf_open(const char *path, int *fd)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	e = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		if (e)
			elf_end(e);
		close(*fd);
		return NULL;
	}
	return e;
}

bool heap_target__funcs(const char *path, uint64_t addr[HEAP_FUNCS])
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int fd;
	Elf *e = elf_open(path, &fd);

	memset(addr, 0, HEAP_FUNCS * sizeof(addr[0]));
	if (!e)
		return false;
	/* .symtab (static or unstripped programs) and .dynsym (libraries) */
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value ||
			    GELF_ST_TYPE(s.st_info) != STT_FUNC)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			/* the first letters of heap_func_names: most symbols stop here */
			if (!name || !name[0] || !strchr("acfmpr", name[0]))
				continue;
			for (int f = 0; f < HEAP_FUNCS; f++)
				if (!addr[f] && !strcmp(name, heap_func_names[f]))
					addr[f] = s.st_value;
		}
	}
	elf_end(e);
	close(fd);
	return addr[HEAP_MALLOC] && addr[HEAP_FREE];
}

bool heap_target__is_go(const char *path)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstr;
	bool go = false;
	int fd;
	Elf *e = elf_open(path, &fd);

	if (!e)
		return false;
	if (elf_getshdrstrndx(e, &shstr))
		goto out;
	while (!go && (scn = elf_nextscn(e, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstr, sh.sh_name);
		if (name && (!strcmp(name, ".go.buildinfo") || !strcmp(name, ".gopclntab")))
			go = true;
		if (go || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !go; i++) {
			GElf_Sym s;
			const char *sn;

			if (gelf_getsym(d, (int)i, &s) && (sn = elf_strptr(e, sh.sh_link, s.st_name)) &&
			    !strcmp(sn, "runtime.main"))
				go = true;
		}
	}
out:
	elf_end(e);
	close(fd);
	return go;
}

static void set_name(struct heap_target *t, const char *file)
{
	size_t n = strlen(file);

	if (n < sizeof(t->name))
		memcpy(t->name, file, n + 1);
	else	/* the end tells files apart */
		snprintf(t->name, sizeof(t->name), "...%s", file + n - (sizeof(t->name) - 4));
}

static bool try_file(pid_t pid, const char *file, struct heap_target *t)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "/proc/%d/root%s", pid, file) >= sizeof(path) ||
	    !heap_target__funcs(path, t->addr))
		return false;
	memcpy(t->path, path, sizeof(t->path));
	set_name(t, file);
	return true;
}

static bool is_libc(const char *file)
{
	const char *b = strrchr(file, '/');

	b = b ? b + 1 : file;
	return !strncmp(b, "libc.so", 7) || !strncmp(b, "libc-", 5) || !strncmp(b, "ld-musl", 7);
}

int heap_target__find(pid_t pid, struct heap_target *t, char *why, size_t len)
{
	char path[64], exe[PATH_MAX], line[PATH_MAX + 128];
	static char files[MAX_FILES][PATH_MAX];	/* distinct files, in map order */
	unsigned nfiles = 0;
	int libc = -1;
	ssize_t n;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(why, len, "its program cannot be read (%s)", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	/* uretprobes move return addresses, which Go's stack walks (GC,
	 * tracebacks) do not expect: a Go program would crash */
	if (heap_target__is_go(path)) {
		snprintf(why, len, "a Go binary: uretprobes break Go's stack handling; "
			 "its memory is shown by region class");
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, len, "its maps cannot be read (%s)", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && nfiles < MAX_FILES) {
		char *file = strchr(line, '/');
		bool seen = false;

		if (!file || !strstr(line, " r-xp ")) /* code: where malloc is */
			continue;
		file[strcspn(file, "\n")] = 0;
		for (unsigned i = 0; i < nfiles && !seen; i++)
			seen = !strcmp(files[i], file);
		if (!seen)
			snprintf(files[nfiles++], PATH_MAX, "%s", file);
	}
	fclose(f);
	/* the program first (static, or its own allocator), then an
	 * allocator library (jemalloc, tcmalloc, a preload), then libc:
	 * the order the dynamic linker binds malloc in, nearly always */
	for (unsigned i = 0; i < nfiles; i++)
		if (!strcmp(files[i], exe) && try_file(pid, files[i], t))
			return 0;
	for (unsigned i = 0; i < nfiles; i++) {
		if (is_libc(files[i])) {
			libc = (int)i;
			continue;
		}
		if (strcmp(files[i], exe) && !strstr(files[i], "/ld-linux") && try_file(pid, files[i], t))
			return 0;
	}
	if (libc >= 0 && try_file(pid, files[libc], t))
		return 0;
	snprintf(why, len, "no file it maps defines malloc and free (a stripped static binary?)");
	return -1;
}
