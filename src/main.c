// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vpmu_ext: a better virtual PMU for KVM guests on Intel hosts.
 *
 * Module entry points.  At this stage the module carries the core model
 * and installs nothing: loading logs the version, unloading undoes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/utsname.h>

static int __init vpmu_ext_init(void)
{
	pr_info("version %s loaded on %s, no hooks installed\n",
		VPMU_VERSION, init_utsname()->release);
	return 0;
}

static void __exit vpmu_ext_exit(void)
{
	pr_info("unloaded\n");
}

module_init(vpmu_ext_init);
module_exit(vpmu_ext_exit);

MODULE_DESCRIPTION("Extended virtual PMU for KVM guests on Intel hosts");
MODULE_LICENSE("GPL");
MODULE_VERSION(VPMU_VERSION);
