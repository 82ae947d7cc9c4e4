/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-process model: fed ls_rec_hdr records (live from the loader, or
 * from a recording), it keeps a bounded table of processes and decides the
 * verdicts at each LS_REC_INTERVAL.  Plain C: no libbpf, no /proc.
 *
 * Each domain owns its state and its part of the report:
 *   memory   mem_model.c   (struct mem_state, embedded)
 *   sockets  sock_model.c  (struct sock_state, allocated on first use)
 *   setns    ns_model.c    (struct ns_state, allocated on first use)
 */
#ifndef LS_MODEL_H
#define LS_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "leakscope.h"
#include "cgroup_path.h"
#include "series.h"
#include "verdict.h"

/* Processes held at once: 32,768, Linux's default pid_max (systemd raises
 * it, but hosts with more live processes are rare), eight times the 4,096
 * a host with 5,000 idle processes overflowed.  Slots are allocated in
 * chunks as processes are seen: an idle process costs its 2.3 KiB slot
 * and up to 1 KiB of sample times, one that shows something its series
 * (6 KiB) and mappings and sites (2.3 KiB) too; a table full of idle
 * processes is about 110 MiB.  Sampling 32,768 processes takes about a
 * second of CPU at each interval: more would not be followed at -i 1. */
#define MODEL_MAX_PROCS		32768
#define MODEL_SLOT_CHUNK	256	/* slots allocated at a time */
/* past this many processes (or half the table), or this many exited,
 * exited ones that showed nothing leave after each report */
#define MODEL_KEEP_PROCS	2048
#define MODEL_KEEP_EXITED	256
/* the most a "not growing" verdict may claim for a process some of whose
 * events may have been lost */
#define MODEL_INCOMPLETE_CONFIDENCE	0.5
#define MODEL_TOP_MAPPINGS	5	/* largest mappings kept per process */
#define MODEL_TOP_SITES		5	/* growth sites kept per process */
#define MODEL_EXPLAIN_LEN	320
#define MODEL_MEM_EXPLAIN_LEN	512	/* room for what the growth follows (mem_link) */

struct sock_state;
struct ns_state;
struct sock_model;
struct model;
struct json;

struct mem_mapping {
	uint64_t size;
	uint64_t addr;
	uint64_t ts_ns;
	uint32_t tid;
	uint32_t syscall;	/* 0 mmap, 1 mremap, 2 brk */
	int32_t fd;
	uint32_t prot;
	char thread[LS_COMM_LEN];
};

struct mem_site {
	uint64_t bytes;
	uint64_t calls;
	uint32_t stack_id;
	uint32_t nframes;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN];
	struct ls_site_source sources[LS_SITE_FRAMES];	/* line 0: unknown */
};

/* What real memory grows with, when it grows with something the process
 * holds: its unix or TCP connections, or its fds (mem_link.c).  Decided by
 * how closely the two series move together over the memory verdict's
 * window, not by both being called leaks. */
enum mem_link_kind {
	MEM_LINK_NONE = 0,
	MEM_LINK_UNIX,
	MEM_LINK_TCP,
	MEM_LINK_FDS,
};

struct mem_link {
	enum mem_link_kind kind;
	bool count_leaks;	/* the count's own verdict is leak */
	bool peer_connected;	/* unix: the peer connected to this process */
	uint32_t peer_tgid;	/* unix: the peer most of the gain is with; 0: none */
	uint32_t peers;		/* unix: peer groups that gained */
	double gained;		/* held at the window's end minus at its start */
	double peer_gained;	/* of those, with peer_tgid */
	double memory_growth;	/* real memory's change between the same instants */
	double bytes_per_item;	/* memory_growth / gained */
	double correlation;	/* Pearson's r, real memory against the count */
	double span_s;		/* between those instants */
};

/* The largest mappings and growth sites: only processes that make big
 * mappings or show growth sites need them (2.5 KiB), allocated on use. */
struct mem_extra {
	struct mem_mapping largest[MODEL_TOP_MAPPINGS];
	uint32_t nlargest;
	struct mem_site sites[MODEL_TOP_SITES];
	uint32_t nsites;
};

/* Resident memory by region class (smaps), allocated at the first regions
 * record: the latest read, and the classes at the first, so that the
 * growth of each over the run is known (1.5 KiB, fixed). */
