// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_overflow": the 6.1 redirect of
 * kvm_pmu_trigger_event() on fake vCPUs and kvm_pmcs, whose perf events
 * hold the count nobody consumed yet in their ->count (what perf's read
 * functions return for them).  Judged by what KVM and the guest see: the
 * counter as RDPMC reads it (pmc->counter plus the pending count),
 * GLOBAL_STATUS, the KVM_REQ_PMU and KVM_REQ_PMI requests, and how the
 * period is re-armed: reprogram_counter() with interrupts on, the
 * reprogram_pmi bit and KVM_REQ_PMU with them off, never a call that may
 * sleep with them off.  Exactly one PMI per wrap: perf raises its own for
 * the wraps its count makes, the redirect one for each wrap an emulated
 * event makes.
 *
 * 6.12 counts emulated events apart (kvm_pmc.emulated_counter) and has
 * no redirect: the suite skips there; vpmu_counter_kvm holds 6.12's own
 * accounting to the model.
 */
#include <linux/irqflags.h>
#include <linux/perf_event.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"
#include "../../src/kvm/compat.h"
#include "../../src/kvm/vpmu_trace.h"

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT

#define TOP		(BIT_ULL(48) - 1)
#define EVTSEL_INSN	(0x00c0 | ARCH_PERFMON_EVENTSEL_ENABLE | \
			 ARCH_PERFMON_EVENTSEL_OS | ARCH_PERFMON_EVENTSEL_USR | \
			 ARCH_PERFMON_EVENTSEL_INT)

/* A vCPU with a version 2 PMU (8 GP and 3 fixed counters of 48 bits). */
static struct kvm_vcpu *ovf_vcpu(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 800), 0);

	KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	bench_refresh(vcpu, 2, false);
	KUNIT_ASSERT_EQ(test, vcpu->arch.pmu.counter_bitmask[KVM_PMC_GP], TOP);
	return vcpu;
}

/*
 * GP counter @i counting retired instructions in both rings, PMI on, as
 * reprogram_counter() left it: enabled in GLOBAL_CTRL, a perf event with
 * @pending counted and not consumed.
 */
static struct kvm_pmc *ovf_gp(struct kunit *test, struct kvm_vcpu *vcpu,
			      unsigned int i, u64 counter, u64 pending)
{
	struct kvm_pmc *pmc = &vcpu->arch.pmu.gp_counters[i];

	pmc->eventsel = EVTSEL_INSN;
	pmc->current_config = EVTSEL_INSN;
	pmc->counter = counter;
	pmc->intr = true;
	pmc->perf_event = kunit_kzalloc(test, sizeof(*pmc->perf_event),
					GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pmc->perf_event);
	local64_set(&pmc->perf_event->count, pending);
	vcpu->arch.pmu.global_ctrl |= BIT_ULL(pmc->idx);
	return pmc;
}

/* What the guest reads: pmc_read_counter(). */
static u64 ovf_read(const struct kvm_pmc *pmc)
{
	u64 pending = pmc->perf_event && !pmc->is_paused ?
		      local64_read(&pmc->perf_event->count) : 0;

	return (pmc->counter + pending) & TOP;
}

/* One emulated instruction, as kvm_skip_emulated_instruction() reports it. */
static void ovf_insn(struct kvm_vcpu *vcpu, bool irqs_off)
{
	unsigned long flags;

	if (irqs_off)
		local_irq_save(flags);
	vpmu_wrap_trigger_event(vcpu, PERF_COUNT_HW_INSTRUCTIONS);
	if (irqs_off)
		local_irq_restore(flags);
}

/* Take a request as vcpu_enter_guest() does: true if it was made. */
static bool ovf_req(struct kvm_vcpu *vcpu, int req)
{
	bool made = kvm_test_request(req, vcpu);

	kvm_clear_request(req, vcpu);
	return made;
}

/* KVM_REQ_PMI: a PMI is delivered before the next VM-entry. */
static bool ovf_pmi(struct kvm_vcpu *vcpu)
{
	return ovf_req(vcpu, KVM_REQ_PMI);
}

