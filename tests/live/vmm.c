// SPDX-License-Identifier: GPL-2.0
/*
 * vmm: the smallest VMM the live test needs.  One VM, one vCPU in real
 * mode, whose guest reads one MSR in a loop and reports each value on an
 * I/O port.  An RDMSR that KVM does not handle exits to us
 * (KVM_CAP_X86_USER_SPACE_MSR), so every read has one of these outcomes:
 *
 *   value      KVM answered; the value read
 *   unhandled  KVM does not know the MSR (exit reason UNKNOWN)
 *   invalid    KVM knew it but refused the access (reason INVAL: #GP)
 *   filtered   an MSR filter refused it (reason FILTER)
 *   fault      the guest took an exception
 *
 * The same binary loads modules with one finit_module() call (busybox
 * insmod retries a failed finit_module() with init_module(), which would
 * run a refusing module's init twice).
 *
 * Usage (built with cc -static; runs in the test VM's initramfs):
 *   vmm insmod FILE [PARAM...] load a module; prints "insmod: rc=<errno>",
 *                              exit status 0 on success, 1 on failure
 *   vmm once MSR N             N reads; prints "outcome=<o> value=0x..."
 *                              when all N agree, exit 0; else exit 1
 *   vmm loop MSR VALUE STOP    reads until file STOP exists; every read
 *                              must be "value VALUE" or "unhandled"; prints
 *                              counts, exit 0 when no read was anything else
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <vpmu/types.h>

#define MEM_SIZE	0x10000
#define CODE_ADDR	0x1000
#define FAULT_ADDR	0x2000
#define PORT_VALUE	0x10
#define PORT_FAULT	0x11
/* What we hand the guest for an RDMSR that exited to us. */
#define EXIT_MARK	0xe417e417e417e417ULL
/* A loop never runs longer than this, whatever STOP does. */
#define LOOP_LIMIT_S	300

enum outcome { O_VALUE, O_UNHANDLED, O_INVALID, O_FILTERED, O_FAULT, O_NR };

static const char *const outcome_names[O_NR] = {
	"value", "unhandled", "invalid", "filtered", "fault",
};

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	u8 *mem;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vmm: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (%s)\n", strerror(errno));
	va_end(ap);
	exit(2);
}

static void put(u8 *p, const u8 *bytes, size_t n)
{
	memcpy(p, bytes, n);
}

