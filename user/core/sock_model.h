/* SPDX-License-Identifier: GPL-2.0 */
/* The socket domain: unix connections paired end to end, TCP states. */
#ifndef LS_SOCK_MODEL_H
#define LS_SOCK_MODEL_H
#include "model.h"

/* max_sockets: 0 for SOCK_TABLE_MAX (sock_table.h); tests set less */
struct sock_model *sock_model__new(uint32_t max_sockets);
void sock_model__free(struct sock_model *sm);
void sock_model__ingest(struct model *m, const struct ls_rec_hdr *rec);
void sock_model__interval(struct model *m, struct ls_process *p, uint64_t now_ns);
void sock_model__json(const struct model *m, const struct ls_process *p, struct json *j);
void sock_model__text(const struct model *m, const struct ls_process *p, FILE *out, bool final);
void sock_state__free(struct sock_state *s);
bool sock_model__notable(const struct ls_process *p);	/* non-stable socket verdict */

/* Sockets not tracked because the table was full. */
uint64_t sock_model__dropped(const struct model *m);
/* Why p's numbers may be short: its own socket records dropped, if any,
 * then the run's losses (model__loss_reason). */
void sock_model__incomplete_reason(const struct model *m, const struct ls_process *p, char *buf,
				   size_t len);

/* Unix ends whose close came unverified (struct ls_sock_close), at or after
 * since_ns: up to max into out; returns how many.  The loader checks that
 * each socket is gone, then sends its close again, verified. */
struct sock_unverified {
	uint64_t sk;		/* 0: a socket known from sock_diag */
	uint64_t ino;
	uint32_t tgid;
	uint64_t start_ns;
};
uint32_t sock_model__unverified(const struct model *m, uint64_t since_ns, uint32_t max,
				struct sock_unverified *out);

/* Read-only views of what the last interval derived (tests, other reports). */
struct sock_unix_view {
	uint64_t open, opened, closed;
	uint64_t closes_unconfirmed;	/* of open: closed, socket still held */
	uint64_t groups_dropped;
	uint32_t npeers;
	enum verdict verdict;
	double confidence;
	double growth_per_s;
	const char *explanation;
};

struct sock_peer_view {
	uint32_t pid;		/* 0: peer not known */
	uint64_t open, opened, closed;
	double oldest_open_age_s;
	bool oldest_at_least;	/* opened before attach: the age is a floor */
	uint64_t open_before_attach;	/* open ones from the attach-time snapshot */
	double growth_per_s;	/* this peer's own, over the span of the verdict */
	char path[LS_PATH_LEN + 8];
};

#define SOCK_TCP_NSTATES	13

struct sock_tcp_view {
	uint32_t by_state[SOCK_TCP_NSTATES];	/* kernel TCP state numbers */
	uint32_t nstuck;
	enum verdict verdict;
	double confidence;
	double growth_per_s;
	const char *explanation;
};

struct sock_stuck_view {
	uint8_t state;
	uint64_t count;
	double oldest_age_s;
	bool oldest_at_least;	/* in its state since before attach: a floor */
	uint64_t open_before_attach;
	char peer[80];
};

/* "CLOSE_WAIT" for the kernel's TCP state 8; NULL out of range. */
const char *sock_model__tcp_state_name(uint32_t state);

/* false when the process has no socket state (or i is out of range). */
bool sock_model__unix_view(const struct ls_process *p, struct sock_unix_view *out);
bool sock_model__peer_view(const struct model *m, const struct ls_process *p, uint32_t i,
			   struct sock_peer_view *out);
bool sock_model__tcp_view(const struct ls_process *p, struct sock_tcp_view *out);
bool sock_model__stuck_view(const struct ls_process *p, uint32_t i, struct sock_stuck_view *out);

/* Series kept each interval (the verdicts' input), for charts: NULL when
 * the process has no socket state.  Unix connections held; TCP sockets
 * held in any state; TCP sockets in CLOSE_WAIT or FIN_WAIT2. */
enum sock_series_kind { SOCK_SERIES_UNIX, SOCK_SERIES_TCP_HELD, SOCK_SERIES_TCP_STUCK };
const struct series *sock_model__series(const struct ls_process *p, enum sock_series_kind k);
/* TCP sockets held by state, each interval since the process first held
 * one; NULL before (or with no socket state). */
enum sock_tcp_series {
	SOCK_TCP_SERIES_ESTABLISHED,
	SOCK_TCP_SERIES_CLOSE_WAIT,
	SOCK_TCP_SERIES_FIN_WAIT2,
	SOCK_TCP_SERIES_OTHER,		/* every other state */
	SOCK_TCP_SERIES_N,
};
const struct series *sock_model__tcp_state_series(const struct ls_process *p,
						  enum sock_tcp_series k);
/* Peer group i's connections open, each interval since it first held one
 * (groups in the peer views' order); NULL when it never held one. */
const struct series *sock_model__peer_series(const struct ls_process *p, uint32_t i);
/* "sock_peer (20542)", "(peer unknown)": as the text report names a peer */
const char *sock_model__peer_label(const struct model *m, uint32_t tgid, char *buf, size_t len);

#endif
