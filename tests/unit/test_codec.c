// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmocka unit tests of the dm-remap metadata codec (kernel/dm-remap-codec.c,
 * built unchanged against lib/dmr-kcompat.h and lib/crc32c.c): CRC-32C,
 * layout computation, superblock and metadata block encode/decode and
 * validation, copy selection and torn writes.  docs/FORMAT.md is the prose
 * version of what is checked here.
 *
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dm-remap-codec.h"

#define BLK	DMR_META_BLOCK_SIZE
#define EPB	((u32)DMR_ENTRIES_PER_BLOCK)
#define HDR	sizeof(struct dmr_disk_meta_header)

/* The byte layout docs/FORMAT.md states, checked at every build. */
#define AT(s, f, off, size) \
	_Static_assert(offsetof(struct s, f) == (off) && \
		       sizeof(((struct s *)0)->f) == (size), #s "." #f)
AT(dmr_disk_sb, csum, 0, 4);
AT(dmr_disk_sb, version, 4, 4);
AT(dmr_disk_sb, magic, 8, 8);
AT(dmr_disk_sb, generation, 16, 8);
AT(dmr_disk_sb, format_id, 24, 8);
AT(dmr_disk_sb, incompat_features, 32, 4);
AT(dmr_disk_sb, compat_features, 36, 4);
AT(dmr_disk_sb, state, 40, 4);
AT(dmr_disk_sb, block_size, 44, 4);
AT(dmr_disk_sb, main_blocks, 48, 8);
AT(dmr_disk_sb, spare_sectors, 56, 8);
AT(dmr_disk_sb, remap_slots, 64, 8);
AT(dmr_disk_sb, pending_slots, 72, 8);
AT(dmr_disk_sb, meta_blocks, 80, 4);
AT(dmr_disk_sb, remap_meta_blocks, 84, 4);
AT(dmr_disk_sb, meta_b, 88, 8);
AT(dmr_disk_sb, data_start, 96, 8);
AT(dmr_disk_sb, created, 104, 8);
AT(dmr_disk_sb, uuid, 112, 128);
_Static_assert(sizeof(struct dmr_disk_sb) == 240, "sb size");
AT(dmr_disk_meta_header, csum, 0, 4);
AT(dmr_disk_meta_header, magic, 4, 4);
AT(dmr_disk_meta_header, format_id, 8, 8);
AT(dmr_disk_meta_header, generation, 16, 8);
AT(dmr_disk_meta_header, index, 24, 4);
AT(dmr_disk_meta_header, kind, 28, 4);
_Static_assert(sizeof(struct dmr_disk_meta_header) == 32, "header size");
AT(dmr_disk_entry, block, 0, 8);
AT(dmr_disk_entry, state, 8, 4);
AT(dmr_disk_entry, reserved, 12, 4);
_Static_assert(sizeof(struct dmr_disk_entry) == 16, "entry size");
_Static_assert(DMR_ENTRIES_PER_BLOCK == 254, "entries per block");
_Static_assert(32 + 254 * 16 == BLK, "entries fill the block exactly");

/* ------------------------------------------------------------------------ */
/* helpers */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Recompute the crc of a superblock or metadata block (same offset). */
static void reseal(void *b)
{
	((struct dmr_disk_sb *)b)->csum = cpu_to_le32(dmr_block_csum(b));
}

static struct dmr_disk_sb *dsb(void *b)
{
	return b;
}

static struct dmr_disk_meta_header *dmh(void *b)
{
	return b;
}

static struct dmr_disk_entry *ent(void *b, u32 i)
{
	return (struct dmr_disk_entry *)((u8 *)b + HDR) + i;
}

static u32 bs_sectors(u32 bs)
{
	return bs >> 9;
}

/* Independent statement of the layout rule (docs/FORMAT.md, "Layout"). */
static u64 ref_need(u64 r, u32 bs, struct dmr_geometry *g)
{
	u64 bss = bs_sectors(bs);
	u64 pend = (r + 3) / 4;
	u64 rm = (r + EPB - 1) / EPB, pm = (pend + EPB - 1) / EPB;
	u64 align = bss > 8 ? bss : 8;
	u64 meta_b = 16 + (rm + pm) * 8;

	if (rm + pm > 0xffffffffULL)	/* not describable: never fits */
		return ~0ULL;
	u64 data = (meta_b + (rm + pm) * 8 + align - 1) / align * align;

	if (g) {
		g->remap_slots = r;
		g->pending_slots = pm * EPB;
		g->meta_blocks = (u32)(rm + pm);
		g->remap_meta_blocks = (u32)rm;
		g->meta_b = meta_b;
		g->data_start = data;
	}
	return data + r * bss;
}

/* Everything the format promises about a layout; fails the test if not. */
static void check_layout(u64 spare, u32 bs, const struct dmr_geometry *g)
{
	u64 bss = bs_sectors(bs), align = bss > 8 ? bss : 8;
	u64 mb = g->meta_blocks, rmb = g->remap_meta_blocks;
	u64 pend_need = (g->remap_slots + 3) / 4;
	struct dmr_geometry ref;

	assert_true(g->remap_slots >= 1);
	assert_true(rmb >= 1 && rmb < mb);
	/* sb A [0,8) sb B [8,16) meta A [16,meta_b) meta B [meta_b,+8mb) */
	assert_int_equal(g->meta_b, DMR_META_A_SECTOR + mb * 8);
	assert_true(g->data_start >= g->meta_b + mb * 8);
	assert_int_equal(g->data_start % align, 0);
	assert_true(g->data_start - (g->meta_b + mb * 8) < align);
	assert_true(g->data_start + g->remap_slots * bss <= spare);
	/* the slot arrays fit their blocks, with no whole block to spare */
	assert_true(rmb * EPB >= g->remap_slots);
	assert_true((rmb - 1) * EPB < g->remap_slots);
	assert_int_equal(g->pending_slots, (mb - rmb) * EPB);
	assert_true(g->pending_slots >= pend_need);
	assert_true(g->pending_slots - EPB < pend_need);
	/* as many spare blocks as fit */
	assert_true(ref_need(g->remap_slots + 1, bs, NULL) > spare);
	ref_need(g->remap_slots, bs, &ref);
	assert_memory_equal(&ref, g, sizeof(ref));
}

static const u32 valid_bs[] = {
	512, 1024, 2048, 4096, 8192, 16384, 32768, 65536
};

#define FMT_ID 0x0123456789abcdefULL

static void make_sb(struct dmr_sb *sb, u64 spare, u32 bs, u64 main_blocks)
{
	memset(sb, 0, sizeof(*sb));
	sb->generation = 42;
	sb->format_id = FMT_ID;
	sb->block_size = bs;
	sb->main_blocks = main_blocks;
	sb->spare_sectors = spare;
	sb->created = 1700000000;
	strcpy(sb->uuid, "CRYPT-LUKS2-0123456789abcdef-dmr");
	assert_int_equal(dmr_geometry(spare, bs, &sb->geo), 0);
}

static void assert_sb_equal(const struct dmr_sb *a, const struct dmr_sb *b)
{
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->format_id, b->format_id);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->block_size, b->block_size);
	assert_int_equal(a->main_blocks, b->main_blocks);
	assert_int_equal(a->spare_sectors, b->spare_sectors);
	assert_int_equal(a->created, b->created);
	assert_memory_equal(&a->geo, &b->geo, sizeof(a->geo));
	assert_string_equal(a->uuid, b->uuid);
}

