// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing and the one error path. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "cgroup_path.h"
#include "json.h"
#include "text.h"

bool ls_errors_as_json;
bool ls_verbose;

/* Messages quote paths, command names and command lines: what other
 * processes or the files given chose.  Escaped as the reports are
 * (text.h), so each stays one line that writes nothing to the terminal but
 * itself; the JSON form escapes the same bytes its own way. */
void ls_error(const char *fmt, ...)
{
	char msg[512], esc[TEXT_ESC_SIZE(sizeof(msg))];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ls_errors_as_json) {
		struct json j;

		json__init(&j, stdout);
		json__obj_begin(&j, NULL);
		json__str(&j, "type", "error");
		json__str(&j, "message", msg);
		json__obj_end(&j);
		json__line_end(&j);
		fflush(stdout);
	}
	fprintf(stderr, "Error: %s\n", text__esc(msg, esc, sizeof(esc)));
}

void ls_warn(const char *fmt, ...)
{
	char msg[512], esc[TEXT_ESC_SIZE(sizeof(msg))];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "Warning: %s\n", text__esc(msg, esc, sizeof(esc)));
}

void options__usage(FILE *out)
{
	fprintf(out,
"Usage: leakscope [watch] [-p PID]... [-c COMM] [--container ID] [--cgroup PATH]\n"
"                 [-i SECONDS] [-d SECONDS] [-n TOP]\n"
"                 [--json] [--no-tui] [-v] [--rss-source proc|tracepoint]\n"
"                 [--no-stacks] [--heap [--heap-sample BYTES]] [--btf FILE]\n"
"                 [-- CMD ARGS...]\n"
"       leakscope record -o FILE [--force] [same options as watch]\n"
"       leakscope report FILE [--json] [--intervals] [-n TOP] [-p PID]\n"
"                 [--html OUT.html [--force]]\n"
"       leakscope serve [--listen HOST:PORT] [same options as watch]\n"
"\n"
"Tells whether processes really leak memory (real memory = RSS minus lazily\n"
"freed MADV_FREE pages), unix/TCP sockets, and why setns() calls fail.\n"
"\n"
"  -p, --pid PID       trace only this process (repeatable) and its children\n"
"  -c, --comm COMM     trace only processes with this command name\n"
"      --container ID  trace only the processes of this container (its id, or\n"
"                      6 or more of its first hex digits) and their children;\n"
"                      newcomers are picked up at the next interval\n"
"      --cgroup PATH   trace only the processes in cgroup PATH (as\n"
"                      /proc/PID/cgroup writes it) and below it, likewise\n"
"                      (-p, -c, --container and --cgroup add up)\n"
"  -i, --interval S    seconds between reports (default 5)\n"
"  -d, --duration S    stop after S seconds of tracing, counted once attached\n"
"                      (default: until Ctrl-C)\n"
"  -n, --top N         processes shown besides the non-stable ones (default 10)\n"
"      --json          JSON Lines on stdout: one interval object per interval,\n"
"                      then one report object\n"
"      --no-tui        (watch) print a table every interval even on a terminal,\n"
"                      instead of the live view (q quits, Up/Down or j/k\n"
"                      select, s sorts by urgency, memory, unix, fds)\n"
"      --intervals     (report) each interval's table or object too, as the\n"
"                      live run printed them (default: the final report)\n"
"  -o, --output FILE   (record) where to write the recording (mode 0600); an\n"
"                      existing FILE or a symbolic link there is an error\n"
"      --listen H:P    (serve) where /metrics (Prometheus) and /healthz listen\n"
"                      (default 127.0.0.1:9464: it names processes)\n"
"      --html OUT.html (report, watch, record) also write the final report as\n"
"                      one self-contained HTML page with charts (mode 0600;\n"
"                      an existing file or a link there is an error)\n"
"      --force         (record) replace FILE: the recording is written to a\n"
"                      new file beside it, renamed over FILE at the first\n"
"                      interval (a link is replaced, never followed); with\n"
"                      --html, the page likewise, renamed once written\n"
"      --rss-source S  proc (default): sample /proc each interval;\n"
"                      tracepoint: also keep the kernel's rss_stat counters\n"
"                      in BPF (costs per page fault, gives the peak)\n"
"      --no-stacks     do not capture user stacks of growth sites\n"
"      --heap          uprobes on malloc, free and the like of the traced\n"
"                      processes (with no -p, -c or CMD: every process of the\n"
"                      host's libc): live bytes against what the allocator\n"
"                      keeps after free(), and the sites of the oldest\n"
"                      outstanding allocations; never on Go programs\n"
"      --heap-sample BYTES  sample one allocation in BYTES allocated\n"
"                      (default 262144; smaller: finer, costlier)\n"
"      --btf FILE      the running kernel's BTF as a file (raw, as\n"
"                      /sys/kernel/btf/vmlinux, or an ELF with .BTF), for\n"
"                      kernels built without CONFIG_DEBUG_INFO_BTF (BTFHub)\n"
"  -v, --verbose       libbpf messages and timings on stderr\n"
"      --bench-toggle  (benchmarks only) each SIGUSR1 detaches or attaches\n"
"                      the programs; reports are wrong while detached\n"
"      --version       print leakscope's version and exit\n"
"  -h, --help          print this help and exit\n"
"  -- CMD ARGS         start CMD, trace it from its first instruction, stop\n"
"                      when it exits\n");
}

