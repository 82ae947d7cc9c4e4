// SPDX-License-Identifier: GPL-2.0
/* Sampling /proc each interval for the watch command: status (or the last
 * sample again when stat shows no activity), fds, smaps_rollup where
 * LazyFree can matter, smaps by class for the processes shown, names and
 * cgroups; and the container filter's walk. */
#include <string.h>
#include <unistd.h>
#include "containers.h"
#include "loader.h"
#include "model.h"
#include "procfs.h"
#include "regions.h"
#include "watch.h"

/* The process's cgroup, with its meta: which container it is in. */
static void send_cgroup(struct watch *w, pid_t pid, uint64_t start_ns)
{
	struct ls_proc_cgroup cg;

	if (containers__record(pid, start_ns, &cg))
		return;
	cg.hdr.ts_ns = ls_now_boot_ns();
	watch__sink(w, &cg.hdr, sizeof(cg));
}

/* --container / --cgroup: what matches joins the kernel's traced set, as
 * -p's pids do (its children with it, through fork) */
static void trace_matched(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (!loader__is_traced(w->loader, pid))
		loader__trace_pid(w->loader, pid);
}

void watch_sample__containers(struct watch *w)
{
	uint64_t t = ls_now_boot_ns();

	if (!w->cf.id[0] && !w->cf.cgroup)
		return;
	containers__for_each_match(&w->cf, trace_matched, w);
	w->cf_ns = ls_now_boot_ns() - t;
}

/* smaps_rollup is costly for big processes: read it where LazyFree can
 * matter (MADV_FREE seen, LazyFree seen before, RSS rising), at most
 * ROLLUPS_PER_INTERVAL per interval, everything in small filtered runs. */
static double rollup_score(const struct watch *w, const struct ls_process *p)
{
	if (watch__filtered(w->opts))
		return 10;
	if (!p)
		return 0;
	if (p->mem.ledger.madv_free_bytes)
		return 5;
	if (p->mem.lazyfree_bytes)
		return 4;
	if (p->mem.rss_v.rate_per_s > 0)
		return 1 + p->mem.rss_v.rate_per_s / (1 << 20);
	return 0;
}

static void rollup_consider(struct watch *w, uint32_t tgid, double score)
{
	unsigned worst = 0;

	if (score <= 0)
		return;
	if (w->nrollup < ROLLUPS_PER_INTERVAL) {
		w->rollup[w->nrollup].tgid = tgid;
		w->rollup[w->nrollup++].score = score;
		return;
	}
	for (unsigned i = 1; i < w->nrollup; i++)
		if (w->rollup[i].score < w->rollup[worst].score)
			worst = i;
	if (score > w->rollup[worst].score) {
		w->rollup[worst].tgid = tgid;
		w->rollup[worst].score = score;
	}
}

static bool rollup_chosen(const struct watch *w, uint32_t tgid)
{
	for (unsigned i = 0; i < w->nrollup; i++)
		if (w->rollup[i].tgid == tgid)
			return true;
	return false;
}

static int consider_pid(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	rollup_consider(w, pid, rollup_score(w, model__find(w->model, pid)));
	return 0;
}

static int sample_pid(pid_t pid, void *ctx)
{
	struct watch *w = ctx;
	struct ls_proc_sample s;
	struct ls_process *p;
	struct stat_memo *memo;
	uint64_t start, activity;

	if (pid == getpid())
		return 0;
	/* -c: the comm, or what the kernel filter kept (children, renamed
	 * threads); not the unix peers the model also knows */
	if (w->opts->have_comm && !procfs__comm_is(pid, w->opts->comm) &&
	    !loader__is_traced(w->loader, pid))
		return 0;
	memset(&s, 0, sizeof(s));
	start = procfs__start_ns_activity(pid, &activity);
	if (!start)
		return 0;	/* gone */
	p = model__find(w->model, pid);
	memo = w->memo ? &w->memo[(uint32_t)pid % STAT_MEMO_SLOTS] : NULL;
	if (memo && activity && memo->pid == (uint32_t)pid && memo->start_ns == start &&
	    memo->activity == activity && p && p->start_ns == start && p->mem.have_sample &&
	    !w->final && w->model->intervals % META_REFRESH_INTERVALS != 0 &&
	    !rollup_chosen(w, pid)) {
		const struct ls_proc_sample *last = &p->mem.sample;

		s.hdr.type = LS_REC_PROC_SAMPLE;
		s.hdr.size = sizeof(s);
		s.hdr.tgid = pid;
		s.rss_anon_bytes = last->rss_anon_bytes;
		s.rss_file_bytes = last->rss_file_bytes;
		s.rss_shmem_bytes = last->rss_shmem_bytes;
		s.swap_bytes = last->swap_bytes;
		s.vm_size_bytes = last->vm_size_bytes;
		s.vm_data_bytes = last->vm_data_bytes;
		w->status_skipped++;
	} else {
		if (procfs__read_status(pid, &s))
			return 0;	/* gone, or a kernel thread */
		w->status_reads++;
		if (memo) {
			memo->pid = (uint32_t)pid;
			memo->start_ns = start;
			memo->activity = activity;
		}
	}
	if (!p || p->start_ns != start || !p->comm[0] || w->final ||
	    w->model->intervals % META_REFRESH_INTERVALS == 0) {
		struct ls_proc_meta meta;

		if (procfs__read_meta(pid, &meta) == 0) {
			meta.hdr.ts_ns = ls_now_boot_ns();
			watch__sink(w, &meta.hdr, sizeof(meta));
			send_cgroup(w, pid, meta.start_ns);
		}
	}
	if (rollup_chosen(w, pid))
		procfs__read_rollup(pid, &s);
	procfs__count_fds(pid, &s);
	s.start_ns = start;
	s.hdr.ts_ns = ls_now_boot_ns();
	watch__sink(w, &s.hdr, sizeof(s));
	return 0;
}

