// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU state: its lifetime, its lookup table, the per-VM debugfs
 * directories and the module reference of vCPUs that depend on us.  Knows
 * nothing about PMUs, so the live test runs it against kvm_amd.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kvm_host.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vcpu.h"

/**
 * struct vpmu_vm - a VM that has vCPUs with state
 * @node: entry of vpmu_vms
 * @kvm: the VM
 * @nr_vcpus: its vCPUs with state; the entry goes with the last one
 * @dir: debugfs directory, named like KVM's own ("<pid>-<fd>"), or an
 *	error pointer
 * @once: enum vpmu_vm_once bits already used
 */
struct vpmu_vm {
	struct list_head node;
	struct kvm *kvm;
	unsigned int nr_vcpus;
	struct dentry *dir;
	unsigned long once;
};

DEFINE_HASHTABLE(vpmu_vcpu_table, VPMU_VCPU_HASH_BITS);

/* Writers of the table and of vpmu_vms; all run in process context. */
static DEFINE_MUTEX(vpmu_vcpu_lock);
static LIST_HEAD(vpmu_vms);
static unsigned int vpmu_vm_seq;
static struct dentry *vpmu_vcpu_debugfs;

#ifdef VPMU_GLUE_TEST
bool vpmu_vcpu_fail_next_alloc;
#endif

static const char *const vpmu_stat_names[VPMU_STAT_NR] = {
	[VPMU_STAT_VMENTRIES] = "vmentries",
	[VPMU_STAT_CPUID_REPAIRS] = "cpuid_repairs",
	[VPMU_STAT_STATUS_SETS] = "status_sets",
	[VPMU_STAT_LBR_CREATES] = "lbr_creates",
	[VPMU_STAT_LBR_RELEASES] = "lbr_releases",
	[VPMU_STAT_LBR_FREEZES] = "lbr_freezes",
};

static int vpmu_vcpu_stats_show(struct seq_file *m, void *unused)
{
	struct vpmu_vcpu *v = m->private;
	unsigned int i;

	for (i = 0; i < VPMU_STAT_NR; i++)
		seq_printf(m, "%s %lu\n", vpmu_stat_names[i],
			   READ_ONCE(v->stats[i]));
	seq_printf(m, "pinned %d\n", READ_ONCE(v->pinned));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_vcpu_stats);

void vpmu_vcpu_setup(struct dentry *debugfs_root)
{
	vpmu_vcpu_debugfs = debugfs_root;
}

/* The pid of the VMM that created @kvm. */
static pid_t vpmu_vm_pid(const struct kvm *kvm)
{
	return kvm->userspace_pid ? kvm->userspace_pid : task_tgid_nr(current);
}

static struct vpmu_vm *vpmu_vm_get(struct kvm *kvm)
{
	struct vpmu_vm *vm;
	char name[48];

	lockdep_assert_held(&vpmu_vcpu_lock);
	list_for_each_entry(vm, &vpmu_vms, node) {
		if (vm->kvm == kvm) {
			vm->nr_vcpus++;
			return vm;
		}
	}
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return NULL;
	vm->kvm = kvm;
	vm->nr_vcpus = 1;
	/* KVM's own directory name is "<pid>-<fd>": reuse it when it exists. */
	if (!IS_ERR_OR_NULL(kvm->debugfs_dentry))
		snprintf(name, sizeof(name), "%pd", kvm->debugfs_dentry);
	else
		snprintf(name, sizeof(name), "%d-vm%u", vpmu_vm_pid(kvm),
			 vpmu_vm_seq);
	vpmu_vm_seq++;
	vm->dir = IS_ERR_OR_NULL(vpmu_vcpu_debugfs) ? ERR_PTR(-ENOENT) :
		  debugfs_create_dir(name, vpmu_vcpu_debugfs);
	list_add(&vm->node, &vpmu_vms);
	return vm;
}

static void vpmu_vm_put(struct vpmu_vm *vm)
{
	lockdep_assert_held(&vpmu_vcpu_lock);
	if (--vm->nr_vcpus)
		return;
	list_del(&vm->node);
	debugfs_remove_recursive(vm->dir);
	kfree(vm);
}