static int parse_seconds(const char *s, double *out, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 1e7) {
		ls_error("%s must be a positive number of seconds, not '%s'", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_uint(const char *s, long max, long *out, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > max) {
		ls_error("%s must be a whole number from 1 to %ld, not '%s'", what, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int options__parse(int argc, char **argv, struct options *o)
{
	enum { OPT_JSON = 256, OPT_RSS, OPT_NO_STACKS, OPT_BENCH_TOGGLE, OPT_VERSION, OPT_FORCE,
	       OPT_INTERVALS, OPT_LISTEN, OPT_CONTAINER, OPT_CGROUP, OPT_BTF, OPT_NO_TUI,
	       OPT_HTML, OPT_HEAP, OPT_HEAP_SAMPLE };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "top", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-tui", no_argument, NULL, OPT_NO_TUI },
		{ "rss-source", required_argument, NULL, OPT_RSS },
		{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
		{ "heap", no_argument, NULL, OPT_HEAP },
		{ "heap-sample", required_argument, NULL, OPT_HEAP_SAMPLE },
		{ "bench-toggle", no_argument, NULL, OPT_BENCH_TOGGLE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "intervals", no_argument, NULL, OPT_INTERVALS },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "btf", required_argument, NULL, OPT_BTF },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	int c, first = 1, len = 0;
	bool heap_sample_given = false;
	long v;

	memset(o, 0, sizeof(*o));
	o->interval_s = 5;
	o->top_n = 10;
	o->stacks = true;
	o->heap_sample = LS_HEAP_SAMPLE_DEFAULT;
	for (int i = 0; i < argc && len < (int)sizeof(o->args_line) - 1; i++)
		len += snprintf(o->args_line + len, sizeof(o->args_line) - len, "%s%s",
				i ? " " : "", argv[i]);
	/* --json anywhere makes even option errors JSON */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			ls_errors_as_json = true;

	if (argc > 1 && argv[1][0] != '-') {
		if (!strcmp(argv[1], "watch"))
			o->cmd = CMD_WATCH;
		else if (!strcmp(argv[1], "record"))
			o->cmd = CMD_RECORD;
		else if (!strcmp(argv[1], "report"))
			o->cmd = CMD_REPORT;
		else if (!strcmp(argv[1], "serve"))
			o->cmd = CMD_SERVE;
		else {
			ls_error("unknown command '%s' (try: watch, record, report, serve, --help)", argv[1]);
			return -1;
		}
		first = 2;
	}
	optind = first;
	opterr = 0;	/* our own one-line errors */
	/* '+' stops at the first non-option so "-- CMD -x" stays CMD's; report
	 * takes its options on either side of FILE */
	while ((c = getopt_long(argc, argv, o->cmd == CMD_REPORT ? ":p:c:i:d:n:o:vh" : "+:p:c:i:d:n:o:vh",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->npids >= OPT_MAX_PIDS) {
				ls_error("at most %d -p options", OPT_MAX_PIDS);
				return -1;
			}
			if (parse_uint(optarg, INT_MAX, &v, "-p") < 0)
				return -1;
			o->pids[o->npids++] = (pid_t)v;
			break;
		case 'c':
			if (strlen(optarg) >= LS_COMM_LEN) {
				ls_error("-c '%s': a command name has at most %d characters (the kernel's comm)",
					 optarg, LS_COMM_LEN - 1);
				return -1;
			}
			snprintf(o->comm, sizeof(o->comm), "%s", optarg);
			o->have_comm = true;
			break;
		case 'i':
			if (parse_seconds(optarg, &o->interval_s, "-i") < 0)
				return -1;
			if (o->interval_s < 0.1) {
				ls_error("-i must be at least 0.1 seconds");
				return -1;
			}
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration_s, "-d") < 0)
				return -1;
			break;
		case 'n':
			if (parse_uint(optarg, 10000, &v, "-n") < 0)
				return -1;
			o->top_n = (unsigned)v;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_NO_TUI:
			o->no_tui = true;
			break;
		case OPT_RSS:
			if (!strcmp(optarg, "proc"))
				o->rss_source = RSS_FROM_PROC;
			else if (!strcmp(optarg, "tracepoint"))
				o->rss_source = RSS_FROM_TRACEPOINT;
			else {
				ls_error("--rss-source is 'proc' or 'tracepoint', not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_NO_STACKS:
			o->stacks = false;
			break;
		case OPT_HEAP:
			o->heap = true;
			break;
		case OPT_HEAP_SAMPLE:
			if (parse_uint(optarg, LS_HEAP_SAMPLE_MAX, &v, "--heap-sample") < 0)
				return -1;
			o->heap_sample = (unsigned long)v;
			heap_sample_given = true;
			break;
		case OPT_BENCH_TOGGLE:
			o->bench_toggle = true;
			break;
		case OPT_INTERVALS:
			o->intervals = true;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_HTML:
			o->html = optarg;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_CONTAINER:
			if (o->container) {
				ls_error("give --container once");
				return -1;
			}
			if (!cgroup_path__valid_prefix(optarg)) {
				ls_error("--container '%s': a container id, or its first 6 to 64 hex digits",
					 optarg);
				return -1;
			}
			o->container = optarg;
			break;
		case OPT_CGROUP:
			if (o->cgroup) {
				ls_error("give --cgroup once");
				return -1;
			}
			if (optarg[0] != '/' || strlen(optarg) >= 4096 || strstr(optarg, "\n")) {
				/* not echoed: it may hold a newline */
				ls_error("--cgroup needs a cgroup path as /proc/PID/cgroup shows it, "
					 "starting with '/', one line, under 4096 bytes");
				return -1;
			}
			o->cgroup = optarg;
			break;
		case OPT_BTF:
			if (o->btf) {
				ls_error("give --btf once");
				return -1;
			}
			if (!optarg[0]) {
				ls_error("--btf needs a file: the running kernel's BTF");
				return -1;
			}
			o->btf = optarg;
			break;
		case 'v':
			o->verbose = true;
			ls_verbose = true;
			break;
		case 'h':
			options__usage(stdout);
			return 1;
		case OPT_VERSION:
#ifdef LEAKSCOPE_STATIC
			printf("leakscope %s (static)\n", LEAKSCOPE_VERSION);
#else
			printf("leakscope %s\n", LEAKSCOPE_VERSION);
#endif
			return 1;
		case ':':
			ls_error("option %s needs a value (see leakscope --help)", argv[optind - 1]);
			return -1;
		default:
			ls_error("unknown option %s (see leakscope --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (heap_sample_given && !o->heap) {
		ls_error("--heap-sample goes with --heap");
		return -1;
	}
	if (o->cmd != CMD_SERVE && o->listen) {
		ls_error("--listen is for 'leakscope serve'");
		return -1;
	}
	if (o->cmd == CMD_SERVE && o->html) {
		ls_error("--html is for 'leakscope report', watch and record");
		return -1;
	}
	if (o->cmd == CMD_SERVE && !o->listen)
		o->listen = "127.0.0.1:9464";	/* it names processes: loopback unless told */
	if (o->cmd == CMD_REPORT) {
		if (optind >= argc) {
			ls_error("report needs a recording: leakscope report FILE");
			return -1;
		}
		o->input = argv[optind++];
		if (o->container || o->cgroup) {
			ls_error("--container and --cgroup choose what to trace: they are for watch and record");
			return -1;
		}
		if (o->btf || o->heap) {
			ls_error("%s is for the commands that load BPF programs: watch, record, serve",
				 o->btf ? "--btf" : "--heap");
			return -1;
		}
		if (o->no_tui) {
			ls_error("--no-tui is for 'leakscope watch'");
			return -1;
		}
		if (o->force && !o->html) {
			ls_error("--force is for 'leakscope record' and --html");
			return -1;
		}
		if (o->npids > 1) {
			ls_error("report shows one process: give -p once");
			return -1;
		}
		if (optind < argc) {
			ls_error("unexpected argument '%s' after the recording", argv[optind]);
			return -1;
		}
		return 0;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0) {
			ls_error("unexpected argument '%s' (a command to run goes after --)", argv[optind]);
			return -1;
		}
		o->cmd_argv = &argv[optind];
	}
	if (o->cmd == CMD_RECORD && !o->output) {
		ls_error("record needs -o FILE");
		return -1;
	}
	if (o->cmd != CMD_RECORD && o->output) {
		ls_error("-o is for 'leakscope record'");
		return -1;
	}
	if (o->intervals) {
		ls_error("--intervals is for 'leakscope report'");
		return -1;
	}
	if (o->cmd != CMD_RECORD && o->force && !o->html) {
		ls_error("--force is for 'leakscope record' and --html");
		return -1;
	}
	if (o->cmd_argv && (o->npids || o->have_comm || o->container || o->cgroup)) {
		ls_error("-- CMD traces CMD only: it does not go with -p, -c, --container or --cgroup");
		return -1;
	}
	return 0;
}
