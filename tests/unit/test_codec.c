// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmocka unit tests of the dm-remap metadata codec (kernel/dm-remap-codec.c,
 * built unchanged against lib/dmr-kcompat.h and lib/crc32c.c): CRC-32C,
 * layout computation, superblock (versions 1 and 2) and metadata block
 * encode/decode and validation, copy selection and torn writes.
 * docs/FORMAT.md is the prose version of what is checked here.
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
/* version 1 ends at the uuid; version 2 appends its fields after it */
_Static_assert(DMR_SB_V1_SIZE == 240, "v1 sb size");
_Static_assert(offsetof(struct dmr_disk_sb, uuid) + DMR_UUID_LEN ==
	       DMR_SB_V1_SIZE, "v1 sb ends at the uuid");
AT(dmr_disk_sb, slot_size, 240, 4);
AT(dmr_disk_sb, remap_meta_used, 244, 4);
AT(dmr_disk_sb, pending_meta_used, 248, 4);
AT(dmr_disk_sb, reserved, 252, 4);
AT(dmr_disk_sb, main_sectors, 256, 8);
AT(dmr_disk_sb, main_id, 264, 128);
_Static_assert(sizeof(struct dmr_disk_sb) == 392, "v2 sb size");
/* the whole superblock, of either version, lies in the first sector of its
 * block: a write torn at sector granularity gives the old or the new one */
_Static_assert(offsetof(struct dmr_disk_sb, main_id) + DMR_MAIN_ID_LEN <= 512,
	       "v2 sb payload inside the first sector");
_Static_assert(DMR_FORMAT_V1 == 1 && DMR_FORMAT_VERSION == 2, "versions");
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

/* A version 1 superblock (the fields version 2 adds stay 0). */
static void make_sb(struct dmr_sb *sb, u64 spare, u32 bs, u64 main_blocks)
{
	memset(sb, 0, sizeof(*sb));
	sb->version = DMR_FORMAT_V1;
	sb->generation = 42;
	sb->format_id = FMT_ID;
	sb->block_size = bs;
	sb->main_blocks = main_blocks;
	sb->spare_sectors = spare;
	sb->created = 1700000000;
	strcpy(sb->uuid, "CRYPT-LUKS2-0123456789abcdef-dmr");
	assert_int_equal(dmr_geometry(spare, bs, &sb->geo), 0);
}

/*
 * A version 2 superblock laid out for spare blocks @slot apart, with some
 * metadata in use and the main device's identity.
 */
static void make_sb2(struct dmr_sb *sb, u64 spare, u32 bs, u32 slot,
		     u64 main_blocks)
{
	memset(sb, 0, sizeof(*sb));
	sb->version = DMR_FORMAT_VERSION;
	sb->generation = 42;
	sb->format_id = FMT_ID;
	sb->block_size = bs;
	sb->slot_size = slot;
	sb->main_blocks = main_blocks;
	sb->main_sectors = main_blocks * (bs >> 9) + 2048;
	sb->spare_sectors = spare;
	sb->created = 1700000000;
	strcpy(sb->uuid, "CRYPT-LUKS2-0123456789abcdef-dmr");
	strcpy(sb->main_id, "wwn-0x5000c500a1b2c3d4");
	assert_int_equal(dmr_geometry(spare, slot, &sb->geo), 0);
	sb->remap_meta_used = 1;
	sb->pending_meta_used = dmr_pending_meta_blocks(&sb->geo);
}

/* @b decoded from @a encoded (for version 1: with the implied values). */
static void assert_sb_equal(const struct dmr_sb *a, const struct dmr_sb *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->format_id, b->format_id);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->block_size, b->block_size);
	assert_int_equal(a->main_blocks, b->main_blocks);
	assert_int_equal(a->spare_sectors, b->spare_sectors);
	assert_int_equal(a->created, b->created);
	assert_memory_equal(&a->geo, &b->geo, sizeof(a->geo));
	assert_string_equal(a->uuid, b->uuid);
	if (a->version == DMR_FORMAT_V1) {
		/* version 1 has none of these: what it implies */
		assert_int_equal(b->slot_size, b->block_size);
		assert_int_equal(b->remap_meta_used, b->geo.remap_meta_blocks);
		assert_int_equal(b->pending_meta_used,
				 b->geo.meta_blocks - b->geo.remap_meta_blocks);
		assert_int_equal(b->main_sectors, 0);
		assert_string_equal(b->main_id, "");
	} else {
		assert_int_equal(a->slot_size, b->slot_size);
		assert_int_equal(a->remap_meta_used, b->remap_meta_used);
		assert_int_equal(a->pending_meta_used, b->pending_meta_used);
		assert_int_equal(a->main_sectors, b->main_sectors);
		assert_string_equal(a->main_id, b->main_id);
	}
	assert_int_equal(b->uuid[DMR_UUID_LEN], 0);
	assert_int_equal(b->main_id[DMR_MAIN_ID_LEN], 0);
}

