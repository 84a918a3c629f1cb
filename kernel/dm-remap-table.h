/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap: the remap table, a B+tree of (main block, entry) pairs in 4 KiB
 * nodes, read without locks under RCU.
 *
 * Why not an xarray: its size depends on where the keys fall (576-byte
 * nodes of 64 slots: about 9 bytes an entry when main blocks are
 * consecutive, 600 when they are 64 apart, as bad sectors over a large disk
 * are), and a bio over several blocks walks a slot per block.  Here an
 * entry costs 16 bytes in a full leaf whatever the layout, a lookup is a
 * search per level (three levels for 1M entries), and the blocks after the
 * first one of a bio are the next pairs of the same leaf.
 *
 * Readers (rcu_read_lock(), or the writer's lock) never see a node change
 * shape: adding a key copies its leaf (and, when a node splits, its
 * parents) and publishes the copy with one pointer store, the old nodes
 * are freed after a grace period.  Changing the entry of a key that is
 * there, or removing it (the pair stays, its entry 0, until the leaf is
 * next copied), is one store into the leaf.  Writers are serialised by the
 * caller.
 *
 * Entries are opaque non-zero words (dm-remap stores xarray value
 * entries, see rs_entry()); 0 means "no entry".
 */
#ifndef DM_REMAP_TABLE_H
#define DM_REMAP_TABLE_H

#include <linux/types.h>

#define RT_MAX_HEIGHT	8	/* 254^8 keys: more than 64-bit block numbers need */
#define RT_POOL		(2 * RT_MAX_HEIGHT + 1)

struct rt_node;

struct remap_table {
	struct rt_node __rcu *root;	/* NULL: empty */
	/* Writer side. */
	unsigned int height;		/* levels: 0 empty, 1 a leaf */
	unsigned int nr_pool;
	struct rt_node *pool[RT_POOL];	/* nodes for the next insertion */
};

/* One pair, for remap_table_build(). */
struct rt_pair {
	u64 key;
	unsigned long entry;
};

/* A pair found, for remap_table_run(). */
struct rt_cursor {
	const struct rt_node *leaf;
	unsigned int i;
};

void remap_table_init(struct remap_table *t);
void remap_table_destroy(struct remap_table *t);
int remap_table_sort(struct rt_pair *pairs, size_t n);
int remap_table_build(struct remap_table *t, const struct rt_pair *pairs, size_t n);

/* Readers: under rcu_read_lock() or the writer's lock. */
unsigned long remap_table_get(const struct remap_table *t, u64 key);
unsigned long remap_table_seek(const struct remap_table *t, u64 first, u64 last,
			       struct rt_cursor *c, u64 *key);
unsigned long remap_table_run(const struct remap_table *t, struct rt_cursor *c,
			      unsigned long e, unsigned long max, unsigned long step,
			      unsigned long mask);

/* Writers (serialised by the caller). */
int remap_table_reserve(struct remap_table *t, gfp_t gfp);
int remap_table_store(struct remap_table *t, u64 key, unsigned long entry,
		      gfp_t gfp, unsigned long *old);
unsigned long remap_table_erase(struct remap_table *t, u64 key);

#endif
