// SPDX-License-Identifier: GPL-2.0
/*
 * Guest PEBS: the GLOBAL_CTRL / PEBS_ENABLE / DS_AREA / PEBS_DATA_CFG
 * switch list KVM loads around VM-entry.
 *
 * The rules follow intel_guest_get_msrs() (arch/x86/events/intel/core.c)
 * as Linux 6.12 has it, with the isolation fixes upstream made after
 * crashes and leaks; each rule below names the failure it prevents.
 *
 * Why PEBS_ENABLE is never switched on CPUs with PEBS isolation.
 * With isolation, a counter that GLOBAL_CTRL disables produces no PEBS
 * assist, so GLOBAL_CTRL alone decides which PEBS counters run in the
 * guest; perf also relies on GLOBAL_CTRL and keeps PEBS_ENABLE at its
 * full value.  Putting PEBS_ENABLE in the autoload lists instead means
 * the VM-exit value is a snapshot taken before VM-entry.  If perf changes
 * PEBS_ENABLE in between (say, an NMI throttling a PEBS event clears its
 * bit), VM-exit loads the stale value: a PEBS bit stays set on a counter perf
 * believes is off, and nothing rewrites it until perf reprograms PEBS
 * (upstream saw such "stuck" bits while profiling the host with PEBS and
 * running guests).  An assist on that counter then writes a record that
 * no event owns, into the buffer DS_AREA points to at that moment, in
 * host context; if DS_AREA is stale as well, that is the guest's linear
 * address.  Either can wedge the host.  So with isolation, this list
 * never names PEBS_ENABLE; only CPUs without isolation switch it, to 0
 * for the guest, as before.
 *
 * Fixed counters and adaptive PEBS (what changed in Linux 6.9).
 * PEBS on fixed counter i is PEBS_ENABLE bit 32 + i on CPUs with PEBS on
 * all counters (perf sets pebs_capable to ~0 there; elsewhere it has GP
 * bits only, and bits 32+ of PEBS_ENABLE are load-latency enables, not
 * counters).  Bits 32 + i of GLOBAL_CTRL, PEBS_ENABLE and the masks are
 * the same counter, so fixed counters need no rule of their own here.
 * FIXED_CTR_CTRL has no PEBS enable; with adaptive PEBS it has one
 * Adaptive_Record bit per counter (bit 32 + 4i, VPMU_FIXED_CTRL_ADAPTIVE;
 * PERFEVTSEL bit 34 for GP counters) that picks basic records or records
 * laid out by PEBS_DATA_CFG.  Upstream (9e985cbf2942, "KVM: x86/pmu:
 * Disable support for adaptive PEBS", CVE-2024-26992) found that the guest
 * does not control that bit: KVM drops the upper half of FIXED_CTR_CTRL
 * when it reprograms fixed counters (6.12 still keeps the low 4 bits
 * per counter), KVM always asks perf for a precise event so perf sets
 * Adaptive_Record whenever the host has adaptive PEBS, and perf then did
 * not clear it when a fixed counter was disabled.  A guest PEBS counter
 * therefore writes whatever record PEBS_DATA_CFG describes, whatever the
 * guest chose, and an LBR group in it copies the LBR MSRs, which hold
 * host branches (kernel addresses) unless the vCPU's vLBR event owns
 * them.  The rule here: while any guest PEBS counter can run,
 * PEBS_DATA_CFG holds the guest's value with the LBR group cleared unless
 * the vCPU owns the LBRs, never the host's; when none can run, no record
 * is written in the guest and the host value may stay.  FIXED_CTR_CTRL
 * is not in this list and the Adaptive_Record bits stay a glue problem:
 * the glue must not offer adaptive PEBS to a guest unless it also
 * carries them.
 *
 * Equal entries are listed on purpose.  KVM removes an MSR from the
 * autoload lists only when the list names it with equal values; an MSR
 * the list stops naming keeps its last guest and host values, on every
 * later VM-entry, even after the vCPU moves to a CPU whose DS save area
 * is elsewhere.  So DS_AREA and PEBS_DATA_CFG are always listed where
 * they can be switched, and "not switched" is host == guest.
 *
 * This file is also #included by tests/kunit/core.c next to the other core
 * files: every file-local name starts with pebs_.
 */
#include <vpmu/pebs.h>
#include <vpmu/msr.h>

/* Counters host perf runs with PEBS: PEBS_ENABLE bits that are counters. */
static u64 pebs_host_counters(const struct vpmu_host_pmu *host)
{
	return host->pebs_enabled & host->pebs_capable;
}

/*
 * Can the guest get any PEBS counter at all?  Not without PEBS, not
 * without isolation (PEBS_ENABLE is forced to 0 for the guest), not
 * without EPT-friendly PEBS, not without vCPU state.
 */
