/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: objects, arrays, escaped strings. */
#ifndef LS_JSON_H
#define LS_JSON_H
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void json__init(struct json *j, FILE *out);
void json__obj_begin(struct json *j, const char *key);	/* key NULL in arrays/top */
void json__obj_end(struct json *j);
void json__arr_begin(struct json *j, const char *key);
void json__arr_end(struct json *j);
void json__str(struct json *j, const char *key, const char *v);
void json__strn(struct json *j, const char *key, const char *v, size_t n);
void json__u64(struct json *j, const char *key, uint64_t v);
void json__i64(struct json *j, const char *key, int64_t v);
void json__dbl(struct json *j, const char *key, double v, int decimals);
void json__bool(struct json *j, const char *key, bool v);
void json__null(struct json *j, const char *key);
/* Ends a top-level value with a newline (JSON Lines). */
void json__line_end(struct json *j);

#endif
