// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap engine: the remap table, the slow mapping path for bios that
 * touch table entries, and the worker that recovers failed bios.
 *
 * Rules kept here:
 *  - A failed write is completed only after every failed block has been
 *    rewritten on a spare block and its entry committed (or with an error).
 *  - Nothing sleeps in map or end_io: failed and deferred bios go to an
 *    ordered workqueue, which does synchronous I/O under table_lock.
 *  - Only the worker and messages (both holding table_lock) change the
 *    table; map reads it under RCU.  A block being remapped is "in flight"
 *    and bios touching it wait on the deferred list until the commit.
 */
#include <linux/blkdev.h>
#include <linux/slab.h>

#include "dm-remap.h"

/* ----------------------------------------------------------------------
 * Map side (atomic context)
 */

/* Blocks after @first that continue the same run as entry @e. */
static u64 remap_run(struct remap_c *rc, u64 first, u64 last, void *e)
{
	enum remap_state st = rs_state(e);
	u64 n = 1;
	void *next;

	while (first + n <= last) {
		next = xa_load(&rc->table, first + n);
		if (!next || rs_state(next) != st)
			break;
		if (st == RS_REMAPPED && rs_spare(next) != rs_spare(e) + n)
			break;
		n++;
	}
	return n;
}

static void remap_to_spare(struct remap_c *rc, struct bio *bio,
			   struct remap_io *io, u64 spare)
{
	bio_set_dev(bio, rc->spare->bdev);
	bio->bi_iter.bi_sector = remap_spare_sector(rc, spare);
	if (rc->spare_fua && op_is_write(bio_op(bio)))
		bio->bi_opf |= REQ_FUA;
	io->iter = bio->bi_iter;
	io->flags = RIO_SPARE;
}

static void remap_defer(struct remap_c *rc, struct bio *bio)
{
	unsigned long flags;

	xa_lock_irqsave(&rc->table, flags);
	bio_list_add(&rc->deferred, bio);
	xa_unlock_irqrestore(&rc->table, flags);
	queue_work(rc->wq, &rc->work);
}

/*
 * Map a bio (already aimed at main, main-relative sector) that may touch
 * table entries.  The bio is trimmed to the longest head that needs one
 * treatment: main, one spare run, or the worker.
 */
int remap_map_slow(struct remap_c *rc, struct bio *bio, struct remap_io *io)
{
	u64 first = io->block;
	u64 last = remap_block(rc, bio_end_sector(bio) - 1);
	unsigned long idx = first;
	void *e;
	u64 n;

	e = xa_find(&rc->table, &idx, last, XA_PRESENT);
	if (!e)
		return DM_MAPIO_REMAPPED;

	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE) {
		/* Discard or write-zeroes over remapped blocks: the worker. */
		remap_defer(rc, bio);
		return DM_MAPIO_SUBMITTED;
	}

	if (idx > first) {
		dm_accept_partial_bio(bio, (idx - first) << rc->shift);
		io->iter = bio->bi_iter;
		return DM_MAPIO_REMAPPED;
	}

	switch (rs_state(e)) {
	case RS_REMAPPED:
		n = remap_run(rc, first, last, e);
		if (n <= last - first)
			dm_accept_partial_bio(bio, n << rc->shift);
		remap_to_spare(rc, bio, io, rs_spare(e));
		return DM_MAPIO_REMAPPED;
	case RS_PENDING:
		if (bio_op(bio) == REQ_OP_READ) {
			/* Still ours to try: the data is only on main. */
			n = remap_run(rc, first, last, e);
			if (n <= last - first)
				dm_accept_partial_bio(bio, n << rc->shift);
			io->iter = bio->bi_iter;
			return DM_MAPIO_REMAPPED;
		}
		fallthrough;
	default:
		/* A write to a pending block, or any I/O to an in-flight one. */
		if (last > first)
			dm_accept_partial_bio(bio, 1 << rc->shift);
		io->iter = bio->bi_iter;
		remap_defer(rc, bio);
		return DM_MAPIO_SUBMITTED;
	}
}

void remap_queue_failed(struct remap_c *rc, struct bio *bio)
{
	unsigned long flags;

	xa_lock_irqsave(&rc->table, flags);
	bio_list_add(&rc->failed, bio);
	xa_unlock_irqrestore(&rc->table, flags);
	queue_work(rc->wq, &rc->work);
}

/* ----------------------------------------------------------------------
 * Table changes (worker or message, table_lock held)
 */

