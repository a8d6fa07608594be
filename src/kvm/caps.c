// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural PMU v4/v5 (feature pmu_v5): the version and fixed
 * counters a guest gets, GLOBAL_STATUS_SET, GLOBAL_INUSE and the
 * GLOBAL_STATUS_RESET bits of version 4.  The rules are the core's
 * (src/core/caps.c); this file reads KVM's public state into it and
 * writes the answer back.  Documentation/design.rst, "PMU v4/v5 in KVM".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kvm_host.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <asm/cpufeatures.h>
#include <asm/perf_event.h>
#include <asm/processor.h>

#include <vpmu/caps.h>
#include <vpmu/msr.h>

#include "compat.h"
#include "glue.h"
#include "vcpu.h"
#include "vpmu_trace.h"

/* What the host PMU offers a guest through KVM; set at load. */
struct vpmu_caps vpmu_host_caps __read_mostly;

static struct x86_pmu_capability *vpmu_kvm_pmu_cap;
static u8 vpmu_kvm_pmu_cap_version;

/* The event select of fixed counter i (INST_RETIRED, CPU_CLK, REF_CLK). */
static const u64 vpmu_fixed_eventsel[] = { 0x00c0, 0x003c, 0x0300 };

/* KVM's vCPUs have three fixed counter slots, 6.1 and 6.12 alike. */
#define VPMU_KVM_FIXED	ARRAY_SIZE(((struct kvm_pmu *)0)->fixed_counters)

static_assert(ARRAY_SIZE(vpmu_fixed_eventsel) == VPMU_KVM_FIXED);

/*
 * The host as KVM can pass it on: counts and widths as KVM limits them
 * (kvm_pmu_cap), the version and fixed-counter bitmap from CPUID.0AH
 * (KVM caps the first at 2 and never reads the second).
 */
void vpmu_caps_host_from(const struct x86_pmu_capability *kvm_cap,
			 const u32 cpuid_0a[4], struct vpmu_caps *host)
{
	vpmu_cpuid_0a_decode(cpuid_0a, host);
	host->nr_gp = min_t(u8, host->nr_gp, kvm_cap->num_counters_gp);
	host->gp_width = min_t(u8, host->gp_width, kvm_cap->bit_width_gp);
	host->events_len = min_t(u8, host->events_len, kvm_cap->events_mask_len);
	host->events_unavail |= kvm_cap->events_mask;
	host->nr_fixed = min_t(u8, host->nr_fixed, kvm_cap->num_counters_fixed);
	host->fixed_width = min_t(u8, host->fixed_width, kvm_cap->bit_width_fixed);
	host->fixed_bitmap &= (1U << VPMU_KVM_FIXED) - 1;
}

void vpmu_caps_attach(struct x86_pmu_capability *kvm_cap, const u32 cpuid_0a[4])
{
	vpmu_kvm_pmu_cap = kvm_cap;
	if (kvm_cap)
		vpmu_caps_host_from(kvm_cap, cpuid_0a, &vpmu_host_caps);
}

int vpmu_caps_load(void)
{
	unsigned long addr;
	u32 regs[4];
	int ret;

	if (!vpmu_feature(VPMU_EXT_PMU_V5))
		return 0;
	ret = vpmu_hook_symbol(&vpmu_kvm_table, "kvm", "kvm_pmu_cap", false,
			       &addr);
	if (ret)
		return vpmu_refuse(ret, "%s", vpmu_kvm_table.why);
	/* KVM hosts run on bare CPUID: no paravirt (indirect) call. */
	regs[0] = 0xa;
	regs[2] = 0;
	native_cpuid(&regs[0], &regs[1], &regs[2], &regs[3]);
	vpmu_caps_attach((struct x86_pmu_capability *)addr, regs);
	return 0;
}

void vpmu_caps_raise(void)
{
	struct x86_pmu_capability *cap = vpmu_kvm_pmu_cap;

	if (!cap)
		return;
	/* What KVM_GET_SUPPORTED_CPUID reports; restored at unload. */
	vpmu_kvm_pmu_cap_version = cap->version;
	WRITE_ONCE(cap->version,
		   min_t(u8, vpmu_host_caps.version, vpmu_cfg.max_version));
}

void vpmu_caps_restore(void)
{
	if (vpmu_kvm_pmu_cap)
		WRITE_ONCE(vpmu_kvm_pmu_cap->version, vpmu_kvm_pmu_cap_version);
}

unsigned int vpmu_caps_reported_version(void)
{
	return vpmu_kvm_pmu_cap ? READ_ONCE(vpmu_kvm_pmu_cap->version) : 0;
}

/* The guest's CPUID entry @function (index 0), as KVM_SET_CPUID2 set it. */
static const struct kvm_cpuid_entry2 *vpmu_cpuid(struct kvm_vcpu *vcpu,
						 u32 function)
{
	int i;

	for (i = 0; i < vcpu->arch.cpuid_nent; i++)
		if (vcpu->arch.cpuid_entries[i].function == function &&
		    !vcpu->arch.cpuid_entries[i].index)
			return &vcpu->arch.cpuid_entries[i];
	return NULL;
}

