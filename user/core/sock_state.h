/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket model's state, shared by its files and nothing else:
 * sock_model.c (the table, records in, the interval's pass and verdicts),
 * sock_unix.c (pairing, closes), sock_tcp.c (states, stuck groups) and
 * sock_report.c (explanations, JSON, text, read-only views).
 */
#ifndef LS_SOCK_STATE_H
#define LS_SOCK_STATE_H
#include "model.h"
#include "series.h"
#include "sock_model.h"
#include "sock_table.h"
#include "verdict.h"

#define SOCK_MAX_PATHS		256	/* distinct unix paths */
#define SOCK_MAX_GROUPS		16	/* peer groups per process */
#define SOCK_MAX_STUCK		16	/* stuck TCP groups per process */
#define SOCK_MAX_LISTENERS	256	/* TCP listening sockets from sock_diag */
#define EXISTING_BIT		(1ULL << 63)	/* keys of sock_diag sockets */
/* how long an end closed before its peer's record came waits for it */
#define UNPAIRED_WAIT_NS	(10 * 1000000000ULL)
#define TCP_NSTATES		SOCK_TCP_NSTATES

enum { TCP_ESTABLISHED = 1, TCP_FIN_WAIT2 = 5, TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8, TCP_LISTEN = 10 };

struct sock_path {
	char name[LS_PATH_LEN + 2];
	uint16_t len;
	uint8_t abstract;
};

/* A TCP listening socket from the sock_diag snapshot: the sockets the
 * snapshot lists on its port are accepted ones, the server's. */
struct tcp_listener {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];	/* all zeros: every address */
};

struct sock_model {
	struct sock_table table;	/* grows with use, so the per-interval
					 * passes cost what is tracked */
	uint64_t dropped;		/* sockets not tracked: table full */
	uint32_t unpaired_closed;	/* entries with closed set */
	uint32_t unverified;		/* entries with unverified set */
	bool exits_pending;		/* processes with sockets exited since the last pass */
	uint32_t pass;			/* compute_views passes so far */
	struct sock_path paths[SOCK_MAX_PATHS];
	uint32_t npaths;
	/* past the cap, a listener's sockets from before attach are grouped
	 * by the client's port, one group each (as with no listener known) */
	struct tcp_listener listeners[SOCK_MAX_LISTENERS];
	uint32_t nlisteners;
	uint64_t computed_at;		/* interval the per-process views are for */
};

struct peer_group {
	uint32_t peer_tgid;	/* 0: peer not known */
	uint16_t path;
	uint16_t _pad;
	uint64_t peer_start;
	uint64_t opened;	/* during the run */
	uint64_t closed;
	uint64_t open;		/* now (derived each interval) */
	uint64_t accepted;	/* of those, ends this process accepted */
	uint64_t oldest_ns;	/* since of the oldest open one */
	uint64_t before_attach;	/* open ones from before attach (derived) */
	bool oldest_at_least;	/* the oldest is one of them: its age is a floor */
	struct series *opens;	/* open, each interval since it first held one */
	double rate;		/* its own growth a second, over the verdict's window */
};

/* Server ends are grouped by (client address, our service port), client
 * ends by (server address, its port): clients' ephemeral ports would give
 * every connection a group of its own. */
struct stuck_group {
	uint8_t state;
	uint8_t family;
	uint8_t accepted;	/* port is our local (service) port */
	uint8_t _pad;
	uint16_t port;
	uint8_t addr[16];
	uint64_t count;
	uint64_t oldest_ns;
	uint64_t before_attach;	/* in that state since before attach */
	bool oldest_at_least;	/* the oldest is one of them: its age is a floor */
};

/* TCP sockets held by state, each interval since the process first held
 * one (allocated then, 8 KiB): the HTML report's chart, nothing else */
struct tcp_state_series {
	struct series s[SOCK_TCP_SERIES_N];
};

struct sock_state {
	/* unix */
	uint64_t unix_open;
	uint64_t unix_opened;
	uint64_t unix_closed;
	uint64_t unix_unconfirmed;	/* open ends whose close came unverified */
	uint32_t exec_pass;		/* exec'd before that compute_views pass ... */
	uint64_t exec_ns;		/* ... at this time: its ends get checked */
	uint64_t groups_dropped;
	uint64_t dropped;		/* its socket records past a full table */
	struct peer_group groups[SOCK_MAX_GROUPS];
	uint32_t ngroups;
	struct series unix_series;
	struct verdict_result unix_v;
	/* tcp */
	uint32_t by_state[TCP_NSTATES];
	struct stuck_group stuck[SOCK_MAX_STUCK];
	uint32_t nstuck;
	uint64_t tcp_seen;
	struct series stuck_series;
	struct verdict_result tcp_v;
	uint64_t tcp_held;		/* TCP sockets it holds, any state (derived) */
	struct series tcp_series;	/* tcp_held each interval: what memory may grow with */
	struct tcp_state_series *tcp_by_state;	/* NULL until it holds a TCP socket */
	uint64_t now_ns;
	char explanation[512];
	char tcp_explanation[512];
};

/* "/var/run/docker.sock", "@name" for abstract, "(unnamed)". */
const char *sock_model__path_name(const struct sock_model *sm, uint16_t idx, char *buf,
				  size_t len);

/* sock_model.c: the table's entries and each process's socket state. */
static inline struct sock_entry *sock__find(struct sock_model *sm, uint64_t key)
{
	return sock_table__find(&sm->table, key);
}
/* The entry for key (zeroed if new); NULL when the table is full, counted
 * (run-wide, and as the owner's when it is known). */
struct sock_entry *sock_model__insert(struct model *m, uint64_t key, uint32_t tgid,
				      uint64_t start);
void sock_model__erase(struct sock_model *sm, struct sock_entry *e);
/* The process's socket state, made on first use (NULL: out of memory). */
struct sock_state *sock_model__state_of(struct ls_process *p);

/* sock_unix.c: unix records in; before the interval's pass, exits and
 * unpaired closes; one unix end in the pass. */
void sock_unix__add(struct model *m, const struct ls_unix_conn *c);
void sock_unix__add_close(struct model *m, const struct ls_sock_close *c);
void sock_unix__add_existing(struct model *m, const struct ls_unix_existing *x);
void sock_unix__settle(struct model *m, uint64_t now);
void sock_unix__view(struct model *m, struct sock_entry *e, struct sock_state *ss);

/* sock_tcp.c: TCP records in; one TCP socket in the pass; each interval's
 * series by state. */
void sock_tcp__add(struct model *m, const struct ls_tcp_state *t);
void sock_tcp__add_existing(struct model *m, const struct ls_tcp_existing *x);
void sock_tcp__view(struct sock_state *ss, const struct sock_entry *e);
void sock_tcp__series(struct model *m, struct sock_state *ss, uint64_t now_ns);

/* sock_report.c: each interval's explanations, after the verdicts; and
 * the doubt added to a non-growing verdict of a process with losses. */
void sock_explain__unix(const struct model *m, const struct ls_process *p, struct sock_state *ss);
void sock_explain__tcp(const struct ls_process *p, struct sock_state *ss);
void sock_explain__doubt(const struct model *m, const struct ls_process *p,
			 struct verdict_result *v, char *expl, size_t size);
#endif
