/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --heap's user-space half: bpf/heap.bpf.c opened, loaded and attached
 * only when asked for; its counters and sites leave as LS_REC_HEAP and
 * LS_REC_HEAP_SITE records through the sink each interval.
 */
#ifndef LS_HEAP_H
#define LS_HEAP_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "loader.h"

struct heap_opts {
	uint64_t sample_bytes;	/* LS_HEAP_SAMPLE_DEFAULT */
	bool all_pids;		/* whole machine: the host's libc, every pid */
	ls_sink_fn sink;
	void *sink_ctx;
};

struct heap;

/* Open -> configure -> load (-> attach, whole machine); "Error: ..." and
 * NULL on failure. */
struct heap *heap__start(const struct heap_opts *o);
void heap__destroy(struct heap *h);	/* accepts NULL */
/* Probe pid's allocator, or note why not (a Go binary, no malloc): once
 * per process; again after it ran execve().  wait_ms: how long to wait
 * for its allocator to be mapped (a command just started). */
int heap__trace_pid(struct heap *h, pid_t pid, unsigned wait_ms);
/* Whole machine: a process the report shows that has made no call to the
 * host's libc's malloc: say why (another allocator, Go), or send zeros. */
void heap__consider(struct heap *h, pid_t pid);
/* The counters of the processes want() accepts (and those traced with -p
 * or -c), each followed by its sites; forgets processes gone. */
void heap__collect(struct heap *h, uint64_t now_ns, ls_want_fn want, void *ctx);
unsigned heap__nlinks(const struct heap *h);

#endif
