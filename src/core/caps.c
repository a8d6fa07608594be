// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel architectural PMU capability model: CPUID.0AH and 1CH.
 *
 * References are to the Intel SDM, Vol. 2A (CPUID leaf 0AH and 1CH) and
 * Vol. 3B, chapter "Performance Monitoring", sections "Architectural
 * Performance Monitoring Version 1" to "... Version 5".  Section numbers
 * move between SDM releases, so the titles are cited instead.
 *
 * This file is also #included by tests/kunit/core.c next to the other core
 * files: every file-local name starts with caps_ so that they never clash.
 */
#include <vpmu/caps.h>
#include <vpmu/msr.h>

/* CPUID.0AH.EAX */
#define CAPS_EAX_VERSION_SHIFT		0
#define CAPS_EAX_NR_GP_SHIFT		8
#define CAPS_EAX_GP_WIDTH_SHIFT		16
#define CAPS_EAX_EVENTS_LEN_SHIFT	24
/* CPUID.0AH.EDX */
#define CAPS_EDX_NR_FIXED_SHIFT		0
#define CAPS_EDX_NR_FIXED_MASK		0x1fU
#define CAPS_EDX_FIXED_WIDTH_SHIFT	5
#define CAPS_EDX_ANYTHREAD_DEPRECATED	((u32)VPMU_BIT_ULL(15))
/* CPUID.1CH.EAX[7:0]: bit n set = a depth of 8 * (n + 1) LBRs */
#define CAPS_1C_DEPTH_MASK		0xffU

/* Widest counter the architecture can describe: the MSRs are 64 bits. */
#define CAPS_MAX_WIDTH			64

/* Fixed counters whose controls fit FIXED_CTR_CTRL and GLOBAL_CTRL. */
#define CAPS_FIXED_CTRL_MASK		((u32)VPMU_GENMASK_ULL(VPMU_MAX_FIXED - 1, 0))

/* Bits 0..n-1, saturating at all 32 for n >= 32. */
static u32 caps_low_bits32(unsigned int n)
{
	return n >= 32 ? ~0U : (1U << n) - 1;
}

/* The length of the run of set bits that starts at bit 0. */
static unsigned int caps_prefix_len(u32 mask)
{
	unsigned int n = 0;

	while (n < 32 && (mask & (1U << n)))
		n++;
	return n;
}

static u8 caps_min_u8(u8 a, u8 b)
{
	return a < b ? a : b;
}

static u8 caps_field8(u32 reg, unsigned int shift)
{
	return (u8)(reg >> shift);
}

void vpmu_cpuid_0a_decode(const u32 regs[4], struct vpmu_caps *caps)
{
	u32 eax = regs[0], ebx = regs[1], ecx = regs[2], edx = regs[3];

	caps->version = caps_field8(eax, CAPS_EAX_VERSION_SHIFT);
	caps->nr_gp = caps_field8(eax, CAPS_EAX_NR_GP_SHIFT);
	caps->gp_width = caps_field8(eax, CAPS_EAX_GP_WIDTH_SHIFT);
	caps->events_len = caps_field8(eax, CAPS_EAX_EVENTS_LEN_SHIFT);
	caps->events_unavail = ebx;
	caps->fixed_bitmap = ecx;
	caps->nr_fixed = (edx >> CAPS_EDX_NR_FIXED_SHIFT) & CAPS_EDX_NR_FIXED_MASK;
	caps->fixed_width = caps_field8(edx, CAPS_EDX_FIXED_WIDTH_SHIFT);
	caps->anythread_deprecated = !!(edx & CAPS_EDX_ANYTHREAD_DEPRECATED);
}

void vpmu_cpuid_0a_encode(const struct vpmu_caps *caps, u32 regs[4])
{
	/* The u8 fields fill their 8-bit EAX and EDX fields exactly. */
	regs[0] = (u32)caps->version << CAPS_EAX_VERSION_SHIFT |
		  (u32)caps->nr_gp << CAPS_EAX_NR_GP_SHIFT |
		  (u32)caps->gp_width << CAPS_EAX_GP_WIDTH_SHIFT |
		  (u32)caps->events_len << CAPS_EAX_EVENTS_LEN_SHIFT;
	regs[1] = caps->events_unavail;
	regs[2] = caps->fixed_bitmap;
	/* EDX[4:0] is five bits wide: a larger count is truncated. */
	regs[3] = ((u32)caps->nr_fixed & CAPS_EDX_NR_FIXED_MASK) <<
			CAPS_EDX_NR_FIXED_SHIFT |
		  (u32)caps->fixed_width << CAPS_EDX_FIXED_WIDTH_SHIFT |
		  (caps->anythread_deprecated ? CAPS_EDX_ANYTHREAD_DEPRECATED : 0);
}

