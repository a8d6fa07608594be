// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_lbr": the vLBR lifecycle through the wrappers,
 * on a fake vCPU whose KVM, host perf and LBR hardware do what theirs do
 * (glue_bench.c).  Judged by what the guest reads (DEBUGCTL, GLOBAL_STATUS
 * and its LBR stack), by what reaches KVM's originals (cleanup called or
 * not, DEBUGCTL written, the event created and released) and by what
 * must never happen: records of another context in the guest's reads,
 * guest branches recorded into an LBR stack host perf did not give it, an
 * event created with interrupts off.  The freezes are the SDM's
 * ("Freezing LBR and Performance Counters on PMI"), the release rules the
 * policies' contract (include/vpmu/lbr.h).
 */
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <asm/msr-index.h>

#include <vpmu/msr.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"

#define LBR		DEBUGCTLMSR_LBR
#define FRZ		DEBUGCTLMSR_FREEZE_LBRS_ON_PMI
#define ON		(LBR | FRZ)
#define DEBUGCTL	MSR_IA32_DEBUGCTLMSR
#define STATUS		MSR_CORE_PERF_GLOBAL_STATUS
#define STATUS_RESET	VPMU_MSR_GLOBAL_STATUS_RESET
#define STATUS_SET	VPMU_MSR_GLOBAL_STATUS_SET
#define ST_FRZ		VPMU_STATUS_LBR_FRZ
#define OVF0		BIT_ULL(0)
#define HOST		BENCH_LBR_HOST
#define EMPTY		BENCH_LBR_EMPTY

/* A vCPU with state, given a @version PMU with LBR by its CPUID. */
static struct kvm_vcpu *lbr_vcpu(struct kunit *test, u8 version)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 400), 0);

	KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	bench_refresh(vcpu, version, true);
	KUNIT_ASSERT_TRUE(test, vpmu_vcpu_find(vcpu)->lbr.on);
	return vcpu;
}

static int lbr_wr(struct kvm_vcpu *vcpu, u32 msr, u64 val)
{
	return bench_wrmsr(vcpu, msr, val, false);
}

/* What a guest RDMSR returns; a #GP fails the test. */
static u64 lbr_rd(struct kunit *test, struct kvm_vcpu *vcpu, u32 msr)
{
	u64 val = 0;

	KUNIT_EXPECT_EQ_MSG(test, bench_rdmsr(vcpu, msr, &val, false), 0,
			    "rdmsr %#x", msr);
	return val;
}

static unsigned long lbr_stat(struct kvm_vcpu *vcpu, enum vpmu_stat stat)
{
	return READ_ONCE(vpmu_vcpu_find(vcpu)->stats[stat]);
}

/* Never, in any test: the invariants of glue_bench.h's struct bench_lbr. */
static void lbr_expect_clean(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, bench.lbr.foreign, 0U,
			    "guest branches recorded into a stack not its own");
	KUNIT_EXPECT_EQ_MSG(test, bench.lbr.atomic_creates, 0U,
			    "event created with interrupts off");
	KUNIT_EXPECT_EQ_MSG(test, bench.lbr.warns, 0U,
			    "hardware LBR without a running event at VM-entry");
}

/*
 * A PMI froze the stack as version @version freezes it: legacy (2, 3)
 * the guest reads DEBUGCTL.LBR clear; streamlined (4, 5) it still reads
 * it set and GLOBAL_STATUS.LBR_FRZ set.  Either way hardware records
 * nothing, and the guest's reads show its last record @last.
 */
static void lbr_expect_frozen(struct kunit *test, struct kvm_vcpu *vcpu,
			      u8 version, u64 last)
{
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL),
			version >= 4 ? ON : FRZ);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, STATUS) & ST_FRZ,
			version >= 4 ? ST_FRZ : 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl & LBR, 0ULL);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), last);
}

/* The guest's PMI handler acknowledges the overflow and resumes. */
static void lbr_ack(struct kunit *test, struct kvm_vcpu *vcpu, u8 version)
{
	if (version >= 4) {
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_RESET, OVF0 | ST_FRZ), 0);
	} else {
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_RESET, OVF0), 0);
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	}
}

static const u8 lbr_versions[] = { 2, 3, 4, 5 };

static void lbr_version_desc(const u8 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "version %u", *v);
}

KUNIT_ARRAY_PARAM(lbr_version, lbr_versions, lbr_version_desc);

/* ---- the seed's five steps -------------------------------------------- */

/*
 * The sequence of the PMU v4 series: a PMI freezes the stack, the
 * handler reads, the vCPU is scheduled out (host perf records LBRs
 * meanwhile) and in, the handler reads on.  KVM alone releases the event
 * at that sched-in (hardware's DEBUGCTL.LBR is clear while frozen) and
 * the second read finds a new, empty stack; the module keeps it.
 */
