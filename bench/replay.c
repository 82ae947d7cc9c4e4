// SPDX-License-Identifier: GPL-2.0
/*
 * Replay throughput: writes a synthetic recording (a busy machine's mix of
 * samples, ledgers, unix connections and closes, TCP states and
 * intervals), then reads it back through the model as `leakscope report`
 * does, and prints events per second, MB/s of compressed input and
 * compressed bytes per event.  replay [EVENTS]
 * `replay FILE` measures a real recording instead (leakscope record): its
 * mix of process exits, samples and socket events is what a report meets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "model.h"
#include "recording.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long events = argc > 1 ? atol(argv[1]) : 3000000;
	struct recording_info info = { .page_size = 4096, .interval_ns = 5000000000ULL };
	struct model_opts mo = { .top_n = 10 };
	char path[64], err[256];
	struct recording_writer *w;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m;
	long written = 0, read = 0;
	uint64_t ts = 1000000000ULL, bytes;
	double t0, t1;

	struct stat st;
	int real = argc > 1 && stat(argv[1], &st) == 0 && S_ISREG(st.st_mode);

	if (real) {
		snprintf(path, sizeof(path), "%s", argv[1]);
		bytes = (uint64_t)st.st_size;
		goto replay;
	}
	snprintf(path, sizeof(path), "/tmp/leakscope-replay-%d.lsrec", getpid());
	w = recording__create(path, &info, RECORDING_FORCE, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	while (written < events) {
		/* one "interval": 200 processes sampled, 2,000 socket events */
		for (uint32_t pid = 1000; pid < 1200; pid++, written += 2) {
			struct ls_proc_sample s = { .hdr = { LS_REC_PROC_SAMPLE, sizeof(s), pid, ts } };
			struct ls_mem_ledger_rec l = { .hdr = { LS_REC_MEM_LEDGER, sizeof(l), pid, ts } };

			s.start_ns = l.ledger.start_ns = pid * 10000000ULL;
			s.rss_anon_bytes = (uint64_t)(pid * 4096) << 8;
			l.ledger.mmap_calls = written;
			recording__write(w, &s.hdr);
			recording__write(w, &l.hdr);
		}
		for (int i = 0; i < 1000; i++, written += 2) {
			/* cut after the path's room, as BPF sends it */
			struct ls_unix_conn c = {
				.hdr = { LS_REC_UNIX_CONN, LS_UNIX_CONN_SIZE(LS_UNIX_PATH_ROOM(21)),
					 1000 + i % 50, ts } };
			struct ls_sock_close x = { .hdr = { LS_REC_SOCK_CLOSE, sizeof(x), 1000 + i % 50, ts } };

			c.start_ns = x.start_ns = (1000 + i % 50) * 10000000ULL;
			c.sk = x.sk = 0xffff888000000000ULL + (uint64_t)written * 64;
			c.peer_sk = c.sk + 32;
			c.kind = LS_UNIX_CONNECT;
			memcpy(c.path, "/var/run/docker.sock", 20);
			c.path_len = 21;
			memcpy(c.comm, "agent", 6);
			recording__write(w, &c.hdr);
			recording__write(w, &x.hdr);
		}
		{
			struct ls_interval iv = { .hdr = { LS_REC_INTERVAL, sizeof(iv), 0, ts } };

			iv.interval_ns = info.interval_ns;
			iv.final = written >= events;
			recording__write(w, &iv.hdr);
			recording__flush(w);
			written++;
		}
		ts += info.interval_ns;
	}
	bytes = recording__bytes_written(w);
	recording__close(w);
replay:
	m = model__new(&mo);
	r = recording__open(path, &info, err, sizeof(err));
	if (!r || !m) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	t0 = now_s();
	while (recording__next(r, &rec) > 0) {
		model__ingest(m, rec, rec->size);
		read++;
	}
	t1 = now_s();
	recording__close_reader(r);
	model__free(m);
	if (real) {
		printf("replay of %s: %ld events in %.2f s: %.2f M events/s, %.1f MB/s of "
		       "compressed input, %.1f compressed bytes/event\n", path, read, t1 - t0,
		       read / (t1 - t0) / 1e6, bytes / (t1 - t0) / 1e6, (double)bytes / read);
		return 0;
	}
	unlink(path);
	printf("replay: %ld events in %.2f s: %.2f M events/s, %.1f MB/s of compressed input, "
	       "%.1f compressed bytes/event (target >= 2 M events/s)\n", read, t1 - t0,
	       read / (t1 - t0) / 1e6, bytes / (t1 - t0) / 1e6, (double)bytes / read);
	return read == written ? 0 : 1;
}
