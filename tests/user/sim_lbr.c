// SPDX-License-Identifier: GPL-2.0
/*
 * sim_lbr: trace-driven simulator of the vLBR lifecycle (issue 5).
 *
 * The simulator is the judge, not a mirror of src/core/lbr.c.  It keeps
 * three models of its own and feeds vpmu_lbr_step() only the events KVM
 * would see:
 *
 *  - the architecture: what DEBUGCTL and GLOBAL_STATUS.LBR_FRZ of a real
 *    CPU would hold for this guest, whether its LBR stack is recording,
 *    and so which records the guest expects to read (a token per burst
 *    of recorded branches);
 *  - the hardware LBR stack of the CPU: whose records it holds (vCPU A,
 *    host perf, vCPU B, or nothing after a reset);
 *  - host perf and the glue: the vLBR event (created resets the stack;
 *    active unless a pinned host LBR event reclaimed the LBR), its saved
 *    copy (saved at sched-out, restored at sched-in), the MSR bitmap and
 *    the DEBUGCTL of guest context, all set from the machine's effects
 *    taken literally.  The one rule the glue adds is the one only it can
 *    apply: MSRs stay intercepted while the event exists but is inactive,
 *    and intercepted reads then return 0.
 *
 * A guest read is judged: another context's records are a leak; the
 * guest expected records and got a reset, zeroed or stale stack: lost,
 * or denied when a pinned host LBR event holds the LBR at the time (no
 * policy can avoid that).
 * The effects are also checked against the architecture (guest-visible
 * DEBUGCTL and LBR_FRZ) and against each other.
 *
 * Two of the four policies compared are the module's (enum
 * vpmu_lbr_policy); two are baselines it does not ship, decided here at
 * each sched-in and applied through vpmu_lbr_sched_in(): "upstream",
 * today's KVM, releases whenever the DEBUGCTL hardware holds in guest
 * context has LBR clear, frozen or not; "pv" releases only when the
 * machine is quiet and the guest's last paravirtual hint said it is done
 * with LBR (a guest that sent none counts as using it).
 *
 * Exit status: 1 if any policy leaked, or any effect contradicted the
 * architecture or itself; 0 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vpmu/lbr.h>
#include <vpmu/msr.h>

#include "compat.h"

#define SIM_REALLOC(p, size)	realloc(p, size)
#include "lbr_traces.h"

struct sim_stack {
	enum sim_owner owner;
	unsigned long tok;
};

struct sim_result {
	unsigned long saves;	/* save/restore pairs paid by host perf */
	unsigned long lost;	/* reads of a reset, zeroed or stale stack */
	unsigned long denied;	/* same, while host perf holds the LBR */
	unsigned long leaked;	/* reads of another context's records */
	unsigned long creates;
	unsigned long releases;
	unsigned long reads;
	unsigned long errors;	/* effects vs architecture or each other */
};

/* The policies compared: two baselines, two of the module's. */
enum sim_policy {
	SIM_UPSTREAM,
	SIM_FREEZE_AWARE,
	SIM_PV,
	SIM_HYSTERESIS,
	SIM_NR_POLICIES,
};

static const char *const sim_baseline_names[SIM_NR_POLICIES] = {
	[SIM_UPSTREAM] = "upstream",
	[SIM_PV] = "pv",
};

static const enum vpmu_lbr_policy sim_core_policy[SIM_NR_POLICIES] = {
	[SIM_FREEZE_AWARE] = VPMU_LBR_POLICY_FREEZE_AWARE,
	[SIM_HYSTERESIS] = VPMU_LBR_POLICY_HYSTERESIS,
};

static const char *sim_policy_name(enum sim_policy p)
{
	return sim_baseline_names[p] ?: vpmu_lbr_policy_name(sim_core_policy[p]);
}

