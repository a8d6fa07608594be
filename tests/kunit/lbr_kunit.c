// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_lbr": the vLBR lifecycle state machine
 * (src/core/lbr.c).  Freeze rules follow the Intel SDM (legacy freeze
 * clears DEBUGCTL.LBR, streamlined freeze sets GLOBAL_STATUS.LBR_FRZ);
 * release rules follow the policies of issue 5.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#define DBG_LBR		VPMU_DEBUGCTL_LBR
#define DBG_FRZ		VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI
#define DBG_BTF		VPMU_BIT_ULL(1)
#define ST_LBR_FRZ	VPMU_STATUS_LBR_FRZ

static void lbr_ev(struct vpmu_lbr *l, enum vpmu_lbr_event_type type, u64 value,
		   struct vpmu_lbr_effects *e)
{
	struct vpmu_lbr_event ev = { .type = type, .value = value };

	vpmu_lbr_step(l, &ev, e);
}

/* Step and drop the effects. */
static void lbr_do(struct vpmu_lbr *l, enum vpmu_lbr_event_type type, u64 value)
{
	struct vpmu_lbr_effects e;

	lbr_ev(l, type, value, &e);
}

/* No lifecycle or status effect at all. */
static void lbr_expect_quiet(struct kunit *test, const struct vpmu_lbr_effects *e)
{
	KUNIT_EXPECT_FALSE(test, e->intercept);
	KUNIT_EXPECT_FALSE(test, e->release_event);
	KUNIT_EXPECT_FALSE(test, e->create_event);
	KUNIT_EXPECT_FALSE(test, e->passthrough);
	KUNIT_EXPECT_EQ(test, e->status_clear, 0ULL);
	KUNIT_EXPECT_EQ(test, e->status_set, 0ULL);
}

static void lbr_expect_release(struct kunit *test, const struct vpmu_lbr_effects *e)
{
	KUNIT_EXPECT_TRUE(test, e->intercept);
	KUNIT_EXPECT_TRUE(test, e->release_event);
	KUNIT_EXPECT_FALSE(test, e->create_event);
	KUNIT_EXPECT_FALSE(test, e->passthrough);
}

static void lbr_expect_create(struct kunit *test, const struct vpmu_lbr_effects *e)
{
	KUNIT_EXPECT_FALSE(test, e->intercept);
	KUNIT_EXPECT_FALSE(test, e->release_event);
	KUNIT_EXPECT_TRUE(test, e->create_event);
	KUNIT_EXPECT_TRUE(test, e->passthrough);
}

/* A vCPU that has LBR on (with freeze on PMI) and the event. */
static void lbr_setup_on(struct vpmu_lbr *l, u8 version, enum vpmu_lbr_policy p)
{
	vpmu_lbr_init(l, version, p);
	lbr_do(l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ);
}

/* ---- init and configuration ------------------------------------------ */

static void lbr_test_init(struct kunit *test)
{
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, 4, VPMU_LBR_POLICY_FREEZE_AWARE);
	KUNIT_EXPECT_EQ(test, l.version, 4);
	KUNIT_EXPECT_EQ(test, l.policy, VPMU_LBR_POLICY_FREEZE_AWARE);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, VPMU_LBR_HYSTERESIS_K_DEFAULT);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 0);
	KUNIT_EXPECT_FALSE(test, l.event);
	KUNIT_EXPECT_FALSE(test, l.passthrough);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);
	KUNIT_EXPECT_FALSE(test, l.active_slice);
	KUNIT_EXPECT_EQ(test, l.guest_debugctl, 0ULL);
}

static void lbr_test_init_unknown_policy(struct kunit *test)
{
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, 2, VPMU_LBR_POLICY_NR);
	KUNIT_EXPECT_EQ(test, l.policy, VPMU_LBR_POLICY_DEFAULT);
	vpmu_lbr_init(&l, 2, (enum vpmu_lbr_policy)77);
	KUNIT_EXPECT_EQ(test, l.policy, VPMU_LBR_POLICY_DEFAULT);
	vpmu_lbr_init(&l, 2, VPMU_LBR_POLICY_FREEZE_AWARE);
	KUNIT_EXPECT_EQ(test, l.policy, VPMU_LBR_POLICY_FREEZE_AWARE);
}