static void expect_sb_reject(const void *b, const char *needle)
{
	struct dmr_sb out;
	const char *why = NULL;

	assert_int_equal(dmr_sb_decode(b, &out, &why), -EINVAL);
	assert_non_null(why);
	if (needle && !strstr(why, needle))
		fail_msg("superblock rejected for \"%s\", expected \"%s\"",
			 why, needle);
}

static void expect_sb_ok(const void *b, struct dmr_sb *out)
{
	const char *why = NULL;

	if (dmr_sb_decode(b, out, &why))
		fail_msg("superblock rejected: %s", why);
}

/* ------------------------------------------------------------------------ */
/* crc32c */

static void test_crc32c_vector(void **state)
{
	static const char v[] = "123456789";
	u32 half;

	(void)state;
	assert_int_equal(~crc32c(~0U, v, 9), 0xe3069283U);
	/* raw: no inversion inside, so it chains */
	half = crc32c(~0U, v, 4);
	assert_int_equal(~crc32c(half, v + 4, 5), 0xe3069283U);
	assert_int_equal(crc32c(0x12345678U, v, 0), 0x12345678U);
	/* 32 zero bytes: RFC 3720 B.4 */
	{
		u8 z[32] = { 0 }, f[32];

		memset(f, 0xff, sizeof(f));
		assert_int_equal(~crc32c(~0U, z, 32), 0x8a9136aaU);
		assert_int_equal(~crc32c(~0U, f, 32), 0x62a8ab43U);
	}
}

static void test_block_csum_covers_4_to_4095(void **state)
{
	static u8 b[BLK];
	u32 c;

	(void)state;
	for (u32 i = 0; i < BLK; i++)
		b[i] = (u8)rnd();
	c = dmr_block_csum(b);
	assert_int_equal(c, ~crc32c(~0U, b + 4, BLK - 4));
	/* the csum field itself is not covered */
	b[0] ^= 0xff;
	b[3] ^= 0x01;
	assert_int_equal(dmr_block_csum(b), c);
	b[4] ^= 0x01;
	assert_int_not_equal(dmr_block_csum(b), c);
	b[4] ^= 0x01;
	b[BLK - 1] ^= 0x80;
	assert_int_not_equal(dmr_block_csum(b), c);
}

/* ------------------------------------------------------------------------ */
/* dmr_geometry */

static void test_geometry_too_small(void **state)
{
	struct dmr_geometry g;
	/* minimum spare: 48 sectors of sb+meta (or 128 aligned) + 1 block */
	static const struct { u32 bs; u64 min; } t[] = {
		{ 512, 49 }, { 1024, 50 }, { 2048, 52 }, { 4096, 56 },
		{ 8192, 64 }, { 16384, 96 }, { 32768, 128 }, { 65536, 256 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(dmr_geometry(0, t[i].bs, &g), -EINVAL);
		assert_int_equal(dmr_geometry(1, t[i].bs, &g), -EINVAL);
		assert_int_equal(dmr_geometry(bs_sectors(t[i].bs) - 1, t[i].bs, &g),
				 -EINVAL);
		assert_int_equal(dmr_geometry(t[i].min - 1, t[i].bs, &g), -EINVAL);
		assert_int_equal(dmr_geometry(t[i].min, t[i].bs, &g), 0);
		assert_int_equal(g.remap_slots, 1);
		assert_int_equal(g.pending_slots, EPB);
		assert_int_equal(g.meta_blocks, 2);
		assert_int_equal(g.remap_meta_blocks, 1);
		assert_int_equal(g.meta_b, 32);
		assert_int_equal(g.data_start, t[i].min - bs_sectors(t[i].bs));
		check_layout(t[i].min, t[i].bs, &g);
	}
}

static void test_geometry_tiny_boundaries(void **state)
{
	struct dmr_geometry g;

	(void)state;
	/* bs 512: one remap block holds 254 slots; data starts at 48 */
	assert_int_equal(dmr_geometry(302, 512, &g), 0);
	assert_int_equal(g.remap_slots, 254);
	assert_int_equal(g.data_start, 48);
	/* a 255th slot needs a second remap block: meta grows by 16 sectors,
	 * data moves to 64 and 64 + 255 = 319 sectors are needed */
	for (u64 s = 302; s < 319; s++) {
		assert_int_equal(dmr_geometry(s, 512, &g), 0);
		assert_int_equal(g.remap_slots, 254);
		assert_int_equal(g.meta_blocks, 2);
	}
	assert_int_equal(dmr_geometry(319, 512, &g), 0);
	assert_int_equal(g.remap_slots, 255);
	assert_int_equal(g.remap_meta_blocks, 2);
	assert_int_equal(g.meta_blocks, 3);
	assert_int_equal(g.meta_b, 40);
	assert_int_equal(g.data_start, 64);
	check_layout(319, 512, &g);
	/* bs 4096: data at 48 (aligned to 8), one more block per 8 sectors */
	for (u64 s = 56; s < 56 + 8 * 40; s++) {
		assert_int_equal(dmr_geometry(s, 4096, &g), 0);
		assert_int_equal(g.remap_slots, (s - 48) / 8);
		assert_int_equal(g.data_start, 48);
		check_layout(s, 4096, &g);
	}
	/* bs 65536: data aligned to 128 */
	for (u64 s = 256; s < 256 + 128 * 5; s += 64) {
		assert_int_equal(dmr_geometry(s, 65536, &g), 0);
		assert_int_equal(g.remap_slots, (s - 128) / 128);
		assert_int_equal(g.data_start, 128);
		check_layout(s, 65536, &g);
	}
	/* pending needs a second block from 1017 spare blocks (255 pending
	 * slots): 1016 fit in 96 + 1016 = 1112 sectors, 1017 need 128 + 1017 */
	for (u64 s = 1112; s < 1145; s++) {
		assert_int_equal(dmr_geometry(s, 512, &g), 0);
		assert_int_equal(g.remap_slots, 1016);
		assert_int_equal(g.meta_blocks, 5);
		assert_int_equal(g.pending_slots, EPB);
	}
	assert_int_equal(dmr_geometry(1145, 512, &g), 0);
	assert_int_equal(g.remap_slots, 1017);
	assert_int_equal(g.remap_meta_blocks, 5);
	assert_int_equal(g.meta_blocks, 7);
	assert_int_equal(g.pending_slots, 2 * EPB);
	assert_int_equal(g.data_start, 128);
	check_layout(1145, 512, &g);
}

static void test_geometry_block_sizes(void **state)
{
	static const u32 bad[] = {
		0, 1, 256, 511, 513, 768, 1000, 1536, 3072, 4095, 4097,
		65535, 65537, 131072, 1U << 20, 0x80000000U, 0xffffffffU,
	};
	struct dmr_geometry g;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_bs) / sizeof(valid_bs[0]); i++) {
		assert_int_equal(dmr_geometry(1 << 20, valid_bs[i], &g), 0);
		check_layout(1 << 20, valid_bs[i], &g);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dmr_geometry(1 << 20, bad[i], &g), -EINVAL);
}

