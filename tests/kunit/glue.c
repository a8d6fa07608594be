// SPDX-License-Identifier: GPL-2.0
/*
 * The hook engine and the Intel glue, compiled into the KUnit module for
 * the glue suites (an object belongs to one module only).  The
 * tracepoints come first: this unit defines them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define VPMU_GLUE_TEST
#include "../../src/kvm/trace.c"
#include "../../src/hook/resolve.c"
#include "../../src/hook/hook.c"
#include "../../src/kvm/vcpu.c"
#include "../../src/kvm/pmu.c"
#include "../../src/kvm/hooks.c"
#include "../../src/kvm/caps.c"
#include "../../src/kvm/pebs.c"
#include "../../src/kvm/counter.c"
#include "../../src/kvm/lbr.c"
