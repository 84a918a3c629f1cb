// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the remap table (kernel/dm-remap-table.c, built in
 * userspace over kshim/): every operation is checked against a plain array
 * of the same keys, and after each batch the tree's shape is checked (keys
 * sorted, each child's keys inside its parent's bounds, every leaf at level
 * 0, no node over- or under-filled).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../kernel/dm-remap-table.c"

long kshim_fail_after = -1;
unsigned long kshim_live;

/* A reference: entry of key k*STEP at ref[k], 0 for none. */
#define STEP 7
static unsigned long *ref;
static size_t ref_len;

static u64 rnd_state = 88172645463325252ull;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static unsigned long mk_entry(void)
{
	return (rnd() << 1) | 1;	/* odd, never 0, like an xarray value */
}

/* Shape check of the subtree at @n, whose keys must be in [lo, hi). */
static size_t check_node(const struct rt_node *n, unsigned int level, u64 lo,
			 u64 hi, bool root)
{
	size_t live = 0;
	unsigned int i;

	assert_int_equal(n->level, level);
	assert_true(n->nr >= 1 && n->nr <= RT_SLOTS);
	assert_true(n->last == n->slot[n->nr - 1].key);
	for (i = 1; i < n->nr; i++)
		assert_true(n->slot[i - 1].key < n->slot[i].key);
	for (i = 0; i < n->nr; i++) {
		if (!level) {
			assert_true(n->slot[i].key >= lo && n->slot[i].key < hi);
			live += !!n->slot[i].entry;
			continue;
		}
		if (i)
			assert_true(n->slot[i].key > lo && n->slot[i].key < hi);
		live += check_node(n->slot[i].child, level - 1, i ? n->slot[i].key : lo,
				   i + 1 < n->nr ? n->slot[i + 1].key : hi, false);
	}
	(void)root;
	return live;
}

static size_t check_tree(const struct remap_table *t)
{
	if (!t->root) {
		assert_int_equal(t->height, 0);
		return 0;
	}
	assert_int_equal(t->root->level, t->height - 1);
	return check_node(t->root, t->height - 1, 0, UINT64_MAX, true);
}

static size_t ref_live(void)
{
	size_t i, n = 0;

	for (i = 0; i < ref_len; i++)
		n += !!ref[i];
	return n;
}

/* Every key, and seeks over random ranges, against the reference. */
static void check_against_ref(const struct remap_table *t, unsigned int seeks)
{
	struct rt_cursor c;
	unsigned long e;
	size_t i, k, f, l;
	u64 key;

	assert_int_equal(check_tree(t), ref_live());
	for (i = 0; i < ref_len; i++) {
		assert_int_equal(remap_table_get(t, i * STEP), ref[i]);
		assert_int_equal(remap_table_get(t, i * STEP + 1), 0);
	}
	while (seeks--) {
		f = rnd() % (ref_len * STEP + 10);
		l = f + rnd() % (rnd() % 2 ? 20 : ref_len * STEP / 4 + 1);
		e = remap_table_seek(t, f, l, &c, &key);
		for (k = DIV_ROUND_UP(f, STEP); k < ref_len && k * STEP <= l; k++)
			if (ref[k])
				break;
		if (k < ref_len && k * STEP <= l) {
			assert_int_equal(key, k * STEP);
			assert_int_equal(e, ref[k]);
			/* Keys STEP apart make no run. */
			assert_int_equal(remap_table_run(t, &c, e, 100, 0, ~0ul), 1);
		} else {
			assert_int_equal(e, 0);
		}
	}
}

static void ref_reset(size_t len)
{
	free(ref);
	ref_len = len;
	ref = calloc(len, sizeof(*ref));
	assert_non_null(ref);
}

static void test_empty(void **state)
{
	struct remap_table t;
	struct rt_cursor c;
	u64 key;

	(void)state;
	remap_table_init(&t);
	assert_int_equal(remap_table_get(&t, 0), 0);
	assert_int_equal(remap_table_seek(&t, 0, UINT64_MAX, &c, &key), 0);
	assert_int_equal(remap_table_erase(&t, 5), 0);
	assert_int_equal(remap_table_build(&t, NULL, 0), 0);
	assert_null(t.root);
	remap_table_destroy(&t);
	assert_int_equal(kshim_live, 0);
}

