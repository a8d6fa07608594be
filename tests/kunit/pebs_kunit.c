// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_pebs": vpmu_pebs_refine() over what Linux 6.1's and
 * 6.12's perf return (models in tests/user/pebs_models.h), against the
 * switch lists the rules of Documentation/design.rst give.
 *
 * Counter bits: bit n = GP counter n, bit 32 + i = fixed counter i.
 * Unless a row says otherwise, perf manages GP 0-3 and fixed 0-2, with
 * PEBS on all counters, isolation, guest PEBS through EPT and adaptive
 * PEBS.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "vpmu_kunit.h"
#include "../user/pebs_models.h"

#define GP(n)		VPMU_BIT_ULL(n)
#define FIX(i)		VPMU_BIT_ULL(32 + (i))
#define CTRL		(VPMU_GENMASK_ULL(3, 0) | VPMU_GENMASK_ULL(34, 32))
#define HOST_DS		0xffff888100200000ULL
#define GUEST_DS	0x00007f0000001000ULL
#define HOST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP)
#define GUEST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_XMMS)
/* An LBR group asking for 32 entries (the field holds entries - 1). */
#define LBR_32		(VPMU_PEBS_DATA_CFG_LBRS | (31ULL << 24))
#define POISON		0x5a5a5a5aU

/* Perf with guest-only, host-only and PEBS counters as given. */
#define PERF(g, h, pe) { \
	.intel_ctrl = CTRL, .guest_mask = (g), .host_mask = (h), \
	.pebs_enabled = (pe), .pebs_capable = ~0ULL, .ds = HOST_DS, \
	.pebs_data_cfg = HOST_CFG, .pebs = true, .pebs_ept = true, \
	.pebs_baseline = true }
/* A guest that set up PEBS: its PEBS_ENABLE and cross-mapped counters. */
#define VCPU(en, x) { .pebs_enable = (en), .ds_area = GUEST_DS, \
		      .pebs_data_cfg = GUEST_CFG, .cross_mapped = (x) }

#define E_CTRL(h, g)	{ VPMU_MSR_GLOBAL_CTRL, (h), (g) }
#define E_DS(g)		{ VPMU_MSR_DS_AREA, HOST_DS, (g) }
#define E_CFG(g)	{ VPMU_MSR_PEBS_DATA_CFG, HOST_CFG, (g) }

struct pebs_case {
	const char *name;
	struct pebs_perf perf;
	struct vpmu_pebs_vcpu vcpu;
	unsigned int n;
	struct vpmu_switch_msr want[3];	/* refined, from either kernel */
	u8 loads61, loads612;		/* what perf alone loads */
	/*
	 * Refining 6.1's list gives the guest's DS_AREA and PEBS_DATA_CFG
	 * with no guest PEBS counter running; 6.12's keeps the host's.
	 */
	bool superset;
};

