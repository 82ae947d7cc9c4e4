/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands; each returns the process exit status. */
#ifndef LS_COMMANDS_H
#define LS_COMMANDS_H
#include "options.h"

int cmd_watch(const struct options *o);		/* watch, record and serve */
int cmd_report(const struct options *o);	/* report FILE */

#endif
