// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "vpmu_glue_hooks": how calls reach the originals.  Every
 * wrapper calls its original once, through the static call the engine
 * points at it, with the caller's arguments, and returns its result; the
 * engine installs a hook on a real static call, routes through the
 * wrapper to the original by a static call of ours, and takes it back;
 * kallsyms_lookup_name() is reached through a static call too.
 */
#include <linux/jiffies.h>
#include <linux/kallsyms.h>

#include "glue_bench.h"
#include "vpmu_kunit.h"

/* Every wrapper's call, summed over hooks and CPUs. */
static unsigned long hooks_calls(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < VPMU_HOOK_MAX; i++)
		n += vpmu_hook_calls(i);
	return n;
}

/*
 * One wrapper, called the way KVM calls the op: @msr_op or @vcpu_op by
 * its prototype (is_valid_msr and guest_get_msrs have their own row
 * shape in the body); @ret is what the fake returns (glue_bench.c).
 */
struct hooks_case {
	const char *name;
	enum bench_fake fake;
	int (*msr_op)(struct kvm_vcpu *vcpu, struct msr_data *msr);
	void (*vcpu_op)(struct kvm_vcpu *vcpu);
	long ret;
};

static const struct hooks_case hooks_cases[] = {
	{ "vcpu_free", BENCH_VCPU_FREE, NULL, vpmu_wrap_vcpu_free, 0 },
	{ "pmu_is_valid_msr", BENCH_PMU_IS_VALID_MSR, NULL, NULL, 0 },
	{ "pmu_get_msr", BENCH_PMU_GET_MSR, vpmu_wrap_pmu_get_msr, NULL, 1 },
	{ "pmu_set_msr", BENCH_PMU_SET_MSR, vpmu_wrap_pmu_set_msr, NULL, 1 },
	{ "pmu_refresh", BENCH_PMU_REFRESH, NULL, vpmu_wrap_pmu_refresh, 0 },
	{ "pmu_reset", BENCH_PMU_RESET, NULL, vpmu_wrap_pmu_reset, 0 },
	{ "pmu_deliver_pmi", BENCH_PMU_DELIVER_PMI, NULL,
	  vpmu_wrap_pmu_deliver_pmi, 0 },
	{ "pmu_cleanup", BENCH_PMU_CLEANUP, NULL, vpmu_wrap_pmu_cleanup, 0 },
	{ "get_msr", BENCH_GET_MSR, vpmu_wrap_get_msr, NULL, 0 },
	{ "set_msr", BENCH_SET_MSR, vpmu_wrap_set_msr, NULL, 0 },
	{ "guest_get_msrs", BENCH_GUEST_GET_MSRS, NULL, NULL, 1 },
};

KUNIT_ARRAY_PARAM_DESC(hooks_wrapper, hooks_cases, name);

static long hooks_call(const struct hooks_case *c, struct kvm_vcpu *vcpu,
		       struct msr_data *msr)
{
	unsigned long flags;
	void *list;
	int nr;

	if (c->msr_op)
		return c->msr_op(vcpu, msr);
	if (c->vcpu_op) {
		c->vcpu_op(vcpu);
		return 0;
	}
	if (c->fake == BENCH_PMU_IS_VALID_MSR)
		return vpmu_wrap_pmu_is_valid_msr(vcpu, msr->index);
	/* Before VM-entry, interrupts off. */
	local_irq_save(flags);
	list = vpmu_wrap_guest_get_msrs(&nr, &vcpu->arch.pmu);
	local_irq_restore(flags);
	return list == &bench.msr && nr == 1;
}

/* A vCPU without module state: each wrapper is a pure call-through. */
static void hooks_test_call_through(struct kunit *test)
{
	const struct hooks_case *c = test->param_value;
	struct kvm_vcpu *vcpu = bench_vcpu(test, bench_vm(test, 1), 0);
	struct msr_data msr = { .index = 0x1234, .data = 5 };
	unsigned long calls = hooks_calls();
	unsigned int i;

	KUNIT_EXPECT_EQ(test, hooks_call(c, vcpu, &msr), c->ret);
	for (i = 0; i < BENCH_NR; i++)
		KUNIT_EXPECT_EQ_MSG(test, bench.calls[i], i == c->fake ? 1U : 0U,
				    "fake %u", i);
	if (c->fake != BENCH_GUEST_GET_MSRS)
		KUNIT_EXPECT_PTR_EQ(test, bench.last_vcpu, vcpu);
	KUNIT_EXPECT_EQ(test, hooks_calls(), calls + 1);
}

/* ---- the engine on a real static call --------------------------------- */

static unsigned int hooks_wrapped;
static unsigned int hooks_test_wrapper(const unsigned long j);

/* The "kernel's" static call, aimed at a vmlinux function, and ours. */
DEFINE_STATIC_CALL(vpmu_kunit_op, jiffies_to_msecs);
DEFINE_STATIC_CALL_NULL(vpmu_kunit_orig, hooks_test_wrapper);

static unsigned int hooks_test_wrapper(const unsigned long j)
{
	hooks_wrapped++;
	return static_call(vpmu_kunit_orig)(j) + 1;
}

static const char hooks_test_op_name[] = "vpmu_kunit_op";
static struct vpmu_hook hooks_test_hook;
static struct vpmu_hook_table hooks_test_table = {
	.hooks = &hooks_test_hook,
	.nr = 1,
};

/*
 * Resolved by hand: resolving by name would pin this module, which on 6.1
 * is still in its init while KUnit runs.
 */
