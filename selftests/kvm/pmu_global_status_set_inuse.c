// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_global_status_set_inuse: the global MSRs of architectural PMU
 * version 4 (SDM Vol. 3B, "Architectural Performance Monitoring Version
 * 4"): IA32_PERF_GLOBAL_STATUS_SET (0x391), IA32_PERF_GLOBAL_STATUS_RESET
 * (0x390, the former OVF_CTRL) and IA32_PERF_GLOBAL_INUSE (0x392).
 *
 * For a version-4 and a version-5 guest (as far as KVM offers them):
 *  - STATUS_SET: reads 0; writing a 1 to an overflow bit of an existing
 *    counter, to LBR_Frz (58) or to CTR_Frz (59) sets exactly that bit of
 *    IA32_PERF_GLOBAL_STATUS, writing 0 changes nothing; any other bit
 *    (counters that do not exist, bits 32-63 without a meaning, CondChgd)
 *    raises #GP, and a write that carries one such bit sets nothing.
 *    Bits 55, 60, 61 and 62 depend on features outside the PMU (Intel PT
 *    ToPA, ASCI, uncore, DS) and are not probed.
 *  - STATUS_RESET clears exactly the bits written, accepts CondChgd,
 *    #GPs on the reserved bits; IA32_PERF_GLOBAL_STATUS itself is
 *    read-only (#GP on WRMSR).
 *  - INUSE is read-only; bit n is (IA32_PERFEVTSELn[7:0] != 0), bit 32+i
 *    is (IA32_FIXED_CTR_CTRL[4i+1:4i] != 0), bit 63 (PMI_InUse) is set iff
 *    some existing counter has PERFEVTSEL.INT, its fixed PMI bit, or its
 *    IA32_PEBS_ENABLE bit set; counters that do not exist never show.
 * For version-2 and version-3 guests, STATUS_SET and INUSE do not exist
 * (#GP on RDMSR and WRMSR) and LBR_Frz / CTR_Frz are not STATUS_RESET bits.
 *
 * One case per MSR and guest PMU version (the harness's variants).
 */
#include "pmu_ext_compat.h"
#include "pmu_ext.h"

/* Bits the test leaves alone: their meaning depends on non-PMU features. */
#define UNPROBED	(GLOBAL_STATUS_TOPA_PMI | GLOBAL_STATUS_ASCI | \
			 GLOBAL_STATUS_OVF_UNCORE | GLOBAL_STATUS_OVF_BUF)

static struct pmu_ext_cpuid_0a supported;
static u64 perf_caps;
static bool guest_pebs;

static u64 guest_writable(const struct pmu_ext_pmu *p)
{
	return p->gp_mask | p->fixed_mask | GLOBAL_STATUS_LBR_FRZ |
	       GLOBAL_STATUS_CTR_FRZ;
}

static void guest_status_set(void)
{
	struct pmu_ext_pmu p;
	u64 writable, val;
	unsigned int b;

	guest_pmu_read(&p);
	if (p.version < 4) {
		GUEST_CHECK_EQ(rdmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, &val),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, 1),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
		GUEST_DONE();
	}
	writable = guest_writable(&p);

	GUEST_CHECK_EQ(rdmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, &val), 0);
	GUEST_CHECK_EQ(val, 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);

	for (b = 0; b < 64; b++) {
		const u64 bit = BIT_ULL(b);

		pmu_ext_guest_ctx = b;
		if (bit & UNPROBED)
			continue;
		if (bit & writable) {
			GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, bit), 0);
			GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), bit);
			GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS_SET), 0);
			/* Setting a set bit again keeps it. */
			GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, bit), 0);
			GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), bit);
			wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, bit);
			GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
		} else {
			GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, bit),
				       PMU_EXT_GP_VECTOR);
			/* One reserved bit spoils the whole write. */
			GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET,
						  writable | bit),
				       PMU_EXT_GP_VECTOR);
			GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
		}
	}

	pmu_ext_guest_ctx = 64;
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, writable), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_SET, 0), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS_SET), 0);

	/* IA32_PERF_GLOBAL_STATUS is read-only. */
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS, 0),
		       PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);

	wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, writable);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
	GUEST_DONE();
}

