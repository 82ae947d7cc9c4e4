/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTML report: one self-contained page (inline CSS, inline SVG charts
 * drawn by html_svg.c, no script, nothing fetched: its Content-Security-
 * Policy forbids it) with, per process the final report shows, its
 * verdicts and the final text report's explanation, and charts over the
 * run of the series the model keeps (real memory, LazyFree and RSS; unix
 * connections per peer; TCP; fds; failed setns calls) and its growth
 * sites.  `leakscope report FILE --html OUT` and `watch --html OUT`.
 */
#ifndef LS_HTML_REPORT_H
#define LS_HTML_REPORT_H
#include <stddef.h>
#include <stdio.h>
#include "model.h"
#include "html_text.h"
#include "outfile.h"

struct html_opts {
	const char *source;	/* the recording's name, or NULL: a live run */
	uint32_t max_procs;	/* processes shown (the final report's ranking); 0: all */
	bool cut_off;		/* the recording was cut off: the page says so */
};

/* The page for the model's final state, to out. */
void html_report__write(const struct model *m, const struct html_opts *o, FILE *out);
/* The same into of (an outfile made for it), then closed and, with
 * --force, renamed into place.  0, or -1 with a message in err (the file
 * made for it is removed). */
int html_report__to_file(const struct model *m, const struct html_opts *o, struct outfile *of,
			 char *err, size_t errlen);

#endif
