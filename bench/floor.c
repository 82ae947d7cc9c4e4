// SPDX-License-Identifier: GPL-2.0
/* Attach the empty programs (the floor) until SIGINT/SIGTERM.
 * floor [--rss]: with --rss, tp_btf/rss_stat too.  Each SIGUSR1 detaches
 * or attaches them again, and a line says which (for bench/toggle.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"
#include "links.h"

static volatile sig_atomic_t done, toggle;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static void on_toggle(int sig)
{
	(void)sig;
	toggle = 1;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l; (void)f; (void)ap;
	return 0;
}

/* empty_bpf__detach destroys the links one after another: 1.3 s here */
static void detach_all(struct empty_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	struct bpf_link *links[64];
	int n = s->prog_cnt < 64 ? s->prog_cnt : 64;

	for (int i = 0; i < n; i++)
		links[i] = *s->progs[i].link;
	links__destroy(links, n);
	for (int i = 0; i < n; i++)
		*s->progs[i].link = NULL;
	empty_bpf__detach(skel);	/* any past the 64 */
}

int main(int argc, char **argv)
{
	int rss = argc > 1 && !strcmp(argv[1], "--rss"), attached = 1;
	struct empty_bpf *skel;
	sigset_t mask, waiting;

	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_toggle);
	skel = empty_bpf__open();
	if (!skel)
		return 1;
	if (!rss)
		bpf_program__set_autoload(skel->progs.empty_rss_stat, false);
	if (empty_bpf__load(skel) || empty_bpf__attach(skel)) {
		fprintf(stderr, "Error: cannot attach the empty programs\n");
		empty_bpf__destroy(skel);
		return 1;
	}
	/* signals stay blocked but in sigsuspend, so none comes between a
	 * check of the flags and the wait (blocked before "attached": the
	 * first SIGUSR1 may follow it at once) */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &waiting);
	printf("attached\n");
	fflush(stdout);
	while (!done) {
		if (!toggle)
			sigsuspend(&waiting);
		if (!toggle)
			continue;
		toggle = 0;
		if (attached) {
			detach_all(skel);
			printf("detached\n");
		} else if (empty_bpf__attach(skel)) {
			fprintf(stderr, "Error: cannot attach the empty programs again\n");
			break;
		} else {
			printf("attached\n");
		}
		attached = !attached;
		fflush(stdout);
	}
	empty_bpf__destroy(skel);
	return 0;
}
