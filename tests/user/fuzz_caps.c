// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the capability model (src/core/caps.c): decode,
 * encode, clamp, the global MSR masks, GLOBAL_INUSE and CPUID.1CH.
 *
 * Each input describes a request, a host, a version cap, a feature set
 * and the PMU MSRs of a guest.  Requests are either raw CPUID registers
 * or fields drawn near the architectural limits, so that both the
 * -EINVAL paths and the clamping paths are reached.  The checks are
 * properties, not a second decoder: round trips, agreement between the
 * functions, what changing one input may and may not change, the
 * clamp's bounds and fixed point, and the refusal reasons caps.h lists.
 */
#include <vpmu/caps.h>
#include <vpmu/msr.h>

#include "fuzz.h"

static int caps_equal(const struct vpmu_caps *a, const struct vpmu_caps *b)
{
	return a->version == b->version && a->nr_gp == b->nr_gp &&
	       a->gp_width == b->gp_width && a->events_len == b->events_len &&
	       a->events_unavail == b->events_unavail &&
	       a->fixed_bitmap == b->fixed_bitmap &&
	       a->nr_fixed == b->nr_fixed && a->fixed_width == b->fixed_width &&
	       a->anythread_deprecated == b->anythread_deprecated;
}

static unsigned int umin(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* Bits 0..n-1 of a 32-bit mask. */
static u32 low32(unsigned int n)
{
	return n >= 32 ? ~0U : (1U << n) - 1;
}

/*
 * The first reason caps.h gives for refusing @c as a request, or NULL:
 * fields with version 0, ECX below version 5, EDX[12:0] at version 1,
 * too many counters, bad widths, too long an EBX.
 */
static const char *refusal_reason(const struct vpmu_caps *c)
{
	u32 fixed = vpmu_fixed_counter_mask(c);

	if (!c->version && (c->nr_gp || c->gp_width || c->events_len ||
			    c->events_unavail || c->fixed_bitmap ||
			    c->nr_fixed || c->fixed_width ||
			    c->anythread_deprecated))
		return "fields set with version 0";
	if (c->version && c->version < 5 && c->fixed_bitmap)
		return "ECX bits below version 5";
	if (c->version == 1 && (c->nr_fixed || c->fixed_width))
		return "nr_fixed or fixed_width at version 1";
	if (c->nr_gp > VPMU_MAX_GP)
		return "more than VPMU_MAX_GP GP counters";
	if (fixed >> VPMU_MAX_FIXED)
		return "a fixed counter at VPMU_MAX_FIXED or above";
	if (c->gp_width > 64 || (!c->gp_width && c->nr_gp))
		return "a GP width above 64, or 0 with GP counters";
	if (c->fixed_width > 64 || (!c->fixed_width && fixed))
		return "a fixed width above 64, or 0 with fixed counters";
	if (c->events_len > VPMU_MAX_ARCH_EVENTS)
		return "events_len above VPMU_MAX_ARCH_EVENTS";
	return NULL;
}

static unsigned int prefix_len(u32 m)
{
	unsigned int n = 0;

	while (n < 32 && (m & (1U << n)))
		n++;
	return n;
}

/*
 * Fields near the limits: versions 0-7, counts and widths around 0, 32,
 * 64, events_len around 32, ECX bits around 16.
 */
static void draw_near_limits(struct vpmu_fuzz_input *r, struct vpmu_caps *c)
{
	u8 zero_mask = fuzz_u8(r);

	c->version = fuzz_u8(r) % 8;
	c->nr_gp = fuzz_u8(r) % 36;
	c->gp_width = fuzz_u8(r) % 68;
	c->events_len = fuzz_u8(r) % 36;
	c->events_unavail = fuzz_u32(r);
	c->fixed_bitmap = fuzz_u32(r) & (fuzz_u8(r) & 1 ? 0x1ffffU : 0xffffU);
	c->nr_fixed = fuzz_u8(r) % 20;
	c->fixed_width = fuzz_u8(r) % 68;
	c->anythread_deprecated = fuzz_u8(r) & 1;
	/* clear some fields, so that version 0 and 1 requests pass too */
	if (zero_mask & 1)
		c->fixed_bitmap = 0;
	if (zero_mask & 2)
		c->nr_fixed = 0;
	if (zero_mask & 4) {
		c->events_unavail = 0;
		c->events_len = 0;
	}
	if (zero_mask & 8) {
		c->nr_gp = 0;
		c->gp_width = 0;
	}
	if (zero_mask & 16)
		c->anythread_deprecated = 0;
	if (zero_mask & 32 && c->version < 2) {
		c->nr_fixed = 0;
		c->fixed_width = 0;
		c->fixed_bitmap = 0;
	}
	if (zero_mask & 64 && c->version < 5)
		c->fixed_bitmap = 0;
}

static void draw_caps(struct vpmu_fuzz_input *r, struct vpmu_caps *c,
		      u32 regs[4])
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		regs[i] = fuzz_u32(r);
	vpmu_cpuid_0a_decode(regs, c);
	if (fuzz_u8(r) & 1)
		draw_near_limits(r, c);
}

