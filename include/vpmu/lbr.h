/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vLBR lifecycle: when the host's vLBR perf event exists, when the
 * LBR MSRs are passed through, which DEBUGCTL hardware holds in guest
 * context and which the guest reads, and the freeze on PMI.  The glue
 * applies the effects; Documentation/design.rst, "vLBR lifecycle", has
 * the model.
 */
#ifndef VPMU_LBR_H
#define VPMU_LBR_H

#include <vpmu/types.h>

/**
 * enum vpmu_lbr_event_type - what happened to the vCPU
 * @VPMU_LBR_EV_MSR_ACCESS: the guest touched an intercepted LBR MSR
 *	(LBR_SELECT, LBR_TOS, a FROM/TO/INFO entry); the glue serves the
 *	access after applying the effects
 * @VPMU_LBR_EV_DEBUGCTL_WRITE: the guest wrote DEBUGCTL; value is the
 *	written value, already checked for reserved bits by the glue
 * @VPMU_LBR_EV_PMI: a PMI is being injected into the guest
 * @VPMU_LBR_EV_STATUS_RESET: the guest cleared GLOBAL_STATUS bits (value,
 *	the GLOBAL_OVF_CTRL / GLOBAL_STATUS_RESET write)
 * @VPMU_LBR_EV_STATUS_SET: the guest set GLOBAL_STATUS bits (value, the
 *	GLOBAL_STATUS_SET write, version 4 and later)
 * @VPMU_LBR_EV_SCHED_OUT: the vCPU thread is scheduled out
 * @VPMU_LBR_EV_SCHED_IN: the vCPU thread is scheduled in; the one place
 *	where the machine releases the event (besides vCPU reset)
 * @VPMU_LBR_EV_RESET: vCPU reset
 */
enum vpmu_lbr_event_type {
	VPMU_LBR_EV_MSR_ACCESS,
	VPMU_LBR_EV_DEBUGCTL_WRITE,
	VPMU_LBR_EV_PMI,
	VPMU_LBR_EV_STATUS_RESET,
	VPMU_LBR_EV_STATUS_SET,
	VPMU_LBR_EV_SCHED_OUT,
	VPMU_LBR_EV_SCHED_IN,
	VPMU_LBR_EV_RESET,
};

/**
 * struct vpmu_lbr_event - one input of the machine
 * @type: what happened
 * @value: the MSR value for the types that carry one, else ignored
 */
struct vpmu_lbr_event {
	enum vpmu_lbr_event_type type;
	u64 value;
};

/**
 * enum vpmu_lbr_policy - when the vLBR event is released
 * @VPMU_LBR_POLICY_FREEZE_AWARE: at every quiet sched-in
 *	(vpmu_lbr_quiet()); for comparison only
 * @VPMU_LBR_POLICY_HYSTERESIS: at the K-th consecutive idle sched-in:
 *	quiet, and no LBR activity the machine saw since the previous one
 * @VPMU_LBR_POLICY_NR: number of policies, not a policy
 *
 * Neither releases but at a sched-in (or vCPU reset), nor while the guest
 * reads DEBUGCTL.LBR set or the stack is frozen.
 */
enum vpmu_lbr_policy {
	VPMU_LBR_POLICY_FREEZE_AWARE,
	VPMU_LBR_POLICY_HYSTERESIS,
	VPMU_LBR_POLICY_NR,
};

/* Documentation/design.rst, "Release policy", says why these two. */
#define VPMU_LBR_POLICY_DEFAULT		VPMU_LBR_POLICY_HYSTERESIS
#define VPMU_LBR_HYSTERESIS_K_DEFAULT	2
/* K is kept in a u8. */
#define VPMU_LBR_HYSTERESIS_K_MAX	255

/**
 * struct vpmu_lbr - the vLBR state of one vCPU
 * @version: architectural PMU version (CPUID.0AH.EAX[7:0]); selects the
 *	freeze kind: none below 2, legacy for 2-3, streamlined from 4
 * @policy: the release policy
 * @hysteresis_k: HYSTERESIS: idle sched-ins needed before release, >= 1
 * @idle_sched_ins: HYSTERESIS: consecutive idle sched-ins so far, at most
 *	@hysteresis_k
 * @event: the glue was told to create the vLBR event, not yet to release it
 * @passthrough: the LBR MSRs are passed through; only while @event
 * @legacy_frozen: a PMI cleared DEBUGCTL.LBR (versions 2-3) and the guest
 *	has not set it again since
 * @lbr_frz: GLOBAL_STATUS.LBR_FRZ as the guest sees it (version 4+)
 * @active_slice: LBR activity seen since the last sched-in: an
 *	intercepted LBR MSR access, a DEBUGCTL write with LBR set before or
 *	after, a PMI that froze the stack, a change of LBR_FRZ
 * @guest_debugctl: DEBUGCTL as the guest reads it
 *
 * Private to lbr.c: set up with vpmu_lbr_init(), changed through the
 * functions below only.
 */
struct vpmu_lbr {
	u8 version;
	enum vpmu_lbr_policy policy;
	u8 hysteresis_k;
	u8 idle_sched_ins;
	bool event;
	bool passthrough;
	bool legacy_frozen;
	bool lbr_frz;
	bool active_slice;
	u64 guest_debugctl;
};