/* KVM_REQ_PMU: kvm_pmu_handle_event() runs before the next VM-entry. */
static bool ovf_pmu(struct kvm_vcpu *vcpu)
{
	return ovf_req(vcpu, KVM_REQ_PMU);
}

static const bool ovf_irqs[] = { false, true };

static void ovf_irqs_desc(const bool *off, char *desc)
{
	strscpy(desc, *off ? "interrupts off" : "interrupts on",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ovf_irqs, ovf_irqs, ovf_irqs_desc);

/* The last overflow event, through a probe of our own. */
static struct {
	unsigned int events, idx, width;
	u64 before, after;
	bool status, pmi;
} ovf_trace;

static void ovf_probe(void *data, struct kvm_vcpu *vcpu, unsigned int idx,
		      u64 mask, u64 before, u64 after, bool status, bool pmi)
{
	ovf_trace.events++;
	ovf_trace.idx = idx;
	ovf_trace.width = fls64(mask);
	ovf_trace.before = before;
	ovf_trace.after = after;
	ovf_trace.status = status;
	ovf_trace.pmi = pmi;
}

/**
 * struct ovf_one - one emulated event on GP counter 0
 * @name: what the row stands for
 * @counter: pmc->counter before
 * @pending: the perf count not consumed yet
 * @read: what the guest reads after
 * @wrap: the event wrapped the counter: status bit, PMI, the tracepoint
 */
struct ovf_one {
	const char *name;
	u64 counter, pending, read;
	bool wrap;
};

static const struct ovf_one ovf_ones[] = {
	/* The counter wraps: one PMI. */
	{ "2^48-1 then one event", TOP, 0, 0, true },
	/* The wrap is seen from what the guest reads, not pmc->counter. */
	{ "2^48-1 with 10 in perf's count", TOP - 10, 10, 0, true },
	/* Perf wrapped it in the guest's run: perf's PMI is the one. */
	{ "perf wrap and an event in one window", TOP - 9, 15, 6, false },
	{ "no wrap", 100, 5, 106, false },
};

static void ovf_one_desc(const struct ovf_one *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ovf_one, ovf_ones, ovf_one_desc);

/*
 * With interrupts on, then off: the value the guest reads after, the
 * overflow exactly when the event wrapped it (6.1 itself raises one for
 * a perf wrap too), and the re-arm: reprogram_counter() at once with
 * interrupts on (it consumes the pending count), KVM_REQ_PMU and the
 * reprogram_pmi bit with them off (the pending count stays); perf's
 * count read without consuming it, by the reader the context allows.
 */
static void ovf_test_one(struct kunit *test)
{
	const struct ovf_one *c = test->param_value;
	struct kvm_vcpu *vcpu;
	struct kvm_pmc *pmc;
	unsigned int off;

	for (off = 0; off < 2; off++) {
		memset(bench.calls, 0, sizeof(bench.calls));
		memset(&ovf_trace, 0, sizeof(ovf_trace));
		vcpu = ovf_vcpu(test);
		pmc = ovf_gp(test, vcpu, 0, c->counter, c->pending);
		KUNIT_ASSERT_EQ(test, register_trace_kvm_vpmu_ext_overflow(ovf_probe,
									   NULL), 0);
		ovf_insn(vcpu, off);
		unregister_trace_kvm_vpmu_ext_overflow(ovf_probe, NULL);
		tracepoint_synchronize_unregister();

		KUNIT_EXPECT_EQ_MSG(test, ovf_read(pmc), c->read,
				    "interrupts %s", off ? "off" : "on");
		KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status,
				c->wrap ? BIT_ULL(0) : 0);
		KUNIT_EXPECT_EQ(test, ovf_pmi(vcpu), c->wrap);
		KUNIT_EXPECT_EQ(test, ovf_pmu(vcpu), c->wrap || off);
		KUNIT_EXPECT_EQ(test, ovf_trace.events, c->wrap ? 1U : 0U);
		if (c->wrap) {
			KUNIT_EXPECT_EQ(test, ovf_trace.idx, 0U);
			KUNIT_EXPECT_EQ(test, ovf_trace.width, 48U);
			KUNIT_EXPECT_EQ(test, ovf_trace.before, TOP);
			KUNIT_EXPECT_EQ(test, ovf_trace.after, 0ULL);
			KUNIT_EXPECT_TRUE(test, ovf_trace.status);
			KUNIT_EXPECT_TRUE(test, ovf_trace.pmi);
		}

		KUNIT_EXPECT_EQ(test, bench.irqs_off_calls, 0U);
		KUNIT_EXPECT_EQ(test, bench.calls[BENCH_REPROGRAM_COUNTER],
				off ? 0U : 1U);
		KUNIT_EXPECT_EQ(test, bench.calls[BENCH_READ_LOCAL], off ? 1U : 0U);
		KUNIT_EXPECT_EQ(test, bench.calls[BENCH_READ_VALUE], off ? 0U : 1U);
		KUNIT_EXPECT_EQ(test, test_bit(0, vcpu->arch.pmu.reprogram_pmi),
				off);
		KUNIT_EXPECT_EQ(test, local64_read(&pmc->perf_event->count),
				off ? c->pending : 0);
		KUNIT_EXPECT_EQ(test, pmc->counter,
				off ? (c->counter + 1) & TOP : c->read);
		KUNIT_EXPECT_EQ(test, bench.calls[BENCH_TRIGGER_EVENT], 0U);
	}
}

