// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_lbr": the vLBR lifecycle machine (src/core/lbr.c),
 * judged only by its effects, applied as the glue applies them.  Freeze
 * rules are the Intel SDM's (a legacy freeze clears DEBUGCTL.LBR, a
 * streamlined one sets GLOBAL_STATUS.LBR_FRZ); release rules are the
 * policies' contract in include/vpmu/lbr.h.
 */
#include <kunit/test.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>

#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#include "vpmu_kunit.h"
#include "../user/lbr_glue.h"

#define LBR	VPMU_DEBUGCTL_LBR
#define FRZ	VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI
#define BTF	VPMU_BIT_ULL(1)
#define ON	(LBR | FRZ)
#define ST_FRZ	VPMU_STATUS_LBR_FRZ

/* K lives in a u8 of struct vpmu_lbr. */
static_assert((u8)VPMU_LBR_HYSTERESIS_K_MAX == VPMU_LBR_HYSTERESIS_K_MAX);

/* The machine, and the glue's view of what its effects left. */
struct lbr_fix {
	struct vpmu_lbr l;
	struct lbr_glue g;
};

static int lbr_fix_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct lbr_fix), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void lbr_fix_start(struct lbr_fix *f, u8 version,
			  enum vpmu_lbr_policy policy)
{
	memset(f, 0, sizeof(*f));
	vpmu_lbr_init(&f->l, version, policy);
}

/* Apply @e as the glue does; what it broke, if anything, fails the test. */
static void lbr_apply(struct kunit *test, struct lbr_fix *f,
		      const struct vpmu_lbr_effects *e, const char *ctx)
{
	const char *broken = lbr_glue_apply(&f->g, e);

	KUNIT_EXPECT_NULL_MSG(test, broken, "%s: %s", ctx, broken);
}

/* ---- one table of step sequences, one body ---------------------------- */

/* Expected effects of a step: bits of what happens, 0 for nothing. */
#define FX_C	BIT(0)	/* create the event, pass the MSRs through */
#define FX_R	BIT(1)	/* intercept the MSRs, release the event */
#define FX_S	BIT(2)	/* set GLOBAL_STATUS.LBR_FRZ */
#define FX_U	BIT(3)	/* clear it */
#define FX_E	BIT(4)	/* SET_K: refused with -EINVAL */

/* Steps that are no event of the machine. */
enum {
	OP_END,			/* ends the list (a zeroed step) */
	OP_EVENT,		/* OP_EVENT + enum vpmu_lbr_event_type */
	OP_SET_K = 64,		/* vpmu_lbr_set_hysteresis(value) */
	OP_RELEASE,		/* vpmu_lbr_sched_in(release = true) */
	OP_KEEP,		/* vpmu_lbr_sched_in(release = false) */
	OP_UNKNOWN,		/* an event type the machine does not know */
};

struct lbr_step {
	u8 op;
	u64 value;
	u8 fx;
	u64 hw;		/* DEBUGCTL in guest context afterwards */
	u64 guest;	/* DEBUGCTL as the guest reads it afterwards */
};

#define S(t, v, x, h, g)	{ OP_EVENT + VPMU_LBR_EV_##t, (v), (x), (h), (g) }
#define K(k, x)			{ OP_SET_K, (k), (x) }
#define X(op, x, h, g)		{ (op), 0, (x), (h), (g) }

#define P_FA	BIT(VPMU_LBR_POLICY_FREEZE_AWARE)
#define P_HY	BIT(VPMU_LBR_POLICY_HYSTERESIS)
#define P_ANY	(P_FA | P_HY | BIT(7))	/* bit 7: an unknown policy */
#define LBR_STEPS	20

struct lbr_case {
	const char *name;
	u8 versions[4];
	u8 nr_versions;
	u8 policies;
	struct lbr_step steps[LBR_STEPS];
};

