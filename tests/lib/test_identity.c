// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device identities, WWN=/SERIAL=/FORMAT_ID= resolution and matching,
 * against a fake sysfs tree (ctx->sysfs) and, where a /dev node is needed,
 * a loop device of the host whose device number the fake tree describes.
 */
#include <fcntl.h>
#include <limits.h>
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

#include "dm-remap-codec.h"
#include "dmr-internal.h"
#include "fake_dm.h"

static struct dmr_ctx *ctx;
static char root[] = "/tmp/dmr-sysfs-XXXXXX";
static char img[64], loopdev[64];
static unsigned int loop_major, loop_minor;

static void put(const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	*strrchr(cmd, '/') = '\0';
	strcat(cmd, "'");
	assert_int_equal(system(cmd), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void puts_(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}

/* A block device of the fake tree: devices/<dir>, dev/block/M:m, class/block. */
static void dev(const char *dir, unsigned int ma, unsigned int mi)
{
	char rel[PATH_MAX], link[PATH_MAX], target[PATH_MAX], num[32];
	const char *name = strrchr(dir, '/') + 1;

	snprintf(rel, sizeof(rel), "devices/%s/dev", dir);
	snprintf(num, sizeof(num), "%u:%u\n", ma, mi);
	puts_(rel, num);
	snprintf(rel, sizeof(rel), "devices/%s/size", dir);
	puts_(rel, "2048\n");
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", root, ma, mi);
	snprintf(target, sizeof(target), "../../devices/%s", dir);
	mkdir(strcat(strcpy(rel, root), "/dev"), 0755);
	mkdir(strcat(strcpy(rel, root), "/dev/block"), 0755);
	assert_int_equal(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/class/block/%s", root, name);
	mkdir(strcat(strcpy(rel, root), "/class"), 0755);
	mkdir(strcat(strcpy(rel, root), "/class/block"), 0755);
	assert_int_equal(symlink(target, link), 0);
}

static int group_setup(void **state)
{
	static const unsigned char pg80[] = { 0, 0x80, 0, 10, ' ', 'Z', 'A', '1', ' ',
					      'B', 'C', 'D', ' ', ' ' };
	char rel[PATH_MAX], cmd[160];
	struct stat st;
	FILE *p;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* SCSI disk: WWID wins over its serial; one partition. */
	dev("pci0/host0/target0/0:0:0:0/block/sda", 8, 0);
	puts_("devices/pci0/host0/target0/0:0:0:0/block/sda/device/wwid",
	      "naa.5000c500a1b2c3d4\n");
	puts_("devices/pci0/host0/target0/0:0:0:0/block/sda/device/serial", "S1\n");
	dev("pci0/host0/target0/0:0:0:0/block/sda/sda1", 8, 1);
	puts_("devices/pci0/host0/target0/0:0:0:0/block/sda/sda1/partition", "1\n");
	/* SATA with a T10 id: blanks become '_'. */
	dev("pci0/ata1/block/sdc", 8, 32);
	puts_("devices/pci0/ata1/block/sdc/device/wwid",
	      "t10.ATA     QEMU HARDDISK                           QM00001 \n");
	/* VPD page 0x80 only. */
	dev("pci0/host1/block/sdb", 8, 16);
	put("devices/pci0/host1/block/sdb/device/vpd_pg80", pg80, sizeof(pg80));
	/* NVMe: the wwid is on the block device itself. */
	dev("pci0/nvme/nvme0/nvme0n1", 259, 0);
	puts_("devices/pci0/nvme/nvme0/nvme0n1/wwid", "eui.0025388b71b1e3a5\n");
	puts_("devices/pci0/nvme/nvme0/nvme0n1/device/serial", "NVMESER\n");
	/* virtio with a serial, and without one. */
	dev("pci0/virtio1/block/vda", 252, 0);
	puts_("devices/pci0/virtio1/block/vda/serial", "my disk 1\n");
	dev("pci0/virtio2/block/vdb", 252, 16);
	/* device-mapper with and without a UUID; a loop; null_blk. */
	dev("virtual/block/dm-0", 253, 0);
	puts_("devices/virtual/block/dm-0/dm/uuid", "LVM-abcdef\n");
	puts_("devices/virtual/block/dm-0/dm/name", "vg-lv\n");
	dev("virtual/block/dm-1", 253, 1);
	puts_("devices/virtual/block/dm-1/dm/name", "failing\n");
	puts_("devices/virtual/block/dm-1/dm/uuid", "\n");
	dev("virtual/block/loop7", 7, 7);
	puts_("devices/virtual/block/loop7/loop/backing_file", "/var/lib/img/main.img\n");
	dev("virtual/block/nullb0", 250, 0);

	/* A real node for matching: a loop device the tree calls a SCSI disk. */
	snprintf(img, sizeof(img), "/tmp/dmr-identity-XXXXXX");
	fd = mkstemp(img);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null", img);
	p = popen(cmd, "r");
	if (p && fgets(loopdev, sizeof(loopdev), p))
		loopdev[strcspn(loopdev, "\n")] = '\0';
	if (p)
		pclose(p);
	if (loopdev[0] && !stat(loopdev, &st)) {
		loop_major = major(st.st_rdev);
		loop_minor = minor(st.st_rdev);
		snprintf(rel, sizeof(rel), "pci0/host9/block/%s", loopdev + 5);
		dev(rel, loop_major, loop_minor);
		snprintf(rel, sizeof(rel), "devices/pci0/host9/block/%s/device/wwid",
			 loopdev + 5);
		puts_(rel, "naa.600a0b8000000001\n");
		snprintf(rel, sizeof(rel), "devices/pci0/host9/block/%s/device/serial",
			 loopdev + 5);
		puts_(rel, "LOOPSERIAL 9\n");
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[PATH_MAX];

	(void)state;
	if (loopdev[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", loopdev);
		assert_int_equal(system(cmd), 0);
	}
	unlink(img);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	fake_cleanup();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (dmr_ctx_new(&ctx))
		return -1;
	snprintf(ctx->sysfs, sizeof(ctx->sysfs), "%s", root);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dmr_ctx_free(ctx);
	return 0;
}

static void id_is(unsigned int ma, unsigned int mi, const char *want)
{
	char id[DMR_ID_MAX + 1];

	assert_int_equal(dmri_identity(ctx, ma, mi, id, sizeof(id)), 0);
	assert_string_equal(id, want);
}

static void test_identity_order(void **state)
{
	char id[DMR_ID_MAX + 1];

	(void)state;
	id_is(8, 0, "wwid:naa.5000c500a1b2c3d4");
	id_is(8, 1, "wwid:naa.5000c500a1b2c3d4-part1");
	id_is(8, 32, "wwid:t10.ATA_QEMU_HARDDISK_QM00001");
	id_is(8, 16, "serial:ZA1_BCD");
	id_is(259, 0, "wwid:eui.0025388b71b1e3a5");
	id_is(252, 0, "serial:my_disk_1");
	id_is(252, 16, "name:vdb");
	id_is(253, 0, "dm-uuid:LVM-abcdef");
	id_is(253, 1, "dm-name:failing");
	id_is(7, 7, "loop:/var/lib/img/main.img");
	id_is(250, 0, "name:nullb0");
	assert_int_equal(dmri_identity(ctx, 9, 9, id, sizeof(id)), -ENODEV);
	assert_true(dmr_identity_is_strong("wwid:naa.1"));
	assert_true(dmr_identity_is_strong("loop:/x"));
	assert_false(dmr_identity_is_strong("name:nullb0"));
	assert_false(dmr_identity_is_strong(""));
	assert_false(dmr_identity_is_strong(NULL));
}

static void test_wwn_and_serial(void **state)
{
	char w[256];

	(void)state;
	dmri_normalise_wwn("0x5000C500A1B2C3D4", w, sizeof(w));
	assert_string_equal(w, "5000c500a1b2c3d4");
	dmri_normalise_wwn("wwn-0x5000c500a1b2c3d4", w, sizeof(w));
	assert_string_equal(w, "5000c500a1b2c3d4");
	dmri_normalise_wwn("naa.5000C500A1B2C3D4", w, sizeof(w));
	assert_string_equal(w, "5000c500a1b2c3d4");
	dmri_normalise_wwn("eui.0025388B71B1E3A5", w, sizeof(w));
	assert_string_equal(w, "0025388b71b1e3a5");
	dmri_wwn(ctx, 8, 0, w, sizeof(w));
	assert_string_equal(w, "5000c500a1b2c3d4");
	dmri_wwn(ctx, 8, 1, w, sizeof(w));	/* partitions have none */
	assert_string_equal(w, "");
	assert_true(dmri_serial_matches(ctx, 8, 0, "S1"));
	assert_true(dmri_serial_matches(ctx, 8, 16, "ZA1 BCD"));
	assert_true(dmri_serial_matches(ctx, 8, 16, "ZA1_BCD"));
	assert_true(dmri_serial_matches(ctx, 252, 0, "my_disk_1"));
	assert_true(dmri_serial_matches(ctx, 259, 0, "NVMESER"));
	assert_false(dmri_serial_matches(ctx, 8, 0, "S2"));
	assert_false(dmri_serial_matches(ctx, 8, 1, "S1"));
}

static void test_device_identity_public(void **state)
{
	char id[DMR_ID_MAX + 1];
	uint64_t sectors = 0;

	(void)state;
	if (!loopdev[0])
		skip();
	assert_int_equal(dmr_device_identity(ctx, loopdev, id, &sectors), 0);
	assert_string_equal(id, "wwid:naa.600a0b8000000001");
	assert_int_equal(sectors, 2048);
	assert_int_equal(dmr_device_identity(ctx, "/nonexistent", id, NULL), -ENOENT);
	assert_int_equal(dmr_device_identity(ctx, img, id, NULL), -ENOTBLK);
}

static void test_matches_and_resolve(void **state)
{
	char path[PATH_MAX];

	(void)state;
	if (!loopdev[0])
		skip();
	assert_int_equal(dmr_device_matches(ctx, "WWN=0x600A0B8000000001", loopdev), 1);
	assert_int_equal(dmr_device_matches(ctx, "WWN=naa.600a0b8000000001", loopdev), 1);
	assert_int_equal(dmr_device_matches(ctx, "WWN=0x5000c500a1b2c3d4", loopdev), 0);
	assert_int_equal(dmr_device_matches(ctx, "SERIAL=LOOPSERIAL_9", loopdev), 1);
	assert_int_equal(dmr_device_matches(ctx, "SERIAL=other", loopdev), 0);
	assert_int_equal(dmr_device_matches(ctx, loopdev, loopdev), 1);
	assert_int_equal(dmr_device_matches(ctx, "/dev/null", loopdev), 0);
	assert_int_equal(dmr_device_matches(ctx, "FORMAT_ID=0123456789abcdef", loopdev), 0);
	assert_int_equal(dmr_device_matches(ctx, "LABEL=x", loopdev), -EINVAL);

	assert_int_equal(dmr_resolve_device(ctx, "WWN=0x600a0b8000000001", false,
					    path, sizeof(path)), 0);
	assert_string_equal(path, loopdev);
	assert_int_equal(dmr_resolve_device(ctx, "SERIAL=LOOPSERIAL 9", false,
					    path, sizeof(path)), 0);
	assert_string_equal(path, loopdev);
	assert_int_equal(dmr_resolve_device(ctx, "WWN=0x1", false, path, sizeof(path)),
			 -ENOENT);
	assert_non_null(strstr(dmr_error(ctx), "no block device has WWN=0x1"));
	assert_int_equal(dmr_resolve_device(ctx, loopdev, false, path, sizeof(path)), 0);
	assert_string_equal(path, loopdev);
	assert_int_equal(dmr_resolve_device(ctx, "/nonexistent", true, path, sizeof(path)),
			 -ENOENT);
	assert_non_null(strstr(dmr_error(ctx), "spare /nonexistent"));
	assert_int_equal(dmr_resolve_device(ctx, "FORMAT_ID=xyz", true, path, sizeof(path)),
			 -EINVAL);
	assert_int_equal(dmr_resolve_device(ctx, "FORMAT_ID=0123456789abcdef", false,
					    path, sizeof(path)), -EINVAL);
}

/* FORMAT_ID= on the real sysfs: the loop device carrying that superblock. */
static void test_resolve_format_id(void **state)
{
	unsigned char block[DMR_META_BLOCK_SIZE];
	char path[PATH_MAX], copy[64] = "/tmp/dmr-identity-copy-XXXXXX", cmd[400];
	char copydev[64] = "";
	struct dmr_sb sb = { 0 };
	FILE *p;
	int fd;

	(void)state;
	if (!loopdev[0])
		skip();
	ctx->sysfs[0] = '\0';
	sb.version = DMR_FORMAT_VERSION;
	sb.block_size = sb.slot_size = 512;
	sb.spare_sectors = 2048;
	assert_int_equal(dmr_geometry(2048, 512, &sb.geo), 0);
	sb.generation = 1;
	sb.format_id = 0x5eed5eed00c0ffeeULL;
	sb.main_blocks = 100;
	dmr_sb_encode(&sb, block);
	fd = open(loopdev, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, block, sizeof(block), 0), sizeof(block));
	assert_int_equal(fsync(fd), 0);
	close(fd);
	assert_int_equal(dmr_resolve_device(ctx, "FORMAT_ID=5eed5eed00c0ffee", true,
					    path, sizeof(path)), 0);
	assert_string_equal(path, loopdev);
	assert_int_equal(dmr_device_matches(ctx, "FORMAT_ID=5EED5EED00C0FFEE", loopdev), 1);
	assert_int_equal(dmr_resolve_device(ctx, "FORMAT_ID=5eed5eed00c0fff0", true,
					    path, sizeof(path)), -ENOENT);
	/* A copy of the disk: ambiguous, refused. */
	fd = mkstemp(copy);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp %s %s && losetup -f --show %s", img, copy, copy);
	p = popen(cmd, "r");
	if (p && fgets(copydev, sizeof(copydev), p))
		copydev[strcspn(copydev, "\n")] = '\0';
	if (p)
		pclose(p);
	if (copydev[0]) {
		assert_int_equal(dmr_resolve_device(ctx, "FORMAT_ID=5eed5eed00c0ffee", true,
						    path, sizeof(path)), -EEXIST);
		assert_non_null(strstr(dmr_error(ctx), "a copied disk?"));
		snprintf(cmd, sizeof(cmd), "losetup -d %s", copydev);
		assert_int_equal(system(cmd), 0);
	}
	unlink(copy);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity_order),
		T(test_wwn_and_serial),
		T(test_device_identity_public),
		T(test_matches_and_resolve),
		T(test_resolve_format_id),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
