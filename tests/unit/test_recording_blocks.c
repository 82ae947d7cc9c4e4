// SPDX-License-Identifier: GPL-2.0
/*
 * Recordings whose blocks pass their CRC but hold what the reader must still
 * refuse: records of impossible sizes, unknown types, a type with another
 * type's size, stray bytes, lengths that lie or exceed the cap.  A CRC only
 * proves the bytes are the ones written; a buggy or hostile writer is
 * caught here, with a message and never an out-of-bounds read.
 */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "harness.h"
#include "recording.h"

#define BLOCK_TAG 0x4b42534cU	/* "LSBK" */

static unsigned char header[4096];
static size_t header_len;

/* The header: a recording with no block at all. */
static int load_header(void)
{
	struct recording_info info = { .version = "test", .page_size = 4096, .interval_ns = 1 };
	char path[64], err[256];
	FILE *f;

	if (header_len)
		return 0;
	snprintf(path, sizeof(path), "/tmp/leakscope-test-blocks-%d.lsrec", getpid());
	if (recording__close(recording__create(path, &info, RECORDING_FORCE, err, sizeof(err))))
		return -1;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	header_len = fread(header, 1, sizeof(header), f);
	fclose(f);
	unlink(path);
	return header_len ? 0 : -1;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

struct outcome {
	int open_ok;
	int result;		/* last recording__next() */
	uint64_t records;
	int misaligned;
	char err[256];
};

/* One block holding raw; claim_* (when set) replace the lengths in its
 * header; the CRC is always right for the compressed bytes. */
static struct outcome read_block(const void *raw, uint32_t len, uint32_t claim_raw,
				 uint32_t claim_comp)
{
	struct outcome o = { 0 };
	size_t cap = header_len + 16 + compressBound(len);
	unsigned char *buf = malloc(cap), *z;
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	z_stream zs = { 0 };
	FILE *f;

	memcpy(buf, header, header_len);
	z = buf + header_len + 16;
	deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)raw;
	zs.avail_in = len;
	zs.next_out = z;
	zs.avail_out = (uInt)(cap - header_len - 16);
	deflate(&zs, Z_FINISH);
	put32(buf + header_len, BLOCK_TAG);
	put32(buf + header_len + 4, claim_comp ? claim_comp : (uint32_t)zs.total_out);
	put32(buf + header_len + 8, claim_raw ? claim_raw : len);
	put32(buf + header_len + 12, (uint32_t)crc32(0, z, (uInt)zs.total_out));
	f = fmemopen(buf, header_len + 16 + zs.total_out, "rb");
	deflateEnd(&zs);
	r = recording__open_file(f, &info, o.err, sizeof(o.err));
	o.open_ok = r != NULL;
	if (r) {
		while ((o.result = recording__next(r, &rec)) > 0) {
			o.records++;
			o.misaligned += (uintptr_t)rec % 8 != 0;
		}
		snprintf(o.err, sizeof(o.err), "%s", recording__error(r));
		recording__close_reader(r);
	}
	free(buf);
	return o;
}

static uint64_t raw[512];

static struct ls_rec_hdr *rec_at(size_t byte)
{
	return (struct ls_rec_hdr *)((char *)raw + byte);
}

static void fork_rec(size_t byte)
{
	struct ls_proc_fork *f = (struct ls_proc_fork *)rec_at(byte);

	memset(f, 0, sizeof(*f));
	f->hdr.type = LS_REC_PROC_FORK;
	f->hdr.size = sizeof(*f);
	f->hdr.tgid = 7;
	f->start_ns = 1;
	f->parent_tgid = 1;
}

TEST(good_records_read_aligned)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	for (size_t i = 0; i < 8; i++)
		fork_rec(i * sizeof(struct ls_proc_fork));
	o = read_block(raw, 8 * sizeof(struct ls_proc_fork), 0, 0);
	ASSERT_TRUE(o.open_ok);
	ASSERT_EQ(o.result, 0);
	ASSERT_EQ(o.records, 8);
	ASSERT_EQ(o.misaligned, 0);
}

