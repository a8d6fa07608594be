// SPDX-License-Identifier: GPL-2.0
/*
 * The hook engine, compiled into the live test module: an object file
 * belongs to one module only, and each module needs its own engine (its
 * own SRCU domain and call counters).
 */
#include "../../src/hook/resolve.c"
#include "../../src/hook/hook.c"
