// SPDX-License-Identifier: GPL-2.0
/*
 * `leakscope watch`, `record` and `serve`: attach, then every interval read
 * the kernel's aggregates and /proc into records, feed them to the model
 * (and the recording), and print what the model concludes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "containers.h"
#include "html_report.h"
#include "bpf_env.h"
#include "loader.h"
#include "model.h"
#include "procfs.h"
#include "recording.h"
#include "regions.h"
#include "heap.h"
#include "sockdiag.h"
#include "sock_model.h"
#include "privs.h"
#include "report.h"
#include "serve.h"
#include "tui.h"

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

static volatile sig_atomic_t stop_signal;
/* Loading and attaching the programs: seconds on a slow or emulated
 * machine, in calls that cannot be cut short.  A signal then ends the run
 * at once, as if it had come before the handlers were set: nothing was
 * traced yet, so there is no report; the recording file made for the run
 * goes (attach_leftover), and CMD, waiting for its go, sees the pipe close
 * and exits 127. */
static volatile sig_atomic_t attaching;
static const char *volatile attach_leftover;
static const char *volatile attach_leftover_html;	/* --html's page, empty yet */

static void on_signal(int sig)
{
	if (attaching) {
		const char *f = attach_leftover, *h = attach_leftover_html;

		if (f)
			unlink(f);
		if (h)
			unlink(h);
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_signal = sig;
}

static volatile sig_atomic_t toggle_signal;

static void on_toggle(int sig)
{
	(void)sig;
	toggle_signal = 1;
}

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

/* Every record goes to the recording first, then to the model. */
static void sink(void *ctx, const struct ls_rec_hdr *rec, size_t len)
{
	struct watch *w = ctx;

	if (w->rec && recording__write(w->rec, rec))
		w->rec_errors++;
	/* a malformed record is counted by the model (bad_records), once */
	model__ingest(w->model, rec, len);
}

static void on_report(void *ctx, const struct model *m, bool final)
{
	struct watch *w = ctx;

	if (w->tui && !final) {
		tui__update(w->tui, m);
	} else {
		/* the final report goes to the normal screen, the terminal restored */
		tui__end(w->tui);
		w->tui = NULL;
		if (w->opts->json)
			report__json(m, final, stdout);
		if (w->table_out)
			report__text(m, final, w->table_out);
	}
	serve__publish(w->serve, m);
	if (final && w->html.path) {
		struct html_opts ho = { .source = NULL };
		char err[512];

		w->html_ret = html_report__to_file(m, &ho, &w->html, err, sizeof(err));
		if (w->html_ret)
			ls_error("%s", err);
	}
}

static bool filtered(const struct options *o)
{
	return o->npids || o->have_comm || o->cmd_argv || o->container || o->cgroup;
}

/* The process's cgroup, with its meta: which container it is in. */
static void send_cgroup(struct watch *w, pid_t pid, uint64_t start_ns)
{
	struct ls_proc_cgroup cg;

	if (containers__record(pid, start_ns, &cg))
		return;
	cg.hdr.ts_ns = ls_now_boot_ns();
	sink(w, &cg.hdr, sizeof(cg));
}

/* --container / --cgroup: what matches joins the kernel's traced set, as
 * -p's pids do (its children with it, through fork) */
static void trace_matched(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (!loader__is_traced(w->loader, pid))
		loader__trace_pid(w->loader, pid);
}

static void trace_containers(struct watch *w)
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
	if (filtered(w->opts))
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
			sink(w, &meta.hdr, sizeof(meta));
			send_cgroup(w, pid, meta.start_ns);
		}
	}
	if (rollup_chosen(w, pid))
		procfs__read_rollup(pid, &s);
	procfs__count_fds(pid, &s);
	s.start_ns = start;
	s.hdr.ts_ns = ls_now_boot_ns();
	sink(w, &s.hdr, sizeof(s));
	return 0;
}

/* Resident memory by region class of the processes a report shows. */
static void read_regions(struct watch *w)
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
		sink(w, &r.hdr, sizeof(r));
	}
	w->regions_reads += done;
	w->regions_ns += ls_now_boot_ns() - t0;
}