static const struct lbr_case lbr_cases[] = {
	{ "msr-access-creates-once", { 2, 4 }, 2, P_ANY, {
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		S(MSR_ACCESS, 0, 0, 0, 0),
		S(SCHED_OUT, 0, 0, 0, 0) } },
	{ "debugctl-write", { 4 }, 1, P_FA, {
		S(DEBUGCTL_WRITE, BTF | FRZ, 0, BTF | FRZ, BTF | FRZ),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(DEBUGCTL_WRITE, LBR, 0, LBR, LBR),
		/* Clearing LBR never releases by itself: only sched-in does. */
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_OUT, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0) } },
	{ "unknown-event-changes-nothing", { 4 }, 1, P_HY, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		X(OP_UNKNOWN, 0, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON) } },
	{ "legacy-freeze", { 2, 3 }, 2, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		/* As the CPU does: LBR cleared, the guest sees it. */
		S(PMI, 0, 0, FRZ, FRZ),
		S(PMI, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		/* Setting LBR again resumes on the same event. */
		S(DEBUGCTL_WRITE, ON, 0, ON, ON),
		S(SCHED_IN, 0, 0, ON, ON) } },
	{ "legacy-freeze-needs-the-flag", { 2, 3 }, 2, P_FA, {
		S(DEBUGCTL_WRITE, LBR, FX_C, LBR, LBR),
		S(PMI, 0, 0, LBR, LBR),
		/* FREEZE without LBR: nothing records, nothing freezes. */
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(PMI, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, FX_R, FRZ, FRZ) } },
	/*
	 * Handlers clear LBR themselves around their reads: that does not
	 * end a legacy freeze, only setting LBR again does.
	 */
	{ "legacy-freeze-lasts-until-lbr-set", { 2, 3 }, 2, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, 0, FRZ, FRZ),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_OUT, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		/* Not a GLOBAL_STATUS matter below version 4. */
		S(STATUS_RESET, ST_FRZ | 1, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(DEBUGCTL_WRITE, LBR, 0, LBR, LBR),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	{ "streamlined-freeze", { 4, 5, 255 }, 3, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		/* The guest still reads LBR set; hardware stops recording. */
		S(PMI, 0, FX_S, FRZ, ON),
		S(PMI, 0, 0, FRZ, ON),
		S(STATUS_RESET, 1, 0, FRZ, ON),
		S(STATUS_RESET, ST_FRZ | 1, FX_U, ON, ON),
		S(STATUS_RESET, ST_FRZ, 0, ON, ON) } },
	{ "streamlined-status-set", { 4, 5, 255 }, 3, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(STATUS_SET, 1, 0, ON, ON),
		S(STATUS_SET, ST_FRZ, FX_S, FRZ, ON),
		S(STATUS_SET, ST_FRZ, 0, FRZ, ON),
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(STATUS_RESET, ST_FRZ, FX_U, FRZ, FRZ),
		S(SCHED_IN, 0, FX_R, FRZ, FRZ) } },
	{ "streamlined-freeze-without-event", { 4, 5, 255 }, 3, P_FA, {
		S(STATUS_SET, ST_FRZ, FX_S, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		/* Setting LBR creates the event, frozen or not. */
		S(DEBUGCTL_WRITE, ON, FX_C, FRZ, ON),
		S(STATUS_RESET, ST_FRZ, FX_U, ON, ON) } },
	/* The SDM sets LBR_FRZ on a PMI with FREEZE_LBRS_ON_PMI, LBR or not. */
	{ "streamlined-freeze-without-lbr", { 4, 5, 255 }, 3, P_FA, {
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(PMI, 0, FX_S, FRZ, FRZ),
		S(STATUS_RESET, ST_FRZ, FX_U, FRZ, FRZ),
		S(DEBUGCTL_WRITE, LBR, FX_C, LBR, LBR),
		S(PMI, 0, 0, LBR, LBR) } },
	{ "streamlined-lbr-set-while-frozen", { 4, 5, 255 }, 3, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(DEBUGCTL_WRITE, ON, 0, FRZ, ON),
		S(SCHED_IN, 0, 0, FRZ, ON) } },
	{ "no-freeze-below-version-2", { 0, 1 }, 2, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, 0, ON, ON),
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(SCHED_IN, 0, FX_R, FRZ, FRZ) } },
	{ "no-status-msrs-below-version-4", { 0, 1, 2, 3 }, 4, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(STATUS_SET, ~0ULL, 0, ON, ON),
		S(STATUS_RESET, ~0ULL, 0, ON, ON) } },
	{ "freeze-aware-legacy", { 2 }, 1, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(DEBUGCTL_WRITE, ON, 0, ON, ON),
		S(SCHED_IN, 0, 0, ON, ON),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0),
		S(MSR_ACCESS, 0, FX_C, 0, 0) } },
	/* Kept while LBR_FRZ is set, even with LBR clear. */
	{ "freeze-aware-streamlined", { 4 }, 1, P_FA, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON),
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(STATUS_RESET, ST_FRZ, FX_U, FRZ, FRZ),
		S(SCHED_IN, 0, FX_R, FRZ, FRZ) } },
	/* The default K; an unknown policy is the default policy. */
	{ "hysteresis-default", { 4 }, 1, P_HY | BIT(7), {
		S(DEBUGCTL_WRITE, LBR, FX_C, LBR, LBR),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		/* The sched-in ending a slice with activity is not idle. */
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	{ "hysteresis-k1-then-k4", { 4 }, 1, P_HY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0),
		K(4, 0),
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	/* A refused K leaves the default; a new K keeps the count so far. */
	{ "hysteresis-set-k", { 4 }, 1, P_HY, {
		K(0, FX_E),
		K(VPMU_LBR_HYSTERESIS_K_MAX + 1, FX_E),
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0),
		K(VPMU_LBR_HYSTERESIS_K_MAX, 0),
		K(5, 0),
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		K(4, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	/* The slice in which the guest cleared LBR is not idle either. */
	{ "hysteresis-clearing-lbr-is-activity", { 4 }, 1, P_HY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, LBR, FX_C, LBR, LBR),
		S(SCHED_IN, 0, 0, LBR, LBR),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	/* So is one in which LBR_FRZ changed, even back again. */
	{ "hysteresis-freeze-change-is-activity", { 4 }, 1, P_HY, {
		K(1, 0),
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(STATUS_SET, ST_FRZ, FX_S, 0, 0),
		S(STATUS_RESET, ST_FRZ, FX_U, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
	{ "hysteresis-activity-restarts", { 2 }, 1, P_HY, {
		S(DEBUGCTL_WRITE, LBR, FX_C, LBR, LBR),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		/* An intercepted access restarts the count... */
		S(MSR_ACCESS, 0, 0, 0, 0),
		S(SCHED_IN, 0, 0, 0, 0),
		/* ...a DEBUGCTL write without LBR before or after does not... */
		S(DEBUGCTL_WRITE, BTF, 0, BTF, BTF),
		S(SCHED_IN, 0, 0, BTF, BTF),
		/* ...nor does a PMI that freezes nothing. */
		S(PMI, 0, 0, BTF, BTF),
		S(SCHED_IN, 0, FX_R, BTF, BTF) } },
	{ "hysteresis-never-while-used", { 4 }, 1, P_HY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(SCHED_IN, 0, 0, ON, ON),
		S(SCHED_IN, 0, 0, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON),
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ) } },
	{ "hysteresis-never-while-legacy-frozen", { 3 }, 1, P_HY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, 0, FRZ, FRZ),
		S(DEBUGCTL_WRITE, FRZ, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ) } },
	/*
	 * The five-step sequence of the PMU v4 series: 1. a PMI freezes the
	 * stack; 2. the handler reads it (passed through: KVM sees nothing);
	 * 3. the vCPU is scheduled out and in; 4. the handler reads on;
	 * 5. it unfreezes.  KVM released at 3, and perf reset the stack
	 * under the handler at 4.  Also with K = 1, the smallest.
	 */
	{ "five-step-legacy", { 2, 3 }, 2, P_ANY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, 0, FRZ, FRZ),
		S(SCHED_OUT, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(SCHED_OUT, 0, 0, FRZ, FRZ),
		S(SCHED_IN, 0, 0, FRZ, FRZ),
		S(MSR_ACCESS, 0, 0, FRZ, FRZ),
		S(DEBUGCTL_WRITE, ON, 0, ON, ON) } },
	{ "five-step-streamlined", { 4, 5, 255 }, 3, P_ANY, {
		K(1, 0),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON),
		S(SCHED_OUT, 0, 0, FRZ, ON),
		S(SCHED_IN, 0, 0, FRZ, ON),
		S(SCHED_OUT, 0, 0, FRZ, ON),
		S(SCHED_IN, 0, 0, FRZ, ON),
		S(MSR_ACCESS, 0, 0, FRZ, ON),
		S(STATUS_RESET, ST_FRZ | 1, FX_U, ON, ON) } },
	/* A caller's verdict at sched-in wins, even while frozen. */
	{ "forced-release-legacy", { 2, 3 }, 2, P_ANY, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		X(OP_KEEP, 0, ON, ON),
		S(PMI, 0, 0, FRZ, FRZ),
		X(OP_RELEASE, FX_R, FRZ, FRZ),
		X(OP_RELEASE, 0, FRZ, FRZ),
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON) } },
	/* Resuming with LBR set needs the event back before recording. */
	{ "forced-release-streamlined", { 4, 5, 255 }, 3, P_ANY, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		S(PMI, 0, FX_S, FRZ, ON),
		X(OP_RELEASE, FX_R, FRZ, ON),
		S(STATUS_RESET, ST_FRZ, FX_U | FX_C, ON, ON) } },
	/* Never while hardware records into the stack. */
	{ "forced-release-while-recording", { 2, 4 }, 2, P_ANY, {
		S(DEBUGCTL_WRITE, ON, FX_C, ON, ON),
		X(OP_RELEASE, 0, ON, ON),
		S(DEBUGCTL_WRITE, 0, 0, 0, 0),
		X(OP_RELEASE, FX_R, 0, 0) } },
	{ "forced-keep", { 4 }, 1, P_FA, {
		S(MSR_ACCESS, 0, FX_C, 0, 0),
		X(OP_KEEP, 0, 0, 0),
		S(SCHED_IN, 0, FX_R, 0, 0) } },
};

