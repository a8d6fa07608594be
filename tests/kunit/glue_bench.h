/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The glue test bench: fake vCPUs built from the real header structs and
 * filled the way KVM fills them, and fake originals that do what KVM does
 * on each hooked path (each names the KVM function it stands for).  The
 * glue suites call the real wrappers, whose originals the bench points at
 * the fakes through the same static calls the hook engine sets.
 */
#ifndef VPMU_GLUE_BENCH_H
#define VPMU_GLUE_BENCH_H

#define VPMU_GLUE_TEST
#include <kunit/test.h>
#include <linux/kvm_host.h>

#include "../../src/kvm/glue.h"
#include "../../src/kvm/vcpu.h"
#include "../user/pebs_models.h"

/**
 * struct bench - what the fake originals saw and what they do next
 * @vcpu_create_ret: what the next vcpu_create returns
 * @refresh_lbr: the next refresh virtualizes LBR (bit 58 of
 *	all_valid_pmc_idx), as KVM does when the guest's PERF_CAPABILITIES
 *	has an LBR format
 * @calls: calls per fake, indexed by enum bench_fake
 * @last_vcpu: the vCPU of the last call
 * @state_at_free: the vCPU still had module state when vcpu_free ran
 * @msr: what the fake perf returns from guest_get_msrs: one entry
 * @pebs: perf's state on this CPU: guest_get_msrs returns the list a
 *	model of intel_guest_get_msrs() builds from it and the vCPU's
 *	kvm_pmu (tests/user/pebs_models.h), instead of @msr
 * @pebs61: that model is 6.1's, else 6.12's
 * @perf_null: guest_get_msrs returns NULL (a host without a PMU driver)
 * @perf_extra: entries appended to the model's list
 * @perf_list: the list guest_get_msrs returned
 * @cpl: what kvm_x86_get_cpl returns
 * @read_local_ret: what perf_event_read_local() returns (0 or an errno)
 * @irqs_off_calls: calls of reprogram_counter() or perf_event_read_value()
 *	made with interrupts off (never right: both may sleep)
 */
struct bench {
	int vcpu_create_ret;
	bool refresh_lbr;
	unsigned int calls[32];
	struct kvm_vcpu *last_vcpu;
	bool state_at_free;
	struct perf_guest_switch_msr msr;
	const struct pebs_perf *pebs;
	bool pebs61;
	bool perf_null;
	unsigned int perf_extra;
	struct vpmu_switch_msr perf_list[VPMU_SWITCH_MAX + 2];
	int cpl;
	int read_local_ret;
	unsigned int irqs_off_calls;
};

enum bench_fake {
	BENCH_VCPU_CREATE,
	BENCH_VCPU_FREE,
	BENCH_PMU_IS_VALID_MSR,
	BENCH_PMU_GET_MSR,
	BENCH_PMU_SET_MSR,
	BENCH_PMU_REFRESH,
	BENCH_PMU_RESET,
	BENCH_PMU_DELIVER_PMI,
	BENCH_PMU_CLEANUP,
	BENCH_GET_MSR,
	BENCH_SET_MSR,
	BENCH_GUEST_GET_MSRS,
	BENCH_TRIGGER_EVENT,
	BENCH_REPROGRAM_COUNTER,
	BENCH_READ_VALUE,
	BENCH_READ_LOCAL,
	BENCH_NR,
};

extern struct bench bench;

/*
 * The bench's host: CPUID.0AH of a version 5 PMU with 8 GP and 3 fixed
 * counters of 48 bits (ECX lists fixed 0-2), and kvm_pmu_cap as KVM
 * derives it (version capped at 2).
 */
extern const u32 bench_host_0a[4];
extern const struct x86_pmu_capability bench_kvm_pmu_cap;

/* Every feature on, default parameters; fakes wired; state cleared. */
int bench_init(struct kunit *test);
/* Frees every module state left (a failed test's too). */
void bench_exit(struct kunit *test);

struct kvm *bench_vm(struct kunit *test, pid_t pid);
/* A vCPU as kvm_vm_ioctl_create_vcpu() has it before vcpu_create. */
struct kvm_vcpu *bench_vcpu(struct kunit *test, struct kvm *kvm, int id);
/* KVM_SET_CPUID2's entries 0x1 and 0xA, before KVM's refresh. */
void bench_set_cpuid(struct kvm_vcpu *vcpu, u32 cpuid1_edx, const u32 regs_0a[4]);
/*
 * A guest RDMSR (@write false) or WRMSR of a PMU MSR, or the VMM's with
 * @host: kvm_{get,set}_msr_common()'s path through
 * kvm_pmu_is_valid_msr() and kvm_pmu_{get,set}_msr() (6.12 serves the
 * global MSRs before the op).  Returns 0, or 1 for a #GP.
 */
int bench_msr(struct kvm_vcpu *vcpu, bool write, u32 index, u64 *data,
	      bool host);
/* kvm_pmu_rdpmc(): 0, or 1 for a #GP. */
int bench_rdpmc(struct kvm_vcpu *vcpu, unsigned int ecx);
/* kvm_pmu_refresh(): 6.12's generic part around the op, the op wrapped. */
void bench_kvm_refresh(struct kvm_vcpu *vcpu);
/* kvm_arch_vcpu_create()'s vendor step, through the wrapper. */
int bench_vcpu_create(struct kvm_vcpu *vcpu);
/* kvm_arch_vcpu_destroy(): vcpu_free, then the PMU reset (pmu destroy). */
void bench_vcpu_destroy(struct kvm_vcpu *vcpu);
/*
 * KVM_SET_CPUID2 of a @version PMU with the host's counters (and LBR
 * when @lbr), ending in kvm_pmu_refresh().
 */
void bench_refresh(struct kvm_vcpu *vcpu, u8 version, bool lbr);
/* vmx_vcpu_run()'s atomic_switch_perf_msrs(): interrupts off, the wrapper. */
struct perf_guest_switch_msr *bench_vmentry(struct kvm_vcpu *vcpu, int *nr);
/*
 * kvm_pmu_handle_event() for KVM_REQ_PMU: reprogram_counter() on each
 * counter of reprogram_pmi.  Returns the number of counters re-armed.
 */
unsigned int bench_handle_pmu_event(struct kvm_vcpu *vcpu);

#endif /* VPMU_GLUE_BENCH_H */
