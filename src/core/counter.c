// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated-counter accounting (see include/vpmu/counter.h).
 *
 * All arithmetic is on u64, mod 2^64; 2^width divides 2^64, so masking a
 * u64 sum gives the sum mod 2^width for every width up to 64.  Nothing
 * ever needs a 65th bit: a wrap is found by comparing with the room left
 * below 2^width (mask - base), and a carry out of 64 bits by the sum
 * coming out smaller than an addend.
 */
#include <vpmu/counter.h>

u64 vpmu_counter_mask_for_width(unsigned int width)
{
	if (width < VPMU_COUNTER_MIN_WIDTH || width > VPMU_COUNTER_MAX_WIDTH)
		return 0;
	return VPMU_GENMASK_ULL(width - 1, 0);
}

u64 vpmu_counter_read(const struct vpmu_counter *c, u64 perf_count)
{
	return (c->counter + perf_count + c->emulated) & c->mask;
}

bool vpmu_counter_fold(struct vpmu_counter *c, u64 perf_count)
{
	u64 base = (c->counter + perf_count) & c->mask;
	/*
	 * base + emulated >= 2^width, i.e. emulated > mask - base: no term
	 * overflows, mask - base is in 0..mask.
	 */
	bool wrapped = c->emulated > c->mask - base;

	c->counter = (base + c->emulated) & c->mask;
	c->emulated = 0;
	return wrapped;
}

void vpmu_counter_write(struct vpmu_counter *c, u64 val, u64 perf_count)
{
	c->counter = (val - perf_count) & c->mask;
	c->emulated = 0;
}

void vpmu_counter_add_emulated(struct vpmu_counter *c, u64 n)
{
	u64 sum = c->emulated + n;

	/*
	 * A carry: the true number is 2^64 + sum, at least 2^width, and
	 * 2^64 + sum = sum mod 2^width.  Below width 64, 2^width + (sum mod
	 * 2^width) says both and leaves room for more.  At width 64 there
	 * is no such room: sum is the number mod 2^64.
	 */
	if (sum < n && c->mask != ~0ULL)
		sum = (c->mask + 1) | (sum & c->mask);
	c->emulated = sum;
}

bool vpmu_counter_add_now(struct vpmu_counter *c, u64 perf_count, u64 n)
{
	struct vpmu_counter after = *c;

	vpmu_counter_add_emulated(&after, n);
	c->counter = vpmu_counter_read(&after, 0);
	c->emulated = 0;
	/* A copy folds and decides; the perf count stays unconsumed. */
	return vpmu_counter_fold(&after, perf_count);
}

u64 vpmu_counter_period(const struct vpmu_counter *c)
{
	u64 left = (0 - vpmu_counter_read(c, 0)) & c->mask;

	if (left)
		return left;
	/* At 0: a full period, 2^width; ~0ULL at width 64, where mask + 1 is 0. */
	return c->mask + 1 ? c->mask + 1 : c->mask;
}
