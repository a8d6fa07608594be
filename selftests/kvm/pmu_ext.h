/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the kvm_vpmu_ext KVM selftests.
 *
 * The tests assert architectural behaviour (Intel SDM, Vol. 3B, chapters
 * "Debug, Branch Profile, TSC, and Intel Resource Director Technology" and
 * "Performance Monitoring"), so every constant here is written from the
 * SDM, never taken from the module's own headers.
 *
 * They build against the KVM selftest library of Linux 6.1 and of 6.12,
 * whose guest asserts differ; this file uses only what both provide and
 * supplies the rest: guest checks that report through a ucall of our own
 * (GUEST_CHECK*, decoded by pmu_ext_run_vcpu()) and an exception-safe
 * RDPMC, with and without the forced-emulation prefix.  The test harness
 * is the kernel's (pmu_ext_compat.h).
 */
#ifndef PMU_EXT_H
#define PMU_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/stringify.h>

#include "kvm_util.h"
#include "processor.h"
#include "apic.h"

/* MSRs (SDM Vol. 4, table "Architectural MSRs"). */
#ifndef MSR_CORE_PERF_GLOBAL_STATUS_SET
#define MSR_CORE_PERF_GLOBAL_STATUS_SET		0x391	/* v4+ */
#endif
#ifndef MSR_CORE_PERF_GLOBAL_INUSE
#define MSR_CORE_PERF_GLOBAL_INUSE		0x392	/* v4+ */
#endif
/* IA32_PERF_GLOBAL_STATUS_RESET is IA32_PERF_GLOBAL_OVF_CTRL renamed (v4). */
#define MSR_CORE_PERF_GLOBAL_STATUS_RESET	MSR_CORE_PERF_GLOBAL_OVF_CTRL

/* IA32_PERF_GLOBAL_STATUS bits beyond the per-counter overflow bits. */
#define GLOBAL_STATUS_FIXED(i)		BIT_ULL(32 + (i))
#define GLOBAL_STATUS_TOPA_PMI		BIT_ULL(55)
#define GLOBAL_STATUS_LBR_FRZ		BIT_ULL(58)	/* v4+ */
#define GLOBAL_STATUS_CTR_FRZ		BIT_ULL(59)	/* v4+ */
#define GLOBAL_STATUS_ASCI		BIT_ULL(60)
#define GLOBAL_STATUS_OVF_UNCORE	BIT_ULL(61)
#define GLOBAL_STATUS_OVF_BUF		BIT_ULL(62)
#define GLOBAL_STATUS_COND_CHGD		BIT_ULL(63)

/* IA32_PERF_GLOBAL_INUSE (v4+): bit n, 32 + i, and PMI_InUse. */
#define GLOBAL_INUSE_PMI		BIT_ULL(63)

/* IA32_PERFEVTSELx. */
#define EVTSEL_EVENT_MASK		0xffULL
#define EVTSEL_UMASK(u)			((u64)(u) << 8)
#define EVTSEL_USR			BIT_ULL(16)
#define EVTSEL_OS			BIT_ULL(17)
#define EVTSEL_INT			BIT_ULL(20)
#define EVTSEL_EN			BIT_ULL(22)

/* Architectural events (CPUID.0AH:EBX order). */
#define ARCH_EVENT_CORE_CYCLES		0x003c
#define ARCH_EVENT_INSTRUCTIONS		0x00c0
#define ARCH_EVENT_BRANCHES		0x00c4

/* IA32_FIXED_CTR_CTRL: four bits per counter. */
#define FIXED_CTRL_OS			0x1ULL
#define FIXED_CTRL_USR			0x2ULL
#define FIXED_CTRL_ANY			0x4ULL
#define FIXED_CTRL_PMI			0x8ULL
#define FIXED_CTRL(i, v)		((u64)(v) << (4 * (i)))

/* RDPMC ECX: bit 30 selects the fixed counters. */
#define RDPMC_FIXED			BIT(30)

/* IA32_PERF_CAPABILITIES. */
#define PERF_CAP_LBR_FMT		0x3fULL
#define PERF_CAP_PEBS_TRAP		BIT_ULL(6)
#define PERF_CAP_PEBS_FMT(c)		(((c) >> 8) & 0xf)
#define PERF_CAP_FW_WRITES		BIT_ULL(13)
#define PERF_CAP_PEBS_BASELINE		BIT_ULL(14)

/* IA32_DEBUGCTL. */
#define DEBUGCTL_LBR			BIT_ULL(0)
#define DEBUGCTL_FREEZE_LBRS_ON_PMI	BIT_ULL(11)