/* Processes to sample: the kernel's traced set when filtered, else all. */
static void for_each_sampled(struct watch *w, int (*fn)(pid_t, void *))
{
	if (filtered(w->opts) && !w->opts->have_comm)
		loader__for_each_traced(w->loader, fn, w);
	else
		procfs__for_each_pid(fn, w);
}

/* Peers (the other end of a unix connection) are not sampled: name them. */
static void name_peers(struct watch *w)
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
		sink(w, &meta.hdr, sizeof(meta));
		send_cgroup(w, (pid_t)p->tgid, meta.start_ns);
	}
}

static int note_traced(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (w->nsnap_tgids < SNAP_MAX_TRACED)
		w->snap_tgids[w->nsnap_tgids++] = (uint32_t)pid;
	return 0;
}

static bool snap_traced(const struct watch *w, uint32_t tgid)
{
	for (uint32_t i = 0; i < w->nsnap_tgids; i++)
		if (w->snap_tgids[i] == tgid)
			return true;
	return false;
}

static bool snap_traced_cb(void *ctx, uint32_t tgid)
{
	return snap_traced(ctx, tgid);
}

/* Under a pid filter, only sockets a traced process holds, or whose peer
 * it holds, are worth a place in the socket table. */
static void emit_existing(void *ctx, const struct ls_rec_hdr *rec, size_t len, uint64_t ino)
{
	struct watch *w = ctx;

	if (w->snap_tgids && !snap_traced(w, rec->tgid) &&
	    !(rec->type == LS_REC_UNIX_EXISTING &&
	      snap_traced(w, ((const struct ls_unix_existing *)rec)->peer_tgid)))
		return;
	/* unfiltered, BPF reports every unix close without a lookup: only
	 * TCP sockets need their inode watched */
	if (rec->type == LS_REC_UNIX_EXISTING && !filtered(w->opts))
		ino = 0;
	if (ino && loader__watch_inode(w->loader, ino))
		w->user_drops++;
	sink(w, rec, len);
}

/* The snapshot's holders through the BPF iterator (a readlink a socket in
 * /proc costs seconds on a million-socket host). */
static int sock_holders(void *ctx, void (*fn)(void *arg, const struct ls_sock_fd *r), void *arg)
{
	struct watch *w = ctx;
	int err = loader__for_each_sock_fd(w->loader, fn, arg);

	if (ls_verbose)
		fprintf(stderr, "leakscope: sockets' holders %s%s\n",
			err ? "from /proc/PID/fd: the task_file iterator " : "from the task_file iterator",
			err == -EOPNOTSUPP ? "is not in this kernel" : err ? strerror(-err) : "");
	return err;
}

static bool want_sites(void *ctx, uint32_t tgid)
{
	struct watch *w = ctx;
	const struct ls_process *p = model__find(w->model, tgid);

	if (filtered(w->opts))
		return true;
	return p && (p->mem.verdict == VERDICT_LEAK || p->mem.verdict == VERDICT_GROWING);
}

/* Unix closes BPF could not check (the process still had a reference it
 * could not account for: a fd table too big to search): each counts once
 * its socket is gone, as a close record sent again, verified, so that a
 * recording replays the same.  A socket still there after VERIFY_FOR_NS
 * is held by someone else: its end stays open, as before.  Sockets of
 * another network namespace cannot be looked up from here: they wait
 * too. */