/* The names the lbr_policy parameter accepts; nothing for a non-policy. */
static void lbr_test_policy_name(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test,
			   vpmu_lbr_policy_name(VPMU_LBR_POLICY_FREEZE_AWARE),
			   "freeze_aware");
	KUNIT_EXPECT_STREQ(test,
			   vpmu_lbr_policy_name(VPMU_LBR_POLICY_HYSTERESIS),
			   "hysteresis");
	KUNIT_EXPECT_NULL(test, vpmu_lbr_policy_name(VPMU_LBR_POLICY_NR));
	KUNIT_EXPECT_NULL(test, vpmu_lbr_policy_name((enum vpmu_lbr_policy)-1));
}

/* Every name maps back to its policy; anything else, even close, is no policy. */
static void lbr_test_policy_from_name(struct kunit *test)
{
	int p;

	for (p = 0; p < VPMU_LBR_POLICY_NR; p++)
		KUNIT_EXPECT_EQ(test,
				vpmu_lbr_policy_from_name(vpmu_lbr_policy_name(p)),
				p);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name("hyst"), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name("hysteresis "), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name("upstream"), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name("pv"), -EINVAL);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_policy_from_name("freeze-aware"), -EINVAL);
}

static void lbr_test_hysteresis_valid(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(0));
	KUNIT_EXPECT_TRUE(test, vpmu_lbr_hysteresis_valid(1));
	KUNIT_EXPECT_TRUE(test, vpmu_lbr_hysteresis_valid(255));
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(256));
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(~0U));
	KUNIT_EXPECT_EQ(test, VPMU_LBR_HYSTERESIS_K_MAX, 255);
}

static void lbr_test_set_hysteresis(struct kunit *test)
{
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, 4, VPMU_LBR_POLICY_HYSTERESIS);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, VPMU_LBR_HYSTERESIS_K_DEFAULT);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 256), -EINVAL);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, VPMU_LBR_HYSTERESIS_K_DEFAULT);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 255), 0);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, 255);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 1), 0);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, 1);

	/* Lowering K below the idle count so far clamps the count. */
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 5), 0);
	lbr_do(&l, VPMU_LBR_EV_SCHED_IN, 0);
	lbr_do(&l, VPMU_LBR_EV_SCHED_IN, 0);
	lbr_do(&l, VPMU_LBR_EV_SCHED_IN, 0);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 3);
	KUNIT_EXPECT_EQ(test, vpmu_lbr_set_hysteresis(&l, 2), 0);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 2);
}

/* ---- transitions common to all versions and policies ------------------ */

static void lbr_test_msr_access_creates(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, 2, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_MSR_ACCESS, 0, &e);
	lbr_expect_create(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
	KUNIT_EXPECT_TRUE(test, l.passthrough);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, 0ULL);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, 0ULL);

	/* The event exists: no second create. */
	lbr_ev(&l, VPMU_LBR_EV_MSR_ACCESS, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
}

static void lbr_test_debugctl_write(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, 4, VPMU_LBR_POLICY_FREEZE_AWARE);

	/* Bits other than LBR do not need the event. */
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_BTF | DBG_FRZ, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_BTF | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_BTF | DBG_FRZ);

	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ, &e);
	lbr_expect_create(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);

	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR);

	/* Clearing LBR never releases by itself: only sched-in decides. */
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, 0ULL);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, 0ULL);
}

static void lbr_test_sched_out_no_effect(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, 4, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_OUT, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
}

