// SPDX-License-Identifier: GPL-2.0
/*
 * `leakscope report FILE`: feed a recording to the model, which prints the
 * final report the live run printed (--intervals: each interval's output
 * before it too, the same as the live run's).
 * Exit status: 0 complete, 1 unreadable or corrupt, 3 cut off (reported up
 * to its last complete block).
 */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "html_report.h"
#include "model.h"
#include "recording.h"
#include "report.h"

struct replay {
	const struct options *opts;
	struct outfile html;	/* --html: made before the replay */
	int html_ret;		/* 0, or -1: the page could not be written */
	bool cut_off;		/* the final report is made up at the last complete block */
};

static void on_report(void *ctx, const struct model *m, bool final)
{
	struct replay *r = ctx;

	/* the final report is what a recording is opened for */
	if (!final && !r->opts->intervals)
		return;
	if (r->opts->json)
		report__json(m, final, stdout);
	else
		report__text(m, final, stdout);
	if (final && r->html.path) {
		struct html_opts ho = { .source = r->opts->input, .cut_off = r->cut_off };
		char err[512];

		r->html_ret = html_report__to_file(m, &ho, &r->html, err, sizeof(err));
		if (r->html_ret)
			ls_error("%s", err);
	}
}

int cmd_report(const struct options *o)
{
	struct model_opts mopts = { .top_n = o->top_n };
	struct recording_info info;
	struct recording_reader *rd;
	const struct ls_rec_hdr *rec;
	struct replay ctx = { .opts = o, .html = { .fd = -1 } };
	struct model *m = NULL;
	char err[512];
	int ret = 1, n;

	rd = recording__open(o->input, &info, err, sizeof(err));
	if (!rd) {
		ls_error("%s: %s", o->input, err);
		return 1;
	}
	/* made before the replay: an existing file is said at once */
	if (o->html && outfile__create(&ctx.html, o->html, o->force, "an HTML report",
				       "leakscope", err, sizeof(err))) {
		ls_error("%s", err);
		recording__close_reader(rd);
		return 1;
	}
	if (o->npids)
		mopts.only_tgid = (uint32_t)o->pids[0];
	mopts.wall_minus_boot_ns = info.wall_minus_boot_ns;
	m = model__new(&mopts);
	if (!m) {
		ls_error("out of memory");
		goto out;
	}
	model__set_report(m, on_report, &ctx);
	while ((n = recording__next(rd, &rec)) > 0)
		model__ingest(m, rec, rec->size);
	if (n < 0) {
		ls_error("%s: %s", o->input, recording__error(rd));
		goto out;
	}
	if (!m->saw_final) {
		struct ls_interval iv;

		/* cut off (crash, full disk): report what the complete blocks hold */
		ls_warn("%s was cut off%s after %llu intervals: this report covers the recording up "
			"to its last complete block", o->input,
			recording__truncated(rd) ? " inside a block" : "",
			(unsigned long long)m->intervals);
		memset(&iv, 0, sizeof(iv));
		iv.hdr.type = LS_REC_INTERVAL;
		iv.hdr.size = sizeof(iv);
		iv.hdr.ts_ns = m->last_ts_ns;
		iv.interval_ns = m->interval_ns ? m->interval_ns : info.interval_ns;
		memcpy(iv.drops, m->drops, sizeof(iv.drops));
		iv.user_drops = m->user_drops;
		iv.procs_capped = m->procs_capped;
		iv.snapshot_untraced_skipped = (uint32_t)m->snapshot_untraced_skipped;
		iv.final = 1;
		ctx.cut_off = true;
		model__ingest(m, &iv.hdr, sizeof(iv));
		ret = ctx.html_ret ? 1 : 3;
		goto out;
	}
	ret = 0;
out:
	if (ctx.html_ret && !ret)
		ret = 1;
	outfile__discard(&ctx.html);	/* not written (an error first): not left behind */
	model__free(m);
	recording__close_reader(rd);
	return ret;
}