TEST(record_smaller_than_its_header)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	memset(raw, 0, sizeof(raw));
	rec_at(0)->type = LS_REC_PROC_FORK;
	rec_at(0)->size = 8;
	o = read_block(raw, 64, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_EQ(o.records, 0);
	ASSERT_CONTAINS(o.err, "corrupt record");
	ASSERT_CONTAINS(o.err, "size 8");
}

TEST(record_size_not_its_types)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	memset(raw, 0, sizeof(raw));
	/* an interval record as long as a fork record */
	rec_at(0)->type = LS_REC_INTERVAL;
	rec_at(0)->size = sizeof(struct ls_proc_fork);
	o = read_block(raw, 64, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "type 110");
	/* not a multiple of 8 */
	rec_at(0)->type = LS_REC_PROC_FORK;
	rec_at(0)->size = sizeof(struct ls_proc_fork) - 4;
	o = read_block(raw, 64, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "corrupt record");
	ASSERT_EQ(o.records, 0);
}

TEST(unknown_record_type)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	memset(raw, 0, sizeof(raw));
	rec_at(0)->type = 77;
	rec_at(0)->size = 64;
	o = read_block(raw, 64, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "type 77");
	rec_at(0)->type = LS_REC_TYPE_MAX;
	o = read_block(raw, 64, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_EQ(o.records, 0);
}

TEST(record_beyond_its_block)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	fork_rec(0);
	fork_rec(sizeof(struct ls_proc_fork));
	/* the second record says it is longer than what is left */
	rec_at(sizeof(struct ls_proc_fork))->size = 4000;
	o = read_block(raw, 2 * sizeof(struct ls_proc_fork), 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_EQ(o.records, 1);
	ASSERT_CONTAINS(o.err, "size 4000");
}

TEST(stray_bytes_after_the_last_record)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	fork_rec(0);
	memset(rec_at(sizeof(struct ls_proc_fork)), 0xab, 8);
	o = read_block(raw, sizeof(struct ls_proc_fork) + 8, 0, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_EQ(o.records, 1);
	ASSERT_CONTAINS(o.err, "partial record");
}

TEST(raw_length_that_lies)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	for (size_t i = 0; i < 4; i++)
		fork_rec(i * sizeof(struct ls_proc_fork));
	o = read_block(raw, 4 * sizeof(struct ls_proc_fork), 5 * sizeof(struct ls_proc_fork), 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "does not inflate to its length");
	o = read_block(raw, 4 * sizeof(struct ls_proc_fork), 3 * sizeof(struct ls_proc_fork), 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "does not inflate to its length");
	ASSERT_EQ(o.records, 0);
}

TEST(lengths_beyond_the_cap_refused_before_reading)
{
	struct outcome o;

	ASSERT_EQ(load_header(), 0);
	fork_rec(0);
	o = read_block(raw, sizeof(struct ls_proc_fork), 0xfffffff0U, 0);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "bad block header");
	o = read_block(raw, sizeof(struct ls_proc_fork), 0, 0xfffffff0U);
	ASSERT_EQ(o.result, -1);
	ASSERT_CONTAINS(o.err, "bad block header");
	ASSERT_EQ(o.records, 0);
}

TEST(a_flipped_length_bit_is_corrupt_not_cut_off)
{
	/* bit 6 of the compressed length's third or fourth byte (what
	 * test_recording's corrupt_file_is_refused flips, when the middle of
	 * a file lands there): the claim runs past the file's end, which a
	 * crash's cut would too, but it is more than the writer ever makes.
	 * (The second byte's adds 16 KiB: within a file the next block's
	 * bytes then fail the CRC; in its last 16 KiB it reads as a cut.) */
	struct outcome o;
	uint32_t len;

	ASSERT_EQ(load_header(), 0);
	fork_rec(0);
	len = (uint32_t)compressBound(sizeof(struct ls_proc_fork));
	for (int byte = 2; byte <= 3; byte++) {
		o = read_block(raw, sizeof(struct ls_proc_fork), 0, len ^ (0x40U << (8 * byte)));
		ASSERT_EQ(o.result, -1);
		ASSERT_CONTAINS(o.err, "bad block header");
	}
}

int main(void)
{
	return RUN_TESTS();
}