static void lbr_test_unknown_event(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l, before;

	lbr_setup_on(&l, 4, VPMU_LBR_POLICY_HYSTERESIS);
	before = l;
	lbr_ev(&l, (enum vpmu_lbr_event_type)99, ~0ULL, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_TRUE(test, l.event == before.event &&
			  l.guest_debugctl == before.guest_debugctl &&
			  l.active_slice == before.active_slice &&
			  l.lbr_frz == before.lbr_frz);
}

/* ---- legacy freeze (versions 2 and 3) ---------------------------------- */

static const u8 lbr_legacy_versions[] = { 2, 3 };

static void lbr_version_desc(const u8 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "version %u", *v);
}

KUNIT_ARRAY_PARAM(lbr_legacy, lbr_legacy_versions, lbr_version_desc);

static void lbr_test_legacy_freeze(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);
	/* As the CPU does: LBR cleared, the guest sees it, FREEZE stays. */
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);
	KUNIT_EXPECT_TRUE(test, l.legacy_frozen);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);

	/* A second PMI while frozen changes nothing. */
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_FRZ);

	/* Setting LBR again resumes; the event is still there. */
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
}

static void lbr_test_legacy_freeze_needs_flag(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);

	/* FREEZE without LBR: nothing recording, nothing frozen. */
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_FRZ);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_FRZ);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
}

/*
 * Handlers clear DEBUGCTL.LBR themselves around their reads: that write
 * does not end the freeze, only setting LBR again does.
 */
static void lbr_test_legacy_freeze_lasts_until_lbr_set(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0, &e);
	KUNIT_EXPECT_TRUE(test, l.legacy_frozen);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, 0ULL);
	lbr_do(&l, VPMU_LBR_EV_SCHED_OUT, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);

	/* Not a GLOBAL_STATUS matter below version 4. */
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ | 1, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.legacy_frozen);

	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
}

/* ---- streamlined freeze (version 4 and later) --------------------------- */

static const u8 lbr_streamlined_versions[] = { 4, 5, 255 };

KUNIT_ARRAY_PARAM(lbr_streamlined, lbr_streamlined_versions, lbr_version_desc);

static void lbr_test_streamlined_freeze(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	KUNIT_EXPECT_EQ(test, e.status_set, ST_LBR_FRZ);
	KUNIT_EXPECT_EQ(test, e.status_clear, 0ULL);
	/* The guest still reads LBR = 1; hardware stops recording. */
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_FALSE(test, e.release_event);
	KUNIT_EXPECT_TRUE(test, l.lbr_frz);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);

	/* Already frozen: no second set. */
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);

	/* Clearing other status bits does not resume. */
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, 1, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);

	/* Clearing LBR_FRZ resumes. */
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ | 1, &e);
	KUNIT_EXPECT_EQ(test, e.status_clear, ST_LBR_FRZ);
	KUNIT_EXPECT_EQ(test, e.status_set, 0ULL);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);

	/* Clearing it again is a no-op. */
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ, &e);
	lbr_expect_quiet(test, &e);
}

static void lbr_test_streamlined_status_set(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_STATUS_SET, 1, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);

	lbr_ev(&l, VPMU_LBR_EV_STATUS_SET, ST_LBR_FRZ, &e);
	KUNIT_EXPECT_EQ(test, e.status_set, ST_LBR_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_TRUE(test, l.lbr_frz);

	lbr_ev(&l, VPMU_LBR_EV_STATUS_SET, ST_LBR_FRZ, &e);
	lbr_expect_quiet(test, &e);

	/* Setting LBR_FRZ with no event does not create one. */
	vpmu_lbr_init(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_STATUS_SET, ST_LBR_FRZ, &e);
	KUNIT_EXPECT_EQ(test, e.status_set, ST_LBR_FRZ);
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_FALSE(test, l.event);
}

/* The SDM sets LBR_FRZ on a PMI with FREEZE_LBRS_ON_PMI, LBR or not. */
static void lbr_test_streamlined_freeze_without_lbr(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	vpmu_lbr_init(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_FRZ);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	KUNIT_EXPECT_EQ(test, e.status_set, ST_LBR_FRZ);
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);

	/* Without FREEZE_LBRS_ON_PMI: no freeze. */
	vpmu_lbr_init(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR);
}

