// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_pebs": guest PEBS through the VM-entry wrapper
 * of x86_pmu_guest_get_msrs, on fake vCPUs, over every shape of list
 * perf's intel_guest_get_msrs() returns, as Linux 6.1 and 6.12 build it
 * (the models of tests/user/pebs_models.h, fed the vCPU's kvm_pmu).
 * Judged by what KVM would load at VM-entry (entries whose host and
 * guest values differ), by the oracle of the refinement's tests, and by
 * what the vCPU's debugfs counters and the pebs_denied tracepoint say.
 *
 * Counter bits: bit n = GP counter n.  Perf manages GP 0-3 and fixed
 * 0-2, with PEBS on all counters, isolation, guest PEBS through EPT and
 * adaptive PEBS, unless a row says otherwise.  The guest has set up PEBS
 * (its DS_AREA and PEBS_DATA_CFG are its own).
 */
#include <asm/msr-index.h>

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"
#include "../../src/kvm/vpmu_trace.h"

#define GP(n)		VPMU_BIT_ULL(n)
#define CTRL		(VPMU_GENMASK_ULL(3, 0) | VPMU_GENMASK_ULL(34, 32))
#define HOST_DS		0xffff888100200000ULL
#define GUEST_DS	0x00007f0000001000ULL
#define HOST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP)
/* The guest asks for an LBR group, which adaptive PEBS being off denies. */
#define GUEST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_XMMS | \
			 VPMU_PEBS_DATA_CFG_LBRS | (31ULL << 24))
#define GUEST_CFG_RUN	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_XMMS)
#define NONE		(-1)

#define PERF(g, h, pe) \
	.intel_ctrl = CTRL, .guest_mask = (g), .host_mask = (h), \
	.pebs_enabled = (pe), .pebs_capable = ~0ULL, .ds = HOST_DS, \
	.pebs_data_cfg = HOST_CFG, .pebs = true, .pebs_ept = true, \
	.pebs_baseline = true

/**
 * struct gpebs_case - one VM-entry
 * @name: what the row stands for
 * @perf: perf's state on the CPU
 * @pebs_enable: the guest's PEBS_ENABLE
 * @global_ctrl: the guest's GLOBAL_CTRL
 * @cross: host_cross_mapped_mask, as KVM computed it before the call
 * @perf61: MSRs 6.1's perf list loads
 * @ours61: MSRs the wrapper's list loads, from 6.1's
 * @perf612: the same for 6.12's perf
 * @ours612: and the wrapper's from it
 * @guest_ds: the wrapper's list carries the guest's DS_AREA (either kernel)
 * @denied: counters the guest enabled with PEBS that cannot run it
 * @why: enum vpmu_pebs_denied_why, or NONE
 */
struct gpebs_case {
	const char *name;
	struct pebs_perf perf;
	u64 pebs_enable, global_ctrl, cross;
	u8 perf61, ours61, perf612, ours612;
	bool guest_ds;
	u64 denied;
	int why;
};