static const struct pebs_case pebs_cases[] = {
	/* The vPMU is there, the guest never touched it. */
	{ "idle-vpmu", PERF(0, 0, 0), { }, 3,
	  { E_CTRL(CTRL, CTRL), E_DS(HOST_DS), E_CFG(HOST_CFG) }, 2, 0 },
	/* Guest perf stat: KVM's guest-only events on GP 0-1. */
	{ "guest-counting", PERF(GP(0) | GP(1), 0, 0), { }, 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 3, 1 },
	{ "host-only-counters", PERF(GP(1) | FIX(0), GP(2), 0), { }, 3,
	  { E_CTRL(CTRL & ~(GP(1) | FIX(0)), CTRL & ~GP(2)), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 3, 1 },
	/* Guest perf record with PEBS on GP 0. */
	{ "guest-pebs", PERF(GP(0), 0, GP(0)), VCPU(GP(0), 0), 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	/* The guest set up PEBS but its counter does not run it. */
	{ "guest-pebs-set-up-idle", PERF(0, 0, 0), VCPU(GP(5), 0), 3,
	  { E_CTRL(CTRL, CTRL), E_DS(HOST_DS), E_CFG(HOST_CFG) }, 2, 0 },
	/* Perf has not enabled the counter (GP 5 is not in intel_ctrl). */
	{ "guest-pebs-needs-intel-ctrl", PERF(GP(5), 0, GP(5)), VCPU(GP(5), 0),
	  3, { E_CTRL(CTRL, CTRL), E_DS(HOST_DS), E_CFG(HOST_CFG) }, 2, 0 },
	/* Host PEBS on a counter that counts host and guest: host wins. */
	{ "host-pebs-wins", PERF(GP(0), 0, GP(0) | FIX(0)), VCPU(GP(0), 0), 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL & ~(GP(0) | FIX(0))), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 3, 1 },
	/*
	 * Regression: the guest's PEBS bits were ORed into its GLOBAL_CTRL
	 * even while host PEBS ran (fixed by 854250329c02).
	 */
	{ "host-only-pebs-wins", PERF(GP(0), GP(2), GP(0) | GP(2)),
	  VCPU(GP(0), 0), 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL & ~(GP(0) | GP(2))), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 3, 1 },
	/* A counter in both masks is not the guest's. */
	{ "guest-and-host-only", PERF(GP(0) | GP(1), GP(1), GP(0) | GP(1)),
	  VCPU(GP(0) | GP(1), 0), 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL & ~GP(1)), E_DS(GUEST_DS),
	    E_CFG(GUEST_CFG) }, 3, 3 },
	/*
	 * Regression: perf kvm top made a guest-only PEBS event (GP 0) that
	 * ran in a guest which never set up PEBS (58f6217e5d01).  Only the
	 * guest's own GP 1 runs, on its own DS_AREA (0 here).
	 */
	{ "perf-kvm-top", PERF(GP(0) | GP(1), 0, GP(0) | GP(1)),
	  { .pebs_enable = GP(1), .pebs_data_cfg = GUEST_CFG }, 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL & ~GP(0)), E_DS(0),
	    E_CFG(GUEST_CFG) }, 3, 3 },
	{ "perf-kvm-top-no-guest-pebs", PERF(GP(0) | GP(1), 0, GP(0) | GP(1)),
	  { .pebs_data_cfg = GUEST_CFG }, 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL & ~(GP(0) | GP(1))),
	    E_DS(HOST_DS), E_CFG(HOST_CFG) }, 2, 0 },
	/* Cross-mapped counters: the record's GLOBAL_STATUS would lie. */
	{ "cross-mapped", PERF(GP(0) | GP(1), 0, GP(0) | GP(1)),
	  VCPU(GP(0) | GP(1), GP(1)), 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL & ~GP(1)), E_DS(GUEST_DS),
	    E_CFG(GUEST_CFG) }, 3, 3 },
	{ "all-cross-mapped", PERF(GP(0) | GP(1), 0, GP(0) | GP(1)),
	  VCPU(GP(0) | GP(1), GP(0) | GP(1)), 3,
	  { E_CTRL(CTRL & ~(GP(0) | GP(1)), CTRL & ~(GP(0) | GP(1))),
	    E_DS(HOST_DS), E_CFG(HOST_CFG) }, 2, 0 },
	{ "cross-mapped-without-pebs", PERF(GP(0), 0, GP(0)),
	  VCPU(GP(0), GP(3)), 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	/*
	 * The guest's GP 0 runs without PEBS on GP 1, its GP 1 with PEBS on
	 * GP 2, both cross-mapped: no guest PEBS, though GP 1 is a
	 * guest-only counter the guest's PEBS_ENABLE names.
	 */
	{ "cross-mapped-counter-named-for-pebs", PERF(GP(1) | GP(2), 0, GP(2)),
	  VCPU(GP(1), GP(1) | GP(2)), 3,
	  { E_CTRL(CTRL & ~(GP(1) | GP(2)), CTRL & ~GP(2)), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 3, 1 },
	/* PEBS on fixed 1 is PEBS_ENABLE bit 33, GLOBAL_CTRL's bit. */
	{ "fixed-counter-pebs", PERF(FIX(1), 0, FIX(1)), VCPU(FIX(1), 0), 3,
	  { E_CTRL(CTRL & ~FIX(1), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	/* The guest names GP 1, which has no guest-only event: no PEBS. */
	{ "guest-pebs-bit-ahead-of-its-event", PERF(FIX(1), 0, FIX(1)),
	  VCPU(GP(1), 0), 3,
	  { E_CTRL(CTRL & ~FIX(1), CTRL & ~FIX(1)), E_DS(HOST_DS),
	    E_CFG(HOST_CFG) }, 2, 0 },
	/*
	 * Host userspace runs a guest-only event without PEBS on GP 1, which
	 * the guest names for PEBS while KVM placed the guest's GP 1 on GP 2:
	 * refining 6.1's list loads the guest's DS_AREA with no guest PEBS
	 * counter running.  Harmless; 6.12's perf says it need not.
	 */
	{ "non-pebs-guest-only-event-on-a-guest-pebs-bit",
	  PERF(GP(1) | GP(2), 0, GP(2)), VCPU(GP(1), GP(2)), 3,
	  { E_CTRL(CTRL & ~(GP(1) | GP(2)), CTRL & ~GP(2)), E_DS(GUEST_DS),
	    E_CFG(GUEST_CFG) }, 3, 1, true },
	/* Without PEBS on all counters, PEBS_ENABLE 32+ is load latency. */
	{ "non-counter-pebs-bits",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0),
	    .pebs_enabled = GP(0) | VPMU_BIT_ULL(32),
	    .pebs_capable = VPMU_GENMASK_ULL(3, 0), .ds = HOST_DS,
	    .pebs_data_cfg = HOST_CFG, .pebs = true, .pebs_ept = true,
	    .pebs_baseline = true },
	  VCPU(GP(0) | VPMU_BIT_ULL(32), 0), 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	/* No PEBS isolation: PEBS_ENABLE to 0 for the guest, nothing else. */
	{ "no-isolation",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .host_mask = GP(2),
	    .pebs_enabled = GP(0) | GP(2) | VPMU_BIT_ULL(63),
	    .pebs_capable = ~0ULL, .ds = HOST_DS, .pebs = true,
	    .pebs_no_isolation = true, .pebs_ept = true },
	  VCPU(GP(0), 0), 2,
	  { E_CTRL(CTRL & ~GP(0), CTRL & ~(GP(0) | GP(2))),
	    { VPMU_MSR_PEBS_ENABLE, GP(0) | GP(2) | VPMU_BIT_ULL(63), 0 } },
	  2, 2 },
	/* Isolation without guest PEBS: GLOBAL_CTRL is enough. */
	{ "no-pebs-ept",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .pebs_enabled = GP(0),
	    .pebs_capable = ~0ULL, .ds = HOST_DS, .pebs = true },
	  VCPU(GP(0), 0), 1, { E_CTRL(CTRL & ~GP(0), CTRL & ~GP(0)) }, 0, 0 },
	{ "no-pebs",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .pebs_enabled = GP(0),
	    .pebs_capable = ~0ULL },
	  VCPU(GP(0), 0), 1, { E_CTRL(CTRL & ~GP(0), CTRL & ~GP(0)) }, 0, 0 },
	{ "no-adaptive-pebs",
	  { .intel_ctrl = CTRL, .guest_mask = GP(0), .pebs_enabled = GP(0),
	    .pebs_capable = ~0ULL, .ds = HOST_DS, .pebs = true,
	    .pebs_ept = true },
	  VCPU(GP(0), 0), 2, { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS) },
	  2, 2 },
	/*
	 * CVE-2024-26992: adaptive PEBS copied host LBRs into guest records.
	 * The LBR group, and its entries field alone, only with the LBRs.
	 */
	{ "lbr-group-without-the-lbrs", PERF(GP(0), 0, GP(0)),
	  { .pebs_enable = GP(0), .ds_area = GUEST_DS,
	    .pebs_data_cfg = GUEST_CFG | LBR_32 }, 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	{ "lbr-entries-without-the-lbrs", PERF(GP(0), 0, GP(0)),
	  { .pebs_enable = GP(0), .ds_area = GUEST_DS,
	    .pebs_data_cfg = GUEST_CFG | VPMU_PEBS_DATA_CFG_LBR_ENTRIES }, 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS), E_CFG(GUEST_CFG) },
	  3, 3 },
	{ "lbr-group-with-the-lbrs", PERF(GP(0), 0, GP(0)),
	  { .pebs_enable = GP(0), .ds_area = GUEST_DS,
	    .pebs_data_cfg = GUEST_CFG | LBR_32, .owns_lbr = true }, 3,
	  { E_CTRL(CTRL & ~GP(0), CTRL), E_DS(GUEST_DS),
	    E_CFG(GUEST_CFG | LBR_32) }, 3, 3 },
};

