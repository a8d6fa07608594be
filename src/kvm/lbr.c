// SPDX-License-Identifier: GPL-2.0
/*
 * The vLBR lifecycle in KVM (feature lbr): KVM's events fed to the
 * machine of src/core/lbr.c, its effects applied through KVM's public
 * state and originals, never its internal lbr_desc or the VMCS.
 * Documentation/design.rst, "vLBR in KVM", has the argument: what stands
 * in for lbr_desc, which context each entry runs in, and what cannot be
 * guaranteed without the layout.
 *
 * Every step of the machine runs with interrupts off: on 6.1 a PMI can
 * be delivered from irq_work on the vCPU's CPU, in the middle of any
 * process-context wrapper.  What sleeps (creating or releasing the perf
 * event) runs after the step, with interrupts on, and never in hardirq.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/preempt.h>
#include <linux/seq_file.h>
#include <asm/msr-index.h>
#include <asm/perf_event.h>

#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

#define VPMU_VLBR	INTEL_PMC_IDX_FIXED_VLBR

/*
 * The version whose freeze the guest gets.  pmu_v5 serves LBR_FRZ from
 * version 4; without it KVM keeps the bit reserved and freezes nothing
 * from version 4 on, which is the machine's version 1.
 */
static u8 vpmu_lbr_version(const struct vpmu_vcpu *v)
{
	u8 version = v->vcpu->arch.pmu.version;

	return v->v5 || version < 4 ? version : 1;
}

/* DEBUGCTL of guest context, through vmx_get_msr(). */
static u64 vpmu_lbr_hw_read(struct kvm_vcpu *vcpu)
{
	struct msr_data msr = {
		.index = MSR_IA32_DEBUGCTLMSR, .host_initiated = true,
	};

	if (static_call(vpmu_orig_get_msr)(vcpu, &msr))
		return 0;
	return msr.data;
}

/*
 * Bring hardware's DEBUGCTL.LBR to what the machine says, through
 * vmx_set_msr(), in a way that never creates the event there: set it
 * only once a probe found the event running; clear it when the machine
 * wants it clear or no event is known to run (but leave KVM's LBR on an
 * event it has just made, until the probe).  Interrupts off.
 */
static void vpmu_lbr_sync_hw(struct vpmu_vcpu *v)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;
	struct msr_data msr = {
		.index = MSR_IA32_DEBUGCTLMSR, .host_initiated = true,
	};
	bool want = vpmu_lbr_hw_debugctl(&l->m) & DEBUGCTLMSR_LBR;
	u64 hw = vpmu_lbr_hw_read(v->vcpu);

	if (hw & DEBUGCTLMSR_LBR) {
		if (want && l->kvm != VPMU_LBR_KVM_IDLE)
			return;
		msr.data = hw & ~DEBUGCTLMSR_LBR;
	} else {
		if (!want || l->kvm != VPMU_LBR_KVM_ACTIVE)
			return;
		msr.data = hw | DEBUGCTLMSR_LBR;
	}
	static_call(vpmu_orig_set_msr)(v->vcpu, &msr);
}

/*
 * One step of the machine, and the effects that need no process context:
 * LBR_FRZ in GLOBAL_STATUS (atomically: KVM sets overflow bits from NMI)
 * and hardware's LBR.  Intercepting or passing through the LBR MSRs is
 * KVM's, at every VM-entry, from the event's state.  Interrupts off.
 *
 * Return: the machine released the event.
 */
static bool vpmu_lbr_step_atomic(struct vpmu_vcpu *v,
				 enum vpmu_lbr_event_type type, u64 value)
{
	unsigned long *status = (unsigned long *)&v->vcpu->arch.pmu.global_status;
	const struct vpmu_lbr_event ev = { .type = type, .value = value };
	struct vpmu_vcpu_lbr *l = &v->lbr;
	bool frozen = vpmu_lbr_frozen(&l->m);
	struct vpmu_lbr_effects e;

