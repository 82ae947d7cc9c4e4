/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A labelled corpus of real-shaped series for the verdict rule (issue 24):
 * warm-ups then plateaus, a Go heap creeping and settling, GC sawtooths,
 * steps, noise, and true leaks from 100 KiB/s to 100 MiB/s, some starting
 * late.  Every series is generated deterministically (seeded) and labelled
 * with the time its leak starts (never, for the others).
 *
 * corpus__run() judges every case as the live table does: one sample at
 * attach, one each interval, a verdict on every prefix.  A `leak` verdict
 * at a prefix is a true positive when the leak had started by then, else a
 * false positive (precision); recall counts the prefixes where a leak has
 * run at least CORPUS_RECALL_AFTER_S; time to leak is from the leak's start
 * (or attach) to its first `leak` verdict.
 */
#ifndef LS_CORPUS_H
#define LS_CORPUS_H
#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "series.h"
#include "verdict.h"

#define CORPUS_KIB		1024.0
#define CORPUS_MIB		(1024.0 * 1024.0)
#define CORPUS_GIB		(1024.0 * CORPUS_MIB)
#define CORPUS_NEVER		1e18
#define CORPUS_BEFORE		(-1e6)	/* leaking since before attach */
#define CORPUS_RECALL_AFTER_S	30.0
#define CORPUS_MAX		1200

enum corpus_family {
	FAM_WARMUP,		/* linear fill, then flat */
	FAM_WARMUP_LATE,	/* the same, starting well after attach */
	FAM_WARMUP_SAT,		/* 1 - exp(-t/tau), then flat */
	FAM_CREEP,		/* Go heap creeping and settling, GC noise */
	FAM_SAWTOOTH,		/* GC: rises to a peak, drops back, again */
	FAM_STEPS,		/* one to three steps, then flat */
	FAM_NOISE,		/* flat or falling, noisy, with spikes */
	FAM_LEAK,		/* steady leak from before attach */
	FAM_LEAK_GC,		/* a leak under a GC sawtooth */
	FAM_LEAK_LATE,		/* flat, then a leak */
	FAM_LEAK_AFTER_WARMUP,	/* a 16 s warm-up, then a leak */
	FAM_LEAK_CHUNKS,	/* a big chunk every few seconds */
	FAM_COUNT_POOL,		/* connections: a pool filling, then steady */
	FAM_COUNT_BUSY,		/* connections: a busy server, steady */
	FAM_COUNT_LEAK,		/* connections: leaked at a steady pace */
	FAM_MAX,
};

static const char *const corpus_family_names[FAM_MAX] = {
	"warm-up, plateau", "warm-up starting late", "saturating warm-up", "Go heap creep, settles",
	"GC sawtooth", "steps, then flat", "noise, spikes, decline", "leak", "leak under GC",
	"leak starting late", "warm-up, then leak", "leak in chunks", "conn pool warm-up",
	"busy server (conns)", "conn leak",
};

struct corpus_case {
	enum corpus_family fam;
	bool count;		/* judged with verdict_params_count */
	double leak_from_s;	/* CORPUS_NEVER, CORPUS_BEFORE or a time */
	double base;		/* level at attach */
	double size;		/* warm-up size, step size, sawtooth amplitude */
	double start_s;		/* when a warm-up or step starts */
	double len_s;		/* warm-up length, tau, period */
	double rate;		/* leak rate, units/s */
	double saw_amp, saw_period_s;	/* GC sawtooth on top */
	double noise_rel;	/* noise, share of the level */
	double duration_s;
	uint32_t seed;
	char label[96];
};

/* deterministic noise in [-1, 1] */
static inline double corpus_uniform(uint32_t *st)
{
	*st = *st * 1103515245u + 12345u;
	return ((*st >> 8) & 0xffff) / 32767.5 - 1.0;
}

/* roughly normal, sd about 0.58 */
static inline double corpus_noise(uint32_t *st)
{
	return (corpus_uniform(st) + corpus_uniform(st) + corpus_uniform(st)) / 3 * 1.7;
}

static inline double corpus_saw(double t, double amp, double period)
{
	double x;

	if (amp <= 0 || period <= 0)
		return 0;
	x = fmod(t + 1000 * period, period) / period;
	return amp * x;
}

