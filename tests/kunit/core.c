// SPDX-License-Identifier: GPL-2.0
/*
 * The pure core, compiled into the KUnit module.  An object file can be
 * linked into one module only, so the test module builds the same sources
 * again rather than sharing the core objects of kvm_vpmu_ext.ko.
 */
#include "../../src/core/caps.c"
#include "../../src/core/counter.c"
#include "../../src/core/pebs.c"
#include "../../src/core/lbr.c"

#include <linux/module.h>

MODULE_DESCRIPTION("KUnit suites for the kvm_vpmu_ext core model");
MODULE_LICENSE("GPL");
