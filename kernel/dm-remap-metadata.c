// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap metadata I/O: format, load and commit of the on-disk remap table
 * (format: dm-remap-format.h, docs/FORMAT.md).
 *
 * The table is mirrored in two slot arrays: rslot[k] says what spare block k
 * holds, pslot[i] is a pending main block.  Changes mark their metadata
 * block dirty; a commit writes the dirty blocks to copy A, then copy B, each
 * with FUA, remap blocks in descending index order first (a new slot is
 * always at a higher index than the slot it supersedes), then pending
 * blocks.  Whatever instant power fails, every committed entry survives in
 * at least one copy, and the newest valid copy of each block is used.
 */
#include <linux/blkdev.h>
#include <linux/dm-ioctl.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "dm-remap.h"
#include "dm-remap-compat.h"

/*
 * Spares in use.  Two tables of one dm device share a spare during a table
 * reload: the new table reads the metadata in its constructor while the old
 * one may still commit remaps.  Every commit records its generation here,
 * and the new table reloads at resume if it missed one.  Another dm device
 * may not use the spare at all.
 */
struct remap_spare_user {
	struct list_head list;
	dev_t dev;
	struct mapped_device *md;
	u64 generation;		/* last committed by any table of md */
	unsigned int users;
};

static LIST_HEAD(spare_users);
static DEFINE_MUTEX(spare_users_lock);

/* Metadata blocks per read or write request when loading or formatting. */
#define META_CHUNK 256

static int meta_io(struct remap_c *rc, blk_opf_t opf, sector_t sector,
		   void *buf, unsigned int nr_blocks)
{
	struct dm_io_region where = {
		.bdev = rc->spare->bdev,
		.sector = sector,
		.count = (sector_t)nr_blocks * DMR_META_BLOCK_SECTORS,
	};
	struct dm_io_request req = {
		.bi_opf = opf,
		.mem.type = is_vmalloc_addr(buf) ? DM_IO_VMA : DM_IO_KMEM,
		.client = rc->md.io,
	};
	unsigned long error_bits = 0;
	int r;

	if (req.mem.type == DM_IO_VMA)
		req.mem.ptr.vma = buf;
	else
		req.mem.ptr.addr = buf;
	r = dmr_dm_io(&req, &where, &error_bits);
	return r ? r : (error_bits ? -EIO : 0);
}

static sector_t meta_sector(struct remap_c *rc, bool copy_b, u32 index)
{
	return (copy_b ? rc->md.sb.geo.meta_b : DMR_META_A_SECTOR) +
	       (sector_t)index * DMR_META_BLOCK_SECTORS;
}

static u32 meta_index_of_pslot(struct remap_c *rc, u64 i)
{
	return rc->md.sb.geo.remap_meta_blocks + (u32)div_u64(i, DMR_ENTRIES_PER_BLOCK);
}

static const u64 *meta_slots(struct remap_c *rc, u32 index)
{
	return dmr_meta_is_remap(&rc->md.sb, index) ? rc->md.rslot : rc->md.pslot;
}

/* ----------------------------------------------------------------------
 * Superblock
 */

static int sb_write(struct remap_c *rc, bool copy_b)
{
	dmr_sb_encode(&rc->md.sb, rc->md.block);
	return meta_io(rc, REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA,
		       copy_b ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR, rc->md.block, 1);
}

static int sb_write_both(struct remap_c *rc)
{
	int r;

	rc->md.sb.generation++;
	r = sb_write(rc, false);
	return r ? r : sb_write(rc, true);
}

/*
 * A metadata write failed: refuse new remaps from now on, and record it in
 * the superblock so that the state survives reactivation.
 */
static void meta_fail(struct remap_c *rc, int err)
{
	if (rc->md.failed)
		return;
	rc->md.failed = true;
	DMERR("%s: metadata write failed (%d): no new remaps, write errors are returned",
	      dm_table_device_name(rc->ti->table), err);
	rc->md.sb.state |= DMR_STATE_METADATA_FAILED;
	if (sb_write_both(rc))
		DMERR("%s: cannot record the failure in the superblock either",
		      dm_table_device_name(rc->ti->table));
	dm_table_event(rc->ti->table);
}