	vpmu_lbr_step(&l->m, &ev, &e);
	if (e.status_clear & VPMU_STATUS_LBR_FRZ)
		clear_bit(GLOBAL_STATUS_LBRS_FROZEN_BIT, status);
	if (e.status_set & VPMU_STATUS_LBR_FRZ)
		set_bit(GLOBAL_STATUS_LBRS_FROZEN_BIT, status);
	l->create = (l->create && !e.release_event) || e.create_event;
	l->cause = type;
	vpmu_lbr_sync_hw(v);
	if (!frozen && vpmu_lbr_frozen(&l->m)) {
		vpmu_vcpu_stat_inc(v, VPMU_STAT_LBR_FREEZES);
		trace_kvm_vpmu_ext_lbr_freeze(v->vcpu, type, e.guest_debugctl,
					      e.hw_debugctl);
	} else if (frozen && !vpmu_lbr_frozen(&l->m)) {
		trace_kvm_vpmu_ext_lbr_unfreeze(v->vcpu, type, e.guest_debugctl,
						e.hw_debugctl);
	}
	return e.release_event;
}

static void vpmu_lbr_sync_hw_irqsafe(struct vpmu_vcpu *v)
{
	unsigned long flags = vpmu_irq_save();

	vpmu_lbr_sync_hw(v);
	vpmu_irq_restore(flags);
}

static bool vpmu_lbr_step_irqsafe(struct vpmu_vcpu *v,
				  enum vpmu_lbr_event_type type, u64 value)
{
	unsigned long flags;
	bool released;

	flags = vpmu_irq_save();
	released = vpmu_lbr_step_atomic(v, type, value);
	vpmu_irq_restore(flags);
	return released;
}

static void vpmu_lbr_created(struct vpmu_vcpu *v)
{
	vpmu_vcpu_stat_inc(v, VPMU_STAT_LBR_CREATES);
	trace_kvm_vpmu_ext_lbr_create(v->vcpu, v->lbr.cause,
				      v->lbr.m.guest_debugctl,
				      vpmu_lbr_hw_read(v->vcpu));
}

static void vpmu_lbr_released(struct vpmu_vcpu *v, int why)
{
	v->lbr.kvm = VPMU_LBR_KVM_IDLE;
	vpmu_vcpu_stat_inc(v, VPMU_STAT_LBR_RELEASES);
	trace_kvm_vpmu_ext_lbr_release(v->vcpu, why);
}

/*
 * A host-initiated read of LBR_TOS through KVM's PMU op: KVM creates the
 * event if it has none, without touching DEBUGCTL, and reads the MSR
 * only while host perf runs the event, which it records in bit 58 of
 * pmc_in_use (the bit is cleared first: a failed creation leaves it).
 * The bit's earlier value, the slice's activity, is kept.  Process
 * context: creating an event sleeps.
 */
static void vpmu_lbr_probe(struct vpmu_vcpu *v)
{
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	struct msr_data msr = { .index = MSR_LBR_TOS, .host_initiated = true };
	bool used = test_bit(VPMU_VLBR, pmu->pmc_in_use);
	int count = pmu->event_count;

	__clear_bit(VPMU_VLBR, pmu->pmc_in_use);
	static_call(vpmu_orig_pmu_get_msr)(v->vcpu, &msr);
	v->lbr.kvm = test_bit(VPMU_VLBR, pmu->pmc_in_use) ?
		     VPMU_LBR_KVM_ACTIVE : VPMU_LBR_KVM_IDLE;
	if (used)
		__set_bit(VPMU_VLBR, pmu->pmc_in_use);
	if (pmu->event_count > count)
		vpmu_lbr_created(v);
}

/*
 * After a step, in process context: create the event the machine asked
 * for, or find out whether KVM's runs when hardware is to record; then
 * bring hardware to the machine's DEBUGCTL.
 */
static void vpmu_lbr_settle(struct vpmu_vcpu *v)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;

	if (l->kvm != VPMU_LBR_KVM_ACTIVE &&
	    (l->create || (vpmu_lbr_hw_debugctl(&l->m) & DEBUGCTLMSR_LBR)))
		vpmu_lbr_probe(v);
	l->create = false;
	vpmu_lbr_sync_hw_irqsafe(v);
}

void vpmu_lbr_refreshed(struct vpmu_vcpu *v, bool on)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;

	/* KVM refreshes before the vCPU runs (6.12 enforces it): start over. */
	l->on = on;
	if (!on)
		return;
	vpmu_lbr_init(&l->m, vpmu_lbr_version(v), vpmu_cfg.lbr_policy);
	/* src/main.c accepted it: it cannot fail. */
	vpmu_lbr_set_hysteresis(&l->m, vpmu_cfg.lbr_hysteresis);
	l->kvm = VPMU_LBR_KVM_IDLE;
	l->create = false;
}

