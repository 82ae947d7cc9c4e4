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
#include "recording.h"
#include "heap.h"
#include "privs.h"
#include "procfs.h"
#include "report.h"
#include "serve.h"
#include "tui.h"
#include "watch.h"

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

/* Every record goes to the recording first, then to the model. */
void watch__sink(void *ctx, const struct ls_rec_hdr *rec, size_t len)
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

bool watch__filtered(const struct options *o)
{
	return o->npids || o->have_comm || o->cmd_argv || o->container || o->cgroup;
}

static void interval(struct watch *w, bool final)
{
	struct ls_interval iv;

	w->now_ns = ls_now_boot_ns();
	w->final = final;
	/* processes that entered the container (or cgroup) since */
	if (!final)
		watch_sample__containers(w);
	/* what happened before now comes first; at the end, all of it */
	rings__flush(loader__rings(w->loader), final);
	watch_socks__verify_closes(w);
	loader__collect_ledgers(w->loader, w->now_ns);
	watch_sample__pass(w);
	watch_sample__regions(w);
	loader__collect_sites(w->loader, ls_now_boot_ns(), watch_sample__want_sites, w);
	if (w->heap)
		watch_heap__interval(w);
	watch_sample__name_peers(w);

	memset(&iv, 0, sizeof(iv));
	iv.hdr.type = LS_REC_INTERVAL;
	iv.hdr.size = sizeof(iv);
	/* the time the rings were drained to: the interval's events are
	 * complete up to here, not up to the samples read after (a report
	 * compared with what a workload did before its ts_ns must not count
	 * what the sample pass's time let through) */
	iv.hdr.ts_ns = w->now_ns;
	iv.interval_ns = (uint64_t)(w->opts->interval_s * 1e9);
	loader__drops(w->loader, iv.drops);
	if (final)	/* closes the last drain had to leave: lost, and said so */
		iv.drops[LS_DROP_RINGBUF] += rings__closes_waiting(loader__rings(w->loader));
	iv.user_drops = w->user_drops + w->rec_errors;
	iv.snapshot_untraced_skipped = w->snapshot_untraced_skipped;
	iv.procs_capped = w->model->procs_capped;
	iv.final = final;
	watch__sink(w, &iv.hdr, sizeof(iv));
	if (w->rec)
		recording__flush(w->rec);
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

/* Before attaching: checks, the model, and what can fail fast (the
 * recording's file, the HTML page's, the port, CMD's fork).  0, or the
 * exit status: nothing attached yet. */
static int watch_open(struct watch *w, struct loader_opts *lopts)
{
	const struct options *o = w->opts;
	struct model_opts mopts = { .top_n = o->top_n };
	/* SA_RESTART: a write to a full stdout pipe that Ctrl-C or SIGTERM
	 * interrupts goes on (without it stdio lost the buffer, and a JSON
	 * line was cut); the main loop's ppoll is never restarted, so the
	 * signal still ends its wait */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	int err;

	mopts.wall_minus_boot_ns = wall_minus_boot();
	/* JSON or a recording own stdout; the human table goes to stderr then */
	if (o->cmd == CMD_RECORD)
		w->table_out = stderr;
	else if (!o->json)
		w->table_out = stdout;

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
	w->cf.prefix = o->container;
	w->cf.cgroup = o->cgroup;
	err = containers__resolve(&w->cf);
	if (err)
		return err == -2 ? 2 : 1;	/* ambiguous: a usage error */
	/* the kernel filters on the cgroups it can (v2), from a process's
	 * first event on; the walk of /proc each interval does the rest */
	lopts->ncgroups = containers__cgroup_fds(&w->cf, lopts->cgroup_fds);
	if (bpf_env__check(o->btf) ||
	    test_max("LEAKSCOPE_TEST_MAX_SOCKETS", &mopts.max_sockets) ||
	    test_max("LEAKSCOPE_TEST_MAX_PROCS", &mopts.max_procs))
		return 1;
	w->model = model__new(&mopts);
	if (!w->model) {
		ls_error("out of memory");
		return 1;
	}
	model__set_report(w->model, on_report, w);
	w->memo = calloc(STAT_MEMO_SLOTS, sizeof(*w->memo));	/* NULL: status always read */
	if (o->cmd == CMD_RECORD && !(w->rec = open_recording(o)))
		return 1;
	/* made now, like the recording: a file already there fails before
	 * attaching, and the file is opened while we may still */
	if (o->html) {
		char herr[512];

		if (outfile__create(&w->html, o->html, o->force, "an HTML report", "leakscope",
				    herr, sizeof(herr))) {
			ls_error("%s", herr);
			return 1;
		}
	}
	/* bound now: a port in use fails before the seconds attaching takes */
	if (o->cmd == CMD_SERVE && !(w->serve = serve__bind(o->listen)))
		return 1;
	if (o->cmd_argv && watch_child__start(w, &w->go_fd, &w->err_fd))
		return 1;
	return 0;
}

/* Load and attach (a signal meanwhile ends the run at once), start CMD,
 * drop the capabilities no longer needed, take the sockets already open.
 * 0, or 1: failed, said. */
/* A process asked for (-p, or CMD): traced, and its ledger made now (BPF
 * then only looks it up; loader__make_ledger says why).  A ledger not made
 * here is made by BPF, as for the processes it follows through fork. */
static void trace_target(struct watch *w, pid_t pid)
{
	uint64_t start_ns = procfs__start_ns(pid);

	loader__trace_pid(w->loader, pid);
	if (start_ns)
		loader__make_ledger(w->loader, pid, start_ns);
}

static int watch_attach(struct watch *w, struct loader_opts *lopts)
{
	const struct options *o = w->opts;
	uint64_t t0 = ls_now_boot_ns();
	int err;

	attach_leftover = recording__file_path(w->rec);
	attach_leftover_html = w->html.tmp ? w->html.tmp : w->html.path;
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
	w->loader = loader__start(lopts);
	for (unsigned i = 0; i < lopts->ncgroups; i++)
		close(lopts->cgroup_fds[i]);	/* the map holds the cgroups */
	attaching = 0;
	attach_leftover = NULL;
	attach_leftover_html = NULL;
	if (!w->loader)
		return 1;
	for (int i = 0; i < o->npids; i++)
		trace_target(w, o->pids[i]);
	if (o->heap) {
		struct heap_opts ho = { .sample_bytes = o->heap_sample, .all_pids = !watch__filtered(o),
					.sink = watch__sink, .sink_ctx = w };

		if (!(w->heap = heap__start(&ho)))
			return 1;
		for (int i = 0; i < o->npids; i++)
			heap__trace_pid(w->heap, o->pids[i], 0);
	}
	watch_sample__containers(w);
	if (o->verbose && (w->cf.id[0] || w->cf.cgroup))
		fprintf(stderr, "leakscope: container filter: %.3f ms a pass over /proc; "
			"%u cgroup%s filtered in the kernel\n", (double)w->cf_ns / 1e6,
			lopts->ncgroups, lopts->ncgroups == 1 ? "" : "s");
	/* stopped while attaching: CMD is not started (it exits 127) */
	if (w->child > 0 && !stop_signal) {
		trace_target(w, w->child);
		err = watch_child__release(w, w->go_fd, w->err_fd);
		w->go_fd = w->err_fd = -1;	/* closed by it */
		if (err)
			return 1;
		if (w->heap)	/* exec'd: its allocator in a moment */
			heap__trace_pid(w->heap, w->child, 1000);
	}
	if (o->verbose)
		fprintf(stderr, "leakscope: attached %u programs in %.1f ms%s\n",
			loader__nprograms(w->loader), (double)(ls_now_boot_ns() - t0) / 1e6,
			w->heap ? " (and --heap's uprobes)" : "");
	/* attached (and CMD forked, with the caller's privileges): what is
	 * not needed to read /proc and the maps goes (caps.h says what is
	 * kept and why) */
	w->rename_caps = recording__rename_pending(w->rec) || w->html.tmp;
	/* --heap: the traced set's uprobes while attaching is allowed (a
	 * uprobe needs CAP_SYS_ADMIN, which goes now): -c's matches and the
	 * containers' processes of now; later ones say why they are not */
	if (w->heap && watch__filtered(o))
		watch_heap__at_attach(w);
	if ((err = privs__drop_after_attach(o->bench_toggle, w->rename_caps)))
		ls_warn("could not drop capabilities: %s", strerror(-err));
	/* capabilities are per thread: the HTTP thread starts with what is
	 * left, and parses requests from whoever can reach the port */
	if (w->serve && serve__start(w->serve))
		return 1;
	/* sockets that were there before us, with their peers */
	watch_socks__snapshot(w);
	return 0;
}

/* From the first samples to the final report: until Ctrl-C, SIGTERM, -d,
 * q in the live view, or the traced processes' end.  0, or 1: failed. */
static int watch_loop(struct watch *w)
{
	const struct options *o = w->opts;
	uint64_t interval_ns = (uint64_t)(o->interval_s * 1e9), next, end = 0;
	sigset_t toggle_wait_mask;

	/* first samples at once: the trend needs a starting point */
	watch_sample__pass(w);
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
	serve__publish(w->serve, w->model);
	serve__set_ready(w->serve);
	say_ready();
	/* a terminal: the live view (not with -- CMD, which shares it) */
	if (o->cmd == CMD_WATCH && !o->json && !o->no_tui && !o->cmd_argv && tui__wanted()) {
		char why[160];

		w->tui = tui__start(o->interval_s, why, sizeof(why));
		if (w->tui)
			rings__set_wake_fd(loader__rings(w->loader), tui__fd(w->tui));
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
			if (bench_toggle(w->loader))
				return 1;
		}
		got = rings__poll(loader__rings(w->loader), timeout,
				  o->bench_toggle ? &toggle_wait_mask : NULL);
		if (got < 0) {
			ls_error("reading the ring buffer failed");
			return 1;
		}
		/* keys between intervals: the next one stays when it was due */
		if (w->tui) {
			if (tui__keys(w->tui, w->model))
				break;	/* q: the run ends as at Ctrl-C */
			if (tui__fd(w->tui) < 0)
				rings__set_wake_fd(loader__rings(w->loader), -1);
		}
		if (w->child > 0 && waitpid(w->child, &w->child_status, WNOHANG) == w->child) {
			w->child = 0;
			w->child_done = true;
			break;
		}
		if (all_targets_gone(w))
			break;
		now = ls_now_boot_ns();
		if (end && now >= end)
			break;
		/* a recording that cannot be written (a full disk): stop */
		if (w->rec && recording__error_of(w->rec))
			break;
		if (now >= next) {
			interval(w, false);
			if (w->rename_caps && !recording__rename_pending(w->rec) && !w->html.tmp) {
				w->rename_caps = false;
				privs__drop_after_attach(o->bench_toggle, false);
			}
			next += interval_ns;
			if (next <= now)
				next = now + interval_ns;	/* fell behind: skip, don't catch up */
		}
	}
	interval(w, true);
	return 0;
}