KUNIT_ARRAY_PARAM_DESC(pebs_cases, pebs_cases, name);

/* Buffers for perf's list and the refined one, poisoned per use. */
struct pebs_fix {
	struct vpmu_switch_msr perf[VPMU_SWITCH_MAX + 1];
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX + 1];
	struct vpmu_switch_msr oracle[VPMU_SWITCH_MAX];
};

static int pebs_fix_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct pebs_fix), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void pebs_poison(struct vpmu_switch_msr *list, unsigned int n)
{
	memset(list, 0x5a, n * sizeof(*list));
}

typedef unsigned int (*pebs_perf_fn)(const struct pebs_perf *p,
				     const struct vpmu_pebs_vcpu *kvm_pmu,
				     struct vpmu_switch_msr *arr);

static const struct {
	const char *name;
	pebs_perf_fn get_msrs;
} pebs_kernels[] = {
	{ "6.1", perf61_intel_guest_get_msrs },
	{ "6.12", perf612_intel_guest_get_msrs },
};

static void pebs_test_refine(struct kunit *test)
{
	const struct pebs_case *c = test->param_value;
	struct pebs_fix *f = test->priv;
	unsigned int k, i, n, m;

	for (k = 0; k < ARRAY_SIZE(pebs_kernels); k++) {
		const char *kv = pebs_kernels[k].name;

		pebs_poison(f->perf, ARRAY_SIZE(f->perf));
		pebs_poison(f->out, ARRAY_SIZE(f->out));
		n = pebs_kernels[k].get_msrs(&c->perf, &c->vcpu, f->perf);
		KUNIT_EXPECT_EQ_MSG(test, pebs_loads(f->perf, n),
				    k ? c->loads612 : c->loads61,
				    "%s: MSRs perf alone loads", kv);
		m = vpmu_pebs_refine(f->perf, n, &c->vcpu, f->out);
		KUNIT_ASSERT_EQ_MSG(test, m, c->n, "%s: entries", kv);
		for (i = 0; i < m; i++) {
			u64 guest = c->want[i].guest;

			if (c->superset && k && i)
				guest = c->want[i].host;
			KUNIT_EXPECT_EQ_MSG(test, f->out[i].msr, c->want[i].msr,
					    "%s: entry %u", kv, i);
			KUNIT_EXPECT_EQ_MSG(test, f->out[i].host, c->want[i].host,
					    "%s: entry %u host", kv, i);
			KUNIT_EXPECT_EQ_MSG(test, f->out[i].guest, guest,
					    "%s: entry %u guest", kv, i);
		}
		KUNIT_EXPECT_EQ_MSG(test, f->out[m].msr, POISON,
				    "%s: written past the list", kv);
		KUNIT_EXPECT_NULL_MSG(test, pebs_refine_judge(&c->perf, &c->vcpu,
							      f->out, m),
				      "%s: %s", kv,
				      pebs_refine_judge(&c->perf, &c->vcpu, f->out, m));

		/* In place, as the glue may do it, gives the same list. */
		KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, n, &c->vcpu, f->perf), m);
		KUNIT_EXPECT_TRUE_MSG(test, pebs_lists_equal(f->perf, f->out, m),
				      "%s: refined in place", kv);
	}
}

