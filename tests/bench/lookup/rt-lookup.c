// SPDX-License-Identifier: GPL-2.0
/*
 * rt-lookup: the map-side lookup of dm-remap's remap table, timed in
 * userspace over the kernel's own kernel/dm-remap-table.c (built over the
 * single-threaded shims of tests/unit/kshim, -O2 like the kernel).
 *
 *   rt-lookup [-a] [-r REPS] [-s STRIDE] [-b BLOCKS] [-n LOOKUPS] N hit|miss
 *
 * The same workload and output as xa-lookup.c (which see): N entries, main
 * block k*STRIDE -> spare block k, and one lookup per bio of BLOCKS blocks,
 * as remap_map() and remap_map_slow() do it: the region map, then one
 * descent (remap_table_seek()) and, on a hit at `first`, the run along
 * the leaf (remap_table_run(), as remap_run_at() calls it).
 * -a: callgrind's "build" is what activation does with the table: the sort
 * (nothing when the slots are in order) and the bottom-up build.
 * Prints: entries stride blocks kind lookups ns_per_lookup nodes node_bytes
 * (nodes: allocations live, each of RT_NODE_SIZE bytes; the loader's
 * temporary arrays are freed by then).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../../kernel/dm-remap-table.c"

#define noinline __attribute__((noinline))

#define RS_SHIFT 3
#define RS_REMAPPED 0

long kshim_fail_after = -1;
unsigned long kshim_live;

static struct remap_table table;
#include "lookup-driver.h"
static unsigned long *regions;
static unsigned int region_shift;

/* An xarray value entry, as rs_entry() makes it. */
static unsigned long mk(unsigned long spare)
{
	return ((spare << RS_SHIFT | RS_REMAPPED) << 1) | 1;
}

static int regions_hit(unsigned long first, unsigned long last)
{
	unsigned long r = first >> region_shift, end = last >> region_shift;

	for (; r <= end; r++)
		if (regions[r / 64] & (1UL << (r % 64)))
			return 1;
	return 0;
}

static unsigned long lookup_kernel(unsigned long first, unsigned long last)
{
	struct rt_cursor c;
	unsigned long e;
	u64 at;

	if (!regions_hit(first, last))
		return 1;
	e = remap_table_seek(&table, first, last, &c, &at);
	if (!e || at != first)
		return !e;
	/* remap_run_at() of a remapped run: entries one spare block apart. */
	return remap_table_run(&table, &c, e, last - first + 1, mk(1) - mk(0), ~0UL);
}

noinline unsigned long lookups(unsigned long count, unsigned long blocks)
{
	unsigned long i, acc = 0;

	for (i = 0; i < count; i++)
		acc += lookup_kernel(starts[i], starts[i] + blocks - 1);
	return acc;
}

static struct rt_pair *pairs;

noinline int build(unsigned long n)
{
	return remap_table_sort(pairs, n) || remap_table_build(&table, pairs, n);
}

int main(int argc, char **argv)
{
	unsigned long n, stride = 1, blocks = 8, count = 1000000, reps = 5, i, nodes;
	double ns = 0;
	int hit, c, r;

	while ((c = getopt(argc, argv, "as:b:n:r:")) != -1) {
		switch (c) {
		case 'a': break;	/* build() is always the activation's */
		case 'r': reps = strtoul(optarg, NULL, 0); break;
		case 's': stride = strtoul(optarg, NULL, 0); break;
		case 'b': blocks = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || !stride || !blocks) {
		fprintf(stderr, "usage: rt-lookup [-a] [-r REPS] [-s STRIDE] [-b BLOCKS] [-n LOOKUPS] N hit|miss\n");
		return 2;
	}
	n = strtoul(argv[optind], NULL, 0);
	hit = !strcmp(argv[optind + 1], "hit");
	if (stride > 1 && stride < blocks + 1) {
		fprintf(stderr, "rt-lookup: STRIDE must exceed BLOCKS for misses between entries\n");
		return 2;
	}
	region_shift = blocks == 8 ? 11 : 8;
	regions = calloc(((n * stride * 2 + blocks + 2) >> region_shift) / 64 + 1, sizeof(long));
	pairs = malloc((n ? n : 1) * sizeof(*pairs));
	if (!regions || !pairs)
		return 1;
	for (i = 0; i < n; i++) {
		regions[(i * stride >> region_shift) / 64] |= 1UL << ((i * stride >> region_shift) % 64);
		pairs[i].key = i * stride;
		pairs[i].entry = mk(i);
	}
	remap_table_init(&table);
	if (build(n))
		return 1;
	free(pairs);
	nodes = kshim_live;

	r = drive("rt-lookup", n, stride, blocks, count, hit, reps, &ns);
	if (r)
		return r;
	printf("%lu %lu %lu %s %lu %.1f %lu %lu\n", n, stride, blocks, hit ? "hit" : "miss",
	       count, ns, nodes, nodes * RT_NODE_SIZE);
	return 0;
}