/* ----------------------------------------------------------------------
 * Slot changes (table_lock held)
 */

static void meta_dirty(struct remap_c *rc, u32 index)
{
	if (!__test_and_set_bit(index, rc->md.dirty))
		rc->md.nr_dirty++;
}

void remap_meta_set_rslot(struct remap_c *rc, u64 spare, u64 slot)
{
	rc->md.rslot[spare] = slot;
	meta_dirty(rc, (u32)div_u64(spare, DMR_ENTRIES_PER_BLOCK));
}

u64 remap_meta_pending_add(struct remap_c *rc, u64 block)
{
	u64 i = find_next_zero_bit(rc->md.pused, rc->md.sb.geo.pending_slots,
				   0);

	if (i >= rc->md.sb.geo.pending_slots || rc->md.failed)
		return RS_NO_PSLOT;
	__set_bit(i, rc->md.pused);
	rc->md.pslot[i] = DMR_SLOT(block, DMR_PSLOT_PENDING);
	meta_dirty(rc, meta_index_of_pslot(rc, i));
	return i;
}

void remap_meta_pending_del(struct remap_c *rc, u64 i)
{
	if (i == RS_NO_PSLOT)
		return;
	__clear_bit(i, rc->md.pused);
	rc->md.pslot[i] = DMR_SLOT(0, DMR_PSLOT_FREE);
	meta_dirty(rc, meta_index_of_pslot(rc, i));
}

static int meta_write_copy(struct remap_c *rc, bool copy_b, u64 gen)
{
	u32 remap_blocks = rc->md.sb.geo.remap_meta_blocks;
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA;
	u32 index, n;
	int r;

	/* The first write also flushes the spare data written before it. */
	if (!copy_b)
		opf |= REQ_PREFLUSH;
	for (n = 0; n < rc->md.sb.geo.meta_blocks; n++) {
		/* Remap blocks from the highest index down, then pending blocks. */
		index = n < remap_blocks ? remap_blocks - 1 - n : n;
		if (!test_bit(index, rc->md.dirty))
			continue;
		dmr_meta_encode(rc->md.block, &rc->md.sb, gen, index,
				meta_slots(rc, index));
		r = meta_io(rc, opf, meta_sector(rc, copy_b, index), rc->md.block, 1);
		if (r)
			return r;
		opf &= ~REQ_PREFLUSH;
	}
	return 0;
}

/* Make every dirty metadata block durable in both copies. */
int remap_meta_commit(struct remap_c *rc)
{
	u64 gen = rc->md.generation + 1;
	int r;

	if (!rc->md.nr_dirty)
		return 0;
	if (rc->md.failed)
		return -EIO;

	r = meta_write_copy(rc, false, gen);
	if (!r)
		r = meta_write_copy(rc, true, gen);
	if (r) {
		meta_fail(rc, r);
		return r;
	}
	rc->md.generation = gen;
	WRITE_ONCE(rc->md.user->generation, gen);
	bitmap_zero(rc->md.dirty, rc->md.sb.geo.meta_blocks);
	rc->md.nr_dirty = 0;
	return 0;
}

/* ----------------------------------------------------------------------
 * Format
 */

