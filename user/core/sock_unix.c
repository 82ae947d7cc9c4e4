// SPDX-License-Identifier: GPL-2.0
/*
 * Unix connections in the socket model: pairing two ends into a connection
 * (by each end's record, the peer's sock, and the accept's credentials),
 * the paths they are grouped by, closes (verified, or held until the
 * loader finds the socket gone), exits, and each end's place in its
 * process's peer groups at the interval's pass.  docs/sockets.md gives the
 * rules and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "model.h"
#include "sock_model.h"
#include "sock_state.h"
#include "sock_table.h"

static uint16_t intern_path(struct sock_model *sm, const char *name, uint16_t len, uint8_t abstract)
{
	if (len > LS_PATH_LEN)
		len = LS_PATH_LEN;
	/* pathnames: the kernel's length may count the terminating NUL */
	while (!abstract && len && (name[len - 1] == 0 || memchr(name, 0, len)))
		len = (uint16_t)strnlen(name, len);
	if (!len)
		return 0;
	for (uint32_t i = 1; i < sm->npaths; i++)
		if (sm->paths[i].len == len && sm->paths[i].abstract == abstract &&
		    !memcmp(sm->paths[i].name, name, len))
			return (uint16_t)i;
	if (sm->npaths == SOCK_MAX_PATHS)
		return 0;	/* shown as "(unnamed)": rare, and counted nowhere worse */
	memcpy(sm->paths[sm->npaths].name, name, len);
	sm->paths[sm->npaths].name[len] = 0;
	sm->paths[sm->npaths].len = len;
	sm->paths[sm->npaths].abstract = abstract;
	return (uint16_t)sm->npaths++;
}

const char *sock_model__path_name(const struct sock_model *sm, uint16_t idx, char *buf,
				  size_t len)
{
	const struct sock_path *p;

	if (!idx || idx >= sm->npaths) {
		snprintf(buf, len, "(unnamed)");
		return buf;
	}
	p = &sm->paths[idx];
	if (p->abstract) {
		size_t n = 0;

		/* abstract names may hold any byte: show printable ones */
		buf[n++] = '@';
		for (uint16_t i = 1; i < p->len && n + 1 < len; i++)
			buf[n++] = (p->name[i] >= 0x20 && p->name[i] < 0x7f) ? p->name[i] : '.';
		buf[n] = 0;
		return buf;
	}
	snprintf(buf, len, "%s", p->name);
	return buf;
}

static struct peer_group *group_of(struct sock_state *ss, uint32_t peer_tgid, uint64_t peer_start,
				   uint16_t path)
{
	for (uint32_t i = 0; i < ss->ngroups; i++) {
		struct peer_group *g = &ss->groups[i];

		/* a start of 0 is "not known yet" (a peer named only by pid) */
		if (g->peer_tgid == peer_tgid && g->path == path &&
		    (!peer_tgid || g->peer_start == peer_start || !g->peer_start || !peer_start)) {
			if (!g->peer_start)
				g->peer_start = peer_start;
			return g;
		}
	}
	if (ss->ngroups == SOCK_MAX_GROUPS) {
		ss->groups_dropped++;
		return NULL;
	}
	memset(&ss->groups[ss->ngroups], 0, sizeof(ss->groups[0]));
	ss->groups[ss->ngroups].peer_tgid = peer_tgid;
	ss->groups[ss->ngroups].peer_start = peer_start;
	ss->groups[ss->ngroups].path = path;
	return &ss->groups[ss->ngroups++];
}

/* Who is at the other end: the paired peer (kept after it goes), else the
 * peer's entry, else the process accept() named by its credentials. */
static void peer_of(const struct model *m, const struct sock_entry *e,
		    const struct sock_entry *peer, uint32_t *tgid, uint64_t *start)
{
	if (e->peer_tgid) {
		*tgid = e->peer_tgid;
		*start = e->peer_start;
	} else if (peer) {
		*tgid = peer->tgid;
		*start = peer->start_ns;
	} else {
		*tgid = e->cred_tgid;
		*start = 0;
	}
	if (*tgid && !*start) {
		const struct ls_process *q = model__find(m, *tgid);

		*start = q ? q->start_ns : 0;
	}
}

/* Can p be the other end of e's connection?  Closes come late (per-CPU
 * close rings, read after the ring buffer), so the entry at e's peer
 * address can be an older socket not yet seen closed, or a newer one, and
 * both ends' addresses can be reused at once: the real peer points back,
 * and has the other role.  accept() names the connecting process
 * (SO_PEERCRED), so a client end must be that process's; a socketpair's
 * ends are one process's.  (sock_diag entries are paired by inode, and
 * one side may not know the other.) */