/*
 * 6.1's rules for raising it: a PEBS counter (a precise perf event)
 * gets neither status bit nor PMI, a counter without its INT bit a
 * status bit and no PMI; both still get KVM_REQ_PMU.
 */
static void ovf_test_rules(struct kunit *test)
{
	bool irqs_off = *(const bool *)test->param_value;
	struct kvm_vcpu *vcpu = ovf_vcpu(test);
	struct kvm_pmc *pebs = ovf_gp(test, vcpu, 0, TOP, 0);
	struct kvm_pmc *quiet = ovf_gp(test, vcpu, 1, TOP, 0);

	pebs->perf_event->attr.precise_ip = 1;
	quiet->intr = false;
	ovf_insn(vcpu, irqs_off);
	KUNIT_EXPECT_EQ(test, ovf_read(pebs), 0ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(quiet), 0ULL);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status, BIT_ULL(1));
	KUNIT_EXPECT_TRUE(test, ovf_pmu(vcpu));
	KUNIT_EXPECT_FALSE(test, ovf_pmi(vcpu));
	KUNIT_EXPECT_EQ(test, bench.irqs_off_calls, 0U);
}

/*
 * Which counters count the event, as 6.1 matches them: the event select
 * (or a fixed counter's), the ring of the vCPU against the programmed
 * OS/USR bits, enabled in GLOBAL_CTRL and in its own control.
 */
