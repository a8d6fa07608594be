// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_counter": the emulated-counter accounting model
 * (include/vpmu/counter.h).  Every rule runs at widths 1, 32, 48 and 64;
 * the reference-model test also at widths in between.
 */
#include <kunit/test.h>

#include <vpmu/counter.h>

static const unsigned int vpmu_counter_widths[] = { 1, 32, 48, 64 };
static const unsigned int vpmu_counter_model_widths[] = {
	1, 2, 7, 31, 32, 33, 48, 63, 64
};

static void vpmu_counter_width_desc(const unsigned int *width, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "width %u", *width);
}

KUNIT_ARRAY_PARAM(vpmu_counter_width, vpmu_counter_widths,
		  vpmu_counter_width_desc);
KUNIT_ARRAY_PARAM(vpmu_counter_model_width, vpmu_counter_model_widths,
		  vpmu_counter_width_desc);

static unsigned int test_width(struct kunit *test)
{
	return *(const unsigned int *)test->param_value;
}

/* 2^width - 1, computed apart from the code under test. */
static u64 test_mask(unsigned int width)
{
	return width == 64 ? ~0ULL : (1ULL << width) - 1;
}

static void counter_init(struct vpmu_counter *c, unsigned int width, u64 val)
{
	c->mask = test_mask(width);
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
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	counter_init(&c, w, mask);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), mask);
	/* The perf count wraps the value. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 1), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 2), 1ULL & mask);
	/* ~0ULL is -1 mod 2^width at every width. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, ~0ULL), mask - 1);

	/* Pending emulated events are seen at once. */
	c.emulated = 2;
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), 1ULL & mask);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 3), 4ULL & mask);

	/* Emulated events beyond the range count mod 2^width. */
	counter_init(&c, w, 5);
	c.emulated = w == 64 ? ~0ULL : (mask + 1) * 3 + 2;
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0),
			(w == 64 ? 4ULL : 7ULL) & mask);

	/* Reading consumes nothing. */
	KUNIT_EXPECT_EQ(test, c.counter, 5ULL & mask);
	KUNIT_EXPECT_EQ(test, c.emulated, w == 64 ? ~0ULL : (mask + 1) * 3 + 2);
}

/*
 * fold at the boundary: base + emulated == 2^width - 1 does not wrap,
 * base + emulated == 2^width does, whether the base comes from the
 * counter or from the perf count.
 */
static void vpmu_counter_test_fold_boundary(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	const u64 bases[] = { 0, 1, mask / 2, mask - 1, mask };
	struct vpmu_counter c;
	unsigned int i, from_perf;

	for (i = 0; i < ARRAY_SIZE(bases); i++) {
		for (from_perf = 0; from_perf < 2; from_perf++) {
			u64 b = bases[i];
			u64 cnt = from_perf ? 0 : b;
			u64 perf = from_perf ? b : 0;

			/* One short of the wrap. */
			counter_init(&c, w, cnt);
			vpmu_counter_add_emulated(&c, mask - b);
			KUNIT_EXPECT_FALSE_MSG(test, vpmu_counter_fold(&c, perf),
					       "base %llu", (unsigned long long)b);
			KUNIT_EXPECT_EQ(test, c.counter, mask);
			KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);

			/* 2^width - b events: not representable at b == 0, w == 64. */
			if (w == 64 && b == 0)
				continue;
			counter_init(&c, w, cnt);
			vpmu_counter_add_emulated(&c, mask - b + 1);
			KUNIT_EXPECT_TRUE_MSG(test, vpmu_counter_fold(&c, perf),
					      "base %llu", (unsigned long long)b);
			KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

			/* One past it: 2^64 does not fit at b == 1 either. */
			if (w == 64 && b == 1)
				continue;
			counter_init(&c, w, cnt);
			vpmu_counter_add_emulated(&c, mask - b + 2);
			KUNIT_EXPECT_TRUE_MSG(test, vpmu_counter_fold(&c, perf),
					      "base %llu", (unsigned long long)b);
			KUNIT_EXPECT_EQ(test, c.counter, 1ULL & mask);
		}
	}
}

/* A wrap the perf count makes alone is perf's: fold returns false. */
static void vpmu_counter_test_fold_perf_wrap_alone(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	counter_init(&c, w, mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 1));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

	counter_init(&c, w, mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, ~0ULL));
	KUNIT_EXPECT_EQ(test, c.counter, mask - 1);

	/* Nothing counted at all. */
	counter_init(&c, w, mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, mask);
}

