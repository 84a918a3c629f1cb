// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap: the remap table (see dm-remap-table.h, which has the nodes and
 * the readers map calls).
 */
#include <linux/bug.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dm-remap-table.h"

void remap_table_init(struct remap_table *t)
{
	RCU_INIT_POINTER(t->root, NULL);
	t->height = 0;
	t->nr_pool = 0;
}

/* A reader may still be in a node: it goes after a grace period. */
static void rt_free(struct rt_node *n)
{
	unsigned int i;

	if (n->level)
		for (i = 0; i < n->nr; i++)
			rt_free(rcu_dereference_protected(n->slot[i].child, 1));
	kfree_rcu(n, rcu);
}

/* No writer may be left. */
void remap_table_destroy(struct remap_table *t)
{
	struct rt_node *root = rcu_dereference_protected(t->root, 1);

	if (root)
		rt_free(root);
	while (t->nr_pool)
		kfree(t->pool[--t->nr_pool]);
	remap_table_init(t);
}

/*
 * Fill the empty table @t with @n pairs sorted by key, no key twice, every
 * node as full as the others (bottom-up: no node is copied or split).
 */
int remap_table_build(struct remap_table *t, const struct rt_pair *pairs, size_t n)
{
	size_t count[RT_MAX_HEIGHT], total = 0, done = 0, i, j, per, extra, at;
	struct rt_node **nodes, *node;
	unsigned int height = 0, lvl;

	if (WARN_ON(rcu_access_pointer(t->root)))
		return -EEXIST;
	if (!n)
		return 0;
	for (i = n; height == 0 || i > 1; height++) {
		if (height == RT_MAX_HEIGHT)
			return -E2BIG;
		i = DIV_ROUND_UP(i, RT_SLOTS);
		count[height] = i;
		total += i;
	}
	nodes = kvmalloc_array(total, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;
	for (i = 0; i < total; i++) {
		nodes[i] = kmalloc(sizeof(struct rt_node), GFP_KERNEL);
		if (!nodes[i]) {
			while (i)
				kfree(nodes[--i]);
			kvfree(nodes);
			return -ENOMEM;
		}
	}

	/* Level by level: nodes[done..] are this level's, built from the last. */
	for (lvl = 0; lvl < height; lvl++) {
		size_t below = lvl ? count[lvl - 1] : n;

		per = below / count[lvl];
		extra = below % count[lvl];
		at = 0;
		for (i = 0; i < count[lvl]; i++) {
			node = nodes[done + i];
			node->level = lvl;
			node->nr = per + (i < extra);
			for (j = 0; j < node->nr; j++, at++) {
				if (!lvl) {
					node->slot[j].key = pairs[at].key;
					node->slot[j].entry = pairs[at].entry;
				} else {
					struct rt_node *c = nodes[done - below + at];

					node->slot[j].key = c->slot[0].key;
					RCU_INIT_POINTER(node->slot[j].child, c);
				}
			}
			node->last = node->slot[node->nr - 1].key;
		}
		done += count[lvl];
	}
	t->height = height;
	rcu_assign_pointer(t->root, nodes[total - 1]);
	kvfree(nodes);
	return 0;
}

/*
 * Sort @n pairs by key, the pairs of one key kept in their order: a stable
 * radix sort, a byte of the key per pass and as many passes as the largest
 * key has bytes (so linear in @n), or nothing if they are in order.
 */
int remap_table_sort(struct rt_pair *pairs, size_t n)
{
	struct rt_pair *tmp, *src = pairs, *dst;
	size_t *count, i, sum, c;
	unsigned int shift;
	bool sorted = true;
	u64 top = 0;

	for (i = 0; i < n; i++) {
		top |= pairs[i].key;
		if (i && pairs[i].key < pairs[i - 1].key)
			sorted = false;
	}
	if (sorted)
		return 0;
	tmp = kvmalloc_array(n + DIV_ROUND_UP(256 * sizeof(*count), sizeof(*tmp)),
			     sizeof(*tmp), GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	count = (size_t *)(tmp + n);
	dst = tmp;
	for (shift = 0; shift < 64 && top >> shift; shift += 8) {
		memset(count, 0, 256 * sizeof(*count));
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & 255]++;
		for (sum = 0, c = 0; c < 256; c++) {
			i = count[c];
			count[c] = sum;
			sum += i;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & 255]++] = src[i];
		swap(src, dst);
	}
	if (src != pairs)
		memcpy(pairs, src, n * sizeof(*pairs));
	kvfree(tmp);
	return 0;
}

