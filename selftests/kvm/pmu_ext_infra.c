// SPDX-License-Identifier: GPL-2.0
/*
 * pmu_ext_infra: the machinery the five PMU tests stand on, checked on any
 * x86 host with /dev/kvm (it passes in make check's TCG VM under kvm_amd,
 * where the PMU tests can only skip):
 *  - guest_sync_and_checks: GUEST_SYNC carries its value to the host and a
 *    passing GUEST_CHECK_EQ stays silent;
 *  - exception_fixup: the exception-safe accessors return the vector:
 *    #GP for an MSR no hypervisor defines and for an invalid RDPMC index
 *    (also through the forced-emulation prefix when it is on), #UD for
 *    UD2, 0 for an MSR that exists;
 *  - pmi_vector_delivery: after guest_pmi_setup() LVTPC holds the PMI
 *    vector, the handler installed for it runs for a self-IPI on that
 *    vector once interrupts are on, guest_pmi_ack() lets the next one in,
 *    and two while interrupts are off arrive as one (the APIC's IRR);
 *  - runner_reports: this program run with --demo, whose cases pass, fail,
 *    skip (ours and the library's), fail a guest check, crash, hang
 *    silently and hang printing (the two hangs with their own 1 s
 *    timeout; the others keep the default, so a slow guest check under
 *    load is not cut short), prints exactly the KTAP lines, diagnostics
 *    and totals expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmu_ext.h"

/* An MSR number in KVM's own range that KVM does not define. */
#define MSR_NOWHERE		0x4b564dffU

static bool guest_fep;
static u64 irqs;

static void guest_sync_code(void)
{
	GUEST_CHECK_EQ(1 + 1, 2);
	GUEST_SYNC(7);
	GUEST_CHECK(true, 0, 0);
	GUEST_DONE();
}

static void test_sync(const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct ucall uc = {};
	struct kvm_vm *vm;

	vm = pmu_ext_vm_create(&vcpu, guest_sync_code);
	TEST_ASSERT(pmu_ext_run_vcpu(vcpu, &uc) == UCALL_SYNC, "no GUEST_SYNC");
	TEST_ASSERT(uc.args[1] == 7, "GUEST_SYNC(7) arrived as %lu", uc.args[1]);
	pmu_ext_run_to_done(vcpu);
	kvm_vm_free(vm);
}

static void guest_fixup_code(void)
{
	u64 val;
	u32 vector;

	GUEST_CHECK_EQ(rdmsr_safe(MSR_IA32_APICBASE, &val), 0);
	GUEST_CHECK(val, val, 0);
	GUEST_CHECK_EQ(rdmsr_safe(MSR_NOWHERE, &val), PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(wrmsr_safe(MSR_NOWHERE, 0), PMU_EXT_GP_VECTOR);
	GUEST_CHECK_EQ(guest_rdpmc_safe(0x3fffffff, &val), PMU_EXT_GP_VECTOR);

	asm volatile(PMU_EXT_ASM_SAFE("", "ud2")
		     : [vector] "=r"(vector) : : "r9", "r10", "r11", "memory");
	GUEST_CHECK_EQ(vector, PMU_EXT_UD_VECTOR);

	if (guest_fep) {
		GUEST_CHECK_EQ(guest_rdpmc_safe_fep(0x3fffffff, &val),
			       PMU_EXT_GP_VECTOR);
		asm volatile(PMU_EXT_ASM_SAFE(PMU_EXT_FEP, "nop")
			     : [vector] "=r"(vector) : : "r9", "r10", "r11",
			       "memory");
		GUEST_CHECK_EQ(vector, 0);
	}
	GUEST_DONE();
}

static void test_fixup(const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	guest_fep = pmu_ext_fep_enabled();
	printf("forced emulation %s\n", guest_fep ? "on" : "off");
	vm = pmu_ext_vm_create(&vcpu, guest_fixup_code);
	sync_global_to_guest(vm, guest_fep);
	pmu_ext_run_to_done(vcpu);
	kvm_vm_free(vm);
}

static void guest_irq_handler(struct ex_regs *regs)
{
	WRITE_ONCE(irqs, irqs + 1);
	guest_pmi_ack();
}

static void self_ipi(void)
{
	x2apic_write_reg(APIC_ICR, APIC_DEST_SELF | APIC_DM_FIXED |
			 PMU_EXT_PMI_VECTOR);
}

static void guest_irq_code(void)
{
	guest_pmi_setup();
	GUEST_CHECK_EQ(x2apic_read_reg(PMU_EXT_APIC_LVTPC), PMU_EXT_PMI_VECTOR);

	self_ipi();
	GUEST_CHECK_EQ(READ_ONCE(irqs), 0);	/* interrupts are off */
	GUEST_CHECK(guest_wait_pmi(&irqs, 0, 1000000), irqs, 1);
	GUEST_CHECK_EQ(READ_ONCE(irqs), 1);

	self_ipi();				/* the EOI let it in */
	GUEST_CHECK(guest_wait_pmi(&irqs, 1, 1000000), irqs, 2);

	self_ipi();
	self_ipi();
	GUEST_CHECK(guest_wait_pmi(&irqs, 2, 1000000), irqs, 3);
	GUEST_CHECK(!guest_wait_pmi(&irqs, 3, 100000), irqs, 3);
	GUEST_CHECK_EQ(READ_ONCE(irqs), 3);
	GUEST_DONE();
}

static void test_irq(const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = pmu_ext_vm_create(&vcpu, guest_irq_code);
	vm_install_exception_handler(vm, PMU_EXT_PMI_VECTOR, guest_irq_handler);
	pmu_ext_run_to_done(vcpu);
	kvm_vm_free(vm);
}

/* --demo: one case of each outcome. */

static void demo_pass(const void *arg)
{
}

static void demo_fail(const void *arg)
{
	TEST_FAIL("demo failure");
}

static void demo_skip(const void *arg)
{
	pmu_ext_skip("demo reason %d", 42);
}

static void demo_library_skip(const void *arg)
{
	__TEST_REQUIRE(false, "demo library reason");
}

static u64 one = 1;

static void guest_failing_code(void)
{
	pmu_ext_guest_ctx = 0x55;
	GUEST_CHECK_EQ(READ_ONCE(one), 2);
	GUEST_DONE();
}

static void demo_guest_check(const void *arg)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = pmu_ext_vm_create(&vcpu, guest_failing_code);
	pmu_ext_run_to_done(vcpu);
	kvm_vm_free(vm);
}

