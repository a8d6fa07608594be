/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the PEBS refinement is measured against, shared by fuzz_pebs.c,
 * bench_pebs.c and the KUnit suite (tests/kunit/pebs_kunit.c):
 *
 *  - two small models of perf's intel_guest_get_msrs()
 *    (arch/x86/events/intel/core.c), as Linux 6.1 and 6.12 have it, over
 *    perf's private state, which the module cannot see;
 *  - the oracle: the switch list the core computed before it refined
 *    perf's list, from that private state and the vCPU's.  Its rules are
 *    the ones Documentation/design.rst lists.
 *
 * Counter bits: bit n is GP counter n, bit 32 + i fixed counter i.
 */
#ifndef VPMU_PEBS_MODELS_H
#define VPMU_PEBS_MODELS_H

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

/**
 * struct pebs_perf - perf's state on this CPU at VM-entry
 * @intel_ctrl: the counters perf manages (GLOBAL_CTRL as it runs the host)
 * @guest_mask: counters of guest-only events (intel_ctrl_guest_mask)
 * @host_mask: counters of host-only events (intel_ctrl_host_mask)
 * @pebs_enabled: PEBS_ENABLE as perf programs it
 * @pebs_capable: PEBS_ENABLE bits that are counters
 * @ds: the host DS save area
 * @pebs_data_cfg: the host PEBS_DATA_CFG
 * @pebs: PEBS exists
 * @pebs_no_isolation: no PEBS isolation at VM-entry/exit
 * @pebs_ept: guest PEBS through EPT
 * @pebs_baseline: adaptive PEBS (PEBS_DATA_CFG) exists
 */
struct pebs_perf {
	u64 intel_ctrl;
	u64 guest_mask;
	u64 host_mask;
	u64 pebs_enabled;
	u64 pebs_capable;
	u64 ds;
	u64 pebs_data_cfg;
	bool pebs;
	bool pebs_no_isolation;
	bool pebs_ept;
	bool pebs_baseline;
};

static inline unsigned int pebs_put(struct vpmu_switch_msr *arr, unsigned int n,
				    u32 msr, u64 host, u64 guest)
{
	arr[n] = (struct vpmu_switch_msr){ .msr = msr, .host = host, .guest = guest };
	return n + 1;
}

/* PEBS_ENABLE bits that are counters perf runs with PEBS. */
static inline u64 pebs_perf_counters(const struct pebs_perf *p)
{
	return p->pebs_enabled & p->pebs_capable;
}

/*
 * The guest PEBS counters perf lets run: PEBS counters of guest-only
 * events the vCPU's own PEBS_ENABLE names, not cross-mapped; none while
 * perf has PEBS on any other counter.  Both kernels agree on this.
 */
static inline u64 pebs_perf_guest_counters(const struct pebs_perf *p,
					   const struct vpmu_pebs_vcpu *kvm_pmu)
{
	u64 pebs = pebs_perf_counters(p);

	if (pebs & ~p->guest_mask)
		return 0;
	return pebs & p->intel_ctrl & p->guest_mask & ~p->host_mask &
	       kvm_pmu->pebs_enable & ~kvm_pmu->cross_mapped;
}

/*
 * What both kernels list first: GLOBAL_CTRL (the guest's PEBS counters
 * are added at the end), and without isolation PEBS_ENABLE to 0 for the
 * guest.  True when DS_AREA and PEBS_DATA_CFG may follow.
 */
static inline bool pebs_perf_head(const struct pebs_perf *p,
				  struct vpmu_switch_msr *arr, unsigned int *n)
{
	*n = pebs_put(arr, 0, VPMU_MSR_GLOBAL_CTRL,
		      p->intel_ctrl & ~p->guest_mask,
		      p->intel_ctrl & ~p->host_mask & ~pebs_perf_counters(p));
	if (p->pebs && p->pebs_no_isolation)
		*n = pebs_put(arr, *n, VPMU_MSR_PEBS_ENABLE, p->pebs_enabled, 0);
	return p->pebs && !p->pebs_no_isolation && p->pebs_ept;
}

/* DS_AREA, and PEBS_DATA_CFG with adaptive PEBS: the guest's or the host's. */
static inline unsigned int pebs_perf_tail(const struct pebs_perf *p,
					  struct vpmu_switch_msr *arr,
					  unsigned int n, bool guest,
					  u64 ds, u64 cfg)
{
	n = pebs_put(arr, n, VPMU_MSR_DS_AREA, p->ds, guest ? ds : p->ds);
	if (p->pebs_baseline)
		n = pebs_put(arr, n, VPMU_MSR_PEBS_DATA_CFG, p->pebs_data_cfg,
			     guest ? cfg : p->pebs_data_cfg);
	return n;
}

/*
 * Stands for intel_guest_get_msrs() of Linux 6.1: DS_AREA and
 * PEBS_DATA_CFG carry the vCPU's values whenever there is a vCPU.
 */
static inline unsigned int perf61_intel_guest_get_msrs(const struct pebs_perf *p,
						       const struct vpmu_pebs_vcpu *kvm_pmu,
						       struct vpmu_switch_msr *arr)
{
	unsigned int n;

	if (!pebs_perf_head(p, arr, &n) || !kvm_pmu)
		return n;
	n = pebs_perf_tail(p, arr, n, true, kvm_pmu->ds_area,
			   kvm_pmu->pebs_data_cfg);
	arr[0].guest |= pebs_perf_guest_counters(p, kvm_pmu);
	return n;
}