struct mem_regions {
	struct ls_proc_regions latest;
	struct ls_region_sum first[LS_REGION_CLASSES];
	uint64_t first_ts_ns;
	uint32_t reads;
};

struct mem_state {
	bool have_ledger;
	bool have_sample;
	bool have_rollup;		/* LazyFree known */
	struct ls_mem_ledger ledger;	/* latest BPF aggregate */
	struct ls_proc_sample sample;	/* latest /proc sample */
	uint64_t lazyfree_bytes;	/* latest LazyFree (0 when never read) */
	uint64_t rollup_ts_ns;
	struct mem_extra *extra;	/* NULL until a big mapping or growth site */
	struct mem_regions *regions;	/* NULL until a regions record */
	struct heap_state *heap;	/* NULL until a --heap record (heap_model.h) */
	/* decided at each interval */
	struct verdict_result real_v;	/* verdict on real memory */
	struct verdict_result rss_v;	/* the same fit on RSS, for lazy-free */
	enum verdict verdict;
	double confidence;
	struct mem_link link;		/* MEM_LINK_NONE unless it grows with one */
	char explanation[MODEL_MEM_EXPLAIN_LEN];
};

/* A process's sampled quantities: real memory (RSS - LazyFree), RSS and
 * open fds.  While every sample gave the same three numbers (an idle
 * process) they are kept as those numbers and one column of times,
 * decimated as a series would be (at most SERIES_CAP, grown by doubling);
 * the three series (6 KiB) are allocated at the first sample that differs,
 * holding exactly what series__add would have made of the same points. */
enum proc_series_kind { PROC_SERIES_REAL, PROC_SERIES_RSS, PROC_SERIES_FDS };

struct proc_series_full {
	struct series real, rss, fds;
};

struct proc_samples {
	struct proc_series_full *full;	/* NULL while flat */
	/* flat: */
	uint64_t *t_ns;		/* the kept points' times, room for cap */
	uint32_t n, stride, skipped, cap;	/* as struct series */
	uint64_t last_t_ns;
	double real, rss, fds;	/* what every sample said */
	uint8_t fds_kind;	/* 0 no sample yet, 1 every one had fds, 2 none had */
};

struct ls_process {
	uint32_t tgid;
	uint32_t ppid;
	uint64_t start_ns;	/* identity with tgid: pid reuse starts a new entry */
	char comm[LS_COMM_LEN];
	char exe[LS_EXE_LEN];
	char cgroup[LS_CGROUP_LEN];	/* "" until a cgroup record */
	bool cgroup_cut;		/* cgroup is the path's last bytes */
	struct cgroup_info container;	/* derived from cgroup */
	char container_name[LS_CONTAINER_NAME_LEN];
	uint64_t first_ts_ns;	/* first record about it */
	uint64_t last_ts_ns;
	bool exited;
	int32_t exit_code;
	uint64_t exit_ts_ns;
	bool incomplete;	/* alive in an interval whose events were not all seen */
	uint32_t fds_open;
	struct proc_samples samples;	/* real memory, RSS, fds over time */
	uint64_t active_ts_ns;	/* its first record showing activity (0: none yet) */
	struct mem_state mem;
	struct sock_state *sock;	/* NULL until socket activity */
	struct ns_state *ns;		/* NULL until setns/unshare activity */
	/* how urgently a report should show it; higher first (set per interval) */
	double rank;
};

#define MODEL_MIB (1024.0 * 1024.0)

struct model_opts {
	uint32_t top_n;		/* processes in a report besides non-stable ones */
	uint32_t max_procs;	/* 0: MODEL_MAX_PROCS */
	uint32_t max_sockets;	/* 0: SOCK_TABLE_MAX (sock_table.h) */
	uint32_t only_tgid;	/* report filter (report -p); 0 = all */
	int64_t wall_minus_boot_ns;	/* to print wall-clock times; 0 = unknown */
};

/* Called at each interval's end and once for the final report. */
typedef void (*model_report_fn)(void *ctx, const struct model *m, bool final);

