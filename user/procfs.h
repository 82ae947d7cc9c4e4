/* SPDX-License-Identifier: GPL-2.0 */
/* Reading /proc: per-process samples, metadata and identity. */
#ifndef LS_PROCFS_H
#define LS_PROCFS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "leakscope.h"

/* Parsers of what the readers read (NUL-terminated; any bytes): */
struct procfs_stat {
	uint32_t ppid;
	uint64_t start_ticks;	/* starttime, in clock ticks since boot */
	/* a hash of the fields that move when the process runs or its memory
	 * changes (faults, CPU ticks, threads, vsize, rss); 0 when cut short */
	uint64_t activity;
};
/* /proc/PID/stat; -1 when ppid or starttime is not there. */
int procfs__parse_stat(const char *stat, struct procfs_stat *out);
/* /proc/PID/status into s's RSS fields; -1 without RssAnon (no mm). */
int procfs__parse_status(const char *buf, struct ls_proc_sample *s);
/* /proc/PID/smaps_rollup into s's LazyFree and Private_* fields. */
void procfs__parse_rollup(const char *buf, struct ls_proc_sample *s);
/* /proc/PID/comm's n bytes: comm without the kernel's newline, at most
 * LS_COMM_LEN - 1 bytes, zero-filled. */
void procfs__parse_comm(const char *buf, size_t n, char comm[LS_COMM_LEN]);

/* start_ns of pid as BPF computes it (boot-time, 10 ms ticks); 0 if gone. */
uint64_t procfs__start_ns(pid_t pid);
/* The same, and the activity hash of its stat into *activity. */
uint64_t procfs__start_ns_activity(pid_t pid, uint64_t *activity);
/* RssAnon/RssFile/RssShmem/VmSwap/VmSize/VmData into s; -1 if gone or a
 * kernel thread (no mm).  Sets s->hdr fields but ts. */
int procfs__read_status(pid_t pid, struct ls_proc_sample *s);
/* LazyFree and Private_* from smaps_rollup; sets LS_SAMPLE_HAS_ROLLUP. */
int procfs__read_rollup(pid_t pid, struct ls_proc_sample *s);
/* Number of open fds; sets LS_SAMPLE_HAS_FDS. */
int procfs__count_fds(pid_t pid, struct ls_proc_sample *s);
int procfs__read_meta(pid_t pid, struct ls_proc_meta *meta);
/* Inode of pid's network namespace (0: this process); 0 if gone. */
uint64_t procfs__netns(pid_t pid);
bool procfs__comm_is(pid_t pid, const char *comm);
/* Sockets in use in this network namespace (/proc/net/sockstat's
 * "sockets: used"); 0 if unknown. */
uint64_t procfs__sockets_used(void);
/* Calls fn for every numeric entry of /proc; stops if fn returns non-zero. */
int procfs__for_each_pid(int (*fn)(pid_t pid, void *ctx), void *ctx);

#endif