static int meta_format(struct remap_c *rc, struct dmr_sb *sb, void *chunk)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	u32 index, n, i;
	int r;

	sb->generation = 1;
	sb->format_id = get_random_u64();
	sb->block_size = 512 << rc->shift;
	sb->main_blocks = rc->main_blocks;
	sb->spare_sectors = bdev_nr_sectors(rc->spare->bdev);
	sb->created = ktime_get_real_seconds();
	if (!dm_copy_name_and_uuid(md, name, uuid))
		strscpy(sb->uuid, uuid, sizeof(sb->uuid));
	rc->md.sb = *sb;

	/* Every metadata block, both copies, valid and empty. */
	for (index = 0; index < sb->geo.meta_blocks; index += n) {
		n = min_t(u32, META_CHUNK, sb->geo.meta_blocks - index);
		for (i = 0; i < n; i++)
			dmr_meta_encode(chunk + (size_t)i * DMR_META_BLOCK_SIZE,
					sb, 1, index + i,
					meta_slots(rc, index + i));
		r = meta_io(rc, REQ_OP_WRITE, meta_sector(rc, false, index), chunk, n);
		if (!r)
			r = meta_io(rc, REQ_OP_WRITE, meta_sector(rc, true, index), chunk, n);
		if (r)
			return r;
	}
	rc->md.generation = 1;

	/* The superblock last: a format cut short leaves no valid one. */
	r = sb_write(rc, false);
	if (!r)
		r = sb_write(rc, true);
	if (!r)
		DMINFO("%s: formatted spare: %llu spare blocks of %u bytes, %u metadata blocks",
		       dm_table_device_name(rc->ti->table), sb->geo.remap_slots,
		       sb->block_size, sb->geo.meta_blocks);
	return r;
}

/* ----------------------------------------------------------------------
 * Load
 */

static int meta_alloc(struct remap_c *rc)
{
	struct dmr_geometry *g = &rc->md.sb.geo;

	rc->md.rslot = kvcalloc(g->remap_slots, sizeof(u64), GFP_KERNEL);
	rc->md.pslot = kvcalloc(g->pending_slots, sizeof(u64), GFP_KERNEL);
	rc->md.dirty = bitmap_zalloc(g->meta_blocks, GFP_KERNEL);
	rc->md.pused = bitmap_zalloc(g->pending_slots, GFP_KERNEL);
	rc->md.gens = kvcalloc(g->meta_blocks, sizeof(u64), GFP_KERNEL);
	if (!rc->md.rslot || !rc->md.pslot || !rc->md.dirty || !rc->md.pused ||
	    !rc->md.gens)
		return -ENOMEM;
	return 0;
}

/* Pick the superblock; format a blank spare if allowed (then returns 1). */
static int meta_load_sb(struct remap_c *rc, bool format, void *chunk,
			char **error)
{
	const char *dev = dm_table_device_name(rc->ti->table);
	struct dmr_sb a, b, *sb = &rc->md.sb;
	const char *why_a = "", *why_b = "";
	bool a_ok, b_ok;
	int r;

	r = meta_io(rc, REQ_OP_READ, DMR_SB_A_SECTOR, chunk, 2);
	if (r) {
		*error = "Cannot read the spare's superblock";
		return r;
	}
	a_ok = !dmr_sb_decode(chunk, &a, &why_a);
	b_ok = !dmr_sb_decode(chunk + DMR_META_BLOCK_SIZE, &b, &why_b);

	switch (dmr_pick_copy(a_ok, a.generation, b_ok, b.generation)) {
	case DMR_PICK_A:
		*sb = a;
		break;
	case DMR_PICK_B:
		*sb = b;
		break;
	case DMR_PICK_NONE:
		if (dmr_sb_has_magic(chunk) ||
		    dmr_sb_has_magic(chunk + DMR_META_BLOCK_SIZE)) {
			DMERR("%s: superblock A: %s; superblock B: %s", dev, why_a, why_b);
			*error = "Both superblock copies on the spare are corrupt";
			return -EINVAL;
		}
		if (!format) {
			*error = "Spare has no dm-remap metadata (add the 'format' option to initialise it)";
			return -EINVAL;
		}
		if (dmr_geometry(bdev_nr_sectors(rc->spare->bdev),
				 512 << rc->shift, &sb->geo)) {
			*error = "Spare device too small for metadata and one spare block";
			return -EINVAL;
		}
		r = meta_alloc(rc);
		if (!r)
			r = meta_format(rc, sb, chunk);
		if (r) {
			*error = "Cannot format the spare";
			return r;
		}
		return 1;
	}

	if (a_ok != b_ok || a.generation != b.generation) {
		bool use_a = a_ok && sb->generation == a.generation;

		DMWARN("%s: superblock copy %s: %s; rewriting it from copy %s", dev,
		       use_a ? "B" : "A",
		       use_a ? (b_ok ? "older generation" : why_b) :
			       (a_ok ? "older generation" : why_a),
		       use_a ? "A" : "B");
		r = sb_write(rc, use_a);
		if (r) {
			*error = "Cannot repair the spare's superblock";
			return r;
		}
	}
	return meta_alloc(rc);
}

