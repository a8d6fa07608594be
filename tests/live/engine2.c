// SPDX-License-Identifier: GPL-2.0
/* The hook engine for vpmu_live_hook2 (see engine.c). */
#include "engine.c"
