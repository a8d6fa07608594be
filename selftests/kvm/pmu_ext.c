// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the kvm_vpmu_ext KVM selftests: see pmu_ext.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pmu_ext.h"

u64 pmu_ext_guest_ctx;

/* ---------------------------- guest side ---------------------------- */

void pmu_ext_guest_check_failed(const char *file, u64 line,
				const char *cond, u64 a, u64 b)
{
	ucall(UCALL_PMU_EXT_CHECK, 6, file, line, cond, a, b,
	      pmu_ext_guest_ctx);
	for (;;)
		asm volatile("cli; hlt");
}

void guest_pmu_read(struct pmu_ext_pmu *p)
{
	u32 eax, ebx, ecx, edx;
	unsigned int i;

	__cpuid(0xa, 0, &eax, &ebx, &ecx, &edx);
	p->version = eax & 0xff;
	p->nr_gp = p->version ? (eax >> 8) & 0xff : 0;
	p->gp_width = (eax >> 16) & 0xff;
	p->nr_fixed = edx & 0x1f;
	p->fixed_width = (edx >> 5) & 0xff;
	p->fixed_bitmap = ecx;
	p->gp_mask = p->nr_gp >= 32 ? 0xffffffffULL : BIT_ULL(p->nr_gp) - 1;
	p->fixed_mask = 0;
	for (i = 0; i < PMU_EXT_MAX_FIXED; i++)
		if (pmu_ext_fixed_exists(p->version, ecx, p->nr_fixed, i))
			p->fixed_mask |= BIT_ULL(32 + i);
}

void guest_pmi_setup(void)
{
	x2apic_enable();
	x2apic_write_reg(PMU_EXT_APIC_LVTPC, PMU_EXT_PMI_VECTOR);
}

void guest_pmi_ack(void)
{
	x2apic_write_reg(PMU_EXT_APIC_LVTPC, PMU_EXT_PMI_VECTOR);
	x2apic_write_reg(APIC_EOI, 0);
}

bool guest_wait_pmi(u64 *count, u64 old, u64 spins)
{
	u64 i;

	guest_sti();
	for (i = 0; i < spins && READ_ONCE(*count) == old; i++)
		asm volatile("pause" ::: "memory");
	guest_cli();
	return READ_ONCE(*count) != old;
}

/* ---------------------------- host side ----------------------------- */

static bool pmu_ext_path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* First character of a module parameter: 'Y'/'N' or a digit; 0 if absent. */
static char pmu_ext_param(const char *module, const char *param)
{
	char path[256], c = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 module, param);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c;
}

void pmu_ext_skip(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	ksft_exit_skip("%s\n", reason);
	exit(KSFT_SKIP);
}

void pmu_ext_require(u8 min_version, struct pmu_ext_cpuid_0a *supported)
{
	const struct kvm_cpuid_entry2 *e;
	u32 eax, ebx, ecx, edx;
	const char *ignore;
	char vendor[13];
	char c;

	__cpuid(0, 0, &eax, &ebx, &ecx, &edx);
	memcpy(vendor, &ebx, 4);
	memcpy(vendor + 4, &edx, 4);
	memcpy(vendor + 8, &ecx, 4);
	vendor[12] = '\0';
	if (strcmp(vendor, "GenuineIntel"))
		pmu_ext_skip("not an Intel host (CPU vendor %s)", vendor);

	ignore = getenv("PMU_EXT_IGNORE_MODULE");
	if (!(ignore && !strcmp(ignore, "1")) &&
	    !pmu_ext_path_exists("/sys/module/kvm_vpmu_ext"))
		pmu_ext_skip("kvm_vpmu_ext module not loaded");

	if (!pmu_ext_path_exists("/sys/module/kvm_intel"))
		pmu_ext_skip("kvm_intel not loaded");
	if (access("/dev/kvm", R_OK | W_OK))
		pmu_ext_skip("/dev/kvm not usable: %s", strerror(errno));

	c = pmu_ext_param("kvm", "enable_pmu");
	if (c != 'Y' && c != '1')
		pmu_ext_skip("KVM vPMU disabled (kvm.enable_pmu=N)");

	e = pmu_ext_supported_cpuid(0xa, 0);
	supported->eax = e->eax;
	supported->ebx = e->ebx;
	supported->ecx = e->ecx;
	supported->edx = e->edx;
	if (CPUID_0A_VERSION(supported) < min_version)
		pmu_ext_skip("feature absent: KVM offers PMU version %u, this test needs %u",
			     CPUID_0A_VERSION(supported), min_version);

	ksft_print_msg("KVM_GET_SUPPORTED_CPUID.0AH: %08x %08x %08x %08x%s\n",
		       supported->eax, supported->ebx, supported->ecx,
		       supported->edx,
		       pmu_ext_path_exists("/sys/module/kvm_vpmu_ext") ?
		       "" : " (kvm_vpmu_ext not loaded: baseline run)");
}

