// SPDX-License-Identifier: GPL-2.0
/*
 * May the module serve this host?  Each check is one refusal line and one
 * errno (the table in Documentation/hook.rst); nothing is changed here but
 * module references, which the hook table keeps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/utsname.h>
#include <asm/processor.h>

#include <hook/hook.h>

#include "compat.h"
#include "glue.h"

/* The running kernel must be the series we were built for. */
static int vpmu_check_kernel(void)
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

	if (vpmu_hook_symbol(&vpmu_kvm_table, object, name, false, &addr))
		return false;
	*val = READ_ONCE(*(bool *)addr);
	return true;
}

int vpmu_kvm_check_host(void)
{
	static const char *const mediated[][2] = {
		{ "kvm", "enable_mediated_pmu" },
		{ "kvm_intel", "enable_mediated_pmu" },
		{ "kvm", "enable_passthrough_pmu" },
		{ "kvm_intel", "enable_passthrough_pmu" },
	};
	struct vpmu_hook_table *t = &vpmu_kvm_table;
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
	ret = vpmu_hook_pin(t, "kvm", NULL);
	if (ret)
		return vpmu_refuse(ret, "kvm is not loaded");
	ret = vpmu_hook_pin(t, "kvm_intel", NULL);
	if (ret)
		return vpmu_refuse(ret, "kvm_intel is not loaded (load it first)");
	if (!vpmu_kvm_bool("kvm", "enable_pmu", &on))
		return vpmu_refuse(-ENOENT, "%s", t->why);
	if (!on)
		return vpmu_refuse(-EOPNOTSUPP, "KVM's vPMU is disabled (kvm.enable_pmu=N)");
	for (i = 0; i < ARRAY_SIZE(mediated); i++) {
		if (vpmu_kvm_bool(mediated[i][0], mediated[i][1], &on) && on)
			return vpmu_refuse(-EBUSY, "%s.%s is on: the mediated vPMU owns the PMU",
					   mediated[i][0], mediated[i][1]);
	}
	ret = vpmu_hook_check_mirrors(t, "kvm", "kvm_pmu_ops",
				      vpmu_kvm_pmu_op_keys, VPMU_KVM_PMU_OP_NR);
	if (ret)
		return vpmu_refuse(ret, "unknown KVM layout: %s", t->why);
	return 0;
}
