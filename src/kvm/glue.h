/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Intel glue's files share: the configuration src/main.c hands
 * over, the hooks and the static calls that reach their originals, and
 * the one-line refusal.
 */
#ifndef VPMU_KVM_GLUE_H
#define VPMU_KVM_GLUE_H

#include <linux/err.h>
#include <linux/kvm_host.h>
#include <linux/printk.h>
#include <linux/static_call.h>
#include <asm/msr-index.h>
#include <asm/irqflags.h>
#include <asm/perf_event.h>

#include <hook/hook.h>
#include <vpmu/caps.h>
#include <vpmu/lbr.h>
#include <vpmu/msr.h>

struct seq_file;
struct vpmu_vcpu;

/* Features, in the order of the "features" parameter and the summary. */
enum vpmu_ext_feature {
	VPMU_EXT_PEBS,		/* guest PEBS through the perf switch list */
	VPMU_EXT_LBR,		/* vLBR lifecycle */
	VPMU_EXT_OVERFLOW,	/* exact emulated-counter overflow */
	VPMU_EXT_PMU_V5,	/* architectural PMU v4/v5 */
	VPMU_EXT_NR,
};

/**
 * struct vpmu_kvm_config - the module parameters, parsed
 * @features: mask of enum vpmu_ext_feature
 * @max_version: highest PMU version a guest may see
 * @lbr_policy: when the vLBR event is released
 * @lbr_hysteresis: K of the hysteresis policy
 */
struct vpmu_kvm_config {
	unsigned long features;
	unsigned int max_version;
	enum vpmu_lbr_policy lbr_policy;
	unsigned int lbr_hysteresis;
};

/* Set once by src/main.c before the hooks go in; read-only after. */
extern struct vpmu_kvm_config vpmu_cfg;

static inline bool vpmu_feature(enum vpmu_ext_feature f)
{
	return vpmu_cfg.features & BIT(f);
}

/*
 * Interrupt flags, natively: with PARAVIRT_XXL (both Debian kernels)
 * local_irq_save() and irqs_disabled() call through pv_ops, indirect
 * calls scripts/ibtcheck.py refuses, and a KVM host is never the Xen PV
 * guest they exist for.  Neither kernel traces irq flags, so nothing
 * else is skipped.
 */
static __always_inline unsigned long vpmu_irq_save(void)
{
	unsigned long flags = native_save_fl();

	native_irq_disable();
	return flags;
}

static __always_inline void vpmu_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		native_irq_enable();
}

static __always_inline bool vpmu_irqs_on(void)
{
	return native_save_fl() & X86_EFLAGS_IF;
}

/*
 * One line, module prefix, errno name: the whole story of a refusal.
 * Evaluates to @err.
 */
#define vpmu_refuse(err, fmt, ...) ({					\
	int __e = (err);						\
									\
	pr_err("refused: " fmt " (%pe)\n", ##__VA_ARGS__, ERR_PTR(__e)); \
	__e;								\
})

/*
 * The wrappers, one per hook (src/kvm/hooks.c).  Each original is reached
 * through the static call vpmu_orig_<hook>, which the engine points at
 * the original before the hook goes in.
 */
int vpmu_wrap_vcpu_create(struct kvm_vcpu *vcpu);
void vpmu_wrap_vcpu_free(struct kvm_vcpu *vcpu);
bool vpmu_wrap_pmu_is_valid_msr(struct kvm_vcpu *vcpu, u32 msr);
struct kvm_pmc *vpmu_wrap_pmu_rdpmc_ecx_to_pmc(struct kvm_vcpu *vcpu,
					       unsigned int idx, u64 *mask);
bool vpmu_wrap_pmu_is_valid_rdpmc_ecx(struct kvm_vcpu *vcpu, unsigned int idx);
int vpmu_wrap_pmu_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr);
int vpmu_wrap_pmu_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr);
void vpmu_wrap_pmu_refresh(struct kvm_vcpu *vcpu);
void vpmu_wrap_pmu_reset(struct kvm_vcpu *vcpu);
void vpmu_wrap_pmu_deliver_pmi(struct kvm_vcpu *vcpu);
void vpmu_wrap_pmu_cleanup(struct kvm_vcpu *vcpu);
int vpmu_wrap_get_msr(struct kvm_vcpu *vcpu, struct msr_data *msr);
int vpmu_wrap_set_msr(struct kvm_vcpu *vcpu, struct msr_data *msr);
struct perf_guest_switch_msr *vpmu_wrap_guest_get_msrs(int *nr, void *data);
void vpmu_wrap_trigger_event(struct kvm_vcpu *vcpu, u64 event);

DECLARE_STATIC_CALL(vpmu_orig_vcpu_create, vpmu_wrap_vcpu_create);
DECLARE_STATIC_CALL(vpmu_orig_vcpu_free, vpmu_wrap_vcpu_free);
DECLARE_STATIC_CALL(vpmu_orig_pmu_is_valid_msr, vpmu_wrap_pmu_is_valid_msr);
DECLARE_STATIC_CALL(vpmu_orig_pmu_rdpmc_ecx_to_pmc,
		    vpmu_wrap_pmu_rdpmc_ecx_to_pmc);