static const struct gpebs_case gpebs_cases[] = {
	{ "no PEBS on the host", { .intel_ctrl = CTRL, .guest_mask = GP(0) },
	  0, GP(0), 0, 1, 1, 1, 1, false, 0, NONE },
	{ "no PEBS isolation, host PEBS on GP2",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .host_mask = GP(2),
	    .pebs_enabled = GP(2), .pebs_capable = VPMU_GENMASK_ULL(3, 0),
	    .ds = HOST_DS, .pebs = true, .pebs_no_isolation = true },
	  GP(0), GP(0), 0, 2, 2, 2, 2, false, GP(0),
	  VPMU_PEBS_DENIED_NO_ISOLATION },
	{ "no guest PEBS through EPT",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .pebs_capable = ~0ULL,
	    .ds = HOST_DS, .pebs = true },
	  0, GP(0), 0, 1, 1, 1, 1, false, 0, NONE },
	{ "idle vPMU", { PERF(0, 0, 0) },
	  0, 0, 0, 2, 0, 0, 0, false, 0, NONE },
	{ "idle vPMU, no adaptive PEBS",
	  { .intel_ctrl = CTRL, .pebs_capable = ~0ULL, .ds = HOST_DS,
	    .pebs = true, .pebs_ept = true },
	  0, 0, 0, 1, 0, 0, 0, false, 0, NONE },
	{ "guest counting, PEBS set up but off", { PERF(GP(0) | GP(1), 0, 0) },
	  0, GP(0) | GP(1), 0, 3, 1, 1, 1, false, 0, NONE },
	{ "guest PEBS on GP0, owned by its guest-only event",
	  { PERF(GP(0), 0, GP(0)) },
	  GP(0), GP(0), 0, 3, 3, 3, 3, true, 0, NONE },
	{ "guest PEBS on GP0, not enabled in its GLOBAL_CTRL",
	  { PERF(GP(0), 0, GP(0)) },
	  GP(0), 0, 0, 3, 3, 3, 3, true, 0, NONE },
	{ "guest PEBS on GP0, no guest-only event there",
	  { PERF(0, 0, 0) },
	  GP(0), GP(0), 0, 2, 0, 0, 0, false, GP(0),
	  VPMU_PEBS_DENIED_NOT_RUNNING },
	{ "guest PEBS on GP0 and GP1, GP1 not running",
	  { PERF(GP(0), 0, GP(0)) },
	  GP(0) | GP(1), GP(0) | GP(1), 0, 3, 3, 3, 3, true, GP(1),
	  VPMU_PEBS_DENIED_NOT_RUNNING },
	{ "guest PEBS on GP0, cross-mapped to GP1",
	  { PERF(GP(1), 0, GP(1)) },
	  GP(0), GP(0), GP(1), 2, 0, 0, 0, false, GP(0),
	  VPMU_PEBS_DENIED_CROSS_MAPPED },
	{ "guest PEBS on GP0, host PEBS on GP2 wins",
	  { PERF(GP(0), GP(2), GP(0) | GP(2)) },
	  GP(0), GP(0), 0, 3, 1, 1, 1, false, GP(0),
	  VPMU_PEBS_DENIED_HOST_PEBS },
};

/* The last pebs_denied event, through a probe of our own. */
static struct {
	unsigned int events;
	u64 denied;
	unsigned int why;
} gpebs_trace;

static void gpebs_probe(void *data, struct kvm_vcpu *vcpu, u64 denied,
			u64 ctrl_host, u64 ctrl_guest, unsigned int why)
{
	gpebs_trace.events++;
	gpebs_trace.denied = denied;
	gpebs_trace.why = why;
}

static int gpebs_init(struct kunit *test)
{
	int ret = bench_init(test);

	if (ret)
		return ret;
	memset(&gpebs_trace, 0, sizeof(gpebs_trace));
	return register_trace_kvm_vpmu_ext_pebs_denied(gpebs_probe, NULL);
}

static void gpebs_exit(struct kunit *test)
{
	unregister_trace_kvm_vpmu_ext_pebs_denied(gpebs_probe, NULL);
	tracepoint_synchronize_unregister();
	bench_exit(test);
}

/* A vCPU that set up PEBS, with state unless @state is false. */
static struct kvm_vcpu *gpebs_vcpu(struct kunit *test, bool state,
				   const struct gpebs_case *c)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 700), 0);
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (state)
		KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	pmu->ds_area = GUEST_DS;
	pmu->pebs_data_cfg = GUEST_CFG;
	if (c) {
		pmu->pebs_enable = c->pebs_enable;
		pmu->global_ctrl = c->global_ctrl;
		pmu->host_cross_mapped_mask = c->cross;
		bench.pebs = &c->perf;
	}
	return vcpu;
}

/*
 * One VM-entry with each kernel's perf: the refined list keeps perf's
 * entries, host values and GLOBAL_CTRL, switches DS_AREA and
 * PEBS_DATA_CFG to the guest's only where the row says, passes the
 * oracle, loads the row's number of MSRs, and leaves perf's list alone;
 * the counters and the tracepoint say what happened.
 */
