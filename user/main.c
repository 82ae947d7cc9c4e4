// SPDX-License-Identifier: GPL-2.0
/*
 * leakscope: is this process really leaking memory or sockets, where, and
 * who causes it?  See README.md.
 */
#include <stdio.h>
#include "commands.h"

int main(int argc, char **argv)
{
	struct options o;
	int r = options__parse(argc, argv, &o);

	if (r)
		return r > 0 ? 0 : 2;
	/* the report is for people reading it live: don't buffer the table */
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (o.cmd) {
	case CMD_REPORT:
		return cmd_report(&o);
	case CMD_WATCH:
	case CMD_RECORD:
	case CMD_SERVE:
	default:
		return cmd_watch(&o);
	}
}