static int meta_check_sb(struct remap_c *rc, char **error)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	struct dmr_sb *sb = &rc->md.sb;

	if (sb->block_size != 512U << rc->shift) {
		*error = "Spare was formatted for a main device with another block size";
		return -EINVAL;
	}
	if (sb->main_blocks != rc->main_blocks) {
		*error = "Spare was formatted for a main device of another size";
		return -EINVAL;
	}
	if (sb->uuid[0] && !dm_copy_name_and_uuid(md, name, uuid) && uuid[0] &&
	    strcmp(uuid, sb->uuid)) {
		*error = "Spare belongs to another dm-remap device (UUID mismatch)";
		return -EINVAL;
	}
	if (bdev_nr_sectors(rc->spare->bdev) < sb->spare_sectors) {
		*error = "Spare device is smaller than its metadata describes";
		return -EINVAL;
	}
	return 0;
}

/* Read both copies of every metadata block and keep the best of each. */
static int meta_load_blocks(struct remap_c *rc, void *chunk, char **error)
{
	const char *dev = dm_table_device_name(rc->ti->table);
	struct dmr_sb *sb = &rc->md.sb;
	void *chunk_b = chunk + META_CHUNK * DMR_META_BLOCK_SIZE;
	const char *why_a = "", *why_b = "";
	u32 index, n, i, repaired = 0;
	u64 gen_a, gen_b;
	void *a, *b;
	bool a_ok, b_ok;
	int r;

	for (index = 0; index < sb->geo.meta_blocks; index += n) {
		n = min_t(u32, META_CHUNK, sb->geo.meta_blocks - index);
		r = meta_io(rc, REQ_OP_READ, meta_sector(rc, false, index), chunk, n);
		if (!r)
			r = meta_io(rc, REQ_OP_READ, meta_sector(rc, true, index), chunk_b, n);
		if (r) {
			*error = "Cannot read the spare's metadata";
			return r;
		}
		for (i = 0; i < n; i++) {
			u32 idx = index + i;
			u64 *slots = (u64 *)meta_slots(rc, idx);

			a = chunk + (size_t)i * DMR_META_BLOCK_SIZE;
			b = chunk_b + (size_t)i * DMR_META_BLOCK_SIZE;
			/* Decode A in place; B only checked unless it wins. */
			a_ok = !dmr_meta_decode(a, sb, idx, &gen_a, slots, &why_a);
			b_ok = !dmr_meta_decode(b, sb, idx, &gen_b, NULL, &why_b);
			switch (dmr_pick_copy(a_ok, gen_a, b_ok, gen_b)) {
			case DMR_PICK_A:
				rc->md.gens[idx] = gen_a;
				break;
			case DMR_PICK_B:
				dmr_meta_decode(b, sb, idx, &gen_b, slots, &why_b);
				rc->md.gens[idx] = gen_b;
				break;
			case DMR_PICK_NONE:
				DMERR("%s: metadata block %u: copy A: %s; copy B: %s",
				      dev, idx, why_a, why_b);
				*error = "A metadata block is corrupt in both copies";
				return -EINVAL;
			}
			if (a_ok != b_ok || gen_a != gen_b) {
				if (!a_ok || !b_ok)
					DMWARN("%s: metadata block %u copy %s: %s; rewriting it from copy %s",
					       dev, idx, a_ok ? "B" : "A", a_ok ? why_b : why_a,
					       a_ok ? "A" : "B");
				meta_dirty(rc, idx);
				repaired++;
			}
			rc->md.generation = max(rc->md.generation, rc->md.gens[idx]);
		}
	}
	if (repaired)
		DMWARN("%s: %u metadata blocks differed between the copies", dev,
		       repaired);
	return 0;
}