/* Decode @b, re-encode the result: the same bytes (a canonical block). */
static void assert_reencodes_identically(const void *b)
{
	static u8 again[BLK];
	struct dmr_sb out;
	const char *why = NULL;

	if (dmr_sb_decode(b, &out, &why))
		fail_msg("superblock rejected: %s", why);
	dmr_sb_encode(&out, again);
	assert_memory_equal(again, b, BLK);
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
	/* the largest describable layout (docs/FORMAT.md): 2^32 - 1 blocks */
	assert_int_equal(dmr_geometry(1ULL << 50, 4096, &g), 0);
	assert_int_equal(g.remap_slots, 872737354344ULL);
	assert_int_equal(g.meta_blocks, 0xffffffffU);
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
	/* fields version 1 does not have: a version 1 encode ignores them */
	sb.slot_size = 65536;
	sb.remap_meta_used = 7;
	sb.pending_meta_used = 9;
	sb.main_sectors = 12345;
	strcpy(sb.main_id, "not-in-version-1");
	memset(b, 0xcc, sizeof(b));
	dmr_sb_encode(&sb, b);
	assert_true(dmr_sb_has_magic(b));
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
	assert_memory_equal(sb.uuid, out.uuid, sizeof(sb.uuid));
	assert_reencodes_identically(b);

	/* the bytes on disk, little-endian at the documented offsets */
	assert_memory_equal(b + 8, "DMRREMAP", 8);
	assert_int_equal(b[4], 1);
	assert_int_equal(b[80], (u8)sb.geo.meta_blocks);
	assert_int_equal(b[104], 0x88);
	assert_int_equal(b[111], 0x11);
	assert_int_equal(le32_to_cpu(d->csum), dmr_block_csum(b));
	assert_int_equal(le64_to_cpu(d->meta_b), sb.geo.meta_b);
	assert_memory_equal(d->uuid, sb.uuid, DMR_UUID_LEN);
	/* compat_features are written as 0, the rest of the block too
	 * (from byte 240: none of the version 2 fields) */
	assert_int_equal(d->compat_features, 0);
	assert_int_equal(d->incompat_features, 0);
	for (u32 i = DMR_SB_V1_SIZE; i < BLK; i++)
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

/* Unknown versions (3, 0, ...) are refused, from a v1 or a v2 block. */
static void test_sb_wrong_version(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, sb2;
	static const u32 v[] = {
		0, 3, 4, 0x100, 0x101, 0x102, 0x01000000, 0x02000000,
		0x80000001U, 0xffffffff,
	};

	(void)state;
	make_sb(&sb, 2048, 512, 1000);
	make_sb2(&sb2, 2048, 512, 4096, 1000);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		dmr_sb_encode(&sb, b);
		dsb(b)->version = cpu_to_le32(v[i]);
		reseal(b);
		expect_sb_reject(b, "version");
		dmr_sb_encode(&sb2, b);
		dsb(b)->version = cpu_to_le32(v[i]);
		reseal(b);
		expect_sb_reject(b, "version");
	}
	/* a version 1 block relabelled 2 has no valid slot_size (0) */
	dmr_sb_encode(&sb, b);
	dsb(b)->version = cpu_to_le32(DMR_FORMAT_VERSION);
	reseal(b);
	expect_sb_reject(b, "slot size");
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
/* superblock, version 2 */

static void test_sb2_roundtrip(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	const struct dmr_disk_sb *d = (const void *)b;

	(void)state;
	make_sb2(&sb, 1ULL << 30, 512, 4096, DMR_MAX_BLOCKS);
	sb.generation = 0x8877665544332211ULL;
	sb.format_id = 0xfedcba9876543210ULL;
	sb.state = DMR_STATE_METADATA_FAILED;
	sb.created = 0x1122334455667788ULL;
	sb.main_sectors = 0xa1a2a3a4a5a6a7a8ULL;
	sb.remap_meta_used = sb.geo.remap_meta_blocks;
	sb.pending_meta_used = dmr_pending_meta_blocks(&sb.geo) - 1;
	/* both strings full length: no NUL between them and their neighbours */
	for (int i = 0; i < DMR_UUID_LEN; i++)
		sb.uuid[i] = (char)('!' + i % 90);
	for (int i = 0; i < DMR_MAIN_ID_LEN; i++)
		sb.main_id[i] = (char)('~' - i % 90);
	sb.uuid[DMR_UUID_LEN] = sb.main_id[DMR_MAIN_ID_LEN] = '\0';
	memset(b, 0xcc, sizeof(b));
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
	assert_memory_equal(sb.main_id, out.main_id, sizeof(sb.main_id));
	assert_reencodes_identically(b);

	/* the bytes on disk, little-endian at the documented offsets */
	assert_int_equal(le32_to_cpu(d->version), 2);
	assert_int_equal(b[4], 2);
	assert_int_equal(le32_to_cpu(d->block_size), 512);
	assert_int_equal(b[240], 0x00);		/* slot_size 4096 */
	assert_int_equal(b[241], 0x10);
	assert_int_equal(le32_to_cpu(d->slot_size), 4096);
	assert_int_equal(le32_to_cpu(d->remap_meta_used), sb.remap_meta_used);
	assert_int_equal(b[244], (u8)sb.remap_meta_used);
	assert_int_equal(le32_to_cpu(d->pending_meta_used), sb.pending_meta_used);
	assert_int_equal(b[248], (u8)sb.pending_meta_used);
	assert_int_equal(d->reserved, 0);
	assert_int_equal(b[256], 0xa8);
	assert_int_equal(b[263], 0xa1);
	assert_memory_equal(d->uuid, sb.uuid, DMR_UUID_LEN);
	assert_memory_equal(b + 264, sb.main_id, DMR_MAIN_ID_LEN);
	assert_int_equal(le32_to_cpu(d->csum), dmr_block_csum(b));
	/* nothing after the version 2 fields */
	for (u32 i = sizeof(*d); i < BLK; i++)
		assert_int_equal(b[i], 0);

	/* the smallest values: nothing used, no identity, main size unknown */
	make_sb2(&sb, 49, 512, 512, 1);
	sb.remap_meta_used = sb.pending_meta_used = 0;
	sb.main_sectors = 0;
	sb.main_id[0] = '\0';
	sb.uuid[0] = '\0';
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
	assert_reencodes_identically(b);
	for (u32 i = 240; i < BLK; i++)
		assert_int_equal(b[i], i == 241 ? 0x02 : 0);	/* slot_size 512 */
}

static void test_sb2_main_id_lengths(void **state)
{
	static u8 b[BLK];
	static const int lens[] = { 0, 1, 36, 127, 128 };
	struct dmr_sb sb, out;

	(void)state;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		make_sb2(&sb, 2048, 512, 4096, 1000);
		memset(sb.main_id, 0, sizeof(sb.main_id));
		for (int i = 0; i < lens[k]; i++)
			sb.main_id[i] = (char)('A' + i % 26);
		dmr_sb_encode(&sb, b);
		expect_sb_ok(b, &out);
		assert_int_equal(strlen(out.main_id), lens[k]);
		assert_sb_equal(&sb, &out);
		assert_reencodes_identically(b);
		/* NUL-padded on disk; 128 characters leave no NUL */
		for (int i = lens[k]; i < DMR_MAIN_ID_LEN; i++)
			assert_int_equal(dsb(b)->main_id[i], 0);
		assert_memory_equal(dsb(b)->main_id, sb.main_id, lens[k]);
		/* the uuid next to it is unaffected */
		assert_string_equal(out.uuid, sb.uuid);
	}

	/* bytes after the first NUL: not checked, not kept by the encoder */
	make_sb2(&sb, 2048, 512, 4096, 1000);
	dmr_sb_encode(&sb, b);
	memcpy(dsb(b)->main_id, "abc\0xyz", 8);
	dsb(b)->main_id[DMR_MAIN_ID_LEN - 1] = 'q';
	reseal(b);
	expect_sb_ok(b, &out);
	assert_string_equal(out.main_id, "abc");
	{
		static u8 again[BLK];
		struct dmr_sb out2;

		dmr_sb_encode(&out, again);
		assert_memory_equal(again + 264, "abc", 4);
		for (int i = 3; i < DMR_MAIN_ID_LEN; i++)
			assert_int_equal(again[264 + i], 0);
		assert_memory_not_equal(again, b, BLK);
		expect_sb_ok(again, &out2);
		assert_sb_equal(&out, &out2);
	}
	/* a main_id that is all NUL but the last byte reads as empty */
	memset(dsb(b)->main_id, 0, DMR_MAIN_ID_LEN);
	dsb(b)->main_id[DMR_MAIN_ID_LEN - 1] = 'z';
	reseal(b);
	expect_sb_ok(b, &out);
	assert_string_equal(out.main_id, "");
}