/* Local APIC (x2APIC register offsets; MSR = 0x800 + offset / 16). */
#define PMU_EXT_APIC_LVTPC		0x340
#define PMU_EXT_APIC_LVT_MASKED		BIT(16)
#define PMU_EXT_PMI_VECTOR		0xf0

#define PMU_EXT_UD_VECTOR		6
#define PMU_EXT_GP_VECTOR		13

/* At most 16 fixed counters fit FIXED_CTR_CTRL and GLOBAL_CTRL[47:32]. */
#define PMU_EXT_MAX_FIXED		16

/* KVM's forced-emulation prefix (kvm.force_emulation_prefix). */
#define PMU_EXT_FEP			"ud2; .byte 'k', 'v', 'm';"

/*
 * CPUID.0AH as a VMM writes it.  Decoded by hand: the 6.1 library has no
 * CPUID property accessors.
 */
struct pmu_ext_cpuid_0a {
	u32 eax, ebx, ecx, edx;
};

#define CPUID_0A_VERSION(e)		((e)->eax & 0xff)
#define CPUID_0A_NR_GP(e)		(((e)->eax >> 8) & 0xff)
#define CPUID_0A_GP_WIDTH(e)		(((e)->eax >> 16) & 0xff)
#define CPUID_0A_NR_FIXED(e)		((e)->edx & 0x1f)
#define CPUID_0A_FIXED_WIDTH(e)		(((e)->edx >> 5) & 0xff)

/*
 * Fixed counter i exists: never before version 2; in versions 2-4 iff
 * i < EDX[4:0]; from version 5 iff ECX[i] is set or i < EDX[4:0].
 */
static inline bool pmu_ext_fixed_exists(u8 version, u32 ecx,
					u32 nr_fixed, unsigned int i)
{
	if (version < 2)
		return false;
	if (i < nr_fixed)
		return true;
	return version >= 5 && i < 32 && (ecx & BIT(i));
}

/* ------------------------------------------------------------------ */
/* Guest side                                                          */
/* ------------------------------------------------------------------ */

/* The PMU a guest's CPUID.0AH describes. */
struct pmu_ext_pmu {
	u8 version;
	u8 nr_gp;
	u8 gp_width;
	u8 nr_fixed;		/* EDX[4:0] */
	u8 fixed_width;
	u32 fixed_bitmap;		/* ECX, meaningful from version 5 */
	u64 gp_mask;		/* GLOBAL_CTRL bits of the GP counters */
	u64 fixed_mask;		/* GLOBAL_CTRL bits 32 + i of the fixed ones */
};

void guest_pmu_read(struct pmu_ext_pmu *p);

/* Our own ucall command: a failed guest check (see pmu_ext_run_vcpu()). */
#define UCALL_PMU_EXT_CHECK		0x766d7563ULL

/* Set by guest code to say which scenario a failed check belongs to. */
extern u64 pmu_ext_guest_ctx;

/* The program's code (the guest runs this very binary at the same address). */
extern char __executable_start[], etext[];

/* @addr (an LBR or PEBS record address, flags and sign extension dropped) is ours. */
static inline bool pmu_ext_in_code(u64 addr)
{
	addr &= GENMASK_ULL(47, 0);
	return addr >= (u64)__executable_start && addr < (u64)etext;
}

void pmu_ext_guest_check_failed(const char *file, u64 line,
				const char *cond, u64 a, u64 b);

/* Report @a and @b (the values the condition compared) on failure. */
#define GUEST_CHECK(cond, a, b)						\
do {									\
	if (!(cond))							\
		pmu_ext_guest_check_failed(__FILE__, __LINE__, #cond,	\
					   (u64)(a), (u64)(b));		\
} while (0)

