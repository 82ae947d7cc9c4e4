// SPDX-License-Identifier: GPL-2.0
/*
 * The models tested through real recordings made by leakscope itself
 * (tests/data/make-recordings.sh), replayed without root.
 */
#include <stdlib.h>
#include "harness.h"
#include "model.h"
#include "recording.h"
#include "report.h"
#include "sock_model.h"

/* The model after replaying path (NULL if it cannot be read); *clean_end
 * says whether the recording ended where its format says it does. */
static struct model *replay_model(const char *path, bool *clean_end)
{
	struct model_opts mo = { .top_n = 10 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m;
	char err[256];
	int n;

	r = recording__open(path, &info, err, sizeof(err));
	if (!r) {
		printf("#   %s: %s\n", path, err);
		return NULL;
	}
	m = model__new(&mo);
	while ((n = recording__next(r, &rec)) > 0)
		model__ingest(m, rec, rec->size);
	recording__close_reader(r);
	*clean_end = n == 0;
	return m;
}

static char *replay_json(const char *path, int *intervals)
{
	char *buf = NULL;
	size_t len = 0;
	bool clean_end;
	struct model *m = replay_model(path, &clean_end);
	FILE *f;

	if (!m)
		return NULL;
	*intervals = (int)m->intervals;
	f = open_memstream(&buf, &len);
	if (clean_end && m->saw_final)
		report__json(m, true, f);
	fclose(f);
	model__free(m);
	return buf;
}

TEST(memory_leak_recording)
{
	int intervals = 0;
	char *js = replay_json("tests/data/mem-leak.lsrec", &intervals);

	ASSERT_TRUE(js && *js);
	ASSERT_GE(intervals, 9);
	ASSERT_CONTAINS(js, "\"comm\":\"mem_leak\"");
	/* 10 s of a 4 MiB/s leak: growing (a leak verdict needs 24 s, so
	 * that a warm-up cannot pass for one), at the workload's rate */
	ASSERT_CONTAINS(js, "\"verdict\":\"growing\"");
	ASSERT_CONTAINS(js, "+4.0 MiB/s");
	ASSERT_CONTAINS(js, "\"lost_events\":0");
	free(js);
}

TEST(unix_leak_recording)
{
	int intervals = 0;
	char *js = replay_json("tests/data/unix-leak.lsrec", &intervals);

	ASSERT_TRUE(js && *js);
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":1");	/* about 110 open */
	/* 11 s: growing, not yet a leak (see above) */
	ASSERT_CONTAINS(js, "\"closed\":0,\"verdict\":\"growing\"");
	ASSERT_CONTAINS(js, "opened by sock_peer (");
	/* a format-1 file: its unix records converted to format 2's layout,
	 * so the peer group has the whole path */
	{
		int groups = 0;

		for (const char *q = js; (q = strstr(q, "\"path\":\"")); q++, groups++)
			ASSERT_TRUE(!strncmp(q, "\"path\":\"/tmp/tmp.NdmPuOTuUU/app.sock\"", 37));
		ASSERT_GE(groups, 1);
	}
	ASSERT_CONTAINS(js, "+10.0 a second");
	free(js);
}

/* Made by 81f2037, whose loader read unix records one CPU after another,
 * out of their order across CPUs (see make-recordings.sh): the README's
 * first command with a leaking pair (19433 serving 19435) and a pair
 * connecting and closing every 20 ms (19436 serving 19438).  Whatever the
 * order, each process names only its own peer (that build's own report
 * named 19438 as its own peer, and 19435 as 19438's). */
TEST(reordered_unix_recording_names_only_real_peers)
{
	const uint32_t pairs[4][2] = { { 19433, 19435 }, { 19435, 19433 }, { 19436, 19438 },
				       { 19438, 19436 } };
	bool clean_end = false;
	struct model *m = replay_model("tests/data/unix-reordered.lsrec", &clean_end);
	struct sock_unix_view u;
	struct sock_peer_view g;

	ASSERT_TRUE(m != NULL);
	ASSERT_TRUE(clean_end);
	for (int i = 0; i < 4; i++) {
		const struct ls_process *p = model__find(m, pairs[i][0]);

		ASSERT_TRUE(p != NULL);
		ASSERT_TRUE(sock_model__unix_view(p, &u));
		ASSERT_GE(u.opened, 290);
		for (uint32_t k = 0; k < u.npeers; k++) {
			ASSERT_TRUE(sock_model__peer_view(m, p, k, &g));
			printf("#   %u: peer %u, %llu opened\n", pairs[i][0], g.pid,
			       (unsigned long long)g.opened);
			/* 0: a few ends whose peer went unseen in the disorder */
			if (g.pid)
				ASSERT_EQ(g.pid, pairs[i][1]);
			else
				ASSERT_LE(g.opened, u.opened / 50);
		}
	}
	model__free(m);
}

TEST(setns_recording)
{
	int intervals = 0;
	char *js = replay_json("tests/data/setns-gone.lsrec", &intervals);

	ASSERT_TRUE(js && *js);
	ASSERT_CONTAINS(js, "\"setns\":{\"calls\":30,\"failed\":30");
	ASSERT_CONTAINS(js, "\"errno\":\"EINVAL\",\"nstype\":\"net\"");
	ASSERT_CONTAINS(js, "\"target_kind\":\"regular-file\"");
	ASSERT_CONTAINS(js, "/netns-file\"");
	ASSERT_CONTAINS(js, "its nsfs bind mount is gone");
	free(js);
}

int main(void)
{
	return RUN_TESTS();
}
