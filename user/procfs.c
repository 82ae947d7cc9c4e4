// SPDX-License-Identifier: GPL-2.0
/* /proc readers.  Every read is of a file that can vanish at any moment:
 * a missing process is a normal answer (-1), not an error. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "procfs.h"

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = 0;
	return total;
}

/* The parsers take what a read gave, NUL-terminated, and trust none of it
 * (a comm holds any byte but NUL, a file can be cut short): they are
 * fuzzed (tests/fuzz/fuzz_readers.c). */

/* The fields after comm: comm may hold spaces, parens and newlines, so
 * they start after the last ')'.  NULL when there is none. */
static const char *stat_after_comm(const char *stat)
{
	const char *p = strrchr(stat, ')');

	return p ? p + 1 : NULL;
}

int procfs__parse_stat(const char *stat, struct procfs_stat *out)
{
	const char *p = stat_after_comm(stat);
	unsigned long long ticks;
	unsigned ppid;
	char state;

	const char *start = NULL;
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	int field = 3;

	memset(out, 0, sizeof(*out));
	if (!p || sscanf(p, " %c %u", &state, &ppid) != 2)
		return -1;
	out->ppid = ppid;
	/* " S ppid ...": field 3 (state) is p+1; starttime is field 22; the
	 * activity hash takes minflt to stime (10-15), num_threads (20),
	 * vsize and rss (23, 24) */
	for (p++; p && *p && field <= 24; field++) {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (field == 22)
			start = p;
		if ((field >= 10 && field <= 15) || field == 20 || field >= 23) {
			for (size_t i = 0; i < n; i++)
				h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
			h = (h ^ ' ') * 1099511628211ULL;
		}
		p = end ? end + 1 : NULL;
	}
	if (!start || sscanf(start, "%llu", &ticks) != 1)
		return -1;
	out->start_ticks = ticks;
	out->activity = field > 24 ? (h ? h : 1) : 0;
	return 0;
}

uint64_t procfs__start_ns_activity(pid_t pid, uint64_t *activity)
{
	char path[64], buf[1024];
	struct procfs_stat st;
	long hz = sysconf(_SC_CLK_TCK);

	*activity = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || procfs__parse_stat(buf, &st))
		return 0;
	if (hz <= 0)
		hz = 100;
	*activity = st.activity;
	return st.start_ticks * (1000000000ULL / (unsigned long long)hz);
}

uint64_t procfs__start_ns(pid_t pid)
{
	uint64_t activity;

	return procfs__start_ns_activity(pid, &activity);
}

/* "Name:   1234 kB" lines into bytes */
static bool kb_field(const char *line, const char *name, __u64 *out)
{
	size_t n = strlen(name);
	unsigned long long v;

	if (strncmp(line, name, n) || line[n] != ':')
		return false;
	if (sscanf(line + n + 1, "%llu", &v) == 1)
		*out = v * 1024;
	return true;
}

int procfs__parse_status(const char *buf, struct ls_proc_sample *s)
{
	bool has_mm = false;

	for (const char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (kb_field(line, "RssAnon", &s->rss_anon_bytes))
			has_mm = true;
		else if (kb_field(line, "RssFile", &s->rss_file_bytes) ||
			 kb_field(line, "RssShmem", &s->rss_shmem_bytes) ||
			 kb_field(line, "VmSwap", &s->swap_bytes) ||
			 kb_field(line, "VmSize", &s->vm_size_bytes) ||
			 kb_field(line, "VmData", &s->vm_data_bytes))
			continue;
	}
	return has_mm ? 0 : -1;
}

int procfs__read_status(pid_t pid, struct ls_proc_sample *s)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	s->hdr.type = LS_REC_PROC_SAMPLE;
	s->hdr.size = sizeof(*s);
	s->hdr.tgid = pid;
	return procfs__parse_status(buf, s);
}

void procfs__parse_rollup(const char *buf, struct ls_proc_sample *s)
{
	for (const char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (kb_field(line, "LazyFree", &s->lazyfree_bytes) ||
		    kb_field(line, "Private_Clean", &s->private_clean_bytes) ||
		    kb_field(line, "Private_Dirty", &s->private_dirty_bytes) ||
		    kb_field(line, "Private_Hugetlb", &s->private_hugetlb_bytes))
			continue;
	}
}

int procfs__read_rollup(pid_t pid, struct ls_proc_sample *s)
{
	char path[64], buf[4096];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	procfs__parse_rollup(buf, s);
	s->flags |= LS_SAMPLE_HAS_ROLLUP;
	return 0;
}

/* The process's open fds.  Since Linux 6.2, stat() of /proc/PID/fd gives
 * the count as its size, from the fd bitmap: no walk, and no reference
 * taken on any file.  A readdir takes a reference on each file in turn, and
 * a close() that meets one is not its socket's last (which the BPF close
 * rule must then search for, and in tables too big to search, misses).
 * Older kernels report size 0: count the entries then. */
int procfs__count_fds(pid_t pid, struct ls_proc_sample *s)
{
	char path[64];
	struct dirent *de;
	struct stat st;
	uint32_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if (stat(path, &st))
		return -1;
	if (st.st_size > 0) {
		n = st.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_size;
	} else {
		d = opendir(path);
		if (!d)
			return -1;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				n++;
		closedir(d);
	}
	s->fds_open = n;
	s->flags |= LS_SAMPLE_HAS_FDS;
	return 0;
}

uint64_t procfs__netns(pid_t pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

uint64_t procfs__sockets_used(void)
{
	unsigned long long n = 0;
	FILE *f = fopen("/proc/net/sockstat", "re");

	if (!f)
		return 0;
	if (fscanf(f, "sockets: used %llu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

void procfs__parse_comm(const char *buf, size_t n, char comm[LS_COMM_LEN])
{
	/* the kernel ends it with a newline; a comm can end with one too */
	if (n && buf[n - 1] == '\n')
		n--;
	n = strnlen(buf, n < LS_COMM_LEN - 1 ? n : LS_COMM_LEN - 1);
	memcpy(comm, buf, n);
	memset(comm + n, 0, LS_COMM_LEN - n);
}

int procfs__read_meta(pid_t pid, struct ls_proc_meta *meta)
{
	char path[64], buf[1024];
	struct procfs_stat st;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;

	memset(meta, 0, sizeof(*meta));
	meta->hdr.type = LS_REC_PROC_META;
	meta->hdr.size = sizeof(*meta);
	meta->hdr.tgid = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	procfs__parse_comm(buf, (size_t)n, meta->comm);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, meta->exe, sizeof(meta->exe) - 1);
	meta->exe[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || procfs__parse_stat(buf, &st))
		return -1;
	if (hz <= 0)
		hz = 100;
	meta->ppid = st.ppid;
	meta->start_ns = st.start_ticks * (1000000000ULL / (unsigned long long)hz);
	return meta->start_ns ? 0 : -1;
}

bool procfs__comm_is(pid_t pid, const char *comm)
{
	char path[64], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	if (buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return strncmp(buf, comm, LS_COMM_LEN - 1) == 0;
}

int procfs__for_each_pid(int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -1;
	while (!ret && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		ret = fn((pid_t)atoi(de->d_name), ctx);
	}
	closedir(d);
	return ret;
}
