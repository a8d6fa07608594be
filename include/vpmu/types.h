/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types for the pure core.
 *
 * The core (src/core/) builds in three places: the product module, the
 * KUnit test module and userspace (fuzzers, benchmarks, simulator).  This
 * header is the only place that knows which one it is in; every other
 * core file includes it instead of any kernel or libc header.
 */
#ifndef VPMU_TYPES_H
#define VPMU_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * The kernel's names for the fixed-width types, so core code reads the
 * same in both worlds; the compiler's own macros are what <stdint.h>
 * builds uint8_t and friends from.
 */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT64_TYPE__ s64;
#endif

/**
 * VPMU_BIT_ULL() - a 64-bit mask with only bit @n set
 * @n: bit number, 0..63
 */
#define VPMU_BIT_ULL(n)		(1ULL << (n))

/**
 * VPMU_GENMASK_ULL() - a 64-bit mask of bits @l..@h inclusive
 * @h: highest bit, 0..63
 * @l: lowest bit, 0..@h
 */
#define VPMU_GENMASK_ULL(h, l) \
	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

#endif /* VPMU_TYPES_H */