static void lbr_test_seed(struct kunit *test)
{
	u8 version = *(const u8 *)test->param_value;
	struct kvm_vcpu *vcpu = lbr_vcpu(test, version);
	u64 last, next;

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, 1U);
	last = bench_guest_run(vcpu);
	KUNIT_EXPECT_NE(test, last, EMPTY);

	/* 1: the PMI; 2: the handler reads (its own branches unrecorded). */
	bench_pmi(vcpu);
	lbr_expect_frozen(test, vcpu, version, last);
	/* 3: out and in, host perf recording meanwhile: the event stays. */
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 0U);
	KUNIT_EXPECT_TRUE(test, bench.lbr.event);
	/* 4: the handler reads on: its records, never the host's. */
	lbr_expect_frozen(test, vcpu, version, last);

	/* 5: it acknowledges; the stack records again. */
	lbr_ack(test, vcpu, version);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), ON);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, STATUS), 0ULL);
	next = bench_guest_run(vcpu);
	KUNIT_EXPECT_GT(test, next, last);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), next);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, 1U);
	KUNIT_EXPECT_EQ(test, bench.lbr.releases, 0U);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_FREEZES), 1UL);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_CREATES), 1UL);
	lbr_expect_clean(test);
}

/*
 * The same with the lbr feature off: KVM's own vLBR, which the bench
 * reproduces losing the stack (the test above could fail).  From
 * version 4 KVM emulates no freeze at all: the handler's branches
 * overwrite the records it reads.
 */
static void lbr_test_seed_kvm(struct kunit *test)
{
	u8 version = *(const u8 *)test->param_value;
	struct kvm_vcpu *vcpu;
	u64 last;

	vpmu_cfg.features &= ~BIT(VPMU_EXT_LBR);
	vcpu = bench_vcpu(test, bench_vm(test, 401), 0);
	KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	bench_refresh(vcpu, version, true);
	KUNIT_ASSERT_FALSE(test, vpmu_vcpu_find(vcpu)->lbr.on);

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	last = bench_guest_run(vcpu);
	bench_pmi(vcpu);
	bench_guest_run(vcpu);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 1U);
	KUNIT_EXPECT_NE(test, bench_guest_read(vcpu), last);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, STATUS) & ST_FRZ, 0ULL);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_FREEZES), 0UL);
}

/* ---- the guest's own read window ---------------------------------------- */

struct lbr_window_case {
	const char *name;
	enum vpmu_lbr_policy policy;
	unsigned int k;
	unsigned int preemptions;
	bool kept;
};

static const struct lbr_window_case lbr_window_cases[] = {
	{ "hysteresis K=2, 1 preemption", VPMU_LBR_POLICY_HYSTERESIS, 2, 1, true },
	{ "hysteresis K=2, 2 preemptions", VPMU_LBR_POLICY_HYSTERESIS, 2, 2, true },
	{ "hysteresis K=2, 3 preemptions", VPMU_LBR_POLICY_HYSTERESIS, 2, 3, false },
	{ "hysteresis K=1, 1 preemption", VPMU_LBR_POLICY_HYSTERESIS, 1, 1, true },
	{ "hysteresis K=1, 2 preemptions", VPMU_LBR_POLICY_HYSTERESIS, 1, 2, false },
	{ "freeze_aware, 1 preemption", VPMU_LBR_POLICY_FREEZE_AWARE, 2, 1, false },
};

KUNIT_ARRAY_PARAM_DESC(lbr_window, lbr_window_cases, name);

/*
 * Guest perf's sched_task path: it clears DEBUGCTL.LBR, then reads the
 * (passed-through) stack, and is preempted in between.  Hysteresis keeps
 * the stack for up to K such preemptions; freeze_aware releases at the
 * first, and the read after it finds a new, empty stack (never another
 * context's records).
 */
static void lbr_test_read_window(struct kunit *test)
{
	const struct lbr_window_case *c = test->param_value;
	struct kvm_vcpu *vcpu;
	unsigned int i;
	u64 last;

	vpmu_cfg.lbr_policy = c->policy;
	vpmu_cfg.lbr_hysteresis = c->k;
	vcpu = lbr_vcpu(test, 4);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	last = bench_guest_run(vcpu);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, FRZ), 0);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), last);
	for (i = 0; i < c->preemptions; i++) {
		bench_sched_out(vcpu, HOST);
		bench_sched_in(vcpu);
	}
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), c->kept ? last : EMPTY);
	KUNIT_EXPECT_EQ(test, bench.lbr.releases, c->kept ? 0U : 1U);
	/* Released, the next access made a new event. */
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, c->kept ? 1U : 2U);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_GT(test, bench_guest_run(vcpu), last);
	lbr_expect_clean(test);
}

/* ---- freeze on PMI ------------------------------------------------------- */

struct lbr_freeze_case {
	const char *name;
	u8 version;
	u64 debugctl;
	bool pmu_v5;
	bool frozen;
};

static const struct lbr_freeze_case lbr_freeze_cases[] = {
	{ "v1", 1, ON, true, false },
	{ "v2 legacy", 2, ON, true, true },
	{ "v3 legacy", 3, ON, true, true },
	{ "v4 LBR_FRZ", 4, ON, true, true },
	{ "v5 LBR_FRZ", 5, ON, true, true },
	{ "v2 without FREEZE_LBRS_ON_PMI", 2, LBR, true, false },
	{ "v4 without FREEZE_LBRS_ON_PMI", 4, LBR, true, false },
	{ "v5 without FREEZE_LBRS_ON_PMI", 5, LBR, true, false },
	{ "v4 without pmu_v5 (KVM's)", 4, ON, false, false },
};