bool vpmu_caps_effective(struct vpmu_vcpu *v, struct vpmu_caps *eff)
{
	const struct kvm_cpuid_entry2 *e = vpmu_cpuid(v->vcpu, 0xa);
	u32 regs[4] = { 0 };
	struct vpmu_caps want;
	bool repaired;

	if (e) {
		regs[0] = e->eax;
		regs[1] = e->ebx;
		regs[2] = e->ecx;
		regs[3] = e->edx;
	}
	vpmu_cpuid_0a_decode(regs, &want);
	/* KVM_SET_CPUID2 cannot be refused from here: repair, and say so. */
	repaired = vpmu_caps_repair(&want, &want);
	vpmu_caps_clamp(&want, &vpmu_host_caps, vpmu_cfg.max_version, eff);
	if (repaired) {
		vpmu_vcpu_stat_inc(v, VPMU_STAT_CPUID_REPAIRS);
		if (vpmu_vcpu_vm_once(v, VPMU_VM_WARNED_CPUID))
			pr_warn_ratelimited("VM pid %d: vCPU %d's CPUID.0AH contradicts itself (eax %#x ecx %#x edx %#x); the guest gets the nearest consistent PMU\n",
					    v->vcpu->kvm->userspace_pid,
					    v->vcpu->vcpu_id, regs[0], regs[2],
					    regs[3]);
	}
	trace_kvm_vpmu_ext_cpuid(v->vcpu, regs, eff, repaired);
	return repaired;
}

