// SPDX-License-Identifier: GPL-2.0
/*
 * The glue test bench (glue_bench.h): fake originals and fake vCPUs.
 */
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <asm/msr-index.h>
#include <asm/perf_event.h>

#include "glue_bench.h"
#include "../../src/kvm/compat.h"

struct bench bench;
static struct dentry *bench_debugfs;

static_assert(ARRAY_SIZE(bench.calls) >= BENCH_NR);

#define KVM_MAX_GP	ARRAY_SIZE(((struct kvm_pmu *)0)->gp_counters)

const u32 bench_host_0a[4] = { 0x07300805, 0, 0x7, 0x8603 };
const struct x86_pmu_capability bench_kvm_pmu_cap = {
	.version = 2,
	.num_counters_gp = 8,
	.num_counters_fixed = 3,
	.bit_width_gp = 48,
	.bit_width_fixed = 48,
	.events_mask_len = 7,
};

/* kvm_find_cpuid_entry() */
static struct kvm_cpuid_entry2 *bench_cpuid(struct kvm_vcpu *vcpu, u32 fn)
{
	int i;

	for (i = 0; i < vcpu->arch.cpuid_nent; i++)
		if (vcpu->arch.cpuid_entries[i].function == fn)
			return &vcpu->arch.cpuid_entries[i];
	return NULL;
}

static void bench_saw(enum bench_fake f, struct kvm_vcpu *vcpu)
{
	bench.calls[f]++;
	bench.last_vcpu = vcpu;
}

/*
 * vmx_vcpu_create(): the VMCS and friends; may fail.  The new vCPU's
 * lbr_desc has no event, its DEBUGCTL is 0 (init_vmcs()).
 */
static int fake_vcpu_create(struct kvm_vcpu *vcpu)
{
	bench_saw(BENCH_VCPU_CREATE, vcpu);
	bench.lbr.debugctl = 0;
	bench.lbr.event = false;
	bench.lbr.passthrough = false;
	return bench.vcpu_create_ret;
}

/* vmx_vcpu_free(): runs before the PMU is torn down. */
static void fake_vcpu_free(struct kvm_vcpu *vcpu)
{
	bench_saw(BENCH_VCPU_FREE, vcpu);
	bench.state_at_free = vpmu_vcpu_find(vcpu);
}

static bool bench_global_msr(u32 msr)
{
	return msr == MSR_CORE_PERF_GLOBAL_STATUS ||
	       msr == MSR_CORE_PERF_GLOBAL_CTRL ||
	       msr == MSR_CORE_PERF_GLOBAL_OVF_CTRL;
}

static bool bench_eventsel(u32 msr)
{
	return msr >= MSR_P6_EVNTSEL0 && msr < MSR_P6_EVNTSEL0 + KVM_MAX_GP;
}

/* intel_msr_idx_to_pmc(): counters and event selects that exist. */
static struct kvm_pmc *fake_msr_idx_to_pmc(struct kvm_vcpu *vcpu, u32 msr)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (msr >= MSR_IA32_PERFCTR0 &&
	    msr < MSR_IA32_PERFCTR0 + pmu->nr_arch_gp_counters)
		return &pmu->gp_counters[msr - MSR_IA32_PERFCTR0];
	if (msr >= MSR_P6_EVNTSEL0 &&
	    msr < MSR_P6_EVNTSEL0 + pmu->nr_arch_gp_counters)
		return &pmu->gp_counters[msr - MSR_P6_EVNTSEL0];
	if (msr >= MSR_CORE_PERF_FIXED_CTR0 &&
	    msr < MSR_CORE_PERF_FIXED_CTR0 + pmu->nr_arch_fixed_counters)
		return &pmu->fixed_counters[msr - MSR_CORE_PERF_FIXED_CTR0];
	return NULL;
}

/* intel_pmu_is_valid_lbr_msr() of a host with a 32-deep stack at 0x680. */
static bool bench_lbr_msr(u32 msr)
{
	return msr == MSR_LBR_SELECT || msr == MSR_LBR_TOS ||
	       (msr >= MSR_LBR_NHM_FROM && msr < MSR_LBR_NHM_FROM + 32) ||
	       (msr >= MSR_LBR_NHM_TO && msr < MSR_LBR_NHM_TO + 32);
}

/*
 * Host perf schedules the vLBR event in: it runs unless a pinned host LBR
 * event holds the LBR, after which it stays in ERROR; running, it finds
 * the stack it saved, or an empty one (a new event's).
 */
static void bench_lbr_schedule(void)
{
	struct bench_lbr *l = &bench.lbr;

	if (l->reclaimed)
		l->error = true;
	l->active = !l->error;
	if (l->active)
		l->stack = l->saved ? l->saved_stack : BENCH_LBR_EMPTY;
}

