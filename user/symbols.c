// SPDX-License-Identifier: GPL-2.0
/*
 * User addresses to "func+0x1c (libfoo.so.1)" with libelf.  Two bounded
 * caches: each process's /proc/PID/maps, and each ELF file's function
 * symbols (by device and inode), least recently used out first.
 *
 * Source lines, and symbols that only a separate debug file or a
 * MiniDebugInfo section (.gnu_debugdata) has, come from libdw's libdwfl:
 * one Dwfl per cached file, reported at its own addresses, its DWARF read
 * on the first question.  Debug files are looked up by build id under
 * /usr/lib/debug/.build-id and by .gnu_debuglink beside the file, in its
 * .debug/ and under /usr/lib/debug, as gdb does (sym_debug.c).  Names are
 * demangled and told from allocator plumbing in sym_names.c.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "sym_debug.h"
#include "symbols.h"

#define MAX_PIDS	16
#define MAX_MAPS	4096	/* mappings kept per process */
#define MAX_FILES	32
#define MAX_SYMS	(1 << 20)	/* symbols kept per file */

struct mapping {
	uint64_t start, end, pgoff;
	uint64_t dev, ino;
	char *path;		/* NULL for anonymous */
};

struct pid_maps {
	pid_t pid;
	uint64_t used;		/* LRU clock */
	struct mapping *maps;
	unsigned nmaps;
};

struct sym {
	uint64_t addr, size;
	uint32_t name;		/* offset in names */
	uint32_t rank;		/* among aliases at one address, the highest is named */
};

struct elf_syms {
	uint64_t dev, ino;
	uint64_t used;
	struct sym *syms;
	unsigned nsyms;
	char *names;
	struct { uint64_t offset, vaddr, filesz; } load[16];	/* PT_LOAD */
	unsigned nload;
	bool loaded;		/* false: unreadable, remembered so we do not retry */
	Dwfl *dwfl;		/* NULL: libdwfl could not take the file */
	Dwfl_Module *mod;
};

struct symbolizer {
	struct pid_maps pids[MAX_PIDS];
	struct elf_syms files[MAX_FILES];
	uint64_t clock;
};

struct symbolizer *symbolizer__new(void)
{
	static int elf_ready;	/* 0 unknown, 1 ready, -1 libelf too old */

	if (!elf_ready)
		elf_ready = elf_version(EV_CURRENT) == EV_NONE ? -1 : 1;
	if (elf_ready < 0)
		return NULL;
	return calloc(1, sizeof(struct symbolizer));
}

unsigned symbolizer__cached_files(const struct symbolizer *s)
{
	unsigned n = 0;

	for (int i = 0; s && i < MAX_FILES; i++)
		n += s->files[i].loaded;
	return n;
}

static void maps_free(struct pid_maps *pm)
{
	for (unsigned i = 0; i < pm->nmaps; i++)
		free(pm->maps[i].path);
	free(pm->maps);
	memset(pm, 0, sizeof(*pm));
}

static void file_free(struct elf_syms *f)
{
	if (f->dwfl)
		dwfl_end(f->dwfl);
	free(f->syms);
	free(f->names);
	memset(f, 0, sizeof(*f));
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_PIDS; i++)
		maps_free(&s->pids[i]);
	for (int i = 0; i < MAX_FILES; i++)
		file_free(&s->files[i]);
	free(s);
}

void symbolizer__forget(struct symbolizer *s, pid_t pid)
{
	for (int i = 0; s && i < MAX_PIDS; i++)
		if (s->pids[i].pid == pid)
			maps_free(&s->pids[i]);
}