static void gpebs_test_vmentry(struct kunit *test)
{
	const struct gpebs_case *c = test->param_value;
	struct vpmu_switch_msr perf[VPMU_SWITCH_MAX];
	const struct vpmu_switch_msr *got, *ds, *cfg;
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, true, c);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	struct vpmu_pebs_vcpu model;
	unsigned long loads[VPMU_SWITCH_MAX + 1];
	unsigned int k, i, n, want, perf_loads;
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, v);
	model = (struct vpmu_pebs_vcpu) {
		.pebs_enable = c->pebs_enable, .ds_area = GUEST_DS,
		.pebs_data_cfg = GUEST_CFG, .cross_mapped = c->cross,
	};
	for (k = 0; k < 2; k++) {
		bench.pebs61 = !k;
		want = k ? c->ours612 : c->ours61;
		perf_loads = k ? c->perf612 : c->perf61;
		memcpy(loads, v->pebs.loads, sizeof(loads));
		/* What perf returns, built apart from the fake's own copy. */
		n = k ? perf612_intel_guest_get_msrs(&c->perf, &model, perf) :
			perf61_intel_guest_get_msrs(&c->perf, &model, perf);

		got = (void *)bench_vmentry(vcpu, &nr);
		KUNIT_ASSERT_EQ(test, nr, (int)n);
		KUNIT_ASSERT_NOT_NULL(test, got);
		KUNIT_EXPECT_PTR_NE(test, (void *)got, (void *)bench.perf_list);
		KUNIT_EXPECT_EQ_MSG(test, pebs_loads(perf, n), perf_loads,
				    "%s's perf", k ? "6.12" : "6.1");
		KUNIT_EXPECT_EQ_MSG(test, pebs_loads(got, n), want,
				    "refined from %s's", k ? "6.12" : "6.1");
		KUNIT_EXPECT_NULL_MSG(test, pebs_refine_judge(&c->perf, &model,
							      got, n),
				      "%s", pebs_refine_judge(&c->perf, &model,
							      got, n));
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_EQ(test, got[i].msr, perf[i].msr);
			KUNIT_EXPECT_EQ(test, got[i].host, perf[i].host);
			if (got[i].msr != VPMU_MSR_DS_AREA &&
			    got[i].msr != VPMU_MSR_PEBS_DATA_CFG)
				KUNIT_EXPECT_EQ(test, got[i].guest, perf[i].guest);
		}
		ds = vpmu_switch_find(got, n, VPMU_MSR_DS_AREA);
		cfg = vpmu_switch_find(got, n, VPMU_MSR_PEBS_DATA_CFG);
		if (ds)
			KUNIT_EXPECT_EQ(test, ds->guest,
					c->guest_ds ? GUEST_DS : HOST_DS);
		if (cfg)
			KUNIT_EXPECT_EQ(test, cfg->guest,
					c->guest_ds ? GUEST_CFG_RUN : HOST_CFG);
		/* The wrapper never writes perf's own list. */
		KUNIT_EXPECT_TRUE(test, pebs_lists_equal(perf, bench.perf_list, n));
		for (i = 0; i <= VPMU_SWITCH_MAX; i++)
			KUNIT_EXPECT_EQ_MSG(test, v->pebs.loads[i],
					    loads[i] + (i == want), "bucket %u", i);
	}
	KUNIT_EXPECT_EQ(test, v->stats[VPMU_STAT_VMENTRIES], 2UL);
	KUNIT_EXPECT_EQ(test, v->pebs.saved,
			(unsigned long)(c->perf61 - c->ours61 +
					c->perf612 - c->ours612));
	KUNIT_EXPECT_EQ(test, v->pebs.denied, c->denied);
	KUNIT_EXPECT_EQ(test, v->pebs.denied_entries, c->denied ? 2UL : 0UL);
	/* One event for the change, none for the same denial again. */
	KUNIT_EXPECT_EQ(test, gpebs_trace.events, c->denied ? 1U : 0U);
	if (c->denied) {
		KUNIT_EXPECT_EQ(test, gpebs_trace.denied, c->denied);
		KUNIT_EXPECT_EQ(test, gpebs_trace.why, (unsigned int)c->why);
	}
}

static void gpebs_desc(const struct gpebs_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gpebs_vm, gpebs_cases, gpebs_desc);

/* A vCPU created before the load (no state) gets perf's list as it is. */
static void gpebs_test_no_state(struct kunit *test)
{
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, false, &gpebs_cases[3]);
	struct perf_guest_switch_msr *got;
	int nr;

	bench.pebs61 = true;
	got = bench_vmentry(vcpu, &nr);
	KUNIT_EXPECT_PTR_EQ(test, (void *)got, (void *)bench.perf_list);
	KUNIT_EXPECT_EQ(test, nr, 3);
	KUNIT_EXPECT_EQ(test, pebs_loads(bench.perf_list, nr), 2U);
	KUNIT_EXPECT_EQ(test, gpebs_trace.events, 0U);
}

/*
 * Without the pebs feature perf's list passes through, and the
 * histogram counts what it loads: the baseline to compare with.
 */
static void gpebs_test_feature_off(struct kunit *test)
{
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, true, &gpebs_cases[3]);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	struct perf_guest_switch_msr *got;
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, v);
	vpmu_cfg.features &= ~BIT(VPMU_EXT_PEBS);
	bench.pebs61 = true;
	got = bench_vmentry(vcpu, &nr);
	KUNIT_EXPECT_PTR_EQ(test, (void *)got, (void *)bench.perf_list);
	KUNIT_EXPECT_EQ(test, v->pebs.loads[2], 1UL);
	KUNIT_EXPECT_EQ(test, v->pebs.saved, 0UL);
	KUNIT_EXPECT_EQ(test, v->stats[VPMU_STAT_VMENTRIES], 1UL);
}

