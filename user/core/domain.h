/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model's domains (memory, sockets, namespaces) as one table of what
 * the model and the reports ask of each, like bpftool's command tables:
 * model.c, report.c, html_report.c and tui_view.c loop over it instead of
 * naming each domain.  Each operation keeps the order it always had:
 * sockets' views before memory's interval (what memory grows with reads
 * them); JSON memory, sockets, setns (the keys' order); the final text
 * setns, sockets, memory (most urgent first).
 */
#ifndef LS_DOMAIN_H
#define LS_DOMAIN_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct model;
struct ls_process;
struct ls_rec_hdr;
struct json;

struct domain_ops {
	const char *name;
	/* the domain's model-wide state, made with the model (0, or -1 when
	 * out of memory) and freed with it */
	int (*create)(struct model *m);
	void (*destroy)(struct model *m);
	/* records the domain dropped itself (a full table): events lost */
	uint64_t (*dropped)(const struct model *m);
	/* bytes of its per-process state on the heap (model__heap_bytes) */
	uint64_t (*heap_bytes)(const struct model *m);
	/* records that name no process of their own (a socket's, a setns
	 * call's): the domain finds the processes; true when it took rec */
	bool (*ingest_unowned)(struct model *m, const struct ls_rec_hdr *rec);
	/* a record of process p, after the model's own part of it */
	void (*ingest)(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec);
	/* each interval, every process: its verdicts and explanations */
	void (*interval)(struct model *m, struct ls_process *p, uint64_t now_ns);
	void (*json)(const struct model *m, const struct ls_process *p, struct json *j);
	/* final: the report's lines; else the lines under the live table's row */
	void (*text)(const struct model *m, const struct ls_process *p, FILE *out, bool final);
	/* a verdict worth showing whatever the ranking (reports, eviction) */
	bool (*notable)(const struct ls_process *p);
	/* its share of the process's rank: the report's order */
	double (*rank)(const struct ls_process *p);
	/* its state freed with the process's slot */
	void (*release)(struct model *m, struct ls_process *p);
};

int domains__create(struct model *m);
void domains__destroy(struct model *m);
uint64_t domains__dropped(const struct model *m);
uint64_t domains__heap_bytes(const struct model *m);
bool domains__ingest_unowned(struct model *m, const struct ls_rec_hdr *rec);
void domains__ingest(struct model *m, struct ls_process *p, const struct ls_rec_hdr *rec);
void domains__interval(struct model *m, struct ls_process *p, uint64_t now_ns);
void domains__json(const struct model *m, const struct ls_process *p, struct json *j);
void domains__text(const struct model *m, const struct ls_process *p, FILE *out, bool final);
bool domains__notable(const struct ls_process *p);
double domains__rank(const struct ls_process *p);
void domains__release(struct model *m, struct ls_process *p);
#endif