/* Bottom-up builds at the sizes where a level is added, and full nodes. */
static void test_build(void **state)
{
	static const size_t sizes[] = { 1, 2, RT_SLOTS - 1, RT_SLOTS, RT_SLOTS + 1,
		2 * RT_SLOTS + 1, RT_SLOTS * RT_SLOTS, RT_SLOTS * RT_SLOTS + 1, 100000 };
	struct remap_table t;
	struct rt_pair *p;
	size_t s, i, n;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		ref_reset(n + 1);
		p = calloc(n, sizeof(*p));
		for (i = 0; i < n; i++) {
			/* Every key but the last but one, so a gap is looked up too. */
			size_t k = i < n - 1 ? i : n;

			p[i].key = k * STEP;
			p[i].entry = ref[k] = mk_entry();
		}
		remap_table_init(&t);
		assert_int_equal(remap_table_build(&t, p, n), 0);
		free(p);
		check_against_ref(&t, 500);
		/* Full nodes: leaves are ceil(n / RT_SLOTS). */
		assert_int_equal(t.height, n == 1 ? 1 : n <= RT_SLOTS ? 1 :
				 n <= RT_SLOTS * RT_SLOTS ? 2 : 3);
		remap_table_destroy(&t);
		assert_int_equal(kshim_live, 0);
	}
}

/* Random stores, overwrites and erases, against the reference. */
static void random_ops(struct remap_table *t, size_t ops, unsigned int erase_pct)
{
	unsigned long e, old;
	size_t i, k;

	for (i = 0; i < ops; i++) {
		k = rnd() % ref_len;
		if (rnd() % 100 < erase_pct) {
			assert_int_equal(remap_table_erase(t, k * STEP), ref[k]);
			ref[k] = 0;
			continue;
		}
		e = mk_entry();
		assert_int_equal(remap_table_store(t, k * STEP, e, GFP_NOIO, &old), 0);
		assert_int_equal(old, ref[k]);
		ref[k] = e;
	}
}

static void test_random(void **state)
{
	struct remap_table t;
	int round;

	(void)state;
	ref_reset(40000);
	remap_table_init(&t);
	for (round = 0; round < 12; round++) {
		random_ops(&t, 20000, round % 3 == 2 ? 60 : 10);
		check_against_ref(&t, 2000);
	}
	remap_table_destroy(&t);
	assert_int_equal(kshim_live, 0);
}

/* In order and in reverse: every insertion at a leaf's end or start. */
static void test_sequential(void **state)
{
	struct remap_table t;
	unsigned long old;
	size_t i, n = 3 * RT_SLOTS * RT_SLOTS;

	(void)state;
	for (int dir = 0; dir < 2; dir++) {
		ref_reset(n);
		remap_table_init(&t);
		for (i = 0; i < n; i++) {
			size_t k = dir ? n - 1 - i : i;

			ref[k] = mk_entry();
			assert_int_equal(remap_table_store(&t, k * STEP, ref[k], GFP_NOIO, &old), 0);
			assert_int_equal(old, 0);
		}
		check_against_ref(&t, 2000);
		assert_int_equal(t.height, 3);
		remap_table_destroy(&t);
	}
	assert_int_equal(kshim_live, 0);
}

/* A built table, then changes: splits of full nodes, removed pairs dropped. */
static void test_build_then_change(void **state)
{
	struct remap_table t;
	struct rt_pair *p;
	size_t i, n = 30000;

	(void)state;
	ref_reset(2 * n);
	p = calloc(n, sizeof(*p));
	for (i = 0; i < n; i++) {
		p[i].key = 2 * i * STEP;
		p[i].entry = ref[2 * i] = mk_entry();
	}
	remap_table_init(&t);
	assert_int_equal(remap_table_build(&t, p, n), 0);
	free(p);
	random_ops(&t, 30000, 30);
	check_against_ref(&t, 3000);
	/* Remove all, add again: removed pairs make no key reappear. */
	for (i = 0; i < ref_len; i++) {
		remap_table_erase(&t, i * STEP);
		ref[i] = 0;
	}
	check_against_ref(&t, 200);
	random_ops(&t, 5000, 0);
	check_against_ref(&t, 2000);
	remap_table_destroy(&t);
	assert_int_equal(kshim_live, 0);
}

/*
 * After remap_table_reserve(), an insertion allocates nothing (the engine
 * reserves before it writes the spare: nothing may fail after that); without
 * it, a failed allocation leaves the table as it was.
 */
