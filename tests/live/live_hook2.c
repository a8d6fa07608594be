// SPDX-License-Identifier: GPL-2.0
/*
 * vpmu_live_hook2: the live test module built a second time, so that a
 * second hooker meets the first one's wrappers and must refuse.
 */
#define VPMU_LIVE_VALUE	0x32454b4f4f48ULL	/* "HOOKE2" */
#include "live_hook.c"
