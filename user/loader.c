// SPDX-License-Identifier: GPL-2.0
/* Loads leakscope's BPF object: feature probes, open -> configure -> load
 * -> attach, detach and destroy.  The in-kernel tables once loaded are
 * loader_tables.c's, the environment checks bpf_env.c's, the rings
 * rings.c's, naming growth sites' stacks sites.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel_features.h"
#include "leakscope.h"	/* before the skeletons: their globals' types */
#include "leakscope.skel.h"
#include "leakscope_plain.skel.h"
#include "loader.h"
#include "loader_priv.h"
#include "links.h"
#include "options.h"
#include "caps.h"
#include "privs.h"
#include "procfs.h"
#include "bpf_env.h"
#include "sites.h"

/* threads inside a syscall at once, where task storage is missing */
#define LS_PENDING_BY_TID	16384

/* Tracepoints leakscope can do without, with what is lost. */
static const struct {
	const char *prog;
	const char *loss;
} optional_progs[] = {
	{ "ls_enter_process_madvise", "process_madvise() not counted" },
	{ "ls_exit_process_madvise", "process_madvise() not counted" },
};


/* Programs that need the kernel's own BTF (tp_btf: typed arguments), and
 * what is loaded instead where the kernel has none (given it with --btf
 * FILE): the same body from a raw tracepoint, or from the tracepoint's own
 * record, reading the arguments by probe reads (bpf/proc.bpf.h,
 * bpf/sock_state.bpf.h). */
static const struct {
	const char *prog;
	const char *fallback;
} btf_fallbacks[] = {
	{ "ls_process_exit", "ls_process_exit_raw" },
	{ "ls_process_exit_compat", "ls_process_exit_raw_compat" },
	{ "ls_process_exec", "ls_process_exec_raw" },
	{ "ls_process_exec_compat", "ls_process_exec_raw_compat" },
	{ "ls_process_fork", "ls_process_fork_raw" },
	{ "ls_rss_stat", "ls_rss_stat_raw" },
	{ "ls_tcp_state", "ls_tcp_state_tp" },
};

static const char *optional_loss(const char *prog)
{
	for (size_t i = 0; i < sizeof(optional_progs) / sizeof(optional_progs[0]); i++)
		if (!strcmp(optional_progs[i].prog, prog))
			return optional_progs[i].loss;
	return NULL;
}

/* Settings from what the kernel offers (bpf/compat.bpf.h), and the
 * programs and maps only a fallback uses. */
/* The object for this kernel.  Without bpf_rdonly_cast, the plain build:
 * the same maps, programs and globals (the Makefile checks the skeletons
 * match), opened through the fast build's skeleton, but with no kfunc
 * extern for libbpf to search module BTFs for (bpf/compat.bpf.h). */
static struct leakscope_bpf *open_object(const struct ls_features *f)
{
	/* CO-RE relocations from --btf FILE when given (libbpf reads the
	 * kernel's own otherwise) */
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = f->btf_path);
	struct leakscope_bpf *skel;
	int err;

	if (f->has[FEAT_RDONLY_CAST])
		return leakscope_bpf__open_opts(&opts);
	skel = calloc(1, sizeof(*skel));
	if (!skel) {
		errno = ENOMEM;
		return NULL;
	}
	err = leakscope_bpf__create_skeleton(skel);
	if (!err) {
		skel->skeleton->data = (void *)leakscope_plain_bpf__elf_bytes(&skel->skeleton->data_sz);
		err = bpf_object__open_skeleton(skel->skeleton, &opts);
	}
	if (err) {
		leakscope_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	if (ls_verbose)
		fprintf(stderr, "leakscope: the BPF object built without kfuncs, as this kernel "
				"has no bpf_rdonly_cast for tracepoints\n");
	return skel;
}

