/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The members of struct kvm_pmu_ops, in declaration order, for the
 * kernel being built against: one VPMU_KVM_PMU_OP(name) each.  Included
 * by compat.h with VPMU_KVM_PMU_OP defined for each use (the enum of
 * members, the names of their static calls), the way the kernel's own
 * asm/kvm-x86-pmu-ops.h is.  No include guard on purpose.
 */
#if VPMU_KVM_MINOR == 1
VPMU_KVM_PMU_OP(hw_event_available)
VPMU_KVM_PMU_OP(pmc_is_enabled)
VPMU_KVM_PMU_OP(pmc_idx_to_pmc)
VPMU_KVM_PMU_OP(rdpmc_ecx_to_pmc)
VPMU_KVM_PMU_OP(msr_idx_to_pmc)
VPMU_KVM_PMU_OP(is_valid_rdpmc_ecx)
#else
VPMU_KVM_PMU_OP(rdpmc_ecx_to_pmc)
VPMU_KVM_PMU_OP(msr_idx_to_pmc)
VPMU_KVM_PMU_OP(check_rdpmc_early)
#endif
VPMU_KVM_PMU_OP(is_valid_msr)
VPMU_KVM_PMU_OP(get_msr)
VPMU_KVM_PMU_OP(set_msr)
VPMU_KVM_PMU_OP(refresh)
VPMU_KVM_PMU_OP(init)
VPMU_KVM_PMU_OP(reset)
VPMU_KVM_PMU_OP(deliver_pmi)
VPMU_KVM_PMU_OP(cleanup)

#undef VPMU_KVM_PMU_OP
