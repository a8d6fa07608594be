// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vpmu_ext: a better virtual PMU for KVM guests on Intel hosts.
 *
 * Module life: parameters, the host checks that make us refuse, the hook
 * table and its install, one summary line, debugfs.  The wrappers below
 * only call through for now; the Intel glue (src/kvm/) replaces them.
 * Documentation/hook.rst describes every refusal and parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/utsname.h>
#include <asm/perf_event.h>
#include <asm/processor.h>

#include <hook/hook.h>
#include <vpmu/caps.h>
#include <vpmu/lbr.h>

#include "kvm/compat.h"

/* Features, in the order of the "features" parameter and the summary. */
enum vpmu_ext_feature {
	VPMU_EXT_PEBS,		/* guest PEBS through the perf switch list */
	VPMU_EXT_LBR,		/* vLBR lifecycle */
	VPMU_EXT_OVERFLOW,	/* exact emulated-counter overflow */
	VPMU_EXT_PMU_V5,	/* architectural PMU v4/v5 MSRs and CPUID */
	VPMU_EXT_ARCH_LBR,	/* CPUID leaf 0x1C, XSAVES LBR state */
	VPMU_EXT_NR,
};

static const char *const vpmu_ext_feature_names[VPMU_EXT_NR] = {
	[VPMU_EXT_PEBS] = "pebs",
	[VPMU_EXT_LBR] = "lbr",
	[VPMU_EXT_OVERFLOW] = "overflow",
	[VPMU_EXT_PMU_V5] = "pmu_v5",
	[VPMU_EXT_ARCH_LBR] = "arch_lbr",
};

static char *features = "all";
module_param(features, charp, 0444);
MODULE_PARM_DESC(features,
		 "Features to enable: \"all\" (default), \"none\", or a comma list of pebs,lbr,overflow,pmu_v5,arch_lbr");

static unsigned int max_version = VPMU_MAX_VERSION;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "Highest architectural PMU version exposed to guests, 1-5 (default 5; above 2 needs pmu_v5)");

/* NULL: the core's VPMU_LBR_POLICY_DEFAULT, which the text below names. */
static char *lbr_policy;
module_param(lbr_policy, charp, 0444);
MODULE_PARM_DESC(lbr_policy,
		 "When the vLBR event is released: hysteresis (default), or freeze_aware (for comparison only)");
static_assert(VPMU_LBR_POLICY_DEFAULT == VPMU_LBR_POLICY_HYSTERESIS,
	      "the lbr_policy description names the default");

static unsigned int lbr_hysteresis = VPMU_LBR_HYSTERESIS_K_DEFAULT;
module_param(lbr_hysteresis, uint, 0444);
MODULE_PARM_DESC(lbr_hysteresis,
		 "hysteresis policy: idle vCPU sched-ins before the vLBR event is released, 1-255 (default 2)");
static_assert(VPMU_LBR_HYSTERESIS_K_DEFAULT == 2,
	      "the lbr_hysteresis description names the default");

/* Parsed parameters, read-only once loaded. */
static unsigned long vpmu_features __ro_after_init;
static enum vpmu_lbr_policy vpmu_lbr_policy __ro_after_init;

/* The hooks, in install order; is_valid_msr, which claims MSRs, last. */
enum {
	VPMU_H_PMU_GET_MSR,
	VPMU_H_PMU_SET_MSR,
	VPMU_H_PMU_REFRESH,
	VPMU_H_PMU_INIT,
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

static struct vpmu_hook vpmu_hooks[VPMU_H_NR];
static struct vpmu_hook_table vpmu_table = {
	.hooks = vpmu_hooks,
	.nr = VPMU_H_NR,
};

typedef bool (*vpmu_is_valid_msr_t)(struct kvm_vcpu *vcpu, u32 msr);
typedef int (*vpmu_msr_t)(struct kvm_vcpu *vcpu, struct msr_data *msr);
typedef void (*vpmu_vcpu_t)(struct kvm_vcpu *vcpu);
typedef struct perf_guest_switch_msr *(*vpmu_guest_get_msrs_t)(int *nr,
								void *data);
typedef void (*vpmu_trigger_event_t)(struct kvm_vcpu *vcpu, u64 event);

#define vpmu_orig(nr, type)	vpmu_hook_orig(&vpmu_table, nr, type)

static bool vpmu_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 msr)
{
	int idx = vpmu_hook_enter(VPMU_H_PMU_IS_VALID_MSR);
	bool ret;

	ret = vpmu_orig(VPMU_H_PMU_IS_VALID_MSR, vpmu_is_valid_msr_t)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

static int vpmu_msr_call(unsigned int nr, struct kvm_vcpu *vcpu,
			 struct msr_data *msr)
{
	int idx = vpmu_hook_enter(nr);
	int ret;

	ret = vpmu_orig(nr, vpmu_msr_t)(vcpu, msr);
	vpmu_hook_exit(idx);
	return ret;
}

static int vpmu_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	return vpmu_msr_call(VPMU_H_PMU_GET_MSR, vcpu, msr);
}

