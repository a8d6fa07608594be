// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the emulated-counter model (src/core/counter.c), next to
 * two small references of upstream KVM's policies:
 *
 *   6.1   each emulated event bumps the counter, reprograms it (which
 *         consumes the perf count) and compares the result with the value
 *         before the bump: smaller means an overflow.
 *   6.12  emulated events go to a separate count; at reprogram the perf
 *         count is consumed, the value snapshotted, the emulated count
 *         added, and smaller than the snapshot means an overflow.
 *   ours  vpmu_counter_add_emulated() per event, vpmu_counter_fold() and
 *         vpmu_counter_period() at reprogram.
 *   ours/6.1  the 6.1 redirect: vpmu_counter_add_now() per event with the
 *         perf count left pending, consumed at the next reprogram.
 *
 * Table 1: instructions per call (callgrind), arithmetic only: the perf
 * calls around them (pause, period, enable) are not part of any policy.
 * Table 2: guest PMIs each policy raises in a few scenarios, next to the
 * correct number.
 *
 *   bench_counter               print both tables
 *   bench_counter --op NAME N   run bench_op_NAME N times (for callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpmu/counter.h>

#include "callgrind.h"
#include "compat.h"

/* The 6.1 and 6.12 policies, on the same fields as KVM's struct kvm_pmc. */
struct ref_pmc {
	u64 counter;
	u64 emulated_counter;	/* 6.12 only */
	u64 mask;
};

static u64 ref_sample_period(const struct ref_pmc *p)
{
	u64 period = (0 - p->counter) & p->mask;

	return period ? period : p->mask + 1;
}

/*
 * 6.1, one emulated event: bump, reprogram (consume @perf_count, new
 * period), compare with the value before the bump.  Returns whether it
 * raises an overflow.
 */
static bool ref61_incr(struct ref_pmc *p, u64 perf_count, u64 *period)
{
	u64 before = p->counter;

	p->counter = (p->counter + 1) & p->mask;
	p->counter = (p->counter + perf_count) & p->mask;
	*period = ref_sample_period(p);
	return p->counter < before;
}

/* 6.12, one emulated event: counted apart, reprogram requested. */
static void ref612_incr(struct ref_pmc *p)
{
	p->emulated_counter++;
}

/*
 * 6.12, reprogram: consume @perf_count, snapshot, add the emulated count,
 * compare with the snapshot.
 */
static bool ref612_fold(struct ref_pmc *p, u64 perf_count, u64 *period)
{
	u64 snap = (p->counter + perf_count) & p->mask;

	p->counter = (snap + p->emulated_counter) & p->mask;
	p->emulated_counter = 0;
	*period = ref_sample_period(p);
	return p->counter < snap;
}

/*
 * Table 1: one operation per call, on global state.  The bench_op_*
 * functions are called only through ops[], never directly, so none is
 * inlined: each keeps its own symbol for callgrind's --toggle-collect.
 */
static struct vpmu_counter g_ours = { .mask = 0xffffffffffffULL };
static struct ref_pmc g_ref = { .mask = 0xffffffffffffULL };
/* Not static: the compiler must load and store them on every call. */
u64 g_perf = 12345;
u64 g_sink;

static void bench_op_nop(void)
{
	g_sink = g_perf;
}

static void bench_op_add_emulated(void)
{
	vpmu_counter_add_emulated(&g_ours, 1);
}

static void bench_op_read(void)
{
	g_sink = vpmu_counter_read(&g_ours, g_perf);
}

static void bench_op_fold(void)
{
	g_sink = vpmu_counter_fold(&g_ours, g_perf);
}

static void bench_op_period(void)
{
	g_sink = vpmu_counter_period(&g_ours);
}

/* What the glue does at reprogram: fold, then the new period. */
static void bench_op_reprogram(void)
{
	g_sink = vpmu_counter_fold(&g_ours, g_perf);
	g_sink = vpmu_counter_period(&g_ours);
}

/* The 6.1 redirect, per event: count at once, perf left pending. */
static void bench_op_add_now(void)
{
	g_sink = vpmu_counter_add_now(&g_ours, g_perf, 1);
}

static void bench_op_61_incr(void)
{
	u64 period;

	g_sink = ref61_incr(&g_ref, g_perf, &period);
	g_sink = period;
}

static void bench_op_612_incr(void)
{
	ref612_incr(&g_ref);
}

static void bench_op_612_fold(void)
{
	u64 period;

	g_sink = ref612_fold(&g_ref, g_perf, &period);
	g_sink = period;
}

static const struct {
	const char *name;
	void (*fn)(void);
	const char *what;
} ops[] = {
	{ "bench_op_nop", bench_op_nop, "baseline: call + one store" },
	{ "bench_op_add_emulated", bench_op_add_emulated, "ours, per event" },
	{ "bench_op_read", bench_op_read, "ours, RDPMC/RDMSR" },
	{ "bench_op_fold", bench_op_fold, "ours, fold" },
	{ "bench_op_period", bench_op_period, "ours, period" },
	{ "bench_op_reprogram", bench_op_reprogram, "ours, fold + period" },
	{ "bench_op_add_now", bench_op_add_now, "ours/6.1, per event" },
	{ "bench_op_61_incr", bench_op_61_incr, "6.1, per event (incl. period)" },
	{ "bench_op_612_incr", bench_op_612_incr, "6.12, per event" },
	{ "bench_op_612_fold", bench_op_612_fold, "6.12, fold + period" },
};

#define NOPS ARRAY_SIZE(ops)

/*
 * Table 2.  A window is: the guest runs and perf counts @perf events, the
 * guest exits, KVM emulates @emulated instructions, the guest re-enters.
 * Perf raises its own PMI when its count reaches the period programmed at
 * the last reprogram; 6.12 and ours fold at re-entry; 6.1 reprograms on
 * every emulated event.  Overflows KVM raises during one exit coalesce into
 * one PMI (KVM_REQ_PMI); perf's PMI comes in its own exit, during the run.
 * Correct: one PMI if the perf count crossed a multiple of 2^width, one if
 * the emulated events did (the guest cannot observe between them).
 */
struct window {
	u64 perf;
	u64 emulated;
};

struct scenario_result {
	unsigned long correct, p61, p612, ours, ours61;
	bool agree;	/* all three keep the same counter value */
};

struct sim {
	unsigned int width;
	u64 mask;
	__uint128_t count;		/* the true count */
	struct ref_pmc r61, r612;
	struct vpmu_counter ours, ours61;
	u64 pending61;		/* perf count the redirect left pending */
	struct scenario_result res;
};

static void sim_init(struct sim *s, unsigned int width, u64 start)
{
	memset(s, 0, sizeof(*s));
	s->width = width;
	s->mask = vpmu_counter_mask_for_width(width);
	s->count = start & s->mask;
	s->r61.mask = s->mask;
	s->r61.counter = start & s->mask;
	s->r612 = s->r61;
	s->ours.mask = s->mask;
	s->ours.counter = start & s->mask;
	s->ours61 = s->ours;
	s->res.agree = true;
}

static void sim_window(struct sim *s, const struct window *w)
{
	unsigned int sh = s->width;
	__uint128_t before = s->count, mid = before + w->perf;
	__uint128_t after = mid + w->emulated;
	bool perf_pmi = (mid >> sh) != (before >> sh);
	bool any = false, any61 = false;
	u64 i, period, perf = w->perf;

	s->count = after;
	s->res.correct += perf_pmi + ((after >> sh) != (mid >> sh));

	/* Perf's PMI, the same for every policy: its period is exact. */
	s->res.p61 += perf_pmi;
	s->res.p612 += perf_pmi;
	s->res.ours += perf_pmi;
	s->res.ours61 += perf_pmi;
	s->pending61 += w->perf;

	for (i = 0; i < w->emulated; i++) {
		any |= ref61_incr(&s->r61, perf, &period);
		perf = 0;
		ref612_incr(&s->r612);
		vpmu_counter_add_emulated(&s->ours, 1);
		any61 |= vpmu_counter_add_now(&s->ours61, s->pending61, 1);
	}
	/* Events re-arm the counter (reprogram_counter()): perf is consumed. */
	if (w->emulated) {
		vpmu_counter_fold(&s->ours61, s->pending61);
		s->pending61 = 0;
	}
	s->res.ours61 += any61;
	if (!w->emulated)
		s->r61.counter = (s->r61.counter + perf) & s->mask;
	s->res.p61 += any;
	s->res.p612 += ref612_fold(&s->r612, w->perf, &period);
	s->res.ours += vpmu_counter_fold(&s->ours, w->perf);

	if (s->r61.counter != (u64)(after & s->mask) ||
	    s->r612.counter != (u64)(after & s->mask) ||
	    s->ours.counter != (u64)(after & s->mask) ||
	    vpmu_counter_read(&s->ours61, s->pending61) != (u64)(after & s->mask))
		s->res.agree = false;
}

static u64 xorshift64(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void print_scenario(const char *name, unsigned int width,
			   const struct sim *s)
{
	printf("%-50s %5u %8lu %8lu %8lu %8lu %8lu%s\n", name, width,
	       s->res.correct, s->res.p61, s->res.p612, s->res.ours,
	       s->res.ours61, s->res.agree ? "" : "  (values differ!)");
}

static void scenarios(void)
{
	struct window w;
	struct sim s;
	u64 i, x;

	printf("\nGuest PMIs raised per scenario ");
	printf("(window: perf counts, exit, KVM emulates, entry)\n");
	printf("%-50s %5s %8s %8s %8s %8s %8s\n", "scenario", "width", "correct",
	       "6.1", "6.12", "ours", "ours/6.1");

	/* 1000 emulated instructions, one per exit, across a wrap. */
	sim_init(&s, 48, (1ULL << 48) - 500);
	w = (struct window){ 0, 1 };
	for (i = 0; i < 1000; i++)
		sim_window(&s, &w);
	print_scenario("1000 emulated instrs (1 per exit) across a wrap", 48, &s);

	/* The same with the guest running 100 events between exits. */
	sim_init(&s, 48, (1ULL << 48) - 50000);
	w = (struct window){ 100, 1 };
	for (i = 0; i < 1000; i++)
		sim_window(&s, &w);
	print_scenario("1000 x (perf 100, 1 emulated) across a wrap", 48, &s);

	/* Seed bug 1: perf wraps, an emulated event in the same window. */
	sim_init(&s, 48, (1ULL << 48) - 10);
	w = (struct window){ 15, 1 };
	sim_window(&s, &w);
	print_scenario("perf wrap + 1 emulated event in one window", 48, &s);

	/*
	 * Several emulated events in one exit across a wrap: 6.1 checks
	 * after every event and 6.12 compares once; both get this one.
	 */
	sim_init(&s, 48, (1ULL << 48) - 2);
	w = (struct window){ 0, 5 };
	sim_window(&s, &w);
	print_scenario("5 emulated events in one exit across a wrap", 48, &s);

	/*
	 * The emulated event lands exactly on the wrap after perf's count:
	 * 6.1 compares with a snapshot that already holds perf's count and
	 * misses the wrap.
	 */
	sim_init(&s, 48, 0);
	w = (struct window){ (1ULL << 48) - 1, 1 };
	sim_window(&s, &w);
	print_scenario("from 0, perf 2^48-1, 1 emulated event wraps", 48, &s);

	/*
	 * Seed bug 2, the hidden wrap: more emulated events in one exit
	 * than the counter's range.  6.12's "new < old" compare misses it.
	 */
	sim_init(&s, 16, 100);
	w = (struct window){ 0, 1ULL << 16 };
	sim_window(&s, &w);
	print_scenario("2^16 emulated events in one exit", 16, &s);

	/* Random windows. */
	sim_init(&s, 16, 0);
	x = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < 100000; i++) {
		u64 r = xorshift64(&x);

		w.perf = r % 4096;
		r >>= 12;
		w.emulated = r % 100 < 70 ? 0 : r % 100 < 95 ? 1 : 2 + r % 3;
		sim_window(&s, &w);
	}
	print_scenario("100000 random windows (perf <4096, emul 0-4)", 16, &s);
}

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc == 4 && !strcmp(argv[1], "--op")) {
		long n = strtol(argv[3], NULL, 10);

		for (i = 0; i < NOPS; i++) {
			if (strcmp(argv[2], ops[i].name))
				continue;
			while (n-- > 0)
				ops[i].fn();
			return 0;
		}
		fprintf(stderr, "bench_counter: no op %s\n", argv[2]);
		return 1;
	}

	printf("Emulated-counter accounting: instructions per call ");
	printf("(callgrind, width 48, cc -O2)\n");
	printf("(ours calls into the core library, as the glue will; the 6.1 and 6.12\n");
	printf(" references are inline, as in KVM; perf calls are in neither)\n");
	printf("%-24s %-32s %10s\n", "function", "what", "instr/call");
	for (i = 0; i < NOPS; i++) {
		double ir = vpmu_ir_per_call(argv[0], ops[i].name, 100000);

		if (ir < 0)
			printf("%-24s %-32s %10s\n", ops[i].name, ops[i].what,
			       "n/a");
		else
			printf("%-24s %-32s %10.1f\n", ops[i].name, ops[i].what,
			       ir);
	}
	scenarios();
	return 0;
}
