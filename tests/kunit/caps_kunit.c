// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_caps": the CPUID.0AH / 1CH capability model.
 *
 * Every expected value below is written out from the Intel SDM rule it
 * checks (CPUID leaf 0AH and 1CH in Vol. 2A, "Architectural Performance
 * Monitoring Version 1..5" in Vol. 3B), never computed by the code under
 * test.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include <vpmu/caps.h>
#include <vpmu/msr.h>

#include "vpmu_kunit.h"

/* Indexes probed where "every index" is asked: past 31, and far past. */
#define CAPS_T_PROBES		64
static const unsigned int caps_t_far[] = { 64, 100, 255, 256, 0x7fffffff, ~0U };

static void caps_t_expect_eq(struct kunit *test, const struct vpmu_caps *got,
			     const struct vpmu_caps *exp)
{
	KUNIT_EXPECT_EQ(test, got->version, exp->version);
	KUNIT_EXPECT_EQ(test, got->nr_gp, exp->nr_gp);
	KUNIT_EXPECT_EQ(test, got->gp_width, exp->gp_width);
	KUNIT_EXPECT_EQ(test, got->events_len, exp->events_len);
	KUNIT_EXPECT_EQ(test, got->events_unavail, exp->events_unavail);
	KUNIT_EXPECT_EQ(test, got->fixed_bitmap, exp->fixed_bitmap);
	KUNIT_EXPECT_EQ(test, got->nr_fixed, exp->nr_fixed);
	KUNIT_EXPECT_EQ(test, got->fixed_width, exp->fixed_width);
	KUNIT_EXPECT_EQ(test, got->anythread_deprecated, exp->anythread_deprecated);
}

/* ---------------------------------------------------------------- */
/* decode / encode                                                   */

#define CAPS_T(v, gp, gpw, len, ebx, ecx, nfix, fw, any) \
	{ .version = (v), .nr_gp = (gp), .gp_width = (gpw), \
	  .events_len = (len), .events_unavail = (ebx), \
	  .fixed_bitmap = (ecx), .nr_fixed = (nfix), .fixed_width = (fw), \
	  .anythread_deprecated = (any) }

/* Which way a row holds: registers to fields (DEC), back (ENC), or both. */
#define DEC	BIT(0)
#define ENC	BIT(1)
#define BOTH	(DEC | ENC)

struct caps_t_regs {
	const char *name;
	u8 dir;
	u32 regs[4];
	struct vpmu_caps caps;
};

/*
 * EAX: [7:0] version, [15:8] GP counters, [23:16] GP width, [31:24] EBX
 * length.  EBX, ECX: whole.  EDX: [4:0] fixed counters, [12:5] fixed
 * width, [15] AnyThread deprecation; EDX[14:13] and [31:16] reserved.
 */
static const struct caps_t_regs caps_t_cpuid_cases[] = {
	{ "zero", BOTH, { 0, 0, 0, 0 }, CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v4_typical", BOTH, { 0x07300804, 0x44, 0, 0x8603 },
	  CAPS_T(4, 8, 48, 7, 0x44, 0, 3, 48, true) },
	{ "v5_ecx", BOTH, { 0x0a300805, 0, 0xf, 0x0604 },
	  CAPS_T(5, 8, 48, 10, 0, 0xf, 4, 48, false) },
	{ "distinct_bytes", BOTH, { 0x12345678, 0x9abcdef0, 0x0fedcba9, 0x1fe0 },
	  CAPS_T(0x78, 0x56, 0x34, 0x12, 0x9abcdef0, 0x0fedcba9, 0, 0xff, false) },
	{ "edx_nr_fixed_only", BOTH, { 0, 0, 0, 0x1f }, CAPS_T(0, 0, 0, 0, 0, 0, 31, 0, false) },
	{ "edx_anythread_only", BOTH, { 0, 0, 0, 0x8000 }, CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, true) },
	{ "edx_reserved_only", DEC, { 0, 0, 0, 0xffff6000 },
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "all_ones", DEC, { ~0U, ~0U, ~0U, ~0U },
	  CAPS_T(0xff, 0xff, 0xff, 0xff, ~0U, ~0U, 31, 0xff, true) },
	{ "edx_reserved_and_fields", DEC,
	  { 0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321 },
	  CAPS_T(0x78, 0x56, 0x34, 0x12, 0x9abcdef0, 0x0fedcba9, 1, 0x19, false) },
	{ "top_bits", DEC, { 0x80808080, 0x80000001, 0x80000000, 0xffff6000 },
	  CAPS_T(0x80, 0x80, 0x80, 0x80, 0x80000001, 0x80000000, 0, 0, false) },
	/* nr_fixed keeps its low five bits and never spills into the width */
	{ "nr_fixed_32_truncated", ENC, { 0, 0, 0, 0x0600 },
	  CAPS_T(0, 0, 0, 0, 0, 0, 32, 48, false) },
	{ "nr_fixed_63_truncated", ENC, { 0, 0, 0, 0x001f },
	  CAPS_T(0, 0, 0, 0, 0, 0, 63, 0, false) },
	{ "nr_fixed_33_truncated", ENC, { 0, 0, 0, 0x0001 },
	  CAPS_T(0, 0, 0, 0, 0, 0, 33, 0, false) },
	/* every field at its maximum: still no reserved EDX bit */
	{ "all_max", ENC, { ~0U, ~0U, ~0U, 0x9fff },
	  CAPS_T(0xff, 0xff, 0xff, 0xff, ~0U, ~0U, 0xff, 0xff, true) },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_cpuid, caps_t_cpuid_cases, name);