void pmu_ext_set_cpuid_0a(struct kvm_vcpu *vcpu, const struct pmu_ext_cpuid_0a *e)
{
	struct kvm_cpuid_entry2 *entry = vcpu_get_cpuid_entry(vcpu, 0xa);

	entry->eax = e->eax;
	entry->ebx = e->ebx;
	entry->ecx = e->ecx;
	entry->edx = e->edx;
	vcpu_set_cpuid(vcpu);

	/* What the guest will read is what the test reasons about. */
	entry = vcpu_get_cpuid_entry(vcpu, 0xa);
	TEST_ASSERT(entry->eax == e->eax && entry->ebx == e->ebx &&
		    entry->ecx == e->ecx && entry->edx == e->edx,
		    "KVM changed CPUID.0AH: set %x/%x/%x/%x, got %x/%x/%x/%x",
		    e->eax, e->ebx, e->ecx, e->edx, entry->eax, entry->ebx,
		    entry->ecx, entry->edx);
}

const struct kvm_cpuid_entry2 *pmu_ext_supported_cpuid(u32 function,
						       u32 index)
{
	return get_cpuid_entry(kvm_get_supported_cpuid(), function, index);
}

u64 pmu_ext_perf_capabilities(void)
{
	if (!kvm_cpu_has(X86_FEATURE_PDCM))
		return 0;
	return kvm_get_feature_msr(MSR_IA32_PERF_CAPABILITIES);
}

bool pmu_ext_fep_enabled(void)
{
	char c = pmu_ext_param("kvm", "force_emulation_prefix");

	return c == 'Y' || (c >= '1' && c <= '9');
}

static void pmu_ext_report_check(const struct ucall *uc)
{
	/* The guest runs this very binary: its strings are ours too. */
	TEST_FAIL("guest check failed at %s:%lu: %s (values 0x%lx, 0x%lx; context 0x%lx)",
		  (const char *)uc->args[0], uc->args[1],
		  (const char *)uc->args[2], uc->args[3], uc->args[4],
		  uc->args[5]);
}

u64 pmu_ext_run_vcpu(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	vcpu_run(vcpu);
	switch (get_ucall(vcpu, uc)) {
	case UCALL_SYNC:
	case UCALL_DONE:
		return uc->cmd;
	case UCALL_PMU_EXT_CHECK:
		pmu_ext_report_check(uc);
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(*uc);
		break;
	case UCALL_UNHANDLED:
		TEST_FAIL("guest: unexpected exception, vector 0x%lx",
			  uc->args[0]);
		break;
	case UCALL_NONE:
		TEST_FAIL("unexpected exit: %s (%u)",
			  exit_reason_str(vcpu->run->exit_reason),
			  vcpu->run->exit_reason);
		break;
	default:
		TEST_FAIL("unexpected ucall %lu", uc->cmd);
	}
	return UCALL_NONE;
}

void pmu_ext_run_to_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc = {};

	TEST_ASSERT(pmu_ext_run_vcpu(vcpu, &uc) == UCALL_DONE,
		    "guest stopped at GUEST_SYNC(0x%lx, 0x%lx) where it should be done",
		    uc.args[0], uc.args[1]);
}

u32 pmu_ext_host_lbr_depth(void)
{
	static const char *const paths[] = {
		"/sys/bus/event_source/devices/cpu/caps/branches",
		"/sys/bus/event_source/devices/cpu_core/caps/branches",
	};
	unsigned int i, depth;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		f = fopen(paths[i], "r");
		if (!f)
			continue;
		if (fscanf(f, "%u", &depth) != 1)
			depth = 0;
		fclose(f);
		return depth;
	}
	return 0;
}