/* intel_pmu_create_guest_lbr_event(): a pinned task event, bit 58. */
static int fake_lbr_create(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	/* perf_event_create_kernel_counter() allocates and takes mutexes. */
	if (!preemptible())
		bench.lbr.atomic_creates++;
	if (!bench.lbr.event) {
		if (bench.lbr.create_fails)
			return -ENOMEM;
		bench.lbr.event = true;
		bench.lbr.saved = false;
		bench.lbr.creates++;
		pmu->event_count++;
		bench_lbr_schedule();
	}
	__set_bit(INTEL_PMC_IDX_FIXED_VLBR, pmu->pmc_in_use);
	return 0;
}

/* intel_pmu_release_guest_lbr_event() */
static void fake_lbr_release(struct kvm_vcpu *vcpu)
{
	if (!bench.lbr.event)
		return;
	bench.lbr.event = false;
	bench.lbr.active = false;
	bench.lbr.error = false;
	bench.lbr.saved = false;
	bench.lbr.releases++;
	vcpu->arch.pmu.event_count--;
}

/*
 * intel_pmu_handle_lbr_msrs_access(): an intercepted LBR MSR creates the
 * event, and reaches the stack only while host perf runs it; LBR_TOS
 * stands for the whole stack.
 */
static bool fake_lbr_access(struct kvm_vcpu *vcpu, struct msr_data *msr,
			    bool read)
{
	unsigned long *in_use = vcpu->arch.pmu.pmc_in_use;

	if (!bench.lbr.enabled || !bench_lbr_msr(msr->index))
		return false;
	bench.lbr.lbr_msrs++;
	if (!bench.lbr.event && fake_lbr_create(vcpu) < 0)
		goto dummy;
	if (bench.lbr.active) {
		if (read)
			msr->data = bench.lbr.stack;
		__set_bit(INTEL_PMC_IDX_FIXED_VLBR, in_use);
		return true;
	}
	clear_bit(INTEL_PMC_IDX_FIXED_VLBR, in_use);
dummy:
	if (read)
		msr->data = 0;
	return true;
}

/* intel_is_valid_msr(): the global MSRs from version 2, the LBR MSRs. */
static bool fake_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 msr)
{
	bench_saw(BENCH_PMU_IS_VALID_MSR, vcpu);
	if (bench.lbr.enabled && bench_lbr_msr(msr))
		return true;
	return (msr == MSR_CORE_PERF_FIXED_CTR_CTRL || bench_global_msr(msr)) &&
	       vcpu->arch.pmu.version > 1;
}

/*
 * intel_pmu_get_msr(): FIXED_CTR_CTRL, counters, event selects, the LBR
 * MSRs, and on 6.1 the global MSRs (6.12 serves those in generic code,
 * bench_msr()).
 */
static int fake_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	struct kvm_pmc *pmc = fake_msr_idx_to_pmc(vcpu, msr->index);

	bench_saw(BENCH_PMU_GET_MSR, vcpu);
	switch (msr->index) {
	case MSR_CORE_PERF_FIXED_CTR_CTRL:
		msr->data = pmu->fixed_ctr_ctrl;
		return 0;
	case MSR_CORE_PERF_GLOBAL_STATUS:
		msr->data = pmu->global_status;
		return 0;
	case MSR_CORE_PERF_GLOBAL_CTRL:
		msr->data = pmu->global_ctrl;
		return 0;
	case MSR_CORE_PERF_GLOBAL_OVF_CTRL:
		msr->data = 0;
		return 0;
	}
	if (fake_lbr_access(vcpu, msr, true))
		return 0;
	if (!pmc)
		return 1;
	msr->data = bench_eventsel(msr->index) ? pmc->eventsel : pmc->counter;
	return 0;
}

/* kvm_pmu_set_msr()'s global MSRs, as 6.1's op and 6.12's generic code. */
static int bench_global_set(struct kvm_pmu *pmu, struct msr_data *msr)
{
	switch (msr->index) {
	case MSR_CORE_PERF_GLOBAL_STATUS:
		/* Read-only to the guest; 6.1 checks no reserved bit. */
		if (!msr->host_initiated)
			return 1;
		if (VPMU_KVM_MINOR != 1 &&
		    (msr->data & vpmu_pmu_global_status_rsvd(pmu)))
			return 1;
		pmu->global_status = msr->data;
		return 0;
	case MSR_CORE_PERF_GLOBAL_CTRL:
		if (msr->data & vpmu_pmu_global_ctrl_rsvd(pmu))
			return 1;
		pmu->global_ctrl = msr->data;
		return 0;
	default: /* GLOBAL_OVF_CTRL, GLOBAL_STATUS_RESET from v4 */
		if (msr->data & vpmu_pmu_global_status_rsvd(pmu))
			return 1;
		if (!msr->host_initiated)
			pmu->global_status &= ~msr->data;
		return 0;
	}
}