/*
 * slot_size is a power of two in [block_size, 65536], and the layout is
 * the one of (spare_sectors, slot_size).
 */
static void test_sb2_slot_size(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	struct dmr_geometry g, g512;
	static const u32 bad[] = {
		0, 1, 256, 511, 513, 768, 1000, 1536, 3072, 4095, 4097, 6144,
		65535, 65537, 131072, 1U << 20, 0x80000000U, 0xffffffffU,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(valid_bs) / sizeof(valid_bs[0]); i++) {
		for (size_t j = 0; j < sizeof(valid_bs) / sizeof(valid_bs[0]); j++) {
			u32 bs = valid_bs[i], slot = valid_bs[j];

			make_sb2(&sb, 1 << 20, bs, slot, 1 << 20);
			dmr_sb_encode(&sb, b);
			if (slot < bs) {
				expect_sb_reject(b, "slot size");
				continue;
			}
			expect_sb_ok(b, &out);
			assert_sb_equal(&sb, &out);
			assert_int_equal(dmr_geometry(1 << 20, slot, &g), 0);
			assert_memory_equal(&out.geo, &g, sizeof(g));
			check_layout(1 << 20, slot, &out.geo);
		}
	}
	/* slot_size = block_size: the layout is the version 1 one */
	make_sb(&sb, 1 << 20, 4096, 1 << 20);
	make_sb2(&out, 1 << 20, 4096, 4096, 1 << 20);
	assert_memory_equal(&sb.geo, &out.geo, sizeof(sb.geo));

	/* a 512e spare under 512-byte blocks: the layout of (spare, 4096) */
	make_sb2(&sb, 2097152, 512, 4096, 1ULL << 31);
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	assert_int_equal(dmr_geometry(2097152, 4096, &g), 0);
	assert_int_equal(dmr_geometry(2097152, 512, &g512), 0);
	assert_memory_equal(&out.geo, &g, sizeof(g));
	assert_memory_not_equal(&g, &g512, sizeof(g));
	assert_int_equal(out.geo.remap_slots, 259586);
	assert_int_equal(out.geo.data_start, 20464);
	assert_int_equal(out.block_size, 512);
	assert_int_equal(out.slot_size, 4096);
	/* ... and not the layout of (spare, block_size) */
	sb.geo = g512;
	sb.remap_meta_used = 1;
	sb.pending_meta_used = 0;
	dmr_sb_encode(&sb, b);
	expect_sb_reject(b, "layout");
	/* slot_size changed under its layout */
	make_sb2(&sb, 2097152, 512, 4096, 1ULL << 31);
	dmr_sb_encode(&sb, b);
	dsb(b)->slot_size = cpu_to_le32(8192);
	reseal(b);
	expect_sb_reject(b, "layout");
	dsb(b)->slot_size = cpu_to_le32(2048);
	reseal(b);
	expect_sb_reject(b, "layout");

	/* invalid slot sizes, whatever the layout fields say */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_sb2(&sb, 2048, 512, 512, 1000);
		dmr_sb_encode(&sb, b);
		dsb(b)->slot_size = cpu_to_le32(bad[i]);
		reseal(b);
		expect_sb_reject(b, "slot size");
	}
	/* smaller than the block size */
	make_sb2(&sb, 1 << 20, 65536, 65536, 1000);
	for (u32 slot = 512; slot < 65536; slot <<= 1) {
		dmr_sb_encode(&sb, b);
		dsb(b)->slot_size = cpu_to_le32(slot);
		reseal(b);
		expect_sb_reject(b, "slot size");
	}
	/* a spare too small for one slot of slot_size (fine for block_size) */
	make_sb2(&sb, 56, 512, 4096, 1000);
	dmr_sb_encode(&sb, b);
	expect_sb_ok(b, &out);
	assert_int_equal(out.geo.remap_slots, 1);
	dsb(b)->spare_sectors = cpu_to_le64(55);
	reseal(b);
	expect_sb_reject(b, "block size or spare size");
}