void vpmu_lbr_get_debugctl(struct vpmu_vcpu *v, struct msr_data *msr)
{
	/* Hardware may hold LBR clear where the guest set it: it reads its own. */
	if (v->lbr.on)
		msr->data = (msr->data & ~DEBUGCTLMSR_LBR) |
			    (READ_ONCE(v->lbr.m.guest_debugctl) & DEBUGCTLMSR_LBR);
}

/*
 * KVM validates and stores the value, and creates the event if LBR is
 * set and it has none.  Only a write that may create runs with
 * interrupts on: any other is a step with KVM's write, never split by a
 * PMI.  The machine gets the value as written: of what it reads (LBR,
 * FREEZE_LBRS_ON_PMI) KVM keeps both while LBR is virtualized.
 */
static int vpmu_lbr_debugctl_write(struct vpmu_vcpu *v, struct msr_data *msr)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	bool may_create = (msr->data & DEBUGCTLMSR_LBR) &&
			  l->kvm == VPMU_LBR_KVM_IDLE;
	int count = pmu->event_count;
	unsigned long flags = 0;
	int ret;

	if (!may_create)
		flags = vpmu_irq_save();
	ret = static_call(vpmu_orig_set_msr)(v->vcpu, msr);
	if (may_create) {
		flags = vpmu_irq_save();
		if (pmu->event_count > count) {
			l->kvm = VPMU_LBR_KVM_UNSURE;
			l->cause = VPMU_LBR_EV_DEBUGCTL_WRITE;
			vpmu_lbr_created(v);
		}
	}
	if (!ret)
		vpmu_lbr_step_atomic(v, VPMU_LBR_EV_DEBUGCTL_WRITE, msr->data);
	vpmu_irq_restore(flags);
	return ret;
}

/*
 * GLOBAL_STATUS (the VMM's), STATUS_RESET or STATUS_SET: KVM, or caps.c
 * for STATUS_SET, wrote it; the machine follows LBR_FRZ as it now is.
 * Compared with the machine, not with the bit before the write, so that
 * a PMI between the two is never lost.
 */
static int vpmu_lbr_status_write(struct vpmu_vcpu *v, struct msr_data *msr)
{
	unsigned long *status = (unsigned long *)&v->vcpu->arch.pmu.global_status;
	int ret = static_call(vpmu_orig_set_msr)(v->vcpu, msr);
	unsigned long flags;
	bool frz;

	flags = vpmu_irq_save();
	frz = test_bit(GLOBAL_STATUS_LBRS_FROZEN_BIT, status);
	if (frz != v->lbr.m.lbr_frz)
		vpmu_lbr_step_atomic(v, frz ? VPMU_LBR_EV_STATUS_SET :
					      VPMU_LBR_EV_STATUS_RESET,
				     VPMU_STATUS_LBR_FRZ);
	vpmu_irq_restore(flags);
	return ret;
}

bool vpmu_lbr_set_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret)
{
	if (!v->lbr.on)
		return false;
	if (msr->index == MSR_IA32_DEBUGCTLMSR)
		*ret = vpmu_lbr_debugctl_write(v, msr);
	else
		*ret = vpmu_lbr_status_write(v, msr);
	vpmu_lbr_settle(v);
	return true;
}

void vpmu_lbr_pmi(struct vpmu_vcpu *v)
{
	if (!v->lbr.on)
		return;
	vpmu_lbr_step_irqsafe(v, VPMU_LBR_EV_PMI, 0);
	/*
	 * From irq_work (6.1) nothing that sleeps: an event the machine
	 * wants is made by the next wrapper in process context, hardware
	 * not recording meanwhile.  (A PMI only freezes: it never asks.)
	 */
	if (in_task())
		vpmu_lbr_settle(v);
}

/* KVM's cleanup op: it releases the event while hardware's DEBUGCTL.LBR is clear. */
static void vpmu_lbr_kvm_cleanup(struct vpmu_vcpu *v, int why)
{
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	int count = pmu->event_count;

	static_call(vpmu_orig_pmu_cleanup)(v->vcpu);
	if (pmu->event_count < count)
		vpmu_lbr_released(v, why);
}

