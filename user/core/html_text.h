/* SPDX-License-Identifier: GPL-2.0 */
/* The HTML report's one escaping function (plain C, fuzzed in
 * tests/fuzz/fuzz_text.c beside text__escape). */
#ifndef LS_HTML_TEXT_H
#define LS_HTML_TEXT_H
#include <stddef.h>
#include <stdio.h>

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

#endif
