// SPDX-License-Identifier: GPL-2.0
/* Loads leakscope's BPF object and turns what it collects into records. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "conn_path.h"
#include "kernel_features.h"
#include "leakscope.skel.h"
#include "loader.h"
#include "links.h"
#include "options.h"
#include "poll_pace.h"
#include "privs.h"
#include "record_queue.h"
#include "symbols.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACEFS_MAGIC	0x74726163
#define MAX_LINKS	96
#define SITE_CACHE	256	/* symbolised (process, stack) kept */
/* the reader thread's queue: ~200 ms of the fastest unix burst measured
 * (60 MB/s of records), touched only as far as records reach */
#define QUEUE_BYTES	(16U << 20)
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
};

struct loader {
	struct leakscope_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[MAX_LINKS];
	unsigned nlinks;
	struct loader_opts opts;
	struct symbolizer *syms;
	struct site_cache_entry site_cache[SITE_CACHE];
	unsigned site_next;
	/* the per-CPU rings, mapped (one struct ls_conn_ring and one struct
	 * ls_close_ring per CPU) */
	struct ls_conn_ring *conn_rings;
	size_t conn_rings_len;
	struct ls_close_ring *close_rings;
	size_t close_rings_len;
	unsigned ncpus;
	uint64_t *close_heads;		/* per CPU, read first (see drain_rings) */
	uint64_t *conn_heads;		/* per CPU, read next */
	uint64_t *conn_tails;		/* per CPU, where the merge has read to */
	struct conn_path *conn_paths;	/* per CPU, its conn ring's last path */
	uint64_t closes_waiting;	/* closes the last drain could not send yet */
	/* the reader thread (see loader__poll): it drains the rings into the
	 * queue; the main thread takes the records from it */
	struct record_queue *queue;
	bool to_queue;			/* records go to the queue, not the sink */
	pthread_t reader;
	bool reader_started;
	int reader_epfd;		/* the ring buffer's fd and poke_fd */
	int poke_fd;			/* main -> reader: drain now, or stop */
	int ready_fd;			/* reader -> main: records in the queue */
	uint64_t flush_req, flush_done;	/* atomics: drains asked for, done */
	int reader_stop, reader_exited, reader_abort;	/* atomics */
	uint64_t queue_lost;		/* records given up at an aborted stop */
	/* the ring buffer's positions, mapped read-only */
	const uint64_t *rb_consumer, *rb_producer;
	long page_size;
};

uint64_t ls_now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

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