static void test_geometry_spare_limit(void **state)
{
	struct dmr_geometry g;

	(void)state;
	assert_int_equal(dmr_geometry((1ULL << 50) + 1, 65536, &g), -EINVAL);
	assert_int_equal(dmr_geometry(~0ULL, 4096, &g), -EINVAL);
	assert_int_equal(dmr_geometry(1ULL << 38, 512, &g), 0);
	check_layout(1ULL << 38, 512, &g);
	assert_int_equal(dmr_geometry(1ULL << 42, 4096, &g), 0);
	check_layout(1ULL << 42, 4096, &g);
}

/* Layouts never overlap and always fit, across sizes and block sizes. */
static void test_geometry_no_overlap(void **state)
{
	struct dmr_geometry g;

	(void)state;
	for (size_t i = 0; i < sizeof(valid_bs) / sizeof(valid_bs[0]); i++) {
		u32 bs = valid_bs[i];

		for (u64 s = 0; s < 6000; s++) {
			if (dmr_geometry(s, bs, &g))
				continue;
			check_layout(s, bs, &g);
		}
		/* random sizes up to 2^38 sectors (128 TiB) */
		for (int k = 0; k < 3000; k++) {
			u64 s = rnd() >> (26 + rnd() % 38);

			if (dmr_geometry(s, bs, &g)) {
				assert_true(s < 256);
				continue;
			}
			check_layout(s, bs, &g);
		}
	}
}

static void test_geometry_monotonic(void **state)
{
	struct dmr_geometry g, prev;
	static const u32 bss[] = { 512, 4096, 65536 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		int have = 0;

		for (u64 s = 0; s < 20000; s++) {
			if (dmr_geometry(s, bss[i], &g)) {
				assert_false(have);
				continue;
			}
			if (have) {
				assert_true(g.remap_slots >= prev.remap_slots);
				assert_true(g.remap_slots <= prev.remap_slots + 1);
				assert_true(g.meta_blocks >= prev.meta_blocks);
				assert_true(g.data_start >= prev.data_start);
			}
			prev = g;
			have = 1;
		}
		/* and over a sorted random walk of large sizes */
		have = 0;
		for (u64 s = 256; s < (1ULL << 38); s += rnd() % (s / 3 + 1) + 1) {
			assert_int_equal(dmr_geometry(s, bss[i], &g), 0);
			if (have) {
				assert_true(g.remap_slots >= prev.remap_slots);
				assert_true(g.data_start >= prev.data_start);
			}
			prev = g;
			have = 1;
		}
	}
}

/*
 * The counts of metadata blocks are u32 on disk and in struct dmr_geometry:
 * a spare that would need more is laid out with as many blocks as can be
 * described (the rest of it unused), never with truncated counts.
 */
static void test_geometry_meta_blocks_u32(void **state)
{
	static const struct { u64 spare; u32 bs; } t[] = {
		{ 941456831113ULL, 512 },
		{ 4707284156420ULL, 512 },
		{ 1ULL << 40, 512 },
		{ 1ULL << 50, 4096 },
		{ 1ULL << 50, 65536 },
	};
	struct dmr_geometry g;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(dmr_geometry(t[i].spare, t[i].bs, &g), 0);
		assert_int_equal(g.meta_b, DMR_META_A_SECTOR + (u64)g.meta_blocks * 8);
		check_layout(t[i].spare, t[i].bs, &g);
	}
}

/* ------------------------------------------------------------------------ */
/* superblock */

static void test_sb_roundtrip(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	const struct dmr_disk_sb *d = (const void *)b;

	(void)state;
	make_sb(&sb, 1ULL << 30, 4096, DMR_MAX_BLOCKS);
	sb.generation = ~0ULL;
	sb.format_id = 0xfedcba9876543210ULL;
	sb.state = DMR_STATE_METADATA_FAILED;
	sb.created = 0x1122334455667788ULL;
	for (int i = 0; i < DMR_UUID_LEN; i++)
		sb.uuid[i] = (char)('!' + i % 90);
	sb.uuid[DMR_UUID_LEN] = '\0';
	memset(b, 0xcc, sizeof(b));
	dmr_sb_encode(&sb, b);
	assert_true(dmr_sb_has_magic(b));
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
	assert_memory_equal(sb.uuid, out.uuid, sizeof(sb.uuid));

	/* the bytes on disk, little-endian at the documented offsets */
	assert_memory_equal(b + 8, "DMRREMAP", 8);
	assert_int_equal(b[4], 1);
	assert_int_equal(b[80], (u8)sb.geo.meta_blocks);
	assert_int_equal(b[104], 0x88);
	assert_int_equal(b[111], 0x11);
	assert_int_equal(le32_to_cpu(d->csum), dmr_block_csum(b));
	assert_int_equal(le64_to_cpu(d->meta_b), sb.geo.meta_b);
	assert_memory_equal(d->uuid, sb.uuid, DMR_UUID_LEN);
	/* compat_features are written as 0, the rest of the block too */
	assert_int_equal(d->compat_features, 0);
	assert_int_equal(d->incompat_features, 0);
	for (u32 i = sizeof(*d); i < BLK; i++)
		assert_int_equal(b[i], 0);
}

static void test_sb_uuid_lengths(void **state)
{
	static u8 b[BLK];
	static const int lens[] = { 0, 1, 36, 127, 128 };
	struct dmr_sb sb, out;

	(void)state;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		make_sb(&sb, 2048, 512, 1000);
		memset(sb.uuid, 0, sizeof(sb.uuid));
		for (int i = 0; i < lens[k]; i++)
			sb.uuid[i] = (char)('a' + i % 26);
		dmr_sb_encode(&sb, b);
		expect_sb_ok(b, &out);
		assert_int_equal(strlen(out.uuid), lens[k]);
		assert_sb_equal(&sb, &out);
		/* NUL-padded on disk */
		for (int i = lens[k]; i < DMR_UUID_LEN; i++)
			assert_int_equal(dsb(b)->uuid[i], 0);
	}
}

static void test_sb_compat_features_ignored(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	dmr_sb_encode(&sb, b);
	dsb(b)->compat_features = cpu_to_le32(0xffffffffU);
	reseal(b);
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
}