KUNIT_ARRAY_PARAM_DESC(lbr_cases, lbr_cases, name);

/* Run one step on the fixture; return the effects it had. */
static void lbr_run(struct kunit *test, struct lbr_fix *f,
		    const struct lbr_step *st, struct vpmu_lbr_effects *e,
		    const char *ctx)
{
	struct vpmu_lbr_event ev = { .value = st->value };
	int ret;

	switch (st->op) {
	case OP_SET_K:
		ret = vpmu_lbr_set_hysteresis(&f->l, st->value);
		KUNIT_EXPECT_EQ_MSG(test, ret, st->fx & FX_E ? -EINVAL : 0,
				    "%s: set K %llu", ctx, st->value);
		return;
	case OP_RELEASE:
	case OP_KEEP:
		vpmu_lbr_sched_in(&f->l, st->op == OP_RELEASE, e);
		break;
	case OP_UNKNOWN:
		ev.type = (enum vpmu_lbr_event_type)99;
		vpmu_lbr_step(&f->l, &ev, e);
		break;
	default:
		ev.type = st->op - OP_EVENT;
		vpmu_lbr_step(&f->l, &ev, e);
		break;
	}
	KUNIT_EXPECT_EQ_MSG(test, vpmu_lbr_hw_debugctl(&f->l), e->hw_debugctl,
			    "%s: DEBUGCTL in guest context, asked later", ctx);
	lbr_apply(test, f, e, ctx);
}