static void verify_closes(struct watch *w)
{
	static struct sock_unverified u[VERIFY_PER_INTERVAL];
	static uint64_t inos[VERIFY_PER_INTERVAL];
	static uint8_t gone[VERIFY_PER_INTERVAL];
	uint64_t since = w->now_ns > VERIFY_FOR_NS ? w->now_ns - VERIFY_FOR_NS : 0, own_net, t0, t1;
	uint32_t n, k = 0;
	int err;

	/* a dump lists every unix socket (0.35 s at a million): at most 5%
	 * of the time goes to them, so a big host checks every few
	 * intervals instead of each; the final report checks anyway */
	if (!w->final && w->now_ns < w->verify_next_ns)
		return;
	n = sock_model__unverified(w->model, since, VERIFY_PER_INTERVAL, u);
	if (!n || !(own_net = procfs__netns(0)))
		return;
	for (uint32_t i = 0; i < n; i++)
		if (procfs__netns((pid_t)u[i].tgid) == own_net) {
			u[k] = u[i];
			inos[k++] = u[i].ino;
		}
	if (!k)
		return;
	t0 = ls_now_boot_ns();
	err = sockdiag__unix_gone(inos, gone, k);
	t1 = ls_now_boot_ns();
	w->verify_next_ns = t1 + 19 * (t1 - t0);
	if (err) {
		/* they wait for the next interval; said once */
		if (!w->verify_warned)
			ls_warn("unix closes in big fd tables not checked: sock_diag: %s",
				strerror(-err));
		w->verify_warned = true;
		return;
	}
	for (uint32_t i = 0; i < k; i++) {
		struct ls_sock_close c = {
			.hdr = { .type = LS_REC_SOCK_CLOSE, .size = sizeof(c), .tgid = u[i].tgid,
				 .ts_ns = ls_now_boot_ns() },
			.start_ns = u[i].start_ns, .sk = u[i].sk, .ino = u[i].ino,
			.fd = -1, .family = 1,
		};

		if (gone[i])
			sink(w, &c.hdr, sizeof(c));
	}
}

/* --heap: probe the traced set's newcomers (children, -c matches), then
 * send the counters of the processes the model knows */
static int heap_trace_cb(pid_t pid, void *ctx)
{
	heap__trace_pid(((struct watch *)ctx)->heap, pid, 0);
	return 0;
}

static bool want_heap(void *ctx, uint32_t tgid)
{
	return model__find(((struct watch *)ctx)->model, tgid) != NULL;
}

static int heap_comm_cb(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (procfs__comm_is(pid, w->opts->comm))
		heap__trace_pid(w->heap, pid, 0);
	return 0;
}

static void heap_at_attach(struct watch *w)
{
	loader__for_each_traced(w->loader, heap_trace_cb, w);
	if (w->opts->have_comm)
		procfs__for_each_pid(heap_comm_cb, w);
}

static void heap_interval(struct watch *w)
{
	const struct ls_process *shown[REGIONS_PROCS];
	uint32_t n;

	if (filtered(w->opts)) {
		loader__for_each_traced(w->loader, heap_trace_cb, w);
	} else {	/* the whole machine: why a process shown has no figures */
		n = model__ranked(w->model, shown, REGIONS_PROCS, w->final);
		for (uint32_t i = 0; i < n; i++)
			if (!shown[i]->exited)
				heap__consider(w->heap, (pid_t)shown[i]->tgid);
	}
	heap__collect(w->heap, ls_now_boot_ns(), want_heap, w);
}

static void interval(struct watch *w, bool final)
{
	struct ls_interval iv;

	w->now_ns = ls_now_boot_ns();
	w->final = final;
	/* processes that entered the container (or cgroup) since */
	if (!final)
		trace_containers(w);
	/* what happened before now comes first; at the end, all of it */
	rings__flush(loader__rings(w->loader), final);
	verify_closes(w);
	loader__collect_ledgers(w->loader, w->now_ns);
	w->nrollup = 0;
	for_each_sampled(w, consider_pid);
	for_each_sampled(w, sample_pid);
	read_regions(w);
	loader__collect_sites(w->loader, ls_now_boot_ns(), want_sites, w);
	if (w->heap)
		heap_interval(w);
	name_peers(w);

	memset(&iv, 0, sizeof(iv));
	iv.hdr.type = LS_REC_INTERVAL;
	iv.hdr.size = sizeof(iv);
	iv.hdr.ts_ns = ls_now_boot_ns();
	iv.interval_ns = (uint64_t)(w->opts->interval_s * 1e9);
	loader__drops(w->loader, iv.drops);
	if (final)	/* closes the last drain had to leave: lost, and said so */
		iv.drops[LS_DROP_RINGBUF] += rings__closes_waiting(loader__rings(w->loader));
	iv.user_drops = w->user_drops + w->rec_errors;
	iv.snapshot_untraced_skipped = w->snapshot_untraced_skipped;
	iv.procs_capped = w->model->procs_capped;
	iv.final = final;
	sink(w, &iv.hdr, sizeof(iv));
	if (w->rec)
		recording__flush(w->rec);
}

