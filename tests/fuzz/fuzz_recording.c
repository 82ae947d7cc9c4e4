// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any bytes as a recording, read and fed to the model
 * and the report, as `leakscope report` does.  Must never crash, leak or
 * read out of bounds (built with ASan and UBSan).
 */
#include <stdio.h>
#include "model.h"
#include "recording.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct model *m;
	struct model_opts mo = { .top_n = 5, .max_procs = 64 };
	struct recording_info info;
	struct recording_reader *r;
	const struct ls_rec_hdr *rec;
	FILE *in, *devnull;
	char err[256];

	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "rb");
	if (!in)
		return 0;
	r = recording__open_file(in, &info, err, sizeof(err));
	if (!r)
		return 0;
	m = model__new(&mo);
	devnull = fopen("/dev/null", "w");
	while (m && recording__next(r, &rec) > 0)
		model__ingest(m, rec, rec->size);
	if (m && devnull) {
		report__json(m, true, devnull);
		report__text(m, true, devnull);
	}
	if (devnull)
		fclose(devnull);
	model__free(m);
	m = NULL;
	recording__close_reader(r);
	return 0;
}