/* Resident memory by region class of the processes a report shows. */
void watch_sample__regions(struct watch *w)
{
	const struct ls_process *shown[REGIONS_PROCS];
	uint64_t every = REGIONS_EVERY * (uint64_t)(w->opts->interval_s * 1e9), t0 = ls_now_boot_ns();
	uint32_t n = model__ranked(w->model, shown, REGIONS_PROCS, w->final);
	unsigned done = 0;

	for (uint32_t i = 0; i < n && (w->final || done < REGIONS_PER_INTERVAL) &&
	     ls_now_boot_ns() - t0 < (w->final ? REGIONS_FINAL_BUDGET_NS : REGIONS_BUDGET_NS); i++) {
		const struct ls_process *p = shown[i];
		static struct ls_proc_regions r;	/* 1.2 KiB */

		if (p->exited || p->tgid == (uint32_t)getpid() || !p->mem.have_sample)
			continue;
		/* due: never read, or read REGIONS_EVERY intervals ago (half
		 * an interval's slack: intervals are not exactly apart) */
		if (!w->final && p->mem.regions &&
		    p->mem.regions->latest.hdr.ts_ns + every > w->now_ns + every / (2 * REGIONS_EVERY))
			continue;
		done++;
		if (procfs__start_ns((pid_t)p->tgid) != p->start_ns ||
		    regions__read((pid_t)p->tgid, p->start_ns, &r))
			continue;	/* gone, or its pid is another's now */
		r.hdr.ts_ns = ls_now_boot_ns();
		watch__sink(w, &r.hdr, sizeof(r));
	}
	w->regions_reads += done;
	w->regions_ns += ls_now_boot_ns() - t0;
}

/* Processes to sample: the kernel's traced set when filtered, else all. */
static void for_each_sampled(struct watch *w, int (*fn)(pid_t, void *))
{
	if (watch__filtered(w->opts) && !w->opts->have_comm)
		loader__for_each_traced(w->loader, fn, w);
	else
		procfs__for_each_pid(fn, w);
}

/* Peers (the other end of a unix connection) are not sampled: name them. */
void watch_sample__name_peers(struct watch *w)
{
	struct model *m = w->model;
	unsigned named = 0;

	for (uint32_t i = 0; i < m->nslots && named < PEER_META_PER_INTERVAL; i++) {
		struct ls_process *p = model__slot(m, i);
		struct ls_proc_meta meta;

		if (!p->tgid || p->exited || p->exe[0] || !p->sock)
			continue;
		named++;
		if (procfs__read_meta(p->tgid, &meta) || (p->start_ns && meta.start_ns != p->start_ns))
			continue;	/* gone, or the pid is another process's now */
		meta.hdr.ts_ns = ls_now_boot_ns();
		watch__sink(w, &meta.hdr, sizeof(meta));
		send_cgroup(w, (pid_t)p->tgid, meta.start_ns);
	}
}

bool watch_sample__want_sites(void *ctx, uint32_t tgid)
{
	struct watch *w = ctx;
	const struct ls_process *p = model__find(w->model, tgid);

	if (watch__filtered(w->opts))
		return true;
	return p && (p->mem.verdict == VERDICT_LEAK || p->mem.verdict == VERDICT_GROWING);
}

void watch_sample__pass(struct watch *w)
{
	w->nrollup = 0;
	for_each_sampled(w, consider_pid);
	for_each_sampled(w, sample_pid);
}