static int configure_features(struct loader *l, const struct ls_features *fp)
{
	struct leakscope_bpf *skel = l->skel;
	struct bpf_program *prog;
	struct ls_features f = *fp;
	bool fast;

	/* costs per page fault: only when asked for (before its fallback
	 * takes its choice) */
	if (!l->opts.rss_tracepoint)
		bpf_program__set_autoload(skel->progs.ls_rss_stat, false);
	skel->rodata->has_task_btf = f.has[FEAT_TASK_BTF];
	skel->rodata->direct_loads = f.has[FEAT_TASK_BTF] && f.has[FEAT_RDONLY_CAST];
	skel->rodata->has_task_pt_regs = f.has[FEAT_TASK_PT_REGS];
	skel->rodata->has_task_storage = f.has[FEAT_TASK_STORAGE];
	/* the fast build of a program, or NAME_compat (LS_TWO_BUILDS) */
	fast = f.has[FEAT_PERCPU_LOOKUP] && f.has[FEAT_LOOP] && f.has[FEAT_FIND_VMA];
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		size_t n = strlen(name);
		char base[64];

		if (n <= 7 || strcmp(name + n - 7, "_compat"))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(n - 7), name);
		bpf_program__set_autoload(prog, !fast);
		bpf_program__set_autoload(bpf_object__find_program_by_name(skel->obj, base), fast);
	}
	/* tp_btf needs the kernel's own BTF: without it, each one's fallback
	 * (which the _compat choice above has set like its tp_btf twin) */
	for (size_t i = 0; i < sizeof(btf_fallbacks) / sizeof(btf_fallbacks[0]); i++) {
		struct bpf_program *tp = bpf_object__find_program_by_name(skel->obj,
									  btf_fallbacks[i].prog);
		struct bpf_program *fb = bpf_object__find_program_by_name(skel->obj,
									  btf_fallbacks[i].fallback);

		if (!tp || !fb) {
			ls_error("the BPF object has no program %s", tp ? btf_fallbacks[i].fallback
									: btf_fallbacks[i].prog);
			return -1;
		}
		if (f.kernel_btf) {
			bpf_program__set_autoload(fb, false);
			continue;
		}
		bpf_program__set_autoload(fb, bpf_program__autoload(tp));
		bpf_program__set_autoload(tp, false);
		if (ls_verbose && bpf_program__autoload(fb))
			fprintf(stderr, "leakscope: no kernel BTF, so %s from %s instead of %s\n",
				btf_fallbacks[i].fallback, bpf_program__section_name(fb),
				bpf_program__section_name(tp));
	}
	/* run once after load, not attached: only for a file given */
	bpf_program__set_autoload(skel->progs.ls_btf_check, f.btf_path != NULL);
	/* without bpf_task_pt_regs, sys_enter saves what sys_exit needs */
	bpf_program__set_autoload(skel->progs.ls_enter_mmap, !f.has[FEAT_TASK_PT_REGS]);
	bpf_program__set_autoload(skel->progs.ls_enter_connect, !f.has[FEAT_TASK_PT_REGS]);
	if (!f.has[FEAT_TASK_STORAGE] &&
	    (bpf_map__set_autocreate(skel->maps.pending, false) ||
	     bpf_map__set_max_entries(skel->maps.pending_by_tid, LS_PENDING_BY_TID))) {
		ls_error("cannot set up the per-thread argument table");
		return -1;
	}
	return 0;
}

/* Every program's attach point must exist: name the missing one. */
static int check_programs(struct loader *l, const struct ls_features *f)
{
	struct btf *vmlinux = features__vmlinux_btf(l->opts.btf);
	struct bpf_program *prog;
	int err = 0, found;

	bpf_object__for_each_program(prog, l->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		const char *loss;

		if ((!strcmp(name, "ls_rss_stat") || !strcmp(name, "ls_rss_stat_raw")) &&
		    !l->opts.rss_tracepoint) {
			bpf_program__set_autoload(prog, false);	/* costs per page fault */
			continue;
		}
		if (!bpf_program__autoload(prog))
			continue;	/* a fallback this kernel does not need */
		if (!strncmp(sec, "iter/", 5)) {
			char type[64];

			/* none before 5.8: the snapshot reads /proc */
			snprintf(type, sizeof(type), "bpf_iter__%s", sec + 5);
			if (!vmlinux || btf__find_by_name_kind(vmlinux, type, BTF_KIND_STRUCT) <= 0)
				bpf_program__set_autoload(prog, false);
			/* an iterator is attached by the kernel's own BTF */
			if (!f->kernel_btf) {
				bpf_program__set_autoload(prog, false);
				if (ls_verbose)
					fprintf(stderr, "leakscope: no kernel BTF, so no %s iterator: "
							"the attach-time snapshot reads /proc/PID/fd\n",
						sec + 5);
			}
			continue;
		}
		found = bpf_env__tracepoint_exists(sec, vmlinux);
		if (found < 0) {
			err = -1;
			break;
		}
		if (found)
			continue;
		loss = optional_loss(name);
		if (loss) {
			ls_warn("this kernel has no tracepoint %s: %s", strchr(sec, '/') + 1, loss);
			bpf_program__set_autoload(prog, false);
			continue;
		}
		ls_error("this kernel has no tracepoint %s (needed by %s)", strchr(sec, '/') + 1, name);
		err = -1;
		break;
	}
	/* newer kernels say which exiting thread ended its process */
	l->skel->rodata->exit_has_group_dead = bpf_env__tp_btf_nargs(vmlinux, "sched_process_exit") >= 2;
	l->skel->rodata->nr_cpus = libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 1;
	l->ncpus = l->skel->rodata->nr_cpus;
	btf__free(vmlinux);
	if (!err && (bpf_map__set_max_entries(l->skel->maps.close_rings, l->ncpus) ||
		     bpf_map__set_max_entries(l->skel->maps.conn_rings, l->ncpus))) {
		ls_error("cannot size the per-CPU rings for %u CPUs", l->ncpus);
		err = -1;
	}
	if (!err && (bpf_map__set_max_entries(l->skel->maps.sock_owners, l->max_socks) ||
		     bpf_map__set_max_entries(l->skel->maps.existing_inodes, l->max_socks))) {
		ls_error("cannot size the socket tables for %u sockets", l->max_socks);
		err = -1;
	}
	if (ls_verbose)
		fprintf(stderr, "leakscope: BPF socket tables: %u entries each\n", l->max_socks);
	return err;
}