/*
 * Counters: the functions agree with each other, and each enumeration
 * reacts only to the fields the SDM ties it to.
 */
static void check_counters(const struct vpmu_caps *c, u32 noise)
{
	u32 fixed = vpmu_fixed_counter_mask(c);
	u64 gp = vpmu_gp_counter_mask(c);
	struct vpmu_caps d = *c;
	unsigned int i;

	for (i = 0; i < 40; i++)
		FUZZ_CHECK(vpmu_fixed_counter_supported(c, i) ==
			   (i < 32 && (fixed >> i & 1)),
			   "fixed_counter_supported(%u) disagrees with the mask", i);
	FUZZ_CHECK(c->version >= 2 || !fixed, "fixed counters below version 2");
	FUZZ_CHECK(c->version ? gp == low32(c->nr_gp) : !gp,
		   "GP counters are not 0..nr_gp-1 (at most 32), or without a PMU");
	if (c->version >= 2 && c->version < 5)
		FUZZ_CHECK(fixed == low32(c->nr_fixed),
			   "versions 2-4: fixed counters are not 0..nr_fixed-1");
	if (c->version >= 5)
		FUZZ_CHECK((fixed & c->fixed_bitmap) == c->fixed_bitmap &&
			   (fixed & low32(c->nr_fixed)) == low32(c->nr_fixed) &&
			   !(fixed & ~c->fixed_bitmap & ~low32(c->nr_fixed)),
			   "version 5: fixed counters are not ECX plus 0..nr_fixed-1");

	/* ECX means nothing below version 5, EBX nothing to the counters. */
	d.fixed_bitmap ^= noise;
	d.events_unavail ^= noise;
	FUZZ_CHECK(c->version >= 5 || vpmu_fixed_counter_mask(&d) == fixed,
		   "ECX changed the fixed counters below version 5");
	FUZZ_CHECK(vpmu_gp_counter_mask(&d) == gp, "ECX or EBX changed GP counters");

	/* Event i: enumerated (i < events_len), and its EBX bit clear. */
	for (i = 0; i < 40; i++) {
		bool avail = vpmu_arch_event_available(c, i);

		FUZZ_CHECK(!avail || (c->version && i < c->events_len && i < 32),
			   "event %u available without being enumerated", i);
		FUZZ_CHECK(i >= 32 || !(avail && (c->events_unavail >> i & 1)),
			   "event %u available with its EBX bit set", i);
		d = *c;
		if (i < 32)
			d.events_unavail ^= 1U << i;
		if (c->version && i < c->events_len && i < 32)
			FUZZ_CHECK(avail != vpmu_arch_event_available(&d, i),
				   "EBX bit %u does not decide event %u", i, i);
	}
}