struct vpmu_vcpu *vpmu_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct vpmu_vcpu *v = NULL;
	char name[24];

	might_sleep();
#ifdef VPMU_GLUE_TEST
	if (!xchg(&vpmu_vcpu_fail_next_alloc, false))
#endif
		v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	mutex_lock(&vpmu_vcpu_lock);
	if (v) {
		v->vm = vpmu_vm_get(vcpu->kvm);
		if (!v->vm) {
			kfree(v);
			v = NULL;
		}
	}
	if (!v) {
		mutex_unlock(&vpmu_vcpu_lock);
		pr_warn_ratelimited("vCPU %d of VM pid %d: no memory for its state; it keeps KVM's vPMU\n",
				    vcpu->vcpu_id, vpmu_vm_pid(vcpu->kvm));
		return NULL;
	}
	v->vcpu = vcpu;
	v->dir = ERR_PTR(-ENOENT);
	if (!IS_ERR_OR_NULL(v->vm->dir)) {
		snprintf(name, sizeof(name), "vcpu%d", vcpu->vcpu_id);
		v->dir = debugfs_create_dir(name, v->vm->dir);
		debugfs_create_file("stats", 0444, v->dir, v,
				    &vpmu_vcpu_stats_fops);
	}
	hash_add_rcu(vpmu_vcpu_table, &v->node, (unsigned long)vcpu);
	mutex_unlock(&vpmu_vcpu_lock);
	return v;
}

/* Unlink and free one state; the caller holds vpmu_vcpu_lock. */
static void vpmu_vcpu_release(struct vpmu_vcpu *v)
{
	hash_del_rcu(&v->node);
	/* No stats reader is left once the file is gone. */
	debugfs_remove_recursive(v->dir);
	vpmu_vm_put(v->vm);
	if (v->pinned)
		module_put(THIS_MODULE);
	kfree_rcu(v, rcu);
}

bool vpmu_vcpu_free(struct kvm_vcpu *vcpu)
{
	struct vpmu_vcpu *v;

	mutex_lock(&vpmu_vcpu_lock);
	hash_for_each_possible_rcu(vpmu_vcpu_table, v, node,
				   (unsigned long)vcpu,
				   lockdep_is_held(&vpmu_vcpu_lock))
		if (v->vcpu == vcpu)
			break;
	if (v)
		vpmu_vcpu_release(v);
	mutex_unlock(&vpmu_vcpu_lock);
	return v;
}

bool vpmu_vcpu_pin(struct vpmu_vcpu *v, bool depends)
{
	bool ok = true;

	mutex_lock(&vpmu_vcpu_lock);
	if (depends && !v->pinned) {
		/* Fails once rmmod has begun: too late to depend on us. */
		ok = try_module_get(THIS_MODULE);
		WRITE_ONCE(v->pinned, ok);
	} else if (!depends && v->pinned) {
		WRITE_ONCE(v->pinned, false);
		module_put(THIS_MODULE);
	}
	mutex_unlock(&vpmu_vcpu_lock);
	return ok;
}

void vpmu_vcpu_free_all(void)
{
	struct hlist_node *tmp;
	struct vpmu_vcpu *v;
	unsigned int bkt;

	mutex_lock(&vpmu_vcpu_lock);
	hash_for_each_safe(vpmu_vcpu_table, bkt, tmp, v, node) {
		/* A pinned vCPU holds the module: unload cannot be here. */
		WARN_ON_ONCE(v->pinned);
		v->pinned = false;
		vpmu_vcpu_release(v);
	}
	mutex_unlock(&vpmu_vcpu_lock);
}

bool vpmu_vcpu_vm_once(struct vpmu_vcpu *v, enum vpmu_vm_once what)
{
	return !test_and_set_bit(what, &v->vm->once);
}

unsigned int vpmu_vcpu_count(unsigned int *pinned)
{
	struct vpmu_vcpu *v;
	unsigned int bkt, n = 0, p = 0;

	mutex_lock(&vpmu_vcpu_lock);
	hash_for_each(vpmu_vcpu_table, bkt, v, node) {
		n++;
		p += v->pinned;
	}
	mutex_unlock(&vpmu_vcpu_lock);
	if (pinned)
		*pinned = p;
	return n;
}
