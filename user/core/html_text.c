// SPDX-License-Identifier: GPL-2.0
/* Text other processes chose, made safe in HTML (see html_text.h). */
#include <stdbool.h>
#include <string.h>
#include "html_text.h"
#include "text.h"

void html__escape(FILE *out, const char *s, size_t n, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	bool text = flags & HTML_ESC_TEXT;
	size_t i = 0;

	if (!s)
		return;
	while (i < n && u[i]) {
		uint32_t cp;
		size_t k = text__utf8_len(u + i, n - i, &cp);

		if (!k) {	/* not UTF-8 */
			fprintf(out, "\\x%02x", u[i]);
			i++;
			continue;
		}
		if (k == 1) {
			switch (u[i]) {
			case '&': fputs("&amp;", out); break;
			case '<': fputs("&lt;", out); break;
			case '>': fputs("&gt;", out); break;
			case '"': fputs("&quot;", out); break;
			case '\'': fputs("&#39;", out); break;
			case '\\': fputs(text ? "\\" : "\\\\", out); break;
			case '\n': fputs(text ? "\n" : "\\n", out); break;
			case '\t': fputs(text ? "\t" : "\\t", out); break;
			default:
				if (text__cp_unsafe(cp))
					fprintf(out, "\\x%02x", u[i]);
				else
					fputc(u[i], out);
			}
		} else if (text__cp_unsafe(cp)) {
			for (size_t b = 0; b < k; b++)
				fprintf(out, "\\x%02x", u[i + b]);
		} else {
			fwrite(u + i, 1, k, out);
		}
		i += k;
	}
}

void html__esc(FILE *out, const char *s)
{
	if (s)
		html__escape(out, s, strlen(s), 0);
}
