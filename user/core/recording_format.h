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
#define BLOCK_MAX		(16 << 20)	/* refuse anything larger */
#define HEADER_MAX		4096

#endif
