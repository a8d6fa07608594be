/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's state of one vCPU: created when KVM creates the vCPU while
 * the module is loaded, found from any wrapper without a lock, freed with
 * the vCPU.  Documentation/design.rst, "Per-vCPU state", has the argument.
 */
#ifndef VPMU_KVM_VCPU_H
#define VPMU_KVM_VCPU_H

#include <linux/compiler.h>
#include <linux/hashtable.h>
#include <linux/lockdep.h>
#include <linux/rculist.h>
#include <linux/types.h>

#include <vpmu/caps.h>
#include <vpmu/pebs.h>
#include <vpmu/lbr.h>

struct dentry;
struct kvm_vcpu;
struct vpmu_vm;

/*
 * Per-vCPU counters, shown in debugfs.  Each is written by one context of
 * its vCPU at a time; readers may see a count one behind.
 */
enum vpmu_stat {
	VPMU_STAT_VMENTRIES,	/* VM-entries seen by the switch-list wrapper */
	VPMU_STAT_CPUID_REPAIRS, /* refreshes that repaired CPUID.0AH */
	VPMU_STAT_STATUS_SETS,	/* GLOBAL_STATUS_SET writes served */
	VPMU_STAT_LBR_CREATES,	/* vLBR events created (by KVM or the module) */
	VPMU_STAT_LBR_RELEASES,	/* vLBR events released */
	VPMU_STAT_LBR_FREEZES,	/* LBR stack freezes (PMI or STATUS_SET) */
	VPMU_STAT_NR,
};

/* Things said once per VM (vpmu_vcpu_vm_once()). */
enum vpmu_vm_once {
	VPMU_VM_WARNED_CPUID,
};

/*
 * What the vLBR glue knows of KVM's vLBR event, which only KVM's internal
 * lbr_desc holds: enough to tell whether hardware may record.
 */
enum vpmu_lbr_kvm {
	VPMU_LBR_KVM_IDLE,	/* none, or not known to run: LBR must stay off */
	VPMU_LBR_KVM_ACTIVE,	/* it exists and host perf ran it when seen */
	VPMU_LBR_KVM_UNSURE,	/* KVM just made it; whether it runs is not known */
};

/**
 * struct vpmu_vcpu_lbr - the vLBR of a vCPU (src/kvm/lbr.c)
 * @m: the machine (include/vpmu/lbr.h); stepped with interrupts off
 * @on: the module runs it: feature lbr, LBR virtualized for the vCPU, and
 *	the vCPU holds the module
 * @kvm: enum vpmu_lbr_kvm
 * @create: the machine asked for the event; made in process context
 * @cause: enum vpmu_lbr_event_type of the last step, for the tracepoints
 */
struct vpmu_vcpu_lbr {
	struct vpmu_lbr m;
	bool on;
	u8 kvm;
	bool create;
	u8 cause;
};

/**
 * struct vpmu_vcpu_pebs - guest PEBS as the VM-entry wrapper saw it
 *	(src/kvm/pebs.c); written only there, interrupts off
 * @loads: VM-entries by the number of MSRs their switch list loaded
 * @saved: MSR loads the refinement took off perf's lists
 * @denied_entries: VM-entries where a counter the guest enabled with PEBS
 *	could not run PEBS in it
 * @denied: those counters at the last VM-entry
 */
struct vpmu_vcpu_pebs {
	unsigned long loads[VPMU_SWITCH_MAX + 1];
	unsigned long saved;
	unsigned long denied_entries;
	u64 denied;
};

/**
 * struct vpmu_vcpu - what the module keeps per vCPU
 * @node: entry of the lookup table, keyed by @vcpu
 * @vcpu: the vCPU
 * @vm: its VM's entry (debugfs directory, vCPU count)
 * @dir: debugfs directory ``vcpu<id>``, or an error pointer
 * @pinned: the vCPU depends on the module's semantics and holds a
 *	reference on the module
 * @v5: the module serves the guest's PMU version and fixed counters
 *	(pmu_v5): @caps is what the guest was given
 * @caps: the effective CPUID.0AH: the guest's, repaired, clamped to the
 *	host and max_version
 * @caps_features: enum vpmu_feature bits of the guest (DS)
 * @stats: counters, indexed by enum vpmu_stat
 * @pebs: guest PEBS at VM-entry (pebs)
 * @rcu: deferred free, for lookups that raced with the removal
 * @lbr: the vLBR (feature lbr)
 *
 * Bytes per vCPU: Documentation/design.rst, "Per-vCPU state".
 */