/*
 * Seed bug: 6.1 bumps the counter, consumes the perf count and compares
 * with the value before both; when the perf count wrapped the counter in
 * the same window it raises a second overflow next to perf's.  Here the
 * wrap is perf's alone: fold returns false.
 */
static void perf_wrap_and_emulated_event_in_one_window_one_overflow_from_perf(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	counter_init(&c, w, mask);
	vpmu_counter_add_emulated(&c, 1);
	/* Perf counted 3: mask + 3 wrapped to 2, the emulated event adds 1. */
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 3), 3ULL & mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 3));
	KUNIT_EXPECT_EQ(test, c.counter, 3ULL & mask);
	KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);
	/* And nothing is left over to be reported later. */
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
}

/*
 * Seed bug: several emulated events between two checks can hide a wrap.
 * Five events from mask - 1 wrap once (width 1: from 0, twice): one
 * overflow, from us, whether they are folded together or one by one.
 */
static void emulated_events_across_a_wrap_one_overflow_from_us(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	unsigned int i, overflows = 0;
	struct vpmu_counter c;

	counter_init(&c, w, mask - 1);
	for (i = 0; i < 5; i++)
		vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, 3ULL & mask);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));

	/* One window per event: one overflow per wrap. */
	counter_init(&c, w, mask - 1);
	for (i = 0; i < 5; i++) {
		vpmu_counter_add_emulated(&c, 1);
		overflows += vpmu_counter_fold(&c, 0);
	}
	KUNIT_EXPECT_EQ(test, overflows, w == 1 ? 2U : 1U);
	KUNIT_EXPECT_EQ(test, c.counter, 3ULL & mask);

	/* Perf counting in the same window does not hide ours. */
	counter_init(&c, w, mask - 3);
	vpmu_counter_add_emulated(&c, 2);
	vpmu_counter_add_emulated(&c, 2);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 2));
	KUNIT_EXPECT_EQ(test, c.counter, 2ULL & mask);
}

/*
 * The perf count wraps the counter, and the emulated events on top wrap
 * it again: the second wrap is ours (true).
 */
static void vpmu_counter_test_perf_wrap_then_emulated_wrap(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	/* mask + 2 wraps to 1; 1 + mask == 2^width wraps again. */
	counter_init(&c, w, mask);
	vpmu_counter_add_emulated(&c, mask);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 2));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

	/* One event fewer: perf's wrap only. */
	counter_init(&c, w, mask);
	vpmu_counter_add_emulated(&c, mask - 1);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 2));
	KUNIT_EXPECT_EQ(test, c.counter, mask);
}

/*
 * More emulated events than the counter's range: a wrap even when the
 * value comes back to where it was (KVM 6.12 compares the value after
 * with the one before, and misses that).
 */
static void vpmu_counter_test_emulated_beyond_range(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	if (w == 64) {
		/* The largest count a u64 holds: wraps from every base but 0. */
		counter_init(&c, w, 0);
		vpmu_counter_add_emulated(&c, ~0ULL);
		KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
		KUNIT_EXPECT_EQ(test, c.counter, ~0ULL);

		counter_init(&c, w, 1);
		vpmu_counter_add_emulated(&c, ~0ULL);
		KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
		KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

		counter_init(&c, w, 0);
		vpmu_counter_add_emulated(&c, ~0ULL);
		KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, ~0ULL));
		KUNIT_EXPECT_EQ(test, c.counter, ~1ULL);
		return;
	}

	/* Exactly 2^width events: the value is unchanged, one wrap. */
	counter_init(&c, w, 5);
	vpmu_counter_add_emulated(&c, mask + 1);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), 5ULL & mask);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, 5ULL & mask);

	/* From 0 too. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, mask + 1);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);

	/* Three wraps and one event: still one overflow. */
	counter_init(&c, w, 5);
	vpmu_counter_add_emulated(&c, (mask + 1) * 3 + 1);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, 6ULL & mask);

	/* Added in pieces, with a perf count that wraps as well. */
	counter_init(&c, w, mask);
	vpmu_counter_add_emulated(&c, mask);
	vpmu_counter_add_emulated(&c, 1);
	KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 1));
	KUNIT_EXPECT_EQ(test, c.counter, 0ULL);
}