/* The true value at time t (noise added by the caller). */
static inline double corpus_value(const struct corpus_case *c, double t)
{
	double v = c->base, x;

	switch (c->fam) {
	case FAM_WARMUP:
	case FAM_WARMUP_LATE:
	case FAM_COUNT_POOL:
		x = (t - c->start_s) / c->len_s;
		v += c->size * (x < 0 ? 0 : x > 1 ? 1 : x);
		break;
	case FAM_WARMUP_SAT:
		if (t > c->start_s)
			v += c->size * (1 - exp(-(t - c->start_s) / c->len_s));
		break;
	case FAM_CREEP:
		/* slope rate at attach, decaying with time constant len_s */
		v += c->rate * c->len_s * (1 - exp(-t / c->len_s));
		break;
	case FAM_SAWTOOTH:
		break;
	case FAM_STEPS:
		/* size at start_s, and (len_s > 0) twice more len_s apart */
		for (int k = 0; k < (c->len_s > 0 ? 3 : 1); k++)
			if (t >= c->start_s + k * c->len_s)
				v += c->size;
		break;
	case FAM_NOISE:
		v -= c->rate * t;	/* rate: a slow decline, or 0 */
		break;
	case FAM_LEAK_CHUNKS:
		/* size every len_s seconds */
		v += c->size * floor(t / c->len_s);
		break;
	case FAM_LEAK_AFTER_WARMUP:
		x = t / 16.0;
		v += c->size * (x > 1 ? 1 : x);
		/* fall through */
	case FAM_LEAK:
	case FAM_LEAK_GC:
	case FAM_LEAK_LATE:
	case FAM_COUNT_LEAK:
		if (t > c->leak_from_s)
			v += c->rate * (t - (c->leak_from_s < 0 ? 0 : c->leak_from_s));
		break;
	case FAM_COUNT_BUSY:
	case FAM_MAX:
		break;
	}
	v += corpus_saw(t + c->start_s, c->saw_amp, c->saw_period_s);
	return v;
}

struct corpus {
	struct corpus_case c[CORPUS_MAX];
	int n;
};

static inline struct corpus_case *corpus_add(struct corpus *k, enum corpus_family fam, double base,
					     double duration_s)
{
	struct corpus_case *c;

	if (k->n >= CORPUS_MAX)
		return NULL;
	c = &k->c[k->n++];
	memset(c, 0, sizeof(*c));
	c->fam = fam;
	c->base = base;
	c->duration_s = duration_s;
	c->leak_from_s = CORPUS_NEVER;
	c->seed = 0x9e3779b9u * (uint32_t)k->n + 17;
	c->noise_rel = 0.002;
	return c;
}

static inline const char *corpus_bytes(double v, char *buf, size_t len)
{
	if (fabs(v) >= CORPUS_GIB)
		snprintf(buf, len, "%.0f GiB", v / CORPUS_GIB);
	else if (fabs(v) >= CORPUS_MIB)
		snprintf(buf, len, "%.0f MiB", v / CORPUS_MIB);
	else
		snprintf(buf, len, "%.0f KiB", v / CORPUS_KIB);
	return buf;
}

