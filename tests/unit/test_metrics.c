// SPDX-License-Identifier: GPL-2.0
/* The Prometheus and OpenMetrics expositions of a known model: exact lines,
 * a hostile command name escaped, the families OpenMetrics names apart. */
#include <errno.h>
#include <stdlib.h>
#include "harness.h"
#include "fixtures.h"
#include "metrics.h"
#include "text.h"

#define LEAK_PID 100
#define EVIL_PID 200
#define LEAK_START (1 * SEC)
#define EVIL_START (2 * SEC)
#define EVIL_COMM "\"\x1b[31m\\\"x\n"
#define POINTS 30

static void meta(struct model *m, uint32_t tgid, uint64_t start, const char *comm, uint64_t ts)
{
	fx_meta(m, tgid, start, comm, NULL, ts);
}

static void setns_fail(struct model *m, uint32_t nstype, int err, uint64_t ino, uint64_t ts)
{
	struct ls_setns e = { 0 };

	fx_hdr(&e.hdr, LS_REC_SETNS, sizeof(e), EVIL_PID, ts);
	e.start_ns = EVIL_START;
	e.tid = EVIL_PID;
	e.fd = 5;
	e.nstype = nstype;
	e.ret = -err;
	e.target_kind = LS_TARGET_REGULAR;
	e.target_ino = ino;
	e.fs_magic = 0x01021994;
	model__ingest(m, &e.hdr, sizeof(e));
}

static void tcp_existing(struct model *m, uint64_t ino, uint8_t state, uint64_t ts)
{
	struct ls_tcp_existing x = { 0 };

	fx_hdr(&x.hdr, LS_REC_TCP_EXISTING, sizeof(x), EVIL_PID, ts);
	x.start_ns = EVIL_START;
	x.ino = ino;
	x.family = 2;
	x.state = state;
	x.sport = 40000 + (uint16_t)ino;
	x.dport = 443;
	x.saddr[0] = 10;
	x.daddr[0] = 10;
	x.daddr[3] = 2;
	model__ingest(m, &x.hdr, sizeof(x));
}

/* A leak of exactly 1 MiB/s over 30 s (2 MiB lazily freed throughout),
 * and a steady process with a hostile name, setns failures (two groups of
 * one label set: same errno and type, other targets) and TCP sockets. */
static struct model *known_model(void)
{
	struct model *m = fx_model(0);

	tcp_existing(m, 1, 8, SEC / 2);		/* CLOSE_WAIT */
	tcp_existing(m, 2, 8, SEC / 2);
	tcp_existing(m, 3, 1, SEC / 2);		/* ESTABLISHED */
	for (int i = 1; i <= POINTS; i++) {
		uint64_t ts = (uint64_t)i * SEC;

		if (i == 1) {
			meta(m, LEAK_PID, LEAK_START, "leaky", ts);
			meta(m, EVIL_PID, EVIL_START, EVIL_COMM, ts);
		}
		fx_sample_fds(m, LEAK_PID, LEAK_START, ts, (10ULL << 20) + (uint64_t)i * (1 << 20),
			      1 << 20, 2 << 20, 7);
		fx_sample_fds(m, EVIL_PID, EVIL_START, ts, 4 << 20, 0, 0, 3);
		if (i <= 3)
			setns_fail(m, 0x40000000, EINVAL, 1000 + (uint64_t)i % 2, ts);	/* net */
		if (i == 4)
			setns_fail(m, 0x00020000, EPERM, 2000, ts);			/* mnt */
		fx_interval(m, ts, false);
	}
	return m;
}

static char *expose(const struct model *m, enum metrics_format fmt, uint32_t max_procs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = metrics__write(m, fmt, "1.2.3", max_procs, f);
	fclose(f);
	if (r) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* whole lines: "x 1" must not match "x 10" */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

#define ASSERT_LINE(text, line) do {						\
		if (!has_line((text), (line)))					\
			LS_FAIL("expected the line\n#   %s\n# in\n%s", (line), (text)); \
	} while (0)