u32 vpmu_fixed_counter_mask(const struct vpmu_caps *caps)
{
	u32 prefix = caps_low_bits32(caps->nr_fixed);

	/* Fixed counters arrive with version 2 (EDX is reserved before). */
	if (caps->version < 2)
		return 0;
	/*
	 * Version 5 adds ECX: "FxCtr[i]_is_supported := ECX[i] ||
	 * (EDX[4:0] > i)" (CPUID leaf 0AH).  Before, ECX is reserved and
	 * only the EDX[4:0] contiguous counters exist.
	 */
	if (caps->version >= 5)
		return prefix | caps->fixed_bitmap;
	return prefix;
}

bool vpmu_fixed_counter_supported(const struct vpmu_caps *caps, unsigned int i)
{
	return i < VPMU_MAX_CPUID_FIXED && (vpmu_fixed_counter_mask(caps) & (1U << i));
}

u64 vpmu_gp_counter_mask(const struct vpmu_caps *caps)
{
	unsigned int n = caps->nr_gp;

	if (!caps->version)
		return 0;
	/* GLOBAL_CTRL has 32 GP enable bits: no GP counter beyond them. */
	if (n > VPMU_MAX_GP)
		n = VPMU_MAX_GP;
	return caps_low_bits32(n);
}

bool vpmu_arch_event_available(const struct vpmu_caps *caps, unsigned int event)
{
	/*
	 * EBX bit i says event i is unavailable, but only for the
	 * EAX[31:24] bits that are valid; an event without an EBX bit is
	 * not enumerated at all.
	 */
	if (!caps->version || event >= caps->events_len || event >= VPMU_MAX_ARCH_EVENTS)
		return false;
	return !(caps->events_unavail & (1U << event));
}

/* Everything but the version is zero: what a version 0 (no PMU) may hold. */
static bool caps_fields_clear(const struct vpmu_caps *c)
{
	return !c->nr_gp && !c->gp_width && !c->events_len &&
	       !c->events_unavail && !c->fixed_bitmap && !c->nr_fixed &&
	       !c->fixed_width && !c->anythread_deprecated;
}

/* A width of 0 leaves no counting bit, and no MSR has more than 64. */
static bool caps_width_valid(u8 width, bool has_counters)
{
	return width <= CAPS_MAX_WIDTH && (width || !has_counters);
}

/* Does @c describe a PMU the SDM allows?  See vpmu_caps_clamp(). */
static bool caps_request_valid(const struct vpmu_caps *c)
{
	if (!c->version)
		return caps_fields_clear(c);
	/* ECX is reserved before version 5. */
	if (c->version < 5 && c->fixed_bitmap)
		return false;
	/* EDX[12:0] is defined only "if Version ID > 1". */
	if (c->version == 1 && (c->nr_fixed || c->fixed_width))
		return false;
	if (c->nr_gp > VPMU_MAX_GP)
		return false;
	/* Only 16 fixed counters have controls: see VPMU_MAX_FIXED. */
	if (vpmu_fixed_counter_mask(c) & ~CAPS_FIXED_CTRL_MASK)
		return false;
	if (!caps_width_valid(c->gp_width, c->nr_gp))
		return false;
	if (!caps_width_valid(c->fixed_width, vpmu_fixed_counter_mask(c)))
		return false;
	return c->events_len <= VPMU_MAX_ARCH_EVENTS;
}

/*
 * Express the fixed counter set @set in @c's version: EDX[4:0] counts the
 * contiguous counters from 0 and, from version 5, ECX lists every one.
 * Before version 5 a counter after a hole cannot be enumerated, so only
 * the contiguous prefix survives.
 */
static void caps_set_fixed(struct vpmu_caps *c, u32 set)
{
	c->nr_fixed = caps_prefix_len(set);
	c->fixed_bitmap = c->version >= 5 ? set : 0;
}

