/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kvm_vpmu_ext, system "kvm_vpmu_ext" (tracefs
 * events/kvm_vpmu_ext/).  Each feature adds its events here.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_vpmu_ext

#if !defined(VPMU_KVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define VPMU_KVM_TRACE_H

#include <linux/kvm_host.h>
#include <linux/tracepoint.h>

#include <vpmu/caps.h>
#include <vpmu/lbr.h>
#include <vpmu/pebs.h>

DECLARE_EVENT_CLASS(kvm_vpmu_ext_vcpu_class,
		    TP_PROTO(struct kvm_vcpu *vcpu, bool state, bool pinned),
		    TP_ARGS(vcpu, state, pinned),
		    TP_STRUCT__entry(__field(pid_t, pid)
				     __field(int, vcpu_id)
				     __field(bool, state)
				     __field(bool, pinned)),
		    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
				   __entry->vcpu_id = vcpu->vcpu_id;
				   __entry->state = state;
				   __entry->pinned = pinned;),
		    TP_printk("pid %d vcpu %d state %d pinned %d",
			      __entry->pid, __entry->vcpu_id, __entry->state,
			      __entry->pinned));

/* KVM created a vCPU; state: the module keeps state for it. */
DEFINE_EVENT(kvm_vpmu_ext_vcpu_class, kvm_vpmu_ext_vcpu_create,
	     TP_PROTO(struct kvm_vcpu *vcpu, bool state, bool pinned),
	     TP_ARGS(vcpu, state, pinned));

/* KVM freed a vCPU; pinned: it held a reference on the module. */
DEFINE_EVENT(kvm_vpmu_ext_vcpu_class, kvm_vpmu_ext_vcpu_free,
	     TP_PROTO(struct kvm_vcpu *vcpu, bool state, bool pinned),
	     TP_ARGS(vcpu, state, pinned));

/* A refresh made the vCPU depend on the module, or stop depending. */
DEFINE_EVENT(kvm_vpmu_ext_vcpu_class, kvm_vpmu_ext_vcpu_pin,
	     TP_PROTO(struct kvm_vcpu *vcpu, bool state, bool pinned),
	     TP_ARGS(vcpu, state, pinned));

/* A refresh decided the guest's PMU (pmu_v5): CPUID.0AH asked and given. */
TRACE_EVENT(kvm_vpmu_ext_cpuid,
	    TP_PROTO(struct kvm_vcpu *vcpu, const u32 *want,
		     const struct vpmu_caps *eff, bool repaired),
	    TP_ARGS(vcpu, want, eff, repaired),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, vcpu_id)
			     __array(u32, want, 4)
			     __array(u32, given, 4)
			     __field(bool, repaired)),
	    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
			   __entry->vcpu_id = vcpu->vcpu_id;
			   memcpy(__entry->want, want, sizeof(__entry->want));
			   vpmu_cpuid_0a_encode(eff, __entry->given);
			   __entry->repaired = repaired;),
	    TP_printk("pid %d vcpu %d cpuid.0a %08x:%08x:%08x:%08x -> %08x:%08x:%08x:%08x%s",
		      __entry->pid, __entry->vcpu_id, __entry->want[0],
		      __entry->want[1], __entry->want[2], __entry->want[3],
		      __entry->given[0], __entry->given[1], __entry->given[2],
		      __entry->given[3],
		      __entry->repaired ? " repaired" : ""));

/* A guest (or its VMM) wrote GLOBAL_STATUS_SET. */
TRACE_EVENT(kvm_vpmu_ext_status_set,
	    TP_PROTO(struct kvm_vcpu *vcpu, u64 value, u64 status),
	    TP_ARGS(vcpu, value, status),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, vcpu_id)
			     __field(u64, value)
			     __field(u64, status)),
	    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
			   __entry->vcpu_id = vcpu->vcpu_id;
			   __entry->value = value;
			   __entry->status = status;),
	    TP_printk("pid %d vcpu %d set %#llx status %#llx", __entry->pid,
		      __entry->vcpu_id, __entry->value, __entry->status));

#ifndef VPMU_KVM_TRACE_LBR_RELEASE
#define VPMU_KVM_TRACE_LBR_RELEASE
/*
 * Why the vLBR event went: the release policy (enum vpmu_lbr_policy) at
 * a sched-in, or one of these.
 */
