/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files leakscope writes for its operator (a recording, an HTML report):
 * they name processes, paths and peers, so they are for their owner only
 * (mode 0600 whatever the umask), never written through a symbolic link,
 * and never into a file that was there.
 *
 * Without force, path is made with O_CREAT | O_EXCL | O_NOFOLLOW: a file or
 * a link there is an error.  With force, a new file is made beside path
 * (".NAME.XXXXXX", O_EXCL, 0600) and renamed over path when its writer says
 * so (outfile__commit): path itself is never opened, so a link's target is
 * never written, and a run that fails first leaves path as it was.
 */
#ifndef LS_OUTFILE_H
#define LS_OUTFILE_H
#include <stdbool.h>
#include <stddef.h>

struct outfile {
	int fd;
	char *path;	/* where the file goes */
	char *tmp;	/* force: the file written until the rename; NULL after */
};

/* what: how the error names the file ("a recording"), cmd: who refuses to
 * overwrite ("leakscope record").  0, or -1 with a one-line message in err
 * (of==zeroed, fd -1). */
int outfile__create(struct outfile *of, const char *path, bool force, const char *what,
		    const char *cmd, char *err, size_t errlen);
/* force: rename the temporary file over path (0 or an errno); else 0. */
int outfile__commit(struct outfile *of);
/* The file made for it is removed (the temporary one, or path when made
 * here); fd closed. */
void outfile__discard(struct outfile *of);
/* Closes fd (if open) and frees the names; the file stays. */
void outfile__release(struct outfile *of);

#endif
