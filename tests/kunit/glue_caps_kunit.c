// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_caps": architectural PMU v4/v5 through the
 * wrappers, on fake vCPUs whose refresh and MSR paths do what KVM's do
 * (glue_bench.c).  Everything is judged by what the guest (or its VMM)
 * sees: RDMSR/WRMSR results and values, #GP, RDPMC, the version KVM
 * reports; the SDM (Vol. 3B, "Architectural Performance Monitoring
 * Version 4/5") defines each answer.  The bench's host: a v5 PMU, 8 GP
 * and fixed counters 0-2 of 48 bits.
 */
#include <asm/msr-index.h>

#include <vpmu/caps.h>
#include <vpmu/msr.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"

#define STATUS_SET	VPMU_MSR_GLOBAL_STATUS_SET
#define INUSE		VPMU_MSR_GLOBAL_INUSE
#define STATUS_RESET	VPMU_MSR_GLOBAL_STATUS_RESET
#define LBR_FRZ		VPMU_STATUS_LBR_FRZ
#define CTR_FRZ		VPMU_STATUS_CTR_FRZ
#define FIXED(i)	(MSR_CORE_PERF_FIXED_CTR0 + (i))
#define RDPMC_FIXED(i)	(BIT(30) | (i))

/* CPUID.0AH: @version, 8 GP x 48 bits, 7 events; EDX[4:0] @nr, ECX @ecx. */
static void caps_cpuid(struct kvm_vcpu *vcpu, u8 version, u32 ecx, u32 nr)
{
	u32 regs[4] = { 0x07300800 | version, 0, ecx, nr | 48 << 5 };

	bench_set_cpuid(vcpu, 0, regs);
	bench_kvm_refresh(vcpu);
}

static struct kvm_vcpu *caps_vcpu(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 300), 0);

	KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	return vcpu;
}

static int caps_rd(struct kvm_vcpu *vcpu, u32 msr, u64 *val)
{
	*val = 0xdead;
	return bench_msr(vcpu, false, msr, val, false);
}

static int caps_wr(struct kvm_vcpu *vcpu, u32 msr, u64 val)
{
	return bench_msr(vcpu, true, msr, &val, false);
}

/* ---- versions -------------------------------------------------------- */

struct caps_version_case {
	u8 want;
	unsigned int max;
	u8 given;
};

static const struct caps_version_case caps_version_cases[] = {
	{ 0, 5, 0 }, { 1, 5, 1 }, { 2, 5, 2 }, { 3, 5, 3 }, { 4, 5, 4 },
	{ 5, 5, 5 }, { 6, 5, 5 }, { 255, 5, 5 },
	{ 5, 4, 4 }, { 5, 3, 3 }, { 5, 2, 2 }, { 4, 1, 1 },
};

static void caps_version_desc(const struct caps_version_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "want v%u, max_version %u",
		 c->want, c->max);
}

KUNIT_ARRAY_PARAM(caps_version, caps_version_cases, caps_version_desc);

/*
 * The version the guest gets: its own, never above the host's (5) or
 * max_version, where KVM alone copies any value.  GLOBAL_STATUS_SET and
 * GLOBAL_INUSE exist exactly from version 4; the v2 global MSRs from 2.
 */
static void caps_test_version(struct kunit *test)
{
	const struct caps_version_case *c = test->param_value;
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	vpmu_cfg.max_version = c->max;
	caps_cpuid(vcpu, c->want, 0, 3);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.version, c->given);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, STATUS_SET, &val),
			c->given >= 4 ? 0 : 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val),
			c->given >= 4 ? 0 : 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, MSR_CORE_PERF_GLOBAL_CTRL, &val),
			c->given >= 2 ? 0 : 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(0), &val),
			c->given >= 2 ? 0 : 1);
}

/* A vCPU whose VMM set no CPUID yet has no PMU: nothing to claim. */
static void caps_test_before_refresh(struct kunit *test)
{
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.version, 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, STATUS_SET, &val), 1);
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_SET, 0), 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(0), &val), 1);
	KUNIT_EXPECT_EQ(test, bench_rdpmc(vcpu, RDPMC_FIXED(0)), 1);
}