/* Evaluates @a and @b once (they may be instructions with side effects). */
#define GUEST_CHECK_EQ(a, b)						\
do {									\
	u64 __a = (u64)(a), __b = (u64)(b);				\
									\
	if (__a != __b)							\
		pmu_ext_guest_check_failed(__FILE__, __LINE__,		\
					   #a " == " #b, __a, __b);	\
} while (0)

/*
 * Exception fixup through the library's registers protocol (r9 = magic,
 * r10 = faulting RIP, r11 = where to resume; on a fault r9 holds the
 * vector), which both libraries implement the same way.  Evaluates to
 * the vector, 0 when the instruction did not fault.
 */
#define PMU_EXT_ASM_SAFE(prefix, insn)					\
	"mov $" __stringify(KVM_EXCEPTION_MAGIC) ", %%r9\n\t"		\
	"lea 1f(%%rip), %%r10\n\t"					\
	"lea 2f(%%rip), %%r11\n\t"					\
	prefix "1: " insn "\n\t"					\
	"xor %%r9d, %%r9d\n\t"						\
	"2:\n\t"							\
	"mov %%r9d, %[vector]\n\t"

static inline u8 guest_rdpmc_safe(u32 idx, u64 *val)
{
	u32 lo, hi, vector;

	asm volatile(PMU_EXT_ASM_SAFE("", "rdpmc")
		     : "=a"(lo), "=d"(hi), [vector] "=r"(vector)
		     : "c"(idx)
		     : "r9", "r10", "r11", "memory");
	*val = (u64)lo | ((u64)hi << 32);
	return vector;
}

static inline u8 guest_rdpmc_safe_fep(u32 idx, u64 *val)
{
	u32 lo, hi, vector;

	asm volatile(PMU_EXT_ASM_SAFE(PMU_EXT_FEP, "rdpmc")
		     : "=a"(lo), "=d"(hi), [vector] "=r"(vector)
		     : "c"(idx)
		     : "r9", "r10", "r11", "memory");
	*val = (u64)lo | ((u64)hi << 32);
	return vector;
}

static inline void guest_sti(void)
{
	asm volatile("sti; nop" ::: "memory");
}

static inline void guest_cli(void)
{
	asm volatile("cli" ::: "memory");
}

/*
 * Guest loops the tests write in asm, because their address ranges
 * matter: LBR and PEBS records must come from inside them.  Each ends at
 * its *_end label.
 *
 * lbr_loop (pmu_lbr_freeze): taken branches until *count != old or
 * budget iterations, interrupts on if irq; then, if stop_msr,
 * WRMSR(stop_msr, stop_val) with no taken branch in between.
 * pebs_loop (pmu_pebs_switch): the same, interrupts on, no stop.
 */
void lbr_loop(u64 *count, u64 old, u64 budget, u64 irq, u64 stop_msr,
	      u64 stop_val);
void lbr_loop_end(void);
void pebs_loop(u64 *count, u64 budget);
void pebs_loop_end(void);

/* x2APIC on, LVTPC delivers PMU_EXT_PMI_VECTOR (unmasked, fixed mode). */
void guest_pmi_setup(void);
/* End of a PMI handler: LVTPC unmasked again (Intel masks it on delivery), EOI. */
void guest_pmi_ack(void);
/* Interrupts on until @count moves past @old or @spins pauses elapse. */
bool guest_wait_pmi(u64 *count, u64 old, u64 spins);

/* ------------------------------------------------------------------ */
/* Host side                                                           */
/* ------------------------------------------------------------------ */

/*
 * The common preconditions, in this order, each a KSFT_SKIP with its
 * reason: an Intel host; the kvm_vpmu_ext module loaded (unless the
 * environment sets PMU_EXT_IGNORE_MODULE=1, used for the baseline run of
 * scripts/baremetal-check.sh); kvm_intel loaded; /dev/kvm usable; KVM's
 * vPMU enabled; CPUID.0AH from KVM_GET_SUPPORTED_CPUID reporting at least
 * @min_version.  Fills @supported with that leaf.  Called by main()
 * before test_harness_run(): a skip here skips the whole program.
 */
void pmu_ext_require(u8 min_version, struct pmu_ext_cpuid_0a *supported);

/* Skip the whole program (in main(); a case uses the harness's SKIP()). */
void __noreturn __printf(1, 2) pmu_ext_skip(const char *fmt, ...);

/* Overwrite CPUID.0AH of @vcpu (before its first KVM_RUN). */
void pmu_ext_set_cpuid_0a(struct kvm_vcpu *vcpu, const struct pmu_ext_cpuid_0a *e);

/* A leaf of KVM_GET_SUPPORTED_CPUID (the test fails if it is absent). */
const struct kvm_cpuid_entry2 *pmu_ext_supported_cpuid(u32 function,
						       u32 index);

/* IA32_PERF_CAPABILITIES KVM supports, 0 without PDCM. */
u64 pmu_ext_perf_capabilities(void);

/* The host's LBR depth as perf reports it, 0 when it has no LBRs. */
u32 pmu_ext_host_lbr_depth(void);

/* kvm.force_emulation_prefix is on. */
bool pmu_ext_fep_enabled(void);

/*
 * Run @vcpu until the guest does GUEST_SYNC*() or GUEST_DONE(); returns
 * that command with @uc filled.  A failed GUEST_CHECK, a library assert,
 * an unhandled exception or an unexpected exit fails the case with the
 * guest's file, line, condition and values.
 */
u64 pmu_ext_run_vcpu(struct kvm_vcpu *vcpu, struct ucall *uc);

/* Run until GUEST_DONE(), failing on any GUEST_SYNC*(). */
void pmu_ext_run_to_done(struct kvm_vcpu *vcpu);

#endif /* PMU_EXT_H */
