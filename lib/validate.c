// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Checks made before creating a device, so that mistakes get a precise
 * message instead of the kernel's EINVAL: the name, the two block devices
 * (distinct, not in use), their sizes, and the spare's metadata.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/sysmacros.h>
#include <time.h>
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
	bool writable;		/* opened to be formatted */
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
	b->fd = open(b->path, (b->writable ? O_RDWR : O_RDONLY) | O_EXCL | O_CLOEXEC);
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

/* Where the disk a spare expects is now, if it is here: " (now /dev/sdc)". */
struct find_id {
	struct dmr_ctx *ctx;
	const char *want;
	char path[64];
};

static int find_id_one(unsigned int major, unsigned int minor,
		       const char *kname, void *data)
{
	struct find_id *f = data;
	char id[DMR_ID_MAX + 1];

	if (!dmri_identity(f->ctx, major, minor, id, sizeof(id)) &&
	    !strcmp(id, f->want)) {
		snprintf(f->path, sizeof(f->path), " (now /dev/%s)", kname);
		return 1;
	}
	return 0;
}

static void where_is(struct dmr_ctx *ctx, const char *id, char *buf, size_t size)
{
	struct dmr_ctx scratch = { .error = "" };
	struct find_id f = { .ctx = &scratch, .want = id };

	buf[0] = '\0';
	memcpy(scratch.sysfs, ctx->sysfs, sizeof(scratch.sysfs));
	if (dmr_identity_is_strong(id) &&
	    dmri_for_each_blockdev(&scratch, find_id_one, &f) == 1)
		snprintf(buf, size, "%s", f.path);
}

/*
 * The main the spare was formatted for (main_id, main_sectors of format
 * version 2) against this one.  Strong identities must be equal; a weak
 * one ("name:", or none recorded) only gets a notice.  --force (flags)
 * turns a refusal into a notice.
 */
static int check_identity(struct dmr_ctx *ctx, const struct blockdev *m,
			  const struct blockdev *s, const struct dmr_sb *sb,
			  const char *main_id, unsigned int flags)
{
	bool force = flags & DMR_CREATE_FORCE;
	char size[48] = "", where[80];
	bool id_bad;

	if (sb->main_sectors)
		snprintf(size, sizeof(size), ", %llu sectors",
			 (unsigned long long)sb->main_sectors);
	id_bad = sb->main_id[0] && strcmp(sb->main_id, main_id) &&
		 dmr_identity_is_strong(sb->main_id) && dmr_identity_is_strong(main_id);
	if (id_bad || (sb->main_sectors && sb->main_sectors != m->sectors)) {
		where_is(ctx, sb->main_id, where, sizeof(where));
		if (!force)
			return dmri_fail(ctx, EINVAL,
					 "spare %s belongs to another main: it expects %s%s%s, but main %s is %s, %llu sectors: wrong disk? (if it is the right one and only its identity changed, --force)",
					 s->path, sb->main_id[0] ? sb->main_id : "a main",
					 size, where, m->path, main_id[0] ? main_id : "unknown",
					 (unsigned long long)m->sectors);
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "spare %s expects main %s%s, main %s is %s, %llu sectors: used anyway (--force)",
			 s->path, sb->main_id[0] ? sb->main_id : "(no identity)", size,
			 m->path, main_id[0] ? main_id : "unknown",
			 (unsigned long long)m->sectors);
		return 0;
	}
	if (!sb->main_id[0])
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "spare %s records no identity of its main (formatted by the kernel's format option, or before dm-remap 0.2): only the size of main %s was checked",
			 s->path, m->path);
	else if (strcmp(sb->main_id, main_id))
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "spare %s was formatted for main %s, main %s is %s: kernel names can change, so only its size was checked",
			 s->path, sb->main_id, m->path, main_id[0] ? main_id : "unknown");
	return 0;
}

/* A main is never a dm-remap spare: the two were probably given swapped. */
static int check_main_not_spare(struct dmr_ctx *ctx, const struct blockdev *m,
				const struct blockdev *s, unsigned int flags)
{
	struct dmr_sb sb;
	char fid[40] = "";
	int r = dmri_read_sb(m->fd, &sb);

	if (r == -ENODATA)
		return 0;
	if (!r)
		snprintf(fid, sizeof(fid), " (format id %016llx)",
			 (unsigned long long)sb.format_id);
	if (flags & DMR_CREATE_FORCE) {
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "main %s carries a dm-remap superblock%s: used as main anyway (--force)",
			 m->path, fid);
		return 0;
	}
	return dmri_fail(ctx, EINVAL,
			 "main %s carries a dm-remap superblock%s: MAIN and SPARE swapped? (the order is NAME MAIN SPARE; nothing was written to %s or %s)",
			 m->path, fid, m->path, s->path);
}

