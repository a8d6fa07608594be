// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for vpmu_pebs_switch_list(): random host perf state,
 * random vCPU state (or none) and policy; checks the safety invariants of
 * the switch list and that MINIMAL never loads an MSR COMPAT would not.
 */
#include <string.h>

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "fuzz.h"

#define POISON_MSR	0xdeadbeefU

/*
 * A counter mask: one byte picks among GP 0-3, fixed 0-2 and bit 63 (a
 * non-counter PEBS_ENABLE bit), so that masks overlap often; a flag byte
 * adds raw 64-bit noise now and then.
 */
static u64 get_mask(struct vpmu_fuzz_input *r)
{
	static const unsigned int bit[8] = { 0, 1, 2, 3, 32, 33, 34, 63 };
	u8 pick = fuzz_u8(r), flags = fuzz_u8(r);
	u64 m = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (pick & (1U << i))
			m |= VPMU_BIT_ULL(bit[i]);
	if ((flags & 0x7) == 0x7)
		m |= fuzz_u64(r);
	if ((flags & 0x38) == 0x38)
		m = ~0ULL;
	return m;
}

static unsigned int run(const struct vpmu_host_pmu *h,
			const struct vpmu_guest_pebs *g,
			enum vpmu_switch_policy policy,
			struct vpmu_switch_msr *out)
{
	unsigned int i;

	for (i = 0; i < VPMU_SWITCH_MAX; i++) {
		out[i].msr = POISON_MSR;
		out[i].host = 0;
		out[i].guest = 0;
	}
	return vpmu_pebs_switch_list(h, g, policy, out);
}

