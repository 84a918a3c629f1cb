// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_dump against spare images written with the kernel's codec: the
 * table, the copy choice, corruption, duplicate entries, blank spares.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "dmr-kcompat.h"
#include "dmremap.h"
#include "spare_image.h"

/* 2048 sectors, 512-byte blocks: 1872 remap slots in 8 blocks, 508 pending. */
#define SECTORS 2048
#define MAIN_BLOCKS 100000

static struct dmr_ctx *ctx;
static struct spare_image im;

static int setup(void **state)
{
	(void)state;
	spare_image_new(&im, SECTORS, 512, MAIN_BLOCKS, "DMREMAP-test");
	assert_int_equal(im.sb.geo.remap_meta_blocks, 8);
	assert_int_equal(im.sb.geo.meta_blocks, 10);
	/* Remap block 0: slots 0-253, block 1: 254-507; pending blocks 8, 9. */
	im.remap[0] = DMR_SLOT(10, DMR_SLOT_REMAPPED);
	im.remap[1] = DMR_SLOT(0, DMR_SLOT_RETIRED);
	im.remap[2] = DMR_SLOT(500, DMR_SLOT_REMAPPED);
	im.remap[5] = DMR_SLOT(20, DMR_SLOT_REMAPPED);	/* superseded: */
	im.remap[300] = DMR_SLOT(20, DMR_SLOT_REMAPPED);	/* newer block */
	im.gen[1] = 4;
	im.remap[1871] = DMR_SLOT(99999, DMR_SLOT_REMAPPED);	/* last slot */
	im.pending[0] = DMR_SLOT(77, DMR_PSLOT_PENDING);
	im.pending[3] = DMR_SLOT(10, DMR_PSLOT_PENDING);	/* also remapped */
	im.pending[300] = DMR_SLOT(77, DMR_PSLOT_PENDING);	/* duplicate */
	im.sb.generation = 7;
	spare_image_write(&im);
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	spare_image_free(&im);
	dmr_ctx_free(ctx);
	return 0;
}

static void check_entries(const struct dmr_dump *d)
{
	static const struct dmr_entry want[] = {
		{ sizeof(struct dmr_entry), 10, DMR_ENTRY_REMAPPED, 0 },
		{ sizeof(struct dmr_entry), 20, DMR_ENTRY_REMAPPED, 300 },
		{ sizeof(struct dmr_entry), 77, DMR_ENTRY_PENDING, 0 },
		{ sizeof(struct dmr_entry), 500, DMR_ENTRY_REMAPPED, 2 },
		{ sizeof(struct dmr_entry), 99999, DMR_ENTRY_REMAPPED, 1871 },
	};
	size_t i;

	assert_int_equal(d->nr_entries, 5);
	assert_int_equal(d->size, sizeof(*d));
	assert_null(dmr_dump_entry(d, 5));
	for (i = 0; i < 5; i++) {
		assert_int_equal(dmr_dump_entry(d, i)->block, want[i].block);
		assert_int_equal(dmr_dump_entry(d, i)->state, want[i].state);
		assert_int_equal(dmr_dump_entry(d, i)->spare_block, want[i].spare_block);
	}
	/* Slot 1 retired on disk, slot 5 superseded by slot 300. */
	assert_int_equal(d->retired, 2);
}

static void test_dump(void **state)
{
	struct dmr_dump *d;

	(void)state;
	assert_int_equal(dmr_dump(ctx, im.path, &d), 0);
	assert_string_equal(d->spare_path, im.path);
	assert_int_equal(d->format_version, 1);
	assert_true(d->sb_a_valid);
	assert_true(d->sb_b_valid);
	assert_int_equal(d->generation, 7);
	assert_int_equal(d->state, 0);
	assert_false(d->metadata_failed);
	assert_int_equal(d->block_size, 512);
	assert_int_equal(d->main_blocks, MAIN_BLOCKS);
	assert_int_equal(d->spare_sectors, SECTORS);
	assert_int_equal(d->spare_start, 176);
	assert_int_equal(d->remap_slots, 1872);
	assert_int_equal(d->pending_slots, 508);
	assert_int_equal(d->meta_blocks, 10);
	assert_int_equal(d->created, 1700000000);
	assert_string_equal(d->uuid, "DMREMAP-test");
	assert_int_equal(d->bad_meta_copies, 0);
	check_entries(d);
	dmr_dump_free(d);
}

static void test_copy_a_corrupt(void **state)
{
	struct dmr_dump *d;

	(void)state;
	spare_image_corrupt_meta(&im, 0, 0);
	spare_image_corrupt_meta(&im, 8, 0);
	spare_image_corrupt_meta(&im, 9, 1);
	assert_int_equal(dmr_dump(ctx, im.path, &d), 0);
	assert_int_equal(d->bad_meta_copies, 3);
	check_entries(d);
	dmr_dump_free(d);
}

static void test_both_copies_corrupt(void **state)
{
	struct dmr_dump *d = (struct dmr_dump *)1;

	(void)state;
	spare_image_corrupt_meta(&im, 1, 0);
	spare_image_corrupt_meta(&im, 1, 1);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -EBADMSG);
	assert_null(d);
	assert_non_null(strstr(dmr_error(ctx),
			       "both copies of metadata block 1 of"));
	assert_non_null(strstr(dmr_error(ctx), "checksum mismatch"));
}