static void test_sb_bad_magic(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb;

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	for (int i = 8; i < 16; i++) {
		dmr_sb_encode(&sb, b);
		b[i] ^= 0x20;
		assert_false(dmr_sb_has_magic(b));
		expect_sb_reject(b, "no dm-remap");
		reseal(b);	/* a valid crc does not help */
		expect_sb_reject(b, "no dm-remap");
	}
	memset(b, 0, sizeof(b));
	expect_sb_reject(b, "no dm-remap");
	/* a metadata block is not a superblock */
	{
		static u64 slots[1872];

		memset(slots, 0, sizeof(slots));
		dmr_meta_encode(b, &sb, 1, 0, slots);
		expect_sb_reject(b, "no dm-remap");
	}
}

static void test_sb_bad_crc_every_byte(void **state)
{
	static u8 b[BLK], good[BLK];
	struct dmr_sb sb;
	static const u8 flips[] = { 0x01, 0x80, 0xff };

	(void)state;
	make_sb(&sb, 1ULL << 24, 4096, 1ULL << 30);
	dmr_sb_encode(&sb, good);
	for (size_t f = 0; f < sizeof(flips); f++) {
		for (u32 pos = 0; pos < BLK; pos++) {
			memcpy(b, good, BLK);
			b[pos] ^= flips[f];
			expect_sb_reject(b, pos >= 8 && pos < 16 ? "no dm-remap" :
					 "checksum");
		}
	}
}

static void test_sb_wrong_version(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb;
	static const u32 v[] = { 0, 2, 3, 0x100, 0x01000000, 0xffffffff };

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dmr_sb_encode(&sb, b);
		dsb(b)->version = cpu_to_le32(v[i]);
		reseal(b);
		expect_sb_reject(b, "version");
	}
}

static void test_sb_unknown_incompat(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb;

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	for (int bit = 0; bit < 32; bit++) {
		dmr_sb_encode(&sb, b);
		dsb(b)->incompat_features = cpu_to_le32(1U << bit);
		reseal(b);
		expect_sb_reject(b, "incompatible");
	}
}

static void test_sb_unknown_state(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	for (int bit = 0; bit < 32; bit++) {
		dmr_sb_encode(&sb, b);
		dsb(b)->state = cpu_to_le32(1U << bit);
		reseal(b);
		if ((1U << bit) & DMR_STATE_KNOWN) {
			expect_sb_ok(b, &out);
			assert_int_equal(out.state, 1U << bit);
		} else {
			expect_sb_reject(b, "state");
		}
	}
}

static void test_sb_main_blocks_range(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	static const u64 bad[] = {
		0, DMR_MAX_BLOCKS + 1, 1ULL << 63, ~0ULL,
	};

	(void)state;
	make_sb(&sb, 2048, 512, 1);
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	sb.main_blocks = DMR_MAX_BLOCKS;
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	assert_int_equal(out.main_blocks, DMR_MAX_BLOCKS);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dsb(b)->main_blocks = cpu_to_le64(bad[i]);
		reseal(b);
		expect_sb_reject(b, "main size");
	}
}

/* A hostile (not torn) superblock: the crc is right, the layout is not. */
static void test_sb_geometry_hostile(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	struct dmr_disk_sb *d = dsb(b);
	static const int64_t deltas[] = { -8, -1, 1, 8, 254 };

	(void)state;
	make_sb(&sb, 2048, 512, 1000);	/* 1872 remap, 508 pending, 10/8 */
	for (size_t k = 0; k < sizeof(deltas) / sizeof(deltas[0]); k++) {
		int64_t dl = deltas[k];

#define HOSTILE(field, conv, val) do {					\
		dmr_sb_encode(&sb, b);					\
		d->field = conv(val);					\
		reseal(b);						\
		expect_sb_reject(b, "layout");				\
	} while (0)
		HOSTILE(remap_slots, cpu_to_le64, sb.geo.remap_slots + dl);
		HOSTILE(pending_slots, cpu_to_le64, sb.geo.pending_slots + dl);
		HOSTILE(meta_blocks, cpu_to_le32, sb.geo.meta_blocks + (u32)dl);
		HOSTILE(remap_meta_blocks, cpu_to_le32,
			sb.geo.remap_meta_blocks + (u32)dl);
		HOSTILE(meta_b, cpu_to_le64, sb.geo.meta_b + dl);
		HOSTILE(data_start, cpu_to_le64, sb.geo.data_start + dl);
#undef HOSTILE
	}
	/* a layout for a bigger spare than the one recorded */
	dmr_sb_encode(&sb, b);
	d->spare_sectors = cpu_to_le64(4096);
	reseal(b);
	expect_sb_reject(b, "layout");
	/* block size changed under the layout */
	dmr_sb_encode(&sb, b);
	d->block_size = cpu_to_le32(1024);
	reseal(b);
	expect_sb_reject(b, "layout");
	/* invalid block sizes, spare too small or too large */
	static const u32 bad_bs[] = { 0, 511, 1000, 131072, 0xffffffff };
	for (size_t i = 0; i < sizeof(bad_bs) / sizeof(bad_bs[0]); i++) {
		dmr_sb_encode(&sb, b);
		d->block_size = cpu_to_le32(bad_bs[i]);
		reseal(b);
		expect_sb_reject(b, "block size or spare size");
	}
	static const u64 bad_spare[] = { 0, 1, 48, (1ULL << 50) + 1, ~0ULL };
	for (size_t i = 0; i < sizeof(bad_spare) / sizeof(bad_spare[0]); i++) {
		dmr_sb_encode(&sb, b);
		d->spare_sectors = cpu_to_le64(bad_spare[i]);
		reseal(b);
		expect_sb_reject(b, "block size or spare size");
	}
	/* spare_sectors itself is free within a size that gives the same
	 * layout (here the 16-sector gap before the 255th spare block) */
	make_sb(&sb, 302, 512, 1000);
	dmr_sb_encode(&sb, b);
	d->spare_sectors = cpu_to_le64(318);
	reseal(b);
	expect_sb_ok(b, &out);
	assert_int_equal(out.spare_sectors, 318);
	d->spare_sectors = cpu_to_le64(319);
	reseal(b);
	expect_sb_reject(b, "layout");
	/* an all-zero geometry with valid header */
	make_sb(&sb, 2048, 512, 1000);
	dmr_sb_encode(&sb, b);
	memset((u8 *)b + 64, 0, 40);
	reseal(b);
	expect_sb_reject(b, "layout");
}

/*
 * The superblock lives in the first 240 bytes of its block, inside one
 * sector: a write torn at sector granularity yields the old or the new one.
 */
