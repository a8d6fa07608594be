// SPDX-License-Identifier: GPL-2.0
/*
 * Exact emulated-counter overflow (feature overflow) on Linux 6.1.  Its
 * kvm_pmu_trigger_event() bumps the counter, reprograms it and compares
 * with the value before the bump: a perf overflow in the same window
 * makes a second PMI, and on the fastpath the reprogram pauses a perf
 * event with interrupts off.  The ftrace redirect of that function brings
 * vCPUs with state here instead.  6.12 counts emulated events apart
 * already and is left alone.  Documentation/design.rst, "Overflow in KVM".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/perf_event.h>
#include <linux/preempt.h>
#include <linux/static_call.h>
#include <asm/perf_event.h>

#include <hook/hook.h>
#include <vpmu/counter.h>

#include "compat.h"
#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT

DEFINE_STATIC_CALL_NULL(vpmu_kvm_get_cpl, *((struct kvm_x86_ops *)0)->get_cpl);
DEFINE_STATIC_CALL_NULL(vpmu_kvm_pmc_idx_to_pmc,
			*(struct kvm_pmc *(*)(struct kvm_pmu *, int))NULL);
DEFINE_STATIC_CALL_NULL(vpmu_kvm_pmc_is_enabled,
			*(bool (*)(struct kvm_pmc *))NULL);
DEFINE_STATIC_CALL_NULL(vpmu_kvm_reprogram_counter,
			*(void (*)(struct kvm_pmc *))NULL);
DEFINE_STATIC_CALL_NULL(vpmu_perf_get_hw_event_config, perf_get_hw_event_config);
DEFINE_STATIC_CALL_NULL(vpmu_perf_event_read_value, perf_event_read_value);
DEFINE_STATIC_CALL_NULL(vpmu_perf_event_read_local, perf_event_read_local);

/* What the redirect calls: KVM's op targets (vendor code) and exports. */
static const struct vpmu_hook_callee vpmu_overflow_callees[] = {
	{ "kvm", "kvm_x86_get_cpl", "kvm_intel",
	  VPMU_HOOK_ORIG(vpmu_kvm_get_cpl) },
	{ "kvm", "kvm_x86_pmu_pmc_idx_to_pmc", "kvm_intel",
	  VPMU_HOOK_ORIG(vpmu_kvm_pmc_idx_to_pmc) },
	{ "kvm", "kvm_x86_pmu_pmc_is_enabled", "kvm_intel",
	  VPMU_HOOK_ORIG(vpmu_kvm_pmc_is_enabled) },
	{ "kvm", "reprogram_counter", NULL,
	  VPMU_HOOK_ORIG(vpmu_kvm_reprogram_counter) },
	{ VPMU_HOOK_VMLINUX, "perf_get_hw_event_config", NULL,
	  VPMU_HOOK_ORIG(vpmu_perf_get_hw_event_config) },
	{ VPMU_HOOK_VMLINUX, "perf_event_read_value", NULL,
	  VPMU_HOOK_ORIG(vpmu_perf_event_read_value) },
	{ VPMU_HOOK_VMLINUX, "perf_event_read_local", NULL,
	  VPMU_HOOK_ORIG(vpmu_perf_event_read_local) },
};