int vpmu_caps_clamp(const struct vpmu_caps *want, const struct vpmu_caps *host,
		    unsigned int max_version, struct vpmu_caps *out)
{
	struct vpmu_caps r = { 0 };
	unsigned int version;
	u32 fixed;

	if (!caps_request_valid(want))
		return -EINVAL;

	/* Never a version the model has no rules for. */
	version = caps_min_u8(want->version, host->version);
	if (version > max_version)
		version = max_version;
	if (version > VPMU_MAX_VERSION)
		version = VPMU_MAX_VERSION;
	r.version = version;
	/* Version 0 is "no PMU": every other field must stay clear. */
	if (!r.version)
		goto done;

	/*
	 * @want passed its checks, so the minimum with it also bounds every
	 * field of a nonsensical @host (a width above 64, say).
	 */
	r.nr_gp = caps_min_u8(want->nr_gp, host->nr_gp);
	r.gp_width = caps_min_u8(want->gp_width, host->gp_width);
	/* A host whose counters have no bits has no usable counters. */
	if (!r.gp_width)
		r.nr_gp = 0;

	r.events_len = caps_min_u8(want->events_len, host->events_len);
	/* A set bit only ever takes an event away: keep both sides' bits. */
	r.events_unavail = want->events_unavail | host->events_unavail;

	/*
	 * AnyThread works only if both sides honour it: the bit says it is
	 * deprecated (not honoured), so either side setting it wins.
	 */
	r.anythread_deprecated = want->anythread_deprecated || host->anythread_deprecated;

	if (r.version < 2)
		goto done;
	r.fixed_width = caps_min_u8(want->fixed_width, host->fixed_width);
	fixed = vpmu_fixed_counter_mask(want) & vpmu_fixed_counter_mask(host);
	if (!r.fixed_width)
		fixed = 0;
	caps_set_fixed(&r, fixed);

done:
	/* Built aside, so that @out may alias @want or @host. */
	*out = r;
	return 0;
}

bool vpmu_caps_repair(const struct vpmu_caps *want, struct vpmu_caps *out)
{
	struct vpmu_caps r = *want;
	bool changed;

	if (!r.version) {
		r = (struct vpmu_caps) { 0 };
		goto done;
	}
	if (r.version < 5)
		r.fixed_bitmap = 0;
	if (r.version < 2) {
		r.nr_fixed = 0;
		r.fixed_width = 0;
	}
	if (r.nr_gp > VPMU_MAX_GP)
		r.nr_gp = VPMU_MAX_GP;
	r.fixed_bitmap &= CAPS_FIXED_CTRL_MASK;
	if (r.nr_fixed > VPMU_MAX_FIXED)
		r.nr_fixed = VPMU_MAX_FIXED;
	if (r.events_len > VPMU_MAX_ARCH_EVENTS)
		r.events_len = VPMU_MAX_ARCH_EVENTS;
	if (r.gp_width > CAPS_MAX_WIDTH)
		r.gp_width = CAPS_MAX_WIDTH;
	if (r.fixed_width > CAPS_MAX_WIDTH)
		r.fixed_width = CAPS_MAX_WIDTH;
	/* A counter with no bits counts nothing: it is not there. */
	if (!r.gp_width)
		r.nr_gp = 0;
	if (!r.fixed_width) {
		r.nr_fixed = 0;
		r.fixed_bitmap = 0;
	}
done:
	changed = r.version != want->version || r.nr_gp != want->nr_gp ||
		  r.gp_width != want->gp_width ||
		  r.events_len != want->events_len ||
		  r.events_unavail != want->events_unavail ||
		  r.fixed_bitmap != want->fixed_bitmap ||
		  r.nr_fixed != want->nr_fixed ||
		  r.fixed_width != want->fixed_width ||
		  r.anythread_deprecated != want->anythread_deprecated;
	*out = r;
	return changed;
}

u64 vpmu_global_ctrl_valid(const struct vpmu_caps *caps)
{
	u64 fixed = vpmu_fixed_counter_mask(caps) & CAPS_FIXED_CTRL_MASK;

	/* GLOBAL_CTRL arrives with version 2. */
	if (caps->version < 2)
		return 0;
	return vpmu_gp_counter_mask(caps) | fixed << VPMU_GLOBAL_FIXED_SHIFT;
}

u64 vpmu_global_status_valid(const struct vpmu_caps *caps, unsigned int features)
{
	u64 valid;

	/* GLOBAL_STATUS arrives with version 2, with CondChgd (bit 63). */
	if (caps->version < 2)
		return 0;
	valid = vpmu_global_ctrl_valid(caps) | VPMU_STATUS_COND_CHGD;
	/* OvfBuf (bit 62) reports a full DS buffer: it needs DS. */
	if (features & VPMU_FEAT_DS)
		valid |= VPMU_STATUS_OVF_BUF;
	/* Version 4 freezes LBRs and counters on PMI and says so here. */
	if (caps->version >= 4)
		valid |= VPMU_STATUS_LBR_FRZ | VPMU_STATUS_CTR_FRZ;
	return valid;
}

