// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_guest: run inside an Intel guest (as root for every check) to see
 * what virtual PMU it got and whether it behaves as the Intel SDM says.
 * Static, no dependency: copy it into the guest and run it.  Each check
 * is a case of the kernel's kselftest harness (a child process with a
 * timeout, one KTAP result line); it exits 0 unless a check failed.
 *
 *  - cpuid_0a: CPUID.0AH describes a consistent PMU (widths within 1-64,
 *    ECX zero below version 5, where it is reserved); prints it.
 *  - cpuid_1c_arch_lbr: with architectural LBR (CPUID.(07H,0):EDX[19]),
 *    leaf 1CH enumerates at least one depth (kvm_vpmu_ext exposes exactly
 *    one, the host's deepest; said, not required), CPUID.(0DH,1):ECX[15]
 *    enumerates the XSAVES LBR state, and IA32_LBR_DEPTH holds an
 *    enumerated depth.
 *  - global_msrs (through /dev/cpu/0/msr): IA32_PERF_GLOBAL_CTRL and
 *    _STATUS hold only bits of existing counters and defined flags; from
 *    version 4, IA32_PERF_GLOBAL_STATUS_SET reads 0 and
 *    IA32_PERF_GLOBAL_INUSE matches the event selects, the fixed counter
 *    control and PEBS_ENABLE (SDM "IA32_PERF_GLOBAL_INUSE MSR"); below
 *    version 4 both MSRs are absent.
 *  - fixed_counters: IA32_FIXED_CTRi is readable iff fixed counter i is
 *    enumerated (version 5: ECX[i] or i < EDX[4:0]; 2-4: i < EDX[4:0]).
 *  - perf_lbr_freeze: perf samples a user-space loop with the branch stack
 *    (kernel and user branches); with LBR frozen on the PMI (Linux asks
 *    for FREEZE_LBRS_ON_PMI; v4 guests get the streamlined freeze), the
 *    newest record of a sample taken in user space comes from user space,
 *    not from the kernel's PMI handler (at least 90% of at least 20).
 *
 * Skips, with the reason: the whole program when the CPU is not Intel or
 * has no architectural PMU; a check when it lacks a feature,
 * /dev/cpu/0/msr or privilege.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/compiler.h>
#include <linux/perf_event.h>
#include <linux/types.h>

#include "kselftest_harness.h"

#define BIT_ULL(n)		(1ULL << (n))

#define MSR_FIXED_CTR0		0x309
#define MSR_PERFEVTSEL0		0x186
#define MSR_FIXED_CTR_CTRL	0x38d
#define MSR_GLOBAL_STATUS	0x38e
#define MSR_GLOBAL_CTRL		0x38f
#define MSR_GLOBAL_STATUS_SET	0x391
#define MSR_GLOBAL_INUSE	0x392
#define MSR_PEBS_ENABLE		0x3f1
#define MSR_LBR_DEPTH		0x14cf

#define NR_FIXED_MSRS		7	/* IA32_FIXED_CTR0..6 */
#define MAX_FIXED		16

/* PERF_METRICS (48, Ice Lake+), ToPA, ASCI, uncore, OvfBuf, CondChgd. */
#define STATUS_FLAGS		(BIT_ULL(48) | BIT_ULL(55) | BIT_ULL(60) | \
				 BIT_ULL(61) | BIT_ULL(62) | BIT_ULL(63))
#define CTRL_PERF_METRICS	BIT_ULL(48)
#define STATUS_FREEZE		(BIT_ULL(58) | BIT_ULL(59))
#define INUSE_PMI		BIT_ULL(63)

struct pmu {
	u32 eax, ebx, ecx, edx;
	unsigned int version, nr_gp, gp_width, nr_fixed, fixed_width;
	unsigned int events_len;
	u64 gp_mask, fixed_mask;	/* GLOBAL_CTRL bit positions */
};

static struct pmu pmu;
static int msr_fd = -1;
static char msr_err[128];

static void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "0"(leaf), "2"(sub));
}

static bool fixed_exists(unsigned int i)
{
	if (pmu.version < 2)
		return false;
	if (i < pmu.nr_fixed)
		return true;
	return pmu.version >= 5 && i < 32 && (pmu.ecx & (1U << i));
}