static int load_maps(struct pid_maps *pm, pid_t pid)
{
	char path[64], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	pm->maps = calloc(MAX_MAPS, sizeof(*pm->maps));
	if (!pm->maps) {
		fclose(f);
		return -1;
	}
	pm->pid = pid;
	while (fgets(line, sizeof(line), f) && pm->nmaps < MAX_MAPS) {
		unsigned long long start, end, off, ino;
		unsigned major, minor;
		char perms[8], file[4096] = "";
		struct mapping *m = &pm->maps[pm->nmaps];

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %4095[^\n]", &start, &end, perms, &off,
			   &major, &minor, &ino, file) < 7)
			continue;
		m->start = start;
		m->end = end;
		m->pgoff = off;
		m->dev = makedev(major, minor);
		m->ino = ino;
		{
			char *p = file;

			while (*p == ' ')
				p++;
			size_t n = strlen(p);

			/* map_files still reaches a deleted file: name it plainly */
			if (n > 10 && !strcmp(p + n - 10, " (deleted)"))
				p[n - 10] = '\0';
			m->path = *p ? strdup(p) : NULL;
		}
		pm->nmaps++;
	}
	fclose(f);
	return 0;
}

static struct pid_maps *maps_of(struct symbolizer *s, pid_t pid, bool reload)
{
	struct pid_maps *lru = &s->pids[0];

	for (int i = 0; i < MAX_PIDS; i++) {
		if (s->pids[i].pid == pid && s->pids[i].maps) {
			if (!reload) {
				s->pids[i].used = ++s->clock;
				return &s->pids[i];
			}
			lru = &s->pids[i];
			break;
		}
		if (s->pids[i].used < lru->used)
			lru = &s->pids[i];
	}
	maps_free(lru);
	if (load_maps(lru, pid)) {
		maps_free(lru);
		return NULL;
	}
	lru->used = ++s->clock;
	return lru;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Aliases share an address (malloc, __libc_malloc): name the global one,
 * then the one with fewer leading underscores, as a reader would. */
static uint32_t sym_rank(const GElf_Sym *sym, const char *name)
{
	uint32_t rank = 0;

	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL: rank = 300; break;
	case STB_WEAK: rank = 200; break;
	default: rank = 100; break;
	}
	rank += 50;
	for (int i = 0; name[i] == '_' && i < 50; i++)
		rank--;
	return rank;
}

/* Function symbols of .symtab, else .dynsym (a stripped file), sorted;
 * PT_LOAD segments to turn file offsets into virtual addresses. */
static void load_elf(struct elf_syms *f, int fd)
{
	size_t names_len = 0, names_cap = 0, nphdr;
	unsigned cap = 0;
	Elf_Scn *scn = NULL;
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf64_Word table = SHT_SYMTAB;

	f->loaded = true;
	if (!e || elf_kind(e) != ELF_K_ELF)
		goto out;
	if (elf_getphdrnum(e, &nphdr) == 0) {
		for (size_t i = 0; i < nphdr && f->nload < 16; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				f->load[f->nload].offset = ph.p_offset;
				f->load[f->nload].vaddr = ph.p_vaddr;
				f->load[f->nload].filesz = ph.p_filesz;
				f->nload++;
			}
		}
	}
again:
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != table || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && f->nsyms < MAX_SYMS; i++) {
			GElf_Sym sym;
			const char *name;
			size_t len;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			len = strlen(name) + 1;
			if (f->nsyms == cap) {
				struct sym *ns = realloc(f->syms, (cap ? cap * 2 : 1024) * sizeof(*ns));

				if (!ns)
					goto out;
				f->syms = ns;
				cap = cap ? cap * 2 : 1024;
			}
			if (names_len + len > names_cap) {
				char *nn = realloc(f->names, names_cap ? names_cap * 2 + len : 65536 + len);

				if (!nn)
					goto out;
				f->names = nn;
				names_cap = names_cap ? names_cap * 2 + len : 65536 + len;
			}
			memcpy(f->names + names_len, name, len);
			f->syms[f->nsyms++] = (struct sym){ sym.st_value, sym.st_size,
							    (uint32_t)names_len, sym_rank(&sym, name) };
			names_len += len;
		}
	}
	if (!f->nsyms && table == SHT_SYMTAB) {
		table = SHT_DYNSYM;
		scn = NULL;
		goto again;
	}
	if (f->nsyms)
		qsort(f->syms, f->nsyms, sizeof(*f->syms), cmp_sym);
out:
	if (e)
		elf_end(e);
}

static struct elf_syms *file_of(struct symbolizer *s, pid_t pid, const struct mapping *m)
{
	struct elf_syms *lru = &s->files[0];
	char path[4200];
	int fd;