enum vpmu_lbr_release_why {
	VPMU_LBR_RELEASE_RESET = VPMU_LBR_POLICY_NR,	/* vCPU reset */
	VPMU_LBR_RELEASE_KVM,	/* KVM's cleanup, an event the machine had not */
	VPMU_LBR_RELEASE_HELD,	/* host perf did not run it: replaced */
};
#endif

DECLARE_EVENT_CLASS(kvm_vpmu_ext_lbr_class,
		    TP_PROTO(struct kvm_vcpu *vcpu, int cause, u64 guest, u64 hw),
		    TP_ARGS(vcpu, cause, guest, hw),
		    TP_STRUCT__entry(__field(pid_t, pid)
				     __field(int, vcpu_id)
				     __field(int, cause)
				     __field(u64, guest)
				     __field(u64, hw)),
		    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
				   __entry->vcpu_id = vcpu->vcpu_id;
				   __entry->cause = cause;
				   __entry->guest = guest;
				   __entry->hw = hw;),
		    TP_printk("pid %d vcpu %d %s debugctl guest %#llx hw %#llx",
			      __entry->pid, __entry->vcpu_id,
			      __print_symbolic(__entry->cause,
					       { VPMU_LBR_EV_MSR_ACCESS, "lbr_msr" },
					       { VPMU_LBR_EV_DEBUGCTL_WRITE, "debugctl" },
					       { VPMU_LBR_EV_PMI, "pmi" },
					       { VPMU_LBR_EV_STATUS_RESET, "status_reset" },
					       { VPMU_LBR_EV_STATUS_SET, "status_set" },
					       { VPMU_LBR_EV_SCHED_IN, "sched_in" },
					       { VPMU_LBR_EV_RESET, "reset" }),
			      __entry->guest, __entry->hw));

/* The guest's LBR stack froze: a PMI (legacy or LBR_FRZ) or STATUS_SET. */
DEFINE_EVENT(kvm_vpmu_ext_lbr_class, kvm_vpmu_ext_lbr_freeze,
	     TP_PROTO(struct kvm_vcpu *vcpu, int cause, u64 guest, u64 hw),
	     TP_ARGS(vcpu, cause, guest, hw));

/* It records again: DEBUGCTL.LBR set again, STATUS_RESET, or a reset. */
DEFINE_EVENT(kvm_vpmu_ext_lbr_class, kvm_vpmu_ext_lbr_unfreeze,
	     TP_PROTO(struct kvm_vcpu *vcpu, int cause, u64 guest, u64 hw),
	     TP_ARGS(vcpu, cause, guest, hw));

/*
 * KVM's vLBR event came into being; cause: the step that asked for it;
 * hw: DEBUGCTL in guest context then.
 */
DEFINE_EVENT(kvm_vpmu_ext_lbr_class, kvm_vpmu_ext_lbr_create,
	     TP_PROTO(struct kvm_vcpu *vcpu, int cause, u64 guest, u64 hw),
	     TP_ARGS(vcpu, cause, guest, hw));

/* KVM's vLBR event was released, and why (enum vpmu_lbr_release_why). */
TRACE_EVENT(kvm_vpmu_ext_lbr_release,
	    TP_PROTO(struct kvm_vcpu *vcpu, int why),
	    TP_ARGS(vcpu, why),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, vcpu_id)
			     __field(int, why)),
	    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
			   __entry->vcpu_id = vcpu->vcpu_id;
			   __entry->why = why;),
	    TP_printk("pid %d vcpu %d %s", __entry->pid, __entry->vcpu_id,
		      __print_symbolic(__entry->why,
				       { VPMU_LBR_POLICY_FREEZE_AWARE, "freeze_aware" },
				       { VPMU_LBR_POLICY_HYSTERESIS, "hysteresis" },
				       { VPMU_LBR_RELEASE_RESET, "reset" },
				       { VPMU_LBR_RELEASE_KVM, "kvm" },
				       { VPMU_LBR_RELEASE_HELD, "held" })));

