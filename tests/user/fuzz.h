/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every libFuzzer target (fuzz_*.c) shares: the entry point's
 * prototype, a reader that consumes the input and the invariant check.
 *
 * The reader hands out bytes in order, multi-byte values little-endian;
 * once the input is exhausted every read returns 0, so a target can
 * always read a whole request and short inputs are simply mostly zero.
 *
 * FUZZ_CHECK(cond, fmt, ...) prints "fuzz_x.c:LINE: invariant violated: "
 * and the printf-style message to stderr, then aborts (which libFuzzer
 * reports as a crash and saves the input for).
 */
#ifndef VPMU_FUZZ_H
#define VPMU_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include <vpmu/types.h>

#include "compat.h"

/* libFuzzer's entry point: its name and prototype are libFuzzer's. */
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

struct vpmu_fuzz_input {
	const u8 *p;
	size_t left;
};

static inline size_t fuzz_left(const struct vpmu_fuzz_input *in)
{
	return in->left;
}

static inline u8 fuzz_u8(struct vpmu_fuzz_input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline u32 fuzz_u32(struct vpmu_fuzz_input *in)
{
	u32 v = 0;
	unsigned int i;

	for (i = 0; i < 4; i++)
		v |= (u32)fuzz_u8(in) << (8 * i);
	return v;
}

static inline u64 fuzz_u64(struct vpmu_fuzz_input *in)
{
	u64 lo = fuzz_u32(in);

	return lo | (u64)fuzz_u32(in) << 32;
}

#define FUZZ_CHECK(cond, fmt, ...)					\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr,					\
				"%s:%d: invariant violated: " fmt "\n",	\
				__FILE__, __LINE__, ##__VA_ARGS__);	\
			abort();					\
		}							\
	} while (0)

#endif /* VPMU_FUZZ_H */