#define ASSERT_NO_LINE(text, line) do {						\
		if (has_line((text), (line)))					\
			LS_FAIL("did not expect the line %s", (line));		\
	} while (0)

#define EVIL_LABELS "pid=\"200\",comm=\"\\\"\\\\x1b[31m\\\\\\\\\\\"x\\\\n\""

TEST(exact_lines_for_known_model)
{
	struct model *m = known_model();
	char *t = expose(m, METRICS_PROMETHEUS, 100);
	static const char *const want[] = {
		"# HELP leakscope_build_info leakscope's version (the value is always 1)",
		"# TYPE leakscope_build_info gauge",
		"leakscope_build_info{version=\"1.2.3\"} 1",
		"# TYPE leakscope_intervals_total counter",
		"leakscope_intervals_total 30",
		"# TYPE leakscope_lost_events_total counter",
		"leakscope_lost_events_total 0",
		"# TYPE leakscope_processes_tracked gauge",
		"leakscope_processes_tracked 2",
		"# TYPE leakscope_memory_real_bytes gauge",
		/* RSS 10 + 30 + 1 MiB, minus 2 MiB of LazyFree */
		"leakscope_memory_real_bytes{pid=\"100\",comm=\"leaky\"} 40894464",
		"leakscope_memory_rss_bytes{pid=\"100\",comm=\"leaky\"} 42991616",
		"leakscope_memory_lazyfree_bytes{pid=\"100\",comm=\"leaky\"} 2097152",
		"leakscope_memory_real_growth_bytes_per_second{pid=\"100\",comm=\"leaky\"} 1048576",
		"leakscope_memory_real_growth_bytes_per_second{" EVIL_LABELS "} 0",
		"leakscope_fds_open{pid=\"100\",comm=\"leaky\"} 7",
		"leakscope_fds_open{" EVIL_LABELS "} 3",
		"leakscope_tcp_connections{" EVIL_LABELS ",state=\"ESTABLISHED\"} 1",
		"leakscope_tcp_connections{" EVIL_LABELS ",state=\"CLOSE_WAIT\"} 2",
		"leakscope_tcp_connections{" EVIL_LABELS ",state=\"FIN_WAIT2\"} 0",
		"# TYPE leakscope_setns_failures_total counter",
		"leakscope_setns_failures_total{" EVIL_LABELS ",errno=\"EINVAL\",nstype=\"net\"} 3",
		"leakscope_setns_failures_total{" EVIL_LABELS ",errno=\"EPERM\",nstype=\"mnt\"} 1",
		"leakscope_verdict{pid=\"100\",comm=\"leaky\",kind=\"memory\",verdict=\"leak\"} 1",
		"leakscope_verdict{pid=\"100\",comm=\"leaky\",kind=\"fds\",verdict=\"stable\"} 1",
		"leakscope_verdict{" EVIL_LABELS ",kind=\"memory\",verdict=\"stable\"} 1",
		"leakscope_verdict{" EVIL_LABELS ",kind=\"tcp\",verdict=\"stable\"} 1",
	};

	if (!t)
		LS_FAIL("metrics__write failed");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_LINE(t, want[i]);
	/* only the states there are, besides the two stuck ones */
	ASSERT_NO_LINE(t, "leakscope_tcp_connections{" EVIL_LABELS ",state=\"TIME_WAIT\"} 0");
	/* sockets known (TCP): its unix count is a true 0; the leak has no
	 * socket state at all, so no socket series and no socket verdicts */
	ASSERT_LINE(t, "leakscope_unix_connections_open{" EVIL_LABELS "} 0");
	ASSERT_FALSE(strstr(t, "leakscope_unix_connections_open{pid=\"100\""));
	ASSERT_FALSE(strstr(t, "leakscope_tcp_connections{pid=\"100\""));
	ASSERT_FALSE(strstr(t, "pid=\"100\",comm=\"leaky\",kind=\"tcp\""));
	/* no OpenMetrics end in the 0.0.4 text */
	ASSERT_FALSE(strstr(t, "# EOF"));
	free(t);
	model__free(m);
}

