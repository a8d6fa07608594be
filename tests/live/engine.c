// SPDX-License-Identifier: GPL-2.0
/*
 * The hook engine and the per-vCPU state, compiled into the live test
 * module: an object file belongs to one module only, and each module
 * needs its own engine (its own SRCU domain and call counters) and state.
 */
#include "../../src/hook/resolve.c"
#include "../../src/hook/hook.c"
#include "../../src/kvm/vcpu.c"
