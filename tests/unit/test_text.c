// SPDX-License-Identifier: GPL-2.0
/* text__escape(): what other processes chose, safe on a terminal. */
#include <stdlib.h>
#include "harness.h"
#include "text.h"

#define LS_TEST_N 60

static const char *esc(const char *s)
{
	static char buf[1024];

	return text__escape(buf, sizeof(buf), s, strlen(s));
}

/* No byte below 0x20, no DEL, valid UTF-8 with no unsafe code point. */
static int safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = text__utf8_len(u + i, n - i, &cp);

		if (!len || text__cp_unsafe(cp))
			return 0;
		i += len;
	}
	return 1;
}

TEST(plain_text_and_utf8_pass_through)
{
	ASSERT_STREQ(esc("/run/docker.sock"), "/run/docker.sock");
	ASSERT_STREQ(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b");
	ASSERT_STREQ(esc("\xc2\xa0nbsp"), "\xc2\xa0nbsp");	/* U+00A0: printable */
	ASSERT_STREQ(esc(""), "");
}

TEST(the_issue_comm_is_escaped)
{
	/* prctl(PR_SET_NAME, "\x1b[31mEVIL\x1b[0m\n"), as the kernel keeps it */
	const char *s = esc("\x1b[31mEVIL\x1b[0m\n");

	ASSERT_STREQ(s, "\\x1b[31mEVIL\\x1b[0m\\n");
	ASSERT_TRUE(safe(s));
}

TEST(c0_del_backslash_newline_tab)
{
	ASSERT_STREQ(esc("a\tb\nc\\d"), "a\\tb\\nc\\\\d");
	ASSERT_STREQ(esc("\x01\x07\x08\r\x1f\x7f"), "\\x01\\x07\\x08\\x0d\\x1f\\x7f");
	ASSERT_STREQ(esc(" ~"), " ~");
}

TEST(c1_controls_each_byte)
{
	/* U+009B (CSI) and U+0085 (NEL) are valid UTF-8: c2 9b, c2 85 */
	ASSERT_STREQ(esc("a\xc2\x9b" "2J\xc2\x85z"), "a\\xc2\\x9b2J\\xc2\\x85z");
	ASSERT_STREQ(esc("\xc2\x80\xc2\x9f\xc2\xa0"), "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
}

TEST(bidi_and_line_separators_escaped)
{
	ASSERT_STREQ(esc("x\xe2\x80\xaeyz"), "x\\xe2\\x80\\xaeyz");		/* RLO */
	ASSERT_STREQ(esc("\xe2\x81\xa6\xe2\x81\xa9"), "\\xe2\\x81\\xa6\\xe2\\x81\\xa9");	/* LRI, PDI */
	ASSERT_STREQ(esc("\xe2\x80\xa8\xe2\x80\xa9"), "\\xe2\\x80\\xa8\\xe2\\x80\\xa9");	/* LS, PS */
	ASSERT_STREQ(esc("\xe2\x80\x8e\xd8\x9c"), "\\xe2\\x80\\x8e\\xd8\\x9c");		/* LRM, ALM */
	ASSERT_STREQ(esc("\xe2\x80\x8b\xe2\x80\xaf"), "\xe2\x80\x8b\xe2\x80\xaf");	/* ZWSP, NNBSP kept */
}

TEST(invalid_utf8_each_byte)
{
	ASSERT_STREQ(esc("a\xff\xfe" "b"), "a\\xff\\xfeb");
	ASSERT_STREQ(esc("\xc3("), "\\xc3(");				/* truncated */
	ASSERT_STREQ(esc("\xc0\xaf"), "\\xc0\\xaf");			/* overlong '/' */
	ASSERT_STREQ(esc("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");		/* overlong */
	ASSERT_STREQ(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");		/* surrogate */
	ASSERT_STREQ(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");	/* past U+10FFFF */
	ASSERT_STREQ(esc("\x80\xbf"), "\\x80\\xbf");			/* lone continuations */
	/* a bad lead byte does not swallow the good character after it */
	ASSERT_STREQ(esc("\xe2\xc3\xa9"), "\\xe2\xc3\xa9");
}

TEST(srclen_bounds_and_cut_sequence)
{
	char buf[64];

	ASSERT_STREQ(text__escape(buf, sizeof(buf), "abcdef", 3), "abc");
	/* a name cut inside a character (comm is 15 bytes) */
	ASSERT_STREQ(text__escape(buf, sizeof(buf), "x\xe2\x82\xac", 3), "x\\xe2\\x82");
	ASSERT_STREQ(text__escape(buf, sizeof(buf), NULL, 5), "");
	ASSERT_STREQ(text__esc(NULL, buf, sizeof(buf)), "");
}

TEST(small_buffer_never_cuts_an_escape)
{
	char buf[8];

	/* "ab" (2) + "\x1b" (4) = 6 fits with the NUL; the next escape does not */
	ASSERT_STREQ(text__escape(buf, sizeof(buf), "ab\x1b\x1b", 4), "ab\\x1b");
	ASSERT_STREQ(text__escape(buf, 5, "\xe2\x82\xac\xe2\x82\xac", 6), "\xe2\x82\xac");
	ASSERT_STREQ(text__escape(buf, 1, "abc", 3), "");
	buf[0] = 'q';
	text__escape(buf, 0, "abc", 3);	/* nothing written */
	ASSERT_EQ(buf[0], 'q');
}

TEST(worst_case_fits_text_esc_size)
{
	char src[LS_TEST_N], dst[TEXT_ESC_SIZE(LS_TEST_N)];

	memset(src, 0x1b, sizeof(src));
	text__escape(dst, sizeof(dst), src, sizeof(src));
	ASSERT_EQ(strlen(dst), 4 * LS_TEST_N);
	/* three-byte controls: 12 output bytes for 3 input bytes */
	for (int i = 0; i + 3 <= LS_TEST_N; i += 3)
		memcpy(src + i, "\xe2\x80\xae", 3);
	text__escape(dst, sizeof(dst), src, LS_TEST_N / 3 * 3);
	ASSERT_EQ(strlen(dst), 4 * (LS_TEST_N / 3 * 3));
}

TEST(every_byte_escaped_output_is_safe_and_reversible)
{
	char src[256], dst[TEXT_ESC_SIZE(256)], back[256];
	size_t n = 0;

	for (int i = 1; i < 256; i++)
		src[i - 1] = (char)i;
	src[255] = 0;
	text__escape(dst, sizeof(dst), src, 255);
	ASSERT_TRUE(safe(dst));
	/* undo \\ \n \t \xNN: the original bytes come back */
	for (size_t i = 0; dst[i]; i++) {
		if (dst[i] != '\\') {
			back[n++] = dst[i];
			continue;
		}
		i++;
		if (dst[i] == 'x') {
			back[n++] = (char)strtol((char[]){ dst[i + 1], dst[i + 2], 0 }, NULL, 16);
			i += 2;
		} else {
			back[n++] = dst[i] == 'n' ? '\n' : dst[i] == 't' ? '\t' : dst[i];
		}
	}
	ASSERT_EQ(n, 255);
	ASSERT_TRUE(memcmp(back, src, 255) == 0);
}

int main(void)
{
	return RUN_TESTS();
}
