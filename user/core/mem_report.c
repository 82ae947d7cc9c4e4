// SPDX-License-Identifier: GPL-2.0
/* The memory domain's report: its JSON object and its text lines, from
 * the state mem_model.c keeps. */
#include <stdio.h>
#include <string.h>
#include "mem_model.h"
#include "fmt.h"
#include "json.h"
#include "heap_model.h"
#include "mem_link.h"
#include "text.h"

static const char *map_syscall(uint32_t s)
{
	return s == 1 ? "mremap" : s == 2 ? "brk" : "mmap";
}

void mem_model__json(const struct model *m, const struct ls_process *p, struct json *j)
{
	const struct mem_state *ms = &p->mem;
	const struct ls_mem_ledger *l = &ms->ledger;
	const struct mem_extra *x = ms->extra;
	uint64_t rss = mem_model__rss_bytes(ms);

	json__obj_begin(j, "memory");
	json__u64(j, "rss_bytes", rss);
	json__u64(j, "rss_anon_bytes", ms->sample.rss_anon_bytes);
	json__u64(j, "rss_file_bytes", ms->sample.rss_file_bytes);
	json__u64(j, "rss_shmem_bytes", ms->sample.rss_shmem_bytes);
	json__u64(j, "swap_bytes", ms->sample.swap_bytes);
	json__u64(j, "lazyfree_bytes", mem_model__lazyfree_bytes(ms));
	json__bool(j, "lazyfree_measured", ms->have_rollup);
	json__u64(j, "real_bytes", ms->have_sample ? mem_model__real_bytes(ms) : 0);
	json__dbl(j, "real_growth_bytes_per_s", ms->real_v.rate_per_s, 0);
	json__dbl(j, "rss_growth_bytes_per_s", ms->rss_v.rate_per_s, 0);
	json__u64(j, "private_bytes", ms->sample.private_clean_bytes +
		  ms->sample.private_dirty_bytes + ms->sample.private_hugetlb_bytes);
	json__u64(j, "vm_data_bytes", ms->sample.vm_data_bytes);
	json__u64(j, "madv_free_bytes", l->madv_free_bytes);
	json__u64(j, "madv_dontneed_bytes", l->madv_dontneed_bytes);
	json__u64(j, "madv_other_bytes", l->madv_other_bytes);
	json__i64(j, "mapped_anon_bytes", l->mapped_anon_bytes);
	json__u64(j, "mmap_anon_bytes", l->mmap_anon_bytes);
	json__u64(j, "mmap_file_bytes", l->mmap_file_bytes);
	json__u64(j, "munmap_bytes", l->munmap_bytes);
	json__u64(j, "munmap_anon_bytes", l->munmap_anon_bytes);
	json__i64(j, "brk_growth_bytes", l->brk_growth_bytes);
	json__u64(j, "mremap_grow_bytes", l->mremap_grow_bytes);
	json__u64(j, "syscalls", l->mmap_calls + l->munmap_calls + l->mremap_calls +
		  l->brk_calls + l->madvise_calls);
	json__u64(j, "failed_syscalls", l->failed_calls);
	if (l->rss_ts_ns)
		json__u64(j, "rss_peak_bytes", l->rss_peak_pages * 4096);
	json__arr_begin(j, "largest_mappings");
	for (uint32_t i = 0; x && i < x->nlargest; i++) {
		const struct mem_mapping *mm = &x->largest[i];

		json__obj_begin(j, NULL);
		json__u64(j, "size", mm->size);
		json__u64(j, "addr", mm->addr);
		json__u64(j, "tid", mm->tid);
		json__u64(j, "ts", mm->ts_ns);
		json__str(j, "thread", mm->thread);
		json__str(j, "syscall", map_syscall(mm->syscall));
		json__bool(j, "anonymous", mm->fd < 0);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__arr_begin(j, "growth_sites");
	for (uint32_t i = 0; x && i < x->nsites; i++) {
		const struct mem_site *s = &x->sites[i];

		json__obj_begin(j, NULL);
		json__u64(j, "bytes", s->bytes);
		json__u64(j, "calls", s->calls);
		json__arr_begin(j, "frames");
		for (uint32_t f = 0; f < s->nframes; f++)
			json__str(j, NULL, s->frames[f]);
		json__arr_end(j);
		/* one per frame: where debug information places it, else null */
		json__arr_begin(j, "sources");
		for (uint32_t f = 0; f < s->nframes; f++) {
			if (!s->sources[f].line) {
				json__null(j, NULL);
				continue;
			}
			json__obj_begin(j, NULL);
			json__strn(j, "file", s->sources[f].file, sizeof(s->sources[f].file));
			json__u64(j, "line", s->sources[f].line);
			json__obj_end(j);
		}
		json__arr_end(j);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__arr_begin(j, "regions");
	for (int c = 0; ms->regions && c < LS_REGION_CLASSES; c++) {
		const struct mem_regions *r = ms->regions;
		const struct ls_region_sum *rs = &r->latest.classes[c];
		int k = LS_REGION_NAMED_INDEX(c);

		json__obj_begin(j, NULL);
		json__str(j, "class", mem_model__region_class(c));
		if (k >= 0 && r->latest.names[k][0].name[0])
			json__str(j, "name", r->latest.names[k][0].name);
		else
			json__null(j, "name");
		json__u64(j, "rss_bytes", rs->rss_bytes);
		json__u64(j, "private_bytes", rs->private_bytes);
		json__u64(j, "lazyfree_bytes", rs->lazyfree_bytes);
		json__u64(j, "swap_bytes", rs->swap_bytes);
		json__u64(j, "count", rs->count);
		json__i64(j, "rss_growth_bytes", (int64_t)(rs->rss_bytes - r->first[c].rss_bytes));
		if (k >= 0) {
			json__arr_begin(j, "files");
			for (int f = 0; f < LS_REGION_TOP_NAMES && r->latest.names[k][f].name[0]; f++) {
				json__obj_begin(j, NULL);
				json__str(j, "name", r->latest.names[k][f].name);
				json__u64(j, "rss_bytes", r->latest.names[k][f].rss_bytes);
				json__obj_end(j);
			}
			json__arr_end(j);
		}
		json__obj_end(j);
	}
	json__arr_end(j);
	if (ms->regions) {
		json__u64(j, "regions_ts", ms->regions->latest.hdr.ts_ns);
		json__u64(j, "regions_reads", ms->regions->reads);
		json__bool(j, "regions_cut", ms->regions->latest.flags & LS_REGIONS_CUT);
	}
	json__str(j, "verdict", verdict__name(ms->verdict));
	json__dbl(j, "confidence", ms->confidence, 2);
	json__u64(j, "samples", model__samples(p));
	json__str(j, "explanation", ms->explanation);
	mem_link__json(m, &ms->link, j);
	heap_model__json(p, j);
	json__obj_end(j);
}

/* the last part of a file's name */
static const char *name_base(const char *name)
{
	const char *b = strrchr(name, '/');

	return b && b[1] ? b + 1 : name;
}

/* "    resident: anon 812.0 MiB, heap 40.1 MiB, lib 22.3 MiB (libc.so.6,
 * ...), stack 1.6 MiB (200), shmem 0": the classes with mappings, the
 * most resident first; file names escaped (the process chose them) */
static void regions_text(const struct mem_regions *r, FILE *out)
{
	int order[LS_REGION_CLASSES], n = 0;
	char b[32], esc[TEXT_ESC_SIZE(LS_REGION_NAME_LEN)];

	for (int c = 0; c < LS_REGION_CLASSES; c++)
		if (r->latest.classes[c].count)
			order[n++] = c;
	for (int i = 1; i < n; i++)	/* by rss, biggest first (8 at most) */
		for (int k = i; k > 0 && r->latest.classes[order[k]].rss_bytes >
				       r->latest.classes[order[k - 1]].rss_bytes; k--) {
			int t = order[k];

			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	fprintf(out, "    resident:");
	for (int i = 0; i < n; i++) {
		const struct ls_region_sum *rs = &r->latest.classes[order[i]];
		int k = LS_REGION_NAMED_INDEX(order[i]);

		fprintf(out, "%s %s %s", i ? "," : "", mem_model__region_class(order[i]),
			rs->rss_bytes ? fmt__bytes(rs->rss_bytes, b, sizeof(b)) : "0");
		if (order[i] == LS_REGION_STACK)
			fprintf(out, " (%u)", rs->count);
		else if (k >= 0 && r->latest.names[k][0].name[0]) {
			fprintf(out, " (%s", text__esc(name_base(r->latest.names[k][0].name), esc,
							 sizeof(esc)));
			if (r->latest.names[k][1].name[0])
				fprintf(out, ", %s%s", text__esc(name_base(r->latest.names[k][1].name), esc,
								 sizeof(esc)),
					r->latest.names[k][2].name[0] ? ", ..." : "");
			fputc(')', out);
		}
	}
	if (r->latest.flags & LS_REGIONS_CUT)
		fprintf(out, " (the first %u mappings)", r->latest.mappings);
	fputc('\n', out);
}

void mem_model__text(const struct ls_process *p, FILE *out, bool final)
{
	const struct mem_state *ms = &p->mem;
	const struct mem_extra *x = ms->extra;
	char a[32], b[32];
	/* thread names and symbols (from the process's own ELF files, and in
	 * the explanation) are the process's choice: escaped (text.h) */
	char esc[TEXT_ESC_SIZE(sizeof(ms->explanation))];

	if (!final)
		return;
	fprintf(out, "  memory: %s (confidence %.2f). %s\n", verdict__name(ms->verdict),
		ms->confidence, text__esc(ms->explanation, esc, sizeof(esc)));
	if (ms->regions)
		regions_text(ms->regions, out);
	heap_model__text(p, out);
	if (ms->ledger.madv_free_bytes || ms->ledger.madv_dontneed_bytes)
		fprintf(out, "    madvise: %s MADV_FREE, %s MADV_DONTNEED during the run\n",
			fmt__bytes(ms->ledger.madv_free_bytes, a, sizeof(a)),
			fmt__bytes(ms->ledger.madv_dontneed_bytes, b, sizeof(b)));
	for (uint32_t i = 0; x && i < x->nlargest; i++) {
		const struct mem_mapping *mm = &x->largest[i];

		fprintf(out, "    mapping %s at 0x%llx by %s thread %u (%s)\n",
			fmt__bytes(mm->size, a, sizeof(a)), (unsigned long long)mm->addr,
			map_syscall(mm->syscall), mm->tid,
			text__escape(esc, sizeof(esc), mm->thread, sizeof(mm->thread)));
	}
	for (uint32_t i = 0; x && i < x->nsites; i++) {
		const struct mem_site *s = &x->sites[i];

		fprintf(out, "    growth site %s in %llu calls:", fmt__bytes(s->bytes, a, sizeof(a)),
			(unsigned long long)s->calls);
		for (uint32_t f = 0; f < s->nframes; f++) {
			const struct ls_site_source *src = &s->sources[f];

			fprintf(out, "%s %s", f ? " <-" : "",
				text__escape(esc, sizeof(esc), s->frames[f], sizeof(s->frames[f])));
			if (src->line)	/* the path's last part: the frame says which file */
				fprintf(out, " at %s:%u",
					text__esc(mem_model__src_base(src->file, sizeof(src->file)), esc, sizeof(esc)),
					src->line);
		}
		fputc('\n', out);
	}
}