/* intel_pmu_set_msr(), for what bench_msr() sends it. */
static int fake_pmu_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	struct kvm_pmc *pmc = fake_msr_idx_to_pmc(vcpu, msr->index);

	bench_saw(BENCH_PMU_SET_MSR, vcpu);
	if (msr->index == MSR_CORE_PERF_FIXED_CTR_CTRL) {
		if (msr->data & vpmu_pmu_fixed_ctrl_rsvd(pmu))
			return 1;
		pmu->fixed_ctr_ctrl = msr->data;
		return 0;
	}
	if (bench_global_msr(msr->index))
		return bench_global_set(pmu, msr);
	if (fake_lbr_access(vcpu, msr, false))
		return 0;
	if (!pmc)
		return 1;
	if (bench_eventsel(msr->index))
		pmc->eventsel = msr->data;
	else
		pmc->counter = msr->data & pmu->counter_bitmask[pmc->type];
	return 0;
}

/* intel_rdpmc_ecx_to_pmc(): ECX bit 30 selects the fixed counters. */
static struct kvm_pmc *fake_rdpmc_ecx_to_pmc(struct kvm_vcpu *vcpu,
					     unsigned int ecx, u64 *mask)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	unsigned int i = ecx & ~(3U << 30);

	if (ecx & BIT(30))
		return i < pmu->nr_arch_fixed_counters ?
		       &pmu->fixed_counters[i] : NULL;
	return i < pmu->nr_arch_gp_counters ? &pmu->gp_counters[i] : NULL;
}

#if VPMU_KVM_MINOR == 1
/* intel_is_valid_rdpmc_ecx() */
static bool fake_is_valid_rdpmc_ecx(struct kvm_vcpu *vcpu, unsigned int ecx)
{
	return fake_rdpmc_ecx_to_pmc(vcpu, ecx, NULL);
}
#endif

/* The masks KVM's refresh starts from (both kernels; 6.12 in generic code). */
static void bench_pmu_clear(struct kvm_pmu *pmu)
{
	pmu->version = 0;
	pmu->nr_arch_gp_counters = 0;
	pmu->nr_arch_fixed_counters = 0;
	pmu->counter_bitmask[KVM_PMC_GP] = 0;
	pmu->counter_bitmask[KVM_PMC_FIXED] = 0;
	vpmu_pmu_global_ctrl_rsvd(pmu) = ~0ULL;
	vpmu_pmu_global_status_rsvd(pmu) = ~0ULL;
	vpmu_pmu_fixed_ctrl_rsvd(pmu) = ~0ULL;
	vpmu_pmu_pebs_enable_rsvd(pmu) = ~0ULL;
}

/*
 * intel_pmu_refresh(), for the fields the glue reads: the version from
 * CPUID.0AH uncapped, counts and widths limited by kvm_pmu_cap, fixed
 * counters 0..EDX[4:0]-1 only (ECX unread), the reserved masks, the
 * valid counter bits (never cleared on 6.1), the fixed event selects of
 * the enabled counters on 6.1, and the vLBR bit when the vCPU has LBR.
 */
static void fake_pmu_refresh(struct kvm_vcpu *vcpu)
{
	const struct x86_pmu_capability *cap = &bench_kvm_pmu_cap;
	static const u64 eventsel[] = { 0x00c0, 0x003c, 0x0300 };
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	struct kvm_cpuid_entry2 *e = bench_cpuid(vcpu, 0xa);
	unsigned int i, width;
	u64 counters;

	bench_saw(BENCH_PMU_REFRESH, vcpu);
	if (VPMU_KVM_MINOR == 1)
		bench_pmu_clear(pmu);
	bench.lbr.enabled = false;
	if (!e)
		return;
	pmu->version = e->eax & 0xff;
	if (!pmu->version)
		return;
	bench.lbr.enabled = bench.refresh_lbr;
	pmu->nr_arch_gp_counters = min_t(u32, (e->eax >> 8) & 0xff,
					 cap->num_counters_gp);
	width = min_t(u32, (e->eax >> 16) & 0xff, cap->bit_width_gp);
	pmu->counter_bitmask[KVM_PMC_GP] = BIT_ULL(width) - 1;
	if (pmu->version > 1) {
		pmu->nr_arch_fixed_counters = min3(3U, e->edx & 0x1f,
						   (u32)cap->num_counters_fixed);
		width = min_t(u32, (e->edx >> 5) & 0xff, cap->bit_width_fixed);
		pmu->counter_bitmask[KVM_PMC_FIXED] = BIT_ULL(width) - 1;
		if (VPMU_KVM_FIXED_EVENTSEL_AT_REFRESH)
			for (i = 0; i < pmu->nr_arch_fixed_counters; i++)
				pmu->fixed_counters[i].eventsel = eventsel[i];
	}
	for (i = 0; i < pmu->nr_arch_fixed_counters; i++)
		vpmu_pmu_fixed_ctrl_rsvd(pmu) &= ~(0xbULL << (i * 4));
	counters = (BIT_ULL(pmu->nr_arch_gp_counters) - 1) |
		   (BIT_ULL(pmu->nr_arch_fixed_counters) - 1) << INTEL_PMC_IDX_FIXED;
	vpmu_pmu_global_ctrl_rsvd(pmu) = ~counters;
	vpmu_pmu_global_status_rsvd(pmu) = ~counters &
		~(MSR_CORE_PERF_GLOBAL_OVF_CTRL_OVF_BUF |
		  MSR_CORE_PERF_GLOBAL_OVF_CTRL_COND_CHGD);
	bitmap_set(pmu->all_valid_pmc_idx, 0, pmu->nr_arch_gp_counters);
	bitmap_set(pmu->all_valid_pmc_idx, INTEL_PMC_IDX_FIXED,
		   pmu->nr_arch_fixed_counters);
	if (bench.refresh_lbr)
		__set_bit(INTEL_PMC_IDX_FIXED_VLBR, pmu->all_valid_pmc_idx);
}