static void caps_test_cpuid_0a(struct kunit *test)
{
	const struct caps_t_regs *p = test->param_value;
	u32 regs[4] = { 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef };
	struct vpmu_caps got;
	unsigned int i;

	if (p->dir & DEC) {
		vpmu_cpuid_0a_decode(p->regs, &got);
		caps_t_expect_eq(test, &got, &p->caps);
		/* Back again: all but the reserved EDX bits 13, 14, 31:16. */
		vpmu_cpuid_0a_encode(&got, regs);
		for (i = 0; i < 4; i++)
			KUNIT_EXPECT_EQ_MSG(test, regs[i],
					    i == 3 ? p->regs[i] & 0x9fffU : p->regs[i],
					    "register %u after encode", i);
	}
	if (p->dir & ENC) {
		vpmu_cpuid_0a_encode(&p->caps, regs);
		for (i = 0; i < 4; i++)
			KUNIT_EXPECT_EQ_MSG(test, regs[i], p->regs[i], "register %u", i);
	}
}

/* ---------------------------------------------------------------- */
/* fixed counters and architectural events: which indexes exist      */

enum caps_t_kind { CAPS_T_FIXED, CAPS_T_EVENTS };

struct caps_t_index {
	const char *name;
	enum caps_t_kind kind;
	struct vpmu_caps caps;
	u32 expected;	/* bit i: index i exists */
};

#define CAPS_T_F(v, nr, ecx) \
	{ .version = (v), .nr_fixed = (nr), .fixed_bitmap = (ecx) }
#define CAPS_T_E(v, len, ebx) \
	{ .version = (v), .events_len = (len), .events_unavail = (ebx) }

/*
 * Fixed counters: none in version 1; versions 2-4: EDX[4:0] contiguous
 * ones, ECX reserved; version 5+: FxCtr[i] iff ECX[i] || EDX[4:0] > i.
 * Event i is available iff i < EAX[31:24] and EBX[i] is clear.
 */
static const struct caps_t_index caps_t_index_cases[] = {
	{ "fixed_v0", CAPS_T_FIXED, CAPS_T_F(0, 3, 0x50), 0 },
	{ "fixed_v1", CAPS_T_FIXED, CAPS_T_F(1, 3, 0x50), 0 },
	{ "fixed_v2", CAPS_T_FIXED, CAPS_T_F(2, 3, 0x50), 0x7 },
	{ "fixed_v3", CAPS_T_FIXED, CAPS_T_F(3, 3, 0x50), 0x7 },
	{ "fixed_v4", CAPS_T_FIXED, CAPS_T_F(4, 3, 0x50), 0x7 },
	{ "fixed_v5", CAPS_T_FIXED, CAPS_T_F(5, 3, 0x50), 0x57 },
	{ "fixed_v6", CAPS_T_FIXED, CAPS_T_F(6, 3, 0x50), 0x57 },
	{ "fixed_v255", CAPS_T_FIXED, CAPS_T_F(255, 3, 0x50), 0x57 },
	{ "fixed_v1_ecx_only", CAPS_T_FIXED, CAPS_T_F(1, 0, 0xff), 0 },
	{ "fixed_v2_none", CAPS_T_FIXED, CAPS_T_F(2, 0, 0), 0 },
	{ "fixed_v2_one", CAPS_T_FIXED, CAPS_T_F(2, 1, 0), 0x1 },
	{ "fixed_v4_31", CAPS_T_FIXED, CAPS_T_F(4, 31, 0), 0x7fffffff },
	{ "fixed_v4_nr_32", CAPS_T_FIXED, CAPS_T_F(4, 32, 0), 0xffffffff },
	{ "fixed_v4_nr_255", CAPS_T_FIXED, CAPS_T_F(4, 255, 0), 0xffffffff },
	{ "fixed_v4_ecx_only", CAPS_T_FIXED, CAPS_T_F(4, 0, 0xffffffff), 0 },
	{ "fixed_v5_ecx_only", CAPS_T_FIXED, CAPS_T_F(5, 0, 0xffffffff), 0xffffffff },
	{ "fixed_v5_bit31_only", CAPS_T_FIXED, CAPS_T_F(5, 0, 0x80000000), 0x80000000 },
	{ "fixed_v5_holes", CAPS_T_FIXED, CAPS_T_F(5, 1, 0x14), 0x15 },
	{ "fixed_v5_ecx_inside_prefix", CAPS_T_FIXED, CAPS_T_F(5, 4, 0x3), 0xf },
	{ "fixed_v5_none", CAPS_T_FIXED, CAPS_T_F(5, 0, 0), 0 },
	{ "events_v0", CAPS_T_EVENTS, CAPS_T_E(0, 7, 0), 0 },
	{ "events_len0", CAPS_T_EVENTS, CAPS_T_E(4, 0, 0), 0 },
	{ "events_len0_ebx_set", CAPS_T_EVENTS, CAPS_T_E(4, 0, 0xffffffff), 0 },
	{ "events_len7", CAPS_T_EVENTS, CAPS_T_E(4, 7, 0), 0x7f },
	{ "events_len7_some_unavail", CAPS_T_EVENTS, CAPS_T_E(4, 7, 0x05), 0x7a },
	{ "events_len5_bits_beyond_len", CAPS_T_EVENTS, CAPS_T_E(4, 5, 0xffffffe0), 0x1f },
	{ "events_len5_bits_within_and_beyond", CAPS_T_EVENTS, CAPS_T_E(4, 5, 0xe2), 0x1d },
	{ "events_len32", CAPS_T_EVENTS, CAPS_T_E(5, 32, 0), 0xffffffff },
	{ "events_len32_ends_unavail", CAPS_T_EVENTS, CAPS_T_E(5, 32, 0x80000001), 0x7ffffffe },
	{ "events_len32_all_unavail", CAPS_T_EVENTS, CAPS_T_E(5, 32, 0xffffffff), 0 },
	{ "events_len255", CAPS_T_EVENTS, CAPS_T_E(5, 255, 0), 0xffffffff },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_index, caps_t_index_cases, name);