/* The whole corpus: about 560 series. */
static inline void corpus_build(struct corpus *k)
{
	static const double wl_len[] = { 8, 16, 30 };
	static const double wl_start[] = { 0, 1, 2.5, 4, 4.9 };
	static const double wl_size[] = { 16 * CORPUS_MIB, 200 * CORPUS_MIB, 1 * CORPUS_GIB };
	static const double bases[] = { 10 * CORPUS_MIB, 300 * CORPUS_MIB };
	static const double noises[] = { 0.001, 0.01 };
	static const double rates[] = { 100 * CORPUS_KIB, 500 * CORPUS_KIB, 1 * CORPUS_MIB,
					2 * CORPUS_MIB, 10 * CORPUS_MIB, 100 * CORPUS_MIB };
	struct corpus_case *c;
	char a[24], b[24];

	k->n = 0;
	/* warm-ups from attach (within the first interval) */
	for (int l = 0; l < 3; l++)
		for (int s = 0; s < 5; s++)
			for (int z = 0; z < 3; z++)
				for (int bs = 0; bs < 2; bs++)
					for (int nz = 0; nz < 2; nz++) {
						c = corpus_add(k, FAM_WARMUP, bases[bs], 180);
						c->size = wl_size[z];
						c->start_s = wl_start[s];
						c->len_s = wl_len[l];
						c->noise_rel = noises[nz];
						snprintf(c->label, sizeof(c->label),
							 "%.0f s warm-up of %s from %.1f s on %s",
							 wl_len[l], corpus_bytes(wl_size[z], a, sizeof(a)),
							 wl_start[s], corpus_bytes(bases[bs], b, sizeof(b)));
					}
	/* warm-ups starting late: a restart of a cache, a new tenant */
	for (int l = 0; l < 3; l++)
		for (int s = 0; s < 3; s++)
			for (int z = 0; z < 2; z++) {
				static const double late[] = { 20, 47, 90 };

				c = corpus_add(k, FAM_WARMUP_LATE, 100 * CORPUS_MIB, 180);
				c->size = wl_size[z];
				c->start_s = late[s];
				c->len_s = wl_len[l];
				snprintf(c->label, sizeof(c->label), "%.0f s warm-up of %s from %.0f s",
					 wl_len[l], corpus_bytes(wl_size[z], a, sizeof(a)), late[s]);
			}
	/* saturating warm-ups */
	for (int l = 0; l < 3; l++)
		for (int z = 0; z < 3; z++)
			for (int bs = 0; bs < 2; bs++)
				for (int nz = 0; nz < 2; nz++) {
					static const double tau[] = { 3, 8, 15 };

					c = corpus_add(k, FAM_WARMUP_SAT, bases[bs], 180);
					c->size = wl_size[z];
					c->len_s = tau[l];
					c->noise_rel = noises[nz];
					snprintf(c->label, sizeof(c->label),
						 "saturating warm-up of %s, tau %.0f s, on %s",
						 corpus_bytes(wl_size[z], a, sizeof(a)), tau[l],
						 corpus_bytes(bases[bs], b, sizeof(b)));
				}
	/* a Go heap creeping and settling (containerd under docker ps) */
	for (int bs = 0; bs < 2; bs++)
		for (int r = 0; r < 3; r++)
			for (int l = 0; l < 2; l++)
				for (int g = 0; g < 2; g++) {
					static const double creep[] = { 20 * CORPUS_KIB, 34 * CORPUS_KIB,
									100 * CORPUS_KIB };
					static const double tau[] = { 40, 90 };
					double base = bs ? 400 * CORPUS_MIB : 40 * CORPUS_MIB;

					c = corpus_add(k, FAM_CREEP, base, 300);
					c->rate = creep[r];
					c->len_s = tau[l];
					c->saw_amp = g ? 0.02 * base : 0;
					c->saw_period_s = 12;
					snprintf(c->label, sizeof(c->label),
						 "Go creep %s/s settling (tau %.0f s) on %s%s",
						 corpus_bytes(creep[r], a, sizeof(a)), tau[l],
						 corpus_bytes(base, b, sizeof(b)), g ? ", GC 2%" : "");
				}
	/* GC sawtooths */
	for (int bs = 0; bs < 3; bs++)
		for (int am = 0; am < 2; am++)
			for (int p = 0; p < 3; p++)
				for (int ph = 0; ph < 2; ph++) {
					static const double sb[] = { 8 * CORPUS_MIB, 64 * CORPUS_MIB,
								     512 * CORPUS_MIB };
					static const double period[] = { 10, 20, 40 };

					c = corpus_add(k, FAM_SAWTOOTH, sb[bs], 180);
					c->saw_amp = (am ? 1.0 : 0.5) * sb[bs];
					c->saw_period_s = period[p];
					c->start_s = ph ? period[p] / 2 : 0;
					snprintf(c->label, sizeof(c->label),
						 "GC sawtooth +%.0f%% every %.0f s on %s",
						 am ? 100.0 : 50.0, period[p],
						 corpus_bytes(sb[bs], a, sizeof(a)));
				}
	/* steps */
	for (int z = 0; z < 2; z++) {
		static const double at[] = { 12, 40, 100 };

		for (int s = 0; s < 3; s++) {
			c = corpus_add(k, FAM_STEPS, 100 * CORPUS_MIB, 180);
			c->size = z ? 500 * CORPUS_MIB : 20 * CORPUS_MIB;
			c->start_s = at[s];
			snprintf(c->label, sizeof(c->label), "one step of %s at %.0f s",
				 corpus_bytes(c->size, a, sizeof(a)), at[s]);
		}
		for (int s = 0; s < 2; s++) {
			c = corpus_add(k, FAM_STEPS, 100 * CORPUS_MIB, 180);
			c->size = z ? 100 * CORPUS_MIB : 10 * CORPUS_MIB;
			c->start_s = s ? 3 : 10;
			c->len_s = s ? 7 : 20;
			snprintf(c->label, sizeof(c->label), "three steps of %s, %.0f s apart, from %.0f s",
				 corpus_bytes(c->size, a, sizeof(a)), c->len_s, c->start_s);
		}
	}
	/* noise, spikes, decline */
	for (int bs = 0; bs < 2; bs++)
		for (int nz = 0; nz < 3; nz++)
			for (int d = 0; d < 2; d++) {
				static const double nl[] = { 0.005, 0.02, 0.05 };

				c = corpus_add(k, FAM_NOISE, bs ? 500 * CORPUS_MIB : 10 * CORPUS_MIB, 180);
				c->noise_rel = nl[nz];
				c->rate = d ? c->base / 1000 : 0;
				snprintf(c->label, sizeof(c->label), "%s %.1f%% noise on %s",
					 d ? "declining, " : "flat,", nl[nz] * 100,
					 corpus_bytes(c->base, a, sizeof(a)));
			}
	/* steady leaks */
	for (int r = 0; r < 6; r++)
		for (int bs = 0; bs < 3; bs++)
			for (int nz = 0; nz < 2; nz++) {
				static const double lb[] = { 10 * CORPUS_MIB, 300 * CORPUS_MIB,
							     2 * CORPUS_GIB };

				c = corpus_add(k, FAM_LEAK, lb[bs], 180);
				c->leak_from_s = CORPUS_BEFORE;
				c->rate = rates[r];
				c->noise_rel = noises[nz];
				snprintf(c->label, sizeof(c->label), "leak %s/s on %s, %.1f%% noise",
					 corpus_bytes(rates[r], a, sizeof(a)),
					 corpus_bytes(lb[bs], b, sizeof(b)), noises[nz] * 100);
			}
	/* leaks under a GC sawtooth */
	for (int r = 0; r < 3; r++)
		for (int am = 0; am < 2; am++) {
			static const double gr[] = { 500 * CORPUS_KIB, 2 * CORPUS_MIB, 10 * CORPUS_MIB };

			c = corpus_add(k, FAM_LEAK_GC, 40 * CORPUS_MIB, 180);
			c->leak_from_s = CORPUS_BEFORE;
			c->rate = gr[r];
			c->saw_amp = (am ? 0.3 : 0.1) * c->base;
			c->saw_period_s = 10;
			snprintf(c->label, sizeof(c->label), "leak %s/s under a %.0f%% GC sawtooth",
				 corpus_bytes(gr[r], a, sizeof(a)), am ? 30.0 : 10.0);
		}
	/* leaks starting late */
	for (int s = 0; s < 3; s++)
		for (int r = 0; r < 3; r++)
			for (int bs = 0; bs < 2; bs++) {
				static const double from[] = { 30, 60, 120 };
				static const double lr[] = { 1 * CORPUS_MIB, 2 * CORPUS_MIB,
							     10 * CORPUS_MIB };

				c = corpus_add(k, FAM_LEAK_LATE, bs ? 1 * CORPUS_GIB : 50 * CORPUS_MIB,
					       240);
				c->leak_from_s = from[s];
				c->rate = lr[r];
				c->noise_rel = 0.005;
				snprintf(c->label, sizeof(c->label), "leak %s/s from %.0f s on %s",
					 corpus_bytes(lr[r], a, sizeof(a)), from[s],
					 corpus_bytes(c->base, b, sizeof(b)));
			}
	/* a 16 s warm-up, then a leak */
	for (int r = 0; r < 2; r++)
		for (int z = 0; z < 2; z++) {
			c = corpus_add(k, FAM_LEAK_AFTER_WARMUP, 20 * CORPUS_MIB, 180);
			c->size = wl_size[z];
			c->rate = r ? 2 * CORPUS_MIB : 1 * CORPUS_MIB;
			c->leak_from_s = 16;
			snprintf(c->label, sizeof(c->label), "16 s warm-up of %s, then leak %s/s",
				 corpus_bytes(c->size, a, sizeof(a)), corpus_bytes(c->rate, b, sizeof(b)));
		}
	/* leaks in chunks */
	for (int i = 0; i < 4; i++) {
		static const double sz[] = { 8 * CORPUS_MIB, 64 * CORPUS_MIB, 4 * CORPUS_MIB,
					     32 * CORPUS_MIB };
		static const double every[] = { 4, 20, 2, 8 };

		c = corpus_add(k, FAM_LEAK_CHUNKS, 100 * CORPUS_MIB, 180);
		c->size = sz[i];
		c->len_s = every[i];
		c->rate = sz[i] / every[i];
		c->leak_from_s = CORPUS_BEFORE;
		snprintf(c->label, sizeof(c->label), "leak in chunks of %s every %.0f s",
			 corpus_bytes(sz[i], a, sizeof(a)), every[i]);
	}
	/* connections */
	for (int l = 0; l < 3; l++)
		for (int s = 0; s < 3; s++) {
			static const double pool[] = { 8, 50, 200 };
			static const double plen[] = { 5, 16, 30 };

			c = corpus_add(k, FAM_COUNT_POOL, 4, 180);
			c->count = true;
			c->size = pool[s];
			c->len_s = plen[l];
			c->start_s = l;
			c->noise_rel = 0.05;
			snprintf(c->label, sizeof(c->label), "pool of %.0f connections filled in %.0f s",
				 pool[s], plen[l]);
		}
	for (int s = 0; s < 3; s++) {
		static const double lvl[] = { 3, 20, 400 };

		c = corpus_add(k, FAM_COUNT_BUSY, lvl[s], 180);
		c->count = true;
		c->noise_rel = 0.2;
		snprintf(c->label, sizeof(c->label), "busy server, about %.0f connections", lvl[s]);
	}
	for (int r = 0; r < 4; r++)
		for (int bs = 0; bs < 2; bs++) {
			static const double cr[] = { 0.1, 1, 10, 100 };

			c = corpus_add(k, FAM_COUNT_LEAK, bs ? 300 : 10, 180);
			c->count = true;
			c->rate = cr[r];
			c->leak_from_s = CORPUS_BEFORE;
			c->noise_rel = 0.01;
			snprintf(c->label, sizeof(c->label), "%.1f connections leaked a second on %.0f",
				 cr[r], c->base);
		}
}

