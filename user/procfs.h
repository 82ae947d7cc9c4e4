/* SPDX-License-Identifier: GPL-2.0 */
/* Reading /proc: per-process samples, metadata and identity. */
#ifndef LS_PROCFS_H
#define LS_PROCFS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "leakscope.h"

/* start_ns of pid as BPF computes it (boot-time, 10 ms ticks); 0 if gone. */
uint64_t procfs__start_ns(pid_t pid);
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
/* Calls fn for every numeric entry of /proc; stops if fn returns non-zero. */
int procfs__for_each_pid(int (*fn)(pid_t pid, void *ctx), void *ctx);

#endif
