// SPDX-License-Identifier: GPL-2.0
/* The live table, the final report and JSON Lines, all from the model. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report.h"
#include "fmt.h"
#include "domain.h"
#include "json.h"
#include "mem_model.h"
#include "sock_model.h"
#include "text.h"


/* "" unknown (no cgroup record: an old recording, or the read failed);
 * "..." before a path cut to its last bytes (a real one starts with '/') */
static const char *cgroup_str(const struct ls_process *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", p->cgroup_cut ? "..." : "", p->cgroup);
	return buf;
}

/* container: null outside any container and service; a systemd service
 * has runtime "systemd", its unit as name and a null id */
static void json_container(const struct ls_process *p, struct json *j)
{
	const struct cgroup_info *ci = &p->container;

	if (ci->runtime == CGROUP_RT_NONE) {
		json__null(j, "container");
		return;
	}
	json__obj_begin(j, "container");
	if (ci->id[0])
		json__str(j, "id", ci->id);
	else
		json__null(j, "id");
	json__str(j, "runtime", cgroup_path__runtime_name(ci->runtime));
	if (ci->runtime == CGROUP_RT_SYSTEMD)
		json__str(j, "name", ci->unit);
	else if (p->container_name[0])
		json__str(j, "name", p->container_name);
	if (ci->pod_uid[0])
		json__str(j, "pod_uid", ci->pod_uid);
	json__obj_end(j);
}

static void json_process(const struct model *m, const struct ls_process *p, struct json *j)
{
	struct verdict_result fv;
	struct series fds_scratch;	/* a flat process's (model.h) */
	char cg[LS_CGROUP_LEN + 4];

	json__obj_begin(j, NULL);
	json__u64(j, "pid", p->tgid);
	json__str(j, "comm", p->comm);
	json__str(j, "exe", p->exe);
	json__str(j, "cgroup", cgroup_str(p, cg, sizeof(cg)));
	json_container(p, j);
	json__u64(j, "ppid", p->ppid);
	json__u64(j, "start_ns", p->start_ns);
	json__bool(j, "exited", p->exited);
	if (p->exited)
		json__i64(j, "exit_code", p->exit_code);
	json__bool(j, "incomplete", p->incomplete);
	if (p->incomplete) {
		char why[240];

		sock_model__incomplete_reason(m, p, why, sizeof(why));
		json__str(j, "incomplete_reason", why);
	}
	domains__json(m, p, j);
	verdict__decide(model__series(p, PROC_SERIES_FDS, &fds_scratch), &verdict_params_count, &fv);
	json__obj_begin(j, "fds");
	json__u64(j, "open", p->fds_open);
	json__dbl(j, "growth_per_s", fv.rate_per_s, 3);
	json__str(j, "verdict", verdict__name(fv.verdict));
	json__obj_end(j);
	json__obj_end(j);
}

void report__json(const struct model *m, bool final, FILE *out)
{
	const struct ls_process **rows = malloc((m->nprocs + 1) * sizeof(*rows));
	uint32_t n = rows ? model__ranked(m, rows, m->nprocs + 1, final) : 0;
	char when[40];
	struct json j;

	json__init(&j, out);
	json__obj_begin(&j, NULL);
	json__str(&j, "type", final ? "report" : "interval");
	model__wall_time(m, m->last_ts_ns, "%Y-%m-%dT%H:%M:%SZ", when, sizeof(when));
	if (when[0])
		json__str(&j, "time", when);
	/* the interval's end: events are complete up to it */
	json__u64(&j, "ts_ns", m->prev_interval_ns ? m->prev_interval_ns : m->last_ts_ns);
	json__dbl(&j, "duration_s", model__duration_s(m), 1);
	json__dbl(&j, "interval_s", (double)m->interval_ns / 1e9, 1);
	json__u64(&j, "intervals", m->intervals);
	json__u64(&j, "lost_events", model__lost(m));
	json__u64(&j, "lost_from_ts", m->lost_from_ns);
	json__u64(&j, "lost_to_ts", m->lost_to_ns);
	json__obj_begin(&j, "drops");
	json__u64(&j, "ringbuf", m->drops[LS_DROP_RINGBUF]);
	json__u64(&j, "ledger_full", m->drops[LS_DROP_LEDGER]);
	json__u64(&j, "pending_full", m->drops[LS_DROP_PENDING]);
	json__u64(&j, "socket_table_full", m->drops[LS_DROP_SOCK] + sock_model__dropped(m));
	json__u64(&j, "stacks", m->drops[LS_DROP_STACK]);
	json__u64(&j, "programs_skipped", m->drops[LS_DROP_SKIPPED]);
	json__u64(&j, "user", m->user_drops);
	json__u64(&j, "processes_not_tracked", m->procs_capped);
	json__u64(&j, "bad_records", m->bad_records);
	json__obj_end(&j);
	/* apart: no traced process's, so no count in the report is short */
	json__u64(&j, "snapshot_untraced_skipped", m->snapshot_untraced_skipped);
	json__u64(&j, "processes_tracked", m->nprocs);
	/* live processes that showed nothing, evicted from a full table for
	 * ones with activity: no event lost, but their history restarts */
	json__u64(&j, "processes_evicted", m->procs_evicted);
	json__u64(&j, "process_table_slots", m->max_procs);
	json__arr_begin(&j, "processes");
	for (uint32_t i = 0; i < n; i++)
		json_process(m, rows[i], &j);
	json__arr_end(&j);
	json__obj_end(&j);
	json__line_end(&j);
	fflush(out);
	free(rows);
}