static int vpmu_pmu_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	return vpmu_msr_call(VPMU_H_PMU_SET_MSR, vcpu, msr);
}

static int vpmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	return vpmu_msr_call(VPMU_H_GET_MSR, vcpu, msr);
}

static int vpmu_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr)
{
	return vpmu_msr_call(VPMU_H_SET_MSR, vcpu, msr);
}

static void vpmu_vcpu_call(unsigned int nr, struct kvm_vcpu *vcpu)
{
	int idx = vpmu_hook_enter(nr);

	vpmu_orig(nr, vpmu_vcpu_t)(vcpu);
	vpmu_hook_exit(idx);
}

static void vpmu_pmu_refresh(struct kvm_vcpu *vcpu)
{
	vpmu_vcpu_call(VPMU_H_PMU_REFRESH, vcpu);
}

static void vpmu_pmu_init(struct kvm_vcpu *vcpu)
{
	vpmu_vcpu_call(VPMU_H_PMU_INIT, vcpu);
}

static void vpmu_pmu_reset(struct kvm_vcpu *vcpu)
{
	vpmu_vcpu_call(VPMU_H_PMU_RESET, vcpu);
}

static void vpmu_pmu_deliver_pmi(struct kvm_vcpu *vcpu)
{
	vpmu_vcpu_call(VPMU_H_PMU_DELIVER_PMI, vcpu);
}

static void vpmu_pmu_cleanup(struct kvm_vcpu *vcpu)
{
	vpmu_vcpu_call(VPMU_H_PMU_CLEANUP, vcpu);
}

static struct perf_guest_switch_msr *vpmu_guest_get_msrs(int *nr, void *data)
{
	int idx = vpmu_hook_enter(VPMU_H_GUEST_GET_MSRS);
	struct perf_guest_switch_msr *ret;

	ret = vpmu_orig(VPMU_H_GUEST_GET_MSRS, vpmu_guest_get_msrs_t)(nr, data);
	vpmu_hook_exit(idx);
	return ret;
}

#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
static void vpmu_trigger_event(struct kvm_vcpu *vcpu, u64 event)
{
	int idx = vpmu_hook_enter(VPMU_H_TRIGGER_EVENT);

	vpmu_orig(VPMU_H_TRIGGER_EVENT, vpmu_trigger_event_t)(vcpu, event);
	vpmu_hook_exit(idx);
}
#endif

#define VPMU_PMU_OP_HOOK(op, fn, fl) {				\
	.kind = VPMU_HOOK_STATIC_CALL,					\
	.name = "kvm_x86_pmu_" #op,					\
	.object = "kvm",						\
	.target = "kvm_intel",						\
	.wrapper = fn,							\
	.mirror = "kvm_pmu_ops",					\
	.mirror_offset = VPMU_KVM_PMU_OP_OFFSET(op),			\
	.flags = fl,							\
}

#define VPMU_X86_OP_HOOK(op, fn) {					\
	.kind = VPMU_HOOK_STATIC_CALL,					\
	.name = "kvm_x86_" #op,						\
	.object = "kvm",						\
	.target = "kvm_intel",						\
	.wrapper = fn,							\
	.mirror = "kvm_x86_ops",					\
	.mirror_offset = offsetof(struct kvm_x86_ops, op),		\
}

