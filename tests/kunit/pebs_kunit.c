// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_pebs": the guest PEBS switch list (src/core/pebs.c).
 *
 * Counter bits: bit n = GP counter n, bit 32 + i = fixed counter i.  The
 * fixture host runs GP 0-3 and fixed 0-2, has PEBS with isolation, guest
 * PEBS through EPT and adaptive PEBS, and no event of its own.
 */
#include <kunit/test.h>
#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#define T_GP(n)			VPMU_BIT_ULL(n)
#define T_FIXED(i)		VPMU_BIT_ULL(32 + (i))
#define T_INTEL_CTRL		(VPMU_GENMASK_ULL(3, 0) | VPMU_GENMASK_ULL(34, 32))
#define T_HOST_DS		0xffff888100200000ULL
#define T_GUEST_DS		0x00007f0000001000ULL
#define T_HOST_CFG		(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP)
#define T_GUEST_CFG		(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_XMMS)
/* LBR group asking for 32 entries (field = entries - 1). */
#define T_LBR_32		(VPMU_PEBS_DATA_CFG_LBRS | (31ULL << 24))
#define T_POISON		0x5a5a5a5aU

static void t_host(struct vpmu_host_pmu *h)
{
	*h = (struct vpmu_host_pmu){
		.intel_ctrl = T_INTEL_CTRL,
		.pebs_capable = ~0ULL,
		.ds_area = T_HOST_DS,
		.pebs_data_cfg = T_HOST_CFG,
		.pebs = true,
		.pebs_ept = true,
		.pebs_baseline = true,
	};
}

static void t_guest(struct vpmu_guest_pebs *g)
{
	*g = (struct vpmu_guest_pebs){
		.ds_area = T_GUEST_DS,
		.pebs_data_cfg = T_GUEST_CFG,
	};
}

/* The guest samples with PEBS on GP 0 through KVM's guest-only event. */
static void t_sampling(struct vpmu_host_pmu *h, struct vpmu_guest_pebs *g)
{
	t_host(h);
	t_guest(g);
	h->guest_mask = T_GP(0);
	h->pebs_enabled = T_GP(0);
	g->pebs_enable = T_GP(0);
}

static void t_poison(struct vpmu_switch_msr *out)
{
	unsigned int i;

	for (i = 0; i < VPMU_SWITCH_MAX; i++) {
		out[i].msr = T_POISON;
		out[i].host = T_POISON;
		out[i].guest = T_POISON;
	}
}

static unsigned int t_list(const struct vpmu_host_pmu *h,
			   const struct vpmu_guest_pebs *g,
			   enum vpmu_switch_policy policy,
			   struct vpmu_switch_msr *out)
{
	t_poison(out);
	return vpmu_pebs_switch_list(h, g, policy, out);
}

/* The entry for @msr, which the list must hold. */
static const struct vpmu_switch_msr *t_entry(struct kunit *test,
					     const struct vpmu_switch_msr *out,
					     unsigned int n, u32 msr)
{
	const struct vpmu_switch_msr *e = vpmu_switch_find(out, n, msr);

	KUNIT_ASSERT_TRUE(test, e);
	return e;
}

/* The guest GLOBAL_CTRL of a list, which must start with GLOBAL_CTRL. */
static u64 t_guest_ctrl(struct kunit *test, const struct vpmu_switch_msr *out,
			unsigned int n)
{
	KUNIT_ASSERT_GE(test, n, 1U);
	KUNIT_ASSERT_EQ(test, out[0].msr, (u32)VPMU_MSR_GLOBAL_CTRL);
	return out[0].guest;
}

/* Entries that really load something: host != guest. */
static unsigned int t_loads(const struct vpmu_switch_msr *out, unsigned int n)
{
	unsigned int i, loads = 0;

	for (i = 0; i < n; i++)
		loads += out[i].host != out[i].guest;
	return loads;
}

/* ---- GLOBAL_CTRL ---- */

