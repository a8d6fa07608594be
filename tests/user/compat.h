/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel helpers the userspace harness uses, under their kernel
 * names, so that code shared with the KUnit suites reads the same.
 */
#ifndef VPMU_USER_COMPAT_H
#define VPMU_USER_COMPAT_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* noipa: neither inlined nor specialised, so callgrind sees every call. */
#define noinline	__attribute__((noipa))

#endif /* VPMU_USER_COMPAT_H */