static u64 slot_gen(struct remap_c *rc, u64 k)
{
	return rc->md.gens[div_u64(k, DMR_ENTRIES_PER_BLOCK)];
}

/* Build the in-memory table from the slot arrays. */
static int meta_build_table(struct remap_c *rc, char **error)
{
	const char *dev = dm_table_device_name(rc->ti->table);
	struct dmr_geometry *g = &rc->md.sb.geo;
	u64 k, m, old;
	void *e;

	for (k = 0; k < g->remap_slots; k++) {
		switch (DMR_SLOT_STATE(rc->md.rslot[k])) {
		case DMR_SLOT_FREE:
			continue;
		case DMR_SLOT_RETIRED:
			rc->counts.retired++;
			break;
		case DMR_SLOT_REMAPPED:
			m = DMR_SLOT_BLOCK(rc->md.rslot[k]);
			e = xa_load(&rc->table, m);
			if (e) {
				/* Named twice: a commit cut short; the newer wins. */
				old = rs_spare(e);
				if (slot_gen(rc, old) == slot_gen(rc, k)) {
					DMERR("%s: spare blocks %llu and %llu both hold main block %llu",
					      dev, old, k, m);
					*error = "Metadata maps a main block twice";
					return -EINVAL;
				}
				if (slot_gen(rc, old) > slot_gen(rc, k)) {
					remap_meta_set_rslot(rc, k, DMR_SLOT(0, DMR_SLOT_RETIRED));
					rc->counts.retired++;
					break;
				}
				remap_meta_set_rslot(rc, old, DMR_SLOT(0, DMR_SLOT_RETIRED));
				rc->counts.retired++;
				rc->counts.remapped--;
			}
			if (xa_is_err(xa_store(&rc->table, m, rs_entry(k, RS_REMAPPED),
					       GFP_KERNEL)))
				goto nomem;
			rc->counts.remapped++;
			break;
		}
		rc->spare_next = k + 1;
	}

	for (k = 0; k < g->pending_slots; k++) {
		if (DMR_SLOT_STATE(rc->md.pslot[k]) != DMR_PSLOT_PENDING)
			continue;
		m = DMR_SLOT_BLOCK(rc->md.pslot[k]);
		if (xa_load(&rc->table, m)) {
			/* Remapped (or listed twice) already: drop this one. */
			remap_meta_pending_del(rc, k);
			continue;
		}
		if (xa_is_err(xa_store(&rc->table, m, rs_entry(k, RS_PENDING),
				       GFP_KERNEL)))
			goto nomem;
		__set_bit(k, rc->md.pused);
		rc->counts.pending++;
	}
	rc->nr_entries = rc->counts.remapped + rc->counts.pending;
	return 0;

nomem:
	*error = "Cannot allocate the remap table";
	return -ENOMEM;
}

static int meta_claim(struct remap_c *rc, char **error)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	dev_t dev = rc->spare->bdev->bd_dev;
	struct remap_spare_user *u;
	int r = 0;

	mutex_lock(&spare_users_lock);
	list_for_each_entry(u, &spare_users, list)
		if (u->dev == dev)
			goto found;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u) {
		*error = "Cannot allocate context";
		r = -ENOMEM;
		goto out;
	}
	u->dev = dev;
	u->md = md;
	list_add(&u->list, &spare_users);
found:
	if (u->md != md) {
		*error = "Spare device is in use by another dm-remap device";
		r = -EBUSY;
		goto out;
	}
	u->users++;
	rc->md.user = u;
out:
	mutex_unlock(&spare_users_lock);
	return r;
}

static void meta_unclaim(struct remap_c *rc)
{
	struct remap_spare_user *u = rc->md.user;

	if (!u)
		return;
	mutex_lock(&spare_users_lock);
	if (!--u->users) {
		list_del(&u->list);
		kfree(u);
	}
	mutex_unlock(&spare_users_lock);
}

