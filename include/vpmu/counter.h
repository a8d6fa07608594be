/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated-counter accounting: a guest counter counts what its perf event
 * counted plus the events KVM counted in software (instructions and
 * branches KVM emulated).  The emulated events are kept apart from the
 * perf count and folded in only after the perf count has been consumed, so
 * an overflow is raised exactly once per wrap: by perf when the perf count
 * wrapped the counter, by KVM when the emulated events did.
 *
 * Every function is pure: it reads its arguments and writes only @c.
 */
#ifndef VPMU_COUNTER_H
#define VPMU_COUNTER_H

#include <vpmu/types.h>

/* Counter widths the model supports, in bits. */
#define VPMU_COUNTER_MIN_WIDTH	1
#define VPMU_COUNTER_MAX_WIDTH	64

/**
 * struct vpmu_counter - a guest counter fed by a perf event and by KVM
 * @counter: the base: the guest value when the perf event has counted
 *	nothing since it was last consumed and no emulated event is pending.
 *	Kept within @mask by every function that writes it.
 * @emulated: emulated events not folded in yet.  Below 2^64 this is their
 *	exact number.  A larger number, which only vpmu_counter_add_emulated()
 *	with huge counts reaches, is kept as 2^width + (number mod 2^width)
 *	when width < 64: a value that reads and folds the same.  At width 64
 *	it is kept mod 2^64 (see vpmu_counter_fold()).
 * @mask: 2^width - 1 for a counter of 1 to 64 bits, as
 *	vpmu_counter_mask_for_width() returns; any other value is invalid.
 *
 * The guest value is (@counter + perf_count + @emulated) mod 2^width, where
 * perf_count is what the perf event counted and was not consumed yet.  A
 * zeroed struct with a valid @mask is a counter that reads 0.
 */
struct vpmu_counter {
	u64 counter;
	u64 emulated;
	u64 mask;
};

/**
 * vpmu_counter_mask_for_width() - the mask of a counter @width bits wide
 * @width: counter width in bits, CPUID.0AH.EAX[23:16] or EDX[12:5]
 *
 * Return: 2^@width - 1 (~0ULL for 64), or 0 when @width is 0 or above
 * VPMU_COUNTER_MAX_WIDTH: no counter has that width, and 0 is not a valid
 * &struct vpmu_counter.mask.
 */
u64 vpmu_counter_mask_for_width(unsigned int width);

/**
 * vpmu_counter_read() - the value the guest sees now
 * @c: the counter
 * @perf_count: what the perf event counted and was not consumed yet (by
 *	vpmu_counter_fold()); any value, also one past the counter's range
 *
 * Pending emulated events count: nothing is consumed, @c is unchanged.
 *
 * Return: (@c->counter + @perf_count + @c->emulated) mod 2^width.
 */
u64 vpmu_counter_read(const struct vpmu_counter *c, u64 perf_count);

/**
 * vpmu_counter_fold() - consume the perf count and the emulated events
 * @c: the counter
 * @perf_count: what the perf event counted and was not consumed yet; the
 *	caller restarts the perf count from 0 (perf_event_pause() with reset)
 *	and passes counts relative to that point from now on
 *
 * The perf count goes first: base = (@c->counter + @perf_count) mod
 * 2^width.  Wraps on the way to base are perf's, which raised its own
 * overflow for them.  The emulated events go on top: the counter becomes
 * (base + @c->emulated) mod 2^width and @c->emulated becomes 0.  The
 * emulated events wrapped the counter iff base + @c->emulated >= 2^width,
 * as a true, unbounded sum: also when the perf count wrapped it first, also
 * when @c->emulated exceeds the counter's range (several wraps still make
 * one overflow: the guest sees one overflow bit).
 *
 * At width 64, a number of pending emulated events of 2^64 or more cannot
 * be held in @c->emulated; it is kept mod 2^64, the value read stays exact
 * but this function then reports whether that remainder wraps.  Reaching it
 * takes 2^64 events between two folds.
 *
 * Return: true iff the emulated events made the counter wrap at least once;
 * false when no wrap happened or the perf count alone wrapped it.
 */
bool vpmu_counter_fold(struct vpmu_counter *c, u64 perf_count);

/**
 * vpmu_counter_write() - a guest WRMSR to the counter
 * @c: the counter
 * @val: the value written; bits above the width are ignored
 * @perf_count: what the perf event counted and was not consumed yet; it
 *	keeps counting from there, the write does not consume it
 *
 * A write, not a read-modify-write: pending emulated events are dropped,
 * they never fold nor raise an overflow.  @c->counter is set relative to
 * @perf_count so that vpmu_counter_read(@c, @perf_count) returns @val &
 * @c->mask and events the perf event counts later add to that value.
 */
void vpmu_counter_write(struct vpmu_counter *c, u64 val, u64 perf_count);

/**
 * vpmu_counter_add_emulated() - count events KVM emulated
 * @c: the counter
 * @n: how many events; any value, also more than the counter's range
 *
 * The events stay pending in @c->emulated until vpmu_counter_fold() or
 * vpmu_counter_write(); vpmu_counter_read() includes them at once.
 */
void vpmu_counter_add_emulated(struct vpmu_counter *c, u64 n);

/**
 * vpmu_counter_period() - the sample period that fires at the next wrap
 * @c: the counter
 *
 * For a perf event that starts counting from 0 now (after
 * vpmu_counter_fold()), the number of events after which the counter
 * wraps: 2^width - vpmu_counter_read(@c, 0), pending emulated events
 * included.  A counter at 0 needs a full period, 2^width, never 0.
 *
 * At width 64 a full period, 2^64, does not fit a u64: ~0ULL is returned,
 * one event short, the largest period a u64 holds (KVM's own
 * get_sample_period() computes @mask + 1 and so would return 0, a counting
 * event that never fires).  perf_event_period() rejects periods with bit
 * 63 set, so a caller at width 64 has to clamp the period and take the
 * early perf overflow that follows for what it is: not a wrap.  Intel's
 * counters are 48 bits wide or less in practice.
 *
 * Return: 2^width - the value read with no perf count, in 1..2^width
 * (1..~0ULL at width 64).
 */
u64 vpmu_counter_period(const struct vpmu_counter *c);

#endif /* VPMU_COUNTER_H */