KUNIT_ARRAY_PARAM_DESC(lbr_freeze, lbr_freeze_cases, name);

/*
 * A PMI freezes the stack only when the guest asked for it
 * (FREEZE_LBRS_ON_PMI) and its version has a freeze: the SDM's legacy
 * one in 2-3 (KVM's own emulation), LBR_FRZ from 4, which needs pmu_v5
 * (KVM keeps the bit reserved and freezes nothing there).  The overflow
 * bit is set either way.
 */
static void lbr_test_freeze(struct kunit *test)
{
	const struct lbr_freeze_case *c = test->param_value;
	struct kvm_vcpu *vcpu;
	u64 last;

	if (!c->pmu_v5)
		vpmu_cfg.features &= ~BIT(VPMU_EXT_PMU_V5);
	vcpu = lbr_vcpu(test, c->version);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, c->debugctl), 0);
	last = bench_guest_run(vcpu);
	bench_pmi(vcpu);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status & OVF0, OVF0);
	if (c->frozen) {
		lbr_expect_frozen(test, vcpu, c->version, last);
	} else {
		KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), c->debugctl);
		KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status & ST_FRZ, 0ULL);
		KUNIT_EXPECT_GT(test, bench_guest_run(vcpu), last);
	}
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_FREEZES),
			(unsigned long)c->frozen);
	/* A frozen stack is never released, however long it stays idle. */
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.releases, 0U);
	if (c->frozen)
		lbr_expect_frozen(test, vcpu, c->version, last);
	lbr_expect_clean(test);
}

/* ---- GLOBAL_STATUS_SET / _RESET of LBR_FRZ -------------------------------- */

/*
 * Version 4 and 5: STATUS_SET.LBR_FRZ freezes by software, STATUS_RESET
 * resumes, and the VMM's GLOBAL_STATUS (migration) does either; a stack
 * frozen this way is kept while the guest leaves DEBUGCTL.LBR clear too.
 */
static void lbr_test_status(struct kunit *test)
{
	u8 version = *(const u8 *)test->param_value;
	struct kvm_vcpu *vcpu = lbr_vcpu(test, version);
	unsigned int i;
	u64 last, next;

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	last = bench_guest_run(vcpu);
	if (version < 4) {
		/* No LBR_FRZ: STATUS_SET does not exist, STATUS_RESET #GPs on it. */
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_SET, ST_FRZ), 1);
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_RESET, ST_FRZ), 1);
		KUNIT_EXPECT_GT(test, bench_guest_run(vcpu), last);
		KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_FREEZES), 0UL);
		lbr_expect_clean(test);
		return;
	}
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_SET, ST_FRZ), 0);
	lbr_expect_frozen(test, vcpu, version, last);
	/* Frozen and LBR clear: still the guest's, through K + 2 sched-ins. */
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, FRZ), 0);
	for (i = 0; i < VPMU_LBR_HYSTERESIS_K_DEFAULT + 2; i++) {
		bench_sched_out(vcpu, HOST);
		bench_sched_in(vcpu);
	}
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 0U);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), last);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);

	/* STATUS_RESET resumes. */
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_RESET, ST_FRZ), 0);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, STATUS) & ST_FRZ, 0ULL);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, ON);
	next = bench_guest_run(vcpu);
	KUNIT_EXPECT_GT(test, next, last);

	/* The VMM's GLOBAL_STATUS carries LBR_FRZ both ways. */
	KUNIT_EXPECT_EQ(test, bench_wrmsr(vcpu, STATUS, ST_FRZ | OVF0, true), 0);
	lbr_expect_frozen(test, vcpu, version, next);
	KUNIT_EXPECT_EQ(test, bench_wrmsr(vcpu, STATUS, OVF0, true), 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, ON);
	KUNIT_EXPECT_GT(test, bench_guest_run(vcpu), next);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_FREEZES), 2UL);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, 1U);
	lbr_expect_clean(test);
}

/* ---- release after K idle sched-ins ----------------------------------- */

struct lbr_idle_case {
	const char *name;
	enum vpmu_lbr_policy policy;
	unsigned int k;
	unsigned int release_at;	/* sched-in that releases */
};

static const struct lbr_idle_case lbr_idle_cases[] = {
	{ "hysteresis K=1", VPMU_LBR_POLICY_HYSTERESIS, 1, 2 },
	{ "hysteresis K=2", VPMU_LBR_POLICY_HYSTERESIS, 2, 3 },
	{ "hysteresis K=3", VPMU_LBR_POLICY_HYSTERESIS, 3, 4 },
	{ "hysteresis K=255", VPMU_LBR_POLICY_HYSTERESIS, 255, 256 },
	{ "freeze_aware", VPMU_LBR_POLICY_FREEZE_AWARE, 2, 1 },
};

KUNIT_ARRAY_PARAM_DESC(lbr_idle, lbr_idle_cases, name);

/*
 * A guest that stopped using LBR: the sched-in that ends its last slice
 * of activity never counts, then the K-th idle one calls KVM's cleanup,
 * which releases.  Until then KVM's cleanup is not called at all.  The
 * stack read after the release is a new one: empty, not the host's.
 */