static void guest_status_reset(void)
{
	struct pmu_ext_pmu p;
	u64 writable, left;
	unsigned int b;

	guest_pmu_read(&p);
	if (p.version < 4) {
		/* LBR_Frz and CTR_Frz are reserved in OVF_CTRL. */
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_OVF_CTRL,
					  GLOBAL_STATUS_LBR_FRZ),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_OVF_CTRL,
					  GLOBAL_STATUS_CTR_FRZ),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
		GUEST_DONE();
	}
	writable = guest_writable(&p);

	wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_SET, writable);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);

	/* Clearing one bit leaves every other one alone. */
	left = writable;
	for (b = 0; b < 64; b++) {
		const u64 bit = BIT_ULL(b);

		pmu_ext_guest_ctx = b;
		if (!(bit & writable))
			continue;
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_RESET, bit), 0);
		left &= ~bit;
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), left);
	}

	/* Reserved bits #GP and clear nothing; CondChgd and 0 are accepted. */
	wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_SET, writable);
	for (b = 0; b < 64; b++) {
		const u64 bit = BIT_ULL(b);

		pmu_ext_guest_ctx = 0x100 + b;
		if (bit & (writable | UNPROBED | GLOBAL_STATUS_COND_CHGD))
			continue;
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_RESET,
					  writable | bit),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);
	}
	pmu_ext_guest_ctx = 0x200;
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_RESET, 0), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_RESET,
				  GLOBAL_STATUS_COND_CHGD), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), writable);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_STATUS_RESET,
				  writable | GLOBAL_STATUS_COND_CHGD), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS), 0);
	GUEST_DONE();
}

static void guest_expect_inuse(u64 want)
{
	u64 val;

	GUEST_CHECK_EQ(rdmsr_safe(MSR_CORE_PERF_GLOBAL_INUSE, &val), 0);
	GUEST_CHECK_EQ(val, want);
}

static void guest_inuse(void)
{
	struct pmu_ext_pmu p;
	u64 ctrl = 0, val;
	unsigned int n, i;

	guest_pmu_read(&p);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_INUSE, 0),
		       PMU_EXT_GP_VECTOR);
	if (p.version < 4) {
		GUEST_CHECK_EQ(rdmsr_safe(MSR_CORE_PERF_GLOBAL_INUSE, &val),
			       PMU_EXT_GP_VECTOR);
		GUEST_DONE();
	}
	guest_expect_inuse(0);

	for (n = 0; n < p.nr_gp; n++) {
		const u32 sel = MSR_P6_EVNTSEL0 + n;

		pmu_ext_guest_ctx = n;
		/* The event select field alone decides, enabled or not. */
		wrmsr(sel, ARCH_EVENT_INSTRUCTIONS);
		guest_expect_inuse(BIT_ULL(n));
		wrmsr(sel, EVTSEL_UMASK(1) | EVTSEL_OS);
		guest_expect_inuse(0);
		wrmsr(sel, EVTSEL_INT);
		guest_expect_inuse(GLOBAL_INUSE_PMI);
		wrmsr(sel, ARCH_EVENT_INSTRUCTIONS | EVTSEL_USR | EVTSEL_INT);
		guest_expect_inuse(BIT_ULL(n) | GLOBAL_INUSE_PMI);
		wrmsr(sel, 0);
		guest_expect_inuse(0);
	}

	for (i = 0; i < PMU_EXT_MAX_FIXED; i++) {
		if (!(p.fixed_mask & BIT_ULL(32 + i)))
			continue;
		pmu_ext_guest_ctx = 32 + i;
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_OS));
		guest_expect_inuse(BIT_ULL(32 + i));
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_USR));
		guest_expect_inuse(BIT_ULL(32 + i));
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, FIXED_CTRL(i, FIXED_CTRL_PMI));
		guest_expect_inuse(GLOBAL_INUSE_PMI);
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL,
		      FIXED_CTRL(i, FIXED_CTRL_OS | FIXED_CTRL_PMI));
		guest_expect_inuse(BIT_ULL(32 + i) | GLOBAL_INUSE_PMI);
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
		guest_expect_inuse(0);
		ctrl |= FIXED_CTRL(i, FIXED_CTRL_OS);
	}

	/* Everything at once: exactly the existing counters. */
	pmu_ext_guest_ctx = 0x100;
	for (n = 0; n < p.nr_gp; n++)
		wrmsr(MSR_P6_EVNTSEL0 + n, ARCH_EVENT_INSTRUCTIONS);
	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, ctrl);
	guest_expect_inuse(p.gp_mask | p.fixed_mask);
	if (p.nr_gp) {
		wrmsr(MSR_P6_EVNTSEL0, ARCH_EVENT_INSTRUCTIONS | EVTSEL_INT);
		guest_expect_inuse(p.gp_mask | p.fixed_mask | GLOBAL_INUSE_PMI);
	}
	for (n = 0; n < p.nr_gp; n++)
		wrmsr(MSR_P6_EVNTSEL0 + n, 0);
	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
	guest_expect_inuse(0);

	/* A PEBS_ENABLE bit alone makes PMI_InUse. */
	if (guest_pebs && p.nr_gp) {
		pmu_ext_guest_ctx = 0x200;
		GUEST_CHECK_EQ(wrmsr_safe(MSR_IA32_PEBS_ENABLE, 1), 0);
		guest_expect_inuse(GLOBAL_INUSE_PMI);
		wrmsr(MSR_IA32_PEBS_ENABLE, 0);
		guest_expect_inuse(0);
	}
	GUEST_DONE();
}

