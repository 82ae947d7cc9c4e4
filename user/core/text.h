/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text other processes chose, made safe to print.  Command names, executable
 * and socket paths, setns targets, symbol names out of their ELF files: any
 * process can put escape sequences, newlines or bytes that are not UTF-8 in
 * them, and leakscope (run as root) prints them on its operator's terminal.
 *
 * text__escape() writes valid UTF-8 through and escapes the rest, as ps and
 * ss do, one convention for every text output (the table, the final report,
 * `report FILE`, error and warning lines):
 *
 *   \\      a backslash (so an escape in the output is always ours)
 *   \n \t   newline and tab
 *   \xNN    (two lower-case hex digits) each byte of: the other C0 controls
 *           (0x00-0x1f) and DEL (0x7f); a C1 control (U+0080-U+009F, bytes
 *           c2 80 to c2 9f); a character that reorders or breaks lines
 *           (U+061C, U+200E-U+200F, U+2028-U+202E, U+2066-U+2069: the bidi
 *           marks, embeddings, overrides and isolates, and the line and
 *           paragraph separators); and every byte that is not part of
 *           well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
 *           nothing past U+10FFFF)
 *
 * So escaped text has no byte below 0x20, no DEL, no C1 control and no bidi
 * control, is valid UTF-8, and gives back the original bytes.  JSON output
 * (json.c) escapes the same characters as \uXXXX and writes U+FFFD for a
 * byte that is not UTF-8.  Plain C, no libbpf.
 */
#ifndef LS_TEXT_H
#define LS_TEXT_H
#include <stddef.h>
#include <stdint.h>

/* Room for n source bytes escaped, with the NUL: at most 4 bytes each. */
#define TEXT_ESC_SIZE(n) (4 * (size_t)(n) + 1)

/* Escapes src (up to srclen bytes or its NUL, whichever comes first) into
 * dst, always NUL-terminated when dstlen > 0.  When dst is too small the
 * output ends before the first escape or character that does not fit
 * whole: it is never cut inside one.  Returns dst. */
char *text__escape(char *dst, size_t dstlen, const char *src, size_t srclen);
/* The same for a NUL-terminated string (NULL prints as ""). */
const char *text__esc(const char *s, char *buf, size_t len);

/* Length of the well-formed UTF-8 sequence at s[0..n) (1 for ASCII), or 0
 * when s[0] does not start one.  Sets *cp to its code point. */
size_t text__utf8_len(const unsigned char *s, size_t n, uint32_t *cp);
/* A code point text__escape() and the JSON writer escape: C0, DEL, C1, and
 * the bidi and line-breaking format characters listed above. */
int text__cp_unsafe(uint32_t cp);

#endif