static void test_sb2_reserved_set(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb;

	(void)state;
	make_sb2(&sb, 2048, 512, 4096, 1000);
	for (int bit = 0; bit < 32; bit++) {
		dmr_sb_encode(&sb, b);
		dsb(b)->reserved = cpu_to_le32(1U << bit);
		reseal(b);
		expect_sb_reject(b, "reserved");
	}
	dmr_sb_encode(&sb, b);
	dsb(b)->reserved = cpu_to_le32(~0U);
	reseal(b);
	expect_sb_reject(b, "reserved");
}

/* The used counts: 0 up to the layout's block counts, nothing beyond. */
static void test_sb2_used_counts(void **state)
{
	static u8 b[BLK];
	struct dmr_sb sb, out;
	static const struct { u64 spare; u32 bs, slot; } t[] = {
		{ 49, 512, 512 }, { 2048, 512, 512 }, { 2048, 512, 4096 },
		{ 1145, 512, 512 }, { 2097152, 512, 4096 },
		{ 2097152, 65536, 65536 }, { 1ULL << 40, 4096, 4096 },
		{ 1ULL << 50, 512, 512 }, { 1ULL << 50, 512, 65536 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		u32 rm, pm;

		make_sb2(&sb, t[k].spare, t[k].bs, t[k].slot, 1000);
		rm = sb.geo.remap_meta_blocks;
		pm = dmr_pending_meta_blocks(&sb.geo);
		const u32 ok[][2] = {
			{ 0, 0 }, { 1, 0 }, { 0, 1 }, { rm, 0 }, { 0, pm },
			{ rm, pm }, { rm - 1, pm - 1 }, { rm / 2, pm / 2 },
		};
		const u32 bad[][2] = {
			{ rm + 1, 0 }, { 0, pm + 1 }, { rm + 1, pm + 1 },
			{ rm + pm, 0 }, { 0, rm + pm }, { rm, pm + 1 },
			{ rm + 1, pm }, { ~0U, 0 }, { 0, ~0U }, { ~0U, ~0U },
		};

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			sb.remap_meta_used = ok[i][0];
			sb.pending_meta_used = ok[i][1];
			dmr_sb_encode(&sb, b);
			expect_sb_ok(b, &out);
			assert_sb_equal(&sb, &out);
		}
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			sb.remap_meta_used = bad[i][0];
			sb.pending_meta_used = bad[i][1];
			dmr_sb_encode(&sb, b);
			expect_sb_reject(b, "beyond the layout");
		}
	}
}

