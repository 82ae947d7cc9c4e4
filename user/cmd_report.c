// SPDX-License-Identifier: GPL-2.0
/* `leakscope report FILE`: placeholder until recordings land. */
#include "commands.h"

int cmd_report(const struct options *o)
{
	ls_error("cannot read %s: recordings are not supported by this build", o->input);
	return 1;
}
