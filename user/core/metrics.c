// SPDX-License-Identifier: GPL-2.0
/* Prometheus and OpenMetrics exposition of the model (metrics.h). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_path.h"
#include "metrics.h"
#include "mem_model.h"
#include "ns_model.h"
#include "sock_model.h"
#include "text.h"

enum family_type { FAMILY_GAUGE, FAMILY_COUNTER, FAMILY_INFO };

/* name is the sample's name: a counter's ends in _total and an info's in
 * _info, which OpenMetrics leaves out of the family's name. */
struct family {
	const char *name;
	enum family_type type;
	const char *help;
};

static const struct family
	f_build = { "leakscope_build_info", FAMILY_INFO, "leakscope's version (the value is always 1)" },
	f_intervals = { "leakscope_intervals_total", FAMILY_COUNTER,
			"Intervals (reports) completed since attach" },
	f_lost = { "leakscope_lost_events_total", FAMILY_COUNTER,
		   "Events lost anywhere: rings or tables full, malformed records, processes not tracked" },
	f_tracked = { "leakscope_processes_tracked", FAMILY_GAUGE, "Processes in leakscope's table" },
	f_real = { "leakscope_memory_real_bytes", FAMILY_GAUGE,
		   "Real memory: RSS minus lazily freed (MADV_FREE) pages; the memory verdict rests on it" },
	f_rss = { "leakscope_memory_rss_bytes", FAMILY_GAUGE, "Resident set size (anon, file and shmem)" },
	f_lazy = { "leakscope_memory_lazyfree_bytes", FAMILY_GAUGE,
		   "MADV_FREE pages still resident (smaps_rollup LazyFree; 0 until read)" },
	f_growth = { "leakscope_memory_real_growth_bytes_per_second", FAMILY_GAUGE,
		     "Growth rate of real memory the memory verdict rests on" },
	f_unix = { "leakscope_unix_connections_open", FAMILY_GAUGE, "Unix connections the process holds" },
	f_tcp = { "leakscope_tcp_connections", FAMILY_GAUGE,
		  "TCP connections the process holds, by state (CLOSE_WAIT and FIN_WAIT2 always)" },
	f_fds = { "leakscope_fds_open", FAMILY_GAUGE, "Open file descriptors" },
	f_setns = { "leakscope_setns_failures_total", FAMILY_COUNTER,
		    "Failed setns() calls by errno and namespace type asked for" },
	f_link = { "leakscope_memory_growth_bytes_per_item", FAMILY_GAUGE,
		   "When real memory grows with what the process holds (by: unix or tcp "
		   "connections, fds): bytes of growth per item gained" },
	f_verdict = { "leakscope_verdict", FAMILY_GAUGE,
		      "The verdict in force for each kind (memory, unix, tcp, fds): 1" };

#define TCP_CLOSE_WAIT	8
#define TCP_FIN_WAIT2	5

struct writer {
	FILE *out;
	enum metrics_format fmt;
	const struct ls_process **rows;
	uint32_t nrows;
	/* per row: pid="N",comm="..." and the container's labels */
	char (*labels)[METRICS_ROW_LABELS_SIZE];
};

char *metrics__label_value(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	char esc[TEXT_ESC_SIZE(256)];
	size_t o = 0;

	if (!dstlen)
		return dst;
	if (srclen > 256)
		srclen = 256;	/* label values here are names of at most 16 bytes */
	/* as the table prints it: no control, no bidi, valid UTF-8 */
	text__escape(esc, sizeof(esc), src, srclen);
	for (const char *s = esc; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t n = rep ? 2 : 1;

		if (o + n >= dstlen)
			break;
		if (rep)
			memcpy(dst + o, rep, n);
		else
			dst[o] = *s;
		o += n;
	}
	dst[o] = 0;
	return dst;
}

/* The family's name as OpenMetrics has it: without _total or _info. */
static void family_name(const struct writer *w, const struct family *f, char *buf, size_t len)
{
	size_t n = strlen(f->name);

	if (w->fmt == METRICS_OPENMETRICS && f->type == FAMILY_COUNTER)
		n -= strlen("_total");
	else if (w->fmt == METRICS_OPENMETRICS && f->type == FAMILY_INFO)
		n -= strlen("_info");
	snprintf(buf, len, "%.*s", (int)n, f->name);
}

static void header(const struct writer *w, const struct family *f)
{
	/* 0.0.4 has no info type: a gauge of 1, as client libraries write it */
	static const char *const types[] = { "gauge", "counter", "gauge" };
	char name[80];

	family_name(w, f, name, sizeof(name));
	fprintf(w->out, "# HELP %s %s\n# TYPE %s %s\n", name, f->help, name,
		w->fmt == METRICS_OPENMETRICS && f->type == FAMILY_INFO ? "info" : types[f->type]);
}

static void sample_u64(const struct writer *w, const struct family *f, const char *labels,
		       uint64_t v)
{
	if (labels && *labels)
		fprintf(w->out, "%s{%s} %" PRIu64 "\n", f->name, labels, v);
	else
		fprintf(w->out, "%s %" PRIu64 "\n", f->name, v);
}

