// SPDX-License-Identifier: GPL-2.0
/* The live view: core/tui_view.h's rows and text, placed with ncurses. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tui.h"
#include "tui_view.h"

#define ERR_KEEP	16384	/* stderr's lines kept while the screen is up */
#define MAX_COLS	1024	/* wider terminals get this many columns */
#define LINE_SIZE	(4 * MAX_COLS + 1)
#define KEYS_TEXT	"q quit  Up/Down or j/k select  s sort"

struct tui {
	struct tui_view view;
	SCREEN *screen;
	double interval_s;
	bool utf8;		/* the locale's: else non-ASCII shows as '?' */
	int in_fd;
	int err_saved;		/* the real stderr while it goes to err_pipe; -1: not taken */
	int err_pipe;
	char err[ERR_KEEP];
	size_t nerr;
	uint64_t err_dropped;	/* bytes past ERR_KEEP */
	char last_msg[256];
	char *explain;		/* TUI_EXPLAIN_SIZE */
	char line[LINE_SIZE];
	uint32_t table_rows;	/* rows the table had room for at the last draw */
};

static struct tui *active;	/* for the exit handler */
static bool atexit_set;

bool tui__wanted(void)
{
	return isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
}

static void at_exit(void)
{
	tui__end(active);
}

/* What stderr got since: kept up to ERR_KEEP; its last line on screen. */
static void drain_err(struct tui *t)
{
	char buf[4096];
	ssize_t n;

	if (t->err_pipe < 0)
		return;
	while ((n = read(t->err_pipe, buf, sizeof(buf))) > 0) {
		size_t room = ERR_KEEP - t->nerr, k = (size_t)n < room ? (size_t)n : room;
		const char *end = buf + n, *s, *e;

		memcpy(t->err + t->nerr, buf, k);
		t->nerr += k;
		t->err_dropped += (size_t)n - k;
		/* the last complete line, for the status line */
		for (e = end; e > buf && e[-1] == '\n'; e--)
			;
		for (s = e; s > buf && s[-1] != '\n'; s--)
			;
		if (e > s)
			snprintf(t->last_msg, sizeof(t->last_msg), "%.*s", (int)(e - s), s);
	}
}

static unsigned cols(void)
{
	return COLS > MAX_COLS ? MAX_COLS : (unsigned)(COLS > 0 ? COLS : 0);
}

/* One screen line: src fitted to the width (no control byte reaches
 * ncurses), padded with attr to the end when pad. */
static void put_line(struct tui *t, int y, const char *src, size_t n, attr_t attr, bool pad)
{
	unsigned w;

	tui_fit(t->line, sizeof(t->line), src, n, cols(), !t->utf8, &w);
	move(y, 0);
	attrset(attr);
	addstr(t->line);
	if (pad)
		for (; w < cols(); w++)
			addch(' ');
	attrset(A_NORMAL);
	if (!pad || w < cols())
		clrtoeol();
}

static void put_str(struct tui *t, int y, const char *s, attr_t attr, bool pad)
{
	put_line(t, y, s, strlen(s), attr, pad);
}

static bool row_urgent(const struct tui_row *r)
{
	return r->mem_v == VERDICT_LEAK || (r->has_unix && r->unix_v == VERDICT_LEAK) ||
	       (r->has_tcp && r->tcp_v == VERDICT_LEAK) || r->setns_failed;
}

static void draw(struct tui *t, const struct model *m)
{
	struct tui_view *v = &t->view;
	int h = LINES, y, eh, th;
	char buf[512];
	const char *s;

	erase();
	if (h < 6 || COLS < 20) {
		put_str(t, 0, "leakscope: the terminal is too small", A_NORMAL, false);
		refresh();
		return;
	}
	tui_view__header_text(v, t->interval_s, buf, sizeof(buf));
	put_str(t, 0, buf, A_BOLD, false);
	snprintf(buf, sizeof(buf), "%s%s%s", KEYS_TEXT, t->last_msg[0] ? "  |  " : "", t->last_msg);
	put_str(t, 1, buf, A_NORMAL, false);
	tui_view__title(buf, sizeof(buf));
	put_str(t, 2, buf, A_REVERSE, true);
	/* a third of what is left for the explanation, at least 3 lines */
	eh = (h - 3) / 3;
	if (eh < 3)
		eh = 3;
	th = h - 3 - eh;
	if (th < 1) {
		th = 1;
		eh = h - 4;
	}
	t->table_rows = (uint32_t)th;
	tui_view__scroll(v, (uint32_t)th);
	if (!v->nrows)
		put_str(t, 3, v->have_interval ? "(no process to show)" :
			"(the first table comes after the first interval)", A_NORMAL, false);
	for (int i = 0; i < th && v->top + (uint32_t)i < v->nrows; i++) {
		uint32_t k = v->top + (uint32_t)i;
		attr_t a = k == v->sel ? A_REVERSE : row_urgent(&v->rows[k]) ? A_BOLD : A_NORMAL;

		tui_view__row_text(&v->rows[k], buf, sizeof(buf));
		put_str(t, 3 + i, buf, a, k == v->sel);
	}
	/* the selected process's report, wrapped, continuation lines indented */
	y = 3 + th;
	tui_view__explain(v, m, t->explain, TUI_EXPLAIN_SIZE);
	s = t->explain;
	if (!*s)
		put_str(t, y, "", A_REVERSE, true);
	for (bool first = true; *s && y < h; first = false) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		bool cont = false;

		do {
			unsigned w = cont && cols() > 8 ? cols() - 4 : cols();
			size_t k = len ? tui_wrap(s, len, w) : 0;
			char seg[LINE_SIZE];

			snprintf(seg, sizeof(seg), "%s%.*s", cont ? "    " : "", (int)k, s);
			put_str(t, y++, seg, first ? A_REVERSE : A_NORMAL, first);
			s += k;
			len -= k;
			cont = true;
		} while (len && y < h);
		s = nl ? nl + 1 : s + len;
	}
	refresh();
}