/*
 * intel_pmu_reset(): releases the vLBR event; on 6.1 it also clears the
 * global MSRs (6.12's kvm_pmu_reset() does, before the op).
 */
static void fake_pmu_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	bench_saw(BENCH_PMU_RESET, vcpu);
	if (VPMU_KVM_MINOR == 1) {
		pmu->fixed_ctr_ctrl = 0;
		pmu->global_ctrl = 0;
		pmu->global_status = 0;
	}
	fake_lbr_release(vcpu);
}

/* intel_pmu_deliver_pmi(): the legacy freeze, versions 2 and 3 with LBR. */
static void fake_pmu_deliver_pmi(struct kvm_vcpu *vcpu)
{
	u8 version = vcpu->arch.pmu.version;

	bench_saw(BENCH_PMU_DELIVER_PMI, vcpu);
	bench.lbr.pmi_hardirq = in_hardirq();
	if (bench.lbr.enabled && version > 1 && version < 4 &&
	    (bench.lbr.debugctl & DEBUGCTLMSR_FREEZE_LBRS_ON_PMI))
		bench.lbr.debugctl &= ~DEBUGCTLMSR_LBR;
}

/* intel_pmu_cleanup(): releases the event while DEBUGCTL.LBR is clear. */
static void fake_pmu_cleanup(struct kvm_vcpu *vcpu)
{
	bench_saw(BENCH_PMU_CLEANUP, vcpu);
	bench.lbr.cleanups++;
	if (!(bench.lbr.debugctl & DEBUGCTLMSR_LBR))
		fake_lbr_release(vcpu);
}

/* What kvm_{get,set}_msr_common() send to the PMU; others read 0 here. */
static bool bench_pmu_msr(u32 msr)
{
	return (msr >= MSR_CORE_PERF_FIXED_CTR_CTRL &&
		msr <= VPMU_MSR_GLOBAL_INUSE) || bench_lbr_msr(msr);
}

/* vmx_get_msr(): DEBUGCTL from the VMCS, PMU MSRs through KVM's PMU. */
static int fake_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	bench_saw(BENCH_GET_MSR, vcpu);
	if (msr->index == MSR_IA32_DEBUGCTLMSR) {
		msr->data = bench.lbr.debugctl;
		return 0;
	}
	msr->data = 0;
	if (bench_pmu_msr(msr->index))
		return bench_msr(vcpu, false, msr->index, &msr->data,
				 msr->host_initiated);
	return 0;
}

/*
 * vmx_set_msr()'s DEBUGCTL: BTF (and LBR without LBR virtualized)
 * dropped, other unsupported bits a #GP, the value stored, and the event
 * created when LBR is set and there is none.
 */
static int fake_set_debugctl(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	const u64 lbr = DEBUGCTLMSR_LBR | DEBUGCTLMSR_FREEZE_LBRS_ON_PMI;
	u64 supported = bench.lbr.enabled || msr->host_initiated ? lbr : 0;

	if (msr->data & ~supported & ~(DEBUGCTLMSR_BTF | DEBUGCTLMSR_LBR))
		return 1;
	bench.lbr.debugctl = msr->data & supported;
	bench.lbr.debugctl_writes++;
	if (bench.lbr.enabled && !bench.lbr.event &&
	    (bench.lbr.debugctl & DEBUGCTLMSR_LBR))
		fake_lbr_create(vcpu);
	return 0;
}

/* vmx_set_msr(): DEBUGCTL, PMU MSRs through KVM's PMU. */
static int fake_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	u64 data = msr->data;

	bench_saw(BENCH_SET_MSR, vcpu);
	if (msr->index == MSR_IA32_DEBUGCTLMSR)
		return fake_set_debugctl(vcpu, msr);
	if (bench_pmu_msr(msr->index))
		return bench_msr(vcpu, true, msr->index, &data,
				 msr->host_initiated);
	return 0;
}