/* Exactly the indexes of the row exist, probed past 31 and far past. */
static void caps_test_indexes(struct kunit *test)
{
	const struct caps_t_index *p = test->param_value;
	bool (*has)(const struct vpmu_caps *caps, unsigned int i);
	unsigned int i;

	if (p->kind == CAPS_T_FIXED) {
		has = vpmu_fixed_counter_supported;
		KUNIT_EXPECT_EQ(test, vpmu_fixed_counter_mask(&p->caps), p->expected);
	} else {
		has = vpmu_arch_event_available;
	}
	for (i = 0; i < CAPS_T_PROBES; i++)
		KUNIT_EXPECT_EQ_MSG(test, has(&p->caps, i),
				    i < 32 && (p->expected & (1U << i)), "index %u", i);
	for (i = 0; i < ARRAY_SIZE(caps_t_far); i++)
		KUNIT_EXPECT_FALSE_MSG(test, has(&p->caps, caps_t_far[i]),
				       "index %u", caps_t_far[i]);
}

/* ---------------------------------------------------------------- */
/* GP counters                                                       */

struct caps_t_gp {
	const char *name;
	u8 version;
	u8 nr_gp;
	u64 expected;
};

/* Bits 0..EAX[15:8]-1, but GLOBAL_CTRL only has 32 GP enable bits. */
static const struct caps_t_gp caps_t_gp_cases[] = {
	{ "v0", 0, 8, 0 },
	{ "v1_0", 1, 0, 0 },
	{ "v1_1", 1, 1, 0x1 },
	{ "v1_4", 1, 4, 0xf },
	{ "v2_8", 2, 8, 0xff },
	{ "v4_31", 4, 31, 0x7fffffff },
	{ "v5_32", 5, 32, 0xffffffff },
	{ "v5_33", 5, 33, 0xffffffff },
	{ "v5_255", 5, 255, 0xffffffff },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_gp, caps_t_gp_cases, name);

static void caps_test_gp_counters(struct kunit *test)
{
	const struct caps_t_gp *p = test->param_value;
	struct vpmu_caps c = { .version = p->version, .nr_gp = p->nr_gp };

	KUNIT_EXPECT_EQ_MSG(test, vpmu_gp_counter_mask(&c), p->expected,
			    "mask %llx", (unsigned long long)vpmu_gp_counter_mask(&c));
}

/* ---------------------------------------------------------------- */
/* GLOBAL_INUSE                                                      */

#define CAPS_T_BIT(n)	VPMU_BIT_ULL(n)
#define CAPS_T_PMI	CAPS_T_BIT(63)
#define CAPS_T_FC(i)	CAPS_T_BIT(32 + (i))

/* v4: 8 GP counters, 3 fixed counters. */
static const struct vpmu_caps caps_t_v4 = CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false);

/* PERFEVTSELn_InUse = (PERFEVTSELn[7:0] != 0), for every bit of [7:0]. */
static void caps_test_inuse_gp_event_field(struct kunit *test)
{
	unsigned int n, b;

	for (n = 0; n < 8; n++) {
		for (b = 0; b < 8; b++) {
			u64 sel[8] = { 0 };

			sel[n] = CAPS_T_BIT(b);
			KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 0, 0),
					    CAPS_T_BIT(n), "counter %u bit %u", n, b);
		}
	}
}

/* Only [7:0] and INT count: umask, USR, OS, EN, INV, CMASK... do not. */
static void caps_test_inuse_gp_other_bits(struct kunit *test)
{
	unsigned int n;

	for (n = 0; n < 8; n++) {
		u64 sel[8] = { 0 };

		/* every bit but the event select and INT (bit 20) */
		sel[n] = ~0xffULL & ~CAPS_T_BIT(20);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 0, 0),
				    0ULL, "counter %u", n);
	}
}

/* PMI_InUse from PERFEVTSELn.INT (bit 20), which does not mark n in use. */
static void caps_test_inuse_pmi_from_gp_int(struct kunit *test)
{
	unsigned int n;

	for (n = 0; n < 8; n++) {
		u64 sel[8] = { 0 };

		sel[n] = CAPS_T_BIT(20);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 0, 0),
				    CAPS_T_PMI, "counter %u", n);
	}
}

/*
 * FCi_InUse = (FIXED_CTR_CTRL[4i+1:4i] != 0): OS (bit 4i) or USR (4i+1);
 * AnyThread (4i+2) does not count, ENi_PMI (4i+3) only sets PMI_InUse.
 */
static void caps_test_inuse_fixed(struct kunit *test)
{
	u64 sel[8] = { 0 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		unsigned int s = 4 * i;

		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 1ULL << s, 0),
				    CAPS_T_FC(i), "fixed %u OS", i);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 2ULL << s, 0),
				    CAPS_T_FC(i), "fixed %u USR", i);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 3ULL << s, 0),
				    CAPS_T_FC(i), "fixed %u OS|USR", i);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 4ULL << s, 0),
				    0ULL, "fixed %u AnyThread", i);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 8ULL << s, 0),
				    CAPS_T_PMI, "fixed %u PMI", i);
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&caps_t_v4, sel, 0xfULL << s, 0),
				    CAPS_T_FC(i) | CAPS_T_PMI, "fixed %u all", i);
	}
}

/* PMI_InUse from any PEBS_ENABLE bit of an existing GP or fixed counter. */
static void caps_test_inuse_pmi_from_pebs(struct kunit *test)
{
	u64 sel[8] = { 0 };
	unsigned int i;

	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vpmu_global_inuse(&caps_t_v4, sel, 0, CAPS_T_BIT(i)),
				    CAPS_T_PMI, "PEBS GP %u", i);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    vpmu_global_inuse(&caps_t_v4, sel, 0, CAPS_T_FC(i)),
				    CAPS_T_PMI, "PEBS fixed %u", i);
}