/* The BPF socket tables (preallocated LRU hashes, about 70 bytes an
 * entry): room for the sockets the host holds now and half as many again,
 * at least LS_MAX_SOCKS, at most LS_MAX_SOCKS_CAP. */
static uint32_t socket_table_size(uint64_t used)
{
	uint64_t want = used + used / 2, n = LS_MAX_SOCKS;

	while (n < want && n < LS_MAX_SOCKS_CAP)
		n <<= 1;
	return (uint32_t)n;
}

static int check_btf_file(struct loader *l);

struct loader *loader__start(const struct loader_opts *opts)
{
	struct loader *l = calloc(1, sizeof(*l));
	struct ls_features features;
	int err;

	if (!l) {
		ls_error("out of memory");
		return NULL;
	}
	l->opts = *opts;
	bpf_env__libbpf_quiet();

	l->max_socks = socket_table_size(procfs__sockets_used());
	if (features__probe(&features, opts->btf))
		goto fail;
	if (ls_verbose)
		features__print(&features, stderr);
	l->skel = open_object(&features);
	if (!l->skel) {
		ls_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	/* configure: settings are read-only once loaded */
	l->skel->rodata->self_tgid = getpid();
	l->skel->rodata->filter_pids = opts->filtered;
	l->skel->rodata->rss_from_tracepoint = opts->rss_tracepoint;
	l->skel->rodata->capture_stacks = opts->stacks;
	l->skel->rodata->cgroup_filters = opts->filtered ? opts->ncgroups : 0;
	if (opts->comm) {
		l->skel->rodata->filter_comm = true;
		strncpy((char *)l->skel->rodata->target_comm, opts->comm, LS_COMM_LEN - 1);
	}
	if (configure_features(l, &features) || check_programs(l, &features))
		goto fail;

	err = leakscope_bpf__load(l->skel);
	if (err) {
		/* typed programs read through another kernel's offsets are
		 * refused by the verifier before check_btf_file can say so */
		ls_error("cannot load the BPF programs: %s%s%s%s%s", strerror(-err),
			 opts->btf ? " (is --btf " : "", opts->btf ? opts->btf : "",
			 opts->btf ? features.kernel_btf ? " this kernel's BTF? It has its own: "
							  "leave --btf out)"
							: " this kernel's BTF?)" : "",
			 ls_verbose ? "" : " (run with -v for the verifier's log)");
		goto fail;
	}
	if (opts->btf && check_btf_file(l))
		goto fail;
	for (__u32 i = 0; opts->filtered && i < opts->ncgroups && i < LS_CGROUP_FILTERS; i++) {
		err = bpf_map__update_elem(l->skel->maps.traced_cgroups, &i, sizeof(i),
					   &opts->cgroup_fds[i], sizeof(int), BPF_ANY);
		if (err) {
			ls_error("cannot filter on a cgroup in the kernel: %s", strerror(-err));
			goto fail;
		}
	}
	if (loader__attach(l))
		goto fail;
	l->rings = rings__new(&(struct rings_opts){
		.events_fd = bpf_map__fd(l->skel->maps.events),
		.conn_rings_fd = bpf_map__fd(l->skel->maps.conn_rings),
		.close_rings_fd = bpf_map__fd(l->skel->maps.close_rings),
		.ncpus = l->ncpus,
		.sink = opts->sink,
		.sink_ctx = opts->sink_ctx,
	});
	if (!l->rings)
		goto fail;
	if (opts->stacks && !(l->sites = site_namer__new()))
		goto fail;
	return l;
fail:
	loader__destroy(l);
	return NULL;
}

/* --btf FILE of another kernel loads as well and reads the wrong bytes:
 * read this thread's task through the file's offsets (bpf/compat.bpf.h's
 * ls_btf_check, test-run here) and compare with what we know of it. */
static int check_btf_file(struct loader *l)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	const struct ls_btf_check *seen = &l->skel->bss->btf_seen;
	__u64 ctx[1] = { 0 };
	char comm[16] = "", what[160] = "";
	struct utsname u;
	int err;

