/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites share: one fallback for 6.1's KUnit and a
 * reproducible pseudo-random source for the tests that walk many states.
 */
#ifndef VPMU_KUNIT_H
#define VPMU_KUNIT_H

#include <kunit/test.h>
#include <linux/string.h>
#include <linux/types.h>

/* KUNIT_ARRAY_PARAM_DESC arrived in 6.6; 6.1 has the callback form only. */
#ifndef KUNIT_ARRAY_PARAM_DESC
#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)		\
	static void name##_desc(typeof(array[0]) *p, char *desc)	\
	{								\
		strscpy(desc, (*p).desc_member, KUNIT_PARAM_DESC_SIZE);	\
	}								\
	KUNIT_ARRAY_PARAM(name, array, name##_desc)
#endif

/*
 * Define and register the suite @sname of @cases, with the fixture
 * @init_fn and @exit_fn (NULL for none).  scripts/check.sh reads the
 * suite names from these lines: every one must run in every kernel.
 */
#define VPMU_KUNIT_SUITE(sname, cases, init_fn, exit_fn)		\
	static struct kunit_suite sname##_suite = {			\
		.name = #sname,						\
		.init = init_fn,					\
		.exit = exit_fn,					\
		.test_cases = cases,					\
	};								\
	kunit_test_suite(sname##_suite)

/* xorshift64: the same sequence on every run, so a failure reproduces. */
static inline u64 vpmu_kunit_rand(u64 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif /* VPMU_KUNIT_H */
