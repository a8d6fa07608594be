// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_emulated_overflow: counters that count instructions or branches
 * KVM emulates stay exact, and overflow exactly once per wrap.
 *
 * KVM adds to a guest counter the instructions it completes itself (an
 * instruction that exits, e.g. CPUID, never retires in hardware; one that
 * goes through the emulator, e.g. behind kvm.force_emulation_prefix, does
 * not either) on top of what the perf event behind the counter counts.
 * SDM Vol. 3B ("Architectural Performance Monitoring"): a counter counts
 * each event once, sets its IA32_PERF_GLOBAL_STATUS bit when it wraps and,
 * with the PMI bit (PERFEVTSEL.INT / FIXED_CTR_CTRL.PMI), raises one PMI
 * for that overflow.
 *
 * Each case presets a counter to 2^width - K and runs a measured block of
 * straight-line code between the WRMSR that enables the counter and the
 * one that disables it (the same methodology as the kernel's
 * pmu_counters_test: exactly one of the two WRMSRs counts):
 *  - CPUID exits (no forced emulation needed): 5n + 4 instructions;
 *  - forced-emulated NOPs: 3n + 4 instructions;
 *  - forced-emulated JMPs: 2n branches.
 * The presets put the wrap on the first event, on hardware-counted and on
 * emulated events next to each other (a hardware wrap followed by an
 * emulated event is the window where Linux 6.1 raises a second, spurious
 * overflow), on the last event, and one and two events past it (no
 * wrap).  For each preset:
 *  - interrupts off: the count is exact, the status bit is set iff the
 *    counter wrapped, and once interrupts are on exactly that many PMIs
 *    (0 or 1) arrive;
 *  - interrupts on, the PMI handler re-arming LVTPC: exactly as many PMIs,
 *    each with the status bit set, none spurious, none lost;
 * and two wraps in a row give two PMIs.
 */
#include "pmu_ext_compat.h"
#include "pmu_ext.h"

#define LOOPS		8

enum block { BLOCK_CPUID, BLOCK_FEP_NOP, BLOCK_FEP_JMP };
enum counter { COUNTER_GP0, COUNTER_FIXED0 };

struct variant {
	enum counter counter;
	enum block block;
};

static struct pmu_ext_cpuid_0a supported;

/* Synced to the guest. */
static struct variant guest_variant;

/* Guest state, written by the PMI handler. */
static u64 pmi_count, pmi_without_status;
static u64 counter_bit;

/*
 * WRMSR(GLOBAL_CTRL, @enable), @n times @body, then WRMSR(GLOBAL_CTRL, 0)
 * with nothing else in between: what the counter sees is exactly that.
 */
