// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the emulated-counter model (src/core/counter.c).
 *
 * Input: one byte of width (1..64), then operations: add_emulated(n), a
 * perf count advance, fold, a guest write, add_now(n), read.  After every operation
 * the model is checked against a reference that keeps the true count as
 * an unsigned __int128: the value read is that count mod 2^width, fold
 * reports a wrap iff the emulated events of the window cross a multiple
 * of 2^width, a perf-only wrap is never reported, and period is the
 * distance to the next multiple from where a perf count of 0 would be.
 * (__uint128_t arithmetic wraps mod 2^128, which 2^width divides.)
 */
#include <vpmu/counter.h>

#include "fuzz.h"

struct ref {
	unsigned int width;
	__uint128_t range;		/* 2^width */
	__uint128_t count;		/* the true count at the last fold or write */
	__uint128_t perf;		/* perf events since then */
	__uint128_t emulated;		/* emulated events since then */
};

static u64 ref_value(const struct ref *m)
{
	return (u64)((m->count + m->perf + m->emulated) % m->range);
}

/*
 * An amount of events.  The form is chosen by the top bits of @op: a small
 * number, the distance to the next wrap of the current value plus a small
 * signed offset, a raw 64-bit number, or a power of two minus an offset.
 */
static u64 get_amount(struct vpmu_fuzz_input *r, u8 op, const struct ref *m)
{
	u64 mask = (u64)(m->range - 1);
	u8 b;

	switch (op >> 6) {
	case 0:
		return fuzz_u8(r);
	case 1:
		b = fuzz_u8(r);
		return (u64)((m->range - ref_value(m)) % m->range) +
			(u64)(s64)(signed char)b;
	case 2:
		return fuzz_u64(r);
	default:
		b = fuzz_u8(r);
		return ((1ULL << (b % 64)) - (b >> 6)) & (b & 0x20 ? ~0ULL : mask);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vpmu_fuzz_input r = { data, size };
	struct vpmu_counter c;
	struct ref m = { 0 };
	u64 perf_count = 0, mask, n, v;
	unsigned int step = 0;

	if (!size)
		return 0;
	m.width = fuzz_u8(&r) % 64 + 1;
	m.range = (__uint128_t)1 << m.width;
	mask = (u64)(m.range - 1);
	FUZZ_CHECK(vpmu_counter_mask_for_width(m.width) == mask,
		   "mask_for_width(%u) = %#llx", m.width,
		   (unsigned long long)vpmu_counter_mask_for_width(m.width));
	c.mask = mask;
	c.counter = 0;
	c.emulated = 0;

	while (fuzz_left(&r)) {
		u8 op = fuzz_u8(&r);

		step++;
		switch (op & 7) {
		case 0:
		case 1:
			n = get_amount(&r, op, &m);
			vpmu_counter_add_emulated(&c, n);
			m.emulated += n;
			break;
		case 2:
		case 3:
			n = get_amount(&r, op, &m);
			perf_count += n;
			m.perf += n;
			break;
		case 4:
		case 5: {
			__uint128_t base = m.count + m.perf;
			__uint128_t after = base + m.emulated;
			bool want, got;

			if (m.width == 64 && m.emulated >> 64) {
				/* Documented: kept mod 2^64 at width 64. */
				__uint128_t e = (u64)m.emulated;

				want = (base % m.range) + e >= m.range;
			} else {
				want = after / m.range != base / m.range;
			}
			got = vpmu_counter_fold(&c, perf_count);
			FUZZ_CHECK(got == want,
				   "step %u width %u: fold returned %d, want %d",
				   step, m.width, got, want);
			FUZZ_CHECK(c.emulated == 0 && c.counter <= mask,
				   "step %u: fold left emulated %#llx counter %#llx",
				   step, (unsigned long long)c.emulated,
				   (unsigned long long)c.counter);
			m.count = after;
			m.perf = 0;
			m.emulated = 0;
			perf_count = 0;

			v = ref_value(&m);
			n = v ? (u64)(m.range - v) :
				(m.width == 64 ? ~0ULL : (u64)m.range);
			FUZZ_CHECK(vpmu_counter_period(&c) == n,
				   "step %u width %u: period %#llx, want %#llx",
				   step, m.width,
				   (unsigned long long)vpmu_counter_period(&c),
				   (unsigned long long)n);
			break;
		}
		case 6:
			v = fuzz_u64(&r);
			vpmu_counter_write(&c, v, perf_count);
			FUZZ_CHECK(c.emulated == 0,
				   "step %u: write kept emulated events", step);
			m.count = v & mask;
			m.perf = 0;
			m.emulated = 0;
			break;
		default: {
			/* add_now: pending events folded in, perf left pending. */
			__uint128_t base = m.count + m.perf;
			bool want, got;

			n = get_amount(&r, op, &m);
			m.emulated += n;
			if (m.width == 64 && m.emulated >> 64)
				want = (base % m.range) + (u64)m.emulated >= m.range;
			else
				want = (base + m.emulated) / m.range != base / m.range;
			got = vpmu_counter_add_now(&c, perf_count, n);
			FUZZ_CHECK(got == want,
				   "step %u width %u: add_now returned %d, want %d",
				   step, m.width, got, want);
			FUZZ_CHECK(c.emulated == 0,
				   "step %u: add_now left events pending", step);
			m.count += m.emulated;
			m.emulated = 0;
			break;
		}
		}
		v = vpmu_counter_read(&c, perf_count);
		FUZZ_CHECK(v == ref_value(&m),
			   "step %u width %u: read %#llx, want %#llx", step,
			   m.width, (unsigned long long)v,
			   (unsigned long long)ref_value(&m));
		/*
		 * period counts from a perf count of 0: the value without the
		 * unconsumed perf count, pending emulated events included.
		 */
		v = (u64)((m.count + m.emulated + m.perf - perf_count) %
			       m.range);
		v = (u64)((m.range - v) % m.range);
		if (!v)
			v = m.width == 64 ? ~0ULL : (u64)m.range;
		FUZZ_CHECK(vpmu_counter_period(&c) == v,
			   "step %u width %u: period %#llx, want %#llx", step,
			   m.width, (unsigned long long)vpmu_counter_period(&c),
			   (unsigned long long)v);
	}
	return 0;
}