static void remap_count(struct remap_c *rc, void *e, int delta)
{
	if (!e)
		return;
	if (rs_state(e) == RS_REMAPPED)
		rc->counts.remapped += delta;
	else if (rs_state(e) == RS_PENDING)
		rc->counts.pending += delta;
}

static int remap_table_set(struct remap_c *rc, u64 block, void *e)
{
	void *old;

	xa_lock_irq(&rc->table);
	old = __xa_store(&rc->table, block, e, GFP_NOIO);
	if (xa_is_err(old)) {
		xa_unlock_irq(&rc->table);
		return xa_err(old);
	}
	if (rs_state(e) == RS_INFLIGHT)
		__xa_set_mark(&rc->table, block, RS_MARK_NEW);
	if (!old)
		WRITE_ONCE(rc->nr_entries, rc->nr_entries + 1);
	xa_unlock_irq(&rc->table);

	remap_count(rc, old, -1);
	remap_count(rc, e, 1);
	return 0;
}

static void remap_mark_pending(struct remap_c *rc, u64 block)
{
	u64 slot;

	if (xa_load(&rc->table, block))
		return;
	slot = remap_meta_pending_add(rc, block);
	if (remap_table_set(rc, block, rs_entry(slot, RS_PENDING))) {
		remap_meta_pending_del(rc, slot);
		DMERR_LIMIT("%s: no memory to record pending block %llu",
			    dm_table_device_name(rc->ti->table), block);
	}
}

/*
 * Write the dirty metadata, then make every in-flight entry a remap.  If the
 * metadata could not be written the entries still serve reads and writes
 * until the device goes away, but the caller fails the bios that made them.
 */
static int remap_commit(struct remap_c *rc)
{
	XA_STATE(xas, &rc->table, 0);
	unsigned int n = 0;
	void *e;
	int r;

	r = remap_meta_commit(rc);

	xas_lock_irq(&xas);
	xas_for_each_marked(&xas, e, ULONG_MAX, RS_MARK_NEW) {
		xas_store(&xas, rs_entry(rs_spare(e), RS_REMAPPED));
		xas_clear_mark(&xas, RS_MARK_NEW);
		n++;
	}
	xas_unlock_irq(&xas);

	if (n) {
		rc->counts.remapped += n;
		dm_table_event(rc->ti->table);
	}
	return r;
}

static void remap_retire(struct remap_c *rc, u64 spare)
{
	rc->counts.retired++;
	remap_meta_set_rslot(rc, spare, DMR_SLOT(0, DMR_SLOT_RETIRED));
}

static bool remap_alloc_spare(struct remap_c *rc, u64 *spare)
{
	if (rc->md.failed)
		return false;
	if (rc->spare_next < rc->spare_blocks) {
		*spare = rc->spare_next++;
		return true;
	}
	if (!rc->exhausted_logged) {
		rc->exhausted_logged = true;
		DMERR("%s: spare device exhausted (%llu blocks): write errors are now returned",
		      dm_table_device_name(rc->ti->table), rc->spare_blocks);
		dm_table_event(rc->ti->table);
	}
	return false;
}

/* ----------------------------------------------------------------------
 * Synchronous I/O on part of a bio (worker or message context)
 */

/*
 * Re-issue blocks [off, off + nr) of @bio, as described by @base, to @bdev
 * at @sector.  The data pages are the bio's own.
 */
static int remap_sync_io(struct remap_c *rc, struct bio *bio,
			 const struct bvec_iter *base, struct block_device *bdev,
			 sector_t sector, unsigned int off, unsigned int nr,
			 blk_opf_t opf)
{
	struct bio *clone;
	int r;

	clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &rc->bs);
	if (!clone)
		return -ENOMEM;
	clone->bi_iter = *base;
	bio_trim(clone, (sector_t)off << rc->shift, (sector_t)nr << rc->shift);
	clone->bi_iter.bi_sector = sector;
	clone->bi_opf = opf;
	r = submit_bio_wait(clone);
	bio_put(clone);
	return r;
}

static blk_opf_t remap_write_opf(struct remap_c *rc, struct bio *bio,
				 struct block_device *bdev)
{
	blk_opf_t fua = bio->bi_opf & REQ_FUA;

	if (bdev == rc->spare->bdev && rc->spare_fua)
		fua = REQ_FUA;
	return REQ_OP_WRITE | REQ_SYNC | fua;
}

/*
 * Write block @off of @bio to a spare block and record it in flight for
 * main block @block.  A spare block that fails is retired and the next
 * one tried.  Returns 0, or -ENOSPC when the spare is exhausted.
 */
