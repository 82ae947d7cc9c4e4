// SPDX-License-Identifier: GPL-2.0
/* The watch command's socket checks: the sock_diag snapshot of the sockets
 * open before attach, and each interval the unix closes BPF could not
 * verify (docs/sockets.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"
#include "model.h"
#include "procfs.h"
#include "sock_model.h"
#include "sockdiag.h"
#include "watch.h"

static int note_traced(pid_t pid, void *ctx)
{
	struct watch *w = ctx;

	if (w->nsnap_tgids < SNAP_MAX_TRACED)
		w->snap_tgids[w->nsnap_tgids++] = (uint32_t)pid;
	return 0;
}

static bool snap_traced(const struct watch *w, uint32_t tgid)
{
	for (uint32_t i = 0; i < w->nsnap_tgids; i++)
		if (w->snap_tgids[i] == tgid)
			return true;
	return false;
}

static bool snap_traced_cb(void *ctx, uint32_t tgid)
{
	return snap_traced(ctx, tgid);
}

/* Under a pid filter, only sockets a traced process holds, or whose peer
 * it holds, are worth a place in the socket table. */
static void emit_existing(void *ctx, const struct ls_rec_hdr *rec, size_t len, uint64_t ino)
{
	struct watch *w = ctx;

	if (w->snap_tgids && !snap_traced(w, rec->tgid) &&
	    !(rec->type == LS_REC_UNIX_EXISTING &&
	      snap_traced(w, ((const struct ls_unix_existing *)rec)->peer_tgid)))
		return;
	/* unfiltered, BPF reports every unix close without a lookup: only
	 * TCP sockets need their inode watched */
	if (rec->type == LS_REC_UNIX_EXISTING && !watch__filtered(w->opts))
		ino = 0;
	if (ino && loader__watch_inode(w->loader, ino))
		w->user_drops++;
	watch__sink(w, rec, len);
}

/* The snapshot's holders through the BPF iterator (a readlink a socket in
 * /proc costs seconds on a million-socket host). */
static int sock_holders(void *ctx, void (*fn)(void *arg, const struct ls_sock_fd *r), void *arg)
{
	struct watch *w = ctx;
	int err = loader__for_each_sock_fd(w->loader, fn, arg);

	if (ls_verbose)
		fprintf(stderr, "leakscope: sockets' holders %s%s\n",
			err ? "from /proc/PID/fd: the task_file iterator " : "from the task_file iterator",
			err == -EOPNOTSUPP ? "is not in this kernel" : err ? strerror(-err) : "");
	return err;
}

/* Unix closes BPF could not check (the process still had a reference it
 * could not account for: a fd table too big to search): each counts once
 * its socket is gone, as a close record sent again, verified, so that a
 * recording replays the same.  A socket still there after VERIFY_FOR_NS
 * is held by someone else: its end stays open, as before.  Sockets of
 * another network namespace cannot be looked up from here: they wait
 * too. */
void watch_socks__verify_closes(struct watch *w)
{
	static struct sock_unverified u[VERIFY_PER_INTERVAL];
	static uint64_t inos[VERIFY_PER_INTERVAL];
	static uint8_t gone[VERIFY_PER_INTERVAL];
	uint64_t since = w->now_ns > VERIFY_FOR_NS ? w->now_ns - VERIFY_FOR_NS : 0, own_net, t0, t1;
	uint32_t n, k = 0;
	int err;

	/* a dump lists every unix socket (0.35 s at a million): at most 5%
	 * of the time goes to them, so a big host checks every few
	 * intervals instead of each; the final report checks anyway */
	if (!w->final && w->now_ns < w->verify_next_ns)
		return;
	n = sock_model__unverified(w->model, since, VERIFY_PER_INTERVAL, u);
	if (!n || !(own_net = procfs__netns(0)))
		return;
	for (uint32_t i = 0; i < n; i++)
		if (procfs__netns((pid_t)u[i].tgid) == own_net) {
			u[k] = u[i];
			inos[k++] = u[i].ino;
		}
	if (!k)
		return;
	t0 = ls_now_boot_ns();
	err = sockdiag__unix_gone(inos, gone, k);
	t1 = ls_now_boot_ns();
	w->verify_next_ns = t1 + 19 * (t1 - t0);
	if (err) {
		/* they wait for the next interval; said once */
		if (!w->verify_warned)
			ls_warn("unix closes in big fd tables not checked: sock_diag: %s",
				strerror(-err));
		w->verify_warned = true;
		return;
	}
	for (uint32_t i = 0; i < k; i++) {
		struct ls_sock_close c = {
			.hdr = { .type = LS_REC_SOCK_CLOSE, .size = sizeof(c), .tgid = u[i].tgid,
				 .ts_ns = ls_now_boot_ns() },
			.start_ns = u[i].start_ns, .sk = u[i].sk, .ino = u[i].ino,
			.fd = -1, .family = 1,
		};

		if (gone[i])
			watch__sink(w, &c.hdr, sizeof(c));
	}
}


/* The sockets that were there before us, with their peers: one sock_diag
 * dump, the holders from the task_file iterator.  Filtered, only those a
 * traced process holds or is the peer of. */
void watch_socks__snapshot(struct watch *w)
{
	uint64_t skipped = 0, untraced = 0;
	int err;

	if (watch__filtered(w->opts) && !w->opts->have_comm) {
		w->snap_tgids = calloc(SNAP_MAX_TRACED, sizeof(*w->snap_tgids));
		if (w->snap_tgids)
			loader__for_each_traced(w->loader, note_traced, w);
	}
	err = sockdiag__snapshot(ls_now_boot_ns(), emit_existing, w,
				 w->snap_tgids ? snap_traced_cb : NULL, sock_holders, &skipped,
				 &untraced);
	free(w->snap_tgids);
	w->snap_tgids = NULL;
	if (err)
		ls_warn("sockets open before attach are not counted: sock_diag: %s",
			strerror(-err));
	w->user_drops += skipped;
	w->snapshot_untraced_skipped = untraced > UINT32_MAX ? UINT32_MAX : (uint32_t)untraced;
}
