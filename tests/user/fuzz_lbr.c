// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the vLBR lifecycle machine (src/core/lbr.c).
 *
 * Input: version, policy, K, then steps: an event with a value, or a
 * sched-in whose release the input decides (vpmu_lbr_sched_in()).  The
 * target plays the glue (lbr_glue.h): it applies each step's effects in
 * order and keeps only what they leave (event, MSR pass-through, both DEBUGCTLs,
 * LBR_FRZ) plus what the guest did (the last DEBUGCTL it wrote, activity
 * since the last sched-in).  It never predicts what the machine decides;
 * it checks what must hold whatever it decides:
 *
 *  - effects agree with each other and with the glue's state;
 *  - no leak: the LBR MSRs are reachable, and hardware records, only
 *    while the event exists;
 *  - the SDM: the guest reads the DEBUGCTL it wrote, except that a
 *    legacy freeze (versions 2-3) clears LBR on a PMI; LBR_FRZ (version
 *    4+) is set by a PMI or STATUS_SET, cleared by STATUS_RESET or reset,
 *    and hardware records iff the guest's LBR is set and LBR_FRZ clear;
 *  - the contract: an LBR MSR access is served with the event; releases
 *    happen only at sched-in or reset, never while the guest records or
 *    its stack is frozen (but where a caller forces one), and by the
 *    policy's rule: freeze_aware at every quiet sched-in, hysteresis at
 *    the K-th consecutive idle one.
 */
#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#include "fuzz.h"
#include "lbr_glue.h"

#define DBG_LBR		VPMU_DEBUGCTL_LBR
#define DBG_FRZ		VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI
#define ST_LBR_FRZ	VPMU_STATUS_LBR_FRZ

/* Step codes beyond the event types. */
#define OP_FORCED_SCHED_IN	(VPMU_LBR_EV_RESET + 1)
#define OP_UNKNOWN		(VPMU_LBR_EV_RESET + 2)
#define NR_OPS			(VPMU_LBR_EV_RESET + 3)

struct glue {
	u8 version;
	enum vpmu_lbr_policy policy;
	unsigned int k;
	struct lbr_glue s;	/* what the effects left */
	/* what the guest did */
	bool legacy_frozen;	/* a PMI cleared LBR; not set again since */
	bool activity;		/* since the last sched-in */
	unsigned int idle;	/* consecutive idle sched-ins so far */
};

static bool quiet(const struct glue *g)
{
	return !(g->s.guest & DBG_LBR) && !g->s.frz && !g->legacy_frozen;
}

/* The guest-visible architecture after one step. */
static const char *check_sdm(const struct glue *g, const struct glue *before,
			     int op, u64 value)
{
	bool v4 = g->version >= 4;

	switch (op) {
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		if (g->s.guest != value)
			return "the guest does not read the DEBUGCTL it wrote";
		break;
	case VPMU_LBR_EV_PMI:
		if ((before->s.guest & DBG_FRZ) && (before->s.guest & DBG_LBR) &&
		    g->version >= 2 && !v4) {
			if (g->s.guest != (before->s.guest & ~DBG_LBR))
				return "a legacy freeze does not clear exactly LBR";
		} else if (g->s.guest != before->s.guest) {
			return "a PMI changed DEBUGCTL without a legacy freeze";
		}
		if (v4 && (before->s.guest & DBG_FRZ) && !g->s.frz)
			return "a PMI with FREEZE_LBRS_ON_PMI did not set LBR_FRZ";
		break;
	case VPMU_LBR_EV_RESET:
		if (g->s.guest || g->s.frz)
			return "reset left DEBUGCTL or LBR_FRZ set";
		break;
	default:
		if (g->s.guest != before->s.guest)
			return "DEBUGCTL changed on a step that does not write it";
		break;
	}
	if (v4 && op == VPMU_LBR_EV_STATUS_SET && (value & ST_LBR_FRZ) && !g->s.frz)
		return "STATUS_SET of LBR_FRZ did not freeze";
	if (v4 && op == VPMU_LBR_EV_STATUS_RESET && (value & ST_LBR_FRZ) && g->s.frz)
		return "STATUS_RESET of LBR_FRZ did not unfreeze";
	if (g->s.frz && !before->s.frz && op != VPMU_LBR_EV_PMI &&
	    op != VPMU_LBR_EV_STATUS_SET)
		return "LBR_FRZ set by something else than a PMI or STATUS_SET";
	if (!g->s.frz && before->s.frz && op != VPMU_LBR_EV_STATUS_RESET &&
	    op != VPMU_LBR_EV_RESET)
		return "LBR_FRZ cleared by something else than STATUS_RESET";
	if (g->s.frz && !v4)
		return "LBR_FRZ below version 4";
	if ((g->s.hw & ~DBG_LBR) != (g->s.guest & ~DBG_LBR))
		return "hardware DEBUGCTL differs from the guest's beyond LBR";
	if (!!(g->s.hw & DBG_LBR) != ((g->s.guest & DBG_LBR) && !g->s.frz))
		return "hardware records other than while LBR is set and not frozen";
	return NULL;
}