static int remap_relocate(struct remap_c *rc, struct bio *bio,
			  const struct bvec_iter *base, unsigned int off,
			  u64 block, bool spare_failed)
{
	void *e = xa_load(&rc->table, block);
	blk_opf_t opf = remap_write_opf(rc, bio, rc->spare->bdev);
	u64 spare;
	int r;

	/*
	 * A bio that failed on main after another one remapped the block:
	 * its data belongs on that spare block, the table stays as it is.
	 */
	if (e && rs_state(e) == RS_REMAPPED && !spare_failed) {
		if (!remap_sync_io(rc, bio, base, rc->spare->bdev,
				   remap_spare_sector(rc, rs_spare(e)), off, 1, opf))
			return 0;
		rc->counts.spare_errors++;
	}

	/* A bio failing on a block already remapped in this batch reuses it. */
	if (e && rs_state(e) == RS_INFLIGHT)
		spare = rs_spare(e);
	else if (!remap_alloc_spare(rc, &spare))
		return -ENOSPC;

	while (remap_sync_io(rc, bio, base, rc->spare->bdev,
			     remap_spare_sector(rc, spare), off, 1, opf)) {
		rc->counts.spare_errors++;
		remap_retire(rc, spare);
		DMERR_LIMIT("%s: write to spare block %llu failed, retiring it",
			    dm_table_device_name(rc->ti->table), spare);
		if (!remap_alloc_spare(rc, &spare))
			return -ENOSPC;
	}

	r = remap_table_set(rc, block, rs_entry(spare, RS_INFLIGHT));
	if (r) {
		/* The data is on a spare block nobody points to: give it up. */
		remap_retire(rc, spare);
		return r;
	}
	remap_meta_set_rslot(rc, spare, DMR_SLOT(block, DMR_SLOT_REMAPPED));
	/* What the block had before is superseded by this slot. */
	if (e && rs_state(e) == RS_REMAPPED)
		remap_retire(rc, rs_spare(e));
	else if (e && rs_state(e) == RS_PENDING)
		remap_meta_pending_del(rc, rs_spare(e));
	return 0;
}

/* ----------------------------------------------------------------------
 * Recovery of a failed bio (worker)
 */

struct remap_recovery {
	struct bio *bio;
	struct bvec_iter iter;		/* as the bio was sent */
	struct block_device *bdev;	/* where it was sent */
	u64 block;			/* main block of its first block */
	bool write;
	unsigned int bad;		/* blocks that failed */
	unsigned int lost;		/* failed blocks not remapped */
};

static void remap_bad_block(struct remap_c *rc, struct remap_recovery *rv,
			    unsigned int off)
{
	bool on_spare = rv->bdev == rc->spare->bdev;
	u64 block = rv->block + off;

	rv->bad++;
	if (on_spare)
		rc->counts.spare_errors++;

	if (!rv->write) {
		/* We cannot invent data: EIO, and the next write remaps it. */
		if (!on_spare)
			remap_mark_pending(rc, block);
		rv->lost++;
		return;
	}

	if (!on_spare && !READ_ONCE(rc->suppress)) {
		remap_mark_pending(rc, block);
		rv->lost++;
		return;
	}

	if (remap_relocate(rc, rv->bio, &rv->iter, off, block, on_spare)) {
		if (!on_spare)
			remap_mark_pending(rc, block);
		rv->lost++;
	}
}

/* Find the failing blocks of [off, off + nr) by halving, like md does. */
static void remap_probe(struct remap_c *rc, struct remap_recovery *rv,
			unsigned int off, unsigned int nr)
{
	blk_opf_t opf = rv->write ? remap_write_opf(rc, rv->bio, rv->bdev) :
				    REQ_OP_READ | REQ_SYNC;

	if (remap_sync_io(rc, rv->bio, &rv->iter, rv->bdev,
			  rv->iter.bi_sector + ((sector_t)off << rc->shift),
			  off, nr, opf) == 0)
		return;
	if (nr == 1) {
		remap_bad_block(rc, rv, off);
		return;
	}
	remap_probe(rc, rv, off, nr / 2);
	remap_probe(rc, rv, off + nr / 2, nr - nr / 2);
}