	for (int i = 0; i < MAX_FILES; i++) {
		if (s->files[i].loaded && s->files[i].dev == m->dev && s->files[i].ino == m->ino) {
			s->files[i].used = ++s->clock;
			return &s->files[i];
		}
		if (s->files[i].used < lru->used)
			lru = &s->files[i];
	}
	file_free(lru);
	lru->dev = m->dev;
	lru->ino = m->ino;
	lru->used = ++s->clock;
	/* map_files reaches the very file mapped, even in another mount
	 * namespace (a container) or after it was replaced on disk */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
	if (fd < 0)
		fd = sym_debug__open_regular(path);
	if (fd < 0) {
		lru->loaded = true;	/* unreadable: answer with addresses */
		return lru;
	}
	load_elf(lru, fd);
	/* named as the process sees it: debug files are looked up beside it */
	lru->dwfl = sym_debug__open(fd, path, &lru->mod);
	close(fd);
	return lru;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* s into dst[len], its end kept after "..." when too long */
static void copy_tail(char *dst, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n < len) {
		memcpy(dst, s, n + 1);
		return;
	}
	s += n - (len - 4);
	while (((unsigned char)*s & 0xc0) == 0x80)	/* not inside a character */
		s++;
	snprintf(dst, len, "...%s", s);
}

static void copy_cut(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s);
}

static void set_source(struct sym_frame *out, const char *src, int line, Dwarf_Die *cu)
{
	Dwarf_Attribute attr;
	const char *dir = NULL;

	if (!src || !*src || line <= 0)
		return;
	/* a path relative to where it was compiled: from there */
	if (src[0] != '/' && cu)
		dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
	if (dir && dir[0] == '/') {
		size_t n = strlen(dir) + strlen(src) + 2;
		char *whole = malloc(n);

		if (!whole)
			return;
		snprintf(whole, n, "%s/%s", dir, src);
		copy_tail(out->file, sizeof(out->file), whole);
		free(whole);
	} else {
		copy_tail(out->file, sizeof(out->file), src);
	}
	out->line = (uint32_t)line;
}

static void source_of(const struct elf_syms *f, uint64_t addr, struct sym_frame *out)
{
	Dwfl_Line *l = dwfl_module_getsrc(f->mod, addr);
	Dwarf_Addr at, bias;
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf *dw;
	int line = 0;
	const char *src;

	if (l) {
		src = dwfl_lineinfo(l, &at, &line, NULL, NULL, NULL);
		set_source(out, src, line, dwfl_linecu(l));
		return;
	}
	/* No .debug_aranges (Go's DWARF), which libdw before 0.191 needs:
	 * the compilation unit whose ranges hold the address, one by one */
	dw = dwfl_module_getdwarf(f->mod, &bias);
	if (!dw)
		return;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Line *dl;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_haspc(&cu, addr - bias) > 0) {
			dl = dwarf_getsrc_die(&cu, addr - bias);
			if (dl && dwarf_lineno(dl, &line) == 0)
				set_source(out, dwarf_linesrc(dl, NULL, NULL), line, &cu);
			return;
		}
		off = next;
	}
}

void symbolizer__frame(struct symbolizer *s, pid_t pid, uint64_t ip, bool want_source,
		       struct sym_frame *out)
{
	const struct mapping *m = NULL;
	struct pid_maps *pm;
	struct elf_syms *f;
	uint64_t off, vaddr = 0;
	unsigned lo, hi;
	bool have_vaddr = false;
	const char *name = NULL;