static void lbr_expect_step(struct kunit *test, const struct lbr_step *st,
			    const struct vpmu_lbr_effects *e, const char *ctx)
{
	KUNIT_EXPECT_EQ_MSG(test, e->create_event, !!(st->fx & FX_C),
			    "%s: create", ctx);
	KUNIT_EXPECT_EQ_MSG(test, e->release_event, !!(st->fx & FX_R),
			    "%s: release", ctx);
	KUNIT_EXPECT_EQ_MSG(test, e->status_set, st->fx & FX_S ? ST_FRZ : 0,
			    "%s: LBR_FRZ set", ctx);
	KUNIT_EXPECT_EQ_MSG(test, e->status_clear, st->fx & FX_U ? ST_FRZ : 0,
			    "%s: LBR_FRZ cleared", ctx);
	KUNIT_EXPECT_EQ_MSG(test, e->hw_debugctl, st->hw,
			    "%s: DEBUGCTL in guest context", ctx);
	KUNIT_EXPECT_EQ_MSG(test, e->guest_debugctl, st->guest,
			    "%s: DEBUGCTL the guest reads", ctx);
}

static void lbr_test_steps(struct kunit *test)
{
	const struct lbr_case *c = test->param_value;
	struct lbr_fix *f = test->priv;
	struct vpmu_lbr_effects e;
	unsigned int v, p, i;
	char ctx[64];

	for (v = 0; v < c->nr_versions; v++) {
		for (p = 0; p < 8; p++) {
			if (!(c->policies & BIT(p)))
				continue;
			lbr_fix_start(f, c->versions[v], p == 7 ? 77 : p);
			for (i = 0; i < LBR_STEPS && c->steps[i].op != OP_END; i++) {
				snprintf(ctx, sizeof(ctx), "version %u policy %u step %u",
					 c->versions[v], p, i);
				lbr_run(test, f, &c->steps[i], &e, ctx);
				if (c->steps[i].op != OP_SET_K)
					lbr_expect_step(test, &c->steps[i], &e, ctx);
			}
		}
	}
}

