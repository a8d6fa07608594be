// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_pebs_switch: guest PEBS writes its records into the guest's own DS
 * area, never while host perf uses PEBS on the same CPU, and never with
 * LBR data unless the guest owns the LBRs.
 *
 * SDM Vol. 3B, "Debug Store (DS) Mechanism" and "Processor Event Based
 * Sampling (PEBS)": with IA32_PEBS_ENABLE bit 0 set, an overflow of
 * PMC0 writes a PEBS record at the PEBS index of the DS save area that
 * IA32_DS_AREA points to, advances the index by the record size, reloads
 * the counter from the DS "PEBS counter reset" field, and, once the index
 * reaches the interrupt threshold, signals a PMI with
 * IA32_PERF_GLOBAL_STATUS.OvfBuf (bit 62).  A record starts with the
 * sampled RIP (legacy layouts: RFLAGS then RIP; adaptive PEBS: a basic
 * group of record format/size, IP, applicable counters, TSC), and in the
 * adaptive layout an LBR group (IA32_PEBS_DATA_CFG bit 3) follows the
 * selected groups.
 *
 * Cases:
 *  - guest_pebs_record: records appear in the guest DS buffer, each with a
 *    RIP in the guest's sampled loop and PMC0 among the applicable
 *    counters, an OvfBuf PMI arrives, and nothing outside the buffer is
 *    written;
 *  - no_guest_pebs_while_host_pebs: while a host perf PEBS event runs on
 *    the vCPU's CPU (root, or perf_event_paranoid allowing CPU-wide
 *    events), the guest's PEBS counter writes nothing; once it is closed,
 *    records appear again;
 *  - no_lbr_data_without_guest_lbr: with adaptive PEBS, a guest that asks
 *    for the LBR group but never enabled LBR gets no LBR data;
 *  - lbr_data_with_guest_lbr: one that records LBR gets its own branches
 *    (all inside the guest's code) in the LBR group.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "pmu_ext_compat.h"
#include "pmu_ext.h"

#define PERIOD		10007
#define BUDGET		50000000ULL
#define BUF_PAGES	4
#define MAX_DEPTH	32

#define DATA_CFG_LBR		BIT_ULL(3)
#define DATA_CFG_LBR_ENTRIES(n)	((u64)((n) - 1) << 24)

/* The 64-bit DS save area. */
struct ds_area {
	u64 bts_base, bts_index, bts_max, bts_threshold;
	u64 pebs_base, pebs_index, pebs_max, pebs_threshold;
	u64 pebs_reset[8];		/* GP counters, from offset 0x40 */
};

static struct pmu_ext_cpuid_0a supported;
static u64 perf_caps;
static u32 host_depth;

/* Synced to the guest. */
static u64 ds_gva, buf_gva;
static u64 data_cfg;	/* written to PEBS_DATA_CFG if adaptive */
static bool adaptive, own_lbr, host_pebs_phase;

/* Guest state, written by the PMI handler. */
static u64 pmi_count, pmi_status;

/* void pebs_loop(u64 *count, u64 budget): with IF=1; ends at pebs_loop_end. */
asm(".pushsection .text\n"
	".global pebs_loop\n"
	".global pebs_loop_end\n"
	"pebs_loop:\n"
	"	mov (%rdi), %rax\n"
	"	sti\n"
	"1:	cmp (%rdi), %rax\n"
	"	jne 2f\n"
	"	dec %rsi\n"
	"	jnz 1b\n"
	"2:	cli\n"
	"	ret\n"
	"pebs_loop_end:\n"
	".popsection\n");

static bool in_loop(u64 addr)
{
	return addr >= (u64)pebs_loop && addr <= (u64)pebs_loop_end;
}

static void guest_pmi_handler(struct ex_regs *regs)
{
	u64 status = rdmsr(MSR_CORE_PERF_GLOBAL_STATUS);

	WRITE_ONCE(pmi_status, pmi_status | status);
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_CORE_PERF_GLOBAL_OVF_CTRL,
	      status & (GLOBAL_STATUS_OVF_BUF | BIT_ULL(0)));
	WRITE_ONCE(pmi_count, pmi_count + 1);
	guest_pmi_ack();
}