/* One sample: the true value, noise, and a spike now and then. */
static inline double corpus_sample(const struct corpus_case *c, double t, uint32_t *st)
{
	double v = corpus_value(c, t), level = fabs(v) > 1 ? fabs(v) : 1;

	v += level * c->noise_rel * corpus_noise(st);
	if (c->fam == FAM_NOISE && corpus_uniform(st) > 0.9)
		v += level * 0.1;	/* a spike one sample in 20 */
	if (c->count)
		v = v < 0 ? 0 : round(v);
	return v < 0 ? 0 : v;
}

struct corpus_result {
	uint32_t prefixes;		/* verdicts given */
	uint32_t leak, growing;		/* verdicts of each kind */
	uint32_t fp;			/* leak said before the leak started (or never) */
	uint32_t tp;
	uint32_t recall_due, recall_hit;	/* leaking >= CORPUS_RECALL_AFTER_S */
	double first_leak_s;		/* attach-relative; -1 none */
	double first_growing_s;
	double time_to_leak_s;		/* from the leak's start; -1 never */
	double rate_err[512];		/* |rate - true| / true at each right leak verdict
					 * of a constant-rate leak */
	uint32_t nrate;
	enum verdict at[64];		/* verdict at each of the first prefixes */
	double at_t[64];
};

