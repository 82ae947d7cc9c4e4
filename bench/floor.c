// SPDX-License-Identifier: GPL-2.0
/* Attach the empty programs (the floor) until SIGINT/SIGTERM.
 * floor [--rss]: with --rss, tp_btf/rss_stat too. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l; (void)f; (void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	int rss = argc > 1 && !strcmp(argv[1], "--rss");
	struct empty_bpf *skel;

	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
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
	printf("attached\n");
	fflush(stdout);
	while (!done)
		pause();
	empty_bpf__destroy(skel);
	return 0;
}