static void remap_recover(struct remap_c *rc, struct bio *bio)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	unsigned int nr = io->iter.bi_size >> (SECTOR_SHIFT + rc->shift);
	struct remap_recovery rv = {
		.bio = bio,
		.iter = io->iter,
		.bdev = io->flags & RIO_SPARE ? rc->spare->bdev : rc->main->bdev,
		.block = io->block,
		.write = bio_op(bio) == REQ_OP_WRITE,
	};

	if (nr == 1) {
		remap_bad_block(rc, &rv, 0);
	} else {
		remap_probe(rc, &rv, 0, nr / 2);
		remap_probe(rc, &rv, nr / 2, nr - nr / 2);
	}

	if (rv.lost) {
		if (!bio->bi_status)
			bio->bi_status = BLK_STS_IOERR;
	} else {
		if (rv.bad && rv.write)
			rc->counts.errors_suppressed++;
		bio->bi_status = BLK_STS_OK;
	}
}

/* ----------------------------------------------------------------------
 * Discard and write-zeroes over table entries (worker)
 */

static int remap_extent_main(struct remap_c *rc, struct bio *bio, u64 first,
			     u64 end)
{
	sector_t sector = (sector_t)first << rc->shift;
	sector_t nr = (sector_t)(end - first) << rc->shift;

	if (bio_op(bio) == REQ_OP_DISCARD)
		return blkdev_issue_discard(rc->main->bdev, sector, nr, GFP_NOIO);
	return blkdev_issue_zeroout(rc->main->bdev, sector, nr, GFP_NOIO,
				    bio->bi_opf & REQ_NOUNMAP ? BLKDEV_ZERO_NOUNMAP : 0);
}

static void remap_extent(struct remap_c *rc, struct bio *bio)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	u64 cur = io->block;
	u64 last = remap_block(rc, io->iter.bi_sector +
			       (io->iter.bi_size >> SECTOR_SHIFT) - 1);
	unsigned long idx;
	int r = 0;
	void *e;

	while (!r && cur <= last) {
		idx = cur;
		e = xa_find(&rc->table, &idx, last, XA_PRESENT);
		if (!e) {
			r = remap_extent_main(rc, bio, cur, last + 1);
			break;
		}
		if (idx > cur)
			r = remap_extent_main(rc, bio, cur, idx);
		if (r)
			break;
		if (rs_state(e) != RS_REMAPPED)
			r = remap_extent_main(rc, bio, idx, idx + 1);
		else if (bio_op(bio) == REQ_OP_WRITE_ZEROES)
			r = blkdev_issue_zeroout(rc->spare->bdev,
						 remap_spare_sector(rc, rs_spare(e)),
						 1 << rc->shift, GFP_NOIO, 0);
		/* A discarded remapped block keeps its spare block. */
		cur = idx + 1;
	}
	bio->bi_status = errno_to_blk_status(r);
}

/* ----------------------------------------------------------------------
 * The worker
 */

/* Send a deferred single-block bio where the table now says. */
static void remap_resubmit(struct remap_c *rc, struct bio *bio)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	void *e = xa_load(&rc->table, io->block);

	bio->bi_iter = io->iter;
	io->flags = 0;
	if (e && rs_state(e) == RS_REMAPPED)
		remap_to_spare(rc, bio, io, rs_spare(e));
	else
		io->iter = bio->bi_iter;
	submit_bio_noacct(bio);
}

static void remap_worker(struct work_struct *ws)
{
	struct remap_c *rc = container_of(ws, struct remap_c, work);
	struct bio_list failed, deferred, extent, resubmit, done;
	struct remap_io *io;
	struct bio *bio;
	void *e;

	bio_list_init(&extent);
	bio_list_init(&resubmit);
	bio_list_init(&done);

	xa_lock_irq(&rc->table);
	failed = rc->failed;
	deferred = rc->deferred;
	bio_list_init(&rc->failed);
	bio_list_init(&rc->deferred);
	xa_unlock_irq(&rc->table);

	mutex_lock(&rc->table_lock);
	while ((bio = bio_list_pop(&failed))) {
		remap_recover(rc, bio);
		bio_list_add(&done, bio);
	}

	while ((bio = bio_list_pop(&deferred))) {
		io = dm_per_bio_data(bio, sizeof(*io));
		if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE) {
			bio_list_add(&extent, bio);
			continue;
		}
		e = xa_load(&rc->table, io->block);
		if (bio_op(bio) == REQ_OP_WRITE && e && rs_state(e) == RS_PENDING &&
		    !remap_relocate(rc, bio, &io->iter, 0, io->block, false)) {
			bio->bi_status = BLK_STS_OK;
			bio_list_add(&done, bio);
			continue;
		}
		/* Remapped, in flight until the commit below, or no spare. */
		bio_list_add(&resubmit, bio);
	}

	if (remap_commit(rc)) {
		bio_list_for_each(bio, &done)
			bio->bi_status = BLK_STS_IOERR;
	}

	while ((bio = bio_list_pop(&extent))) {
		remap_extent(rc, bio);
		bio_list_add(&done, bio);
	}
	mutex_unlock(&rc->table_lock);

	while ((bio = bio_list_pop(&done))) {
		io = dm_per_bio_data(bio, sizeof(*io));
		io->flags |= RIO_DONE;
		bio_endio(bio);
	}
	while ((bio = bio_list_pop(&resubmit)))
		remap_resubmit(rc, bio);
}

