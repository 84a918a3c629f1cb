// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-meta: inspect and deliberately damage dm-remap metadata on a spare
 * device, for the corruption and hostile-metadata test cases.  Uses the
 * kernel's own codec (kernel/dm-remap-codec.c).
 *
 *   dmr-meta show DEV                   superblock fields, key=value
 *   dmr-meta sector DEV a|b INDEX       sector of metadata block INDEX
 *   dmr-meta flip DEV SECTOR OFFSET     flip one byte (a torn/bad block)
 *   dmr-meta entry DEV a|b INDEX SLOT BLOCK STATE
 *                                       rewrite one entry, crc made valid
 *                                       (a version 2 superblock is made to
 *                                       count the block as used)
 *   dmr-meta sbfield DEV a|b OFFSET VALUE
 *                                       rewrite a le64 superblock field,
 *                                       crc made valid
 *   dmr-meta fill DEV N [STRIDE]        a table of N remaps (main block
 *                                       k*STRIDE on spare block k; STRIDE 1
 *                                       by default), both copies, as a
 *                                       commit with generation 2 would write
 *                                       (and the superblocks counting them)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dm-remap-codec.h"

static int fd;
static unsigned char blk[DMR_META_BLOCK_SIZE];

static void die(const char *msg)
{
	fprintf(stderr, "dmr-meta: %s\n", msg);
	exit(1);
}

static void rd(uint64_t sector)
{
	if (pread(fd, blk, sizeof(blk), (off_t)sector * 512) != sizeof(blk))
		die("read failed");
}

static void wr(uint64_t sector)
{
	if (pwrite(fd, blk, sizeof(blk), (off_t)sector * 512) != sizeof(blk))
		die("write failed");
}

static void fix_crc(void)
{
	__le32 c = cpu_to_le32(dmr_block_csum(blk));

	memcpy(blk, &c, sizeof(c));
}

static struct dmr_sb load_sb(void)
{
	struct dmr_sb sb;
	const char *why = "";

	rd(DMR_SB_A_SECTOR);
	if (dmr_sb_decode(blk, &sb, &why)) {
		rd(DMR_SB_B_SECTOR);
		if (dmr_sb_decode(blk, &sb, &why))
			die(why);
	}
	return sb;
}

/* Both superblocks from @sb, one generation on. */
static void store_sb(struct dmr_sb *sb)
{
	sb->generation++;
	dmr_sb_encode(sb, blk);
	wr(DMR_SB_A_SECTOR);
	wr(DMR_SB_B_SECTOR);
}

static uint64_t meta_sector(const struct dmr_sb *sb, const char *copy, uint32_t index);

/*
 * A version 2 superblock reads metadata block @index only if it counts it:
 * count it (and every block before it), writing each block that was not
 * counted yet to both copies, empty, with generation 1, as a commit of
 * generation 1 would have.
 */
static void mark_used(struct dmr_sb *sb, uint32_t index)
{
	static const uint64_t none[DMR_ENTRIES_PER_BLOCK];
	bool remap = dmr_meta_is_remap(sb, index);
	uint32_t first = remap ? 0 : sb->geo.remap_meta_blocks;
	uint32_t *used = remap ? &sb->remap_meta_used : &sb->pending_meta_used;
	uint32_t i;

	if (sb->version == DMR_FORMAT_V1 || index - first < *used)
		return;
	for (i = first + *used; i <= index; i++) {
		dmr_meta_encode(blk, sb, 1, i, none);
		wr(meta_sector(sb, "a", i));
		wr(meta_sector(sb, "b", i));
	}
	*used = index - first + 1;
	store_sb(sb);
}

static uint64_t meta_sector(const struct dmr_sb *sb, const char *copy, uint32_t index)
{
	return (copy[0] == 'b' ? sb->geo.meta_b : DMR_META_A_SECTOR) +
	       (uint64_t)index * DMR_META_BLOCK_SECTORS;
}