static const struct vpmu_hook vpmu_hook_desc[VPMU_H_NR] = {
	[VPMU_H_PMU_GET_MSR] = VPMU_PMU_OP_HOOK(get_msr, vpmu_pmu_get_msr, 0),
	[VPMU_H_PMU_SET_MSR] = VPMU_PMU_OP_HOOK(set_msr, vpmu_pmu_set_msr, 0),
	[VPMU_H_PMU_REFRESH] = VPMU_PMU_OP_HOOK(refresh, vpmu_pmu_refresh, 0),
	[VPMU_H_PMU_INIT] = VPMU_PMU_OP_HOOK(init, vpmu_pmu_init, 0),
	[VPMU_H_PMU_RESET] = VPMU_PMU_OP_HOOK(reset, vpmu_pmu_reset,
					      VPMU_HOOK_OPTIONAL),
	[VPMU_H_PMU_DELIVER_PMI] = VPMU_PMU_OP_HOOK(deliver_pmi,
						    vpmu_pmu_deliver_pmi,
						    VPMU_HOOK_OPTIONAL),
	[VPMU_H_PMU_CLEANUP] = VPMU_PMU_OP_HOOK(cleanup, vpmu_pmu_cleanup,
						VPMU_HOOK_OPTIONAL),
	[VPMU_H_GET_MSR] = VPMU_X86_OP_HOOK(get_msr, vpmu_get_msr),
	[VPMU_H_SET_MSR] = VPMU_X86_OP_HOOK(set_msr, vpmu_set_msr),
	[VPMU_H_GUEST_GET_MSRS] = {
		.kind = VPMU_HOOK_STATIC_CALL,
		.name = "x86_pmu_guest_get_msrs",
		.object = VPMU_HOOK_VMLINUX,
		.target = VPMU_HOOK_VMLINUX,
		.wrapper = vpmu_guest_get_msrs,
	},
#if VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT
	[VPMU_H_TRIGGER_EVENT] = {
		.kind = VPMU_HOOK_FTRACE,
		.name = "kvm_pmu_trigger_event",
		.object = "kvm",
		.wrapper = vpmu_trigger_event,
	},
#endif
	/* Claims MSRs the hooks above serve: removed first, then a drain. */
	[VPMU_H_PMU_IS_VALID_MSR] = VPMU_PMU_OP_HOOK(is_valid_msr,
						     vpmu_pmu_is_valid_msr,
						     VPMU_HOOK_DRAIN),
};

static struct dentry *vpmu_debugfs;

/* "-ENXIO" for -ENXIO, the number for an errno we do not name. */
static const char *vpmu_errstr(int err, char *buf, size_t len)
{
	const char *name = vpmu_hook_errname(err);

	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%d", err);
	return buf;
}

/* One line, module prefix, errno name: the whole story of a refusal. */
#define vpmu_refuse(err, fmt, ...) ({					\
	int __e = (err);						\
	char __b[16];							\
									\
	pr_err("refused: " fmt " (%s)\n", ##__VA_ARGS__,		\
	       vpmu_errstr(__e, __b, sizeof(__b)));			\
	__e;								\
})

static int __init vpmu_parse_features(unsigned long *out)
{
	char buf[128], *p = buf, *tok;
	unsigned long set = 0;
	int i;

	if (!features || !strcmp(features, "all")) {
		*out = BIT(VPMU_EXT_NR) - 1;
		return 0;
	}
	if (!strcmp(features, "none") || !*features) {
		*out = 0;
		return 0;
	}
	if (strscpy(buf, features, sizeof(buf)) < 0)
		return -EINVAL;
	while ((tok = strsep(&p, ",")) != NULL) {
		i = match_string(vpmu_ext_feature_names, VPMU_EXT_NR, tok);
		if (i < 0)
			return -EINVAL;
		set |= BIT(i);
	}
	*out = set;
	return 0;
}

