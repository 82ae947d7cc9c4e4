// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "conn_path.h"

uint32_t conn_path__restore(struct conn_path *last, struct ls_unix_conn *c, uint32_t size)
{
	uint32_t room;

	if (size < LS_UNIX_CONN_SIZE(0))
		return size;
	if (!c->path_as_last) {
		/* only a path whose bytes all came counts (the sink rejects
		 * one longer than its room) */
		if (c->path_len && c->path_len <= LS_PATH_LEN &&
		    c->path_len <= size - LS_UNIX_CONN_SIZE(0)) {
			last->len = c->path_len;
			last->abstract = c->abstract;
			memcpy(last->bytes, c->path, c->path_len);
		}
		return size;
	}
	/* still marked: the sink's check rejects it, counted */
	if (!last->len || c->path_len != last->len)
		return size;
	c->path_as_last = 0;
	room = LS_UNIX_PATH_ROOM(last->len);
	memset(c->path, 0, room);
	memcpy(c->path, last->bytes, last->len);
	c->abstract = last->abstract;
	return c->hdr.size = LS_UNIX_CONN_SIZE(room);
}