/* Judge one case at every prefix, the way the live table does (one sample
 * at attach, then one an interval). */
static inline void corpus_judge(const struct corpus_case *c, double interval_s,
				struct corpus_result *r)
{
	struct series s;
	struct verdict_result v;
	uint32_t st = c->seed;
	const struct verdict_params *p = c->count ? &verdict_params_count : &verdict_params_memory;
	double start = c->leak_from_s < 0 ? 0 : c->leak_from_s;
	int k = 0;

	memset(r, 0, sizeof(*r));
	r->first_leak_s = r->first_growing_s = r->time_to_leak_s = -1;
	series__init(&s);
	for (double t = 0; t <= c->duration_s + 1e-9; t += interval_s, k++) {
		/* a few ms of jitter in when a sample is read */
		double tt = t + 0.003 * (corpus_uniform(&st) + 1);
		bool leaking = c->leak_from_s < tt;

		series__add(&s, (uint64_t)((tt + 100) * 1e9), corpus_sample(c, tt, &st));
		if (!k)
			continue;
		verdict__decide(&s, p, &v);
		if (k < 64) {
			r->at[k] = v.verdict;
			r->at_t[k] = t;
		}
		r->prefixes++;
		if (v.verdict == VERDICT_GROWING) {
			r->growing++;
			if (r->first_growing_s < 0)
				r->first_growing_s = t;
		}
		if (v.verdict == VERDICT_LEAK) {
			r->leak++;
			if (leaking)
				r->tp++;
			else
				r->fp++;
			if (leaking && c->rate > 0 && r->nrate < 512 &&
			    (c->fam == FAM_LEAK || c->fam == FAM_LEAK_LATE || c->fam == FAM_COUNT_LEAK ||
			     c->fam == FAM_LEAK_CHUNKS))
				r->rate_err[r->nrate++] = fabs(v.rate_per_s - c->rate) / c->rate;
			if (r->first_leak_s < 0)
				r->first_leak_s = t;
			if (leaking && r->time_to_leak_s < 0)
				r->time_to_leak_s = t - start;
		}
		if (leaking && t - start >= CORPUS_RECALL_AFTER_S) {
			r->recall_due++;
			r->recall_hit += v.verdict == VERDICT_LEAK;
		}
	}
}