/* Arm PMC0 for PEBS on retired instructions, run, disarm; bytes written. */
static u64 guest_pebs_run(const struct pmu_ext_pmu *p)
{
	struct ds_area *ds = (struct ds_area *)ds_gva;
	u64 *buf = (u64 *)buf_gva;
	const u64 size = BUF_PAGES * 4096;
	const u64 mask = BIT_ULL(p->gp_width) - 1;
	u64 i;

	/* Touch the buffer: PEBS then writes to mapped guest memory. */
	for (i = 0; i < size / 8; i++)
		buf[i] = 0;
	ds->bts_base = 0;
	ds->bts_index = 0;
	ds->bts_max = 0;
	ds->bts_threshold = 0;
	ds->pebs_base = buf_gva;
	ds->pebs_index = buf_gva;
	ds->pebs_max = buf_gva + size;
	ds->pebs_threshold = buf_gva + 1;	/* a PMI after the first record */
	ds->pebs_reset[0] = -(u64)PERIOD & mask;

	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_IA32_DS_AREA, ds_gva);
	if (adaptive)
		wrmsr(MSR_PEBS_DATA_CFG, data_cfg);
	wrmsr(MSR_P6_EVNTSEL0, 0);
	wrmsr(MSR_IA32_PERFCTR0, (u32)-PERIOD);
	wrmsr(MSR_P6_EVNTSEL0, ARCH_EVENT_INSTRUCTIONS | EVTSEL_OS | EVTSEL_EN);
	wrmsr(MSR_IA32_PEBS_ENABLE, BIT_ULL(0));
	GUEST_CHECK_EQ(rdmsr(MSR_IA32_PEBS_ENABLE), BIT_ULL(0));
	WRITE_ONCE(pmi_count, 0);
	WRITE_ONCE(pmi_status, 0);
	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, BIT_ULL(0));

	pebs_loop(&pmi_count, BUDGET);

	wrmsr(MSR_CORE_PERF_GLOBAL_CTRL, 0);
	wrmsr(MSR_IA32_PEBS_ENABLE, 0);
	wrmsr(MSR_P6_EVNTSEL0, 0);
	GUEST_CHECK(ds->pebs_index >= buf_gva && ds->pebs_index <= buf_gva + size,
		    ds->pebs_index, buf_gva);
	/* Nothing past the index. */
	for (i = (ds->pebs_index - buf_gva) / 8; i < size / 8; i++)
		GUEST_CHECK(!buf[i], i, buf[i]);
	return ds->pebs_index - buf_gva;
}

static void check_lbr_group(const u64 *r, u64 fmt)
{
	const u64 *e = r + 4;	/* after the basic group */
	u64 n = ((fmt >> 24) & 0xff) + 1, i, nonzero = 0;

	GUEST_CHECK(n <= MAX_DEPTH, n, fmt);
	for (i = 0; i < n; i++, e += 3) {
		if (!own_lbr) {
			/* No LBR data: the group may exist, empty. */
			GUEST_CHECK(!e[0] && !e[1], i, e[0]);
			continue;
		}
		if (!e[0] && !e[1])
			continue;
		GUEST_CHECK(pmu_ext_in_code(e[0]), i, e[0]);
		GUEST_CHECK(pmu_ext_in_code(e[1]), i, e[1]);
		nonzero++;
	}
	if (own_lbr)
		GUEST_CHECK(nonzero, n, fmt);
}

static void check_records(u64 bytes)
{
	const u64 *r = (const u64 *)buf_gva;
	u64 size = r[0] >> 48;

	GUEST_CHECK(bytes, bytes, pmi_count);
	if (size >= 32 && !(size & 7) && size <= bytes && !(bytes % size)) {
		/* Adaptive: format/size, IP, applicable counters, TSC. */
		GUEST_CHECK(in_loop(r[1]), r[1], r[0]);
		GUEST_CHECK(r[2] & BIT_ULL(0), r[2], r[0]);
		if (r[0] & DATA_CFG_LBR)
			check_lbr_group(r, r[0]);
		else if (own_lbr && (data_cfg & DATA_CFG_LBR))
			GUEST_CHECK(0, r[0], data_cfg);
		if (!(data_cfg & DATA_CFG_LBR))
			GUEST_CHECK_EQ(size, 32);
	} else {
		/* Legacy layout: RFLAGS, RIP, ...; applicable counters at 0x90. */
		GUEST_CHECK(!own_lbr, r[0], r[1]);
		GUEST_CHECK(in_loop(r[1]), r[1], r[0]);
		GUEST_CHECK(r[0x90 / 8] & BIT_ULL(0), r[0x90 / 8], r[1]);
	}
}

static void guest_code(void)
{
	struct pmu_ext_pmu p;
	u64 bytes;

	guest_pmu_read(&p);
	GUEST_CHECK_EQ(rdmsr(MSR_IA32_MISC_ENABLE) &
		       MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL, 0);
	guest_pmi_setup();
	if (own_lbr)
		wrmsr(MSR_IA32_DEBUGCTLMSR, DEBUGCTL_LBR);

	if (host_pebs_phase) {
		/* Host PEBS wins: the guest's PEBS counter writes nothing. */
		pmu_ext_guest_ctx = 1;
		bytes = guest_pebs_run(&p);
		GUEST_CHECK_EQ(bytes, 0);
		GUEST_CHECK_EQ(pmi_status & GLOBAL_STATUS_OVF_BUF, 0);
		GUEST_SYNC(1);		/* the host closes its event */
	}

	pmu_ext_guest_ctx = 2;
	bytes = guest_pebs_run(&p);
	GUEST_CHECK(pmi_count >= 1, pmi_count, bytes);
	GUEST_CHECK(pmi_status & GLOBAL_STATUS_OVF_BUF, pmi_status, bytes);
	check_records(bytes);

	wrmsr(MSR_IA32_DEBUGCTLMSR, 0);
	GUEST_DONE();
}