static void test_reserve(void **state)
{
	struct remap_table t;
	unsigned long old;
	size_t i, n = RT_SLOTS * RT_SLOTS;

	(void)state;
	ref_reset(n);
	remap_table_init(&t);
	for (i = 0; i < n; i++) {
		/* Into full leaves too: every other key first, then the rest. */
		size_t k = i < n / 2 ? 2 * i : 2 * (i - n / 2) + 1;

		assert_int_equal(remap_table_reserve(&t, GFP_NOIO), 0);
		kshim_fail_after = 0;
		ref[k] = mk_entry();
		assert_int_equal(remap_table_store(&t, k * STEP, ref[k], GFP_NOIO, &old), 0);
		kshim_fail_after = -1;
	}
	check_against_ref(&t, 1000);

	/* No reserve, no memory: -ENOMEM, nothing changed. */
	while (t.nr_pool)
		kfree(t.pool[--t.nr_pool]);
	kshim_fail_after = 0;
	assert_int_equal(remap_table_store(&t, n * STEP + 1, 1, GFP_NOIO, &old), -ENOMEM);
	/* An existing key needs no memory. */
	ref[3] = 5;
	assert_int_equal(remap_table_store(&t, 3 * STEP, 5, GFP_NOIO, &old), 0);
	kshim_fail_after = -1;
	check_against_ref(&t, 1000);
	assert_int_equal(remap_table_get(&t, n * STEP + 1), 0);

	/* A build that runs out of memory leaves an empty table and no leak. */
	remap_table_destroy(&t);
	{
		struct rt_pair p[600];

		for (i = 0; i < 600; i++) {
			p[i].key = i;
			p[i].entry = 1;
		}
		kshim_fail_after = 2;
		assert_int_equal(remap_table_build(&t, p, 600), -ENOMEM);
		kshim_fail_after = -1;
		assert_null(t.root);
	}
	assert_int_equal(kshim_live, 0);
}

/* Memory: a built table is about 16 bytes an entry whatever the keys. */
static void test_memory(void **state)
{
	struct remap_table t;
	struct rt_pair *p;
	size_t i, n = 1 << 20;
	u64 stride;

	(void)state;
	p = calloc(n, sizeof(*p));
	for (stride = 1; stride <= 1 << 20; stride <<= 10) {
		for (i = 0; i < n; i++) {
			p[i].key = i * stride;
			p[i].entry = 1;
		}
		remap_table_init(&t);
		assert_int_equal(remap_table_build(&t, p, n), 0);
		print_message("stride %llu: %lu nodes, %.2f bytes per entry\n",
			      (unsigned long long)stride, kshim_live,
			      (double)kshim_live * RT_NODE_SIZE / n);
		assert_true(kshim_live * RT_NODE_SIZE <= 17 * n);
		remap_table_destroy(&t);
	}
	free(p);
	assert_int_equal(kshim_live, 0);
}

/*
 * Runs: keys one apart whose entries go up by a step (a remapped run) or
 * agree in some bits (one state), across leaves.  Checked against the
 * reference: every pair inside a run is one, and a run ends at a pair that
 * is not one, or at @max.
 */