/* The global MSRs' bits: counters, plus the flags each version adds. */
static void check_global_masks(const struct vpmu_caps *c, unsigned int features)
{
	u64 fixed16 = (u64)(vpmu_fixed_counter_mask(c) & 0xffff) << 32;
	u64 ctrl = vpmu_global_ctrl_valid(c);
	u64 status = vpmu_global_status_valid(c, features);
	u64 reset = vpmu_global_status_reset_valid(c, features);
	u64 set = vpmu_global_status_set_valid(c, features);
	u64 flags = VPMU_STATUS_COND_CHGD;

	if (c->version < 2) {
		FUZZ_CHECK(!ctrl && !status && !reset && !set,
			   "global MSR bits below version 2");
		return;
	}
	if (features & VPMU_FEAT_DS)
		flags |= VPMU_STATUS_OVF_BUF;
	if (c->version >= 4)
		flags |= VPMU_STATUS_LBR_FRZ | VPMU_STATUS_CTR_FRZ;
	FUZZ_CHECK(ctrl == (vpmu_gp_counter_mask(c) | fixed16),
		   "GLOBAL_CTRL is not the counters that exist");
	FUZZ_CHECK(status == (ctrl | flags),
		   "GLOBAL_STATUS is not GLOBAL_CTRL plus the defined flags");
	FUZZ_CHECK(reset == status, "a status bit cannot be reset");
	FUZZ_CHECK(set == (c->version >= 4 ? status & ~VPMU_STATUS_COND_CHGD : 0),
		   "STATUS_SET is not every status bit but CondChgd, from v4");
}

/*
 * GLOBAL_INUSE: only existing counters and PMI_InUse, and each bit
 * follows its own source: PERFEVTSELn[7:0], the fixed enable field,
 * INT / ENi_PMI / PEBS_ENABLE for PMI_InUse.
 */
static void check_inuse(const struct vpmu_caps *c, const u64 sel[VPMU_MAX_GP],
			u64 fcc, u64 pebs, u8 pick)
{
	u64 gp = vpmu_gp_counter_mask(c);
	u64 fixed16 = (u64)(vpmu_fixed_counter_mask(c) & 0xffff) << 32;
	u64 inuse = vpmu_global_inuse(c, sel, fcc, pebs);
	u64 sel2[VPMU_MAX_GP];
	unsigned int n = pick % VPMU_MAX_GP, f = pick % 16;
	u64 bit_n = VPMU_BIT_ULL(n), bit_f = VPMU_BIT_ULL(32 + f);

	if (c->version < 4) {
		FUZZ_CHECK(!inuse, "GLOBAL_INUSE below version 4");
		return;
	}
	FUZZ_CHECK(!(inuse & ~(gp | fixed16 | VPMU_INUSE_PMI)),
		   "GLOBAL_INUSE shows a counter that does not exist");

	/* Bits of PERFEVTSELn other than [7:0] and INT change nothing. */
	memcpy(sel2, sel, sizeof(sel2));
	sel2[n] ^= ~(VPMU_EVENTSEL_EVENT | VPMU_EVENTSEL_INT);
	FUZZ_CHECK(vpmu_global_inuse(c, sel2, fcc, pebs) == inuse,
		   "PERFEVTSEL%u bits beyond [7:0] and INT changed INUSE", n);
	/* [7:0] alone decides bit n. */
	sel2[n] = sel[n] | 0x01;
	FUZZ_CHECK(!!(vpmu_global_inuse(c, sel2, fcc, pebs) & bit_n) == !!(gp & bit_n),
		   "PERFEVTSEL%u[7:0] != 0 does not mark GP %u in use", n, n);
	sel2[n] = sel[n] & ~VPMU_EVENTSEL_EVENT;
	FUZZ_CHECK(!(vpmu_global_inuse(c, sel2, fcc, pebs) & bit_n),
		   "GP %u in use with PERFEVTSEL[7:0] == 0", n);
	/* The fixed counter's OS|USR field alone decides its bit. */
	FUZZ_CHECK(!(vpmu_global_inuse(c, sel, fcc & ~(0x3ULL << 4 * f), pebs) & bit_f),
		   "fixed %u in use with its enable field 0", f);
	FUZZ_CHECK(!!(vpmu_global_inuse(c, sel, fcc | (0x1ULL << 4 * f), pebs) & bit_f) ==
		   !!(fixed16 & bit_f),
		   "fixed %u enabled, yet not in use (or in use, yet absent)", f);

	/* PMI_InUse: none without a source, set by any one of them. */
	memcpy(sel2, sel, sizeof(sel2));
	for (n = 0; n < VPMU_MAX_GP; n++)
		sel2[n] &= ~VPMU_EVENTSEL_INT;
	fcc &= ~0x8888888888888888ULL;
	FUZZ_CHECK(!(vpmu_global_inuse(c, sel2, fcc, 0) & VPMU_INUSE_PMI),
		   "PMI_InUse without INT, ENi_PMI or PEBS_ENABLE");
	n = pick % VPMU_MAX_GP;
	if (gp & bit_n) {
		FUZZ_CHECK(vpmu_global_inuse(c, sel2, fcc, bit_n) & VPMU_INUSE_PMI,
			   "PEBS_ENABLE bit %u does not set PMI_InUse", n);
		sel2[n] |= VPMU_EVENTSEL_INT;
		FUZZ_CHECK(vpmu_global_inuse(c, sel2, fcc, 0) & VPMU_INUSE_PMI,
			   "PERFEVTSEL%u.INT does not set PMI_InUse", n);
		sel2[n] &= ~VPMU_EVENTSEL_INT;
	}
	if (fixed16 & bit_f) {
		FUZZ_CHECK(vpmu_global_inuse(c, sel2, fcc | 0x8ULL << 4 * f, 0) &
			   VPMU_INUSE_PMI, "fixed %u ENi_PMI does not set PMI_InUse", f);
		FUZZ_CHECK(vpmu_global_inuse(c, sel2, fcc, bit_f) & VPMU_INUSE_PMI,
			   "PEBS on fixed %u does not set PMI_InUse", f);
	}
	FUZZ_CHECK(!(vpmu_global_inuse(c, sel2, fcc, ~(gp | fixed16)) & VPMU_INUSE_PMI),
		   "PEBS_ENABLE bits of absent counters set PMI_InUse");
}

