// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table and its wrappers.  A wrapper calls its original through
 * a static call of ours (a direct call, so IBT never sees an indirect one)
 * and hands the vCPU to the feature code; it holds no logic of its own.
 * Which context each runs in: Documentation/hook.rst, "The product's
 * hooks".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/seq_file.h>
#include <linux/static_call.h>

#include <hook/hook.h>

#include "compat.h"
#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

/*
 * Install order: what frees state before what creates it, what serves
 * MSRs before what claims them (is_valid_msr, last, with a drain at
 * removal: Documentation/hook.rst).
 */
enum {
	VPMU_H_VCPU_FREE,
	VPMU_H_VCPU_CREATE,
	VPMU_H_PMU_GET_MSR,
	VPMU_H_PMU_SET_MSR,
	VPMU_H_PMU_REFRESH,
	VPMU_H_PMU_RDPMC_ECX_TO_PMC,
#if VPMU_KVM_MINOR == 1
	VPMU_H_PMU_IS_VALID_RDPMC_ECX,
#endif
	VPMU_H_PMU_RESET,
	VPMU_H_PMU_DELIVER_PMI,
	VPMU_H_PMU_CLEANUP,
	VPMU_H_GET_MSR,
	VPMU_H_SET_MSR,
	VPMU_H_GUEST_GET_MSRS,
#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
	VPMU_H_TRIGGER_EVENT,
#endif
	VPMU_H_PMU_IS_VALID_MSR,
	VPMU_H_NR,
};

static_assert(VPMU_H_NR <= VPMU_HOOK_MAX);

DEFINE_STATIC_CALL_NULL(vpmu_orig_vcpu_create, vpmu_wrap_vcpu_create);
DEFINE_STATIC_CALL_NULL(vpmu_orig_vcpu_free, vpmu_wrap_vcpu_free);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_is_valid_msr, vpmu_wrap_pmu_is_valid_msr);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_rdpmc_ecx_to_pmc,
			vpmu_wrap_pmu_rdpmc_ecx_to_pmc);
#if VPMU_KVM_MINOR == 1
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_is_valid_rdpmc_ecx,
			vpmu_wrap_pmu_is_valid_rdpmc_ecx);
#endif
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_get_msr, vpmu_wrap_pmu_get_msr);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_set_msr, vpmu_wrap_pmu_set_msr);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_refresh, vpmu_wrap_pmu_refresh);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_reset, vpmu_wrap_pmu_reset);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_deliver_pmi, vpmu_wrap_pmu_deliver_pmi);
DEFINE_STATIC_CALL_NULL(vpmu_orig_pmu_cleanup, vpmu_wrap_pmu_cleanup);
DEFINE_STATIC_CALL_NULL(vpmu_orig_get_msr, vpmu_wrap_get_msr);
DEFINE_STATIC_CALL_NULL(vpmu_orig_set_msr, vpmu_wrap_set_msr);
DEFINE_STATIC_CALL_NULL(vpmu_orig_guest_get_msrs, vpmu_wrap_guest_get_msrs);
#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
DEFINE_STATIC_CALL_NULL(vpmu_orig_trigger_event, vpmu_wrap_trigger_event);
#endif

int vpmu_wrap_vcpu_create(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_VCPU_CREATE);
	struct vpmu_vcpu *v = NULL;
	int ret;

	/* State only for a vCPU KVM will free: vcpu_free pairs with success. */
	ret = static_call(vpmu_orig_vcpu_create)(vcpu);
	if (!ret) {
		v = vpmu_vcpu_create(vcpu);
		if (v)
			vpmu_kvm_vcpu_created(v);
	}
	trace_kvm_vpmu_ext_vcpu_create(vcpu, v, v && v->pinned);
	vpmu_hook_exit(idx);
	return ret;
}

void vpmu_wrap_vcpu_free(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_VCPU_FREE);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);

	/*
	 * Before the original: KVM calls the PMU reset op only after
	 * vcpu_free, so later is too late to find the vCPU whole.
	 */
	trace_kvm_vpmu_ext_vcpu_free(vcpu, v, v && v->pinned);
	if (v)
		vpmu_vcpu_free(vcpu);
	static_call(vpmu_orig_vcpu_free)(vcpu);
	vpmu_hook_exit(idx);
}

bool vpmu_wrap_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 msr)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_IS_VALID_MSR);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	bool ret;

	ret = (v && vpmu_caps_is_valid_msr(v, msr)) ||
	      static_call(vpmu_orig_pmu_is_valid_msr)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

struct kvm_pmc *vpmu_wrap_pmu_rdpmc_ecx_to_pmc(struct kvm_vcpu *vcpu,
					       unsigned int ecx, u64 *mask)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_RDPMC_ECX_TO_PMC);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	struct kvm_pmc *pmc;

	pmc = static_call(vpmu_orig_pmu_rdpmc_ecx_to_pmc)(vcpu, ecx, mask);
	/* A fixed counter the guest lacks: RDPMC #GPs. */
	if (pmc && v && vpmu_caps_pmc_absent(v, pmc))
		pmc = NULL;
	vpmu_hook_exit(idx);
	return pmc;
}