/* Every family's samples come right after its HELP and TYPE, each family
 * once: what both formats require. */
TEST(families_contiguous_and_once)
{
	struct model *m = known_model();
	char *t = expose(m, METRICS_PROMETHEUS, 100);
	char seen[32][80];
	int nseen = 0;
	char cur[80] = "";

	if (!t)
		LS_FAIL("metrics__write failed");
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		char name[80];

		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%79s", cur);
			for (int i = 0; i < nseen; i++)
				if (!strcmp(seen[i], cur))
					LS_FAIL("family %s twice", cur);
			if (nseen < 32)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", cur);
			continue;
		}
		if (line[0] == '#')
			continue;
		sscanf(line, "%79[^{ ]", name);
		if (strcmp(name, cur))
			LS_FAIL("sample %s outside its family (under %s)", name, cur);
	}
	ASSERT_EQ(nseen, 14);
	free(t);
	model__free(m);
}

TEST(openmetrics_variant)
{
	struct model *m = known_model();
	char *t = expose(m, METRICS_OPENMETRICS, 100);
	size_t len;

	if (!t)
		LS_FAIL("metrics__write failed");
	/* counters and the info are named without their sample suffix */
	ASSERT_LINE(t, "# TYPE leakscope_build info");
	ASSERT_LINE(t, "# HELP leakscope_build leakscope's version (the value is always 1)");
	ASSERT_LINE(t, "leakscope_build_info{version=\"1.2.3\"} 1");
	ASSERT_LINE(t, "# TYPE leakscope_intervals counter");
	ASSERT_LINE(t, "leakscope_intervals_total 30");
	ASSERT_LINE(t, "# TYPE leakscope_lost_events counter");
	ASSERT_LINE(t, "# TYPE leakscope_setns_failures counter");
	ASSERT_LINE(t, "leakscope_setns_failures_total{" EVIL_LABELS ",errno=\"EINVAL\",nstype=\"net\"} 3");
	ASSERT_LINE(t, "# TYPE leakscope_memory_real_bytes gauge");
	ASSERT_NO_LINE(t, "# TYPE leakscope_intervals_total counter");
	/* ends with # EOF, once */
	len = strlen(t);
	ASSERT_TRUE(len > 6 && !strcmp(t + len - 6, "# EOF\n"));
	ASSERT_TRUE(strstr(t, "# EOF") == t + len - 6);
	free(t);
	model__free(m);
}

/* The hostile name: no control byte, no raw quote or newline inside a
 * label value, valid UTF-8, and it reads as the text table prints it. */
TEST(hostile_comm_escaped)
{
	char v[METRICS_LABEL_SIZE(LS_COMM_LEN)], bad[] = "a\xff\xc0\xaf\xe2\x80\xae" "b";

	metrics__label_value(v, sizeof(v), EVIL_COMM, strlen(EVIL_COMM));
	ASSERT_STREQ(v, "\\\"\\\\x1b[31m\\\\\\\\\\\"x\\\\n");
	for (const char *p = v; *p; p++) {
		ASSERT_TRUE((unsigned char)*p >= 0x20 && *p != 0x7f);
		/* a quote in the value is always escaped */
		if (*p == '"') {
			int bs = 0;

			for (const char *q = p - 1; q >= v && *q == '\\'; q--)
				bs++;
			ASSERT_TRUE(bs % 2 == 1);
		}
	}
	/* bytes that are not UTF-8 and a bidi override: escaped, never raw */
	metrics__label_value(v, sizeof(v), bad, sizeof(bad));
	ASSERT_STREQ(v, "a\\\\xff\\\\xc0\\\\xaf\\\\xe2\\\\x80\\\\xaeb");
	/* too small: cut before an escape, never inside one */
	metrics__label_value(v, 4, "\"\"\"", 3);
	ASSERT_STREQ(v, "\\\"");
}