/* MSR existence, as caps.h lists it. */
static void check_msr(const struct vpmu_caps *c, u32 msr)
{
	FUZZ_CHECK(vpmu_msr_is_valid(c, msr) ==
		   ((msr >= 0x38d && msr <= 0x390 && c->version >= 2) ||
		    (msr >= 0x391 && msr <= 0x392 && c->version >= 4)),
		   "msr_is_valid(%#x): 0x38d-0x390 from v2, 0x391-0x392 from v4", msr);
}

static void check_rules(const struct vpmu_caps *c, unsigned int features,
			const u64 sel[VPMU_MAX_GP], u64 fcc, u64 pebs, u32 msr,
			u32 noise)
{
	check_counters(c, noise);
	check_global_masks(c, features);
	check_inuse(c, sel, fcc, pebs, (u8)noise);
	check_msr(c, msr);
}

static void check_roundtrip(const u32 regs[4], const struct vpmu_caps *c)
{
	struct vpmu_caps d;
	u32 out[4];

	/* c may have been redrawn from fields: both directions are checked. */
	vpmu_cpuid_0a_encode(c, out);
	vpmu_cpuid_0a_decode(out, &d);
	FUZZ_CHECK(d.version == c->version && d.nr_gp == c->nr_gp &&
		   d.gp_width == c->gp_width && d.events_len == c->events_len &&
		   d.events_unavail == c->events_unavail &&
		   d.fixed_bitmap == c->fixed_bitmap &&
		   d.nr_fixed == (c->nr_fixed & 0x1f) &&
		   d.fixed_width == c->fixed_width &&
		   d.anythread_deprecated == c->anythread_deprecated,
		   "decode(encode(c)) keeps every field (nr_fixed to 5 bits)");
	FUZZ_CHECK((out[3] & ~0x9fffU) == 0, "encode sets no reserved EDX bit");

	vpmu_cpuid_0a_decode(regs, &d);
	vpmu_cpuid_0a_encode(&d, out);
	FUZZ_CHECK(out[0] == regs[0] && out[1] == regs[1] && out[2] == regs[2],
		   "encode(decode(x)) keeps EAX, EBX, ECX");
	FUZZ_CHECK(out[3] == (regs[3] & 0x9fffU),
		   "encode(decode(x)) keeps EDX bits 0-12 and 15");
}

