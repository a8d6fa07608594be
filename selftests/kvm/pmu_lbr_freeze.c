// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_lbr_freeze: a guest's LBR stack freezes on a counter-overflow PMI
 * when it asked for IA32_DEBUGCTL.FREEZE_LBRS_ON_PMI, stays frozen while
 * the vCPU is migrated and scheduled, and resumes when the guest says so.
 *
 * SDM Vol. 3B, "Freezing LBR and Performance Counters on PMI":
 *  - legacy freeze (architectural PMU version 2 and 3): on a PMI the
 *    processor clears IA32_DEBUGCTL.LBR; software sets it again to resume;
 *  - streamlined freeze (version 4+): on a PMI the processor sets
 *    IA32_PERF_GLOBAL_STATUS.LBR_Frz (bit 58) and stops recording while
 *    IA32_DEBUGCTL.LBR still reads 1; clearing LBR_Frz through
 *    IA32_PERF_GLOBAL_STATUS_RESET resumes; setting it through
 *    IA32_PERF_GLOBAL_STATUS_SET freezes.
 *
 * The guest records taken branches of a loop whose address range it
 * knows, lets GP counter 0 (branches, PMI on overflow) overflow, and in
 * its PMI handler snapshots the stack (IA32_LASTBRANCH_TOS and every
 * FROM/TO pair) and IA32_DEBUGCTL and GLOBAL_STATUS.  It checks:
 *  - the PMI saw the freeze of its version (above) and the overflow bit;
 *  - the newest record was taken inside the loop: the handler's own
 *    branches were not recorded;
 *  - the stack is unchanged after more branches, and after each of a
 *    series of exits where the host moves the vCPU thread to another CPU
 *    and sleeps (sched out and in);
 *  - after the guest unfreezes, new records appear, again from the loop;
 *  - version 4: a software freeze through STATUS_SET behaves the same;
 *  - at every snapshot, including one before the guest enabled LBR, each
 *    record is empty or lies inside the guest's own code: no record from
 *    the host or another context ever appears.
 *
 * The LBR MSRs are model-specific: the depth comes from host perf
 * (/sys/bus/event_source/devices/cpu{,_core}/caps/branches), the MSRs from
 * the depth (4: Core 2's 0x40/0x60, otherwise 0x680/0x6c0), as in the
 * SDM's per-model MSR tables.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "pmu_ext_compat.h"
#include "pmu_ext.h"

#define MAX_DEPTH	32
#define PERIOD		10000		/* branches until the overflow */
#define PMI_BUDGET	200000000ULL	/* loop iterations before giving up */

struct lbr_snap {
	u64 tos;
	u64 from[MAX_DEPTH];
	u64 to[MAX_DEPTH];
};

static struct pmu_ext_cpuid_0a supported;
static u64 perf_caps;

/* Synced to the guest. */
static u32 lbr_depth, lbr_from, lbr_to;
static u32 nr_syncs;

/* Guest state, written by the PMI handler. */
static u64 pmi_count, pmi_status, pmi_debugctl;
static struct lbr_snap at_pmi;

/*
 * void lbr_loop(u64 *count, u64 old, u64 budget, u64 irq, u64 stop_msr,
 *		 u64 stop_val)
 *
 * Taken branches until *count != old or budget iterations, interrupts on
 * if irq; then, if stop_msr, WRMSR(stop_msr, stop_val) with no taken
 * branch in between, so that the newest record is one of the loop's.
 * lbr_loop_end marks its end.
 */
asm(".pushsection .text\n"
	".global lbr_loop\n"
	".global lbr_loop_end\n"
	"lbr_loop:\n"
	"	mov %rdx, %r10\n"
	"	test %rcx, %rcx\n"
	"	jz 1f\n"
	"	sti\n"
	"1:	cmp (%rdi), %rsi\n"
	"	jne 2f\n"
	"	dec %r10\n"
	"	jnz 1b\n"
	"2:	cli\n"
	"	test %r8, %r8\n"
	"	jz 3f\n"
	"	mov %r8, %rcx\n"
	"	mov %r9, %rax\n"
	"	mov %r9, %rdx\n"
	"	shr $32, %rdx\n"
	"	wrmsr\n"
	"3:	ret\n"
	"lbr_loop_end:\n"
	".popsection\n");

static u64 never;

static bool in_loop(u64 addr)
{
	addr &= GENMASK_ULL(47, 0);
	return addr >= (u64)lbr_loop && addr < (u64)lbr_loop_end;
}

static void lbr_snapshot(struct lbr_snap *s)
{
	u32 i;

	s->tos = rdmsr(MSR_LBR_TOS);
	for (i = 0; i < lbr_depth; i++) {
		s->from[i] = rdmsr(lbr_from + i);
		s->to[i] = rdmsr(lbr_to + i);
	}
}

static void check_inside(const struct lbr_snap *s)
{
	u32 i;

	GUEST_CHECK(s->tos < lbr_depth, s->tos, lbr_depth);
	for (i = 0; i < lbr_depth; i++) {
		if (!s->from[i] && !s->to[i])
			continue;
		GUEST_CHECK(pmu_ext_in_code(s->from[i]), i, s->from[i]);
		GUEST_CHECK(pmu_ext_in_code(s->to[i]), i, s->to[i]);
	}
}

static void check_newest_in_loop(const struct lbr_snap *s)
{
	GUEST_CHECK(in_loop(s->from[s->tos]), s->tos, s->from[s->tos]);
}

static bool same(const struct lbr_snap *a, const struct lbr_snap *b)
{
	u32 i;

	if (a->tos != b->tos)
		return false;
	for (i = 0; i < lbr_depth; i++)
		if (a->from[i] != b->from[i] || a->to[i] != b->to[i])
			return false;
	return true;
}

static void check_same(const struct lbr_snap *a, const struct lbr_snap *b)
{
	u32 i;

	GUEST_CHECK_EQ(a->tos, b->tos);
	for (i = 0; i < lbr_depth; i++) {
		GUEST_CHECK(a->from[i] == b->from[i], i, a->from[i]);
		GUEST_CHECK(a->to[i] == b->to[i], i, a->to[i]);
	}
}

static void guest_pmi_handler(struct ex_regs *regs)
{
	u64 status = rdmsr(MSR_CORE_PERF_GLOBAL_STATUS);
	u64 debugctl = rdmsr(MSR_IA32_DEBUGCTLMSR);

	if (!pmi_count) {
		lbr_snapshot(&at_pmi);
		pmi_status = status;
		pmi_debugctl = debugctl;
	}
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	/* Acknowledge the overflow only: LBR_Frz stays. */
	wrmsr(MSR_CORE_PERF_GLOBAL_OVF_CTRL, BIT_ULL(0));
	WRITE_ONCE(pmi_count, pmi_count + 1);
	guest_pmi_ack();
}

/* Frozen: more branches and host-side migrations change nothing. */
static void check_stays_frozen(const struct lbr_snap *frozen, u64 stage)
{
	struct lbr_snap s;
	u32 i;

	lbr_loop(&never, 0, 1000, 0, 0, 0);
	lbr_snapshot(&s);
	check_same(&s, frozen);

	for (i = 0; i < nr_syncs; i++) {
		pmu_ext_guest_ctx = stage << 8 | i;
		GUEST_SYNC(stage);
		lbr_loop(&never, 0, 1000, 0, 0, 0);
		lbr_snapshot(&s);
		check_same(&s, frozen);
	}
}

/* Record again, stop with (msr, val), and see new records from the loop. */
static void check_records(const struct lbr_snap *old, u32 msr,
			  u64 val)
{
	struct lbr_snap s;

	lbr_loop(&never, 0, 1000, 0, msr, val);
	lbr_snapshot(&s);
	check_inside(&s);
	check_newest_in_loop(&s);
	GUEST_CHECK(!same(&s, old), s.tos, old->tos);
}

static void guest_code(void)
{
	const u64 on = DEBUGCTL_LBR | DEBUGCTL_FREEZE_LBRS_ON_PMI;
	struct lbr_snap s;
	struct pmu_ext_pmu p;
	bool v4;

	guest_pmu_read(&p);
	v4 = p.version >= 4;
	guest_pmi_setup();
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);

	/* Nothing foreign in the stack, before the guest records at all. */
	pmu_ext_guest_ctx = 1;
	lbr_snapshot(&s);
	check_inside(&s);

	/* Recording works. */
	pmu_ext_guest_ctx = 2;
	wrmsr(MSR_IA32_DEBUGCTLMSR, on);
	GUEST_CHECK_EQ(rdmsr(MSR_IA32_DEBUGCTLMSR), on);
	if (v4)
		check_records(&s, MSR_CORE_PERF_GLOBAL_STATUS_SET,
			      GLOBAL_STATUS_LBR_FRZ);
	else
		check_records(&s, MSR_IA32_DEBUGCTLMSR, 0);
	if (v4)
		wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, GLOBAL_STATUS_LBR_FRZ);
	else
		wrmsr(MSR_IA32_DEBUGCTLMSR, on);

	/* A counter-overflow PMI freezes the stack. */
	pmu_ext_guest_ctx = 3;
	wrmsr(MSR_P6_EVNTSEL0, 0);
	wrmsr(MSR_IA32_PERFCTR0, (u32)-PERIOD);
	wrmsr(MSR_P6_EVNTSEL0, ARCH_EVENT_BRANCHES | EVTSEL_OS | EVTSEL_INT |
	      EVTSEL_EN);
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, BIT_ULL(0));
	lbr_loop(&pmi_count, 0, PMI_BUDGET, 1, 0, 0);
	GUEST_CHECK_EQ(READ_ONCE(pmi_count), 1);
	wrmsr(MSR_P6_EVNTSEL0, 0);

	GUEST_CHECK(pmi_status & BIT_ULL(0), pmi_status, pmi_debugctl);
	GUEST_CHECK(pmi_debugctl & DEBUGCTL_FREEZE_LBRS_ON_PMI, pmi_status,
		    pmi_debugctl);
	if (v4) {
		GUEST_CHECK(pmi_status & GLOBAL_STATUS_LBR_FRZ, pmi_status,
			    pmi_debugctl);
		GUEST_CHECK(pmi_debugctl & DEBUGCTL_LBR, pmi_status,
			    pmi_debugctl);
		GUEST_CHECK_EQ(rdmsr(MSR_IA32_DEBUGCTLMSR), on);
	} else {
		GUEST_CHECK(!(pmi_status & GLOBAL_STATUS_LBR_FRZ), pmi_status,
			    pmi_debugctl);
		GUEST_CHECK(!(pmi_debugctl & DEBUGCTL_LBR), pmi_status,
			    pmi_debugctl);
		GUEST_CHECK_EQ(rdmsr(MSR_IA32_DEBUGCTLMSR),
			       DEBUGCTL_FREEZE_LBRS_ON_PMI);
	}
	check_inside(&at_pmi);
	check_newest_in_loop(&at_pmi);

	/* Frozen across branches, migrations and sched. */
	check_stays_frozen(&at_pmi, 4);
	if (v4)
		GUEST_CHECK(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS) &
			    GLOBAL_STATUS_LBR_FRZ, 0, 0);

	/* Unfrozen, it records again. */
	pmu_ext_guest_ctx = 5;
	if (v4) {
		wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, GLOBAL_STATUS_LBR_FRZ);
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS) &
			       GLOBAL_STATUS_LBR_FRZ, 0);
		GUEST_CHECK_EQ(rdmsr(MSR_IA32_DEBUGCTLMSR), on);
		/* Stop through a software freeze this time. */
		check_records(&at_pmi, MSR_CORE_PERF_GLOBAL_STATUS_SET,
			      GLOBAL_STATUS_LBR_FRZ);
		GUEST_CHECK_EQ(rdmsr(MSR_IA32_DEBUGCTLMSR), on);

		/* A software freeze holds like a PMI one. */
		pmu_ext_guest_ctx = 6;
		lbr_snapshot(&s);
		check_stays_frozen(&s, 6);
		wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, GLOBAL_STATUS_LBR_FRZ);
		check_records(&s, MSR_CORE_PERF_GLOBAL_STATUS_SET,
			      GLOBAL_STATUS_LBR_FRZ);
		wrmsr(MSR_CORE_PERF_GLOBAL_STATUS_RESET, GLOBAL_STATUS_LBR_FRZ);
	} else {
		wrmsr(MSR_IA32_DEBUGCTLMSR, on);
		check_records(&at_pmi, MSR_IA32_DEBUGCTLMSR, 0);
	}

	wrmsr(MSR_IA32_DEBUGCTLMSR, 0);
	GUEST_DONE();
}

