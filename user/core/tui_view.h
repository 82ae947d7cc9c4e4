/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live view's content, without a terminal (user/tui.c draws it with
 * ncurses): each interval, the rows the interval table prints (the
 * report's order, model__ranked) are copied out of the model with their
 * names escaped (text.h), so that keys between intervals (sort, select)
 * never touch a process the model may have dropped since.  The selected
 * process's explanation is the final report's block for it, written by
 * the domains' own text writers from the live model.  Plus the pure
 * helpers the screen needs: fitting escaped UTF-8 into columns, wrapping.
 * Plain C, no ncurses; memory fixed at init (TUI_MAX_ROWS rows).
 */
#ifndef LS_TUI_VIEW_H
#define LS_TUI_VIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "text.h"

#define TUI_MAX_ROWS	1024	/* rows kept an interval (a screen shows ~40) */
#define TUI_EXPLAIN_SIZE	16384	/* the selected process's block, at most */

enum tui_sort { TUI_SORT_URGENCY, TUI_SORT_MEMORY, TUI_SORT_UNIX, TUI_SORT_FDS, TUI_NSORTS };

struct tui_row {
	uint32_t pid;
	uint64_t start_ns;
	uint32_t urgency;	/* its place in the report's order, 0 first */
	char comm[TEXT_ESC_SIZE(LS_COMM_LEN)];	/* escaped */
	uint64_t real, lazyfree, rss;
	double real_rate;	/* bytes a second */
	enum verdict mem_v;
	double mem_conf;
	bool has_unix;
	enum verdict unix_v;
	uint64_t unix_open;
	bool has_tcp;
	enum verdict tcp_v;
	uint64_t tcp_stuck;	/* CLOSE_WAIT + FIN_WAIT2 */
	uint32_t fds;
	uint64_t setns_failed;
	bool exited, incomplete;
};

struct tui_view {
	struct tui_row *rows;		/* TUI_MAX_ROWS */
	const struct ls_process **ranked;	/* TUI_MAX_ROWS, scratch */
	uint32_t nrows;
	bool more;			/* the report had more rows than these */
	/* the header, as of the last interval */
	bool have_interval;
	double duration_s;
	uint64_t lost, intervals;
	uint32_t nprocs;
	enum tui_sort sort;
	uint32_t sel;			/* index in rows */
	uint32_t sel_pid;		/* the selected process, kept across updates */
	uint64_t sel_start;
	bool follow;			/* the selection is the first row until a key moves it */
	uint32_t top;			/* first row on screen */
};

int tui_view__init(struct tui_view *v);	/* 0, or -1: no memory */
void tui_view__free(struct tui_view *v);
/* The interval's rows, sorted as asked; the selected process stays
 * selected while it is in them. */
void tui_view__update(struct tui_view *v, const struct model *m);
void tui_view__set_sort(struct tui_view *v, enum tui_sort s);
void tui_view__next_sort(struct tui_view *v);
const char *tui_view__sort_name(enum tui_sort s);
/* Moves the selection by delta rows (clamped); the first row no longer
 * follows. */
void tui_view__move(struct tui_view *v, int delta);
/* top such that the selection is among `visible` rows from it. */
void tui_view__scroll(struct tui_view *v, uint32_t visible);
const struct tui_row *tui_view__selected(const struct tui_view *v);

/* The column titles and one row, as the screen prints them (escaped,
 * no control byte). */
void tui_view__title(char *buf, size_t len);
void tui_view__row_text(const struct tui_row *r, char *buf, size_t len);
void tui_view__header_text(const struct tui_view *v, double interval_s, char *buf, size_t len);
/* The final report's lines for the selected process, from the live model
 * (NUL-terminated, cut at len); "" when nothing is selected. */
void tui_view__explain(const struct tui_view *v, const struct model *m, char *buf, size_t len);

/* Columns a code point takes on a terminal: 0 (combining marks), 2 (East
 * Asian wide and emoji), else 1. */
unsigned tui_cp_width(uint32_t cp);
/* Copies the longest start of src[0..srclen) that fits in cols columns
 * into dst (NUL-terminated; dstlen >= 1), never cutting a character; a
 * control byte or a byte that is not UTF-8 becomes '?' (escaped text has
 * none: a second guard), and with ascii every non-ASCII character too.
 * Returns the bytes of src taken; *width (when not NULL) the columns. */
size_t tui_fit(char *dst, size_t dstlen, const char *src, size_t srclen, unsigned cols,
	       bool ascii, unsigned *width);
/* Bytes of src[0..srclen) that go on a line of cols columns: up to its
 * last space that fits (the space included), or cut in a word when none
 * does; at least one character when srclen > 0. */
size_t tui_wrap(const char *src, size_t srclen, unsigned cols);

#endif