static u64 pebs_denied(const struct vpmu_switch_msr *list, unsigned int n,
		       const struct vpmu_pebs_vcpu *v)
{
	enum vpmu_pebs_denied_why why;

	return vpmu_pebs_denied(list, n, v, &why);
}

/*
 * A counter the guest enabled with PEBS is denied exactly when perf does
 * not run it as a guest-only, not cross-mapped counter with isolation;
 * the reason names the rule.
 */
static void pebs_check_denied(struct kunit *test,
			      const struct vpmu_switch_msr *list,
			      unsigned int n, const struct vpmu_pebs_vcpu *v)
{
	const struct vpmu_switch_msr *ctrl =
		vpmu_switch_find(list, n, VPMU_MSR_GLOBAL_CTRL);
	bool isolated = ctrl && !vpmu_switch_find(list, n, VPMU_MSR_PEBS_ENABLE);
	enum vpmu_pebs_denied_why why = VPMU_PEBS_DENIED_NOT_RUNNING + 1;
	u64 on = v->pebs_enable & v->global_ctrl;
	u64 denied = vpmu_pebs_denied(list, n, v, &why);
	u64 runs = isolated ? ctrl->guest & ~ctrl->host & ~v->cross_mapped : 0;

	KUNIT_ASSERT_EQ(test, denied, on & ~runs);
	if (!denied)
		return;
	if (!isolated)
		KUNIT_ASSERT_EQ(test, why, VPMU_PEBS_DENIED_NO_ISOLATION);
	else if (v->cross_mapped)
		KUNIT_ASSERT_EQ(test, why, VPMU_PEBS_DENIED_CROSS_MAPPED);
	else
		KUNIT_ASSERT_TRUE(test, why == VPMU_PEBS_DENIED_HOST_PEBS ||
				  why == VPMU_PEBS_DENIED_NOT_RUNNING);
}