	memset(out, 0, sizeof(*out));
	out->off = ip;
	if (!s)
		return;
	for (int attempt = 0; attempt < 2 && !m; attempt++) {
		pm = maps_of(s, pid, attempt == 1);	/* a new mapping: read maps again */
		for (unsigned i = 0; pm && i < pm->nmaps; i++)
			if (ip >= pm->maps[i].start && ip < pm->maps[i].end) {
				m = &pm->maps[i];
				break;
			}
	}
	if (!m)
		return;
	if (!m->path) {
		copy_cut(out->module, sizeof(out->module), "[anon]");
		return;
	}
	if (m->path[0] != '/') {	/* [heap], [stack], [vdso], anon_inode:... */
		copy_cut(out->module, sizeof(out->module), m->path);
		return;
	}
	copy_cut(out->module, sizeof(out->module), base_name(m->path));
	out->in_file = true;
	f = file_of(s, pid, m);
	off = ip - m->start + m->pgoff;
	out->off = off;
	for (unsigned i = 0; i < f->nload; i++)
		if (off >= f->load[i].offset && off < f->load[i].offset + f->load[i].filesz) {
			vaddr = off - f->load[i].offset + f->load[i].vaddr;
			have_vaddr = true;
			break;
		}
	if (!have_vaddr)
		return;
	out->off = vaddr;
	if (f->nsyms) {
		/* last symbol at or below vaddr */
		lo = 0;
		hi = f->nsyms;
		while (hi - lo > 1) {
			unsigned mid = (lo + hi) / 2;

			if (f->syms[mid].addr <= vaddr)
				lo = mid;
			else
				hi = mid;
		}
		if (f->syms[lo].addr <= vaddr &&
		    (!f->syms[lo].size || vaddr < f->syms[lo].addr + f->syms[lo].size)) {
			name = f->names + f->syms[lo].name;
			out->off = vaddr - f->syms[lo].addr;
		}
	}
	if (!name && f->mod) {
		/* a separate debug file's .symtab, or MiniDebugInfo's */
		GElf_Off symoff = 0;
		GElf_Sym sym;
		const char *n = dwfl_module_addrinfo(f->mod, vaddr, &symoff, &sym, NULL, NULL, NULL);

		if (n && *n && (GELF_ST_TYPE(sym.st_info) == STT_FUNC ||
				GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC) &&
		    (!sym.st_size || symoff < sym.st_size)) {
			name = n;
			out->off = symoff;
		}
	}
	if (name && !symbols__demangle(name, out->name, sizeof(out->name)))
		copy_cut(out->name, sizeof(out->name), name);
	if (want_source && f->mod)	/* a return address: the call is just before */
		source_of(f, vaddr ? vaddr - 1 : 0, out);
}

/* Where a C++ name's parameter list starts ("f(int) const" -> 1), or 0 */
static size_t params_at(const char *name, size_t n)
{
	int depth = 0;

	while (n && name[n - 1] != ')')	/* " const", " &&" */
		n--;
	for (size_t i = n; i > 0; i--) {
		if (name[i - 1] == ')')
			depth++;
		else if (name[i - 1] == '(' && --depth == 0)
			return i - 1;
	}
	return 0;
}

void sym_frame__format(const struct sym_frame *f, char *buf, size_t len)
{
	char tail[SYM_MODULE_LEN + 32];
	size_t room, n;
	int tl;

	if (!len)
		return;
	if (!f->module[0]) {
		snprintf(buf, len, "0x%llx", (unsigned long long)f->off);
		return;
	}
	if (!f->in_file) {
		snprintf(buf, len, "%s", f->module);
		return;
	}
	if (!f->name[0]) {
		snprintf(buf, len, "0x%llx (%s)", (unsigned long long)f->off, f->module);
		return;
	}
	tl = snprintf(tail, sizeof(tail), "+0x%llx (%s)", (unsigned long long)f->off, f->module);
	n = strlen(f->name);
	room = tl > 0 && (size_t)tl + 1 < len ? len - 1 - (size_t)tl : 0;
	if (n > room) {
		size_t p = params_at(f->name, n);

		if (p)
			n = p;
	}
	if (n <= room || room < 8) {
		snprintf(buf, len, "%.*s%s", (int)n, f->name, tail);
		return;
	}
	n = room - 3;
	while (n && ((unsigned char)f->name[n] & 0xc0) == 0x80)	/* not inside a character */
		n--;
	snprintf(buf, len, "%.*s...%s", (int)n, f->name, tail);
}

void symbolizer__resolve(struct symbolizer *s, pid_t pid, uint64_t ip, char *buf, size_t len)
{
	struct sym_frame f;

	symbolizer__frame(s, pid, ip, false, &f);
	sym_frame__format(&f, buf, len);
}
