// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap metadata: the store shared by the tables that use one spare, and
 * format, load and commit of the on-disk remap table (format:
 * dm-remap-format.h, docs/FORMAT.md).
 *
 * In memory, md.rev says what each used spare block holds and md.pend lists
 * the pending main blocks; a change marks its metadata block dirty.  A
 * commit writes the dirty blocks to copy A, then copy B, each with FUA,
 * remap blocks in descending index order first (a new slot is always at a
 * higher index than the slot it supersedes), then pending blocks.  In a
 * version 2 spare, a metadata block used for the first time is written to
 * both copies and then counted in both superblocks before any other block
 * of the commit.  Whatever instant power fails, every committed entry
 * survives in at least one copy, and the newest valid copy of each block is
 * used.
 */
#include <linux/blkdev.h>
#include <linux/dm-ioctl.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "dm-remap.h"
#include "dm-remap-compat.h"

#define EPB ((u32)DMR_ENTRIES_PER_BLOCK)

/* Metadata blocks per read request when loading. */
#define META_CHUNK 256


static LIST_HEAD(stores);
static DEFINE_MUTEX(stores_lock);

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
		.client = rc->st->md.io,
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

static sector_t meta_sector(struct remap_store *st, bool copy_b, u32 index)
{
	return (copy_b ? st->md.sb.geo.meta_b : DMR_META_A_SECTOR) +
	       (sector_t)index * DMR_META_BLOCK_SECTORS;
}

/* Absolute metadata block index of remap slot @k and of pending slot @p. */
static u32 meta_index_of_rslot(u64 k)
{
	return (u32)div_u64(k, EPB);
}

static u32 meta_index_of_pslot(struct remap_store *st, u64 p)
{
	return st->md.sb.geo.remap_meta_blocks + (u32)div_u64(p, EPB);
}

/* ----------------------------------------------------------------------
 * Superblock
 */

static int sb_write(struct remap_c *rc, bool copy_b)
{
	struct remap_md *md = &rc->st->md;

	dmr_sb_encode(&md->sb, md->block);
	return meta_io(rc, REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA,
		       copy_b ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR, md->block, 1);
}

static int sb_write_both(struct remap_c *rc)
{
	int r;

	rc->st->md.sb.generation++;
	r = sb_write(rc, false);
	return r ? r : sb_write(rc, true);
}

/*
 * A metadata write failed: refuse new remaps from now on, and record it in
 * the superblock so that the state survives reactivation.  What the failed
 * commit wanted to write is dropped: in-core state must not run ahead of
 * the disk, so the engine fails the entries it was for.
 */
static void meta_fail(struct remap_c *rc, int err)
{
	struct remap_md *md = &rc->st->md;

	md->nr_dirty = 0;
	if (md->failed)
		return;
	WRITE_ONCE(md->failed, true);
	DMERR("%s: metadata write failed (%d): no new remaps, write errors are returned",
	      remap_name(rc), err);
	md->sb.state |= DMR_STATE_METADATA_FAILED;
	if (sb_write_both(rc))
		DMERR("%s: cannot record the failure in the superblock either",
		      remap_name(rc));
	dm_table_event(rc->ti->table);
}

/* ----------------------------------------------------------------------
 * Slot changes (st->lock held)
 */

static void meta_dirty(struct remap_store *st, u32 index)
{
	struct remap_md *md = &st->md;
	unsigned int i;

	if (md->failed)
		return;
	for (i = 0; i < md->nr_dirty; i++)
		if (md->dirty[i] == index)
			return;
	/* Callers make room first (remap_meta_room). */
	if (!WARN_ON_ONCE(md->nr_dirty == REMAP_MAX_DIRTY))
		md->dirty[md->nr_dirty++] = index;
}

/* How many more metadata blocks may be changed before a commit is due. */
unsigned int remap_meta_room(struct remap_store *st)
{
	return REMAP_MAX_DIRTY - st->md.nr_dirty;
}

/*
 * Room in md.rev for spare block @spare (< spare_blocks), which grows by
 * doubling: the array is sized by the spare blocks in use.
 */
int remap_meta_rev_reserve(struct remap_store *st, u64 spare)
{
	struct remap_md *md = &st->md;
	u64 len = max_t(u64, md->rev_len, EPB), *rev;
	unsigned int noio;

	if (spare < md->rev_len)
		return 0;
	while (len <= spare)
		len *= 2;
	len = min(len, st->spare_blocks);
	/* Called with I/O held: kvmalloc may only use vmalloc with GFP_KERNEL. */
	noio = memalloc_noio_save();
	rev = kvcalloc(len, sizeof(*rev), GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!rev)
		return -ENOMEM;
	if (md->rev_len)
		memcpy(rev, md->rev, md->rev_len * sizeof(*rev));
	kvfree(md->rev);
	md->rev = rev;
	md->rev_len = len;
	return 0;
}