DECLARE_STATIC_CALL(vpmu_orig_pmu_is_valid_rdpmc_ecx,
		    vpmu_wrap_pmu_is_valid_rdpmc_ecx);
DECLARE_STATIC_CALL(vpmu_orig_pmu_get_msr, vpmu_wrap_pmu_get_msr);
DECLARE_STATIC_CALL(vpmu_orig_pmu_set_msr, vpmu_wrap_pmu_set_msr);
DECLARE_STATIC_CALL(vpmu_orig_pmu_refresh, vpmu_wrap_pmu_refresh);
DECLARE_STATIC_CALL(vpmu_orig_pmu_reset, vpmu_wrap_pmu_reset);
DECLARE_STATIC_CALL(vpmu_orig_pmu_deliver_pmi, vpmu_wrap_pmu_deliver_pmi);
DECLARE_STATIC_CALL(vpmu_orig_pmu_cleanup, vpmu_wrap_pmu_cleanup);
DECLARE_STATIC_CALL(vpmu_orig_get_msr, vpmu_wrap_get_msr);
DECLARE_STATIC_CALL(vpmu_orig_set_msr, vpmu_wrap_set_msr);
DECLARE_STATIC_CALL(vpmu_orig_guest_get_msrs, vpmu_wrap_guest_get_msrs);
DECLARE_STATIC_CALL(vpmu_orig_trigger_event, vpmu_wrap_trigger_event);

/*
 * What the 6.1 overflow redirect calls (src/kvm/counter.c), each through a
 * static call of ours that vpmu_overflow_load() points at it: KVM's
 * static calls' targets and exported functions alike are reached by a
 * direct call, never linked against and never called through a pointer.
 * The kvm_pmu_ops members' types are spelled out: arch/x86/kvm/pmu.h is
 * not in the header packages.
 */
DECLARE_STATIC_CALL(vpmu_kvm_get_cpl, *((struct kvm_x86_ops *)0)->get_cpl);
DECLARE_STATIC_CALL(vpmu_kvm_pmc_idx_to_pmc,
		    *(struct kvm_pmc *(*)(struct kvm_pmu *, int))NULL);
DECLARE_STATIC_CALL(vpmu_kvm_pmc_is_enabled, *(bool (*)(struct kvm_pmc *))NULL);
DECLARE_STATIC_CALL(vpmu_kvm_reprogram_counter,
		    *(void (*)(struct kvm_pmc *))NULL);
DECLARE_STATIC_CALL(vpmu_perf_get_hw_event_config, perf_get_hw_event_config);
DECLARE_STATIC_CALL(vpmu_perf_event_read_value, perf_event_read_value);
DECLARE_STATIC_CALL(vpmu_perf_event_read_local, perf_event_read_local);

/* The hook table (src/kvm/hooks.c); host checks pin modules through it. */
extern struct vpmu_hook_table vpmu_kvm_table;

/**
 * vpmu_kvm_pmu_refreshed() - KVM has (re)computed a vCPU's PMU
 * @v: the vCPU's state
 *
 * After KVM's refresh, and once when the state is created: the features
 * apply their semantics, and the vCPU holds the module while it depends
 * on them.  Process context.
 */
void vpmu_kvm_pmu_refreshed(struct vpmu_vcpu *v);

/**
 * vpmu_kvm_vcpu_created() - a vCPU just got its state
 * @v: the vCPU's state
 *
 * The features add their debugfs files, then act as after a refresh.
 * Process context.
 */
void vpmu_kvm_vcpu_created(struct vpmu_vcpu *v);

/*
 * Architectural PMU v4/v5 (src/kvm/caps.c).  The MSR functions return
 * true when they served the access (the result in *@ret: 0, or 1 for a
 * #GP); false sends it on to KVM.
 */
extern struct vpmu_caps vpmu_host_caps;
void vpmu_caps_host_from(const struct x86_pmu_capability *kvm_cap,
			 const u32 cpuid_0a[4], struct vpmu_caps *host);
void vpmu_caps_attach(struct x86_pmu_capability *kvm_cap, const u32 cpuid_0a[4]);
int vpmu_caps_load(void);
void vpmu_caps_raise(void);
void vpmu_caps_restore(void);
unsigned int vpmu_caps_reported_version(void);
bool vpmu_caps_effective(struct vpmu_vcpu *v, struct vpmu_caps *eff);
void vpmu_caps_apply(struct vpmu_vcpu *v, const struct vpmu_caps *eff);
void vpmu_caps_debugfs(struct vpmu_vcpu *v);
bool vpmu_caps_pmc_absent(const struct vpmu_vcpu *v, const struct kvm_pmc *pmc);
bool vpmu_caps_rdpmc_absent(const struct vpmu_vcpu *v, unsigned int ecx);
bool vpmu_caps_is_valid_msr(const struct vpmu_vcpu *v, u32 msr);
u64 vpmu_caps_inuse(const struct vpmu_vcpu *v);
bool vpmu_caps_get_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret);
bool vpmu_caps_set_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret);

