// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the guest PEBS switch list: per scenario, the MSRs loaded
 * per VM-entry (entries whose host and guest values differ) with the
 * list Linux 6.1's perf returns, the one 6.12's returns, and each of them
 * refined by the module; and the instructions one vpmu_pebs_refine()
 * call takes on each (callgrind).
 *
 *   bench_pebs                   print the table
 *   bench_pebs --op NAME N       run bench_op_NAME N times on the scenario
 *                                named by $BENCH_PEBS_SCENARIO (callgrind)
 *
 * Counter bits: GP n = bit n, fixed i = bit 32 + i.  Every host has 8 GP
 * and 3 fixed counters (perf's intel_ctrl has them all), PEBS with
 * isolation, guest PEBS through EPT and adaptive PEBS unless noted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "callgrind.h"
#include "compat.h"
#include "pebs_models.h"

#define GP(n)		VPMU_BIT_ULL(n)
#define ALL		(VPMU_GENMASK_ULL(7, 0) | VPMU_GENMASK_ULL(34, 32))
#define HOST_DS		0xfffffe0000001000ULL
#define HOST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP)
#define GUEST_DS	0xffffc90000400000ULL
#define GUEST_CFG	VPMU_PEBS_DATA_CFG_MEMINFO
#define IR_CALLS	200000L

struct scenario {
	const char *name;
	struct pebs_perf perf;
	struct vpmu_pebs_vcpu vcpu;
};

#define PERF_BASE \
	.intel_ctrl = ALL, .pebs_capable = ~0ULL, .ds = HOST_DS, \
	.pebs_data_cfg = HOST_CFG, .pebs = true, .pebs_ept = true, \
	.pebs_baseline = true

static const struct scenario scenarios[] = {
	{
		/* vPMU exposed, guest has never touched it */
		.name = "idle vPMU",
		.perf = { PERF_BASE },
	}, {
		/* guest `perf stat`: KVM's guest-only events on GP 0-1 */
		.name = "guest counting, no PEBS",
		.perf = { PERF_BASE, .guest_mask = GP(0) | GP(1) },
	}, {
		/* a guest that set up PEBS earlier and counts without it now */
		.name = "guest PEBS set up, idle",
		.perf = { PERF_BASE, .guest_mask = GP(0) | GP(1) },
		.vcpu = { .ds_area = GUEST_DS, .pebs_data_cfg = GUEST_CFG },
	}, {
		/* guest `perf record -e cycles:pp` on GP 0 */
		.name = "guest PEBS sampling",
		.perf = { PERF_BASE, .guest_mask = GP(0), .pebs_enabled = GP(0) },
		.vcpu = { .pebs_enable = GP(0), .ds_area = GUEST_DS,
			  .pebs_data_cfg = GUEST_CFG },
	}, {
		/* the same guest while host perf samples with PEBS on GP 2 */
		.name = "host perf PEBS + guest",
		.perf = { PERF_BASE, .guest_mask = GP(0), .host_mask = GP(2),
			  .pebs_enabled = GP(0) | GP(2) },
		.vcpu = { .pebs_enable = GP(0), .ds_area = GUEST_DS,
			  .pebs_data_cfg = GUEST_CFG },
	}, {
		/* guest PEBS on its GP 0, which perf placed on GP 1 */
		.name = "cross-mapped",
		.perf = { PERF_BASE, .guest_mask = GP(1), .pebs_enabled = GP(1) },
		.vcpu = { .pebs_enable = GP(0), .cross_mapped = GP(1),
			  .ds_area = GUEST_DS, .pebs_data_cfg = GUEST_CFG },
	}, {
		/* pre-isolation CPU: host PEBS on GP 2, guest counts on GP 0 */
		.name = "no isolation",
		.perf = { .pebs_capable = VPMU_GENMASK_ULL(3, 0),
			  .ds = HOST_DS, .pebs = true, .pebs_no_isolation = true,
			  .intel_ctrl = ALL, .guest_mask = GP(0),
			  .host_mask = GP(2), .pebs_enabled = GP(2) },
	},
};

#define NR_SCENARIOS	ARRAY_SIZE(scenarios)

/* What each kernel's perf returned for the scenario under callgrind. */
static const struct scenario *op_scenario;
static struct vpmu_switch_msr op_list61[VPMU_SWITCH_MAX], op_list612[VPMU_SWITCH_MAX];
static unsigned int op_n61, op_n612, op_sink;

noinline unsigned int bench_op_refine61(void);
noinline unsigned int bench_op_refine612(void);

noinline unsigned int bench_op_refine61(void)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];

	return vpmu_pebs_refine(op_list61, op_n61, &op_scenario->vcpu, out);
}

noinline unsigned int bench_op_refine612(void)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];

	return vpmu_pebs_refine(op_list612, op_n612, &op_scenario->vcpu, out);
}

static void perf_lists(const struct scenario *s)
{
	op_scenario = s;
	op_n61 = perf61_intel_guest_get_msrs(&s->perf, &s->vcpu, op_list61);
	op_n612 = perf612_intel_guest_get_msrs(&s->perf, &s->vcpu, op_list612);
}

static int run_op(const char *name, long n)
{
	unsigned int (*op)(void);
	const char *env = getenv("BENCH_PEBS_SCENARIO");
	unsigned long idx = env ? strtoul(env, NULL, 10) : 0;
	long i;

	if (idx >= NR_SCENARIOS)
		return 2;
	perf_lists(&scenarios[idx]);
	if (!strcmp(name, "bench_op_refine61"))
		op = bench_op_refine61;
	else if (!strcmp(name, "bench_op_refine612"))
		op = bench_op_refine612;
	else
		return 2;
	for (i = 0; i < n; i++)
		op_sink += op();
	return op_sink ? 0 : 1;
}

static void print_ir(double ir)
{
	if (ir < 0)
		printf(" %9s", "n/a");
	else
		printf(" %9.1f", ir);
}

int main(int argc, char **argv)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	unsigned int i, n61, n612;
	char idx[16];

	if (argc == 4 && !strcmp(argv[1], "--op"))
		return run_op(argv[2], atol(argv[3]));

	printf("guest PEBS: MSRs loaded per VM-entry (host != guest) with perf's list ");
	printf("and refined by the module, instructions per refine call (Ir)\n");
	printf("%-26s %8s %8s %8s %8s %9s %9s\n", "scenario", "6.1", "ours/6.1",
	       "6.12", "ours/6.12", "Ir/6.1", "Ir/6.12");
	for (i = 0; i < NR_SCENARIOS; i++) {
		const struct scenario *s = &scenarios[i];

		perf_lists(s);
		printf("%-26s %8u", s->name, pebs_loads(op_list61, op_n61));
		n61 = vpmu_pebs_refine(op_list61, op_n61, &s->vcpu, out);
		printf(" %8u", pebs_loads(out, n61));
		printf(" %8u", pebs_loads(op_list612, op_n612));
		n612 = vpmu_pebs_refine(op_list612, op_n612, &s->vcpu, out);
		printf(" %9u", pebs_loads(out, n612));

		snprintf(idx, sizeof(idx), "%u", i);
		setenv("BENCH_PEBS_SCENARIO", idx, 1);
		print_ir(vpmu_ir_per_call(argv[0], "bench_op_refine61", IR_CALLS));
		print_ir(vpmu_ir_per_call(argv[0], "bench_op_refine612", IR_CALLS));
		printf("\n");
	}
	return 0;
}