/* Shortest of: an integer, or three decimals with trailing zeros cut. */
static void sample_dbl(const struct writer *w, const struct family *f, const char *labels,
		       double v)
{
	char num[48];

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), "%sInf", v < 0 ? "-" : "+");
	else if (fabs(v) >= 1e15)
		snprintf(num, sizeof(num), "%.17g", v);
	else {
		char *end;

		snprintf(num, sizeof(num), "%.3f", v);
		end = num + strlen(num) - 1;
		while (*end == '0')
			*end-- = 0;
		if (*end == '.')
			*end = 0;
		if (!strcmp(num, "-0"))
			snprintf(num, sizeof(num), "0");
	}
	fprintf(w->out, "%s{%s} %s\n", f->name, labels, num);
}

static uint64_t rss_of(const struct mem_state *ms)
{
	return ms->sample.rss_anon_bytes + ms->sample.rss_file_bytes + ms->sample.rss_shmem_bytes;
}

static void memory_families(const struct writer *w)
{
	const struct family *fams[] = { &f_real, &f_rss, &f_lazy, &f_growth };

	for (size_t k = 0; k < sizeof(fams) / sizeof(fams[0]); k++) {
		header(w, fams[k]);
		for (uint32_t i = 0; i < w->nrows; i++) {
			const struct mem_state *ms = &w->rows[i]->mem;
			uint64_t real = mem_model__real_bytes(ms);

			if (!ms->have_sample)
				continue;
			if (fams[k] == &f_real)
				sample_u64(w, fams[k], w->labels[i], real);
			else if (fams[k] == &f_rss)
				sample_u64(w, fams[k], w->labels[i], rss_of(ms));
			else if (fams[k] == &f_lazy)	/* as the model caps it: at most RssAnon */
				sample_u64(w, fams[k], w->labels[i], rss_of(ms) - real);
			else
				sample_dbl(w, fams[k], w->labels[i], ms->real_v.rate_per_s);
		}
	}
}

/* Only processes whose memory growth follows a count carry it: absent is
 * "not explained", as an alert on it wants. */
static void link_family(const struct writer *w)
{
	static const char *const by[] = { [MEM_LINK_UNIX] = "unix", [MEM_LINK_TCP] = "tcp",
					  [MEM_LINK_FDS] = "fds" };
	char labels[sizeof(w->labels[0]) + 16];

	header(w, &f_link);
	for (uint32_t i = 0; i < w->nrows; i++) {
		const struct mem_link *l = &w->rows[i]->mem.link;

		if (l->kind <= MEM_LINK_NONE || l->kind > MEM_LINK_FDS)
			continue;
		snprintf(labels, sizeof(labels), "%s,by=\"%s\"", w->labels[i], by[l->kind]);
		sample_dbl(w, &f_link, labels, l->bytes_per_item);
	}
}

/* pid="N",comm="..." then, in a container, container_id (the 64 hex
 * digits), container_runtime, container_name when known and pod_uid for a
 * Kubernetes pod: what a fleet's dashboards group by. */
static void row_labels(const struct ls_process *p, char *buf, size_t len)
{
	const struct cgroup_info *ci = &p->container;
	char comm[METRICS_LABEL_SIZE(LS_COMM_LEN)], name[METRICS_LABEL_SIZE(LS_CONTAINER_NAME_LEN)];
	int n;

	n = snprintf(buf, len, "pid=\"%u\",comm=\"%s\"", p->tgid,
		     metrics__label_value(comm, sizeof(comm), p->comm, sizeof(p->comm)));
	if (!ci->id[0] || n < 0 || (size_t)n >= len)
		return;
	n += snprintf(buf + n, len - n, ",container_id=\"%s\",container_runtime=\"%s\"", ci->id,
		      cgroup_path__runtime_name(ci->runtime));
	if (p->container_name[0] && (size_t)n < len)
		n += snprintf(buf + n, len - n, ",container_name=\"%s\"",
			      metrics__label_value(name, sizeof(name), p->container_name,
						   sizeof(p->container_name)));
	if (ci->pod_uid[0] && (size_t)n < len)
		snprintf(buf + n, len - n, ",pod_uid=\"%s\"", ci->pod_uid);
}

static void socket_families(const struct writer *w)
{
	char labels[sizeof(w->labels[0]) + 40];

	header(w, &f_unix);
	for (uint32_t i = 0; i < w->nrows; i++) {
		struct sock_unix_view u;

		if (sock_model__unix_view(w->rows[i], &u))
			sample_u64(w, &f_unix, w->labels[i], u.open);
	}
	header(w, &f_tcp);
	for (uint32_t i = 0; i < w->nrows; i++) {
		struct sock_tcp_view t;

		if (!sock_model__tcp_view(w->rows[i], &t))
			continue;
		/* the stuck states always, so that an alert on them sees 0 and
		 * not a series gone stale; the others while there are some */
		for (uint32_t s = 1; s < SOCK_TCP_NSTATES; s++) {
			if (!t.by_state[s] && s != TCP_CLOSE_WAIT && s != TCP_FIN_WAIT2)
				continue;
			snprintf(labels, sizeof(labels), "%s,state=\"%s\"", w->labels[i],
				 sock_model__tcp_state_name(s));
			sample_u64(w, &f_tcp, labels, t.by_state[s]);
		}
	}
}

