// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the guest PEBS switch list: per scenario, the entries of
 * the list and the MSRs actually loaded per VM-entry (entries whose host
 * and guest values differ) under MINIMAL and COMPAT, and the instructions
 * one vpmu_pebs_switch_list() call takes (callgrind).
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

#define GP(n)		VPMU_BIT_ULL(n)
#define ALL		(VPMU_GENMASK_ULL(7, 0) | VPMU_GENMASK_ULL(34, 32))
#define HOST_DS		0xfffffe0000001000ULL
#define HOST_CFG	(VPMU_PEBS_DATA_CFG_MEMINFO | VPMU_PEBS_DATA_CFG_GP)
#define GUEST_DS	0xffffc90000400000ULL
#define GUEST_CFG	VPMU_PEBS_DATA_CFG_MEMINFO
#define IR_CALLS	200000L

struct scenario {
	const char *name;
	struct vpmu_host_pmu host;
	struct vpmu_guest_pebs guest;
};

#define HOST_BASE \
	.intel_ctrl = ALL, .pebs_capable = ~0ULL, .ds_area = HOST_DS, \
	.pebs = true, .pebs_ept = true, .pebs_baseline = true

static const struct scenario scenarios[] = {
	{
		/* vPMU exposed, guest has never touched it */
		.name = "idle vPMU",
		.host = { HOST_BASE },
		.guest = { 0 },
	}, {
		/* guest `perf stat`: KVM's guest-only events on GP 0-1 */
		.name = "guest counting, no PEBS",
		.host = { HOST_BASE, .guest_mask = GP(0) | GP(1) },
		.guest = { 0 },
	}, {
		/* guest `perf record -e cycles:pp` on GP 0 */
		.name = "guest PEBS sampling",
		.host = { HOST_BASE, .guest_mask = GP(0), .pebs_enabled = GP(0) },
		.guest = { .pebs_enable = GP(0), .ds_area = GUEST_DS,
			   .pebs_data_cfg = GUEST_CFG },
	}, {
		/* the same guest while host perf samples with PEBS on GP 2 */
		.name = "host perf PEBS + guest",
		.host = { HOST_BASE, .pebs_data_cfg = HOST_CFG,
			  .guest_mask = GP(0), .host_mask = GP(2),
			  .pebs_enabled = GP(0) | GP(2) },
		.guest = { .pebs_enable = GP(0), .ds_area = GUEST_DS,
			   .pebs_data_cfg = GUEST_CFG },
	}, {
		/* guest PEBS on its GP 0, which perf placed on GP 1 */
		.name = "cross-mapped",
		.host = { HOST_BASE, .guest_mask = GP(1), .pebs_enabled = GP(1) },
		.guest = { .pebs_enable = GP(0), .cross_mapped = GP(1),
			   .ds_area = GUEST_DS, .pebs_data_cfg = GUEST_CFG },
	}, {
		/* pre-isolation CPU: host PEBS on GP 2, guest counts on GP 0 */
		.name = "no isolation",
		.host = { .pebs_capable = VPMU_GENMASK_ULL(3, 0),
			  .ds_area = HOST_DS, .pebs = true,
			  .pebs_no_isolation = true,
			  .intel_ctrl = ALL,
			  .guest_mask = GP(0), .host_mask = GP(2),
			  .pebs_enabled = GP(2) },
		.guest = { 0 },
	},
};

#define NR_SCENARIOS	ARRAY_SIZE(scenarios)

static const struct scenario *op_scenario;
static unsigned int op_sink;

static unsigned int loads(const struct vpmu_switch_msr *out, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += out[i].host != out[i].guest;
	return k;
}

noinline unsigned int bench_op_minimal(void);
noinline unsigned int bench_op_compat(void);

noinline unsigned int bench_op_minimal(void)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];

	return vpmu_pebs_switch_list(&op_scenario->host, &op_scenario->guest,
				     VPMU_SWITCH_MINIMAL, out);
}

noinline unsigned int bench_op_compat(void)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];

	return vpmu_pebs_switch_list(&op_scenario->host, &op_scenario->guest,
				     VPMU_SWITCH_COMPAT, out);
}

static int run_op(const char *name, long n)
{
	unsigned int (*op)(void);
	const char *env = getenv("BENCH_PEBS_SCENARIO");
	unsigned long idx = env ? strtoul(env, NULL, 10) : 0;
	long i;

	if (idx >= NR_SCENARIOS)
		return 2;
	op_scenario = &scenarios[idx];
	if (!strcmp(name, "bench_op_minimal"))
		op = bench_op_minimal;
	else if (!strcmp(name, "bench_op_compat"))
		op = bench_op_compat;
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
	unsigned int i, nmin, ncmp;
	char idx[16];

	if (argc == 4 && !strcmp(argv[1], "--op"))
		return run_op(argv[2], atol(argv[3]));

	printf("guest PEBS switch list per VM-entry: entries, MSRs loaded ");
	printf("(host != guest), instructions per call (Ir)\n");
	printf("%-26s %8s %8s %8s %8s %9s %9s\n", "scenario", "min.ent",
	       "min.load", "cmp.ent", "cmp.load", "min.Ir", "cmp.Ir");
	for (i = 0; i < NR_SCENARIOS; i++) {
		const struct scenario *s = &scenarios[i];

		nmin = vpmu_pebs_switch_list(&s->host, &s->guest,
					     VPMU_SWITCH_MINIMAL, out);
		printf("%-26s %8u %8u", s->name, nmin, loads(out, nmin));
		ncmp = vpmu_pebs_switch_list(&s->host, &s->guest,
					     VPMU_SWITCH_COMPAT, out);
		printf(" %8u %8u", ncmp, loads(out, ncmp));

		snprintf(idx, sizeof(idx), "%u", i);
		setenv("BENCH_PEBS_SCENARIO", idx, 1);
		print_ir(vpmu_ir_per_call(argv[0], "bench_op_minimal", IR_CALLS));
		print_ir(vpmu_ir_per_call(argv[0], "bench_op_compat", IR_CALLS));
		printf("\n");
	}
	return 0;
}