struct corpus_family_stats {
	uint32_t cases, fp_cases, prefixes, tp, fp, recall_due, recall_hit, leak_cases, detected;
	double ttl_sum, ttl_max;
	double ttl[CORPUS_MAX];
	uint32_t nttl;
	double *rate_err;		/* (all) every right verdict's rate error */
	uint32_t nrate, rate_cap;
};

struct corpus_stats {
	struct corpus_family_stats fam[FAM_MAX];
	struct corpus_family_stats all;
};

static inline void corpus_account(struct corpus_family_stats *f, const struct corpus_case *c,
				  const struct corpus_result *r)
{
	f->cases++;
	f->prefixes += r->prefixes;
	f->tp += r->tp;
	f->fp += r->fp;
	f->fp_cases += r->fp > 0;
	f->recall_due += r->recall_due;
	f->recall_hit += r->recall_hit;
	for (uint32_t i = 0; i < r->nrate; i++) {
		if (f->nrate == f->rate_cap) {
			double *n = realloc(f->rate_err, (f->rate_cap ? 2 * f->rate_cap : 1024) *
						 sizeof(*n));

			if (!n)
				break;
			f->rate_err = n;
			f->rate_cap = f->rate_cap ? 2 * f->rate_cap : 1024;
		}
		f->rate_err[f->nrate++] = r->rate_err[i];
	}
	if (c->leak_from_s < CORPUS_NEVER) {
		f->leak_cases++;
		if (r->time_to_leak_s >= 0) {
			f->detected++;
			f->ttl_sum += r->time_to_leak_s;
			if (r->time_to_leak_s > f->ttl_max)
				f->ttl_max = r->time_to_leak_s;
			f->ttl[f->nttl++] = r->time_to_leak_s;
		}
	}
}

static inline void corpus_free(struct corpus_stats *st)
{
	for (int i = 0; i < FAM_MAX; i++)
		free(st->fam[i].rate_err);
	free(st->all.rate_err);
	memset(st, 0, sizeof(*st));
}