struct tui *tui__start(double interval_s, char *err, size_t errlen)
{
	struct tui *t = calloc(1, sizeof(*t));
	const char *cs, *cup;

	if (!t || tui_view__init(&t->view) || !(t->explain = malloc(TUI_EXPLAIN_SIZE))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	t->interval_s = interval_s;
	t->in_fd = STDIN_FILENO;
	t->err_saved = t->err_pipe = -1;
	/* what the terminal takes: ncursesw writes UTF-8 in a UTF-8 locale
	 * (only LC_CTYPE: numbers print as before) */
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	t->utf8 = cs && !strcmp(cs, "UTF-8");
	fflush(stdout);
	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen) {
		snprintf(err, errlen, "the terminal (TERM=%s) is not one ncurses knows",
			 getenv("TERM") ? getenv("TERM") : "");
		goto fail;
	}
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
		snprintf(err, errlen, "the terminal (TERM=%s) cannot move its cursor",
			 getenv("TERM") ? getenv("TERM") : "");
		goto fail;
	}
	cbreak();	/* Ctrl-C stays SIGINT: the run ends as without the view */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* stderr on the same terminal would tear the screen: kept until the
	 * end, its last line shown */
	if (isatty(STDERR_FILENO)) {
		int p[2];

		if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0) {
			fflush(stderr);
			t->err_saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
			if (t->err_saved < 0 || dup2(p[1], STDERR_FILENO) < 0) {
				if (t->err_saved >= 0)
					close(t->err_saved);
				t->err_saved = -1;
				close(p[0]);
			} else {
				t->err_pipe = p[0];
			}
			close(p[1]);
		}
	}
	active = t;
	if (!atexit_set && atexit(at_exit) == 0)
		atexit_set = true;
	draw(t, NULL);
	return t;
fail:
	if (t) {
		tui_view__free(&t->view);
		free(t->explain);
	}
	free(t);
	return NULL;
}

void tui__update(struct tui *t, const struct model *m)
{
	if (!t)
		return;
	drain_err(t);
	tui_view__update(&t->view, m);
	draw(t, m);
}

int tui__fd(const struct tui *t)
{
	return t ? t->in_fd : -1;
}

bool tui__keys(struct tui *t, const struct model *m)
{
	struct pollfd pfd;
	bool redraw = false;
	int c, page;

	if (!t)
		return false;
	drain_err(t);
	page = t->table_rows > 1 ? (int)t->table_rows - 1 : 1;
	while ((c = getch()) != ERR) {
		switch (c) {
		case 'q':
		case 'Q':
			return true;
		case KEY_UP:
		case 'k':
			tui_view__move(&t->view, -1);
			break;
		case KEY_DOWN:
		case 'j':
			tui_view__move(&t->view, 1);
			break;
		case KEY_PPAGE:
			tui_view__move(&t->view, -page);
			break;
		case KEY_NPAGE:
		case ' ':
			tui_view__move(&t->view, page);
			break;
		case KEY_HOME:
		case 'g':
			tui_view__move(&t->view, -(int)TUI_MAX_ROWS);
			break;
		case KEY_END:
		case 'G':
			tui_view__move(&t->view, (int)TUI_MAX_ROWS);
			break;
		case 's':
		case 'S':
			tui_view__next_sort(&t->view);
			break;
		case 12:	/* Ctrl-L */
			clearok(curscr, TRUE);
			break;
		default:	/* KEY_RESIZE among them: ncurses resized itself */
			break;
		}
		redraw = true;
	}
	/* a terminal hung up: nothing more to read, and no wait may spin on it */
	pfd = (struct pollfd){ .fd = t->in_fd, .events = POLLIN };
	if (t->in_fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
		t->in_fd = -1;
	if (redraw)
		draw(t, m);
	return false;
}

void tui__end(struct tui *t)
{
	if (!t)
		return;
	if (t->screen) {
		endwin();
		delscreen(t->screen);
		t->screen = NULL;
	}
	fflush(stdout);
	drain_err(t);
	if (t->err_saved >= 0) {
		dup2(t->err_saved, STDERR_FILENO);
		close(t->err_saved);
		t->err_saved = -1;
	}
	if (t->err_pipe >= 0) {
		close(t->err_pipe);
		t->err_pipe = -1;
	}
	if (t->nerr)
		fwrite(t->err, 1, t->nerr, stderr);
	if (t->err_dropped)
		fprintf(stderr, "leakscope: %llu bytes of messages written while the live view ran "
			"were not kept\n", (unsigned long long)t->err_dropped);
	tui_view__free(&t->view);
	free(t->explain);
	if (active == t)
		active = NULL;
	free(t);
}
