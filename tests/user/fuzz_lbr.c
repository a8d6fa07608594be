// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the vLBR lifecycle machine (src/core/lbr.c).
 *
 * Input: version, policy, K, then (type, value) pairs.  Every step is
 * checked against a reference kept here from the architecture and the
 * policies as include/vpmu/lbr.h documents them, and against the glue
 * state that applying the effects in order produces:
 *
 *  - no leak ever: the LBR MSRs are passed through only while the event
 *    exists, and hardware records (DEBUGCTL.LBR in guest context) only
 *    while it exists;
 *  - no release while frozen (legacy or streamlined), except at vCPU
 *    reset, which unfreezes first; releases only at sched-in or reset, by
 *    the exact rule of the policy;
 *  - the DEBUGCTL the guest reads is what it wrote, except that a legacy
 *    freeze clears LBR; LBR_FRZ is what the architecture says;
 *  - effects never contradict each other or the glue state (create and
 *    release at once, intercept and passthrough at once, create with an
 *    event, release without one).
 */
#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#include "fuzz.h"

#define DBG_LBR		VPMU_DEBUGCTL_LBR
#define DBG_FRZ		VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI
#define ST_LBR_FRZ	VPMU_STATUS_LBR_FRZ

/* The reference: architecture, policy bookkeeping and glue state. */
struct ref {
	u8 version;
	enum vpmu_lbr_policy policy;
	unsigned int k;
	/* architecture */
	u64 debugctl;		/* what the guest reads */
	bool legacy_frozen;
	bool frz;		/* GLOBAL_STATUS.LBR_FRZ */
	/* policy inputs */
	bool activity;
	unsigned int idle;
	/* glue */
	bool event;
	bool passthrough;
	bool status_frz;
	u64 vmcs_debugctl;
};

static const char *const ev_name[] = {
	"MSR_ACCESS", "DEBUGCTL_WRITE", "PMI", "STATUS_RESET", "STATUS_SET",
	"SCHED_OUT", "SCHED_IN", "RESET", "UNKNOWN",
};

static bool ref_quiet(const struct ref *r)
{
	return !(r->debugctl & DBG_LBR) && !r->legacy_frozen && !r->frz;
}

/* Architecture and policy inputs, before the machine runs the event. */
static void ref_event(struct ref *r, const struct vpmu_lbr_event *ev)
{
	bool v4 = r->version >= 4;

	switch (ev->type) {
	case VPMU_LBR_EV_MSR_ACCESS:
		r->activity = true;
		break;
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		if ((r->debugctl | ev->value) & DBG_LBR)
			r->activity = true;
		if (ev->value & DBG_LBR)
			r->legacy_frozen = false;
		r->debugctl = ev->value;
		break;
	case VPMU_LBR_EV_PMI:
		if (!(r->debugctl & DBG_FRZ) || r->version < 2)
			break;
		if (!v4 && (r->debugctl & DBG_LBR)) {
			r->debugctl &= ~DBG_LBR;
			r->legacy_frozen = true;
			r->activity = true;
		} else if (v4 && !r->frz) {
			r->frz = true;
			r->activity = true;
		}
		break;
	case VPMU_LBR_EV_STATUS_RESET:
		if (v4 && (ev->value & ST_LBR_FRZ) && r->frz) {
			r->frz = false;
			r->activity = true;
		}
		break;
	case VPMU_LBR_EV_STATUS_SET:
		if (v4 && (ev->value & ST_LBR_FRZ) && !r->frz) {
			r->frz = true;
			r->activity = true;
		}
		break;
	default:
		break;
	}
}

/* Would the policy release at this sched-in (given an event)? */
static bool ref_release_rule(struct ref *r)
{
	bool idle = !r->activity && ref_quiet(r);

	r->idle = idle ? (r->idle < r->k ? r->idle + 1 : r->k) : 0;
	r->activity = false;
	if (r->policy == VPMU_LBR_POLICY_FREEZE_AWARE)
		return ref_quiet(r);
	return ref_quiet(r) && r->idle >= r->k;
}

/*
 * Advance the reference by one step of the machine and check its effects:
 * the first invariant they violate, or NULL.
 */