static void check_clamp(const struct vpmu_caps *want,
			const struct vpmu_caps *host, unsigned int max,
			const struct vpmu_caps *sentinel)
{
	struct vpmu_caps out = *sentinel, again, alias = *want;
	unsigned int version = umin(umin(want->version, host->version),
				    umin(max, VPMU_MAX_VERSION));
	u32 both = vpmu_fixed_counter_mask(want) &
			vpmu_fixed_counter_mask(host);
	u32 fixed;
	int ret = vpmu_caps_clamp(want, host, max, &out);

	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "clamp returns 0 or -EINVAL");
	FUZZ_CHECK((ret == 0) == !refusal_reason(want),
		   "clamp refuses exactly for the documented reasons (%s)",
		   refusal_reason(want) ?: "none applies");
	if (ret) {
		FUZZ_CHECK(caps_equal(&out, sentinel),
			   "out untouched on -EINVAL");
		return;
	}
	fixed = vpmu_fixed_counter_mask(&out);

	/* never more than the host, nor than the request */
	FUZZ_CHECK(out.version == version,
		   "version is min(want, host, max_version, VPMU_MAX_VERSION)");
	FUZZ_CHECK(out.nr_gp <= host->nr_gp && out.nr_gp <= want->nr_gp,
		   "nr_gp within host and want");
	FUZZ_CHECK(out.gp_width <= host->gp_width &&
		   out.gp_width <= want->gp_width,
		   "gp_width within host and want");
	FUZZ_CHECK(out.events_len <= host->events_len &&
		   out.events_len <= want->events_len,
		   "events_len within host and want");
	FUZZ_CHECK(out.fixed_width <= host->fixed_width &&
		   out.fixed_width <= want->fixed_width,
		   "fixed_width within host and want");
	FUZZ_CHECK((fixed & ~both) == 0, "fixed set within host's and want's");
	FUZZ_CHECK(!(vpmu_gp_counter_mask(&out) & ~vpmu_gp_counter_mask(host)),
		   "gp set within host's");
	if (out.version) {
		FUZZ_CHECK(((want->events_unavail | host->events_unavail) &
			    ~out.events_unavail) == 0,
			   "an event unavailable on either side stays unavailable");
		FUZZ_CHECK(!(want->anythread_deprecated ||
			     host->anythread_deprecated) ||
			   out.anythread_deprecated,
			   "AnyThread deprecated on either side stays deprecated");
	}

	/* and no less than the rules leave */
	if (out.version >= 5 && out.fixed_width)
		FUZZ_CHECK(fixed == both,
			   "v5 keeps the whole common fixed set");
	if (out.version >= 2 && out.version < 5 && out.fixed_width)
		FUZZ_CHECK(fixed == low32(prefix_len(both)),
			   "v2-4 keeps the common fixed prefix");
	if (out.version && out.gp_width)
		FUZZ_CHECK(out.nr_gp == umin(want->nr_gp, host->nr_gp),
			   "nr_gp is the common count");

	/* the result is itself consistent and a fixed point */
	FUZZ_CHECK(!refusal_reason(&out), "out is a valid request");
	FUZZ_CHECK(vpmu_caps_clamp(&out, &out, VPMU_MAX_VERSION, &again) == 0,
		   "clamp(out, out) succeeds");
	FUZZ_CHECK(caps_equal(&again, &out), "clamp(out, out) == out");
	FUZZ_CHECK(vpmu_caps_clamp(&out, &out, max, &again) == 0 &&
		   caps_equal(&again, &out), "clamp(out, out, max) == out");

	/* out may alias want */
	FUZZ_CHECK(vpmu_caps_clamp(&alias, host, max, &alias) == 0 &&
		   caps_equal(&alias, &out), "clamp with out == want");
}