u64 vpmu_global_status_reset_valid(const struct vpmu_caps *caps, unsigned int features)
{
	/*
	 * GLOBAL_OVF_CTRL (and from version 4 GLOBAL_STATUS_RESET) has a
	 * clear bit for each GLOBAL_STATUS bit, CondChgd included.
	 */
	return vpmu_global_status_valid(caps, features);
}

u64 vpmu_global_status_set_valid(const struct vpmu_caps *caps, unsigned int features)
{
	/* GLOBAL_STATUS_SET arrives with version 4. */
	if (caps->version < 4)
		return 0;
	/* It has no CondChgd bit: only hardware reports a changed state. */
	return vpmu_global_status_valid(caps, features) & ~VPMU_STATUS_COND_CHGD;
}

/* Field of fixed counter @i in FIXED_CTR_CTRL, shifted down to bits 3:0. */
static u64 caps_fixed_ctrl_field(u64 fixed_ctr_ctrl, unsigned int i)
{
	return (fixed_ctr_ctrl >> (i * VPMU_FIXED_CTRL_BITS)) & 0xfULL;
}

u64 vpmu_global_inuse(const struct vpmu_caps *caps, const u64 *eventsel,
		      u64 fixed_ctr_ctrl, u64 pebs_enable)
{
	u64 gp = vpmu_gp_counter_mask(caps);
	u32 fixed = vpmu_fixed_counter_mask(caps) & CAPS_FIXED_CTRL_MASK;
	u64 inuse = 0;
	bool pmi = false;
	unsigned int i;

	/* GLOBAL_INUSE arrives with version 4. */
	if (caps->version < 4)
		return 0;

	/* PERFEVTSELn_InUse: PERFEVTSELn[7:0] != 0; PMI_InUse: its INT. */
	for (i = 0; i < VPMU_MAX_GP; i++) {
		if (!(gp & VPMU_BIT_ULL(i)))
			continue;
		if (eventsel[i] & VPMU_EVENTSEL_EVENT)
			inuse |= VPMU_BIT_ULL(i);
		if (eventsel[i] & VPMU_EVENTSEL_INT)
			pmi = true;
	}

	/* FCi_InUse: its enable field (OS, USR) != 0; PMI_InUse: ENi_PMI. */
	for (i = 0; i < VPMU_MAX_FIXED; i++) {
		u64 field = caps_fixed_ctrl_field(fixed_ctr_ctrl, i);

		if (!(fixed & (1U << i)))
			continue;
		if (field & VPMU_FIXED_CTRL_EN_MASK)
			inuse |= VPMU_BIT_ULL(VPMU_GLOBAL_FIXED_SHIFT + i);
		if (field & VPMU_FIXED_CTRL_PMI)
			pmi = true;
	}

	/*
	 * PMI_InUse also reflects PEBS_ENABLE: PEBS raises a PMI when its
	 * buffer fills.  Its counter bits sit where GLOBAL_CTRL's do.
	 */
	if (pebs_enable & vpmu_global_ctrl_valid(caps))
		pmi = true;

	if (pmi)
		inuse |= VPMU_INUSE_PMI;
	return inuse;
}

bool vpmu_msr_is_valid(const struct vpmu_caps *caps, u32 msr)
{
	switch (msr) {
	case VPMU_MSR_FIXED_CTR_CTRL:
	case VPMU_MSR_GLOBAL_STATUS:
	case VPMU_MSR_GLOBAL_CTRL:
	case VPMU_MSR_GLOBAL_STATUS_RESET:
		/* The global controls of version 2. */
		return caps->version >= 2;
	case VPMU_MSR_GLOBAL_STATUS_SET:
	case VPMU_MSR_GLOBAL_INUSE:
		/* Added by version 4. */
		return caps->version >= 4;
	default:
		return false;
	}
}

/* The highest set bit of @mask alone, or 0. */
static u32 caps_highest_bit(u32 mask)
{
	u32 bit = 1U << 31;

	while (bit && !(mask & bit))
		bit >>= 1;
	return bit;
}

u32 vpmu_cpuid_1c_guest_eax(u32 host_eax)
{
	/*
	 * A guest picks its LBR depth by writing one of the EAX[7:0]
	 * depths to IA32_LBR_DEPTH, but its records live in the host's LBR
	 * MSRs, which the host runs at their deepest depth.  Enumerating
	 * that one depth only keeps the guest from asking for another.
	 */
	u32 deepest = caps_highest_bit(host_eax & CAPS_1C_DEPTH_MASK);

	/* The other bits describe LBR features the host has: unchanged. */
	return (host_eax & ~CAPS_1C_DEPTH_MASK) | deepest;
}