unsigned long remap_table_get(const struct remap_table *t, u64 key)
{
	const struct rt_node *n;
	unsigned long e = 0;
	unsigned int i;

	rcu_read_lock();
	if (rcu_access_pointer(t->root)) {
		n = rt_leaf(t, key, NULL);
		i = rt_lower(n, key);
		if (i < n->nr && n->slot[i].key == key)
			e = READ_ONCE(n->slot[i].entry);
	}
	rcu_read_unlock();
	return e;
}

/* remap_table_seek() past the leaf of @first (which has nothing from @first on). */
unsigned long remap_table_seek_next(const struct remap_table *t, u64 first, u64 last,
				    struct rt_cursor *c, u64 *key)
{
	const struct rt_node *n;
	unsigned long e;
	u64 next;

	for (;;) {
		rt_leaf(t, first, &next);
		if (!next || next > last)
			return 0;
		first = next;
		n = rt_leaf(t, first, NULL);
		e = rt_scan(n, rt_lower(n, first), last, c, key);
		if (e)
			return e;
	}
}

/*
 * remap_table_run() past the end of @c's leaf, which the run of @done pairs
 * from @c reached.
 */
unsigned long remap_table_run_next(const struct remap_table *t, struct rt_cursor *c,
				   unsigned long e, unsigned long max, unsigned long step,
				   unsigned long mask, unsigned long done)
{
	unsigned long want, r;
	u64 next = c->leaf->last + 1, at;
	bool more;

	for (;;) {
		want = e + done * step;
		if ((remap_table_seek(t, next, next, c, &at) ^ want) & mask)
			return done;
		r = rt_run_leaf(c, max - done, want, step, mask, &more);
		done += r;
		if (!more)
			return done;
		next = c->leaf->last + 1;
	}
}

/*
 * Have the nodes one insertion may need: a leaf split into two, the same
 * at every inner level, and a new root.
 */
int remap_table_reserve(struct remap_table *t, gfp_t gfp)
{
	unsigned int need = 2 * t->height + 1;
	struct rt_node *n;

	if (need > RT_POOL)
		return -E2BIG;
	while (t->nr_pool < need) {
		n = kmalloc(sizeof(*n), gfp);
		if (!n)
			return -ENOMEM;
		t->pool[t->nr_pool++] = n;
	}
	return 0;
}

static struct rt_node *rt_alloc(struct remap_table *t, unsigned int level)
{
	struct rt_node *n = t->pool[--t->nr_pool];

	n->level = level;
	n->nr = 0;
	return n;
}

/* Where the pairs of a node being copied go: @out[0], then @out[1]. */
struct rt_fill {
	struct rt_node *out[2];
	unsigned int split;	/* pairs that go into out[0] */
	unsigned int at;
};

static void rt_put(struct rt_fill *f, u64 key, unsigned long entry,
		   struct rt_node *child)
{
	struct rt_node *n = f->out[f->at >= f->split];

	n->slot[n->nr].key = key;
	if (n->level)
		RCU_INIT_POINTER(n->slot[n->nr].child, child);
	else
		n->slot[n->nr].entry = entry;
	n->nr++;
	n->last = key;
	f->at++;
}

/* Copies of a node for @count pairs: one, or two halves. */
static void rt_fill_init(struct remap_table *t, struct rt_fill *f,
			 unsigned int level, unsigned int count)
{
	f->out[0] = rt_alloc(t, level);
	f->out[1] = NULL;
	f->split = count;
	f->at = 0;
	if (count > RT_SLOTS) {
		f->out[1] = rt_alloc(t, level);
		f->split = count / 2;
	}
}

/* Leaf @n without its removed pairs, with (@key, @entry) at index @pos. */
static void rt_copy_leaf(struct remap_table *t, struct rt_fill *f,
			 const struct rt_node *n, unsigned int pos,
			 u64 key, unsigned long entry)
{
	unsigned int i, count = 1;

	for (i = 0; i < n->nr; i++)
		count += !!n->slot[i].entry;
	rt_fill_init(t, f, 0, count);
	for (i = 0; i <= n->nr; i++) {
		if (i == pos)
			rt_put(f, key, entry, NULL);
		if (i < n->nr && n->slot[i].entry)
			rt_put(f, n->slot[i].key, n->slot[i].entry, NULL);
	}
}