static void test_sb_torn_sectors(void **state)
{
	static u8 oldb[BLK], newb[BLK], b[BLK];
	struct dmr_sb sb, out;

	(void)state;
	make_sb(&sb, 1 << 20, 4096, 1 << 20);
	dmr_sb_encode(&sb, oldb);
	sb.generation++;
	sb.state = DMR_STATE_METADATA_FAILED;
	dmr_sb_encode(&sb, newb);
	for (int mask = 0; mask < 256; mask++) {
		for (int s = 0; s < 8; s++)
			memcpy(b + 512 * s, (mask & (1 << s) ? newb : oldb) + 512 * s,
			       512);
		expect_sb_ok(b, &out);
		assert_int_equal(out.generation, mask & 1 ? 43 : 42);
	}
}

/* ------------------------------------------------------------------------ */
/* metadata blocks */

struct world {
	struct dmr_sb sb;
	u64 *remap, *pend;	/* the in-memory slot arrays */
	u64 *out_remap, *out_pend;
};

static void fill_slots(struct world *w)
{
	u64 nmain = w->sb.main_blocks;

	for (u64 i = 0; i < w->sb.geo.remap_slots; i++) {
		switch (rnd() % 4) {
		case 0:
			w->remap[i] = DMR_SLOT(0, DMR_SLOT_FREE);
			break;
		case 1:
			w->remap[i] = DMR_SLOT(rnd() % nmain, DMR_SLOT_RETIRED);
			break;
		default:
			w->remap[i] = DMR_SLOT(rnd() % nmain, DMR_SLOT_REMAPPED);
		}
	}
	/* the extremes of the block range */
	w->remap[0] = DMR_SLOT(nmain - 1, DMR_SLOT_REMAPPED);
	w->remap[w->sb.geo.remap_slots - 1] = DMR_SLOT(0, DMR_SLOT_REMAPPED);
	for (u64 i = 0; i < w->sb.geo.pending_slots; i++)
		w->pend[i] = rnd() % 2 ? DMR_SLOT(rnd() % nmain, DMR_PSLOT_PENDING) :
					 DMR_SLOT(0, DMR_PSLOT_FREE);
	w->pend[w->sb.geo.pending_slots - 1] =
		DMR_SLOT(nmain - 1, DMR_PSLOT_PENDING);
}

static struct world *world_new(u64 spare, u32 bs, u64 main_blocks)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	make_sb(&w->sb, spare, bs, main_blocks);
	w->remap = calloc(w->sb.geo.remap_slots, sizeof(u64));
	w->pend = calloc(w->sb.geo.pending_slots, sizeof(u64));
	w->out_remap = calloc(w->sb.geo.remap_slots, sizeof(u64));
	w->out_pend = calloc(w->sb.geo.pending_slots, sizeof(u64));
	assert_true(w->remap && w->pend && w->out_remap && w->out_pend);
	fill_slots(w);
	return w;
}

static void world_free(struct world *w)
{
	free(w->remap);
	free(w->pend);
	free(w->out_remap);
	free(w->out_pend);
	free(w);
}

/* A world with a partial last remap block: 1872 = 7 * 254 + 94. */
static int setup_world(void **state)
{
	*state = world_new(2048, 512, 1000000);
	return 0;
}

static int teardown_world(void **state)
{
	world_free(*state);
	return 0;
}

static const u64 *src_of(struct world *w, u32 idx)
{
	return dmr_meta_is_remap(&w->sb, idx) ? w->remap : w->pend;
}

static u64 *out_of(struct world *w, u32 idx)
{
	return dmr_meta_is_remap(&w->sb, idx) ? w->out_remap : w->out_pend;
}

static void encode(struct world *w, void *b, u64 gen, u32 idx)
{
	dmr_meta_encode(b, &w->sb, gen, idx, src_of(w, idx));
}

/* Rejected, for the expected reason, leaving the slot array untouched. */
static void expect_meta_reject(struct world *w, const void *b, u32 idx,
			       const char *needle)
{
	u64 gen = 0xdeadbeef, *out = out_of(w, idx);
	u64 n = dmr_meta_is_remap(&w->sb, idx) ? w->sb.geo.remap_slots :
						 w->sb.geo.pending_slots;
	const char *why = NULL;

	for (u64 i = 0; i < n; i++)
		out[i] = 0x5555555555555555ULL;
	assert_int_equal(dmr_meta_decode(b, &w->sb, idx, &gen, out, &why),
			 -EINVAL);
	assert_non_null(why);
	if (needle && !strstr(why, needle))
		fail_msg("metadata block %u rejected for \"%s\", expected \"%s\"",
			 idx, why, needle);
	assert_int_equal(gen, 0xdeadbeef);
	for (u64 i = 0; i < n; i++)
		assert_int_equal(out[i], 0x5555555555555555ULL);
}

static void expect_meta_ok(struct world *w, const void *b, u32 idx, u64 gen)
{
	u64 got = 0;
	const char *why = NULL;

	if (dmr_meta_decode(b, &w->sb, idx, &got, out_of(w, idx), &why))
		fail_msg("metadata block %u rejected: %s", idx, why);
	assert_int_equal(got, gen);
	got = 0;
	if (dmr_meta_decode(b, &w->sb, idx, &got, NULL, &why))
		fail_msg("metadata block %u rejected without slots: %s", idx,
			 why);
	assert_int_equal(got, gen);
}

static void test_meta_slot_mapping(void **state)
{
	struct world *w = *state;
	const struct dmr_sb *sb = &w->sb;

	assert_int_equal(sb->geo.remap_slots, 1872);
	assert_int_equal(sb->geo.pending_slots, 508);
	assert_int_equal(sb->geo.meta_blocks, 10);
	assert_int_equal(sb->geo.remap_meta_blocks, 8);
	for (u32 i = 0; i < 8; i++) {
		assert_true(dmr_meta_is_remap(sb, i));
		assert_int_equal(dmr_meta_first_slot(sb, i), (u64)i * EPB);
		assert_int_equal(dmr_meta_nr_slots(sb, i), i < 7 ? EPB : 94);
	}
	for (u32 i = 8; i < 10; i++) {
		assert_false(dmr_meta_is_remap(sb, i));
		assert_int_equal(dmr_meta_first_slot(sb, i), (u64)(i - 8) * EPB);
		assert_int_equal(dmr_meta_nr_slots(sb, i), EPB);
	}
}