/* Without pmu_v5 the guest gets KVM's PMU, version copied as it is. */
static void caps_test_feature_off(struct kunit *test)
{
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	vpmu_cfg.features &= ~BIT(VPMU_EXT_PMU_V5);
	caps_cpuid(vcpu, 255, 0x5, 0);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.version, 255);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, STATUS_SET, &val), 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 1);
}

/* ---- fixed counters: counter i exists iff ECX[i] or EDX[4:0] > i ------- */

struct caps_fixed_case {
	const char *name;
	u8 version;
	u32 ecx;
	u32 nr;
	u32 exists;	/* of fixed counters 0-2 */
	bool repaired;
};

static const struct caps_fixed_case caps_fixed_cases[] = {
	{ "v5 EDX 3", 5, 0, 3, 0x7, false },
	{ "v5 EDX 0 ECX 0", 5, 0, 0, 0x0, false },
	{ "v5 ECX 101 (hole 1)", 5, 0x5, 0, 0x5, false },
	{ "v5 EDX 1 ECX 100 (hole 1)", 5, 0x4, 1, 0x5, false },
	{ "v5 ECX 010 (hole 0)", 5, 0x2, 0, 0x2, false },
	{ "v5 ECX 100 (holes 0 1)", 5, 0x4, 0, 0x4, false },
	{ "v5 EDX 2 ECX 100", 5, 0x4, 2, 0x7, false },
	{ "v5 ECX all 32", 5, ~0U, 0, 0x7, true },
	{ "v5 EDX 31", 5, 0, 31, 0x7, true },
	{ "v4 ECX set", 4, 0x5, 1, 0x1, true },
	{ "v4 EDX 2", 4, 0, 2, 0x3, false },
	{ "v2 EDX 3", 2, 0, 3, 0x7, false },
	{ "v1 EDX 3", 1, 0, 3, 0x0, true },
};

KUNIT_ARRAY_PARAM_DESC(caps_fixed, caps_fixed_cases, name);

/*
 * A fixed counter the guest lacks is absent everywhere: its MSR and RDPMC
 * #GP, its FIXED_CTR_CTRL field and GLOBAL_CTRL bit are reserved, and it
 * is not a valid counter; one only ECX enumerates works like the others.
 */
static void caps_test_fixed(struct kunit *test)
{
	const struct caps_fixed_case *c = test->param_value;
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	unsigned long repairs = v->stats[VPMU_STAT_CPUID_REPAIRS];
	unsigned int i;
	u64 val;

	caps_cpuid(vcpu, c->version, c->ecx, c->nr);
	KUNIT_EXPECT_EQ(test, v->stats[VPMU_STAT_CPUID_REPAIRS],
			repairs + c->repaired);
	for (i = 0; i < 3; i++) {
		bool on = c->exists & BIT(i);

		KUNIT_EXPECT_EQ_MSG(test, caps_rd(vcpu, FIXED(i), &val), !on,
				    "rdmsr fixed %u", i);
		KUNIT_EXPECT_EQ_MSG(test, caps_wr(vcpu, FIXED(i), 5), !on,
				    "wrmsr fixed %u", i);
		if (on) {
			KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(i), &val), 0);
			KUNIT_EXPECT_EQ(test, val, 5ULL);
		}
		KUNIT_EXPECT_EQ_MSG(test, bench_rdpmc(vcpu, RDPMC_FIXED(i)), !on,
				    "rdpmc fixed %u", i);
		if (c->version < 2)
			continue;
		KUNIT_EXPECT_EQ_MSG(test,
				    caps_wr(vcpu, MSR_CORE_PERF_FIXED_CTR_CTRL,
					    0xbULL << (4 * i)), !on,
				    "enable fixed %u", i);
		KUNIT_EXPECT_EQ_MSG(test, caps_wr(vcpu, MSR_CORE_PERF_GLOBAL_CTRL,
						  BIT_ULL(32 + i)), !on,
				    "global_ctrl fixed %u", i);
		KUNIT_EXPECT_EQ_MSG(test,
				    test_bit(INTEL_PMC_IDX_FIXED + i,
					     vcpu->arch.pmu.all_valid_pmc_idx),
				    on, "valid fixed %u", i);
	}
	/* AnyThread (bit 2 of each field) stays reserved. */
	if (c->version >= 2 && (c->exists & 1))
		KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_CORE_PERF_FIXED_CTR_CTRL,
					      0x4), 1);
	/* GP counters are untouched by all this. */
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, MSR_IA32_PERFCTR0 + 7, &val),
			c->version ? 0 : 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, MSR_IA32_PERFCTR0 + 8, &val), 1);
}

