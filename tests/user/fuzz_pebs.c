// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for vpmu_pebs_refine().
 *
 * Each input is a perf state and a vCPU state.  What Linux 6.1's and
 * 6.12's perf return for them (pebs_models.h) is refined and judged
 * against the oracle: the same entries and GLOBAL_CTRL, the guest's
 * DS_AREA and PEBS_DATA_CFG wherever a guest PEBS counter runs, exactly
 * the oracle's list wherever refining is exact (on 6.12 always, but
 * where the vCPU's DS_AREA is the host's and perf's list cannot tell).
 * Then the refinement of an arbitrary list: only the guest values of
 * DS_AREA and PEBS_DATA_CFG may change, to the host's or the vCPU's; a
 * list too long is refused; refining in place gives the same list.
 */
#include <vpmu/msr.h>
#include <vpmu/pebs.h>

#include "fuzz.h"
#include "pebs_models.h"

/*
 * A counter mask: one byte picks among GP 0-3, fixed 0-2 and bit 63 (a
 * PEBS_ENABLE bit that is no counter), so that masks overlap often; a
 * flag byte adds raw 64-bit noise now and then.
 */
static u64 get_mask(struct vpmu_fuzz_input *r)
{
	static const unsigned int bit[8] = { 0, 1, 2, 3, 32, 33, 34, 63 };
	u8 pick = fuzz_u8(r), flags = fuzz_u8(r);
	u64 m = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (pick & (1U << i))
			m |= VPMU_BIT_ULL(bit[i]);
	if ((flags & 0x7) == 0x7)
		m |= fuzz_u64(r);
	if ((flags & 0x38) == 0x38)
		m = ~0ULL;
	return m;
}

/*
 * Denied counters are among those the guest enabled, all of them without
 * isolation, never one refining gives guest values for, and the same
 * after refining: refining changes no counter's fate.
 */
static void check_denied(const struct vpmu_switch_msr *list, unsigned int n,
			 const struct vpmu_pebs_vcpu *v)
{
	struct vpmu_switch_msr out[VPMU_SWITCH_MAX];
	enum vpmu_pebs_denied_why why, why2;
	u64 on = v->pebs_enable & v->global_ctrl, denied, again;

	if (n > VPMU_SWITCH_MAX)
		return;
	denied = vpmu_pebs_denied(list, n, v, &why);
	FUZZ_CHECK(!(denied & ~on), "a denied counter the guest did not enable");
	if (denied)
		FUZZ_CHECK(why <= VPMU_PEBS_DENIED_NOT_RUNNING, "no reason given");
	if (vpmu_switch_find(list, n, VPMU_MSR_PEBS_ENABLE) ||
	    !vpmu_switch_find(list, n, VPMU_MSR_GLOBAL_CTRL))
		FUZZ_CHECK(denied == on && (!on || why == VPMU_PEBS_DENIED_NO_ISOLATION),
			   "without isolation every enabled counter is denied");
	vpmu_pebs_refine(list, n, v, out);
	again = vpmu_pebs_denied(out, n, v, &why2);
	FUZZ_CHECK(again == denied, "refining changed which counters run");
}

static void check_kernels(const struct pebs_perf *p,
			  const struct vpmu_pebs_vcpu *v)
{
	struct vpmu_switch_msr list[VPMU_SWITCH_MAX], o[VPMU_SWITCH_MAX];
	const char *what;
	unsigned int n, on;

	n = perf61_intel_guest_get_msrs(p, v, list);
	check_denied(list, n, v);
	n = vpmu_pebs_refine(list, n, v, list);
	what = pebs_refine_judge(p, v, list, n);
	FUZZ_CHECK(!what, "6.1: %s", what);

	n = perf612_intel_guest_get_msrs(p, v, list);
	check_denied(list, n, v);
	n = vpmu_pebs_refine(list, n, v, list);
	what = pebs_refine_judge(p, v, list, n);
	FUZZ_CHECK(!what, "6.12: %s", what);
	if (v->ds_area != p->ds) {
		on = pebs_oracle_list(p, v, o);
		FUZZ_CHECK(n == on && pebs_lists_equal(list, o, n),
			   "6.12: not the oracle's list");
	}
}