/*
 * The glue's refresh cannot refuse: it repairs, then clamps.  Whatever
 * the VMM asks, that must give a valid PMU no larger than the request.
 */
static void check_repair(const struct vpmu_caps *want,
			 const struct vpmu_caps *host, unsigned int max,
			 struct vpmu_caps *eff)
{
	struct vpmu_caps r, again;
	bool changed = vpmu_caps_repair(want, &r);

	FUZZ_CHECK(changed == !!refusal_reason(want),
		   "repair changes exactly what clamp refuses");
	FUZZ_CHECK(!refusal_reason(&r), "a repaired request is valid");
	FUZZ_CHECK(!vpmu_caps_repair(&r, &again) && caps_equal(&again, &r),
		   "repair is idempotent");
	FUZZ_CHECK(r.version == want->version, "repair keeps the version");
	FUZZ_CHECK(r.nr_gp <= want->nr_gp && r.gp_width <= want->gp_width &&
		   r.events_len <= want->events_len &&
		   r.nr_fixed <= want->nr_fixed &&
		   r.fixed_width <= want->fixed_width &&
		   !(r.fixed_bitmap & ~want->fixed_bitmap),
		   "repair only takes away");
	FUZZ_CHECK(!(vpmu_fixed_counter_mask(&r) & ~vpmu_fixed_counter_mask(want)),
		   "repair adds no fixed counter");
	FUZZ_CHECK(vpmu_caps_clamp(&r, host, max, eff) == 0,
		   "a repaired request always clamps");
}

static void check_1c(u32 host)
{
	u32 g = vpmu_cpuid_1c_guest_eax(host);
	u32 depth = g & 0xff, hdepth = host & 0xff;

	FUZZ_CHECK((g & ~host) == 0, "1CH: no bit the host lacks");
	FUZZ_CHECK((g >> 8) == (host >> 8), "1CH: bits 31:8 pass through");
	FUZZ_CHECK(hdepth ? (depth && !(depth & (depth - 1))) : !depth,
		   "1CH: exactly one depth when the host has any");
	FUZZ_CHECK(!hdepth || hdepth < 2 * depth,
		   "1CH: the depth is the deepest");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vpmu_fuzz_input r = { data, size };
	struct vpmu_caps want, host, sentinel;
	u32 want_regs[4], host_regs[4], sent_regs[4];
	u64 sel[VPMU_MAX_GP], fcc, pebs;
	unsigned int max, features, i;
	u32 msr;

	draw_caps(&r, &want, want_regs);
	draw_caps(&r, &host, host_regs);
	max = fuzz_u8(&r);
	if (!(max & 0x80))
		max %= 8;
	features = fuzz_u8(&r);
	msr = fuzz_u32(&r);
	if (!(msr & 0x80000000))
		msr = 0x388 + msr % 16;
	fcc = fuzz_u64(&r);
	pebs = fuzz_u64(&r);
	for (i = 0; i < VPMU_MAX_GP; i++)
		sel[i] = fuzz_u64(&r);
	for (i = 0; i < 4; i++)
		sent_regs[i] = fuzz_u32(&r);
	vpmu_cpuid_0a_decode(sent_regs, &sentinel);

	check_roundtrip(want_regs, &want);
	check_roundtrip(host_regs, &host);
	check_clamp(&want, &host, max, &sentinel);
	check_clamp(&host, &want, max, &sentinel);

	check_rules(&want, features, sel, fcc, pebs, msr, sent_regs[0]);
	check_rules(&host, features, sel, fcc, pebs, msr, sent_regs[1]);
	/* What the guest then gets, and its MSRs' answers. */
	check_repair(&want, &host, max, &sentinel);
	check_rules(&sentinel, features, sel, fcc, pebs, msr, sent_regs[2]);

	check_1c(want_regs[0]);
	check_1c(host_regs[3]);
	return 0;
}