static void lbr_test_idle(struct kunit *test)
{
	const struct lbr_idle_case *c = test->param_value;
	struct kvm_vcpu *vcpu;
	unsigned int i;

	vpmu_cfg.lbr_policy = c->policy;
	vpmu_cfg.lbr_hysteresis = c->k;
	vcpu = lbr_vcpu(test, 5);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	bench_guest_run(vcpu);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, 0), 0);
	for (i = 1; i < c->release_at; i++) {
		bench_sched_out(vcpu, HOST);
		bench_sched_in(vcpu);
		bench_guest_run(vcpu);
	}
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 0U);
	KUNIT_EXPECT_TRUE(test, bench.lbr.event);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 1U);
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.event_count, 0);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_RELEASES), 1UL);
	/* No event, no cleanup: KVM stops asking. */
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, 1U);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), EMPTY);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, 2U);
	/*
	 * That read made KVM create an event the machine never asked for;
	 * bit 58 of pmc_in_use tells it at the next sched-in, and the event
	 * is the machine's from then on: hysteresis keeps it a while.
	 */
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.event,
			c->policy == VPMU_LBR_POLICY_HYSTERESIS);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups,
			c->policy == VPMU_LBR_POLICY_HYSTERESIS ? 1U : 2U);
	lbr_expect_clean(test);
}

/* ---- vCPU reset, from every state ---------------------------------------- */

enum lbr_state {
	LBR_ST_NONE,		/* never used */
	LBR_ST_RECORDING,
	LBR_ST_LEGACY,		/* frozen by a PMI, version 2 */
	LBR_ST_LBR_FRZ,		/* frozen by a PMI, version 4 */
	LBR_ST_STATUS_SET,	/* frozen by software, version 4 */
	LBR_ST_IDLE,		/* LBR off, kept one idle sched-in */
	LBR_ST_RELEASED,	/* released after K idle sched-ins */
	LBR_ST_RECLAIMED,	/* host perf holds the event inactive */
	LBR_ST_NO_EVENT,	/* KVM could not create the event */
};

static const char *const lbr_state_names[] = {
	"never used", "recording", "legacy frozen", "LBR_FRZ frozen",
	"frozen by STATUS_SET", "idle, kept", "released",
	"held by host perf", "no event (creation failed)",
};

static const enum lbr_state lbr_states[] = {
	LBR_ST_NONE, LBR_ST_RECORDING, LBR_ST_LEGACY, LBR_ST_LBR_FRZ,
	LBR_ST_STATUS_SET, LBR_ST_IDLE, LBR_ST_RELEASED, LBR_ST_RECLAIMED,
	LBR_ST_NO_EVENT,
};

static void lbr_state_desc(const enum lbr_state *s, char *desc)
{
	strscpy(desc, lbr_state_names[*s], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lbr_state, lbr_states, lbr_state_desc);

/* Bring a version @version vCPU to @s. */
static void lbr_reach(struct kunit *test, struct kvm_vcpu *vcpu,
		      enum lbr_state s)
{
	unsigned int i;

	if (s == LBR_ST_NONE)
		return;
	bench.lbr.create_fails = s == LBR_ST_NO_EVENT;
	KUNIT_ASSERT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	bench_guest_run(vcpu);
	switch (s) {
	case LBR_ST_LEGACY:
	case LBR_ST_LBR_FRZ:
		bench_pmi(vcpu);
		break;
	case LBR_ST_STATUS_SET:
		KUNIT_ASSERT_EQ(test, lbr_wr(vcpu, STATUS_SET, ST_FRZ), 0);
		break;
	case LBR_ST_IDLE:
	case LBR_ST_RELEASED:
		KUNIT_ASSERT_EQ(test, lbr_wr(vcpu, DEBUGCTL, 0), 0);
		for (i = 0; i < (s == LBR_ST_IDLE ? 2 : 3); i++) {
			bench_sched_out(vcpu, HOST);
			bench_sched_in(vcpu);
		}
		KUNIT_ASSERT_EQ(test, bench.lbr.event, s == LBR_ST_IDLE);
		break;
	case LBR_ST_RECLAIMED:
		bench_sched_out(vcpu, EMPTY);
		bench_reclaim(true);
		bench_sched_in(vcpu);
		break;
	default:
		break;
	}
}

/*
 * A vCPU reset (KVM's PMU reset op): KVM releases the event as it always
 * did and zeroes GLOBAL_STATUS; the machine is back at its start: no
 * freeze, the guest reads DEBUGCTL.LBR clear, hardware does not record,
 * and a new DEBUGCTL.LBR makes a new event that records.
 */
static void lbr_test_reset(struct kunit *test)
{
	enum lbr_state s = *(const enum lbr_state *)test->param_value;
	u8 version = s == LBR_ST_LEGACY ? 2 : 4;
	struct kvm_vcpu *vcpu = lbr_vcpu(test, version);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	unsigned int creates;

	lbr_reach(test, vcpu, s);
	bench_reclaim(false);
	bench.lbr.create_fails = false;
	bench.lbr.warns = 0;
	bench_pmu_reset(vcpu);
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.event_count, 0);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status, 0ULL);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL) & LBR, 0ULL);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl & LBR, 0ULL);
	KUNIT_EXPECT_FALSE(test, v->lbr.m.event);
	KUNIT_EXPECT_FALSE(test, v->lbr.m.legacy_frozen);
	KUNIT_EXPECT_FALSE(test, v->lbr.m.lbr_frz);
	KUNIT_EXPECT_EQ(test, v->lbr.m.idle_sched_ins, 0);
	KUNIT_EXPECT_EQ(test, v->lbr.m.version, version);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);

	creates = bench.lbr.creates;
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, creates + 1);
	KUNIT_EXPECT_NE(test, bench_guest_run(vcpu), EMPTY);
	KUNIT_EXPECT_EQ(test, bench.lbr.foreign, 0U);
	KUNIT_EXPECT_EQ(test, bench.lbr.atomic_creates, 0U);
	KUNIT_EXPECT_EQ(test, bench.lbr.warns, 0U);
}