static void test_run(void **state)
{
	size_t i, n = 20000, k, r, j;
	struct remap_table t;
	unsigned long *key_ent, e;
	struct rt_pair *p;
	struct rt_cursor c;
	u64 at;

	(void)state;
	p = calloc(n, sizeof(*p));
	key_ent = calloc(2 * n, sizeof(*key_ent));	/* entry of key k, 0: none */
	for (i = 0, k = 0; i < n; i++, k++) {
		if (rnd() % 50 == 0)
			k++;				/* a gap in the keys */
		p[i].key = k;
		/* Mostly 16 above the last (one spare block up), sometimes not. */
		p[i].entry = i && rnd() % 40 ? p[i - 1].entry + 16 : mk_entry() | 1;
		if (rnd() % 60 == 0)
			p[i].entry = (p[i].entry & ~14ul) | 2;	/* another state */
		key_ent[k] = p[i].entry;
	}
	remap_table_init(&t);
	assert_int_equal(remap_table_build(&t, p, n), 0);
	for (i = 0; i < 300; i++) {	/* removed pairs end runs */
		k = rnd() % (2 * n);
		remap_table_erase(&t, k);
		key_ent[k] = 0;
	}
	for (i = 0; i < 20000; i++) {
		unsigned long max = 1 + rnd() % 300, step = i % 2 ? 16 : 0;
		unsigned long mask = i % 2 ? ~0ul : 15;	/* bit 0: in every entry */

		k = rnd() % (2 * n);
		e = remap_table_seek(&t, k, k, &c, &at);
		if (!key_ent[k]) {
			assert_int_equal(e, 0);
			continue;
		}
		assert_int_equal(e, key_ent[k]);
		r = remap_table_run(&t, &c, e, max, step, mask);
		assert_true(r >= 1 && r <= max);
		for (j = 1; j < r; j++) {
			assert_true(key_ent[k + j]);
			assert_int_equal((key_ent[k + j] ^ (e + j * step)) & mask, 0);
		}
		if (r < max && k + r < 2 * n)
			assert_true(!key_ent[k + r] || ((key_ent[k + r] ^ (e + r * step)) & mask));
	}
	remap_table_destroy(&t);
	free(p);
	free(key_ent);
	assert_int_equal(kshim_live, 0);
}

/* Keys far from evenly spread: interpolation guesses wrong, galloping finds them. */
static void test_skewed(void **state)
{
	size_t i, n = 3000, f, lo;
	struct remap_table t;
	struct rt_pair *p;
	struct rt_cursor c;
	unsigned long e;
	u64 at, x;

	(void)state;
	p = calloc(n, sizeof(*p));
	for (i = 0; i < n; i++) {
		/* Clusters of consecutive keys, squares, and powers of two. */
		p[i].key = i < 1000 ? i : i < 2000 ? 5000 + (u64)i * i : (1ull << (i % 62)) + i;
		p[i].entry = mk_entry();
	}
	assert_int_equal(remap_table_sort(p, n), 0);
	for (i = 1, f = 1; i < n; i++)	/* drop duplicate keys */
		if (p[i].key != p[f - 1].key)
			p[f++] = p[i];
	n = f;
	remap_table_init(&t);
	assert_int_equal(remap_table_build(&t, p, n), 0);
	assert_int_equal(check_tree(&t), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(remap_table_get(&t, p[i].key), p[i].entry);
		if (p[i].key && (!i || p[i - 1].key != p[i].key - 1))
			assert_int_equal(remap_table_get(&t, p[i].key - 1), 0);
	}
	for (i = 0; i < 20000; i++) {
		x = i % 3 ? p[rnd() % n].key + rnd() % 3 - 1 : rnd() >> (rnd() % 64);
		for (lo = 0; lo < n && p[lo].key < x; lo++)
			;
		e = remap_table_seek(&t, x, UINT64_MAX, &c, &at);
		if (lo == n) {
			assert_int_equal(e, 0);
		} else {
			assert_int_equal(at, p[lo].key);
			assert_int_equal(e, p[lo].entry);
		}
	}
	remap_table_destroy(&t);
	free(p);
	assert_int_equal(kshim_live, 0);
}

/* The loader's sort: by key, pairs of one key in their order, any key width. */
static void test_sort(void **state)
{
	static const u64 widths[] = { 1, 255, 65536, 1ull << 40, UINT64_MAX };
	size_t i, n = 50000, w;
	struct rt_pair *p;

	(void)state;
	p = calloc(n, sizeof(*p));
	for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		for (i = 0; i < n; i++) {
			p[i].key = widths[w] == UINT64_MAX ? rnd() : rnd() % (widths[w] + 1);
			if (i % 5 == 1)
				p[i].key = p[i - 1].key;	/* duplicates */
			p[i].entry = i;			/* the load order */
		}
		assert_int_equal(remap_table_sort(p, n), 0);
		for (i = 1; i < n; i++) {
			assert_true(p[i - 1].key <= p[i].key);
			if (p[i - 1].key == p[i].key)
				assert_true(p[i - 1].entry < p[i].entry);
		}
		/* Sorted already: nothing to do, nothing allocated. */
		kshim_fail_after = 0;
		assert_int_equal(remap_table_sort(p, n), 0);
		kshim_fail_after = -1;
	}
	free(p);
	assert_int_equal(kshim_live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_sequential),
		cmocka_unit_test(test_build_then_change),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_skewed),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	free(ref);
	return r;
}