/* Inner node @p with child @pos replaced by @left, then @right after it. */
static void rt_copy_inner(struct remap_table *t, struct rt_fill *f,
			  const struct rt_node *p, unsigned int pos,
			  struct rt_node *left, struct rt_node *right)
{
	unsigned int i;

	rt_fill_init(t, f, p->level, p->nr + 1);
	for (i = 0; i < p->nr; i++) {
		if (i == pos) {
			/* Child 0 may have got keys below its own (see rt_child()). */
			rt_put(f, i ? p->slot[i].key : min(p->slot[i].key, left->slot[0].key), 0, left);
			rt_put(f, right->slot[0].key, 0, right);
		} else {
			rt_put(f, p->slot[i].key, 0, rcu_dereference_protected(p->slot[i].child, 1));
		}
	}
}

/*
 * Add @key at index @pos of @leaf (reached through path/idx): copy the leaf
 * (two if it is full), and each parent the split reaches, then publish the
 * copies with one pointer store and free the nodes they replace.
 */
static void rt_insert(struct remap_table *t, struct rt_node **path,
		      unsigned int *idx, struct rt_node *leaf, unsigned int pos,
		      u64 key, unsigned long entry)
{
	struct rt_node *old[RT_MAX_HEIGHT];
	unsigned int nr_old = 0, lvl, i;
	struct rt_fill f;
	struct rt_node *root;

	rt_copy_leaf(t, &f, leaf, pos, key, entry);
	old[nr_old++] = leaf;
	for (lvl = 1; lvl < t->height; lvl++) {
		if (!f.out[1]) {
			rcu_assign_pointer(path[lvl]->slot[idx[lvl]].child, f.out[0]);
			goto retire;
		}
		rt_copy_inner(t, &f, path[lvl], idx[lvl], f.out[0], f.out[1]);
		old[nr_old++] = path[lvl];
	}
	root = f.out[0];
	if (f.out[1]) {
		root = rt_alloc(t, t->height);
		root->nr = 2;
		root->slot[0].key = f.out[0]->slot[0].key;
		RCU_INIT_POINTER(root->slot[0].child, f.out[0]);
		root->slot[1].key = f.out[1]->slot[0].key;
		RCU_INIT_POINTER(root->slot[1].child, f.out[1]);
		root->last = root->slot[1].key;
		t->height++;
	}
	rcu_assign_pointer(t->root, root);
retire:
	for (i = 0; i < nr_old; i++)
		kfree_rcu(old[i], rcu);
}

/*
 * Set the entry of @key (non-zero); *@old (if asked) gets what it had, 0
 * for none.  Allocates with @gfp only to add a key, and not at all if
 * remap_table_reserve() succeeded since the last insertion.
 */
int remap_table_store(struct remap_table *t, u64 key, unsigned long entry,
		      gfp_t gfp, unsigned long *old)
{
	struct rt_node *path[RT_MAX_HEIGHT];
	unsigned int idx[RT_MAX_HEIGHT], i = 0;
	struct rt_node *n = rcu_dereference_protected(t->root, 1);
	int r;

	if (old)
		*old = 0;
	if (n) {
		while (n->level) {
			i = rt_child(n, key);
			path[n->level] = n;
			idx[n->level] = i;
			n = rcu_dereference_protected(n->slot[i].child, 1);
		}
		i = rt_lower(n, key);
		if (i < n->nr && n->slot[i].key == key) {
			if (old)
				*old = n->slot[i].entry;
			WRITE_ONCE(n->slot[i].entry, entry);
			return 0;
		}
	}
	r = remap_table_reserve(t, gfp);
	if (r)
		return r;
	if (!n) {
		n = rt_alloc(t, 0);
		n->nr = 1;
		n->slot[0].key = key;
		n->slot[0].entry = entry;
		n->last = key;
		t->height = 1;
		rcu_assign_pointer(t->root, n);
		return 0;
	}
	rt_insert(t, path, idx, n, i, key, entry);
	return 0;
}

/* Remove @key's entry (its pair stays until the leaf is next copied). */
unsigned long remap_table_erase(struct remap_table *t, u64 key)
{
	struct rt_node *n = rcu_dereference_protected(t->root, 1);
	unsigned long e;
	unsigned int i;

	if (!n)
		return 0;
	while (n->level)
		n = rcu_dereference_protected(n->slot[rt_child(n, key)].child, 1);
	i = rt_lower(n, key);
	if (i >= n->nr || n->slot[i].key != key)
		return 0;
	e = n->slot[i].entry;
	WRITE_ONCE(n->slot[i].entry, 0);
	return e;
}
