/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest PEBS: the MSRs hardware switches at VM-entry, as perf lists them
 * and as the module refines that list.  Documentation/design.rst, "Guest
 * PEBS switch list", has the rules and their reasons.
 */
#ifndef VPMU_PEBS_H
#define VPMU_PEBS_H

#include <vpmu/types.h>

/**
 * struct vpmu_switch_msr - one MSR of the VM-entry/VM-exit switch list
 * @msr: the MSR index
 * @host: value loaded at VM-exit
 * @guest: value loaded at VM-entry
 *
 * struct perf_guest_switch_msr's layout.  KVM drops an entry whose two
 * values are equal from the autoload lists, and loads the others.
 */
struct vpmu_switch_msr {
	u32 msr;
	u64 host;
	u64 guest;
};

/* KVM's VMX autoload lists hold 8 MSRs (MAX_NR_LOADSTORE_MSRS). */
#define VPMU_SWITCH_MAX 8

/**
 * struct vpmu_pebs_vcpu - the vCPU's PEBS state, from struct kvm_pmu
 * @pebs_enable: PEBS_ENABLE as the guest wrote it
 * @ds_area: DS_AREA as the guest wrote it
 * @pebs_data_cfg: PEBS_DATA_CFG as the guest wrote it
 * @cross_mapped: host_cross_mapped_mask: hardware counters that run a
 *	guest counter of another index
 * @owns_lbr: the vCPU's vLBR event holds the LBR MSRs
 * @global_ctrl: GLOBAL_CTRL as the guest wrote it (vpmu_pebs_denied() only)
 */
struct vpmu_pebs_vcpu {
	u64 pebs_enable;
	u64 ds_area;
	u64 pebs_data_cfg;
	u64 cross_mapped;
	bool owns_lbr;
	u64 global_ctrl;
};

/**
 * enum vpmu_pebs_denied_why - the rule of perf's that keeps counters the
 *	guest enabled with PEBS from running it
 * @VPMU_PEBS_DENIED_NO_ISOLATION: the CPU lacks PEBS isolation: perf
 *	switches PEBS_ENABLE to 0 for the guest
 * @VPMU_PEBS_DENIED_CROSS_MAPPED: a guest counter runs on a hardware
 *	counter of another index
 * @VPMU_PEBS_DENIED_HOST_PEBS: host perf runs PEBS, which wins
 * @VPMU_PEBS_DENIED_NOT_RUNNING: no guest-only event runs the counter
 */
enum vpmu_pebs_denied_why {
	VPMU_PEBS_DENIED_NO_ISOLATION,
	VPMU_PEBS_DENIED_CROSS_MAPPED,
	VPMU_PEBS_DENIED_HOST_PEBS,
	VPMU_PEBS_DENIED_NOT_RUNNING,
};

/**
 * vpmu_pebs_refine() - the switch list for one VM-entry, from perf's
 * @perf: the list intel_guest_get_msrs() returned
 * @n: its number of entries
 * @vcpu: the vCPU's PEBS state, or NULL when it has none
 * @out: the refined list; may be @perf
 *
 * Entries, order and host values stay perf's, and so does every guest
 * value but two.  With isolation (no PEBS_ENABLE entry), DS_AREA and
 * PEBS_DATA_CFG carry the guest's values only while a guest PEBS counter
 * can run (GLOBAL_CTRL on for the guest and off for the host, in
 * @vcpu->pebs_enable, not in @vcpu->cross_mapped) and perf did not list
 * the host's DS_AREA for the guest itself; the host's otherwise, so that
 * KVM drops them from the autoload lists.  PEBS_DATA_CFG never carries the LBR group unless
 * @vcpu->owns_lbr.
 *
 * Return: @n, or 0 when @n exceeds VPMU_SWITCH_MAX (@out untouched: the
 * caller keeps perf's list).
 */
unsigned int vpmu_pebs_refine(const struct vpmu_switch_msr *perf,
			      unsigned int n,
			      const struct vpmu_pebs_vcpu *vcpu,
			      struct vpmu_switch_msr *out);

/**
 * vpmu_pebs_denied() - the counters the guest enabled with PEBS that will
 *	not run it
 * @perf: the list intel_guest_get_msrs() returned
 * @n: its number of entries
 * @vcpu: the vCPU's PEBS state
 * @why: set to the rule that denies them, when there are any
 *
 * A counter the guest enabled (@vcpu->pebs_enable and
 * @vcpu->global_ctrl) runs PEBS in the guest exactly when
 * vpmu_pebs_refine() counts it as able to: with isolation, on for the
 * guest and off for the host in perf's GLOBAL_CTRL, not cross-mapped.
 *
 * Return: the other enabled counters (all of them without isolation).
 */
u64 vpmu_pebs_denied(const struct vpmu_switch_msr *perf, unsigned int n,
		     const struct vpmu_pebs_vcpu *vcpu,
		     enum vpmu_pebs_denied_why *why);

/**
 * vpmu_switch_find() - the entry of a switch list that names @msr
 * @list: a switch list
 * @n: its number of entries
 * @msr: the MSR to look for
 *
 * Return: the first entry for @msr, or NULL when the list has none.
 */
const struct vpmu_switch_msr *vpmu_switch_find(const struct vpmu_switch_msr *list,
					       unsigned int n, u32 msr);

#endif /* VPMU_PEBS_H */
