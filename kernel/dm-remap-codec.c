// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dm-remap metadata codec (see dm-remap-codec.h).  Nothing here does I/O or
 * allocates: the same file is compiled into the kernel and userspace.
 */
#ifdef __KERNEL__
#include <linux/crc32c.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/string.h>
#endif

#include "dm-remap-codec.h"

#define EPB ((u32)DMR_ENTRIES_PER_BLOCK)

u32 dmr_block_csum(const void *block)
{
	return ~crc32c(~0U, (const u8 *)block + 4, DMR_META_BLOCK_SIZE - 4);
}

static bool dmr_block_size_valid(u32 bs)
{
	return bs >= 512 && bs <= 65536 && !(bs & (bs - 1));
}

/*
 * Sectors needed for @r spare blocks and their metadata (all ones if the
 * metadata would be too large to describe); fills @g.
 */
static u64 dmr_layout(u64 r, u32 bs_sectors, struct dmr_geometry *g)
{
	u64 pending = div_u64(r + 3, 4);
	u64 rm = div_u64(r + EPB - 1, EPB);
	u64 pm = div_u64(pending + EPB - 1, EPB);
	u64 align = bs_sectors > DMR_META_BLOCK_SECTORS ?
		    bs_sectors : DMR_META_BLOCK_SECTORS;
	u64 meta_end;

	/* Metadata block counts are 32-bit: such a layout never fits. */
	if (rm + pm > 0xffffffffULL)
		return ~0ULL;
	g->remap_slots = r;
	g->pending_slots = pm * EPB;
	g->remap_meta_blocks = (u32)rm;
	g->meta_blocks = (u32)(rm + pm);
	g->meta_b = DMR_META_A_SECTOR + (rm + pm) * DMR_META_BLOCK_SECTORS;
	meta_end = g->meta_b + (rm + pm) * DMR_META_BLOCK_SECTORS;
	g->data_start = div_u64(meta_end + align - 1, (u32)align) * align;
	return g->data_start + r * bs_sectors;
}

int dmr_geometry(u64 spare_sectors, u32 slot_size, struct dmr_geometry *g)
{
	u32 bs_sectors = slot_size >> 9;
	u64 lo = 1, hi, mid;
	struct dmr_geometry t;

	if (!dmr_block_size_valid(slot_size) || spare_sectors > (1ULL << 50))
		return -EINVAL;
	hi = div_u64(spare_sectors, bs_sectors);
	if (!hi || dmr_layout(1, bs_sectors, &t) > spare_sectors)
		return -EINVAL;
	/* The largest block count whose layout fits: need() is monotonic. */
	while (lo < hi) {
		mid = lo + div_u64(hi - lo + 1, 2);
		if (dmr_layout(mid, bs_sectors, &t) <= spare_sectors)
			lo = mid;
		else
			hi = mid - 1;
	}
	dmr_layout(lo, bs_sectors, g);
	return 0;
}

void dmr_sb_encode(const struct dmr_sb *sb, void *block)
{
	struct dmr_disk_sb *d = block;

	memset(block, 0, DMR_META_BLOCK_SIZE);
	d->version = cpu_to_le32(sb->version);
	d->magic = cpu_to_le64(DMR_SB_MAGIC);
	d->generation = cpu_to_le64(sb->generation);
	d->format_id = cpu_to_le64(sb->format_id);
	d->compat_features = cpu_to_le32(sb->compat_features);
	d->state = cpu_to_le32(sb->state);
	d->block_size = cpu_to_le32(sb->block_size);
	d->main_blocks = cpu_to_le64(sb->main_blocks);
	d->spare_sectors = cpu_to_le64(sb->spare_sectors);
	d->remap_slots = cpu_to_le64(sb->geo.remap_slots);
	d->pending_slots = cpu_to_le64(sb->geo.pending_slots);
	d->meta_blocks = cpu_to_le32(sb->geo.meta_blocks);
	d->remap_meta_blocks = cpu_to_le32(sb->geo.remap_meta_blocks);
	d->meta_b = cpu_to_le64(sb->geo.meta_b);
	d->data_start = cpu_to_le64(sb->geo.data_start);
	d->created = cpu_to_le64(sb->created);
	memcpy(d->uuid, sb->uuid, strnlen(sb->uuid, DMR_UUID_LEN));
	if (sb->version != DMR_FORMAT_V1) {
		d->slot_size = cpu_to_le32(sb->slot_size);
		d->remap_meta_used = cpu_to_le32(sb->remap_meta_used);
		d->pending_meta_used = cpu_to_le32(sb->pending_meta_used);
		d->main_sectors = cpu_to_le64(sb->main_sectors);
		memcpy(d->main_id, sb->main_id, strnlen(sb->main_id, DMR_MAIN_ID_LEN));
	}
	d->csum = cpu_to_le32(dmr_block_csum(block));
}

