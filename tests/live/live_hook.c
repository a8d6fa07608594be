// SPDX-License-Identifier: GPL-2.0
/*
 * vpmu_live_hook: the hook engine against a live KVM (kvm_amd in the test
 * VM, where kvm_intel cannot load).  It claims one MSR through the
 * kvm_x86_pmu_is_valid_msr / kvm_x86_pmu_get_msr static calls and returns
 * a known value, so a guest sees whether the hooks are in.  It also
 * passes kvm_x86_get_msr (kvm_x86_ops mirror), x86_pmu_guest_get_msrs
 * (a vmlinux key) and, through ftrace, kvm_pmu_trigger_event straight
 * through, and checks the kvm_pmu_ops member order of src/kvm/compat.h.
 * Through kvm_x86_vcpu_create/vcpu_free it keeps the product's per-vCPU
 * state (src/kvm/vcpu.c): pin=1 makes every vCPU created while it is
 * loaded depend on it, so that rmmod must say "in use".
 *
 * Parameters that make it fail on purpose test the refusals:
 * fail_at=N (hook N's target is "not ours" at install: the hooks before
 * it are rolled back), missing=1 (a symbol that does not exist),
 * target=kvm_intel (a module that is not loaded).
 *
 * tests/live/live_hook2.c builds the same source as vpmu_live_hook2, a
 * second hooker, which must be refused while the first is loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <asm/perf_event.h>

#include <hook/hook.h>

#include "../../src/kvm/compat.h"
#include "../../src/kvm/vcpu.h"

#ifndef VPMU_LIVE_VALUE
#define VPMU_LIVE_VALUE	0x56504d554c495645ULL	/* "VPMULIVE" */
#endif

static char *target = "kvm_amd";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "Vendor module whose PMU ops are hooked (default kvm_amd)");

static unsigned int msr = 0x391;
module_param(msr, uint, 0444);
MODULE_PARM_DESC(msr, "MSR the hooks claim (default 0x391, GLOBAL_STATUS_SET)");

static unsigned long long value = VPMU_LIVE_VALUE;
module_param(value, ullong, 0444);
MODULE_PARM_DESC(value, "What a guest RDMSR of that MSR returns while hooked");

static int fail_at = -1;
module_param(fail_at, int, 0444);
MODULE_PARM_DESC(fail_at, "Make the install of hook N fail (rollback test); -1: none");

static bool missing;
module_param(missing, bool, 0444);
MODULE_PARM_DESC(missing, "Ask for a static call that does not exist (refusal test)");

static bool pin;
module_param(pin, bool, 0444);
MODULE_PARM_DESC(pin, "vCPUs created while loaded depend on this module (pin it)");

enum {
	LIVE_H_VCPU_FREE,
	LIVE_H_VCPU_CREATE,
	LIVE_H_PMU_GET_MSR,
	LIVE_H_GET_MSR,
	LIVE_H_GUEST_GET_MSRS,
	LIVE_H_TRIGGER_EVENT,
	LIVE_H_PMU_IS_VALID_MSR,
	LIVE_H_NR,
};

static struct vpmu_hook live_hooks[LIVE_H_NR];
static struct vpmu_hook_table live_table = {
	.hooks = live_hooks,
	.nr = LIVE_H_NR,
};

static int live_vcpu_create(struct kvm_vcpu *vcpu);
static void live_vcpu_free(struct kvm_vcpu *vcpu);
static bool live_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 index);
static int live_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *info);
static int live_get_msr(struct kvm_vcpu *vcpu, struct msr_data *info);
static struct perf_guest_switch_msr *live_guest_get_msrs(int *nr, void *data);
static void live_trigger_event(struct kvm_vcpu *vcpu, u64 event);

DEFINE_STATIC_CALL_NULL(live_orig_vcpu_create, live_vcpu_create);
DEFINE_STATIC_CALL_NULL(live_orig_vcpu_free, live_vcpu_free);
DEFINE_STATIC_CALL_NULL(live_orig_pmu_is_valid_msr, live_pmu_is_valid_msr);
DEFINE_STATIC_CALL_NULL(live_orig_pmu_get_msr, live_pmu_get_msr);
DEFINE_STATIC_CALL_NULL(live_orig_get_msr, live_get_msr);
DEFINE_STATIC_CALL_NULL(live_orig_guest_get_msrs, live_guest_get_msrs);
DEFINE_STATIC_CALL_NULL(live_orig_trigger_event, live_trigger_event);

static int live_vcpu_create(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(LIVE_H_VCPU_CREATE);
	struct vpmu_vcpu *v;
	int ret;

	ret = static_call(live_orig_vcpu_create)(vcpu);
	if (!ret) {
		v = vpmu_vcpu_create(vcpu);
		if (v)
			vpmu_vcpu_pin(v, pin);
	}
	vpmu_hook_exit(idx);
	return ret;
}

static void live_vcpu_free(struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(LIVE_H_VCPU_FREE);

	vpmu_vcpu_free(vcpu);
	static_call(live_orig_vcpu_free)(vcpu);
	vpmu_hook_exit(idx);
}

static bool live_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 index)
{
	int idx = vpmu_hook_enter(LIVE_H_PMU_IS_VALID_MSR);
	bool ret;

	ret = index == msr ||
	      static_call(live_orig_pmu_is_valid_msr)(vcpu, index);
	vpmu_hook_exit(idx);
	return ret;
}

