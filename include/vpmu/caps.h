/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Intel architectural PMU capability model: CPUID.0AH (and 1CH) and
 * the rules the SDM derives from it (Documentation/design.rst, "The
 * capability model").
 */
#ifndef VPMU_CAPS_H
#define VPMU_CAPS_H

#include <vpmu/types.h>

/* GLOBAL_CTRL's bits: 32 GP counters, 16 fixed ones; ECX names 32. */
#define VPMU_MAX_GP		32
#define VPMU_MAX_FIXED		16
#define VPMU_MAX_CPUID_FIXED	32
/* Architectural events enumerable in CPUID.0AH.EBX. */
#define VPMU_MAX_ARCH_EVENTS	32
#define VPMU_MAX_VERSION	5

/**
 * struct vpmu_caps - CPUID.0AH, field by field
 * @version: EAX[7:0], architectural PMU version; 0 means no PMU
 * @nr_gp: EAX[15:8], general-purpose counters per logical processor
 * @gp_width: EAX[23:16], bit width of the GP counters
 * @events_len: EAX[31:24], how many bits of EBX are valid
 * @events_unavail: EBX, bit i set = architectural event i unavailable
 * @fixed_bitmap: ECX (version 5+), bit i set = fixed counter i exists
 * @nr_fixed: EDX[4:0], fixed counters 0..nr_fixed-1 exist (version 2+)
 * @fixed_width: EDX[12:5], bit width of the fixed counters
 * @anythread_deprecated: EDX[15], the AnyThread bit is deprecated
 */
struct vpmu_caps {
	u8 version;
	u8 nr_gp;
	u8 gp_width;
	u8 events_len;
	u32 events_unavail;
	u32 fixed_bitmap;
	u8 nr_fixed;
	u8 fixed_width;
	bool anythread_deprecated;
};

/**
 * enum vpmu_feature - PMU features outside CPUID.0AH that define bits of
 * the global MSRs
 * @VPMU_FEAT_DS: the DS save area (and so PEBS) exists: GLOBAL_STATUS
 *	bit 62, OvfBuf, is defined
 */
enum vpmu_feature {
	VPMU_FEAT_DS = 1 << 0,
};

/**
 * vpmu_cpuid_0a_decode() - split CPUID.0AH registers into fields
 * @regs: EAX, EBX, ECX, EDX, in that order
 * @caps: filled with every field; no rule is applied
 */
void vpmu_cpuid_0a_decode(const u32 regs[4], struct vpmu_caps *caps);

/**
 * vpmu_cpuid_0a_encode() - build CPUID.0AH registers from fields
 * @caps: the fields; values wider than their field are truncated
 * @regs: EAX, EBX, ECX, EDX; bits no field covers are zero
 */
void vpmu_cpuid_0a_encode(const struct vpmu_caps *caps, u32 regs[4]);

/**
 * vpmu_fixed_counter_mask() - the fixed counters that exist
 * @caps: the PMU
 *
 * Return: bit i set iff fixed counter i exists: none below version 2,
 * 0..nr_fixed-1 in versions 2-4, from version 5 also those of ECX.
 */
u32 vpmu_fixed_counter_mask(const struct vpmu_caps *caps);

/**
 * vpmu_fixed_counter_supported() - does fixed counter @i exist?
 * @caps: the PMU
 * @i: fixed counter index, any value
 *
 * Return: true iff bit @i of vpmu_fixed_counter_mask() is set.
 */
bool vpmu_fixed_counter_supported(const struct vpmu_caps *caps, unsigned int i);

/**
 * vpmu_gp_counter_mask() - the GP counters that exist
 * @caps: the PMU
 *
 * Return: bits 0..nr_gp-1 (at most VPMU_MAX_GP of them), 0 for version 0.
 */
u64 vpmu_gp_counter_mask(const struct vpmu_caps *caps);

/**
 * vpmu_arch_event_available() - is architectural event @event usable?
 * @caps: the PMU
 * @event: index of the event in CPUID.0AH.EBX
 *
 * Return: true iff the PMU exists, @event < events_len, @event has an
 * EBX bit (@event < VPMU_MAX_ARCH_EVENTS) and EBX[@event] is clear.
 */
bool vpmu_arch_event_available(const struct vpmu_caps *caps, unsigned int event);

/**
 * vpmu_caps_clamp() - what a guest asking for @want may get on @host
 * @want: the CPUID.0AH the VMM asked for
 * @host: what the host PMU offers
 * @max_version: the highest version the module exposes
 * @out: the result, written only on success; may be @want
 *
 * The intersection of both sides, capped at @max_version and
 * VPMU_MAX_VERSION (design.rst has the rules).  The result is a valid
 * @want that clamps to itself.
 *
 * Return: 0, or -EINVAL when @want contradicts itself: fields set with
 * version 0, ECX bits below version 5, nr_fixed or fixed_width set with
 * version 1, more than VPMU_MAX_GP GP counters, a fixed counter at index
 * VPMU_MAX_FIXED or above, a counter width above 64 (or of 0 while such
 * counters exist), or events_len above VPMU_MAX_ARCH_EVENTS.
 */
int vpmu_caps_clamp(const struct vpmu_caps *want, const struct vpmu_caps *host,
		    unsigned int max_version, struct vpmu_caps *out);

/**
 * vpmu_caps_repair() - the nearest request that does not contradict itself
 * @want: a CPUID.0AH request, possibly one vpmu_caps_clamp() refuses
 * @out: the repaired request; may alias @want
 *
 * For a caller that cannot refuse (KVM's refresh returns void): what a
 * field means only at a higher version is dropped (every field at
 * version 0, ECX below 5, EDX's fixed fields at 1), counts beyond the
 * architecture's are capped (32 GP counters, fixed counters 0-15, 32
 * events), widths above 64 become 64, and counters of width 0 count as
 * absent.  A valid request comes back unchanged, and the result is one
 * vpmu_caps_clamp() accepts.
 *
 * Return: true if anything had to change.
 */
bool vpmu_caps_repair(const struct vpmu_caps *want, struct vpmu_caps *out);

/**
 * vpmu_global_ctrl_valid() - defined bits of GLOBAL_CTRL
 * @caps: the PMU
 *
 * Return: bit n for each GP counter, bit 32+i for each fixed counter
 * i < VPMU_MAX_FIXED that exists; 0 below version 2.
 */
u64 vpmu_global_ctrl_valid(const struct vpmu_caps *caps);

/**
 * vpmu_global_status_valid() - defined bits of GLOBAL_STATUS
 * @caps: the PMU
 * @features: a mask of enum vpmu_feature
 *
 * Return: the counter overflow bits of vpmu_global_ctrl_valid(), plus
 * LBR_FRZ and CTR_FRZ from version 4, OvfBuf with VPMU_FEAT_DS, and
 * CondChgd; 0 below version 2.
 */
u64 vpmu_global_status_valid(const struct vpmu_caps *caps, unsigned int features);

/**
 * vpmu_global_status_reset_valid() - bits GLOBAL_OVF_CTRL (before v4) or
 * GLOBAL_STATUS_RESET (v4+) may clear
 * @caps: the PMU
 * @features: a mask of enum vpmu_feature
 *
 * Return: the bits of vpmu_global_status_valid() that software may clear:
 * all of them.
 */
u64 vpmu_global_status_reset_valid(const struct vpmu_caps *caps, unsigned int features);

/**
 * vpmu_global_status_set_valid() - bits GLOBAL_STATUS_SET may set
 * @caps: the PMU
 * @features: a mask of enum vpmu_feature
 *
 * Return: vpmu_global_status_valid() without CondChgd, which only
 * hardware sets; 0 below version 4, where the MSR does not exist.
 */
u64 vpmu_global_status_set_valid(const struct vpmu_caps *caps, unsigned int features);

/**
 * vpmu_global_inuse() - the value of GLOBAL_INUSE (version 4+)
 * @caps: the PMU
 * @eventsel: PERFEVTSELn for n < nr_gp (may be NULL when nr_gp is 0)
 * @fixed_ctr_ctrl: FIXED_CTR_CTRL
 * @pebs_enable: PEBS_ENABLE
 *
 * Return: the register value, 0 below version 4: bit n iff
 * PERFEVTSELn[7:0] != 0, bit 32+i iff fixed counter i's enable field is
 * non-zero, bit 63 iff an INT, an ENi_PMI or a PEBS_ENABLE bit of an
 * existing counter is set.  Absent counters never show.
 */
u64 vpmu_global_inuse(const struct vpmu_caps *caps, const u64 *eventsel,
		      u64 fixed_ctr_ctrl, u64 pebs_enable);

/**
 * vpmu_msr_is_valid() - does a global PMU MSR exist at this version?
 * @caps: the PMU
 * @msr: an MSR index
 *
 * FIXED_CTR_CTRL, GLOBAL_STATUS, GLOBAL_CTRL and GLOBAL_OVF_CTRL exist from
 * version 2; GLOBAL_STATUS_SET and GLOBAL_INUSE from version 4.
 *
 * Return: true iff @msr is one of 0x38d-0x392 and exists; false for every
 * other MSR, which this function does not judge.
 */
bool vpmu_msr_is_valid(const struct vpmu_caps *caps, u32 msr);

/**
 * vpmu_cpuid_1c_guest_eax() - CPUID.1CH.EAX for a guest
 * @host_eax: CPUID.1CH.EAX of the host
 *
 * Return: @host_eax with only its deepest LBR depth left in EAX[7:0]
 * (bit n: 8 * (n + 1) entries): a guest stack has the host's depth.
 */
u32 vpmu_cpuid_1c_guest_eax(u32 host_eax);

#endif /* VPMU_CAPS_H */