/* A host without a PMU driver: NULL, and *nr is never read. */
static void gpebs_test_perf_null(struct kunit *test)
{
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, true, NULL);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	unsigned int i;
	int nr = 0x7fff0000;

	KUNIT_ASSERT_NOT_NULL(test, v);
	bench.perf_null = true;
	KUNIT_EXPECT_NULL(test, bench_vmentry(vcpu, &nr));
	for (i = 0; i <= VPMU_SWITCH_MAX; i++)
		KUNIT_EXPECT_EQ(test, v->pebs.loads[i], 0UL);
	KUNIT_EXPECT_EQ(test, v->stats[VPMU_STAT_VMENTRIES], 1UL);
}

/* A list longer than the buffer passes through, untouched, uncounted. */
static void gpebs_test_too_long(struct kunit *test)
{
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, true, &gpebs_cases[3]);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	struct perf_guest_switch_msr *got;
	unsigned int i;
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, v);
	/* 6.1's idle list (GLOBAL_CTRL, DS_AREA, PEBS_DATA_CFG), then 6 more. */
	bench.pebs61 = true;
	bench.perf_extra = 6;
	got = bench_vmentry(vcpu, &nr);
	KUNIT_ASSERT_EQ(test, nr, VPMU_SWITCH_MAX + 1);
	KUNIT_EXPECT_PTR_EQ(test, (void *)got, (void *)bench.perf_list);
	KUNIT_EXPECT_EQ(test, bench.perf_list[1].guest, GUEST_DS);
	for (i = 0; i <= VPMU_SWITCH_MAX; i++)
		KUNIT_EXPECT_EQ(test, v->pebs.loads[i], 0UL);

	/* At the buffer's size it is refined: the 5 extra entries load. */
	bench.perf_extra = 5;
	got = bench_vmentry(vcpu, &nr);
	KUNIT_ASSERT_EQ(test, nr, VPMU_SWITCH_MAX);
	KUNIT_EXPECT_PTR_NE(test, (void *)got, (void *)bench.perf_list);
	KUNIT_EXPECT_EQ(test, v->pebs.loads[5], 1UL);
}

/*
 * A denial that changes is told again, one that ends is not an event,
 * and a new one after it is.
 */
static void gpebs_test_denied_changes(struct kunit *test)
{
	struct kvm_vcpu *vcpu = gpebs_vcpu(test, true, &gpebs_cases[11]);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, v);
	bench.pebs61 = true;
	bench_vmentry(vcpu, &nr);
	KUNIT_EXPECT_EQ(test, gpebs_trace.events, 1U);
	KUNIT_EXPECT_EQ(test, gpebs_trace.why, VPMU_PEBS_DENIED_HOST_PEBS);

	/* Host PEBS stops: the guest's GP0 runs PEBS. */
	bench.pebs = &gpebs_cases[6].perf;
	bench_vmentry(vcpu, &nr);
	KUNIT_EXPECT_EQ(test, gpebs_trace.events, 1U);
	KUNIT_EXPECT_EQ(test, v->pebs.denied, 0ULL);

	/* The guest also enables GP1, which perf does not run. */
	vcpu->arch.pmu.pebs_enable |= GP(1);
	vcpu->arch.pmu.global_ctrl |= GP(1);
	bench_vmentry(vcpu, &nr);
	KUNIT_EXPECT_EQ(test, gpebs_trace.events, 2U);
	KUNIT_EXPECT_EQ(test, gpebs_trace.denied, GP(1));
	KUNIT_EXPECT_EQ(test, gpebs_trace.why, VPMU_PEBS_DENIED_NOT_RUNNING);
	KUNIT_EXPECT_EQ(test, v->pebs.denied_entries, 2UL);
}

static struct kunit_case gpebs_test_cases[] = {
	KUNIT_CASE_PARAM(gpebs_test_vmentry, gpebs_vm_gen_params),
	KUNIT_CASE(gpebs_test_no_state),
	KUNIT_CASE(gpebs_test_feature_off),
	KUNIT_CASE(gpebs_test_perf_null),
	KUNIT_CASE(gpebs_test_too_long),
	KUNIT_CASE(gpebs_test_denied_changes),
	{}
};

VPMU_KUNIT_SUITE(vpmu_glue_pebs, gpebs_test_cases, gpebs_init, gpebs_exit);