/* The rev slot of @spare must exist (remap_meta_rev_reserve()). */
int remap_meta_set_rslot(struct remap_c *rc, u64 spare, u64 slot)
{
	struct remap_store *st = rc->st;

	if (WARN_ON_ONCE(spare >= st->md.rev_len))
		return -EINVAL;
	st->md.rev[spare] = slot;
	meta_dirty(st, meta_index_of_rslot(spare));
	return 0;
}

/* A pending slot for main block @block, or RS_NO_PSLOT (kept in memory). */
u64 remap_meta_pending_add(struct remap_c *rc, u64 block)
{
	struct remap_store *st = rc->st;
	struct remap_md *md = &st->md;
	u32 p;

	if (md->failed || !rc->writable ||
	    xa_alloc(&md->pend, &p, xa_mk_value((unsigned long)block),
		     XA_LIMIT(0, min_t(u64, md->sb.geo.pending_slots - 1, U32_MAX)),
		     GFP_NOIO))
		return RS_NO_PSLOT;
	meta_dirty(st, meta_index_of_pslot(st, p));
	return p;
}

void remap_meta_pending_del(struct remap_c *rc, u64 p)
{
	struct remap_store *st = rc->st;

	if (p == RS_NO_PSLOT)
		return;
	xa_erase(&st->md.pend, (unsigned long)p);
	meta_dirty(st, meta_index_of_pslot(st, p));
}

/* ----------------------------------------------------------------------
 * Commit
 */

/* Encode block @index from md.rev or md.pend into md.block. */
static void meta_encode(struct remap_store *st, u32 index, u64 gen, u64 *slots)
{
	struct remap_md *md = &st->md;
	u64 first = dmr_meta_first_slot(&md->sb, index);
	u32 n = dmr_meta_nr_slots(&md->sb, index);
	unsigned long i;
	void *e;

	memset(slots, 0, n * sizeof(*slots));
	if (dmr_meta_is_remap(&md->sb, index)) {
		if (first < md->rev_len)
			memcpy(slots, md->rev + first,
			       min_t(u64, n, md->rev_len - first) * sizeof(*slots));
	} else {
		xa_for_each_range(&md->pend, i, e, first, first + n - 1)
			slots[i - first] = DMR_SLOT(xa_to_value(e), DMR_PSLOT_PENDING);
	}
	dmr_meta_encode(md->block, &md->sb, gen, index, slots);
}

/*
 * Remap blocks first, from the highest index down, then pending blocks: a
 * new REMAPPED slot is durable before the older slot it supersedes is
 * retired, and before the pending slot it ends is freed.
 */
static int meta_order(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

static bool meta_is_new(struct remap_store *st, u32 index)
{
	const struct dmr_sb *sb = &st->md.sb;

	if (dmr_meta_is_remap(sb, index))
		return index >= sb->remap_meta_used;
	return index - sb->geo.remap_meta_blocks >= sb->pending_meta_used;
}

/* Write blocks @idx[0..n) of one copy; the first write may flush first. */
static int meta_write_copy(struct remap_c *rc, const u32 *idx, unsigned int n,
			   bool copy_b, u64 gen, bool *flush, u64 *slots)
{
	struct remap_store *st = rc->st;
	unsigned int i;
	int r;

	for (i = 0; i < n; i++) {
		blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | REQ_FUA;

		/* The first write also flushes the spare data written before it. */
		if (*flush)
			opf |= REQ_PREFLUSH;
		meta_encode(st, idx[i], gen, slots);
		r = meta_io(rc, opf, meta_sector(st, copy_b, idx[i]), st->md.block, 1);
		if (r)
			return r;
		*flush = false;
	}
	return 0;
}

/* Blocks used for the first time, then the superblocks that count them. */
static int meta_commit_new(struct remap_c *rc, u32 *idx, unsigned int n,
			   u64 gen, bool *flush, u64 *slots)
{
	struct dmr_sb *sb = &rc->st->md.sb;
	u32 rused = sb->remap_meta_used, pused = sb->pending_meta_used;
	unsigned int i;
	int r;

	r = meta_write_copy(rc, idx, n, false, gen, flush, slots);
	if (!r)
		r = meta_write_copy(rc, idx, n, true, gen, flush, slots);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		if (dmr_meta_is_remap(sb, idx[i]))
			rused = max(rused, idx[i] + 1);
		else
			pused = max(pused, idx[i] - sb->geo.remap_meta_blocks + 1);
	}
	sb->remap_meta_used = rused;
	sb->pending_meta_used = pused;
	return sb_write_both(rc);
}

