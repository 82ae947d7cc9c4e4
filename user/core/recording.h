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
 * unix records) read the same way.  3 adds exec records, 4 cgroup records,
 * 5 regions records (smaps by class, LS_REC_PROC_REGIONS), 6 --heap records
 * (LS_REC_HEAP, LS_REC_HEAP_SITE); older files read.
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

/*
 * Creates a recording at path, mode 0600, never through a symbolic link.
 * Without RECORDING_FORCE path must not exist (O_CREAT | O_EXCL: a link or
 * a file there is an error, said in err).  With it, the recording is
 * written to a new file beside path (".NAME.XXXXXX", O_EXCL, 0600) that is
 * renamed over path once its first block is written (or at close if none
 * is): path itself is never opened, so whatever it names, a link's target
 * included, is never written; a run that fails before recording anything
 * (recording__discard) leaves path as it was; and from the first block on,
 * path is the recording being written, which a crash or a full disk leaves
 * readable up to its last complete block.  NULL and a one-line message in
 * err on failure.
 */
#define RECORDING_FORCE	1
struct recording_writer *recording__create(const char *path, const struct recording_info *info,
					   int flags, char *err, size_t errlen);
/* Appends one record; blocks are flushed when full and at close.  0 or
 * -errno; after a failed write every later call fails the same way. */
int recording__write(struct recording_writer *w, const struct ls_rec_hdr *rec);
/* Writes out the current block (called at each interval's end).  A block
 * the disk took only part of is cut off again: the file always ends with
 * a whole block. */
int recording__flush(struct recording_writer *w);
/* Flushes and closes; returns 0 or -errno. Accepts NULL. */
int recording__close(struct recording_writer *w);
/* For a run that failed: a recording with no block is removed (the file
 * was made for it), one with blocks is closed as by recording__close. */
void recording__discard(struct recording_writer *w);
/* The file this writer made and writes now (the temporary one until the
 * rename); NULL for NULL. */
const char *recording__file_path(const struct recording_writer *w);
/* RECORDING_FORCE: the file is not renamed into place yet. */
int recording__rename_pending(const struct recording_writer *w);
/* The first write error (an errno), 0 if none. */
int recording__error_of(const struct recording_writer *w);
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
