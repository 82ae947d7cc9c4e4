// SPDX-License-Identifier: GPL-2.0
/* BPF's rings, read: the per-CPU conn and close rings and the ring buffer,
 * drained in the order the model needs by a thread of their own into a
 * queue the main thread empties (rings.h; the rules: docs/sockets.md). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "options.h"
#include "poll_pace.h"
#include "privs.h"
#include "record_queue.h"
#include "rings.h"

/* the reader thread's queue: ~200 ms of the fastest unix burst measured
 * (60 MB/s of records), touched only as far as records reach */
#define QUEUE_BYTES	(64U << 20)

struct rings {
	struct rings_opts opts;
	struct ring_buffer *rb;
	/* the per-CPU rings, mapped (one struct ls_conn_ring and one struct
	 * ls_close_ring per CPU) */
	struct ls_conn_ring *conn_rings;
	size_t conn_rings_len;
	struct ls_close_ring *close_rings;
	size_t close_rings_len;
	uint64_t *close_heads;		/* per CPU, read first (see drain_rings) */
	uint64_t *conn_heads;		/* per CPU, read next */
	uint64_t *conn_tails;		/* per CPU, where the merge has read to */
	uint64_t closes_waiting;	/* closes the last drain could not send yet */
	/* the ring buffer's positions, mapped read-only */
	const uint64_t *rb_consumer, *rb_producer;
	long page_size;
	/* the reader thread (see rings__poll): it drains the rings into the
	 * queue; the main thread takes the records from it */
	struct record_queue *queue;
	bool to_queue;			/* records go to the queue, not the sink */
	pthread_t reader;
	bool reader_started;
	int reader_epfd;		/* the ring buffer's fd and poke_fd */
	int poke_fd;			/* main -> reader: drain now, or stop */
	int ready_fd;			/* reader -> main: records in the queue */
	int wake_fd;			/* the caller's too (the live view's keys); -1: none */
	uint64_t flush_req, flush_done;	/* atomics: drains asked for, done */
	int reader_stop, reader_exited, reader_abort;	/* atomics */
	uint64_t queue_lost;		/* records given up at an aborted stop */
};

/* A record drained from BPF's rings: to the queue while the reader thread
 * drains, to the sink once it has stopped.  A full queue waits for the main
 * thread (BPF's rings fill meanwhile, and count what they cannot hold);
 * only a stop on an error path gives records up, counted. */
static void deliver(struct rings *r, const struct ls_rec_hdr *rec, size_t len)
{
	if (!r->to_queue) {
		r->opts.sink(r->opts.sink_ctx, rec, len);
		return;
	}
	while (!record_queue__push(r->queue, rec, len)) {
		if (__atomic_load_n(&r->reader_abort, __ATOMIC_ACQUIRE)) {
			r->queue_lost++;
			return;
		}
		eventfd_write(r->ready_fd, 1);
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rings *r = ctx;
	const struct ls_rec_hdr *h = data;

	/* the sink (the model) checks type and size against the ABI */
	if (size < sizeof(*h))
		return 0;
	if (size > h->size)
		size = h->size;
	if (h->type == LS_REC_RING_WAKE)
		return 0;	/* only woke us: drain_rings reads the rings */
	if (!h->ts_ns && size <= LS_UNTIMED_MAX) {
		/* the socket paths leave the time to us (a clock read is a
		 * tenth of their cost); the ring is read within ~100 ms */
		union {
			struct ls_rec_hdr hdr;
			char bytes[LS_UNTIMED_MAX];
		} copy;

		memcpy(copy.bytes, data, size);
		copy.hdr.ts_ns = ls_now_boot_ns();
		deliver(r, &copy.hdr, size);
		return 0;
	}
	deliver(r, h, size);
	return 0;
}

/* Map an array map of ncpus values of value_size bytes; *len gets the
 * mapping's length. */
static void *map_cpu_rings(struct rings *r, int fd, const char *name, size_t value_size,
			   size_t *len)
{
	void *p;

	*len = ((size_t)r->opts.ncpus * value_size + r->page_size - 1) / r->page_size * r->page_size;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ls_error("cannot map %s: %s", name, strerror(errno));
		return NULL;
	}
	return p;
}

/* Map the per-CPU rings, and the ring buffer's consumer and producer pages
 * (read-only) for drain_rings(). */
