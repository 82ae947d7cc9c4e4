// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/smaps summed by region class (regions.h says which mapping
 * goes where).  What smaps gives is trusted no more than any /proc text:
 * names are any bytes the process chose (the kernel writes a newline in a
 * path as "\012", nothing else escaped); the parser is fuzzed
 * (tests/fuzz/fuzz_readers.c). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "regions.h"

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int regions__classify(const char *name, const char *perms, bool guard_below, bool huge)
{
	bool shared = perms[0] && perms[1] && perms[2] && perms[3] == 's';

	if (huge)
		return LS_REGION_HUGE;
	if (!name[0]) {
		if (shared)
			return LS_REGION_SHMEM;	/* older kernels: /dev/zero (deleted) */
		if (guard_below && starts(perms, "rw-p"))
			return LS_REGION_STACK;
		return LS_REGION_ANON;
	}
	if (name[0] == '[') {
		if (!strcmp(name, "[heap]"))
			return LS_REGION_HEAP;
		if (starts(name, "[stack"))	/* [stack], and [stack:TID] before 4.5 */
			return LS_REGION_STACK;
		if (starts(name, "[anon_shmem:"))
			return LS_REGION_SHMEM;
		if (starts(name, "[anon:"))
			return strstr(name, "stack") ? LS_REGION_STACK : LS_REGION_ANON;
		return LS_REGION_OTHER;	/* [vdso], [vvar], [vsyscall], [uprobes] */
	}
	if (starts(name, "/memfd:") || starts(name, "memfd:") || starts(name, "/dev/shm/") ||
	    starts(name, "/SYSV"))
		return LS_REGION_SHMEM;
	if (starts(name, "/dev/zero"))
		return shared ? LS_REGION_SHMEM : LS_REGION_ANON;
	if (name[0] != '/')
		return LS_REGION_OTHER;	/* anon_inode:[perf_event], ... */
	return LS_REGION_FILE;
}

/* name into a field: a longer one keeps its end after "..." */
static void put_name(char dst[LS_REGION_NAME_LEN], const char *src, size_t n)
{
	if (n < LS_REGION_NAME_LEN) {
		memcpy(dst, src, n);
		memset(dst + n, 0, LS_REGION_NAME_LEN - n);
		return;
	}
	memcpy(dst, "...", 3);
	memcpy(dst + 3, src + n - (LS_REGION_NAME_LEN - 4), LS_REGION_NAME_LEN - 4);
	dst[LS_REGION_NAME_LEN - 1] = 0;
}

void regions__begin(struct regions_parser *rp, struct ls_proc_regions *out)
{
	memset(rp, 0, sizeof(*rp));
	memset(out, 0, sizeof(*out));
	rp->out = out;
}

static void sum_add(struct ls_region_sum *s, const struct regions_map *m, bool huge)
{
	s->rss_bytes += m->rss + (huge ? m->huge_shared + m->huge_private : 0);
	s->private_bytes += m->priv + (huge ? m->huge_private : 0);
	s->lazyfree_bytes += m->lazy;
	s->swap_bytes += m->swap;
	if (s->count < UINT32_MAX)
		s->count++;
}

/* A file's bytes towards its class's biggest names: the candidates are a
 * bounded table (a file seen again adds up; a full table gives the
 * smallest's place to a bigger one). */
static void candidate(struct regions_parser *rp, int cls, const char *name, uint64_t rss)
{
	uint32_t i, small = 0;

	for (i = 0; i < rp->ncand; i++) {
		if (rp->cand[i].cls == cls && !strcmp(rp->cand[i].name, name)) {
			rp->cand[i].rss += rss;
			return;
		}
		if (rp->cand[i].rss < rp->cand[small].rss)
			small = i;
	}
	if (rp->ncand < REGIONS_CANDIDATES)
		i = rp->ncand++;
	else if (rss > rp->cand[small].rss)
		i = small;
	else
		return;
	rp->cand[i].cls = (uint8_t)cls;
	rp->cand[i].rss = rss;
	snprintf(rp->cand[i].name, sizeof(rp->cand[i].name), "%s", name);
}

static void group_close(struct regions_parser *rp)
{
	struct regions_group *g = &rp->group;
	int cls = g->exec ? LS_REGION_LIB : LS_REGION_FILE;
	struct ls_region_sum *s = &rp->out->classes[cls];

	if (!g->open)
		return;
	s->rss_bytes += g->sum.rss_bytes;
	s->private_bytes += g->sum.private_bytes;
	s->lazyfree_bytes += g->sum.lazyfree_bytes;
	s->swap_bytes += g->sum.swap_bytes;
	s->count = s->count + g->sum.count < s->count ? UINT32_MAX : s->count + g->sum.count;
	candidate(rp, cls, g->name, g->sum.rss_bytes);
	memset(g, 0, sizeof(*g));
}

