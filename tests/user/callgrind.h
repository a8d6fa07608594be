/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instruction counts for benchmarks, through callgrind.
 *
 * vpmu_ir_per_call(argv0, "bench_op_fold", n) re-runs the benchmark binary
 * under `valgrind --tool=callgrind`, collecting only inside the named
 * function, which the benchmark calls n times when started with
 * "--op NAME N".  It returns instructions per call, or -1 when valgrind is
 * missing (the table then prints "n/a" rather than a made-up number).
 */
#ifndef VPMU_BENCH_CALLGRIND_H
#define VPMU_BENCH_CALLGRIND_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VPMU_CALLGRIND_CMD "valgrind --tool=callgrind --callgrind-out-file=%s --collect-atstart=no --toggle-collect=%s %s --op %s %ld >/dev/null 2>&1"

static inline double vpmu_ir_per_call(const char *self, const char *fn, long n)
{
	char out[] = "/tmp/vpmu-cg-XXXXXX";
	char cmd[1024], line[512];
	unsigned long long total = 0;
	int fd = mkstemp(out);
	FILE *f;

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), VPMU_CALLGRIND_CMD, out, fn, self, fn, n);
	if (system(cmd) != 0) {
		unlink(out);
		return -1;
	}
	f = fopen(out, "r");
	if (!f) {
		unlink(out);
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))
			total = strtoull(strchr(line, ':') + 1, NULL, 10);
	fclose(f);
	unlink(out);
	return total ? (double)total / n : -1;
}

#endif /* VPMU_BENCH_CALLGRIND_H */
