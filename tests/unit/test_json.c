// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: nesting, commas, escaping, numbers. */
#include <stdlib.h>
#include "harness.h"
#include "json.h"

static char *render(void (*build)(struct json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json__init(&j, f);
	build(&j);
	fclose(f);
	return buf;
}

static void nested(struct json *j)
{
	json__obj_begin(j, NULL);
	json__str(j, "type", "report");
	json__u64(j, "n", 18446744073709551615ULL);
	json__i64(j, "neg", -5);
	json__arr_begin(j, "list");
	json__obj_begin(j, NULL);
	json__bool(j, "ok", true);
	json__obj_end(j);
	json__obj_begin(j, NULL);
	json__null(j, "nothing");
	json__obj_end(j);
	json__arr_end(j);
	json__arr_begin(j, "empty");
	json__arr_end(j);
	json__obj_end(j);
	json__line_end(j);
}

TEST(nesting_and_commas)
{
	char *s = render(nested);

	ASSERT_STREQ(s, "{\"type\":\"report\",\"n\":18446744073709551615,\"neg\":-5,"
		     "\"list\":[{\"ok\":true},{\"nothing\":null}],\"empty\":[]}\n");
	free(s);
}

static void escapes(struct json *j)
{
	json__obj_begin(j, NULL);
	json__str(j, "path", "/run/a \"b\"\\c\n\t\x01");
	json__strn(j, "cut", "abcdef", 3);
	json__str(j, "null", NULL);
	json__obj_end(j);
	json__line_end(j);
}

TEST(strings_are_escaped)
{
	char *s = render(escapes);

	ASSERT_STREQ(s, "{\"path\":\"/run/a \\\"b\\\"\\\\c\\n\\t\\u0001\",\"cut\":\"abc\",\"null\":\"\"}\n");
	free(s);
}

static void raw_bytes(struct json *j)
{
	/* comm and exe come from the kernel as bytes: prctl(PR_SET_NAME) and
	 * file names take any byte, JSON must be UTF-8 */
	json__arr_begin(j, NULL);
	json__str(j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b");	/* valid: kept */
	json__str(j, NULL, "a\xff\xfe" "b");		/* invalid bytes */
	json__str(j, NULL, "\xc3(");			/* truncated sequence */
	json__str(j, NULL, "\xc0\xaf\xed\xa0\x80");	/* overlong, surrogate */
	json__strn(j, NULL, "x\xe2\x82\xac", 3);	/* cut inside a sequence */
	json__str(j, NULL, "\x1f\x7f");
	json__arr_end(j);
	json__line_end(j);
}

TEST(invalid_utf8_becomes_replacement_characters)
{
	char *s = render(raw_bytes);

	ASSERT_STREQ(s, "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b\","
		     "\"a\\ufffd\\ufffdb\",\"\\ufffd(\","
		     "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\","
		     "\"x\\ufffd\\ufffd\",\"\\u001f\\u007f\"]\n");
	free(s);
}

static void controls(struct json *j)
{
	/* C1 controls and bidi overrides are valid UTF-8, and some terminals
	 * act on them: escaped too, as text__escape() does */
	json__arr_begin(j, NULL);
	json__str(j, NULL, "\x1b[31mEVIL\x1b[0m\n");
	json__str(j, NULL, "a\xc2\x9b" "2Jb\xc2\x85");		/* CSI, NEL */
	json__str(j, NULL, "x\xe2\x80\xaeyz\xe2\x81\xa6\xe2\x80\xa8");	/* RLO, LRI, LS */
	json__str(j, NULL, "\xc2\xa0\xe2\x80\x8b");			/* NBSP, ZWSP: kept */
	json__arr_end(j);
	json__line_end(j);
}

TEST(control_and_bidi_characters_are_escaped)
{
	char *s = render(controls);

	ASSERT_STREQ(s, "[\"\\u001b[31mEVIL\\u001b[0m\\n\","
		     "\"a\\u009b2Jb\\u0085\","
		     "\"x\\u202eyz\\u2066\\u2028\","
		     "\"\xc2\xa0\xe2\x80\x8b\"]\n");
	free(s);
}

static void doubles(struct json *j)
{
	json__arr_begin(j, NULL);
	json__dbl(j, NULL, 1.23456, 2);
	json__dbl(j, NULL, -0.001, 0);
	json__dbl(j, NULL, 0.0 / 0.0, 1);
	json__dbl(j, NULL, 1e300 * 1e300, 1);
	json__arr_end(j);
	json__line_end(j);
}

TEST(doubles_round_and_non_finite_is_null)
{
	char *s = render(doubles);

	ASSERT_STREQ(s, "[1.23,0,null,null]\n");
	free(s);
}

static void two_lines(struct json *j)
{
	json__obj_begin(j, NULL);
	json__u64(j, "a", 1);
	json__obj_end(j);
	json__line_end(j);
	json__obj_begin(j, NULL);
	json__u64(j, "b", 2);
	json__obj_end(j);
	json__line_end(j);
}

TEST(json_lines_do_not_share_commas)
{
	char *s = render(two_lines);

	ASSERT_STREQ(s, "{\"a\":1}\n{\"b\":2}\n");
	free(s);
}

int main(void)
{
	return RUN_TESTS();
}