static long base_page_kb(void)
{
	static long kb;

	if (!kb) {
		long ps = sysconf(_SC_PAGESIZE);

		kb = ps > 0 ? ps / 1024 : 4;
	}
	return kb;
}

/* Is the highest thread stack pointer in [start, end) in its upper half?
 * A stack grows down from near its top (guardless stacks next to each
 * other make one mapping: the top one's pointer is near the top); a Go
 * heap holds the stacks of the goroutines blocked in system calls, where
 * the runtime put them, early and low (dockerd: two in the first 512 KiB
 * of 8 MiB).  By bisection: sps is sorted. */
static bool sp_makes_stack(const struct regions_parser *rp, uint64_t start, uint64_t end)
{
	uint32_t lo = 0, hi = rp->nsps;

	while (lo < hi) {	/* the first sp >= end */
		uint32_t mid = lo + (hi - lo) / 2;

		if (rp->sps[mid] < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && rp->sps[lo - 1] >= start + (end - start) / 2;
}

/* The mapping read so far is complete: into its class. */
static void map_done(struct regions_parser *rp)
{
	struct regions_map *m = &rp->cur;
	bool huge = m->huge_shared || m->huge_private || (m->page_kb && m->page_kb > (uint64_t)base_page_kb());
	bool guard_below = rp->prev_guard && rp->prev_end == m->start;
	int cls;

	if (!rp->in_map)
		return;
	rp->in_map = false;
	/* a thread's stack pointer in it makes a plain anonymous mapping a
	 * stack, as a guard page below does */
	if (!guard_below && !m->named && m->end > m->start &&
	    m->end - m->start <= REGIONS_SP_STACK_MAX && sp_makes_stack(rp, m->start, m->end))
		guard_below = true;
	cls = regions__classify(m->cls_name, m->perms, guard_below, huge);
	rp->prev_guard = !m->named && !strcmp(m->perms, "---p") && m->end > m->start &&
			 m->end - m->start <= REGIONS_GUARD_MAX;
	rp->prev_end = m->end;
	if (rp->out->mappings < UINT32_MAX)
		rp->out->mappings++;
	if (cls != LS_REGION_FILE) {
		group_close(rp);
		sum_add(&rp->out->classes[cls], m, huge);
		if (cls == LS_REGION_SHMEM)
			candidate(rp, cls, m->named ? m->name : "(anonymous)", m->rss);
		return;
	}
	/* a library's segments come one after the other */
	if (rp->group.open && (rp->group.dev != m->dev || rp->group.inode != m->inode ||
			       strcmp(rp->group.name, m->name)))
		group_close(rp);
	if (!rp->group.open) {
		rp->group.open = true;
		rp->group.dev = m->dev;
		rp->group.inode = m->inode;
		memcpy(rp->group.name, m->name, sizeof(rp->group.name));
	}
	if (m->perms[2] == 'x')
		rp->group.exec = true;
	rp->group.end = m->end;
	sum_add(&rp->group.sum, m, false);
}

/* "Name:   1234 kB" of len bytes: the number, in bytes */
static uint64_t kb_value(const char *p, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (UINT64_MAX >> 10) / 10)
			return UINT64_MAX >> 10 << 10;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	return v << 10;
}

/* "start-end perms offset major:minor inode   name" */
static bool map_header(struct regions_parser *rp, const char *line)
{
	struct regions_map *m = &rp->cur;
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[5];
	int n = -1;
	const char *name;

	if (!isxdigit((unsigned char)line[0]) || isupper((unsigned char)line[0]))
		return false;
	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu%n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) != 7 || n < 0)
		return false;
	map_done(rp);
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->inode = ino;
	m->dev = (maj << 20) | (min & 0xfffff);
	memcpy(m->perms, perms, sizeof(perms));
	name = line + n;
	while (*name == ' ' || *name == '\t')
		name++;
	m->named = *name != 0;
	put_name(m->name, name, strlen(name));
	/* classified by the whole name (a cut one starts with "...") */
	n = (int)strnlen(name, sizeof(m->cls_name) - 1);
	memcpy(m->cls_name, name, (size_t)n);
	m->cls_name[n] = 0;
	rp->in_map = true;
	return true;
}

void regions__line(struct regions_parser *rp, const char *line, size_t len)
{
	struct regions_map *m = &rp->cur;
	const char *colon;
	size_t n;
	uint64_t v;

	/* a mapping's first line: hex digits (fields' names begin upper case) */
	if (len && isxdigit((unsigned char)line[0]) && !isupper((unsigned char)line[0])) {
		char buf[REGIONS_LINE_MAX + 1];

		if (len > REGIONS_LINE_MAX)
			len = REGIONS_LINE_MAX;
		memcpy(buf, line, len);
		buf[len] = 0;
		map_header(rp, buf);
		return;
	}
	if (!rp->in_map || !(colon = memchr(line, ':', len < 24 ? len : 24)))
		return;
	n = (size_t)(colon - line);
	v = kb_value(colon + 1, len - n - 1);
#define FIELD(name) (n == sizeof(name) - 1 && !memcmp(line, name, n))
	if (FIELD("Rss"))
		m->rss = v;
	else if (FIELD("Private_Clean") || FIELD("Private_Dirty"))
		m->priv += v;
	else if (FIELD("LazyFree"))
		m->lazy = v;
	else if (FIELD("Swap"))
		m->swap = v;
	else if (FIELD("Shared_Hugetlb"))
		m->huge_shared = v;
	else if (FIELD("Private_Hugetlb"))
		m->huge_private = v;
	else if (FIELD("KernelPageSize"))
		m->page_kb = v >> 10;
#undef FIELD
}

