/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vLBR traces of tests/user/sim_lbr.c, shared with the glue suite
 * (tests/kunit/glue_lbr_kunit.c), which replays them through the
 * wrappers: what a guest, host perf and the scheduler do, one operation
 * at a time.  The includer defines SIM_REALLOC(ptr, size) (realloc, or
 * krealloc with GFP_KERNEL) and ARRAY_SIZE.
 */
#ifndef VPMU_LBR_TRACES_H
#define VPMU_LBR_TRACES_H

#include <vpmu/msr.h>

#define DBG_LBR		VPMU_DEBUGCTL_LBR
#define DBG_FRZ		VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI
#define ST_LBR_FRZ	VPMU_STATUS_LBR_FRZ
#define ST_OVF_PMC0	VPMU_BIT_ULL(0)

/* Whose records the hardware LBR stack holds. */
enum sim_owner {
	OWN_EMPTY,	/* reset: zeros */
	OWN_A,		/* the simulated vCPU */
	OWN_HOST,	/* host perf (perf record -b on the host) */
	OWN_B,		/* another vCPU with its own vLBR event */
};

enum sim_op_type {
	OP_RUN,		/* guest executes branches */
	OP_WR_DEBUGCTL,	/* guest WRMSR DEBUGCTL, arg = value */
	OP_READ,	/* guest reads (part of) its LBR stack */
	OP_STATUS_RESET,	/* guest WRMSR 0x390, arg = bits */
	OP_STATUS_SET,	/* guest WRMSR 0x391, arg = bits */
	OP_PMI,		/* a guest counter overflowed: PMI injected */
	OP_PV,		/* guest PV hint, arg = active */
	OP_SCHED_OUT,	/* vCPU A preempted */
	OP_OTHER,	/* arg = enum sim_owner running meanwhile (EMPTY: no LBR) */
	OP_RECLAIM,	/* arg = 1: a pinned host LBR event appears, 0: goes */
	OP_SCHED_IN,	/* vCPU A runs again */
	OP_RESET,	/* vCPU reset */
};

struct sim_op {
	enum sim_op_type type;
	u64 arg;
};

/* @failed: an allocation failed, the trace is cut short. */
struct sim_trace {
	struct sim_op *ops;
	size_t n, cap;
	bool failed;
};

static void sim_emit(struct sim_trace *t, enum sim_op_type type, u64 arg)
{
	/* Consecutive runs are one run: records only ever get newer. */
	if (type == OP_RUN && t->n && t->ops[t->n - 1].type == OP_RUN)
		return;
	if (t->failed)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		struct sim_op *ops = SIM_REALLOC(t->ops, cap * sizeof(*ops));

		if (!ops) {
			t->failed = true;
			return;
		}
		t->ops = ops;
		t->cap = cap;
	}
	t->ops[t->n++] = (struct sim_op){ .type = type, .arg = arg };
}

static unsigned int sim_rand(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void sim_preempt(struct sim_trace *t, enum sim_owner other)
{
	sim_emit(t, OP_SCHED_OUT, 0);
	sim_emit(t, OP_OTHER, other);
	sim_emit(t, OP_SCHED_IN, 0);
}

/* Idle tail: the guest stopped using LBR; the vCPU keeps being preempted. */
static void sim_idle_tail(struct sim_trace *t, int n)
{
	for (int i = 0; i < n; i++) {
		sim_emit(t, OP_RUN, 0);
		sim_preempt(t, OWN_EMPTY);
	}
}

/* The guest starts using LBR, freezing on PMIs; a PV guest says so first. */
static void sim_use_begin(struct sim_trace *t, bool pv)
{
	if (pv)
		sim_emit(t, OP_PV, 1);
	sim_emit(t, OP_WR_DEBUGCTL, DBG_LBR | DBG_FRZ);
}

/* ...and stops, says so, and keeps being preempted @idle times. */
static void sim_use_end(struct sim_trace *t, bool pv, int idle)
{
	sim_emit(t, OP_RUN, 0);
	sim_emit(t, OP_WR_DEBUGCTL, 0);
	if (pv)
		sim_emit(t, OP_PV, 0);
	sim_idle_tail(t, idle);
}

/*
 * End of a Linux-style PMI handler: ack the overflow; from version 4 the
 * ack clears LBR_FRZ and so resumes, before that the handler sets
 * DEBUGCTL.LBR again.
 */
static void sim_pmi_ack(struct sim_trace *t, u8 ver)
{
	if (ver >= 4) {
		sim_emit(t, OP_STATUS_RESET, ST_OVF_PMC0 | ST_LBR_FRZ);
	} else {
		sim_emit(t, OP_STATUS_RESET, ST_OVF_PMC0);
		sim_emit(t, OP_WR_DEBUGCTL, DBG_LBR | DBG_FRZ);
	}
}

/* The guest runs, a counter overflows, the PMI handler reads the stack. */
static void sim_pmi_read(struct sim_trace *t)
{
	sim_emit(t, OP_RUN, 0);
	sim_emit(t, OP_PMI, 0);
	sim_emit(t, OP_RUN, 0);	/* the handler's own branches */
	sim_emit(t, OP_READ, 0);
}

/*
 * The five-step sequence of the PMU v4 series: a PMI freezes the stack,
 * the handler reads, the vCPU is scheduled out and in, the handler reads
 * on (and then unfreezes).  Four rounds, with the CPU used meanwhile by
 * nobody, host perf, another vCPU, host perf.
 */
static void gen_seed(struct sim_trace *t, u8 ver, bool pv)
{
	static const enum sim_owner gap[] = { OWN_EMPTY, OWN_HOST, OWN_B, OWN_HOST };

	sim_use_begin(t, pv);
	for (size_t i = 0; i < ARRAY_SIZE(gap); i++) {
		sim_pmi_read(t);
		sim_preempt(t, gap[i]);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_READ, 0);
		sim_pmi_ack(t, ver);
	}
	sim_use_end(t, pv, 8);
}