/*
 * The UUID of the device: the one asked for; for a spare recording the
 * pre-0.2 default "DMREMAP-<name>", that one; else "DMREMAP-<fid>-<name>".
 */
static int pick_uuid(struct dmr_ctx *ctx, const char *name,
		     const struct dmr_create_opts *o, const struct dmr_sb *sb,
		     struct dmri_create_plan *plan)
{
	char legacy[DMR_UUID_LEN + 64];

	if (o->uuid) {
		snprintf(plan->uuid, sizeof(plan->uuid), "%s", o->uuid);
		return 0;
	}
	snprintf(legacy, sizeof(legacy), "%s%s", DMRI_UUID_PREFIX, name);
	if (sb && !strcmp(sb->uuid, legacy)) {
		dmri_strf(plan->uuid, sizeof(plan->uuid), "%s", legacy);
		return 0;
	}
	if (dmri_default_uuid(plan->format_id, name, plan->uuid, sizeof(plan->uuid)))
		return dmri_fail(ctx, EINVAL,
				 "the default uuid %s<format id>-%s is longer than %d characters: pass a uuid",
				 DMRI_UUID_PREFIX, name, DMR_UUID_LEN);
	return 0;
}

/* The uuid the spare records, if any, must be this device's. */
static int check_uuid(struct dmr_ctx *ctx, const struct blockdev *s,
		      const struct dmr_sb *sb, const struct dmri_create_plan *plan)
{
	char prefix[40];
	size_t n;

	if (!sb->uuid[0] || !strcmp(sb->uuid, plan->uuid))
		return 0;
	n = (size_t)snprintf(prefix, sizeof(prefix), "%s%016llx-", DMRI_UUID_PREFIX,
			     (unsigned long long)sb->format_id);
	if (!strncmp(sb->uuid, prefix, n))
		return dmri_fail(ctx, EINVAL,
				 "spare %s belongs to the device with uuid '%s', not '%s' (it was created as '%s': use that name, or pass that uuid)",
				 s->path, sb->uuid, plan->uuid, sb->uuid + n);
	return dmri_fail(ctx, EINVAL,
			 "spare %s belongs to the device with uuid '%s', not '%s'",
			 s->path, sb->uuid, plan->uuid);
}

/* A spare without metadata: say what it holds, and never hint at a format
 * that would destroy something. */
static int no_metadata(struct dmr_ctx *ctx, const struct blockdev *m,
		       const struct blockdev *s)
{
	char what[512];
	struct dmr_sb sb;

	if (dmri_read_sb(m->fd, &sb) != -ENODATA)
		return dmri_fail(ctx, EINVAL,
				 "spare %s has no dm-remap metadata, but main %s carries a dm-remap superblock: MAIN and SPARE swapped? (the order is NAME MAIN SPARE)",
				 s->path, m->path);
	if (dmri_probe_fd(ctx, s->fd, s->path, what, sizeof(what), false) > 0)
		return dmri_fail(ctx, EINVAL,
				 "spare %s has no dm-remap metadata; it holds %s: is it the right disk? (formatting it would destroy that)",
				 s->path, what);
	return dmri_fail(ctx, EINVAL,
			 "spare %s has no dm-remap metadata: if it is the new, empty spare for main %s, initialise it with the format option (dmremapctl create --format)",
			 s->path, m->path);
}