/* Read (or format) the spare's metadata and build the table from it. */
static int meta_load(struct remap_c *rc, bool format, char **error)
{
	void *chunk;
	int r;

	chunk = vmalloc(2 * META_CHUNK * DMR_META_BLOCK_SIZE);
	if (!chunk) {
		*error = "Cannot allocate metadata buffers";
		return -ENOMEM;
	}
	r = meta_load_sb(rc, format, chunk, error);
	if (r == 0)
		r = meta_check_sb(rc, error);
	if (r == 0)
		r = meta_load_blocks(rc, chunk, error);
	vfree(chunk);
	if (r < 0)
		return r;

	r = meta_build_table(rc, error);
	if (r)
		return r;

	rc->spare_start = rc->md.sb.geo.data_start;
	rc->spare_blocks = rc->md.sb.geo.remap_slots;
	if (rc->md.sb.state & DMR_STATE_METADATA_FAILED) {
		rc->md.failed = true;
		DMWARN("%s: metadata marked failed: existing remaps are served, no new ones",
		       dm_table_device_name(rc->ti->table));
	} else if (rc->md.nr_dirty && remap_meta_commit(rc)) {
		*error = "Cannot repair the spare's metadata";
		return -EIO;
	}
	WRITE_ONCE(rc->md.user->generation,
		   max(READ_ONCE(rc->md.user->generation), rc->md.generation));
	return 0;
}

static void meta_free(struct remap_c *rc)
{
	kvfree(rc->md.gens);
	bitmap_free(rc->md.pused);
	bitmap_free(rc->md.dirty);
	kvfree(rc->md.pslot);
	kvfree(rc->md.rslot);
	rc->md.gens = NULL;
	rc->md.pused = NULL;
	rc->md.dirty = NULL;
	rc->md.pslot = NULL;
	rc->md.rslot = NULL;
}

int remap_meta_open(struct remap_c *rc, bool format, char **error)
{
	int r;

	r = meta_claim(rc, error);
	if (r)
		return r;
	rc->md.io = dm_io_client_create();
	if (IS_ERR(rc->md.io)) {
		r = PTR_ERR(rc->md.io);
		rc->md.io = NULL;
		*error = "Cannot create the metadata I/O client";
		return r;
	}
	rc->md.block = kmalloc(DMR_META_BLOCK_SIZE, GFP_KERNEL);
	if (!rc->md.block) {
		*error = "Cannot allocate metadata buffers";
		return -ENOMEM;
	}
	return meta_load(rc, format, error);
}

/*
 * At resume: if another table of this device committed after our
 * constructor read the metadata, read it again (that table is suspended
 * now, so the spare is final).
 */
int remap_meta_preresume(struct remap_c *rc)
{
	char *error = "";
	int r;

	if (READ_ONCE(rc->md.user->generation) == rc->md.generation)
		return 0;

	mutex_lock(&rc->table_lock);
	DMINFO("%s: the previous table changed the spare's metadata; reloading it",
	       dm_table_device_name(rc->ti->table));
	xa_destroy(&rc->table);
	WRITE_ONCE(rc->nr_entries, 0);
	memset(&rc->counts, 0, sizeof(rc->counts));
	rc->spare_next = 0;
	meta_free(rc);
	memset(&rc->md.sb, 0, sizeof(rc->md.sb));
	rc->md.generation = 0;
	rc->md.nr_dirty = 0;
	rc->md.failed = false;
	r = meta_load(rc, false, &error);
	mutex_unlock(&rc->table_lock);
	if (r)
		DMERR("%s: cannot reload the metadata: %s",
		      dm_table_device_name(rc->ti->table), error);
	return r;
}

void remap_meta_close(struct remap_c *rc)
{
	meta_free(rc);
	meta_unclaim(rc);
	kfree(rc->md.block);
	if (rc->md.io)
		dm_io_client_destroy(rc->md.io);
}
