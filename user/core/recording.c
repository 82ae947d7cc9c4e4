// SPDX-License-Identifier: GPL-2.0
/* Recordings: placeholder until the format lands. */
#include <stdio.h>
#include <stdlib.h>
#include "recording.h"

struct recording_writer { int unused; };
struct recording_reader { int unused; };

struct recording_writer *recording__create(const char *path, const struct recording_info *info,
					   char *err, size_t errlen)
{
	(void)path; (void)info;
	snprintf(err, errlen, "recordings are not supported by this build");
	return NULL;
}
int recording__write(struct recording_writer *w, const struct ls_rec_hdr *rec) { (void)w; (void)rec; return -1; }
int recording__flush(struct recording_writer *w) { (void)w; return -1; }
int recording__close(struct recording_writer *w) { free(w); return 0; }
uint64_t recording__bytes_written(const struct recording_writer *w) { (void)w; return 0; }
struct recording_reader *recording__open(const char *path, struct recording_info *info,
					 char *err, size_t errlen)
{
	(void)path; (void)info;
	snprintf(err, errlen, "recordings are not supported by this build");
	return NULL;
}
int recording__next(struct recording_reader *r, const struct ls_rec_hdr **rec) { (void)r; (void)rec; return -1; }
const char *recording__error(const struct recording_reader *r) { (void)r; return "not supported"; }
int recording__truncated(const struct recording_reader *r) { (void)r; return 0; }
void recording__close_reader(struct recording_reader *r) { free(r); }