int vpmu_overflow_load(void)
{
	unsigned int i;
	int ret;

	if (!vpmu_feature(VPMU_EXT_OVERFLOW))
		return 0;
	for (i = 0; i < ARRAY_SIZE(vpmu_overflow_callees); i++) {
		ret = vpmu_hook_callee(&vpmu_kvm_table, &vpmu_overflow_callees[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* pmc_speculative_in_use(): enabled in its event select or FIXED_CTR_CTRL. */
static bool vpmu_pmc_in_use(const struct kvm_pmu *pmu, const struct kvm_pmc *pmc)
{
	if (pmc->type == KVM_PMC_FIXED)
		return (pmu->fixed_ctr_ctrl >>
			((pmc->idx - INTEL_PMC_IDX_FIXED) * 4)) & 0x3;
	return pmc->eventsel & ARCH_PERFMON_EVENTSEL_ENABLE;
}

/* cpl_is_matched(): the privilege levels of the programmed event. */
static bool vpmu_pmc_cpl_matched(struct kvm_pmc *pmc)
{
	u64 config = pmc->current_config;
	bool os, usr;

	if (pmc->type == KVM_PMC_GP) {
		os = config & ARCH_PERFMON_EVENTSEL_OS;
		usr = config & ARCH_PERFMON_EVENTSEL_USR;
	} else {
		os = config & 0x1;
		usr = config & 0x2;
	}
	return static_call(vpmu_kvm_get_cpl)(pmc->vcpu) == 0 ? os : usr;
}

/*
 * What the perf event counted that pmc->counter does not hold yet, left
 * for the next reprogram to consume, as pmc_read_counter() reads it.
 * perf_event_read_value() may sleep; with interrupts off,
 * perf_event_read_local() reads an event of this task on this CPU, and
 * any other event has folded its count in already.
 */
static u64 vpmu_pmc_perf_count(struct kvm_pmc *pmc, bool sleepable)
{
	struct perf_event *event = pmc->perf_event;
	u64 enabled, running, count;

	if (!event || pmc->is_paused)
		return 0;
	if (sleepable)
		return static_call(vpmu_perf_event_read_value)(event, &enabled,
							       &running);
	if (static_call(vpmu_perf_event_read_local)(event, &count, NULL, NULL))
		count = local64_read(&event->count);
	return count;
}

/*
 * 6.1's __kvm_perf_overflow() outside a PMI, without its reprogram_pmi
 * test: that bit is our re-arm's, and the core already said this is a
 * wrap of its own.  A PEBS counter gets neither status bit nor PMI: KVM
 * writes no PEBS record for an emulated event.
 */
static void vpmu_pmc_overflow(struct kvm_pmc *pmc, u64 before, u64 after)
{
	struct kvm_vcpu *vcpu = pmc->vcpu;
	struct kvm_pmu *pmu = &vcpu->arch.pmu;
	bool pebs = pmc->perf_event && pmc->perf_event->attr.precise_ip;

	if (!pebs)
		__set_bit(pmc->idx, (unsigned long *)&pmu->global_status);
	kvm_make_request(KVM_REQ_PMU, vcpu);
	if (!pebs && pmc->intr)
		kvm_make_request(KVM_REQ_PMI, vcpu);
	trace_kvm_vpmu_ext_overflow(vcpu, pmc->idx,
				    pmu->counter_bitmask[pmc->type], before,
				    after, !pebs, !pebs && pmc->intr);
}

/* One emulated event on @pmc; the perf count stays pending. */
static void vpmu_pmc_count(struct kvm_pmc *pmc, bool sleepable)
{
	struct kvm_pmu *pmu = &pmc->vcpu->arch.pmu;
	u64 perf = vpmu_pmc_perf_count(pmc, sleepable);
	struct vpmu_counter c = {
		.counter = pmc->counter,
		.mask = pmu->counter_bitmask[pmc->type],
	};
	u64 before = vpmu_counter_read(&c, perf);

	if (vpmu_counter_add_now(&c, perf, 1))
		vpmu_pmc_overflow(pmc, before, vpmu_counter_read(&c, perf));
	pmc->counter = c.counter;
	/*
	 * The next wrap is one event nearer: re-arm the period.  Pausing a
	 * perf event takes a mutex; with interrupts off, KVM does it before
	 * the next VM-entry (KVM_REQ_PMU ends the fastpath loop).
	 */
	if (sleepable) {
		static_call(vpmu_kvm_reprogram_counter)(pmc);
	} else {
		set_bit(pmc->idx, pmu->reprogram_pmi);
		kvm_make_request(KVM_REQ_PMU, pmc->vcpu);
	}
}

/* preemptible(), with irqs_disabled() read natively (vpmu_irqs_on()). */
static bool vpmu_may_sleep(void)
{
	return IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preempt_count() &&
	       vpmu_irqs_on();
}

void vpmu_overflow_trigger_event(struct vpmu_vcpu *v, u64 perf_hw_id)
{
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	bool sleepable = vpmu_may_sleep();
	struct kvm_pmc *pmc;
	u64 config;
	int i;

	/* As kvm_pmu_trigger_event(): edge, pin, invert and CMASK ignored. */
	for_each_set_bit(i, pmu->all_valid_pmc_idx, X86_PMC_IDX_MAX) {
		pmc = static_call(vpmu_kvm_pmc_idx_to_pmc)(pmu, i);
		if (!pmc || !static_call(vpmu_kvm_pmc_is_enabled)(pmc) ||
		    !vpmu_pmc_in_use(pmu, pmc))
			continue;
		config = static_call(vpmu_perf_get_hw_event_config)(perf_hw_id);
		if (!((pmc->eventsel ^ config) & AMD64_RAW_EVENT_MASK_NB) &&
		    vpmu_pmc_cpl_matched(pmc))
			vpmu_pmc_count(pmc, sleepable);
	}
}

#else /* 6.12: KVM's emulated_counter already folds exactly. */

int vpmu_overflow_load(void)
{
	return 0;
}

#endif