/*
 * A version 1 superblock decodes with the values version 1 implies
 * (slot_size = block_size, every metadata block in use, no main identity),
 * whatever lies after its 240 bytes, and encodes back as version 1.
 */
static void test_sb_v1_implied_fields(void **state)
{
	static u8 b[BLK], again[BLK];
	struct dmr_sb sb, out;
	static const struct { u64 spare; u32 bs; } t[] = {
		{ 49, 512 }, { 2048, 512 }, { 1 << 20, 4096 },
		{ 2097152, 65536 }, { 1ULL << 40, 512 },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		make_sb(&sb, t[k].spare, t[k].bs, 1000);
		dmr_sb_encode(&sb, b);
		expect_sb_ok(b, &out);
		assert_int_equal(out.version, DMR_FORMAT_V1);
		assert_int_equal(out.slot_size, t[k].bs);
		assert_int_equal(out.remap_meta_used, out.geo.remap_meta_blocks);
		assert_int_equal(out.pending_meta_used,
				 dmr_pending_meta_blocks(&out.geo));
		assert_int_equal(out.main_sectors, 0);
		assert_string_equal(out.main_id, "");
		assert_sb_equal(&sb, &out);
		assert_reencodes_identically(b);

		/* bytes 240 - 4095 are not version 1 fields: never read */
		for (u32 i = DMR_SB_V1_SIZE; i < BLK; i++)
			b[i] = (u8)(rnd() | 1);
		reseal(b);
		expect_sb_ok(b, &out);
		assert_sb_equal(&sb, &out);
		/* and a rewrite zeroes them, still version 1 */
		dmr_sb_encode(&out, again);
		assert_int_equal(le32_to_cpu(dsb(again)->version), DMR_FORMAT_V1);
		for (u32 i = DMR_SB_V1_SIZE; i < BLK; i++)
			assert_int_equal(again[i], 0);
		assert_memory_equal(again + 4, b + 4, DMR_SB_V1_SIZE - 4);
	}
}

/* The version 2 analogue: bytes after byte 392 are not checked either. */
static void test_sb2_tail_unused(void **state)
{
	static u8 b[BLK], again[BLK];
	struct dmr_sb sb, out;

	(void)state;
	make_sb2(&sb, 2048, 512, 4096, 1000);
	dmr_sb_encode(&sb, b);
	memcpy(again, b, BLK);
	for (u32 i = sizeof(struct dmr_disk_sb); i < BLK; i++)
		b[i] = (u8)(rnd() | 1);
	reseal(b);
	expect_sb_ok(b, &out);
	assert_sb_equal(&sb, &out);
	dmr_sb_encode(&out, b);
	assert_memory_equal(b, again, BLK);
}