/* ---- PMI from irq_work (6.1) ----------------------------------------- */

/*
 * 6.1 delivers some PMIs from irq_work, in hardirq.  The freeze applies
 * there and then, and nothing sleeps: no event is created, none probed.
 */
static void lbr_test_pmi_hardirq(struct kunit *test)
{
	u8 version = *(const u8 *)test->param_value;
	struct kvm_vcpu *vcpu = lbr_vcpu(test, version);
	unsigned int msrs;
	u64 last;

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	last = bench_guest_run(vcpu);
	msrs = bench.lbr.lbr_msrs;
	KUNIT_EXPECT_TRUE(test, bench_pmi_irq(vcpu));
	KUNIT_EXPECT_TRUE(test, bench.lbr.pmi_hardirq);
	KUNIT_EXPECT_EQ(test, bench.lbr.lbr_msrs, msrs);
	lbr_expect_frozen(test, vcpu, version, last);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	lbr_expect_frozen(test, vcpu, version, last);
	lbr_ack(test, vcpu, version);
	KUNIT_EXPECT_GT(test, bench_guest_run(vcpu), last);
	lbr_expect_clean(test);
}

/*
 * An event the machine wants but KVM could not make is made later, in
 * process context: not by a PMI in hardirq, but by the next wrapper that
 * may sleep.  Meanwhile hardware does not record (KVM alone would record
 * into a stack with no event: a warning at every VM-entry).
 */
static void lbr_test_create_deferred(struct kunit *test)
{
	struct kvm_vcpu *vcpu = lbr_vcpu(test, 4);

	bench.lbr.create_fails = true;
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, LBR), 0);
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), LBR);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, 0ULL);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);
	bench.lbr.create_fails = false;

	KUNIT_EXPECT_TRUE(test, bench_pmi_irq(vcpu));
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, 0ULL);

	bench_pmi(vcpu);
	KUNIT_EXPECT_TRUE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, LBR);
	KUNIT_EXPECT_NE(test, bench_guest_run(vcpu), EMPTY);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_CREATES), 1UL);
	lbr_expect_clean(test);
}

/* ---- host perf holds the event inactive ----------------------------------- */

/*
 * A pinned host LBR event takes the LBR while the vCPU is out: the vLBR
 * event cannot run when it comes back, and host perf leaves it in ERROR.
 * KVM intercepts the LBR MSRs (the guest reads 0, never the host's
 * records); the module also keeps hardware's DEBUGCTL.LBR clear, the
 * guest still reading its own, so that no guest branch lands in the
 * host's stack, and replaces the dead event at every sched-in: once the
 * host's event has gone, the guest records again without doing anything.
 */
static void lbr_test_reclaimed(struct kunit *test)
{
	struct kvm_vcpu *vcpu = lbr_vcpu(test, 4);
	u64 last;

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	bench_guest_run(vcpu);
	bench_sched_out(vcpu, EMPTY);
	bench_reclaim(true);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_TRUE(test, bench.lbr.event);
	KUNIT_EXPECT_FALSE(test, bench.lbr.active);
	KUNIT_EXPECT_EQ(test, bench.lbr.creates, 2U);
	KUNIT_EXPECT_EQ(test, bench.lbr.releases, 1U);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, FRZ);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), ON);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), 0ULL);
	KUNIT_EXPECT_EQ(test, bench.lbr.stack, HOST);
	/* A write of DEBUGCTL meanwhile does not let hardware record. */
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, FRZ);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, FRZ);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), 0ULL);

	/* The host's event goes: the next sched-in gives the guest LBR back. */
	bench_reclaim(false);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_TRUE(test, bench.lbr.active);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, ON);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), EMPTY);
	last = bench_guest_run(vcpu);
	KUNIT_EXPECT_NE(test, last, EMPTY);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), last);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_RELEASES),
			(unsigned long)bench.lbr.releases);
	KUNIT_EXPECT_EQ(test, lbr_stat(vcpu, VPMU_STAT_LBR_CREATES),
			(unsigned long)bench.lbr.creates);
	KUNIT_EXPECT_EQ(test, bench.lbr.foreign, 0U);
	KUNIT_EXPECT_EQ(test, bench.lbr.atomic_creates, 0U);
}

/*
 * A dead event replaced while perf cannot make a new one: hardware keeps
 * LBR clear (nothing to record into, and vmx_set_msr() would try to
 * create one with interrupts off), and the next wrapper that may sleep
 * makes the event once perf can.
 */