/* The glue's contract, and the policy's rule at a sched-in. */
static const char *check_contract(const struct glue *g, const struct glue *before,
				  int op, u64 value,
				  const struct vpmu_lbr_effects *e)
{
	bool sched_in = op == VPMU_LBR_EV_SCHED_IN || op == OP_FORCED_SCHED_IN;

	if (op == VPMU_LBR_EV_MSR_ACCESS && !g->s.event)
		return "an LBR MSR access served without the event";
	if (e->release_event && !sched_in && op != VPMU_LBR_EV_RESET)
		return "release outside sched-in and reset";
	if (op == VPMU_LBR_EV_RESET && e->release_event != before->s.event)
		return "reset does not release exactly an existing event";
	if (op == OP_FORCED_SCHED_IN && before->s.event &&
	    e->release_event != (value && !(before->s.hw & DBG_LBR)))
		return "a forced verdict not obeyed, or obeyed while recording";
	if (op != VPMU_LBR_EV_SCHED_IN || !before->s.event)
		return NULL;
	if (e->release_event && !quiet(before))
		return "release while the guest records or its stack is frozen";
	if (g->policy == VPMU_LBR_POLICY_FREEZE_AWARE &&
	    e->release_event != quiet(before))
		return "freeze_aware kept the event at a quiet sched-in";
	if (g->policy == VPMU_LBR_POLICY_HYSTERESIS &&
	    e->release_event != (quiet(before) && g->idle >= g->k))
		return "hysteresis released before, or kept past, the K-th idle sched-in";
	return NULL;
}

/* What the guest did in this step, for the next sched-in. */
static void track_guest(struct glue *g, const struct glue *before, int op,
			u64 value)
{
	switch (op) {
	case VPMU_LBR_EV_MSR_ACCESS:
		g->activity = true;
		break;
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		if ((before->s.guest | value) & DBG_LBR)
			g->activity = true;
		if (value & DBG_LBR)
			g->legacy_frozen = false;
		break;
	case VPMU_LBR_EV_PMI:
		if ((before->s.guest & DBG_LBR) && !(g->s.guest & DBG_LBR)) {
			g->legacy_frozen = true;
			g->activity = true;
		}
		break;
	case VPMU_LBR_EV_RESET:
		g->legacy_frozen = false;
		g->activity = false;
		g->idle = 0;
		return;
	default:
		break;
	}
	if (g->s.frz != before->s.frz)
		g->activity = true;
}

/* This sched-in is idle or ends the run: judged before its verdict. */
static void count_idle(struct glue *g)
{
	g->idle = g->activity || !quiet(g) ? 0 : g->idle + 1;
	g->activity = false;
}

static u64 pick_value(struct vpmu_fuzz_input *in, int op)
{
	static const u64 debugctl[] = {
		0, DBG_LBR, DBG_FRZ, DBG_LBR | DBG_FRZ, VPMU_BIT_ULL(1),
		DBG_LBR | VPMU_BIT_ULL(1), DBG_FRZ | VPMU_BIT_ULL(12),
	};
	static const u64 status[] = {
		0, ST_LBR_FRZ, 1, ST_LBR_FRZ | 1, VPMU_STATUS_CTR_FRZ,
		ST_LBR_FRZ | VPMU_STATUS_COND_CHGD, ~0ULL,
	};
	u8 b = fuzz_u8(in);

	if (b == 0xff)
		return fuzz_u64(in);
	switch (op) {
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		return debugctl[b % ARRAY_SIZE(debugctl)];
	case VPMU_LBR_EV_STATUS_RESET:
	case VPMU_LBR_EV_STATUS_SET:
		return status[b % ARRAY_SIZE(status)];
	default:
		return b & 1;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 versions[] = { 0, 1, 2, 3, 4, 5, 6, 255 };
	struct vpmu_fuzz_input in = { data, size };
	struct glue g = { 0 };
	struct vpmu_lbr l;
	size_t step = 0;
	u8 b;

	g.version = versions[fuzz_u8(&in) % ARRAY_SIZE(versions)];
	b = fuzz_u8(&in);
	/* One input in eight tries an unknown policy: the default applies. */
	g.policy = (b & 7) == 7 ? VPMU_LBR_POLICY_DEFAULT :
		   (enum vpmu_lbr_policy)(b % VPMU_LBR_POLICY_NR);
	vpmu_lbr_init(&l, g.version, (b & 7) == 7 ? 40 + b : g.policy);
	g.k = VPMU_LBR_HYSTERESIS_K_DEFAULT;
	b = fuzz_u8(&in);
	if (b) {
		unsigned int k = b & 0x80 ? b : b % 6;
		int ret = vpmu_lbr_set_hysteresis(&l, k);

		FUZZ_CHECK(ret == (k ? 0 : -EINVAL), "set_hysteresis(%u) returned %d",
			   k, ret);
		if (k)
			g.k = k;
	}

	while (fuzz_left(&in)) {
		struct vpmu_lbr_event ev;
		struct vpmu_lbr_effects e;
		struct glue before = g;
		const char *what;
		int op = fuzz_u8(&in) % NR_OPS;

		ev.type = op == OP_UNKNOWN ? 99 : op;
		ev.value = pick_value(&in, op);
		if (op == VPMU_LBR_EV_SCHED_IN || op == OP_FORCED_SCHED_IN)
			count_idle(&g);
		if (op == OP_FORCED_SCHED_IN)
			vpmu_lbr_sched_in(&l, ev.value, &e);
		else
			vpmu_lbr_step(&l, &ev, &e);
		step++;
		what = lbr_glue_apply(&g.s, &e);
		if (!what)
			what = check_sdm(&g, &before, op, ev.value);
		if (!what)
			what = check_contract(&g, &before, op, ev.value, &e);
		if (!what && op == OP_UNKNOWN && memcmp(&g, &before, sizeof(g)))
			what = "an unknown event changed something";
		FUZZ_CHECK(!what, "%s (step %zu, op %d, value %#llx, version %u, policy %d, K %u)",
			   what, step, op, (unsigned long long)ev.value,
			   g.version, g.policy, g.k);
		track_guest(&g, &before, op, ev.value);
	}
	return 0;
}
