// SPDX-License-Identifier: GPL-2.0
/*
 * xa-lookup: the map-side lookup of dm-remap's remap table, timed in
 * userspace over the kernel's own lib/xarray.c (built with the shims of the
 * kernel's tools/testing/radix-tree, XA_CHUNK_SHIFT 6 and -O2 like the
 * kernel; see build.sh).
 *
 *   xa-lookup [-o] [-s STRIDE] [-b BLOCKS] [-n LOOKUPS] N hit|miss
 *
 * The table holds N entries, main block k*STRIDE -> spare block k, as
 * dm-remap's loader stores them (xa_mk_value(spare << 3 | RS_REMAPPED)).
 * One lookup is what map does for a bio of BLOCKS blocks (8: 4 KiB on
 * 512-byte blocks, 1: 4 KiB blocks), as remap_map() and remap_map_slow()
 * do it today: the region map (one bit per 1 MiB of main, set where the
 * table has entries) first; then, if the bio's region has entries, one
 * xa_state walk: xas_find() over the bio's range and, on a hit at `first`,
 * xas_next() along the leaf for each following block (remap_run_xas()).
 * -o: the lookup as it was before (commit 5ed8d67): no region map,
 * xa_find(), and a fresh xa_load() from the root per following block.
 * hit: `first` is a random table entry (STRIDE 1: the whole bio is
 * remapped; larger strides: only its first block).  miss: `first` is a
 * random block with no entry in [first, first + BLOCKS) (STRIDE 1: past the
 * table, within twice its size; larger strides: between entries, so the
 * region map does not help).
 * Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared host
 * a pass preempted by other work is not charged for the time it waited.
 * Random order over precomputed indices: the table is larger than the
 * caches at 100k entries and more, as in the kernel.
 * -a: build the table as activation does (with md.rev); see build().
 * -r REPS: timed passes (default 5), the fastest is reported.
 * Prints: entries stride blocks kind lookups ns_per_lookup nodes node_bytes
 * (nodes: xa_node objects allocated, their bytes at sizeof(struct xa_node)).
 * The function lookups() is the one callgrind counts (--toggle-collect).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/xarray.h>
#include "test.h"

#define RS_SHIFT 3
#define RS_REMAPPED 0

int kmalloc_verbose;
static DEFINE_XARRAY(table);
static DEFINE_XARRAY(rev);
#include "lookup-driver.h"

static unsigned long rs_spare(void *e)
{
	return xa_to_value(e) >> RS_SHIFT;
}

static int old_code;
static unsigned long *regions;
static unsigned int region_shift;

/* remap_run() as it was before: xa_load() from the root per block. */
static unsigned long run_old(unsigned long first, unsigned long last, void *e)
{
	unsigned long n = 1;
	void *next;

	while (first + n <= last) {
		next = xa_load(&table, first + n);
		if (!next || (xa_to_value(next) & 7) != RS_REMAPPED ||
		    rs_spare(next) != rs_spare(e) + n)
			break;
		n++;
	}
	return n;
}

/* remap_regions_hit() of dm-remap.h. */
static int regions_hit(unsigned long first, unsigned long last)
{
	unsigned long r = first >> region_shift, end = last >> region_shift;

	for (; r <= end; r++)
		if (regions[r / 64] & (1UL << (r % 64)))
			return 1;
	return 0;
}

/*
 * Today's lookup (remap_map() and remap_map_slow()): the region map, then
 * one xa_state walk under one RCU read section.  Returns what lookups()
 * adds for one bio.
 */
static unsigned long lookup_kernel(unsigned long first, unsigned long last)
{
	XA_STATE(xas, &table, first);
	unsigned long n = 1;
	void *e, *next;

	if (!regions_hit(first, last))
		return 1;
	rcu_read_lock();
	do {
		e = xas_find(&xas, last);
	} while (xas_retry(&xas, e));
	if (!e || xas.xa_index != first) {
		rcu_read_unlock();
		return !e;
	}
	while (first + n <= last) {
		next = xas_next(&xas);
		if (xa_is_zero(next))
			break;
		if (xas_retry(&xas, next))
			continue;
		if (!next || (xa_to_value(next) & 7) != RS_REMAPPED ||
		    rs_spare(next) != rs_spare(e) + n)
			break;
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* The loop callgrind measures: one map lookup per start. */
noinline unsigned long lookups(unsigned long count, unsigned long blocks)
{
	unsigned long i, acc = 0;

	for (i = 0; i < count; i++) {
		unsigned long first = starts[i], idx = first;
		void *e;

		if (!old_code) {
			acc += lookup_kernel(first, first + blocks - 1);
			continue;
		}
		e = xa_find(&table, &idx, first + blocks - 1, XA_PRESENT);
		if (e && idx == first)
			acc += run_old(first, first + blocks - 1, e);
		else
			acc += !e;
	}
	return acc;
}

/*
 * What activation does per remapped slot (meta_load_rslot() in
 * dm-remap-metadata.c): look the main block up, then store the spare block
 * in md.rev and the main block in the table.  callgrind --toggle-collect=build
 * counts it (-a: also build md.rev, as the kernel does).
 */
static int with_rev;

noinline int build(unsigned long n, unsigned long stride)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (with_rev) {
			if (xa_load(&table, i * stride))
				return 1;
			if (xa_is_err(xa_store(&rev, i, xa_mk_value(i << 2 | 1), GFP_KERNEL)))
				return 1;
		}
		regions[(i * stride >> region_shift) / 64] |= 1UL << ((i * stride >> region_shift) % 64);
		if (xa_is_err(xa_store(&table, i * stride,
				       xa_mk_value(i << RS_SHIFT | RS_REMAPPED), GFP_KERNEL)))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n, stride = 1, blocks = 8, count = 1000000, reps = 5;
	double ns = 0;
	int hit, c, r;

	while ((c = getopt(argc, argv, "aos:b:n:r:")) != -1) {
		switch (c) {
		case 'o': old_code = 1; break;
		case 'a': with_rev = 1; break;
		case 'r': reps = strtoul(optarg, NULL, 0); break;
		case 's': stride = strtoul(optarg, NULL, 0); break;
		case 'b': blocks = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || !stride || !blocks) {
		fprintf(stderr, "usage: xa-lookup [-a] [-o] [-r REPS] [-s STRIDE] [-b BLOCKS] [-n LOOKUPS] N hit|miss\n");
		return 2;
	}
	n = strtoul(argv[optind], NULL, 0);
	hit = !strcmp(argv[optind + 1], "hit");
	if (stride > 1 && stride < blocks + 1) {
		fprintf(stderr, "xa-lookup: STRIDE must exceed BLOCKS for misses between entries\n");
		return 2;
	}

	/* 1 MiB regions: 2048 blocks of 512 bytes, 256 of 4 KiB. */
	region_shift = blocks == 8 ? 11 : 8;
	regions = calloc(((n * stride * 2 + blocks + 2) >> region_shift) / 64 + 1, sizeof(long));
	if (!regions)
		return 1;
	rcu_register_thread();
	radix_tree_init();
	if (build(n, stride))
		return 1;

	r = drive("xa-lookup", n, stride, blocks, count, hit, reps, &ns);
	if (r)
		return r;
	printf("%lu %lu %lu %s %lu %.1f %d %lu\n", n, stride, blocks, hit ? "hit" : "miss",
	       count, ns, nr_allocated, (unsigned long)nr_allocated * sizeof(struct xa_node));
	return 0;
}
