// SPDX-License-Identifier: GPL-2.0
/*
 * The vLBR lifecycle state machine.  See include/vpmu/lbr.h for the model;
 * the comments here say why each transition is what it is.
 *
 * Static helpers carry the vpmu_lbr_ prefix: tests/kunit/core.c includes
 * every core file into one translation unit.
 */
#include <vpmu/lbr.h>
#include <vpmu/msr.h>

static bool vpmu_lbr_legacy_freeze(const struct vpmu_lbr *l)
{
	return l->version >= 2 && l->version < 4;
}

static bool vpmu_lbr_streamlined_freeze(const struct vpmu_lbr *l)
{
	return l->version >= 4;
}

bool vpmu_lbr_frozen(const struct vpmu_lbr *l)
{
	return l->legacy_frozen || l->lbr_frz;
}

bool vpmu_lbr_quiet(const struct vpmu_lbr *l)
{
	return !(l->guest_debugctl & VPMU_DEBUGCTL_LBR) && !vpmu_lbr_frozen(l);
}

/*
 * Under a streamlined freeze the guest still reads LBR = 1 but the stack
 * must not record, so hardware runs with LBR clear.  Under a legacy
 * freeze the guest value itself has LBR clear.  Without an event hardware
 * must not record into a stack that belongs to someone else.
 */
u64 vpmu_lbr_hw_debugctl(const struct vpmu_lbr *l)
{
	u64 v = l->guest_debugctl;

	if (l->lbr_frz || !l->event)
		v &= ~VPMU_DEBUGCTL_LBR;
	return v;
}

static void vpmu_lbr_create(struct vpmu_lbr *l, struct vpmu_lbr_effects *out)
{
	if (l->event)
		return;
	l->event = true;
	l->passthrough = true;
	out->create_event = true;
	out->passthrough = true;
}

static void vpmu_lbr_release(struct vpmu_lbr *l, struct vpmu_lbr_effects *out)
{
	if (!l->event)
		return;
	l->event = false;
	l->passthrough = false;
	out->intercept = true;
	out->release_event = true;
}

static void vpmu_lbr_set_frz(struct vpmu_lbr *l, bool frz,
			     struct vpmu_lbr_effects *out)
{
	if (l->lbr_frz == frz)
		return;
	l->lbr_frz = frz;
	l->active_slice = true;
	if (frz)
		out->status_set |= VPMU_STATUS_LBR_FRZ;
	else
		out->status_clear |= VPMU_STATUS_LBR_FRZ;
}

static void vpmu_lbr_debugctl_write(struct vpmu_lbr *l, u64 value,
				    struct vpmu_lbr_effects *out)
{
	if ((l->guest_debugctl | value) & VPMU_DEBUGCTL_LBR)
		l->active_slice = true;
	l->guest_debugctl = value;
	/*
	 * A legacy freeze lasts until software sets LBR again; clearing it
	 * (as handlers do around their reads) keeps the stack frozen.  The
	 * price: a guest that stops using LBR while frozen keeps the event,
	 * and a save/restore per vCPU switch, until it sets LBR again or is
	 * reset.  Linux's PMI handler sets LBR again on its way out, so the
	 * window is one handler long there.
	 */
	if (value & VPMU_DEBUGCTL_LBR) {
		l->legacy_frozen = false;
		vpmu_lbr_create(l, out);
	}
}

static void vpmu_lbr_pmi(struct vpmu_lbr *l, struct vpmu_lbr_effects *out)
{
	if (!(l->guest_debugctl & VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI))
		return;
	if (vpmu_lbr_legacy_freeze(l)) {
		/* What the CPU does: LBR cleared, the guest sees it. */
		if (l->guest_debugctl & VPMU_DEBUGCTL_LBR) {
			l->guest_debugctl &= ~VPMU_DEBUGCTL_LBR;
			l->legacy_frozen = true;
			l->active_slice = true;
		}
	} else if (vpmu_lbr_streamlined_freeze(l)) {
		/* The SDM sets LBR_FRZ on such a PMI whatever LBR is. */
		vpmu_lbr_set_frz(l, true, out);
	}
}

/* The policy's verdict at a sched-in; the caller has counted idleness. */
static bool vpmu_lbr_may_release(const struct vpmu_lbr *l)
{
	if (l->policy == VPMU_LBR_POLICY_HYSTERESIS)
		return vpmu_lbr_quiet(l) && l->idle_sched_ins >= l->hysteresis_k;
	return vpmu_lbr_quiet(l);
}

static void vpmu_lbr_count_idle(struct vpmu_lbr *l)
{
	if (l->active_slice || !vpmu_lbr_quiet(l))
		l->idle_sched_ins = 0;
	else if (l->idle_sched_ins < l->hysteresis_k)
		l->idle_sched_ins++;
	l->active_slice = false;
}