/* Counters that do not exist never show, whatever their MSRs hold. */
static void caps_test_inuse_absent_counters(struct kunit *test)
{
	/* v4: 4 GP counters, 3 fixed counters */
	static const struct vpmu_caps c = CAPS_T(4, 4, 48, 7, 0, 0, 3, 48, false);
	u64 sel[32];
	unsigned int i;

	for (i = 0; i < 32; i++)
		sel[i] = i < 4 ? 0 : 0xff | CAPS_T_BIT(20);
	/* every field of FIXED_CTR_CTRL above counter 2 fully set */
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, ~0xfffULL, 0), 0ULL);
	/* PEBS_ENABLE: GP 4-31, fixed 3-31: none exists */
	KUNIT_EXPECT_EQ(test,
			vpmu_global_inuse(&c, sel, 0, 0xfffffff8fffffff0ULL),
			0ULL);
}

/* v5 with a hole: fixed 0 and 2 exist, fixed 1 does not. */
static void caps_test_inuse_fixed_hole(struct kunit *test)
{
	static const struct vpmu_caps c = CAPS_T(5, 2, 48, 7, 0, 0x4, 1, 48, false);
	u64 sel[2] = { 0 };

	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0x333, 0),
			CAPS_T_FC(0) | CAPS_T_FC(2));
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0x080, 0), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0x800, 0), CAPS_T_PMI);
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0, CAPS_T_FC(1)), 0ULL);
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0, CAPS_T_FC(2)), CAPS_T_PMI);
}

/* FIXED_CTR_CTRL has fields for counters 0-15 only (VPMU_MAX_FIXED). */
static void caps_test_inuse_fixed_beyond_16(struct kunit *test)
{
	static const struct vpmu_caps c = CAPS_T(5, 0, 0, 0, 0, 0xffff0000, 0, 48, false);
	static const struct vpmu_caps all = CAPS_T(5, 0, 0, 0, 0, 0xffffffff, 0, 48, false);

	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, NULL, ~0ULL, ~0ULL), 0ULL);
	/* counters 0-15 exist: each shows, and the PMI bits give PMI_InUse */
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&all, NULL, ~0ULL, 0),
			0x0000ffff00000000ULL | CAPS_T_PMI);
}

/* eventsel may be NULL without GP counters; bit 31 is the 32nd counter. */
static void caps_test_inuse_gp_count_bounds(struct kunit *test)
{
	static const struct vpmu_caps none = CAPS_T(4, 0, 0, 7, 0, 0, 3, 48, false);
	static const struct vpmu_caps c32 = CAPS_T(4, 32, 48, 7, 0, 0, 0, 0, false);
	static const struct vpmu_caps c40 = CAPS_T(4, 40, 48, 7, 0, 0, 0, 0, false);
	u64 sel[32] = { 0 };

	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&none, NULL, 0x3, 0), CAPS_T_FC(0));
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&none, NULL, 0, 0xff), 0ULL);
	sel[31] = 0x3c;
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c32, sel, 0, 0), CAPS_T_BIT(31));
	/* more than 32 counters claimed: only 32 are read */
	KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c40, sel, 0, 0), CAPS_T_BIT(31));
}

/* GLOBAL_INUSE exists from version 4: before, it reads as 0. */
static void caps_test_inuse_below_v4(struct kunit *test)
{
	u64 sel[8];
	unsigned int v, i;

	for (i = 0; i < 8; i++)
		sel[i] = 0xff | CAPS_T_BIT(20);
	for (v = 0; v < 4; v++) {
		struct vpmu_caps c = caps_t_v4;

		c.version = v;
		KUNIT_EXPECT_EQ_MSG(test, vpmu_global_inuse(&c, sel, ~0ULL, ~0ULL),
				    0ULL, "version %u", v);
	}
	/* and version 5 keeps the version 4 rule */
	{
		struct vpmu_caps c = caps_t_v4;

		c.version = 5;
		KUNIT_EXPECT_EQ(test, vpmu_global_inuse(&c, sel, 0x333, 0),
				0xffULL | CAPS_T_FC(0) | CAPS_T_FC(1) | CAPS_T_FC(2) |
				CAPS_T_PMI);
	}
}

/* ---------------------------------------------------------------- */
/* clamp                                                             */

/* A host offering everything, so only @want can be wrong. */
static const struct vpmu_caps caps_t_big_host =
	CAPS_T(5, 32, 64, 32, 0, 0xffff, 16, 64, false);

static const struct vpmu_caps caps_t_sentinel =
	CAPS_T(0xee, 0xdd, 0xcc, 0xbb, 0xdeadbeef, 0xcafef00d, 0xaa, 0x99, true);

/* @repaired: the nearest consistent request (vpmu_caps_repair()). */
struct caps_t_inval {
	const char *name;
	struct vpmu_caps want;
	struct vpmu_caps repaired;
};

