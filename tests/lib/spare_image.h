/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spare images for the dump tests, written with the kernel's codec.
 */
#ifndef SPARE_IMAGE_H
#define SPARE_IMAGE_H

#include "dm-remap-codec.h"

struct spare_image {
	char path[64];
	struct dmr_sb sb;
	u64 *remap, *pending;		/* slot arrays (DMR_SLOT values) */
	u64 *gen;			/* generation per metadata block */
};

/* A formatted image in a temporary file: all slots FREE, generation 1. */
void spare_image_new(struct spare_image *im, u64 spare_sectors,
		     u32 block_size, u64 main_blocks, const char *uuid);
/* Write both superblock copies and every metadata block, both copies. */
void spare_image_write(const struct spare_image *im);
/* Flip one byte of a metadata block copy (0 = A, 1 = B) or superblock. */
void spare_image_corrupt_meta(const struct spare_image *im, u32 index, int copy);
void spare_image_corrupt_sb(const struct spare_image *im, int copy);
void spare_image_free(struct spare_image *im);

#endif
