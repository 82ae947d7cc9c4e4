// SPDX-License-Identifier: GPL-2.0
/* --heap in the watch command: which processes get uprobes (the traced set
 * at attach, -c's matches; the whole machine: the host's libc, and why a
 * process shown has no figures), and each interval their counters. */
#include "heap.h"
#include "loader.h"
#include "model.h"
#include "procfs.h"
#include "watch.h"

/* --heap: probe the traced set's newcomers (children, -c matches), then
 * send the counters of the processes the model knows */
static int heap_trace_cb(pid_t pid, void *ctx)
{
	heap__trace_pid(((struct watch *)ctx)->heap, pid, 0);
	return 0;
}

static bool want_heap(void *ctx, uint32_t tgid)
{
	return model__find(((struct watch *)ctx)->model, tgid) != NULL;
}

static int heap_comm_cb(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (procfs__comm_is(pid, w->opts->comm))
		heap__trace_pid(w->heap, pid, 0);
	return 0;
}

void watch_heap__at_attach(struct watch *w)
{
	loader__for_each_traced(w->loader, heap_trace_cb, w);
	if (w->opts->have_comm)
		procfs__for_each_pid(heap_comm_cb, w);
}

void watch_heap__interval(struct watch *w)
{
	const struct ls_process *shown[REGIONS_PROCS];
	uint32_t n;

	if (watch__filtered(w->opts)) {
		loader__for_each_traced(w->loader, heap_trace_cb, w);
	} else {	/* the whole machine: why a process shown has no figures */
		n = model__ranked(w->model, shown, REGIONS_PROCS, w->final);
		for (uint32_t i = 0; i < n; i++)
			if (!shown[i]->exited)
				heap__consider(w->heap, (pid_t)shown[i]->tgid);
	}
	heap__collect(w->heap, ls_now_boot_ns(), want_heap, w);
}