static int __init vpmu_parse_params(void)
{
	int i;

	if (vpmu_parse_features(&vpmu_features))
		return vpmu_refuse(-EINVAL,
				   "features=%s: expected all, none or a comma list of pebs,lbr,overflow,pmu_v5,arch_lbr",
				   features);
	if (max_version < 1 || max_version > VPMU_MAX_VERSION)
		return vpmu_refuse(-EINVAL, "max_version=%u: expected 1 to %u",
				   max_version, VPMU_MAX_VERSION);
	i = lbr_policy ? vpmu_lbr_policy_from_name(lbr_policy) :
			 VPMU_LBR_POLICY_DEFAULT;
	/* KVM's own behaviour ("upstream") is features without "lbr". */
	if (i < 0)
		return vpmu_refuse(-EINVAL,
				   "lbr_policy=%s is not offered: expected hysteresis (or freeze_aware, for comparison only)",
				   lbr_policy);
	vpmu_lbr_policy = i;
	if (!vpmu_lbr_hysteresis_valid(lbr_hysteresis))
		return vpmu_refuse(-EINVAL, "lbr_hysteresis=%u: expected 1 to %u",
				   lbr_hysteresis, VPMU_LBR_HYSTERESIS_K_MAX);
	return 0;
}

/* The PMU version guests may see: max_version, capped at 2 without v4/v5. */
static unsigned int vpmu_exposed_version(void)
{
	if (!(vpmu_features & BIT(VPMU_EXT_PMU_V5)))
		return min(max_version, 2U);
	return max_version;
}

/* The running kernel must be the series we were built for. */
static int __init vpmu_check_kernel(void)
{
	unsigned int major = 0, minor = 0;
	const char *rel = init_utsname()->release;

	if (sscanf(rel, "%u.%u", &major, &minor) != 2 ||
	    major != VPMU_KVM_MAJOR || minor != VPMU_KVM_MINOR)
		return vpmu_refuse(-ENOEXEC, "kernel %s: built for the Linux %s KVM layout",
				   rel, VPMU_KVM_SERIES);
	return 0;
}

/* A module-level bool of KVM, if the symbol exists. */
static bool vpmu_kvm_bool(const char *object, const char *name, bool *val)
{
	unsigned long addr;
	int ret;

	ret = vpmu_hook_symbol(&vpmu_table, object, name, false, &addr);
	if (ret)
		return false;
	*val = READ_ONCE(*(bool *)addr);
	return true;
}

/*
 * Host checks before anything is changed.  Each failure is one line and
 * one errno; the caller releases the module references.
 */
static int __init vpmu_check_host(void)
{
	static const char *const mediated[][2] = {
		{ "kvm", "enable_mediated_pmu" },
		{ "kvm_intel", "enable_mediated_pmu" },
		{ "kvm", "enable_passthrough_pmu" },
		{ "kvm_intel", "enable_passthrough_pmu" },
	};
	unsigned int i;
	bool on;
	int ret;

	if (boot_cpu_data.x86_vendor != X86_VENDOR_INTEL)
		return vpmu_refuse(-ENODEV, "not an Intel CPU (vendor %.12s)",
				   boot_cpu_data.x86_vendor_id);
	ret = vpmu_check_kernel();
	if (ret)
		return ret;
	ret = vpmu_hook_lookup_init();
	if (ret == -EFAULT)
		return vpmu_refuse(ret,
				   "cannot find kallsyms_lookup_name: the kallsyms_lookup_name parameter points elsewhere");
	if (ret)
		return vpmu_refuse(ret,
				   "cannot find kallsyms_lookup_name: no kprobe on it (see the kallsyms_lookup_name parameter)");
	ret = vpmu_hook_pin(&vpmu_table, "kvm", NULL);
	if (ret)
		return vpmu_refuse(ret, "kvm is not loaded");
	ret = vpmu_hook_pin(&vpmu_table, "kvm_intel", NULL);
	if (ret)
		return vpmu_refuse(ret, "kvm_intel is not loaded (load it first)");
	if (!vpmu_kvm_bool("kvm", "enable_pmu", &on))
		return vpmu_refuse(-ENOENT, "%s", vpmu_table.why);
	if (!on)
		return vpmu_refuse(-EOPNOTSUPP, "KVM's vPMU is disabled (kvm.enable_pmu=N)");
	for (i = 0; i < ARRAY_SIZE(mediated); i++) {
		if (vpmu_kvm_bool(mediated[i][0], mediated[i][1], &on) && on)
			return vpmu_refuse(-EBUSY, "%s.%s is on: the mediated vPMU owns the PMU",
					   mediated[i][0], mediated[i][1]);
	}
	ret = vpmu_hook_check_mirrors(&vpmu_table, "kvm", "kvm_pmu_ops",
				      vpmu_kvm_pmu_op_keys, VPMU_KVM_PMU_OP_NR);
	if (ret)
		return vpmu_refuse(ret, "unknown KVM layout: %s", vpmu_table.why);
	return 0;
}

