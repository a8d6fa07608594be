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

/* What the hardware LBR stack holds: the guest's records count up from 1. */
#define BENCH_LBR_EMPTY		0ULL		/* reset by host perf */
#define BENCH_LBR_HOST		(~0ULL)		/* host perf's records */
#define BENCH_LBR_OTHER		(~1ULL)		/* another vCPU's */

/**
 * struct bench_lbr - KVM's vLBR of the bench's vCPU with LBR (one at a
 *	time), the host perf event behind it and the LBR hardware
 * @enabled: intel_pmu_lbr_is_enabled(): the last refresh gave LBR
 * @debugctl: GUEST_IA32_DEBUGCTL in the VMCS
 * @event: lbr_desc.event exists
 * @active: host perf runs it (PERF_EVENT_STATE_ACTIVE)
 * @error: host perf could not schedule it (pinned): ERROR until released
 * @reclaimed: a pinned host LBR event holds the LBR of the vCPU's CPU
 * @passthrough: lbr_desc.msr_passthrough, as the last VM-entry left it
 * @create_fails: perf_event_create_kernel_counter() fails
 * @saved: host perf saved the guest's stack at the last sched-out
 * @saved_stack: what it saved
 * @stack: the newest record of the hardware stack
 * @token: the guest's last run of branches, recorded or not
 * @pmi_hardirq: intel_pmu_deliver_pmi() last ran in hardirq
 * @saves: stacks host perf saved at a sched-out (and restores at sched-in)
 * @creates: events created
 * @releases: events released
 * @cleanups: intel_pmu_cleanup() calls
 * @debugctl_writes: vmx_set_msr() writes of DEBUGCTL
 * @lbr_msrs: LBR MSR accesses through the PMU op
 * @atomic_creates: creations with interrupts off or in hardirq: a sleep
 *	in atomic context
 * @warns: vmx_passthrough_lbr_msrs()'s "fail to passthrough LBR"
 * @foreign: guest runs that recorded while the event did not own the LBR
 */
struct bench_lbr {
	bool enabled;
	u64 debugctl;
	bool event;
	bool active;
	bool error;
	bool reclaimed;
	bool passthrough;
	bool create_fails;
	bool saved;
	u64 saved_stack;
	u64 stack;
	u64 token;
	bool pmi_hardirq;
	unsigned int saves;
	unsigned int creates;
	unsigned int releases;
	unsigned int cleanups;
	unsigned int debugctl_writes;
	unsigned int lbr_msrs;
	unsigned int atomic_creates;
	unsigned int warns;
	unsigned int foreign;
};

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
 * @lbr: the vLBR
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
	struct bench_lbr lbr;
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

/*
 * The x86 MSR path, kvm_{get,set}_msr(): the get_msr/set_msr wrappers,
 * vmx_{get,set}_msr() (DEBUGCTL in the VMCS), and for the PMU MSRs
 * bench_msr().  0, or 1 for a #GP.
 */
int bench_rdmsr(struct kvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int bench_wrmsr(struct kvm_vcpu *vcpu, u32 index, u64 data, bool host);
/*
 * The guest runs: VM-entry (vmx_passthrough_lbr_msrs()), then branches
 * (a new bench.lbr.token), recorded while hardware's DEBUGCTL.LBR is set.
 * Returns the newest record, or BENCH_LBR_EMPTY when nothing was recorded.
 */
u64 bench_guest_run(struct kvm_vcpu *vcpu);
/* The guest reads its stack (LBR_TOS stands for it): direct or through KVM. */
u64 bench_guest_read(struct kvm_vcpu *vcpu);
/*
 * The vCPU thread is preempted (host perf saves the guest's stack) and
 * @other records into the LBRs meanwhile, unless it is BENCH_LBR_EMPTY.
 */
void bench_sched_out(struct kvm_vcpu *vcpu, u64 other);
/*
 * It runs again: host perf schedules the event back in, KVM sets
 * need_cleanup (kvm_arch_sched_in(), kvm_arch_vcpu_load()) and runs
 * kvm_pmu_cleanup() from KVM_REQ_PMU, as kvm_pmu_handle_event() does.
 */
void bench_sched_in(struct kvm_vcpu *vcpu);
/* A pinned host LBR event appears on the vCPU's CPU (@on), or goes. */
void bench_reclaim(bool on);
/* Counter 0 overflowed: its status bit, and KVM_REQ_PMI delivers the PMI. */
void bench_pmi(struct kvm_vcpu *vcpu);
/* The same from irq_work, as 6.1 may; returns whether it ran in hardirq. */
bool bench_pmi_irq(struct kvm_vcpu *vcpu);
/* @fn(@vcpu) from an irq_work; returns whether it ran in hardirq. */
bool bench_hardirq(struct kvm_vcpu *vcpu, void (*fn)(struct kvm_vcpu *vcpu));
/* kvm_pmu_reset(): 6.12's generic part, then the op, wrapped. */
void bench_pmu_reset(struct kvm_vcpu *vcpu);

#endif /* VPMU_GLUE_BENCH_H */
