/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What xa-lookup.c and rt-lookup.c share: the starts of COUNT bios of
 * BLOCKS blocks over a table of N entries, main block k*STRIDE (hit: at a
 * random entry; miss: at a random block with no entry in the bio), one
 * checked pass of the program's lookups(), then the fastest of REPS timed
 * passes (thread CPU time: on a shared host a pass preempted by other work
 * is not charged for the wait).
 */
#ifndef LOOKUP_DRIVER_H
#define LOOKUP_DRIVER_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long *starts;
static unsigned long sink;

/* One map lookup per start; returns what they found (see each program). */
unsigned long lookups(unsigned long count, unsigned long blocks);

static unsigned long rnd(unsigned long *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* ns per lookup in *@ns; returns 0, or the program's exit status. */
static int drive(const char *prog, unsigned long n, unsigned long stride,
		 unsigned long blocks, unsigned long count, int hit,
		 unsigned long reps, double *ns)
{
	unsigned long i, seed = 88172645463325252ULL, expect, got, r;
	struct timespec t0, t1;
	double t;

	starts = malloc(count * sizeof(*starts));
	if (!starts)
		return 1;
	for (i = 0; i < count; i++) {
		unsigned long k = n ? rnd(&seed) % n : 0;

		if (hit && n)
			starts[i] = stride == 1 ? (k < n - blocks ? k : n - blocks) : k * stride;
		else if (stride == 1)
			starts[i] = n + rnd(&seed) % (n + 1);
		else
			starts[i] = k * stride + 1 + rnd(&seed) % (stride - blocks);
	}
	if (hit && n < blocks) {
		fprintf(stderr, "%s: hits need at least BLOCKS entries\n", prog);
		return 2;
	}

	/* Warm up (and check what the lookups find), then time. */
	got = lookups(count, blocks);
	expect = hit ? count * (stride == 1 ? blocks : 1) : count;
	if (got != expect) {
		fprintf(stderr, "%s: lookups found %lu, expected %lu\n", prog, got, expect);
		return 1;
	}
	/* The fastest of REPS passes: the host's other load only adds time. */
	for (r = 0; r < reps; r++) {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		sink += lookups(count, blocks);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		t = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / count;
		if (!r || t < *ns)
			*ns = t;
	}
	return 0;
}

#endif
