// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checks made before creating a device, so that mistakes get a precise
 * message instead of the kernel's EINVAL: the name, the two block devices
 * (distinct, not in use), their sizes, and the spare's metadata.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dm-remap-codec.h"
#include "dmr-internal.h"

#define NAME_MAX_LEN 127

int dmri_validate_name(struct dmr_ctx *ctx, const char *name)
{
	size_t n;

	if (!name || !*name)
		return dmri_fail(ctx, EINVAL, "no device name given");
	n = strlen(name);
	if (n > NAME_MAX_LEN)
		return dmri_fail(ctx, EINVAL,
				 "device name is %zu characters long (at most %d)",
				 n, NAME_MAX_LEN);
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.+-") != n || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return dmri_fail(ctx, EINVAL,
				 "invalid device name '%s' (allowed: A-Z a-z 0-9 _ . + -)",
				 name);
	return 0;
}

static int validate_uuid(struct dmr_ctx *ctx, const char *uuid)
{
	const char *c;

	if (!*uuid || strlen(uuid) > DMR_UUID_LEN)
		return dmri_fail(ctx, EINVAL,
				 "uuid '%s' must have 1 to %d characters (pass a shorter uuid)",
				 uuid, DMR_UUID_LEN);
	for (c = uuid; *c; c++)
		if (*c <= ' ' || *c > '~')
			return dmri_fail(ctx, EINVAL,
					 "uuid '%s' has a blank or non-ASCII character",
					 uuid);
	return 0;
}

struct blockdev {
	const char *role, *path;
	int fd;
	dev_t rdev;
	uint32_t lbs;		/* logical block size */
	uint64_t sectors;
};

