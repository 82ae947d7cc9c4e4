// SPDX-License-Identifier: GPL-2.0
/* Recordings: round trip, and every way a file can be bad. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "fixtures.h"
#include "recording.h"

#define INTERVALS 12

static char path[64];
static unsigned char *file_bytes;
static size_t file_len;
static uint64_t block_ends[INTERVALS + 2];	/* file offsets where blocks end */
static int nblocks;

/* A leaking process sampled INTERVALS times, one block per interval. */
static int make_recording(void)
{
	struct recording_info info = { .page_size = 4096, .interval_ns = SEC,
				       .wall_minus_boot_ns = 1700000000LL * 1000000000LL };
	struct recording_writer *w;
	char err[128];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/leakscope-test-%d.lsrec", getpid());
	snprintf(info.version, sizeof(info.version), "test");
	snprintf(info.hostname, sizeof(info.hostname), "host");
	w = recording__create(path, &info, RECORDING_FORCE, err, sizeof(err));
	if (!w)
		return -1;
	block_ends[nblocks++] = recording__bytes_written(w);	/* header end */
	for (int t = 0; t < INTERVALS; t++) {
		struct ls_proc_sample s = { 0 };
		struct ls_interval iv = { 0 };

		fx_hdr(&s.hdr, LS_REC_PROC_SAMPLE, sizeof(s), 42, (uint64_t)(t + 1) * SEC);
		s.start_ns = SEC;
		s.rss_anon_bytes = (uint64_t)(100 + 4 * t) << 20;
		recording__write(w, &s.hdr);
		iv.hdr.type = LS_REC_INTERVAL;
		iv.hdr.size = sizeof(iv);
		iv.hdr.ts_ns = (uint64_t)(t + 1) * SEC;
		iv.interval_ns = SEC;
		iv.final = t == INTERVALS - 1;
		recording__write(w, &iv.hdr);
		recording__flush(w);
		block_ends[nblocks++] = recording__bytes_written(w);
	}
	if (recording__close(w))
		return -1;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	file_len = (size_t)ftell(f);
	rewind(f);
	file_bytes = malloc(file_len);
	if (fread(file_bytes, 1, file_len, f) != file_len)
		return -1;
	fclose(f);
	return 0;
}

struct outcome {
	int open_ok;
	int result;	/* last recording__next result */
	int truncated;
	uint64_t records;
	uint64_t intervals;
	char err[256];
	enum verdict verdict;
};

/* Read bytes as leakscope report does, through the model. */
static struct outcome read_bytes(const unsigned char *bytes, size_t len)
{
	struct outcome o = { 0 };
	struct model_opts mo = { .top_n = 5 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m = model__new(&mo);
	FILE *f = fmemopen(len ? (void *)bytes : (void *)"", len, "rb");

	r = recording__open_file(f, &info, o.err, sizeof(o.err));
	o.open_ok = r != NULL;
	if (r) {
		while ((o.result = recording__next(r, &rec)) > 0)
			model__ingest(m, rec, rec->size);
		if (o.result < 0)
			snprintf(o.err, sizeof(o.err), "%s", recording__error(r));
		o.truncated = recording__truncated(r);
		o.records = recording__records_read(r);
		recording__close_reader(r);
	}
	o.intervals = m->intervals;
	o.verdict = model__find(m, 42) ? model__find(m, 42)->mem.verdict : VERDICT_INSUFFICIENT;
	model__free(m);
	return o;
}

TEST(round_trip_gives_the_same_verdict)
{
	struct outcome o;
	struct stat st;

	ASSERT_EQ(make_recording(), 0);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 0777, 0600);	/* it names processes and peers */
	o = read_bytes(file_bytes, file_len);
	ASSERT_TRUE(o.open_ok);
	ASSERT_EQ(o.result, 0);
	ASSERT_EQ(o.truncated, 0);
	ASSERT_EQ(o.records, 2 * INTERVALS);
	ASSERT_EQ(o.intervals, INTERVALS);
	/* 11 s of 4 MiB/s: growing (a leak needs 24 s) */
	ASSERT_STREQ(verdict__name(o.verdict), "growing");
}

/* Format 5's regions record goes through byte for byte, the model keeps
 * it; a file of format 4 (before it) still reads. */