/* max_procs bounds the label sets: the most urgent (the leak) stays. */
TEST(max_procs_bounds_series)
{
	struct model *m = known_model();
	char *t = expose(m, METRICS_PROMETHEUS, 1);

	if (!t)
		LS_FAIL("metrics__write failed");
	ASSERT_TRUE(strstr(t, "pid=\"200\"") != NULL || strstr(t, "pid=\"100\"") != NULL);
	ASSERT_FALSE(strstr(t, "pid=\"200\"") && strstr(t, "pid=\"100\""));
	ASSERT_LINE(t, "leakscope_processes_tracked 2");
	free(t);
	model__free(m);
}

static void cgroup_of(struct model *m, uint32_t tgid, uint64_t start, const char *path,
		      const char *name, uint64_t ts)
{
	struct ls_proc_cgroup r = { 0 };

	fx_hdr(&r.hdr, LS_REC_PROC_CGROUP, sizeof(r), tgid, ts);
	r.start_ns = start;
	snprintf(r.path, sizeof(r.path), "%s", path);
	snprintf(r.name, sizeof(r.name), "%s", name);
	model__ingest(m, &r.hdr, sizeof(r));
}

#define CTR_ID "8394aa18728a0b6f1e6f5c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"
#define CTR_LABELS "pid=\"100\",comm=\"leaky\",container_id=\"" CTR_ID \
	"\",container_runtime=\"docker\",container_name=\"web\\\"1\""

/* A process in a docker container carries its id, runtime and name (the
 * name escaped: a quote in it); its memory grows 1 MiB an interval while it
 * gains 8 fds: the link's family says 128 KiB an fd. */
TEST(container_labels_and_link)
{
	struct model *m = fx_model(0);
	char *t;

	for (int i = 1; i <= POINTS; i++) {
		uint64_t ts = (uint64_t)i * SEC;

		if (i == 1) {
			meta(m, LEAK_PID, LEAK_START, "leaky", ts);
			cgroup_of(m, LEAK_PID, LEAK_START,
				  "/system.slice/docker-" CTR_ID ".scope", "web\"1", ts);
		}
		fx_sample_fds(m, LEAK_PID, LEAK_START, ts, (10ULL << 20) + (uint64_t)i * (1 << 20),
			      1 << 20, 0, 10 + 8 * (uint32_t)i);
		fx_interval(m, ts, false);
	}
	t = expose(m, METRICS_PROMETHEUS, 100);
	if (!t)
		LS_FAIL("metrics__write failed");
	ASSERT_LINE(t, "leakscope_memory_real_bytes{" CTR_LABELS "} 42991616");
	ASSERT_LINE(t, "leakscope_memory_growth_bytes_per_item{" CTR_LABELS ",by=\"fds\"} 131072");
	ASSERT_LINE(t, "leakscope_verdict{" CTR_LABELS ",kind=\"memory\",verdict=\"leak\"} 1");
	free(t);
	model__free(m);
}

/* Without a link, no sample of the family: absent is "not explained". */
TEST(no_link_no_sample)
{
	struct model *m = known_model();
	char *t = expose(m, METRICS_PROMETHEUS, 100);

	if (!t)
		LS_FAIL("metrics__write failed");
	ASSERT_LINE(t, "# TYPE leakscope_memory_growth_bytes_per_item gauge");
	ASSERT_TRUE(strstr(t, "leakscope_memory_growth_bytes_per_item{") == NULL);
	free(t);
	model__free(m);
}

/* A write error is said, not hidden: the exposition would be cut. */
TEST(write_error_reported)
{
	struct model *m = known_model();
	char small[64];
	FILE *f = fmemopen(small, sizeof(small), "w");

	ASSERT_TRUE(f != NULL);
	setvbuf(f, NULL, _IONBF, 0);
	ASSERT_EQ(metrics__write(m, METRICS_PROMETHEUS, "1.2.3", 100, f), -1);
	fclose(f);
	model__free(m);
}

int main(void)
{
	return RUN_TESTS();
}