void remap_flush_worker(struct remap_c *rc)
{
	flush_workqueue(rc->wq);
}

enum remap_health remap_get_health(struct remap_c *rc)
{
	if (READ_ONCE(rc->md.failed))
		return RH_FAILED;
	if (READ_ONCE(rc->spare_next) >= rc->spare_blocks)
		return RH_EXHAUSTED;
	if (READ_ONCE(rc->counts.pending) || READ_ONCE(rc->counts.spare_errors) ||
	    READ_ONCE(rc->counts.retired))
		return RH_DEGRADED;
	return RH_OK;
}

/* ----------------------------------------------------------------------
 * Message helpers (process context)
 */

/*
 * Copy main block @block to a spare block if it can be read, else mark it
 * pending.  Writes a one-line reply.
 */
int remap_manual(struct remap_c *rc, u64 block, char *result,
		 unsigned int maxlen)
{
	unsigned int len = 512 << rc->shift;
	struct page *page;
	struct bio *bio;
	void *e;
	int r;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	bio = bio_alloc(rc->main->bdev, 1, REQ_OP_READ | REQ_SYNC, GFP_KERNEL);
	__bio_add_page(bio, page, len, 0);
	bio->bi_iter.bi_sector = (sector_t)block << rc->shift;

	mutex_lock(&rc->table_lock);
	e = xa_load(&rc->table, block);
	if (e && rs_state(e) == RS_REMAPPED) {
		scnprintf(result, maxlen, "block %llu already remapped to spare block %llu",
			  block, rs_spare(e));
		r = 1;
	} else if (submit_bio_wait(bio)) {
		remap_mark_pending(rc, block);
		r = remap_commit(rc);
		if (!r) {
			scnprintf(result, maxlen, "block %llu unreadable: pending", block);
			r = 1;
		}
	} else {
		/* Reuse the read bio's iterator for the spare write. */
		struct bvec_iter it = {
			.bi_sector = (sector_t)block << rc->shift,
			.bi_size = len,
		};

		r = remap_relocate(rc, bio, &it, 0, block, false);
		if (!r)
			r = remap_commit(rc);
		if (!r) {
			e = xa_load(&rc->table, block);
			scnprintf(result, maxlen, "block %llu remapped to spare block %llu",
				  block, rs_spare(e));
			r = 1;
		}
	}
	mutex_unlock(&rc->table_lock);

	bio_put(bio);
	__free_page(page);
	return r;
}

int remap_clear_pending(struct remap_c *rc, u64 block)
{
	void *e;
	int r = -EINVAL;

	mutex_lock(&rc->table_lock);
	e = xa_load(&rc->table, block);
	if (e && rs_state(e) == RS_PENDING) {
		xa_erase_irq(&rc->table, block);
		WRITE_ONCE(rc->nr_entries, rc->nr_entries - 1);
		rc->counts.pending--;
		remap_meta_pending_del(rc, rs_spare(e));
		r = remap_commit(rc);
	}
	mutex_unlock(&rc->table_lock);
	return r;
}

/* ----------------------------------------------------------------------
 * Life cycle
 */

int remap_engine_init(struct remap_c *rc)
{
	int r;

	xa_init_flags(&rc->table, XA_FLAGS_LOCK_IRQ);
	bio_list_init(&rc->failed);
	bio_list_init(&rc->deferred);
	mutex_init(&rc->table_lock);
	INIT_WORK(&rc->work, remap_worker);

	r = bioset_init(&rc->bs, BIO_POOL_SIZE, 0, 0);
	if (r)
		return r;
	rc->wq = alloc_ordered_workqueue("dm-remap", WQ_MEM_RECLAIM);
	if (!rc->wq) {
		bioset_exit(&rc->bs);
		return -ENOMEM;
	}
	return 0;
}

void remap_engine_exit(struct remap_c *rc)
{
	destroy_workqueue(rc->wq);
	bioset_exit(&rc->bs);
	xa_destroy(&rc->table);
	mutex_destroy(&rc->table_lock);
}
