// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_counter_kvm": what the kernel's own emulated-counter
 * accounting answers on the folds of counter_cases.h, next to ours, on
 * the fields of its public struct kvm_pmc.  Each stand-in below names
 * the function of arch/x86/kvm/pmu.c (or pmu.h) it does what of; the
 * perf count a stand-in consumes is an argument, where KVM asks perf.
 *
 * Linux 6.12 (and 6.8+) keeps emulated events apart, as our model does:
 * the suite expects the same value and the same overflow, but for the
 * two exceptions Documentation/design.rst lists, where it expects KVM's
 * answer (WR_612 in the table, and a period of 0 at width 64).
 *
 * Linux 6.1 bumps the counter per event and compares: the suite expects
 * its answers (WR_61: a second, spurious overflow next to perf's, and
 * wraps 6.12 misses) and checks the shape the 6.1 redirect will take,
 * vpmu_counter_add_now() on struct kvm_pmc's counter with the perf count
 * left pending (WR_NOW).  Folds of more than 2^20 events are not replayed
 * one by one on 6.1.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <linux/version.h>

#include <vpmu/counter.h>

#include "counter_cases.h"
#include "vpmu_kunit.h"

KUNIT_ARRAY_PARAM_DESC(kvm_fold, cnt_fold_cases, name);

/* get_sample_period(): to the next wrap, mask + 1 from 0 (0 at width 64). */
static u64 kvm_sample_period(u64 counter, u64 mask)
{
	u64 period = (0 - counter) & mask;

	return period ? period : mask + 1;
}

/* The one period KVM cannot express is 2^64: it says 0, we say ~0. */
static void kvm_expect_period(struct kunit *test, u64 kvm_counter,
			      const struct vpmu_counter *c, unsigned int w)
{
	u64 kvm = kvm_sample_period(kvm_counter, c->mask);

	if (w == 64 && !kvm_counter) {
		KUNIT_EXPECT_EQ(test, kvm, 0ULL);
		KUNIT_EXPECT_EQ(test, vpmu_counter_period(c), ~0ULL);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, kvm, vpmu_counter_period(c),
				    "width %u: period", w);
	}
}

/* struct kvm_pmc.emulated_counter arrived in Linux 6.8. */
#if LINUX_VERSION_MAJOR > 6 || LINUX_VERSION_PATCHLEVEL >= 8

/* pmc_read_counter(): base, emulated events and the unconsumed perf count. */
static u64 kvm612_read_counter(const struct kvm_pmc *pmc, u64 mask, u64 perf)
{
	return (pmc->counter + pmc->emulated_counter + perf) & mask;
}

/*
 * pmc_pause_counter(): consume the perf count, snapshot, add the
 * emulated events, and call it an overflow when the value went down.
 */
static bool kvm612_pause_counter(struct kvm_pmc *pmc, u64 mask, u64 perf)
{
	u64 snapshot = (pmc->counter + perf) & mask;

	pmc->counter = (snapshot + pmc->emulated_counter) & mask;
	pmc->emulated_counter = 0;
	return pmc->counter < snapshot;
}

static void kvm_check_fold(struct kunit *test, u8 wrap,
			   const struct cnt_fold_at *at, struct kvm_pmc *pmc,
			   struct vpmu_counter *c)
{
	unsigned int k, w = at->width;

	for (k = 0; k < at->nr_emulated; k++) {
		/* kvm_pmu_incr_counter(), once per event. */
		pmc->emulated_counter += at->emulated[k];
		vpmu_counter_add_emulated(c, at->emulated[k]);
	}
	KUNIT_EXPECT_EQ_MSG(test, kvm612_read_counter(pmc, at->mask, at->perf),
			    at->want, "width %u: read", w);
	KUNIT_EXPECT_EQ_MSG(test, kvm612_pause_counter(pmc, at->mask, at->perf),
			    !!(wrap & WR_612), "width %u: KVM's overflow", w);
	KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_fold(c, at->perf),
			    !!(wrap & WR_US), "width %u: our overflow", w);
	KUNIT_EXPECT_EQ_MSG(test, pmc->counter, c->counter, "width %u", w);
	KUNIT_EXPECT_EQ_MSG(test, pmc->emulated_counter, 0ULL, "width %u", w);
	kvm_expect_period(test, pmc->counter, c, w);
}

