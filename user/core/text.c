// SPDX-License-Identifier: GPL-2.0
/* Escaping text other processes chose (see text.h). */
#include <string.h>
#include "text.h"

size_t text__utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t c;
	size_t len;

	if (!n)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;	/* a continuation byte, c0, c1 (overlong), f5 and up */
	}
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* past U+10FFFF */
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	c = c << 6 | (s[1] & 0x3f);
	for (size_t k = 2; k < len; k++) {
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	*cp = c;
	return len;
}

int text__cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       cp == 0x061c ||			/* ARABIC LETTER MARK */
	       cp == 0x200e || cp == 0x200f ||	/* LEFT-TO-RIGHT, RIGHT-TO-LEFT MARK */
	       (cp >= 0x2028 && cp <= 0x202e) ||	/* line/paragraph separators, embeddings, overrides */
	       (cp >= 0x2066 && cp <= 0x2069);	/* isolates */
}

char *text__escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!dstlen)
		return dst;
	srclen = src ? strnlen(src, srclen) : 0;
	for (size_t i = 0; i < srclen;) {
		char esc[16];
		size_t elen = 0, len;
		uint32_t cp = 0;

		len = text__utf8_len(s + i, srclen - i, &cp);
		if (len == 1 && (cp == '\\' || cp == '\n' || cp == '\t')) {
			esc[elen++] = '\\';
			esc[elen++] = cp == '\\' ? '\\' : cp == '\n' ? 'n' : 't';
		} else if (len && !text__cp_unsafe(cp)) {
			memcpy(esc, s + i, len);
			elen = len;
		} else {
			/* a control or format character: each of its bytes;
			 * not UTF-8: this byte, and the next one starts afresh */
			if (!len)
				len = 1;
			for (size_t k = 0; k < len; k++) {
				esc[elen++] = '\\';
				esc[elen++] = 'x';
				esc[elen++] = hex[s[i + k] >> 4];
				esc[elen++] = hex[s[i + k] & 15];
			}
		}
		if (o + elen >= dstlen)
			break;	/* never half an escape or half a character */
		memcpy(dst + o, esc, elen);
		o += elen;
		i += len;
	}
	dst[o] = 0;
	return dst;
}

const char *text__esc(const char *s, char *buf, size_t len)
{
	return text__escape(buf, len, s, s ? strlen(s) : 0);
}