static void pebs_test_global_ctrl_host_value(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_host(&h);
	t_guest(&g);
	h.guest_mask = T_GP(1) | T_FIXED(0);
	h.host_mask = T_GP(2);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_ASSERT_GE(test, n, 1U);
	KUNIT_EXPECT_EQ(test, out[0].msr, (u32)VPMU_MSR_GLOBAL_CTRL);
	KUNIT_EXPECT_EQ(test, out[0].host,
			T_INTEL_CTRL & ~(T_GP(1) | T_FIXED(0)));
}

static void pebs_test_global_ctrl_guest_strips_host_only(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_host(&h);
	t_guest(&g);
	h.host_mask = T_GP(2) | T_FIXED(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(2) | T_FIXED(1)));
	/* No PEBS anywhere: the guest keeps every other counter. */
	KUNIT_EXPECT_EQ(test, out[0].host, T_INTEL_CTRL);
}

static void pebs_test_global_ctrl_guest_strips_pebs(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	unsigned int n;

	/* Host PEBS on GP 3 for an event counting host and guest. */
	t_host(&h);
	h.pebs_enabled = T_GP(3);
	n = t_list(&h, NULL, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_GP(3));
	/* The host keeps it. */
	KUNIT_EXPECT_EQ(test, out[0].host, T_INTEL_CTRL);
}

static void pebs_test_guest_pebs_counter_runs(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
	/* The guest-only counter is off while the host runs. */
	KUNIT_EXPECT_EQ(test, out[0].host, T_INTEL_CTRL & ~T_GP(0));
}

static void pebs_test_guest_pebs_needs_intel_ctrl(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/* GP 5 is PEBS-enabled but perf has not enabled the counter. */
	t_sampling(&h, &g);
	h.guest_mask = T_GP(5);
	h.pebs_enabled = T_GP(5);
	g.pebs_enable = T_GP(5);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n) & T_GP(5), 0ULL);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_HOST_DS);
}

static void pebs_test_guest_pebs_excludes_host_only(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/* GP 1 in both masks: excluded from the guest regardless. */
	t_sampling(&h, &g);
	h.guest_mask |= T_GP(1);
	h.host_mask = T_GP(1);
	h.pebs_enabled |= T_GP(1);
	g.pebs_enable |= T_GP(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_GP(1));
}

static void pebs_test_fixed_counter_pebs(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/* PEBS on fixed 1 is PEBS_ENABLE bit 33, the same bit as GLOBAL_CTRL. */
	t_sampling(&h, &g);
	h.guest_mask = T_FIXED(1);
	h.pebs_enabled = T_FIXED(1);
	g.pebs_enable = T_FIXED(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_GUEST_DS);

	/* The guest's PEBS_ENABLE bit 1 is GP 1, not fixed 1. */
	g.pebs_enable = T_GP(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_FIXED(1));
}

static void pebs_test_non_counter_pebs_bits(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/*
	 * Before PEBS on all counters, PEBS_ENABLE bits 32-35 enable load
	 * latency on GP 0-3: perf's pebs_capable leaves them out, and so
	 * does the model.  Fixed 0 is not a PEBS counter here.
	 */
	t_sampling(&h, &g);
	h.pebs_capable = VPMU_GENMASK_ULL(3, 0);
	h.pebs_enabled = T_GP(0) | VPMU_BIT_ULL(32);
	h.guest_mask = T_GP(0);
	g.pebs_enable = T_GP(0) | VPMU_BIT_ULL(32);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	/* Host PEBS does not "win" over a bit that is no counter. */
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_GUEST_DS);
}

/* ---- which MSRs are listed ---- */

static void pebs_test_no_pebs_global_ctrl_only(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.pebs = false;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, out[0].msr, (u32)VPMU_MSR_GLOBAL_CTRL);
	/* No guest PEBS counter without PEBS. */
	KUNIT_EXPECT_EQ(test, out[0].guest, T_INTEL_CTRL & ~T_GP(0));
	KUNIT_EXPECT_EQ(test, out[1].msr, T_POISON);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
}