struct vpmu_vcpu {
	struct hlist_node node;
	struct kvm_vcpu *vcpu;
	struct vpmu_vm *vm;
	struct dentry *dir;
	bool pinned;
	bool v5;
	struct vpmu_caps caps;
	unsigned int caps_features;
	unsigned long stats[VPMU_STAT_NR];
	struct vpmu_vcpu_pebs pebs;
	struct rcu_head rcu;
	struct vpmu_vcpu_lbr lbr;
};

#define VPMU_VCPU_HASH_BITS	10

extern DECLARE_HASHTABLE(vpmu_vcpu_table, VPMU_VCPU_HASH_BITS);

/**
 * vpmu_vcpu_find_atomic() - the state of @vcpu, with interrupts off
 * @vcpu: any vCPU
 *
 * No lock, no fence, no call: a hash of the pointer and a walk of one
 * bucket.  Interrupts (or preemption) off make this an RCU reader, and
 * state is freed only after a grace period.  The state of @vcpu itself
 * lives until @vcpu is freed, so it may be used for as long as @vcpu.
 *
 * Return: the state, or NULL when @vcpu has none.
 */
static __always_inline struct vpmu_vcpu *
vpmu_vcpu_find_atomic(const struct kvm_vcpu *vcpu)
{
	struct vpmu_vcpu *v;

	hash_for_each_possible_rcu(vpmu_vcpu_table, v, node,
				   (unsigned long)vcpu, !preemptible())
		if (v->vcpu == vcpu)
			return v;
	return NULL;
}

/**
 * vpmu_vcpu_find() - the state of @vcpu, from any context but NMI
 * @vcpu: any vCPU
 *
 * Return: the state, or NULL when @vcpu has none.
 */
static inline struct vpmu_vcpu *vpmu_vcpu_find(const struct kvm_vcpu *vcpu)
{
	struct vpmu_vcpu *v;

	rcu_read_lock();
	v = vpmu_vcpu_find_atomic(vcpu);
	rcu_read_unlock();
	return v;
}

/**
 * vpmu_vcpu_stat_inc() - count one event of a vCPU
 * @v: the state
 * @stat: enum vpmu_stat
 */
static __always_inline void vpmu_vcpu_stat_inc(struct vpmu_vcpu *v,
					       enum vpmu_stat stat)
{
	WRITE_ONCE(v->stats[stat], v->stats[stat] + 1);
}

/**
 * vpmu_vcpu_setup() - get ready to keep per-vCPU state
 * @debugfs_root: where the per-VM directories go, or an error pointer
 */
void vpmu_vcpu_setup(struct dentry *debugfs_root);

/**
 * vpmu_vcpu_create() - state for a vCPU KVM has just created
 * @vcpu: the vCPU, after the vendor's vcpu_create succeeded
 *
 * Process context.  On allocation failure the vCPU keeps KVM's behaviour
 * and one rate-limited line names its VM's pid.
 *
 * Return: the new state, or NULL.
 */
struct vpmu_vcpu *vpmu_vcpu_create(struct kvm_vcpu *vcpu);

/**
 * vpmu_vcpu_free() - forget a vCPU KVM is freeing
 * @vcpu: the vCPU, before the vendor's vcpu_free
 *
 * Process context.  Drops the module reference of a pinned vCPU.
 *
 * Return: true if @vcpu had state.
 */
bool vpmu_vcpu_free(struct kvm_vcpu *vcpu);

/**
 * vpmu_vcpu_pin() - say whether a vCPU depends on the module
 * @v: the state
 * @depends: the guest was given semantics that go away with the module
 *
 * A dependent vCPU holds a reference on the module, so that rmmod says
 * "in use" until it is freed.  Process context.
 *
 * Return: true if @v is pinned as @depends asks; false when @depends but
 * the module is being unloaded: the vCPU must then keep KVM's behaviour.
 */
bool vpmu_vcpu_pin(struct vpmu_vcpu *v, bool depends);

/**
 * vpmu_vcpu_vm_once() - the first time for this VM?
 * @v: a vCPU of the VM
 * @what: enum vpmu_vm_once
 *
 * Return: true the first time it is asked for @what and @v's VM.
 */
bool vpmu_vcpu_vm_once(struct vpmu_vcpu *v, enum vpmu_vm_once what);

/**
 * vpmu_vcpu_free_all() - forget every vCPU; at unload, hooks removed
 */
void vpmu_vcpu_free_all(void);

/**
 * vpmu_vcpu_count() - vCPUs with state, and how many of them are pinned
 * @pinned: set to the number of pinned ones; may be NULL
 *
 * Return: the number of vCPUs with state.
 */
unsigned int vpmu_vcpu_count(unsigned int *pinned);

#ifdef VPMU_GLUE_TEST
/* KUnit only: make the next vpmu_vcpu_create() fail its allocation. */
extern bool vpmu_vcpu_fail_next_alloc;
#endif

#endif /* VPMU_KVM_VCPU_H */