static bool ends_match(const struct sock_entry *e, const struct sock_entry *p)
{
	if (p->existing)
		return true;
	if (p->peer_key != e->key)
		return false;
	switch (e->kind) {
	case LS_UNIX_ACCEPT:
		return p->kind == LS_UNIX_CONNECT && (!e->cred_tgid || p->tgid == e->cred_tgid);
	case LS_UNIX_CONNECT:
		return p->kind == LS_UNIX_ACCEPT && (!p->cred_tgid || p->cred_tgid == e->tgid);
	case LS_UNIX_SOCKETPAIR:
		return p->kind == LS_UNIX_SOCKETPAIR && p->tgid == e->tgid;
	default:
		return true;
	}
}

/* The other end of e's connection, if its entry is there. */
static struct sock_entry *peer_entry(struct sock_model *sm, const struct sock_entry *e)
{
	struct sock_entry *p = e->peer_key ? sock__find(sm, e->peer_key) : NULL;

	return p && ends_match(e, p) ? p : NULL;
}

/* Count a unix connection as opened in its owner's group, once its peer
 * is known (both ends seen) or when it closes unpaired. */
static void count_opened(struct model *m, struct sock_entry *e, const struct sock_entry *peer)
{
	struct ls_process *p;
	struct sock_state *ss;
	struct peer_group *g;
	uint32_t ptgid;
	uint64_t pstart;

	if (e->counted || e->existing)
		return;
	p = model__find(m, e->tgid);
	if (!p || p->start_ns != e->start_ns || !(ss = sock_model__state_of(p)))
		return;
	peer_of(m, e, peer, &ptgid, &pstart);
	g = group_of(ss, ptgid, pstart, e->path ? e->path : (peer ? peer->path : 0));
	if (g)
		g->opened++;
	e->counted = 1;
}

/* Count a closed end in its owner's group and forget it. */
static void settle_close(struct model *m, struct sock_entry *e, const struct sock_entry *peer)
{
	struct ls_process *p = model__find(m, e->tgid);

	if (e->family == AF_UNIX) {
		count_opened(m, e, peer);
		if (p && p->start_ns == e->start_ns && p->sock) {
			uint32_t ptgid;
			uint64_t pstart;
			struct peer_group *g;

			peer_of(m, e, peer, &ptgid, &pstart);
			g = group_of(p->sock, ptgid, pstart,
				     e->path ? e->path : (peer ? peer->path : 0));

			if (g)
				g->closed++;
		}
	}
	if (e->closed)
		m->sock->unpaired_closed--;
	sock_model__erase(m->sock, e);
}

static void close_entry(struct model *m, struct sock_entry *e, uint64_t ts_ns);

void sock_unix__add(struct model *m, const struct ls_unix_conn *c)
{
	struct sock_model *sm = m->sock;
	struct sock_entry *e = sock__find(sm, c->sk), *peer;
	struct ls_process *p;

	/* the address of an end closed unpaired is free again: settle it; an
	 * end whose close came unverified is proven gone */
	if (e && e->unverified) {
		close_entry(m, e, c->hdr.ts_ns);
		e = sock__find(sm, c->sk);
	}
	/* another socket at this address was freed: its close, read from a
	 * per-CPU close ring, may come after this record */
	if (e && !e->closed && e->family == AF_UNIX && e->ino && c->ino && e->ino != c->ino) {
		close_entry(m, e, c->hdr.ts_ns);
		e = sock__find(sm, c->sk);
	}
	if (e && e->closed)
		settle_close(m, e, NULL);
	/* made while we attached: the sock_diag snapshot has it too */
	if (c->ino && (e = sock__find(sm, c->ino | EXISTING_BIT)) && e->tgid == c->hdr.tgid)
		sock_model__erase(sm, e);
	e = sock_model__insert(m, c->sk, c->hdr.tgid, c->start_ns);
	if (!e)
		return;
	p = model__proc(m, c->hdr.tgid, c->start_ns);
	if (p && !p->comm[0] && c->comm[0]) {
		memcpy(p->comm, c->comm, LS_COMM_LEN);
		p->comm[LS_COMM_LEN - 1] = 0;
	}
	if (p && sock_model__state_of(p)) {
		p->sock->unix_opened++;
		if (!p->first_ts_ns)
			p->first_ts_ns = c->hdr.ts_ns;
	}
	/* read after its process's exit (the exit comes through the ring
	 * buffer, this from a per-CPU ring): closed by the next pass */
	if (p && p->exited)
		sm->exits_pending = true;
	e->tgid = c->hdr.tgid;
	e->start_ns = c->start_ns;
	e->peer_key = c->peer_sk;
	e->ino = c->ino;
	e->family = 1;
	e->accepted = c->kind == LS_UNIX_ACCEPT;
	e->kind = (uint8_t)c->kind;
	e->since_ns = c->hdr.ts_ns;
	e->path = intern_path(sm, c->path, c->path_len, c->abstract);
	e->cred_tgid = c->peer_tgid;
	peer = peer_entry(sm, e);
	if (!peer) {
		/* a client whose connect() was not traced: known by its pid,
		 * in the table so that the loader names it */
		if (c->peer_tgid && !model__find(m, c->peer_tgid)) {
			struct ls_process *q = model__proc(m, c->peer_tgid, 0);

			if (q)
				sock_model__state_of(q);
		}
		if (c->peer_tgid)
			count_opened(m, e, NULL);
		return;
	}
	/* the path lives on the server's end: share it */
	if (!e->path)
		e->path = peer->path;
	else if (!peer->path)
		peer->path = e->path;
	peer->peer_key = c->sk;
	e->peer_tgid = peer->tgid;
	e->peer_start = peer->start_ns;
	peer->peer_tgid = e->tgid;
	peer->peer_start = e->start_ns;
	count_opened(m, e, peer);
	count_opened(m, peer, e);
	if (peer->closed) {
		/* it closed before we saw this end: now it can be counted */
		settle_close(m, peer, e);
	}
}

