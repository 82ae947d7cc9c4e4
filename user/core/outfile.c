// SPDX-License-Identifier: GPL-2.0
/* Private, link-safe, never-overwriting output files (see outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

/* ".NAME.XXXXXX" beside path, O_EXCL, 0600 */
static int open_tmp(struct outfile *of)
{
	const char *slash = strrchr(of->path, '/');
	size_t dirlen = slash ? (size_t)(slash - of->path) + 1 : 0;
	size_t len = strlen(of->path) + 16;

	of->tmp = malloc(len);
	if (!of->tmp)
		return -1;
	snprintf(of->tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, of->path, of->path + dirlen);
	return mkostemp(of->tmp, O_CLOEXEC);
}

int outfile__create(struct outfile *of, const char *path, bool force, const char *what,
		    const char *cmd, char *err, size_t errlen)
{
	struct stat st;
	int e;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	of->path = strdup(path);
	if (!of->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (force)
		of->fd = open_tmp(of);
	else
		of->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (of->fd < 0) {
		e = errno;
		if (e == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(err, errlen, "%s is a symbolic link: %s is never written "
				 "through one (--force replaces the link itself)", path, what);
		else if (e == EEXIST)
			snprintf(err, errlen, "%s exists: %s does not overwrite a file "
				 "(--force replaces it)", path, cmd);
		else
			snprintf(err, errlen, "cannot create %s: %s", of->tmp ? of->tmp : path,
				 strerror(e));
		goto fail;
	}
	if (fchmod(of->fd, 0600)) {	/* whatever the umask */
		snprintf(err, errlen, "cannot make %s private: %s", path, strerror(errno));
		unlink(of->tmp ? of->tmp : path);	/* ours: made just now, O_EXCL */
		goto fail;
	}
	return 0;
fail:
	outfile__release(of);
	return -1;
}

int outfile__commit(struct outfile *of)
{
	if (!of->tmp)
		return 0;
	if (rename(of->tmp, of->path))
		return errno;
	free(of->tmp);
	of->tmp = NULL;
	return 0;
}

void outfile__discard(struct outfile *of)
{
	if (of->path)
		unlink(of->tmp ? of->tmp : of->path);
	outfile__release(of);
}

void outfile__release(struct outfile *of)
{
	if (of->fd >= 0)
		close(of->fd);
	free(of->path);
	free(of->tmp);
	memset(of, 0, sizeof(*of));
	of->fd = -1;
}