#define MEASURED_BLOCK(enable, n, body, clobbers...)			\
do {									\
	u64 __e = (enable);						\
	u32 __a = __e, __d = __e >> 32;					\
	u32 __c = MSR_CORE_PERF_GLOBAL_CTRL, __n = (n);			\
									\
	asm volatile("wrmsr\n\t"					\
		     "1: " body "\n\t"					\
		     "dec %%esi\n\t"					\
		     "jnz 1b\n\t"					\
		     "mov %%edi, %%ecx\n\t"				\
		     "xor %%eax, %%eax\n\t"				\
		     "xor %%edx, %%edx\n\t"				\
		     "wrmsr\n\t"					\
		     : "+a"(__a), "+c"(__c), "+d"(__d), "+S"(__n)	\
		     : "D"(MSR_CORE_PERF_GLOBAL_CTRL)			\
		     : "memory", ##clobbers);				\
} while (0)

/* Events the block counts: see the comment at the top. */
static u64 block_events(enum block b, u32 n)
{
	switch (b) {
	case BLOCK_CPUID:
		return 5ULL * n + 4;
	case BLOCK_FEP_NOP:
		return 3ULL * n + 4;
	default:
		return 2ULL * n;
	}
}

static void run_block(enum block b, u64 enable, u32 n)
{
	switch (b) {
	case BLOCK_CPUID:
		MEASURED_BLOCK(enable, n, "xor %%eax, %%eax\n\t"
			       "xor %%ecx, %%ecx\n\t"
			       "cpuid", "rbx");
		break;
	case BLOCK_FEP_NOP:
		MEASURED_BLOCK(enable, n, PMU_EXT_FEP " nop");
		break;
	default:
		MEASURED_BLOCK(enable, n, PMU_EXT_FEP " jmp 2f\n\t2:");
		break;
	}
}

static void guest_pmi_handler(struct ex_regs *regs)
{
	u64 status = rdmsr(MSR_CORE_PERF_GLOBAL_STATUS);

	if (!(status & counter_bit))
		WRITE_ONCE(pmi_without_status, pmi_without_status + 1);
	wrmsr(MSR_CORE_PERF_GLOBAL_OVF_CTRL, counter_bit);
	WRITE_ONCE(pmi_count, pmi_count + 1);
	guest_pmi_ack();
}

/* Let every pending PMI in: exits (CPUID) with interrupts on, then a spin. */
static void drain_pmis(void)
{
	u32 a, b, c, d;
	int i;

	guest_sti();
	for (i = 0; i < 16; i++)
		__cpuid(0, 0, &a, &b, &c, &d);
	for (i = 0; i < 100000; i++)
		asm volatile("pause");
	guest_cli();
}

struct setup {
	u32 ctr_msr;
	u64 mask;
	u64 enable;
	bool gp;
};

/* Counter stopped, status clear, preset to 2^width - k, armed with PMI. */
static void arm(const struct setup *s, u64 k)
{
	u64 event = guest_variant.block == BLOCK_FEP_JMP ?
			 ARCH_EVENT_BRANCHES : ARCH_EVENT_INSTRUCTIONS;

	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	if (s->gp) {
		wrmsr(MSR_P6_EVNTSEL0, 0);
		/* A legacy write sign-extends bit 31: 2^width - k. */
		wrmsr(s->ctr_msr, (u32)-k);
		wrmsr(MSR_P6_EVNTSEL0, event | EVTSEL_OS | EVTSEL_INT | EVTSEL_EN);
	} else {
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
		wrmsr(s->ctr_msr, -k & s->mask);
		wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL,
		      FIXED_CTRL(0, FIXED_CTRL_OS | FIXED_CTRL_PMI));
	}
	GUEST_CHECK_EQ(rdmsr(s->ctr_msr), -k & s->mask);
	wrmsr(MSR_CORE_PERF_GLOBAL_OVF_CTRL, counter_bit);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS) & counter_bit, 0);
	WRITE_ONCE(pmi_count, 0);
	WRITE_ONCE(pmi_without_status, 0);
}

static void measure(const struct setup *s, u64 k, u64 events,
		    bool irq)
{
	const bool wraps = k <= events;
	const u64 want = (events - k) & s->mask;
	u64 count;

	pmu_ext_guest_ctx = (u64)irq << 32 | k;
	arm(s, k);
	if (irq)
		guest_sti();
	run_block(guest_variant.block, s->enable, LOOPS);
	guest_cli();

	count = rdmsr(s->ctr_msr);
	if (!irq || !wraps) {
		GUEST_CHECK_EQ(count, want);
	} else {
		/* The handler ran with the counter on: it only adds. */
		GUEST_CHECK(count >= want && count < want + 100000, count, want);
	}
	if (!irq)
		GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS) & counter_bit,
			       wraps ? counter_bit : 0);

	drain_pmis();
	GUEST_CHECK_EQ(READ_ONCE(pmi_count), wraps);
	GUEST_CHECK_EQ(READ_ONCE(pmi_without_status), 0);
	GUEST_CHECK_EQ(rdmsr(MSR_CORE_PERF_GLOBAL_STATUS) & counter_bit, 0);
}

