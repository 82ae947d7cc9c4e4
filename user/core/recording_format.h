/* SPDX-License-Identifier: GPL-2.0 */
/* What recording_write.c and recording_read.c agree on beyond
 * recording.h: the magic, the version, the block tag and the limits. */
#ifndef LS_RECORDING_FORMAT_H
#define LS_RECORDING_FORMAT_H

#define REC_MAGIC		"LKSCOPE"	/* 8 bytes with its NUL */
/* 2: unix records cut after their path; 3: exec records; 4: cgroup records;
 * 5: regions records (smaps by class); 6: --heap records */
#define REC_VERSION		6
#define BLOCK_TAG		0x4b42534cU	/* "LSBK" */
#define BLOCK_RAW_TARGET	(64 << 10)	/* flush a block at this size */
/* the largest block the writer makes (its buffer: a record never passes
 * the target, which is flushed first); a header claiming more is corrupt,
 * not a file cut off inside a block (a flipped bit in a length must not
 * read as a crash's cut) */
#define BLOCK_MAX		(BLOCK_RAW_TARGET + 4096)
#define HEADER_MAX		4096

#endif