/*
 * intel_guest_get_msrs(): perf's list, only GLOBAL_CTRL unless a test
 * gave perf's state (bench.pebs): then the list the model of 6.1's or
 * 6.12's builds from it and the vCPU's kvm_pmu (@data).
 */
static struct perf_guest_switch_msr *fake_guest_get_msrs(int *nr, void *data)
{
	const struct kvm_pmu *pmu = data;
	struct vpmu_pebs_vcpu vcpu;
	unsigned int n, i;

	bench_saw(BENCH_GUEST_GET_MSRS, NULL);
	if (bench.perf_null)
		return NULL;
	if (!bench.pebs) {
		bench.msr = (struct perf_guest_switch_msr) {
			.msr = MSR_CORE_PERF_GLOBAL_CTRL, .host = 1, .guest = 0,
		};
		*nr = 1;
		return &bench.msr;
	}
	vcpu = (struct vpmu_pebs_vcpu) {
		.pebs_enable = pmu->pebs_enable,
		.ds_area = pmu->ds_area,
		.pebs_data_cfg = pmu->pebs_data_cfg,
		.cross_mapped = pmu->host_cross_mapped_mask,
	};
	n = bench.pebs61 ?
	    perf61_intel_guest_get_msrs(bench.pebs, &vcpu, bench.perf_list) :
	    perf612_intel_guest_get_msrs(bench.pebs, &vcpu, bench.perf_list);
	for (i = 0; i < bench.perf_extra; i++)
		n = pebs_put(bench.perf_list, n, MSR_IA32_PMC0 + i, 1, 2);
	*nr = n;
	return (struct perf_guest_switch_msr *)bench.perf_list;
}

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
/* kvm_pmu_trigger_event(), the original behind the 6.1 redirect. */
static void fake_trigger_event(struct kvm_vcpu *vcpu, u64 perf_hw_id)
{
	bench_saw(BENCH_TRIGGER_EVENT, vcpu);
}

/* vmx_get_cpl() */
static int fake_get_cpl(struct kvm_vcpu *vcpu)
{
	return bench.cpl;
}

/* intel_pmc_idx_to_pmc(): counters that exist. */
static struct kvm_pmc *fake_pmc_idx_to_pmc(struct kvm_pmu *pmu, int idx)
{
	if (idx < INTEL_PMC_IDX_FIXED)
		return idx < pmu->nr_arch_gp_counters ?
		       &pmu->gp_counters[idx] : NULL;
	idx -= INTEL_PMC_IDX_FIXED;
	return idx < pmu->nr_arch_fixed_counters ?
	       &pmu->fixed_counters[idx] : NULL;
}

/* intel_pmc_is_enabled(): GLOBAL_CTRL from version 2. */
static bool fake_pmc_is_enabled(struct kvm_pmc *pmc)
{
	struct kvm_pmu *pmu = &pmc->vcpu->arch.pmu;

	return pmu->version < 2 || (pmu->global_ctrl & BIT_ULL(pmc->idx));
}

/* Intel's event map for the events KVM emulates. */
static u64 fake_perf_get_hw_event_config(int hw_event)
{
	switch (hw_event) {
	case PERF_COUNT_HW_INSTRUCTIONS:
		return 0x00c0;
	case PERF_COUNT_HW_BRANCH_INSTRUCTIONS:
		return 0x00c4;
	}
	return 0;
}

/* What the fake events counted and nobody consumed: their ->count. */
static u64 fake_perf_event_read_value(struct perf_event *event, u64 *enabled,
				      u64 *running)
{
	bench.calls[BENCH_READ_VALUE]++;
	bench.irqs_off_calls += irqs_disabled();
	return local64_read(&event->count);
}

static int fake_perf_event_read_local(struct perf_event *event, u64 *value,
				      u64 *enabled, u64 *running)
{
	bench.calls[BENCH_READ_LOCAL]++;
	if (bench.read_local_ret)
		return bench.read_local_ret;
	*value = local64_read(&event->count);
	return 0;
}

/*
 * reprogram_counter(): pmc_pause_counter() consumes the perf count,
 * pmc_resume_counter() re-arms and clears the reprogram_pmi bit.
 */
static void fake_reprogram_counter(struct kvm_pmc *pmc)
{
	struct kvm_pmu *pmu = &pmc->vcpu->arch.pmu;

	bench_saw(BENCH_REPROGRAM_COUNTER, pmc->vcpu);
	bench.irqs_off_calls += irqs_disabled();
	if (pmc->perf_event) {
		pmc->counter = (pmc->counter + local64_read(&pmc->perf_event->count)) &
			       pmu->counter_bitmask[pmc->type];
		local64_set(&pmc->perf_event->count, 0);
	}
	clear_bit(pmc->idx, pmu->reprogram_pmi);
}
#endif