static void guest_code(void)
{
	struct pmu_ext_pmu p;
	struct setup s;
	u64 events, ks[12];
	unsigned int i;

	guest_pmu_read(&p);
	s.gp = guest_variant.counter == COUNTER_GP0;
	if (s.gp) {
		s.ctr_msr = MSR_IA32_PERFCTR0;
		s.mask = p.gp_width >= 64 ? ~0ULL : BIT_ULL(p.gp_width) - 1;
		s.enable = BIT_ULL(0);
	} else {
		s.ctr_msr = MSR_CORE_PERF_FIXED_CTR0;
		s.mask = p.fixed_width >= 64 ? ~0ULL : BIT_ULL(p.fixed_width) - 1;
		s.enable = BIT_ULL(32);
	}
	counter_bit = s.enable;
	guest_pmi_setup();

	events = block_events(guest_variant.block, LOOPS);
	ks[0] = 1;			/* the first counted event */
	ks[1] = 2;
	ks[2] = 3;
	ks[3] = 4;
	ks[4] = 5;
	ks[5] = 6;
	ks[6] = events / 2;
	ks[7] = events - 2;
	ks[8] = events - 1;
	ks[9] = events;			/* the last one: ends at 0 */
	ks[10] = events + 1;		/* no wrap */
	ks[11] = events + 2;

	for (i = 0; i < ARRAY_SIZE(ks); i++) {
		measure(&s, ks[i], events, false);
		measure(&s, ks[i], events, true);
	}

	/* Two wraps, two PMIs. */
	pmu_ext_guest_ctx = 0x200;
	arm(&s, 3);
	guest_sti();
	run_block(guest_variant.block, s.enable, LOOPS);
	guest_cli();
	wrmsr(s.ctr_msr, s.gp ? (u32)-3ULL : -3ULL & s.mask);
	guest_sti();
	run_block(guest_variant.block, s.enable, LOOPS);
	guest_cli();
	drain_pmis();
	GUEST_CHECK_EQ(READ_ONCE(pmi_count), 2);
	GUEST_CHECK_EQ(READ_ONCE(pmi_without_status), 0);

	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_P6_EVNTSEL0, 0);
	wrmsr(MSR_CORE_PERF_FIXED_CTR_CTRL, 0);
	GUEST_DONE();
}

FIXTURE_VARIANT(pmu) {
	struct variant v;
};

FIXTURE_VARIANT_ADD(pmu, gp0_instructions_cpuid_exits) {
	.v = { COUNTER_GP0, BLOCK_CPUID },
};

FIXTURE_VARIANT_ADD(pmu, fixed0_instructions_cpuid_exits) {
	.v = { COUNTER_FIXED0, BLOCK_CPUID },
};

FIXTURE_VARIANT_ADD(pmu, gp0_instructions_forced_emulation) {
	.v = { COUNTER_GP0, BLOCK_FEP_NOP },
};

FIXTURE_VARIANT_ADD(pmu, fixed0_instructions_forced_emulation) {
	.v = { COUNTER_FIXED0, BLOCK_FEP_NOP },
};

FIXTURE_VARIANT_ADD(pmu, gp0_branches_forced_emulation) {
	.v = { COUNTER_GP0, BLOCK_FEP_JMP },
};

TEST_F(pmu, one_overflow_per_wrap)
{
	const struct variant *v = &variant->v;
	struct kvm_vcpu *vcpu = self->vcpu;

	if (v->block != BLOCK_CPUID && !pmu_ext_fep_enabled())
		SKIP(return, "feature absent: kvm.force_emulation_prefix=0 (load kvm with =1)");
	/* ECX enumerates fixed counters from version 5; reserved before. */
	if (v->counter == COUNTER_FIXED0 && !CPUID_0A_NR_FIXED(&supported) &&
	    !(CPUID_0A_VERSION(&supported) >= 5 && (supported.ecx & 1)))
		SKIP(return, "feature absent: KVM offers no fixed counter 0");
	if (v->counter == COUNTER_GP0 && !CPUID_0A_NR_GP(&supported))
		SKIP(return, "feature absent: KVM offers no GP counter");

	guest_variant = *v;
	vcpu_arch_set_entry_point(vcpu, guest_code);
	vm_install_exception_handler(vcpu->vm, PMU_EXT_PMI_VECTOR,
				     guest_pmi_handler);
	sync_global_to_guest(vcpu->vm, guest_variant);
	pmu_ext_set_cpuid_0a(vcpu, &supported);
	pmu_ext_run_to_done(vcpu);
}

int main(int argc, char *argv[])
{
	pmu_ext_require(2, &supported);
	ksft_print_msg("forced emulation %s\n",
		       pmu_ext_fep_enabled() ? "on" : "off");
	return test_harness_run(argc, argv);
}
