/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recordings: the record stream the model is fed, written to a file.
 * Format: a header (magic, format version, host facts), then deflate-compressed
 * blocks each with its length and CRC32, so a file cut off by a crash still
 * reads up to its last complete block.  Plain C + zlib, no libbpf.
 *
 *   file   := "LKSCOPE\0" u32:version u32:header_len header u32:crc32(header) block*
 *   header := str:version str:kernel str:hostname str:args u32:page_size
 *             u64:boot_time_s i64:wall_minus_boot_ns u64:start_wall_s u64:interval_ns
 *   str    := u16:len bytes
 *   block  := u32:"LSBK" u32:compressed_len u32:raw_len u32:crc32(compressed) bytes
 * All integers little-endian; blocks are raw deflate (RFC 1951) of whole records.
 * Version 2 writes unix records cut after their path; version 1 files (whole
 * unix records) read the same way.
 */
#ifndef LS_RECORDING_H
#define LS_RECORDING_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "leakscope.h"

struct recording_info {
	char version[32];	/* leakscope version that wrote it */
	char kernel[128];	/* uname -r */
	char hostname[128];
	uint32_t page_size;
	uint32_t _pad;
	uint64_t boot_time_s;	/* wall clock at boot, seconds since epoch */
	int64_t wall_minus_boot_ns;	/* wall clock = CLOCK_BOOTTIME + this */
	uint64_t start_wall_s;	/* wall clock when the recording started */
	uint64_t interval_ns;
	char args[256];		/* the command line that made it */
};

struct recording_writer;
struct recording_reader;

/* Creates path with mode 0600.  NULL and a message in err on failure. */
struct recording_writer *recording__create(const char *path, const struct recording_info *info,
					   char *err, size_t errlen);
/* Appends one record; blocks are flushed when full and at close. */
int recording__write(struct recording_writer *w, const struct ls_rec_hdr *rec);
/* Writes out the current block (called at each interval's end). */
int recording__flush(struct recording_writer *w);
/* Flushes and closes; returns 0 or -errno. Accepts NULL. */
int recording__close(struct recording_writer *w);
uint64_t recording__bytes_written(const struct recording_writer *w);

/* Opens and checks the header.  NULL and a one-line message on failure. */
struct recording_reader *recording__open(const char *path, struct recording_info *info,
					 char *err, size_t errlen);
/* The same on an open stream (fmemopen for the fuzzer); takes ownership. */
struct recording_reader *recording__open_file(FILE *f, struct recording_info *info,
					      char *err, size_t errlen);
uint64_t recording__records_read(const struct recording_reader *r);
uint64_t recording__blocks_read(const struct recording_reader *r);
/* Next record: 1 and *rec (valid until the next call), 0 at a clean end,
 * -1 on an error or a truncated file (message in recording__error()). */
int recording__next(struct recording_reader *r, const struct ls_rec_hdr **rec);
const char *recording__error(const struct recording_reader *r);
/* 1 if the file ended inside a block (cut off): what came before is good. */
int recording__truncated(const struct recording_reader *r);
void recording__close_reader(struct recording_reader *r);	/* accepts NULL */

#endif