struct sim_world {
	u8 version;
	enum sim_policy policy;
	bool pv_active;		/* the guest's last PV hint ("pv" only) */
	/* architecture */
	u64 arch_debugctl;
	bool arch_frz;
	unsigned long expect;	/* 0: the guest expects nothing */
	unsigned long next_tok;
	/* hardware */
	struct sim_stack hw;
	/* host perf and glue */
	bool running;
	bool event;
	bool event_active;
	bool reclaimed;
	bool saved_valid;
	struct sim_stack saved;
	bool passthrough;
	u64 vmcs_debugctl;
	bool status_frz;
	/* the machine under judgement */
	struct vpmu_lbr l;
	struct sim_result r;
};

/* ---- the world --------------------------------------------------------- */

static void err(struct sim_world *w, const char *what)
{
	if (!w->r.errors)
		fprintf(stderr, "sim_lbr: %s (policy %s, version %u)\n", what,
			sim_policy_name(w->policy), w->version);
	w->r.errors++;
}

/* Host perf schedules a brand-new vLBR event: the stack is reset. */
static void perf_create(struct sim_world *w)
{
	w->event = true;
	w->saved_valid = false;
	w->event_active = !w->reclaimed;
	if (w->event_active)
		w->hw = (struct sim_stack){ OWN_EMPTY, 0 };
	w->r.creates++;
}

/* The glue applies the effects in their documented order. */
static void apply(struct sim_world *w, const struct vpmu_lbr_effects *e)
{
	if (e->intercept && e->passthrough)
		err(w, "intercept and passthrough at once");
	if (e->create_event && e->release_event)
		err(w, "create and release at once");
	if (e->intercept)
		w->passthrough = false;
	if (e->release_event) {
		if (!w->event)
			err(w, "release without an event");
		w->event = false;
		w->event_active = false;
		w->saved_valid = false;
		w->r.releases++;
	}
	if (e->create_event) {
		if (w->event)
			err(w, "create with an event");
		if (!w->running)
			err(w, "create while scheduled out");
		perf_create(w);
	}
	if (e->passthrough)
		w->passthrough = true;
	if (w->passthrough && !w->event)
		err(w, "MSRs passed through without an event");
	w->vmcs_debugctl = e->hw_debugctl;
	if ((w->vmcs_debugctl & DBG_LBR) && !w->event)
		err(w, "hardware records with no event");
	if (e->guest_debugctl != w->arch_debugctl)
		err(w, "guest-visible DEBUGCTL differs from the architecture");
	w->status_frz = (w->status_frz && !(e->status_clear & ST_LBR_FRZ)) ||
			(e->status_set & ST_LBR_FRZ);
	if (w->version >= 4 && w->status_frz != w->arch_frz)
		err(w, "LBR_FRZ differs from the architecture");
}

static void step(struct sim_world *w, enum vpmu_lbr_event_type type, u64 value)
{
	struct vpmu_lbr_event ev = { .type = type, .value = value };
	struct vpmu_lbr_effects e;

	vpmu_lbr_step(&w->l, &ev, &e);
	apply(w, &e);
}

/* A sched-in: the module's policies decide themselves, baselines here. */
static void step_sched_in(struct sim_world *w)
{
	struct vpmu_lbr_effects e;
	bool release;

	switch (w->policy) {
	case SIM_UPSTREAM:
		/* Whenever hardware does not record: the core checks that. */
		release = true;
		break;
	case SIM_PV:
		release = vpmu_lbr_quiet(&w->l) && !w->pv_active;
		break;
	default:
		step(w, VPMU_LBR_EV_SCHED_IN, 0);
		return;
	}
	vpmu_lbr_sched_in(&w->l, release, &e);
	apply(w, &e);
}

static void arch_pmi(struct sim_world *w)
{
	if (!(w->arch_debugctl & DBG_FRZ) || w->version < 2)
		return;
	if (w->version < 4)
		w->arch_debugctl &= ~DBG_LBR;
	else
		w->arch_frz = true;
}

static void guest_run(struct sim_world *w)
{
	bool arch_records = (w->arch_debugctl & DBG_LBR) && !w->arch_frz;
	unsigned long tok = ++w->next_tok;

	if (arch_records)
		w->expect = tok;
	/* Hardware records whatever guest context's DEBUGCTL says. */
	if (w->vmcs_debugctl & DBG_LBR)
		w->hw = (struct sim_stack){ OWN_A, tok };
}

