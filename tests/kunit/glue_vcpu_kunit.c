// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_vcpu": the per-vCPU state through the wrappers,
 * on fake vCPUs (glue_bench.h).  The contract (src/kvm/vcpu.h): state for
 * vCPUs KVM creates while the module is loaded, none for those it created
 * before, gone before the vendor's vcpu_free runs, found without a lock
 * from every context a wrapper runs in, and a module reference held
 * exactly while the guest depends on the module.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/namei.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"

/* A vCPU created through the wrapper, with state. */
static struct kvm_vcpu *vcpu_with_state(struct kunit *test, struct kvm *kvm,
					int id)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, kvm, id);

	KUNIT_ASSERT_EQ(test, bench_vcpu_create(vcpu), 0);
	KUNIT_ASSERT_NOT_NULL(test, vpmu_vcpu_find(vcpu));
	return vcpu;
}

static void vcpu_test_create(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 100), 0);

	KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu));
	KUNIT_EXPECT_EQ(test, bench_vcpu_create(vcpu), 0);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_VCPU_CREATE], 1U);
	KUNIT_EXPECT_PTR_EQ(test, bench.last_vcpu, vcpu);
	KUNIT_EXPECT_NOT_NULL(test, vpmu_vcpu_find(vcpu));
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 1U);
}

/* vmx_vcpu_create() failing: KVM never calls vcpu_free, so no state. */
static void vcpu_test_create_fails(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 100), 0);

	bench.vcpu_create_ret = -ENOMEM;
	KUNIT_EXPECT_EQ(test, bench_vcpu_create(vcpu), -ENOMEM);
	KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu));
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 0U);
}

/* No memory for the state: the vCPU is created and keeps KVM's vPMU. */
static void vcpu_test_alloc_fails(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 100), 0);

	vpmu_vcpu_fail_next_alloc = true;
	KUNIT_EXPECT_EQ(test, bench_vcpu_create(vcpu), 0);
	KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu));
	/* The wrappers call straight through for it. */
	bench_refresh(vcpu, 5, true);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_PMU_REFRESH], 1U);
	KUNIT_EXPECT_EQ(test, vcpu->arch.pmu.version, 5);
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 0U);
	bench_vcpu_destroy(vcpu);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_VCPU_FREE], 1U);
}

/* A vCPU KVM created before the load: no state, whatever happens later. */
static void vcpu_test_before_load(struct kunit *test)
{
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 100), 0);
	unsigned int pinned;

	bench_refresh(vcpu, 5, true);
	KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu));
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(&pinned), 0U);
	KUNIT_EXPECT_EQ(test, pinned, 0U);
	bench_vcpu_destroy(vcpu);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_VCPU_FREE], 1U);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_PMU_RESET], 1U);
}

/*
 * kvm_arch_vcpu_destroy() calls vcpu_free and only then the PMU reset:
 * the state must be gone before the vendor's vcpu_free, and the reset
 * that follows must find none.
 */
static void vcpu_test_free(struct kunit *test)
{
	struct kvm_vcpu *vcpu = vcpu_with_state(test, bench_vm(test, 100), 0);

	bench.state_at_free = true;
	bench_vcpu_destroy(vcpu);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_VCPU_FREE], 1U);
	KUNIT_EXPECT_FALSE(test, bench.state_at_free);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_PMU_RESET], 1U);
	KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu));
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 0U);
}

/* Many vCPUs in two VMs: each finds its own, freeing some keeps the rest. */
static void vcpu_test_many(struct kunit *test)
{
	struct kvm *kvm[2] = { bench_vm(test, 100), bench_vm(test, 200) };
	struct kvm_vcpu **vcpu = kunit_kcalloc(test, 64, sizeof(*vcpu), GFP_KERNEL);
	struct vpmu_vcpu **v = kunit_kcalloc(test, 64, sizeof(*v), GFP_KERNEL);
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < 64; i++) {
		vcpu[i] = vcpu_with_state(test, kvm[i & 1], i / 2);
		v[i] = vpmu_vcpu_find(vcpu[i]);
	}
	for (i = 0; i < 64; i++)
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, v[i], v[j]);
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 64U);
	for (i = 0; i < 64; i += 3)
		bench_vcpu_destroy(vcpu[i]);
	for (i = 0; i < 64; i++) {
		if (i % 3)
			KUNIT_EXPECT_PTR_EQ(test, vpmu_vcpu_find(vcpu[i]), v[i]);
		else
			KUNIT_EXPECT_NULL(test, vpmu_vcpu_find(vcpu[i]));
	}
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(NULL), 64U - 22);
}

