// SPDX-License-Identifier: GPL-2.0
/* Loads leakscope's BPF object: environment checks, feature probes, open ->
 * configure -> load -> attach, and the in-kernel tables read as records
 * (ledgers, growth sites, drops).  The rings are rings.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel_features.h"
#include "leakscope.h"	/* before the skeletons: their globals' types */
#include "leakscope.skel.h"
#include "leakscope_plain.skel.h"
#include "loader.h"
#include "links.h"
#include "options.h"
#include "caps.h"
#include "privs.h"
#include "procfs.h"
#include "symbols.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACEFS_MAGIC	0x74726163
#define MAX_LINKS	96
#define SITE_CACHE	256	/* symbolised (process, stack) kept */
#define SITES_PER_PROC	LS_SITE_FRAMES
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

struct site_cache_entry {
	uint32_t tgid;
	uint32_t stack_id;
	uint64_t caller;
	uint32_t nframes;
	uint32_t _pad;
	char frames[LS_SITE_FRAMES][LS_SYM_LEN];
	struct ls_site_source sources[LS_SITE_FRAMES];
};

struct loader {
	struct leakscope_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	struct bpf_link *sock_fds_iter;	/* one of links, or NULL */
	unsigned nlinks;
	struct loader_opts opts;
	struct symbolizer *syms;
	struct site_cache_entry site_cache[SITE_CACHE];
	unsigned site_next;
	unsigned ncpus;
	uint32_t max_socks;	/* sock_owners and existing_inodes entries */
	struct rings *rings;		/* read by a thread of their own */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!ls_verbose && level != LIBBPF_WARN)
		return 0;
	if (!ls_verbose)
		return 0;	/* warnings too: the tool prints its own errors */
	return vfprintf(stderr, fmt, ap);
}

static int ensure_tracefs(void)
{
	struct statfs st;

	if (statfs(TRACEFS, &st) == 0 && (unsigned long)st.f_type == TRACEFS_MAGIC)
		return 0;
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;	/* libbpf falls back to debugfs */
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) == 0) {
		if (ls_verbose)
			fprintf(stderr, "leakscope: mounted tracefs at %s\n", TRACEFS);
		return 0;
	}
	ls_error("tracefs is not mounted at %s and mounting it failed (%s): "
		 "syscall tracepoints need it (mount -t tracefs tracefs %s)",
		 TRACEFS, strerror(errno), TRACEFS);
	return -1;
}

int loader__check_env(const char *btf_path)
{
	/* root is not enough in a user namespace, and the right
	 * capabilities are enough without root (caps.h) */
	if (privs__check())
		return -1;
	libbpf_set_print(libbpf_print);
	if (btf_path) {
		struct btf *btf;
		int fd = open(btf_path, O_RDONLY | O_CLOEXEC);
		long err;

		if (fd < 0) {
			ls_error("--btf %s: %s", btf_path, strerror(errno));
			return -1;
		}
		close(fd);
		btf = btf__parse(btf_path, NULL);
		err = libbpf_get_error(btf);
		if (err || btf__type_cnt(btf) <= 1 ||
		    btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) <= 0) {
			char why[128] = "no struct task_struct in it";

			if (err)
				libbpf_strerror((int)err, why, sizeof(why));
			ls_error("--btf %s: not a kernel's BTF (%s): give the running kernel's, raw as "
				 "/sys/kernel/btf/vmlinux shows it or an ELF file with a .BTF section",
				 btf_path, why);
			if (!err)
				btf__free(btf);
			return -1;
		}
		btf__free(btf);
	} else if (!features__kernel_btf()) {
		ls_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): give its BTF with "
			 "--btf FILE (BTFHub has files for many distribution kernels), or use a "
			 "kernel built with CONFIG_DEBUG_INFO_BTF=y");
		return -1;
	}
	return ensure_tracefs();
}

/* 1 exists, 0 missing, -1 tracefs not readable (an error was printed). */
static int tracepoint_exists(const char *sec, const struct btf *vmlinux)
{
	char path[256], name[160];
	struct stat st;

	if (!strncmp(sec, "tracepoint/", 11)) {
		/* stat, not access(): access() checks the real uid, ignoring
		 * capabilities such as CAP_DAC_READ_SEARCH */
		snprintf(path, sizeof(path), TRACEFS "/events/%s", sec + 11);
		if (stat(path, &st) == 0)
			return 1;
		if (errno == EACCES) {
			ls_error("cannot read %s: permission denied (tracefs is readable by root; "
				 "without root leakscope also needs CAP_DAC_READ_SEARCH)", TRACEFS);
			return -1;
		}
		snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", sec + 11);
		return stat(path, &st) == 0;
	}
	if (!strncmp(sec, "tp_btf/", 7)) {
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
	}
	if (!strncmp(sec, "raw_tp/", 7)) {
		/* the same typedef, in the BTF given for a kernel without its own */
		snprintf(name, sizeof(name), "btf_trace_%s", sec + 7);
		return !vmlinux || btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) > 0;
	}
	return 1;
}

