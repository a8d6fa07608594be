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
 * The list lives in kvm-pmu-ops.h; it gives both the enum (whose suffix
 * is the member name) and the static call names.
 */
enum vpmu_kvm_pmu_op {
#define VPMU_KVM_PMU_OP(op)	VPMU_KVM_PMU_OP_##op,
#include "kvm-pmu-ops.h"
	VPMU_KVM_PMU_OP_NR
};

/* The static call of each member, in member order. */
static const char *const vpmu_kvm_pmu_op_keys[] __maybe_unused = {
#define VPMU_KVM_PMU_OP(op)	"kvm_x86_pmu_" #op,
#include "kvm-pmu-ops.h"
};

static_assert(ARRAY_SIZE(vpmu_kvm_pmu_op_keys) == VPMU_KVM_PMU_OP_NR);

/*
 * struct kvm_pmu's reserved-bit masks: 6.1 calls them *_mask, 6.12
 * *_rsvd (one mask serves GLOBAL_STATUS and GLOBAL_OVF_CTRL in both).
 * 6.1's refresh never clears all_valid_pmc_idx (6.12's kvm_pmu_refresh
 * does before the op), and sets the fixed counters' event selects only
 * for the counters it enables (6.12 sets all three at init).
 */
#if VPMU_KVM_MINOR == 1
#define vpmu_pmu_fixed_ctrl_rsvd(pmu)		((pmu)->fixed_ctr_ctrl_mask)
#define vpmu_pmu_global_ctrl_rsvd(pmu)		((pmu)->global_ctrl_mask)
#define vpmu_pmu_global_status_rsvd(pmu)	((pmu)->global_ovf_ctrl_mask)
#define vpmu_pmu_pebs_enable_rsvd(pmu)		((pmu)->pebs_enable_mask)
#define VPMU_KVM_REFRESH_KEEPS_VALID_IDX	1
#define VPMU_KVM_FIXED_EVENTSEL_AT_REFRESH	1
#else
#define vpmu_pmu_fixed_ctrl_rsvd(pmu)		((pmu)->fixed_ctr_ctrl_rsvd)
#define vpmu_pmu_global_ctrl_rsvd(pmu)		((pmu)->global_ctrl_rsvd)
#define vpmu_pmu_global_status_rsvd(pmu)	((pmu)->global_status_rsvd)
#define vpmu_pmu_pebs_enable_rsvd(pmu)		((pmu)->pebs_enable_rsvd)
#define VPMU_KVM_REFRESH_KEEPS_VALID_IDX	0
#define VPMU_KVM_FIXED_EVENTSEL_AT_REFRESH	0
#endif

/* Byte offset of member @op in struct kvm_pmu_ops. */
#define VPMU_KVM_PMU_OP_OFFSET(op)	(VPMU_KVM_PMU_OP_##op * sizeof(void *))

/*
 * A hook on the static call @sc of @obj, whose target lives in @tgt;
 * @mir is the struct that mirrors it (NULL for none), @off the member.
 */
#define VPMU_KVM_HOOK(sc, obj, tgt, wrap, orig, mir, off, fl) {	\
	.kind = VPMU_HOOK_STATIC_CALL,					\
	.name = sc,							\
	.object = obj,							\
	.target = tgt,							\
	.wrapper = wrap,						\
	VPMU_HOOK_ORIG(orig),						\
	.mirror = mir,							\
	.mirror_offset = off,						\
	.flags = fl,							\
}

/* KVM's kvm_x86_pmu_<op> (mirror kvm_pmu_ops), kvm_x86_<op> (kvm_x86_ops). */
#define VPMU_KVM_PMU_HOOK(op, tgt, wrap, orig, fl)			\
	VPMU_KVM_HOOK("kvm_x86_pmu_" #op, "kvm", tgt, wrap, orig,	\
		      "kvm_pmu_ops", VPMU_KVM_PMU_OP_OFFSET(op), fl)
#define VPMU_KVM_X86_HOOK(op, tgt, wrap, orig)				\
	VPMU_KVM_HOOK("kvm_x86_" #op, "kvm", tgt, wrap, orig,		\
		      "kvm_x86_ops", offsetof(struct kvm_x86_ops, op), 0)

/* Perf's x86_pmu_guest_get_msrs, before every VM-entry: interrupts off. */
#define VPMU_GUEST_GET_MSRS_HOOK(wrap, orig)				\
	VPMU_KVM_HOOK("x86_pmu_guest_get_msrs", VPMU_HOOK_VMLINUX,	\
		      VPMU_HOOK_VMLINUX, wrap, orig, NULL, 0,		\
		      VPMU_HOOK_ATOMIC)

#endif /* VPMU_KVM_COMPAT_H */
