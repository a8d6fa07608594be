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
 */
#include "pmu_ext.h"

/* IA32_FIXED_CTR0..6 are MSRs 0x309..0x30f. */
#define NR_FIXED_MSRS		7

/* Fixed counters 0-3: instructions, core cycles, reference cycles, slots. */
#define NR_FIXED_DEFINED	4

static struct pmu_ext_cpuid_0a supported;
static u32 host_fixed;
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

static void run_pair(u8 nr, u32 ecx)
{
	struct pmu_ext_cpuid_0a e = supported;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	e.eax = (e.eax & ~0xffu) | 5;
	e.ecx = ecx;
	e.edx = (e.edx & ~0x1fu) | nr;

	vm = pmu_ext_vm_create(&vcpu, guest_code);
	sync_global_to_guest(vm, guest_fep);
	pmu_ext_set_cpuid_0a(vcpu, &e);
	pmu_ext_run_to_done(vcpu);
	kvm_vm_free(vm);
}

/* One case per EDX[4:0]; within it, every ECX made of host counters. */
static void test_edx(const void *arg)
{
	u8 nr = (u8)(uintptr_t)arg;
	u32 ecx = host_fixed;
	unsigned int pairs = 0;

	for (;;) {
		run_pair(nr, ecx);
		pairs++;
		if (!ecx)
			break;
		ecx = (ecx - 1) & host_fixed;
	}
	printf("EDX[4:0] = %u: %u ECX bitmaps checked\n", nr, pairs);
}

int main(void)
{
	static struct pmu_ext_case cases[PMU_EXT_MAX_FIXED + 1];
	static char names[PMU_EXT_MAX_FIXED + 1][48];
	unsigned int i, prefix = 0;

	pmu_ext_require(5, &supported);

	for (i = 0; i < PMU_EXT_MAX_FIXED; i++)
		if (pmu_ext_fixed_exists(CPUID_0A_VERSION(&supported),
					 supported.ecx,
					 CPUID_0A_NR_FIXED(&supported), i))
			host_fixed |= BIT(i);
	if (!host_fixed)
		pmu_ext_skip("feature absent: KVM reports no fixed counter");
	while (prefix < PMU_EXT_MAX_FIXED && (host_fixed & BIT(prefix)))
		prefix++;
	guest_fep = pmu_ext_fep_enabled();
	ksft_print_msg("host fixed counters 0x%x, forced emulation %s\n",
		       host_fixed, guest_fep ? "on" : "off");

	for (i = 0; i <= prefix; i++) {
		snprintf(names[i], sizeof(names[i]), "v5_edx_%u_every_ecx", i);
		cases[i].name = names[i];
		cases[i].fn = test_edx;
		cases[i].arg = (const void *)(uintptr_t)i;
	}
	return pmu_ext_run_cases(cases, prefix + 1);
}