static inline void corpus_run(const struct corpus *k, double interval_s, struct corpus_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < k->n; i++) {
		struct corpus_result r;

		corpus_judge(&k->c[i], interval_s, &r);
		if (getenv("LS_CORPUS_VERBOSE") && (r.fp || (k->c[i].leak_from_s < CORPUS_NEVER &&
							     r.recall_hit < r.recall_due))) {
			printf("# %s %s: fp %u, recall %u/%u, ttl %.0f:", r.fp ? "FP" : "MISS",
			       k->c[i].label, r.fp, r.recall_hit, r.recall_due, r.time_to_leak_s);
			for (int j = 1; j < 64 && j <= (int)r.prefixes; j++)
				printf(" %c", "isglz"[r.at[j]]);
			printf("\n");
		}
		corpus_account(&out->fam[k->c[i].fam], &k->c[i], &r);
		corpus_account(&out->all, &k->c[i], &r);
	}
}

static inline double corpus_precision(const struct corpus_family_stats *f)
{
	return f->tp + f->fp ? (double)f->tp / (f->tp + f->fp) : 1;
}

static inline double corpus_recall(const struct corpus_family_stats *f)
{
	return f->recall_due ? (double)f->recall_hit / f->recall_due : 1;
}

static inline int corpus_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of the rate errors of right leak verdicts (sorts them). */
static inline double corpus_rate_err(struct corpus_family_stats *f, double q)
{
	if (!f->nrate)
		return 0;
	qsort(f->rate_err, f->nrate, sizeof(f->rate_err[0]), corpus_cmp_double);
	return f->rate_err[(uint32_t)(q * (f->nrate - 1))];
}

static inline double corpus_median_ttl(struct corpus_family_stats *f)
{
	if (!f->nttl)
		return -1;
	qsort(f->ttl, f->nttl, sizeof(f->ttl[0]), corpus_cmp_double);
	return f->nttl % 2 ? f->ttl[f->nttl / 2] : (f->ttl[f->nttl / 2 - 1] + f->ttl[f->nttl / 2]) / 2;
}

static inline void corpus_print(FILE *out, struct corpus_stats *st, double interval_s)
{
	fprintf(out, "# verdict corpus at -i %.0f: %-26s %5s %6s %5s %5s %7s %7s %9s %7s\n",
		interval_s, "family", "cases", "alarms", "FP", "TP", "recall", "found", "ttl med",
		"ttl max");
	for (int i = 0; i <= FAM_MAX; i++) {
		struct corpus_family_stats *f = i < FAM_MAX ? &st->fam[i] : &st->all;
		char rec[16] = "-", found[16] = "-", med[16] = "-", max[16] = "-";

		if (!f->cases)
			continue;
		if (f->recall_due)
			snprintf(rec, sizeof(rec), "%.3f", corpus_recall(f));
		if (f->leak_cases) {
			snprintf(found, sizeof(found), "%u/%u", f->detected, f->leak_cases);
			if (f->nttl) {
				snprintf(med, sizeof(med), "%.0f s", corpus_median_ttl(f));
				snprintf(max, sizeof(max), "%.0f s", f->ttl_max);
			}
		}
		fprintf(out, "# verdict corpus at -i %.0f: %-26s %5u %6u %5u %5u %7s %7s %9s %7s\n",
			interval_s, i < FAM_MAX ? corpus_family_names[i] : "ALL", f->cases, f->fp_cases,
			f->fp, f->tp, rec, found, med, max);
	}
	fprintf(out, "# verdict corpus at -i %.0f: precision %.3f (%u of %u leak verdicts right), "
		"recall %.3f (%u of %u prefixes leaking >= %.0f s)\n", interval_s,
		corpus_precision(&st->all), st->all.tp, st->all.tp + st->all.fp, corpus_recall(&st->all),
		st->all.recall_hit, st->all.recall_due, CORPUS_RECALL_AFTER_S);
	fprintf(out, "# verdict corpus at -i %.0f: rate quoted at a right leak verdict of a "
		"constant-rate leak: median error %.1f%%, 90th percentile %.1f%% (%u verdicts)\n",
		interval_s, 100 * corpus_rate_err(&st->all, 0.5), 100 * corpus_rate_err(&st->all, 0.9),
		st->all.nrate);
}

#endif
