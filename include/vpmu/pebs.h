/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest PEBS: the MSRs hardware switches at VM-entry and VM-exit.
 *
 * Before every VM-entry the host computes, per MSR, the value the CPU must
 * hold while the guest runs and the value it gets back at VM-exit (the
 * perf_guest_switch_msr array).  KVM drops an entry whose two values are
 * equal from the VMX autoload lists and loads the others (at most 8).
 * PEBS writes records through DS_AREA by linear address, so a value
 * loaded in the wrong context corrupts guest or host memory: this model
 * decides which counters may run PEBS in the guest and which PEBS MSRs
 * follow them.
 *
 * Counter bits: bit n is GP counter n, bit 32 + i fixed counter i, in every
 * mask below (GLOBAL_CTRL, PEBS_ENABLE and perf's counter masks share that
 * layout).  FIXED_CTR_CTRL has no PEBS enable bit: PEBS on fixed counter i
 * is PEBS_ENABLE bit 32 + i, on CPUs with PEBS on all counters (perf then
 * reports every bit as PEBS-capable).  With adaptive PEBS, FIXED_CTR_CTRL
 * bit 32 + 4i (like PERFEVTSEL bit 34 for GP counters) only chooses basic
 * or PEBS_DATA_CFG-shaped records.  src/core/pebs.c explains why that bit
 * makes PEBS_DATA_CFG, not the guest's record choice, the thing to guard.
 */
#ifndef VPMU_PEBS_H
#define VPMU_PEBS_H

#include <vpmu/types.h>

/**
 * struct vpmu_switch_msr - one MSR of the VM-entry/VM-exit switch list
 * @msr: the MSR index
 * @host: value loaded at VM-exit (and kept while the host runs)
 * @guest: value loaded at VM-entry (held while the guest runs)
 *
 * Same meaning as the kernel's struct perf_guest_switch_msr.  An entry
 * whose @host equals @guest loads nothing; it tells KVM to drop the MSR
 * from the autoload lists.
 */
struct vpmu_switch_msr {
	u32 msr;
	u64 host;
	u64 guest;
};

/**
 * VPMU_SWITCH_MAX - most entries vpmu_pebs_switch_list() returns
 *
 * KVM's VMX autoload lists hold 8 MSRs (MAX_NR_LOADSTORE_MSRS).
 */
#define VPMU_SWITCH_MAX 8

/**
 * struct vpmu_host_pmu - host perf state on this CPU at VM-entry
 * @intel_ctrl: counters host perf has enabled: GLOBAL_CTRL as perf runs
 *	the host with (perf's intel_ctrl, every counter it manages; unused
 *	counters are off through their own enable bits)
 * @guest_mask: counters owned by guest-only events (exclude_host); KVM's
 *	events for the vCPU's counters are among them
 * @host_mask: counters owned by host-only events (exclude_guest)
 * @pebs_enabled: PEBS_ENABLE as host perf programs it, guest events included
 * @pebs_capable: counters able to do PEBS; other PEBS_ENABLE bits (load
 *	latency enables on older cores) are not counters
 * @ds_area: host DS save area (perf's per-CPU DS_AREA)
 * @pebs_data_cfg: host PEBS_DATA_CFG
 * @pebs: PEBS exists
 * @pebs_no_isolation: the CPU lacks PEBS isolation (PEBS records may be
 *	written after VM-entry/exit for the other side's counters)
 * @pebs_ept: guest PEBS through EPT is supported
 * @pebs_baseline: adaptive PEBS (PEBS_DATA_CFG) exists
 */
struct vpmu_host_pmu {
	u64 intel_ctrl;
	u64 guest_mask;
	u64 host_mask;
	u64 pebs_enabled;
	u64 pebs_capable;
	u64 ds_area;
	u64 pebs_data_cfg;
	bool pebs;
	bool pebs_no_isolation;
	bool pebs_ept;
	bool pebs_baseline;
};

