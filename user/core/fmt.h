/* SPDX-License-Identifier: GPL-2.0 */
/* Numbers for people, shared by every report and domain (no model, no
 * libbpf): "1.4 GiB", "17,280", "+4.0 MiB/s". */
#ifndef LS_FMT_H
#define LS_FMT_H
#include <stddef.h>
#include <stdint.h>

/* Byte counts: "1.4 GiB", "512.0 MiB", "4.0 KiB", "17 B". */
const char *fmt__bytes(uint64_t v, char *buf, size_t len);
/* Counts with thousands separators: "17,280". */
const char *fmt__count(uint64_t v, char *buf, size_t len);
/* A rate of bytes a second, signed: "+4.0 MiB/s", "-512 B/s". */
const char *fmt__rate(double r, char *buf, size_t len);

#endif