/* The spare's existing metadata, if any, must fit this main device. */
static int check_spare_metadata(struct dmr_ctx *ctx, const struct blockdev *m,
				const struct blockdev *s, const char *name,
				const struct dmr_create_opts *o, unsigned int flags,
				const char *main_id, struct dmri_create_plan *plan,
				bool *blank)
{
	uint64_t blocks = plan->length / (plan->block_size >> 9);
	struct dmr_sb sb;
	int r;

	*blank = false;
	r = dmri_read_sb(s->fd, &sb);
	if (r == -ENODATA) {
		if (!o->format)
			return no_metadata(ctx, m, s);
		*blank = true;
		return 0;
	}
	if (r)
		return dmri_fail(ctx, EBADMSG,
				 "both superblocks of spare %s are corrupt: it is never reformatted",
				 s->path);
	plan->format_id = sb.format_id;
	r = pick_uuid(ctx, name, o, &sb, plan);
	if (r)
		return r;
	/* The identity first: on a wrong disk, that is the message that helps. */
	if (sb.main_id[0] && dmr_identity_is_strong(sb.main_id) &&
	    dmr_identity_is_strong(main_id) && strcmp(sb.main_id, main_id)) {
		r = check_identity(ctx, m, s, &sb, main_id, flags);
		if (r)
			return r;
	}
	if (sb.block_size != plan->block_size)
		return dmri_fail(ctx, EINVAL,
				 "spare %s was formatted for %u-byte blocks, main has %u-byte blocks",
				 s->path, sb.block_size, plan->block_size);
	if (sb.main_blocks != blocks)
		return dmri_fail(ctx, EINVAL,
				 "spare %s was formatted for %llu main blocks, this device has %llu",
				 s->path, (unsigned long long)sb.main_blocks,
				 (unsigned long long)blocks);
	r = check_uuid(ctx, s, &sb, plan);
	if (r)
		return r;
	if (sb.spare_sectors > s->sectors)
		return dmri_fail(ctx, EINVAL,
				 "spare %s is smaller (%llu sectors) than when it was formatted (%llu)",
				 s->path, (unsigned long long)s->sectors,
				 (unsigned long long)sb.spare_sectors);
	if (!(sb.main_id[0] && dmr_identity_is_strong(sb.main_id) &&
	      dmr_identity_is_strong(main_id) && strcmp(sb.main_id, main_id)))
		return check_identity(ctx, m, s, &sb, main_id, flags);
	return 0;
}

