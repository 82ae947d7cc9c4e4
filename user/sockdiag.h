/* SPDX-License-Identifier: GPL-2.0 */
/* Sockets that existed before attach, from NETLINK_SOCK_DIAG + /proc/PID/fd;
 * and whether unix sockets still exist. */
#ifndef LS_SOCKDIAG_H
#define LS_SOCKDIAG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "leakscope.h"

/* One record per socket held by a process; watch_ino is the inode whose
 * close() should be watched (0: none, e.g. a listening socket). */
typedef void (*sockdiag_emit_fn)(void *ctx, const struct ls_rec_hdr *rec, size_t len,
				 uint64_t watch_ino);

/* Is this process traced (a filtered run)? */
typedef bool (*sockdiag_traced_fn)(void *ctx, uint32_t tgid);

/* Who holds which socket: fn(arg, r) for every socket fd of every
 * process; 0, or -errno (the snapshot then reads /proc/PID/fd). */
typedef int (*sockdiag_holders_fn)(void *ctx, void (*fn)(void *arg, const struct ls_sock_fd *r),
				   void *arg);

/* 0, or -errno.  *skipped counts sockets past the tables' caps.  traced
 * (NULL: every process is): the traced processes' sockets are taken
 * first, and a skipped socket no traced process holds is counted in
 * *untraced_skipped instead (it concerns nothing reported).  holders
 * (NULL: /proc/PID/fd is read) names each socket's holders, with ctx. */
int sockdiag__snapshot(uint64_t now_ns, sockdiag_emit_fn emit, void *ctx,
		       sockdiag_traced_fn traced, sockdiag_holders_fn holders,
		       uint64_t *skipped, uint64_t *untraced_skipped);

/* For each unix socket inode of this network namespace: gone[i] = 1 if no
 * such socket exists any more, 0 if it does or that cannot be told.
 * 0, or -errno if sock_diag cannot be opened. */
int sockdiag__unix_gone(const uint64_t *inos, uint8_t *gone, size_t n);

/* The dump's parser alone, for tests and the fuzzer: the n bytes of one
 * recv() of a unix (family AF_UNIX) or TCP dump (n bytes from an address
 * aligned to 4), every socket taken as held by tgid, with no /proc read.
 * 1 at NLMSG_DONE, -EPROTO at NLMSG_ERROR, 0 when more would come. */
int sockdiag__parse_buffer(const void *buf, size_t n, int family, uint32_t tgid,
			   sockdiag_emit_fn emit, void *ctx);

#endif
