/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architectural PMU MSR numbers and bit positions the core reasons about.
 *
 * The core cannot include <asm/msr-index.h> (it also builds in userspace),
 * so the few numbers it needs live here, with the Intel SDM names.
 */
#ifndef VPMU_MSR_H
#define VPMU_MSR_H

#include <vpmu/types.h>

#define VPMU_MSR_PMC0			0x0c1
#define VPMU_MSR_PERFEVTSEL0		0x186
#define VPMU_MSR_LBR_SELECT		0x1c8
#define VPMU_MSR_LBR_TOS		0x1c9
#define VPMU_MSR_DEBUGCTL		0x1d9
#define VPMU_MSR_FIXED_CTR0		0x309
#define VPMU_MSR_PERF_CAPABILITIES	0x345
#define VPMU_MSR_FIXED_CTR_CTRL		0x38d
#define VPMU_MSR_GLOBAL_STATUS		0x38e
#define VPMU_MSR_GLOBAL_CTRL		0x38f
/* GLOBAL_OVF_CTRL before v4, GLOBAL_STATUS_RESET from v4 on. */
#define VPMU_MSR_GLOBAL_STATUS_RESET	0x390
#define VPMU_MSR_GLOBAL_STATUS_SET	0x391
#define VPMU_MSR_GLOBAL_INUSE		0x392
#define VPMU_MSR_PEBS_ENABLE		0x3f1
#define VPMU_MSR_PEBS_DATA_CFG		0x3f2
#define VPMU_MSR_PMC0_FULL_WIDTH	0x4c1
#define VPMU_MSR_DS_AREA		0x600

/* PERFEVTSELx */
#define VPMU_EVENTSEL_EVENT		VPMU_GENMASK_ULL(7, 0)
#define VPMU_EVENTSEL_INT		VPMU_BIT_ULL(20)
#define VPMU_EVENTSEL_EN		VPMU_BIT_ULL(22)
/* Adaptive PEBS: this counter's PEBS records follow PEBS_DATA_CFG */
#define VPMU_EVENTSEL_ADAPTIVE		VPMU_BIT_ULL(34)

/* FIXED_CTR_CTRL: four bits per fixed counter */
#define VPMU_FIXED_CTRL_BITS		4
#define VPMU_FIXED_CTRL_EN_MASK		0x3ULL	/* OS | USR */
#define VPMU_FIXED_CTRL_PMI		0x8ULL
/*
 * Adaptive PEBS: fixed counter i's Adaptive_Record bit is this bit shifted
 * by 4 * i (bit 32 + 4i).  It only selects the record format; PEBS on fixed
 * counter i is enabled by PEBS_ENABLE bit 32 + i.
 */
#define VPMU_FIXED_CTRL_ADAPTIVE	VPMU_BIT_ULL(32)

/* GLOBAL_STATUS and friends: bits above the counters */
#define VPMU_GLOBAL_FIXED_SHIFT		32
#define VPMU_STATUS_LBR_FRZ		VPMU_BIT_ULL(58)
#define VPMU_STATUS_CTR_FRZ		VPMU_BIT_ULL(59)
#define VPMU_STATUS_OVF_BUF		VPMU_BIT_ULL(62)
#define VPMU_STATUS_COND_CHGD		VPMU_BIT_ULL(63)
/* GLOBAL_INUSE bit 63 */
#define VPMU_INUSE_PMI			VPMU_BIT_ULL(63)

/*
 * PEBS_DATA_CFG (adaptive PEBS): the groups an adaptive record holds.  The
 * LBR group is bit 3 plus the number of LBR entries minus one in 31:24.
 */
#define VPMU_PEBS_DATA_CFG_MEMINFO	VPMU_BIT_ULL(0)
#define VPMU_PEBS_DATA_CFG_GP		VPMU_BIT_ULL(1)
#define VPMU_PEBS_DATA_CFG_XMMS		VPMU_BIT_ULL(2)
#define VPMU_PEBS_DATA_CFG_LBRS		VPMU_BIT_ULL(3)
#define VPMU_PEBS_DATA_CFG_LBR_ENTRIES	VPMU_GENMASK_ULL(31, 24)
#define VPMU_PEBS_DATA_CFG_LBR_GROUP \
	(VPMU_PEBS_DATA_CFG_LBRS | VPMU_PEBS_DATA_CFG_LBR_ENTRIES)

/* IA32_DEBUGCTL */
#define VPMU_DEBUGCTL_LBR		VPMU_BIT_ULL(0)
#define VPMU_DEBUGCTL_FREEZE_LBRS_ON_PMI VPMU_BIT_ULL(11)

#endif /* VPMU_MSR_H */