static void demo_crash(const void *arg)
{
	raise(SIGSEGV);
}

static void demo_hang(const void *arg)
{
	printf("a line before hanging\n");
	for (;;)
		pause();
}

static void demo_chatter(const void *arg)
{
	/* Output more often than the runner polls, forever. */
	for (;;) {
		printf("still here\n");
		fflush(stdout);
		usleep(50 * 1000);
	}
}

static const struct pmu_ext_case demo_cases[] = {
	{ "demo_pass", demo_pass, NULL },
	{ "demo_fail", demo_fail, NULL },
	{ "demo_skip", demo_skip, NULL },
	{ "demo_library_skip", demo_library_skip, NULL },
	{ "demo_guest_check", demo_guest_check, NULL },
	{ "demo_crash", demo_crash, NULL },
	{ "demo_hang", demo_hang, NULL, .timeout = 1 },
	{ "demo_chatter", demo_chatter, NULL, .timeout = 1 },
};

static const char *const demo_expect[] = {
	"1..8\n",
	"\nok 1 demo_pass\n",
	"\nnot ok 2 demo_fail # exit status ",
	"demo failure",
	"\nok 3 demo_skip # SKIP demo reason 42\n",
	"\nok 4 demo_library_skip # SKIP - demo library reason\n",
	"guest check failed at ",
	"pmu_ext_infra.c:",
	": READ_ONCE(one) == 2 (values 0x1, 0x2; context 0x55)",
	"\nnot ok 5 demo_guest_check # exit status ",
	"\nnot ok 6 demo_crash # killed by signal 11",
	"\n# a line before hanging\n",
	"\nnot ok 7 demo_hang # timed out after 1 s\n",
	"\n# still here\n",
	"\nnot ok 8 demo_chatter # timed out after 1 s\n",
	"# Totals: pass:1 fail:5 xfail:0 xpass:0 skip:2 error:0\n",
};

static void test_runner(const void *arg)
{
	char exe[PATH_MAX], out[65536];
	size_t used = 0;
	ssize_t n, len;
	unsigned int i;
	int fds[2], status;
	pid_t pid;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	TEST_ASSERT(len > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[len] = '\0';
	TEST_ASSERT(!pipe(fds), "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		execl(exe, exe, "--demo", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += n;
	out[used] = '\0';
	close(fds[0]);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");

	for (i = 0; i < ARRAY_SIZE(demo_expect); i++)
		TEST_ASSERT(strstr(out, demo_expect[i]),
			    "--demo output lacks \"%s\"; it was:\n%s",
			    demo_expect[i], out);
	TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_FAIL,
		    "--demo exit status 0x%x, expected %d", status, KSFT_FAIL);
}

static const struct pmu_ext_case cases[] = {
	{ "guest_sync_and_checks", test_sync, NULL },
	{ "exception_fixup", test_fixup, NULL },
	{ "pmi_vector_delivery", test_irq, NULL },
	{ "runner_reports", test_runner, NULL },
};

int main(int argc, char *argv[])
{
	if (argc > 1 && !strcmp(argv[1], "--demo")) {
		pmu_ext_header();
		return pmu_ext_run_cases(demo_cases, ARRAY_SIZE(demo_cases));
	}
	pmu_ext_require_kvm();
	return pmu_ext_run_cases(cases, ARRAY_SIZE(cases));
}