static void test_superblock_copies(void **state)
{
	struct dmr_dump *d;

	(void)state;
	spare_image_corrupt_sb(&im, 0);
	assert_int_equal(dmr_dump(ctx, im.path, &d), 0);
	assert_false(d->sb_a_valid);
	assert_true(d->sb_b_valid);
	check_entries(d);
	dmr_dump_free(d);
	spare_image_corrupt_sb(&im, 1);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -EBADMSG);
	assert_non_null(strstr(dmr_error(ctx), "both superblock copies"));
}

static void test_newer_copy_b(void **state)
{
	struct dmr_dump *d;
	unsigned char block[DMR_META_BLOCK_SIZE];
	int fd;

	(void)state;
	/* Copy B of block 0 is a newer commit: slot 7 remapped. */
	im.remap[7] = DMR_SLOT(30, DMR_SLOT_REMAPPED);
	dmr_meta_encode(block, &im.sb, 9, 0, im.remap);
	fd = open(im.path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, block, sizeof(block),
				(off_t)(im.sb.geo.meta_b << 9)), sizeof(block));
	close(fd);
	assert_int_equal(dmr_dump(ctx, im.path, &d), 0);
	assert_int_equal(d->bad_meta_copies, 0);
	assert_int_equal(d->nr_entries, 6);
	assert_int_equal(dmr_dump_entry(d, 2)->block, 30);
	assert_int_equal(dmr_dump_entry(d, 2)->spare_block, 7);
	dmr_dump_free(d);
}

static void test_same_commit_duplicate(void **state)
{
	struct dmr_dump *d;

	(void)state;
	im.gen[1] = 1;			/* slots 5 and 300 now both generation 1 */
	spare_image_write(&im);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -EBADMSG);
	assert_non_null(strstr(dmr_error(ctx), "block 20 is remapped twice"));
}

static void test_metadata_failed(void **state)
{
	struct dmr_dump *d;

	(void)state;
	im.sb.state = DMR_STATE_METADATA_FAILED;
	spare_image_write(&im);
	assert_int_equal(dmr_dump(ctx, im.path, &d), 0);
	assert_true(d->metadata_failed);
	assert_int_equal(d->state, DMR_STATE_METADATA_FAILED);
	dmr_dump_free(d);
}

static void test_blank_and_small(void **state)
{
	struct dmr_dump *d;
	int fd;

	(void)state;
	fd = open(im.path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SECTORS << 9), 0);
	close(fd);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -ENODATA);
	assert_non_null(strstr(dmr_error(ctx), "has no dm-remap superblock"));
	fd = open(im.path, O_WRONLY | O_TRUNC);
	assert_int_equal(ftruncate(fd, 100), 0);
	close(fd);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -ENODATA);
	assert_non_null(strstr(dmr_error(ctx), "too small"));
}

static void test_truncated_table(void **state)
{
	struct dmr_dump *d;

	(void)state;
	assert_int_equal(truncate(im.path, 40 << 9), 0);
	assert_int_equal(dmr_dump(ctx, im.path, &d), -EIO);
	assert_non_null(strstr(dmr_error(ctx), "ends before sector"));
}

static void test_bad_paths(void **state)
{
	struct dmr_dump *d;

	(void)state;
	assert_int_equal(dmr_dump(ctx, "/nonexistent/spare", &d), -ENOENT);
	assert_non_null(strstr(dmr_error(ctx), "/nonexistent/spare"));
	assert_int_equal(dmr_dump(ctx, "/tmp", &d), -EINVAL);
	assert_int_equal(dmr_dump(ctx, "", &d), -EINVAL);
	assert_int_equal(dmr_dump(ctx, im.path, NULL), -EINVAL);
}

static void test_block_device_absent(void **state)
{
	char node[80];
	struct dmr_dump *d;

	(void)state;
	/* A block device node whose device does not exist cannot be opened. */
	snprintf(node, sizeof(node), "%s.blk", im.path);
	if (mknod(node, S_IFBLK | 0600, makedev(250, 250)))
		skip();
	assert_int_equal(dmr_dump(ctx, node, &d), -ENXIO);
	assert_non_null(strstr(dmr_error(ctx), "cannot open"));
	unlink(node);
}

/* The constant CRC-32C table is the bitwise definition, entry by entry. */
static void test_crc32c_table(void **state)
{
	unsigned int i, k;
	u32 want;
	u8 b;

	(void)state;
	for (i = 0; i < 256; i++) {
		want = i;
		for (k = 0; k < 8; k++)
			want = want & 1 ? (want >> 1) ^ 0x82f63b78U : want >> 1;
		b = (u8)i;
		assert_int_equal(crc32c(0, &b, 1), want);
	}
	assert_int_equal(~crc32c(~0U, "123456789", 9), 0xe3069283U);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dump),
		T(test_copy_a_corrupt),
		T(test_both_copies_corrupt),
		T(test_superblock_copies),
		T(test_newer_copy_b),
		T(test_same_commit_duplicate),
		T(test_metadata_failed),
		T(test_blank_and_small),
		T(test_truncated_table),
		T(test_bad_paths),
		T(test_block_device_absent),
		T(test_crc32c_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