static int vpmu_caps_show(struct seq_file *m, void *unused)
{
	struct vpmu_vcpu *v = m->private;
	u32 r[4];

	if (!READ_ONCE(v->v5)) {
		seq_puts(m, "KVM's own PMU\n");
		return 0;
	}
	vpmu_cpuid_0a_encode(&v->caps, r);
	seq_printf(m, "version %u\ngp %u x %u bits\nfixed %#x x %u bits\ncpuid_0a %08x %08x %08x %08x\n",
		   v->caps.version, v->caps.nr_gp, v->caps.gp_width,
		   vpmu_fixed_counter_mask(&v->caps), v->caps.fixed_width,
		   r[0], r[1], r[2], r[3]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpmu_caps);

void vpmu_caps_debugfs(struct vpmu_vcpu *v)
{
	debugfs_create_file("pmu", 0444, v->dir, v, &vpmu_caps_fops);
}

/* Guest CPUID.01H:EDX.DS[21]: OvfBuf (GLOBAL_STATUS bit 62) is defined. */
static unsigned int vpmu_caps_features(struct kvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = vpmu_cpuid(vcpu, 1);

	return e && (e->edx & BIT(X86_FEATURE_DS & 31)) ? VPMU_FEAT_DS : 0;
}

/*
 * KVM's refresh enabled fixed counters 0..EDX[4:0]-1 of the guest's
 * CPUID; @fixed is the set the guest gets.  Holes (below the highest)
 * become absent everywhere, counters only ECX enumerates present.
 */
static void vpmu_caps_apply_fixed(struct kvm_pmu *pmu, u32 fixed)
{
	unsigned int i, idx;

	pmu->nr_arch_fixed_counters = fls(fixed);
	for (i = 0; i < VPMU_KVM_FIXED; i++) {
		u64 field = 0xfULL << (i * VPMU_FIXED_CTRL_BITS);
		u64 bit = BIT_ULL(INTEL_PMC_IDX_FIXED + i);

		idx = INTEL_PMC_IDX_FIXED + i;
		if (fixed & BIT(i)) {
			/* EN (OS, USR) and PMI; AnyThread stays reserved. */
			vpmu_pmu_fixed_ctrl_rsvd(pmu) &= ~(0xbULL << (i * VPMU_FIXED_CTRL_BITS));
			vpmu_pmu_global_ctrl_rsvd(pmu) &= ~bit;
			vpmu_pmu_global_status_rsvd(pmu) &= ~bit;
			__set_bit(idx, pmu->all_valid_pmc_idx);
			if (VPMU_KVM_FIXED_EVENTSEL_AT_REFRESH)
				pmu->fixed_counters[i].eventsel = vpmu_fixed_eventsel[i];
		} else {
			vpmu_pmu_fixed_ctrl_rsvd(pmu) |= field;
			vpmu_pmu_global_ctrl_rsvd(pmu) |= bit;
			vpmu_pmu_global_status_rsvd(pmu) |= bit;
			vpmu_pmu_pebs_enable_rsvd(pmu) |= bit;
			__clear_bit(idx, pmu->all_valid_pmc_idx);
		}
	}
}

void vpmu_caps_apply(struct vpmu_vcpu *v, const struct vpmu_caps *eff)
{
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;

	v->v5 = !!eff;
	if (!eff)
		return;
	v->caps = *eff;
	v->caps_features = vpmu_caps_features(v->vcpu);
	/* KVM copies the version uncapped; nothing to add without a PMU. */
	pmu->version = eff->version;
	vpmu_caps_apply_fixed(pmu, vpmu_fixed_counter_mask(eff) &
				   ((1U << VPMU_KVM_FIXED) - 1));
	/* STATUS_RESET clears LBR_FRZ; CTR_FRZ is not emulated: reserved. */
	if (eff->version >= 4)
		vpmu_pmu_global_status_rsvd(pmu) &= ~VPMU_STATUS_LBR_FRZ;
}

/* Fixed counter @i of a guest that does not have it. */
static bool vpmu_caps_fixed_absent(const struct vpmu_vcpu *v, unsigned int i)
{
	return !vpmu_fixed_counter_supported(&v->caps, i);
}

bool vpmu_caps_pmc_absent(const struct vpmu_vcpu *v, const struct kvm_pmc *pmc)
{
	const struct kvm_pmu *pmu = &v->vcpu->arch.pmu;

	if (!v->v5 || pmc < pmu->fixed_counters ||
	    pmc >= pmu->fixed_counters + VPMU_KVM_FIXED)
		return false;
	return vpmu_caps_fixed_absent(v, pmc - pmu->fixed_counters);
}

/* A FIXED_CTRn (RDMSR/WRMSR index) of a counter the guest lacks. */
static bool vpmu_caps_fixed_msr_absent(const struct vpmu_vcpu *v, u32 msr)
{
	return msr >= MSR_CORE_PERF_FIXED_CTR0 &&
	       msr < MSR_CORE_PERF_FIXED_CTR0 + VPMU_KVM_FIXED &&
	       vpmu_caps_fixed_absent(v, msr - MSR_CORE_PERF_FIXED_CTR0);
}

/* Bits GLOBAL_STATUS_SET may set: CTR_FRZ is not emulated. */
static u64 vpmu_caps_status_set_valid(const struct vpmu_vcpu *v)
{
	return vpmu_global_status_set_valid(&v->caps, v->caps_features) &
	       ~VPMU_STATUS_CTR_FRZ;
}

bool vpmu_caps_rdpmc_absent(const struct vpmu_vcpu *v, unsigned int ecx)
{
	/* ECX bit 30 selects the fixed counters, bits 15:0 the index. */
	return v->v5 && (ecx & BIT(30)) &&
	       (ecx & 0xffff) < VPMU_KVM_FIXED &&
	       vpmu_caps_fixed_absent(v, ecx & 0xffff);
}

bool vpmu_caps_is_valid_msr(const struct vpmu_vcpu *v, u32 msr)
{
	return v->v5 && (msr == VPMU_MSR_GLOBAL_STATUS_SET ||
			 msr == VPMU_MSR_GLOBAL_INUSE) &&
	       vpmu_msr_is_valid(&v->caps, msr);
}

u64 vpmu_caps_inuse(const struct vpmu_vcpu *v)
{
	const struct kvm_pmu *pmu = &v->vcpu->arch.pmu;
	u64 eventsel[ARRAY_SIZE(pmu->gp_counters)];
	struct vpmu_caps c = v->caps;
	unsigned int i;

	/* KVM has fewer GP slots than the architecture's 32. */
	c.nr_gp = min_t(u8, c.nr_gp, ARRAY_SIZE(eventsel));
	for (i = 0; i < c.nr_gp; i++)
		eventsel[i] = pmu->gp_counters[i].eventsel;
	return vpmu_global_inuse(&c, eventsel, pmu->fixed_ctr_ctrl,
				 pmu->pebs_enable);
}

/*
 * The MSRs pmu_v5 answers for: an absent fixed counter's (a #GP, though
 * KVM's msr_idx_to_pmc() still resolves it) and the v4 MSRs KVM lacks.
 * Return: 1 for a #GP, 0 for one served here, -1 for KVM's.
 */
static int vpmu_caps_claim(const struct vpmu_vcpu *v, u32 msr)
{
	if (!v->v5)
		return -1;
	if (vpmu_caps_fixed_msr_absent(v, msr))
		return 1;
	return vpmu_caps_is_valid_msr(v, msr) ? 0 : -1;
}

bool vpmu_caps_get_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret)
{
	*ret = vpmu_caps_claim(v, msr->index);
	/* GLOBAL_STATUS_SET reads 0; GLOBAL_INUSE is computed. */
	if (!*ret)
		msr->data = msr->index == VPMU_MSR_GLOBAL_INUSE ?
			    vpmu_caps_inuse(v) : 0;
	return *ret >= 0;
}

bool vpmu_caps_set_msr(struct vpmu_vcpu *v, struct msr_data *msr, int *ret)
{
	struct kvm_pmu *pmu = &v->vcpu->arch.pmu;

	*ret = vpmu_caps_claim(v, msr->index);
	if (*ret)
		return *ret > 0;
	/* GLOBAL_INUSE is read-only; GLOBAL_STATUS_SET #GPs reserved bits. */
	*ret = msr->index == VPMU_MSR_GLOBAL_INUSE ||
	       (msr->data & ~vpmu_caps_status_set_valid(v));
	if (*ret)
		return true;
	pmu->global_status |= msr->data;
	vpmu_vcpu_stat_inc(v, VPMU_STAT_STATUS_SETS);
	trace_kvm_vpmu_ext_status_set(v->vcpu, msr->data, pmu->global_status);
	return true;
}