struct model {
	struct model_opts opts;
	/* max_procs slots in chunks of MODEL_SLOT_CHUNK, allocated when a slot
	 * in them is first used; a slot never moves */
	struct ls_process **chunks;
	uint32_t nslots;		/* slots in allocated chunks */
	void *index;			/* tgid -> slot (open addressing) */
	uint32_t *free_slots;		/* stack of unused slots, lowest on top */
	uint32_t nfree;
	uint32_t nprocs;
	uint32_t nexited;		/* of nprocs, exited */
	bool no_victim;			/* full, and the last scan found none to evict */
	uint32_t max_procs;
	uint64_t procs_evicted;		/* live, idle processes evicted for active ones */
	uint64_t *capped_pids;		/* bitmap: pids counted in procs_capped */
	uint32_t nfull;			/* processes whose series are allocated */
	uint32_t nextra;		/* processes with a mem_extra */
	uint32_t nregions;		/* processes with a mem_regions */
	uint32_t nheap;			/* processes with a heap_state */
	uint64_t first_ts_ns;
	uint64_t last_ts_ns;
	uint64_t interval_ns;
	uint64_t intervals;
	uint64_t drops[LS_DROP_MAX];	/* cumulative from BPF */
	uint64_t user_drops;		/* records rejected or not tracked here */
	uint64_t snapshot_untraced_skipped;	/* not lost events: ls_interval says */
	uint64_t procs_capped;
	uint64_t bad_records;		/* wrong size / unknown type */
	uint64_t alloc_drops;		/* samples or extras lost: no memory */
	/* events lost: between the intervals ending at these times, the
	 * first and the last with losses (0: none) */
	uint64_t lost_from_ns, lost_to_ns;
	uint64_t lost_prev;		/* model__lost() at the last interval */
	uint64_t prev_interval_ns;	/* the last interval's end */
	bool saw_final;
	struct sock_model *sock;	/* cross-process socket pairing */
	model_report_fn report_fn;
	void *report_ctx;
};

struct model *model__new(const struct model_opts *opts);
void model__free(struct model *m);
void model__set_report(struct model *m, model_report_fn fn, void *ctx);

/* Feed one record.  Returns 0, or -1 if it was malformed (counted). */
int model__ingest(struct model *m, const struct ls_rec_hdr *rec, size_t len);

/* Find or create the process (tgid, start_ns) for a record that shows
 * activity (sockets, setns, memory events); NULL when the table is full of
 * processes no less interesting (counted in procs_capped). */
struct ls_process *model__proc(struct model *m, uint32_t tgid, uint64_t start_ns);
/* The same for a sample or a name: when the table is full it takes only
 * an exited process's slot, never an idle live one's. */
struct ls_process *model__proc_idle(struct model *m, uint32_t tgid, uint64_t start_ns);
struct ls_process *model__find(const struct model *m, uint32_t tgid);

/* Slot i (i < m->nslots), used or not (tgid 0): how to walk the table. */
static inline struct ls_process *model__slot(const struct model *m, uint32_t i)
{
	return &m->chunks[i / MODEL_SLOT_CHUNK][i % MODEL_SLOT_CHUNK];
}

/* A process's series of kind k: its own, or, while it is flat, built
 * into scratch (the same points). */
const struct series *model__series(const struct ls_process *p, enum proc_series_kind k,
				   struct series *scratch);
/* Samples taken of it (points of its real-memory series), and their span. */
uint32_t model__samples(const struct ls_process *p);
/* Bytes the table has allocated: slots, series, mapping/site parts. */
uint64_t model__heap_bytes(const struct model *m);

/* Sum of every dropped/lost record, as shown in reports. */
/* "N events lost (socket table full X, ring full Y)": why a process marked
 * incomplete may have short counts. */
void model__loss_reason(const struct model *m, char *buf, size_t len);
uint64_t model__lost(const struct model *m);
double model__duration_s(const struct model *m);
/* The wall-clock time of boot_ns (CLOCK_BOOTTIME) as strftime's fmt, UTC;
 * "" when the run did not record the clocks' difference. */
void model__wall_time(const struct model *m, uint64_t boot_ns, const char *fmt, char *buf,
		      size_t len);

/* Processes a report shows, most urgent first; returns how many (<= max). */
uint32_t model__ranked(const struct model *m, const struct ls_process **out, uint32_t max,
		       bool final);

/* Each domain's own functions are in its header (mem_model.h,
 * sock_model.h, ns_model.h); what the model and the reports ask of all
 * of them is domain.h's table. */

#endif
