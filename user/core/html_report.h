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
#include "outfile.h"

/*
 * Writes s (n bytes, or up to its NUL) as HTML text or attribute value.
 * & < > " ' become &amp; &lt; &gt; &quot; &#39;.  Everything else follows
 * text.h's convention: valid UTF-8 as it is; \\, \n and \t for a
 * backslash, newline and tab; \xNN for each byte of a control character
 * (C0, DEL, C1), a bidi or line-breaking format character, and each byte
 * that is not well-formed UTF-8.  So the page is valid UTF-8, and a name
 * reads as it does in the text report.
 *
 * HTML_ESC_TEXT: s is already text.h-escaped text (the text report's
 * lines): a backslash is not doubled and a newline stays one (the escaping
 * of bytes that text.h never leaves still applies).
 */
#define HTML_ESC_TEXT	1
void html__escape(FILE *out, const char *s, size_t n, int flags);
/* The same for a NUL-terminated string (NULL writes nothing). */
void html__esc(FILE *out, const char *s);

struct html_opts {
	const char *source;	/* the recording's name, or NULL: a live run */
	uint32_t max_procs;	/* processes shown (the final report's ranking); 0: all */
};

/* The page for the model's final state, to out. */
void html_report__write(const struct model *m, const struct html_opts *o, FILE *out);
/* The same into of (an outfile made for it), then closed and, with
 * --force, renamed into place.  0, or -1 with a message in err (the file
 * made for it is removed). */
int html_report__to_file(const struct model *m, const struct html_opts *o, struct outfile *of,
			 char *err, size_t errlen);

#endif
