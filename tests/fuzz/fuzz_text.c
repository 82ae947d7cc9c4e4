// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any bytes, as a process could name itself or a file,
 * through text__escape() and the JSON string writer.  Aborts (a crash for
 * libFuzzer) unless:
 *   - the escaped text is valid UTF-8 with no control, C1 or bidi
 *     character, and unescaping it gives back the input (up to its NUL);
 *     escaped into a smaller buffer, it is a prefix of the whole, cut
 *     between escapes;
 *   - html__escape() writes valid UTF-8 with no unsafe character, no < >
 *     " ' and & only opening one of its five entities, and with the
 *     entities read back it is exactly text__escape()'s text; in
 *     HTML_ESC_TEXT mode (for text text__escape made already) it leaves
 *     that text as it is, entities aside;
 *   - the JSON is one well-formed JSON string (RFC 8259) in valid UTF-8 with
 *     no raw control byte and no unsafe character, and, for an input that
 *     is valid UTF-8, decodes to exactly the input.
 * The UTF-8 check here is written from RFC 3629's table, apart from
 * text.c's decoder, so that one cannot vouch for itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "html_text.h"
#include "json.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

/* RFC 3629, section 4: the length of the UTF8-char at s, or 0. */
static size_t rfc_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const struct { unsigned char lead_lo, lead_hi, second_lo, second_hi, len; } t[] = {
		{ 0x00, 0x7f, 0, 0, 1 },
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		if (s[0] < t[k].lead_lo || s[0] > t[k].lead_hi)
			continue;
		if (t[k].len > n)
			return 0;
		if (t[k].len == 1) {
			*cp = s[0];
			return 1;
		}
		if (s[1] < t[k].second_lo || s[1] > t[k].second_hi)
			return 0;
		*cp = s[0] & (0xff >> (t[k].len + 1));
		for (size_t i = 1; i < t[k].len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			*cp = *cp << 6 | (s[i] & 0x3f);
		}
		return t[k].len;
	}
	return 0;
}