static void read_pmu(void)
{
	u32 r[4];
	unsigned int i;

	cpuid(0xa, 0, r);
	pmu.eax = r[0];
	pmu.ebx = r[1];
	pmu.ecx = r[2];
	pmu.edx = r[3];
	pmu.version = r[0] & 0xff;
	pmu.nr_gp = (r[0] >> 8) & 0xff;
	pmu.gp_width = (r[0] >> 16) & 0xff;
	pmu.events_len = r[0] >> 24;
	pmu.nr_fixed = r[3] & 0x1f;
	pmu.fixed_width = (r[3] >> 5) & 0xff;
	pmu.gp_mask = pmu.nr_gp >= 32 ? 0xffffffffULL : BIT_ULL(pmu.nr_gp) - 1;
	for (i = 0; i < MAX_FIXED; i++)
		if (fixed_exists(i))
			pmu.fixed_mask |= BIT_ULL(32 + i);
}

/* 0 and *val, or -errno (EIO: the MSR does not exist). */
static int rdmsr(u32 msr, u64 *val)
{
	if (pread(msr_fd, val, sizeof(*val), msr) == sizeof(*val))
		return 0;
	return errno ? -errno : -EIO;
}

TEST(cpuid_0a)
{
	const char *const events[] = {
		"core cycles", "instructions", "reference cycles",
		"LLC references", "LLC misses", "branches",
		"branch misses", "topdown slots",
	};
	unsigned int i;

	ksft_print_msg("CPUID.0AH: eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x\n",
		       pmu.eax, pmu.ebx, pmu.ecx, pmu.edx);
	ksft_print_msg("PMU v%u: %u GP counters x %u bits, fixed counters 0x%llx x %u bits\n",
		       pmu.version, pmu.nr_gp, pmu.gp_width,
		       (unsigned long long)(pmu.fixed_mask >> 32),
		       pmu.fixed_width);
	for (i = 0; i < pmu.events_len && i < 8; i++)
		ksft_print_msg("  event %-17s %s\n", events[i],
			       pmu.ebx & (1U << i) ? "unavailable" : "available");

	if (pmu.nr_gp) {
		EXPECT_GE(pmu.gp_width, 1U);
		EXPECT_LE(pmu.gp_width, 64U);
	}
	if (pmu.fixed_mask) {
		EXPECT_GE(pmu.fixed_width, 1U);
		EXPECT_LE(pmu.fixed_width, 64U);
	}
	EXPECT_TRUE(pmu.version >= 5 || !pmu.ecx)
		TH_LOG("ECX 0x%x is reserved below version 5", pmu.ecx);
	EXPECT_TRUE(pmu.version >= 2 || !pmu.nr_fixed)
		TH_LOG("version 1 has no fixed counters, EDX says %u", pmu.nr_fixed);
}

TEST(cpuid_1c_arch_lbr)
{
	u32 r[4], max, depths;
	u64 val;

	cpuid(0, 0, r);
	max = r[0];
	cpuid(7, 0, r);
	if (max < 7 || !(r[3] & (1U << 19)))
		SKIP(return, "no architectural LBR (CPUID.(EAX=07H,ECX=0):EDX[19] = 0)");
	ASSERT_GE(max, 0x1cU) TH_LOG("architectural LBR enumerated, but the highest leaf is 0x%x",
				     max);
	cpuid(0x1c, 0, r);
	depths = r[0] & 0xff;
	ksft_print_msg("CPUID.1CH: eax 0x%08x ebx 0x%08x ecx 0x%08x\n",
		       r[0], r[1], r[2]);
	/*
	 * The SDM asks for at least one supported depth; kvm_vpmu_ext
	 * exposes exactly one (the host's deepest), which is said, not
	 * required: a guest of stock KVM or another host is no failure.
	 */
	EXPECT_NE(0U, depths) TH_LOG("CPUID.1CH.EAX[7:0] enumerates no LBR depth");
	if (depths & (depths - 1))
		ksft_print_msg("depth bitmap 0x%x: several depths (kvm_vpmu_ext exposes one)\n",
			       depths);
	cpuid(0xd, 1, r);
	EXPECT_TRUE(!!(r[2] & (1U << 15)))
		TH_LOG("CPUID.(0DH,1):ECX[15] (XSAVES LBR state) is clear");
	if (msr_fd < 0)
		return;
	ASSERT_EQ(0, rdmsr(MSR_LBR_DEPTH, &val)) TH_LOG("IA32_LBR_DEPTH is not readable");
	EXPECT_TRUE(val && !(val % 8) && val <= 64 &&
		    (depths & (1U << (val / 8 - 1))))
		TH_LOG("IA32_LBR_DEPTH %llu is not an enumerated depth",
		       (unsigned long long)val);
}