static const struct caps_t_inval caps_t_inval_cases[] = {
	/* version 0 means no PMU: every other field must be clear */
	{ "v0_nr_gp", CAPS_T(0, 1, 0, 0, 0, 0, 0, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_gp_width", CAPS_T(0, 0, 48, 0, 0, 0, 0, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_events_len", CAPS_T(0, 0, 0, 7, 0, 0, 0, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_events_unavail", CAPS_T(0, 0, 0, 0, 1, 0, 0, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_fixed_bitmap", CAPS_T(0, 0, 0, 0, 0, 1, 0, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_nr_fixed", CAPS_T(0, 0, 0, 0, 0, 0, 1, 0, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_fixed_width", CAPS_T(0, 0, 0, 0, 0, 0, 0, 48, false),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "v0_anythread", CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, true),
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	/* ECX is reserved before version 5 */
	{ "v1_ecx", CAPS_T(1, 2, 48, 7, 0, 0x1, 0, 0, false),
	  CAPS_T(1, 2, 48, 7, 0, 0, 0, 0, false) },
	{ "v2_ecx", CAPS_T(2, 2, 48, 7, 0, 0x1, 3, 48, false),
	  CAPS_T(2, 2, 48, 7, 0, 0, 3, 48, false) },
	{ "v3_ecx", CAPS_T(3, 2, 48, 7, 0, 0x8, 3, 48, false),
	  CAPS_T(3, 2, 48, 7, 0, 0, 3, 48, false) },
	{ "v4_ecx", CAPS_T(4, 2, 48, 7, 0, 0x80000000, 3, 48, false),
	  CAPS_T(4, 2, 48, 7, 0, 0, 3, 48, false) },
	/* EDX[12:0] is defined only for version > 1 */
	{ "v1_nr_fixed", CAPS_T(1, 2, 48, 7, 0, 0, 1, 48, false),
	  CAPS_T(1, 2, 48, 7, 0, 0, 0, 0, false) },
	{ "v1_fixed_width", CAPS_T(1, 2, 48, 7, 0, 0, 0, 48, false),
	  CAPS_T(1, 2, 48, 7, 0, 0, 0, 0, false) },
	/* GLOBAL_CTRL has 32 GP bits */
	{ "nr_gp_33", CAPS_T(4, 33, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 32, 48, 7, 0, 0, 3, 48, false) },
	{ "nr_gp_255", CAPS_T(4, 255, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 32, 48, 7, 0, 0, 3, 48, false) },
	/* FIXED_CTR_CTRL and GLOBAL_CTRL control 16 fixed counters */
	{ "v4_nr_fixed_17", CAPS_T(4, 8, 48, 7, 0, 0, 17, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 16, 48, false) },
	{ "v5_nr_fixed_17", CAPS_T(5, 8, 48, 7, 0, 0, 17, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 16, 48, false) },
	{ "v5_ecx_bit16", CAPS_T(5, 8, 48, 7, 0, 0x10000, 3, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 3, 48, false) },
	{ "v5_ecx_bit31", CAPS_T(5, 8, 48, 7, 0, 0x80000000, 0, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 0, 48, false) },
	/* widths: 1..64 where counters exist */
	{ "gp_width_65", CAPS_T(4, 8, 65, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 64, 7, 0, 0, 3, 48, false) },
	{ "gp_width_255_no_gp", CAPS_T(4, 0, 255, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 0, 64, 7, 0, 0, 3, 48, false) },
	{ "gp_width_0", CAPS_T(4, 1, 0, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 0, 0, 7, 0, 0, 3, 48, false) },
	{ "fixed_width_65", CAPS_T(4, 8, 48, 7, 0, 0, 3, 65, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 64, false) },
	{ "fixed_width_0", CAPS_T(4, 8, 48, 7, 0, 0, 1, 0, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 0, 0, false) },
	{ "v5_fixed_width_0_ecx", CAPS_T(5, 8, 48, 7, 0, 0x2, 0, 0, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 0, 0, false) },
	/* EBX has 32 bits */
	{ "events_len_33", CAPS_T(4, 8, 48, 33, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 32, 0, 0, 3, 48, false) },
	{ "events_len_255", CAPS_T(4, 8, 48, 255, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 32, 0, 0, 3, 48, false) },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_inval, caps_t_inval_cases, name);

static void caps_test_clamp_einval(struct kunit *test)
{
	const struct caps_t_inval *p = test->param_value;
	struct vpmu_caps out = caps_t_sentinel;
	unsigned int max;

	for (max = 0; max <= 6; max++) {
		KUNIT_EXPECT_EQ_MSG(test,
				    vpmu_caps_clamp(&p->want, &caps_t_big_host, max, &out),
				    -EINVAL, "max_version %u", max);
		caps_t_expect_eq(test, &out, &caps_t_sentinel);
	}
}

/*
 * What cannot be refused (KVM_SET_CPUID2 through a refresh that returns
 * void) becomes the nearest request clamp accepts, which repair keeps.
 */
static void caps_test_repair(struct kunit *test)
{
	const struct caps_t_inval *p = test->param_value;
	struct vpmu_caps out = caps_t_sentinel, again;

	KUNIT_EXPECT_TRUE(test, vpmu_caps_repair(&p->want, &out));
	caps_t_expect_eq(test, &out, &p->repaired);
	KUNIT_EXPECT_EQ(test, vpmu_caps_clamp(&out, &caps_t_big_host, 5, &again), 0);
	KUNIT_EXPECT_FALSE(test, vpmu_caps_repair(&out, &again));
	caps_t_expect_eq(test, &again, &out);
}

/* The limits themselves are accepted, and need no repair. */
static void caps_test_clamp_limits_accepted(struct kunit *test)
{
	static const struct vpmu_caps ok[] = {
		CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false),
		CAPS_T(1, 0, 0, 0, 0, 0, 0, 0, false),
		CAPS_T(1, 32, 64, 32, 0, 0, 0, 0, true),
		CAPS_T(4, 32, 64, 32, 0, 0, 16, 64, false),
		CAPS_T(5, 32, 1, 32, 0, 0x8000, 0, 1, false),
		CAPS_T(5, 0, 0, 0, 0, 0, 0, 0, false),
		CAPS_T(4, 0, 0, 0, 0xffffffff, 0, 0, 0, true),
		/* a width without counters is harmless */
		CAPS_T(4, 0, 64, 0, 0, 0, 0, 64, false),
		/* beyond the model's versions: clamped, not refused */
		CAPS_T(255, 8, 48, 7, 0, 0xff, 4, 48, false),
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		struct vpmu_caps out;

		KUNIT_EXPECT_EQ_MSG(test,
				    vpmu_caps_clamp(&ok[i], &caps_t_big_host, 255, &out),
				    0, "case %u", i);
		KUNIT_EXPECT_FALSE_MSG(test, vpmu_caps_repair(&ok[i], &out),
				       "case %u", i);
		caps_t_expect_eq(test, &out, &ok[i]);
	}
}

struct caps_t_clamp {
	const char *name;
	struct vpmu_caps want;
	struct vpmu_caps host;
	unsigned int max_version;
	struct vpmu_caps out;
};

static const struct caps_t_clamp caps_t_clamp_cases[] = {
	{ "want_within_host",
	  CAPS_T(4, 4, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, false), 5,
	  CAPS_T(4, 4, 48, 7, 0, 0, 3, 48, false) },
	{ "host_limits_every_field",
	  CAPS_T(5, 32, 64, 32, 0, 0xffff, 16, 64, false),
	  CAPS_T(4, 8, 48, 7, 0x40, 0, 3, 40, false), 5,
	  CAPS_T(4, 8, 48, 7, 0x40, 0, 3, 40, false) },
	{ "want_limits_every_field",
	  CAPS_T(2, 2, 40, 5, 0, 0, 1, 40, false),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, false), 5,
	  CAPS_T(2, 2, 40, 5, 0, 0, 1, 40, false) },
	{ "max_version_0",
	  CAPS_T(4, 4, 48, 7, 0x3, 0, 3, 48, true),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, true), 0,
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "max_version_1_drops_fixed",
	  CAPS_T(4, 4, 48, 7, 0x3, 0, 3, 48, false),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, true), 1,
	  CAPS_T(1, 4, 48, 7, 0x3, 0, 0, 0, true) },
	{ "max_version_2",
	  CAPS_T(5, 4, 48, 7, 0, 0x5, 2, 48, false),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, false), 2,
	  CAPS_T(2, 4, 48, 7, 0, 0, 3, 48, false) },
	{ "max_version_above_model",
	  CAPS_T(6, 4, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(7, 8, 48, 8, 0, 0, 4, 48, false), 9,
	  CAPS_T(5, 4, 48, 7, 0, 0x7, 3, 48, false) },
	{ "v5_holes_to_v4_prefix",
	  CAPS_T(5, 8, 48, 7, 0, 0xb, 0, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 4, 48, false), 4,
	  CAPS_T(4, 8, 48, 7, 0, 0, 2, 48, false) },
	{ "v5_holes_kept_at_v5",
	  CAPS_T(5, 8, 48, 7, 0, 0xb, 0, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 4, 48, false), 5,
	  CAPS_T(5, 8, 48, 7, 0, 0xb, 2, 48, false) },
	{ "v5_no_counter_0_to_v4_none",
	  CAPS_T(5, 8, 48, 7, 0, 0x6, 0, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0, 4, 48, false), 4,
	  CAPS_T(4, 8, 48, 7, 0, 0, 0, 48, false) },
	{ "v5_host_older",
	  CAPS_T(5, 8, 48, 7, 0, 0xb, 0, 48, false),
	  CAPS_T(3, 8, 48, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(3, 8, 48, 7, 0, 0, 2, 48, false) },
	{ "fixed_intersection",
	  CAPS_T(5, 8, 48, 7, 0, 0x30, 4, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0x24, 1, 48, false), 5,
	  CAPS_T(5, 8, 48, 7, 0, 0x25, 1, 48, false) },
	{ "host_v4_ecx_ignored",
	  CAPS_T(5, 8, 48, 7, 0, 0xf, 0, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0xff, 2, 48, false), 5,
	  CAPS_T(4, 8, 48, 7, 0, 0, 2, 48, false) },
	{ "events_union",
	  CAPS_T(4, 8, 48, 8, 0x05, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 10, 0x30, 0, 3, 48, false), 5,
	  CAPS_T(4, 8, 48, 8, 0x35, 0, 3, 48, false) },
	{ "events_host_shorter",
	  CAPS_T(4, 8, 48, 10, 0x200, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(4, 8, 48, 7, 0x200, 0, 3, 48, false) },
	{ "anythread_neither",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false) },
	{ "anythread_want",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true) },
	{ "anythread_host",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true), 5,
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true) },
	{ "anythread_both",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true), 5,
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, true) },
	{ "host_gp_width_0",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 0, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(4, 0, 0, 7, 0, 0, 3, 48, false) },
	{ "host_fixed_width_0",
	  CAPS_T(5, 8, 48, 7, 0, 0x10, 3, 48, false),
	  CAPS_T(5, 8, 48, 7, 0, 0x10, 3, 0, false), 5,
	  CAPS_T(5, 8, 48, 7, 0, 0, 0, 0, false) },
	{ "host_v0",
	  CAPS_T(4, 8, 48, 7, 0x1, 0, 3, 48, true),
	  CAPS_T(0, 8, 48, 7, 0, 0, 3, 48, true), 5,
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "host_v1",
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false),
	  CAPS_T(1, 4, 40, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(1, 4, 40, 7, 0, 0, 0, 0, false) },
	{ "host_nonsense",
	  CAPS_T(5, 32, 64, 32, 0, 0x8000, 15, 64, false),
	  CAPS_T(5, 200, 200, 200, 0, 0xffffffff, 31, 200, false), 5,
	  CAPS_T(5, 32, 64, 32, 0, 0xffff, 16, 64, false) },
	{ "want_v0",
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, true), 5,
	  CAPS_T(0, 0, 0, 0, 0, 0, 0, 0, false) },
	{ "want_v1_anythread",
	  CAPS_T(1, 2, 40, 7, 0, 0, 0, 0, true),
	  CAPS_T(5, 8, 48, 8, 0, 0xf, 4, 48, false), 5,
	  CAPS_T(1, 2, 40, 7, 0, 0, 0, 0, true) },
	{ "want_no_gp",
	  CAPS_T(4, 0, 0, 7, 0, 0, 3, 48, false),
	  CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), 5,
	  CAPS_T(4, 0, 0, 7, 0, 0, 3, 48, false) },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_clamp, caps_t_clamp_cases, name);