/* Over random states of perf and the vCPU, both kernels, the oracle's list. */
static void pebs_test_random_states(struct kunit *test)
{
	static const unsigned int bits[] = { 0, 1, 2, 3, 32, 33, 34, 63 };
	struct pebs_fix *f = test->priv;
	u64 seed = 0x2545f4914f6cdd1dULL, m[8];
	unsigned int i, j, b, k, n, exact = 0, loads = 0;

	for (i = 0; i < 20000; i++) {
		u64 r = vpmu_kunit_rand(&seed);
		struct vpmu_pebs_vcpu v = { .ds_area = GUEST_DS,
					    .pebs_data_cfg = GUEST_CFG | LBR_32 };
		struct pebs_perf p = { .ds = HOST_DS, .pebs_data_cfg = HOST_CFG };

		/* Masks over few bits, so that they overlap often. */
		for (j = 0; j < ARRAY_SIZE(m); j++) {
			u64 pick = vpmu_kunit_rand(&seed);

			m[j] = 0;
			for (b = 0; b < ARRAY_SIZE(bits); b++)
				if (pick & BIT(b))
					m[j] |= VPMU_BIT_ULL(bits[b]);
		}
		p.intel_ctrl = m[0];
		p.guest_mask = m[1];
		p.host_mask = m[2] & (r & BIT(10) ? ~0ULL : ~m[1]);
		p.pebs_enabled = m[3];
		p.pebs_capable = r & BIT(11) ? ~0ULL : m[4];
		p.pebs = r & BIT(0);
		p.pebs_no_isolation = r & BIT(1);
		p.pebs_ept = r & BIT(2);
		p.pebs_baseline = r & BIT(3);
		v.pebs_enable = m[5];
		v.cross_mapped = m[6] & (r & BIT(12) ? ~0ULL : m[1]);
		v.owns_lbr = r & BIT(4);
		v.global_ctrl = m[7];
		if (r & BIT(5))
			v.ds_area = HOST_DS;
		exact += pebs_refine_exact(&p, &v);

		for (k = 0; k < ARRAY_SIZE(pebs_kernels); k++) {
			n = pebs_kernels[k].get_msrs(&p, &v, f->perf);
			pebs_check_denied(test, f->perf, n, &v);
			n = vpmu_pebs_refine(f->perf, n, &v, f->out);
			KUNIT_ASSERT_EQ_MSG(test, pebs_denied(f->out, n, &v),
					    pebs_denied(f->perf, n, &v),
					    "%s, state %u: refining changed what runs",
					    pebs_kernels[k].name, i);
			loads += pebs_loads(f->out, n);
			KUNIT_ASSERT_NULL_MSG(test, pebs_refine_judge(&p, &v, f->out, n),
					      "%s, state %u: %s", pebs_kernels[k].name, i,
					      pebs_refine_judge(&p, &v, f->out, n));
			/* 6.12's perf decides exactly: refining keeps that. */
			if (k && v.ds_area != HOST_DS) {
				pebs_oracle_list(&p, &v, f->oracle);
				KUNIT_ASSERT_TRUE_MSG(test, pebs_lists_equal(f->out, f->oracle, n),
						      "6.12, state %u: not the oracle's list", i);
			}
		}
	}
	/* The walk reached both kinds of state, and lists that load. */
	KUNIT_EXPECT_GT(test, exact, 2000U);
	KUNIT_EXPECT_LT(test, exact, 18000U);
	KUNIT_EXPECT_GT(test, loads, 10000U);
}

