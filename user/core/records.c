// SPDX-License-Identifier: GPL-2.0
/* Record sizes and names: the user side's check on the ABI. */
#include "records.h"

size_t ls_rec_size(uint16_t type)
{
	switch (type) {
	case LS_REC_BIG_MMAP: return sizeof(struct ls_big_mmap);
	case LS_REC_PROC_EXIT: return sizeof(struct ls_proc_exit);
	case LS_REC_PROC_FORK: return sizeof(struct ls_proc_fork);
	case LS_REC_PROC_EXEC: return sizeof(struct ls_proc_exec);
	case LS_REC_UNIX_CONN: return sizeof(struct ls_unix_conn);	/* the most */
	case LS_REC_SOCK_CLOSE: return sizeof(struct ls_sock_close);
	case LS_REC_TCP_STATE: return sizeof(struct ls_tcp_state);
	case LS_REC_SETNS: return sizeof(struct ls_setns);
	case LS_REC_UNSHARE: return sizeof(struct ls_unshare);
	case LS_REC_PROC_META: return sizeof(struct ls_proc_meta);
	case LS_REC_MEM_LEDGER: return sizeof(struct ls_mem_ledger_rec);
	case LS_REC_PROC_SAMPLE: return sizeof(struct ls_proc_sample);
	case LS_REC_GROWTH_SITE: return sizeof(struct ls_growth_site);
	case LS_REC_UNIX_EXISTING: return sizeof(struct ls_unix_existing);
	case LS_REC_TCP_EXISTING: return sizeof(struct ls_tcp_existing);
	case LS_REC_PROC_CGROUP: return sizeof(struct ls_proc_cgroup);
	case LS_REC_PROC_REGIONS: return sizeof(struct ls_proc_regions);
	case LS_REC_HEAP: return sizeof(struct ls_heap_rec);
	case LS_REC_HEAP_SITE: return sizeof(struct ls_heap_site);
	case LS_REC_INTERVAL: return sizeof(struct ls_interval);
	default: return 0;
	}
}

const char *ls_rec_name(uint16_t type)
{
	switch (type) {
	case LS_REC_BIG_MMAP: return "big-mmap";
	case LS_REC_PROC_EXIT: return "proc-exit";
	case LS_REC_PROC_FORK: return "proc-fork";
	case LS_REC_PROC_EXEC: return "proc-exec";
	case LS_REC_UNIX_CONN: return "unix-conn";
	case LS_REC_SOCK_CLOSE: return "sock-close";
	case LS_REC_TCP_STATE: return "tcp-state";
	case LS_REC_SETNS: return "setns";
	case LS_REC_UNSHARE: return "unshare";
	case LS_REC_PROC_META: return "proc-meta";
	case LS_REC_MEM_LEDGER: return "mem-ledger";
	case LS_REC_PROC_SAMPLE: return "proc-sample";
	case LS_REC_GROWTH_SITE: return "growth-site";
	case LS_REC_UNIX_EXISTING: return "unix-existing";
	case LS_REC_TCP_EXISTING: return "tcp-existing";
	case LS_REC_PROC_CGROUP: return "proc-cgroup";
	case LS_REC_PROC_REGIONS: return "proc-regions";
	case LS_REC_HEAP: return "heap";
	case LS_REC_HEAP_SITE: return "heap-site";
	case LS_REC_INTERVAL: return "interval";
	default: return "unknown";
	}
}

int ls_rec_check(const struct ls_rec_hdr *h, size_t len)
{
	size_t want;

	if (len < sizeof(*h) || h->size != len)
		return -1;
	if (h->type == LS_REC_UNIX_CONN) {
		/* cut after its path (see LS_UNIX_CONN_SIZE) */
		const struct ls_unix_conn *c = (const void *)h;

		if (len < LS_UNIX_CONN_SIZE(0) || len > sizeof(*c) ||
		    c->path_len > len - LS_UNIX_CONN_SIZE(0) || c->path_len > LS_PATH_LEN ||
		    c->_reserved)
			return -1;
		return 0;
	}
	if (h->type == LS_REC_GROWTH_SITE && len == LS_GROWTH_SITE_V1_SIZE)
		return 0;	/* recorded before sources: model.c reads it as it is */
	want = ls_rec_size(h->type);
	if (!want || want != len)
		return -1;
	return 0;
}