	run.ctx_in = ctx;
	run.ctx_size_in = sizeof(ctx);
	err = bpf_prog_test_run_opts(bpf_program__fd(l->skel->progs.ls_btf_check), &run);
	if (err) {
		/* no test runs of raw tracepoints (before 5.10): cannot tell */
		if (ls_verbose)
			fprintf(stderr, "leakscope: could not check that --btf %s is this kernel's: %s\n",
				l->opts.btf, strerror(errno));
		return 0;
	}
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	if (seen->pid != (__u32)gettid())
		snprintf(what, sizeof(what), "a thread id of %u, not %d", seen->pid, gettid());
	else if (seen->tgid != (__u32)getpid())
		snprintf(what, sizeof(what), "a process id of %u, not %d", seen->tgid, getpid());
	else if (seen->ppid != (__u32)getppid())
		snprintf(what, sizeof(what), "a parent of %u, not %d", seen->ppid, getppid());
	else if (strncmp(seen->comm, comm, sizeof(comm)))
		snprintf(what, sizeof(what), "another command name");
	if (!what[0]) {
		if (ls_verbose)
			fprintf(stderr, "leakscope: --btf %s: this kernel's (its struct task_struct "
					"reads right)\n", l->opts.btf);
		return 0;
	}
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	ls_error("--btf %s is not the running kernel's BTF: read through it, leakscope's own task "
		 "has %s; give the BTF of this very kernel build (%s)", l->opts.btf, what, u.release);
	return -1;
}

/* Debian's and Ubuntu's kernels carry a patch by which
 * kernel.perf_event_paranoid 3, their default, lets only CAP_SYS_ADMIN open
 * perf events, tracepoints included: CAP_PERFMON is not enough there. */
static const char *attach_hint(int err)
{
	FILE *f;
	int paranoid = 0;

	if ((err != EACCES && err != EPERM) || (privs__effective() & LS_CAP(LS_CAP_SYS_ADMIN)))
		return "";
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (!f)
		return "";
	if (fscanf(f, "%d", &paranoid) != 1)
		paranoid = 0;
	fclose(f);
	if (paranoid <= 2)
		return "";
	return " (kernel.perf_event_paranoid is above 2, which on Debian's and Ubuntu's "
	       "kernels lets only CAP_SYS_ADMIN open tracepoints: run leakscope as root, or "
	       "with CAP_SYS_ADMIN too, or set kernel.perf_event_paranoid=2)";
}

int loader__attach(struct loader *l)
{
	struct bpf_program *prog;

	if (l->nlinks)
		return 0;
	bpf_object__for_each_program(prog, l->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) || prog == l->skel->progs.ls_btf_check)
			continue;	/* not loaded, or run once (check_btf_file) */
		if (l->nlinks >= MAX_LINKS) {
			ls_error("too many BPF programs (%u)", l->nlinks);
			goto fail;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			int err = errno;

			ls_error("cannot attach %s to %s: %s%s", bpf_program__name(prog),
				 bpf_program__section_name(prog), strerror(err), attach_hint(err));
			goto fail;
		}
		l->links[l->nlinks++] = link;
		if (prog == l->skel->progs.ls_iter_sock_fds)
			l->sock_fds_iter = link;
	}
	return 0;
fail:
	loader__detach(l);
	return -1;
}

void loader__detach(struct loader *l)
{
	links__destroy(l->links, l->nlinks);
	l->nlinks = 0;
	l->sock_fds_iter = NULL;
}

int loader__for_each_sock_fd(struct loader *l, void (*fn)(void *ctx, const struct ls_sock_fd *r),
			     void *ctx)
{
	/* whole records only: a read may end inside one */
	static char buf[65536 + sizeof(struct ls_sock_fd)];
	size_t have = 0;
	ssize_t n;
	int fd, err = 0;

	if (!l->sock_fds_iter)
		return -EOPNOTSUPP;
	fd = bpf_iter_create(bpf_link__fd(l->sock_fds_iter));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + have, sizeof(buf) - have)) != 0) {
		size_t off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		have += (size_t)n;
		for (; have - off >= sizeof(struct ls_sock_fd); off += sizeof(struct ls_sock_fd)) {
			struct ls_sock_fd r;

			memcpy(&r, buf + off, sizeof(r));
			fn(ctx, &r);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	return err;
}

void loader__destroy(struct loader *l)
{
	if (!l)
		return;
	rings__free(l->rings);
	loader__detach(l);
	leakscope_bpf__destroy(l->skel);
	site_namer__free(l->sites);
	free(l);
}

struct rings *loader__rings(struct loader *l)
{
	return l->rings;
}

unsigned loader__nprograms(const struct loader *l)
{
	return l->nlinks;
}
