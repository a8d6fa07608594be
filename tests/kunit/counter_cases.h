/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Folds of one guest counter, each with what our model answers and what
 * KVM answers: the counter suite (counter_kunit.c) checks the model on
 * them, the KVM agreement suite (counter_kvm_kunit.c) checks each
 * kernel's own accounting.
 *
 * A row starts from a counter value, adds emulated events (each amount
 * one call), with a perf count pending, then folds.  Values that depend
 * on the width are written as a distance from 0 (A), from the top (T,
 * mask - n) or as whole ranges plus a rest (RG, k * 2^width + n);
 * amounts as they are (X).
 */
#ifndef VPMU_COUNTER_CASES_H
#define VPMU_COUNTER_CASES_H

#include <linux/kernel.h>
#include <vpmu/types.h>

/* The widths every fold runs at; a row names its own among them. */
static const unsigned int cnt_widths[] = { 1, 32, 48, 64 };

#define W1		BIT(0)
#define W_MID		(BIT(1) | BIT(2))
#define W64		BIT(3)
#define W_WIDE		(W_MID | W64)
#define W_NARROW	(W1 | W_MID)
#define W_ALL		(W1 | W_WIDE)

enum { CV_NONE, CV_ABS, CV_TOP, CV_RANGES, CV_RAW };

struct cnt_val {
	u8 kind;
	u8 k;
	u64 n;
};

/*
 * Who reports an overflow for the emulated events of the fold:
 * WR_US	vpmu_counter_fold(), one fold after all the events;
 * WR_NOW	vpmu_counter_add_now() per amount, the perf count pending
 *		(the 6.1 redirect's shape); exact also past 2^64 in all;
 * WR_612	Linux 6.12: emulated_counter, then pmc_pause_counter()'s
 *		"new < old", which misses wraps by 2^width events or more;
 * WR_61	Linux 6.1: kvm_pmu_incr_counter() per event, bump, consume
 *		the perf count, compare with the value before the bump.
 */
#define WR_US		BIT(0)
#define WR_NOW		BIT(1)
#define WR_612		BIT(2)
#define WR_61		BIT(3)
#define WR_ALL		(WR_US | WR_NOW | WR_612 | WR_61)

struct cnt_fold_case {
	const char *name;
	u8 widths;
	struct cnt_val start;
	struct cnt_val emulated[5];
	struct cnt_val perf;
	u8 wrap;			/* WR_* that report an overflow */
	struct cnt_val counter;		/* the counter afterwards */
};

#define A(x)		{ CV_ABS, 0, (x) }
#define T(x)		{ CV_TOP, 0, (x) }
#define RG(k, x)	{ CV_RANGES, (k), (x) }
#define X(x)		{ CV_RAW, 0, (x) }

