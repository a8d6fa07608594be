// SPDX-License-Identifier: GPL-2.0
/*
 * Guest PEBS (feature pebs): the MSRs KVM switches at VM-entry are the
 * list perf returns, refined by the core from the vCPU's struct kvm_pmu,
 * so that DS_AREA and PEBS_DATA_CFG carry the guest's values only while a
 * guest PEBS counter can run.  Called by the x86_pmu_guest_get_msrs
 * wrapper with interrupts off before every VM-entry: no allocation, lock,
 * fence or indirect call here (scripts/ibtcheck.py --hot follows every
 * function it reaches).  Documentation/design.rst, "Guest PEBS in KVM".
 */
#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <asm/perf_event.h>

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

/* The core's switch list is perf's: lists pass between them as they are. */
static_assert(sizeof(struct vpmu_switch_msr) ==
	      sizeof(struct perf_guest_switch_msr));
static_assert(offsetof(struct vpmu_switch_msr, msr) ==
	      offsetof(struct perf_guest_switch_msr, msr));
static_assert(offsetof(struct vpmu_switch_msr, host) ==
	      offsetof(struct perf_guest_switch_msr, host));
static_assert(offsetof(struct vpmu_switch_msr, guest) ==
	      offsetof(struct perf_guest_switch_msr, guest));

/*
 * The refined list.  KVM reads it on this CPU before interrupts come back
 * on, as it reads perf's own per-CPU list; the next VM-entry on this CPU
 * writes it again.
 */
static DEFINE_PER_CPU(struct vpmu_switch_msr, vpmu_pebs_list[VPMU_SWITCH_MAX]);

/* What KVM loads of @list: entries whose two values differ. */
static unsigned int vpmu_pebs_loads(const struct vpmu_switch_msr *list,
				    unsigned int n)
{
	unsigned int i, loads = 0;

	for (i = 0; i < n; i++)
		loads += list[i].host != list[i].guest;
	return loads;
}

/*
 * Count VM-entries where counters the guest enabled with PEBS will not
 * run it (vpmu_pebs_denied()), and trace each change of that set: a
 * guest denied for a while is not a flood.
 */
static void vpmu_pebs_check_denied(struct vpmu_vcpu *v,
				   const struct vpmu_switch_msr *list,
				   unsigned int n,
				   const struct vpmu_pebs_vcpu *s)
{
	enum vpmu_pebs_denied_why why = VPMU_PEBS_DENIED_NOT_RUNNING;
	u64 denied = vpmu_pebs_denied(list, n, s, &why);
	const struct vpmu_switch_msr *ctrl;

	if (denied)
		WRITE_ONCE(v->pebs.denied_entries, v->pebs.denied_entries + 1);
	if (denied == v->pebs.denied)
		return;
	WRITE_ONCE(v->pebs.denied, denied);
	if (!denied)
		return;
	ctrl = vpmu_switch_find(list, n, VPMU_MSR_GLOBAL_CTRL);
	trace_kvm_vpmu_ext_pebs_denied(v->vcpu, denied, ctrl ? ctrl->host : 0,
				       ctrl ? ctrl->guest : 0, why);
}

struct perf_guest_switch_msr *vpmu_pebs_vmentry(struct vpmu_vcpu *v,
						struct perf_guest_switch_msr *perf,
						int *nr)
{
	const struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	const struct vpmu_switch_msr *list = (void *)perf;
	const struct vpmu_pebs_vcpu s = {
		.pebs_enable = pmu->pebs_enable,
		.ds_area = pmu->ds_area,
		.pebs_data_cfg = pmu->pebs_data_cfg,
		.cross_mapped = pmu->host_cross_mapped_mask,
		/* Adaptive PEBS is off for guests: no LBR group. */
		.owns_lbr = false,
		.global_ctrl = pmu->global_ctrl,
	};
	struct vpmu_switch_msr *out;
	unsigned int n, loads, refined;

	/* No PMU driver: perf returns NULL and leaves *@nr unset. */
	if (!perf || *nr < 0 || *nr > VPMU_SWITCH_MAX)
		return perf;
	n = *nr;
	loads = vpmu_pebs_loads(list, n);
	if (vpmu_feature(VPMU_EXT_PEBS)) {
		out = this_cpu_ptr(&vpmu_pebs_list[0]);
		vpmu_pebs_refine(list, n, &s, out);
		refined = vpmu_pebs_loads(out, n);
		WRITE_ONCE(v->pebs.saved, v->pebs.saved + loads - refined);
		loads = refined;
		list = out;
		perf = (void *)out;
	}
	WRITE_ONCE(v->pebs.loads[loads], v->pebs.loads[loads] + 1);
	vpmu_pebs_check_denied(v, list, n, &s);
	return perf;
}

static int vpmu_pebs_show(struct seq_file *m, void *unused)
{
	struct vpmu_vcpu *v = m->private;
	unsigned int i;

	for (i = 0; i <= VPMU_SWITCH_MAX; i++)
		seq_printf(m, "msrs_loaded_%u %lu\n", i,
			   READ_ONCE(v->pebs.loads[i]));
	seq_printf(m, "msrs_saved %lu\ndenied %lu\ndenied_counters %#llx\n",
		   READ_ONCE(v->pebs.saved), READ_ONCE(v->pebs.denied_entries),
		   READ_ONCE(v->pebs.denied));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_pebs);

void vpmu_pebs_debugfs(struct vpmu_vcpu *v)
{
	debugfs_create_file("pebs", 0444, v->dir, v, &vpmu_pebs_fops);
}