static const char *check_step(struct ref *r, const struct vpmu_lbr_event *ev,
			      const struct vpmu_lbr_effects *e)
{
	int t = ev->type;
	bool was_frozen = r->legacy_frozen || r->frz;
	bool had_event = r->event;
	bool want_release = false;

	if (t == VPMU_LBR_EV_SCHED_IN)
		want_release = ref_release_rule(r) && had_event;
	if (t == VPMU_LBR_EV_RESET) {
		want_release = had_event;
		r->debugctl = 0;
		r->legacy_frozen = false;
		r->frz = false;
		r->activity = false;
		r->idle = 0;
	}

	/* Effects against each other. */
	if (e->create_event && e->release_event)
		return "create and release at once";
	if (e->intercept && e->passthrough)
		return "intercept and passthrough at once";
	if (e->release_event != e->intercept)
		return "release without intercept or the reverse";
	if (e->create_event != e->passthrough)
		return "create without passthrough or the reverse";
	if ((e->status_set | e->status_clear) & ~ST_LBR_FRZ)
		return "status bits other than LBR_FRZ";
	if (e->status_set & e->status_clear)
		return "LBR_FRZ set and cleared at once";

	/* Releases: where, when and by which rule. */
	if (e->release_event && !had_event)
		return "release without an event";
	if (e->release_event != want_release)
		return "release differs from the policy rule";
	if (e->release_event && t != VPMU_LBR_EV_RESET &&
	    (was_frozen || (r->debugctl & DBG_LBR)))
		return "release while frozen or LBR set";

	/* Creates: only where the guest needs the stack. */
	if (e->create_event && had_event)
		return "create with an event";
	if (e->create_event && t != VPMU_LBR_EV_MSR_ACCESS &&
	    t != VPMU_LBR_EV_DEBUGCTL_WRITE && t != VPMU_LBR_EV_STATUS_RESET)
		return "create on an event that does not need it";

	/* Apply in order. */
	if (e->intercept)
		r->passthrough = false;
	if (e->release_event)
		r->event = false;
	if (e->create_event)
		r->event = true;
	if (e->passthrough)
		r->passthrough = true;
	r->vmcs_debugctl = e->hw_debugctl;
	r->status_frz = (r->status_frz && !(e->status_clear & ST_LBR_FRZ)) ||
			(e->status_set & ST_LBR_FRZ);

	/* No leak, ever. */
	if (r->passthrough && !r->event)
		return "LBR MSRs passed through without the event";
	if ((r->vmcs_debugctl & DBG_LBR) && !r->event)
		return "hardware records LBRs without the event";
	if (t == VPMU_LBR_EV_MSR_ACCESS && !r->event)
		return "LBR MSR access served without the event";

	/* What the guest sees, and what hardware does. */
	if (e->guest_debugctl != r->debugctl)
		return "guest-visible DEBUGCTL is not what it wrote";
	if ((e->hw_debugctl & ~DBG_LBR) != (r->debugctl & ~DBG_LBR))
		return "hardware DEBUGCTL differs beyond LBR";
	if (!!(e->hw_debugctl & DBG_LBR) !=
	    ((r->debugctl & DBG_LBR) && !r->frz))
		return "hardware records iff LBR and not LBR_FRZ";
	if (r->status_frz != r->frz)
		return "LBR_FRZ differs from the architecture";
	if (r->frz && r->version < 4)
		return "LBR_FRZ below version 4";
	return NULL;
}

static u64 pick_value(struct vpmu_fuzz_input *in, int type)
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
	switch (type) {
	case VPMU_LBR_EV_DEBUGCTL_WRITE:
		return debugctl[b % ARRAY_SIZE(debugctl)];
	case VPMU_LBR_EV_STATUS_RESET:
	case VPMU_LBR_EV_STATUS_SET:
		return status[b % ARRAY_SIZE(status)];
	default:
		return b & 3;
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 versions[] = { 0, 1, 2, 3, 4, 5, 6, 255 };
	struct vpmu_fuzz_input in = { data, size };
	struct vpmu_lbr l;
	struct ref r = { 0 };
	u8 b;
	size_t step = 0;

	b = fuzz_u8(&in);
	r.version = versions[b % ARRAY_SIZE(versions)];
	b = fuzz_u8(&in);
	/* One input in eight tries an unknown policy (the default applies). */
	r.policy = (b & 7) == 7 ? (enum vpmu_lbr_policy)(40 + b) :
		   (enum vpmu_lbr_policy)(b % VPMU_LBR_POLICY_NR);
	vpmu_lbr_init(&l, r.version, r.policy);
	if ((unsigned int)r.policy >= VPMU_LBR_POLICY_NR)
		r.policy = VPMU_LBR_POLICY_DEFAULT;
	FUZZ_CHECK(l.policy == r.policy,
		   "init stored another policy (version %u, policy %d, stored %d)",
		   r.version, r.policy, l.policy);
	b = fuzz_u8(&in);
	r.k = VPMU_LBR_HYSTERESIS_K_DEFAULT;
	if (b) {
		unsigned int k = b & 0x80 ? b : b % 6;
		int ret = vpmu_lbr_set_hysteresis(&l, k);

		FUZZ_CHECK(ret == (k ? 0 : -EINVAL),
			   "set_hysteresis(%u) returned %d (version %u, policy %d)",
			   k, ret, r.version, r.policy);
		if (k)
			r.k = k;
	}

	while (fuzz_left(&in)) {
		struct vpmu_lbr_event ev;
		struct vpmu_lbr_effects e;
		const char *what;

		b = fuzz_u8(&in);
		/* A ninth of the event codes are not events at all. */
		ev.type = (enum vpmu_lbr_event_type)(b % 9);
		ev.value = pick_value(&in, ev.type);
		ref_event(&r, &ev);
		vpmu_lbr_step(&l, &ev, &e);
		what = check_step(&r, &ev, &e);
		step++;
		FUZZ_CHECK(!what,
			   "%s (step %zu, event %s, version %u, policy %d, K %u)",
			   what, step, ev_name[ev.type < 8 ? ev.type : 8],
			   r.version, r.policy, r.k);
	}
	return 0;
}