/**
 * struct vpmu_lbr_effects - what the glue must do after one step
 * @intercept: 1. intercept the LBR MSRs; comes with every release, before it
 * @release_event: 2. release the vLBR event
 * @create_event: 3. create the vLBR event (host perf resets the stack)
 * @passthrough: 4. pass the LBR MSRs through; comes with every create.
 *	Only the glue sees host perf holding the event inactive: it keeps
 *	them intercepted, reads returning 0, meanwhile.
 * @hw_debugctl: 5. GUEST_IA32_DEBUGCTL; LBR only while the event exists
 *	and the stack is not frozen
 * @guest_debugctl: 6. what a guest RDMSR of DEBUGCTL returns
 * @status_clear: 7. GLOBAL_STATUS bits to clear: LBR_FRZ or nothing
 * @status_set: 8. GLOBAL_STATUS bits to set: LBR_FRZ or nothing
 *
 * Apply in field order.  The booleans ask for this step only, never both
 * of a pair; the DEBUGCTLs are always the current values.
 */
struct vpmu_lbr_effects {
	bool intercept;
	bool release_event;
	bool create_event;
	bool passthrough;
	u64 hw_debugctl;
	u64 guest_debugctl;
	u64 status_clear;
	u64 status_set;
};

/**
 * vpmu_lbr_init() - set up the vLBR state of a vCPU
 * @l: the state to initialize
 * @pmu_version: architectural PMU version of the guest, any value
 * @policy: release policy; an unknown value selects VPMU_LBR_POLICY_DEFAULT
 *
 * The result has no event, intercepted MSRs, DEBUGCTL 0, no freeze and
 * K = VPMU_LBR_HYSTERESIS_K_DEFAULT.
 */
void vpmu_lbr_init(struct vpmu_lbr *l, u8 pmu_version,
		   enum vpmu_lbr_policy policy);

/**
 * vpmu_lbr_policy_name() - the name of a policy, as the lbr_policy module
 * parameter spells it
 * @policy: any value
 *
 * Return: "freeze_aware" or "hysteresis"; NULL for a value that is no
 * policy.
 */
const char *vpmu_lbr_policy_name(enum vpmu_lbr_policy policy);

/**
 * vpmu_lbr_policy_from_name() - the policy a name stands for
 * @name: a name as vpmu_lbr_policy_name() spells it, exactly
 *
 * Return: the policy, or -EINVAL when @name is no policy's name.
 */
int vpmu_lbr_policy_from_name(const char *name);

/**
 * vpmu_lbr_hysteresis_valid() - is @k a K the HYSTERESIS policy accepts?
 * @k: idle sched-ins before release
 *
 * Return: true iff 1 <= @k <= VPMU_LBR_HYSTERESIS_K_MAX.
 */
bool vpmu_lbr_hysteresis_valid(unsigned int k);

/**
 * vpmu_lbr_set_hysteresis() - set K of the HYSTERESIS policy
 * @l: an initialized state
 * @k: idle sched-ins before release, 1..VPMU_LBR_HYSTERESIS_K_MAX
 *
 * Takes effect at the next sched-in; the idle count so far is kept.
 * Other policies store @k and ignore it.
 *
 * Return: 0, or -EINVAL when !vpmu_lbr_hysteresis_valid(@k) (@l
 * unchanged).
 */
int vpmu_lbr_set_hysteresis(struct vpmu_lbr *l, unsigned int k);

/**
 * vpmu_lbr_step() - feed one event to the machine
 * @l: the vCPU's state, updated
 * @ev: the event
 * @out: filled completely with the effects of this step
 *
 * MSR_ACCESS, and a DEBUGCTL write with LBR set, create the event when it
 * does not exist, and pass the MSRs through with it.  SCHED_IN may release
 * it by the policy; RESET releases it, clears DEBUGCTL and LBR_FRZ and
 * restores the initial state (version, policy and K are kept).  Status
 * writes touch LBR_FRZ from version 4 only, and PMIs freeze from version 2
 * only.  Whenever hardware would record with LBR set and no event exists
 * (a release forced by vpmu_lbr_sched_in() while frozen, then a resume),
 * the event is created.  An unknown event type changes nothing.
 */
void vpmu_lbr_step(struct vpmu_lbr *l, const struct vpmu_lbr_event *ev,
		   struct vpmu_lbr_effects *out);

/**
 * vpmu_lbr_frozen() - is the guest's stack frozen?
 * @l: an initialized state
 *
 * Return: true iff a legacy freeze (versions 2-3) or LBR_FRZ (version 4
 * and later) holds the stack.
 */
bool vpmu_lbr_frozen(const struct vpmu_lbr *l);

/**
 * vpmu_lbr_quiet() - may a release policy give the stack up now?
 * @l: an initialized state
 *
 * Return: true iff the guest reads DEBUGCTL.LBR clear and no freeze
 * (legacy or LBR_FRZ) holds its stack.
 */
bool vpmu_lbr_quiet(const struct vpmu_lbr *l);

/**
 * vpmu_lbr_hw_debugctl() - the DEBUGCTL hardware holds in guest context
 * @l: an initialized state
 *
 * Return: the hw_debugctl of the last step's effects, for a glue that
 * applies it again later (after another step, or once the event runs).
 */
u64 vpmu_lbr_hw_debugctl(const struct vpmu_lbr *l);

/**
 * vpmu_lbr_sched_in() - a sched-in whose release the caller decides
 * @l: the vCPU's state, updated
 * @release: release the event, if it exists, whatever @l's policy says,
 *	unless hardware records into the stack (DEBUGCTL.LBR set in guest
 *	context), which a release would leave to another owner
 * @out: filled completely with the effects of this step
 *
 * VPMU_LBR_EV_SCHED_IN with the policy's verdict replaced by @release;
 * idle sched-ins are counted as usual.  The module releases by its
 * policy only; this is how release rules it does not ship (today's KVM,
 * a paravirtual hint) are measured against it in tests/user/sim_lbr.c.
 */
void vpmu_lbr_sched_in(struct vpmu_lbr *l, bool release,
		       struct vpmu_lbr_effects *out);

#endif /* VPMU_LBR_H */