static void test_meta_roundtrip(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	u32 mb = w->sb.geo.meta_blocks;

	memset(w->out_remap, 0xaa, w->sb.geo.remap_slots * 8);
	memset(w->out_pend, 0xaa, w->sb.geo.pending_slots * 8);
	for (u32 i = 0; i < mb; i++) {
		struct dmr_disk_meta_header *h = dmh(b);
		u32 n = dmr_meta_nr_slots(&w->sb, i);

		memset(b, 0xcc, sizeof(b));
		encode(w, b, 1000 + i, i);
		assert_int_equal(le32_to_cpu(h->magic), DMR_META_MAGIC);
		assert_memory_equal(b + 4, "META", 4);
		assert_int_equal(le64_to_cpu(h->format_id), FMT_ID);
		assert_int_equal(le64_to_cpu(h->generation), 1000 + i);
		assert_int_equal(le32_to_cpu(h->index), i);
		assert_int_equal(le32_to_cpu(h->kind),
				 i < 8 ? DMR_META_REMAP : DMR_META_PENDING);
		assert_int_equal(le32_to_cpu(h->csum), dmr_block_csum(b));
		/* entries beyond the slot count (last remap block) are 0 */
		for (u32 e = n; e < EPB; e++) {
			assert_int_equal(ent(b, e)->block, 0);
			assert_int_equal(ent(b, e)->state, 0);
			assert_int_equal(ent(b, e)->reserved, 0);
		}
		for (u32 e = 0; e < n; e++) {
			u64 s = src_of(w, i)[dmr_meta_first_slot(&w->sb, i) + e];

			assert_int_equal(le64_to_cpu(ent(b, e)->block),
					 DMR_SLOT_BLOCK(s));
			assert_int_equal(le32_to_cpu(ent(b, e)->state),
					 DMR_SLOT_STATE(s));
			assert_int_equal(ent(b, e)->reserved, 0);
		}
		expect_meta_ok(w, b, i, 1000 + i);
	}
	assert_memory_equal(w->out_remap, w->remap, w->sb.geo.remap_slots * 8);
	assert_memory_equal(w->out_pend, w->pend, w->sb.geo.pending_slots * 8);
}

/* Round trips over other geometries: block sizes, a single remap block. */
static void test_meta_roundtrip_geometries(void **state)
{
	static const struct { u64 spare; u32 bs; u64 nmain; } t[] = {
		{ 49, 512, 1 }, { 302, 512, 7 }, { 319, 512, 1ULL << 40 },
		{ 1 << 16, 4096, 1 << 20 }, { 1 << 21, 4096, DMR_MAX_BLOCKS },
		{ 256, 65536, 3 }, { 1 << 22, 65536, 1 << 24 },
	};
	static u8 b[BLK];

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct world *w = world_new(t[k].spare, t[k].bs, t[k].nmain);

		for (u32 i = 0; i < w->sb.geo.meta_blocks; i++) {
			encode(w, b, i, i);
			expect_meta_ok(w, b, i, i);
		}
		assert_memory_equal(w->out_remap, w->remap,
				    w->sb.geo.remap_slots * 8);
		assert_memory_equal(w->out_pend, w->pend,
				    w->sb.geo.pending_slots * 8);
		world_free(w);
	}
}

static void test_meta_bad_crc_every_byte(void **state)
{
	struct world *w = *state;
	static u8 good[BLK], b[BLK];

	for (u32 idx = 6; idx < 9; idx++) {	/* full, partial, pending */
		encode(w, good, 5, idx);
		for (u32 pos = 0; pos < BLK; pos++) {
			memcpy(b, good, BLK);
			b[pos] ^= idx == 7 ? 0x80 : 0x01;
			expect_meta_reject(w, b, idx, pos >= 4 && pos < 8 ?
					   "magic" : "checksum");
		}
	}
}

static void test_meta_bad_magic(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const u32 m[] = { 0, DMR_META_MAGIC ^ 1, 0x4154454e, ~0U };

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		encode(w, b, 5, 0);
		dmh(b)->magic = cpu_to_le32(m[i]);
		reseal(b);
		expect_meta_reject(w, b, 0, "magic");
	}
	/* a superblock is not a metadata block */
	dmr_sb_encode(&w->sb, b);
	expect_meta_reject(w, b, 0, "magic");
	memset(b, 0, sizeof(b));
	expect_meta_reject(w, b, 0, "magic");
}

static void test_meta_other_format(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	struct dmr_sb other = w->sb;

	other.format_id = FMT_ID + 1;
	dmr_meta_encode(b, &other, 5, 3, w->remap);
	expect_meta_reject(w, b, 3, "another format");
	encode(w, b, 5, 9);
	dmh(b)->format_id = cpu_to_le64(0);
	reseal(b);
	expect_meta_reject(w, b, 9, "another format");
}

/* A block written at the wrong place: right crc, wrong index. */
static void test_meta_index_mismatch(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	u32 mb = w->sb.geo.meta_blocks;

	for (u32 i = 0; i < mb; i++) {
		encode(w, b, 5, i);
		for (u32 j = 0; j < mb; j++) {
			if (j != i)
				expect_meta_reject(w, b, j, "index");
		}
	}
	encode(w, b, 5, 2);
	dmh(b)->index = cpu_to_le32(2 + (1U << 31));
	reseal(b);
	expect_meta_reject(w, b, 2, "index");
}

static void test_meta_kind_mismatch(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const u32 kinds[] = { 0, DMR_META_PENDING, 3, ~0U };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		encode(w, b, 5, 1);
		dmh(b)->kind = cpu_to_le32(kinds[k]);
		reseal(b);
		expect_meta_reject(w, b, 1, "kind");
		encode(w, b, 5, 8);
		dmh(b)->kind = cpu_to_le32(kinds[k] == DMR_META_PENDING ?
					   DMR_META_REMAP : kinds[k]);
		reseal(b);
		expect_meta_reject(w, b, 8, "kind");
	}
}

static void test_meta_reserved_set(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const struct { u32 idx, e; } t[] = {
		{ 0, 0 }, { 0, 100 }, { 0, EPB - 1 }, { 7, 0 }, { 7, 93 },
		{ 7, 94 }, { 7, EPB - 1 }, { 8, 0 }, { 9, EPB - 1 },
	};

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		for (u32 bit = 0; bit < 32; bit += 31) {
			encode(w, b, 5, t[k].idx);
			ent(b, t[k].e)->reserved = cpu_to_le32(1U << bit);
			reseal(b);
			expect_meta_reject(w, b, t[k].idx, "reserved");
		}
	}
}

static void test_meta_unknown_state(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const u32 remap_bad[] = { 3, 4, 0x100, 0x80000000U, ~0U };
	static const u32 pend_bad[] = { 2, 3, 4, ~0U };

	for (size_t k = 0; k < sizeof(remap_bad) / sizeof(remap_bad[0]); k++) {
		encode(w, b, 5, 7);
		ent(b, 93)->state = cpu_to_le32(remap_bad[k]);
		reseal(b);
		expect_meta_reject(w, b, 7, "state");
	}
	for (size_t k = 0; k < sizeof(pend_bad) / sizeof(pend_bad[0]); k++) {
		encode(w, b, 5, 8);
		ent(b, 10)->state = cpu_to_le32(pend_bad[k]);
		reseal(b);
		expect_meta_reject(w, b, 8, "state");
	}
	/* every defined state is accepted in its own array */
	for (u32 s = 0; s <= DMR_SLOT_RETIRED; s++) {
		encode(w, b, 5, 0);
		ent(b, 1)->state = cpu_to_le32(s);
		ent(b, 1)->block = cpu_to_le64(s ? 17 : 0);
		reseal(b);
		expect_meta_ok(w, b, 0, 5);
		assert_int_equal(w->out_remap[1], DMR_SLOT(s ? 17 : 0, s));
	}
}

