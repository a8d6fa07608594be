// SPDX-License-Identifier: GPL-2.0
/*
 * Guest PEBS: refine the switch list perf returns (include/vpmu/pebs.h;
 * Documentation/design.rst, "Guest PEBS switch list").
 *
 * Static helpers carry the pebs_ prefix: tests/kunit/core.c includes
 * every core file into one translation unit.
 */
#include <vpmu/pebs.h>
#include <vpmu/msr.h>

/*
 * The guest's PEBS_DATA_CFG, without the LBR group unless the vCPU owns
 * the LBRs: a record's LBR group copies whatever the LBR MSRs hold.
 */
static u64 pebs_guest_data_cfg(const struct vpmu_pebs_vcpu *vcpu)
{
	if (vcpu->owns_lbr)
		return vcpu->pebs_data_cfg;
	return vcpu->pebs_data_cfg & ~VPMU_PEBS_DATA_CFG_LBR_GROUP;
}

/*
 * The guest PEBS counters that can run, with isolation: guest-only events
 * (on for the guest, off for the host in perf's GLOBAL_CTRL, where host
 * PEBS already won), not cross-mapped.
 */
static u64 pebs_runnable(const struct vpmu_switch_msr *ctrl,
			 const struct vpmu_pebs_vcpu *vcpu)
{
	return ctrl->guest & ~ctrl->host & vcpu->pebs_enable &
	       ~vcpu->cross_mapped;
}

/* Perf's GLOBAL_CTRL entry when the CPU isolates PEBS, else NULL. */
static const struct vpmu_switch_msr *
pebs_isolated_ctrl(const struct vpmu_switch_msr *perf, unsigned int n)
{
	/* Without isolation perf switches PEBS_ENABLE to 0: nothing runs. */
	if (vpmu_switch_find(perf, n, VPMU_MSR_PEBS_ENABLE))
		return NULL;
	return vpmu_switch_find(perf, n, VPMU_MSR_GLOBAL_CTRL);
}

unsigned int vpmu_pebs_refine(const struct vpmu_switch_msr *perf,
			      unsigned int n,
			      const struct vpmu_pebs_vcpu *vcpu,
			      struct vpmu_switch_msr *out)
{
	const struct vpmu_switch_msr *ctrl, *ds;
	bool guest_values;
	unsigned int i;

	if (n > VPMU_SWITCH_MAX)
		return 0;
	for (i = 0; i < n; i++)
		out[i] = perf[i];

	ctrl = pebs_isolated_ctrl(out, n);
	if (!vcpu || !ctrl)
		return n;

	guest_values = pebs_runnable(ctrl, vcpu);
	/* Never undo a perf (6.12) that kept the host's values already. */
	ds = vpmu_switch_find(out, n, VPMU_MSR_DS_AREA);
	if (ds && ds->guest == ds->host && vcpu->ds_area != ds->host)
		guest_values = false;
	for (i = 0; i < n; i++) {
		if (out[i].msr == VPMU_MSR_DS_AREA)
			out[i].guest = guest_values ? vcpu->ds_area : out[i].host;
		else if (out[i].msr == VPMU_MSR_PEBS_DATA_CFG)
			out[i].guest = guest_values ? pebs_guest_data_cfg(vcpu) :
				       out[i].host;
	}
	return n;
}

u64 vpmu_pebs_denied(const struct vpmu_switch_msr *perf, unsigned int n,
		     const struct vpmu_pebs_vcpu *vcpu,
		     enum vpmu_pebs_denied_why *why)
{
	const struct vpmu_switch_msr *ctrl = pebs_isolated_ctrl(perf, n);
	u64 denied = vcpu->pebs_enable & vcpu->global_ctrl;

	if (!denied)
		return 0;
	if (!ctrl) {
		*why = VPMU_PEBS_DENIED_NO_ISOLATION;
		return denied;
	}
	denied &= ~pebs_runnable(ctrl, vcpu);
	if (vcpu->cross_mapped)
		*why = VPMU_PEBS_DENIED_CROSS_MAPPED;
	/* Guest-only in perf's list, yet off for the guest: host PEBS won. */
	else if (denied & ~ctrl->host & ~ctrl->guest)
		*why = VPMU_PEBS_DENIED_HOST_PEBS;
	else
		*why = VPMU_PEBS_DENIED_NOT_RUNNING;
	return denied;
}

const struct vpmu_switch_msr *vpmu_switch_find(const struct vpmu_switch_msr *list,
					       unsigned int n, u32 msr)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i].msr == msr)
			return &list[i];
	return NULL;
}