FIXTURE_VARIANT(pmu) {
	u8 version;
};

FIXTURE_VARIANT_ADD(pmu, v2) { .version = 2 };
FIXTURE_VARIANT_ADD(pmu, v3) { .version = 3 };
FIXTURE_VARIANT_ADD(pmu, v4) { .version = 4 };
FIXTURE_VARIANT_ADD(pmu, v5) { .version = 5 };

/* Run @guest in @vcpu, its CPUID.0AH saying PMU version @version. */
static void run_version(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, u8 version, void *guest)
{
	struct pmu_ext_cpuid_0a e = supported;

	if (version > CPUID_0A_VERSION(&supported))
		SKIP(return, "feature absent: KVM offers PMU version %u, not %u",
		     CPUID_0A_VERSION(&supported), version);

	e.eax = (e.eax & ~0xffu) | version;
	if (version < 5)
		e.ecx = 0;	/* reserved below version 5 */

	vcpu_arch_set_entry_point(vcpu, guest);
	if (perf_caps)
		vcpu_set_msr(vcpu, MSR_IA32_PERF_CAPABILITIES, perf_caps);
	sync_global_to_guest(vcpu->vm, guest_pebs);
	pmu_ext_set_cpuid_0a(vcpu, &e);
	pmu_ext_run_to_done(vcpu);
}

TEST_F(pmu, status_set)
{
	run_version(_metadata, self->vcpu, variant->version, guest_status_set);
}

TEST_F(pmu, status_reset)
{
	run_version(_metadata, self->vcpu, variant->version, guest_status_reset);
}

TEST_F(pmu, inuse)
{
	run_version(_metadata, self->vcpu, variant->version, guest_inuse);
}

int main(int argc, char *argv[])
{
	const struct kvm_cpuid_entry2 *leaf1;

	pmu_ext_require(2, &supported);

	/* Guest PEBS needs a PEBS format and DS (CPUID.01H:EDX[21]). */
	perf_caps = pmu_ext_perf_capabilities();
	leaf1 = pmu_ext_supported_cpuid(1, 0);
	guest_pebs = PERF_CAP_PEBS_FMT(perf_caps) && (leaf1->edx & BIT(21));
	ksft_print_msg("PERF_CAPABILITIES 0x%lx, guest PEBS %s\n", perf_caps,
		       guest_pebs ? "yes" : "no");

	return test_harness_run(argc, argv);
}