static void pebs_test_isolation_without_ept(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.pebs_ept = false;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, out[0].guest, T_INTEL_CTRL & ~T_GP(0));
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, n, 1U);
	KUNIT_EXPECT_EQ(test, out[0].guest, T_INTEL_CTRL & ~T_GP(0));
}

static void pebs_test_ept_order(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, out[0].msr, (u32)VPMU_MSR_GLOBAL_CTRL);
	KUNIT_EXPECT_EQ(test, out[1].msr, (u32)VPMU_MSR_DS_AREA);
	KUNIT_EXPECT_EQ(test, out[2].msr, (u32)VPMU_MSR_PEBS_DATA_CFG);
	KUNIT_EXPECT_EQ(test, out[3].msr, T_POISON);
	KUNIT_EXPECT_EQ(test, out[1].host, T_HOST_DS);
	KUNIT_EXPECT_EQ(test, out[2].host, T_HOST_CFG);
}

static void pebs_test_no_baseline_no_data_cfg(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.pebs_baseline = false;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, n, 2U);
	KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(out, n, VPMU_MSR_PEBS_DATA_CFG));
	KUNIT_EXPECT_EQ(test, out[1].guest, T_GUEST_DS);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, n, 2U);
	KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(out, n, VPMU_MSR_PEBS_DATA_CFG));
}

/* ---- policies ---- */

static void pebs_test_minimal_idle_keeps_host_values(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/* The guest set up PEBS but runs no PEBS counter. */
	t_host(&h);
	t_guest(&g);
	g.pebs_enable = T_GP(0);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_ASSERT_EQ(test, n, 3U);
	/* Listed with equal values, so KVM drops them from autoload. */
	KUNIT_EXPECT_EQ(test, out[1].host, T_HOST_DS);
	KUNIT_EXPECT_EQ(test, out[1].guest, T_HOST_DS);
	KUNIT_EXPECT_EQ(test, out[2].host, T_HOST_CFG);
	KUNIT_EXPECT_EQ(test, out[2].guest, T_HOST_CFG);
	KUNIT_EXPECT_EQ(test, t_loads(out, n), 0U);
}

static void pebs_test_minimal_sampling_loads_guest_values(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, out[1].guest, T_GUEST_DS);
	KUNIT_EXPECT_EQ(test, out[2].guest, T_GUEST_CFG);
	KUNIT_EXPECT_EQ(test, t_loads(out, n), 3U);
}

static void pebs_test_compat_always_guest_values(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	/* Like Linux 6.1: guest values although no guest PEBS counter runs. */
	t_host(&h);
	t_guest(&g);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, out[0].guest, T_INTEL_CTRL);
	KUNIT_EXPECT_EQ(test, out[1].guest, T_GUEST_DS);
	KUNIT_EXPECT_EQ(test, out[2].guest, T_GUEST_CFG);
	/* The policy changes DS_AREA and PEBS_DATA_CFG, not GLOBAL_CTRL. */
	t_sampling(&h, &g);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
}

static void pebs_test_null_guest(struct kunit *test)
{
	static const enum vpmu_switch_policy policies[] = {
		VPMU_SWITCH_MINIMAL, VPMU_SWITCH_COMPAT,
	};
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int i, n;

	t_sampling(&h, &g);
	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		n = t_list(&h, NULL, policies[i], out);
		KUNIT_ASSERT_EQ(test, n, 3U);
		/* No vCPU state, no guest PEBS counter. */
		KUNIT_EXPECT_EQ(test, out[0].guest, T_INTEL_CTRL & ~T_GP(0));
		KUNIT_EXPECT_EQ(test, out[1].guest, T_HOST_DS);
		KUNIT_EXPECT_EQ(test, out[2].guest, T_HOST_CFG);
	}
}