bool dmr_sb_has_magic(const void *block)
{
	const struct dmr_disk_sb *d = block;

	return le64_to_cpu(d->magic) == DMR_SB_MAGIC;
}

static int reject(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

/* The version 2 fields, checked against the layout. */
static int dmr_sb_decode_v2(const struct dmr_disk_sb *d, struct dmr_sb *sb,
			    const char **why)
{
	sb->slot_size = le32_to_cpu(d->slot_size);
	sb->remap_meta_used = le32_to_cpu(d->remap_meta_used);
	sb->pending_meta_used = le32_to_cpu(d->pending_meta_used);
	sb->main_sectors = le64_to_cpu(d->main_sectors);
	memcpy(sb->main_id, d->main_id, DMR_MAIN_ID_LEN);
	sb->main_id[DMR_MAIN_ID_LEN] = '\0';

	if (!dmr_block_size_valid(sb->slot_size) || sb->slot_size < sb->block_size)
		return reject(why, "superblock slot size invalid");
	if (d->reserved)
		return reject(why, "superblock reserved field set");
	return 0;
}

int dmr_sb_decode(const void *block, struct dmr_sb *sb, const char **why)
{
	const struct dmr_disk_sb *d = block;
	struct dmr_geometry g;
	int r;

	if (!dmr_sb_has_magic(block))
		return reject(why, "no dm-remap superblock");
	if (le32_to_cpu(d->csum) != dmr_block_csum(block))
		return reject(why, "superblock checksum mismatch");
	if (le32_to_cpu(d->version) != DMR_FORMAT_V1 &&
	    le32_to_cpu(d->version) != DMR_FORMAT_VERSION)
		return reject(why, "unsupported superblock version");
	if (le32_to_cpu(d->incompat_features) & ~DMR_INCOMPAT_KNOWN)
		return reject(why, "superblock has unknown incompatible features");
	if (le32_to_cpu(d->state) & ~DMR_STATE_KNOWN)
		return reject(why, "superblock has unknown state flags");

	memset(sb, 0, sizeof(*sb));
	sb->version = le32_to_cpu(d->version);
	sb->generation = le64_to_cpu(d->generation);
	sb->format_id = le64_to_cpu(d->format_id);
	sb->compat_features = le32_to_cpu(d->compat_features);
	sb->state = le32_to_cpu(d->state);
	sb->block_size = le32_to_cpu(d->block_size);
	sb->main_blocks = le64_to_cpu(d->main_blocks);
	sb->spare_sectors = le64_to_cpu(d->spare_sectors);
	sb->created = le64_to_cpu(d->created);
	sb->geo.remap_slots = le64_to_cpu(d->remap_slots);
	sb->geo.pending_slots = le64_to_cpu(d->pending_slots);
	sb->geo.meta_blocks = le32_to_cpu(d->meta_blocks);
	sb->geo.remap_meta_blocks = le32_to_cpu(d->remap_meta_blocks);
	sb->geo.meta_b = le64_to_cpu(d->meta_b);
	sb->geo.data_start = le64_to_cpu(d->data_start);
	memcpy(sb->uuid, d->uuid, DMR_UUID_LEN);
	sb->uuid[DMR_UUID_LEN] = '\0';

	if (!sb->main_blocks || sb->main_blocks > DMR_MAX_BLOCKS)
		return reject(why, "superblock main size out of range");
	if (!dmr_block_size_valid(sb->block_size))
		return reject(why, "superblock block size or spare size invalid");
	if (sb->version == DMR_FORMAT_V1) {
		sb->slot_size = sb->block_size;
	} else {
		r = dmr_sb_decode_v2(d, sb, why);
		if (r)
			return r;
	}
	/* The layout is a function of two fields: anything else is hostile. */
	if (dmr_geometry(sb->spare_sectors, sb->slot_size, &g))
		return reject(why, "superblock block size or spare size invalid");
	if (g.remap_slots != sb->geo.remap_slots ||
	    g.pending_slots != sb->geo.pending_slots ||
	    g.meta_blocks != sb->geo.meta_blocks ||
	    g.remap_meta_blocks != sb->geo.remap_meta_blocks ||
	    g.meta_b != sb->geo.meta_b || g.data_start != sb->geo.data_start)
		return reject(why, "superblock layout inconsistent");
	if (sb->version == DMR_FORMAT_V1) {
		/* A version 1 format wrote every metadata block. */
		sb->remap_meta_used = g.remap_meta_blocks;
		sb->pending_meta_used = dmr_pending_meta_blocks(&g);
	} else if (sb->remap_meta_used > g.remap_meta_blocks ||
		   sb->pending_meta_used > dmr_pending_meta_blocks(&g)) {
		return reject(why, "superblock metadata use beyond the layout");
	}
	return 0;
}

bool dmr_meta_is_remap(const struct dmr_sb *sb, u32 index)
{
	return index < sb->geo.remap_meta_blocks;
}

u64 dmr_meta_first_slot(const struct dmr_sb *sb, u32 index)
{
	if (!dmr_meta_is_remap(sb, index))
		index -= sb->geo.remap_meta_blocks;
	return (u64)index * EPB;
}

u32 dmr_meta_nr_slots(const struct dmr_sb *sb, u32 index)
{
	u64 total = dmr_meta_is_remap(sb, index) ? sb->geo.remap_slots :
						    sb->geo.pending_slots;
	u64 first = dmr_meta_first_slot(sb, index);

	return total - first < EPB ? (u32)(total - first) : EPB;
}

void dmr_meta_encode(void *block, const struct dmr_sb *sb, u64 generation,
		     u32 index, const u64 *slots)
{
	struct dmr_disk_meta_header *h = block;
	struct dmr_disk_entry *e = (struct dmr_disk_entry *)(h + 1);
	u32 i, n = dmr_meta_nr_slots(sb, index);

	memset(block, 0, DMR_META_BLOCK_SIZE);
	h->magic = cpu_to_le32(DMR_META_MAGIC);
	h->format_id = cpu_to_le64(sb->format_id);
	h->generation = cpu_to_le64(generation);
	h->index = cpu_to_le32(index);
	h->kind = cpu_to_le32(dmr_meta_is_remap(sb, index) ? DMR_META_REMAP :
							    DMR_META_PENDING);
	for (i = 0; i < n; i++) {
		e[i].block = cpu_to_le64(DMR_SLOT_BLOCK(slots[i]));
		e[i].state = cpu_to_le32(DMR_SLOT_STATE(slots[i]));
	}
	h->csum = cpu_to_le32(dmr_block_csum(block));
}

int dmr_meta_decode(const void *block, const struct dmr_sb *sb, u32 index,
		    u64 *generation, u64 *slots, const char **why)
{
	const struct dmr_disk_meta_header *h = block;
	const struct dmr_disk_entry *e = (const struct dmr_disk_entry *)(h + 1);
	bool remap = dmr_meta_is_remap(sb, index);
	u32 max_state = remap ? DMR_SLOT_RETIRED : DMR_PSLOT_PENDING;
	u32 i, n = dmr_meta_nr_slots(sb, index);
	u64 blk;
	u32 st;

	if (le32_to_cpu(h->magic) != DMR_META_MAGIC)
		return reject(why, "metadata block magic mismatch");
	if (le32_to_cpu(h->csum) != dmr_block_csum(block))
		return reject(why, "metadata block checksum mismatch");
	if (le64_to_cpu(h->format_id) != sb->format_id)
		return reject(why, "metadata block from another format");
	if (le32_to_cpu(h->index) != index)
		return reject(why, "metadata block index mismatch");
	if (le32_to_cpu(h->kind) != (remap ? DMR_META_REMAP : DMR_META_PENDING))
		return reject(why, "metadata block kind mismatch");

	for (i = 0; i < EPB; i++) {
		blk = le64_to_cpu(e[i].block);
		st = le32_to_cpu(e[i].state);
		if (e[i].reserved)
			return reject(why, "metadata entry reserved field set");
		if (i >= n) {
			if (blk || st)
				return reject(why, "metadata entry beyond the slot count");
			continue;
		}
		if (st > max_state)
			return reject(why, "metadata entry state invalid");
		if (st == DMR_SLOT_FREE ? blk != 0 : blk >= sb->main_blocks)
			return reject(why, "metadata entry block out of range");
	}

	if (slots) {
		for (i = 0; i < n; i++)
			slots[i] = DMR_SLOT(le64_to_cpu(e[i].block),
					    le32_to_cpu(e[i].state));
	}
	*generation = le64_to_cpu(h->generation);
	return 0;
}

enum dmr_pick dmr_pick_copy(bool a_ok, u64 a_gen, bool b_ok, u64 b_gen)
{
	if (a_ok && (!b_ok || a_gen >= b_gen))
		return DMR_PICK_A;
	if (b_ok)
		return DMR_PICK_B;
	return DMR_PICK_NONE;
}