/* Make every dirty metadata block durable in both copies. */
int remap_meta_commit(struct remap_c *rc)
{
	struct remap_md *md = &rc->st->md;
	u64 gen = md->generation + 1;
	u32 fresh[REMAP_MAX_DIRTY], old[REMAP_MAX_DIRTY];
	unsigned int i, np, nf = 0, no = 0;
	bool flush = true;
	u64 *slots;
	int r;

	if (!md->nr_dirty)
		return 0;
	if (md->failed)
		return -EIO;
	if (WARN_ON_ONCE(!rc->writable))
		return -EROFS;

	slots = kmalloc_array(EPB, sizeof(*slots), GFP_NOIO);
	if (!slots) {
		r = -ENOMEM;
		goto fail;
	}
	/* Descending puts pending blocks (the highest indices) first: skip them. */
	sort(md->dirty, md->nr_dirty, sizeof(md->dirty[0]), meta_order, NULL);
	for (np = 0; np < md->nr_dirty; np++)
		if (dmr_meta_is_remap(&md->sb, md->dirty[np]))
			break;
	for (i = 0; i < md->nr_dirty; i++) {
		u32 index = md->dirty[(np + i) % md->nr_dirty];

		if (meta_is_new(rc->st, index))
			fresh[nf++] = index;
		else
			old[no++] = index;
	}
	r = nf ? meta_commit_new(rc, fresh, nf, gen, &flush, slots) : 0;
	if (!r)
		r = meta_write_copy(rc, old, no, false, gen, &flush, slots);
	if (!r)
		r = meta_write_copy(rc, old, no, true, gen, &flush, slots);
	kfree(slots);
	if (r)
		goto fail;
	md->generation = gen;
	md->nr_dirty = 0;
	return 0;
fail:
	meta_fail(rc, r);
	return r;
}

/* ----------------------------------------------------------------------
 * Format
 */

static int meta_format(struct remap_c *rc, char **error)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	struct block_device *spare = rc->spare->bdev;
	struct dmr_sb *sb = &rc->st->md.sb;
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	u32 bs = 512U << rc->shift;
	int r;

	if (!rc->writable) {
		*error = "Cannot format the spare of a read-only table";
		return -EROFS;
	}
	memset(sb, 0, sizeof(*sb));
	sb->version = DMR_FORMAT_VERSION;
	sb->block_size = bs;
	/*
	 * A spare whose physical block is larger than a block (512e) would
	 * read-modify-write its neighbours on every spare write, and a power
	 * cut could tear them: give each spare block a physical block.
	 */
	sb->slot_size = clamp_t(u32, bdev_physical_block_size(spare), bs, 65536);
	if (sb->slot_size > bs && bdev_alignment_offset(spare)) {
		*error = "Spare is not aligned to its physical blocks (repartition it)";
		return -EINVAL;
	}
	sb->spare_sectors = bdev_nr_sectors(spare);
	if (dmr_geometry(sb->spare_sectors, sb->slot_size, &sb->geo)) {
		*error = "Spare device too small for metadata and one spare block";
		return -EINVAL;
	}
	sb->generation = 1;
	sb->format_id = get_random_u64();
	sb->main_blocks = rc->st->main_blocks;
	sb->main_sectors = bdev_nr_sectors(rc->main->bdev);
	sb->created = ktime_get_real_seconds();
	if (!dm_copy_name_and_uuid(md, name, uuid))
		strscpy(sb->uuid, uuid, sizeof(sb->uuid));
	rc->st->md.generation = 1;

	/* Version 2: no metadata block is used yet, the superblocks say so. */
	r = sb_write(rc, false);
	if (!r)
		r = sb_write(rc, true);
	if (r) {
		*error = "Cannot write the spare's superblock";
		return r;
	}
	DMINFO("%s: formatted spare: %llu spare blocks of %u bytes (%u apart)",
	       remap_name(rc), sb->geo.remap_slots, bs, sb->slot_size);
	return 0;
}

/* ----------------------------------------------------------------------
 * Load
 */