static void hooks_test_describe(bool with_orig)
{
	hooks_test_hook = (struct vpmu_hook) {
		.kind = VPMU_HOOK_STATIC_CALL,
		.name = hooks_test_op_name,
		.object = KBUILD_MODNAME,
		.target = VPMU_HOOK_VMLINUX,
		.wrapper = hooks_test_wrapper,
		.key = &STATIC_CALL_KEY(vpmu_kunit_op),
		.tramp = STATIC_CALL_TRAMP_ADDR(vpmu_kunit_op),
		.state = VPMU_HOOK_RESOLVED,
	};
	if (with_orig) {
		hooks_test_hook.orig_key = &STATIC_CALL_KEY(vpmu_kunit_orig);
		hooks_test_hook.orig_tramp = STATIC_CALL_TRAMP_ADDR(vpmu_kunit_orig);
	}
}

static void hooks_test_engine_route(struct kunit *test)
{
	unsigned long j = msecs_to_jiffies(1000);

	KUNIT_ASSERT_EQ(test, vpmu_hook_lookup_init(), 0);
	hooks_test_describe(true);
	hooks_wrapped = 0;
	KUNIT_ASSERT_EQ(test, vpmu_hook_install(&hooks_test_table), 0);
	KUNIT_EXPECT_EQ(test, hooks_test_hook.state, VPMU_HOOK_INSTALLED);
	/* Our static call now reaches the original, directly. */
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_orig).func,
			    (void *)jiffies_to_msecs);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_op).func,
			    (void *)hooks_test_wrapper);
	KUNIT_EXPECT_EQ(test, static_call(vpmu_kunit_op)(j), 1001U);
	KUNIT_EXPECT_EQ(test, hooks_wrapped, 1U);

	vpmu_hook_uninstall(&hooks_test_table);
	KUNIT_EXPECT_EQ(test, hooks_test_hook.state, VPMU_HOOK_RESOLVED);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_op).func,
			    (void *)jiffies_to_msecs);
	KUNIT_EXPECT_EQ(test, static_call(vpmu_kunit_op)(j), 1000U);
	KUNIT_EXPECT_EQ(test, hooks_wrapped, 1U);
}

/* A hook with no static call for its original is refused, untouched. */
static void hooks_test_engine_needs_orig(struct kunit *test)
{
	hooks_test_describe(false);
	KUNIT_EXPECT_EQ(test, vpmu_hook_install(&hooks_test_table), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_op).func,
			    (void *)jiffies_to_msecs);
	KUNIT_EXPECT_NE(test, hooks_test_hook.state, VPMU_HOOK_INSTALLED);
}

/* A target outside the expected object is someone else's hook. */
static void hooks_test_engine_foreign(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, vpmu_hook_lookup_init(), 0);
	static_call_update(vpmu_kunit_op, hooks_test_wrapper);
	hooks_test_describe(true);
	KUNIT_EXPECT_EQ(test, vpmu_hook_install(&hooks_test_table), -EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_op).func,
			    (void *)hooks_test_wrapper);
	static_call_update(vpmu_kunit_op, jiffies_to_msecs);
}

/*
 * A function the glue calls, found by lookup: reached through a static
 * call of ours, left alone when it is not there.
 */
static void hooks_test_callee(struct kunit *test)
{
	struct vpmu_hook_callee c = {
		VPMU_HOOK_VMLINUX, "jiffies_to_msecs", NULL,
		VPMU_HOOK_ORIG(vpmu_kunit_orig),
	};
	struct vpmu_hook_table t = { .hooks = NULL, .nr = 0 };
	unsigned long j = msecs_to_jiffies(1000);

	KUNIT_ASSERT_EQ(test, vpmu_hook_lookup_init(), 0);
	static_call_update(vpmu_kunit_orig, hooks_test_wrapper);
	c.name = "vpmu_no_such_function";
	KUNIT_EXPECT_EQ(test, vpmu_hook_callee(&t, &c), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_orig).func,
			    (void *)hooks_test_wrapper);
	c.name = "jiffies_to_msecs";
	KUNIT_EXPECT_EQ(test, vpmu_hook_callee(&t, &c), 0);
	KUNIT_EXPECT_PTR_EQ(test, STATIC_CALL_KEY(vpmu_kunit_orig).func,
			    (void *)jiffies_to_msecs);
	KUNIT_EXPECT_EQ(test, static_call(vpmu_kunit_orig)(j), 1000U);
	vpmu_hook_release(&t);
}

DECLARE_STATIC_CALL(vpmu_kallsyms_lookup_name, kallsyms_lookup_name);

/* kallsyms_lookup_name() is sealed on IBT kernels: reached directly. */
static void hooks_test_lookup_static_call(struct kunit *test)
{
	unsigned long self;

	KUNIT_ASSERT_EQ(test, vpmu_hook_lookup_init(), 0);
	self = vpmu_hook_lookup("kallsyms_lookup_name");
	KUNIT_EXPECT_NE(test, self, 0UL);
	KUNIT_EXPECT_EQ(test,
			(unsigned long)STATIC_CALL_KEY(vpmu_kallsyms_lookup_name).func,
			self);
	KUNIT_EXPECT_EQ(test, vpmu_hook_lookup("jiffies_to_msecs"),
			(unsigned long)jiffies_to_msecs);
	KUNIT_EXPECT_EQ(test, vpmu_hook_lookup("vpmu_no_such_symbol_anywhere"),
			0UL);
}

static struct kunit_case hooks_test_cases[] = {
	KUNIT_CASE_PARAM(hooks_test_call_through, hooks_wrapper_gen_params),
	KUNIT_CASE(hooks_test_engine_route),
	KUNIT_CASE(hooks_test_engine_needs_orig),
	KUNIT_CASE(hooks_test_engine_foreign),
	KUNIT_CASE(hooks_test_lookup_static_call),
	KUNIT_CASE(hooks_test_callee),
	{}
};

VPMU_KUNIT_SUITE(vpmu_glue_hooks, hooks_test_cases, bench_init, bench_exit);