static int vpmu_hooks_show(struct seq_file *m, void *v)
{
	vpmu_hook_show(m, &vpmu_table);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_hooks);

static int vpmu_config_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_printf(m, "layout: %s\nfeatures:", VPMU_KVM_SERIES);
	for (i = 0; i < VPMU_EXT_NR; i++)
		if (vpmu_features & BIT(i))
			seq_printf(m, " %s", vpmu_ext_feature_names[i]);
	seq_printf(m, "\nmax_version: %u\nexposed_version: %u\nlbr_policy: %s\nlbr_hysteresis: %u\n",
		   max_version, vpmu_exposed_version(),
		   vpmu_lbr_policy_name(vpmu_lbr_policy), lbr_hysteresis);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_config);

static void __init vpmu_summary(void)
{
	char list[64] = "";
	unsigned int i, n = 0;

	for (i = 0; i < VPMU_EXT_NR; i++) {
		if (!(vpmu_features & BIT(i)))
			continue;
		strlcat(list, n++ ? "," : "", sizeof(list));
		strlcat(list, vpmu_ext_feature_names[i], sizeof(list));
	}
	for (i = 0, n = 0; i < VPMU_H_NR; i++)
		n += vpmu_hooks[i].state == VPMU_HOOK_INSTALLED;
	pr_info("version %s loaded on %s (%s layout): features %s, PMU version up to %u, lbr_policy %s, %u hooks\n",
		VPMU_VERSION, init_utsname()->release, VPMU_KVM_SERIES,
		*list ? list : "none", vpmu_exposed_version(),
		vpmu_lbr_policy_name(vpmu_lbr_policy), n);
}

static int __init vpmu_ext_init(void)
{
	int ret;

	ret = vpmu_parse_params();
	if (ret)
		return ret;
	memcpy(vpmu_hooks, vpmu_hook_desc, sizeof(vpmu_hooks));
	ret = vpmu_hook_engine_init();
	if (ret)
		return vpmu_refuse(ret, "cannot set up SRCU");
	ret = vpmu_check_host();
	if (ret)
		goto out_release;
	ret = vpmu_hook_resolve(&vpmu_table);
	if (ret) {
		vpmu_refuse(ret, "%s", vpmu_table.why);
		goto out_release;
	}
	ret = vpmu_hook_install(&vpmu_table);
	if (ret) {
		vpmu_refuse(ret, "%s", vpmu_table.why);
		goto out_release;
	}
	/* Diagnostics only: a failure here does not unload. */
	vpmu_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("hooks", 0444, vpmu_debugfs, NULL, &vpmu_hooks_fops);
	debugfs_create_file("config", 0444, vpmu_debugfs, NULL,
			    &vpmu_config_fops);
	vpmu_summary();
	return 0;

out_release:
	vpmu_hook_release(&vpmu_table);
	vpmu_hook_engine_exit();
	return ret;
}

static void __exit vpmu_ext_exit(void)
{
	debugfs_remove_recursive(vpmu_debugfs);
	vpmu_hook_uninstall(&vpmu_table);
	vpmu_hook_release(&vpmu_table);
	vpmu_hook_engine_exit();
	pr_info("unloaded\n");
}

module_init(vpmu_ext_init);
module_exit(vpmu_ext_exit);

MODULE_DESCRIPTION("Extended virtual PMU for KVM guests on Intel hosts");
MODULE_LICENSE("GPL");
MODULE_VERSION(VPMU_VERSION);
