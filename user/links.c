// SPDX-License-Identifier: GPL-2.0
/* Destroying many BPF links at once (see links.h). */
#include <pthread.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include "links.h"

#define LINKS_MAX_THREADS	128

static void *destroy_one(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

void links__destroy(struct bpf_link **links, unsigned n)
{
	pthread_t threads[LINKS_MAX_THREADS];
	unsigned started[LINKS_MAX_THREADS], nthreads = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!links[i])
			continue;
		/* past the cap, or without a thread: in this one */
		if (nthreads == LINKS_MAX_THREADS ||
		    pthread_create(&threads[nthreads], NULL, destroy_one, links[i])) {
			bpf_link__destroy(links[i]);
			links[i] = NULL;
			continue;
		}
		started[nthreads++] = i;
	}
	for (unsigned t = 0; t < nthreads; t++) {
		pthread_join(threads[t], NULL);
		links[started[t]] = NULL;
	}
}
