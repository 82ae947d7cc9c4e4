/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The watch command's state, shared by its files and nothing else:
 * watch.c (start, the main loop, the interval, the end), watch_sample.c
 * (sampling /proc: status, smaps_rollup, smaps, names, containers),
 * watch_socks.c (the sock_diag snapshot at attach, checking unverified
 * closes), watch_child.c (-- CMD), watch_heap.c (--heap's targets).
 */
#ifndef LS_WATCH_H
#define LS_WATCH_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "containers.h"
#include "leakscope.h"
#include "options.h"
#include "outfile.h"

#define ROLLUPS_PER_INTERVAL	32	/* smaps_rollup walks page tables */
#define META_REFRESH_INTERVALS	12	/* re-read comm/exe (exec changes them) */
#define PEER_META_PER_INTERVAL	64	/* untraced peers named per interval */
#define VERIFY_PER_INTERVAL	1024	/* unverified closes checked an interval */
#define VERIFY_FOR_NS		(60 * 1000000000ULL)	/* then the end stays open */
#define STAT_MEMO_SLOTS		65536	/* by pid, direct-mapped: 1.5 MiB */
/* /proc/PID/smaps walks the page tables and writes ~1 KiB of text a
 * mapping: it is read only for the processes a report shows (at most
 * REGIONS_PROCS of them, most urgent first), each at most every
 * REGIONS_EVERY intervals, at most REGIONS_PER_INTERVAL an interval; in
 * the last interval, every one shown, for the final report */
#define REGIONS_PROCS		64
#define REGIONS_EVERY		3
#define REGIONS_PER_INTERVAL	16
/* and a pass stops once it took this long (a process of 1,000 mappings
 * takes 10 to 25 ms, bench/regions.c): the rest wait for the next */
#define REGIONS_BUDGET_NS	(200 * 1000000ULL)
#define REGIONS_FINAL_BUDGET_NS	(2000 * 1000000ULL)

/* /proc/PID/status is the costliest read of a pass (a third of
 * leakscope's time beside 5,000 idle processes).  A process whose stat
 * shows no activity since its last sample (the same faults, CPU ticks,
 * threads, vsize and rss) has the same RSS parts, swap and sizes: the
 * model's last sample's are sent again, with the fd count read afresh;
 * every META_REFRESH_INTERVALS intervals, and in the last, all is read. */
struct stat_memo {
	uint32_t pid;
	uint64_t start_ns;
	uint64_t activity;	/* procfs_stat's, at its last status read */
};

struct watch {
	const struct options *opts;
	struct model *model;
	struct loader *loader;
	struct heap *heap;	/* --heap; NULL without */
	struct recording_writer *rec;
	struct serve *serve;	/* serve: /metrics, built at each report */
	struct tui *tui;	/* watch on a terminal: the live view instead of the table */
	FILE *table_out;	/* live table: stdout, or stderr when stdout is JSON/recording */
	uint64_t now_ns;
	bool final;		/* the last interval: names read afresh */
	bool verify_warned;	/* sock_diag failed checking closes: said once */
	uint64_t verify_next_ns;	/* the next check of unverified closes */
	uint64_t user_drops;
	uint32_t snapshot_untraced_skipped;	/* see struct ls_interval */
	uint64_t rec_errors;
	/* rollup candidates of this interval */
	struct { uint32_t tgid; double score; } rollup[ROLLUPS_PER_INTERVAL];
	unsigned nrollup;
	pid_t child;
	int go_fd, err_fd;	/* -- CMD's pipes until it is released (-1 after) */
	int child_status;
	bool child_done;
	/* the traced set while the sock_diag snapshot runs (filtered runs) */
	uint32_t *snap_tgids;
	uint32_t nsnap_tgids;
	bool rename_caps;	/* kept until record --force renames its file */
	struct outfile html;	/* --html: made at start, written with the final report */
	int html_ret;		/* -1: the page could not be written */
	struct stat_memo *memo;		/* STAT_MEMO_SLOTS; NULL: always read */
	uint64_t status_reads, status_skipped;	/* -v */
	uint64_t regions_reads, regions_ns;	/* -v */
	struct container_filter cf;	/* --container, --cgroup */
	uint64_t cf_ns;		/* time the last filter pass took */
};

#define SNAP_MAX_TRACED	4096	/* traced_tgids's size (bpf/common.bpf.h) */

/* watch.c: every record goes to the recording first, then to the model. */
void watch__sink(void *ctx, const struct ls_rec_hdr *rec, size_t len);
/* -p, -c, --container, --cgroup or -- CMD: not the whole machine. */
bool watch__filtered(const struct options *o);

/* watch_sample.c */
/* --container / --cgroup: the matching processes join the traced set. */
void watch_sample__containers(struct watch *w);
/* A sample of every process traced (status, fds, smaps_rollup for the
 * ones chosen this interval, names when due). */
void watch_sample__pass(struct watch *w);
/* smaps by region class for the processes the report shows, when due. */
void watch_sample__regions(struct watch *w);
/* Untraced peers of unix connections: their names. */
void watch_sample__name_peers(struct watch *w);
/* Growth sites wanted for tgid: every traced one when filtered, else the
 * growing ones. */
bool watch_sample__want_sites(void *ctx, uint32_t tgid);

/* watch_socks.c */
void watch_socks__snapshot(struct watch *w);
void watch_socks__verify_closes(struct watch *w);

/* watch_child.c: -- CMD forked now, exec'd once traced (the go pipe). */
int watch_child__start(struct watch *w, int *go_fd, int *err_fd);
int watch_child__release(struct watch *w, int go_fd, int err_fd);

/* watch_heap.c: --heap's probes on what is traced at attach, and each
 * interval its counters. */
void watch_heap__at_attach(struct watch *w);
void watch_heap__interval(struct watch *w);
#endif