int dmri_default_uuid(uint64_t format_id, const char *name, char *buf,
		      size_t size)
{
	int n;

	if (strlen(DMRI_UUID_PREFIX) + 17 + strlen(name) > DMR_UUID_LEN)
		return -ENAMETOOLONG;
	n = snprintf(buf, size, "%s%016llx-%s", DMRI_UUID_PREFIX,
		     (unsigned long long)format_id, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static uint64_t new_format_id(void)
{
	uint64_t id = 0;

	while (!id)
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = ((uint64_t)time(NULL) << 32) ^ (uint64_t)getpid() ^
			     (uint64_t)(uintptr_t)&id;
	return id;
}

/* One metadata block at @sector, O_DIRECT, then fsync. */
static int write_direct(struct dmr_ctx *ctx, const struct blockdev *s,
			const void *block, uint64_t sector, const char *what)
{
	if (pwrite(s->fd, block, DMR_META_BLOCK_SIZE, (off_t)(sector << 9)) !=
	    DMR_META_BLOCK_SIZE || fsync(s->fd))
		return dmri_fail(ctx, errno ? errno : EIO,
				 "cannot write %s of spare %s: %s", what, s->path,
				 strerror(errno ? errno : EIO));
	return 0;
}

/*
 * Format version 2 from userspace, as docs/FORMAT.md says: slot size =
 * max(main's logical block, the spare's physical block), superblock A then
 * B, generation 1, no table block used.  Signatures libblkid finds are
 * shown to the confirm function first, and wiped once it agrees.
 */
static int format_spare(struct dmr_ctx *ctx, const struct blockdev *m,
			const struct blockdev *s, const char *main_id,
			struct dmri_create_plan *plan)
{
	char what[512], question[800];
	unsigned int pbs = 0;
	int align = 0, flags, r;
	struct dmr_sb sb;
	void *block;

	r = dmri_probe_fd(ctx, s->fd, s->path, what, sizeof(what), false);
	if (r < 0)
		return r;
	if (r > 0) {
		snprintf(question, sizeof(question),
			 "spare %s holds %s.\nFormatting it as the dm-remap spare of %s destroys that.",
			 s->path, what, m->path);
		if (!ctx->confirm_fn || !ctx->confirm_fn(question, ctx->confirm_data))
			return dmri_fail(ctx, ECANCELED,
					 "spare %s holds %s: not formatted without confirmation (nothing was written)",
					 s->path, what);
	}
	if (ctx->test_pbs)
		pbs = ctx->test_pbs;
	else if (ioctl(s->fd, BLKPBSZGET, &pbs) || !pbs)
		pbs = s->lbs;
	if (ioctl(s->fd, BLKALIGNOFF, &align))
		align = 0;
	memset(&sb, 0, sizeof(sb));
	sb.version = DMR_FORMAT_VERSION;
	sb.block_size = plan->block_size;
	sb.slot_size = pbs > plan->block_size ? pbs : plan->block_size;
	if (sb.slot_size > 65536)
		sb.slot_size = 65536;
	if (sb.slot_size > plan->block_size && align)
		return dmri_fail(ctx, EINVAL,
				 "spare %s is not aligned to its %u-byte physical blocks (repartition it)",
				 s->path, pbs);
	if (s->lbs > DMR_META_BLOCK_SIZE)
		return dmri_fail(ctx, EINVAL,
				 "spare %s has %u-byte logical blocks: dm-remap metadata blocks are %d bytes",
				 s->path, s->lbs, DMR_META_BLOCK_SIZE);
	sb.spare_sectors = s->sectors;
	if (dmr_geometry(sb.spare_sectors, sb.slot_size, &sb.geo))
		return dmri_fail(ctx, ENOSPC,
				 "spare %s (%llu sectors) is too small to hold dm-remap metadata and a %u-byte spare block",
				 s->path, (unsigned long long)s->sectors, sb.slot_size);
	sb.generation = 1;
	sb.format_id = plan->format_id;
	sb.main_blocks = plan->length / (plan->block_size >> 9);
	sb.main_sectors = m->sectors;
	sb.created = (uint64_t)time(NULL);
	snprintf(sb.uuid, sizeof(sb.uuid), "%s", plan->uuid);
	snprintf(sb.main_id, sizeof(sb.main_id), "%s", main_id);

	if (r > 0) {
		r = dmri_probe_fd(ctx, s->fd, s->path, what, sizeof(what), true);
		if (r < 0)
			return r;
	}
	if (posix_memalign(&block, DMR_META_BLOCK_SIZE, DMR_META_BLOCK_SIZE))
		return dmri_fail(ctx, ENOMEM, "out of memory");
	dmr_sb_encode(&sb, block);
	flags = fcntl(s->fd, F_GETFL);
	if (flags < 0 || fcntl(s->fd, F_SETFL, flags | O_DIRECT)) {
		free(block);
		return dmri_fail(ctx, errno, "cannot use O_DIRECT on spare %s: %s",
				 s->path, strerror(errno));
	}
	errno = 0;
	r = write_direct(ctx, s, block, DMR_SB_A_SECTOR, "superblock A");
	if (!r) {
		errno = 0;
		r = write_direct(ctx, s, block, DMR_SB_B_SECTOR, "superblock B");
	}
	fcntl(s->fd, F_SETFL, flags);
	free(block);
	if (r)
		return r;
	plan->formatted = true;
	dmri_log(ctx, DMR_LOG_NOTICE,
		 "formatted spare %s: %llu spare blocks of %u bytes (%u apart), format id %016llx",
		 s->path, (unsigned long long)sb.geo.remap_slots, sb.block_size,
		 sb.slot_size, (unsigned long long)sb.format_id);
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
			 const struct dmr_create_opts *opts, unsigned int flags,
			 struct dmri_create_plan *plan)
{
	struct blockdev m = { .role = "main", .path = main_dev, .fd = -1 };
	struct blockdev s = { .role = "spare", .path = spare_dev, .fd = -1,
			      .writable = opts->format };
	char main_id[DMR_ID_MAX + 1] = "";
	bool blank = false;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = dmri_validate_name(ctx, name);
	if (r)
		return r;
	if (opts->uuid) {
		r = validate_uuid(ctx, opts->uuid);
		if (r)
			return r;
	} else if (strlen(DMRI_UUID_PREFIX) + strlen(name) > DMR_UUID_LEN) {
		return dmri_fail(ctx, EINVAL,
				 "the default uuid %s<format id>-%s is longer than %d characters: pass a uuid",
				 DMRI_UUID_PREFIX, name, DMR_UUID_LEN);
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
		r = check_main_not_spare(ctx, &m, &s, flags);
	if (!r && dmri_identity(ctx, major(m.rdev), minor(m.rdev), main_id,
				sizeof(main_id))) {
		dmri_clear(ctx);
		main_id[0] = '\0';
	}
	if (!r)
		r = check_spare_metadata(ctx, &m, &s, name, opts, flags, main_id,
					 plan, &blank);
	if (!r && blank) {
		plan->format_id = new_format_id();
		r = pick_uuid(ctx, name, opts, NULL, plan);
		if (!r)
			r = format_spare(ctx, &m, &s, main_id, plan);
	}
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
	/* A format is done by the library: never the kernel's `format`. */
	unsigned int n = opts->suppress != DMR_SUPPRESS_DEFAULT;
	int len;

	len = snprintf(buf, size, "%u:%u %u:%u", plan->main_major,
		       plan->main_minor, plan->spare_major, plan->spare_minor);
	if (n)
		len += snprintf(buf + len, size - (size_t)len, " %u%s", n,
				opts->suppress == DMR_SUPPRESS_ON ? " suppress_writes" :
				" no_suppress_writes");
	return (size_t)len < size ? 0 : -ENAMETOOLONG;
}
