/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dm-remap metadata codec: layout computation, encoding, decoding and
 * validation of superblocks and metadata blocks, and the choice between
 * the two copies.  Pure computation on memory buffers, compiled into the
 * kernel module and, unchanged, into userspace (libdmremap and the tests,
 * which provide lib/dmr-kcompat.h).
 */
#ifndef DM_REMAP_CODEC_H
#define DM_REMAP_CODEC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "dmr-kcompat.h"
#endif

#include "dm-remap-format.h"

/* In-memory slot: (main block << 2) | state, for both slot arrays. */
#define DMR_SLOT(block, state)	(((u64)(block) << 2) | (state))
#define DMR_SLOT_BLOCK(s)	((s) >> 2)
#define DMR_SLOT_STATE(s)	((unsigned int)((s) & 3))

/* Largest main block a slot can name. */
#define DMR_MAX_BLOCKS		(~0ULL >> 2)

struct dmr_geometry {
	u64 remap_slots;	/* spare data blocks */
	u64 pending_slots;
	u32 meta_blocks;	/* per copy */
	u32 remap_meta_blocks;
	u64 meta_b;		/* sector */
	u64 data_start;		/* sector */
};

/* A decoded superblock. */
struct dmr_sb {
	u32 version;		/* DMR_FORMAT_V1 or DMR_FORMAT_VERSION */
	u64 generation;
	u64 format_id;
	u32 compat_features;	/* kept as found: unknown ones are harmless */
	u32 state;
	u32 block_size;
	u64 main_blocks;
	u64 spare_sectors;
	u64 created;
	struct dmr_geometry geo;
	char uuid[DMR_UUID_LEN + 1];
	/* Version 2 fields; for version 1 the values it implies. */
	u32 slot_size;		/* block_size in version 1 */
	u32 remap_meta_used;	/* all remap blocks in version 1 */
	u32 pending_meta_used;	/* all pending blocks in version 1 */
	u64 main_sectors;
	char main_id[DMR_MAIN_ID_LEN + 1];
};

enum dmr_pick {
	DMR_PICK_NONE,		/* neither copy is valid */
	DMR_PICK_A,
	DMR_PICK_B,
};

u32 dmr_block_csum(const void *block);

/*
 * Lay out a spare of @spare_sectors for spare blocks @slot_size bytes apart
 * (the superblock's slot_size; block_size in version 1).  Returns 0, or
 * -EINVAL if the size is invalid or the spare cannot hold the metadata and
 * at least one spare block.
 */
int dmr_geometry(u64 spare_sectors, u32 slot_size, struct dmr_geometry *g);

/* Pending metadata blocks of a layout. */
static inline u32 dmr_pending_meta_blocks(const struct dmr_geometry *g)
{
	return g->meta_blocks - g->remap_meta_blocks;
}

void dmr_sb_encode(const struct dmr_sb *sb, void *block);
bool dmr_sb_has_magic(const void *block);
/* Returns 0 or -EINVAL with *why set; the result is trusted only on 0. */
int dmr_sb_decode(const void *block, struct dmr_sb *sb, const char **why);

/* Metadata block @index: which array it belongs to and which slots. */
bool dmr_meta_is_remap(const struct dmr_sb *sb, u32 index);
u64 dmr_meta_first_slot(const struct dmr_sb *sb, u32 index);
u32 dmr_meta_nr_slots(const struct dmr_sb *sb, u32 index);

/*
 * Encode block @index from @slots, the dmr_meta_nr_slots() slots it holds
 * (slots[0] is slot dmr_meta_first_slot() of its array).
 */
void dmr_meta_encode(void *block, const struct dmr_sb *sb, u64 generation,
		     u32 index, const u64 *slots);
/*
 * Check block @index and, if valid, return its generation.  With @slots
 * non-NULL also decode its entries into it (as for dmr_meta_encode).
 * Returns 0 or -EINVAL.
 */
int dmr_meta_decode(const void *block, const struct dmr_sb *sb, u32 index,
		    u64 *generation, u64 *slots, const char **why);

/* Of two copies of a block (superblock or metadata), which to trust. */
enum dmr_pick dmr_pick_copy(bool a_ok, u64 a_gen, bool b_ok, u64 b_gen);

#endif
