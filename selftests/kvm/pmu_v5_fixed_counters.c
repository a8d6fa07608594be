// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_v5_fixed_counters: the fixed counters a guest has are exactly those
 * CPUID.0AH enumerates.
 *
 * SDM Vol. 3B, "Architectural Performance Monitoring Version 5": fixed
 * counter i is supported iff CPUID.0AH:ECX[i] = 1 or i < CPUID.0AH:EDX[4:0].
 * For every pair (EDX[4:0], ECX) that the host's fixed counters allow
 * (EDX up to the host's contiguous count, ECX every subset of the host's
 * counters), a version-5 guest checks, for each index below 16:
 *  - an enumerated counter: IA32_FIXED_CTRi reads back what was written,
 *    RDPMC(1 << 30 | i) returns the same, its IA32_FIXED_CTR_CTRL field
 *    and IA32_PERF_GLOBAL_CTRL bit 32 + i are writable, and, once enabled,
 *    the counter counts (indices 0-3, whose events the SDM defines);
 *  - any other index: setting its FIXED_CTR_CTRL enable or PMI bit, its
 *    GLOBAL_CTRL bit, or RDPMC of it raises #GP, and so do RDMSR/WRMSR of
 *    IA32_FIXED_CTRi for the indices that have an MSR number (0-6);
 *  - all enumerated counters at once: both control MSRs take the union
 *    and read it back.
 * RDPMC is checked again through KVM's emulator when
 * kvm.force_emulation_prefix is on.
 *
 * One case per EDX[4:0] (the harness's variants).
 */
#include "pmu_ext_compat.h"
#include "pmu_ext.h"

/* IA32_FIXED_CTR0..6 are MSRs 0x309..0x30f. */
#define NR_FIXED_MSRS		7

/* Fixed counters 0-3: instructions, core cycles, reference cycles, slots. */
#define NR_FIXED_DEFINED	4

static struct pmu_ext_cpuid_0a supported;
static u32 host_fixed;
static unsigned int host_prefix;	/* contiguous from counter 0 */
static bool guest_fep;

static void guest_absent(unsigned int i)
{
	u64 val;

	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR_CTRL,
				  FIXED_CTRL(i, FIXED_CTRL_OS)),
		       PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR_CTRL,
				  FIXED_CTRL(i, FIXED_CTRL_PMI)),
		       PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_CTRL, BIT_ULL(32 + i)),
		       PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(guest_rdpmc_safe(RDPMC_FIXED | i, &val),
		       PMU_EXT_GP_VECTOR);
	if (guest_fep)
		GUEST_CHECK_EQ(guest_rdpmc_safe_fep(RDPMC_FIXED | i, &val),
			       PMU_EXT_GP_VECTOR);
	if (i < NR_FIXED_MSRS) {
		GUEST_CHECK_EQ(rdmsr_safe(MSR_CORE_PERF_FIXED_CTR0 + i, &val),
			       PMU_EXT_GP_VECTOR);
		GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR0 + i, 0),
			       PMU_EXT_GP_VECTOR);
	}
	/* A refused write changed nothing. */
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_FIXED_CTR_CTRL), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_CTRL), 0);
}

static void guest_present(unsigned int i, u8 width)
{
	const u32 msr = MSR_CORE_PERF_FIXED_CTR0 + i;
	u64 test_val = 0xffff, val;
	int loops = 1000;

	if (width < 16)
		test_val &= BIT_ULL(width) - 1;

	/* Nothing the SDM names can enumerate a counter without an MSR. */
	GUEST_CHECK(i < NR_FIXED_MSRS, i, NR_FIXED_MSRS);

	GUEST_CHECK_EQ(wrmsr_safe(msr, test_val), 0);
	GUEST_CHECK_EQ(rdmsr(msr), test_val);
	GUEST_CHECK_EQ(guest_rdpmc_safe(RDPMC_FIXED | i, &val), 0);
	GUEST_CHECK_EQ(val, test_val);
	if (guest_fep) {
		GUEST_CHECK_EQ(guest_rdpmc_safe_fep(RDPMC_FIXED | i, &val), 0);
		GUEST_CHECK_EQ(val, test_val);
	}

	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR_CTRL,
				  FIXED_CTRL(i, FIXED_CTRL_PMI)), 0);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR_CTRL,
				  FIXED_CTRL(i, FIXED_CTRL_OS)), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_FIXED_CTR_CTRL),
		       FIXED_CTRL(i, FIXED_CTRL_OS));

	/* Enabled, it counts; disabled, it holds its value. */
	wrmsr(msr, 0);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_CTRL, BIT_ULL(32 + i)), 0);
	asm volatile("1: dec %0; jnz 1b" : "+r"(loops));
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	val = rdmsr(msr);
	if (i < NR_FIXED_DEFINED)
		GUEST_CHECK(val != 0, i, val);
	GUEST_CHECK_EQ(guest_rdpmc_safe(RDPMC_FIXED | i, &test_val), 0);
	GUEST_CHECK_EQ(test_val, val);

	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
	wrmsr(msr, 0);
}