int main(int argc, char **argv)
{
	struct dmr_sb sb;
	uint64_t sector;

	if (argc < 3)
		die("usage: see the source");
	fd = open(argv[2], O_RDWR | O_DSYNC);
	if (fd < 0)
		die("cannot open device");

	if (!strcmp(argv[1], "show") && argc == 3) {
		sb = load_sb();
		printf("version=%u generation=%" PRIu64 " state=%u block_size=%u main_blocks=%" PRIu64
		       " spare_sectors=%" PRIu64 " remap_slots=%" PRIu64 " pending_slots=%" PRIu64
		       " meta_blocks=%u remap_meta_blocks=%u meta_b=%" PRIu64
		       " data_start=%" PRIu64 " slot_size=%u remap_meta_used=%u"
		       " pending_meta_used=%u main_sectors=%" PRIu64 " uuid=%s main_id=%s\n",
		       sb.version, sb.generation, sb.state, sb.block_size, sb.main_blocks,
		       sb.spare_sectors, sb.geo.remap_slots, sb.geo.pending_slots,
		       sb.geo.meta_blocks, sb.geo.remap_meta_blocks, sb.geo.meta_b,
		       sb.geo.data_start, sb.slot_size, sb.remap_meta_used,
		       sb.pending_meta_used, sb.main_sectors, sb.uuid, sb.main_id);
	} else if (!strcmp(argv[1], "sector") && argc == 5) {
		sb = load_sb();
		printf("%" PRIu64 "\n", meta_sector(&sb, argv[3], strtoul(argv[4], NULL, 0)));
	} else if (!strcmp(argv[1], "flip") && argc == 5) {
		sector = strtoull(argv[3], NULL, 0);
		rd(sector);
		blk[strtoul(argv[4], NULL, 0) % sizeof(blk)] ^= 0x55;
		wr(sector);
	} else if (!strcmp(argv[1], "entry") && argc == 8) {
		struct dmr_disk_entry *e;

		sb = load_sb();
		mark_used(&sb, strtoul(argv[4], NULL, 0));
		sector = meta_sector(&sb, argv[3], strtoul(argv[4], NULL, 0));
		rd(sector);
		e = (struct dmr_disk_entry *)(blk + sizeof(struct dmr_disk_meta_header));
		e += strtoul(argv[5], NULL, 0);
		e->block = cpu_to_le64(strtoull(argv[6], NULL, 0));
		e->state = cpu_to_le32(strtoul(argv[7], NULL, 0));
		fix_crc();
		wr(sector);
	} else if (!strcmp(argv[1], "sbfield") && argc == 6) {
		__le64 v = cpu_to_le64(strtoull(argv[5], NULL, 0));

		sector = argv[3][0] == 'b' ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR;
		rd(sector);
		memcpy(blk + strtoul(argv[4], NULL, 0), &v, sizeof(v));
		fix_crc();
		wr(sector);
	} else if (!strcmp(argv[1], "fill") && (argc == 4 || argc == 5)) {
		uint64_t n = strtoull(argv[3], NULL, 0), k;
		uint64_t stride = argc == 5 ? strtoull(argv[4], NULL, 0) : 1;
		uint64_t *slots;

		sb = load_sb();
		if (!stride || n > sb.geo.remap_slots ||
		    (n && (n - 1) > (sb.main_blocks - 1) / stride))
			die("more entries than slots or main blocks");
		slots = calloc(sb.geo.remap_slots, sizeof(*slots));
		if (!slots)
			die("out of memory");
		for (k = 0; k < n; k++)
			slots[k] = DMR_SLOT(k * stride, DMR_SLOT_REMAPPED);
		for (uint32_t i = 0; i < sb.geo.remap_meta_blocks; i++) {
			if (sb.version != DMR_FORMAT_V1 && i * DMR_ENTRIES_PER_BLOCK >= n)
				break;
			dmr_meta_encode(blk, &sb, 2, i, slots + dmr_meta_first_slot(&sb, i));
			wr(meta_sector(&sb, "a", i));
			wr(meta_sector(&sb, "b", i));
		}
		if (sb.version != DMR_FORMAT_V1 && n) {
			sb.remap_meta_used = (uint32_t)((n - 1) / DMR_ENTRIES_PER_BLOCK + 1);
			store_sb(&sb);
		}
		free(slots);
	} else {
		die("usage: see the source");
	}
	return 0;
}