static void lbr_test_replace_fails(struct kunit *test)
{
	struct kvm_vcpu *vcpu = lbr_vcpu(test, 4);

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	bench_guest_run(vcpu);
	bench_sched_out(vcpu, EMPTY);
	bench_reclaim(true);
	bench.lbr.create_fails = true;
	bench_sched_in(vcpu);
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
	KUNIT_EXPECT_EQ(test, bench.lbr.releases, 1U);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, FRZ);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), ON);
	KUNIT_EXPECT_EQ(test, bench_guest_run(vcpu), EMPTY);
	bench.lbr.create_fails = false;
	bench_reclaim(false);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_TRUE(test, bench.lbr.active);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, ON);
	KUNIT_EXPECT_NE(test, bench_guest_run(vcpu), EMPTY);
	lbr_expect_clean(test);
}

/*
 * The layout-free limit: a host event that takes the LBR while the vCPU
 * runs (by IPI) is seen at the next sched-in; until then KVM intercepts
 * the MSRs (no read leaks) but hardware records into the host's stack.
 */
static void lbr_test_reclaimed_running(struct kunit *test)
{
	struct kvm_vcpu *vcpu = lbr_vcpu(test, 4);

	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	bench_guest_run(vcpu);
	bench_reclaim(true);
	bench_guest_run(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.foreign, 1U);
	KUNIT_EXPECT_EQ(test, bench_guest_read(vcpu), 0ULL);
	bench_sched_out(vcpu, EMPTY);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, FRZ);
	bench_guest_run(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.foreign, 1U);
}

/* ---- the VMM moves a frozen vCPU ------------------------------------------ */

/*
 * Migration of a frozen version 4 vCPU: the VMM saves DEBUGCTL (the
 * guest's view: LBR set) and GLOBAL_STATUS (LBR_FRZ), and restores them,
 * in either order, into a new vCPU, which is frozen the same way.
 */
static void lbr_test_migrate(struct kunit *test)
{
	bool status_first = *(const u8 *)test->param_value & 1;
	struct kvm_vcpu *src = lbr_vcpu(test, 4), *dst;
	u64 debugctl = 0, status = 0, last;

	KUNIT_EXPECT_EQ(test, lbr_wr(src, DEBUGCTL, ON), 0);
	bench_guest_run(src);
	bench_pmi(src);
	KUNIT_EXPECT_EQ(test, bench_rdmsr(src, DEBUGCTL, &debugctl, true), 0);
	KUNIT_EXPECT_EQ(test, bench_rdmsr(src, STATUS, &status, true), 0);
	KUNIT_EXPECT_EQ(test, debugctl, ON);
	KUNIT_EXPECT_EQ(test, status, ST_FRZ | OVF0);
	bench_vcpu_destroy(src);

	dst = bench_vcpu(test, bench_vm(test, 402), 0);
	KUNIT_ASSERT_EQ(test, bench_vcpu_create(dst), 0);
	bench_refresh(dst, 4, true);
	if (status_first)
		KUNIT_EXPECT_EQ(test, bench_wrmsr(dst, STATUS, status, true), 0);
	KUNIT_EXPECT_EQ(test, bench_wrmsr(dst, DEBUGCTL, debugctl, true), 0);
	if (!status_first)
		KUNIT_EXPECT_EQ(test, bench_wrmsr(dst, STATUS, status, true), 0);
	/* perf gave the new event an empty stack: that is what it reads. */
	last = bench_guest_read(dst);
	lbr_expect_frozen(test, dst, 4, last);
	lbr_ack(test, dst, 4);
	KUNIT_EXPECT_NE(test, bench_guest_run(dst), EMPTY);
	lbr_expect_clean(test);
}

static const u8 lbr_orders[] = { 0, 1 };

static void lbr_order_desc(const u8 *o, char *desc)
{
	strscpy(desc, *o ? "GLOBAL_STATUS first" : "DEBUGCTL first",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lbr_order, lbr_orders, lbr_order_desc);

/* ---- vCPUs whose vLBR the module does not run --------------------------- */

/*
 * No LBR (bit 58 of all_valid_pmc_idx clear), no state (created before
 * the load), or the lbr feature off: KVM's own behaviour, every call
 * straight through: DEBUGCTL as KVM keeps it, cleanup at every sched-in.
 */
static void lbr_test_not_ours(struct kunit *test)
{
	u8 how = *(const u8 *)test->param_value;
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 403), 0);
	unsigned int writes;

	if (how == 2)
		vpmu_cfg.features &= ~BIT(VPMU_EXT_LBR);
	if (how != 1)
		KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	bench_refresh(vcpu, 4, how != 0);
	if (how != 1)
		KUNIT_EXPECT_FALSE(test, vpmu_vcpu_find(vcpu)->lbr.on);

	/* Without LBR, KVM drops DEBUGCTL.LBR and #GPs on FREEZE_LBRS_ON_PMI. */
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), how ? 0 : 1);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, how ? ON : LBR), 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl, how ? ON : 0);
	writes = bench.lbr.debugctl_writes;
	bench_pmi(vcpu);
	/* KVM's version 4: no freeze, LBR_FRZ never set by anyone. */
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status & ST_FRZ, 0ULL);
	KUNIT_EXPECT_EQ(test, lbr_rd(test, vcpu, DEBUGCTL), how ? ON : 0);
	KUNIT_EXPECT_EQ(test, bench.lbr.debugctl_writes, writes);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, how ? 1U : 0U);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, 0), 0);
	bench_sched_out(vcpu, HOST);
	bench_sched_in(vcpu);
	KUNIT_EXPECT_EQ(test, bench.lbr.cleanups, how ? 2U : 0U);
	KUNIT_EXPECT_FALSE(test, bench.lbr.event);
}

