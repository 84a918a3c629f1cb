// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a device already holds, before anything is written to it: libblkid
 * (filesystems, partition tables, RAID/LVM/ZFS/crypto members, as mkfs,
 * wipefs and cryptsetup's format see them) and dm-remap's own superblock,
 * which libblkid does not know.
 */
#include <blkid.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm-remap-codec.h"
#include "dmr-internal.h"

#ifndef BLKID_SUBLKS_BADCSUM
#define BLKID_SUBLKS_BADCSUM 0
#endif

/* Bounds the wipe loop: a signature that will not go away is an error. */
#define MAX_SIGNATURES 64

int dmri_read_sb(int fd, struct dmr_sb *sb)
{
	unsigned char buf[2 * DMR_META_BLOCK_SIZE];
	struct dmr_sb s[2];
	const char *why;
	bool ok[2];
	int i;

	memset(buf, 0, sizeof(buf));
	if (pread(fd, buf, sizeof(buf), 0) < (ssize_t)DMR_META_BLOCK_SIZE)
		return -ENODATA;
	if (!dmr_sb_has_magic(buf) && !dmr_sb_has_magic(buf + DMR_META_BLOCK_SIZE))
		return -ENODATA;
	for (i = 0; i < 2; i++)
		ok[i] = !dmr_sb_decode(buf + i * DMR_META_BLOCK_SIZE, &s[i], &why);
	switch (dmr_pick_copy(ok[0], s[0].generation, ok[1], s[1].generation)) {
	case DMR_PICK_A:
		*sb = s[0];
		return 0;
	case DMR_PICK_B:
		*sb = s[1];
		return 0;
	default:
		return -EBADMSG;
	}
}

static void add(char *what, size_t size, const char *fmt, const char *a,
		const char *b, const char *c)
{
	size_t n = strlen(what);

	if (n && n + 2 < size) {
		memcpy(what + n, "; ", 3);
		n += 2;
	}
	if (n < size)
		snprintf(what + n, size - n, fmt, a, b, c);
}

/* One signature libblkid found, in words. */
static void describe(blkid_probe pr, char *what, size_t size)
{
	const char *type = NULL, *usage = NULL, *label = NULL, *uuid = NULL;
	char extra[256] = "";

	if (!blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL)) {
		add(what, size, "a %s partition table%s%s", type, "", "");	/* gpt, dos, ... */
		return;
	}
	if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL))
		type = "unknown";
	if (blkid_probe_lookup_value(pr, "USAGE", &usage, NULL))
		usage = "";
	if (!blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) && *uuid)
		snprintf(extra, sizeof(extra), " UUID %s", uuid);
	if (!blkid_probe_lookup_value(pr, "LABEL", &label, NULL) && *label)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "%s LABEL %s", extra[0] ? "," : "", label);
	if (!strcmp(usage, "filesystem"))
		add(what, size, strchr("aeiouAEIOU", type[0]) ? "an %s filesystem%s%s" :
		    "a %s filesystem%s%s", type, extra[0] ? " (" : "",
		    extra[0] ? extra + 1 : "");
	else
		add(what, size, strchr("aeiouAEIOU", type[0]) ? "an %s signature%s%s" :
		    "a %s signature%s%s", type, extra[0] ? " (" : "",
		    extra[0] ? extra + 1 : "");
	if (extra[0] && strlen(what) + 1 < size)
		strcat(what, ")");
}

int dmri_probe_fd(struct dmr_ctx *ctx, int fd, const char *path, char *what,
		  size_t size, bool wipe)
{
	bool table = false;
	blkid_probe pr;
	int found = 0, r;

	what[0] = '\0';
	pr = blkid_new_probe();
	if (!pr)
		return dmri_fail(ctx, ENOMEM, "cannot start libblkid on %s", path);
	if (blkid_probe_set_device(pr, fd, 0, 0)) {
		blkid_free_probe(pr);
		return dmri_fail(ctx, EIO, "libblkid cannot probe %s", path);
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
					  BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
					  BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	while ((r = blkid_do_probe(pr)) == 0) {
		const char *pt;

		if (++found > MAX_SIGNATURES) {
			blkid_free_probe(pr);
			return dmri_fail(ctx, EIO, "cannot wipe the signatures on %s (%s)",
					 path, what);
		}
		if (!blkid_probe_lookup_value(pr, "PTTYPE", &pt, NULL))
			table = true;
		describe(pr, what, size);
		if (wipe && blkid_do_wipe(pr, 0)) {
			blkid_free_probe(pr);
			return dmri_fail(ctx, EIO, "cannot wipe the signatures on %s: %s",
					 path, strerror(errno));
		}
	}
	blkid_free_probe(pr);
	if (r < 0)
		return dmri_fail(ctx, EIO, "libblkid failed to probe %s", path);
	/* The kernel forgets the partitions of a wiped table (best effort). */
	if (wipe && table) {
		fsync(fd);
		ioctl(fd, BLKRRPART);
	}
	return found > 0;
}

DMR_EXPORT int dmr_probe_signatures(struct dmr_ctx *ctx, const char *dev,
				    char *what, size_t size)
{
	char found[512];
	struct dmr_sb sb;
	int fd, r, s;

	dmri_clear(ctx);
	if (!what || !size)
		return dmri_fail(ctx, EINVAL, "no result buffer");
	what[0] = '\0';
	if (!dev || !*dev)
		return dmri_fail(ctx, EINVAL, "no device given");
	fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return dmri_fail(ctx, errno, "cannot open %s: %s", dev, strerror(errno));
	s = dmri_read_sb(fd, &sb);
	r = dmri_probe_fd(ctx, fd, dev, found, sizeof(found), false);
	close(fd);
	if (r < 0)
		return r;
	if (s == 0)
		snprintf(what, size, "a dm-remap superblock (format id %016" PRIx64 ")%s%s",
			 (uint64_t)sb.format_id, r ? "; " : "", r ? found : "");
	else if (s == -EBADMSG)
		snprintf(what, size, "a damaged dm-remap superblock%s%s",
			 r ? "; " : "", r ? found : "");
	else
		snprintf(what, size, "%s", found);
	return what[0] != '\0';
}

DMR_EXPORT int dmr_spare_format_id(struct dmr_ctx *ctx, const char *dev,
				   uint64_t *format_id)
{
	struct dmr_sb sb;
	int fd, r;

	dmri_clear(ctx);
	if (!dev || !*dev || !format_id)
		return dmri_fail(ctx, EINVAL, "no device or result pointer");
	fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return dmri_fail(ctx, errno, "cannot open %s: %s", dev, strerror(errno));
	r = dmri_read_sb(fd, &sb);
	close(fd);
	if (r == -ENODATA)
		return dmri_fail(ctx, ENODATA, "%s has no dm-remap superblock", dev);
	if (r)
		return dmri_fail(ctx, EBADMSG, "both superblock copies of %s are corrupt", dev);
	*format_id = sb.format_id;
	return 0;
}