static void caps_test_clamp(struct kunit *test)
{
	const struct caps_t_clamp *p = test->param_value;
	struct vpmu_caps out = caps_t_sentinel, again = caps_t_sentinel, alias;

	KUNIT_ASSERT_EQ(test, vpmu_caps_clamp(&p->want, &p->host, p->max_version, &out), 0);
	caps_t_expect_eq(test, &out, &p->out);

	/* never more than the host */
	KUNIT_EXPECT_LE(test, out.version, p->host.version);
	KUNIT_EXPECT_LE(test, out.nr_gp, p->host.nr_gp);
	KUNIT_EXPECT_LE(test, out.gp_width, p->host.gp_width);
	KUNIT_EXPECT_LE(test, out.events_len, p->host.events_len);
	KUNIT_EXPECT_LE(test, out.fixed_width, p->host.fixed_width);
	KUNIT_EXPECT_EQ(test, vpmu_fixed_counter_mask(&out) &
			~vpmu_fixed_counter_mask(&p->host), 0U);

	/* the result is a valid request that clamps to itself */
	KUNIT_EXPECT_EQ(test, vpmu_caps_clamp(&out, &out, VPMU_MAX_VERSION, &again), 0);
	caps_t_expect_eq(test, &again, &out);

	/* @out may be @want */
	alias = p->want;
	KUNIT_EXPECT_EQ(test, vpmu_caps_clamp(&alias, &p->host, p->max_version, &alias), 0);
	caps_t_expect_eq(test, &alias, &p->out);

	/* a request clamp accepts needs no repair, nor does the result */
	KUNIT_EXPECT_FALSE(test, vpmu_caps_repair(&p->want, &again));
	caps_t_expect_eq(test, &again, &p->want);
	KUNIT_EXPECT_FALSE(test, vpmu_caps_repair(&out, &again));
}