/*
 * perf record -b in the guest: PMI every 1000 us of guest time, handler
 * (PMI at +0, reads at +5 and +10, ack at +15), the vCPU preempted every
 * 4000 +- 1000 us.  @contended: the CPU is shared with host perf and
 * vCPU B, both recording LBRs, and a pinned host LBR event takes the LBR
 * for a fifth of the run.
 */
static void gen_perf_record(struct sim_trace *t, u8 ver, bool pv,
			    unsigned int ms, bool contended)
{
	unsigned int seed = 42, end = ms * 1000, next_sched, nsched = 0;
	bool reclaim_on = false;

	sim_use_begin(t, pv);
	next_sched = 3000 + (sim_rand(&seed) % 401) * 5;
	for (unsigned int us = 0; us < end; us += 5) {
		unsigned int phase = us % 1000;

		if (us >= next_sched) {
			sim_emit(t, OP_SCHED_OUT, 0);
			if (contended) {
				bool want = us >= end * 2 / 5 && us < end * 3 / 5;

				if (want != reclaim_on) {
					sim_emit(t, OP_RECLAIM, want);
					reclaim_on = want;
				}
				sim_emit(t, OP_OTHER, nsched & 1 ? OWN_B : OWN_HOST);
			} else {
				sim_emit(t, OP_OTHER, OWN_EMPTY);
			}
			sim_emit(t, OP_SCHED_IN, 0);
			nsched++;
			next_sched += 3000 + (sim_rand(&seed) % 401) * 5;
		}
		if (us == 0 || phase > 15) {
			sim_emit(t, OP_RUN, 0);
			continue;
		}
		switch (phase) {
		case 0:
			sim_emit(t, OP_PMI, 0);
			sim_emit(t, OP_RUN, 0);	/* the handler's branches */
			break;
		case 5:
		case 10:
			sim_emit(t, OP_READ, 0);
			sim_emit(t, OP_RUN, 0);
			break;
		case 15:
			sim_pmi_ack(t, ver);
			break;
		}
	}
	if (reclaim_on) {
		sim_emit(t, OP_SCHED_OUT, 0);
		sim_emit(t, OP_RECLAIM, 0);
		sim_emit(t, OP_SCHED_IN, 0);
	}
	sim_emit(t, OP_WR_DEBUGCTL, 0);
	if (pv)
		sim_emit(t, OP_PV, 0);
	sim_idle_tail(t, 8);
}

static void gen_perf_rec(struct sim_trace *t, u8 ver, bool pv)
{
	gen_perf_record(t, ver, pv, 5000, false);
}

static void gen_contention(struct sim_trace *t, u8 ver, bool pv)
{
	gen_perf_record(t, ver, pv, 1000, true);
}

/* The guest samples branches for 2 ms, then never touches LBR again. */
static void gen_once(struct sim_trace *t, u8 ver, bool pv)
{
	sim_use_begin(t, pv);
	for (int i = 0; i < 2; i++) {
		sim_pmi_read(t);
		sim_pmi_ack(t, ver);
	}
	sim_use_end(t, pv, 50);
}