/* Each GUEST_SYNC: move this (the vCPU) thread to the next CPU and sleep. */
static void run_migrating(struct kvm_vcpu *vcpu)
{
	cpu_set_t allowed, one;
	unsigned int k = 0, moves = 0;
	struct ucall uc = {};
	int cpu;

	TEST_ASSERT(!sched_getaffinity(0, sizeof(allowed), &allowed),
		    "sched_getaffinity");
	while (pmu_ext_run_vcpu(vcpu, &uc) == UCALL_SYNC) {
		do {
			cpu = k++ % CPU_SETSIZE;
		} while (!CPU_ISSET(cpu, &allowed));
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		TEST_ASSERT(!sched_setaffinity(0, sizeof(one), &one),
			    "sched_setaffinity(%d)", cpu);
		usleep(1000);
		moves++;
	}
	TEST_ASSERT(!sched_setaffinity(0, sizeof(allowed), &allowed),
		    "sched_setaffinity");
	ksft_print_msg("%u migrations/sleeps while frozen\n", moves);
}

FIXTURE_VARIANT(pmu) {
	u8 version;
};

/* Legacy freeze (DEBUGCTL.LBR cleared) and streamlined freeze (LBR_Frz). */
FIXTURE_VARIANT_ADD(pmu, v2) { .version = 2 };
FIXTURE_VARIANT_ADD(pmu, v4) { .version = 4 };