static void vpmu_lbr_reset(struct vpmu_lbr *l, struct vpmu_lbr_effects *out)
{
	/* DEBUGCTL and GLOBAL_STATUS reset to 0: nothing stays frozen. */
	vpmu_lbr_set_frz(l, false, out);
	vpmu_lbr_release(l, out);
	l->guest_debugctl = 0;
	l->legacy_frozen = false;
	l->active_slice = false;
	l->idle_sched_ins = 0;
}

void vpmu_lbr_init(struct vpmu_lbr *l, u8 pmu_version,
		   enum vpmu_lbr_policy policy)
{
	if ((unsigned int)policy >= VPMU_LBR_POLICY_NR)
		policy = VPMU_LBR_POLICY_DEFAULT;
	*l = (struct vpmu_lbr) {
		.version = pmu_version,
		.policy = policy,
		.hysteresis_k = VPMU_LBR_HYSTERESIS_K_DEFAULT,
	};
}

const char *vpmu_lbr_policy_name(enum vpmu_lbr_policy policy)
{
	static const char *const names[VPMU_LBR_POLICY_NR] = {
		[VPMU_LBR_POLICY_FREEZE_AWARE] = "freeze_aware",
		[VPMU_LBR_POLICY_HYSTERESIS] = "hysteresis",
	};

	return (unsigned int)policy < VPMU_LBR_POLICY_NR ? names[policy] : NULL;
}

int vpmu_lbr_policy_from_name(const char *name)
{
	int i;

	for (i = 0; i < VPMU_LBR_POLICY_NR; i++)
		if (!strcmp(name, vpmu_lbr_policy_name(i)))
			return i;
	return -EINVAL;
}

bool vpmu_lbr_hysteresis_valid(unsigned int k)
{
	return k >= 1 && k <= VPMU_LBR_HYSTERESIS_K_MAX;
}

int vpmu_lbr_set_hysteresis(struct vpmu_lbr *l, unsigned int k)
{
	if (!vpmu_lbr_hysteresis_valid(k))
		return -EINVAL;
	l->hysteresis_k = (u8)k;
	if (l->idle_sched_ins > l->hysteresis_k)
		l->idle_sched_ins = l->hysteresis_k;
	return 0;
}

/*
 * What every step ends with.  A resume after a release forced while the
 * stack was frozen (vpmu_lbr_sched_in()) would have hardware record with
 * no event: bring the event back.
 */
static void vpmu_lbr_finish(struct vpmu_lbr *l, struct vpmu_lbr_effects *out)
{
	if ((l->guest_debugctl & VPMU_DEBUGCTL_LBR) && !l->lbr_frz)
		vpmu_lbr_create(l, out);
	out->hw_debugctl = vpmu_lbr_hw_debugctl(l);
	out->guest_debugctl = l->guest_debugctl;
}

void vpmu_lbr_sched_in(struct vpmu_lbr *l, bool release,
		       struct vpmu_lbr_effects *out)
{
	*out = (struct vpmu_lbr_effects) { 0 };
	vpmu_lbr_count_idle(l);
	if (release && !(vpmu_lbr_hw_debugctl(l) & VPMU_DEBUGCTL_LBR))
		vpmu_lbr_release(l, out);
	vpmu_lbr_finish(l, out);
}

void vpmu_lbr_step(struct vpmu_lbr *l, const struct vpmu_lbr_event *ev,
		   struct vpmu_lbr_effects *out)
{
	*out = (struct vpmu_lbr_effects) { 0 };

	switch (ev->type) {
	case VPMU_LBR_EV_MSR_ACCESS:
		l->active_slice = true;
		vpmu_lbr_create(l, out);
		break;
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		vpmu_lbr_debugctl_write(l, ev->value, out);
		break;
	case VPMU_LBR_EV_PMI:
		vpmu_lbr_pmi(l, out);
		break;
	case VPMU_LBR_EV_STATUS_RESET:
		if (vpmu_lbr_streamlined_freeze(l) &&
		    (ev->value & VPMU_STATUS_LBR_FRZ))
			vpmu_lbr_set_frz(l, false, out);
		break;
	case VPMU_LBR_EV_STATUS_SET:
		if (vpmu_lbr_streamlined_freeze(l) &&
		    (ev->value & VPMU_STATUS_LBR_FRZ))
			vpmu_lbr_set_frz(l, true, out);
		break;
	case VPMU_LBR_EV_SCHED_OUT:
		/* Host perf saves the stack; nothing to decide here. */
		break;
	case VPMU_LBR_EV_SCHED_IN:
		vpmu_lbr_count_idle(l);
		if (vpmu_lbr_may_release(l))
			vpmu_lbr_release(l, out);
		break;
	case VPMU_LBR_EV_RESET:
		vpmu_lbr_reset(l, out);
		break;
	default:
		break;
	}
	vpmu_lbr_finish(l, out);
}