/* Arguments a tp_btf tracepoint passes, from its btf_trace_ typedef (a
 * pointer to a function whose first parameter is the context); -1 unknown. */
static int tp_btf_nargs(const struct btf *vmlinux, const char *tp)
{
	const struct btf_type *t;
	char name[160];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = vmlinux ? btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) : -1;
	if (id <= 0)
		return -1;
	t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);	/* the pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(vmlinux, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) - 1 : -1;
}

/* Programs that need the kernel's own BTF (tp_btf: typed arguments), and
 * what is loaded instead where the kernel has none (given it with --btf
 * FILE): the same body from a raw tracepoint, or from the tracepoint's own
 * record, reading the arguments by probe reads (bpf/mem.bpf.h,
 * bpf/sock.bpf.h). */
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
		found = tracepoint_exists(sec, vmlinux);
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
	l->skel->rodata->exit_has_group_dead = tp_btf_nargs(vmlinux, "sched_process_exit") >= 2;
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
	libbpf_set_print(libbpf_print);

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
	if (opts->stacks)
		l->syms = symbolizer__new();
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
	symbolizer__free(l->syms);
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

int loader__trace_pid(struct loader *l, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(l->skel->maps.traced_tgids, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

int loader__watch_inode(struct loader *l, uint64_t ino)
{
	__u64 key = ino;
	__u8 one = 1;

	return bpf_map__update_elem(l->skel->maps.existing_inodes, &key, sizeof(key), &one,
				    sizeof(one), BPF_ANY);
}

bool loader__is_traced(struct loader *l, pid_t pid)
{
	__u32 key = pid;
	__u8 v;

	return bpf_map__lookup_elem(l->skel->maps.traced_tgids, &key, sizeof(key), &v, sizeof(v),
				    0) == 0;
}

int loader__for_each_traced(struct loader *l, int (*fn)(pid_t pid, void *ctx), void *ctx)
{
	__u32 key, next;
	void *prev = NULL;
	int n = 0;

	while (bpf_map__get_next_key(l->skel->maps.traced_tgids, prev, &next, sizeof(next)) == 0) {
		key = next;
		prev = &key;
		if (fn((pid_t)key, ctx))
			break;
		if (++n > 4096)
			break;
	}
	return n;
}

int loader__collect_ledgers(struct loader *l, uint64_t now_ns)
{
	struct bpf_map *map = l->skel->maps.mem_ledgers;
	struct ls_mem_ledger_rec rec;
	__u32 key, next;
	void *prev = NULL;
	int n = 0;

	memset(&rec, 0, sizeof(rec));
	rec.hdr.type = LS_REC_MEM_LEDGER;
	rec.hdr.size = sizeof(rec);
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0 && n < LS_MAX_PROCS) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &rec.ledger, sizeof(rec.ledger), 0))
			continue;	/* exited between the two calls */
		rec.hdr.tgid = key;
		rec.hdr.ts_ns = now_ns;
		l->opts.sink(l->opts.sink_ctx, &rec.hdr, sizeof(rec));
		n++;
	}
	return n;
}

static struct site_cache_entry *site_lookup(struct loader *l, uint32_t tgid, uint32_t stack_id,
					     uint64_t caller)
{
	for (unsigned i = 0; i < SITE_CACHE; i++)
		if (l->site_cache[i].tgid == tgid && l->site_cache[i].stack_id == stack_id &&
		    l->site_cache[i].caller == caller)
			return &l->site_cache[i];
	return NULL;
}

/* The caller word is only a frame when it points into a mapped file. */
static bool caller_is_code(const struct sym_frame *f)
{
	return f->in_file;
}

/* The frames of a stack, innermost first; the site keeps LS_SITE_FRAMES
 * from the first that is not plumbing (the C library, an allocator, C++'s
 * operator new, Go's runtime: symbols__is_plumbing), with their source
 * lines. */
