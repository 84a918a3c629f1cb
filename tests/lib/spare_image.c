// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Spare images for the dump tests (see spare_image.h).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "spare_image.h"

void spare_image_new(struct spare_image *im, u64 spare_sectors,
		     u32 block_size, u64 main_blocks, const char *uuid)
{
	int fd;

	memset(im, 0, sizeof(*im));
	snprintf(im->path, sizeof(im->path), "/tmp/dmr-spare-XXXXXX");
	fd = mkstemp(im->path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(spare_sectors << 9)), 0);
	close(fd);
	assert_int_equal(dmr_geometry(spare_sectors, block_size, &im->sb.geo), 0);
	/* A version 1 image: every block written, as old spares are. */
	im->sb.version = DMR_FORMAT_V1;
	im->sb.slot_size = block_size;
	im->sb.generation = 1;
	im->sb.format_id = 0x0123456789abcdefULL;
	im->sb.block_size = block_size;
	im->sb.main_blocks = main_blocks;
	im->sb.spare_sectors = spare_sectors;
	im->sb.created = 1700000000;
	snprintf(im->sb.uuid, sizeof(im->sb.uuid), "%s", uuid);
	im->remap = calloc(im->sb.geo.remap_slots, sizeof(u64));
	im->pending = calloc(im->sb.geo.pending_slots, sizeof(u64));
	im->gen = calloc(im->sb.geo.meta_blocks, sizeof(u64));
	assert_non_null(im->remap);
	assert_non_null(im->pending);
	assert_non_null(im->gen);
	for (u32 i = 0; i < im->sb.geo.meta_blocks; i++)
		im->gen[i] = 1;
}

static void pwrite_all(int fd, const void *buf, u64 sector)
{
	assert_int_equal(pwrite(fd, buf, DMR_META_BLOCK_SIZE, (off_t)(sector << 9)),
			 DMR_META_BLOCK_SIZE);
}

void spare_image_write(const struct spare_image *im)
{
	static unsigned char block[DMR_META_BLOCK_SIZE];
	int fd = open(im->path, O_WRONLY);
	u32 i;

	assert_true(fd >= 0);
	for (i = 0; i < im->sb.geo.meta_blocks; i++) {
		dmr_meta_encode(block, &im->sb, im->gen[i], i,
				(dmr_meta_is_remap(&im->sb, i) ? im->remap : im->pending) +
				dmr_meta_first_slot(&im->sb, i));
		pwrite_all(fd, block, DMR_META_A_SECTOR + 8ULL * i);
		pwrite_all(fd, block, im->sb.geo.meta_b + 8ULL * i);
	}
	dmr_sb_encode(&im->sb, block);
	pwrite_all(fd, block, DMR_SB_A_SECTOR);
	pwrite_all(fd, block, DMR_SB_B_SECTOR);
	close(fd);
}

static void flip(const char *path, u64 sector, unsigned int byte)
{
	int fd = open(path, O_RDWR);
	unsigned char c;
	off_t off = (off_t)(sector << 9) + byte;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

void spare_image_corrupt_meta(const struct spare_image *im, u32 index, int copy)
{
	flip(im->path, (copy ? im->sb.geo.meta_b : DMR_META_A_SECTOR) + 8ULL * index,
	     100);
}

void spare_image_corrupt_sb(const struct spare_image *im, int copy)
{
	flip(im->path, copy ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR, 20);
}

void spare_image_free(struct spare_image *im)
{
	unlink(im->path);
	free(im->remap);
	free(im->pending);
	free(im->gen);
}
