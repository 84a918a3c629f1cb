// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the dm-remap codec: arbitrary 4 KiB blocks go to
 * dmr_sb_decode() and dmr_meta_decode(), and whatever they accept must obey
 * the format's invariants.
 *
 * Input: a 32-byte parameter header, then the block (zero-padded to 4 KiB):
 *   0     u8   flags: 1 set the sb magic, 2 reseal the block as a superblock,
 *                     4 set the meta header (magic, format_id, index, kind),
 *                     8 reseal as a metadata block, 16 allow any spare size
 *   1     u8   block size of the metadata sb: 512 << (x % 8)
 *   2     u8   if not 0: main blocks of the metadata sb (small, so that
 *                the fuzzer easily moves it next to the slots' blocks)
 *   4     le32 metadata block index (modulo meta_blocks)
 *   8     le64 spare sectors of the metadata sb
 *   16    le64 main blocks of the metadata sb (1 + x % DMR_MAX_BLOCKS)
 *   24    le64 format_id of the metadata sb
 * The flags let the fuzzer past the magic and crc checks to the semantic
 * ones, which a random block would never reach.
 *
 * Built with -DDMR_FUZZ_SEEDS (any compiler) it is instead a program that
 * writes a seed corpus into the directory named by its argument.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-remap-codec.h"

#define BLK		DMR_META_BLOCK_SIZE
#define EPB		((u32)DMR_ENTRIES_PER_BLOCK)
#define PARAMS		32
#define SMALL_SPARE	(1U << 17)	/* slot arrays decoded up to this */
#define SLOTS_MAX	(1U << 18)
#define SENTINEL	0xa5a5a5a5a5a5a5a5ULL

enum {
	F_SB_MAGIC = 1, F_SB_SEAL = 2, F_META_HDR = 4, F_META_SEAL = 8,
	F_ANY_SPARE = 16,
};

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* The metadata superblock the parameters describe (always valid). */
static void params_sb(const u8 *p, struct dmr_sb *sb)
{
	u8 flags = p[0];
	u64 spare = get64(p + 8);

	memset(sb, 0, sizeof(*sb));
	sb->block_size = 512U << (p[1] % 8);
	sb->spare_sectors = flags & F_ANY_SPARE ? spare % ((1ULL << 50) + 1) :
					     49 + spare % SMALL_SPARE;
	sb->main_blocks = p[2] ? p[2] : 1 + get64(p + 16) % DMR_MAX_BLOCKS;
	sb->format_id = get64(p + 24);
	if (dmr_geometry(sb->spare_sectors, sb->block_size, &sb->geo)) {
		sb->block_size = 512;
		sb->spare_sectors = 49 + spare % SMALL_SPARE;
		if (dmr_geometry(sb->spare_sectors, 512, &sb->geo))
			abort();
	}
}

#ifndef DMR_FUZZ_SEEDS

static u8 blk[BLK], blk2[BLK];
static u64 remap_buf[SLOTS_MAX + 2], pend_buf[SLOTS_MAX + 2];

static void reseal(void *b)
{
	((struct dmr_disk_sb *)b)->csum = cpu_to_le32(dmr_block_csum(b));
}

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_codec: invariant failed: %s (%s:%d)\n", \
			#c, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_layout(const struct dmr_sb *sb)
{
	const struct dmr_geometry *g = &sb->geo;
	u64 bss = sb->block_size >> 9, true_mb = (g->meta_b - 16) / 8;

	CHECK(g->remap_slots >= 1);
	CHECK(g->meta_b >= 16 + 16 && (g->meta_b - 16) % 8 == 0);
	CHECK(g->data_start >= g->meta_b + 8 * true_mb);
	CHECK(g->data_start + g->remap_slots * bss <= sb->spare_sectors);
	CHECK(g->data_start % (bss > 8 ? bss : 8) == 0);
	CHECK(true_mb == g->meta_blocks);
	CHECK(g->remap_meta_blocks >= 1 &&
	      g->remap_meta_blocks < g->meta_blocks);
	CHECK((u64)g->remap_meta_blocks * EPB >= g->remap_slots);
	CHECK((u64)(g->remap_meta_blocks - 1) * EPB < g->remap_slots);
	CHECK(g->pending_slots ==
	      (u64)(g->meta_blocks - g->remap_meta_blocks) * EPB);
	CHECK(g->pending_slots >= (g->remap_slots + 3) / 4);
}

static void same_sb(const struct dmr_sb *a, const struct dmr_sb *b)
{
	CHECK(a->generation == b->generation);
	CHECK(a->format_id == b->format_id);
	CHECK(a->state == b->state);
	CHECK(a->block_size == b->block_size);
	CHECK(a->main_blocks == b->main_blocks);
	CHECK(a->spare_sectors == b->spare_sectors);
	CHECK(a->created == b->created);
	CHECK(!memcmp(&a->geo, &b->geo, sizeof(a->geo)));
	/*
	 * The uuid as a string: bytes after its NUL are not checked by the
	 * decoder and not kept by the encoder (see docs/FORMAT.md).
	 */
	CHECK(!strcmp(a->uuid, b->uuid));
}

static void fuzz_sb(const u8 *p)
{
	struct dmr_disk_sb *d = (struct dmr_disk_sb *)blk;
	struct dmr_geometry g;
	struct dmr_sb sb, sb2;
	const char *why = NULL;

	if (p[0] & F_SB_MAGIC)
		d->magic = cpu_to_le64(DMR_SB_MAGIC);
	if (p[0] & F_SB_SEAL)
		reseal(blk);
	if (dmr_sb_decode(blk, &sb, &why)) {
		CHECK(why);
		return;
	}
	/* what the decoder promises */
	CHECK(dmr_sb_has_magic(blk));
	CHECK(le32_to_cpu(d->csum) == dmr_block_csum(blk));
	CHECK(le32_to_cpu(d->version) == DMR_FORMAT_VERSION);
	CHECK(!(le32_to_cpu(d->incompat_features) & ~DMR_INCOMPAT_KNOWN));
	CHECK(!(sb.state & ~DMR_STATE_KNOWN));
	CHECK(sb.main_blocks >= 1 && sb.main_blocks <= DMR_MAX_BLOCKS);
	CHECK(sb.block_size >= 512 && sb.block_size <= 65536 &&
	      !(sb.block_size & (sb.block_size - 1)));
	CHECK(sb.uuid[DMR_UUID_LEN] == '\0');
	CHECK(!dmr_geometry(sb.spare_sectors, sb.block_size, &g));
	CHECK(!memcmp(&g, &sb.geo, sizeof(g)));
	check_layout(&sb);

	/* re-encoding reproduces a block that decodes to the same struct */
	dmr_sb_encode(&sb, blk2);
	CHECK(!dmr_sb_decode(blk2, &sb2, &why));
	same_sb(&sb, &sb2);
	/* and every field it keeps sits where it was */
	CHECK(!memcmp(blk2 + 4, blk + 4, 32));
	CHECK(!memcmp(blk2 + 40, blk + 40, 72));
}

static void fuzz_meta(const u8 *p)
{
	struct dmr_disk_meta_header *h = (struct dmr_disk_meta_header *)blk;
	const struct dmr_disk_entry *e = (const struct dmr_disk_entry *)(h + 1);
	struct dmr_sb sb;
	bool remap, with_slots;
	u64 gen = SENTINEL, gen2, first, *buf, *arr = NULL;
	u32 idx, n, max_state;
	u64 max_block = 0;
	bool any_used = false;
	const char *why = NULL;
	int r;

	params_sb(p, &sb);
	CHECK((sb.geo.meta_b - 16) / 8 == sb.geo.meta_blocks);
	idx = get32(p + 4) % sb.geo.meta_blocks;
	remap = dmr_meta_is_remap(&sb, idx);
	first = dmr_meta_first_slot(&sb, idx);
	n = dmr_meta_nr_slots(&sb, idx);
	max_state = remap ? DMR_SLOT_RETIRED : DMR_PSLOT_PENDING;
	CHECK(n >= 1 && n <= EPB);

	if (p[0] & F_META_HDR) {
		h->magic = cpu_to_le32(DMR_META_MAGIC);
		h->format_id = cpu_to_le64(sb.format_id);
		h->index = cpu_to_le32(idx);
		h->kind = cpu_to_le32(remap ? DMR_META_REMAP : DMR_META_PENDING);
	}
	if (p[0] & F_META_SEAL)
		reseal(blk);

	/* decode into the slot array, guarded on both sides, when it fits */
	with_slots = first + n <= SLOTS_MAX;
	buf = remap ? remap_buf : pend_buf;	/* buf[first] is arr[first - 1] */
	if (with_slots) {
		arr = buf + 1;
		for (u64 i = 0; i < n + 2; i++)
			buf[first + i] = SENTINEL;
	}
	r = dmr_meta_decode(blk, &sb, idx, &gen, arr, &why);
	if (with_slots) {
		CHECK(buf[first] == SENTINEL && buf[first + n + 1] == SENTINEL);
		for (u64 i = 1; i <= n && r; i++)
			CHECK(buf[first + i] == SENTINEL);
	}
	CHECK(!dmr_meta_decode(blk, &sb, idx, &gen2, NULL, &why) == !r);
	if (r) {
		CHECK(r == -EINVAL && why && gen == SENTINEL);
		return;
	}
	CHECK(gen == gen2 && gen == le64_to_cpu(h->generation));

	/* every slot it accepted is in range, on disk and decoded */
	for (u32 i = 0; i < EPB; i++) {
		u64 b = le64_to_cpu(e[i].block);
		u32 st = le32_to_cpu(e[i].state);

		CHECK(!e[i].reserved);
		if (i >= n) {
			CHECK(!b && !st);
			continue;
		}
		CHECK(st <= max_state);
		CHECK(st == 0 ? b == 0 : b < sb.main_blocks);
		if (st) {
			any_used = true;
			max_block = b > max_block ? b : max_block;
		}
		if (with_slots) {
			CHECK(DMR_SLOT_STATE(arr[first + i]) == st);
			CHECK(DMR_SLOT_STATE(arr[first + i]) <= max_state);
			CHECK(DMR_SLOT_BLOCK(arr[first + i]) == b);
			CHECK(DMR_SLOT_BLOCK(arr[first + i]) < sb.main_blocks);
		}
	}
	/* the bound is exact: main_blocks just above the largest block named
	 * is enough, main_blocks equal to it is not */
	if (any_used) {
		struct dmr_sb sb2 = sb;

		sb2.main_blocks = max_block + 1;
		CHECK(!dmr_meta_decode(blk, &sb2, idx, &gen2, NULL, &why));
		if (max_block) {
			sb2.main_blocks = max_block;
			CHECK(dmr_meta_decode(blk, &sb2, idx, &gen2, NULL, &why));
		}
	}
	/* an accepted metadata block is canonical: re-encoding reproduces it */
	if (with_slots) {
		dmr_meta_encode(blk2, &sb, gen, idx, arr);
		CHECK(!memcmp(blk2, blk, BLK));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 p[PARAMS] = { 0 };
	size_t np = size < PARAMS ? size : PARAMS;

	memcpy(p, data, np);
	memset(blk, 0, BLK);
	if (size > PARAMS)
		memcpy(blk, data + PARAMS, size - PARAMS < BLK ? size - PARAMS : BLK);
	fuzz_sb(p);

	memset(blk, 0, BLK);
	if (size > PARAMS)
		memcpy(blk, data + PARAMS, size - PARAMS < BLK ? size - PARAMS : BLK);
	fuzz_meta(p);
	return 0;
}

#else /* DMR_FUZZ_SEEDS: write a seed corpus */

static u64 seed_rng = 0x243f6a8885a308d3ULL;

static u64 rnd(void)
{
	seed_rng ^= seed_rng << 13;
	seed_rng ^= seed_rng >> 7;
	seed_rng ^= seed_rng << 17;
	return seed_rng;
}

static int nseeds;

static void put64(u8 *p, u64 v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void put32(u8 *p, u32 v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void write_seed(const char *dir, const u8 *p, const u8 *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03d", dir, nseeds++);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, PARAMS, f) != PARAMS ||
	    fwrite(b, 1, blen, f) != blen || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Parameters that params_sb() maps back to exactly this superblock. */
static void make_params(u8 *p, u8 flags, u64 spare, u32 bs, u64 main_blocks,
			u64 fid, u32 idx)
{
	int shift = 0;

	while ((512U << shift) < bs)
		shift++;
	memset(p, 0, PARAMS);
	p[0] = flags;
	p[1] = (u8)shift;
	put32(p + 4, idx);
	put64(p + 8, flags & F_ANY_SPARE ? spare : spare - 49);
	if (main_blocks < 256)
		p[2] = (u8)main_blocks;
	else
		put64(p + 16, main_blocks - 1);
	put64(p + 24, fid);
}

/* The seed must describe the superblock it was made for. */
static void check_params(const u8 *p, const struct dmr_sb *sb, u32 idx)
{
	struct dmr_sb chk;

	params_sb(p, &chk);
	if (memcmp(&chk.geo, &sb->geo, sizeof(chk.geo)) ||
	    chk.main_blocks != sb->main_blocks ||
	    chk.format_id != sb->format_id ||
	    get32(p + 4) % chk.geo.meta_blocks != idx) {
		fprintf(stderr, "fuzz_seeds: parameters do not round-trip\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct { u64 spare; u32 bs; u64 main; u8 any; } geo[] = {
		{ 49, 512, 1, 0 }, { 2048, 512, 3, 0 }, { 2048, 512, 1000000, 0 },
		{ 1145, 512, 5000, 0 }, { 65536, 4096, 1ULL << 20, 0 },
		{ 131072, 65536, DMR_MAX_BLOCKS, 0 },
		{ 1ULL << 31, 4096, 1ULL << 28, F_ANY_SPARE },
		{ 1ULL << 50, 512, DMR_MAX_BLOCKS, F_ANY_SPARE },
	};
	u8 p[PARAMS], b[BLK];
	static u64 slots[SLOTS_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t k = 0; k < sizeof(geo) / sizeof(geo[0]); k++) {
		struct dmr_sb sb;
		u32 idxs[4];

		memset(&sb, 0, sizeof(sb));
		sb.generation = k * 1000 + 1;
		sb.format_id = rnd();
		sb.state = k % 2 ? DMR_STATE_METADATA_FAILED : 0;
		sb.block_size = geo[k].bs;
		sb.main_blocks = geo[k].main;
		sb.spare_sectors = geo[k].spare;
		sb.created = 1700000000 + k;
		snprintf(sb.uuid, sizeof(sb.uuid), "dmr-seed-%zu", k);
		if (dmr_geometry(sb.spare_sectors, sb.block_size, &sb.geo))
			abort();

		/* superblocks: as written, and with the sb fix-up flags */
		make_params(p, geo[k].any, geo[k].spare, geo[k].bs,
			    geo[k].main, sb.format_id, 0);
		dmr_sb_encode(&sb, b);
		write_seed(argv[1], p, b, BLK);
		p[0] |= F_SB_SEAL;
		write_seed(argv[1], p, b, 240);	/* short: zero-padded */

		/* metadata blocks: first, last remap, first and last pending */
		idxs[0] = 0;
		idxs[1] = sb.geo.remap_meta_blocks - 1;
		idxs[2] = sb.geo.remap_meta_blocks;
		idxs[3] = sb.geo.meta_blocks - 1;
		for (int j = 0; j < 4; j++) {
			u32 idx = idxs[j];
			bool remap = dmr_meta_is_remap(&sb, idx);
			u64 first = dmr_meta_first_slot(&sb, idx);
			u32 n = dmr_meta_nr_slots(&sb, idx);

			if (first + n > SLOTS_MAX)
				continue;
			for (u32 i = 0; i < n; i++) {
				u32 st = rnd() % (remap ? 3 : 2);

				slots[first + i] =
					DMR_SLOT(st ? rnd() % geo[k].main : 0, st);
			}
			dmr_meta_encode(b, &sb, 7 + j, idx, slots);
			make_params(p, geo[k].any, geo[k].spare, geo[k].bs,
				    geo[k].main, sb.format_id, idx);
			check_params(p, &sb, idx);
			write_seed(argv[1], p, b, BLK);
			/* the same with every fix-up flag, then zeroed */
			p[0] |= F_META_HDR | F_META_SEAL;
			write_seed(argv[1], p, b, BLK);
			memset(b + 32, 0, BLK - 32);
			write_seed(argv[1], p, b, BLK);
		}
	}
	printf("%d seeds in %s\n", nseeds, argv[1]);
	return 0;
}

#endif