static void judge_read(struct sim_world *w, struct sim_stack got)
{
	w->r.reads++;
	if (got.owner == OWN_HOST || got.owner == OWN_B)
		w->r.leaked++;
	else if (!w->expect || (got.owner == OWN_A && got.tok == w->expect))
		return;
	else if (w->reclaimed)
		w->r.denied++;
	else
		w->r.lost++;
}

static void guest_read(struct sim_world *w)
{
	bool direct = w->passthrough && !(w->event && !w->event_active);

	if (!direct) {
		/* Intercepted: KVM sees the access first. */
		step(w, VPMU_LBR_EV_MSR_ACCESS, 0);
		if (!(w->event && w->event_active)) {
			judge_read(w, (struct sim_stack){ OWN_EMPTY, 0 });
			return;
		}
	}
	judge_read(w, w->hw);
}

static void sched_out(struct sim_world *w)
{
	step(w, VPMU_LBR_EV_SCHED_OUT, 0);
	if (w->event && w->event_active) {
		w->saved = w->hw;
		w->saved_valid = true;
		w->r.saves++;
	}
	w->running = false;
}

static void sched_in(struct sim_world *w)
{
	w->running = true;
	if (w->event) {
		w->event_active = !w->reclaimed;
		if (w->event_active)
			w->hw = w->saved_valid ? w->saved :
				(struct sim_stack){ OWN_EMPTY, 0 };
	}
	step_sched_in(w);
}

static void run_op(struct sim_world *w, const struct sim_op *op)
{
	switch (op->type) {
	case OP_RUN:
		guest_run(w);
		break;
	case OP_WR_DEBUGCTL:
		w->arch_debugctl = op->arg;
		step(w, VPMU_LBR_EV_DEBUGCTL_WRITE, op->arg);
		break;
	case OP_READ:
		guest_read(w);
		break;
	case OP_STATUS_RESET:
	case OP_STATUS_SET:
		if (w->version >= 4 && (op->arg & ST_LBR_FRZ))
			w->arch_frz = op->type == OP_STATUS_SET;
		step(w, op->type == OP_STATUS_SET ? VPMU_LBR_EV_STATUS_SET :
		     VPMU_LBR_EV_STATUS_RESET, op->arg);
		break;
	case OP_PMI:
		arch_pmi(w);
		step(w, VPMU_LBR_EV_PMI, 0);
		break;
	case OP_SCHED_OUT:
		sched_out(w);
		break;
	case OP_OTHER:
		if (op->arg != OWN_EMPTY)
			w->hw = (struct sim_stack){ (enum sim_owner)op->arg,
						    ++w->next_tok };
		break;
	case OP_SCHED_IN:
		sched_in(w);
		break;
	case OP_PV:
		w->pv_active = op->arg;
		break;
	case OP_RECLAIM:
		w->reclaimed = op->arg;
		break;
	case OP_RESET:
		w->arch_debugctl = 0;
		w->arch_frz = false;
		w->expect = 0;
		w->pv_active = true;
		step(w, VPMU_LBR_EV_RESET, 0);
		break;
	}
}

static struct sim_result simulate(const struct sim_trace *t, u8 ver,
				  enum sim_policy policy, unsigned int k)
{
	struct sim_world w;

	memset(&w, 0, sizeof(w));
	w.version = ver;
	w.policy = policy;
	w.pv_active = true;
	w.running = true;
	vpmu_lbr_init(&w.l, ver, sim_core_policy[policy]);
	if (vpmu_lbr_set_hysteresis(&w.l, k)) {
		fprintf(stderr, "sim_lbr: K %u refused\n", k);
		exit(2);
	}
	for (size_t i = 0; i < t->n; i++)
		run_op(&w, &t->ops[i]);
	return w.r;
}