int bench_init(struct kunit *test)
{
	static bool once;

	if (!once) {
		/* The wrappers enter the engine's SRCU domain. */
		if (vpmu_hook_engine_init())
			return -ENOMEM;
		bench_debugfs = debugfs_create_dir("vpmu_kunit_glue", NULL);
		vpmu_vcpu_setup(bench_debugfs);
		once = true;
	}
	memset(&bench, 0, sizeof(bench));
	vpmu_caps_host_from(&bench_kvm_pmu_cap, bench_host_0a, &vpmu_host_caps);
	vpmu_cfg = (struct vpmu_kvm_config) {
		.features = BIT(VPMU_EXT_NR) - 1,
		.max_version = 5,
		.lbr_policy = VPMU_LBR_POLICY_DEFAULT,
		.lbr_hysteresis = VPMU_LBR_HYSTERESIS_K_DEFAULT,
	};
	static_call_update(vpmu_orig_vcpu_create, fake_vcpu_create);
	static_call_update(vpmu_orig_vcpu_free, fake_vcpu_free);
	static_call_update(vpmu_orig_pmu_is_valid_msr, fake_pmu_is_valid_msr);
	static_call_update(vpmu_orig_pmu_get_msr, fake_pmu_get_msr);
	static_call_update(vpmu_orig_pmu_set_msr, fake_pmu_set_msr);
	static_call_update(vpmu_orig_pmu_refresh, fake_pmu_refresh);
	static_call_update(vpmu_orig_pmu_rdpmc_ecx_to_pmc, fake_rdpmc_ecx_to_pmc);
#if VPMU_KVM_MINOR == 1
	static_call_update(vpmu_orig_pmu_is_valid_rdpmc_ecx,
			   fake_is_valid_rdpmc_ecx);
#endif
	static_call_update(vpmu_orig_pmu_reset, fake_pmu_reset);
	static_call_update(vpmu_orig_pmu_deliver_pmi, fake_pmu_deliver_pmi);
	static_call_update(vpmu_orig_pmu_cleanup, fake_pmu_cleanup);
	static_call_update(vpmu_orig_get_msr, fake_get_msr);
	static_call_update(vpmu_orig_set_msr, fake_set_msr);
	static_call_update(vpmu_orig_guest_get_msrs, fake_guest_get_msrs);
#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
	static_call_update(vpmu_orig_trigger_event, fake_trigger_event);
	static_call_update(vpmu_kvm_get_cpl, fake_get_cpl);
	static_call_update(vpmu_kvm_pmc_idx_to_pmc, fake_pmc_idx_to_pmc);
	static_call_update(vpmu_kvm_pmc_is_enabled, fake_pmc_is_enabled);
	static_call_update(vpmu_kvm_reprogram_counter, fake_reprogram_counter);
	static_call_update(vpmu_perf_get_hw_event_config,
			   fake_perf_get_hw_event_config);
	static_call_update(vpmu_perf_event_read_value, fake_perf_event_read_value);
	static_call_update(vpmu_perf_event_read_local, fake_perf_event_read_local);
#endif
	return 0;
}

/*
 * The test's vCPUs go as a module unload sees them: unpinned first (a
 * test leaves pinned ones behind; an unload never meets one).
 */
void bench_exit(struct kunit *test)
{
	struct vpmu_vcpu *v;
	unsigned int bkt;

	hash_for_each(vpmu_vcpu_table, bkt, v, node)
		vpmu_vcpu_pin(v, false);
	vpmu_vcpu_free_all();
}

struct kvm *bench_vm(struct kunit *test, pid_t pid)
{
	struct kvm *kvm = kunit_kzalloc(test, sizeof(*kvm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, kvm);
	/* kvm_create_vm(): no debugfs directory until one is made. */
	kvm->debugfs_dentry = ERR_PTR(-ENOENT);
	kvm->userspace_pid = pid;
	return kvm;
}

struct kvm_vcpu *bench_vcpu(struct kunit *test, struct kvm *kvm, int id)
{
	struct kvm_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->arch.cpuid_entries = kunit_kcalloc(test, 2,
						 sizeof(*vcpu->arch.cpuid_entries),
						 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu->arch.cpuid_entries);
	vcpu->kvm = kvm;
	vcpu->vcpu_id = id;
	/* intel_pmu_init(): counter types, indexes and vCPU. */
	for (i = 0; i < KVM_MAX_GP; i++) {
		vcpu->arch.pmu.gp_counters[i].type = KVM_PMC_GP;
		vcpu->arch.pmu.gp_counters[i].idx = i;
		vcpu->arch.pmu.gp_counters[i].vcpu = vcpu;
	}
	for (i = 0; i < ARRAY_SIZE(vcpu->arch.pmu.fixed_counters); i++) {
		vcpu->arch.pmu.fixed_counters[i].type = KVM_PMC_FIXED;
		vcpu->arch.pmu.fixed_counters[i].idx = INTEL_PMC_IDX_FIXED + i;
		vcpu->arch.pmu.fixed_counters[i].vcpu = vcpu;
	}
	/* kvm_arch_vcpu_create(): a vCPU that never ran. */
	vcpu->arch.last_vmentry_cpu = -1;
	return vcpu;
}

int bench_vcpu_create(struct kvm_vcpu *vcpu)
{
	return vpmu_wrap_vcpu_create(vcpu);
}

void bench_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	vpmu_wrap_vcpu_free(vcpu);
	vpmu_wrap_pmu_reset(vcpu);
}