/* INUSE as the SDM computes it from the control MSRs, or ~0 if unreadable. */
static u64 expected_inuse(void)
{
	u64 sel, ctrl, pebs = 0, want = 0;
	unsigned int n, i;

	for (n = 0; n < pmu.nr_gp; n++) {
		if (rdmsr(MSR_PERFEVTSEL0 + n, &sel))
			return ~0ULL;
		if (sel & 0xff)
			want |= BIT_ULL(n);
		if (sel & BIT_ULL(20))
			want |= INUSE_PMI;
	}
	if (rdmsr(MSR_FIXED_CTR_CTRL, &ctrl))
		return ~0ULL;
	for (i = 0; i < MAX_FIXED; i++) {
		if (!fixed_exists(i))
			continue;
		if ((ctrl >> (4 * i)) & 0x3)
			want |= BIT_ULL(32 + i);
		if ((ctrl >> (4 * i)) & 0x8)
			want |= INUSE_PMI;
	}
	if (!rdmsr(MSR_PEBS_ENABLE, &pebs) && (pebs & (pmu.gp_mask | pmu.fixed_mask)))
		want |= INUSE_PMI;
	return want;
}

TEST(global_msrs)
{
	u64 ctrl, status, val, inuse = 0, again, want = 0;
	unsigned int tries;

	if (pmu.version < 2)
		SKIP(return, "architectural PMU version 1 has no global MSRs");
	if (msr_fd < 0)
		SKIP(return, "%s", msr_err);

	ASSERT_EQ(0, rdmsr(MSR_GLOBAL_CTRL, &ctrl));
	ASSERT_EQ(0, rdmsr(MSR_GLOBAL_STATUS, &status));
	ksft_print_msg("GLOBAL_CTRL 0x%llx GLOBAL_STATUS 0x%llx\n",
		       (unsigned long long)ctrl, (unsigned long long)status);
	EXPECT_EQ(0ULL, ctrl & ~(pmu.gp_mask | pmu.fixed_mask | CTRL_PERF_METRICS))
		TH_LOG("GLOBAL_CTRL enables counters that do not exist");
	EXPECT_EQ(0ULL, status & ~(pmu.gp_mask | pmu.fixed_mask | STATUS_FLAGS |
				   (pmu.version >= 4 ? STATUS_FREEZE : 0)))
		TH_LOG("GLOBAL_STATUS has reserved bits set");

	if (pmu.version < 4) {
		EXPECT_NE(0, rdmsr(MSR_GLOBAL_STATUS_SET, &val))
			TH_LOG("STATUS_SET readable below version 4");
		EXPECT_NE(0, rdmsr(MSR_GLOBAL_INUSE, &val))
			TH_LOG("INUSE readable below version 4");
		return;
	}

	val = ~0ULL;
	EXPECT_EQ(0, rdmsr(MSR_GLOBAL_STATUS_SET, &val));
	EXPECT_EQ(0ULL, val) TH_LOG("IA32_PERF_GLOBAL_STATUS_SET does not read 0");
	/* Perf may reprogram between reads: retry until a stable snapshot. */
	for (tries = 0; tries < 10; tries++) {
		ASSERT_EQ(0, rdmsr(MSR_GLOBAL_INUSE, &inuse))
			TH_LOG("IA32_PERF_GLOBAL_INUSE not readable");
		want = expected_inuse();
		ASSERT_EQ(0, rdmsr(MSR_GLOBAL_INUSE, &again));
		if (inuse == again && inuse == want)
			break;
	}
	ksft_print_msg("GLOBAL_INUSE 0x%llx, from the controls 0x%llx\n",
		       (unsigned long long)inuse, (unsigned long long)want);
	EXPECT_EQ(want, inuse)
		TH_LOG("IA32_PERF_GLOBAL_INUSE does not follow the controls");
}

TEST(fixed_counters)
{
	unsigned int i;
	u64 val;

	if (pmu.version < 2)
		SKIP(return, "architectural PMU version 1 has no fixed counters");
	if (msr_fd < 0)
		SKIP(return, "%s", msr_err);
	for (i = 0; i < NR_FIXED_MSRS; i++) {
		bool readable = !rdmsr(MSR_FIXED_CTR0 + i, &val);

		EXPECT_EQ(fixed_exists(i), readable)
			TH_LOG("IA32_FIXED_CTR%u: %s, but %s by CPUID.0AH",
			       i, readable ? "readable" : "#GP",
			       fixed_exists(i) ? "enumerated" : "not enumerated");
	}
}

