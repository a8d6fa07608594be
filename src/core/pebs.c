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

	ctrl = vpmu_switch_find(out, n, VPMU_MSR_GLOBAL_CTRL);
	/* Without isolation perf switches PEBS_ENABLE to 0: nothing runs. */
	if (!vcpu || !ctrl || vpmu_switch_find(out, n, VPMU_MSR_PEBS_ENABLE))
		return n;

	/*
	 * Guest PEBS counters are guest-only events: on for the guest, off
	 * for the host.  Perf's guest GLOBAL_CTRL already let host PEBS win.
	 */
	guest_values = ctrl->guest & ~ctrl->host & vcpu->pebs_enable &
		       ~vcpu->cross_mapped;
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

const struct vpmu_switch_msr *vpmu_switch_find(const struct vpmu_switch_msr *list,
					       unsigned int n, u32 msr)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (list[i].msr == msr)
			return &list[i];
	return NULL;
}