static void pebs_test_unknown_policy_is_minimal(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_host(&h);
	t_guest(&g);
	n = t_list(&h, &g, (enum vpmu_switch_policy)7, out);
	KUNIT_ASSERT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, out[1].guest, T_HOST_DS);
	KUNIT_EXPECT_EQ(test, out[2].guest, T_HOST_CFG);
}

static void pebs_test_null_arguments(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;

	t_sampling(&h, &g);
	KUNIT_EXPECT_EQ(test, t_list(NULL, &g, VPMU_SWITCH_MINIMAL, out), 0U);
	KUNIT_EXPECT_EQ(test, out[0].msr, T_POISON);
	KUNIT_EXPECT_EQ(test, vpmu_pebs_switch_list(&h, &g, VPMU_SWITCH_MINIMAL,
						    NULL), 0U);
}

/* ---- PEBS_DATA_CFG and the LBRs ---- */

static void pebs_test_data_cfg_keeps_other_groups(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	g.pebs_data_cfg = VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP |
			  VPMU_PEBS_DATA_CFG_XMMS | T_LBR_32;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP |
			VPMU_PEBS_DATA_CFG_XMMS);
}

static void pebs_test_data_cfg_lbr_with_owned_lbrs(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	g.pebs_data_cfg = T_GUEST_CFG | T_LBR_32;
	g.owns_lbr = true;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			T_GUEST_CFG | T_LBR_32);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			T_GUEST_CFG | T_LBR_32);
}

/* ---- regressions upstream hit ---- */

/*
 * `perf kvm top` on the host created a guest-only PEBS event: perf
 * treated it as the guest's and ran PEBS in a guest that never wrote
 * DS_AREA (#PF storm, guest crash).  Fixed upstream by 58f6217e5d01.
 */
static void pebs_test_regress_perf_kvm_top(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_host(&h);
	t_guest(&g);
	h.guest_mask = T_GP(0) | T_GP(1);
	h.pebs_enabled = T_GP(0) | T_GP(1);
	g.pebs_enable = T_GP(1);
	g.ds_area = 0;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	/* Host userspace's GP 0 stays off; the guest's own GP 1 runs. */
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_GP(0));

	/* The guest wants no PEBS at all: nothing runs, DS_AREA stays. */
	g.pebs_enable = 0;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(0) | T_GP(1)));
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_HOST_DS);
}

/*
 * The guest's PEBS bits were once ORed into the guest GLOBAL_CTRL
 * unconditionally, even while host PEBS was live (fixed by 854250329c02).
 */
static void pebs_test_regress_pebs_bits_unconditional(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.pebs_enabled |= T_GP(2);
	h.host_mask = T_GP(2);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(0) | T_GP(2)));
	/* And DS_AREA keeps the host's value. */
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_HOST_DS);
}

/*
 * A PEBS_ENABLE snapshot loaded at VM-exit can be stale and leave PEBS
 * bits stuck on: with isolation it is never listed, whatever the state.
 */
static void pebs_test_regress_stale_pebs_enable(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int bits, n;

	for (bits = 0; bits < 64; bits++) {
		t_sampling(&h, &g);
		h.pebs_ept = bits & 1;
		h.pebs_baseline = bits & 2;
		if (bits & 4)
			h.pebs_enabled |= T_GP(3);
		if (bits & 8)
			g.cross_mapped = T_GP(0);
		n = t_list(&h, bits & 16 ? NULL : &g,
			   bits & 32 ? VPMU_SWITCH_COMPAT : VPMU_SWITCH_MINIMAL,
			   out);
		KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(out, n, VPMU_MSR_PEBS_ENABLE));
	}
}

/* Host PEBS on a counter that also counts the guest wins (host and guest). */
static void pebs_test_regress_host_pebs_active(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.pebs_enabled |= T_FIXED(0);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(0) | T_FIXED(0)));
	KUNIT_EXPECT_EQ(test, out[0].host, T_INTEL_CTRL & ~T_GP(0));
	KUNIT_EXPECT_EQ(test, t_loads(out, n), 1U);
	/* COMPAT still loads guest values, but no PEBS counter runs. */
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(0) | T_FIXED(0)));

	/* Host PEBS stopped: the guest gets its counter back. */
	h.pebs_enabled = T_GP(0);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
}