static int live_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *info)
{
	int idx = vpmu_hook_enter(LIVE_H_PMU_GET_MSR);
	int ret = 0;

	if (info->index == msr)
		info->data = value;
	else
		ret = static_call(live_orig_pmu_get_msr)(vcpu, info);
	vpmu_hook_exit(idx);
	return ret;
}

static int live_get_msr(struct kvm_vcpu *vcpu, struct msr_data *info)
{
	int idx = vpmu_hook_enter(LIVE_H_GET_MSR);
	int ret;

	ret = static_call(live_orig_get_msr)(vcpu, info);
	vpmu_hook_exit(idx);
	return ret;
}

/* Only VMX calls it, with interrupts off: never reached on kvm_amd. */
static struct perf_guest_switch_msr *live_guest_get_msrs(int *nr, void *data)
{
	vpmu_hook_enter_atomic(LIVE_H_GUEST_GET_MSRS);
	return static_call(live_orig_guest_get_msrs)(nr, data);
}

static void live_trigger_event(struct kvm_vcpu *vcpu, u64 event)
{
	int idx = vpmu_hook_enter(LIVE_H_TRIGGER_EVENT);

	static_call(live_orig_trigger_event)(vcpu, event);
	vpmu_hook_exit(idx);
}

static void live_describe(void)
{
	struct vpmu_hook *h = live_hooks;

	h[LIVE_H_VCPU_FREE] = (struct vpmu_hook)
		VPMU_KVM_X86_HOOK(vcpu_free, target, live_vcpu_free,
				  live_orig_vcpu_free);
	h[LIVE_H_VCPU_CREATE] = (struct vpmu_hook)
		VPMU_KVM_X86_HOOK(vcpu_create, target, live_vcpu_create,
				  live_orig_vcpu_create);
	h[LIVE_H_PMU_GET_MSR] = (struct vpmu_hook)
		VPMU_KVM_PMU_HOOK(get_msr, target, live_pmu_get_msr,
				  live_orig_pmu_get_msr, 0);
	h[LIVE_H_GET_MSR] = (struct vpmu_hook)
		VPMU_KVM_X86_HOOK(get_msr, target, live_get_msr,
				  live_orig_get_msr);
	h[LIVE_H_GUEST_GET_MSRS] = (struct vpmu_hook)
		VPMU_GUEST_GET_MSRS_HOOK(live_guest_get_msrs,
					 live_orig_guest_get_msrs);
	h[LIVE_H_TRIGGER_EVENT] = (struct vpmu_hook) {
		.kind = VPMU_HOOK_FTRACE,
		.name = "kvm_pmu_trigger_event",
		.object = "kvm",
		.wrapper = live_trigger_event,
		VPMU_HOOK_ORIG(live_orig_trigger_event),
	};
	h[LIVE_H_PMU_IS_VALID_MSR] = (struct vpmu_hook)
		VPMU_KVM_PMU_HOOK(is_valid_msr, target, live_pmu_is_valid_msr,
				  live_orig_pmu_is_valid_msr, VPMU_HOOK_DRAIN);
	/* A static call that does not exist: the refusal test. */
	if (missing)
		h[LIVE_H_PMU_IS_VALID_MSR].name = "kvm_x86_pmu_no_such_op";
}

static int live_hooks_show(struct seq_file *m, void *v)
{
	vpmu_hook_show(m, &live_table);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(live_hooks);

static struct dentry *live_debugfs;

static int __init live_init(void)
{
	int ret;

	live_describe();
	ret = vpmu_hook_engine_init();
	if (ret)
		return ret;
	ret = vpmu_hook_check_mirrors(&live_table, "kvm", "kvm_pmu_ops",
				      vpmu_kvm_pmu_op_keys, VPMU_KVM_PMU_OP_NR);
	if (ret)
		goto out;
	ret = vpmu_hook_resolve(&live_table);
	if (ret)
		goto out;
	live_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	vpmu_vcpu_setup(live_debugfs);
	/* A static call hook whose target must be in vmlinux: "not ours". */
	if (fail_at >= 0 && fail_at < LIVE_H_NR &&
	    live_hooks[fail_at].kind == VPMU_HOOK_STATIC_CALL) {
		struct vpmu_hook *h = &live_hooks[fail_at];

		h->target = strcmp(h->target, VPMU_HOOK_VMLINUX) ?
			    VPMU_HOOK_VMLINUX : "kvm";
	}
	ret = vpmu_hook_install(&live_table);
	if (ret)
		goto out;
	debugfs_create_file("hooks", 0444, live_debugfs, NULL, &live_hooks_fops);
	pr_info("hooked MSR %#x (%s layout, target %s, pin %d)\n", msr,
		VPMU_KVM_SERIES, target, pin);
	return 0;
out:
	pr_err("refused: %s (%pe)\n", live_table.why, ERR_PTR(ret));
	debugfs_remove_recursive(live_debugfs);
	vpmu_hook_release(&live_table);
	vpmu_hook_engine_exit();
	return ret;
}

static void __exit live_exit(void)
{
	vpmu_hook_uninstall(&live_table);
	vpmu_vcpu_free_all();
	debugfs_remove_recursive(live_debugfs);
	vpmu_hook_release(&live_table);
	vpmu_hook_engine_exit();
	pr_info("unhooked\n");
}

module_init(live_init);
module_exit(live_exit);

MODULE_DESCRIPTION("kvm_vpmu_ext live test: the hook engine against kvm_amd");
MODULE_LICENSE("GPL");