/* Invariants of one list. */
static void check_list(const struct vpmu_host_pmu *h,
		       const struct vpmu_guest_pebs *g, bool compat,
		       const struct vpmu_switch_msr *out, unsigned int n)
{
	u64 pebs = h->pebs_enabled & h->pebs_capable;
	bool isolated = h->pebs && !h->pebs_no_isolation;
	bool ds_listed = isolated && h->pebs_ept;
	const struct vpmu_switch_msr *e;
	u64 run_pebs, allowed;
	unsigned int i, j;

	FUZZ_CHECK(n >= 1, "list is empty");
	FUZZ_CHECK(n <= VPMU_SWITCH_MAX, "more than VPMU_SWITCH_MAX entries");
	for (i = n; i < VPMU_SWITCH_MAX; i++)
		FUZZ_CHECK(out[i].msr == POISON_MSR,
			   "wrote past the returned count");
	FUZZ_CHECK(out[0].msr == VPMU_MSR_GLOBAL_CTRL,
		   "entry 0 is not GLOBAL_CTRL");
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			FUZZ_CHECK(out[i].msr != out[j].msr, "duplicate MSR");
	for (i = 0; i < n; i++)
		FUZZ_CHECK(out[i].msr == VPMU_MSR_GLOBAL_CTRL ||
			   out[i].msr == VPMU_MSR_PEBS_ENABLE ||
			   out[i].msr == VPMU_MSR_DS_AREA ||
			   out[i].msr == VPMU_MSR_PEBS_DATA_CFG,
			   "unexpected MSR");

	/* GLOBAL_CTRL */
	FUZZ_CHECK(out[0].host == (h->intel_ctrl & ~h->guest_mask),
		   "host GLOBAL_CTRL is not intel_ctrl minus guest-only");
	FUZZ_CHECK(!(out[0].guest & ~(h->intel_ctrl & ~h->host_mask)),
		   "guest GLOBAL_CTRL has a host-only or disabled counter");
	FUZZ_CHECK((out[0].guest & ~pebs) ==
		   (h->intel_ctrl & ~h->host_mask & ~pebs),
		   "guest GLOBAL_CTRL lost a non-PEBS counter");

	/* PEBS counters that run in the guest */
	run_pebs = out[0].guest & pebs;
	allowed = 0;
	if (g && isolated && h->pebs_ept && !(pebs & ~h->guest_mask))
		allowed = pebs & h->intel_ctrl & h->guest_mask & ~h->host_mask &
			  g->pebs_enable & ~g->cross_mapped;
	FUZZ_CHECK(!(run_pebs & ~allowed),
		   "guest runs a PEBS counter the rules forbid");
	FUZZ_CHECK(run_pebs == allowed, "guest lost a PEBS counter it may run");
	if (pebs & ~h->guest_mask)
		FUZZ_CHECK(!run_pebs, "guest PEBS while host PEBS is active");
	if (g)
		FUZZ_CHECK(!(run_pebs & ~(g->pebs_enable & ~g->cross_mapped)),
			   "guest PEBS counter outside its own PEBS_ENABLE or cross-mapped");

	/* PEBS_ENABLE */
	e = vpmu_switch_find(out, n, VPMU_MSR_PEBS_ENABLE);
	if (h->pebs && h->pebs_no_isolation) {
		FUZZ_CHECK(e, "no isolation but PEBS_ENABLE not switched");
		FUZZ_CHECK(e->host == h->pebs_enabled && e->guest == 0,
			   "no isolation: PEBS_ENABLE values");
		FUZZ_CHECK(n == 2,
			   "no isolation: more than GLOBAL_CTRL and PEBS_ENABLE");
	} else {
		FUZZ_CHECK(!e,
			   "PEBS_ENABLE listed with isolation (or without PEBS)");
	}
	if (!h->pebs)
		FUZZ_CHECK(n == 1, "no PEBS but more than GLOBAL_CTRL");

	/* DS_AREA */
	e = vpmu_switch_find(out, n, VPMU_MSR_DS_AREA);
	FUZZ_CHECK(!!e == ds_listed,
		   "DS_AREA listed when it must not be (or not)");
	if (e) {
		FUZZ_CHECK(e->host == h->ds_area, "DS_AREA host value");
		if (e->guest != e->host) {
			FUZZ_CHECK(g && e->guest == g->ds_area,
				   "DS_AREA guest value is neither host's nor guest's");
			FUZZ_CHECK(compat || run_pebs,
				   "MINIMAL loads guest DS_AREA without guest PEBS");
		}
		if (run_pebs)
			FUZZ_CHECK(e->guest == g->ds_area,
				   "guest PEBS runs on a DS_AREA not the guest's");
		/* COMPAT is Linux 6.1: the guest's value whenever it has one. */
		if (compat && g)
			FUZZ_CHECK(e->guest == g->ds_area,
				   "COMPAT does not load the guest DS_AREA");
	}

	/* PEBS_DATA_CFG */
	e = vpmu_switch_find(out, n, VPMU_MSR_PEBS_DATA_CFG);
	FUZZ_CHECK(!!e == (ds_listed && h->pebs_baseline),
		   "PEBS_DATA_CFG listed when it must not be (or not)");
	if (e) {
		u64 lbr = VPMU_PEBS_DATA_CFG_LBR_GROUP;

		FUZZ_CHECK(e->host == h->pebs_data_cfg,
			   "PEBS_DATA_CFG host value");
		if (e->guest != e->host || run_pebs) {
			FUZZ_CHECK(g, "guest PEBS_DATA_CFG without vCPU state");
			FUZZ_CHECK(g->owns_lbr || !(e->guest & lbr),
				   "guest PEBS_DATA_CFG has the LBR group without the LBRs");
			FUZZ_CHECK((e->guest & ~lbr) ==
				   (g->pebs_data_cfg & ~lbr),
				   "guest PEBS_DATA_CFG changed non-LBR groups");
		}
		if (e->guest != e->host)
			FUZZ_CHECK(compat || run_pebs,
				   "MINIMAL loads guest PEBS_DATA_CFG without guest PEBS");
		if (compat && g)
			FUZZ_CHECK(e->guest == (g->owns_lbr ? g->pebs_data_cfg :
						g->pebs_data_cfg & ~lbr),
				   "COMPAT does not load the guest PEBS_DATA_CFG");
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vpmu_fuzz_input r = { data, size };
	struct vpmu_switch_msr min[VPMU_SWITCH_MAX], cmp[VPMU_SWITCH_MAX];
	struct vpmu_host_pmu h;
	struct vpmu_guest_pebs gs, *g;
	unsigned int nmin, ncmp, i;
	u8 flags, pol;
	enum vpmu_switch_policy policy;

	flags = fuzz_u8(&r);
	pol = fuzz_u8(&r);
	memset(&h, 0, sizeof(h));
	h.pebs = flags & 1;
	h.pebs_no_isolation = flags & 2;
	h.pebs_ept = flags & 4;
	h.pebs_baseline = flags & 8;
	h.intel_ctrl = get_mask(&r);
	h.guest_mask = get_mask(&r);
	h.host_mask = get_mask(&r);
	h.pebs_enabled = get_mask(&r);
	h.pebs_capable = get_mask(&r);
	h.ds_area = fuzz_u64(&r);
	h.pebs_data_cfg = fuzz_u64(&r);

	memset(&gs, 0, sizeof(gs));
	gs.owns_lbr = flags & 32;
	gs.pebs_enable = get_mask(&r);
	gs.cross_mapped = get_mask(&r);
	/* Often equal to the host's, to exercise host == guest entries. */
	gs.ds_area = (flags & 64) ? h.ds_area : fuzz_u64(&r);
	gs.pebs_data_cfg = (flags & 128) ? h.pebs_data_cfg : fuzz_u64(&r);
	g = (flags & 16) ? NULL : &gs;

	/* The policy under test, unknown values included (act as MINIMAL). */
	policy = (enum vpmu_switch_policy)(pol % 4);
	nmin = run(&h, g, policy, min);
	check_list(&h, g, policy == VPMU_SWITCH_COMPAT, min, nmin);

	/* MINIMAL against COMPAT on the same state. */
	nmin = run(&h, g, VPMU_SWITCH_MINIMAL, min);
	check_list(&h, g, false, min, nmin);
	ncmp = run(&h, g, VPMU_SWITCH_COMPAT, cmp);
	check_list(&h, g, true, cmp, ncmp);
	FUZZ_CHECK(cmp[0].host == min[0].host && cmp[0].guest == min[0].guest,
		   "policy changed GLOBAL_CTRL");
	for (i = 0; i < nmin; i++) {
		const struct vpmu_switch_msr *c;

		if (min[i].host == min[i].guest)
			continue;
		c = vpmu_switch_find(cmp, ncmp, min[i].msr);
		FUZZ_CHECK(c && c->host == min[i].host &&
			   c->guest == min[i].guest,
			   "MINIMAL loads an MSR (or value) COMPAT does not");
	}
	return 0;
}