/* Setting LBR while LBR_FRZ is set does not resume recording. */
static void lbr_test_streamlined_debugctl_while_frozen(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, 0ULL);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, 0ULL);
	lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);
	KUNIT_EXPECT_TRUE(test, l.lbr_frz);
}

/* ---- no freeze: versions 0 and 1; status MSRs below version 4 ---------- */

static const u8 lbr_nofreeze_versions[] = { 0, 1 };

KUNIT_ARRAY_PARAM(lbr_nofreeze, lbr_nofreeze_versions, lbr_version_desc);

static void lbr_test_no_freeze(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	KUNIT_EXPECT_TRUE(test, l.event);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);
}

static const u8 lbr_below4_versions[] = { 0, 1, 2, 3 };

KUNIT_ARRAY_PARAM(lbr_below4, lbr_below4_versions, lbr_version_desc);

static void lbr_test_status_ignored_below_v4(struct kunit *test)
{
	const u8 *ver = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, *ver, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_ev(&l, VPMU_LBR_EV_STATUS_SET, ~0ULL, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ~0ULL, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
}

/* ---- policies ---------------------------------------------------------- */

/* A release forced while frozen (a baseline's verdict) is obeyed. */
static void lbr_test_forced_release_while_frozen(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, 3, VPMU_LBR_POLICY_HYSTERESIS);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	vpmu_lbr_sched_in(&l, true, &e);
	lbr_expect_release(test, &e);

	lbr_setup_on(&l, 4, VPMU_LBR_POLICY_HYSTERESIS);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	vpmu_lbr_sched_in(&l, true, &e);
	lbr_expect_release(test, &e);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, DBG_LBR | DBG_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);

	/* Resuming with LBR set needs the event back before recording. */
	lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ, &e);
	lbr_expect_create(test, &e);
	KUNIT_EXPECT_EQ(test, e.status_clear, ST_LBR_FRZ);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
}

static void lbr_test_freeze_aware(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	/* Legacy freeze: kept while frozen, released once quiet. */
	lbr_setup_on(&l, 2, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_release(test, &e);

	/* Streamlined freeze: kept while LBR_FRZ, even with LBR clear. */
	lbr_setup_on(&l, 4, VPMU_LBR_POLICY_FREEZE_AWARE);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_FRZ);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
	lbr_do(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_release(test, &e);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_FRZ);
}

static void lbr_test_hysteresis(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;
	unsigned int k, i;

	for (k = 1; k <= 4; k++) {
		lbr_setup_on(&l, 4, VPMU_LBR_POLICY_HYSTERESIS);
		KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, k), 0);
		lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0);
		/* The slice that cleared LBR is not idle. */
		lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
		lbr_expect_quiet(test, &e);
		for (i = 1; i < k; i++) {
			lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
			lbr_expect_quiet(test, &e);
			KUNIT_EXPECT_EQ(test, l.idle_sched_ins, i);
		}
		lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
		lbr_expect_release(test, &e);
	}
}

static void lbr_test_hysteresis_activity_restarts(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, 2, VPMU_LBR_POLICY_HYSTERESIS);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, 2), 0);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, 0);
	lbr_do(&l, VPMU_LBR_EV_SCHED_IN, 0);
	lbr_do(&l, VPMU_LBR_EV_SCHED_IN, 0);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 1);

	/* An intercepted access restarts the count. */
	lbr_do(&l, VPMU_LBR_EV_MSR_ACCESS, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 0);

	/* A DEBUGCTL write without LBR before or after is not activity. */
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_BTF);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 1);

	/* Neither is a PMI that freezes nothing. */
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_release(test, &e);
}