/*
 * Stands for intel_guest_get_msrs() of Linux 6.12: the vCPU's values
 * only while a guest PEBS counter runs.  KVM always passes a vCPU.
 */
static inline unsigned int perf612_intel_guest_get_msrs(const struct pebs_perf *p,
							const struct vpmu_pebs_vcpu *kvm_pmu,
							struct vpmu_switch_msr *arr)
{
	unsigned int n;
	u64 guest_pebs;

	if (!pebs_perf_head(p, arr, &n))
		return n;
	guest_pebs = pebs_perf_guest_counters(p, kvm_pmu);
	n = pebs_perf_tail(p, arr, n, guest_pebs, kvm_pmu->ds_area,
			   kvm_pmu->pebs_data_cfg);
	arr[0].guest |= guest_pebs;
	return n;
}

/*
 * The oracle: the list from both states at once, with every rule of
 * design.rst.  GLOBAL_CTRL as perf computes it; PEBS_ENABLE never with
 * isolation; DS_AREA and PEBS_DATA_CFG always listed where they can be
 * switched, with the guest's values exactly while a guest PEBS counter
 * runs (the LBR group only if the vCPU owns the LBRs), host == guest
 * otherwise.
 */
static inline unsigned int pebs_oracle_list(const struct pebs_perf *p,
					    const struct vpmu_pebs_vcpu *vcpu,
					    struct vpmu_switch_msr *out)
{
	u64 guest_pebs = 0, ds = 0, cfg = 0;
	unsigned int n;

	if (!pebs_perf_head(p, out, &n))
		return n;
	if (vcpu) {
		guest_pebs = pebs_perf_guest_counters(p, vcpu);
		ds = vcpu->ds_area;
		cfg = vcpu->owns_lbr ? vcpu->pebs_data_cfg :
		      vcpu->pebs_data_cfg & ~VPMU_PEBS_DATA_CFG_LBR_GROUP;
	}
	out[0].guest |= guest_pebs;
	return pebs_perf_tail(p, out, n, guest_pebs, ds, cfg);
}

/*
 * Where refining 6.1's list is exact: every guest-only counter that runs
 * in the guest, that the vCPU's PEBS_ENABLE names and that is not
 * cross-mapped, is one perf runs with PEBS.  Elsewhere the refinement
 * may load the guest's DS_AREA while no PEBS counter runs (a superset,
 * harmless: no record is written), as when host userspace runs a
 * guest-only event without PEBS on a counter the guest means for PEBS.
 */
static inline bool pebs_refine_exact(const struct pebs_perf *p,
				     const struct vpmu_pebs_vcpu *vcpu)
{
	u64 guest_only = p->intel_ctrl & p->guest_mask & ~p->host_mask;

	return !(guest_only & vcpu->pebs_enable & ~vcpu->cross_mapped &
		 ~pebs_perf_counters(p));
}

/*
 * Judge @list, the refinement of what one kernel's perf returned for @p
 * and @vcpu, against the oracle: the same entries, host values and
 * GLOBAL_CTRL; DS_AREA and PEBS_DATA_CFG with the oracle's values
 * wherever refining is exact, and wherever a guest PEBS counter runs;
 * elsewhere, the guest's values at most (the superset above).
 *
 * Return: NULL, or the rule @list breaks.
 */
static inline const char *pebs_refine_judge(const struct pebs_perf *p,
					    const struct vpmu_pebs_vcpu *vcpu,
					    const struct vpmu_switch_msr *list,
					    unsigned int n)
{
	struct vpmu_switch_msr o[VPMU_SWITCH_MAX];
	unsigned int i, on = pebs_oracle_list(p, vcpu, o);
	u64 mine;

	if (n != on)
		return "not the oracle's number of entries";
	for (i = 0; i < n; i++) {
		if (list[i].msr != o[i].msr || list[i].host != o[i].host)
			return "an MSR or a host value differs from the oracle's";
		if (list[i].guest == o[i].guest)
			continue;
		if (list[i].msr != VPMU_MSR_DS_AREA &&
		    list[i].msr != VPMU_MSR_PEBS_DATA_CFG)
			return "a guest GLOBAL_CTRL or PEBS_ENABLE differs from the oracle's";
		if (o[i].guest != o[i].host)
			return "guest PEBS runs on the host's DS_AREA or PEBS_DATA_CFG";
		if (pebs_refine_exact(p, vcpu))
			return "the guest's DS_AREA or PEBS_DATA_CFG with no guest PEBS";
		mine = list[i].msr == VPMU_MSR_DS_AREA ? vcpu->ds_area :
		       vcpu->owns_lbr ? vcpu->pebs_data_cfg :
		       vcpu->pebs_data_cfg & ~VPMU_PEBS_DATA_CFG_LBR_GROUP;
		if (list[i].guest != mine)
			return "DS_AREA or PEBS_DATA_CFG neither the host's nor the guest's";
	}
	return NULL;
}

/* Field by field: the struct has padding after @msr. */
static inline bool pebs_lists_equal(const struct vpmu_switch_msr *a,
				    const struct vpmu_switch_msr *b,
				    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].msr != b[i].msr || a[i].host != b[i].host ||
		    a[i].guest != b[i].guest)
			return false;
	return true;
}

/* Entries that load something at VM-entry: host != guest. */
static inline unsigned int pebs_loads(const struct vpmu_switch_msr *list,
				      unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += list[i].host != list[i].guest;
	return k;
}

#endif /* VPMU_PEBS_MODELS_H */