/* ---- lookup from every context a wrapper runs in ---------------------- */

static struct vpmu_vcpu *vcpu_irq_found;

static void vcpu_irq_lookup(struct kvm_vcpu *vcpu)
{
	vcpu_irq_found = vpmu_vcpu_find_atomic(vcpu);
}

static void vcpu_test_lookup_contexts(struct kunit *test)
{
	struct kvm_vcpu *vcpu = vcpu_with_state(test, bench_vm(test, 100), 0);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	unsigned long flags;

	/* Process context, preemptible. */
	KUNIT_EXPECT_PTR_EQ(test, vpmu_vcpu_find(vcpu), v);

	/* Interrupts off. */
	local_irq_save(flags);
	KUNIT_EXPECT_PTR_EQ(test, vpmu_vcpu_find_atomic(vcpu), v);
	local_irq_restore(flags);

	/* Hard interrupt: 6.1 delivers PMIs from an irq_work. */
	vcpu_irq_found = NULL;
	KUNIT_EXPECT_TRUE(test, bench_hardirq(vcpu, vcpu_irq_lookup));
	KUNIT_EXPECT_PTR_EQ(test, vcpu_irq_found, v);
}

/*
 * The VM-entry path: perf_guest_get_msrs() with interrupts off, @data the
 * vCPU's struct kvm_pmu.  The wrapper returns perf's list untouched and
 * counts the entry for a vCPU with state only.
 */
static void vcpu_test_vmentry_lookup(struct kunit *test)
{
	struct kvm *kvm = bench_vm(test, 100);
	struct kvm_vcpu *vcpu = vcpu_with_state(test, kvm, 0);
	struct kvm_vcpu *old = bench_vcpu(test, kvm, 1);
	struct vpmu_vcpu *v = vpmu_vcpu_find(vcpu);
	struct perf_guest_switch_msr *arr;
	unsigned long flags;
	int nr = 0, i;

	local_irq_save(flags);
	for (i = 0; i < 3; i++)
		arr = vpmu_wrap_guest_get_msrs(&nr, &vcpu->arch.pmu);
	arr = vpmu_wrap_guest_get_msrs(&nr, &old->arch.pmu);
	local_irq_restore(flags);

	KUNIT_EXPECT_PTR_EQ(test, arr, &bench.msr);
	KUNIT_EXPECT_EQ(test, nr, 1);
	KUNIT_EXPECT_EQ(test, bench.calls[BENCH_GUEST_GET_MSRS], 4U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(v->stats[VPMU_STAT_VMENTRIES]), 3UL);
}

/* ---- pinning: a module reference while the guest depends on us -------- */

struct vcpu_pin_case {
	const char *name;
	unsigned long features;
	u8 version;
	bool lbr;
	bool pinned;
};

static const struct vcpu_pin_case vcpu_pin_cases[] = {
	{ "v2, no LBR", BIT(VPMU_EXT_NR) - 1, 2, false, false },
	{ "v1, no LBR", BIT(VPMU_EXT_NR) - 1, 1, false, false },
	{ "v0", BIT(VPMU_EXT_NR) - 1, 0, false, false },
	{ "v3", BIT(VPMU_EXT_NR) - 1, 3, false, true },
	{ "v4", BIT(VPMU_EXT_NR) - 1, 4, false, true },
	{ "v5", BIT(VPMU_EXT_NR) - 1, 5, false, true },
	{ "v2 with LBR", BIT(VPMU_EXT_NR) - 1, 2, true, true },
	{ "v5 without pmu_v5", BIT(VPMU_EXT_NR) - 1 - BIT(VPMU_EXT_PMU_V5),
	  5, false, false },
	{ "LBR without lbr", BIT(VPMU_EXT_NR) - 1 - BIT(VPMU_EXT_LBR),
	  2, true, false },
	{ "v5 and LBR, features none", 0, 5, true, false },
};

KUNIT_ARRAY_PARAM_DESC(vcpu_pin, vcpu_pin_cases, name);