static void close_entry(struct model *m, struct sock_entry *e, uint64_t ts_ns)
{
	struct sock_model *sm = m->sock;
	struct ls_process *p = model__find(m, e->tgid);
	struct sock_entry *peer;

	if (e->unverified) {
		e->unverified = 0;
		e->check_only = 0;
		sm->unverified--;
	}
	if (e->closed)
		return;	/* already counted as closed */
	if (e->family != AF_UNIX) {
		sock_model__erase(sm, e);
		return;
	}
	if (p && p->start_ns == e->start_ns && p->sock)
		p->sock->unix_closed++;
	peer = peer_entry(sm, e);
	if (!peer && !e->peer_tgid && e->peer_key && !e->existing) {
		/* the other end's record has not come yet (an accept after
		 * the client already closed): wait for it to name the peer */
		e->closed = 1;
		e->closed_ns = ts_ns;
		sm->unpaired_closed++;
		return;
	}
	settle_close(m, e, peer);
}

/* Hold a unix end open until the loader finds its socket gone (and sends
 * its close again, verified), the owner closes it, the address is reused or
 * the owner exits.  by_owner: the owner's own close asked (it counts as
 * "closed by it, still held elsewhere" meanwhile); else another process
 * closed its copy, or the owner ran exec(). */
static void await_check(struct sock_model *sm, struct sock_entry *e, bool by_owner, uint64_t ts)
{
	if (!e->unverified) {
		e->unverified = 1;
		e->check_only = !by_owner;
		e->closed_ns = ts;
		sm->unverified++;
	} else if (e->check_only) {
		/* the owner's close now, or another reason to look: the
		 * loader checks for a minute from the latest */
		e->check_only = !by_owner;
		e->closed_ns = ts;
	}
}

void sock_unix__add_close(struct model *m, const struct ls_sock_close *c)
{
	struct sock_entry *e = sock__find(m->sock, c->sk);
	bool by_other;

	if (!e)
		e = sock__find(m->sock, c->ino | EXISTING_BIT);
	if (!e)
		return;
	/* the close of an earlier socket at this address, read after the
	 * record of the one there now (closes come from per-CPU rings) */
	if (e->family == AF_UNIX && c->ino && e->ino && c->ino != e->ino)
		return;
	/* A unix close that may leave the socket held: one the kernel side
	 * could not check (another reference, a fd table too big to search),
	 * or another process's close of its copy (a forked child closing the
	 * fds it inherited, a process the fd was passed to).  Held open until
	 * the loader finds the socket gone and sends the close again,
	 * verified, or the owner closes it.  Another process's close can be
	 * the last one (the owner let go of its fd where BPF does not look,
	 * close_range or exec), hence the check rather than ignoring it. */
	by_other = c->hdr.tgid != e->tgid;
	if ((c->unverified || by_other) && e->family == AF_UNIX && !e->closed) {
		await_check(m->sock, e, !by_other, c->hdr.ts_ns);
		return;
	}
	close_entry(m, e, c->hdr.ts_ns);
}

uint32_t sock_model__unverified(const struct model *m, uint64_t since_ns, uint32_t max,
				struct sock_unverified *out)
{
	const struct sock_model *sm = m->sock;
	uint32_t n = 0, left;

	if (!sm || !sm->unverified)
		return 0;
	left = sm->unverified;
	for (uint32_t i = 0; left && n < max && i < sm->table.hi; i++) {
		const struct sock_entry *e = sock_table__at(&sm->table, i);

		if (!e || !e->unverified)
			continue;
		left--;
		if (e->closed_ns < since_ns)
			continue;
		out[n++] = (struct sock_unverified){ .sk = e->existing ? 0 : e->key, .ino = e->ino,
						     .tgid = e->tgid, .start_ns = e->start_ns };
	}
	return n;
}