static int unsafe_cp(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x61c || c == 0x200e || c == 0x200f ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* Valid UTF-8, and no unsafe character (newline allowed if asked). */
static void require_safe(const char *s, size_t n, int newline_ok)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = rfc_char(u + i, n - i, &cp);

		REQUIRE(len);
		REQUIRE(!unsafe_cp(cp) || (newline_ok && cp == '\n'));
		i += len;
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static size_t put_utf8(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* One JSON string, whole (RFC 8259, section 7), decoded into out (UTF-8);
 * returns the decoded length. */
static size_t json_string(const char *s, size_t n, char *out)
{
	size_t o = 0, i = 1;

	REQUIRE(n >= 2 && s[0] == '"' && s[n - 1] == '"');
	while (i < n - 1) {
		unsigned char c = (unsigned char)s[i];

		REQUIRE(c >= 0x20 && c != '"');
		if (c != '\\') {
			out[o++] = (char)c;
			i++;
			continue;
		}
		REQUIRE(i + 1 < n - 1);
		switch (s[i + 1]) {
		case '"': case '\\': case '/':
			out[o++] = s[i + 1];
			i += 2;
			break;
		case 'b': out[o++] = '\b'; i += 2; break;
		case 'f': out[o++] = '\f'; i += 2; break;
		case 'n': out[o++] = '\n'; i += 2; break;
		case 'r': out[o++] = '\r'; i += 2; break;
		case 't': out[o++] = '\t'; i += 2; break;
		case 'u': {
			uint32_t cp = 0;

			REQUIRE(i + 6 <= n - 1);
			for (int k = 2; k < 6; k++) {
				REQUIRE(hexval(s[i + k]) >= 0);
				cp = cp << 4 | (uint32_t)hexval(s[i + k]);
			}
			REQUIRE(cp < 0xd800 || cp > 0xdfff);	/* the writer needs no pairs */
			o += put_utf8(out + o, cp);
			i += 6;
			break;
		}
		default:
			REQUIRE(0);
		}
	}
	return o;
}

static void escaper(const char *in, size_t size)
{
	size_t n = strnlen(in, size), cap = TEXT_ESC_SIZE(size), len, small;
	char *out = malloc(cap), *back = malloc(size + 1), *part;
	size_t b = 0;

	REQUIRE(out && back);
	text__escape(out, cap, in, size);
	len = strlen(out);
	REQUIRE(len <= 4 * n);
	require_safe(out, len, 0);
	for (size_t i = 0; i < len; i++) {
		if (out[i] != '\\') {
			back[b++] = out[i];
			continue;
		}
		REQUIRE(i + 1 < len);
		switch (out[++i]) {
		case '\\': back[b++] = '\\'; break;
		case 'n': back[b++] = '\n'; break;
		case 't': back[b++] = '\t'; break;
		case 'x':
			REQUIRE(i + 2 < len && hexval(out[i + 1]) >= 0 && hexval(out[i + 2]) >= 0);
			back[b++] = (char)(hexval(out[i + 1]) << 4 | hexval(out[i + 2]));
			i += 2;
			break;
		default:
			REQUIRE(0);
		}
	}
	REQUIRE(b == n && !memcmp(back, in, n));
	/* a smaller buffer: a prefix, cut between escapes and characters */
	small = n ? (unsigned char)in[0] % (len + 1) + 1 : 1;
	part = malloc(small);
	REQUIRE(part);
	text__escape(part, small, in, size);
	REQUIRE(strlen(part) < small && !strncmp(part, out, strlen(part)));
	require_safe(part, strlen(part), 0);
	/* what was left out would not have fit (an escaped three-byte
	 * control, the longest, is 12 bytes) */
	REQUIRE(strlen(part) == len || strlen(part) + 12 >= small);
	free(part);
	free(out);
	free(back);
}

/* html__escape(in) with its entities read back into out; returns its length */
static size_t html_unentity(const char *in, size_t size, int flags, char **out)
{
	size_t len = 0, o = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};

	REQUIRE(f);
	html__escape(f, in, size, flags);
	fclose(f);
	require_safe(buf, len, flags & HTML_ESC_TEXT);
	*out = malloc(len + 1);
	REQUIRE(*out);
	for (size_t i = 0; i < len;) {
		size_t k;

		REQUIRE(buf[i] != '<' && buf[i] != '>' && buf[i] != '"' && buf[i] != '\'');
		if (buf[i] != '&') {
			(*out)[o++] = buf[i++];
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			if (!strncmp(buf + i, ents[k].ent, strlen(ents[k].ent)))
				break;
		REQUIRE(k < sizeof(ents) / sizeof(ents[0]));
		(*out)[o++] = ents[k].c;
		i += strlen(ents[k].ent);
	}
	(*out)[o] = 0;
	free(buf);
	return o;
}

static void html_writer(const char *in, size_t size)
{
	size_t cap = TEXT_ESC_SIZE(size), len;
	char *text = malloc(cap), *back;

	REQUIRE(text);
	text__escape(text, cap, in, size);
	/* raw names: the text report's escaping, then HTML's */
	len = html_unentity(in, size, 0, &back);
	REQUIRE(len == strlen(text) && !memcmp(back, text, len));
	free(back);
	/* text the text report escaped already: unchanged but for entities */
	len = html_unentity(text, strlen(text), HTML_ESC_TEXT, &back);
	REQUIRE(len == strlen(text) && !memcmp(back, text, len));
	free(back);
	free(text);
}

static void json_writer(const char *in, size_t size)
{
	size_t n = strnlen(in, size), len = 0, dlen, valid = 1;
	char *buf = NULL, *decoded;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	REQUIRE(f);
	json__init(&j, f);
	json__strn(&j, NULL, in, size);
	fclose(f);
	require_safe(buf, len, 0);
	decoded = malloc(len + 1);
	REQUIRE(decoded);
	dlen = json_string(buf, len, decoded);
	for (size_t i = 0; i < n && valid;) {
		uint32_t cp;
		size_t l = rfc_char((const unsigned char *)in + i, n - i, &cp);

		valid = l != 0;
		i += l;
	}
	if (valid)
		REQUIRE(dlen == n && !memcmp(decoded, in, n));
	free(decoded);
	free(buf);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *in = malloc(size + 1);

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = 0;
	escaper(in, size);
	html_writer(in, size);
	json_writer(in, size);
	free(in);
	return 0;
}
