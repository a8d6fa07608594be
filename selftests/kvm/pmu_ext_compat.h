/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test harness of every KVM test here, the same on the KVM selftest
 * libraries of Linux 6.1 and 6.12: the kernel's kselftest_harness.h, and
 * the fixture "pmu", a VM with one vCPU made fresh for each case.  6.12's
 * library has that fixture (KVM_ONE_VCPU_TEST_SUITE(), 6.9+); for 6.1 it
 * is written out, with the IDT that libraries before 6.10 leave to the
 * test.  kvm-selftests.mk says which library this is.
 */
#ifndef PMU_EXT_COMPAT_H
#define PMU_EXT_COMPAT_H

#include "kvm_util.h"
#include "processor.h"

#ifdef PMU_EXT_LIB_HAS_KVM_TEST_HARNESS
#include "kvm_test_harness.h"
#else
/* 6.1's own ASSERT_EQ() (TEST_ASSERT_EQ() since 6.2) yields to the harness's. */
#undef ASSERT_EQ
#include "kselftest_harness.h"

/*
 * The harness ends each case with _exit(): what a case printed to a
 * buffered stdout is lost.  6.12's library unbuffers it at start-up.
 */
static void __attribute__((constructor)) pmu_ext_unbuffer_stdout(void)
{
	setbuf(stdout, NULL);
}

static inline void vcpu_arch_set_entry_point(struct kvm_vcpu *vcpu,
					     void *guest_code)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rip = (unsigned long)guest_code;
	vcpu_regs_set(vcpu, &regs);
}
#endif

/* A VM with one vCPU and, on every library, an IDT. */
static inline struct kvm_vm *pmu_ext_vm_create(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, NULL);

#ifdef PMU_EXT_LIB_IDT_BY_TEST
	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(*vcpu);
#endif
	return vm;
}

/*
 * Not a macro taking the suite's name, as in 6.12: checkpatch refuses a
 * macro that expands to several definitions, so every program shares
 * this one name and adds its own FIXTURE_VARIANT(pmu) and TEST_F(pmu, ...).
 */
#ifdef PMU_EXT_LIB_HAS_KVM_TEST_HARNESS
KVM_ONE_VCPU_TEST_SUITE(pmu);
#else
FIXTURE(pmu) {
	struct kvm_vcpu *vcpu;
};

FIXTURE_SETUP(pmu)
{
	pmu_ext_vm_create(&self->vcpu);
}

FIXTURE_TEARDOWN(pmu)
{
	kvm_vm_free(self->vcpu->vm);
}
#endif

#endif /* PMU_EXT_COMPAT_H */