static int map_rings(struct rings *r)
{
	int rb = r->opts.events_fd;
	void *p;

	r->page_size = sysconf(_SC_PAGESIZE);
	r->close_rings = map_cpu_rings(r, r->opts.close_rings_fd, "close_rings", sizeof(struct ls_close_ring),
				       &r->close_rings_len);
	if (!r->close_rings)
		return -1;
	r->conn_rings = map_cpu_rings(r, r->opts.conn_rings_fd, "conn_rings", sizeof(struct ls_conn_ring),
				      &r->conn_rings_len);
	if (!r->conn_rings)
		return -1;
	r->close_heads = calloc(r->opts.ncpus, sizeof(*r->close_heads));
	r->conn_heads = calloc(r->opts.ncpus, sizeof(*r->conn_heads));
	r->conn_tails = calloc(r->opts.ncpus, sizeof(*r->conn_tails));
	if (!r->close_heads || !r->conn_heads || !r->conn_tails) {
		ls_error("out of memory");
		return -1;
	}
	p = mmap(NULL, r->page_size, PROT_READ, MAP_SHARED, rb, 0);
	if (p == MAP_FAILED) {
		ls_error("cannot map the ring buffer's consumer page: %s", strerror(errno));
		return -1;
	}
	r->rb_consumer = p;
	p = mmap(NULL, r->page_size, PROT_READ, MAP_SHARED, rb, r->page_size);
	if (p == MAP_FAILED) {
		ls_error("cannot map the ring buffer's producer page: %s", strerror(errno));
		return -1;
	}
	r->rb_producer = p;
	return 0;
}


/* The record at this CPU's read position, or NULL when it has caught up
 * with the head read for this drain. */
static const struct ls_rec_hdr *conn_next(struct rings *r, unsigned c)
{
	if (r->conn_tails[c] == r->conn_heads[c])
		return NULL;
	return (const void *)&r->conn_rings[c].slots[r->conn_tails[c] & (LS_CONN_RING_SLOTS - 1)];
}

/* The conn rings' records up to the heads read for this drain, to the
 * sink in the order BPF numbered them (in hdr.ts_ns) across CPUs, each
 * stamped with the time it is read (as on_event stamps untimed records).
 * A merge: each step takes the lowest number among the CPUs' next records
 * (a pass over the CPUs; two here). */