int bench_msr(struct kvm_vcpu *vcpu, bool write, u32 index, u64 *data,
	      bool host)
{
	struct msr_data msr = {
		.index = index, .data = *data, .host_initiated = host,
	};
	bool generic;
	int ret;

	/* kvm_pmu_is_valid_msr(): an MSR nobody claims is a #GP. */
	if (!fake_msr_idx_to_pmc(vcpu, index) &&
	    !vpmu_wrap_pmu_is_valid_msr(vcpu, index))
		return 1;
	/* 6.12's kvm_pmu_{get,set}_msr() serve these before the op. */
	generic = VPMU_KVM_MINOR != 1 && bench_global_msr(index);
	if (write)
		return generic ? bench_global_set(&vcpu->arch.pmu, &msr) :
				 vpmu_wrap_pmu_set_msr(vcpu, &msr);
	ret = generic ? fake_pmu_get_msr(vcpu, &msr) :
			vpmu_wrap_pmu_get_msr(vcpu, &msr);
	if (!ret)
		*data = msr.data;
	return ret;
}

int bench_rdpmc(struct kvm_vcpu *vcpu, unsigned int ecx)
{
	u64 mask = ~0ULL;

	if (VPMU_KVM_MINOR == 1 && !vpmu_wrap_pmu_is_valid_rdpmc_ecx(vcpu, ecx))
		return 1;
	return vpmu_wrap_pmu_rdpmc_ecx_to_pmc(vcpu, ecx, &mask) ? 0 : 1;
}

void bench_set_cpuid(struct kvm_vcpu *vcpu, u32 cpuid1_edx, const u32 regs_0a[4])
{
	struct kvm_cpuid_entry2 *e = vcpu->arch.cpuid_entries;

	e[0] = (struct kvm_cpuid_entry2) { .function = 1, .edx = cpuid1_edx };
	e[1] = (struct kvm_cpuid_entry2) {
		.function = 0xa,
		.eax = regs_0a[0], .ebx = regs_0a[1],
		.ecx = regs_0a[2], .edx = regs_0a[3],
	};
	vcpu->arch.cpuid_nent = 2;
}

void bench_kvm_refresh(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (VPMU_KVM_MINOR != 1) {
		bench_pmu_clear(pmu);
		bitmap_zero(pmu->all_valid_pmc_idx, X86_PMC_IDX_MAX);
	}
	vpmu_wrap_pmu_refresh(vcpu);
	/* 6.12: all GP counters enabled in GLOBAL_CTRL at RESET. */
	if (VPMU_KVM_MINOR != 1 && pmu->version > 1 && pmu->nr_arch_gp_counters)
		pmu->global_ctrl = GENMASK_ULL(pmu->nr_arch_gp_counters - 1, 0);
}

void bench_refresh(struct kvm_vcpu *vcpu, u8 version, bool lbr)
{
	/* The host's counters: 8 GP and 3 fixed of 48 bits, 7 events. */
	u32 regs[4] = { 0x07300800 | version, 0, 0, 0x0603 };

	bench.refresh_lbr = lbr;
	bench_set_cpuid(vcpu, 0, regs);
	bench_kvm_refresh(vcpu);
}

struct perf_guest_switch_msr *bench_vmentry(struct kvm_vcpu *vcpu, int *nr)
{
	struct perf_guest_switch_msr *list;
	unsigned long flags;

	local_irq_save(flags);
	list = vpmu_wrap_guest_get_msrs(nr, &vcpu->arch.pmu);
	local_irq_restore(flags);
	return list;
}

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
unsigned int bench_handle_pmu_event(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	unsigned int n = 0;
	int bit;

	for_each_set_bit(bit, pmu->reprogram_pmi, X86_PMC_IDX_MAX) {
		struct kvm_pmc *pmc = fake_pmc_idx_to_pmc(pmu, bit);

		if (!pmc || !pmc->perf_event) {
			clear_bit(bit, pmu->reprogram_pmi);
			continue;
		}
		fake_reprogram_counter(pmc);
		n++;
	}
	return n;
}
#endif
void bench_pmu_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (VPMU_KVM_MINOR != 1) {
		pmu->need_cleanup = false;
		pmu->fixed_ctr_ctrl = 0;
		pmu->global_ctrl = 0;
		pmu->global_status = 0;
	}
	vpmu_wrap_pmu_reset(vcpu);
}

