/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels we support, in one place: the KVM
 * layout we depend on and which Linux versions we know it for.
 *
 * Supported: 6.1.y and 6.12.y (Debian bookworm's 6.1 and its 6.12
 * backport).  Anything else fails the build here; at load time
 * src/main.c also refuses a running kernel of another series (vermagic
 * should already prevent it) and checks the kvm_pmu_ops member order
 * below against the static calls.
 */
#ifndef VPMU_KVM_COMPAT_H
#define VPMU_KVM_COMPAT_H

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/version.h>

#if LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL == 1
#define VPMU_KVM_SERIES		"6.1"
/*
 * 6.1 counts emulated instructions in kvm_pmu_trigger_event() (exported)
 * with no PMU op on the way: it is redirected with ftrace.
 */
#define VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT	1
#elif LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL == 12
#define VPMU_KVM_SERIES		"6.12"
#define VPMU_KVM_NEEDS_TRIGGER_EVENT_REDIRECT	0
#else
#error "kvm_vpmu_ext knows the KVM layout of Linux 6.1 and 6.12 only"
#endif

#define VPMU_KVM_MAJOR		LINUX_VERSION_MAJOR
#define VPMU_KVM_MINOR		LINUX_VERSION_PATCHLEVEL

/*
 * The members of struct kvm_pmu_ops (arch/x86/kvm/pmu.h, not in the
 * header packages), in declaration order: function pointers first, one
 * static call kvm_x86_pmu_<op> each (asm/kvm-x86-pmu-ops.h).  The order
 * is checked at load time against the static calls (every member must
 * equal its key's target), so a wrong list is a refusal, never a wrong
 * write.  6.12 adds EVENTSEL_EVENT, MAX_NR_GP_COUNTERS and
 * MIN_NR_GP_COUNTERS after the pointers; nothing here reads them.
 * The enum suffix is the member name, so one token names both.
 */
#if VPMU_KVM_MINOR == 1
enum vpmu_kvm_pmu_op {
	VPMU_KVM_PMU_OP_hw_event_available,
	VPMU_KVM_PMU_OP_pmc_is_enabled,
	VPMU_KVM_PMU_OP_pmc_idx_to_pmc,
	VPMU_KVM_PMU_OP_rdpmc_ecx_to_pmc,
	VPMU_KVM_PMU_OP_msr_idx_to_pmc,
	VPMU_KVM_PMU_OP_is_valid_rdpmc_ecx,
	VPMU_KVM_PMU_OP_is_valid_msr,
	VPMU_KVM_PMU_OP_get_msr,
	VPMU_KVM_PMU_OP_set_msr,
	VPMU_KVM_PMU_OP_refresh,
	VPMU_KVM_PMU_OP_init,
	VPMU_KVM_PMU_OP_reset,
	VPMU_KVM_PMU_OP_deliver_pmi,
	VPMU_KVM_PMU_OP_cleanup,
	VPMU_KVM_PMU_OP_NR
};

/* The static call of each member, in member order. */
static const char *const vpmu_kvm_pmu_op_keys[] __maybe_unused = {
	"kvm_x86_pmu_hw_event_available",
	"kvm_x86_pmu_pmc_is_enabled",
	"kvm_x86_pmu_pmc_idx_to_pmc",
	"kvm_x86_pmu_rdpmc_ecx_to_pmc",
	"kvm_x86_pmu_msr_idx_to_pmc",
	"kvm_x86_pmu_is_valid_rdpmc_ecx",
	"kvm_x86_pmu_is_valid_msr",
	"kvm_x86_pmu_get_msr",
	"kvm_x86_pmu_set_msr",
	"kvm_x86_pmu_refresh",
	"kvm_x86_pmu_init",
	"kvm_x86_pmu_reset",
	"kvm_x86_pmu_deliver_pmi",
	"kvm_x86_pmu_cleanup",
};
#else
enum vpmu_kvm_pmu_op {
	VPMU_KVM_PMU_OP_rdpmc_ecx_to_pmc,
	VPMU_KVM_PMU_OP_msr_idx_to_pmc,
	VPMU_KVM_PMU_OP_check_rdpmc_early,
	VPMU_KVM_PMU_OP_is_valid_msr,
	VPMU_KVM_PMU_OP_get_msr,
	VPMU_KVM_PMU_OP_set_msr,
	VPMU_KVM_PMU_OP_refresh,
	VPMU_KVM_PMU_OP_init,
	VPMU_KVM_PMU_OP_reset,
	VPMU_KVM_PMU_OP_deliver_pmi,
	VPMU_KVM_PMU_OP_cleanup,
	VPMU_KVM_PMU_OP_NR
};

/* The static call of each member, in member order. */
static const char *const vpmu_kvm_pmu_op_keys[] __maybe_unused = {
	"kvm_x86_pmu_rdpmc_ecx_to_pmc",
	"kvm_x86_pmu_msr_idx_to_pmc",
	"kvm_x86_pmu_check_rdpmc_early",
	"kvm_x86_pmu_is_valid_msr",
	"kvm_x86_pmu_get_msr",
	"kvm_x86_pmu_set_msr",
	"kvm_x86_pmu_refresh",
	"kvm_x86_pmu_init",
	"kvm_x86_pmu_reset",
	"kvm_x86_pmu_deliver_pmi",
	"kvm_x86_pmu_cleanup",
};
#endif

static_assert(ARRAY_SIZE(vpmu_kvm_pmu_op_keys) == VPMU_KVM_PMU_OP_NR);

/* Byte offset of member @op in struct kvm_pmu_ops. */
#define VPMU_KVM_PMU_OP_OFFSET(op)	(VPMU_KVM_PMU_OP_##op * sizeof(void *))

#endif /* VPMU_KVM_COMPAT_H */