static int open_host_pebs(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.sample_period = 100003,
		.precise_ip = 1,
		.exclude_guest = 1,
		.pinned = 1,
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1, 0);
}

FIXTURE_VARIANT(pmu) {
	bool host_pebs;		/* a host PEBS event on the vCPU's CPU first */
	bool lbr_group;		/* adaptive PEBS with the LBR group */
	bool own_lbr;		/* the guest records LBR */
};

FIXTURE_VARIANT_ADD(pmu, guest_pebs_record) {
};

FIXTURE_VARIANT_ADD(pmu, no_guest_pebs_while_host_pebs) {
	.host_pebs = true,
};

FIXTURE_VARIANT_ADD(pmu, no_lbr_data_without_guest_lbr) {
	.lbr_group = true,
};

FIXTURE_VARIANT_ADD(pmu, lbr_data_with_guest_lbr) {
	.lbr_group = true,
	.own_lbr = true,
};

TEST_F(pmu, records)
{
	struct kvm_vcpu *vcpu = self->vcpu;
	struct kvm_vm *vm = vcpu->vm;
	struct ucall uc = {};
	cpu_set_t one;
	int cpu, fd = -1;

	adaptive = perf_caps & PERF_CAP_PEBS_BASELINE;
	if (variant->lbr_group && !adaptive)
		SKIP(return, "feature absent: no adaptive PEBS (PERF_CAPABILITIES[14] = 0)");
	if (variant->own_lbr && !(perf_caps & PERF_CAP_LBR_FMT))
		SKIP(return, "feature absent: no guest LBR (PERF_CAPABILITIES.LBR_FMT = 0)");
	if (variant->lbr_group && (!host_depth || host_depth > MAX_DEPTH))
		SKIP(return, "feature absent: host perf reports LBR depth %u",
		     host_depth);

	cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(one), &one),
		    "sched_setaffinity(%d)", cpu);
	if (variant->host_pebs) {
		fd = open_host_pebs(cpu);
		if (fd < 0)
			SKIP(return, "no host PEBS event on CPU %d: %s (needs root)",
			     cpu, strerror(errno));
	}

	host_pebs_phase = variant->host_pebs;
	own_lbr = variant->own_lbr;
	data_cfg = variant->lbr_group ?
		   DATA_CFG_LBR | DATA_CFG_LBR_ENTRIES(host_depth) : 0;

	vcpu_arch_set_entry_point(vcpu, guest_code);
	vm_install_exception_handler(vm, PMU_EXT_PMI_VECTOR, guest_pmi_handler);
	vcpu_set_msr(vcpu, MSR_IA32_PERF_CAPABILITIES, perf_caps);
	ds_gva = vm_vaddr_alloc_page(vm);
	buf_gva = vm_vaddr_alloc_pages(vm, BUF_PAGES);
	sync_global_to_guest(vm, ds_gva);
	sync_global_to_guest(vm, buf_gva);
	sync_global_to_guest(vm, data_cfg);
	sync_global_to_guest(vm, adaptive);
	sync_global_to_guest(vm, own_lbr);
	sync_global_to_guest(vm, host_pebs_phase);
	pmu_ext_set_cpuid_0a(vcpu, &supported);

	if (pmu_ext_run_vcpu(vcpu, &uc) == UCALL_SYNC) {
		TEST_ASSERT(variant->host_pebs, "unexpected GUEST_SYNC");
		close(fd);
		fd = -1;
		TEST_ASSERT(pmu_ext_run_vcpu(vcpu, &uc) == UCALL_DONE,
			    "guest did not finish");
	}
	TEST_ASSERT(fd < 0, "the guest never ran with host PEBS active");
}

int main(int argc, char *argv[])
{
	const struct kvm_cpuid_entry2 *leaf1;

	pmu_ext_require(2, &supported);

	perf_caps = pmu_ext_perf_capabilities();
	if (!PERF_CAP_PEBS_FMT(perf_caps))
		pmu_ext_skip("feature absent: no guest PEBS (PERF_CAPABILITIES.PEBS_FMT = 0)");
	leaf1 = pmu_ext_supported_cpuid(1, 0);
	if (!(leaf1->edx & BIT(21)) || !(leaf1->ecx & BIT(2)))
		pmu_ext_skip("feature absent: KVM_GET_SUPPORTED_CPUID lacks DS or DTES64");
	if (!CPUID_0A_NR_GP(&supported))
		pmu_ext_skip("feature absent: KVM offers no GP counter");
	host_depth = pmu_ext_host_lbr_depth();
	ksft_print_msg("PERF_CAPABILITIES 0x%lx (PEBS format %lu%s), host LBR depth %u\n",
		       perf_caps, PERF_CAP_PEBS_FMT(perf_caps),
		       perf_caps & PERF_CAP_PEBS_BASELINE ? ", adaptive" : "",
		       host_depth);

	return test_harness_run(argc, argv);
}