/* Read one copy of @n metadata blocks; an unreadable block is all zero. */
static void meta_read(struct remap_c *rc, sector_t sector, void *buf,
		      unsigned int n, const char *what, u32 first)
{
	unsigned int i;

	if (!meta_io(rc, REQ_OP_READ, sector, buf, n))
		return;
	for (i = 0; i < n; i++) {
		void *b = buf + (size_t)i * DMR_META_BLOCK_SIZE;

		if (meta_io(rc, REQ_OP_READ, sector + i * DMR_META_BLOCK_SECTORS, b, 1)) {
			DMWARN("%s: %s %u cannot be read: using the other copy",
			       remap_name(rc), what, first + i);
			memset(b, 0, DMR_META_BLOCK_SIZE);
		}
	}
}

/* Pick the superblock; format a blank spare if allowed. */
static int meta_load_sb(struct remap_c *rc, bool format, void *buf, char **error)
{
	struct remap_md *md = &rc->st->md;
	struct dmr_sb a, b;
	const char *why_a = "unreadable", *why_b = "unreadable";
	bool a_ok = false, b_ok = false, a_read, b_read, use_a;

	a_read = !meta_io(rc, REQ_OP_READ, DMR_SB_A_SECTOR, buf, 1);
	if (a_read)
		a_ok = !dmr_sb_decode(buf, &a, &why_a);
	b_read = !meta_io(rc, REQ_OP_READ, DMR_SB_B_SECTOR,
			  buf + DMR_META_BLOCK_SIZE, 1);
	if (b_read)
		b_ok = !dmr_sb_decode(buf + DMR_META_BLOCK_SIZE, &b, &why_b);

	switch (dmr_pick_copy(a_ok, a.generation, b_ok, b.generation)) {
	case DMR_PICK_A:
		md->sb = a;
		break;
	case DMR_PICK_B:
		md->sb = b;
		break;
	case DMR_PICK_NONE:
		if (!a_read || !b_read) {
			DMERR("%s: superblock A: %s; superblock B: %s", remap_name(rc),
			      why_a, why_b);
			*error = "Cannot read the spare's superblock";
			return -EIO;
		}
		if (dmr_sb_has_magic(buf) ||
		    dmr_sb_has_magic(buf + DMR_META_BLOCK_SIZE)) {
			DMERR("%s: superblock A: %s; superblock B: %s", remap_name(rc),
			      why_a, why_b);
			*error = "Both superblock copies on the spare are corrupt";
			return -EINVAL;
		}
		if (!format) {
			*error = "Spare has no dm-remap metadata (add the 'format' option to initialise it)";
			return -EINVAL;
		}
		return meta_format(rc, error);
	}

	if (a_ok == b_ok && a.generation == b.generation)
		return 0;
	use_a = a_ok && md->sb.generation == a.generation;
	DMWARN("%s: superblock copy %s: %s; %s it from copy %s", remap_name(rc),
	       use_a ? "B" : "A",
	       use_a ? (b_ok ? "older generation" : why_b) :
		       (a_ok ? "older generation" : why_a),
	       rc->writable ? "rewriting" : "read-only table, not rewriting",
	       use_a ? "A" : "B");
	if (rc->writable && sb_write(rc, use_a)) {
		*error = "Cannot repair the spare's superblock";
		return -EIO;
	}
	return 0;
}

static int meta_check_sb(struct remap_c *rc, char **error)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	struct dmr_sb *sb = &rc->st->md.sb;

	if (sb->block_size != 512U << rc->shift) {
		*error = "Spare was formatted for a main device with another block size";
		return -EINVAL;
	}
	if (sb->main_blocks != rc->ti->len >> rc->shift) {
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
	if (sb->slot_size < bdev_physical_block_size(rc->spare->bdev))
		DMWARN_LIMIT("%s: spare blocks of %u bytes share the spare's %u-byte physical blocks: a power cut during a spare write can damage a neighbour",
			     remap_name(rc), sb->slot_size,
			     bdev_physical_block_size(rc->spare->bdev));
	return 0;
}

/* What loading needs beyond the store: both copies and per-block state. */
struct meta_loader {
	void *a, *b;		/* META_CHUNK blocks of each copy */
	u64 *slots;		/* one block's slots */
	u64 *gens;		/* generation of each remap block */
	unsigned long *repair;	/* blocks whose copies differ */
	u32 nr_blocks;		/* remap_meta_used + pending_meta_used */
	unsigned int nr_repair;
	/* Table entries in load order, sorted into the table at the end. */
	struct rt_pair *pairs;
	size_t nr_pairs, max_pairs;
};

static u32 loader_bit(struct remap_store *st, u32 index)
{
	const struct dmr_sb *sb = &st->md.sb;

	return dmr_meta_is_remap(sb, index) ? index :
	       sb->remap_meta_used + index - sb->geo.remap_meta_blocks;
}

