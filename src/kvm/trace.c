// SPDX-License-Identifier: GPL-2.0
/* The module's tracepoints, defined once (src/kvm/vpmu_trace.h). */
#define CREATE_TRACE_POINTS
#include "vpmu_trace.h"
/* define_trace.h sets it again; a unit that includes more must not. */
#undef CREATE_TRACE_POINTS
