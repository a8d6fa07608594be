/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated-counter accounting: one overflow per wrap, whoever made it.
 * Documentation/design.rst, "Emulated-counter accounting", says why.
 */
#ifndef VPMU_COUNTER_H
#define VPMU_COUNTER_H

#include <vpmu/types.h>

/* Counter widths the model supports, in bits. */
#define VPMU_COUNTER_MIN_WIDTH	1
#define VPMU_COUNTER_MAX_WIDTH	64

/**
 * struct vpmu_counter - a guest counter fed by a perf event and by KVM
 * @counter: the value with no perf count and no emulated event pending,
 *	within @mask
 * @emulated: emulated events not folded in yet; past 2^64 of them, kept
 *	as 2^width plus their number mod 2^width (mod 2^64 at width 64)
 * @mask: 2^width - 1, as vpmu_counter_mask_for_width() returns it
 *
 * The guest reads (@counter + perf count + @emulated) mod 2^width, the
 * perf count being what the perf event counted and nobody consumed yet.
 */
struct vpmu_counter {
	u64 counter;
	u64 emulated;
	u64 mask;
};

/**
 * vpmu_counter_mask_for_width() - the mask of a counter @width bits wide
 * @width: CPUID.0AH.EAX[23:16] or EDX[12:5]
 *
 * Return: 2^@width - 1, or 0 (no valid mask) outside 1..64.
 */
u64 vpmu_counter_mask_for_width(unsigned int width);

/**
 * vpmu_counter_read() - the value the guest sees now
 * @c: the counter, unchanged
 * @perf_count: the perf count not consumed yet, any value
 *
 * Return: (@c->counter + @perf_count + @c->emulated) mod 2^width.
 */
u64 vpmu_counter_read(const struct vpmu_counter *c, u64 perf_count);

/**
 * vpmu_counter_fold() - consume the perf count, then the emulated events
 * @c: the counter; afterwards @c->emulated is 0
 * @perf_count: the perf count not consumed yet; the caller restarts the
 *	perf count from 0 (perf_event_pause() with reset)
 *
 * Return: true iff the emulated events wrapped the counter: the value
 * after the perf count, plus all of them, reaches 2^width.  A wrap of
 * the perf count alone is perf's to report.  At width 64, 2^64 or more
 * pending emulated events are seen mod 2^64.
 */
bool vpmu_counter_fold(struct vpmu_counter *c, u64 perf_count);

/**
 * vpmu_counter_write() - a guest WRMSR to the counter
 * @c: the counter
 * @val: the value written; bits above the width are ignored
 * @perf_count: the perf count not consumed yet; it stays unconsumed
 *
 * A write, not a read-modify-write: pending emulated events are dropped.
 * Afterwards vpmu_counter_read(@c, @perf_count) is @val within the width.
 */
void vpmu_counter_write(struct vpmu_counter *c, u64 val, u64 perf_count);

/**
 * vpmu_counter_add_emulated() - count events KVM emulated
 * @c: the counter
 * @n: how many, any number
 *
 * They stay pending until vpmu_counter_fold() or vpmu_counter_write();
 * vpmu_counter_read() sees them at once.
 */
void vpmu_counter_add_emulated(struct vpmu_counter *c, u64 n);

/**
 * vpmu_counter_add_now() - count emulated events at once, leaving the
 * perf count pending
 * @c: the counter; pending emulated events are counted too, and none
 *	stays pending
 * @perf_count: the perf count not consumed yet; it stays unconsumed
 * @n: events KVM emulated just now, any number
 *
 * For a caller that may not consume the perf count where the events
 * happen (Linux 6.1's kvm_pmu_trigger_event() runs with interrupts off,
 * where a perf event cannot be paused): @c->counter moves by the
 * emulated events only, so vpmu_counter_read(@c, @perf_count) sees them
 * and the perf count is consumed later, as it would have been.
 *
 * Return: what vpmu_counter_fold(@c, @perf_count) would say after
 * vpmu_counter_add_emulated(@c, @n): true iff the emulated events wrapped
 * the counter.
 */
bool vpmu_counter_add_now(struct vpmu_counter *c, u64 perf_count, u64 n);

/**
 * vpmu_counter_period() - the sample period that fires at the next wrap
 * @c: the counter, for a perf event that starts from 0 now
 *
 * Return: 2^width - vpmu_counter_read(@c, 0), in 1..2^width; at width 64
 * a full period is ~0ULL, one short (design.rst says why not 0).
 */
u64 vpmu_counter_period(const struct vpmu_counter *c);

#endif /* VPMU_COUNTER_H */