static int cmp_cand(const void *a, const void *b)
{
	const uint64_t ra = *(const uint64_t *)a, rb = *(const uint64_t *)b;

	return ra < rb ? 1 : ra > rb ? -1 : 0;
}

void regions__end(struct regions_parser *rp)
{
	map_done(rp);
	group_close(rp);
	/* biggest first; the struct begins with rss */
	qsort(rp->cand, rp->ncand, sizeof(rp->cand[0]), cmp_cand);
	for (uint32_t i = 0; i < rp->ncand; i++) {
		int k = LS_REGION_NAMED_INDEX(rp->cand[i].cls);
		struct ls_region_name *slot = NULL;

		if (k < 0)
			continue;
		for (int j = 0; j < LS_REGION_TOP_NAMES && !slot; j++)
			if (!rp->out->names[k][j].name[0])
				slot = &rp->out->names[k][j];
		if (!slot)
			continue;
		slot->rss_bytes = rp->cand[i].rss;
		memcpy(slot->name, rp->cand[i].name, sizeof(slot->name));
		slot->name[sizeof(slot->name) - 1] = 0;
	}
}

void regions__parse(const char *buf, size_t len, struct ls_proc_regions *out)
{
	struct regions_parser rp;
	size_t i = 0;

	regions__begin(&rp, out);
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;

		regions__line(&rp, buf + i, n);
		i += n + 1;
	}
	regions__end(&rp);
}

int regions__parse_syscall_sp(const char *text, uint64_t *sp)
{
	const char *tok[9];
	int n = 0;
	char *end;

	/* "nr a1 a2 a3 a4 a5 a6 sp pc" or "-1 sp pc": the last but one */
	for (const char *p = text; *p && n < 9;) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	if ((n != 9 && n != 3) || strncmp(tok[n - 2], "0x", 2))
		return -1;
	*sp = strtoull(tok[n - 2], &end, 16);
	if (end == tok[n - 2] + 2 || (*end != ' ' && *end))
		return -1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The stack pointers of pid's threads blocked in a system call, sorted;
 * at most REGIONS_MAX_SPS threads are read. */
static uint32_t thread_sps(pid_t pid, uint64_t *sps)
{
	char path[96], buf[256];
	struct dirent *de;
	uint32_t n = 0, tried = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && tried < REGIONS_MAX_SPS) {
		ssize_t k;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		tried++;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/syscall", pid, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		k = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (k <= 0)
			continue;
		buf[k] = 0;
		if (regions__parse_syscall_sp(buf, &sps[n]) == 0 && sps[n])
			n++;
	}
	closedir(d);
	qsort(sps, n, sizeof(*sps), cmp_u64);
	return n;
}

int regions__read(pid_t pid, uint64_t start_ns, struct ls_proc_regions *out)
{
	static uint64_t sps[REGIONS_MAX_SPS];
	struct regions_parser rp;
	char path[64];
	static char buf[1 << 16];
	size_t have = 0;
	bool skipping = false;	/* the rest of a line longer than the buffer */
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	regions__begin(&rp, out);
	rp.nsps = thread_sps(pid, sps);
	rp.sps = sps;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t pos = 0;

		if (n <= 0)
			break;
		have += (size_t)n;
		for (;;) {
			char *nl = memchr(buf + pos, '\n', have - pos);

			if (!nl)
				break;
			if (!skipping)
				regions__line(&rp, buf + pos, (size_t)(nl - (buf + pos)));
			skipping = false;
			pos = (size_t)(nl - buf) + 1;
		}
		if (pos == 0 && have == sizeof(buf)) {	/* one line fills it */
			if (!skipping)
				regions__line(&rp, buf, have);
			skipping = true;
			pos = have;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		if (out->mappings >= REGIONS_MAX_MAPPINGS) {
			out->flags |= LS_REGIONS_CUT;
			break;
		}
	}
	close(fd);
	if (have && !skipping)
		regions__line(&rp, buf, have);
	regions__end(&rp);
	if (!out->mappings)
		return -1;	/* no mm: a kernel thread, or gone */
	out->hdr.type = LS_REC_PROC_REGIONS;
	out->hdr.size = sizeof(*out);
	out->hdr.tgid = (uint32_t)pid;
	out->start_ns = start_ns;
	return 0;
}