static const u8 lbr_not_ours[] = { 0, 1, 2 };

static void lbr_not_ours_desc(const u8 *h, char *desc)
{
	static const char *const names[] = {
		"no LBR", "no state", "feature lbr off",
	};

	strscpy(desc, names[*h], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lbr_not_ours, lbr_not_ours, lbr_not_ours_desc);

/* ---- debugfs -------------------------------------------------------------- */

/*
 * Renders debugfs file @name of @vcpu's directory into @buf; false if
 * there is none.  debugfs files have no read_iter, which kernel_read()
 * needs: their seq_file's show is called instead.
 */
static bool lbr_debugfs_read(struct kvm_vcpu *vcpu, const char *name,
			     char *buf, size_t size)
{
	struct dentry *dir = vpmu_vcpu_find(vcpu)->dir;
	struct seq_file *m;
	struct file *f;
	char path[128];
	bool ok;

	if (IS_ERR_OR_NULL(dir))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/debug/vpmu_kunit_glue/%pd/%pd/%s",
		 dir->d_parent, dir, name);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return false;
	m = f->private_data;
	m->buf = buf;
	m->size = size - 1;
	m->count = 0;
	ok = !m->op->show(m, SEQ_START_TOKEN) && !seq_has_overflowed(m);
	buf[m->count] = '\0';
	m->buf = NULL;
	filp_close(f, NULL);
	return ok;
}

/* The vCPU's "lbr" file shows the machine; "stats" counts its work. */
static void lbr_test_debugfs(struct kunit *test)
{
	struct kvm_vcpu *vcpu = lbr_vcpu(test, 4);
	char *buf = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (!lbr_debugfs_read(vcpu, "lbr", buf, 512))
		kunit_skip(test, "debugfs is not mounted");
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "policy hysteresis\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "event 0\n"));
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, ON), 0);
	KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, STATUS_SET, ST_FRZ), 0);
	KUNIT_ASSERT_TRUE(test, lbr_debugfs_read(vcpu, "lbr", buf, 512));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "event 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "kvm_event active\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "lbr_frz 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "guest_debugctl 0x801\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "hw_debugctl 0x800\n"));
	KUNIT_ASSERT_TRUE(test, lbr_debugfs_read(vcpu, "stats", buf, 512));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "lbr_creates 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "lbr_freezes 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "lbr_releases 0\n"));
}

/* ---- the simulator's traces, through the glue --------------------------- */

#define SIM_REALLOC(p, size)	krealloc(p, size, GFP_KERNEL)
#include "../user/lbr_traces.h"

/*
 * What the architecture says the guest reads (its last run of branches
 * while recording), and how its reads went, judged as sim_lbr.c judges.
 */
struct lbr_replay {
	u8 version;
	u64 arch_debugctl;
	bool arch_frz;
	u64 expect;
	unsigned long reads;
	unsigned long lost;
	unsigned long denied;
	unsigned long leaked;
};

static void lbr_replay_read(struct lbr_replay *r, u64 got)
{
	r->reads++;
	if (got == HOST || got == BENCH_LBR_OTHER)
		r->leaked++;
	else if (r->expect && got != r->expect && bench.lbr.reclaimed)
		r->denied++;
	else if (r->expect && got != r->expect)
		r->lost++;
}

static void lbr_replay_op(struct kunit *test, struct kvm_vcpu *vcpu,
			  struct lbr_replay *r, const struct sim_op *op)
{
	u32 status = op->type == OP_STATUS_SET ? STATUS_SET : STATUS_RESET;

	switch (op->type) {
	case OP_RUN:
		bench_guest_run(vcpu);
		if ((r->arch_debugctl & LBR) && !r->arch_frz)
			r->expect = bench.lbr.token;
		break;
	case OP_WR_DEBUGCTL:
		r->arch_debugctl = op->arg;
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, DEBUGCTL, op->arg), 0);
		break;
	case OP_READ:
		lbr_replay_read(r, bench_guest_read(vcpu));
		break;
	case OP_STATUS_RESET:
	case OP_STATUS_SET:
		if (r->version >= 4 && (op->arg & ST_FRZ))
			r->arch_frz = op->type == OP_STATUS_SET;
		KUNIT_EXPECT_EQ(test, lbr_wr(vcpu, status, op->arg), 0);
		break;
	case OP_PMI:
		if ((r->arch_debugctl & FRZ) && r->version >= 4)
			r->arch_frz = true;
		else if (r->arch_debugctl & FRZ)
			r->arch_debugctl &= ~LBR;
		bench_pmi(vcpu);
		break;
	case OP_SCHED_OUT:
		bench_sched_out(vcpu, EMPTY);
		break;
	case OP_OTHER:
		/* Another context runs on the CPU and records, or not. */
		if (op->arg == OWN_HOST)
			bench.lbr.stack = HOST;
		else if (op->arg == OWN_B)
			bench.lbr.stack = BENCH_LBR_OTHER;
		break;
	case OP_RECLAIM:
		bench_reclaim(op->arg);
		break;
	case OP_SCHED_IN:
		bench_sched_in(vcpu);
		break;
	case OP_RESET:
		r->arch_debugctl = 0;
		r->arch_frz = false;
		r->expect = 0;
		bench_pmu_reset(vcpu);
		break;
	case OP_PV:
		/* The module offers no paravirtual hint. */
		break;
	}
}