static bool pebs_guest_possible(const struct vpmu_host_pmu *host,
				const struct vpmu_guest_pebs *guest)
{
	return guest && host->pebs && !host->pebs_no_isolation &&
	       host->pebs_ept;
}

/*
 * The counters that run PEBS in the guest.
 *
 * - Only PEBS counters perf runs for guest-only events (KVM's events for
 *   the vCPU) and not for host-only ones.
 * - Only those the vCPU's own PEBS_ENABLE selects: a guest-only PEBS event
 *   created by host userspace (`perf kvm top`) is not the guest's, and
 *   running it in the guest writes records through a DS_AREA the guest
 *   never set up (58f6217e5d01, guests crashed on #PF storms).
 * - Not cross-mapped counters: the record's GLOBAL_STATUS would name the
 *   wrong counter.
 * - None while host perf has PEBS on any other counter (host PEBS wins).
 */
static u64 pebs_guest_counters(const struct vpmu_host_pmu *host,
			       const struct vpmu_guest_pebs *guest)
{
	u64 pebs = pebs_host_counters(host);

	if (!pebs_guest_possible(host, guest))
		return 0;
	if (pebs & ~host->guest_mask)
		return 0;
	return pebs & host->intel_ctrl & host->guest_mask & ~host->host_mask &
	       guest->pebs_enable & ~guest->cross_mapped;
}

/* GLOBAL_CTRL at VM-exit: every host counter, no guest-only one. */
static u64 pebs_host_global_ctrl(const struct vpmu_host_pmu *host)
{
	return host->intel_ctrl & ~host->guest_mask;
}

/*
 * GLOBAL_CTRL at VM-entry: no host-only counter and no PEBS counter,
 * except exactly the guest PEBS counters.  Adding the guest's PEBS bits
 * unconditionally (before 854250329c02) let host PEBS run into guest
 * memory.
 */
static u64 pebs_guest_global_ctrl(const struct vpmu_host_pmu *host,
				  u64 guest_pebs)
{
	u64 ctrl = host->intel_ctrl & ~host->host_mask;

	return (ctrl & ~pebs_host_counters(host)) | guest_pebs;
}

/* The guest's PEBS_DATA_CFG without the LBR group unless it owns the LBRs. */
static u64 pebs_guest_data_cfg(const struct vpmu_guest_pebs *guest)
{
	if (guest->owns_lbr)
		return guest->pebs_data_cfg;
	return guest->pebs_data_cfg & ~VPMU_PEBS_DATA_CFG_LBR_GROUP;
}

/* Do DS_AREA and PEBS_DATA_CFG carry the guest's values? */
static bool pebs_load_guest_values(const struct vpmu_guest_pebs *guest,
				   enum vpmu_switch_policy policy,
				   u64 guest_pebs)
{
	if (!guest)
		return false;
	if (policy == VPMU_SWITCH_COMPAT)
		return true;
	return guest_pebs != 0;
}

static unsigned int pebs_put(struct vpmu_switch_msr *out, unsigned int n,
			     u32 msr, u64 host, u64 guest)
{
	if (n >= VPMU_SWITCH_MAX)
		return n;
	out[n].msr = msr;
	out[n].host = host;
	out[n].guest = guest;
	return n + 1;
}

unsigned int vpmu_pebs_switch_list(const struct vpmu_host_pmu *host,
				   const struct vpmu_guest_pebs *guest,
				   enum vpmu_switch_policy policy,
				   struct vpmu_switch_msr out[VPMU_SWITCH_MAX])
{
	u64 guest_pebs, ds, cfg;
	unsigned int n = 0;
	bool load;

	if (!host || !out)
		return 0;

	guest_pebs = pebs_guest_counters(host, guest);
	n = pebs_put(out, n, VPMU_MSR_GLOBAL_CTRL, pebs_host_global_ctrl(host),
		     pebs_guest_global_ctrl(host, guest_pebs));

	if (!host->pebs)
		return n;

	/* No isolation: PEBS off for the guest, records cannot overshoot. */
	if (host->pebs_no_isolation)
		return pebs_put(out, n, VPMU_MSR_PEBS_ENABLE,
				host->pebs_enabled, 0);

	/* Isolation without guest PEBS: GLOBAL_CTRL is enough. */
	if (!host->pebs_ept)
		return n;

	load = pebs_load_guest_values(guest, policy, guest_pebs);
	ds = load ? guest->ds_area : host->ds_area;
	n = pebs_put(out, n, VPMU_MSR_DS_AREA, host->ds_area, ds);

	if (host->pebs_baseline) {
		cfg = load ? pebs_guest_data_cfg(guest) : host->pebs_data_cfg;
		n = pebs_put(out, n, VPMU_MSR_PEBS_DATA_CFG,
			     host->pebs_data_cfg, cfg);
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