static void ovf_test_matching(struct kunit *test)
{
	struct kvm_vcpu *vcpu = ovf_vcpu(test);
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	struct kvm_pmc *counts = ovf_gp(test, vcpu, 0, 10, 0);
	struct kvm_pmc *cycles = ovf_gp(test, vcpu, 1, 10, 0);
	struct kvm_pmc *user = ovf_gp(test, vcpu, 2, 10, 0);
	struct kvm_pmc *off = ovf_gp(test, vcpu, 3, 10, 0);
	struct kvm_pmc *stopped = ovf_gp(test, vcpu, 4, 10, 0);
	struct kvm_pmc *fixed = &pmu->fixed_counters[0];

	cycles->eventsel = (cycles->eventsel & ~0xffULL) | 0x3c;
	user->eventsel &= ~ARCH_PERFMON_EVENTSEL_OS;
	user->current_config = user->eventsel;
	pmu->global_ctrl &= ~BIT_ULL(off->idx);
	stopped->eventsel &= ~ARCH_PERFMON_EVENTSEL_ENABLE;
	/* Fixed counter 0 (INST_RETIRED) in ring 0 only, no PMI. */
	fixed->counter = 10;
	pmu->fixed_ctr_ctrl = 0x1;
	fixed->current_config = 0x1;
	pmu->global_ctrl |= BIT_ULL(INTEL_PMC_IDX_FIXED);

	bench.cpl = 0;
	vpmu_wrap_trigger_event(vcpu, PERF_COUNT_HW_INSTRUCTIONS);
	KUNIT_EXPECT_EQ(test, ovf_read(counts), 11ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(cycles), 10ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(user), 10ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(off), 10ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(stopped), 10ULL);
	KUNIT_EXPECT_EQ(test, fixed->counter, 11ULL);

	bench.cpl = 3;
	vpmu_wrap_trigger_event(vcpu, PERF_COUNT_HW_INSTRUCTIONS);
	KUNIT_EXPECT_EQ(test, ovf_read(counts), 12ULL);
	KUNIT_EXPECT_EQ(test, ovf_read(user), 11ULL);
	KUNIT_EXPECT_EQ(test, fixed->counter, 11ULL);

	/* A branch counts on none of them. */
	vpmu_wrap_trigger_event(vcpu, PERF_COUNT_HW_BRANCH_INSTRUCTIONS);
	KUNIT_EXPECT_EQ(test, ovf_read(counts), 12ULL);
	/* One reprogram_counter() per event counted, none for the others. */
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_REPROGRAM_COUNTER], 4U);
}

/* A paused event's count is in pmc->counter already: nothing pending. */
static void ovf_test_paused(struct kunit *test)
{
	struct kvm_vcpu *vcpu = ovf_vcpu(test);
	struct kvm_pmc *pmc = ovf_gp(test, vcpu, 0, TOP, 7);

	pmc->is_paused = true;
	ovf_insn(vcpu, true);
	KUNIT_EXPECT_EQ(test, pmc->counter, 0ULL);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status, BIT_ULL(0));
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_READ_LOCAL], 0U);
}

/*
 * perf_event_read_local() refuses an event it cannot read here (pinned
 * elsewhere, another task's): its folded count is what it holds.
 */
static void ovf_test_read_local_refused(struct kunit *test)
{
	struct kvm_vcpu *vcpu = ovf_vcpu(test);
	struct kvm_pmc *pmc = ovf_gp(test, vcpu, 0, TOP - 3, 3);

	bench.read_local_ret = -EBUSY;
	ovf_insn(vcpu, true);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_READ_LOCAL], 1U);
	KUNIT_EXPECT_EQ(test, ovf_read(pmc), 0ULL);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status, BIT_ULL(0));
}

/* Without the feature, or for a vCPU without state: KVM's own code. */
static void ovf_test_call_through(struct kunit *test)
{
	struct kvm_vcpu *vcpu = ovf_vcpu(test);
	struct kvm_vcpu *old = bench_vcpu(test, bench_vm(test, 801), 0);
	struct kvm_pmc *pmc = ovf_gp(test, vcpu, 0, TOP, 0);

	vpmu_wrap_trigger_event(old, PERF_COUNT_HW_INSTRUCTIONS);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_TRIGGER_EVENT], 1U);
	KUNIT_EXPECT_PTR_EQ(test, bench.last_vcpu, old);

	vpmu_cfg.features &= ~BIT(VPMU_EXT_OVERFLOW);
	vpmu_wrap_trigger_event(vcpu, PERF_COUNT_HW_INSTRUCTIONS);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_TRIGGER_EVENT], 2U);
	KUNIT_EXPECT_PTR_EQ(test, bench.last_vcpu, vcpu);
	KUNIT_EXPECT_EQ(test, pmc->counter, TOP);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_REPROGRAM_COUNTER], 0U);
}

/**
 * struct ovf_run - the benchmark's windows, replayed through the redirect
 * @name: as bench_counter prints it
 * @start: the counter before the first window
 * @perf: events perf counts in the guest's run of each window
 * @emulated: events KVM emulates in the exit that ends it
 * @windows: how many
 */