static void lbr_test_hysteresis_never_while_used(struct kunit *test)
{
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;
	int i;

	/* LBR on: no count, no release. */
	lbr_setup_on(&l, 4, VPMU_LBR_POLICY_HYSTERESIS);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, 1), 0);
	for (i = 0; i < 5; i++) {
		lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
		lbr_expect_quiet(test, &e);
		KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 0);
	}

	/* Streamlined freeze with LBR cleared: no count, no release. */
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_FRZ);
	for (i = 0; i < 5; i++) {
		lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
		lbr_expect_quiet(test, &e);
		KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 0);
	}

	/* Legacy freeze, handler cleared LBR too: no release. */
	lbr_setup_on(&l, 3, VPMU_LBR_POLICY_HYSTERESIS);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, 1), 0);
	lbr_do(&l, VPMU_LBR_EV_PMI, 0);
	lbr_do(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_FRZ);
	for (i = 0; i < 5; i++) {
		lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
		lbr_expect_quiet(test, &e);
	}
	KUNIT_EXPECT_TRUE(test, l.event);
}

/* ---- regression: the five-step sequence of the PMU v4 series ----------- */

struct lbr_seed_case {
	u8 version;
	enum vpmu_lbr_policy policy;
};

static const struct lbr_seed_case lbr_seed_cases[] = {
	{ 2, VPMU_LBR_POLICY_FREEZE_AWARE }, { 4, VPMU_LBR_POLICY_FREEZE_AWARE },
	{ 2, VPMU_LBR_POLICY_HYSTERESIS }, { 4, VPMU_LBR_POLICY_HYSTERESIS },
};

static void lbr_seed_desc(const struct lbr_seed_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "version %u policy %s",
		 c->version, vpmu_lbr_policy_name(c->policy));
}

KUNIT_ARRAY_PARAM(lbr_seed, lbr_seed_cases, lbr_seed_desc);

/*
 * 1. a PMI freezes the stack; 2. the guest handler reads it; 3. the vCPU
 * is scheduled out and in; 4. the handler reads on; 5. it unfreezes.
 * The bug: step 3 released the event, step 4 created a new one and host
 * perf reset the stack under the handler.  Also with K = 1, the smallest.
 */
static void lbr_test_regression_5step_release_while_frozen(struct kunit *test)
{
	const struct lbr_seed_case *c = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;

	lbr_setup_on(&l, c->version, c->policy);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, 1), 0);
	lbr_ev(&l, VPMU_LBR_EV_PMI, 0, &e);				/* 1 */
	KUNIT_EXPECT_EQ(test, e.hw_debugctl & DBG_LBR, 0ULL);
	/* 2: the MSRs are passed through, KVM sees no read. */
	lbr_ev(&l, VPMU_LBR_EV_SCHED_OUT, 0, &e);			/* 3 */
	lbr_expect_quiet(test, &e);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_OUT, 0, &e);
	lbr_ev(&l, VPMU_LBR_EV_SCHED_IN, 0, &e);
	lbr_expect_quiet(test, &e);
	KUNIT_EXPECT_TRUE(test, l.event);
	KUNIT_EXPECT_TRUE(test, l.passthrough);
	lbr_ev(&l, VPMU_LBR_EV_MSR_ACCESS, 0, &e);			/* 4 */
	lbr_expect_quiet(test, &e);
	if (c->version >= 4) {						/* 5 */
		lbr_ev(&l, VPMU_LBR_EV_STATUS_RESET, ST_LBR_FRZ | 1, &e);
		KUNIT_EXPECT_EQ(test, e.status_clear, ST_LBR_FRZ);
	} else {
		lbr_ev(&l, VPMU_LBR_EV_DEBUGCTL_WRITE, DBG_LBR | DBG_FRZ, &e);
	}
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_FALSE(test, e.release_event);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, DBG_LBR | DBG_FRZ);
}

/* ---- reset in every state ---------------------------------------------- */

#define LBR_SETUP_MAX	6