/*
 * KVM calls the cleanup op at the first KVM_REQ_PMU after a sched-in
 * while any of the vCPU's perf events exists: the machine's sched-in.
 * The original is called only when the machine has no event to keep, or
 * to replace one host perf no longer runs.
 */
bool vpmu_lbr_cleanup(struct vpmu_vcpu *v)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;
	bool released;

	if (!l->on)
		return false;
	/*
	 * Bit 58 of pmc_in_use: an LBR MSR access while the event ran, or
	 * its creation, since the last cleanup; KVM zeroes it after this op.
	 */
	if (test_bit(VPMU_VLBR, v->vcpu->arch.pmu.pmc_in_use))
		vpmu_lbr_step_irqsafe(v, VPMU_LBR_EV_MSR_ACCESS, 0);
	released = vpmu_lbr_step_irqsafe(v, VPMU_LBR_EV_SCHED_IN, 0);
	if (!l->m.event) {
		/* Released by the policy, or never the machine's: as KVM does. */
		vpmu_lbr_kvm_cleanup(v, released ? l->m.policy :
						   VPMU_LBR_RELEASE_KVM);
	} else {
		/*
		 * Kept.  A pinned event that host perf could not schedule in
		 * stays in ERROR for good, its stack out of the guest's reach
		 * (KVM reads 0): one found not running is replaced, hardware's
		 * LBR cleared first so that KVM releases it.  The new one
		 * runs once the host's LBR event has gone.
		 */
		vpmu_lbr_probe(v);
		if (l->kvm == VPMU_LBR_KVM_IDLE) {
			vpmu_lbr_sync_hw_irqsafe(v);
			vpmu_lbr_kvm_cleanup(v, VPMU_LBR_RELEASE_HELD);
			vpmu_lbr_probe(v);
		}
	}
	/* Both ways KVM's event is known now: no probe left to make. */
	l->create = false;
	vpmu_lbr_sync_hw_irqsafe(v);
	return true;
}

/*
 * After KVM's reset op, which released the event and zeroed GLOBAL_STATUS
 * but left bit 58 of pmc_in_use: with no event, vmx_passthrough_lbr_msrs()
 * would warn about it at the next VM-entry.
 */
void vpmu_lbr_reset(struct vpmu_vcpu *v)
{
	struct vpmu_vcpu_lbr *l = &v->lbr;

	if (!l->on)
		return;
	__clear_bit(VPMU_VLBR, v->vcpu->arch.pmu.pmc_in_use);
	l->kvm = VPMU_LBR_KVM_IDLE;
	if (vpmu_lbr_step_irqsafe(v, VPMU_LBR_EV_RESET, 0))
		vpmu_lbr_released(v, VPMU_LBR_RELEASE_RESET);
	vpmu_lbr_settle(v);
}

static const char *const vpmu_lbr_kvm_names[] = {
	[VPMU_LBR_KVM_IDLE] = "idle",
	[VPMU_LBR_KVM_ACTIVE] = "active",
	[VPMU_LBR_KVM_UNSURE] = "unsure",
};

static int vpmu_lbr_show(struct seq_file *m, void *unused)
{
	struct vpmu_vcpu *v = m->private;
	const struct vpmu_vcpu_lbr *l = &v->lbr;

	/* Racy reads of small fields: a diagnostic, one step behind at worst. */
	if (!READ_ONCE(l->on)) {
		seq_puts(m, "KVM's own vLBR\n");
		return 0;
	}
	seq_printf(m, "policy %s\nhysteresis %u\nversion %u\nevent %d\nkvm_event %s\nlegacy_frozen %d\nlbr_frz %d\nidle_sched_ins %u\nguest_debugctl %#llx\nhw_debugctl %#llx\n",
		   vpmu_lbr_policy_name(l->m.policy), l->m.hysteresis_k,
		   l->m.version, l->m.event,
		   vpmu_lbr_kvm_names[READ_ONCE(l->kvm)], l->m.legacy_frozen,
		   l->m.lbr_frz, l->m.idle_sched_ins, l->m.guest_debugctl,
		   vpmu_lbr_hw_debugctl(&l->m));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_lbr);

void vpmu_lbr_debugfs(struct vpmu_vcpu *v)
{
	debugfs_create_file("lbr", 0444, v->dir, v, &vpmu_lbr_fops);
}