static void loader_repair(struct remap_store *st, struct meta_loader *ld, u32 index)
{
	if (!__test_and_set_bit(loader_bit(st, index), ld->repair))
		ld->nr_repair++;
}

/* What spare block @k holds: @slot (a DMR_SLOT). */
static int loader_rev(struct remap_store *st, u64 k, u64 slot)
{
	/* rev_len covers every slot of the remap blocks in use. */
	if (WARN_ON(k >= st->md.rev_len))
		return -EINVAL;
	st->md.rev[k] = slot;
	return 0;
}

/* Entry @e for main block @m, into the table when loading is done. */
static int loader_add(struct remap_store *st, struct meta_loader *ld, u64 m, void *e)
{
	/* max_pairs is every slot of the blocks in use. */
	if (WARN_ON(ld->nr_pairs == ld->max_pairs))
		return -EINVAL;
	remap_region_set(st, m);
	ld->pairs[ld->nr_pairs].key = m;
	ld->pairs[ld->nr_pairs].entry = (unsigned long)e;
	ld->nr_pairs++;
	return 0;
}

/* Slot @k of a remap block names main block @m: record it. */
static int meta_load_rslot(struct remap_c *rc, struct meta_loader *ld, u64 k, u64 m)
{
	struct remap_store *st = rc->st;
	int r;

	r = loader_add(st, ld, m, rs_entry(k, RS_REMAPPED));
	if (!r)
		r = loader_rev(st, k, DMR_SLOT(m, DMR_SLOT_REMAPPED));
	if (r)
		return r;
	st->counts.remapped++;
	return 0;
}

/*
 * Main block @w->key is named again by @d, loaded after @w: keep one of
 * them in @w.  A pending slot for a block remapped (or pending) already is
 * dropped; of two remap slots (a commit cut short), the newer block wins.
 */
static int meta_resolve(struct remap_c *rc, struct meta_loader *ld,
			struct rt_pair *w, const struct rt_pair *d, char **error)
{
	struct remap_store *st = rc->st;
	void *we = (void *)w->entry, *de = (void *)d->entry;
	u64 m = w->key, old = rs_spare(we), k = rs_spare(de);
	u64 gen_old, gen_new;

	if (rs_state(de) == RS_PENDING) {
		loader_repair(st, ld, meta_index_of_pslot(st, k));
		xa_erase(&st->md.pend, (unsigned long)k);
		st->counts.pending--;
		return 0;
	}
	/* Remap slots load before pending ones: @w is a remap slot too. */
	gen_old = ld->gens[meta_index_of_rslot(old)];
	gen_new = ld->gens[meta_index_of_rslot(k)];
	if (gen_old == gen_new) {
		DMERR("%s: spare blocks %llu and %llu both hold main block %llu",
		      remap_name(rc), old, k, m);
		*error = "Metadata maps a main block twice";
		return -EINVAL;
	}
	st->counts.retired++;
	st->counts.remapped--;
	if (gen_old > gen_new) {
		loader_repair(st, ld, meta_index_of_rslot(k));
		return loader_rev(st, k, DMR_SLOT(m, DMR_SLOT_RETIRED));
	}
	loader_repair(st, ld, meta_index_of_rslot(old));
	w->entry = d->entry;
	return loader_rev(st, old, DMR_SLOT(m, DMR_SLOT_RETIRED));
}

/*
 * The table, from the pairs loaded: sorted by main block (the pairs of one
 * block stay in load order), one entry kept per block, built bottom-up.
 */
static int meta_build_table(struct remap_c *rc, struct meta_loader *ld, char **error)
{
	size_t i, n = 0;
	int r;

	r = remap_table_sort(ld->pairs, ld->nr_pairs);
	for (i = 0; !r && i < ld->nr_pairs; i++) {
		if (n && ld->pairs[i].key == ld->pairs[n - 1].key)
			r = meta_resolve(rc, ld, &ld->pairs[n - 1], &ld->pairs[i], error);
		else
			ld->pairs[n++] = ld->pairs[i];
	}
	return r ?: remap_table_build(&rc->st->table, ld->pairs, n);
}