#else

/* The emulated events of a row, as one number when it fits in a u64. */
static bool kvm_total_events(const struct cnt_fold_at *at, u64 *n)
{
	unsigned int k;

	*n = 0;
	for (k = 0; k < at->nr_emulated; k++) {
		if (*n + at->emulated[k] < *n)
			return false;
		*n += at->emulated[k];
	}
	return true;
}

/* pmc_read_counter(): the base and the unconsumed perf count. */
static u64 kvm61_read_counter(const struct kvm_pmc *pmc, u64 mask, u64 perf)
{
	return (pmc->counter + perf) & mask;
}

/*
 * kvm_pmu_incr_counter(): bump, reprogram_counter() (whose
 * pmc_pause_counter() consumes the perf count), and call it an overflow
 * when the value went below the one before the bump.
 */
static bool kvm61_incr_counter(struct kvm_pmc *pmc, u64 mask, u64 *perf)
{
	u64 before = pmc->counter;

	pmc->counter = (pmc->counter + 1 + *perf) & mask;
	*perf = 0;
	return pmc->counter < before;
}

static void kvm_check_fold(struct kunit *test, u8 wrap,
			   const struct cnt_fold_at *at, struct kvm_pmc *pmc,
			   struct vpmu_counter *c)
{
	unsigned int k, w = at->width;
	bool overflow = false;
	u64 n, e, pending = at->perf;

	/* The redirect: each call counts at once, perf stays pending. */
	for (k = 0; k < at->nr_emulated; k++)
		overflow |= vpmu_counter_add_now(c, at->perf, at->emulated[k]);
	KUNIT_EXPECT_EQ_MSG(test, overflow, !!(wrap & WR_NOW),
			    "width %u: the redirect's overflow", w);
	KUNIT_EXPECT_EQ_MSG(test, vpmu_counter_read(c, at->perf), at->want,
			    "width %u: read after the redirect", w);

	/* 6.1 itself, one event at a time. */
	if (!kvm_total_events(at, &n) || n > BIT(20))
		return;
	overflow = false;
	for (e = 0; e < n; e++)
		overflow |= kvm61_incr_counter(pmc, at->mask, &pending);
	KUNIT_EXPECT_EQ_MSG(test, overflow, !!(wrap & WR_61),
			    "width %u: KVM's overflow", w);
	KUNIT_EXPECT_EQ_MSG(test, kvm61_read_counter(pmc, at->mask, pending),
			    at->want, "width %u: read", w);
	/* reprogram_counter() re-arms from the same value as ours. */
	if (n) {
		vpmu_counter_fold(c, at->perf);
		kvm_expect_period(test, pmc->counter, c, w);
	}
}

#endif

static void kvm_test_fold(struct kunit *test)
{
	const struct cnt_fold_case *p = test->param_value;
	struct cnt_fold_at at;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cnt_widths); i++) {
		struct kvm_pmc pmc = { };
		struct vpmu_counter c = { };

		if (!cnt_fold_at(p, i, &at))
			continue;
		pmc.counter = at.start;
		c.counter = at.start;
		c.mask = at.mask;
		kvm_check_fold(test, p->wrap, &at, &pmc, &c);
	}
}

static struct kunit_case kvm_counter_cases[] = {
	KUNIT_CASE_PARAM(kvm_test_fold, kvm_fold_gen_params),
	{}
};

VPMU_KUNIT_SUITE(vpmu_counter_kvm, kvm_counter_cases, NULL, NULL);
