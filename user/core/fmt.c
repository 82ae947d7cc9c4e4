// SPDX-License-Identifier: GPL-2.0
/* Numbers for people (fmt.h). */
#include <inttypes.h>
#include <stdio.h>
#include "fmt.h"

const char *fmt__bytes(uint64_t v, char *buf, size_t len)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, units[u]);
	return buf;
}

const char *fmt__count(uint64_t v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

const char *fmt__rate(double r, char *buf, size_t len)
{
	char b[32];

	fmt__bytes((uint64_t)(r < 0 ? -r : r), b, sizeof(b));
	snprintf(buf, len, "%s%s/s", r < 0 ? "-" : "+", b);
	return buf;
}