/* Build the table from metadata block @i, decoded into ld->slots. */
static int meta_load_block(struct remap_c *rc, struct meta_loader *ld, u32 i,
			   char **error)
{
	struct remap_store *st = rc->st;
	const struct dmr_sb *sb = &st->md.sb;
	u64 first = dmr_meta_first_slot(sb, i), m;
	u32 s, n = dmr_meta_nr_slots(sb, i);
	int r;

	for (s = 0; s < n; s++) {
		u64 slot = ld->slots[s];

		m = DMR_SLOT_BLOCK(slot);
		if (!dmr_meta_is_remap(sb, i)) {
			if (DMR_SLOT_STATE(slot) != DMR_PSLOT_PENDING)
				continue;
			/* Remapped or listed twice: meta_resolve() drops it. */
			if (xa_is_err(xa_store(&st->md.pend, first + s,
					       xa_mk_value((unsigned long)m), GFP_KERNEL)))
				return -ENOMEM;
			r = loader_add(st, ld, m, rs_entry(first + s, RS_PENDING));
			if (r)
				return r;
			st->counts.pending++;
			continue;
		}
		switch (DMR_SLOT_STATE(slot)) {
		case DMR_SLOT_FREE:
			continue;
		case DMR_SLOT_RETIRED:
			st->counts.retired++;
			r = loader_rev(st, first + s, DMR_SLOT(m, DMR_SLOT_RETIRED));
			if (r)
				return r;
			break;
		case DMR_SLOT_REMAPPED:
			r = meta_load_rslot(rc, ld, first + s, m);
			if (r)
				return r;
			break;
		}
		st->spare_next = first + s + 1;
	}
	return 0;
}

/* Check both copies of metadata block @i (at @a and @b), keep the best. */
static int meta_pick_block(struct remap_c *rc, struct meta_loader *ld, u32 i,
			   const void *a, const void *b, char **error)
{
	struct remap_store *st = rc->st;
	const char *why_a = "", *why_b = "";
	u64 gen_a = 0, gen_b = 0, gen;
	bool a_ok, b_ok;

	a_ok = !dmr_meta_decode(a, &st->md.sb, i, &gen_a, ld->slots, &why_a);
	b_ok = !dmr_meta_decode(b, &st->md.sb, i, &gen_b, NULL, &why_b);
	switch (dmr_pick_copy(a_ok, gen_a, b_ok, gen_b)) {
	case DMR_PICK_A:
		gen = gen_a;
		break;
	case DMR_PICK_B:
		dmr_meta_decode(b, &st->md.sb, i, &gen_b, ld->slots, &why_b);
		gen = gen_b;
		break;
	default:
		DMERR("%s: metadata block %u: copy A: %s; copy B: %s",
		      remap_name(rc), i, why_a, why_b);
		*error = "A metadata block is corrupt in both copies";
		return -EINVAL;
	}
	if (a_ok != b_ok || gen_a != gen_b) {
		if (!a_ok || !b_ok)
			DMWARN("%s: metadata block %u copy %s: %s; rewriting it from copy %s",
			       remap_name(rc), i, a_ok ? "B" : "A",
			       a_ok ? why_b : why_a, a_ok ? "A" : "B");
		loader_repair(st, ld, i);
	}
	if (dmr_meta_is_remap(&st->md.sb, i))
		ld->gens[i] = gen;
	st->md.generation = max(st->md.generation, gen);
	return 0;
}

/* Blocks [first, first + count) of the metadata: read, pick, build. */
static int meta_load_range(struct remap_c *rc, struct meta_loader *ld,
			   u32 first, u32 count, char **error)
{
	struct remap_store *st = rc->st;
	u32 idx, n, i;
	int r;

	for (idx = first; idx < first + count; idx += n) {
		n = min_t(u32, META_CHUNK, first + count - idx);
		meta_read(rc, meta_sector(st, false, idx), ld->a, n,
			  "metadata copy A block", idx);
		meta_read(rc, meta_sector(st, true, idx), ld->b, n,
			  "metadata copy B block", idx);
		for (i = 0; i < n; i++) {
			r = meta_pick_block(rc, ld, idx + i,
					    ld->a + (size_t)i * DMR_META_BLOCK_SIZE,
					    ld->b + (size_t)i * DMR_META_BLOCK_SIZE,
					    error);
			if (!r)
				r = meta_load_block(rc, ld, idx + i, error);
			if (r)
				return r;
		}
	}
	return 0;
}

static void loader_free(struct meta_loader *ld)
{
	kvfree(ld->a);
	kvfree(ld->b);
	kfree(ld->slots);
	kvfree(ld->gens);
	kvfree(ld->pairs);
	bitmap_free(ld->repair);
}