/*
 * A version 2 superblock ends at byte 392, inside the block's first
 * sector: a write torn at sector granularity still yields the old or the
 * new superblock, including a commit's update of the used counts.
 */
static void test_sb2_torn_sectors(void **state)
{
	static u8 oldb[BLK], newb[BLK], b[BLK];
	struct dmr_sb old_sb, new_sb, out;

	(void)state;
	assert_true(offsetof(struct dmr_disk_sb, main_id) + DMR_MAIN_ID_LEN <= 512);
	assert_int_equal(sizeof(struct dmr_disk_sb), 392);
	make_sb2(&old_sb, 1 << 20, 512, 4096, 1 << 20);
	old_sb.remap_meta_used = 1;
	old_sb.pending_meta_used = 0;
	dmr_sb_encode(&old_sb, oldb);
	new_sb = old_sb;
	new_sb.generation++;
	new_sb.remap_meta_used = 2;
	new_sb.pending_meta_used = 1;
	dmr_sb_encode(&new_sb, newb);
	/* the two differ only in the first sector */
	assert_memory_not_equal(oldb, newb, 512);
	assert_memory_equal(oldb + 512, newb + 512, BLK - 512);
	for (int mask = 0; mask < 256; mask++) {
		for (int s = 0; s < 8; s++)
			memcpy(b + 512 * s, (mask & (1 << s) ? newb : oldb) + 512 * s,
			       512);
		expect_sb_ok(b, &out);
		assert_sb_equal(mask & 1 ? &new_sb : &old_sb, &out);
	}
	/* torn inside the first sector (sub-sector writes are not atomic on
	 * every device, but the checksum catches any mix) */
	for (u32 cut = 4; cut < 512; cut += 4) {
		memcpy(b, newb, cut);
		memcpy(b + cut, oldb + cut, BLK - cut);
		if (!memcmp(b, newb, BLK) || !memcmp(b, oldb, BLK))
			continue;
		expect_sb_reject(b, "checksum");
	}
}