TEST(regions_record_round_trips_and_format_4_still_reads)
{
	struct recording_info info = { .page_size = 4096, .interval_ns = SEC };
	struct ls_proc_regions r = { 0 }, back;
	struct recording_reader *rd;
	struct recording_writer *w;
	const struct ls_rec_hdr *rec;
	char p[80], err[128];
	int got = 0, ret;
	FILE *f;

	snprintf(p, sizeof(p), "/tmp/leakscope-test-regions-%d.lsrec", getpid());
	fx_hdr(&r.hdr, LS_REC_PROC_REGIONS, sizeof(r), 42, SEC);
	r.start_ns = SEC;
	r.mappings = 3;
	r.classes[LS_REGION_FILE].rss_bytes = 256 << 20;
	r.classes[LS_REGION_FILE].count = 1;
	snprintf(r.names[1][0].name, LS_REGION_NAME_LEN, "/data/x y\\012.bin");
	w = recording__create(p, &info, RECORDING_FORCE, err, sizeof(err));
	ASSERT_TRUE(w != NULL);
	ASSERT_EQ(recording__write(w, &r.hdr), 0);
	ASSERT_EQ(recording__close(w), 0);
	rd = recording__open(p, &info, err, sizeof(err));
	ASSERT_TRUE(rd != NULL);
	while (rd && (ret = recording__next(rd, &rec)) > 0) {
		ASSERT_EQ(rec->size, sizeof(back));
		memcpy(&back, rec, sizeof(back));
		ASSERT_EQ(memcmp(&back, &r, sizeof(r)), 0);
		got++;
	}
	recording__close_reader(rd);
	ASSERT_EQ(got, 1);
	/* the same bytes labelled format 4: the reader takes them */
	f = fopen(p, "r+b");
	ASSERT_TRUE(f != NULL);
	fseek(f, 8, SEEK_SET);
	fputc(4, f);
	fclose(f);
	rd = recording__open(p, &info, err, sizeof(err));
	ASSERT_TRUE(rd != NULL);
	ASSERT_EQ(recording__next(rd, &rec), 1);
	recording__close_reader(rd);
	unlink(p);
}

TEST(cut_at_every_block_boundary_reads_what_came_before)
{
	for (int b = 0; b < nblocks; b++) {
		struct outcome o = read_bytes(file_bytes, block_ends[b]);

		if (!o.open_ok || o.result != 0 || o.truncated)
			LS_FAIL("cut after block %d: open %d result %d truncated %d (%s)", b, o.open_ok,
				o.result, o.truncated, o.err);
		ASSERT_EQ(o.intervals, (uint64_t)b);	/* every complete interval, no more */
	}
}

TEST(cut_inside_a_block_is_truncated_not_corrupt)
{
	for (int b = 1; b < nblocks; b++) {
		for (uint64_t cut = block_ends[b - 1] + 1; cut < block_ends[b]; cut++) {
			struct outcome o = read_bytes(file_bytes, cut);

			if (!o.open_ok || o.result != 0 || !o.truncated || o.intervals != (uint64_t)(b - 1))
				LS_FAIL("cut at %llu (block %d): result %d truncated %d intervals %llu (%s)",
					(unsigned long long)cut, b, o.result, o.truncated,
					(unsigned long long)o.intervals, o.err);
		}
	}
}

TEST(cut_inside_the_header_is_an_error)
{
	for (size_t cut = 1; cut < block_ends[0]; cut++) {
		struct outcome o = read_bytes(file_bytes, cut);

		if (o.open_ok)
			LS_FAIL("cut at %zu opened", cut);
	}
}

TEST(flipped_bits_never_give_a_wrong_report)
{
	unsigned char *copy = malloc(file_len);

	/* one bit in every byte: refused, or (header padding aside) unchanged */
	for (size_t i = 0; i < file_len; i++) {
		struct outcome o;

		memcpy(copy, file_bytes, file_len);
		copy[i] ^= 0x10;
		o = read_bytes(copy, file_len);
		if (o.open_ok && o.result == 0 && o.intervals == INTERVALS &&
		    o.verdict != VERDICT_GROWING)
			LS_FAIL("flip at %zu changed the verdict to %s", i, verdict__name(o.verdict));
		if (o.open_ok && o.result == 0 && o.intervals != INTERVALS && !o.truncated)
			LS_FAIL("flip at %zu lost intervals silently (%llu)", i,
				(unsigned long long)o.intervals);
	}
	free(copy);
}

TEST(flipped_block_byte_names_the_block)
{
	unsigned char *copy = malloc(file_len);
	struct outcome o;

	memcpy(copy, file_bytes, file_len);
	copy[block_ends[3] + 20] ^= 0xff;	/* inside block 4's data */
	o = read_bytes(copy, file_len);
	ASSERT_TRUE(o.open_ok);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "CRC mismatch");
	ASSERT_EQ(o.intervals, 3);	/* the blocks before it were read */
	free(copy);
}

TEST(zero_length_and_foreign_files)
{
	struct outcome o = read_bytes((const unsigned char *)"", 0);

	ASSERT_FALSE(o.open_ok);
	ASSERT_CONTAINS(o.err, "empty file");
	o = read_bytes((const unsigned char *)"#!/bin/sh\necho hello\n", 21);
	ASSERT_FALSE(o.open_ok);
	ASSERT_CONTAINS(o.err, "not a leakscope recording");
}

TEST(future_version_is_refused_with_its_number)
{
	unsigned char *copy = malloc(file_len);
	struct outcome o;

	memcpy(copy, file_bytes, file_len);
	copy[8] = 7;	/* version field */
	o = read_bytes(copy, file_len);
	ASSERT_FALSE(o.open_ok);
	ASSERT_CONTAINS(o.err, "format version 7 is newer than this leakscope understands (6)");
	free(copy);
	unlink(path);
}

int main(void)
{
	return RUN_TESTS();
}