/**
 * struct vpmu_guest_pebs - the vCPU's PEBS state
 * @pebs_enable: the guest's own PEBS_ENABLE
 * @ds_area: the guest's DS_AREA
 * @pebs_data_cfg: the guest's PEBS_DATA_CFG
 * @cross_mapped: hardware counters that run a guest counter of another
 *	index (KVM's host_cross_mapped_mask, in hardware counter bits); the
 *	guest's PEBS_ENABLE is in guest bits, which agree with hardware bits
 *	on every counter not in this mask
 * @owns_lbr: the vCPU's vLBR event holds the LBRs, so the LBR MSRs hold
 *	guest values while the guest runs
 *
 * Absent (NULL) when the vCPU has no vPMU state.
 */
struct vpmu_guest_pebs {
	u64 pebs_enable;
	u64 ds_area;
	u64 pebs_data_cfg;
	u64 cross_mapped;
	bool owns_lbr;
};

/**
 * enum vpmu_switch_policy - when DS_AREA and PEBS_DATA_CFG carry guest values
 * @VPMU_SWITCH_MINIMAL: only while at least one guest PEBS counter runs;
 *	otherwise hardware keeps the host values
 * @VPMU_SWITCH_COMPAT: whenever the vCPU state exists (what Linux 6.1
 *	does); an opt-in fallback and the baseline for comparisons
 */
enum vpmu_switch_policy {
	VPMU_SWITCH_MINIMAL,
	VPMU_SWITCH_COMPAT,
};

/**
 * vpmu_pebs_switch_list() - the MSRs to switch around one VM-entry
 * @host: host perf state on this CPU; must not be NULL
 * @guest: the vCPU's PEBS state, or NULL when it has none
 * @policy: enum vpmu_switch_policy; any other value acts as
 *	VPMU_SWITCH_MINIMAL
 * @out: the list; only the first (return value) entries are written
 *
 * With pebs = @host->pebs_enabled & @host->pebs_capable, the guest PEBS
 * counters are pebs & intel_ctrl & guest_mask & ~host_mask &
 * @guest->pebs_enable & ~@guest->cross_mapped, and none at all when
 * pebs has a bit outside guest_mask (host PEBS wins), when @guest is NULL,
 * without PEBS, without pebs_ept, or without PEBS isolation.
 *
 * Entry 0 is always GLOBAL_CTRL: host intel_ctrl & ~guest_mask; guest
 * intel_ctrl & ~host_mask & ~pebs, plus exactly the guest PEBS counters.
 * Then, with PEBS:
 *
 * - without isolation, PEBS_ENABLE (host: perf's value, guest: 0), and
 *   nothing else;
 * - with isolation and pebs_ept, DS_AREA, then PEBS_DATA_CFG if
 *   pebs_baseline.  They carry the guest's values under the policy's
 *   condition and the host's values (host == guest) otherwise, so that
 *   KVM drops an earlier guest value from the autoload lists.  The guest
 *   PEBS_DATA_CFG never has the LBR group (bit 3, bits 31:24) unless
 *   @guest->owns_lbr.  PEBS_ENABLE is never listed: perf's value stays.
 *
 * Return: the number of entries written, 1..3 (never above
 * VPMU_SWITCH_MAX); 0 only when @host or @out is NULL.
 */
unsigned int vpmu_pebs_switch_list(const struct vpmu_host_pmu *host,
				   const struct vpmu_guest_pebs *guest,
				   enum vpmu_switch_policy policy,
				   struct vpmu_switch_msr out[VPMU_SWITCH_MAX]);

/**
 * vpmu_switch_find() - the entry of a switch list that names @msr
 * @list: a switch list (ours, or the array host perf returns)
 * @n: its number of entries
 * @msr: the MSR to look for
 *
 * Return: the first entry for @msr, or NULL when the list has none.
 */
const struct vpmu_switch_msr *vpmu_switch_find(const struct vpmu_switch_msr *list,
					       unsigned int n, u32 msr);

#endif /* VPMU_PEBS_H */