static void test_meta_free_nonzero_block(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const u32 idx[] = { 0, 7, 8, 9 };

	for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
		encode(w, b, 5, idx[k]);
		ent(b, 2)->state = cpu_to_le32(0);
		ent(b, 2)->block = cpu_to_le64(1);
		reseal(b);
		expect_meta_reject(w, b, idx[k], "out of range");
		ent(b, 2)->block = cpu_to_le64(1ULL << 63);
		reseal(b);
		expect_meta_reject(w, b, idx[k], "out of range");
	}
}

static void test_meta_block_out_of_range(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	u64 nmain = w->sb.main_blocks;
	static const struct { u32 idx, state; } t[] = {
		{ 0, DMR_SLOT_REMAPPED }, { 7, DMR_SLOT_REMAPPED },
		{ 3, DMR_SLOT_RETIRED }, { 8, DMR_PSLOT_PENDING },
		{ 9, DMR_PSLOT_PENDING },
	};
	const u64 bad[] = { nmain, nmain + 1, DMR_MAX_BLOCKS, ~0ULL };

	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		for (size_t j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			encode(w, b, 5, t[k].idx);
			ent(b, 5)->state = cpu_to_le32(t[k].state);
			ent(b, 5)->block = cpu_to_le64(bad[j]);
			reseal(b);
			expect_meta_reject(w, b, t[k].idx, "out of range");
		}
		/* main_blocks - 1 is the last valid one */
		encode(w, b, 5, t[k].idx);
		ent(b, 5)->state = cpu_to_le32(t[k].state);
		ent(b, 5)->block = cpu_to_le64(nmain - 1);
		reseal(b);
		expect_meta_ok(w, b, t[k].idx, 5);
	}
}

static void test_meta_beyond_slot_count(void **state)
{
	struct world *w = *state;
	static u8 b[BLK];
	static const u32 e[] = { 94, 95, 200, EPB - 1 };

	for (size_t k = 0; k < sizeof(e) / sizeof(e[0]); k++) {
		encode(w, b, 5, 7);
		ent(b, e[k])->block = cpu_to_le64(1);
		reseal(b);
		expect_meta_reject(w, b, 7, "beyond");
		encode(w, b, 5, 7);
		ent(b, e[k])->state = cpu_to_le32(DMR_SLOT_REMAPPED);
		reseal(b);
		expect_meta_reject(w, b, 7, "beyond");
		/* a valid-looking slot there is still refused */
		ent(b, e[k])->block = cpu_to_le64(3);
		reseal(b);
		expect_meta_reject(w, b, 7, "beyond");
	}
}

/* ------------------------------------------------------------------------ */
/* copy selection and torn writes */

