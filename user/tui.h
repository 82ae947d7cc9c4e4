/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `watch`'s live view on a terminal (ncurses): one screen redrawn in place
 * at each interval and on each key, like top.  What it shows comes from
 * core/tui_view.h (the interval table's rows, escaped); this file only
 * places it.  While it runs, stderr (when a terminal) goes to a pipe whose
 * lines are kept (16 KiB) and written out once the terminal is restored,
 * the last one shown on the screen meanwhile.
 */
#ifndef LS_TUI_H
#define LS_TUI_H
#include <stdbool.h>
#include "model.h"

struct tui;

/* Whether the live view is for this run: stdout and stdin are terminals. */
bool tui__wanted(void);
/* Takes the terminal; NULL (why in err) when it cannot (an unknown TERM,
 * one without cursor addressing). */
struct tui *tui__start(double interval_s, char *err, size_t errlen);
/* The interval's rows (a report of the model), drawn. */
void tui__update(struct tui *t, const struct model *m);
/* The fd the main loop's wait also polls (stdin); -1 once it is gone. */
int tui__fd(const struct tui *t);
/* Keys waiting, handled (and a resize); true when q asked to end the run. */
bool tui__keys(struct tui *t, const struct model *m);
/* Gives the terminal back (endwin) and writes what stderr got meanwhile;
 * frees t.  Accepts NULL; also done at exit when not before. */
void tui__end(struct tui *t);

#endif
