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

static char *replay_json(const char *path, int *intervals)
{
	struct model_opts mo = { .top_n = 10 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	struct model *m;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	r = recording__open(path, &info, err, sizeof(err));
	if (!r) {
		printf("#   %s: %s\n", path, err);
		return NULL;
	}
	m = model__new(&mo);
	while ((n = recording__next(r, &rec)) > 0)
		model__ingest(m, rec, rec->size);
	*intervals = (int)m->intervals;
	f = open_memstream(&buf, &len);
	if (n == 0 && m->saw_final)
		report__json(m, true, f);
	fclose(f);
	model__free(m);
	recording__close_reader(r);
	return buf;
}

TEST(memory_leak_recording)
{
	int intervals = 0;
	char *js = replay_json("tests/data/mem-leak.lsrec", &intervals);

	ASSERT_TRUE(js && *js);
	ASSERT_GE(intervals, 9);
	ASSERT_CONTAINS(js, "\"comm\":\"mem_leak\"");
	ASSERT_CONTAINS(js, "\"verdict\":\"leak\"");
	ASSERT_CONTAINS(js, "grew steadily");
	ASSERT_CONTAINS(js, "+4.0 MiB/s");	/* the workload's rate */
	ASSERT_CONTAINS(js, "\"lost_events\":0");
	free(js);
}

TEST(unix_leak_recording)
{
	int intervals = 0;
	char *js = replay_json("tests/data/unix-leak.lsrec", &intervals);

	ASSERT_TRUE(js && *js);
	ASSERT_CONTAINS(js, "\"unix_sockets\":{\"open\":1");	/* about 110 open */
	ASSERT_CONTAINS(js, "\"closed\":0,\"verdict\":\"leak\"");
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