static void test_pick_copy(void **state)
{
	static const struct {
		bool a_ok; u64 a_gen; bool b_ok; u64 b_gen;
		enum dmr_pick want;
	} t[] = {
		{ false, 0, false, 0, DMR_PICK_NONE },
		{ false, 9, false, 3, DMR_PICK_NONE },
		{ true, 5, false, 9, DMR_PICK_A },
		{ true, 5, false, 1, DMR_PICK_A },
		{ false, 9, true, 5, DMR_PICK_B },
		{ false, 1, true, 5, DMR_PICK_B },
		{ true, 5, true, 4, DMR_PICK_A },
		{ true, 4, true, 5, DMR_PICK_B },
		{ true, 5, true, 5, DMR_PICK_A },	/* equal: A */
		{ true, 0, true, 0, DMR_PICK_A },
		{ true, ~0ULL, true, ~0ULL, DMR_PICK_A },
		{ true, ~0ULL - 1, true, ~0ULL, DMR_PICK_B },
		{ true, ~0ULL, true, 0, DMR_PICK_A },
		{ true, 0, true, ~0ULL, DMR_PICK_B },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(dmr_pick_copy(t[i].a_ok, t[i].a_gen, t[i].b_ok,
					       t[i].b_gen), t[i].want);
}

/* Load one block index from two copies as a reader must. */
static enum dmr_pick load_pair(struct world *w, const void *a, const void *b,
			       u32 idx, u64 *gen)
{
	u64 ga = 0, gb = 0;
	const char *why;
	bool aok = !dmr_meta_decode(a, &w->sb, idx, &ga, NULL, &why);
	bool bok = !dmr_meta_decode(b, &w->sb, idx, &gb, NULL, &why);
	enum dmr_pick p = dmr_pick_copy(aok, ga, bok, gb);

	if (p != DMR_PICK_NONE) {
		assert_int_equal(dmr_meta_decode(p == DMR_PICK_A ? a : b, &w->sb,
						 idx, gen, out_of(w, idx), &why),
				 0);
	}
	return p;
}

static void tear(u8 *dst, const u8 *newb, const u8 *oldb, u32 new_sectors)
{
	memcpy(dst, newb, 512 * new_sectors);
	memcpy(dst + 512 * new_sectors, oldb + 512 * new_sectors,
	       BLK - 512 * new_sectors);
}

static void test_torn_write(void **state)
{
	struct world *w = *state;
	static u8 olda[BLK], oldb[BLK], newb[BLK], a[BLK], b[BLK];
	static u64 old_slots[EPB], new_slots[EPB];
	const u32 idx = 3;
	const u64 first = dmr_meta_first_slot(&w->sb, idx), N = 77;
	u64 gen;

	/* generation N in both copies */
	encode(w, olda, N, idx);
	encode(w, oldb, N, idx);
	memcpy(old_slots, w->remap + first, sizeof(old_slots));
	/* the commit N+1 changes one slot in every sector of the block:
	 * slot 1 + 32k lives at byte 48 + 512k, in sector k */
	for (u64 k = 0; k < 8; k++) {
		u64 *s = &w->remap[first + 1 + 32 * k];

		*s = *s == DMR_SLOT(12345 + k, DMR_SLOT_REMAPPED) ?
		     DMR_SLOT(12345 + k, DMR_SLOT_RETIRED) :
		     DMR_SLOT(12345 + k, DMR_SLOT_REMAPPED);
	}
	memcpy(new_slots, w->remap + first, sizeof(new_slots));
	encode(w, newb, N + 1, idx);
	assert_memory_not_equal(old_slots, new_slots, sizeof(old_slots));

	/* A rewritten, torn after 4 sectors: A invalid, B (old state) wins */
	tear(a, newb, olda, 4);
	expect_meta_reject(w, a, idx, "checksum");
	memcpy(b, oldb, BLK);
	assert_int_equal(load_pair(w, a, b, idx, &gen), DMR_PICK_B);
	assert_int_equal(gen, N);
	assert_memory_equal(w->out_remap + first, old_slots, sizeof(old_slots));

	/* A completed, then B torn: A wins with the new generation */
	memcpy(a, newb, BLK);
	tear(b, newb, oldb, 4);
	expect_meta_reject(w, b, idx, "checksum");
	assert_int_equal(load_pair(w, a, b, idx, &gen), DMR_PICK_A);
	assert_int_equal(gen, N + 1);
	assert_memory_equal(w->out_remap + first, new_slots, sizeof(new_slots));

	/* B not yet written at all: A is newer and wins */
	assert_int_equal(load_pair(w, newb, oldb, idx, &gen), DMR_PICK_A);
	assert_int_equal(gen, N + 1);

	/* any other mix of sectors is detected, whichever sectors landed */
	for (int mask = 0; mask < 256; mask++) {
		for (int s = 0; s < 8; s++)
			memcpy(a + 512 * s, (mask & (1 << s) ? newb : olda) + 512 * s,
			       512);
		if (mask == 0) {
			assert_memory_equal(a, olda, BLK);
			expect_meta_ok(w, a, idx, N);
		} else if (mask == 0xff) {
			assert_memory_equal(a, newb, BLK);
			expect_meta_ok(w, a, idx, N + 1);
		} else {
			expect_meta_reject(w, a, idx, "checksum");
			assert_int_equal(load_pair(w, a, oldb, idx, &gen),
					 DMR_PICK_B);
			assert_int_equal(gen, N);
		}
	}
	/* restore the world's slots */
	memcpy(w->remap + first, old_slots, sizeof(old_slots));
}

/* ------------------------------------------------------------------------ */
/* the worked examples and hex dumps of docs/FORMAT.md (golden vectors) */

static void test_doc_examples(void **state)
{
	static const u8 sb_hex[128] = {
		0xfc, 0xbe, 0x0b, 0xc2, 0x01, 0x00, 0x00, 0x00,
		0x44, 0x4d, 0x52, 0x52, 0x45, 0x4d, 0x41, 0x50,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0xf6, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xfe, 0x04, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x00,
		0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xf0, 0x4f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
		'd', 'm', 'r', '-', 'e', 'x', 'a', 'm',
		'p', 'l', 'e', 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const u8 meta_hex[80] = {
		0xd9, 0x37, 0xd1, 0xe1, 0x4d, 0x45, 0x54, 0x41,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x40, 0xe2, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x09, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xcd, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static u8 b[BLK];
	static u64 slots[259586];
	struct dmr_sb sb, out;
	struct dmr_geometry g;

	(void)state;
	/* example 1: 1 GiB spare, 4 KiB blocks */
	memset(&sb, 0, sizeof(sb));
	sb.generation = 1;
	sb.format_id = 0x0123456789abcdefULL;
	sb.block_size = 4096;
	sb.main_blocks = 1ULL << 28;
	sb.spare_sectors = 2097152;
	sb.created = 1700000000;
	strcpy(sb.uuid, "dmr-example");
	assert_int_equal(dmr_geometry(2097152, 4096, &sb.geo), 0);
	assert_int_equal(sb.geo.remap_slots, 259586);
	assert_int_equal(sb.geo.pending_slots, 65024);
	assert_int_equal(sb.geo.meta_blocks, 1278);
	assert_int_equal(sb.geo.remap_meta_blocks, 1022);
	assert_int_equal(sb.geo.meta_b, 10240);
	assert_int_equal(sb.geo.data_start, 20464);
	assert_int_equal(dmr_meta_first_slot(&sb, 1021), 259334);
	assert_int_equal(dmr_meta_nr_slots(&sb, 1021), 252);
	assert_int_equal(dmr_meta_first_slot(&sb, 1022), 0);
	dmr_sb_encode(&sb, b);
	assert_memory_equal(b, sb_hex, sizeof(sb_hex));
	for (u32 i = sizeof(sb_hex); i < BLK; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(dmr_block_csum(b), 0xc20bbefcU);
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);

	slots[0] = DMR_SLOT(123456, DMR_SLOT_REMAPPED);
	slots[1] = DMR_SLOT(777, DMR_SLOT_RETIRED);
	slots[2] = DMR_SLOT(98765, DMR_SLOT_REMAPPED);
	dmr_meta_encode(b, &sb, 5, 0, slots);
	assert_memory_equal(b, meta_hex, sizeof(meta_hex));
	for (u32 i = sizeof(meta_hex); i < BLK; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(dmr_block_csum(b), 0xe1d137d9U);

	/* example 2 */
	assert_int_equal(dmr_geometry(2097152, 65536, &g), 0);
	assert_int_equal(g.remap_slots, 16373);
	assert_int_equal(g.pending_slots, 4318);
	assert_int_equal(g.meta_blocks, 82);
	assert_int_equal(g.remap_meta_blocks, 65);
	assert_int_equal(g.meta_b, 672);
	assert_int_equal(g.data_start, 1408);
	assert_int_equal(dmr_geometry(2048, 512, &g), 0);
	assert_int_equal(g.data_start, 176);
	assert_int_equal(g.meta_b, 96);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vector),
		cmocka_unit_test(test_block_csum_covers_4_to_4095),
		cmocka_unit_test(test_geometry_too_small),
		cmocka_unit_test(test_geometry_tiny_boundaries),
		cmocka_unit_test(test_geometry_block_sizes),
		cmocka_unit_test(test_geometry_spare_limit),
		cmocka_unit_test(test_geometry_no_overlap),
		cmocka_unit_test(test_geometry_monotonic),
		cmocka_unit_test(test_geometry_meta_blocks_u32),
		cmocka_unit_test(test_sb_roundtrip),
		cmocka_unit_test(test_sb_uuid_lengths),
		cmocka_unit_test(test_sb_compat_features_ignored),
		cmocka_unit_test(test_sb_bad_magic),
		cmocka_unit_test(test_sb_bad_crc_every_byte),
		cmocka_unit_test(test_sb_wrong_version),
		cmocka_unit_test(test_sb_unknown_incompat),
		cmocka_unit_test(test_sb_unknown_state),
		cmocka_unit_test(test_sb_main_blocks_range),
		cmocka_unit_test(test_sb_geometry_hostile),
		cmocka_unit_test(test_sb_torn_sectors),
#define W(t) cmocka_unit_test_setup_teardown(t, setup_world, teardown_world)
		W(test_meta_slot_mapping),
		W(test_meta_roundtrip),
		cmocka_unit_test(test_meta_roundtrip_geometries),
		W(test_meta_bad_crc_every_byte),
		W(test_meta_bad_magic),
		W(test_meta_other_format),
		W(test_meta_index_mismatch),
		W(test_meta_kind_mismatch),
		W(test_meta_reserved_set),
		W(test_meta_unknown_state),
		W(test_meta_free_nonzero_block),
		W(test_meta_block_out_of_range),
		W(test_meta_beyond_slot_count),
		cmocka_unit_test(test_pick_copy),
		W(test_torn_write),
#undef W
		cmocka_unit_test(test_doc_examples),
	};

	return cmocka_run_group_tests_name("dm-remap codec", tests, NULL, NULL);
}