/* A second KVM_SET_CPUID2 (before the run) leaves nothing of the first. */
static void caps_test_refresh_again(struct kunit *test)
{
	static const u32 four_gp[4] = { 0x07300405, 0, 0, 3 | 48 << 5 };
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	caps_cpuid(vcpu, 5, 0x4, 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(0), &val), 1);
	caps_cpuid(vcpu, 2, 0, 2);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(0), &val), 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, FIXED(2), &val), 1);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, STATUS_SET, &val), 1);
	KUNIT_EXPECT_FALSE(test, test_bit(INTEL_PMC_IDX_FIXED + 2,
					  vcpu->arch.pmu.all_valid_pmc_idx));
	/* Fewer GP counters: the old ones are gone from the valid set. */
	bench_set_cpuid(vcpu, 0, four_gp);
	bench_kvm_refresh(vcpu);
	KUNIT_EXPECT_FALSE(test, test_bit(4, vcpu->arch.pmu.all_valid_pmc_idx));
	KUNIT_EXPECT_TRUE(test, test_bit(3, vcpu->arch.pmu.all_valid_pmc_idx));
}

/* ---- GLOBAL_STATUS_SET ----------------------------------------------- */

struct caps_set_case {
	const char *name;
	u8 version;
	bool ds;
	u64 value;
	int gp;
};

static const struct caps_set_case caps_set_cases[] = {
	{ "v4 PMC0", 4, false, BIT_ULL(0), 0 },
	{ "v4 PMC7", 4, false, BIT_ULL(7), 0 },
	{ "v4 PMC8 (absent)", 4, false, BIT_ULL(8), 1 },
	{ "v4 FIXED2", 4, false, BIT_ULL(34), 0 },
	{ "v4 FIXED3 (absent)", 4, false, BIT_ULL(35), 1 },
	{ "v4 LBR_FRZ", 4, false, LBR_FRZ, 0 },
	{ "v4 CTR_FRZ (not emulated)", 4, false, CTR_FRZ, 1 },
	{ "v4 OvfBuf without DS", 4, false, BIT_ULL(62), 1 },
	{ "v4 OvfBuf with DS", 4, true, BIT_ULL(62), 0 },
	{ "v4 CondChgd", 4, true, BIT_ULL(63), 1 },
	{ "v4 bit 48", 4, false, BIT_ULL(48), 1 },
	{ "v4 all valid", 4, true,
	  GENMASK_ULL(7, 0) | GENMASK_ULL(34, 32) | LBR_FRZ | BIT_ULL(62), 0 },
	{ "v5 PMC0 LBR_FRZ", 5, false, BIT_ULL(0) | LBR_FRZ, 0 },
	{ "v4 zero", 4, false, 0, 0 },
	{ "v3 PMC0", 3, false, BIT_ULL(0), 1 },
	{ "v2 PMC0", 2, false, BIT_ULL(0), 1 },
};

KUNIT_ARRAY_PARAM_DESC(caps_set, caps_set_cases, name);

/*
 * Writing 1 sets each settable status bit (the others are kept), a
 * reserved bit is a #GP that changes nothing, and the MSR reads 0; from
 * the guest and from the VMM alike.
 */
static void caps_test_status_set(struct kunit *test)
{
	const struct caps_set_case *c = test->param_value;
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u32 regs[4] = { 0x07300800 | c->version, 0, 0, 3 | 48 << 5 };
	u64 val, before = BIT_ULL(1);
	int host;

	bench_set_cpuid(vcpu, c->ds ? BIT(21) : 0, regs);
	bench_kvm_refresh(vcpu);
	for (host = 0; host <= 1; host++) {
		vcpu->arch.pmu.global_status = before;
		val = c->value;
		KUNIT_EXPECT_EQ_MSG(test, bench_msr(vcpu, true, STATUS_SET,
						    &val, host), c->gp,
				    "host %d", host);
		KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status,
				c->gp ? before : before | c->value);
		if (c->version >= 4) {
			KUNIT_EXPECT_EQ(test, caps_rd(vcpu, STATUS_SET, &val), 0);
			KUNIT_EXPECT_EQ(test, val, 0ULL);
		}
	}
}