/* Any list, from perf or not. */
static void check_any_list(struct vpmu_fuzz_input *r,
			   const struct vpmu_pebs_vcpu *v)
{
	static const u32 msrs[] = {
		VPMU_MSR_GLOBAL_CTRL, VPMU_MSR_PEBS_ENABLE, VPMU_MSR_DS_AREA,
		VPMU_MSR_PEBS_DATA_CFG, VPMU_MSR_DEBUGCTL,
	};
	struct vpmu_switch_msr in[VPMU_SWITCH_MAX + 1], out[VPMU_SWITCH_MAX + 1];
	unsigned int n = fuzz_u8(r) % (VPMU_SWITCH_MAX + 2), i, m;
	u64 cfg = v->owns_lbr ? v->pebs_data_cfg :
		  v->pebs_data_cfg & ~VPMU_PEBS_DATA_CFG_LBR_GROUP;

	for (i = 0; i < n; i++) {
		in[i].msr = msrs[fuzz_u8(r) % ARRAY_SIZE(msrs)];
		in[i].host = fuzz_u8(r) & 1 ? v->ds_area : fuzz_u64(r);
		in[i].guest = fuzz_u8(r) & 1 ? in[i].host : get_mask(r);
	}
	check_denied(in, n, v);
	memset(out, 0x5a, sizeof(out));
	m = vpmu_pebs_refine(in, n, v, out);
	if (n > VPMU_SWITCH_MAX) {
		FUZZ_CHECK(m == 0 && out[0].msr == 0x5a5a5a5a,
			   "a list too long was not refused untouched");
		return;
	}
	FUZZ_CHECK(m == n, "refining changed the number of entries");
	FUZZ_CHECK(n == VPMU_SWITCH_MAX || out[n].msr == 0x5a5a5a5a,
		   "written past the list");
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(out[i].msr == in[i].msr && out[i].host == in[i].host,
			   "entry %u: MSR or host value changed", i);
		if (out[i].guest == in[i].guest)
			continue;
		FUZZ_CHECK(in[i].msr == VPMU_MSR_DS_AREA ||
			   in[i].msr == VPMU_MSR_PEBS_DATA_CFG,
			   "entry %u: a guest value changed beyond DS_AREA's, PEBS_DATA_CFG's", i);
		FUZZ_CHECK(out[i].guest == out[i].host ||
			   out[i].guest == (in[i].msr == VPMU_MSR_DS_AREA ?
					    v->ds_area : cfg),
			   "entry %u: neither the host's nor the vCPU's value", i);
	}
	/* In place, as the glue may refine its copy. */
	m = vpmu_pebs_refine(in, n, v, in);
	FUZZ_CHECK(m == n && pebs_lists_equal(in, out, n),
		   "refining in place gave another list");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct vpmu_fuzz_input r = { data, size };
	struct pebs_perf p = { 0 };
	struct vpmu_pebs_vcpu v = { 0 };
	u8 flags = fuzz_u8(&r);

	p.pebs = flags & 1;
	p.pebs_no_isolation = flags & 2;
	p.pebs_ept = flags & 4;
	p.pebs_baseline = flags & 8;
	p.intel_ctrl = get_mask(&r);
	p.guest_mask = get_mask(&r);
	p.host_mask = get_mask(&r);
	p.pebs_enabled = get_mask(&r);
	p.pebs_capable = get_mask(&r);
	p.ds = fuzz_u64(&r);
	p.pebs_data_cfg = fuzz_u64(&r);

	v.owns_lbr = flags & 16;
	v.pebs_enable = get_mask(&r);
	v.cross_mapped = get_mask(&r);
	v.global_ctrl = get_mask(&r);
	/* Often the host's, to exercise host == guest entries. */
	v.ds_area = flags & 64 ? p.ds : fuzz_u64(&r);
	v.pebs_data_cfg = flags & 128 ? p.pebs_data_cfg : fuzz_u64(&r);

	check_kernels(&p, &v);
	check_any_list(&r, &v);
	return 0;
}
