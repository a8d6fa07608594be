// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_counter": the emulated-counter accounting model
 * (include/vpmu/counter.h).  Every rule runs at widths 1, 32, 48 and 64;
 * the reference-model test also at widths in between.
 */
#include <kunit/test.h>

#include <vpmu/counter.h>

#include "counter_cases.h"
#include "vpmu_kunit.h"

static const unsigned int vpmu_counter_model_widths[] = {
	1, 2, 7, 31, 32, 33, 48, 63, 64
};

static void vpmu_counter_width_desc(const unsigned int *width, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "width %u", *width);
}

KUNIT_ARRAY_PARAM(vpmu_counter_width, cnt_widths, vpmu_counter_width_desc);
KUNIT_ARRAY_PARAM(vpmu_counter_model_width, vpmu_counter_model_widths,
		  vpmu_counter_width_desc);

static unsigned int test_width(struct kunit *test)
{
	return *(const unsigned int *)test->param_value;
}

static void counter_init(struct vpmu_counter *c, unsigned int width, u64 val)
{
	c->mask = cnt_mask(width);
	c->counter = val & c->mask;
	c->emulated = 0;
}

static void vpmu_counter_test_mask_for_width(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(0), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(1), 1ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(2), 3ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(32), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(48),
			0xffffffffffffULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(63),
			0x7fffffffffffffffULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(64),
			0xffffffffffffffffULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(65), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_mask_for_width(~0U), 0ULL);
}

/* read: (counter + perf_count + emulated) mod 2^width, nothing consumed. */
static void vpmu_counter_test_read(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	struct vpmu_counter c;

	counter_init(&c, w, mask);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), mask);
	/* The perf count wraps the value. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 1), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 2), 1ULL & mask);
	/* ~0ULL is -1 mod 2^width at every width. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, ~0ULL), mask - 1);

	/* Pending emulated events are seen at once. */
	vpmu_counter_add_emulated(&c, 2);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), 1ULL & mask);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 3), 4ULL & mask);

	/* Emulated events beyond the range count mod 2^width. */
	counter_init(&c, w, 5);
	vpmu_counter_add_emulated(&c, w == 64 ? ~0ULL : (mask + 1) * 3 + 2);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0),
			(w == 64 ? 4ULL : 7ULL) & mask);

	/* Reading consumes nothing. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0),
			(w == 64 ? 4ULL : 7ULL) & mask);
	KUNIT_EXPECT_EQ(test, c.counter, 5ULL & mask);
}

/*
 * fold at the boundary: base + emulated == 2^width - 1 does not wrap,
 * base + emulated == 2^width does, whether the base comes from the
 * counter or from the perf count.
 */
static void vpmu_counter_test_fold_boundary(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	const u64 bases[] = { 0, 1, mask / 2, mask - 1, mask };
	struct vpmu_counter c;
	unsigned int i, from_perf, past;

	for (i = 0; i < ARRAY_SIZE(bases) * 2; i++) {
		u64 b = bases[i / 2];

		from_perf = i & 1;
		/* 2^width - b + past events, 0..2 past the wrap. */
		for (past = 0; past < 3; past++) {
			/* Beyond a u64 at width 64: 2^64 - b + past >= 2^64. */
			if (w == 64 && past > b)
				break;
			counter_init(&c, w, from_perf ? 0 : b);
			vpmu_counter_add_emulated(&c, mask - b + past);
			KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_fold(&c, from_perf ? b : 0),
					    past > 0, "base %llu, %u past",
					    (unsigned long long)b, past);
			KUNIT_EXPECT_EQ(test, c.counter, (mask + past) & mask);
			KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);
		}
	}
}

KUNIT_ARRAY_PARAM_DESC(cnt_fold, cnt_fold_cases, name);

/*
 * What a fold must do at every width of the row: the value read before
 * is the value after, emulated events leave nothing pending, a second
 * fold with nothing new changes nothing.  The same events counted at
 * once, with the perf count pending (vpmu_counter_add_now()), read the
 * same and leave the perf count to the fold.
 */