struct lbr_reset_case {
	const char *name;
	u8 version;
	enum vpmu_lbr_policy policy;
	struct vpmu_lbr_event setup[LBR_SETUP_MAX];
	unsigned int nr;
	bool event;		/* expected before the reset */
	bool legacy_frozen;
	bool lbr_frz;
};

#define LBR_EV(t, v)	{ .type = VPMU_LBR_EV_##t, .value = (v) }
#define LBR_ON		(DBG_LBR | DBG_FRZ)

static const struct lbr_reset_case lbr_reset_cases[] = {
	{ "fresh", 4, VPMU_LBR_POLICY_HYSTERESIS, { }, 0,
	  false, false, false },
	{ "lbr-on", 4, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON) }, 1,
	  true, false, false },
	{ "lbr-off-kept", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(DEBUGCTL_WRITE, DBG_LBR), LBR_EV(DEBUGCTL_WRITE, 0) }, 2,
	  true, false, false },
	{ "legacy-frozen", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON), LBR_EV(PMI, 0) }, 2,
	  true, true, false },
	{ "legacy-frozen-lbr-off", 3, VPMU_LBR_POLICY_HYSTERESIS,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON), LBR_EV(PMI, 0),
	    LBR_EV(DEBUGCTL_WRITE, DBG_FRZ), LBR_EV(SCHED_OUT, 0),
	    LBR_EV(SCHED_IN, 0) }, 5,
	  true, true, false },
	{ "streamlined-frozen", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON), LBR_EV(PMI, 0) }, 2,
	  true, false, true },
	{ "streamlined-frozen-lbr-off", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON), LBR_EV(PMI, 0),
	    LBR_EV(DEBUGCTL_WRITE, DBG_FRZ), LBR_EV(SCHED_OUT, 0),
	    LBR_EV(SCHED_IN, 0) }, 5,
	  true, false, true },
	{ "frozen-no-event", 5, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(STATUS_SET, ST_LBR_FRZ) }, 1,
	  false, false, true },
	{ "released", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(DEBUGCTL_WRITE, DBG_LBR), LBR_EV(DEBUGCTL_WRITE, 0),
	    LBR_EV(SCHED_IN, 0) }, 3,
	  false, false, false },
	{ "hysteresis-counting", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { LBR_EV(MSR_ACCESS, 0), LBR_EV(SCHED_IN, 0),
	    LBR_EV(SCHED_IN, 0) }, 3,
	  true, false, false },
	{ "v0-event", 0, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(MSR_ACCESS, 0) }, 1,
	  true, false, false },
	{ "v1-pmi", 1, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { LBR_EV(DEBUGCTL_WRITE, LBR_ON), LBR_EV(PMI, 0) }, 2,
	  true, false, false },
};

