/* SPDX-License-Identifier: GPL-2.0 */
/* Command line: leakscope [watch|record|report|serve] [options] [-- CMD ARGS...] */
#ifndef LS_OPTIONS_H
#define LS_OPTIONS_H
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "leakscope.h"

#define OPT_MAX_PIDS 64

enum ls_command { CMD_WATCH, CMD_RECORD, CMD_REPORT, CMD_SERVE };
enum rss_source { RSS_FROM_PROC, RSS_FROM_TRACEPOINT };

struct options {
	enum ls_command cmd;
	pid_t pids[OPT_MAX_PIDS];
	int npids;
	char comm[LS_COMM_LEN];
	bool have_comm;
	const char *container;	/* --container ID|ID-PREFIX (6 to 64 hex) */
	const char *cgroup;	/* --cgroup PATH: that cgroup and below */
	double interval_s;	/* default 5 */
	double duration_s;	/* 0: until SIGINT/SIGTERM (or CMD exits) */
	unsigned top_n;		/* default 10 */
	bool json;
	bool no_tui;		/* watch: the appended table even on a terminal */
	bool verbose;
	bool stacks;		/* capture growth-site stacks (default on) */
	bool heap;		/* --heap: uprobes on malloc and free (heap.h) */
	unsigned long heap_sample;	/* --heap-sample BYTES */
	enum rss_source rss_source;
	bool bench_toggle;	/* SIGUSR1 detaches/attaches the programs */
	const char *output;	/* record -o FILE */
	bool force;		/* record --force: replace FILE (by rename); --html OUT too */
	const char *html;	/* --html OUT.html: the final report as a page */
	bool intervals;		/* report --intervals: every interval's output too */
	const char *input;	/* report FILE */
	const char *listen;	/* serve --listen HOST:PORT */
	const char *btf;	/* --btf FILE: the kernel's BTF, where it has none of its own */
	char **cmd_argv;	/* -- CMD ARGS (NULL-terminated) */
	char args_line[256];	/* the command line, for recordings */
};

/* 0 to run, 1 when help or the version was printed, -1 after printing an
 * error. */
int options__parse(int argc, char **argv, struct options *o);
void options__usage(FILE *out);

/* One-line errors: "Error: ..." on stderr, or {"type":"error",...} on
 * stdout with --json. */
void ls_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ls_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool ls_errors_as_json;
extern bool ls_verbose;

#endif
