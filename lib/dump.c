// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Offline decoding of a spare's metadata with the kernel's own codec
 * (kernel/dm-remap-codec.c), following docs/FORMAT.md: the better copy of
 * the superblock and of every table block, and the load-time rules for
 * duplicate entries.  The spare must not be in use by an active table
 * (its metadata would be changing under us).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dm-remap-codec.h"
#include "dmr-internal.h"

/* An entry with the generation of the block it came from. */
struct raw_entry {
	uint64_t block, spare, generation;
	enum dmr_entry_state state;
};

struct reader {
	struct dmr_ctx *ctx;
	const char *path;
	int fd;
	struct raw_entry *raw;
	size_t nr, cap;
};

static int read_block(struct reader *rd, uint64_t sector, void *buf)
{
	ssize_t n = pread(rd->fd, buf, DMR_META_BLOCK_SIZE, (off_t)(sector << 9));

	if (n == DMR_META_BLOCK_SIZE)
		return 0;
	if (n < 0)
		return dmri_fail(rd->ctx, errno, "cannot read %s at sector %" PRIu64 ": %s",
				 rd->path, sector, strerror(errno));
	return dmri_fail(rd->ctx, EIO, "%s ends before sector %" PRIu64
			 " that its metadata uses", rd->path, sector + 8);
}

static int open_spare(struct dmr_ctx *ctx, const char *path, int *fd)
{
	char holder[256];
	struct stat st;

	if (stat(path, &st))
		return dmri_fail(ctx, errno, "%s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		dmri_holder(major(st.st_rdev), minor(st.st_rdev), holder,
			    sizeof(holder));
		if (*holder)
			return dmri_fail(ctx, EBUSY,
					 "spare %s is held by %s (an active table): its metadata can only be read while no device uses it",
					 path, holder);
	} else if (!S_ISREG(st.st_mode)) {
		return dmri_fail(ctx, EINVAL, "%s is neither a block device nor a file",
				 path);
	}
	/* On a block device, O_EXCL fails while a dm table holds it. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
	if (*fd < 0 && errno == EBUSY)
		return dmri_fail(ctx, EBUSY,
				 "spare %s is in use: its metadata can only be read while no device uses it",
				 path);
	if (*fd < 0)
		return dmri_fail(ctx, errno, "cannot open %s: %s", path,
				 strerror(errno));
	return 0;
}

static int read_sb(struct reader *rd, struct dmr_dump *d, struct dmr_sb *sb)
{
	unsigned char buf[2][DMR_META_BLOCK_SIZE];
	const char *why[2] = { "", "" };
	struct dmr_sb s[2];
	bool ok[2];
	int i, r;

	for (i = 0; i < 2; i++) {
		r = read_block(rd, i ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR, buf[i]);
		if (r)
			return dmri_fail(rd->ctx, ENODATA,
					 "%s is too small to hold a dm-remap superblock",
					 rd->path);
	}
	if (!dmr_sb_has_magic(buf[0]) && !dmr_sb_has_magic(buf[1]))
		return dmri_fail(rd->ctx, ENODATA, "%s has no dm-remap superblock",
				 rd->path);
	for (i = 0; i < 2; i++)
		ok[i] = !dmr_sb_decode(buf[i], &s[i], &why[i]);
	d->sb_a_valid = ok[0];
	d->sb_b_valid = ok[1];
	switch (dmr_pick_copy(ok[0], s[0].generation, ok[1], s[1].generation)) {
	case DMR_PICK_A:
		*sb = s[0];
		return 0;
	case DMR_PICK_B:
		*sb = s[1];
		return 0;
	default:
		return dmri_fail(rd->ctx, EBADMSG,
				 "both superblock copies of %s are corrupt (A: %s; B: %s)",
				 rd->path, why[0], why[1]);
	}
}

static int push(struct reader *rd, const struct raw_entry *e)
{
	struct raw_entry *n;

	if (rd->nr == rd->cap) {
		size_t c = rd->cap ? 2 * rd->cap : 256;

		n = reallocarray(rd->raw, c, sizeof(*n));
		if (!n)
			return dmri_fail(rd->ctx, ENOMEM, "out of memory");
		rd->raw = n;
		rd->cap = c;
	}
	rd->raw[rd->nr++] = *e;
	return 0;
}

/* The used slots of a valid table block. */
static int collect(struct reader *rd, struct dmr_dump *d,
		   const struct dmr_sb *sb, uint32_t index, const void *block,
		   uint64_t generation)
{
	const struct dmr_disk_entry *e = (const struct dmr_disk_entry *)
		((const char *)block + sizeof(struct dmr_disk_meta_header));
	bool remap = dmr_meta_is_remap(sb, index);
	uint64_t first = dmr_meta_first_slot(sb, index);
	uint32_t i, n = dmr_meta_nr_slots(sb, index);
	struct raw_entry r = { .generation = generation };
	int err;

	for (i = 0; i < n; i++) {
		uint32_t state = le32toh(e[i].state);

		r.block = le64toh(e[i].block);
		if (remap && state == DMR_SLOT_RETIRED) {
			d->retired++;
			continue;
		}
		if (state == DMR_SLOT_FREE)
			continue;
		r.state = remap ? DMR_ENTRY_REMAPPED : DMR_ENTRY_PENDING;
		r.spare = remap ? first + i : 0;
		err = push(rd, &r);
		if (err)
			return err;
	}
	return 0;
}

