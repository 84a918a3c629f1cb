/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dm-remap on-disk format, versions 1 and 2.  Shared by the kernel target
 * and by userspace (libdmremap, tests) unchanged: fixed-width little-endian
 * fields only, no kernel-only types.  docs/FORMAT.md describes it in prose.
 *
 * Spare device layout, in 512-byte sectors:
 *
 *   0                superblock, copy A            (one 4 KiB block)
 *   8                superblock, copy B            (one 4 KiB block)
 *   16               metadata copy A               (meta_blocks 4 KiB blocks)
 *   meta_b           metadata copy B               (meta_blocks 4 KiB blocks)
 *   data_start       spare block 0, 1, ...         (slot_size bytes apart)
 *
 * Metadata block i of a copy holds entries i*DMR_ENTRIES_PER_BLOCK onwards
 * of one of two slot arrays: the first remap_meta_blocks blocks hold the
 * remap slots (slot k describes spare block k), the others the pending
 * slots (a set of main blocks that failed a read).  Each block carries a
 * crc32c, the generation of the commit that wrote it and its own index; the
 * copy with the valid crc and the higher generation wins.
 *
 * Version 2 sizes everything by use: a format writes only the superblocks,
 * and only the metadata blocks below remap_meta_used and pending_meta_used
 * (both copies of each written before the superblock counts them) are ever
 * read.  Its spare blocks are slot_size apart (the spare's physical block
 * when that is larger than a block), and it records the main device's
 * identity.  Version 1 spares (every metadata block written at format,
 * slot_size = block_size) still load and stay version 1.
 */
#ifndef DM_REMAP_FORMAT_H
#define DM_REMAP_FORMAT_H

#include <linux/types.h>

#define DMR_FORMAT_V1		1
#define DMR_FORMAT_VERSION	2	/* written by a format */
#define DMR_SB_MAGIC		0x50414d4552524d44ULL	/* "DMRREMAP" */
#define DMR_META_MAGIC		0x4154454dU		/* "META" */

#define DMR_META_BLOCK_SIZE	4096
#define DMR_META_BLOCK_SECTORS	(DMR_META_BLOCK_SIZE >> 9)
#define DMR_SB_A_SECTOR		0
#define DMR_SB_B_SECTOR		DMR_META_BLOCK_SECTORS
#define DMR_META_A_SECTOR	(2 * DMR_META_BLOCK_SECTORS)
#define DMR_UUID_LEN		128
#define DMR_MAIN_ID_LEN		128

/* Superblock state flags. */
#define DMR_STATE_METADATA_FAILED	(1U << 0)	/* a metadata write failed */
#define DMR_STATE_KNOWN			DMR_STATE_METADATA_FAILED

/* No feature flags are defined in versions 1 and 2: any bit set is refused. */
#define DMR_INCOMPAT_KNOWN	0U

struct dmr_disk_sb {
	__le32 csum;		/* crc32c of bytes 4..4095 of the block */
	__le32 version;		/* DMR_FORMAT_VERSION */
	__le64 magic;		/* DMR_SB_MAGIC */
	__le64 generation;	/* bumped on every superblock write */
	__le64 format_id;	/* random at format; in every metadata block */
	__le32 incompat_features;
	__le32 compat_features;
	__le32 state;		/* DMR_STATE_* */
	__le32 block_size;	/* bytes: main's logical block size */
	__le64 main_blocks;	/* blocks of main covered by the target */
	__le64 spare_sectors;	/* spare size the layout was made for */
	__le64 remap_slots;	/* spare data blocks */
	__le64 pending_slots;
	__le32 meta_blocks;	/* metadata blocks per copy */
	__le32 remap_meta_blocks; /* of which the first ones hold remap slots */
	__le64 meta_b;		/* sector of metadata copy B */
	__le64 data_start;	/* sector of spare block 0 */
	__le64 created;		/* seconds since the epoch, informational */
	char uuid[DMR_UUID_LEN]; /* dm UUID of the device, NUL-padded; may be empty */
	/* Version 2 only (zero in version 1). */
	__le32 slot_size;	/* bytes between spare blocks: >= block_size */
	__le32 remap_meta_used;	/* remap metadata blocks in use: [0, used) */
	__le32 pending_meta_used; /* pending metadata blocks in use */
	__le32 reserved;	/* must be 0 */
	__le64 main_sectors;	/* whole main device at format; 0 = unknown */
	char main_id[DMR_MAIN_ID_LEN]; /* main device identity, NUL-padded */
} __attribute__((packed));

/* The version 1 superblock ends at the uuid. */
#define DMR_SB_V1_SIZE	240

enum dmr_meta_kind {
	DMR_META_REMAP = 1,
	DMR_META_PENDING = 2,
};

struct dmr_disk_meta_header {
	__le32 csum;		/* crc32c of bytes 4..4095 of the block */
	__le32 magic;		/* DMR_META_MAGIC */
	__le64 format_id;	/* as in the superblock */
	__le64 generation;	/* commit that wrote this block */
	__le32 index;		/* block index within its copy */
	__le32 kind;		/* enum dmr_meta_kind */
} __attribute__((packed));

/* Remap slot states (slot k = spare block k). */
enum dmr_remap_slot {
	DMR_SLOT_FREE = 0,	/* never used: block must be 0 */
	DMR_SLOT_REMAPPED = 1,	/* holds main block `block` */
	DMR_SLOT_RETIRED = 2,	/* failed or superseded: never used again */
};

/* Pending slot states. */
enum dmr_pending_slot {
	DMR_PSLOT_FREE = 0,	/* block must be 0 */
	DMR_PSLOT_PENDING = 1,	/* main block `block` failed a read */
};

struct dmr_disk_entry {
	__le64 block;		/* main block number */
	__le32 state;		/* enum dmr_remap_slot or dmr_pending_slot */
	__le32 reserved;	/* must be 0 */
} __attribute__((packed));

#define DMR_ENTRIES_PER_BLOCK \
	((DMR_META_BLOCK_SIZE - sizeof(struct dmr_disk_meta_header)) / \
	 sizeof(struct dmr_disk_entry))

#endif
