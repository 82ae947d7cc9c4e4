// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: bytes read as `leakscope report` reads a file, fed to
 * the model and the reports.  Must never crash, leak or read out of bounds
 * (built with ASan and UBSan).
 *
 * Two kinds of input.  One that starts with the recording magic is the file
 * itself: the header parser, the framing, the CRC and length checks are
 * fuzzed.  Any other input is a raw record stream, wrapped here in a
 * well-formed recording (a header from recording__create, raw-deflate
 * blocks of at most 64 KiB with correct CRC32s): whole-file mutations
 * almost never get past a block's CRC, these do, so the record checks, the
 * model, its domains and the reports meet hostile but well-framed records.
 * The reports, text and JSON, must come out valid UTF-8 with no control
 * character but their newlines, whatever names the records carry (issue 22;
 * text.h), or the target aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "model.h"
#include "recording.h"
#include "report.h"
#include "text.h"

#define WRAP_BLOCK_RAW	(64 << 10)
#define WRAP_BLOCK_TAG	0x4b42534cU	/* "LSBK" */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Valid UTF-8 with no control, C1 or bidi character but newline. */
static void require_safe(const char *s, size_t n, const char *what)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t len = text__utf8_len(u + i, n - i, &cp);

		if (!len || (cp != '\n' && text__cp_unsafe(cp))) {
			fprintf(stderr, "%s: unsafe byte 0x%02x at %zu\n", what, u[i], i);
			abort();
		}
		i += len;
	}
}

/* The final report, text or JSON, checked. */
static void render(const struct model *m, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	if (json)
		report__json(m, true, f);
	else
		report__text(m, true, f);
	fclose(f);
	require_safe(buf, len, json ? "JSON report" : "text report");
	free(buf);
}

static void replay(const unsigned char *data, size_t size)
{
	struct model_opts mo = { .top_n = 5, .max_procs = 64 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m;
	FILE *in;
	char err[256];

	in = fmemopen((void *)data, size, "rb");
	if (!in)
		return;
	r = recording__open_file(in, &info, err, sizeof(err));
	if (!r)
		return;
	m = model__new(&mo);
	while (m && recording__next(r, &rec) > 0)
		model__ingest(m, rec, rec->size);
	if (m) {
		render(m, true);
		render(m, false);
	}
	model__free(m);
	recording__close_reader(r);
}

/* A real header: the file recording__create writes before any block. */
static unsigned char wrap_header[4096];
static size_t wrap_header_len;

static void load_header(void)
{
	struct recording_info info = { .version = "fuzz", .page_size = 4096,
				       .interval_ns = 1000000000 };
	char path[64], err[256];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/leakscope-fuzz-hdr-%d", getpid());
	if (recording__close(recording__create(path, &info, RECORDING_FORCE, err, sizeof(err))))
		abort();
	f = fopen(path, "rb");
	if (!f)
		abort();
	wrap_header_len = fread(wrap_header, 1, sizeof(wrap_header), f);
	fclose(f);
	unlink(path);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static size_t raw_deflate(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream zs;
	size_t n = 0;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) == Z_STREAM_END)
		n = zs.total_out;
	deflateEnd(&zs);
	if (!n)
		abort();
	return n;
}

static void replay_wrapped(const unsigned char *data, size_t size)
{
	size_t cap, len;
	unsigned char *buf;

	if (!wrap_header_len)
		load_header();
	cap = wrap_header_len + (size / WRAP_BLOCK_RAW + 1) * (16 + compressBound(WRAP_BLOCK_RAW));
	buf = malloc(cap);
	if (!buf)
		abort();
	memcpy(buf, wrap_header, wrap_header_len);
	len = wrap_header_len;
	for (size_t off = 0; off < size; off += WRAP_BLOCK_RAW) {
		size_t n = size - off < WRAP_BLOCK_RAW ? size - off : WRAP_BLOCK_RAW;
		size_t clen = raw_deflate(data + off, n, buf + len + 16, cap - len - 16);

		put32(buf + len, WRAP_BLOCK_TAG);
		put32(buf + len + 4, (uint32_t)clen);
		put32(buf + len + 8, (uint32_t)n);
		put32(buf + len + 12, (uint32_t)crc32(0, buf + len + 16, (uInt)clen));
		len += 16 + clen;
	}
	replay(buf, len);
	free(buf);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!wrap_header_len)
		load_header();
	if (!size)
		return 0;
	/* the magic is the header's first 8 bytes */
	if (size >= 8 && !memcmp(data, wrap_header, 8))
		replay(data, size);
	else
		replay_wrapped(data, size);
	return 0;
}
