// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the dm-remap codec: arbitrary 4 KiB blocks go to
 * dmr_sb_decode() and dmr_meta_decode(), and whatever they accept must obey
 * the format's invariants, for superblocks of versions 1 and 2.
 *
 * Input: a 32-byte parameter header, then the block (zero-padded to 4 KiB):
 *   0     u8   flags: 1 set the sb magic, 2 reseal the block as a superblock,
 *                     4 set the meta header (magic, format_id, index, kind),
 *                     8 reseal as a metadata block, 16 allow any spare size,
 *                     32 set the sb version (byte 3 bit 7: 1, else 2),
 *                     64 set the sb layout fields from the block's own
 *                        spare_sectors and slot size (before resealing)
 *   1     u8   block size of the metadata sb: 512 << (x % 8)
 *   2     u8   if not 0: main blocks of the metadata sb (small, so that
 *                the fuzzer easily moves it next to the slots' blocks)
 *   3     u8   bits 0-6: slot size of the metadata sb, block size << (x % 8)
 *                (at most 65536; version 2 if not block size); bit 7 see 32
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
#define SMALL_SPARE	(1U << 17)	/* spare sizes without flag 16 */
#define SENTINEL	0xa5a5a5a5a5a5a5a5ULL

enum {
	F_SB_MAGIC = 1, F_SB_SEAL = 2, F_META_HDR = 4, F_META_SEAL = 8,
	F_ANY_SPARE = 16, F_SB_VERSION = 32, F_SB_LAYOUT = 64,
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

static u32 params_slot(const u8 *p, u32 block_size)
{
	u32 slot = block_size << ((p[3] & 0x7f) % 8);

	return slot > 65536 || slot < block_size ? 65536 : slot;
}

/*
 * The metadata superblock the parameters describe (always valid): version
 * 1 if the slot size is the block size, else version 2.
 */
static void params_sb(const u8 *p, struct dmr_sb *sb)
{
	u8 flags = p[0];
	u64 spare = get64(p + 8);

	memset(sb, 0, sizeof(*sb));
	sb->block_size = 512U << (p[1] % 8);
	sb->slot_size = params_slot(p, sb->block_size);
	sb->version = sb->slot_size == sb->block_size ? DMR_FORMAT_V1 :
							DMR_FORMAT_VERSION;
	sb->spare_sectors = flags & F_ANY_SPARE ? spare % ((1ULL << 50) + 1) :
					     49 + spare % SMALL_SPARE;
	sb->main_blocks = p[2] ? p[2] : 1 + get64(p + 16) % DMR_MAX_BLOCKS;
	sb->format_id = get64(p + 24);
	if (dmr_geometry(sb->spare_sectors, sb->slot_size, &sb->geo)) {
		sb->version = DMR_FORMAT_V1;
		sb->block_size = sb->slot_size = 512;
		sb->spare_sectors = 49 + spare % SMALL_SPARE;
		if (dmr_geometry(sb->spare_sectors, 512, &sb->geo))
			abort();
	}
	/* what decoding the superblock would give */
	sb->remap_meta_used = sb->geo.remap_meta_blocks;
	sb->pending_meta_used = dmr_pending_meta_blocks(&sb->geo);
}

#ifndef DMR_FUZZ_SEEDS

static u8 blk[BLK], blk2[BLK], blk3[BLK];
static u64 slot_buf[EPB + 2];

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
	u64 bss = sb->slot_size >> 9, true_mb = (g->meta_b - 16) / 8;

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
	 * The uuid and main_id as strings: bytes after their NUL are not
	 * checked by the decoder and not kept by the encoder (docs/FORMAT.md).
	 */
	CHECK(!strcmp(a->uuid, b->uuid));
	CHECK(a->version == b->version);
	CHECK(a->slot_size == b->slot_size);
	CHECK(a->remap_meta_used == b->remap_meta_used);
	CHECK(a->pending_meta_used == b->pending_meta_used);
	CHECK(a->main_sectors == b->main_sectors);
	CHECK(!strcmp(a->main_id, b->main_id));
}

/* Flag 64: make the layout fields agree with the block's other fields. */
static void fix_layout(struct dmr_disk_sb *d)
{
	struct dmr_geometry g;
	u32 slot = le32_to_cpu(d->version) == DMR_FORMAT_V1 ?
		   le32_to_cpu(d->block_size) : le32_to_cpu(d->slot_size);

	if (dmr_geometry(le64_to_cpu(d->spare_sectors), slot, &g))
		return;
	d->remap_slots = cpu_to_le64(g.remap_slots);
	d->pending_slots = cpu_to_le64(g.pending_slots);
	d->meta_blocks = cpu_to_le32(g.meta_blocks);
	d->remap_meta_blocks = cpu_to_le32(g.remap_meta_blocks);
	d->meta_b = cpu_to_le64(g.meta_b);
	d->data_start = cpu_to_le64(g.data_start);
}

static void fuzz_sb(const u8 *p)
{
	struct dmr_disk_sb *d = (struct dmr_disk_sb *)blk;
	struct dmr_geometry g;
	struct dmr_sb sb, sb2;
	const char *why = NULL;

	if (p[0] & F_SB_MAGIC)
		d->magic = cpu_to_le64(DMR_SB_MAGIC);
	if (p[0] & F_SB_VERSION)
		d->version = cpu_to_le32(p[3] & 0x80 ? DMR_FORMAT_V1 :
					 DMR_FORMAT_VERSION);
	if (p[0] & F_SB_LAYOUT)
		fix_layout(d);
	if (p[0] & F_SB_SEAL)
		reseal(blk);
	if (dmr_sb_decode(blk, &sb, &why)) {
		CHECK(why);
		return;
	}
	/* what the decoder promises */
	CHECK(dmr_sb_has_magic(blk));
	CHECK(le32_to_cpu(d->csum) == dmr_block_csum(blk));
	CHECK(sb.version == le32_to_cpu(d->version));
	CHECK(sb.version == DMR_FORMAT_V1 || sb.version == DMR_FORMAT_VERSION);
	CHECK(!(le32_to_cpu(d->incompat_features) & ~DMR_INCOMPAT_KNOWN));
	CHECK(!(sb.state & ~DMR_STATE_KNOWN));
	CHECK(sb.main_blocks >= 1 && sb.main_blocks <= DMR_MAX_BLOCKS);
	CHECK(sb.block_size >= 512 && sb.block_size <= 65536 &&
	      !(sb.block_size & (sb.block_size - 1)));
	CHECK(sb.slot_size >= sb.block_size && sb.slot_size <= 65536 &&
	      !(sb.slot_size & (sb.slot_size - 1)));
	CHECK(sb.uuid[DMR_UUID_LEN] == '\0');
	CHECK(sb.main_id[DMR_MAIN_ID_LEN] == '\0');
	CHECK(!dmr_geometry(sb.spare_sectors, sb.slot_size, &g));
	CHECK(!memcmp(&g, &sb.geo, sizeof(g)));
	check_layout(&sb);
	CHECK(sb.remap_meta_used <= g.remap_meta_blocks);
	CHECK(sb.pending_meta_used <= dmr_pending_meta_blocks(&g));
	if (sb.version == DMR_FORMAT_V1) {
		/* nothing of version 2 is read: what version 1 implies */
		CHECK(sb.slot_size == sb.block_size);
		CHECK(sb.remap_meta_used == g.remap_meta_blocks);
		CHECK(sb.pending_meta_used == dmr_pending_meta_blocks(&g));
		CHECK(sb.main_sectors == 0 && sb.main_id[0] == '\0');
	} else {
		CHECK(!d->reserved);
		CHECK(sb.slot_size == le32_to_cpu(d->slot_size));
		CHECK(sb.remap_meta_used == le32_to_cpu(d->remap_meta_used));
		CHECK(sb.pending_meta_used == le32_to_cpu(d->pending_meta_used));
		CHECK(sb.main_sectors == le64_to_cpu(d->main_sectors));
		CHECK(!strncmp(sb.main_id, d->main_id, DMR_MAIN_ID_LEN));
	}

	/* re-encoding reproduces a block that decodes to the same struct */
	dmr_sb_encode(&sb, blk2);
	CHECK(!dmr_sb_decode(blk2, &sb2, &why));
	same_sb(&sb, &sb2);
	/* and every field it keeps sits where it was */
	CHECK(!memcmp(blk2 + 4, blk + 4, 32));
	CHECK(!memcmp(blk2 + 40, blk + 40, 72));
	CHECK(!strncmp((char *)blk2 + 112, (char *)blk + 112, DMR_UUID_LEN));
	if (sb.version == DMR_FORMAT_V1) {
		/* a version 1 block stays one: nothing after byte 240 */
		for (u32 i = DMR_SB_V1_SIZE; i < BLK; i++)
			CHECK(!blk2[i]);
	} else {
		CHECK(!memcmp(blk2 + 240, blk + 240, 24));
		CHECK(!strncmp((char *)blk2 + 264, (char *)blk + 264,
			       DMR_MAIN_ID_LEN));
		for (u32 i = sizeof(*d); i < BLK; i++)
			CHECK(!blk2[i]);
	}
	/* the rewritten block is canonical: a fixed point of decode+encode */
	dmr_sb_encode(&sb2, blk3);
	CHECK(!memcmp(blk3, blk2, BLK));

	/* the bounds of the used counts are exact: the layout's block counts
	 * are accepted, one more is not */
	if (sb.version != DMR_FORMAT_V1) {
		struct dmr_disk_sb *d3 = (struct dmr_disk_sb *)blk3;
		const u32 rm = g.remap_meta_blocks, pm = dmr_pending_meta_blocks(&g);

		d3->remap_meta_used = cpu_to_le32(rm);
		d3->pending_meta_used = cpu_to_le32(pm);
		reseal(blk3);
		CHECK(!dmr_sb_decode(blk3, &sb2, &why));
		CHECK(sb2.remap_meta_used == rm && sb2.pending_meta_used == pm);
		d3->remap_meta_used = cpu_to_le32(rm + 1);
		reseal(blk3);
		CHECK(dmr_sb_decode(blk3, &sb2, &why));
		d3->remap_meta_used = cpu_to_le32(rm);
		d3->pending_meta_used = cpu_to_le32(pm + 1);
		reseal(blk3);
		CHECK(dmr_sb_decode(blk3, &sb2, &why));
	}
}

static void fuzz_meta(const u8 *p)
{
	struct dmr_disk_meta_header *h = (struct dmr_disk_meta_header *)blk;
	const struct dmr_disk_entry *e = (const struct dmr_disk_entry *)(h + 1);
	struct dmr_sb sb;
	bool remap;
	u64 gen = SENTINEL, gen2, first, *arr = slot_buf + 1, *own;
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

	/* decode into the block's own slots, guarded on both sides */
	CHECK(first % EPB == 0);
	for (u32 i = 0; i < n + 2; i++)
		slot_buf[i] = SENTINEL;
	r = dmr_meta_decode(blk, &sb, idx, &gen, arr, &why);
	CHECK(slot_buf[0] == SENTINEL && slot_buf[n + 1] == SENTINEL);
	for (u32 i = 1; i <= n && r; i++)
		CHECK(slot_buf[i] == SENTINEL);
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
		CHECK(DMR_SLOT_STATE(arr[i]) == st);
		CHECK(DMR_SLOT_STATE(arr[i]) <= max_state);
		CHECK(DMR_SLOT_BLOCK(arr[i]) == b);
		CHECK(DMR_SLOT_BLOCK(arr[i]) < sb.main_blocks);
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
	/* an accepted metadata block is canonical: re-encoding reproduces it,
	 * reading exactly its n slots (an exact-size copy: ASan checks it) */
	own = malloc(n * sizeof(*own));
	CHECK(own);
	memcpy(own, arr, n * sizeof(*own));
	dmr_meta_encode(blk2, &sb, gen, idx, own);
	free(own);
	CHECK(!memcmp(blk2, blk, BLK));
	/* the superblock's version and used counts play no part */
	if (sb.version == DMR_FORMAT_V1) {
		struct dmr_sb sb2 = sb;

		sb2.version = DMR_FORMAT_VERSION;
		sb2.remap_meta_used = sb2.pending_meta_used = 0;
		CHECK(!dmr_meta_decode(blk, &sb2, idx, &gen2, NULL, &why));
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
static void make_params(u8 *p, u8 flags, u64 spare, u32 bs, u32 slot,
			u64 main_blocks, u64 fid, u32 idx)
{
	int shift = 0, slot_shift = 0;

	while ((512U << shift) < bs)
		shift++;
	while ((bs << slot_shift) < slot)
		slot_shift++;
	memset(p, 0, PARAMS);
	p[0] = flags;
	p[1] = (u8)shift;
	p[3] = (u8)slot_shift;
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
	    chk.version != sb->version || chk.slot_size != sb->slot_size ||
	    chk.block_size != sb->block_size ||
	    chk.main_blocks != sb->main_blocks ||
	    chk.format_id != sb->format_id ||
	    get32(p + 4) % chk.geo.meta_blocks != idx) {
		fprintf(stderr, "fuzz_seeds: parameters do not round-trip\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	/* slot = bs: version 1; slot > bs: version 2 (a 512e-like spare) */
	static const struct {
		u64 spare; u32 bs, slot; u64 main; u8 any;
	} geo[] = {
		{ 49, 512, 512, 1, 0 }, { 2048, 512, 512, 3, 0 },
		{ 2048, 512, 512, 1000000, 0 }, { 1145, 512, 512, 5000, 0 },
		{ 65536, 4096, 4096, 1ULL << 20, 0 },
		{ 131072, 65536, 65536, DMR_MAX_BLOCKS, 0 },
		{ 1ULL << 31, 4096, 4096, 1ULL << 28, F_ANY_SPARE },
		{ 1ULL << 50, 512, 512, DMR_MAX_BLOCKS, F_ANY_SPARE },
		{ 56, 512, 4096, 1, 0 }, { 2048, 512, 4096, 1000000, 0 },
		{ 9000, 1024, 8192, 77, 0 }, { 131072, 512, 65536, 5000, 0 },
		{ 1ULL << 31, 512, 4096, 1ULL << 31, F_ANY_SPARE },
		{ 1ULL << 50, 4096, 65536, DMR_MAX_BLOCKS, F_ANY_SPARE },
	};
	u8 p[PARAMS], b[BLK];
	static u64 slots[EPB];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (size_t k = 0; k < sizeof(geo) / sizeof(geo[0]); k++) {
		struct dmr_sb sb;
		u32 idxs[4];
		bool v2 = geo[k].slot != geo[k].bs;

		memset(&sb, 0, sizeof(sb));
		sb.version = v2 ? DMR_FORMAT_VERSION : DMR_FORMAT_V1;
		sb.generation = k * 1000 + 1;
		sb.format_id = rnd();
		sb.state = k % 2 ? DMR_STATE_METADATA_FAILED : 0;
		sb.block_size = geo[k].bs;
		sb.slot_size = geo[k].slot;
		sb.main_blocks = geo[k].main;
		sb.spare_sectors = geo[k].spare;
		sb.created = 1700000000 + k;
		snprintf(sb.uuid, sizeof(sb.uuid), "dmr-seed-%zu", k);
		if (dmr_geometry(sb.spare_sectors, sb.slot_size, &sb.geo))
			abort();
		if (v2) {
			sb.remap_meta_used = (u32)(k % 3 ? sb.geo.remap_meta_blocks : 1);
			sb.pending_meta_used = (u32)(k % 2 ? 0 :
				dmr_pending_meta_blocks(&sb.geo));
			sb.main_sectors = sb.main_blocks * (sb.block_size >> 9);
			snprintf(sb.main_id, sizeof(sb.main_id),
				 "wwn-0x5000c500%08zx", k);
		} else {
			sb.remap_meta_used = sb.geo.remap_meta_blocks;
			sb.pending_meta_used = dmr_pending_meta_blocks(&sb.geo);
		}

		/* superblocks: as written, and with the sb fix-up flags */
		make_params(p, geo[k].any, geo[k].spare, geo[k].bs, geo[k].slot,
			    geo[k].main, sb.format_id, 0);
		dmr_sb_encode(&sb, b);
		write_seed(argv[1], p, b, BLK);
		p[0] |= F_SB_SEAL;
		/* short: zero-padded */
		write_seed(argv[1], p, b, v2 ? sizeof(struct dmr_disk_sb) :
					       DMR_SB_V1_SIZE);
		/* the other version's number on the same block, layout fixed */
		p[0] |= F_SB_VERSION | F_SB_LAYOUT;
		p[3] |= v2 ? 0x80 : 0;
		write_seed(argv[1], p, b, BLK);

		/* metadata blocks: first, last remap, first and last pending */
		idxs[0] = 0;
		idxs[1] = sb.geo.remap_meta_blocks - 1;
		idxs[2] = sb.geo.remap_meta_blocks;
		idxs[3] = sb.geo.meta_blocks - 1;
		for (int j = 0; j < 4; j++) {
			u32 idx = idxs[j];
			bool remap = dmr_meta_is_remap(&sb, idx);
			u32 n = dmr_meta_nr_slots(&sb, idx);

			/* the block's own slots: slots[0] is its first */
			for (u32 i = 0; i < n; i++) {
				u32 st = rnd() % (remap ? 3 : 2);

				slots[i] = DMR_SLOT(st ? rnd() % geo[k].main : 0, st);
			}
			dmr_meta_encode(b, &sb, 7 + j, idx, slots);
			make_params(p, geo[k].any, geo[k].spare, geo[k].bs,
				    geo[k].slot, geo[k].main, sb.format_id, idx);
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