static void setns_family(const struct writer *w)
{
	char labels[sizeof(w->labels[0]) + 80];

	header(w, &f_setns);
	for (uint32_t i = 0; i < w->nrows; i++) {
		/* the model groups failures by target too: sum by what the
		 * labels say (a handful of groups, at most 16) */
		struct ns_failure_view g[32];
		uint32_t n = 0;
		struct ns_failure_view v;

		for (uint32_t k = 0; n < 32 && ns_model__failure_view(w->rows[i], k, &v); k++) {
			uint32_t j;

			for (j = 0; j < n; j++)
				if (g[j].err == v.err && g[j].nstype == v.nstype)
					break;
			if (j == n)
				g[n++] = v;
			else
				g[j].count += v.count;
		}
		for (uint32_t j = 0; j < n; j++) {
			snprintf(labels, sizeof(labels), "%s,errno=\"%s\",nstype=\"%s\"", w->labels[i],
				 ns_errno_name(g[j].err), ns_type_name(g[j].nstype));
			sample_u64(w, &f_setns, labels, g[j].count);
		}
	}
}

static void verdict_sample(const struct writer *w, uint32_t i, const char *kind, enum verdict v)
{
	char labels[sizeof(w->labels[0]) + 64];

	snprintf(labels, sizeof(labels), "%s,kind=\"%s\",verdict=\"%s\"", w->labels[i], kind,
		 verdict__name(v));
	sample_u64(w, &f_verdict, labels, 1);
}

static void verdict_family(const struct writer *w)
{
	header(w, &f_verdict);
	for (uint32_t i = 0; i < w->nrows; i++) {
		const struct ls_process *p = w->rows[i];
		struct sock_unix_view u;
		struct sock_tcp_view t;

		if (p->mem.have_sample) {
			struct verdict_result fv;
			struct series fds_scratch;	/* a flat process's */

			verdict_sample(w, i, "memory", p->mem.verdict);
			if (sock_model__unix_view(p, &u))
				verdict_sample(w, i, "unix", u.verdict);
			if (sock_model__tcp_view(p, &t))
				verdict_sample(w, i, "tcp", t.verdict);
			/* decided as the JSON report decides it */
			verdict__decide(model__series(p, PROC_SERIES_FDS, &fds_scratch),
					&verdict_params_count, &fv);
			verdict_sample(w, i, "fds", fv.verdict);
		} else {
			if (sock_model__unix_view(p, &u))
				verdict_sample(w, i, "unix", u.verdict);
			if (sock_model__tcp_view(p, &t))
				verdict_sample(w, i, "tcp", t.verdict);
		}
	}
}

int metrics__write(const struct model *m, enum metrics_format fmt, const char *version,
		   uint32_t max_procs, FILE *out)
{
	struct writer w = { .out = out, .fmt = fmt };
	char ver[METRICS_LABEL_SIZE(64)], labels[sizeof(ver) + 16];
	int ret = -1;

	if (max_procs > m->max_procs)
		max_procs = m->max_procs;
	w.rows = malloc((max_procs ? max_procs : 1) * sizeof(*w.rows));
	w.labels = malloc((max_procs ? max_procs : 1) * sizeof(*w.labels));
	if (!w.rows || !w.labels)
		goto cleanup;
	w.nrows = model__ranked(m, w.rows, max_procs, false);
	for (uint32_t i = 0; i < w.nrows; i++)
		row_labels(w.rows[i], w.labels[i], sizeof(w.labels[i]));

	header(&w, &f_build);
	snprintf(labels, sizeof(labels), "version=\"%s\"",
		 metrics__label_value(ver, sizeof(ver), version, 64));
	sample_u64(&w, &f_build, labels, 1);
	header(&w, &f_intervals);
	sample_u64(&w, &f_intervals, NULL, m->intervals);
	header(&w, &f_lost);
	sample_u64(&w, &f_lost, NULL, model__lost(m));
	header(&w, &f_tracked);
	sample_u64(&w, &f_tracked, NULL, m->nprocs);
	memory_families(&w);
	link_family(&w);
	socket_families(&w);
	header(&w, &f_fds);
	for (uint32_t i = 0; i < w.nrows; i++)
		if (w.rows[i]->mem.have_sample)
			sample_u64(&w, &f_fds, w.labels[i], w.rows[i]->fds_open);
	setns_family(&w);
	verdict_family(&w);
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", out);
	ret = fflush(out) || ferror(out) ? -1 : 0;
cleanup:
	free(w.rows);
	free(w.labels);
	return ret;
}