/* -- CMD: fork now, exec once the BPF side traces the child. */
static int start_child(struct watch *w, int *go_fd, int *err_fd)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		ls_error("pipe: %s", strerror(errno));
		return -1;
	}
	w->child = fork();
	if (w->child < 0) {
		ls_error("fork: %s", strerror(errno));
		return -1;
	}
	if (w->child == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* leakscope gave up */
		/* capabilities granted to leakscope (ambient: kept across
		 * exec) are not CMD's; as root, exec gives CMD root's own */
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		execvp(w->opts->cmd_argv[0], w->opts->cmd_argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	*go_fd = go[1];
	*err_fd = err[0];
	return 0;
}

static int release_child(struct watch *w, int go_fd, int err_fd)
{
	int e = 0;
	ssize_t n;

	if (write(go_fd, "g", 1) != 1) {
		ls_error("cannot start %s: %s", w->opts->cmd_argv[0], strerror(errno));
		return -1;
	}
	close(go_fd);
	n = read(err_fd, &e, sizeof(e));	/* EOF when exec succeeded */
	close(err_fd);
	if (n == sizeof(e)) {
		waitpid(w->child, NULL, 0);
		w->child = 0;
		ls_error("cannot run %s: %s", w->opts->cmd_argv[0], strerror(e));
		return -1;
	}
	return 0;
}

static bool all_targets_gone(const struct watch *w)
{
	for (int i = 0; i < w->opts->npids; i++)
		if (kill(w->opts->pids[i], 0) == 0 || errno == EPERM)
			return false;
	return w->opts->npids > 0;
}

static int64_t wall_minus_boot(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec - (int64_t)ls_now_boot_ns();
}

static struct recording_writer *open_recording(const struct options *o)
{
	struct recording_info info;
	struct utsname un;
	struct timespec rt;
	char err[256];
	struct recording_writer *w;

	memset(&info, 0, sizeof(info));
	snprintf(info.version, sizeof(info.version), "%s", LEAKSCOPE_VERSION);
	if (uname(&un) == 0)
		snprintf(info.kernel, sizeof(info.kernel), "%s", un.release);
	gethostname(info.hostname, sizeof(info.hostname) - 1);
	info.page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	clock_gettime(CLOCK_REALTIME, &rt);
	info.start_wall_s = (uint64_t)rt.tv_sec;
	info.boot_time_s = (uint64_t)rt.tv_sec - ls_now_boot_ns() / 1000000000ULL;
	info.wall_minus_boot_ns = wall_minus_boot();
	info.interval_ns = (uint64_t)(o->interval_s * 1e9);
	snprintf(info.args, sizeof(info.args), "%s", o->args_line);
	w = recording__create(o->output, &info, o->force ? RECORDING_FORCE : 0, err, sizeof(err));
	if (!w)
		ls_error("%s", err);
	return w;
}

/* --bench-toggle: each SIGUSR1 flips the programs between attached and
 * detached; the line says which, for bench/toggle.c to wait on. */
static int bench_toggle(struct loader *l)
{
	if (loader__nprograms(l)) {
		loader__detach(l);
		fprintf(stderr, "leakscope: programs detached\n");
		return 0;
	}
	if (loader__attach(l))
		return -1;
	fprintf(stderr, "leakscope: programs attached\n");
	return 0;
}

/* LEAKSCOPE_READY_FILE: created once tracing has begun, for scripts (and
 * the tests' workloads) that must not act before; attaching takes seconds
 * on a loaded or emulated machine. */
static void say_ready(void)
{
	const char *path = getenv("LEAKSCOPE_READY_FILE");
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		ls_warn("cannot create LEAKSCOPE_READY_FILE %s: %s", path, strerror(errno));
	else
		close(fd);
}

/* LEAKSCOPE_TEST_MAX_SOCKETS=N, LEAKSCOPE_TEST_MAX_PROCS=N: a socket table
 * of N entries, a process table of N slots, for the tests that make them
 * overflow (the real ones take 2,097,152 and MODEL_MAX_PROCS). */
static int test_max(const char *name, uint32_t *max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || !n || n > (1UL << 22) || v[0] == '-') {
		ls_error("%s needs a number from 1 to 4194304", name);
		return -1;
	}
	*max = (uint32_t)n;
	return 0;
}