/* Write the blocks whose copies differed, REMAP_MAX_DIRTY at a time. */
static int meta_repair(struct remap_c *rc, struct meta_loader *ld)
{
	struct remap_store *st = rc->st;
	const struct dmr_sb *sb = &st->md.sb;
	u32 bit, index;
	int r;

	for_each_set_bit(bit, ld->repair, ld->nr_blocks) {
		index = bit < sb->remap_meta_used ? bit :
			sb->geo.remap_meta_blocks + bit - sb->remap_meta_used;
		if (st->md.nr_dirty == REMAP_MAX_DIRTY) {
			r = remap_meta_commit(rc);
			if (r)
				return r;
		}
		meta_dirty(st, index);
	}
	return remap_meta_commit(rc);
}

static int meta_load_blocks(struct remap_c *rc, char **error)
{
	struct remap_store *st = rc->st;
	const struct dmr_sb *sb = &st->md.sb;
	struct meta_loader ld = {
		.nr_blocks = sb->remap_meta_used + sb->pending_meta_used,
	};
	u32 chunk = min_t(u32, META_CHUNK, max(sb->remap_meta_used, sb->pending_meta_used));
	int r = -ENOMEM;

	if (!ld.nr_blocks)
		return 0;
	ld.a = kvmalloc_array(chunk, DMR_META_BLOCK_SIZE, GFP_KERNEL);
	ld.b = kvmalloc_array(chunk, DMR_META_BLOCK_SIZE, GFP_KERNEL);
	ld.slots = kmalloc_array(EPB, sizeof(u64), GFP_KERNEL);
	ld.gens = kvcalloc(max(sb->remap_meta_used, 1U), sizeof(u64), GFP_KERNEL);
	ld.repair = bitmap_zalloc(ld.nr_blocks, GFP_KERNEL);
	ld.max_pairs = (size_t)ld.nr_blocks * EPB;
	ld.pairs = kvmalloc_array(ld.max_pairs, sizeof(*ld.pairs), GFP_KERNEL);
	/* md.rev: every slot of the remap blocks in use (it grows as more are). */
	st->md.rev_len = min_t(u64, (u64)sb->remap_meta_used * EPB, sb->geo.remap_slots);
	if (st->md.rev_len)
		st->md.rev = kvcalloc(st->md.rev_len, sizeof(u64), GFP_KERNEL);
	if (!ld.a || !ld.b || !ld.slots || !ld.gens || !ld.repair || !ld.pairs ||
	    (st->md.rev_len && !st->md.rev)) {
		*error = "Cannot allocate metadata buffers";
		goto out;
	}

	r = meta_load_range(rc, &ld, 0, sb->remap_meta_used, error);
	if (!r)
		r = meta_load_range(rc, &ld, sb->geo.remap_meta_blocks,
				    sb->pending_meta_used, error);
	if (!r)
		r = meta_build_table(rc, &ld, error);
	if (r == -ENOMEM)
		*error = "Cannot allocate the remap table";
	if (r || !ld.nr_repair)
		goto out;

	DMWARN("%s: %u metadata blocks differed between the copies%s",
	       remap_name(rc), ld.nr_repair,
	       rc->writable ? "" : " (read-only table: not repaired)");
	if (rc->writable && !(sb->state & DMR_STATE_METADATA_FAILED) &&
	    meta_repair(rc, &ld)) {
		*error = "Cannot repair the spare's metadata";
		r = -EIO;
	}
out:
	loader_free(&ld);
	return r;
}

/* ----------------------------------------------------------------------
 * The store: one per spare in use
 */

static void store_free(struct remap_store *st)
{
	remap_table_destroy(&st->table);
	kfree(st->inflight);
	kvfree(st->md.rev);
	xa_destroy(&st->md.pend);
	kvfree(st->regions);
	free_percpu(st->stats);
	kfree(st->md.block);
	if (st->md.io)
		dm_io_client_destroy(st->md.io);
	kfree(st);
}

