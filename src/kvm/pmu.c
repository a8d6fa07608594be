// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's PMU after KVM's refresh: what the features make of it, and
 * whether the vCPU now depends on the module.
 */
#include <linux/kvm_host.h>
#include <asm/perf_event.h>

#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

struct vpmu_kvm_config vpmu_cfg __read_mostly;

void vpmu_kvm_vcpu_created(struct vpmu_vcpu *v)
{
	if (!IS_ERR_OR_NULL(v->dir)) {
		vpmu_caps_debugfs(v);
		vpmu_pebs_debugfs(v);
		vpmu_lbr_debugfs(v);
	}
	vpmu_kvm_pmu_refreshed(v);
}

void vpmu_kvm_pmu_refreshed(struct vpmu_vcpu *v)
{
	struct kvm_vcpu *vcpu = v->vcpu;
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	bool v5 = vpmu_feature(VPMU_EXT_PMU_V5);
	bool lbr = vpmu_feature(VPMU_EXT_LBR) &&
		   test_bit(INTEL_PMC_IDX_FIXED_VLBR, pmu->all_valid_pmc_idx);
	bool was = v->pinned;
	struct vpmu_caps eff;

	if (v5)
		vpmu_caps_effective(v, &eff);
	/*
	 * A guest given PMU version 3 or later, or a virtual LBR, would
	 * lose it if the module went: it holds the module.  Once rmmod has
	 * begun no reference can be taken, and the guest gets KVM's PMU.
	 */
	if (!vpmu_vcpu_pin(v, (v5 && eff.version > 2) || lbr)) {
		v5 = false;
		lbr = false;
	}
	vpmu_caps_apply(v, v5 ? &eff : NULL);
	vpmu_lbr_refreshed(v, lbr);
	if (v->pinned != was)
		trace_kvm_vpmu_ext_vcpu_pin(vcpu, true, v->pinned);
}