/* ---- reset, from every state -------------------------------------------- */

struct lbr_reset_case {
	const char *name;
	u8 version;
	enum vpmu_lbr_policy policy;
	struct lbr_step setup[8];
	bool event;		/* the glue holds the event before the reset */
	bool frz;		/* and GLOBAL_STATUS.LBR_FRZ */
};

/* Setup steps are checked by lbr_apply() only. */
#define R(t, v)		{ OP_EVENT + VPMU_LBR_EV_##t, (v) }

static const struct lbr_reset_case lbr_reset_cases[] = {
	{ "fresh", 4, VPMU_LBR_POLICY_HYSTERESIS, { }, false, false },
	{ "lbr-on", 4, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(DEBUGCTL_WRITE, ON) }, true, false },
	{ "lbr-off-kept", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(DEBUGCTL_WRITE, LBR), R(DEBUGCTL_WRITE, 0) }, true, false },
	{ "legacy-frozen", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0) }, true, false },
	{ "legacy-frozen-lbr-off", 3, VPMU_LBR_POLICY_HYSTERESIS,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0), R(DEBUGCTL_WRITE, FRZ),
	    R(SCHED_OUT, 0), R(SCHED_IN, 0) }, true, false },
	{ "streamlined-frozen", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0) }, true, true },
	{ "streamlined-frozen-lbr-off", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0), R(DEBUGCTL_WRITE, FRZ),
	    R(SCHED_OUT, 0), R(SCHED_IN, 0) }, true, true },
	{ "frozen-no-event", 5, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(STATUS_SET, ST_FRZ) }, false, true },
	{ "forced-release-frozen", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0), { OP_RELEASE } }, false, true },
	{ "released", 2, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(DEBUGCTL_WRITE, LBR), R(DEBUGCTL_WRITE, 0), R(SCHED_IN, 0) },
	  false, false },
	{ "hysteresis-counting", 4, VPMU_LBR_POLICY_HYSTERESIS,
	  { R(MSR_ACCESS, 0), R(SCHED_IN, 0), R(SCHED_IN, 0) }, true, false },
	{ "v0-event", 0, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(MSR_ACCESS, 0) }, true, false },
	{ "v1-pmi", 1, VPMU_LBR_POLICY_FREEZE_AWARE,
	  { R(DEBUGCTL_WRITE, ON), R(PMI, 0) }, true, false },
};