/* @n taken branches in user space, nothing else. */
static void branch_loop(u64 n)
{
	asm volatile("1: dec %0; jnz 1b" : "+r"(n));
}

static bool kernel_address(u64 a)
{
	return a >= 0xffff800000000000ULL;
}

/* Copy @len bytes at ring offset @off (wrapping) into @dst. */
static void ring_copy(const char *data, u64 size, u64 off, void *dst,
		      u64 len)
{
	u64 i;

	for (i = 0; i < len; i++)
		((char *)dst)[i] = data[(off + i) % size];
}

TEST(perf_lbr_freeze)
{
	const long page = sysconf(_SC_PAGESIZE);
	const u64 data_size = 64 * page;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
		.sample_period = 20011,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_BRANCH_STACK,
		.branch_sample_type = PERF_SAMPLE_BRANCH_ANY |
				      PERF_SAMPLE_BRANCH_USER |
				      PERF_SAMPLE_BRANCH_KERNEL,
		.disabled = 1,
		.exclude_hv = 1,
	};
	unsigned int samples = 0, in = 0, frozen = 0, empty = 0;
	struct perf_event_mmap_page *meta;
	u64 head, tail, entry[3];
	struct timespec t0, t;
	char *base, *data;
	int fd;

	fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		SKIP(return, "kernel branch records need root or perf_event_paranoid <= 1 (%s)",
		     strerror(errno));
	if (fd < 0)
		SKIP(return, "no LBR: perf refuses branch-stack sampling (%s)",
		     strerror(errno));
	base = mmap(NULL, page + data_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	ASSERT_NE(MAP_FAILED, base) TH_LOG("mmap: %s", strerror(errno));
	meta = (struct perf_event_mmap_page *)base;
	data = base + page;

	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		branch_loop(1000000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L +
		 (t.tv_nsec - t0.tv_nsec) < 300000000L);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);

	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		u64 ip, nr, off;

		ring_copy(data, data_size, tail, &h, sizeof(h));
		if (!h.size)
			break;
		if (h.type == PERF_RECORD_SAMPLE) {
			off = tail + sizeof(h);
			ring_copy(data, data_size, off, &ip, 8);
			ring_copy(data, data_size, off + 8, &nr, 8);
			samples++;
			/* Taken in user space: in the loop (or the vDSO). */
			if (!kernel_address(ip)) {
				in++;
				if (!nr) {
					empty++;
				} else {
					/*
					 * entry[0..1]: from and to of the
					 * newest branch; an unfrozen stack
					 * ends in the PMI entry (user to
					 * kernel) or the handler's branches.
					 */
					ring_copy(data, data_size, off + 16,
						  entry, sizeof(entry));
					if (!kernel_address(entry[0]) &&
					    !kernel_address(entry[1]))
						frozen++;
				}
			}
		}
		tail += h.size;
	}
	munmap(base, page + data_size);
	close(fd);

	ksft_print_msg("%u samples, %u in user space: %u with a user newest record, %u empty\n",
		       samples, in, frozen, empty);
	ASSERT_GE(in, 20U) TH_LOG("only %u samples in user space", in);
	/* Unfrozen, the PMI handler's own kernel branches come first. */
	EXPECT_GE(frozen * 10, in * 9)
		TH_LOG("LBR not frozen on PMI: the newest record is a kernel branch in %u of %u",
		       in - frozen, in);
}

int main(int argc, char *argv[])
{
	u32 r[4];
	char vendor[13];

	cpuid(0, 0, r);
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = '\0';
	if (strcmp(vendor, "GenuineIntel"))
		ksft_exit_skip("not an Intel CPU (vendor %s)\n", vendor);
	if (r[0] < 0xa)
		ksft_exit_skip("no architectural PMU (no CPUID leaf 0AH)\n");
	read_pmu();
	if (!pmu.version)
		ksft_exit_skip("no architectural PMU (CPUID.0AH:EAX[7:0] = 0)\n");

	/*
	 * The harness ends each case with _exit(): a case's lines must not
	 * wait in a buffer (6.1's kselftest.h leaves stdout fully buffered
	 * on a pipe).
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	msr_fd = open("/dev/cpu/0/msr", O_RDONLY);
	if (msr_fd < 0)
		snprintf(msr_err, sizeof(msr_err),
			 "no /dev/cpu/0/msr (%s): load the msr module, run as root",
			 strerror(errno));

	return test_harness_run(argc, argv);
}