TEST_F(pmu, freeze_on_pmi)
{
	struct pmu_ext_cpuid_0a e = supported;
	struct kvm_vcpu *vcpu = self->vcpu;

	if (variant->version > CPUID_0A_VERSION(&supported))
		SKIP(return, "feature absent: KVM offers PMU version %u, not %u",
		     CPUID_0A_VERSION(&supported), variant->version);
	e.eax = (e.eax & ~0xffu) | variant->version;
	e.ecx = 0;

	vcpu_arch_set_entry_point(vcpu, guest_code);
	vm_install_exception_handler(vcpu->vm, PMU_EXT_PMI_VECTOR,
				     guest_pmi_handler);
	vcpu_set_msr(vcpu, MSR_IA32_PERF_CAPABILITIES, perf_caps);
	sync_global_to_guest(vcpu->vm, lbr_depth);
	sync_global_to_guest(vcpu->vm, lbr_from);
	sync_global_to_guest(vcpu->vm, lbr_to);
	sync_global_to_guest(vcpu->vm, nr_syncs);
	pmu_ext_set_cpuid_0a(vcpu, &e);
	run_migrating(vcpu);
}

/*
 * Where the LBR stack lives is model specific (SDM Vol. 3B, "Last Branch,
 * Interrupt, and Exception Recording"): 0x40/0x60 for Core 2 (4 entries)
 * and the Silvermont/Airmont Atoms (8), 0x680/0x6c0 for Nehalem and later
 * cores (16, 32), Goldmont (32) and Knights Landing/Mill (8).  Depth 8 is
 * the one depth that needs the model: Xeon Phi or not.
 */