KUNIT_ARRAY_PARAM_DESC(lbr_reset_cases, lbr_reset_cases, name);

/*
 * After a reset the machine must answer every event as a fresh one with
 * the same version, policy and K does: this probe walks the lifecycle.
 */
static const struct lbr_step lbr_probe[] = {
	R(SCHED_IN, 0), R(SCHED_IN, 0), R(SCHED_IN, 0), R(SCHED_IN, 0),
	R(MSR_ACCESS, 0), R(SCHED_IN, 0), R(SCHED_IN, 0), R(SCHED_IN, 0),
	R(SCHED_IN, 0), R(DEBUGCTL_WRITE, ON), R(PMI, 0), R(SCHED_IN, 0),
	R(STATUS_RESET, ST_FRZ), R(DEBUGCTL_WRITE, 0), R(SCHED_IN, 0),
	R(SCHED_IN, 0), R(SCHED_IN, 0), R(SCHED_IN, 0),
};

static void lbr_test_reset(struct kunit *test)
{
	const struct lbr_reset_case *c = test->param_value;
	struct lbr_fix *f = test->priv, *fresh;
	struct vpmu_lbr_effects e, fe;
	const struct lbr_step reset = R(RESET, 0);
	unsigned int i;
	char ctx[32];

	fresh = kunit_kzalloc(test, sizeof(*fresh), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fresh);
	lbr_fix_start(f, c->version, c->policy);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&f->l, 3), 0);
	for (i = 0; i < ARRAY_SIZE(c->setup) && c->setup[i].op != OP_END; i++)
		lbr_run(test, f, &c->setup[i], &e, "setup");
	KUNIT_ASSERT_EQ(test, f->g.event, c->event);
	KUNIT_ASSERT_EQ(test, f->g.frz, c->frz);

	/* The reset releases what exists and unfreezes. */
	lbr_run(test, f, &reset, &e, "reset");
	lbr_expect_step(test, &(struct lbr_step){
			.fx = (c->event ? FX_R : 0) | (c->frz ? FX_U : 0) },
			&e, "reset");
	lbr_run(test, f, &reset, &e, "second reset");
	lbr_expect_step(test, &(struct lbr_step){ }, &e, "second reset");

	lbr_fix_start(fresh, c->version, c->policy);
	KUNIT_ASSERT_EQ(test, vpmu_lbr_set_hysteresis(&fresh->l, 3), 0);
	for (i = 0; i < ARRAY_SIZE(lbr_probe); i++) {
		snprintf(ctx, sizeof(ctx), "probe step %u", i);
		lbr_run(test, f, &lbr_probe[i], &e, ctx);
		lbr_run(test, fresh, &lbr_probe[i], &fe, ctx);
		lbr_expect_step(test, &(struct lbr_step){
				.fx = (fe.create_event ? FX_C : 0) |
				      (fe.release_event ? FX_R : 0) |
				      (fe.status_set ? FX_S : 0) |
				      (fe.status_clear ? FX_U : 0),
				.hw = fe.hw_debugctl, .guest = fe.guest_debugctl },
				&e, ctx);
	}
}

/* ---- names and parameters ------------------------------------------------ */

/* The names the lbr_policy parameter accepts, and nothing else. */
static void lbr_test_policy_names(struct kunit *test)
{
	static const char *const refused[] = {
		"", "hyst", "hysteresis ", "freeze-aware", "upstream", "pv",
	};
	unsigned int i;

	KUNIT_EXPECT_STREQ(test, vpmu_lbr_policy_name(VPMU_LBR_POLICY_FREEZE_AWARE),
			   "freeze_aware");
	KUNIT_EXPECT_STREQ(test, vpmu_lbr_policy_name(VPMU_LBR_POLICY_HYSTERESIS),
			   "hysteresis");
	KUNIT_EXPECT_NULL(test, vpmu_lbr_policy_name(VPMU_LBR_POLICY_NR));
	KUNIT_EXPECT_NULL(test, vpmu_lbr_policy_name((enum vpmu_lbr_policy)-1));
	for (i = 0; i < VPMU_LBR_POLICY_NR; i++)
		KUNIT_EXPECT_EQ(test,
				vpmu_lbr_policy_from_name(vpmu_lbr_policy_name(i)),
				(int)i);
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		KUNIT_EXPECT_EQ_MSG(test, vpmu_lbr_policy_from_name(refused[i]),
				    -EINVAL, "\"%s\"", refused[i]);
}