/* A hook went in, or is about to come out. */
TRACE_EVENT(kvm_vpmu_ext_hook,
	    TP_PROTO(const char *name, bool installed),
	    TP_ARGS(name, installed),
	    TP_STRUCT__entry(__array(char, name, 32)
			     __field(bool, installed)),
	    TP_fast_assign(strscpy(__entry->name, name, sizeof(__entry->name));
			   __entry->installed = installed;),
	    TP_printk("%s %s", __entry->name,
		      __entry->installed ? "installed" : "removed"));

TRACE_DEFINE_ENUM(VPMU_PEBS_DENIED_NO_ISOLATION);
TRACE_DEFINE_ENUM(VPMU_PEBS_DENIED_CROSS_MAPPED);
TRACE_DEFINE_ENUM(VPMU_PEBS_DENIED_HOST_PEBS);
TRACE_DEFINE_ENUM(VPMU_PEBS_DENIED_NOT_RUNNING);

/*
 * Guest PEBS (pebs): the counters the guest enabled with PEBS that do not
 * run it changed, and are not none.  GLOBAL_CTRL as perf switches it.
 */
TRACE_EVENT(kvm_vpmu_ext_pebs_denied,
	    TP_PROTO(struct kvm_vcpu *vcpu, u64 denied, u64 ctrl_host,
		     u64 ctrl_guest, unsigned int why),
	    TP_ARGS(vcpu, denied, ctrl_host, ctrl_guest, why),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, vcpu_id)
			     __field(u64, pebs_enable)
			     __field(u64, denied)
			     __field(u64, ctrl_host)
			     __field(u64, ctrl_guest)
			     __field(u64, cross_mapped)
			     __field(unsigned int, why)),
	    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
			   __entry->vcpu_id = vcpu->vcpu_id;
			   __entry->pebs_enable = vcpu->arch.pmu.pebs_enable;
			   __entry->denied = denied;
			   __entry->ctrl_host = ctrl_host;
			   __entry->ctrl_guest = ctrl_guest;
			   __entry->cross_mapped = vcpu->arch.pmu.host_cross_mapped_mask;
			   __entry->why = why;),
	    TP_printk("pid %d vcpu %d pebs_enable %#llx denied %#llx: %s; global_ctrl host %#llx guest %#llx, cross-mapped %#llx",
		      __entry->pid, __entry->vcpu_id, __entry->pebs_enable,
		      __entry->denied,
		      __print_symbolic(__entry->why,
				       { VPMU_PEBS_DENIED_NO_ISOLATION, "no PEBS isolation" },
				       { VPMU_PEBS_DENIED_CROSS_MAPPED, "cross-mapped" },
				       { VPMU_PEBS_DENIED_HOST_PEBS, "host PEBS" },
				       { VPMU_PEBS_DENIED_NOT_RUNNING, "not running" }),
		      __entry->ctrl_host, __entry->ctrl_guest,
		      __entry->cross_mapped));

/*
 * Overflow (6.1): an emulated event wrapped guest counter @idx (KVM's
 * index: GP n is n, fixed i is 32 + i), read before and after; @status:
 * its GLOBAL_STATUS bit was set, @pmi: a PMI was requested.
 */
TRACE_EVENT(kvm_vpmu_ext_overflow,
	    TP_PROTO(struct kvm_vcpu *vcpu, unsigned int idx, u64 mask,
		     u64 before, u64 after, bool status, bool pmi),
	    TP_ARGS(vcpu, idx, mask, before, after, status, pmi),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(int, vcpu_id)
			     __field(unsigned int, idx)
			     __field(unsigned int, width)
			     __field(u64, before)
			     __field(u64, after)
			     __field(bool, status)
			     __field(bool, pmi)),
	    TP_fast_assign(__entry->pid = vcpu->kvm->userspace_pid;
			   __entry->vcpu_id = vcpu->vcpu_id;
			   __entry->idx = idx;
			   __entry->width = fls64(mask);
			   __entry->before = before;
			   __entry->after = after;
			   __entry->status = status;
			   __entry->pmi = pmi;),
	    TP_printk("pid %d vcpu %d counter %u width %u %#llx -> %#llx status %d pmi %d",
		      __entry->pid, __entry->vcpu_id, __entry->idx,
		      __entry->width, __entry->before, __entry->after,
		      __entry->status, __entry->pmi));

#endif /* VPMU_KVM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vpmu_trace
#include <trace/define_trace.h>
