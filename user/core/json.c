// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer (see json.h). */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include "json.h"
#include "text.h"

void json__init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Names come from the kernel as bytes (comm, file names), chosen by other
 * processes.  Control and format characters are escaped as \uXXXX (the
 * ones text.h lists: C0, DEL, C1, bidi controls, line and paragraph
 * separators), and each byte that is not part of well-formed UTF-8 becomes
 * U+FFFD: the line stays valid JSON in valid UTF-8, and a consumer that
 * prints a decoded string prints nothing that drives a terminal. */
static void put_string(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0;	/* start of the bytes that go out as they are */

	n = strnlen(str, n);
	fputc('"', out);
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t len = text__utf8_len(s + i, n - i, &cp);
		const char *esc = NULL;
		char u[16];

		if (!len) {
			esc = "\\ufffd";
			len = 1;
		} else if (cp == '"') {
			esc = "\\\"";
		} else if (cp == '\\') {
			esc = "\\\\";
		} else if (cp == '\n') {
			esc = "\\n";
		} else if (cp == '\r') {
			esc = "\\r";
		} else if (cp == '\t') {
			esc = "\\t";
		} else if (text__cp_unsafe(cp)) {
			snprintf(u, sizeof(u), "\\u%04x", (unsigned)cp);
			esc = u;
		}
		if (esc) {
			/* one write per run of plain text: a report is mostly that */
			fwrite(s + run, 1, i - run, out);
			fputs(esc, out);
			run = i + len;
		}
		i += len;
	}
	fwrite(s + run, 1, n - run, out);
	fputc('"', out);
}

/* Comma and key before a value; key is NULL inside arrays and at the top. */
static void begin_value(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->out, key, strlen(key));
		fputc(':', j->out);
	}
}

static void open_scope(struct json *j, const char *key, char c)
{
	begin_value(j, key);
	fputc(c, j->out);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_scope(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json__obj_begin(struct json *j, const char *key) { open_scope(j, key, '{'); }
void json__obj_end(struct json *j) { close_scope(j, '}'); }
void json__arr_begin(struct json *j, const char *key) { open_scope(j, key, '['); }
void json__arr_end(struct json *j) { close_scope(j, ']'); }

void json__strn(struct json *j, const char *key, const char *v, size_t n)
{
	begin_value(j, key);
	put_string(j->out, v ? v : "", v ? n : 0);
}

void json__str(struct json *j, const char *key, const char *v)
{
	json__strn(j, key, v, v ? strlen(v) : 0);
}

void json__u64(struct json *j, const char *key, uint64_t v)
{
	begin_value(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

void json__i64(struct json *j, const char *key, int64_t v)
{
	begin_value(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json__dbl(struct json *j, const char *key, double v, int decimals)
{
	begin_value(j, key);
	if (!isfinite(v)) {
		fputs("null", j->out);
		return;
	}
	if (fabs(v) < 0.5 * pow(10, -decimals))
		v = 0;	/* no "-0" */
	fprintf(j->out, "%.*f", decimals, v);
}

void json__bool(struct json *j, const char *key, bool v)
{
	begin_value(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json__null(struct json *j, const char *key)
{
	begin_value(j, key);
	fputs("null", j->out);
}

void json__line_end(struct json *j)
{
	fputc('\n', j->out);
	j->depth = 0;
	j->need_comma[0] = false;
}