static void vpmu_counter_test_fold(struct kunit *test)
{
	const struct cnt_fold_case *p = test->param_value;
	struct vpmu_counter c, now;
	struct cnt_fold_at at;
	unsigned int i, k;
	bool overflow;

	for (i = 0; i < ARRAY_SIZE(cnt_widths); i++) {
		if (!cnt_fold_at(p, i, &at))
			continue;
		counter_init(&c, at.width, at.start);
		now = c;
		overflow = false;
		for (k = 0; k < at.nr_emulated; k++) {
			vpmu_counter_add_emulated(&c, at.emulated[k]);
			overflow |= vpmu_counter_add_now(&now, at.perf, at.emulated[k]);
		}
		KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_read(&c, at.perf), at.want,
				    "width %u: read before the fold", at.width);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_fold(&c, at.perf),
				    !!(p->wrap & WR_US), "width %u: wrap", at.width);
		KUNIT_EXPECT_EQ_MSG(test, c.counter, at.want, "width %u", at.width);
		KUNIT_EXPECT_EQ_MSG(test, c.emulated, 0ULL, "width %u", at.width);
		KUNIT_EXPECT_FALSE_MSG(test, vpmu_counter_fold(&c, 0),
				       "width %u: second fold", at.width);
		KUNIT_EXPECT_EQ_MSG(test, c.counter, at.want, "width %u", at.width);

		KUNIT_EXPECT_EQ_MSG(test, overflow, !!(p->wrap & WR_NOW),
				    "width %u: wrap counted at once", at.width);
		KUNIT_EXPECT_EQ_MSG(test, now.emulated, 0ULL, "width %u", at.width);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_read(&now, at.perf), at.want,
				    "width %u: read, counted at once", at.width);
		KUNIT_EXPECT_FALSE_MSG(test, vpmu_counter_fold(&now, at.perf),
				       "width %u: fold after counting at once", at.width);
		KUNIT_EXPECT_EQ_MSG(test, now.counter, at.want, "width %u", at.width);
	}
}

/* Counting at once takes events still pending along, and their wrap. */
static void vpmu_counter_test_add_now_takes_pending(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	struct vpmu_counter c;

	counter_init(&c, w, mask - 1);
	vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_add_now(&c, 0, 1));
	KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 5), 5ULL & mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_add_now(&c, 5, 0));
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 5));
	KUNIT_EXPECT_EQ(test, c.counter, 5ULL & mask);
}

/*
 * A guest WRMSR racing pending emulated events: the write wins, the
 * pending events are dropped and never raise an overflow, the perf count
 * keeps counting from the written value.
 */
static void guest_wrmsr_racing_pending_emulated_events(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	u64 val = 0x123456789abcdef0ULL;
	struct vpmu_counter c;

	/* Five pending events would wrap the counter; perf counted 7. */
	counter_init(&c, w, mask - 1);
	vpmu_counter_add_emulated(&c, 5);
	vpmu_counter_write(&c, val, 7);
	KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 7), val & mask);
	/* Perf counts 10 more after the write. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 17), (val + 10) & mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 17));
	KUNIT_EXPECT_EQ(test, c.counter, (val + 10) & mask);

	/* Bits above the width are ignored. */
	vpmu_counter_write(&c, ~0ULL, 0);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), mask);

	/* An event emulated after the write is counted, and its wrap is ours. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, 3);
	vpmu_counter_write(&c, mask, 3);
	vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 3), 0ULL);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 3));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

	/* After the write, perf wraps the written value: perf's wrap. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, 2);
	vpmu_counter_write(&c, mask, 10);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 11));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

	/* A write smaller than the perf count already counted. */
	counter_init(&c, w, 0);
	vpmu_counter_write(&c, 0, 100);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 100), 0ULL);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 100));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);
}

/* period: events to the next wrap; a full period at 0, never 0. */
static void vpmu_counter_test_period(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	/* 2^width, or ~0ULL where 2^64 does not fit. */
	u64 full = w == 64 ? ~0ULL : mask + 1;
	struct vpmu_counter c;

	counter_init(&c, w, 0);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), full);
	counter_init(&c, w, mask);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), 1ULL);
	counter_init(&c, w, 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), mask);
	counter_init(&c, w, mask / 2 + 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), mask / 2 + 1);

	/* Pending emulated events count. */
	counter_init(&c, w, mask - 1);
	vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), 1ULL);
	vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_period(&c), full);

	/* Programmed after a fold, it fires exactly at the wrap. */
	counter_init(&c, w, mask / 3);
	vpmu_counter_add_emulated(&c, 9);
	vpmu_counter_fold(&c, 4);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, vpmu_counter_period(&c) - 1),
			mask);
	if (vpmu_counter_period(&c) != ~0ULL)
		KUNIT_EXPECT_EQ(test,
				vpmu_counter_read(&c, vpmu_counter_period(&c)),
				0ULL);
}

/*
 * The reference model: the true count as an unbounded (128-bit) integer,
 * two u64 words.  The guest value is that count mod 2^width; the emulated
 * events of a window wrap the counter iff they cross a multiple of 2^width,
 * i.e. iff count >> width changes while they are added.
 */
struct u128 {
	u64 hi;
	u64 lo;
};

static void u128_add(struct u128 *a, const struct u128 *b)
{
	u64 lo = a->lo + b->lo;

	a->hi += b->hi + (lo < b->lo);
	a->lo = lo;
}

static void u128_add64(struct u128 *a, u64 n)
{
	struct u128 b = { 0, n };

	u128_add(a, &b);
}

