// SPDX-License-Identifier: GPL-2.0
/* --heap's floor: heap_floor PID attaches the empty programs of
 * bench/heap_empty.bpf.c to PID's malloc, free and the rest, as --heap
 * would (user/heap_target.c finds them), creates $LEAKSCOPE_READY_FILE,
 * says "attached" and holds until SIGINT/SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "heap_empty.skel.h"
#include "heap_target.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[2 * HEAP_FUNCS];
	struct heap_empty_bpf *skel;
	struct heap_target t;
	char why[LS_HEAP_WHY_LEN];
	const char *ready = getenv("LEAKSCOPE_READY_FILE");
	pid_t pid = argc > 1 ? atoi(argv[1]) : 0;
	int n = 0, ret = 1;

	if (pid <= 0 || heap_target__find(pid, &t, why, sizeof(why))) {
		fprintf(stderr, "Error: heap_floor PID: %s\n", pid <= 0 ? "no pid" : why);
		return 1;
	}
	skel = heap_empty_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "Error: cannot load the empty programs: %s\n", strerror(errno));
		return 1;
	}
	for (int f = 0; f < HEAP_FUNCS; f++) {
		bool dup = false;

		for (int g = 0; g < f; g++)
			dup |= t.addr[g] == t.addr[f];
		if (!t.addr[f] || dup)
			continue;
		for (int r = 0; r <= (f != HEAP_FREE); r++) {
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = heap_func_names[f], .retprobe = r);

			links[n] = bpf_program__attach_uprobe_opts(r ? skel->progs.heap_empty_ret
								     : skel->progs.heap_empty_entry,
								   pid, t.path, 0, &uo);
			if (!links[n]) {
				fprintf(stderr, "Error: no uprobe on %s: %s\n", heap_func_names[f],
					strerror(errno));
				goto out;
			}
			n++;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ready && *ready)
		close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	fprintf(stderr, "heap_floor: attached %d uprobes to %s\n", n, t.name);
	while (!done)
		pause();
	ret = 0;
out:
	while (n)
		bpf_link__destroy(links[--n]);
	heap_empty_bpf__destroy(skel);
	return ret;
}