/* Pending emulated events past 2^64 in total (add_emulated carries). */
static void vpmu_counter_test_emulated_past_u64(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;

	/* 2 * (2^64 - 1) = -2 mod 2^width. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, ~0ULL);
	vpmu_counter_add_emulated(&c, ~0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), ~1ULL & mask);
	if (w < 64) {
		KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	} else {
		/*
		 * Documented limit: at width 64 the number is kept mod 2^64,
		 * and 2^64 - 2 from 0 does not wrap.
		 */
		KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
	}
	KUNIT_EXPECT_EQ(test, c.counter, ~1ULL & mask);

	/* 2^64 + 1 events: the carry leaves 1 in a u64, yet they wrap. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, ~0ULL);
	vpmu_counter_add_emulated(&c, 2);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), 1ULL & mask);
	if (w < 64)
		KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	else
		KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, 1ULL & mask);

	/* A third carry once the number is already past 2^64. */
	counter_init(&c, w, 0);
	vpmu_counter_add_emulated(&c, ~0ULL);
	vpmu_counter_add_emulated(&c, ~0ULL);
	vpmu_counter_add_emulated(&c, ~0ULL);
	vpmu_counter_add_emulated(&c, 2);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), ~0ULL & mask);
	if (w < 64)
		KUNIT_EXPECT_TRUE(test, vpmu_counter_fold(&c, 0));
	else
		KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, ~0ULL & mask);
}

/* fold consumes: the value is kept, nothing is pending afterwards. */
static void vpmu_counter_test_fold_consumes(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
	struct vpmu_counter c;
	u64 before;

	counter_init(&c, w, mask / 3);
	vpmu_counter_add_emulated(&c, 12345);
	before = vpmu_counter_read(&c, 777);
	vpmu_counter_fold(&c, 777);
	KUNIT_EXPECT_EQ(test, vpmu_counter_read(&c, 0), before);
	KUNIT_EXPECT_EQ(test, c.counter, before);
	KUNIT_EXPECT_EQ(test, c.emulated, 0ULL);
	KUNIT_EXPECT_FALSE(test, vpmu_counter_fold(&c, 0));
	KUNIT_EXPECT_EQ(test, c.counter, before);
}

/*
 * A guest WRMSR racing pending emulated events: the write wins, the
 * pending events are dropped and never raise an overflow, the perf count
 * keeps counting from the written value.
 */
static void guest_wrmsr_racing_pending_emulated_events(struct kunit *test)
{
	unsigned int w = test_width(test);
	u64 mask = test_mask(w);
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
	u64 mask = test_mask(w);
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

static u64 test_rand(u64 *s)
{
	/* xorshift64 */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An amount of events: small, near the next wrap of @val, or anywhere. */
static u64 test_amount(u64 *s, u64 mask, u64 val)
{
	u64 r = test_rand(s);

	switch (r % 5) {
	case 0:
		return (r >> 8) % 4;
	case 1:
	case 2:
		/* Distance to the next wrap, -2..+2. */
		return ((mask - (val & mask)) + 1 + (r >> 8) % 5 - 2) & mask;
	case 3:
		return test_rand(s) & mask;
	default:
		return test_rand(s) >> ((r >> 8) % 64);
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
	u64 mask = test_mask(w);
	u64 seed = 0x9e3779b97f4a7c15ULL ^ w;
	unsigned int ours = 0, model_wraps = 0, perf_only = 0, i;
	struct counter_model m = { };
	struct vpmu_counter c;
	u64 perf_count = 0;	/* what the code under test is given */

	counter_init(&c, w, 0);
	for (i = 0; i < 20000; i++) {
		u64 r = test_rand(&seed) % 100;
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
			val = test_rand(&seed);
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
	KUNIT_CASE_PARAM(vpmu_counter_test_fold_perf_wrap_alone,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(perf_wrap_and_emulated_event_in_one_window_one_overflow_from_perf,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(emulated_events_across_a_wrap_one_overflow_from_us,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_perf_wrap_then_emulated_wrap,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_emulated_beyond_range,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_emulated_past_u64,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_fold_consumes,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(guest_wrmsr_racing_pending_emulated_events,
			 vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_period, vpmu_counter_width_gen_params),
	KUNIT_CASE_PARAM(vpmu_counter_test_reference_model,
			 vpmu_counter_model_width_gen_params),
	{}
};

static struct kunit_suite vpmu_counter_suite = {
	.name = "vpmu_counter",
	.test_cases = vpmu_counter_cases,
};

kunit_test_suite(vpmu_counter_suite);