struct ovf_run {
	const char *name;
	u64 start, perf, emulated;
	unsigned int windows;
};

static const struct ovf_run ovf_runs[] = {
	{ "1000 emulated instrs (1 per exit) across a wrap",
	  BIT_ULL(48) - 500, 0, 1, 1000 },
	{ "1000 x (perf 100, 1 emulated) across a wrap",
	  BIT_ULL(48) - 50000, 100, 1, 1000 },
	{ "perf wrap + 1 emulated event in one window",
	  BIT_ULL(48) - 10, 15, 1, 1 },
	{ "5 emulated events in one exit across a wrap",
	  BIT_ULL(48) - 2, 0, 5, 1 },
	{ "from 0, perf 2^48-1, 1 emulated event wraps", 0, TOP, 1, 1 },
};

static void ovf_run_desc(const struct ovf_run *r, char *desc)
{
	strscpy(desc, r->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ovf_run, ovf_runs, ovf_run_desc);

/*
 * Each window: perf counts (and raises its PMI when its count crosses a
 * wrap), KVM emulates, taking the requests before the next entry and
 * re-arming what the fastpath left for KVM_REQ_PMU.  Windows alternate
 * between interrupts on and off, starting with each.  PMIs raised must
 * equal the wraps of the true count, and the guest must read the true
 * count after every window.
 */
static void ovf_test_run(struct kunit *test)
{
	const struct ovf_run *r = test->param_value;
	u64 truth, wraps, pmis, before, e;
	struct kvm_vcpu *vcpu;
	struct kvm_pmc *pmc;
	unsigned int w, pass;

	for (pass = 0; pass < 2; pass++) {
		vcpu = ovf_vcpu(test);
		pmc = ovf_gp(test, vcpu, 0, r->start, 0);
		truth = r->start;
		wraps = 0;
		pmis = 0;
		for (w = 0; w < r->windows; w++) {
			before = ovf_read(pmc);
			local64_add(r->perf, &pmc->perf_event->count);
			/* Perf's own PMI: its period ends at the wrap. */
			if (((before + r->perf) & TOP) < before)
				pmis++;
			for (e = 0; e < r->emulated; e++) {
				ovf_insn(vcpu, (w + pass) & 1);
				pmis += ovf_pmi(vcpu);
			}
			if (ovf_pmu(vcpu))
				bench_handle_pmu_event(vcpu);
			wraps += (truth + r->perf + r->emulated) >> 48;
			truth = (truth + r->perf + r->emulated) & TOP;
			KUNIT_ASSERT_EQ_MSG(test, ovf_read(pmc), truth,
					    "pass %u window %u", pass, w);
		}
		KUNIT_EXPECT_EQ_MSG(test, pmis, wraps, "pass %u", pass);
		KUNIT_EXPECT_GE(test, wraps, 1ULL);
	}
	KUNIT_EXPECT_EQ(test, bench.irqs_off_calls, 0U);
}

static struct kunit_case ovf_test_cases[] = {
	KUNIT_CASE_PARAM(ovf_test_one, ovf_one_gen_params),
	KUNIT_CASE_PARAM(ovf_test_rules, ovf_irqs_gen_params),
	KUNIT_CASE(ovf_test_matching),
	KUNIT_CASE(ovf_test_paused),
	KUNIT_CASE(ovf_test_read_local_refused),
	KUNIT_CASE(ovf_test_call_through),
	KUNIT_CASE_PARAM(ovf_test_run, ovf_run_gen_params),
	{}
};

#else

static void ovf_test_not_redirected(struct kunit *test)
{
	kunit_skip(test, "6.12 has no redirect: KVM counts emulated events apart");
}

static struct kunit_case ovf_test_cases[] = {
	KUNIT_CASE(ovf_test_not_redirected),
	{}
};

#endif

VPMU_KUNIT_SUITE(vpmu_glue_overflow, ovf_test_cases, bench_init, bench_exit);