/* stat, check it is a block device. */
static int bd_stat(struct dmr_ctx *ctx, struct blockdev *b)
{
	struct stat st;

	if (!b->path || !*b->path)
		return dmri_fail(ctx, EINVAL, "no %s device given", b->role);
	if (stat(b->path, &st))
		return dmri_fail(ctx, errno, "%s device %s: %s", b->role,
				 b->path, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return dmri_fail(ctx, EINVAL, "%s device %s is not a block device",
				 b->role, b->path);
	b->rdev = st.st_rdev;
	return 0;
}

/* Open exclusively (proving nobody uses it) and read its geometry. */
static int bd_open(struct dmr_ctx *ctx, struct blockdev *b)
{
	unsigned int ma = major(b->rdev), mi = minor(b->rdev);
	char what[512];
	int lbs;

	dmri_holder(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s device %s is in use by %s",
				 b->role, b->path, what);
	dmri_mountpoint(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s device %s is mounted on %s",
				 b->role, b->path, what);
	/* O_EXCL on a whole disk succeeds while a partition is in use. */
	dmri_busy_partition(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s device %s is in use: %s",
				 b->role, b->path, what);
	b->fd = open(b->path, O_RDONLY | O_EXCL | O_CLOEXEC);
	if (b->fd < 0 && errno == EBUSY)
		return dmri_fail(ctx, EBUSY,
				 "%s device %s is in use (mounted, held or open exclusively)",
				 b->role, b->path);
	if (b->fd < 0)
		return dmri_fail(ctx, errno, "cannot open %s device %s: %s",
				 b->role, b->path, strerror(errno));
	if (ioctl(b->fd, BLKSSZGET, &lbs) || lbs <= 0 ||
	    ioctl(b->fd, BLKGETSIZE64, &b->sectors))
		return dmri_fail(ctx, errno ? errno : EIO,
				 "cannot read the size of %s device %s: %s",
				 b->role, b->path, strerror(errno));
	b->lbs = (uint32_t)lbs;
	b->sectors >>= 9;
	return 0;
}

/* The spare's existing metadata, if any, must fit this main device. */
static int check_spare_metadata(struct dmr_ctx *ctx, const struct blockdev *s,
				const struct dmri_create_plan *plan, bool format)
{
	uint64_t blocks = plan->length / (plan->block_size >> 9);
	unsigned char buf[2 * DMR_META_BLOCK_SIZE];
	struct dmr_sb sb[2];
	bool ok[2];
	const char *why;
	int i;

	if (pread(s->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return dmri_fail(ctx, EIO, "cannot read the superblocks of spare %s",
				 s->path);
	if (!dmr_sb_has_magic(buf) && !dmr_sb_has_magic(buf + DMR_META_BLOCK_SIZE)) {
		if (format)
			return 0;
		return dmri_fail(ctx, EINVAL,
				 "spare %s has no dm-remap metadata: use the format option to initialise it",
				 s->path);
	}
	for (i = 0; i < 2; i++)
		ok[i] = !dmr_sb_decode(buf + i * DMR_META_BLOCK_SIZE, &sb[i], &why);
	switch (dmr_pick_copy(ok[0], sb[0].generation, ok[1], sb[1].generation)) {
	case DMR_PICK_A:
		i = 0;
		break;
	case DMR_PICK_B:
		i = 1;
		break;
	default:
		return dmri_fail(ctx, EBADMSG,
				 "both superblocks of spare %s are corrupt (%s): it is never reformatted",
				 s->path, why);
	}
	if (sb[i].block_size != plan->block_size)
		return dmri_fail(ctx, EINVAL,
				 "spare %s was formatted for %u-byte blocks, main has %u-byte blocks",
				 s->path, sb[i].block_size, plan->block_size);
	if (sb[i].main_blocks != blocks)
		return dmri_fail(ctx, EINVAL,
				 "spare %s was formatted for %llu main blocks, this device has %llu",
				 s->path, (unsigned long long)sb[i].main_blocks,
				 (unsigned long long)blocks);
	if (sb[i].uuid[0] && strcmp(sb[i].uuid, plan->uuid))
		return dmri_fail(ctx, EINVAL,
				 "spare %s belongs to the device with uuid '%s', not '%s'",
				 s->path, sb[i].uuid, plan->uuid);
	if (sb[i].spare_sectors > s->sectors)
		return dmri_fail(ctx, EINVAL,
				 "spare %s is smaller (%llu sectors) than when it was formatted (%llu)",
				 s->path, (unsigned long long)s->sectors,
				 (unsigned long long)sb[i].spare_sectors);
	return 0;
}

static int check_sizes(struct dmr_ctx *ctx, const struct blockdev *m,
		       const struct blockdev *s, const struct dmr_create_opts *o,
		       struct dmri_create_plan *plan)
{
	uint32_t bss = m->lbs >> 9;
	struct dmr_geometry g;

	plan->block_size = m->lbs;
	plan->length = o->length ? o->length : m->sectors;
	if (plan->length > m->sectors)
		return dmri_fail(ctx, EINVAL,
				 "length %llu sectors exceeds main device %s (%llu sectors)",
				 (unsigned long long)plan->length, m->path,
				 (unsigned long long)m->sectors);
	if (!plan->length || plan->length % bss)
		return dmri_fail(ctx, EINVAL,
				 "length %llu sectors is not a positive multiple of main's %u-byte block",
				 (unsigned long long)plan->length, m->lbs);
	if (s->lbs > m->lbs)
		return dmri_fail(ctx, EINVAL,
				 "spare %s has %u-byte logical blocks, more than main's %u",
				 s->path, s->lbs, m->lbs);
	if (dmr_geometry(s->sectors, m->lbs, &g))
		return dmri_fail(ctx, ENOSPC,
				 "spare %s (%llu sectors) is too small to hold dm-remap metadata and a %u-byte spare block",
				 s->path, (unsigned long long)s->sectors, m->lbs);
	return 0;
}

int dmri_validate_create(struct dmr_ctx *ctx, const char *name,
			 const char *main_dev, const char *spare_dev,
			 const struct dmr_create_opts *opts,
			 struct dmri_create_plan *plan)
{
	struct blockdev m = { .role = "main", .path = main_dev, .fd = -1 };
	struct blockdev s = { .role = "spare", .path = spare_dev, .fd = -1 };
	int r;

	memset(plan, 0, sizeof(*plan));
	r = dmri_validate_name(ctx, name);
	if (r)
		return r;
	if (opts->uuid) {
		r = validate_uuid(ctx, opts->uuid);
		if (r)
			return r;
		snprintf(plan->uuid, sizeof(plan->uuid), "%s", opts->uuid);
	} else if (strlen(DMRI_UUID_PREFIX) + strlen(name) > DMR_UUID_LEN) {
		return dmri_fail(ctx, EINVAL,
				 "the default uuid %s%s is longer than %d characters: pass a uuid",
				 DMRI_UUID_PREFIX, name, DMR_UUID_LEN);
	} else {
		snprintf(plan->uuid, sizeof(plan->uuid), "%s%s",
			 DMRI_UUID_PREFIX, name);
	}
	r = bd_stat(ctx, &m);
	if (!r)
		r = bd_stat(ctx, &s);
	if (!r && m.rdev == s.rdev)
		r = dmri_fail(ctx, EINVAL, "main %s and spare %s are the same device",
			      main_dev, spare_dev);
	if (!r)
		r = bd_open(ctx, &m);
	if (!r)
		r = bd_open(ctx, &s);
	if (!r)
		r = check_sizes(ctx, &m, &s, opts, plan);
	if (!r)
		r = check_spare_metadata(ctx, &s, plan, opts->format);
	if (!r) {
		plan->main_major = major(m.rdev);
		plan->main_minor = minor(m.rdev);
		plan->spare_major = major(s.rdev);
		plan->spare_minor = minor(s.rdev);
	}
	if (m.fd >= 0)
		close(m.fd);
	if (s.fd >= 0)
		close(s.fd);
	return r;
}

int dmri_create_params(const struct dmri_create_plan *plan,
		       const struct dmr_create_opts *opts, char *buf,
		       size_t size)
{
	unsigned int n = (opts->suppress != DMR_SUPPRESS_DEFAULT) + opts->format;
	int len;

	len = snprintf(buf, size, "%u:%u %u:%u", plan->main_major,
		       plan->main_minor, plan->spare_major, plan->spare_minor);
	if (n)
		len += snprintf(buf + len, size - (size_t)len, " %u%s%s", n,
				opts->suppress == DMR_SUPPRESS_ON ? " suppress_writes" :
				opts->suppress == DMR_SUPPRESS_OFF ? " no_suppress_writes" : "",
				opts->format ? " format" : "");
	return (size_t)len < size ? 0 : -ENAMETOOLONG;
}
