/* SPDX-License-Identifier: GPL-2.0 */
/* The loader's state, shared by loader.c (open -> configure -> load ->
 * attach) and loader_tables.c (the in-kernel tables once loaded): no one
 * else includes this. */
#ifndef LS_LOADER_PRIV_H
#define LS_LOADER_PRIV_H
#include "leakscope.h"	/* before the skeleton: its globals' types */
#include "leakscope.skel.h"
#include "loader.h"
#include "sites.h"

#define MAX_LINKS	96

struct loader {
	struct leakscope_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	struct bpf_link *sock_fds_iter;	/* one of links, or NULL */
	unsigned nlinks;
	struct loader_opts opts;
	struct site_namer *sites;	/* NULL with --no-stacks */
	unsigned ncpus;
	uint32_t max_socks;	/* sock_owners and existing_inodes entries */
	struct rings *rings;		/* read by a thread of their own */
};

#endif