/* Every socket a process held closed when it exited.  One pass over the
 * table per interval for all the exits in it (a pass per exit would cost
 * a whole-machine run dearly); entries whose process left the process
 * table (evicted, or its pid now another process's) go too. */
static void close_exited(struct model *m)
{
	struct sock_model *sm = m->sock;

	for (uint32_t i = 0; i < sm->table.hi; i++) {
		struct sock_entry *e = sock_table__at(&sm->table, i);
		const struct ls_process *p;

		if (!e || e->closed)
			continue;
		p = model__find(m, e->tgid);
		if (!p || p->exited || (p->start_ns && e->start_ns && p->start_ns != e->start_ns)) {
			close_entry(m, e, p && p->exited ? p->exit_ts_ns : 0);
		}
	}
	sm->exits_pending = false;
}

/* Ends closed unpaired whose peer never showed up: counted, peer unknown. */
static void settle_unpaired(struct model *m, uint64_t now)
{
	struct sock_model *sm = m->sock;

	for (uint32_t i = 0; sm->unpaired_closed && i < sm->table.hi; i++) {
		struct sock_entry *e = sock_table__at(&sm->table, i);

		if (e && e->closed && e->closed_ns + UNPAIRED_WAIT_NS <= now)
			settle_close(m, e, NULL);
	}
}

/* Before the interval's pass: the ends of processes that exited, and ends
 * closed unpaired whose peer never came. */
void sock_unix__settle(struct model *m, uint64_t now)
{
	if (m->sock->exits_pending)
		close_exited(m);
	settle_unpaired(m, now);
}

void sock_unix__add_existing(struct model *m, const struct ls_unix_existing *x)
{
	struct sock_entry *e = sock_model__insert(m, x->ino | EXISTING_BIT, x->hdr.tgid, x->start_ns);

	if (!e)
		return;
	e->tgid = x->hdr.tgid;
	e->start_ns = x->start_ns;
	e->ino = x->ino;
	e->peer_key = x->peer_ino ? x->peer_ino | EXISTING_BIT : 0;
	e->peer_tgid = x->peer_tgid;
	e->family = 1;
	e->existing = 1;
	e->since_ns = x->hdr.ts_ns;	/* at least this old */
	e->before_attach = 1;
	e->path = intern_path(m->sock, x->path, x->path_len, x->abstract);
	if (x->listening)
		sock_model__erase(m->sock, e);	/* listeners are not connections */
	else {
		struct ls_process *p = model__proc(m, x->hdr.tgid, x->start_ns);

		if (p)
			sock_model__state_of(p);
	}
}

/* One unix end in the interval's pass: its peer group's counts, and the
 * check an exec since the last pass asks for. */
void sock_unix__view(struct model *m, struct sock_entry *e, struct sock_state *ss)
{
	struct sock_model *sm = m->sock;
	const struct sock_entry *peer = e->settled ? NULL : peer_entry(sm, e);
	uint32_t ptgid;
	uint64_t pstart;
	struct peer_group *g;

	peer_of(m, e, peer, &ptgid, &pstart);
	if (!e->peer_tgid && peer && peer->tgid) {
		e->peer_tgid = peer->tgid;	/* sock_diag pairs resolve here */
		e->peer_start = peer->start_ns;
	}
	/* both ends from sock_diag: nothing about the pair changes
	 * but closes, so look the peer up once, not every
	 * interval (a million-socket host has a million) */
	if (e->existing && peer && peer->existing && peer->tgid &&
	    peer->tgid == e->peer_tgid) {
		e->peer_start = peer->start_ns;
		if (!e->path)
			e->path = peer->path;
		e->settled = 1;
	}
	g = group_of(ss, ptgid, pstart, e->path ? e->path : (peer ? peer->path : 0));

	/* exec'd since the last pass: this end may have
	 * been close-on-exec (one made after the exec is
	 * checked too, and found still there) */
	if (ss->exec_pass == sm->pass + 1)
		await_check(sm, e, false, ss->exec_ns);
	ss->unix_open++;
	ss->unix_unconfirmed += e->unverified && !e->check_only;
	if (g) {
		g->open++;
		g->accepted += e->accepted;
		g->before_attach += e->before_attach;
		if (!g->oldest_ns || e->since_ns < g->oldest_ns) {
			g->oldest_ns = e->since_ns;
			g->oldest_at_least = e->before_attach;
		} else if (e->since_ns == g->oldest_ns && e->before_attach) {
			g->oldest_at_least = true;
		}
	}
}