/* Lists perf never returns: too long, without GLOBAL_CTRL, no vCPU. */
static void pebs_test_odd_lists(struct kunit *test)
{
	static const struct vpmu_pebs_vcpu v = VCPU(GP(0), 0);
	struct pebs_fix *f = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(f->perf); i++)
		f->perf[i] = (struct vpmu_switch_msr){ VPMU_MSR_DS_AREA, HOST_DS, 7 };
	pebs_poison(f->out, ARRAY_SIZE(f->out));
	KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, VPMU_SWITCH_MAX + 1, &v,
					       f->out), 0U);
	KUNIT_EXPECT_EQ(test, f->out[0].msr, POISON);

	/* No GLOBAL_CTRL to read the running counters from: unchanged. */
	KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, 2, &v, f->out), 2U);
	KUNIT_EXPECT_EQ(test, f->out[1].guest, 7ULL);
	KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, 0, &v, f->out), 0U);

	/* No vCPU state: unchanged. */
	f->perf[0] = (struct vpmu_switch_msr){ VPMU_MSR_GLOBAL_CTRL, 0, GP(0) };
	KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, 2, NULL, f->out), 2U);
	KUNIT_EXPECT_EQ(test, f->out[1].guest, 7ULL);
	KUNIT_EXPECT_EQ(test, vpmu_pebs_refine(f->perf, 2, &v, f->out), 2U);
	KUNIT_EXPECT_EQ(test, f->out[1].guest, GUEST_DS);
}

/* perf's array is read as it comes: the first entry for an MSR wins. */
static void pebs_test_switch_find(struct kunit *test)
{
	static const struct vpmu_switch_msr list[] = {
		{ .msr = VPMU_MSR_GLOBAL_CTRL, .host = 1, .guest = 2 },
		{ .msr = VPMU_MSR_DS_AREA, .host = 3, .guest = 4 },
		{ .msr = VPMU_MSR_DS_AREA, .host = 5, .guest = 6 },
	};

	KUNIT_EXPECT_PTR_EQ(test, vpmu_switch_find(list, 3, VPMU_MSR_GLOBAL_CTRL),
			    &list[0]);
	KUNIT_EXPECT_PTR_EQ(test, vpmu_switch_find(list, 3, VPMU_MSR_DS_AREA),
			    &list[1]);
	KUNIT_EXPECT_NULL(test, vpmu_switch_find(list, 3, VPMU_MSR_PEBS_ENABLE));
	/* Only the first @n entries count. */
	KUNIT_EXPECT_NULL(test, vpmu_switch_find(list, 1, VPMU_MSR_DS_AREA));
	KUNIT_EXPECT_NULL(test, vpmu_switch_find(list, 0, VPMU_MSR_GLOBAL_CTRL));
}

static struct kunit_case vpmu_pebs_cases[] = {
	KUNIT_CASE_PARAM(pebs_test_refine, pebs_cases_gen_params),
	KUNIT_CASE(pebs_test_random_states),
	KUNIT_CASE(pebs_test_odd_lists),
	KUNIT_CASE(pebs_test_switch_find),
	{}
};

VPMU_KUNIT_SUITE(vpmu_pebs, vpmu_pebs_cases, pebs_fix_init, NULL);