/*
 * The vLBR lifecycle (src/kvm/lbr.c; Documentation/design.rst, "vLBR in
 * KVM").  Each takes a vCPU with state and does nothing for one whose
 * vLBR the module does not run.
 */
void vpmu_lbr_refreshed(struct vpmu_vcpu *v, bool on);
void vpmu_lbr_debugfs(struct vpmu_vcpu *v);
void vpmu_lbr_get_debugctl(struct vpmu_vcpu *v, struct msr_data *msr);
bool vpmu_lbr_set_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret);
void vpmu_lbr_pmi(struct vpmu_vcpu *v);
bool vpmu_lbr_cleanup(struct vpmu_vcpu *v);
void vpmu_lbr_reset(struct vpmu_vcpu *v);

/*
 * The MSR writes the x86 set_msr wrapper hands to the vLBR: DEBUGCTL, and
 * those that can change GLOBAL_STATUS.LBR_FRZ (of reads, only DEBUGCTL's
 * go to it).  Checked before the vCPU is looked up, on every MSR write.
 */
static inline bool vpmu_lbr_watches(u32 msr)
{
	return msr == MSR_IA32_DEBUGCTLMSR ||
	       msr == MSR_CORE_PERF_GLOBAL_STATUS ||
	       msr == MSR_CORE_PERF_GLOBAL_OVF_CTRL ||
	       msr == VPMU_MSR_GLOBAL_STATUS_SET;
}

/**
 * vpmu_pebs_vmentry() - the switch list KVM loads at this VM-entry
 * @v: the vCPU's state
 * @perf: the list perf returned, or NULL
 * @nr: its number of entries (unset when @perf is NULL)
 *
 * With pebs, perf's list refined (Documentation/design.rst, "Guest PEBS
 * in KVM") in a per-CPU buffer; perf's own list otherwise, and when it is
 * NULL or longer than the buffer.  Counts what the list loads and which
 * counters are denied PEBS.  Interrupts off, before VM-entry.
 *
 * Return: the list for KVM, of *@nr entries.
 */
struct perf_guest_switch_msr *vpmu_pebs_vmentry(struct vpmu_vcpu *v,
						struct perf_guest_switch_msr *perf,
						int *nr);
void vpmu_pebs_debugfs(struct vpmu_vcpu *v);

/**
 * vpmu_overflow_load() - find what the 6.1 overflow redirect calls
 *
 * KVM's static calls get_cpl, pmc_idx_to_pmc and pmc_is_enabled (their
 * current targets, in kvm_intel), reprogram_counter() in kvm,
 * perf_get_hw_event_config(), perf_event_read_value() and
 * perf_event_read_local() in vmlinux: each is reached through a static
 * call of ours.  Nothing to find on 6.12, or without overflow.
 *
 * Return: 0, or a negative errno with vpmu_kvm_table.why set.
 */
int vpmu_overflow_load(void);

/**
 * vpmu_overflow_trigger_event() - 6.1's kvm_pmu_trigger_event(), exact
 * @v: the vCPU's state
 * @perf_hw_id: the generic perf event KVM emulated one of
 *
 * Counts one event on each counter that counts it, as 6.1 matches them,
 * and raises an overflow only when that event wrapped the counter.  Any
 * context KVM calls it from, interrupts on or off.
 */
void vpmu_overflow_trigger_event(struct vpmu_vcpu *v, u64 perf_hw_id);

/**
 * vpmu_kvm_check_host() - may the module serve this host?
 *
 * Each failure prints its one refusal line.  Module references taken on
 * the way are the hook table's (dropped by vpmu_kvm_hooks_release()).
 *
 * Return: 0, or the refusal's negative errno.
 */
int vpmu_kvm_check_host(void);

/**
 * vpmu_kvm_hooks_install() - resolve and install every hook, or none
 *
 * Prints the refusal line on failure.
 *
 * Return: 0 or a negative errno.
 */
int vpmu_kvm_hooks_install(void);

/**
 * vpmu_kvm_hooks_remove() - take every hook back and wait for the wrappers
 */
void vpmu_kvm_hooks_remove(void);

/**
 * vpmu_kvm_hooks_release() - drop the module references of the hook table
 */
void vpmu_kvm_hooks_release(void);

/**
 * vpmu_kvm_hooks_installed() - how many hooks are in
 *
 * Return: the number of installed hooks.
 */
unsigned int vpmu_kvm_hooks_installed(void);

/**
 * vpmu_kvm_hooks_show() - the hook table, for debugfs
 * @m: the seq_file
 */
void vpmu_kvm_hooks_show(struct seq_file *m);

#endif /* VPMU_KVM_GLUE_H */