/* Read (or format) the spare's metadata and build the table from it. */
static int store_load(struct remap_c *rc, bool format, char **error)
{
	struct remap_store *st = rc->st;
	void *buf;
	int r;

	/* Regions of 1 MiB of main, or larger ones so that the map is small. */
	st->region_shift = st->shift < 11 ? 11 - st->shift : 0;
	while ((st->main_blocks - 1) >> st->region_shift >= REMAP_MAX_REGIONS)
		st->region_shift++;
	st->regions = kvcalloc(BITS_TO_LONGS(((st->main_blocks - 1) >> st->region_shift) + 1),
			       sizeof(long), GFP_KERNEL);
	if (!st->regions) {
		*error = "Cannot allocate the region map";
		return -ENOMEM;
	}

	buf = kmalloc(2 * DMR_META_BLOCK_SIZE, GFP_KERNEL);
	if (!buf) {
		*error = "Cannot allocate metadata buffers";
		return -ENOMEM;
	}
	r = meta_load_sb(rc, format, buf, error);
	kfree(buf);
	if (!r)
		r = meta_check_sb(rc, error);
	if (!r)
		r = meta_load_blocks(rc, error);
	if (r)
		return r;

	st->spare_start = st->md.sb.geo.data_start;
	st->spare_blocks = st->md.sb.geo.remap_slots;
	st->slot_shift = ilog2(st->md.sb.slot_size) - SECTOR_SHIFT;
	st->nr_entries = st->counts.remapped + st->counts.pending;
	if (st->md.sb.state & DMR_STATE_METADATA_FAILED) {
		st->md.failed = true;
		DMWARN("%s: metadata marked failed: existing remaps are served, no new ones",
		       remap_name(rc));
	}
	return 0;
}

static int store_create(struct remap_c *rc, bool format, char **error)
{
	struct remap_store *st;
	unsigned int noio;
	int r;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		*error = "Cannot allocate context";
		return -ENOMEM;
	}
	st->dev = rc->spare->bdev->bd_dev;
	st->owner = dm_table_get_md(rc->ti->table);
	st->shift = rc->shift;
	st->main_blocks = rc->ti->len >> rc->shift;
	st->counters_since = ktime_get_real_seconds();
	INIT_LIST_HEAD(&st->targets);
	mutex_init(&st->lock);
	remap_table_init(&st->table);
	xa_init_flags(&st->md.pend, XA_FLAGS_ALLOC);
	st->stats = alloc_percpu(struct remap_stats);
	st->md.block = kmalloc(DMR_META_BLOCK_SIZE, GFP_KERNEL);
	if (!st->stats || !st->md.block) {
		*error = "Cannot allocate metadata buffers";
		r = -ENOMEM;
		goto bad;
	}
	st->md.io = dm_io_client_create();
	if (IS_ERR(st->md.io)) {
		r = PTR_ERR(st->md.io);
		st->md.io = NULL;
		*error = "Cannot create the metadata I/O client";
		goto bad;
	}

	/*
	 * The device may be suspended (a table swap on a live device): no
	 * allocation here may wait for I/O that could be queued behind it.
	 */
	rc->st = st;
	noio = memalloc_noio_save();
	r = store_load(rc, format, error);
	memalloc_noio_restore(noio);
	rc->st = NULL;
	if (r)
		goto bad;
	st->md.generation = max(st->md.generation, 1ULL);
	st->md.sb.generation = max(st->md.sb.generation, 1ULL);
	rc->st = st;
	return 0;
bad:
	store_free(st);
	return r;
}

/* A store already in use by another table of the device: may we join? */
static int store_join(struct remap_c *rc, struct remap_store *st, char **error)
{
	struct remap_c *o;

	if (st->owner != dm_table_get_md(rc->ti->table)) {
		*error = "Spare device is in use by another dm-remap device";
		return -EBUSY;
	}
	list_for_each_entry(o, &st->targets, store_link) {
		if (o->ti->table == rc->ti->table) {
			*error = "Spare device is in use by another target of this table";
			return -EBUSY;
		}
	}
	rc->st = st;
	if (meta_check_sb(rc, error)) {
		rc->st = NULL;
		return -EINVAL;
	}
	return 0;
}

/*
 * Attach target @rc to the store of its spare, creating (loading) it if no
 * table uses that spare yet.  The spare's metadata is read once, when the
 * store is created; later tables of the device (a reload) share the store.
 */
int remap_store_attach(struct remap_c *rc, bool format, char **error)
{
	dev_t dev = rc->spare->bdev->bd_dev;
	struct remap_store *st;
	int r;

	mutex_lock(&stores_lock);
	list_for_each_entry(st, &stores, list) {
		if (st->dev == dev) {
			r = store_join(rc, st, error);
			goto out;
		}
	}
	r = store_create(rc, format, error);
	if (!r)
		list_add(&rc->st->list, &stores);
out:
	if (!r) {
		rc->st->users++;
		list_add(&rc->store_link, &rc->st->targets);
	}
	mutex_unlock(&stores_lock);
	return r;
}

void remap_store_detach(struct remap_c *rc)
{
	struct remap_store *st = rc->st;

	if (!st)
		return;
	mutex_lock(&stores_lock);
	list_del(&rc->store_link);
	if (!--st->users) {
		list_del(&st->list);
		store_free(st);
	}
	mutex_unlock(&stores_lock);
	rc->st = NULL;
}