/* The version 2 superblock goes through the same generic checks. */
static void test_sb2_generic_checks(void **state)
{
	static u8 good[BLK], b[BLK];
	struct dmr_sb sb;

	(void)state;
	make_sb2(&sb, 1ULL << 24, 512, 4096, 1ULL << 30);
	dmr_sb_encode(&sb, good);
	for (u32 pos = 0; pos < BLK; pos++) {
		memcpy(b, good, BLK);
		b[pos] ^= 0x01;
		expect_sb_reject(b, pos >= 8 && pos < 16 ? "no dm-remap" :
				 "checksum");
	}
	for (int bit = 0; bit < 32; bit++) {
		memcpy(b, good, BLK);
		dsb(b)->incompat_features = cpu_to_le32(1U << bit);
		reseal(b);
		expect_sb_reject(b, "incompatible");
		if ((1U << bit) & DMR_STATE_KNOWN)
			continue;
		memcpy(b, good, BLK);
		dsb(b)->state = cpu_to_le32(1U << bit);
		reseal(b);
		expect_sb_reject(b, "state");
	}
	memcpy(b, good, BLK);
	dsb(b)->main_blocks = 0;
	reseal(b);
	expect_sb_reject(b, "main size");
	memcpy(b, good, BLK);
	dsb(b)->block_size = cpu_to_le32(1000);
	reseal(b);
	expect_sb_reject(b, "block size");
	memcpy(b, good, BLK);
	dsb(b)->remap_slots = cpu_to_le64(sb.geo.remap_slots + 1);
	reseal(b);
	expect_sb_reject(b, "layout");
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

/* The block's own slots in the world's arrays (what the codec takes). */
static const u64 *src_slots(struct world *w, u32 idx)
{
	return src_of(w, idx) + dmr_meta_first_slot(&w->sb, idx);
}

static u64 *out_slots(struct world *w, u32 idx)
{
	return out_of(w, idx) + dmr_meta_first_slot(&w->sb, idx);
}

static void encode(struct world *w, void *b, u64 gen, u32 idx)
{
	dmr_meta_encode(b, &w->sb, gen, idx, src_slots(w, idx));
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
	assert_int_equal(dmr_meta_decode(b, &w->sb, idx, &gen,
					 out + dmr_meta_first_slot(&w->sb, idx),
					 &why),
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

	if (dmr_meta_decode(b, &w->sb, idx, &got, out_slots(w, idx), &why))
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

/*
 * dmr_meta_encode()/dmr_meta_decode() take the block's own slots: slots[0]
 * is slot dmr_meta_first_slot() of its array, and exactly
 * dmr_meta_nr_slots() of them are read or written (the buffers here are
 * that long, so AddressSanitizer catches any access beyond, and guards
 * catch any write before or after).  Also for version 2 layouts.
 */
static void test_meta_own_slots(void **state)
{
	static const struct { u64 spare; u32 bs, slot; u64 nmain; } t[] = {
		{ 2048, 512, 0, 1000000 }, { 49, 512, 0, 1 },
		{ 1145, 512, 0, 5000 }, { 1 << 21, 4096, 0, DMR_MAX_BLOCKS },
		{ 2048, 512, 512, 1000000 }, { 2048, 512, 4096, 77 },
		{ 1 << 21, 512, 4096, 1ULL << 31 }, { 1 << 22, 4096, 65536, 3 },
	};
	static u8 b[BLK];

	(void)state;
	for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		struct world *w = world_new(t[k].spare, t[k].bs, t[k].nmain);
		u32 mb;

		if (t[k].slot) {	/* a version 2 superblock, same slots */
			struct dmr_sb sb2;

			make_sb2(&sb2, t[k].spare, t[k].bs, t[k].slot, t[k].nmain);
			/* the world's arrays are sized for the v1 layout */
			assert_true(sb2.geo.remap_slots <= w->sb.geo.remap_slots);
			assert_true(sb2.geo.pending_slots <= w->sb.geo.pending_slots);
			w->sb = sb2;
		}
		mb = w->sb.geo.meta_blocks;
		for (u32 i = 0; i < mb; i++) {
			u32 n = dmr_meta_nr_slots(&w->sb, i);
			u64 first = dmr_meta_first_slot(&w->sb, i);
			u64 *own, *guarded, gen = 0;
			const char *why = NULL;

			/* a sample of the blocks of big layouts */
			if (mb > 64 && i > 8 && i + 8 < mb && i % 97)
				continue;
			own = malloc(n * sizeof(u64));
			guarded = malloc((n + 2) * sizeof(u64));
			assert_true(own && guarded);
			memcpy(own, src_of(w, i) + first, n * sizeof(u64));
			dmr_meta_encode(b, &w->sb, 9, i, own);
			/* entry e is slot first + e of the array */
			for (u32 e = 0; e < n; e++) {
				assert_int_equal(le64_to_cpu(ent(b, e)->block),
						 DMR_SLOT_BLOCK(own[e]));
				assert_int_equal(le32_to_cpu(ent(b, e)->state),
						 DMR_SLOT_STATE(own[e]));
			}
			/* the same as encoding from the whole array */
			{
				static u8 b2[BLK];

				encode(w, b2, 9, i);
				assert_memory_equal(b, b2, BLK);
			}
			for (u32 e = 0; e < n + 2; e++)
				guarded[e] = 0x5a5a5a5a5a5a5a5aULL;
			if (dmr_meta_decode(b, &w->sb, i, &gen, guarded + 1, &why))
				fail_msg("block %u rejected: %s", i, why);
			assert_int_equal(gen, 9);
			assert_int_equal(guarded[0], 0x5a5a5a5a5a5a5a5aULL);
			assert_int_equal(guarded[n + 1], 0x5a5a5a5a5a5a5a5aULL);
			assert_memory_equal(guarded + 1, own, n * sizeof(u64));
			memset(own, 0xee, n * sizeof(u64));
			assert_int_equal(dmr_meta_decode(b, &w->sb, i, &gen, own,
							 &why), 0);
			assert_memory_equal(guarded + 1, own, n * sizeof(u64));
			free(own);
			free(guarded);
		}
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
	dmr_meta_encode(b, &other, 5, 3, w->remap + dmr_meta_first_slot(&other, 3));
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
						 idx, gen, out_slots(w, idx), &why),
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
	sb.version = DMR_FORMAT_V1;
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
	/* the documented bytes decode and encode back byte-identically */
	memset(b + sizeof(sb_hex), 0, BLK - sizeof(sb_hex));
	memcpy(b, sb_hex, sizeof(sb_hex));
	assert_reencodes_identically(b);

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

/*
 * docs/FORMAT.md worked example 3: the version 2 superblock of a 1 GiB 512e
 * spare (512-byte blocks, 4 KiB physical) after the commit that first used
 * remap block 0 (generation 1 at format, 2 after the count update).
 */
static void test_doc_example_v2(void **state)
{
	/* bytes 0 - 127 and 240 - 287; every other byte of the block is 0 */
	static const u8 head_hex[128] = {
		0x1f, 0xe3, 0x50, 0x80, 0x02, 0x00, 0x00, 0x00,
		0x44, 0x4d, 0x52, 0x52, 0x45, 0x4d, 0x41, 0x50,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0xf6, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xfe, 0x04, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x00,
		0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xf0, 0x4f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
		0x64, 0x6d, 0x72, 0x2d, 0x65, 0x78, 0x61, 0x6d,
		0x70, 0x6c, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const u8 v2_hex[48] = {
		0x00, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x08, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
		0x77, 0x77, 0x6e, 0x2d, 0x30, 0x78, 0x35, 0x30,
		0x30, 0x30, 0x63, 0x35, 0x30, 0x30, 0x61, 0x31,
		0x62, 0x32, 0x63, 0x33, 0x64, 0x34, 0x00, 0x00,
	};
	static u8 b[BLK], gold[BLK];
	struct dmr_sb sb, out;
	struct dmr_geometry g;

	(void)state;
	memset(&sb, 0, sizeof(sb));
	sb.version = DMR_FORMAT_VERSION;
	sb.generation = 2;
	sb.format_id = 0x0123456789abcdefULL;
	sb.block_size = 512;
	sb.slot_size = 4096;
	sb.main_blocks = 1ULL << 31;
	sb.main_sectors = (1ULL << 31) + 2048;
	sb.spare_sectors = 2097152;
	sb.created = 1700000000;
	strcpy(sb.uuid, "dmr-example");
	strcpy(sb.main_id, "wwn-0x5000c500a1b2c3d4");
	assert_int_equal(dmr_geometry(2097152, 4096, &sb.geo), 0);
	sb.remap_meta_used = 1;
	sb.pending_meta_used = 0;
	/* the layout of worked example 1: slots 4 KiB apart */
	assert_int_equal(sb.geo.remap_slots, 259586);
	assert_int_equal(sb.geo.pending_slots, 65024);
	assert_int_equal(sb.geo.meta_blocks, 1278);
	assert_int_equal(sb.geo.remap_meta_blocks, 1022);
	assert_int_equal(sb.geo.meta_b, 10240);
	assert_int_equal(sb.geo.data_start, 20464);
	/* what 512-byte slots would give on the same spare */
	assert_int_equal(dmr_geometry(2097152, 512, &g), 0);
	assert_int_equal(g.remap_slots, 1944048);
	assert_int_equal(g.pending_slots, 486156);
	assert_int_equal(g.meta_blocks, 9568);
	assert_int_equal(g.remap_meta_blocks, 7654);
	assert_int_equal(g.meta_b, 76560);
	assert_int_equal(g.data_start, 153104);
	assert_int_equal(g.data_start + g.remap_slots, 2097152);

	memset(gold, 0, sizeof(gold));
	memcpy(gold, head_hex, sizeof(head_hex));
	memcpy(gold + 240, v2_hex, sizeof(v2_hex));
	dmr_sb_encode(&sb, b);
	assert_memory_equal(b, gold, BLK);
	assert_int_equal(dmr_block_csum(b), 0x8050e31fU);
	expect_sb_ok(gold, &out);
	assert_sb_equal(&sb, &out);
	assert_reencodes_identically(gold);
	/* the version 1 fields are those of a version 1 block */
	sb.version = DMR_FORMAT_V1;
	dmr_sb_encode(&sb, b);
	assert_memory_equal(b + 8, gold + 8, DMR_SB_V1_SIZE - 8);
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
		cmocka_unit_test(test_sb_v1_implied_fields),
		cmocka_unit_test(test_sb2_roundtrip),
		cmocka_unit_test(test_sb2_main_id_lengths),
		cmocka_unit_test(test_sb2_slot_size),
		cmocka_unit_test(test_sb2_reserved_set),
		cmocka_unit_test(test_sb2_used_counts),
		cmocka_unit_test(test_sb2_tail_unused),
		cmocka_unit_test(test_sb2_torn_sectors),
		cmocka_unit_test(test_sb2_generic_checks),
#define W(t) cmocka_unit_test_setup_teardown(t, setup_world, teardown_world)
		W(test_meta_slot_mapping),
		W(test_meta_roundtrip),
		cmocka_unit_test(test_meta_roundtrip_geometries),
		cmocka_unit_test(test_meta_own_slots),
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
		cmocka_unit_test(test_doc_example_v2),
	};

	return cmocka_run_group_tests_name("dm-remap codec", tests, NULL, NULL);
}