/* Cross-mapped counters: the record's GLOBAL_STATUS names the wrong one. */
static void pebs_test_regress_cross_mapped(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	h.guest_mask |= T_GP(1);
	h.pebs_enabled |= T_GP(1);
	g.pebs_enable |= T_GP(1);
	g.cross_mapped = T_GP(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_GP(1));
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_GUEST_DS);

	/* Every PEBS counter cross-mapped: no guest PEBS, no guest DS_AREA. */
	g.cross_mapped = T_GP(0) | T_GP(1);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~(T_GP(0) | T_GP(1)));
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_DS_AREA)->guest,
			T_HOST_DS);

	/* A cross-mapped counter without PEBS keeps counting. */
	g.cross_mapped = T_GP(3);
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n), T_INTEL_CTRL);
}

/* CPUs without PEBS isolation: PEBS_ENABLE to 0 for the guest, nothing else. */
static void pebs_test_regress_no_isolation(struct kunit *test)
{
	static const enum vpmu_switch_policy policies[] = {
		VPMU_SWITCH_MINIMAL, VPMU_SWITCH_COMPAT,
	};
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int i, n;

	t_sampling(&h, &g);
	h.pebs_no_isolation = true;
	h.pebs_enabled |= T_GP(2) | VPMU_BIT_ULL(63);
	for (i = 0; i < ARRAY_SIZE(policies); i++) {
		n = t_list(&h, &g, policies[i], out);
		KUNIT_ASSERT_EQ(test, n, 2U);
		KUNIT_EXPECT_EQ(test, out[0].guest,
				T_INTEL_CTRL & ~(T_GP(0) | T_GP(2)));
		KUNIT_EXPECT_EQ(test, out[1].msr, (u32)VPMU_MSR_PEBS_ENABLE);
		KUNIT_EXPECT_EQ(test, out[1].host,
				T_GP(0) | T_GP(2) | VPMU_BIT_ULL(63));
		KUNIT_EXPECT_EQ(test, out[1].guest, 0ULL);
		KUNIT_EXPECT_EQ(test, out[2].msr, T_POISON);
	}
	/* Even with pebs_ept claimed, no guest PEBS without isolation. */
	h.pebs_enabled = T_GP(0);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, t_guest_ctrl(test, out, n),
			T_INTEL_CTRL & ~T_GP(0));
}

/*
 * Adaptive PEBS copied host LBRs into guest records (CVE-2024-26992):
 * without the vLBR, the guest PEBS_DATA_CFG loses the LBR group.
 */
static void pebs_test_regress_host_lbrs_in_records(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int n;

	t_sampling(&h, &g);
	g.pebs_data_cfg = T_GUEST_CFG | T_LBR_32;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			T_GUEST_CFG);
	n = t_list(&h, &g, VPMU_SWITCH_COMPAT, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			T_GUEST_CFG);

	/* The entries field alone is cleared too. */
	g.pebs_data_cfg = T_GUEST_CFG | VPMU_PEBS_DATA_CFG_LBR_ENTRIES;
	n = t_list(&h, &g, VPMU_SWITCH_MINIMAL, out);
	KUNIT_EXPECT_EQ(test, t_entry(test, out, n, VPMU_MSR_PEBS_DATA_CFG)->guest,
			T_GUEST_CFG);
}

/* ---- bounds ---- */