static void lbr_reset_desc(const struct lbr_reset_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(lbr_reset, lbr_reset_cases, lbr_reset_desc);

static void lbr_test_reset_every_state(struct kunit *test)
{
	const struct lbr_reset_case *c = test->param_value;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l, fresh;
	unsigned int i;

	vpmu_lbr_init(&l, c->version, c->policy);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&l, 3), 0);
	for (i = 0; i < c->nr; i++)
		vpmu_lbr_step(&l, &c->setup[i], &e);
	KUNIT_ASSERT_EQ(test, l.event, c->event);
	KUNIT_ASSERT_EQ(test, l.legacy_frozen, c->legacy_frozen);
	KUNIT_ASSERT_EQ(test, l.lbr_frz, c->lbr_frz);

	lbr_ev(&l, VPMU_LBR_EV_RESET, 0, &e);
	KUNIT_EXPECT_EQ(test, e.release_event, c->event);
	KUNIT_EXPECT_EQ(test, e.intercept, c->event);
	KUNIT_EXPECT_FALSE(test, e.create_event);
	KUNIT_EXPECT_FALSE(test, e.passthrough);
	KUNIT_EXPECT_EQ(test, e.status_clear, c->lbr_frz ? ST_LBR_FRZ : 0ULL);
	KUNIT_EXPECT_EQ(test, e.status_set, 0ULL);
	KUNIT_EXPECT_EQ(test, e.hw_debugctl, 0ULL);
	KUNIT_EXPECT_EQ(test, e.guest_debugctl, 0ULL);

	/* Back to the initial state, configuration kept. */
	vpmu_lbr_init(&fresh, c->version, c->policy);
	KUNIT_EXPECT_EQ(test, l.version, fresh.version);
	KUNIT_EXPECT_EQ(test, l.policy, fresh.policy);
	KUNIT_EXPECT_EQ(test, l.hysteresis_k, 3);
	KUNIT_EXPECT_EQ(test, l.idle_sched_ins, 0);
	KUNIT_EXPECT_FALSE(test, l.event);
	KUNIT_EXPECT_FALSE(test, l.passthrough);
	KUNIT_EXPECT_FALSE(test, l.legacy_frozen);
	KUNIT_EXPECT_FALSE(test, l.lbr_frz);
	KUNIT_EXPECT_FALSE(test, l.active_slice);
	KUNIT_EXPECT_EQ(test, l.guest_debugctl, 0ULL);

	/* A second reset has nothing to do. */
	lbr_ev(&l, VPMU_LBR_EV_RESET, 0, &e);
	lbr_expect_quiet(test, &e);
}

static struct kunit_case lbr_test_cases[] = {
	KUNIT_CASE(lbr_test_init),
	KUNIT_CASE(lbr_test_init_unknown_policy),
	KUNIT_CASE(lbr_test_policy_name),
	KUNIT_CASE(lbr_test_policy_from_name),
	KUNIT_CASE(lbr_test_hysteresis_valid),
	KUNIT_CASE(lbr_test_set_hysteresis),
	KUNIT_CASE(lbr_test_msr_access_creates),
	KUNIT_CASE(lbr_test_debugctl_write),
	KUNIT_CASE(lbr_test_sched_out_no_effect),
	KUNIT_CASE(lbr_test_unknown_event),
	KUNIT_CASE_PARAM(lbr_test_legacy_freeze, lbr_legacy_gen_params),
	KUNIT_CASE_PARAM(lbr_test_legacy_freeze_needs_flag, lbr_legacy_gen_params),
	KUNIT_CASE_PARAM(lbr_test_legacy_freeze_lasts_until_lbr_set,
			 lbr_legacy_gen_params),
	KUNIT_CASE_PARAM(lbr_test_streamlined_freeze, lbr_streamlined_gen_params),
	KUNIT_CASE_PARAM(lbr_test_streamlined_status_set,
			 lbr_streamlined_gen_params),
	KUNIT_CASE_PARAM(lbr_test_streamlined_freeze_without_lbr,
			 lbr_streamlined_gen_params),
	KUNIT_CASE_PARAM(lbr_test_streamlined_debugctl_while_frozen,
			 lbr_streamlined_gen_params),
	KUNIT_CASE_PARAM(lbr_test_no_freeze, lbr_nofreeze_gen_params),
	KUNIT_CASE_PARAM(lbr_test_status_ignored_below_v4, lbr_below4_gen_params),
	KUNIT_CASE(lbr_test_forced_release_while_frozen),
	KUNIT_CASE(lbr_test_freeze_aware),
	KUNIT_CASE(lbr_test_hysteresis),
	KUNIT_CASE(lbr_test_hysteresis_activity_restarts),
	KUNIT_CASE(lbr_test_hysteresis_never_while_used),
	KUNIT_CASE_PARAM(lbr_test_regression_5step_release_while_frozen,
			 lbr_seed_gen_params),
	KUNIT_CASE_PARAM(lbr_test_reset_every_state, lbr_reset_gen_params),
	{}
};

static struct kunit_suite lbr_test_suite = {
	.name = "vpmu_lbr",
	.test_cases = lbr_test_cases,
};

kunit_test_suite(lbr_test_suite);
