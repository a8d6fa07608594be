// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vpmu_ext: a better virtual PMU for KVM guests on Intel hosts.
 *
 * Module life only: parameters, init and exit, the summary line and the
 * debugfs root.  The Intel glue is in src/kvm/; Documentation/hook.rst
 * describes every refusal and parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include <hook/hook.h>
#include <vpmu/caps.h>
#include <vpmu/lbr.h>

#include "kvm/compat.h"
#include "kvm/glue.h"
#include "kvm/vcpu.h"

static const char *const vpmu_ext_feature_names[VPMU_EXT_NR] = {
	[VPMU_EXT_PEBS] = "pebs",
	[VPMU_EXT_LBR] = "lbr",
	[VPMU_EXT_OVERFLOW] = "overflow",
	[VPMU_EXT_PMU_V5] = "pmu_v5",
};

static char *features = "all";
module_param(features, charp, 0444);
MODULE_PARM_DESC(features,
		 "Features to enable: \"all\" (default), \"none\", or a comma list of pebs,lbr,overflow,pmu_v5");

static unsigned int max_version = VPMU_MAX_VERSION;
module_param(max_version, uint, 0444);
MODULE_PARM_DESC(max_version,
		 "pmu_v5: highest architectural PMU version a guest gets, 1-5 (default 5; never above the host's)");

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

static struct dentry *vpmu_debugfs;

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

	if (vpmu_parse_features(&vpmu_cfg.features))
		return vpmu_refuse(-EINVAL,
				   "features=%s: expected all, none or a comma list of pebs,lbr,overflow,pmu_v5",
				   features);
	if (max_version < 1 || max_version > VPMU_MAX_VERSION)
		return vpmu_refuse(-EINVAL, "max_version=%u: expected 1 to %u",
				   max_version, VPMU_MAX_VERSION);
	vpmu_cfg.max_version = max_version;
	i = lbr_policy ? vpmu_lbr_policy_from_name(lbr_policy) :
			 VPMU_LBR_POLICY_DEFAULT;
	/* KVM's own behaviour ("upstream") is features without "lbr". */
	if (i < 0)
		return vpmu_refuse(-EINVAL,
				   "lbr_policy=%s is not offered: expected hysteresis, the default",
				   lbr_policy);
	vpmu_cfg.lbr_policy = i;
	if (!vpmu_lbr_hysteresis_valid(lbr_hysteresis))
		return vpmu_refuse(-EINVAL, "lbr_hysteresis=%u: expected 1 to %u",
				   lbr_hysteresis, VPMU_LBR_HYSTERESIS_K_MAX);
	vpmu_cfg.lbr_hysteresis = lbr_hysteresis;
	return 0;
}

/* What KVM_GET_SUPPORTED_CPUID reports: KVM's own 2 without pmu_v5. */
static unsigned int vpmu_exposed_version(void)
{
	return vpmu_feature(VPMU_EXT_PMU_V5) ? vpmu_caps_reported_version() : 2;
}

static int vpmu_hooks_show(struct seq_file *m, void *v)
{
	vpmu_kvm_hooks_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_hooks);

static int vpmu_config_show(struct seq_file *m, void *v)
{
	unsigned int i, n, pinned;

	seq_printf(m, "layout: %s\nfeatures:", VPMU_KVM_SERIES);
	for (i = 0; i < VPMU_EXT_NR; i++)
		if (vpmu_feature(i))
			seq_printf(m, " %s", vpmu_ext_feature_names[i]);
	n = vpmu_vcpu_count(&pinned);
	seq_printf(m, "\nmax_version: %u\nexposed_version: %u\nlbr_policy: %s\nlbr_hysteresis: %u\nvcpus: %u\npinned_vcpus: %u\n",
		   max_version, vpmu_exposed_version(),
		   vpmu_lbr_policy_name(vpmu_cfg.lbr_policy), lbr_hysteresis,
		   n, pinned);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_config);

static void __init vpmu_summary(void)
{
	char list[64] = "";
	unsigned int i, n = 0;

	for (i = 0; i < VPMU_EXT_NR; i++) {
		if (!vpmu_feature(i))
			continue;
		strlcat(list, n++ ? "," : "", sizeof(list));
		strlcat(list, vpmu_ext_feature_names[i], sizeof(list));
	}
	pr_info("version %s loaded on %s (%s layout): features %s, PMU version up to %u, lbr_policy %s, %u hooks; vCPUs created before now keep KVM's vPMU\n",
		VPMU_VERSION, init_utsname()->release, VPMU_KVM_SERIES,
		*list ? list : "none", vpmu_exposed_version(),
		vpmu_lbr_policy_name(vpmu_cfg.lbr_policy),
		vpmu_kvm_hooks_installed());
}

static int __init vpmu_ext_init(void)
{
	int ret;

	ret = vpmu_parse_params();
	if (ret)
		return ret;
	ret = vpmu_hook_engine_init();
	if (ret)
		return vpmu_refuse(ret, "cannot set up SRCU");
	ret = vpmu_kvm_check_host();
	if (!ret)
		ret = vpmu_caps_load();
	if (ret)
		goto out_release;
	/* Diagnostics only: a failure here does not unload. */
	vpmu_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	vpmu_vcpu_setup(vpmu_debugfs);
	ret = vpmu_kvm_hooks_install();
	if (ret)
		goto out_debugfs;
	/* Only now can a guest given a higher version be served. */
	vpmu_caps_raise();
	debugfs_create_file("hooks", 0444, vpmu_debugfs, NULL, &vpmu_hooks_fops);
	debugfs_create_file("config", 0444, vpmu_debugfs, NULL,
			    &vpmu_config_fops);
	vpmu_summary();
	return 0;

out_debugfs:
	debugfs_remove_recursive(vpmu_debugfs);
out_release:
	vpmu_kvm_hooks_release();
	vpmu_hook_engine_exit();
	return ret;
}

static void __exit vpmu_ext_exit(void)
{
	vpmu_caps_restore();
	vpmu_kvm_hooks_remove();
	/* No wrapper runs now; no vCPU left holds the module. */
	vpmu_vcpu_free_all();
	debugfs_remove_recursive(vpmu_debugfs);
	vpmu_kvm_hooks_release();
	vpmu_hook_engine_exit();
	pr_info("unloaded\n");
}

module_init(vpmu_ext_init);
module_exit(vpmu_ext_exit);

MODULE_DESCRIPTION("Extended virtual PMU for KVM guests on Intel hosts");
MODULE_LICENSE("GPL");
MODULE_VERSION(VPMU_VERSION);