static int read_table(struct reader *rd, struct dmr_dump *d,
		      const struct dmr_sb *sb)
{
	unsigned char buf[2][DMR_META_BLOCK_SIZE];
	const char *why[2] = { "", "" };
	uint64_t gen[2] = { 0, 0 };
	bool ok[2];
	uint32_t i;
	int c, r;

	for (i = 0; i < sb->geo.meta_blocks; i++) {
		/* Version 2: only the blocks the superblock counts were written. */
		if (dmr_meta_is_remap(sb, i) ? i >= sb->remap_meta_used :
		    i - sb->geo.remap_meta_blocks >= sb->pending_meta_used)
			continue;
		for (c = 0; c < 2; c++) {
			r = read_block(rd, (c ? sb->geo.meta_b : DMR_META_A_SECTOR) +
					   (uint64_t)i * DMR_META_BLOCK_SECTORS,
				       buf[c]);
			if (r)
				return r;
			ok[c] = !dmr_meta_decode(buf[c], sb, i, &gen[c], NULL,
						 &why[c]);
		}
		if (ok[0] != ok[1])
			d->bad_meta_copies++;
		switch (dmr_pick_copy(ok[0], gen[0], ok[1], gen[1])) {
		case DMR_PICK_A:
			c = 0;
			break;
		case DMR_PICK_B:
			c = 1;
			break;
		default:
			return dmri_fail(rd->ctx, EBADMSG,
					 "both copies of metadata block %u of %s are corrupt (A: %s; B: %s)",
					 i, rd->path, why[0], why[1]);
		}
		r = collect(rd, d, sb, i, buf[c], gen[c]);
		if (r)
			return r;
	}
	return 0;
}

/* By block; remapped before pending; newer remaps first. */
static int cmp_raw(const void *pa, const void *pb)
{
	const struct raw_entry *a = pa, *b = pb;

	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	if (a->state != b->state)
		return a->state == DMR_ENTRY_REMAPPED ? -1 : 1;
	if (a->generation != b->generation)
		return a->generation > b->generation ? -1 : 1;
	return 0;
}

/*
 * docs/FORMAT.md's load rules: of two REMAPPED slots for one block the
 * newer wins and the other counts as retired (equal generations are
 * corruption); REMAPPED beats PENDING; duplicate PENDING slots are one.
 */
