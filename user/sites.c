// SPDX-License-Identifier: GPL-2.0
/* Growth sites' stacks to frames (sites.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sites.h"
#include "symbols.h"

struct site_namer {
	struct symbolizer *syms;
	struct site_frames cache[SITE_NAMER_CACHE];
	unsigned next;		/* the slot the next site takes (oldest first) */
};

struct site_namer *site_namer__new(void)
{
	struct site_namer *sn = calloc(1, sizeof(*sn));

	if (!sn)
		return NULL;
	sn->syms = symbolizer__new();
	if (!sn->syms) {
		free(sn);
		return NULL;
	}
	return sn;
}

void site_namer__free(struct site_namer *sn)
{
	if (!sn)
		return;
	symbolizer__free(sn->syms);
	free(sn);
}

void site_namer__forget(struct site_namer *sn, uint32_t tgid)
{
	if (!sn)
		return;
	symbolizer__forget(sn->syms, (pid_t)tgid);
	for (unsigned i = 0; i < SITE_NAMER_CACHE; i++)
		if (sn->cache[i].tgid == tgid)
			memset(&sn->cache[i], 0, sizeof(sn->cache[i]));
}

const struct site_frames *site_namer__find(struct site_namer *sn, uint32_t tgid,
					   uint32_t stack_id, uint64_t caller)
{
	for (unsigned i = 0; i < SITE_NAMER_CACHE; i++)
		if (sn->cache[i].tgid == tgid && sn->cache[i].stack_id == stack_id &&
		    sn->cache[i].caller == caller && sn->cache[i].nframes)
			return &sn->cache[i];
	return NULL;
}

/* The caller word is only a frame when it points into a mapped file. */
static bool caller_is_code(const struct sym_frame *f)
{
	return f->in_file;
}

static void set_source(struct ls_site_source *src, const struct sym_frame *f)
{
	size_t n = strlen(f->file);

	src->line = f->line;
	/* the path's end is what tells files apart */
	if (n < sizeof(src->file))
		memcpy(src->file, f->file, n + 1);
	else
		snprintf(src->file, sizeof(src->file), "...%s", f->file + n - (sizeof(src->file) - 4));
}

const struct site_frames *site_namer__name(struct site_namer *sn, uint32_t tgid,
					   uint32_t stack_id, uint64_t caller,
					   const uint64_t *ips, unsigned n)
{
	uint64_t at[LS_STACK_DEPTH];
	struct site_frames *e;
	struct sym_frame f;
	uint32_t nall = 0, first_app = LS_STACK_DEPTH;

	if (n > LS_STACK_DEPTH)
		n = LS_STACK_DEPTH;
	for (unsigned i = 0; i < n && ips[i] && nall < LS_STACK_DEPTH; i++) {
		symbolizer__frame(sn->syms, (pid_t)tgid, ips[i], false, &f);
		at[nall] = ips[i];
		if (first_app == LS_STACK_DEPTH && !symbols__is_plumbing(f.name, f.module))
			first_app = nall;
		nall++;
		/* after the innermost frame, the caller the walk could not see */
		if (i == 0 && caller && (n < 2 || caller != ips[1]) && nall < LS_STACK_DEPTH) {
			symbolizer__frame(sn->syms, (pid_t)tgid, caller, false, &f);
			if (caller_is_code(&f)) {
				at[nall] = caller;
				if (first_app == LS_STACK_DEPTH &&
				    !symbols__is_plumbing(f.name, f.module))
					first_app = nall;
				nall++;
			}
		}
	}
	if (!nall)
		return NULL;
	if (first_app == LS_STACK_DEPTH)
		first_app = 0;
	e = &sn->cache[sn->next++ % SITE_NAMER_CACHE];
	memset(e, 0, sizeof(*e));
	e->tgid = tgid;
	e->stack_id = stack_id;
	e->caller = caller;
	for (uint32_t i = first_app; i < nall && e->nframes < LS_SITE_FRAMES; i++) {
		symbolizer__frame(sn->syms, (pid_t)tgid, at[i], true, &f);
		sym_frame__format(&f, e->frames[e->nframes], LS_SYM_LEN);
		if (f.line)
			set_source(&e->sources[e->nframes], &f);
		e->nframes++;
	}
	return e;
}
