/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The glue's side of the vLBR machine, as fuzz_lbr.c and the KUnit suite
 * (tests/kunit/lbr_kunit.c) play it: what the effects of every step so
 * far leave, and what each step must keep, whatever the machine decides.
 */
#ifndef VPMU_LBR_GLUE_H
#define VPMU_LBR_GLUE_H

#include <vpmu/lbr.h>
#include <vpmu/msr.h>

/**
 * struct lbr_glue - what the glue holds
 * @event: the vLBR event exists
 * @passthrough: the LBR MSRs are passed through
 * @hw: GUEST_IA32_DEBUGCTL
 * @guest: what a guest RDMSR of DEBUGCTL returns
 * @frz: GLOBAL_STATUS.LBR_FRZ
 */
struct lbr_glue {
	bool event;
	bool passthrough;
	u64 hw;
	u64 guest;
	bool frz;
};

/*
 * Check @e against itself and @g, apply it in its documented order, and
 * check that nothing leaks: the LBR MSRs reachable, or hardware
 * recording, without the event.  Return: NULL, or the rule broken.
 */
static inline const char *lbr_glue_apply(struct lbr_glue *g,
					 const struct vpmu_lbr_effects *e)
{
	if (e->release_event != e->intercept)
		return "release without intercept, or the reverse";
	if (e->create_event != e->passthrough)
		return "create without pass-through, or the reverse";
	if (e->create_event && e->release_event)
		return "create and release at once";
	if (e->release_event && !g->event)
		return "release without an event";
	if (e->create_event && g->event)
		return "create with an event";
	if ((e->status_set | e->status_clear) & ~VPMU_STATUS_LBR_FRZ)
		return "status bits other than LBR_FRZ";
	if (e->status_set & e->status_clear)
		return "LBR_FRZ set and cleared at once";

	if (e->intercept)
		g->passthrough = false;
	if (e->release_event)
		g->event = false;
	if (e->create_event)
		g->event = true;
	if (e->passthrough)
		g->passthrough = true;
	g->hw = e->hw_debugctl;
	g->guest = e->guest_debugctl;
	if (e->status_clear)
		g->frz = false;
	if (e->status_set)
		g->frz = true;

	if (g->passthrough && !g->event)
		return "LBR MSRs passed through without the event";
	if ((g->hw & VPMU_DEBUGCTL_LBR) && !g->event)
		return "hardware records LBRs without the event";
	return NULL;
}

#endif /* VPMU_LBR_GLUE_H */