static bool lbr_uses_core_msrs(u32 depth)
{
	u32 eax, ebx, ecx, edx, family, model;

	if (depth == 4)
		return true;
	if (depth != 8)
		return false;
	asm volatile("cpuid"
		     : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
		     : "a"(1), "c"(0));
	family = (eax >> 8) & 0xf;
	model = ((eax >> 4) & 0xf) | ((eax >> 12) & 0xf0);
	/* Knights Landing 0x57, Knights Mill 0x85 */
	return !(family == 6 && (model == 0x57 || model == 0x85));
}

int main(int argc, char *argv[])
{
	cpu_set_t allowed;

	pmu_ext_require(2, &supported);

	perf_caps = pmu_ext_perf_capabilities();
	if (!(perf_caps & PERF_CAP_LBR_FMT))
		pmu_ext_skip("feature absent: no guest LBR (PERF_CAPABILITIES.LBR_FMT = 0)");
	lbr_depth = pmu_ext_host_lbr_depth();
	if (!lbr_depth || lbr_depth > MAX_DEPTH)
		pmu_ext_skip("feature absent: host perf reports LBR depth %u",
			     lbr_depth);
	if (lbr_uses_core_msrs(lbr_depth)) {
		lbr_from = MSR_LBR_CORE_FROM;
		lbr_to = MSR_LBR_CORE_TO;
	} else {
		lbr_from = MSR_LBR_NHM_FROM;
		lbr_to = MSR_LBR_NHM_TO;
	}

	TEST_ASSERT(!sched_getaffinity(0, sizeof(allowed), &allowed),
		    "sched_getaffinity");
	nr_syncs = 2 * CPU_COUNT(&allowed);
	if (nr_syncs < 4)
		nr_syncs = 4;
	if (nr_syncs > 16)
		nr_syncs = 16;
	ksft_print_msg("LBR depth %u, FROM 0x%x, TO 0x%x, %u migrations per frozen state\n",
		       lbr_depth, lbr_from, lbr_to, nr_syncs);

	return test_harness_run(argc, argv);
}