static void guest_code(void)
{
	u32 eax, ebx, ecx, edx;
	u64 ctrl = 0, global = 0;
	u8 version, nr, width;
	unsigned int i;

	__cpuid(0xa, 0, &eax, &ebx, &ecx, &edx);
	version = eax & 0xff;
	nr = edx & 0x1f;
	width = (edx >> 5) & 0xff;
	GUEST_CHECK_EQ(version, 5);

	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
	for (i = 0; i < PMU_EXT_MAX_FIXED; i++) {
		pmu_ext_guest_ctx = (u64)ecx << 32 | nr << 8 | i;
		if (pmu_ext_fixed_exists(version, ecx, nr, i)) {
			guest_present(i, width);
			ctrl |= FIXED_CTRL(i, FIXED_CTRL_OS | FIXED_CTRL_PMI);
			global |= BIT_ULL(32 + i);
		} else {
			guest_absent(i);
		}
	}

	/* The union of the enumerated counters, in one write each. */
	pmu_ext_guest_ctx = (u64)ecx << 32 | nr << 8 | 0xff;
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_FIXED_CTR_CTRL, ctrl), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_FIXED_CTR_CTRL), ctrl);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_CORE_PERF_GLOBAL_CTRL, global), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_CTRL), global);
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
	GUEST_DONE();
}

/* @vcpu runs the version-5 guest with CPUID.0AH EDX[4:0] = @nr, ECX = @ecx. */
static void run_pair(struct kvm_vcpu *vcpu, u8 nr, u32 ecx)
{
	struct pmu_ext_cpuid_0a e = supported;

	e.eax = (e.eax & ~0xffu) | 5;
	e.ecx = ecx;
	e.edx = (e.edx & ~0x1fu) | nr;

	vcpu_arch_set_entry_point(vcpu, guest_code);
	sync_global_to_guest(vcpu->vm, guest_fep);
	pmu_ext_set_cpuid_0a(vcpu, &e);
	pmu_ext_run_to_done(vcpu);
}

FIXTURE_VARIANT(pmu) {
	u8 nr_fixed;	/* EDX[4:0] */
};

/* Up to the highest count whose counters all have an MSR (IA32_FIXED_CTR6). */
FIXTURE_VARIANT_ADD(pmu, edx_0) { .nr_fixed = 0 };
FIXTURE_VARIANT_ADD(pmu, edx_1) { .nr_fixed = 1 };
FIXTURE_VARIANT_ADD(pmu, edx_2) { .nr_fixed = 2 };
FIXTURE_VARIANT_ADD(pmu, edx_3) { .nr_fixed = 3 };
FIXTURE_VARIANT_ADD(pmu, edx_4) { .nr_fixed = 4 };
FIXTURE_VARIANT_ADD(pmu, edx_5) { .nr_fixed = 5 };
FIXTURE_VARIANT_ADD(pmu, edx_6) { .nr_fixed = 6 };
FIXTURE_VARIANT_ADD(pmu, edx_7) { .nr_fixed = 7 };

/* Every ECX made of host counters, with this EDX[4:0]. */
TEST_F(pmu, every_ecx)
{
	u8 nr = variant->nr_fixed;
	u32 ecx = host_fixed;
	unsigned int pairs = 1;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	if (nr > host_prefix)
		SKIP(return, "feature absent: KVM has %u contiguous fixed counters",
		     host_prefix);

	/* CPUID is fixed once a vCPU ran: each other ECX gets a VM of its own. */
	run_pair(self->vcpu, nr, ecx);
	while (ecx) {
		ecx = (ecx - 1) & host_fixed;
		vm = pmu_ext_vm_create(&vcpu);
		run_pair(vcpu, nr, ecx);
		kvm_vm_free(vm);
		pairs++;
	}
	ksft_print_msg("EDX[4:0] = %u: %u ECX bitmaps checked\n", nr, pairs);
}

int main(int argc, char *argv[])
{
	unsigned int i;

	pmu_ext_require(5, &supported);

	for (i = 0; i < PMU_EXT_MAX_FIXED; i++)
		if (pmu_ext_fixed_exists(CPUID_0A_VERSION(&supported),
					 supported.ecx,
					 CPUID_0A_NR_FIXED(&supported), i))
			host_fixed |= BIT(i);
	if (!host_fixed)
		pmu_ext_skip("feature absent: KVM reports no fixed counter");
	while (host_prefix < PMU_EXT_MAX_FIXED && (host_fixed & BIT(host_prefix)))
		host_prefix++;
	guest_fep = pmu_ext_fep_enabled();
	ksft_print_msg("host fixed counters 0x%x, forced emulation %s\n",
		       host_fixed, guest_fep ? "on" : "off");

	return test_harness_run(argc, argv);
}