int cmd_watch(const struct options *o)
{
	struct model_opts mopts = { .top_n = o->top_n };
	struct loader_opts lopts = {
		.filtered = filtered(o),
		.comm = o->have_comm ? o->comm : NULL,
		.rss_tracepoint = o->rss_source == RSS_FROM_TRACEPOINT,
		.stacks = o->stacks,
		.btf = o->btf,
		.sink = sink,
	};
	struct watch w = { .opts = o, .html = { .fd = -1 } };
	uint64_t t0 = ls_now_boot_ns(), interval_ns, next, end = 0;
	int go_fd = -1, err_fd = -1, ret = 1, rec_err, err;
	/* SA_RESTART: a write to a full stdout pipe that Ctrl-C or SIGTERM
	 * interrupts goes on (without it stdio lost the buffer, and a JSON
	 * line was cut); the main loop's ppoll is never restarted, so the
	 * signal still ends its wait */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigset_t toggle_wait_mask;

	lopts.sink_ctx = &w;
	mopts.wall_minus_boot_ns = wall_minus_boot();
	/* JSON or a recording own stdout; the human table goes to stderr then */
	if (o->cmd == CMD_RECORD)
		w.table_out = stderr;
	else if (!o->json)
		w.table_out = stdout;

	/* from the start: Ctrl-C or SIGTERM ends the run as at any other
	 * time (the final report, a recording that reads), not half-way; while
	 * the programs load, at once (see attaching) */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (int i = 0; i < o->npids; i++) {
		if (kill(o->pids[i], 0) && errno == ESRCH) {
			ls_error("no process with pid %d", o->pids[i]);
			return 1;
		}
	}
	w.cf.prefix = o->container;
	w.cf.cgroup = o->cgroup;
	err = containers__resolve(&w.cf);
	if (err)
		return err == -2 ? 2 : 1;	/* ambiguous: a usage error */
	/* the kernel filters on the cgroups it can (v2), from a process's
	 * first event on; the walk of /proc each interval does the rest */
	lopts.ncgroups = containers__cgroup_fds(&w.cf, lopts.cgroup_fds);
	if (bpf_env__check(o->btf) ||
	    test_max("LEAKSCOPE_TEST_MAX_SOCKETS", &mopts.max_sockets) ||
	    test_max("LEAKSCOPE_TEST_MAX_PROCS", &mopts.max_procs))
		return 1;
	w.model = model__new(&mopts);
	if (!w.model) {
		ls_error("out of memory");
		return 1;
	}
	model__set_report(w.model, on_report, &w);
	w.memo = calloc(STAT_MEMO_SLOTS, sizeof(*w.memo));	/* NULL: status always read */
	if (o->cmd == CMD_RECORD && !(w.rec = open_recording(o)))
		goto cleanup;
	/* made now, like the recording: a file already there fails before
	 * attaching, and the file is opened while we may still */
	if (o->html) {
		char herr[512];

		if (outfile__create(&w.html, o->html, o->force, "an HTML report", "leakscope",
				    herr, sizeof(herr))) {
			ls_error("%s", herr);
			goto cleanup;
		}
	}
	/* bound now: a port in use fails before the seconds attaching takes */
	if (o->cmd == CMD_SERVE && !(w.serve = serve__bind(o->listen)))
		goto cleanup;
	if (o->cmd_argv && start_child(&w, &go_fd, &err_fd))
		goto cleanup;

	attach_leftover = recording__file_path(w.rec);
	attach_leftover_html = w.html.tmp ? w.html.tmp : w.html.path;
	attaching = 1;
	/* a signal since the handlers were set: not a reason to load for
	 * seconds first (up to 20 s in an emulated guest) */
	if (stop_signal) {
		if (attach_leftover)
			unlink(attach_leftover);
		if (attach_leftover_html)
			unlink(attach_leftover_html);
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	w.loader = loader__start(&lopts);
	for (unsigned i = 0; i < lopts.ncgroups; i++)
		close(lopts.cgroup_fds[i]);	/* the map holds the cgroups */
	attaching = 0;
	attach_leftover = NULL;
	attach_leftover_html = NULL;
	if (!w.loader)
		goto cleanup;
	for (int i = 0; i < o->npids; i++)
		loader__trace_pid(w.loader, o->pids[i]);
	if (o->heap) {
		struct heap_opts ho = { .sample_bytes = o->heap_sample, .all_pids = !filtered(o),
					.sink = sink, .sink_ctx = &w };

		if (!(w.heap = heap__start(&ho)))
			goto cleanup;
		for (int i = 0; i < o->npids; i++)
			heap__trace_pid(w.heap, o->pids[i], 0);
	}
	trace_containers(&w);
	if (o->verbose && (w.cf.id[0] || w.cf.cgroup))
		fprintf(stderr, "leakscope: container filter: %.3f ms a pass over /proc; "
			"%u cgroup%s filtered in the kernel\n", (double)w.cf_ns / 1e6,
			lopts.ncgroups, lopts.ncgroups == 1 ? "" : "s");
	/* stopped while attaching: CMD is not started (it exits 127) */
	if (w.child > 0 && !stop_signal) {
		loader__trace_pid(w.loader, w.child);
		if (release_child(&w, go_fd, err_fd))
			goto cleanup;
		go_fd = err_fd = -1;
		if (w.heap)	/* exec'd: its allocator in a moment */
			heap__trace_pid(w.heap, w.child, 1000);
	}
	if (o->verbose)
		fprintf(stderr, "leakscope: attached %u programs in %.1f ms%s\n",
			loader__nprograms(w.loader), (double)(ls_now_boot_ns() - t0) / 1e6,
			w.heap ? " (and --heap's uprobes)" : "");
	/* attached (and CMD forked, with the caller's privileges): what is
	 * not needed to read /proc and the maps goes (caps.h says what is
	 * kept and why) */
	w.rename_caps = recording__rename_pending(w.rec) || w.html.tmp;
	/* --heap: the traced set's uprobes while attaching is allowed (a
	 * uprobe needs CAP_SYS_ADMIN, which goes now): -c's matches and the
	 * containers' processes of now; later ones say why they are not */
	if (w.heap && filtered(o))
		heap_at_attach(&w);
	if ((err = privs__drop_after_attach(o->bench_toggle, w.rename_caps)))
		ls_warn("could not drop capabilities: %s", strerror(-err));
	/* capabilities are per thread: the HTTP thread starts with what is
	 * left, and parses requests from whoever can reach the port */
	if (w.serve && serve__start(w.serve))
		goto cleanup;
	/* sockets that were there before us, with their peers */
	{
		uint64_t skipped = 0, untraced = 0;

		if (filtered(o) && !o->have_comm) {
			w.snap_tgids = calloc(SNAP_MAX_TRACED, sizeof(*w.snap_tgids));
			if (w.snap_tgids)
				loader__for_each_traced(w.loader, note_traced, &w);
		}
		err = sockdiag__snapshot(ls_now_boot_ns(), emit_existing, &w,
					 w.snap_tgids ? snap_traced_cb : NULL, sock_holders, &skipped,
					 &untraced);
		free(w.snap_tgids);
		w.snap_tgids = NULL;

		if (err)
			ls_warn("sockets open before attach are not counted: sock_diag: %s",
				strerror(-err));
		w.user_drops += skipped;
		w.snapshot_untraced_skipped = untraced > UINT32_MAX ? UINT32_MAX : (uint32_t)untraced;
	}
	/* first samples at once: the trend needs a starting point */
	interval_ns = (uint64_t)(o->interval_s * 1e9);
	w.nrollup = 0;
	for_each_sampled(&w, consider_pid);
	for_each_sampled(&w, sample_pid);
	next = ls_now_boot_ns() + interval_ns;
	/* -d is the time traced: attaching takes seconds on a slow machine */
	if (o->duration_s > 0)
		end = next - interval_ns + (uint64_t)(o->duration_s * 1e9);

	if (o->bench_toggle) {
		struct sigaction st = { .sa_handler = on_toggle };
		sigset_t usr1;

		/* SIGUSR1 only inside the poll's wait (see rings__poll) */
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, &toggle_wait_mask);
		sigdelset(&toggle_wait_mask, SIGUSR1);
		sigaction(SIGUSR1, &st, NULL);
		fprintf(stderr, "leakscope: programs attached\n");
	}
	/* scrapes before the first interval see the tool's own numbers */
	serve__publish(w.serve, w.model);
	serve__set_ready(w.serve);
	say_ready();
	/* a terminal: the live view (not with -- CMD, which shares it) */
	if (o->cmd == CMD_WATCH && !o->json && !o->no_tui && !o->cmd_argv && tui__wanted()) {
		char why[160];

		w.tui = tui__start(o->interval_s, why, sizeof(why));
		if (w.tui)
			rings__set_wake_fd(loader__rings(w.loader), tui__fd(w.tui));
		else
			ls_warn("no live view: %s; a table is printed every interval", why);
	}
	while (!stop_signal) {
		uint64_t now = ls_now_boot_ns();
		uint64_t wake = end && end < next ? end : next;
		int timeout = wake > now ? (int)((wake - now) / 1000000) : 0, got;

		/* at most 100 ms: notice a child's exit or a signal soon (the
		 * loader's reader thread keeps up with BPF's rings: the wait
		 * ends early when it has records) */
		if (timeout > 100)
			timeout = 100;
		/* here, not after the poll: a SIGUSR1 that came while this
		 * pass ran would wait out the timeout */
		if (toggle_signal) {
			toggle_signal = 0;
			if (bench_toggle(w.loader))
				goto cleanup;
		}
		got = rings__poll(loader__rings(w.loader), timeout, o->bench_toggle ? &toggle_wait_mask : NULL);
		if (got < 0) {
			ls_error("reading the ring buffer failed");
			goto cleanup;
		}
		/* keys between intervals: the next one stays when it was due */
		if (w.tui) {
			if (tui__keys(w.tui, w.model))
				break;	/* q: the run ends as at Ctrl-C */
			if (tui__fd(w.tui) < 0)
				rings__set_wake_fd(loader__rings(w.loader), -1);
		}
		if (w.child > 0 && waitpid(w.child, &w.child_status, WNOHANG) == w.child) {
			w.child = 0;
			w.child_done = true;
			break;
		}
		if (all_targets_gone(&w))
			break;
		now = ls_now_boot_ns();
		if (end && now >= end)
			break;
		/* a recording that cannot be written (a full disk): stop */
		if (w.rec && recording__error_of(w.rec))
			break;
		if (now >= next) {
			interval(&w, false);
			if (w.rename_caps && !recording__rename_pending(w.rec) && !w.html.tmp) {
				w.rename_caps = false;
				privs__drop_after_attach(o->bench_toggle, false);
			}
			next += interval_ns;
			if (next <= now)
				next = now + interval_ns;	/* fell behind: skip, don't catch up */
		}
	}
	interval(&w, true);
	ret = 0;
cleanup:
	/* the terminal back before anything else is said (an error's line) */
	tui__end(w.tui);
	w.tui = NULL;
	if (go_fd >= 0)
		close(go_fd);	/* the child sees EOF and exits 127 */
	if (err_fd >= 0)
		close(err_fd);
	if (w.child > 0) {
		/* we started it for tracing: it does not outlive the tool */
		kill(w.child, SIGTERM);
		waitpid(w.child, NULL, 0);
	}
	if (ret) {
		recording__discard(w.rec);	/* nothing recorded: no file left */
	} else if ((rec_err = recording__close(w.rec))) {
		ls_error("writing %s: %s: the recording stops at its last complete block, which "
			 "'leakscope report' reads", o->output, strerror(-rec_err));
		ret = 1;
	}
	if (w.html_ret)
		ret = 1;	/* said already; the recording is whole */
	outfile__discard(&w.html);	/* never written (the run failed first): removed */
	if (ls_verbose)
		fprintf(stderr, "leakscope: /proc/PID/status read %llu times, %llu not (stat "
			"unchanged)\n", (unsigned long long)w.status_reads,
			(unsigned long long)w.status_skipped);
	if (ls_verbose)
		fprintf(stderr, "leakscope: /proc/PID/smaps read %llu times in %.1f ms\n",
			(unsigned long long)w.regions_reads, (double)w.regions_ns / 1e6);
	serve__free(w.serve);
	heap__destroy(w.heap);
	loader__destroy(w.loader);
	model__free(w.model);
	free(w.memo);
	return ret;
}