static void pebs_test_never_more_than_max(struct kunit *test)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs g;
	unsigned int bits, n, compat_loads;

	/* Every combination of the flags, with and without vCPU state. */
	for (bits = 0; bits < 64; bits++) {
		t_sampling(&h, &g);
		h.pebs = bits & 1;
		h.pebs_no_isolation = bits & 2;
		h.pebs_ept = bits & 4;
		h.pebs_baseline = bits & 8;
		if (bits & 16)
			h.pebs_enabled |= T_GP(3);

		n = t_list(&h, bits & 32 ? NULL : &g, VPMU_SWITCH_COMPAT, out);
		KUNIT_EXPECT_GE(test, n, 1U);
		KUNIT_ASSERT_LE(test, n, 3U);
		KUNIT_EXPECT_EQ(test, out[n].msr, T_POISON);
		compat_loads = t_loads(out, n);

		n = t_list(&h, bits & 32 ? NULL : &g, VPMU_SWITCH_MINIMAL, out);
		KUNIT_EXPECT_GE(test, n, 1U);
		KUNIT_ASSERT_LE(test, n, 3U);
		KUNIT_EXPECT_EQ(test, out[n].msr, T_POISON);
		KUNIT_EXPECT_LE(test, t_loads(out, n), compat_loads);
	}
}

/*
 * vpmu_switch_find() reads lists it did not make (perf's array): the
 * first entry for an MSR wins, an absent MSR or an empty list is NULL.
 */
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
	KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(list, 3, VPMU_MSR_PEBS_ENABLE));
	/* Only the first @n entries count. */
	KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(list, 1, VPMU_MSR_DS_AREA));
	KUNIT_EXPECT_TRUE(test, !vpmu_switch_find(list, 0, VPMU_MSR_GLOBAL_CTRL));
}

static struct kunit_case vpmu_pebs_cases[] = {
	KUNIT_CASE(pebs_test_switch_find),
	KUNIT_CASE(pebs_test_global_ctrl_host_value),
	KUNIT_CASE(pebs_test_global_ctrl_guest_strips_host_only),
	KUNIT_CASE(pebs_test_global_ctrl_guest_strips_pebs),
	KUNIT_CASE(pebs_test_guest_pebs_counter_runs),
	KUNIT_CASE(pebs_test_guest_pebs_needs_intel_ctrl),
	KUNIT_CASE(pebs_test_guest_pebs_excludes_host_only),
	KUNIT_CASE(pebs_test_fixed_counter_pebs),
	KUNIT_CASE(pebs_test_non_counter_pebs_bits),
	KUNIT_CASE(pebs_test_no_pebs_global_ctrl_only),
	KUNIT_CASE(pebs_test_isolation_without_ept),
	KUNIT_CASE(pebs_test_ept_order),
	KUNIT_CASE(pebs_test_no_baseline_no_data_cfg),
	KUNIT_CASE(pebs_test_minimal_idle_keeps_host_values),
	KUNIT_CASE(pebs_test_minimal_sampling_loads_guest_values),
	KUNIT_CASE(pebs_test_compat_always_guest_values),
	KUNIT_CASE(pebs_test_null_guest),
	KUNIT_CASE(pebs_test_unknown_policy_is_minimal),
	KUNIT_CASE(pebs_test_null_arguments),
	KUNIT_CASE(pebs_test_data_cfg_keeps_other_groups),
	KUNIT_CASE(pebs_test_data_cfg_lbr_with_owned_lbrs),
	KUNIT_CASE(pebs_test_regress_perf_kvm_top),
	KUNIT_CASE(pebs_test_regress_pebs_bits_unconditional),
	KUNIT_CASE(pebs_test_regress_stale_pebs_enable),
	KUNIT_CASE(pebs_test_regress_host_pebs_active),
	KUNIT_CASE(pebs_test_regress_cross_mapped),
	KUNIT_CASE(pebs_test_regress_no_isolation),
	KUNIT_CASE(pebs_test_regress_host_lbrs_in_records),
	KUNIT_CASE(pebs_test_never_more_than_max),
	{}
};

static struct kunit_suite vpmu_pebs_suite = {
	.name = "vpmu_pebs",
	.test_cases = vpmu_pebs_cases,
};

kunit_test_suite(vpmu_pebs_suite);