static void text_header(const struct model *m, bool final, FILE *out)
{
	char when[40], lost[32];

	model__wall_time(m, m->last_ts_ns, "%Y-%m-%dT%H:%M:%SZ", when, sizeof(when));
	fmt__count(model__lost(m), lost, sizeof(lost));
	if (final) {
		fprintf(out, "\n=== leakscope report: %.0f s, %" PRIu64 " intervals, %u process%s tracked, "
			"%s events lost ===\n", model__duration_s(m), m->intervals, m->nprocs,
			m->nprocs == 1 ? "" : "es", lost);
		if (m->lost_to_ns)
			fprintf(out, "Events were lost from +%.0f s to +%.0f s (a ring or a table was full: "
				"the reader fell behind, or was stopped): the socket, setns and exit counts "
				"of the processes marked (incomplete), alive then, may be short.\n",
				(double)(m->lost_from_ns - m->first_ts_ns) / 1e9,
				(double)(m->lost_to_ns - m->first_ts_ns) / 1e9);
		if (m->procs_capped || m->procs_evicted)
			fprintf(out, "The process table (%u processes) was full: %" PRIu64 " process%s "
				"not tracked, %" PRIu64 " idle one%s evicted for processes with activity "
				"(sockets, setns, memory events).\n", m->max_procs, m->procs_capped,
				m->procs_capped == 1 ? "" : "es", m->procs_evicted,
				m->procs_evicted == 1 ? "" : "s");
		if (m->snapshot_untraced_skipped)
			fprintf(out, "%" PRIu64 " sockets of untraced processes had no room in the attach "
				"snapshot: no traced process's count is short by them.\n",
				m->snapshot_untraced_skipped);
	}
	else
		fprintf(out, "\nleakscope %s +%.0fs  %u process%s  %s events lost\n", when,
			model__duration_s(m), m->nprocs, m->nprocs == 1 ? "" : "es", lost);
}

/* " (docker 8394aa18728a web)": the container on the process's line,
 * short id as docker prints it; what the runtime or a unit file named is
 * escaped */
static const char *container_text(const struct ls_process *p, char *buf, size_t len)
{
	const struct cgroup_info *ci = &p->container;
	char name[TEXT_ESC_SIZE(CGROUP_UNIT_LEN)];

	buf[0] = 0;
	if (ci->runtime == CGROUP_RT_SYSTEMD)
		snprintf(buf, len, " (systemd %s)", text__escape(name, sizeof(name), ci->unit, sizeof(ci->unit)));
	else if (ci->runtime != CGROUP_RT_NONE)
		snprintf(buf, len, " (%s container %.12s%s%s)", cgroup_path__runtime_name(ci->runtime), ci->id,
			 p->container_name[0] ? " " : "",
			 text__escape(name, sizeof(name), p->container_name, sizeof(p->container_name)));
	return buf;
}

void report__text(const struct model *m, bool final, FILE *out)
{
	char ctr[TEXT_ESC_SIZE(CGROUP_UNIT_LEN) + 64];
	const struct ls_process **rows = malloc((m->nprocs + 1) * sizeof(*rows));
	uint32_t n = rows ? model__ranked(m, rows, m->nprocs + 1, final) : 0;
	char real[32], lazy[32], rss[32], rate[32];
	char comm[TEXT_ESC_SIZE(LS_COMM_LEN)], exe[TEXT_ESC_SIZE(LS_EXE_LEN)];

	text_header(m, final, out);
	if (!final) {
		fprintf(out, "%8s %-16s %11s %11s %11s %13s %-17s %4s\n", "PID", "COMM", "REAL",
			"LAZYFREE", "RSS", "REAL/s", "VERDICT", "CONF");
		for (uint32_t i = 0; i < n; i++) {
			const struct ls_process *p = rows[i];
			const struct mem_state *ms = &p->mem;

			fprintf(out, "%8u %-16s %11s %11s %11s %13s %-17s %4.2f%s%s\n", p->tgid,
				text__escape(comm, sizeof(comm), p->comm, sizeof(p->comm)),
				fmt__bytes(mem_model__real_bytes(ms), real, sizeof(real)),
				fmt__bytes(ms->lazyfree_bytes, lazy, sizeof(lazy)),
				fmt__bytes(ms->sample.rss_anon_bytes + ms->sample.rss_file_bytes +
					      ms->sample.rss_shmem_bytes, rss, sizeof(rss)),
				fmt__rate(ms->real_v.rate_per_s, rate, sizeof(rate)),
				verdict__name(ms->verdict), ms->confidence, p->exited ? "  (exited)" : "",
				p->incomplete ? " (incomplete)" : "");
			domains__text(m, p, out, false);
		}
		fflush(out);
		free(rows);
		return;
	}
	if (!n)
		fprintf(out, "No process to report (nothing traced had a memory sample).\n");
	for (uint32_t i = 0; i < n; i++) {
		const struct ls_process *p = rows[i];

		fprintf(out, "\n[%u] %s (pid %u)%s%s%s%s%s\n", i + 1,
			p->comm[0] ? text__escape(comm, sizeof(comm), p->comm, sizeof(p->comm)) : "?",
			p->tgid, p->exe[0] ? " " : "",
			text__escape(exe, sizeof(exe), p->exe, sizeof(p->exe)),
			container_text(p, ctr, sizeof(ctr)), p->exited ? " (exited)" : "",
			p->incomplete ? " (incomplete)" : "");
		domains__text(m, p, out, true);
	}
	fflush(out);
	free(rows);
}