static void add(struct sim_result *sum, const struct sim_result *r)
{
	sum->saves += r->saves;
	sum->lost += r->lost;
	sum->denied += r->denied;
	sum->leaked += r->leaked;
	sum->creates += r->creates;
	sum->releases += r->releases;
	sum->reads += r->reads;
	sum->errors += r->errors;
}

#define SIM_HDR_FMT "%-11s %3s  %-12s %6s %6s %6s %6s %6s %7s %6s %4s\n"

static void print_row(const char *trace, const char *ver, const char *policy,
		      const struct sim_result *r)
{
	printf("%-11s %3s  %-12s %6lu %6lu %6lu %6lu %6lu %7lu %6lu %4lu\n",
	       trace, ver, policy, r->saves, r->lost, r->leaked, r->denied,
	       r->creates, r->releases, r->reads, r->errors);
}

int main(void)
{
	static const unsigned int sweep_k[] = { 1, 2, 3, 4, 8 };
	struct sim_trace traces[NR_TRACES][2];
	struct sim_result total[SIM_NR_POLICIES];
	int fail = 0;

	memset(traces, 0, sizeof(traces));
	memset(total, 0, sizeof(total));
	for (size_t i = 0; i < NR_TRACES; i++) {
		for (size_t v = 0; v < 2; v++) {
			sim_traces[i].gen(&traces[i][v], sim_versions[v], true);
			if (traces[i][v].failed) {
				perror("realloc");
				return 2;
			}
		}
	}

	printf("vLBR lifecycle simulation (hysteresis K=%u, default policy %s)\n",
	       VPMU_LBR_HYSTERESIS_K_DEFAULT,
	       vpmu_lbr_policy_name(VPMU_LBR_POLICY_DEFAULT));
	printf(SIM_HDR_FMT, "trace", "ver",
	       "policy", "s/r", "lost", "leaked", "denied", "create", "release",
	       "reads", "err");
	for (size_t i = 0; i < NR_TRACES; i++) {
		for (size_t v = 0; v < 2; v++) {
			char ver[8];

			snprintf(ver, sizeof(ver), "v%u", sim_versions[v]);
			for (int p = 0; p < SIM_NR_POLICIES; p++) {
				struct sim_result r;

				r = simulate(&traces[i][v], sim_versions[v], p,
					     VPMU_LBR_HYSTERESIS_K_DEFAULT);
				print_row(sim_traces[i].name, ver,
					  sim_policy_name(p), &r);
				add(&total[p], &r);
				if (r.leaked || r.errors)
					fail = 1;
			}
		}
	}
	printf("\ntotals over all traces and versions\n");
	printf(SIM_HDR_FMT, "", "",
	       "policy", "s/r", "lost", "leaked", "denied", "create", "release",
	       "reads", "err");
	for (int p = 0; p < SIM_NR_POLICIES; p++)
		print_row("all", "", sim_policy_name(p), &total[p]);

	printf("\nhysteresis K sweep, totals over all traces and versions\n");
	printf(SIM_HDR_FMT, "K", "",
	       "policy", "s/r", "lost", "leaked", "denied", "create", "release",
	       "reads", "err");
	for (size_t ki = 0; ki < ARRAY_SIZE(sweep_k); ki++) {
		struct sim_result sum;
		char kname[8];

		memset(&sum, 0, sizeof(sum));
		for (size_t i = 0; i < NR_TRACES; i++) {
			for (size_t v = 0; v < 2; v++) {
				struct sim_result r;

				r = simulate(&traces[i][v], sim_versions[v],
					     SIM_HYSTERESIS,
					     sweep_k[ki]);
				add(&sum, &r);
			}
		}
		snprintf(kname, sizeof(kname), "K=%u", sweep_k[ki]);
		print_row(kname, "", sim_policy_name(SIM_HYSTERESIS), &sum);
		if (sum.leaked || sum.errors)
			fail = 1;
	}

	for (size_t i = 0; i < NR_TRACES; i++)
		for (size_t v = 0; v < 2; v++)
			free(traces[i][v].ops);
	if (fail)
		fprintf(stderr, "sim_lbr: FAIL: a leak or a wrong effect\n");
	return fail;
}
