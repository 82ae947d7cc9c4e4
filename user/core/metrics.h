/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model as Prometheus metrics: the text exposition format 0.0.4, or
 * OpenMetrics 1.0.0.  Plain C, no HTTP: `leakscope serve` (user/serve.c)
 * builds the text at each interval's end and serves it.
 *
 * Only the processes a report shows (model__ranked: every notable one and
 * the top -n) get per-process series, so label sets stay bounded on a
 * machine full of short-lived pids.  Label values are what other processes
 * chose (command names): escaped as the text table prints them (text.h),
 * then as the format asks (backslash, double quote, newline), so each is
 * valid UTF-8 with no control character.
 */
#ifndef LS_METRICS_H
#define LS_METRICS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "model.h"
#include "cgroup_path.h"

enum metrics_format {
	METRICS_PROMETHEUS,	/* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS,	/* application/openmetrics-text; version=1.0.0 */
};

#define METRICS_CONTENT_TYPE_PROMETHEUS	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONTENT_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* Room for a label value made of n source bytes, with the NUL: text.h's
 * escape at most quadruples a byte, the format's at most doubles that. */
#define METRICS_LABEL_SIZE(n) (2 * (4 * (size_t)(n)) + 1)
/* A process's labels: pid, comm and its container's id, runtime, name and
 * pod uid, with their names, quotes and commas. */
#define METRICS_ROW_LABELS_SIZE \
	(METRICS_LABEL_SIZE(LS_COMM_LEN) + METRICS_LABEL_SIZE(LS_CONTAINER_NAME_LEN) + \
	 CGROUP_ID_LEN + CGROUP_UID_LEN + 160)

/* Writes every family, then (OpenMetrics) "# EOF".  version goes into
 * leakscope_build_info; at most max_procs processes, the most urgent
 * first.  0, or -1 when out could not take it all (or out of memory). */
int metrics__write(const struct model *m, enum metrics_format fmt, const char *version,
		   uint32_t max_procs, FILE *out);

/* src (up to srclen bytes or its NUL) as a label value, without the
 * quotes; always NUL-terminated, never cut inside an escape.  Returns dst. */
char *metrics__label_value(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