#if VPMU_KVM_MINOR == 1
bool vpmu_wrap_pmu_is_valid_rdpmc_ecx(struct kvm_vcpu *vcpu, unsigned int ecx)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_IS_VALID_RDPMC_ECX);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	bool ret;

	ret = static_call(vpmu_orig_pmu_is_valid_rdpmc_ecx)(vcpu, ecx) &&
	      !(v && vpmu_caps_rdpmc_absent(v, ecx));
	vpmu_hook_exit(idx);
	return ret;
}
#endif

int vpmu_wrap_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_GET_MSR);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	int ret;

	if (!v || !vpmu_caps_get_msr(v, msr, &ret))
		ret = static_call(vpmu_orig_pmu_get_msr)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

int vpmu_wrap_pmu_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_SET_MSR);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	int ret;

	if (!v || !vpmu_caps_set_msr(v, msr, &ret))
		ret = static_call(vpmu_orig_pmu_set_msr)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

void vpmu_wrap_pmu_refresh(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_REFRESH);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);

	/* As 6.12 does before the op: no counter of an earlier CPUID stays. */
	if (v && VPMU_KVM_REFRESH_KEEPS_VALID_IDX)
		bitmap_zero(vcpu->arch.pmu.all_valid_pmc_idx, X86_PMC_IDX_MAX);
	static_call(vpmu_orig_pmu_refresh)(vcpu);
	if (v)
		vpmu_kvm_pmu_refreshed(v);
	vpmu_hook_exit(idx);
}

void vpmu_wrap_pmu_reset(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_RESET);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);

	static_call(vpmu_orig_pmu_reset)(vcpu);
	if (v)
		vpmu_lbr_reset(v);
	vpmu_hook_exit(idx);
}

void vpmu_wrap_pmu_deliver_pmi(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_DELIVER_PMI);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);

	static_call(vpmu_orig_pmu_deliver_pmi)(vcpu);
	if (v)
		vpmu_lbr_pmi(v);
	vpmu_hook_exit(idx);
}

void vpmu_wrap_pmu_cleanup(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_CLEANUP);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);

	if (!v || !vpmu_lbr_cleanup(v))
		static_call(vpmu_orig_pmu_cleanup)(vcpu);
	vpmu_hook_exit(idx);
}

int vpmu_wrap_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	int idx = vpmu_hook_enter(VPMU_H_GET_MSR);
	struct vpmu_vcpu *v;
	int ret;

	ret = static_call(vpmu_orig_get_msr)(vcpu, msr);
	if (!ret && msr->index == MSR_IA32_DEBUGCTLMSR) {
		v = vpmu_vcpu_find(vcpu);
		if (v)
			vpmu_lbr_get_debugctl(v, msr);
	}
	vpmu_hook_exit(idx);
	return ret;
}

int vpmu_wrap_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	int idx = vpmu_hook_enter(VPMU_H_SET_MSR);
	struct vpmu_vcpu *v = NULL;
	int ret;

	if (vpmu_lbr_watches(msr->index))
		v = vpmu_vcpu_find(vcpu);
	if (!v || !vpmu_lbr_set_msr(v, msr, &ret))
		ret = static_call(vpmu_orig_set_msr)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

/*
 * Before every VM-entry, interrupts off: no SRCU, no lock, no fence, no
 * indirect call (VPMU_HOOK_ATOMIC).  @data is &vcpu->arch.pmu.
 */
struct perf_guest_switch_msr *vpmu_wrap_guest_get_msrs(int *nr, void *data)
{
	struct perf_guest_switch_msr *arr;
	struct vpmu_vcpu *v = NULL;

	vpmu_hook_enter_atomic(VPMU_H_GUEST_GET_MSRS);
	arr = static_call(vpmu_orig_guest_get_msrs)(nr, data);
	if (data)
		v = vpmu_vcpu_find_atomic(container_of((struct kvm_pmu *)data,
						       struct kvm_vcpu, arch.pmu));
	if (v) {
		vpmu_vcpu_stat_inc(v, VPMU_STAT_VMENTRIES);
		arr = vpmu_pebs_vmentry(v, arr, nr);
	}
	return arr;
}

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
void vpmu_wrap_trigger_event(struct kvm_vcpu *vcpu, u64 event)
{
	int idx = vpmu_hook_enter(VPMU_H_TRIGGER_EVENT);
	struct vpmu_vcpu *v = NULL;

	if (vpmu_feature(VPMU_EXT_OVERFLOW))
		v = vpmu_vcpu_find(vcpu);
	if (v)
		vpmu_overflow_trigger_event(v, event);
	else
		static_call(vpmu_orig_trigger_event)(vcpu, event);
	vpmu_hook_exit(idx);
}
#endif

