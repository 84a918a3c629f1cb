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
 * Readers (rcu_read_lock() or rcu_read_lock_sched(), or the writer's lock)
 * never see a node change shape: adding a key copies its leaf (and, when a
 * node splits, its parents) and publishes the copy with one pointer store,
 * the old nodes are freed after a grace period.  Changing the entry of a
 * key that is there, or removing it (the pair stays, its entry 0, until the
 * leaf is next copied), is one store into the leaf.  Writers are
 * serialised by the caller.
 *
 * Entries are opaque non-zero words (dm-remap stores xarray value
 * entries, see rs_entry()); 0 means "no entry".
 */
#ifndef DM_REMAP_TABLE_H
#define DM_REMAP_TABLE_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
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

/* Readers: under rcu_read_lock(), rcu_read_lock_sched() or the writer's lock. */
unsigned long remap_table_get(const struct remap_table *t, u64 key);

/*
 * The nodes, and the readers map calls per bio (inline).  A node is a
 * sorted array of keys, each with its entry (a leaf, level 0) or its child
 * (an inner node).  Child i of an inner node holds the keys from key[i] up
 * to key[i + 1] (child 0: everything below key[1]).  Inner nodes are never
 * emptied; leaves may hold removed pairs (entry 0) until they are next
 * copied.
 */
#define RT_NODE_SIZE	4096
#define RT_SLOTS	((RT_NODE_SIZE - sizeof(struct rcu_head) - 16) / 16)

/* A key and its entry side by side: a probe and its answer share a line. */
struct rt_slot {
	u64 key;
	union {
		unsigned long entry;			/* leaf */
		struct rt_node __rcu *child;		/* inner node */
	};
};

struct rt_node {
	struct rcu_head rcu;
	u16 nr;
	u8 level;
	u64 last;		/* slot[nr - 1].key, in the line of the header */
	struct rt_slot slot[RT_SLOTS];
};

static_assert(sizeof(struct rt_node) <= RT_NODE_SIZE);


/*
 * !@child: the first index of @n whose key is at least @key (n->nr if
 * none).  @child: the one before the first whose key is above @key, the
 * child of an inner node that holds @key (0 if none is above: child 0
 * holds the keys below key[1], and may have got keys below its own).
 * Inlined with @child constant at each call.
 *
 * Main blocks in a node are spread about evenly (runs of consecutive
 * blocks, or bad sectors scattered over a disk), so the key's place is
 * first guessed by interpolation, then bracketed by galloping away from
 * the guess and found by binary search in the bracket: one or two probes
 * for such keys instead of eight, and never more than twice binary
 * search's for any others.
 */
static __always_inline unsigned int rt_search(const struct rt_node *n, u64 key,
					      bool child)
{
	const struct rt_slot *k = n->slot;
	unsigned int nr = n->nr, lo, hi, mid, step;

/* Whether a slot's key comes before the first above (at least) @key. */
#define RT_BEFORE(x)	(child ? (x) <= key : (x) < key)
	if (!nr || !RT_BEFORE(k[0].key))
		return 0;
	if (RT_BEFORE(n->last))
		return nr - child;
	/*
	 * The answer is in [1, nr - 1], and k[0].key < n->last; key - k[0].key
	 * is at most their difference, so the guess is at most nr - 1 (the
	 * product is 128 bits wide).
	 */
	mid = mul_u64_u64_div_u64(key - k[0].key, nr - 1, n->last - k[0].key);
	/* Right next to the guess (k[nr - 1] and k[0] bound it). */
	if (RT_BEFORE(k[mid].key)) {
		if (!RT_BEFORE(k[mid + 1].key))
			return mid + 1 - child;
		for (step = 1, lo = mid + 2;; step *= 2) {
			hi = min(lo + step - 1, nr - 1);
			if (!RT_BEFORE(k[hi].key))
				break;
			lo = hi + 1;
		}
	} else {
		if (RT_BEFORE(k[mid - 1].key))
			return mid - child;
		for (step = 1, hi = mid - 1;; step *= 2) {
			lo = hi > step ? hi - step : 1;
			if (RT_BEFORE(k[lo - 1].key))
				break;
			hi = lo - 1;
		}
	}
	/* k[lo - 1] comes before the answer, k[hi] does not. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (RT_BEFORE(k[mid].key))
			lo = mid + 1;
		else
			hi = mid;
	}
#undef RT_BEFORE
	return lo - child;
}

static __always_inline unsigned int rt_lower(const struct rt_node *n, u64 key)
{
	return rt_search(n, key, false);
}

/* The child of inner node @n that holds @key: the last key[i] <= @key, or 0. */
static __always_inline unsigned int rt_child(const struct rt_node *n, u64 key)
{
	return rt_search(n, key, true);
}

/*
 * The leaf that holds @key.  With @bound, also the first key of the next
 * leaf (every key below it that the table has is in this leaf), or 0 if
 * this is the last leaf.  @t is not empty.
 */
static __always_inline const struct rt_node *
rt_leaf(const struct remap_table *t, u64 key, u64 *bound)
{
	const struct rt_node *n = rcu_dereference_raw(t->root);
	unsigned int i;

	if (bound)
		*bound = 0;
	while (n->level) {
		i = rt_child(n, key);
		if (bound && i + 1 < n->nr)
			*bound = n->slot[i + 1].key;
		n = rcu_dereference_raw(n->slot[i].child);
	}
	return n;
}


/* From leaf @n's pair @i on, the first with an entry, its key at most @last. */
static __always_inline unsigned long rt_scan(const struct rt_node *n, unsigned int i,
					     u64 last, struct rt_cursor *c, u64 *key)
{
	unsigned long e;

	for (; i < n->nr; i++) {
		if (n->slot[i].key > last)
			return 0;
		e = READ_ONCE(n->slot[i].entry);
		if (e) {
			c->leaf = n;
			c->i = i;
			*key = n->slot[i].key;
			return e;
		}
	}
	return 0;
}

unsigned long remap_table_seek_next(const struct remap_table *t, u64 first, u64 last,
				    struct rt_cursor *c, u64 *key);

/*
 * remap_table_seek() in the leaf of @first only; *@far: the answer may be
 * in a later leaf (the leaf has nothing in [@first, @last] and ends before
 * @last).
 */
static __always_inline unsigned long
remap_table_seek_leaf(const struct remap_table *t, u64 first, u64 last,
		      struct rt_cursor *c, u64 *key, bool *far)
{
	const struct rt_node *n;
	unsigned long e;

	*far = false;
	if (!rcu_access_pointer(t->root))
		return 0;
	n = rt_leaf(t, first, NULL);
	e = rt_scan(n, rt_lower(n, first), last, c, key);
	*far = !e && n->last <= last;
	return e;
}

/*
 * The entry of the first key in [@first, @last] that has one (its key in
 * *@key, its place in @c), or 0.  The caller holds a read lock or the
 * writer's lock for as long as it uses @c.
 */
static __always_inline unsigned long
remap_table_seek(const struct remap_table *t, u64 first, u64 last,
		 struct rt_cursor *c, u64 *key)
{
	bool far;
	unsigned long e = remap_table_seek_leaf(t, first, last, c, key, &far);

	if (likely(!far))
		return e;
	return remap_table_seek_next(t, first, last, c, key);
}

/*
 * The pairs from @c's on in its leaf (at most @max, @c's the first, taken
 * as in the run) that make a run as remap_table_run() says; *@more: the
 * run reached the leaf's end with fewer than @max.
 */
static __always_inline unsigned long
rt_run_leaf(const struct rt_cursor *c, unsigned long max, unsigned long want,
	    unsigned long step, unsigned long mask, bool *more)
{
	const struct rt_slot *sl = c->leaf->slot + c->i, *p;
	unsigned long left = c->leaf->nr - c->i, end = max, r;

	/* Most often the run is all of @max, in this leaf. */
	*more = false;
	if (unlikely(max > left)) {
		end = left;
		*more = true;
	}
	/* Keys rise in a leaf: up to sl[end - 1] one apart iff it is end - 1 above. */
	if (sl[end - 1].key - sl[0].key != end - 1) {
		for (r = 1; sl[r].key == sl[0].key + r; r++)
			;
		end = r;
		*more = false;
	}
	/* Two pairs a turn: a bio's blocks are a few pairs, looked at for every bio. */
	for (p = sl + 1; p + 1 < sl + end; p += 2) {
		if ((READ_ONCE(p[0].entry) ^ (want + step)) & mask)
			goto ended;
		want += 2 * step;
		if ((READ_ONCE(p[1].entry) ^ want) & mask) {
			p++;
			goto ended;
		}
	}
	if (p < sl + end && ((READ_ONCE(p->entry) ^ (want + step)) & mask))
		goto ended;
	return end;
ended:
	*more = false;
	return p - sl;
}

unsigned long remap_table_run_next(const struct remap_table *t, struct rt_cursor *c,
				   unsigned long e, unsigned long max, unsigned long step,
				   unsigned long mask, unsigned long done);

/*
 * How many pairs from @c's on (its entry @e, at most @max) make a run: keys
 * one apart, the k-th entry after @e equal to @e + k * @step in the bits of
 * @mask.  @mask has a bit that every entry has, so a removed pair (entry 0)
 * ends a run.  A run that reaches the end of its leaf goes on in the next
 * one (@c is left somewhere in the run).  Same locking as
 * remap_table_seek().
 */
static __always_inline unsigned long
remap_table_run(const struct remap_table *t, struct rt_cursor *c, unsigned long e,
		unsigned long max, unsigned long step, unsigned long mask)
{
	bool more;
	unsigned long r = rt_run_leaf(c, max, e, step, mask, &more);

	if (likely(!more))
		return r;
	return remap_table_run_next(t, c, e, max, step, mask, r);
}

/* Writers (serialised by the caller). */
int remap_table_reserve(struct remap_table *t, gfp_t gfp);
int remap_table_store(struct remap_table *t, u64 key, unsigned long entry,
		      gfp_t gfp, unsigned long *old);
unsigned long remap_table_erase(struct remap_table *t, u64 key);

#endif