/* ---- GLOBAL_INUSE ----------------------------------------------------- */

static void caps_test_inuse(struct kunit *test)
{
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	caps_cpuid(vcpu, 5, 0x5, 0);	/* fixed 0 and 2, hole 1 */
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 0);
	KUNIT_EXPECT_EQ(test, val, 0ULL);

	/* PERFEVTSELn_InUse: event select bits 7:0 non-zero. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_P6_EVNTSEL0 + 3, 0x3c), 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 0);
	KUNIT_EXPECT_EQ(test, val, BIT_ULL(3));
	/* A umask alone is not in use. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_P6_EVNTSEL0 + 4, 0x100), 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 0);
	KUNIT_EXPECT_EQ(test, val, BIT_ULL(3));
	/* FCi_InUse from FIXED_CTR_CTRL; its PMI bit sets PMI_InUse. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_CORE_PERF_FIXED_CTR_CTRL,
				      0x2ULL << 8 | 0x8), 0);
	KUNIT_EXPECT_EQ(test, caps_rd(vcpu, INUSE, &val), 0);
	KUNIT_EXPECT_EQ(test, val, BIT_ULL(3) | BIT_ULL(34) | BIT_ULL(63));
	/* The hole's field cannot be enabled, so never shows. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_CORE_PERF_FIXED_CTR_CTRL,
				      0x3ULL << 4), 1);
	/* Read-only: a write is a #GP, from the guest and the VMM. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, INUSE, 0), 1);
	val = 0;
	KUNIT_EXPECT_EQ(test, bench_msr(vcpu, true, INUSE, &val, true), 1);
}

/* ---- GLOBAL_STATUS_RESET and GLOBAL_STATUS of the VMM ------------------ */

static void caps_test_status_reset(struct kunit *test)
{
	struct kvm_vcpu *vcpu = caps_vcpu(test);
	u64 val;

	caps_cpuid(vcpu, 4, 0, 3);
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_SET, LBR_FRZ | BIT_ULL(2)), 0);
	/* STATUS_RESET clears LBR_FRZ (and counter bits); CTR_FRZ #GPs. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_RESET, CTR_FRZ), 1);
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_RESET, LBR_FRZ), 0);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.global_status, BIT_ULL(2));
	/* The VMM saves and restores LBR_FRZ: a frozen guest migrates frozen. */
	val = LBR_FRZ | BIT_ULL(1);
	KUNIT_EXPECT_EQ(test, bench_msr(vcpu, true, MSR_CORE_PERF_GLOBAL_STATUS,
					&val, true), 0);
	val = 0;
	KUNIT_EXPECT_EQ(test, bench_msr(vcpu, false, MSR_CORE_PERF_GLOBAL_STATUS,
					&val, true), 0);
	KUNIT_EXPECT_EQ(test, val, LBR_FRZ | BIT_ULL(1));
	/* The guest cannot write GLOBAL_STATUS itself. */
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, MSR_CORE_PERF_GLOBAL_STATUS, 0), 1);
}

/* Before version 4 bit 58 is reserved in GLOBAL_OVF_CTRL. */
static void caps_test_ovf_ctrl_v2(struct kunit *test)
{
	struct kvm_vcpu *vcpu = caps_vcpu(test);

	caps_cpuid(vcpu, 2, 0, 3);
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_RESET, LBR_FRZ), 1);
	KUNIT_EXPECT_EQ(test, caps_wr(vcpu, STATUS_RESET, BIT_ULL(0)), 0);
}

/* ---- KVM_GET_SUPPORTED_CPUID ------------------------------------------- */

/*
 * kvm_pmu_cap.version is what KVM reports: raised to the host's version
 * capped by max_version while loaded, KVM's own value after.
 */