/* Everything undone, whatever phase failed; the recording closed (a
 * write error then is the run's) or discarded.  Returns the exit status. */
static int watch_finish(struct watch *w, int ret)
{
	int rec_err;

	/* the terminal back before anything else is said (an error's line) */
	tui__end(w->tui);
	w->tui = NULL;
	if (w->go_fd >= 0)
		close(w->go_fd);	/* the child sees EOF and exits 127 */
	if (w->err_fd >= 0)
		close(w->err_fd);
	if (w->child > 0) {
		/* we started it for tracing: it does not outlive the tool */
		kill(w->child, SIGTERM);
		waitpid(w->child, NULL, 0);
	}
	if (ret) {
		recording__discard(w->rec);	/* nothing recorded: no file left */
	} else if ((rec_err = recording__close(w->rec))) {
		ls_error("writing %s: %s: the recording stops at its last complete block, which "
			 "'leakscope report' reads", w->opts->output, strerror(-rec_err));
		ret = 1;
	}
	if (w->html_ret)
		ret = 1;	/* said already; the recording is whole */
	outfile__discard(&w->html);	/* never written (the run failed first): removed */
	if (ls_verbose && w->loader) {
		fprintf(stderr, "leakscope: /proc/PID/status read %llu times, %llu not (stat "
			"unchanged)\n", (unsigned long long)w->status_reads,
			(unsigned long long)w->status_skipped);
		fprintf(stderr, "leakscope: /proc/PID/smaps read %llu times in %.1f ms\n",
			(unsigned long long)w->regions_reads, (double)w->regions_ns / 1e6);
	}
	serve__free(w->serve);
	heap__destroy(w->heap);
	loader__destroy(w->loader);
	model__free(w->model);
	free(w->memo);
	return ret;
}

int cmd_watch(const struct options *o)
{
	struct watch w = { .opts = o, .html = { .fd = -1 }, .go_fd = -1, .err_fd = -1 };
	struct loader_opts lopts = {
		.filtered = watch__filtered(o),
		.comm = o->have_comm ? o->comm : NULL,
		.rss_tracepoint = o->rss_source == RSS_FROM_TRACEPOINT,
		.stacks = o->stacks,
		.btf = o->btf,
		.sink = watch__sink,
		.sink_ctx = &w,
	};
	int ret = watch_open(&w, &lopts);

	if (ret == 2)
		return ret;	/* a usage error, said; nothing made */
	if (!ret)
		ret = watch_attach(&w, &lopts);
	if (!ret)
		ret = watch_loop(&w);
	return watch_finish(&w, ret);
}