static int drain_conn_rings(struct rings *r, uint64_t now)
{
	int n = 0;

	for (unsigned c = 0; c < r->opts.ncpus; c++)
		r->conn_tails[c] = r->conn_rings[c].tail;
	for (;;) {
		const struct ls_rec_hdr *h, *first = NULL;
		unsigned from = 0;
		union {
			struct ls_rec_hdr hdr;
			struct ls_unix_conn rec;
		} copy;
		uint32_t size;

		for (unsigned c = 0; c < r->opts.ncpus; c++) {
			h = conn_next(r, c);
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
		r->conn_tails[from] += LS_CONN_RECORD_SLOTS(size);
		deliver(r, &copy.hdr, size);
		n++;
	}
	for (unsigned c = 0; c < r->opts.ncpus; c++)
		__atomic_store_n(&r->conn_rings[c].tail, r->conn_tails[c], __ATOMIC_RELEASE);
	return n;
}

/* The closes in this CPU's close ring up to head, as LS_REC_SOCK_CLOSE
 * records. */
static int drain_close_ring(struct rings *r, struct ls_close_ring *ring, uint64_t head, uint64_t now)
{
	uint64_t tail = ring->tail;
	int n = 0;

	for (; tail != head; tail++) {
		const struct ls_close_slot *s = &ring->slots[tail & (LS_CLOSE_RING_SLOTS - 1)];
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

		deliver(r, &rec.hdr, sizeof(rec));
		n++;
	}
	__atomic_store_n(&ring->tail, head, __ATOMIC_RELEASE);
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
static int drain_rings(struct rings *r)
{
	uint64_t prod, now;
	int n = 0;

	for (unsigned c = 0; c < r->opts.ncpus; c++)
		r->close_heads[c] = __atomic_load_n(&r->close_rings[c].head, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(r->rb_producer, __ATOMIC_ACQUIRE);
	for (unsigned c = 0; c < r->opts.ncpus; c++)
		r->conn_heads[c] = __atomic_load_n(&r->conn_rings[c].head, __ATOMIC_ACQUIRE);
	now = ls_now_boot_ns();
	n += drain_conn_rings(r, now);
	for (int tries = 0;; tries++) {
		int m;

		if (tries == 1000)
			goto closes_wait;
		if (tries)
			nanosleep(&(struct timespec){ .tv_nsec = 10000 }, NULL);
		m = ring_buffer__consume(r->rb);
		if (m < 0)
			goto closes_wait;
		n += m;
		if (__atomic_load_n(r->rb_consumer, __ATOMIC_ACQUIRE) >= prod)
			break;
	}
	r->closes_waiting = 0;
	for (unsigned c = 0; c < r->opts.ncpus; c++)
		n += drain_close_ring(r, &r->close_rings[c], r->close_heads[c], now);
	return n;
closes_wait:
	/* for the next poll; counted as lost if there is none */
	r->closes_waiting = 0;
	for (unsigned c = 0; c < r->opts.ncpus; c++)
		r->closes_waiting += r->close_heads[c] - r->close_rings[c].tail;
	return n;
}

/* ---- The reader thread.  It only drains: BPF's rings into the queue, on
 * BPF's wakeup (a ring past a quarter full), on its own pace while records
 * flow (poll_pace.h), or when the main thread asks (poke_fd).  The main
 * thread samples /proc, writes reports and owns the model; whatever it
 * does, the rings are read on time. */
static void *reader_main(void *arg)
{
	struct rings *r = arg;
	struct poll_pace pace = { 0 };
	int timeout = 100;

	/* it reads mapped memory and waits on fds: it needs no privilege, and
	 * the main thread's drop after attach does not reach it */
	privs__drop_all_in_thread();
	while (!__atomic_load_n(&r->reader_stop, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev[2];
		eventfd_t v;
		uint64_t req;
		int got;

		/* BPF submits without waking us (see rb_wakeup_flags): the
		 * wait ends at the record that takes a ring past a quarter
		 * full, a poke, or the pace's timeout; everything there is
		 * drained, woken or not */
		if (epoll_wait(r->reader_epfd, ev, 2, timeout) < 0 && errno != EINTR)
			break;
		eventfd_read(r->poke_fd, &v);	/* non-blocking: clears a poke */
		req = __atomic_load_n(&r->flush_req, __ATOMIC_ACQUIRE);
		got = drain_rings(r);
		if (got < 0)
			break;
		__atomic_store_n(&r->flush_done, req, __ATOMIC_RELEASE);
		if (got || req)
			eventfd_write(r->ready_fd, 1);
		timeout = poll_pace__next_timeout_ms(&pace, ls_now_boot_ns(), (uint64_t)got, 100);
	}
	__atomic_store_n(&r->reader_exited, 1, __ATOMIC_RELEASE);
	eventfd_write(r->ready_fd, 1);
	return NULL;
}

static void to_sink(void *ctx, const void *rec, size_t len)
{
	struct rings *r = ctx;

	r->opts.sink(r->opts.sink_ctx, rec, len);
}

/* The queue's records to the sink: those there now, not those that keep
 * coming (the caller gets to do its own work). */
static int take_queued(struct rings *r)
{
	return (int)record_queue__pop(r->queue, to_sink, r, SIZE_MAX);
}

/* Wait up to timeout_ms (-1: no limit) for the reader's signal. */
static int wait_ready(struct rings *r, int timeout_ms, const sigset_t *sigmask)
{
	struct pollfd pfd[2] = { { .fd = r->ready_fd, .events = POLLIN },
				 { .fd = r->wake_fd, .events = POLLIN } };
	struct timespec ts = { .tv_sec = timeout_ms / 1000,
			       .tv_nsec = (long)(timeout_ms % 1000) * 1000000 };
	eventfd_t v;
	int n = ppoll(pfd, r->wake_fd >= 0 ? 2 : 1, timeout_ms < 0 ? NULL : &ts, sigmask);

	if (n < 0 && errno != EINTR)
		return -errno;
	if (n > 0 && pfd[0].revents)
		eventfd_read(r->ready_fd, &v);
	return 0;
}

static int start_reader(struct rings *r)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t all, old;
	int err;

	r->queue = record_queue__new(QUEUE_BYTES);
	r->poke_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->reader_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!r->queue || r->poke_fd < 0 || r->ready_fd < 0 || r->reader_epfd < 0) {
		ls_error("cannot set up the reader thread: %s", r->queue ? strerror(errno)
								: "out of memory");
		return -1;
	}
	ev.data.fd = r->opts.events_fd;
	if (epoll_ctl(r->reader_epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail;
	ev.data.fd = r->poke_fd;
	if (epoll_ctl(r->reader_epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail;
	r->to_queue = true;
	/* signals are the main thread's: its waits end on them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->reader, NULL, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		r->to_queue = false;
		errno = err;
		goto fail;
	}
	r->reader_started = true;
	return 0;
fail:
	ls_error("cannot start the reader thread: %s", strerror(errno));
	return -1;
}

/* Stop the reader, taking what it still hands over (abort: give it up,
 * counted); after this, drains run in the caller's thread. */
static void stop_reader(struct rings *r, bool abort)
{
	if (!r->reader_started)
		return;
	__atomic_store_n(&r->reader_abort, abort, __ATOMIC_RELEASE);
	__atomic_store_n(&r->reader_stop, 1, __ATOMIC_RELEASE);
	eventfd_write(r->poke_fd, 1);
	while (!__atomic_load_n(&r->reader_exited, __ATOMIC_ACQUIRE)) {
		if (!abort)
			take_queued(r);	/* a reader waiting for room gets it */
		wait_ready(r, 1, NULL);
	}
	pthread_join(r->reader, NULL);
	r->reader_started = false;
	r->to_queue = false;
	if (!abort)
		take_queued(r);
}

int rings__poll(struct rings *r, int timeout_ms, const sigset_t *sigmask)
{
	int err;

	if (!r->reader_started)
		return drain_rings(r);
	err = wait_ready(r, timeout_ms, sigmask);
	if (err)
		return err;
	return take_queued(r);
}

void rings__set_wake_fd(struct rings *r, int fd)
{
	r->wake_fd = fd;
}

int rings__flush(struct rings *r, bool last)
{
	uint64_t req;
	int n = 0;

	if (last) {
		stop_reader(r, false);
		return drain_rings(r);	/* and what came since its last drain */
	}
	if (!r->reader_started)
		return drain_rings(r);
	req = __atomic_add_fetch(&r->flush_req, 1, __ATOMIC_ACQ_REL);
	eventfd_write(r->poke_fd, 1);
	/* taking records meanwhile: a reader waiting for room gets it */
	while (__atomic_load_n(&r->flush_done, __ATOMIC_ACQUIRE) < req &&
	       !__atomic_load_n(&r->reader_exited, __ATOMIC_ACQUIRE)) {
		n += take_queued(r);
		wait_ready(r, 1, NULL);
	}
	return n + take_queued(r);
}

struct rings *rings__new(const struct rings_opts *opts)
{
	struct rings *r = calloc(1, sizeof(*r));

	if (!r) {
		ls_error("out of memory");
		return NULL;
	}
	r->opts = *opts;
	r->poke_fd = r->ready_fd = r->reader_epfd = r->wake_fd = -1;
	r->rb = ring_buffer__new(opts->events_fd, on_event, r, NULL);
	if (!r->rb) {
		ls_error("cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (map_rings(r) || start_reader(r))
		goto fail;
	return r;
fail:
	rings__free(r);
	return NULL;
}

void rings__free(struct rings *r)
{
	if (!r)
		return;
	stop_reader(r, true);	/* no-op after rings__flush(r, true) */
	record_queue__free(r->queue);
	if (r->poke_fd >= 0)
		close(r->poke_fd);
	if (r->ready_fd >= 0)
		close(r->ready_fd);
	if (r->reader_epfd >= 0)
		close(r->reader_epfd);
	if (r->close_rings)
		munmap(r->close_rings, r->close_rings_len);
	if (r->conn_rings)
		munmap(r->conn_rings, r->conn_rings_len);
	if (r->rb_consumer)
		munmap((void *)r->rb_consumer, r->page_size);
	if (r->rb_producer)
		munmap((void *)r->rb_producer, r->page_size);
	free(r->close_heads);
	free(r->conn_heads);
	free(r->conn_tails);
	ring_buffer__free(r->rb);
	free(r);
}

uint64_t rings__closes_waiting(const struct rings *r)
{
	return r->closes_waiting;
}