int loader__check_env(void)
{
	/* root is not enough in a user namespace, and the right
	 * capabilities are enough without root (caps.h) */
	if (privs__check())
		return -1;
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		ls_error("this kernel has no BTF (/sys/kernel/btf/vmlinux): leakscope needs "
			 "CONFIG_DEBUG_INFO_BTF=y");
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

static const char *optional_loss(const char *prog)
{
	for (size_t i = 0; i < sizeof(optional_progs) / sizeof(optional_progs[0]); i++)
		if (!strcmp(optional_progs[i].prog, prog))
			return optional_progs[i].loss;
	return NULL;
}

/* Settings from what the kernel offers (bpf/compat.bpf.h), and the
 * programs and maps only a fallback uses. */
static int configure_features(struct loader *l)
{
	struct leakscope_bpf *skel = l->skel;
	struct bpf_program *prog;
	struct ls_features f;
	bool fast;

	if (features__probe(&f))
		return -1;
	if (ls_verbose)
		features__print(&f, stderr);
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
static int check_programs(struct loader *l)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *prog;
	int err = 0, found;

	bpf_object__for_each_program(prog, l->skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *name = bpf_program__name(prog);
		const char *loss;

		if (!strcmp(name, "ls_rss_stat") && !l->opts.rss_tracepoint) {
			bpf_program__set_autoload(prog, false);	/* costs per page fault */
			continue;
		}
		if (!bpf_program__autoload(prog))
			continue;	/* a fallback this kernel does not need */
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
	return err;
}

/* A record drained from BPF's rings: to the queue while the reader thread
 * drains, to the sink once it has stopped.  A full queue waits for the main
 * thread (BPF's rings fill meanwhile, and count what they cannot hold);
 * only a stop on an error path gives records up, counted. */
static void deliver(struct loader *l, const struct ls_rec_hdr *rec, size_t len)
{
	if (!l->to_queue) {
		l->opts.sink(l->opts.sink_ctx, rec, len);
		return;
	}
	while (!record_queue__push(l->queue, rec, len)) {
		if (__atomic_load_n(&l->reader_abort, __ATOMIC_ACQUIRE)) {
			l->queue_lost++;
			return;
		}
		eventfd_write(l->ready_fd, 1);
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct loader *l = ctx;
	const struct ls_rec_hdr *h = data;

	/* the sink (the model) checks type and size against the ABI */
	if (size < sizeof(*h))
		return 0;
	if (size > h->size)
		size = h->size;
	if (h->type == LS_REC_RING_WAKE)
		return 0;	/* only woke us: loader__poll reads the rings */
	if (!h->ts_ns && size <= LS_UNTIMED_MAX) {
		/* the socket paths leave the time to us (a clock read is a
		 * tenth of their cost); the ring is read within ~100 ms */
		union {
			struct ls_rec_hdr hdr;
			char bytes[LS_UNTIMED_MAX];
		} copy;

		memcpy(copy.bytes, data, size);
		copy.hdr.ts_ns = ls_now_boot_ns();
		deliver(l, &copy.hdr, size);
		return 0;
	}
	deliver(l, h, size);
	return 0;
}

/* Map an array map of ncpus values of value_size bytes; *len gets the
 * mapping's length. */
static void *map_cpu_rings(struct loader *l, struct bpf_map *map, size_t value_size, size_t *len)
{
	void *p;

	*len = ((size_t)l->ncpus * value_size + l->page_size - 1) / l->page_size * l->page_size;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0);
	if (p == MAP_FAILED) {
		ls_error("cannot map %s: %s", bpf_map__name(map), strerror(errno));
		return NULL;
	}
	return p;
}

/* Map the per-CPU rings, and the ring buffer's consumer and producer pages
 * (read-only) for drain_rings(). */
static int map_rings(struct loader *l)
{
	int rb = bpf_map__fd(l->skel->maps.events);
	void *p;

	l->page_size = sysconf(_SC_PAGESIZE);
	l->close_rings = map_cpu_rings(l, l->skel->maps.close_rings, sizeof(struct ls_close_ring),
				       &l->close_rings_len);
	if (!l->close_rings)
		return -1;
	l->conn_rings = map_cpu_rings(l, l->skel->maps.conn_rings, sizeof(struct ls_conn_ring),
				      &l->conn_rings_len);
	if (!l->conn_rings)
		return -1;
	l->close_heads = calloc(l->ncpus, sizeof(*l->close_heads));
	l->conn_heads = calloc(l->ncpus, sizeof(*l->conn_heads));
	l->conn_tails = calloc(l->ncpus, sizeof(*l->conn_tails));
	l->conn_paths = calloc(l->ncpus, sizeof(*l->conn_paths));
	if (!l->close_heads || !l->conn_heads || !l->conn_tails || !l->conn_paths) {
		ls_error("out of memory");
		return -1;
	}
	p = mmap(NULL, l->page_size, PROT_READ, MAP_SHARED, rb, 0);
	if (p == MAP_FAILED) {
		ls_error("cannot map the ring buffer's consumer page: %s", strerror(errno));
		return -1;
	}
	l->rb_consumer = p;
	p = mmap(NULL, l->page_size, PROT_READ, MAP_SHARED, rb, l->page_size);
	if (p == MAP_FAILED) {
		ls_error("cannot map the ring buffer's producer page: %s", strerror(errno));
		return -1;
	}
	l->rb_producer = p;
	return 0;
}

static int start_reader(struct loader *l);
static void stop_reader(struct loader *l, bool abort);

struct loader *loader__start(const struct loader_opts *opts)
{
	struct loader *l = calloc(1, sizeof(*l));
	int err;

	if (!l) {
		ls_error("out of memory");
		return NULL;
	}
	l->opts = *opts;
	l->poke_fd = l->ready_fd = l->reader_epfd = -1;
	libbpf_set_print(libbpf_print);

	l->skel = leakscope_bpf__open();
	if (!l->skel) {
		ls_error("cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	/* configure: settings are read-only once loaded */
	l->skel->rodata->self_tgid = getpid();
	l->skel->rodata->filter_pids = opts->filtered;
	l->skel->rodata->rss_from_tracepoint = opts->rss_tracepoint;
	l->skel->rodata->capture_stacks = opts->stacks;
	if (opts->comm) {
		l->skel->rodata->filter_comm = true;
		strncpy((char *)l->skel->rodata->target_comm, opts->comm, LS_COMM_LEN - 1);
	}
	if (configure_features(l) || check_programs(l))
		goto fail;

	err = leakscope_bpf__load(l->skel);
	if (err) {
		ls_error("cannot load the BPF programs: %s%s", strerror(-err),
			 ls_verbose ? "" : " (run with -v for the verifier's log)");
		goto fail;
	}
	if (loader__attach(l))
		goto fail;
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_event, l, NULL);
	if (!l->rb) {
		ls_error("cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (map_rings(l))
		goto fail;
	if (opts->stacks)
		l->syms = symbolizer__new();
	if (start_reader(l))
		goto fail;
	return l;
fail:
	loader__destroy(l);
	return NULL;
}

int loader__attach(struct loader *l)
{
	struct bpf_program *prog;

	if (l->nlinks)
		return 0;
	bpf_object__for_each_program(prog, l->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (l->nlinks >= MAX_LINKS) {
			ls_error("too many BPF programs (%u)", l->nlinks);
			goto fail;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			ls_error("cannot attach %s to %s: %s", bpf_program__name(prog),
				 bpf_program__section_name(prog), strerror(errno));
			goto fail;
		}
		l->links[l->nlinks++] = link;
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
}

void loader__destroy(struct loader *l)
{
	if (!l)
		return;
	stop_reader(l, true);	/* no-op after loader__flush(l, true) */
	record_queue__free(l->queue);
	if (l->poke_fd >= 0)
		close(l->poke_fd);
	if (l->ready_fd >= 0)
		close(l->ready_fd);
	if (l->reader_epfd >= 0)
		close(l->reader_epfd);
	if (l->close_rings)
		munmap(l->close_rings, l->close_rings_len);
	if (l->conn_rings)
		munmap(l->conn_rings, l->conn_rings_len);
	if (l->rb_consumer)
		munmap((void *)l->rb_consumer, l->page_size);
	if (l->rb_producer)
		munmap((void *)l->rb_producer, l->page_size);
	free(l->close_heads);
	free(l->conn_heads);
	free(l->conn_tails);
	free(l->conn_paths);
	ring_buffer__free(l->rb);
	loader__detach(l);
	leakscope_bpf__destroy(l->skel);
	symbolizer__free(l->syms);
	free(l);
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

/* The record at this CPU's read position, or NULL when it has caught up
 * with the head read for this drain. */
static const struct ls_rec_hdr *conn_next(struct loader *l, unsigned c)
{
	if (l->conn_tails[c] == l->conn_heads[c])
		return NULL;
	return (const void *)&l->conn_rings[c].slots[l->conn_tails[c] & (LS_CONN_RING_SLOTS - 1)];
}

/* The conn rings' records up to the heads read for this drain, to the
 * sink in the order BPF numbered them (in hdr.ts_ns) across CPUs, each
 * stamped with the time it is read (as on_event stamps untimed records).
 * A merge: each step takes the lowest number among the CPUs' next records
 * (a pass over the CPUs; two here). */
static int drain_conn_rings(struct loader *l, uint64_t now)
{
	int n = 0;

	for (unsigned c = 0; c < l->ncpus; c++)
		l->conn_tails[c] = l->conn_rings[c].tail;
	for (;;) {
		const struct ls_rec_hdr *h, *first = NULL;
		unsigned from = 0;
		union {
			struct ls_rec_hdr hdr;
			struct ls_unix_conn rec;
		} copy;
		uint32_t size;

		for (unsigned c = 0; c < l->ncpus; c++) {
			h = conn_next(l, c);
			if (h && (!first || h->ts_ns < first->ts_ns)) {
				first = h;
				from = c;
			}
		}
		if (!first)
			break;
		/* BPF wrote it; the clamp keeps a bad size inside the slots it
		 * takes (the sink checks type and size against the ABI) */
		size = first->size > sizeof(copy.rec) ? sizeof(copy.rec) : first->size;
		memcpy(&copy, first, size);
		copy.hdr.ts_ns = now;
		l->conn_tails[from] += LS_CONN_RECORD_SLOTS(size);
		if (copy.hdr.type == LS_REC_UNIX_CONN)
			size = conn_path__restore(&l->conn_paths[from], &copy.rec, size);
		deliver(l, &copy.hdr, size);
		n++;
	}
	for (unsigned c = 0; c < l->ncpus; c++)
		__atomic_store_n(&l->conn_rings[c].tail, l->conn_tails[c], __ATOMIC_RELEASE);
	return n;
}

/* The closes in this CPU's close ring up to head, as LS_REC_SOCK_CLOSE
 * records. */
static int drain_close_ring(struct loader *l, struct ls_close_ring *r, uint64_t head, uint64_t now)
{
	uint64_t tail = r->tail;
	int n = 0;

	for (; tail != head; tail++) {
		const struct ls_close_slot *s = &r->slots[tail & (LS_CLOSE_RING_SLOTS - 1)];
		struct ls_sock_close rec = {
			.hdr = { .type = LS_REC_SOCK_CLOSE, .size = sizeof(rec),
				 .tgid = (uint32_t)(s->ino_tgid >> 32) & 0x7fffffff,
				 .ts_ns = now },
			.sk = s->sk,
			.ino = (uint32_t)s->ino_tgid,
			.fd = -1,
			.family = 1,	/* AF_UNIX */
			.unverified = (s->ino_tgid & LS_CLOSE_SLOT_UNVERIFIED) != 0,
		};

		deliver(l, &rec.hdr, sizeof(rec));
		n++;
	}
	__atomic_store_n(&r->tail, head, __ATOMIC_RELEASE);
	return n;
}

/* Everything BPF sent, to the sink, in an order the model can follow:
 * a close after the record that opened its socket.  Unix opens are in the
 * conn rings (or the ring buffer when a conn ring was full), unix closes
 * in the close rings.  So the close rings' heads are read first, then the
 * conn rings' heads; the conn records up to those are sent, then the ring
 * buffer is drained to where its producer stood after the close heads
 * were read, then the closes up to those heads.  A ring-buffer record
 * still being written stops the drain (BPF fills one in well under a
 * microsecond): it is retried for up to ~10 ms, then the closes wait for
 * the next poll.  (A process's exit, in the ring buffer, can come before
 * a connect it made just before: the model closes ends of an exited
 * process.)  Returns how many records were sent. */
static int drain_rings(struct loader *l)
{
	uint64_t prod, now;
	int n = 0;

	for (unsigned c = 0; c < l->ncpus; c++)
		l->close_heads[c] = __atomic_load_n(&l->close_rings[c].head, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(l->rb_producer, __ATOMIC_ACQUIRE);
	for (unsigned c = 0; c < l->ncpus; c++)
		l->conn_heads[c] = __atomic_load_n(&l->conn_rings[c].head, __ATOMIC_ACQUIRE);
	now = ls_now_boot_ns();
	n += drain_conn_rings(l, now);
	for (int tries = 0;; tries++) {
		int m;

		if (tries == 1000)
			goto closes_wait;
		if (tries)
			nanosleep(&(struct timespec){ .tv_nsec = 10000 }, NULL);
		m = ring_buffer__consume(l->rb);
		if (m < 0)
			goto closes_wait;
		n += m;
		if (__atomic_load_n(l->rb_consumer, __ATOMIC_ACQUIRE) >= prod)
			break;
	}
	l->closes_waiting = 0;
	for (unsigned c = 0; c < l->ncpus; c++)
		n += drain_close_ring(l, &l->close_rings[c], l->close_heads[c], now);
	return n;
closes_wait:
	/* for the next poll; counted as lost if there is none */
	l->closes_waiting = 0;
	for (unsigned c = 0; c < l->ncpus; c++)
		l->closes_waiting += l->close_heads[c] - l->close_rings[c].tail;
	return n;
}

/* ---- The reader thread.  It only drains: BPF's rings into the queue, on
 * BPF's wakeup (a ring past a quarter full), on its own pace while records
 * flow (poll_pace.h), or when the main thread asks (poke_fd).  The main
 * thread samples /proc, writes reports and owns the model; whatever it
 * does, the rings are read on time. */
static void *reader_main(void *arg)
{
	struct loader *l = arg;
	struct poll_pace pace = { 0 };
	int timeout = 100;

	while (!__atomic_load_n(&l->reader_stop, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev[2];
		eventfd_t v;
		uint64_t req;
		int got;

		/* BPF submits without waking us (see rb_wakeup_flags): the
		 * wait ends at the record that takes a ring past a quarter
		 * full, a poke, or the pace's timeout; everything there is
		 * drained, woken or not */
		if (epoll_wait(l->reader_epfd, ev, 2, timeout) < 0 && errno != EINTR)
			break;
		eventfd_read(l->poke_fd, &v);	/* non-blocking: clears a poke */
		req = __atomic_load_n(&l->flush_req, __ATOMIC_ACQUIRE);
		got = drain_rings(l);
		if (got < 0)
			break;
		__atomic_store_n(&l->flush_done, req, __ATOMIC_RELEASE);
		if (got || req)
			eventfd_write(l->ready_fd, 1);
		timeout = poll_pace__next_timeout_ms(&pace, ls_now_boot_ns(), (uint64_t)got, 100);
	}
	__atomic_store_n(&l->reader_exited, 1, __ATOMIC_RELEASE);
	eventfd_write(l->ready_fd, 1);
	return NULL;
}

static void to_sink(void *ctx, const void *rec, size_t len)
{
	struct loader *l = ctx;

	l->opts.sink(l->opts.sink_ctx, rec, len);
}

/* The queue's records to the sink: those there now, not those that keep
 * coming (the caller gets to do its own work). */
static int take_queued(struct loader *l)
{
	return (int)record_queue__pop(l->queue, to_sink, l, SIZE_MAX);
}

/* Wait up to timeout_ms (-1: no limit) for the reader's signal. */
static int wait_ready(struct loader *l, int timeout_ms, const sigset_t *sigmask)
{
	struct pollfd pfd = { .fd = l->ready_fd, .events = POLLIN };
	struct timespec ts = { .tv_sec = timeout_ms / 1000,
			       .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };
	eventfd_t v;
	int n = ppoll(&pfd, 1, timeout_ms < 0 ? NULL : &ts, sigmask);

	if (n < 0 && errno != EINTR)
		return -errno;
	if (n > 0)
		eventfd_read(l->ready_fd, &v);
	return 0;
}

static int start_reader(struct loader *l)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t all, old;
	int err;

	l->queue = record_queue__new(QUEUE_BYTES);
	l->poke_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->reader_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!l->queue || l->poke_fd < 0 || l->ready_fd < 0 || l->reader_epfd < 0) {
		ls_error("cannot set up the reader thread: %s", l->queue ? strerror(errno)
								: "out of memory");
		return -1;
	}
	ev.data.fd = bpf_map__fd(l->skel->maps.events);
	if (epoll_ctl(l->reader_epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail;
	ev.data.fd = l->poke_fd;
	if (epoll_ctl(l->reader_epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail;
	l->to_queue = true;
	/* signals are the main thread's: its waits end on them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&l->reader, NULL, reader_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		l->to_queue = false;
		errno = err;
		goto fail;
	}
	l->reader_started = true;
	return 0;
fail:
	ls_error("cannot start the reader thread: %s", strerror(errno));
	return -1;
}

/* Stop the reader, taking what it still hands over (abort: give it up,
 * counted); after this, drains run in the caller's thread. */
static void stop_reader(struct loader *l, bool abort)
{
	if (!l->reader_started)
		return;
	__atomic_store_n(&l->reader_abort, abort, __ATOMIC_RELEASE);
	__atomic_store_n(&l->reader_stop, 1, __ATOMIC_RELEASE);
	eventfd_write(l->poke_fd, 1);
	while (!__atomic_load_n(&l->reader_exited, __ATOMIC_ACQUIRE)) {
		if (!abort)
			take_queued(l);	/* a reader waiting for room gets it */
		wait_ready(l, 1, NULL);
	}
	pthread_join(l->reader, NULL);
	l->reader_started = false;
	l->to_queue = false;
	if (!abort)
		take_queued(l);
}

int loader__poll(struct loader *l, int timeout_ms, const sigset_t *sigmask)
{
	int err;

	if (!l->reader_started)
		return drain_rings(l);
	err = wait_ready(l, timeout_ms, sigmask);
	if (err)
		return err;
	return take_queued(l);
}

int loader__flush(struct loader *l, bool last)
{
	uint64_t req;
	int n = 0;

	if (last) {
		stop_reader(l, false);
		return drain_rings(l);	/* and what came since its last drain */
	}
	if (!l->reader_started)
		return drain_rings(l);
	req = __atomic_add_fetch(&l->flush_req, 1, __ATOMIC_ACQ_REL);
	eventfd_write(l->poke_fd, 1);
	/* taking records meanwhile: a reader waiting for room gets it */
	while (__atomic_load_n(&l->flush_done, __ATOMIC_ACQUIRE) < req &&
	       !__atomic_load_n(&l->reader_exited, __ATOMIC_ACQUIRE)) {
		n += take_queued(l);
		wait_ready(l, 1, NULL);
	}
	return n + take_queued(l);
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

/* Frames inside the C library are how memory is asked for, not who asks. */
static bool frame_is_plumbing(const char *sym)
{
	return strstr(sym, "(libc.so") || strstr(sym, "(ld-linux") || strstr(sym, "(libpthread");
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

/* The caller word is only a frame when it points into mapped code. */
static bool caller_is_code(const char *sym)
{
	return !strstr(sym, "(anon)") && !strstr(sym, "([") && strchr(sym, '(');
}

static struct site_cache_entry *site_symbolise(struct loader *l, uint32_t tgid, uint32_t stack_id,
					       uint64_t caller)
{
	struct site_cache_entry *e = site_lookup(l, tgid, stack_id, caller);
	__u64 ips[LS_STACK_DEPTH];
	char sym[LS_SYM_LEN];
	uint32_t nall = 0, first_app = LS_STACK_DEPTH;
	char all[LS_STACK_DEPTH][LS_SYM_LEN];

	if (e)
		return e;
	memset(ips, 0, sizeof(ips));
	if (bpf_map__lookup_elem(l->skel->maps.user_stacks, &stack_id, sizeof(stack_id), ips,
				 sizeof(ips), 0))
		return NULL;
	for (int i = 0; i < LS_STACK_DEPTH && ips[i] && nall < LS_STACK_DEPTH; i++) {
		symbolizer__resolve(l->syms, (pid_t)tgid, ips[i], sym, sizeof(sym));
		snprintf(all[nall], LS_SYM_LEN, "%s", sym);
		if (first_app == LS_STACK_DEPTH && !frame_is_plumbing(sym))
			first_app = nall;
		nall++;
		/* after the innermost frame, the caller the walk could not see */
		if (i == 0 && caller && caller != ips[1] && nall < LS_STACK_DEPTH) {
			symbolizer__resolve(l->syms, (pid_t)tgid, caller, sym, sizeof(sym));
			if (caller_is_code(sym)) {
				snprintf(all[nall], LS_SYM_LEN, "%s", sym);
				if (first_app == LS_STACK_DEPTH && !frame_is_plumbing(sym))
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
	for (uint32_t i = first_app; i < nall && e->nframes < LS_SITE_FRAMES; i++)
		memcpy(e->frames[e->nframes++], all[i], LS_SYM_LEN);
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
		/* start_ns: the model fills it from the process entry */
		l->opts.sink(l->opts.sink_ctx, &rec.hdr, sizeof(rec));
	}
	return (int)npicks;
}

uint64_t loader__closes_waiting(const struct loader *l)
{
	return l->closes_waiting;
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