static int resolve(struct reader *rd, struct dmri_dump *dd)
{
	struct dmr_dump *d = &dd->pub;
	size_t i, j;

	qsort(rd->raw, rd->nr, sizeof(*rd->raw), cmp_raw);
	dd->entries = calloc(rd->nr ? rd->nr : 1, sizeof(*dd->entries));
	if (!dd->entries)
		return dmri_fail(rd->ctx, ENOMEM, "out of memory");
	for (i = 0; i < rd->nr; i = j) {
		const struct raw_entry *e = &rd->raw[i];

		for (j = i + 1; j < rd->nr && rd->raw[j].block == e->block; j++) {
			if (rd->raw[j].state != DMR_ENTRY_REMAPPED)
				continue;
			if (rd->raw[j].generation == e->generation)
				return dmri_fail(rd->ctx, EBADMSG,
						 "block %" PRIu64 " is remapped twice by one commit on %s",
						 e->block, rd->path);
			d->retired++;
		}
		dd->entries[d->nr_entries++] = (struct dmr_entry){
			.size = sizeof(struct dmr_entry), .block = e->block, .state = e->state,
			.spare_block = e->spare,
		};
	}
	return 0;
}

DMR_EXPORT int dmr_dump(struct dmr_ctx *ctx, const char *spare_dev,
			struct dmr_dump **dump)
{
	struct reader rd = { .ctx = ctx, .path = spare_dev, .fd = -1 };
	struct dmri_dump *dd;
	struct dmr_dump *d;
	struct dmr_sb sb;
	int r;

	dmri_clear(ctx);
	if (!dump)
		return dmri_fail(ctx, EINVAL, "no result pointer");
	*dump = NULL;
	if (!spare_dev || !*spare_dev)
		return dmri_fail(ctx, EINVAL, "no spare device given");
	dd = calloc(1, sizeof(*dd));
	if (!dd)
		return dmri_fail(ctx, ENOMEM, "out of memory");
	d = &dd->pub;
	d->size = sizeof(*d);
	d->spare_path = strdup(spare_dev);
	if (!d->spare_path) {
		free(dd);
		return dmri_fail(ctx, ENOMEM, "out of memory");
	}
	r = open_spare(ctx, spare_dev, &rd.fd);
	if (!r)
		r = read_sb(&rd, d, &sb);
	if (!r) {
		d->format_version = sb.version;
		d->generation = sb.generation;
		d->state = sb.state;
		d->metadata_failed = sb.state & DMR_STATE_METADATA_FAILED;
		d->block_size = sb.block_size;
		d->main_blocks = sb.main_blocks;
		d->spare_sectors = sb.spare_sectors;
		d->spare_start = sb.geo.data_start;
		d->remap_slots = sb.geo.remap_slots;
		d->pending_slots = sb.geo.pending_slots;
		d->meta_blocks = sb.geo.meta_blocks;
		d->created = sb.created > INT64_MAX ? -1 : (int64_t)sb.created;
		snprintf(d->uuid, sizeof(d->uuid), "%s", sb.uuid);
		d->format_id = sb.format_id;
		d->slot_size = sb.slot_size;
		d->main_sectors = sb.main_sectors;
		snprintf(d->main_id, sizeof(d->main_id), "%s", sb.main_id);
		r = read_table(&rd, d, &sb);
	}
	if (!r)
		r = resolve(&rd, dd);
	if (rd.fd >= 0)
		close(rd.fd);
	free(rd.raw);
	if (r) {
		dmr_dump_free(d);
		return r;
	}
	*dump = d;
	return 0;
}

DMR_EXPORT const struct dmr_entry *dmr_dump_entry(const struct dmr_dump *dump,
						  size_t i)
{
	const struct dmri_dump *dd = (const struct dmri_dump *)dump;

	return dump && i < dump->nr_entries ? &dd->entries[i] : NULL;
}

DMR_EXPORT void dmr_dump_free(struct dmr_dump *dump)
{
	struct dmri_dump *dd = (struct dmri_dump *)dump;

	if (!dump)
		return;
	free(dd->entries);
	free(dump->spare_path);
	free(dd);
}