int bench_rdmsr(struct kvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct msr_data msr = { .index = index, .host_initiated = host };
	int ret = vpmu_wrap_get_msr(vcpu, &msr);

	if (!ret)
		*data = msr.data;
	return ret;
}

int bench_wrmsr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct msr_data msr = {
		.index = index, .data = data, .host_initiated = host,
	};

	return vpmu_wrap_set_msr(vcpu, &msr);
}

/*
 * vmx_passthrough_lbr_msrs() at VM-entry: the LBR MSRs are the guest's
 * only while the event runs; it warns when hardware would record without
 * one, or when an event that does not run held bit 58.
 */
static void bench_lbr_passthrough(struct kvm_vcpu *vcpu)
{
	unsigned long *in_use = vcpu->arch.pmu.pmc_in_use;
	struct bench_lbr *l = &bench.lbr;

	if (!l->enabled)
		return;
	if (!l->event) {
		l->passthrough = false;
		if ((l->debugctl & DEBUGCTLMSR_LBR) ||
		    test_bit(INTEL_PMC_IDX_FIXED_VLBR, in_use))
			l->warns++;
		return;
	}
	l->passthrough = l->active;
	if (!l->active) {
		__clear_bit(INTEL_PMC_IDX_FIXED_VLBR, in_use);
		l->warns++;
	}
}

u64 bench_guest_run(struct kvm_vcpu *vcpu)
{
	struct bench_lbr *l = &bench.lbr;

	bench_lbr_passthrough(vcpu);
	l->token++;
	if (!(l->debugctl & DEBUGCTLMSR_LBR))
		return BENCH_LBR_EMPTY;
	/* Records into a stack host perf did not give the guest. */
	if (!l->event || !l->active)
		l->foreign++;
	l->stack = l->token;
	return l->stack;
}

u64 bench_guest_read(struct kvm_vcpu *vcpu)
{
	u64 data;

	bench_lbr_passthrough(vcpu);
	if (bench.lbr.passthrough)
		return bench.lbr.stack;
	if (bench_rdmsr(vcpu, MSR_LBR_TOS, &data, false))
		return ~2ULL;
	return data;
}

void bench_sched_out(struct kvm_vcpu *vcpu, u64 other)
{
	struct bench_lbr *l = &bench.lbr;

	/* intel_pmu_lbr_sched_task(): the call-stack event's stack is saved. */
	if (l->event && l->active) {
		l->saved = true;
		l->saved_stack = l->stack;
		l->saves++;
	}
	if (other != BENCH_LBR_EMPTY)
		l->stack = other;
}

/* kvm_pmu_handle_event()'s cleanup: kvm_pmu_cleanup(), the op wrapped. */
static void bench_kvm_pmu_cleanup(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (!pmu->need_cleanup)
		return;
	pmu->need_cleanup = false;
	vpmu_wrap_pmu_cleanup(vcpu);
	bitmap_zero(pmu->pmc_in_use, X86_PMC_IDX_MAX);
}

void bench_sched_in(struct kvm_vcpu *vcpu)
{
	struct kvm_pmu *pmu = &vcpu->arch.pmu;

	if (bench.lbr.event)
		bench_lbr_schedule();
	if (pmu->version && pmu->event_count)
		pmu->need_cleanup = true;
	bench_kvm_pmu_cleanup(vcpu);
}

void bench_reclaim(bool on)
{
	struct bench_lbr *l = &bench.lbr;

	l->reclaimed = on;
	if (!on)
		return;
	/* perf_install_in_context() by IPI: the host's event wins the LBR. */
	l->stack = BENCH_LBR_HOST;
	if (l->event) {
		l->active = false;
		l->error = true;
	}
}

void bench_pmi(struct kvm_vcpu *vcpu)
{
	vcpu->arch.pmu.global_status |= BIT_ULL(0);
	vpmu_wrap_pmu_deliver_pmi(vcpu);
}

struct bench_irq_work {
	struct irq_work work;
	struct kvm_vcpu *vcpu;
	void (*fn)(struct kvm_vcpu *vcpu);
	bool hardirq;
};

static void bench_irq_work_fn(struct irq_work *work)
{
	struct bench_irq_work *p = container_of(work, struct bench_irq_work,
						work);

	p->hardirq = in_hardirq();
	p->fn(p->vcpu);
}

bool bench_hardirq(struct kvm_vcpu *vcpu, void (*fn)(struct kvm_vcpu *vcpu))
{
	struct bench_irq_work p = { .vcpu = vcpu, .fn = fn };

	init_irq_work(&p.work, bench_irq_work_fn);
	irq_work_queue(&p.work);
	irq_work_sync(&p.work);
	return p.hardirq;
}

/* kvm_pmi_trigger_fn() */
bool bench_pmi_irq(struct kvm_vcpu *vcpu)
{
	vcpu->arch.pmu.global_status |= BIT_ULL(0);
	return bench_hardirq(vcpu, vpmu_wrap_pmu_deliver_pmi);
}
