// SPDX-License-Identifier: GPL-2.0
/* -- CMD: forked before attaching, exec'd once the BPF side traces it, so
 * that it is traced from its first instruction. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "watch.h"

/* -- CMD: fork now, exec once the BPF side traces the child. */
int watch_child__start(struct watch *w, int *go_fd, int *err_fd)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		ls_error("pipe: %s", strerror(errno));
		return -1;
	}
	w->child = fork();
	if (w->child < 0) {
		ls_error("fork: %s", strerror(errno));
		return -1;
	}
	if (w->child == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* leakscope gave up */
		/* capabilities granted to leakscope (ambient: kept across
		 * exec) are not CMD's; as root, exec gives CMD root's own */
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		execvp(w->opts->cmd_argv[0], w->opts->cmd_argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	*go_fd = go[1];
	*err_fd = err[0];
	return 0;
}

int watch_child__release(struct watch *w, int go_fd, int err_fd)
{
	int e = 0;
	ssize_t n;

	if (write(go_fd, "g", 1) != 1) {
		ls_error("cannot start %s: %s", w->opts->cmd_argv[0], strerror(errno));
		return -1;
	}
	close(go_fd);
	n = read(err_fd, &e, sizeof(e));	/* EOF when exec succeeded */
	close(err_fd);
	if (n == sizeof(e)) {
		waitpid(w->child, NULL, 0);
		w->child = 0;
		ls_error("cannot run %s: %s", w->opts->cmd_argv[0], strerror(e));
		return -1;
	}
	return 0;
}