static void vm_create(struct vm *v, u32 msr)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_enable_cap cap = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };
	long mmap_size;
	unsigned int i;
	/* mov ecx, msr; rdmsr; out PORT_VALUE, al; jmp back to the mov */
	u8 code[] = {
		0x66, 0xb9, msr, msr >> 8, msr >> 16, msr >> 24,
		0x0f, 0x32,
		0xe6, PORT_VALUE,
		0xeb, (u8)-12,
	};
	/* out PORT_FAULT, al; hlt */
	const u8 fault[] = { 0xe6, PORT_FAULT, 0xf4 };

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		die("open /dev/kvm");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		die("KVM_CREATE_VM");
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		die("mmap guest memory");
	/* Every real-mode interrupt vector points at the fault stub. */
	for (i = 0; i < 256; i++) {
		v->mem[i * 4 + 0] = FAULT_ADDR & 0xff;
		v->mem[i * 4 + 1] = FAULT_ADDR >> 8;
		v->mem[i * 4 + 2] = 0;
		v->mem[i * 4 + 3] = 0;
	}
	put(v->mem + CODE_ADDR, code, sizeof(code));
	put(v->mem + FAULT_ADDR, fault, sizeof(fault));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
	cap.args[0] = KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
		      KVM_MSR_EXIT_REASON_FILTER;
	if (ioctl(v->vm, KVM_ENABLE_CAP, &cap) < 0)
		die("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		die("KVM_CREATE_VCPU");
	mmap_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (long)sizeof(*v->run))
		die("KVM_GET_VCPU_MMAP_SIZE");
	v->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	if (ioctl(v->vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS");
	regs.rip = CODE_ADDR;
	regs.rsp = 0x8000;
	regs.rflags = 0x2;
	if (ioctl(v->vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS");
}

/* Run the guest until it reports one read. */
static enum outcome vm_read(struct vm *v, u64 *value)
{
	enum outcome o = O_VALUE;
	struct kvm_regs regs;

	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_X86_RDMSR:
			if (v->run->msr.reason == KVM_MSR_EXIT_REASON_UNKNOWN)
				o = O_UNHANDLED;
			else if (v->run->msr.reason == KVM_MSR_EXIT_REASON_FILTER)
				o = O_FILTERED;
			else
				o = O_INVALID;
			v->run->msr.error = 0;
			v->run->msr.data = EXIT_MARK;
			continue;
		case KVM_EXIT_IO:
			if (v->run->io.port == PORT_FAULT) {
				*value = 0;
				return O_FAULT;
			}
			if (v->run->io.port != PORT_VALUE)
				break;
			if (ioctl(v->vcpu, KVM_GET_REGS, &regs) < 0)
				die("KVM_GET_REGS");
			*value = (regs.rdx << 32) | (u32)regs.rax;
			return o;
		default:
			break;
		}
		fprintf(stderr, "vmm: unexpected exit %u\n", v->run->exit_reason);
		exit(2);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_once(struct vm *v, unsigned long n)
{
	enum outcome first = O_NR, o;
	u64 value, first_value = 0;
	unsigned long i;
	int agree = 1;

	for (i = 0; i < n; i++) {
		o = vm_read(v, &value);
		if (o != O_VALUE)
			value = 0;
		if (!i) {
			first = o;
			first_value = value;
		} else if (o != first || value != first_value) {
			agree = 0;
		}
	}
	printf("outcome=%s value=0x%llx reads=%lu%s\n", outcome_names[first],
	       (unsigned long long)first_value, n, agree ? "" : " DISAGREE");
	return agree ? 0 : 1;
}

static int do_loop(struct vm *v, u64 expect, const char *stop)
{
	unsigned long count[O_NR] = { 0 }, reads = 0, switches = 0, wrong = 0;
	enum outcome o, last = O_NR;
	double t0 = now();
	struct stat st;
	u64 value;

	for (;;) {
		o = vm_read(v, &value);
		reads++;
		if (o == O_VALUE && value != expect) {
			if (wrong++ < 5)
				printf("loop: read %lu: value 0x%llx\n", reads,
				       (unsigned long long)value);
			o = O_NR;
		} else {
			count[o]++;
			if (o != O_VALUE && o != O_UNHANDLED && wrong++ < 5)
				printf("loop: read %lu: %s\n", reads,
				       outcome_names[o]);
		}
		if (o != last && last != O_NR && o != O_NR)
			switches++;
		if (o != O_NR)
			last = o;
		if (!(reads & 63) &&
		    (!stat(stop, &st) || now() - t0 > LOOP_LIMIT_S))
			break;
	}
	printf("loop: reads=%lu value=%lu unhandled=%lu other=%lu switches=%lu seconds=%.1f\n",
	       reads, count[O_VALUE], count[O_UNHANDLED], wrong, switches,
	       now() - t0);
	return wrong ? 1 : 0;
}

static int do_insmod(const char *file, const char *params)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		die("open %s", file);
	if (syscall(SYS_finit_module, fd, params, 0))
		err = errno;
	close(fd);
	printf("insmod: rc=%d%s%s\n", err, err ? " " : "",
	       err ? strerror(err) : "");
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct vm v;
	u32 msr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && !strcmp(argv[1], "insmod")) {
		char params[1024] = "";
		int i;

		for (i = 3; i < argc; i++) {
			if (i > 3)
				strncat(params, " ", sizeof(params) - strlen(params) - 1);
			strncat(params, argv[i], sizeof(params) - strlen(params) - 1);
		}
		return do_insmod(argv[2], params);
	}
	if (argc == 4 && !strcmp(argv[1], "once")) {
		msr = strtoul(argv[2], NULL, 0);
		vm_create(&v, msr);
		return do_once(&v, strtoul(argv[3], NULL, 0));
	}
	if (argc == 5 && !strcmp(argv[1], "loop")) {
		msr = strtoul(argv[2], NULL, 0);
		vm_create(&v, msr);
		return do_loop(&v, strtoull(argv[3], NULL, 0), argv[4]);
	}
	fprintf(stderr, "usage: vmm insmod FILE [PARAM...] | once MSR N | loop MSR VALUE STOP\n");
	return 2;
}