static void caps_test_reported_version(struct kunit *test)
{
	struct x86_pmu_capability cap = bench_kvm_pmu_cap;

	vpmu_cfg.max_version = 4;
	vpmu_caps_attach(&cap, bench_host_0a);
	KUNIT_EXPECT_EQ(test, cap.version, 2);
	vpmu_caps_raise();
	KUNIT_EXPECT_EQ(test, cap.version, 4);
	KUNIT_EXPECT_EQ(test, vpmu_caps_reported_version(), 4U);
	vpmu_caps_restore();
	KUNIT_EXPECT_EQ(test, cap.version, 2);
	vpmu_caps_attach(NULL, bench_host_0a);
}

/* The host as KVM can pass it on: KVM's counts, the CPU's version and ECX. */
static void caps_test_host(struct kunit *test)
{
	struct x86_pmu_capability cap = bench_kvm_pmu_cap;
	u32 regs[4] = { 0x08300c05, 0x4, 0xff, 0x8604 };
	struct vpmu_caps host;

	cap.num_counters_gp = 8;
	cap.events_mask = 0x1;
	vpmu_caps_host_from(&cap, regs, &host);
	KUNIT_EXPECT_EQ(test, host.version, 5);
	KUNIT_EXPECT_EQ(test, host.nr_gp, 8);
	KUNIT_EXPECT_EQ(test, host.nr_fixed, 3);
	KUNIT_EXPECT_EQ(test, host.fixed_bitmap, 0x7U);
	KUNIT_EXPECT_EQ(test, host.events_len, 7);
	KUNIT_EXPECT_EQ(test, host.events_unavail, 0x5U);
	KUNIT_EXPECT_TRUE(test, host.anythread_deprecated);
}

/* One warning per VM for a contradictory CPUID, whatever its vCPUs do. */
static void caps_test_vm_once(struct kunit *test)
{
	struct kvm *kvm = bench_vm(test, 301);
	struct kvm_vcpu *a = bench_vcpu(test, kvm, 0);
	struct kvm_vcpu *b = bench_vcpu(test, kvm, 1);
	struct kvm_vcpu *c = bench_vcpu(test, bench_vm(test, 302), 0);

	KUNIT_ASSERT_EQ(test, bench_vcpu_create(a), 0);
	KUNIT_ASSERT_EQ(test, bench_vcpu_create(b), 0);
	KUNIT_ASSERT_EQ(test, bench_vcpu_create(c), 0);
	KUNIT_EXPECT_TRUE(test, vpmu_vcpu_vm_once(vpmu_vcpu_find(a),
						  VPMU_VM_WARNED_CPUID));
	KUNIT_EXPECT_FALSE(test, vpmu_vcpu_vm_once(vpmu_vcpu_find(b),
						   VPMU_VM_WARNED_CPUID));
	KUNIT_EXPECT_FALSE(test, vpmu_vcpu_vm_once(vpmu_vcpu_find(a),
						   VPMU_VM_WARNED_CPUID));
	KUNIT_EXPECT_TRUE(test, vpmu_vcpu_vm_once(vpmu_vcpu_find(c),
						  VPMU_VM_WARNED_CPUID));
}

static struct kunit_case caps_test_cases[] = {
	KUNIT_CASE_PARAM(caps_test_version, caps_version_gen_params),
	KUNIT_CASE(caps_test_before_refresh),
	KUNIT_CASE(caps_test_feature_off),
	KUNIT_CASE_PARAM(caps_test_fixed, caps_fixed_gen_params),
	KUNIT_CASE(caps_test_refresh_again),
	KUNIT_CASE_PARAM(caps_test_status_set, caps_set_gen_params),
	KUNIT_CASE(caps_test_inuse),
	KUNIT_CASE(caps_test_status_reset),
	KUNIT_CASE(caps_test_ovf_ctrl_v2),
	KUNIT_CASE(caps_test_reported_version),
	KUNIT_CASE(caps_test_host),
	KUNIT_CASE(caps_test_vm_once),
	{}
};

VPMU_KUNIT_SUITE(vpmu_glue_caps, caps_test_cases, bench_init, bench_exit);