/* Does a >> width differ from b >> width? */
static bool u128_quot_differs(const struct u128 *a, const struct u128 *b,
			      unsigned int width)
{
	if (width == 64)
		return a->hi != b->hi;
	return (a->hi >> width) != (b->hi >> width) ||
	       ((a->hi << (64 - width)) | (a->lo >> width)) !=
	       ((b->hi << (64 - width)) | (b->lo >> width));
}

/* An amount of events: small, near the next wrap of @val, or anywhere. */
static u64 test_amount(u64 *s, u64 mask, u64 val)
{
	u64 r = vpmu_kunit_rand(s);

	switch (r % 5) {
	case 0:
		return (r >> 8) % 4;
	case 1:
	case 2:
		/* Distance to the next wrap, -2..+2. */
		return ((mask - (val & mask)) + 1 + (r >> 8) % 5 - 2) & mask;
	case 3:
		return vpmu_kunit_rand(s) & mask;
	default:
		return vpmu_kunit_rand(s) >> ((r >> 8) % 64);
	}
}

/* 2^width - @val, a full period at 0 (~0ULL at width 64). */
static u64 val_period(u64 val, u64 mask)
{
	if (val)
		return mask - val + 1;
	return mask == ~0ULL ? ~0ULL : mask + 1;
}

struct counter_model {
	struct u128 count;	/* at the last fold or write */
	struct u128 perf;	/* perf events since then */
	struct u128 emulated;	/* emulated events since then */
};

static void vpmu_counter_test_reference_model(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = cnt_mask(w);
	u64 seed = 0x9e3779b97f4a7c15ULL ^ w;
	unsigned int ours = 0, model_wraps = 0, perf_only = 0, i;
	struct counter_model m = { };
	struct vpmu_counter c;
	u64 perf_count = 0;	/* what the code under test is given */

	counter_init(&c, w, 0);
	for (i = 0; i < 20000; i++) {
		u64 r = vpmu_kunit_rand(&seed) % 100;
		struct u128 now = m.count;
		u64 val, n;

		u128_add(&now, &m.perf);
		u128_add(&now, &m.emulated);
		val = now.lo & mask;

		if (r < 35) {
			n = test_amount(&seed, mask, val);
			perf_count += n;
			u128_add64(&m.perf, n);
		} else if (r < 65) {
			n = test_amount(&seed, mask, val);
			/* Width 64 holds no more than 2^64 - 1 pending events. */
			if (w == 64 && (m.emulated.hi || m.emulated.lo + n < n))
				n = 0;
			vpmu_counter_add_emulated(&c, n);
			u128_add64(&m.emulated, n);
		} else if (r < 90) {
			struct u128 base = m.count;
			bool wrap, got;

			u128_add(&base, &m.perf);
			now = base;
			u128_add(&now, &m.emulated);
			wrap = u128_quot_differs(&now, &base, w);
			got = vpmu_counter_fold(&c, perf_count);
			KUNIT_ASSERT_EQ_MSG(test, got, wrap, "op %u", i);
			model_wraps += wrap;
			ours += got;
			if (!wrap && u128_quot_differs(&base, &m.count, w) &&
			    (m.emulated.lo || m.emulated.hi))
				perf_only++;
			m.count = now;
			m.perf = (struct u128){ };
			m.emulated = (struct u128){ };
			perf_count = 0;
			KUNIT_ASSERT_EQ(test, vpmu_counter_period(&c),
					val_period(now.lo & mask, mask));
		} else if (r < 97) {
			val = vpmu_kunit_rand(&seed);
			vpmu_counter_write(&c, val, perf_count);
			m.count = (struct u128){ 0, val & mask };
			m.perf = (struct u128){ };
			m.emulated = (struct u128){ };
		}
		now = m.count;
		u128_add(&now, &m.perf);
		u128_add(&now, &m.emulated);
		KUNIT_ASSERT_EQ_MSG(test, vpmu_counter_read(&c, perf_count),
				    now.lo & mask, "op %u", i);
	}
	KUNIT_EXPECT_EQ(test, ours, model_wraps);
	/* The sequence covered both kinds of wrap. */
	KUNIT_EXPECT_GT(test, model_wraps, 100U);
	KUNIT_EXPECT_GT(test, perf_only, 10U);
}

static struct kunit_case vpmu_counter_cases[] = {
	KUNIT_CASE(vpmu_counter_test_mask_for_width),
	KUNIT_CASE_PARAM(vpmu_counter_test_read, vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_fold_boundary,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_fold, cnt_fold_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_add_now_takes_pending,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(guest_wrmsr_racing_pending_emulated_events,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_period, vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_reference_model,
			 vpmu_counter_model_width_gen_params),
	{}
};

VPMU_KUNIT_SUITE(vpmu_counter, vpmu_counter_cases, NULL, NULL);