static void vcpu_test_pin(struct kunit *test)
{
	const struct vcpu_pin_case *c = test->param_value;
	struct kvm_vcpu *vcpu = vcpu_with_state(test, bench_vm(test, 100), 0);
	int ref = module_refcount(THIS_MODULE);
	unsigned int pinned;

	vpmu_cfg.features = c->features;
	bench_refresh(vcpu, c->version, c->lbr);
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_find(vcpu)->pinned, c->pinned);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref + c->pinned);
	KUNIT_EXPECT_EQ(test, vpmu_vcpu_count(&pinned), 1U);
	KUNIT_EXPECT_EQ(test, pinned, (unsigned int)c->pinned);

	/* Refreshing again the same way takes no second reference. */
	bench_refresh(vcpu, c->version, c->lbr);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref + c->pinned);

	/* Freeing the vCPU drops it. */
	bench_vcpu_destroy(vcpu);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref);
}

/* A VMM that sets CPUID again before the first run can undo the pin. */
static void vcpu_test_unpin(struct kunit *test)
{
	struct kvm_vcpu *vcpu = vcpu_with_state(test, bench_vm(test, 100), 0);
	int ref = module_refcount(THIS_MODULE);

	bench_refresh(vcpu, 5, false);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref + 1);
	bench_refresh(vcpu, 2, false);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref);
	KUNIT_EXPECT_FALSE(test, vpmu_vcpu_find(vcpu)->pinned);
	bench_refresh(vcpu, 2, true);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref + 1);
	bench_vcpu_destroy(vcpu);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), ref);
}

/* ---- debugfs: a directory per VM, named like KVM's own ---------------- */

#define GLUE_DIR	"/sys/kernel/debug/vpmu_kunit_glue"
#define VM_DIR		GLUE_DIR "/4242-17"

static bool vcpu_debugfs_has(const char *path)
{
	struct path p;

	if (kern_path(path, LOOKUP_FOLLOW, &p))
		return false;
	path_put(&p);
	return true;
}

static void vcpu_test_debugfs(struct kunit *test)
{
	struct kvm *kvm = bench_vm(test, 4242);
	struct dentry *kvm_dir = debugfs_create_dir("4242-17", NULL);
	struct kvm *other = bench_vm(test, 4243);
	struct kvm_vcpu *a, *b, *c;
	char name[32];

	if (!vcpu_debugfs_has(GLUE_DIR))
		kunit_skip(test, "debugfs is not mounted");
	/* KVM's own "<pid>-<fd>" directory, as kvm_create_vm_debugfs() names it. */
	kvm->debugfs_dentry = kvm_dir;
	a = vcpu_with_state(test, kvm, 0);
	b = vcpu_with_state(test, kvm, 1);
	c = vcpu_with_state(test, other, 3);
	KUNIT_EXPECT_TRUE(test, vcpu_debugfs_has(VM_DIR "/vcpu0/stats"));
	KUNIT_EXPECT_TRUE(test, vcpu_debugfs_has(VM_DIR "/vcpu1/stats"));
	/* No KVM directory: the VMM's pid and a VM number. */
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(vpmu_vcpu_find(c)->dir));
	snprintf(name, sizeof(name), "%pd", vpmu_vcpu_find(c)->dir->d_parent);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(name, "4243-vm"));
	bench_vcpu_destroy(a);
	KUNIT_EXPECT_FALSE(test, vcpu_debugfs_has(VM_DIR "/vcpu0"));
	KUNIT_EXPECT_TRUE(test, vcpu_debugfs_has(VM_DIR "/vcpu1/stats"));
	/* The VM's directory goes with its last vCPU. */
	bench_vcpu_destroy(b);
	KUNIT_EXPECT_FALSE(test, vcpu_debugfs_has(VM_DIR ""));
	bench_vcpu_destroy(c);
	debugfs_remove(kvm_dir);
}

static struct kunit_case vcpu_test_cases[] = {
	KUNIT_CASE(vcpu_test_create),
	KUNIT_CASE(vcpu_test_create_fails),
	KUNIT_CASE(vcpu_test_alloc_fails),
	KUNIT_CASE(vcpu_test_before_load),
	KUNIT_CASE(vcpu_test_free),
	KUNIT_CASE(vcpu_test_many),
	KUNIT_CASE(vcpu_test_lookup_contexts),
	KUNIT_CASE(vcpu_test_vmentry_lookup),
	KUNIT_CASE_PARAM(vcpu_test_pin, vcpu_pin_gen_params),
	KUNIT_CASE(vcpu_test_unpin),
	KUNIT_CASE(vcpu_test_debugfs),
	{}
};

VPMU_KUNIT_SUITE(vpmu_glue_vcpu, vcpu_test_cases, bench_init, bench_exit);