static struct site_cache_entry *site_symbolise(struct loader *l, uint32_t tgid, uint32_t stack_id,
					       uint64_t caller)
{
	struct site_cache_entry *e = site_lookup(l, tgid, stack_id, caller);
	__u64 ips[LS_STACK_DEPTH];
	uint64_t at[LS_STACK_DEPTH];
	struct sym_frame f;
	uint32_t nall = 0, first_app = LS_STACK_DEPTH;

	if (e)
		return e;
	memset(ips, 0, sizeof(ips));
	if (bpf_map__lookup_elem(l->skel->maps.user_stacks, &stack_id, sizeof(stack_id), ips,
				 sizeof(ips), 0))
		return NULL;
	for (int i = 0; i < LS_STACK_DEPTH && ips[i] && nall < LS_STACK_DEPTH; i++) {
		symbolizer__frame(l->syms, (pid_t)tgid, ips[i], false, &f);
		at[nall] = ips[i];
		if (first_app == LS_STACK_DEPTH && !symbols__is_plumbing(f.name, f.module))
			first_app = nall;
		nall++;
		/* after the innermost frame, the caller the walk could not see */
		if (i == 0 && caller && caller != ips[1] && nall < LS_STACK_DEPTH) {
			symbolizer__frame(l->syms, (pid_t)tgid, caller, false, &f);
			if (caller_is_code(&f)) {
				at[nall] = caller;
				if (first_app == LS_STACK_DEPTH &&
				    !symbols__is_plumbing(f.name, f.module))
					first_app = nall;
				nall++;
			}
		}
	}
	if (!nall)
		return NULL;
	if (first_app == LS_STACK_DEPTH)
		first_app = 0;
	e = &l->site_cache[l->site_next++ % SITE_CACHE];
	memset(e, 0, sizeof(*e));
	e->tgid = tgid;
	e->stack_id = stack_id;
	e->caller = caller;
	for (uint32_t i = first_app; i < nall && e->nframes < LS_SITE_FRAMES; i++) {
		struct ls_site_source *src = &e->sources[e->nframes];

		symbolizer__frame(l->syms, (pid_t)tgid, at[i], true, &f);
		sym_frame__format(&f, e->frames[e->nframes], LS_SYM_LEN);
		if (f.line) {
			size_t n = strlen(f.file);

			src->line = f.line;
			/* the path's end is what tells files apart */
			if (n < sizeof(src->file))
				memcpy(src->file, f.file, n + 1);
			else
				snprintf(src->file, sizeof(src->file), "...%s",
					 f.file + n - (sizeof(src->file) - 4));
		}
		e->nframes++;
	}
	return e;
}

struct site_pick {
	uint32_t tgid;
	uint32_t stack_id;
	uint64_t caller;
	uint64_t bytes;
	uint64_t calls;
};

int loader__collect_sites(struct loader *l, uint64_t now_ns, ls_want_fn want, void *ctx)
{
	struct { __u32 tgid; __u32 stack_id; __u64 caller; } key, next;
	struct { __u64 bytes; __u64 calls; } val;
	struct bpf_map *map = l->skel->maps.growth_sites;
	/* top SITES_PER_PROC per wanted process, in a bounded scratch table */
	enum { MAX_PICKS = 1024 };
	static struct site_pick picks[MAX_PICKS];
	unsigned npicks = 0, scanned = 0;
	void *prev = NULL;
	struct ls_growth_site rec;

	if (!l->syms)
		return 0;
	while (bpf_map__get_next_key(map, prev, &next, sizeof(next)) == 0 &&
	       scanned++ < LS_MAX_SITES) {
		unsigned fewest = MAX_PICKS, have = 0;

		key = next;
		prev = &key;
		if (!want(ctx, key.tgid))
			continue;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &val, sizeof(val), 0))
			continue;
		for (unsigned i = 0; i < npicks; i++) {
			if (picks[i].tgid != key.tgid)
				continue;
			have++;
			if (fewest == MAX_PICKS || picks[i].bytes < picks[fewest].bytes)
				fewest = i;
		}
		if (have < SITES_PER_PROC && npicks < MAX_PICKS) {
			picks[npicks++] = (struct site_pick){ key.tgid, key.stack_id, key.caller, val.bytes,
							      val.calls };
		} else if (have >= SITES_PER_PROC && fewest != MAX_PICKS && val.bytes > picks[fewest].bytes) {
			picks[fewest] = (struct site_pick){ key.tgid, key.stack_id, key.caller, val.bytes,
							    val.calls };
		}
	}
	for (unsigned i = 0; i < npicks; i++) {
		struct site_cache_entry *e = site_symbolise(l, picks[i].tgid, picks[i].stack_id,
							    picks[i].caller);

		if (!e)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.hdr.type = LS_REC_GROWTH_SITE;
		rec.hdr.size = sizeof(rec);
		rec.hdr.tgid = picks[i].tgid;
		rec.hdr.ts_ns = now_ns;
		rec.bytes = picks[i].bytes;
		rec.calls = picks[i].calls;
		/* one site per (stack, caller): the model keys sites by this id */
		rec.stack_id = picks[i].stack_id ^ (uint32_t)((picks[i].caller * 0x9e3779b97f4a7c15ULL) >> 40);
		rec.nframes = e->nframes;
		memcpy(rec.frames, e->frames, sizeof(rec.frames));
		memcpy(rec.sources, e->sources, sizeof(rec.sources));
		/* start_ns: the model fills it from the process entry */
		l->opts.sink(l->opts.sink_ctx, &rec.hdr, sizeof(rec));
	}
	return (int)npicks;
}


void loader__drops(struct loader *l, __u64 drops[LS_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(drops, 0, LS_DROP_MAX * sizeof(drops[0]));
	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < LS_DROP_MAX; k++) {
		if (bpf_map__lookup_elem(l->skel->maps.drops, &k, sizeof(k), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			drops[k] += vals[c];
	}
	free(vals);
}
