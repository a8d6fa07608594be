// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the capability model (src/core/caps.c): decode,
 * encode, clamp, the global MSR masks, GLOBAL_INUSE and CPUID.1CH.
 *
 * Each input describes a request, a host, a version cap, a feature set
 * and the PMU MSRs of a guest.  Requests are either raw CPUID registers
 * or fields drawn near the architectural limits, so that both the
 * -EINVAL paths and the clamping paths are reached.  Every invariant that
 * fails prints its name and aborts.
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

/* The SDM's fixed counter rule, restated: the differential reference. */
static u32 ref_fixed_mask(const struct vpmu_caps *c)
{
	if (c->version < 2)
		return 0;
	if (c->version < 5)
		return low32(c->nr_fixed);
	return low32(c->nr_fixed) | c->fixed_bitmap;
}

static u64 ref_gp_mask(const struct vpmu_caps *c)
{
	return c->version ? low32(c->nr_gp) : 0;
}

/* The -EINVAL list of vpmu_caps_clamp(), restated from caps.h. */
static int ref_request_valid(const struct vpmu_caps *c)
{
	u32 fixed = ref_fixed_mask(c);

	if (c->version == 0)
		return !c->nr_gp && !c->gp_width && !c->events_len &&
		       !c->events_unavail && !c->fixed_bitmap && !c->nr_fixed &&
		       !c->fixed_width && !c->anythread_deprecated;
	if (c->version < 5 && c->fixed_bitmap)
		return 0;
	if (c->version == 1 && (c->nr_fixed || c->fixed_width))
		return 0;
	if (c->nr_gp > VPMU_MAX_GP || fixed >> VPMU_MAX_FIXED)
		return 0;
	if (c->gp_width > 64 || (!c->gp_width && c->nr_gp))
		return 0;
	if (c->fixed_width > 64 || (!c->fixed_width && fixed))
		return 0;
	return c->events_len <= VPMU_MAX_ARCH_EVENTS;
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

/* Rules on any struct, valid or not: masks, INUSE, MSRs, events. */
static void check_rules(const struct vpmu_caps *c, unsigned int features,
			const u64 sel[VPMU_MAX_GP], u64 fcc,
			u64 pebs, u32 msr)
{
	u32 fixed = vpmu_fixed_counter_mask(c);
	u64 gp = vpmu_gp_counter_mask(c);
	u64 fixed16 = (u64)(fixed & 0xffff) << 32;
	u64 ctrl = vpmu_global_ctrl_valid(c);
	u64 status = vpmu_global_status_valid(c, features);
	u64 reset = vpmu_global_status_reset_valid(c, features);
	u64 set = vpmu_global_status_set_valid(c, features);
	u64 inuse = vpmu_global_inuse(c, sel, fcc, pebs);
	u64 ref_inuse = 0;
	u64 extra = VPMU_STATUS_COND_CHGD;
	int pmi = 0;
	unsigned int i;

	FUZZ_CHECK(fixed == ref_fixed_mask(c),
		   "fixed mask follows the SDM rule");
	FUZZ_CHECK(gp == ref_gp_mask(c), "gp mask is bits 0..min(nr_gp,32)-1");
	for (i = 0; i < 40; i++) {
		FUZZ_CHECK(vpmu_fixed_counter_supported(c, i) ==
			   (i < 32 && (fixed >> i & 1)),
			   "fixed_counter_supported agrees with the mask");
		FUZZ_CHECK(vpmu_arch_event_available(c, i) ==
			   (c->version && i < c->events_len && i < 32 &&
			    !(c->events_unavail >> i & 1)),
			   "event availability follows the SDM rule");
	}

	/* GLOBAL_CTRL, _STATUS, _STATUS_RESET, _STATUS_SET */
	FUZZ_CHECK(c->version >= 2 || (!ctrl && !status && !reset && !set),
		   "no global MSR bits below version 2");
	FUZZ_CHECK(c->version < 2 || ctrl == (gp | fixed16),
		   "GLOBAL_CTRL is the counters that exist");
	if (features & VPMU_FEAT_DS)
		extra |= VPMU_STATUS_OVF_BUF;
	if (c->version >= 4)
		extra |= VPMU_STATUS_LBR_FRZ | VPMU_STATUS_CTR_FRZ;
	FUZZ_CHECK(c->version < 2 || status == (ctrl | extra),
		   "GLOBAL_STATUS is GLOBAL_CTRL plus the defined flag bits");
	FUZZ_CHECK(reset == status, "every status bit can be reset");
	FUZZ_CHECK((set & ~status) == 0,
		   "status_set_valid is a subset of status_valid");
	FUZZ_CHECK(!(set & VPMU_STATUS_COND_CHGD), "CondChgd cannot be set");
	FUZZ_CHECK(c->version >= 4 || !set,
		   "no GLOBAL_STATUS_SET below version 4");
	FUZZ_CHECK(c->version < 4 || set == (status & ~VPMU_STATUS_COND_CHGD),
		   "status_set_valid is status_valid without CondChgd");

	/* GLOBAL_INUSE */
	FUZZ_CHECK((inuse & ~(gp | fixed16 | VPMU_INUSE_PMI)) == 0,
		   "inuse shows only existing counters and PMI_InUse");
	if (c->version >= 4) {
		for (i = 0; i < 32; i++) {
			if (!(gp >> i & 1))
				continue;
			if (sel[i] & 0xff)
				ref_inuse |= 1ULL << i;
			if (sel[i] & (1ULL << 20))
				pmi = 1;
		}
		for (i = 0; i < 16; i++) {
			if (!(fixed >> i & 1))
				continue;
			if (fcc >> (4 * i) & 3)
				ref_inuse |= 1ULL << (32 + i);
			if (fcc >> (4 * i) & 8)
				pmi = 1;
		}
		if (pebs & (gp | fixed16))
			pmi = 1;
		if (pmi)
			ref_inuse |= 1ULL << 63;
	}
	FUZZ_CHECK(inuse == ref_inuse, "inuse follows the SDM rule");

	/* MSR existence */
	FUZZ_CHECK(vpmu_msr_is_valid(c, msr) ==
		   ((msr >= 0x38d && msr <= 0x390 && c->version >= 2) ||
		    (msr >= 0x391 && msr <= 0x392 && c->version >= 4)),
		   "msr_is_valid: 0x38d-0x390 from v2, 0x391-0x392 from v4");
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
	FUZZ_CHECK((ret == 0) == ref_request_valid(want),
		   "clamp refuses exactly the inconsistent requests");
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
	FUZZ_CHECK(ref_request_valid(&out), "out is a valid request");
	FUZZ_CHECK(vpmu_caps_clamp(&out, &out, VPMU_MAX_VERSION, &again) == 0,
		   "clamp(out, out) succeeds");
	FUZZ_CHECK(caps_equal(&again, &out), "clamp(out, out) == out");
	FUZZ_CHECK(vpmu_caps_clamp(&out, &out, max, &again) == 0 &&
		   caps_equal(&again, &out), "clamp(out, out, max) == out");

	/* out may alias want */
	FUZZ_CHECK(vpmu_caps_clamp(&alias, host, max, &alias) == 0 &&
		   caps_equal(&alias, &out), "clamp with out == want");
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

	check_rules(&want, features, sel, fcc, pebs, msr);
	check_rules(&host, features, sel, fcc, pebs, msr);
	if (vpmu_caps_clamp(&want, &host, max, &sentinel) == 0)
		check_rules(&sentinel, features, sel, fcc, pebs, msr);

	check_1c(want_regs[0]);
	check_1c(host_regs[3]);
	return 0;
}