/* One slot per trace, version and policy; a case is its slot's index. */
static const char lbr_replay_slots[ARRAY_SIZE(sim_traces) * 4];

static enum vpmu_lbr_policy lbr_replay_policy(unsigned int id)
{
	return id % 2 ? VPMU_LBR_POLICY_HYSTERESIS : VPMU_LBR_POLICY_FREEZE_AWARE;
}

static const void *lbr_replay_gen_params(const void *prev, char *desc)
{
	const char *slot = prev ? (const char *)prev + 1 : lbr_replay_slots;
	unsigned int id = slot - lbr_replay_slots;

	if (id >= ARRAY_SIZE(lbr_replay_slots))
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s v%u %s",
		 sim_traces[id / 4].name, sim_versions[id / 2 % 2],
		 vpmu_lbr_policy_name(lbr_replay_policy(id)));
	return slot;
}

/*
 * The traces of tests/user/sim_lbr.c, both versions, the module's two
 * policies, played against the wrappers on the bench: a guest read never
 * shows another context's records, no guest branch lands in a stack host
 * perf did not give it, nothing sleeps where it must not, and hysteresis
 * loses no record, as in the simulator.  Each case logs its row in the
 * simulator's columns.
 */
static void lbr_test_replay(struct kunit *test)
{
	unsigned int id = (const char *)test->param_value - lbr_replay_slots;
	struct lbr_replay r = { .version = sim_versions[id / 2 % 2] };
	struct sim_trace t = { 0 };
	struct kvm_vcpu *vcpu;
	size_t i;

	vpmu_cfg.lbr_policy = lbr_replay_policy(id);
	vcpu = lbr_vcpu(test, r.version);
	sim_traces[id / 4].gen(&t, r.version, true);
	if (t.failed) {
		kfree(t.ops);
		KUNIT_FAIL(test, "no memory for the trace");
		return;
	}
	for (i = 0; i < t.n; i++)
		lbr_replay_op(test, vcpu, &r, &t.ops[i]);
	kfree(t.ops);
	kunit_info(test, "replay %-11s v%u %-12s s/r %u lost %lu leaked %lu denied %lu create %u release %u reads %lu\n",
		   sim_traces[id / 4].name, r.version,
		   vpmu_lbr_policy_name(vpmu_cfg.lbr_policy), bench.lbr.saves,
		   r.lost, r.leaked, r.denied, bench.lbr.creates,
		   bench.lbr.releases, r.reads);
	KUNIT_EXPECT_EQ(test, r.leaked, 0UL);
	KUNIT_EXPECT_EQ(test, bench.lbr.foreign, 0U);
	KUNIT_EXPECT_EQ(test, bench.lbr.atomic_creates, 0U);
	if (vpmu_cfg.lbr_policy == VPMU_LBR_POLICY_HYSTERESIS)
		KUNIT_EXPECT_EQ(test, r.lost, 0UL);
}

static struct kunit_case lbr_test_cases[] = {
	KUNIT_CASE_PARAM(lbr_test_seed, lbr_version_gen_params),
	KUNIT_CASE_PARAM(lbr_test_seed_kvm, lbr_version_gen_params),
	KUNIT_CASE_PARAM(lbr_test_read_window, lbr_window_gen_params),
	KUNIT_CASE_PARAM(lbr_test_freeze, lbr_freeze_gen_params),
	KUNIT_CASE_PARAM(lbr_test_status, lbr_version_gen_params),
	KUNIT_CASE_PARAM(lbr_test_idle, lbr_idle_gen_params),
	KUNIT_CASE_PARAM(lbr_test_reset, lbr_state_gen_params),
	KUNIT_CASE_PARAM(lbr_test_pmi_hardirq, lbr_version_gen_params),
	KUNIT_CASE(lbr_test_create_deferred),
	KUNIT_CASE(lbr_test_reclaimed),
	KUNIT_CASE(lbr_test_replace_fails),
	KUNIT_CASE(lbr_test_reclaimed_running),
	KUNIT_CASE_PARAM(lbr_test_migrate, lbr_order_gen_params),
	KUNIT_CASE_PARAM(lbr_test_not_ours, lbr_not_ours_gen_params),
	KUNIT_CASE(lbr_test_debugfs),
	KUNIT_CASE_PARAM(lbr_test_replay, lbr_replay_gen_params),
	{}
};

VPMU_KUNIT_SUITE(vpmu_glue_lbr, lbr_test_cases, bench_init, bench_exit);