/* The same guest without a PV driver: it never sends a hint. */
static void gen_once_nopv(struct sim_trace *t, u8 ver, bool pv)
{
	gen_once(t, ver, false);
}

/*
 * A PMI handler that clears DEBUGCTL.LBR around its reads (freeze on PMI
 * is on too), preempted between two reads, another vCPU using LBRs
 * meanwhile; it acks and sets LBR again at the end.
 */
static void gen_toggle(struct sim_trace *t, u8 ver, bool pv)
{
	sim_use_begin(t, pv);
	for (int i = 0; i < 100; i++) {
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_PMI, 0);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_WR_DEBUGCTL, DBG_FRZ);
		sim_emit(t, OP_READ, 0);
		sim_preempt(t, OWN_B);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_READ, 0);
		sim_emit(t, OP_STATUS_RESET,
			 ST_OVF_PMC0 | (ver >= 4 ? ST_LBR_FRZ : 0));
		sim_emit(t, OP_WR_DEBUGCTL, DBG_LBR | DBG_FRZ);
	}
	sim_use_end(t, pv, 8);
}

/*
 * Guest context switches saving the call stack: no PMI, the guest clears
 * DEBUGCTL.LBR, reads, is preempted (twice in one read of eight, host
 * perf using LBRs meanwhile), reads on, sets LBR again.
 */
static void gen_ctxsw(struct sim_trace *t, u8 ver, bool pv)
{
	unsigned int seed = 7;

	sim_use_begin(t, pv);
	for (int i = 0; i < 200; i++) {
		int n = sim_rand(&seed) % 8 == 0 ? 2 : 1;

		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_WR_DEBUGCTL, DBG_FRZ);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_READ, 0);
		for (int j = 0; j < n; j++)
			sim_preempt(t, OWN_HOST);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_READ, 0);
		sim_emit(t, OP_WR_DEBUGCTL, DBG_LBR | DBG_FRZ);
	}
	sim_use_end(t, pv, 8);
}

/*
 * A guest that samples in bursts: each burst freezes on a PMI and once
 * more by software (version 4: GLOBAL_STATUS_SET.LBR_FRZ around a read;
 * before: clearing DEBUGCTL.LBR), is preempted by host perf and vCPU B,
 * both recording LBRs, then stops using LBR for longer than K idle
 * sched-ins while those others keep recording.  The policies that release
 * must then create the event again for the next burst, and no read may
 * see the others' records.  The fourth burst ends in a vCPU reset while
 * frozen.
 */
static void gen_reuse(struct sim_trace *t, u8 ver, bool pv)
{
	for (int burst = 0; burst < 8; burst++) {
		sim_use_begin(t, pv);
		sim_pmi_read(t);
		sim_preempt(t, OWN_HOST);
		sim_emit(t, OP_RUN, 0);
		sim_emit(t, OP_READ, 0);
		sim_pmi_ack(t, ver);
		sim_emit(t, OP_RUN, 0);
		if (ver >= 4)
			sim_emit(t, OP_STATUS_SET, ST_LBR_FRZ);
		else
			sim_emit(t, OP_WR_DEBUGCTL, DBG_FRZ);
		sim_emit(t, OP_READ, 0);
		sim_preempt(t, OWN_B);
		sim_emit(t, OP_READ, 0);
		if (burst == 3) {
			sim_emit(t, OP_RESET, 0);
		} else {
			if (ver >= 4)
				sim_emit(t, OP_STATUS_RESET, ST_LBR_FRZ);
			sim_emit(t, OP_WR_DEBUGCTL, 0);
		}
		if (pv)
			sim_emit(t, OP_PV, 0);
		for (int i = 0; i < 6; i++) {
			sim_emit(t, OP_RUN, 0);
			sim_preempt(t, i & 1 ? OWN_B : OWN_HOST);
		}
	}
}

struct sim_trace_def {
	const char *name;
	void (*gen)(struct sim_trace *t, u8 ver, bool pv);
};

static const struct sim_trace_def sim_traces[] = {
	{ "seed-5step", gen_seed },
	{ "perf-rec-b", gen_perf_rec },
	{ "once", gen_once },
	{ "once-nopv", gen_once_nopv },
	{ "pmi-toggle", gen_toggle },
	{ "ctxsw-read", gen_ctxsw },
	{ "contention", gen_contention },
	{ "reuse", gen_reuse },
};

#define NR_TRACES	ARRAY_SIZE(sim_traces)

static const u8 sim_versions[] = { 2, 4 };

#endif /* VPMU_LBR_TRACES_H */