/* ---------------------------------------------------------------- */
/* global MSR masks                                                  */

struct caps_t_global {
	const char *name;
	struct vpmu_caps caps;
	unsigned int features;
	u64 ctrl, status, reset, set;
};

/*
 * GLOBAL_CTRL: GP bits 0..n-1, fixed bits 32+i (v2+).  GLOBAL_STATUS:
 * the same overflow bits, CondChgd (63), OvfBuf (62) with DS, LBR_Frz
 * (58) and CTR_Frz (59) from v4.  OVF_CTRL/STATUS_RESET: every status
 * bit.  STATUS_SET (v4+): every status bit but CondChgd.
 */
static const struct caps_t_global caps_t_global_cases[] = {
	{ "v0", CAPS_T(0, 8, 48, 7, 0, 0, 3, 48, false), VPMU_FEAT_DS,
	  0, 0, 0, 0 },
	{ "v1", CAPS_T(1, 8, 48, 7, 0, 0, 3, 48, false), VPMU_FEAT_DS,
	  0, 0, 0, 0 },
	{ "v2_no_ds", CAPS_T(2, 2, 48, 7, 0, 0, 3, 48, false), 0,
	  0x0000000700000003ULL, 0x8000000700000003ULL,
	  0x8000000700000003ULL, 0 },
	{ "v2_ds", CAPS_T(2, 2, 48, 7, 0, 0, 3, 48, false), VPMU_FEAT_DS,
	  0x0000000700000003ULL, 0xc000000700000003ULL,
	  0xc000000700000003ULL, 0 },
	{ "v2_ecx_ignored", CAPS_T(2, 1, 48, 7, 0, 0xf, 0, 48, false), 0,
	  0x0000000000000001ULL, 0x8000000000000001ULL,
	  0x8000000000000001ULL, 0 },
	{ "v3_ds", CAPS_T(3, 4, 48, 7, 0, 0, 3, 48, false), VPMU_FEAT_DS,
	  0x000000070000000fULL, 0xc00000070000000fULL,
	  0xc00000070000000fULL, 0 },
	{ "v4_ds", CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), VPMU_FEAT_DS,
	  0x00000007000000ffULL, 0xcc000007000000ffULL,
	  0xcc000007000000ffULL, 0x4c000007000000ffULL },
	{ "v4_no_ds", CAPS_T(4, 8, 48, 7, 0, 0, 3, 48, false), 0,
	  0x00000007000000ffULL, 0x8c000007000000ffULL,
	  0x8c000007000000ffULL, 0x0c000007000000ffULL },
	{ "v4_no_counters", CAPS_T(4, 0, 0, 7, 0, 0, 0, 0, false), 0,
	  0, 0x8c00000000000000ULL, 0x8c00000000000000ULL,
	  0x0c00000000000000ULL },
	{ "v4_nr_gp_40", CAPS_T(4, 40, 48, 7, 0, 0, 0, 48, false), 0,
	  0x00000000ffffffffULL, 0x8c000000ffffffffULL,
	  0x8c000000ffffffffULL, 0x0c000000ffffffffULL },
	{ "v5_holes_ds", CAPS_T(5, 8, 48, 7, 0, 0x5, 1, 48, false), VPMU_FEAT_DS,
	  0x00000005000000ffULL, 0xcc000005000000ffULL,
	  0xcc000005000000ffULL, 0x4c000005000000ffULL },
	{ "v5_all_counters", CAPS_T(5, 32, 48, 7, 0, 0xffffffff, 0, 48, false),
	  VPMU_FEAT_DS,
	  0x0000ffffffffffffULL, 0xcc00ffffffffffffULL,
	  0xcc00ffffffffffffULL, 0x4c00ffffffffffffULL },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_global, caps_t_global_cases, name);

