/* SPDX-License-Identifier: GPL-2.0 */
/* Records the unit tests feed the model, built the way the loader does. */
#ifndef LS_FIXTURES_H
#define LS_FIXTURES_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "report.h"

#define SEC 1000000000ULL

/* Every record starts so. */
static inline void fx_hdr(struct ls_rec_hdr *h, uint16_t type, size_t size, uint32_t tgid,
			  uint64_t ts)
{
	h->type = type;
	h->size = (uint16_t)size;
	h->tgid = tgid;
	h->ts_ns = ts;
}

/* A process's metadata: comm, and exe unless NULL. */
static inline void fx_meta(struct model *m, uint32_t tgid, uint64_t start, const char *comm,
			   const char *exe, uint64_t ts)
{
	struct ls_proc_meta r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_META, sizeof(r), tgid, ts);
	r.start_ns = start;
	memcpy(r.comm, comm, strnlen(comm, LS_COMM_LEN - 1));
	if (exe)
		memcpy(r.exe, exe, strnlen(exe, LS_EXE_LEN - 1));
	model__ingest(m, &r.hdr, sizeof(r));
}

/* One end of a unix connection (kind LS_UNIX_CONNECT or _ACCEPT) on path
 * (NULL: unnamed), made by a thread named comm. */
static inline void fx_unix_conn(struct model *m, uint32_t tgid, uint64_t start, uint64_t sk,
				uint64_t peer, uint32_t kind, const char *path, const char *comm,
				uint64_t ts)
{
	struct ls_unix_conn c = { 0 };

	fx_hdr(&c.hdr, LS_REC_UNIX_CONN, sizeof(c), tgid, ts);
	c.start_ns = start;
	c.sk = sk;
	c.peer_sk = peer;
	c.kind = kind;
	if (path) {
		c.path_len = (uint16_t)strlen(path) + 1;	/* the kernel counts the NUL */
		memcpy(c.path, path, strlen(path));
	}
	memcpy(c.comm, comm, strnlen(comm, LS_COMM_LEN - 1));
	model__ingest(m, &c.hdr, sizeof(c));
}

/* The last thread of a process exited. */
static inline void fx_exit(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts)
{
	struct ls_proc_exit e = { 0 };

	fx_hdr(&e.hdr, LS_REC_PROC_EXIT, sizeof(e), tgid, ts);
	e.start_ns = start;
	model__ingest(m, &e.hdr, sizeof(e));
}

/* A /proc sample with smaps_rollup read, and fds counted when fds != 0. */
static inline void fx_sample_fds(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts,
				 uint64_t anon, uint64_t file, uint64_t lazy, uint32_t fds)
{
	struct ls_proc_sample s = { 0 };

	fx_hdr(&s.hdr, LS_REC_PROC_SAMPLE, sizeof(s), tgid, ts);
	s.start_ns = start;
	s.rss_anon_bytes = anon;
	s.rss_file_bytes = file;
	s.lazyfree_bytes = lazy;
	s.fds_open = fds;
	s.flags = LS_SAMPLE_HAS_ROLLUP | (fds ? LS_SAMPLE_HAS_FDS : 0);
	model__ingest(m, &s.hdr, sizeof(s));
}

/* A /proc sample; lazy != 0 also says smaps_rollup was read. */
static inline void fx_sample(struct model *m, uint32_t tgid, uint64_t start, uint64_t ts,
			     uint64_t anon, uint64_t file, uint64_t lazy)
{
	fx_sample_fds(m, tgid, start, ts, anon, file, lazy, 0);
}


static inline void fx_interval(struct model *m, uint64_t ts, bool final)
{
	struct ls_interval iv = { 0 };

	iv.hdr.type = LS_REC_INTERVAL;
	iv.hdr.size = sizeof(iv);
	iv.hdr.ts_ns = ts;
	iv.interval_ns = SEC;
	iv.final = final;
	model__ingest(m, &iv.hdr, sizeof(iv));
}

static inline struct model *fx_model(uint32_t max_procs)
{
	struct model_opts o = { .top_n = 10, .max_procs = max_procs };

	return model__new(&o);
}

/* The final report as JSON or text (caller frees).  noinline: inlined,
 * gcc 12 takes the memstream buffer for a local (-Wdangling-pointer). */
__attribute__((noinline, unused)) static char *fx_report(const struct model *m, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json)
		report__json(m, true, f);
	else
		report__text(m, true, f);
	fclose(f);
	return buf;
}
#define fx_report_json(m)	fx_report((m), true)
#define fx_final_text(m)	fx_report((m), false)

#endif