#define VPMU_PMU_OP_HOOK(op, fl)					\
	VPMU_KVM_PMU_HOOK(op, "kvm_intel", vpmu_wrap_pmu_##op,		\
			  vpmu_orig_pmu_##op, fl)
#define VPMU_X86_OP_HOOK(op)						\
	VPMU_KVM_X86_HOOK(op, "kvm_intel", vpmu_wrap_##op, vpmu_orig_##op)

static const struct vpmu_hook vpmu_hook_desc[VPMU_H_NR] = {
	[VPMU_H_VCPU_FREE] = VPMU_X86_OP_HOOK(vcpu_free),
	[VPMU_H_VCPU_CREATE] = VPMU_X86_OP_HOOK(vcpu_create),
	[VPMU_H_PMU_GET_MSR] = VPMU_PMU_OP_HOOK(get_msr, 0),
	[VPMU_H_PMU_SET_MSR] = VPMU_PMU_OP_HOOK(set_msr, 0),
	[VPMU_H_PMU_REFRESH] = VPMU_PMU_OP_HOOK(refresh, 0),
	[VPMU_H_PMU_RDPMC_ECX_TO_PMC] = VPMU_PMU_OP_HOOK(rdpmc_ecx_to_pmc, 0),
#if VPMU_KVM_MINOR == 1
	[VPMU_H_PMU_IS_VALID_RDPMC_ECX] = VPMU_PMU_OP_HOOK(is_valid_rdpmc_ecx, 0),
#endif
	[VPMU_H_PMU_RESET] = VPMU_PMU_OP_HOOK(reset, VPMU_HOOK_OPTIONAL),
	[VPMU_H_PMU_DELIVER_PMI] = VPMU_PMU_OP_HOOK(deliver_pmi,
						    VPMU_HOOK_OPTIONAL),
	[VPMU_H_PMU_CLEANUP] = VPMU_PMU_OP_HOOK(cleanup, VPMU_HOOK_OPTIONAL),
	[VPMU_H_GET_MSR] = VPMU_X86_OP_HOOK(get_msr),
	[VPMU_H_SET_MSR] = VPMU_X86_OP_HOOK(set_msr),
	[VPMU_H_GUEST_GET_MSRS] =
		VPMU_GUEST_GET_MSRS_HOOK(vpmu_wrap_guest_get_msrs,
					 vpmu_orig_guest_get_msrs),
#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
	[VPMU_H_TRIGGER_EVENT] = {
		.kind = VPMU_HOOK_FTRACE,
		.name = "kvm_pmu_trigger_event",
		.object = "kvm",
		.wrapper = vpmu_wrap_trigger_event,
		VPMU_HOOK_ORIG(vpmu_orig_trigger_event),
	},
#endif
	/* Claims MSRs the hooks above serve: removed first, then a drain. */
	[VPMU_H_PMU_IS_VALID_MSR] = VPMU_PMU_OP_HOOK(is_valid_msr,
						     VPMU_HOOK_DRAIN),
};

static struct vpmu_hook vpmu_hooks[VPMU_H_NR];
struct vpmu_hook_table vpmu_kvm_table = {
	.hooks = vpmu_hooks,
	.nr = VPMU_H_NR,
};

/* One event per installed hook, as it goes in or before it comes out. */
static void vpmu_kvm_hooks_trace(bool installed)
{
	unsigned int i;

	for (i = 0; i < VPMU_H_NR; i++)
		if (vpmu_hooks[i].state == VPMU_HOOK_INSTALLED)
			trace_kvm_vpmu_ext_hook(vpmu_hooks[i].name, installed);
}

int vpmu_kvm_hooks_install(void)
{
	int ret;

	memcpy(vpmu_hooks, vpmu_hook_desc, sizeof(vpmu_hooks));
	ret = vpmu_overflow_load();
	if (!ret)
		ret = vpmu_hook_resolve(&vpmu_kvm_table);
	if (!ret)
		ret = vpmu_hook_install(&vpmu_kvm_table);
	if (ret)
		return vpmu_refuse(ret, "%s", vpmu_kvm_table.why);
	vpmu_kvm_hooks_trace(true);
	return 0;
}

void vpmu_kvm_hooks_remove(void)
{
	vpmu_kvm_hooks_trace(false);
	vpmu_hook_uninstall(&vpmu_kvm_table);
}

void vpmu_kvm_hooks_release(void)
{
	vpmu_hook_release(&vpmu_kvm_table);
}

unsigned int vpmu_kvm_hooks_installed(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < VPMU_H_NR; i++)
		n += vpmu_hooks[i].state == VPMU_HOOK_INSTALLED;
	return n;
}

void vpmu_kvm_hooks_show(struct seq_file *m)
{
	vpmu_hook_show(m, &vpmu_kvm_table);
}