static void caps_test_global_masks(struct kunit *test)
{
	const struct caps_t_global *p = test->param_value;
	u64 ctrl = vpmu_global_ctrl_valid(&p->caps);
	u64 status = vpmu_global_status_valid(&p->caps, p->features);
	u64 reset = vpmu_global_status_reset_valid(&p->caps, p->features);
	u64 set = vpmu_global_status_set_valid(&p->caps, p->features);

	KUNIT_EXPECT_EQ_MSG(test, ctrl, p->ctrl, "ctrl %llx",
			    (unsigned long long)ctrl);
	KUNIT_EXPECT_EQ_MSG(test, status, p->status, "status %llx",
			    (unsigned long long)status);
	KUNIT_EXPECT_EQ_MSG(test, reset, p->reset, "reset %llx",
			    (unsigned long long)reset);
	KUNIT_EXPECT_EQ_MSG(test, set, p->set, "set %llx",
			    (unsigned long long)set);
}

/* ---------------------------------------------------------------- */
/* MSR validity                                                      */

/*
 * Bit k stands for MSR 0x38c + k.  0x38d FIXED_CTR_CTRL, 0x38e
 * GLOBAL_STATUS, 0x38f GLOBAL_CTRL, 0x390 GLOBAL_OVF_CTRL: version 2.
 * 0x391 GLOBAL_STATUS_SET, 0x392 GLOBAL_INUSE: version 4.  0x38c and
 * 0x393 are not this function's to judge.
 */
static void caps_test_msr_is_valid(struct kunit *test)
{
	static const struct { u8 version; u8 msrs; } tab[] = {
		{ 0, 0x00 }, { 1, 0x00 }, { 2, 0x1e }, { 3, 0x1e },
		{ 4, 0x7e }, { 5, 0x7e }, { 6, 0x7e }, { 255, 0x7e },
	};
	static const u32 others[] = {
		0, VPMU_MSR_PMC0, VPMU_MSR_PERFEVTSEL0, VPMU_MSR_FIXED_CTR0,
		VPMU_MSR_PERF_CAPABILITIES, VPMU_MSR_PEBS_ENABLE,
		VPMU_MSR_DS_AREA, 0x1038d, 0x8000038e, ~0U,
	};
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		struct vpmu_caps c = CAPS_T(tab[i].version, 8, 48, 7, 0, 0, 3, 48, false);

		for (k = 0; k < 8; k++)
			KUNIT_EXPECT_EQ_MSG(test, vpmu_msr_is_valid(&c, 0x38c + k),
					    !!(tab[i].msrs & (1U << k)),
					    "version %u msr %#x", tab[i].version, 0x38c + k);
		for (k = 0; k < ARRAY_SIZE(others); k++)
			KUNIT_EXPECT_FALSE_MSG(test, vpmu_msr_is_valid(&c, others[k]),
					       "version %u msr %#x", tab[i].version,
					       others[k]);
	}
}

/* ---------------------------------------------------------------- */
/* CPUID.1CH                                                         */

struct caps_t_1c {
	const char *name;
	u32 host;
	u32 guest;
};

/* EAX[7:0]: only the host's deepest depth (highest bit); the rest as is. */
static const struct caps_t_1c caps_t_1c_cases[] = {
	{ "none", 0, 0 },
	{ "only_8", 0x01, 0x01 },
	{ "only_32", 0x08, 0x08 },
	{ "8_to_56", 0x7f, 0x40 },
	{ "8_to_64", 0xff, 0x80 },
	{ "sparse", 0x15, 0x10 },
	{ "upper_bits_only", 0xc0000100, 0xc0000100 },
	{ "upper_bits_and_depths", 0xc000007f, 0xc0000040 },
	{ "all_ones", 0xffffffff, 0xffffff80 },
	{ "depth_bits_beside_upper", 0x00000a05, 0x00000a04 },
};

KUNIT_ARRAY_PARAM_DESC(caps_t_1c, caps_t_1c_cases, name);

static void caps_test_cpuid_1c(struct kunit *test)
{
	const struct caps_t_1c *p = test->param_value;
	u32 got = vpmu_cpuid_1c_guest_eax(p->host);

	KUNIT_EXPECT_EQ_MSG(test, got, p->guest, "host %#x got %#x", p->host, got);
	/* never a bit the host lacks */
	KUNIT_EXPECT_EQ(test, got & ~p->host, 0U);
}

static struct kunit_case caps_test_cases[] = {
	KUNIT_CASE_PARAM(caps_test_cpuid_0a, caps_t_cpuid_gen_params),
	KUNIT_CASE_PARAM(caps_test_indexes, caps_t_index_gen_params),
	KUNIT_CASE_PARAM(caps_test_gp_counters, caps_t_gp_gen_params),
	KUNIT_CASE(caps_test_inuse_gp_event_field),
	KUNIT_CASE(caps_test_inuse_gp_other_bits),
	KUNIT_CASE(caps_test_inuse_pmi_from_gp_int),
	KUNIT_CASE(caps_test_inuse_fixed),
	KUNIT_CASE(caps_test_inuse_pmi_from_pebs),
	KUNIT_CASE(caps_test_inuse_absent_counters),
	KUNIT_CASE(caps_test_inuse_fixed_hole),
	KUNIT_CASE(caps_test_inuse_fixed_beyond_16),
	KUNIT_CASE(caps_test_inuse_gp_count_bounds),
	KUNIT_CASE(caps_test_inuse_below_v4),
	KUNIT_CASE_PARAM(caps_test_clamp_einval, caps_t_inval_gen_params),
	KUNIT_CASE_PARAM(caps_test_repair, caps_t_inval_gen_params),
	KUNIT_CASE(caps_test_clamp_limits_accepted),
	KUNIT_CASE_PARAM(caps_test_clamp, caps_t_clamp_gen_params),
	KUNIT_CASE_PARAM(caps_test_global_masks, caps_t_global_gen_params),
	KUNIT_CASE(caps_test_msr_is_valid),
	KUNIT_CASE_PARAM(caps_test_cpuid_1c, caps_t_1c_gen_params),
	{}
};

VPMU_KUNIT_SUITE(vpmu_caps, caps_test_cases, NULL, NULL);