static const struct cnt_fold_case cnt_fold_cases[] = {
	/* A wrap the perf count makes alone is perf's. */
	{ "perf-wrap-alone", W_ALL, T(0), { }, X(1), 0, A(0) },
	{ "perf-wrap-to-below-start", W_ALL, T(0), { }, X(~0ULL), 0, T(1) },
	{ "nothing-counted", W_ALL, T(0), { }, X(0), 0, T(0) },
	/*
	 * Seed bug: 6.1 compares with the value before both the bump and
	 * the perf count, so a perf wrap in the same window makes a second,
	 * spurious overflow (not at width 1, where 3 events wrap back).
	 */
	{ "perf-wrap-and-emulated-event-in-one-window", W_WIDE, T(0), { X(1) },
	  X(3), WR_61, A(3) },
	{ "perf-wrap-and-emulated-event-at-1", W1, T(0), { X(1) }, X(3), 0, A(3) },
	/* Seed bug: five events from mask - 1 wrap once, seen at one fold. */
	{ "emulated-events-across-a-wrap", W_WIDE, T(1),
	  { X(1), X(1), X(1), X(1), X(1) }, X(0), WR_ALL, A(3) },
	/* At width 1 five events are more than the range: 6.12 misses it. */
	{ "emulated-events-across-a-wrap-at-1", W1, T(1),
	  { X(1), X(1), X(1), X(1), X(1) }, X(0), WR_US | WR_NOW | WR_61, A(3) },
	/* Perf counting in the same window does not hide ours. */
	{ "perf-count-and-emulated-wrap", W_WIDE, T(3), { X(2), X(2) },
	  X(2), WR_ALL, A(2) },
	/* The perf count wraps, and the emulated events wrap again. */
	{ "perf-wrap-then-emulated-wrap", W_ALL, T(0), { T(0) }, X(2), WR_ALL,
	  A(0) },
	{ "perf-wrap-then-one-short", W_ALL, T(0), { T(1) }, X(2), 0, T(0) },
	/*
	 * More emulated events than the counter's range: a wrap even when
	 * the value comes back to where it was, which 6.12 misses.
	 */
	{ "one-range-of-events", W_NARROW, A(5), { RG(1, 0) }, X(0),
	  WR_US | WR_NOW | WR_61, A(5) },
	{ "one-range-from-zero", W_NARROW, A(0), { RG(1, 0) }, X(0),
	  WR_US | WR_NOW | WR_61, A(0) },
	{ "three-ranges-and-one", W_MID, A(5), { RG(3, 1) }, X(0),
	  WR_US | WR_NOW | WR_61, A(6) },
	{ "three-ranges-and-one-at-1", W1, A(5), { RG(3, 1) }, X(0), WR_ALL,
	  A(6) },
	{ "a-range-in-pieces", W_NARROW, T(0), { T(0), A(1) }, X(1),
	  WR_US | WR_NOW | WR_61, A(0) },
	/* At width 64, the largest count a u64 holds. */
	{ "u64-max-from-zero", W64, A(0), { X(~0ULL) }, X(0), 0, T(0) },
	{ "u64-max-from-one", W64, A(1), { X(~0ULL) }, X(0),
	  WR_US | WR_NOW | WR_612, A(0) },
	{ "u64-max-after-perf", W64, A(0), { X(~0ULL) }, X(~0ULL),
	  WR_US | WR_NOW | WR_612, T(1) },
	/*
	 * Pending events past 2^64 in total: counted mod 2^width, and a wrap
	 * below width 64; at width 64 one fold sees them mod 2^64 (the
	 * documented limit), adding them as they come does not.
	 */
	{ "twice-u64-max", W_NARROW, A(0), { X(~0ULL), X(~0ULL) }, X(0),
	  WR_US | WR_NOW, T(1) },
	{ "twice-u64-max-at-64", W64, A(0), { X(~0ULL), X(~0ULL) }, X(0),
	  WR_NOW, T(1) },
	{ "u64-max-plus-two", W_NARROW, A(0), { X(~0ULL), X(2) }, X(0),
	  WR_US | WR_NOW, A(1) },
	{ "u64-max-plus-two-at-64", W64, A(0), { X(~0ULL), X(2) }, X(0),
	  WR_NOW, A(1) },
	{ "three-carries", W_NARROW, A(0), { X(~0ULL), X(~0ULL), X(~0ULL), X(2) },
	  X(0), WR_US | WR_NOW, T(0) },
	{ "three-carries-at-64", W64, A(0), { X(~0ULL), X(~0ULL), X(~0ULL), X(2) },
	  X(0), WR_NOW, T(0) },
	/* Fold consumes: afterwards the value stays and nothing is pending. */
	{ "fold-consumes", W_WIDE, A(0x2aaaaaaaaaaaULL), { X(12345) }, X(777),
	  0, A(0x2aaaaaaaaaaaULL + 13122) },
};

#undef A
#undef T
#undef RG
#undef X

/* 2^width - 1, computed apart from the code under test. */
static inline u64 cnt_mask(unsigned int width)
{
	return width == 64 ? ~0ULL : (1ULL << width) - 1;
}

static inline u64 cnt_val(const struct cnt_val *v, u64 mask)
{
	switch (v->kind) {
	case CV_ABS:
		return v->n & mask;
	case CV_TOP:
		return (mask - v->n) & mask;
	case CV_RANGES:
		return (mask + 1) * v->k + v->n;
	default:
		return v->n;
	}
}

/* A row's values at one width. */
struct cnt_fold_at {
	unsigned int width;
	u64 mask;
	u64 start;
	u64 perf;
	u64 want;
	u64 emulated[5];
	unsigned int nr_emulated;
};

/* @p at cnt_widths[@i]; false when the row does not run at that width. */
static inline bool cnt_fold_at(const struct cnt_fold_case *p, unsigned int i,
			       struct cnt_fold_at *at)
{
	unsigned int k;

	if (!(p->widths & BIT(i)))
		return false;
	at->width = cnt_widths[i];
	at->mask = cnt_mask(at->width);
	at->start = cnt_val(&p->start, at->mask);
	at->perf = cnt_val(&p->perf, at->mask);
	at->want = cnt_val(&p->counter, at->mask);
	at->nr_emulated = 0;
	for (k = 0; k < ARRAY_SIZE(p->emulated); k++)
		if (p->emulated[k].kind != CV_NONE)
			at->emulated[at->nr_emulated++] =
				cnt_val(&p->emulated[k], at->mask);
	return true;
}

#endif /* VPMU_COUNTER_CASES_H */