static void lbr_test_hysteresis_valid(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(0));
	KUNIT_EXPECT_TRUE(test, vpmu_lbr_hysteresis_valid(1));
	KUNIT_EXPECT_TRUE(test, vpmu_lbr_hysteresis_valid(VPMU_LBR_HYSTERESIS_K_MAX));
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(VPMU_LBR_HYSTERESIS_K_MAX + 1));
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_hysteresis_valid(~0U));
}

/* Frozen: by a PMI with FREEZE_LBRS_ON_PMI, from version 2, until resumed. */
static void lbr_test_frozen(struct kunit *test)
{
	static const struct {
		u8 version;
		enum vpmu_lbr_event_type resume;
		u64 value;
	} rows[] = {
		{ 2, VPMU_LBR_EV_DEBUGCTL_WRITE, ON },
		{ 3, VPMU_LBR_EV_DEBUGCTL_WRITE, ON },
		{ 4, VPMU_LBR_EV_STATUS_RESET, ST_FRZ },
		{ 5, VPMU_LBR_EV_STATUS_RESET, ST_FRZ },
	};
	struct vpmu_lbr_event ev;
	struct vpmu_lbr_effects e;
	struct vpmu_lbr l;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		vpmu_lbr_init(&l, rows[i].version, VPMU_LBR_POLICY_DEFAULT);
		ev = (struct vpmu_lbr_event) { VPMU_LBR_EV_DEBUGCTL_WRITE, ON };
		vpmu_lbr_step(&l, &ev, &e);
		KUNIT_EXPECT_FALSE_MSG(test, vpmu_lbr_frozen(&l), "v%u", rows[i].version);
		ev = (struct vpmu_lbr_event) { VPMU_LBR_EV_PMI, 0 };
		vpmu_lbr_step(&l, &ev, &e);
		KUNIT_EXPECT_TRUE_MSG(test, vpmu_lbr_frozen(&l), "v%u", rows[i].version);
		ev = (struct vpmu_lbr_event) { rows[i].resume, rows[i].value };
		vpmu_lbr_step(&l, &ev, &e);
		KUNIT_EXPECT_FALSE_MSG(test, vpmu_lbr_frozen(&l), "v%u", rows[i].version);
	}
	/* Version 1 has no freeze. */
	vpmu_lbr_init(&l, 1, VPMU_LBR_POLICY_DEFAULT);
	ev = (struct vpmu_lbr_event) { VPMU_LBR_EV_DEBUGCTL_WRITE, ON };
	vpmu_lbr_step(&l, &ev, &e);
	ev = (struct vpmu_lbr_event) { VPMU_LBR_EV_PMI, 0 };
	vpmu_lbr_step(&l, &ev, &e);
	KUNIT_EXPECT_FALSE(test, vpmu_lbr_frozen(&l));
}

static struct kunit_case lbr_test_cases[] = {
	KUNIT_CASE_PARAM(lbr_test_steps, lbr_cases_gen_params),
	KUNIT_CASE_PARAM(lbr_test_reset, lbr_reset_cases_gen_params),
	KUNIT_CASE(lbr_test_policy_names),
	KUNIT_CASE(lbr_test_hysteresis_valid),
	KUNIT_CASE(lbr_test_frozen),
	{}
};

VPMU_KUNIT_SUITE(vpmu_lbr, lbr_test_cases, lbr_fix_init, NULL);
