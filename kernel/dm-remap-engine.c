// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap engine: the remap table, the slow mapping path for bios that
 * touch table entries, and the worker that recovers failed bios.
 *
 * Rules kept here:
 *  - A failed write is completed only after every failed block has been
 *    rewritten on a spare block and its entry committed (or with an error).
 *  - In-core state never runs ahead of the disk: an entry whose commit
 *    failed is LOST, and I/O to it fails, until the device is re-activated.
 *  - Only media errors (BLK_STS_IOERR, BLK_STS_MEDIUM) are remapped; any
 *    other status (no space, device gone, transport) is passed up, and after
 *    failure_budget failing blocks in a row main is taken as failed: errors
 *    pass through until the table is reloaded, like md's md_error().
 *  - Recovery is bounded: a failed bio is redone in at most PROBE_FANOUT
 *    parts at once, only failing parts are narrowed down, and a range whose
 *    parts all fail is bad as a whole.
 *  - Nothing sleeps in map or end_io: failed and deferred bios go to an
 *    ordered workqueue, which does the I/O under the store's lock.
 *  - Only the worker and messages (both holding the lock) change the table;
 *    map reads it under RCU.  A block being remapped is "in flight" (or
 *    "fenced" by the remap message) and bios touching it wait on the
 *    deferred list.
 */
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "dm-remap.h"

static unsigned int failure_budget = 16384;
module_param(failure_budget, uint, 0644);
MODULE_PARM_DESC(failure_budget,
		 "Failing blocks in a row (no success between them) after which main is taken as failed and errors pass through (0: no limit)");

/* Sub-I/Os issued at once when narrowing a failed bio down to its bad blocks. */
#define PROBE_FANOUT 16

/* ----------------------------------------------------------------------
 * Writes in flight to main while the remap message fences a block
 */

/*
 * The remap message copies a block from main to the spare; a write to it
 * that map sent to main before the block was fenced may land after the
 * copy.  Rather than count every write so that the message can wait for
 * them, each bio records st->fence_seq when it is mapped, the message bumps
 * it after fencing the block and before reading it, and a write that
 * completes on main with another sequence number is redone by the worker
 * where the table says then (remap_fenced_write()).  The worker runs after
 * the message (both hold st->lock), so the redone write lands on the spare
 * block if the copy went there.
 *
 * Map reads the sequence number (acquire) before the table: a bio that sees
 * the new number sees the fence.  A write whose end_io still sees the old
 * one completed before the message read the block, so the copy has it.
 */
static void remap_fence(struct remap_store *st)
{
	/* Pairs with the acquire in map: the fenced entry is seen with it. */
	smp_store_release(&st->fence_seq, st->fence_seq + 1);
	/* The new number is visible before the copy is read. */
	smp_mb();
}

/* end_io of a write sent to main that may have raced a fence: redo it. */
int remap_fenced_write(struct remap_c *rc, struct bio *bio)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	unsigned long flags;

	if ((io->flags & RIO_SPARE) || !io->iter.bi_size)
		return DM_ENDIO_DONE;
	spin_lock_irqsave(&rc->lock, flags);
	bio_list_add(bio_op(bio) == REQ_OP_WRITE ? &rc->failed : &rc->deferred, bio);
	spin_unlock_irqrestore(&rc->lock, flags);
	queue_work(rc->wq, &rc->work);
	return DM_ENDIO_INCOMPLETE;
}

/* ----------------------------------------------------------------------
 * Map side (atomic context)
 */

/*
 * Blocks from entry @e of block @first (at @c) to at most @last in the same
 * run as @e: the pairs that follow, not a lookup per block.  A remapped run
 * has its spare blocks one apart (so entries one spare block apart); any
 * other, one state.  Under an RCU read lock (or st->lock).  With @far, in
 * @c's leaf only (*@far: the run may go on in the next one).
 */
static __always_inline u64 remap_run_at(struct remap_store *st, struct rt_cursor *c,
					u64 first, u64 last, void *e, bool *far)
{
	unsigned long base = (unsigned long)xa_mk_value(0);
	unsigned long step = (unsigned long)xa_mk_value(1UL << RS_SHIFT) - base;
	/* The state's bits, and the value bit that every entry has. */
	unsigned long mask = (unsigned long)xa_mk_value(RS_MASK);

	if (far)
		*far = false;
	if (first == last)
		return 1;
	/* Constant step and mask in each call: a loop of its own for each. */
	if (rs_state(e) == RS_REMAPPED)
		return far ? rt_run_leaf(c, last - first + 1, (unsigned long)e, step, ~0UL, far) :
			remap_table_run(&st->table, c, (unsigned long)e, last - first + 1, step, ~0UL);
	return far ? rt_run_leaf(c, last - first + 1, (unsigned long)e, 0, mask, far) :
		remap_table_run(&st->table, c, (unsigned long)e, last - first + 1, 0, mask);
}

/* Blocks from @first (entry @e, st->lock held) to at most @last in its run. */
static u64 remap_run(struct remap_store *st, u64 first, u64 last, void *e)
{
	struct rt_cursor c;
	u64 at;

	if (!remap_table_seek(&st->table, first, first, &c, &at))
		return 1;
	return remap_run_at(st, &c, first, last, e, NULL);
}

/*
 * Like remap_run, for a remapped run that one bio may cover: consecutive
 * spare blocks are adjacent on the spare only if they are a block apart.
 */
static u64 remap_spare_run(struct remap_store *st, u64 first, u64 last, void *e)
{
	if (st->slot_shift != st->shift)
		return 1;
	return remap_run(st, first, last, e);
}

static __always_inline void remap_to_spare(struct remap_c *rc, struct bio *bio,
					   struct remap_io *io, u64 spare)
{
	bio_set_dev(bio, rc->spare->bdev);
	bio->bi_iter.bi_sector = remap_spare_sector(rc->st, spare);
	if (rc->spare_fua && op_is_write(bio_op(bio)))
		bio->bi_opf |= REQ_FUA;
	io->iter = bio->bi_iter;
	io->flags |= RIO_SPARE;
}

static void remap_defer(struct remap_c *rc, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->lock, flags);
	bio_list_add(&rc->deferred, bio);
	spin_unlock_irqrestore(&rc->lock, flags);
	queue_work(rc->wq, &rc->work);
}

/* The (trimmed) bio goes to main. */
static int remap_to_main(struct remap_c *rc, struct bio *bio, struct remap_io *io)
{
	bio_set_dev(bio, rc->main->bdev);
	io->iter = bio->bi_iter;
	return DM_MAPIO_REMAPPED;
}

/*
 * What map does with what the lookup found: @e, the entry of block @idx,
 * the first of [@first, @last] with one (NULL: none), and the @n blocks of
 * its run if @idx is @first.
 */
static __always_inline int remap_map_found(struct remap_c *rc, struct bio *bio,
					   struct remap_io *io, u64 first, u64 last,
					   void *e, u64 idx, u64 n)
{
	struct remap_store *st = rc->st;

	if (!e)
		return remap_to_main(rc, bio, io);

	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE) {
		/* Discard or write-zeroes over table entries: the worker. */
		io->iter = bio->bi_iter;
		remap_defer(rc, bio);
		return DM_MAPIO_SUBMITTED;
	}

	if (idx > first) {
		dm_accept_partial_bio(bio, (idx - first) << rc->shift);
		return remap_to_main(rc, bio, io);
	}

	if (likely(rs_state(e) == RS_REMAPPED)) {
		if (st->slot_shift != st->shift)
			n = 1;
		if (n <= last - first)
			dm_accept_partial_bio(bio, n << rc->shift);
		remap_to_spare(rc, bio, io, rs_spare(e));
		return DM_MAPIO_REMAPPED;
	}
	switch (rs_state(e)) {
	case RS_LOST:
		if (n <= last - first)
			dm_accept_partial_bio(bio, n << rc->shift);
		io->iter = bio->bi_iter;
		return DM_MAPIO_KILL;
	case RS_PENDING:
		if (bio_op(bio) == REQ_OP_READ) {
			/* Still ours to try: the data is only on main. */
			if (n <= last - first)
				dm_accept_partial_bio(bio, n << rc->shift);
			return remap_to_main(rc, bio, io);
		}
		fallthrough;
	default:
		/* A write to a pending block, or any I/O to an in-flight or fenced one. */
		if (last > first)
			dm_accept_partial_bio(bio, 1 << rc->shift);
		io->iter = bio->bi_iter;
		remap_defer(rc, bio);
		return DM_MAPIO_SUBMITTED;
	}
}

/*
 * A bio whose entries may go on past the leaf of its first block: the
 * table's whole seek and run.
 */
static noinline int remap_map_far(struct remap_c *rc, struct bio *bio,
				  struct remap_io *io, u64 first, u64 last)
{
	struct remap_store *st = rc->st;
	struct rt_cursor c;
	u64 idx = 0, n;
	void *e;

	rcu_read_lock_sched();
	e = (void *)remap_table_seek(&st->table, first, last, &c, &idx);
	n = e && idx == first ? remap_run_at(st, &c, first, last, e, NULL) : 0;
	rcu_read_unlock_sched();
	return remap_map_found(rc, bio, io, first, last, e, idx, n);
}

/*
 * Map a bio (main-relative sector, no device set yet: a bio for the spare
 * is associated once; its blocks io->block to @last) that may touch table
 * entries.  The bio is trimmed to the longest head that needs one
 * treatment: main, one spare run, or the worker.
 */
static __always_inline int remap_map_slow(struct remap_c *rc, struct bio *bio,
					  struct remap_io *io, u64 last)
{
	struct remap_store *st = rc->st;
	u64 first = io->block;
	struct rt_cursor c;
	u64 idx = 0, n = 0;
	bool far;
	void *e;

	/*
	 * One descent: the first entry in the bio's range, then along its run,
	 * in one leaf (nothing here leaves this function: no stack canary; a
	 * bio that needs the next leaf is remap_map_far()'s).  A section
	 * without preemption is an RCU reader (kfree_rcu() waits for it), and
	 * costs no call as rcu_read_lock() does on a preemptible kernel.
	 */
	rcu_read_lock_sched();
	e = (void *)remap_table_seek_leaf(&st->table, first, last, &c, &idx, &far);
	if (e && idx == first)
		n = remap_run_at(st, &c, first, last, e, &far);
	rcu_read_unlock_sched();
	if (unlikely(far))
		return remap_map_far(rc, bio, io, first, last);
	return remap_map_found(rc, bio, io, first, last, e, idx, n);
}

/* An empty flush: bio 0 goes to main, bio 1 to the spare. */
static noinline int remap_map_flush(struct remap_c *rc, struct bio *bio,
				    struct remap_io *io)
{
	bio_set_dev(bio, dm_bio_get_target_bio_nr(bio) ? rc->spare->bdev : rc->main->bdev);
	io->iter = bio->bi_iter;
	return DM_MAPIO_REMAPPED;
}

/*
 * The target's map: a bio goes to main unless the regions of its blocks
 * have table entries (then remap_map_slow(), inline: a hit pays no call).
 */
int remap_map(struct dm_target *ti, struct bio *bio)
{
	struct remap_c *rc = ti->private;
	struct remap_store *st = rc->st;
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));

	io->flags = 0;
	if (op_is_write(bio_op(bio))) {
		/* Before the table is read: see remap_fence(). */
		io->fence = smp_load_acquire(&st->fence_seq);
		/* A read-only table writes nothing (dm only warns about such bios). */
		if (unlikely(!rc->writable) && bio_sectors(bio))
			return DM_MAPIO_KILL;
	}
	if (unlikely(!bio_sectors(bio)))
		return remap_map_flush(rc, bio, io);

	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	io->block = remap_block(rc, bio->bi_iter.bi_sector);
	if (bio_op(bio) == REQ_OP_READ)
		this_cpu_inc(st->stats->reads);
	else if (bio_op(bio) == REQ_OP_WRITE)
		this_cpu_inc(st->stats->writes);

	/* Table entries near the bio: look them up (and pick the device there). */
	if (unlikely(READ_ONCE(st->nr_entries))) {
		u64 last = remap_block(rc, bio_end_sector(bio) - 1);

		if (remap_regions_hit(st, io->block, last))
			return remap_map_slow(rc, bio, io, last);
	}
	io->iter = bio->bi_iter;
	bio_set_dev(bio, rc->main->bdev);
	return DM_MAPIO_REMAPPED;
}

void remap_queue_failed(struct remap_c *rc, struct bio *bio)
{
	unsigned long flags;

	spin_lock_irqsave(&rc->lock, flags);
	bio_list_add(&rc->failed, bio);
	spin_unlock_irqrestore(&rc->lock, flags);
	queue_work(rc->wq, &rc->work);
}

/* ----------------------------------------------------------------------
 * Table changes (worker or message, st->lock held)
 */

static void remap_count(struct remap_store *st, void *e, int delta)
{
	if (!e)
		return;
	switch (rs_state(e)) {
	case RS_REMAPPED:
		st->counts.remapped += delta;
		break;
	case RS_PENDING:
		st->counts.pending += delta;
		break;
	case RS_LOST:
		st->counts.lost += delta;
		break;
	default:
		break;
	}
}

/* Room for one more block in st->inflight. */
static int remap_inflight_reserve(struct remap_store *st)
{
	unsigned int max = st->max_inflight ? 2 * st->max_inflight : 16;
	u64 *p;

	if (st->nr_inflight < st->max_inflight)
		return 0;
	p = krealloc_array(st->inflight, max, sizeof(*p), GFP_NOIO);
	if (!p)
		return -ENOMEM;
	st->inflight = p;
	st->max_inflight = max;
	return 0;
}

/*
 * Room for one more table key and one more block in flight: after this,
 * remap_table_set() cannot fail.
 */
static int remap_table_reserve_set(struct remap_store *st)
{
	return remap_inflight_reserve(st) ?: remap_table_reserve(&st->table, GFP_NOIO);
}

/* Store entry @e for @block. */
static int remap_table_set(struct remap_store *st, u64 block, void *e)
{
	void *was = remap_lookup(st, block);
	/* The next commit makes it a remap (a block listed twice is done once). */
	bool list = rs_state(e) == RS_INFLIGHT && (!was || rs_state(was) != RS_INFLIGHT);
	unsigned long old;
	int r;

	if (list) {
		r = remap_inflight_reserve(st);
		if (r)
			return r;
	}
	remap_region_set(st, block);
	r = remap_table_store(&st->table, block, (unsigned long)e, GFP_NOIO, &old);
	if (r)
		return r;
	if (list)
		st->inflight[st->nr_inflight++] = block;
	if (!old)
		WRITE_ONCE(st->nr_entries, st->nr_entries + 1);

	remap_count(st, (void *)old, -1);
	remap_count(st, e, 1);
	return 0;
}

static void remap_table_drop(struct remap_store *st, u64 block)
{
	void *old = (void *)remap_table_erase(&st->table, block);

	if (old) {
		WRITE_ONCE(st->nr_entries, st->nr_entries - 1);
		remap_count(st, old, -1);
	}
}

static void remap_mark_pending(struct remap_c *rc, u64 block)
{
	struct remap_store *st = rc->st;
	u64 slot;

	if (!rc->writable || remap_lookup(st, block))
		return;
	slot = remap_meta_pending_add(rc, block);
	if (remap_table_set(st, block, rs_entry(slot, RS_PENDING))) {
		remap_meta_pending_del(rc, slot);
		DMERR_LIMIT("%s: no memory to record pending block %llu",
			    remap_name(rc), block);
		return;
	}
	st->pending_event = true;
}

/*
 * Write the dirty metadata, then make every in-flight entry a remap, or, if
 * the metadata could not be written, LOST: nobody may read or write a
 * block whose entry may not be on disk.
 */
static int remap_commit(struct remap_c *rc)
{
	struct remap_store *st = rc->st;
	unsigned int n = 0, i;
	void *e;
	int r;

	r = remap_meta_commit(rc);

	for (i = 0; i < st->nr_inflight; i++) {
		e = remap_lookup(st, st->inflight[i]);
		if (!e || rs_state(e) != RS_INFLIGHT)
			continue;
		/* The key is there: a store in place, no allocation. */
		remap_table_store(&st->table, st->inflight[i],
				  (unsigned long)rs_entry(rs_spare(e), r ? RS_LOST : RS_REMAPPED),
				  GFP_NOIO, NULL);
		n++;
	}
	st->nr_inflight = 0;

	if (n) {
		if (r) {
			st->counts.lost += n;
			DMERR("%s: %u block(s) whose remap could not be recorded now fail all I/O until the device is re-activated",
			      remap_name(rc), n);
		} else {
			st->counts.remapped += n;
		}
	}
	/* Monitors wait for events: one per commit that changed the table. */
	if (n || st->pending_event) {
		st->pending_event = false;
		dm_table_event(rc->ti->table);
	}
	return r;
}

/* Commit now if the next change may need more than the room left. */
static int remap_make_room(struct remap_c *rc, unsigned int nr_blocks)
{
	if (remap_meta_room(rc->st) >= nr_blocks)
		return 0;
	return remap_commit(rc);
}

static void remap_retire(struct remap_c *rc, u64 spare, u64 block)
{
	rc->st->counts.retired++;
	/* The slot exists: a store into it does not allocate. */
	remap_meta_set_rslot(rc, spare, DMR_SLOT(block, DMR_SLOT_RETIRED));
}

static bool remap_alloc_spare(struct remap_c *rc, u64 *spare)
{
	struct remap_store *st = rc->st;

	if (READ_ONCE(st->md.failed) || rc->main_failed)
		return false;
	if (st->spare_next < st->spare_blocks) {
		if (remap_meta_rev_reserve(st, st->spare_next))
			return false;
		*spare = st->spare_next;
		WRITE_ONCE(st->spare_next, st->spare_next + 1);
		return true;
	}
	if (!st->exhausted_logged) {
		st->exhausted_logged = true;
		DMERR("%s: spare device exhausted (%llu blocks): write errors are now returned",
		      remap_name(rc), st->spare_blocks);
		dm_table_event(rc->ti->table);
	}
	return false;
}

/* ----------------------------------------------------------------------
 * Synchronous I/O on part of a bio (worker or message context)
 */

/*
 * A clone of blocks [off, off + nr) of @bio, as described by @base, for
 * @bdev at @sector.  The data pages are the bio's own.  The clone must not
 * inherit BIO_REMAPPED: @sector is relative to @bdev, and a partition's
 * start must be added again.
 */
static struct bio *remap_clone(struct remap_c *rc, struct bio *bio,
			       const struct bvec_iter *base, struct block_device *bdev,
			       sector_t sector, u64 off, u64 nr, blk_opf_t opf)
{
	struct bio *clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &rc->bs);

	if (!clone)
		return NULL;
	bio_set_dev(clone, bdev);
	clone->bi_iter = *base;
	bio_trim(clone, (sector_t)off << rc->shift, (sector_t)nr << rc->shift);
	clone->bi_iter.bi_sector = sector;
	clone->bi_opf = opf;
	return clone;
}

static int remap_sync_io(struct remap_c *rc, struct bio *bio,
			 const struct bvec_iter *base, struct block_device *bdev,
			 sector_t sector, u64 off, u64 nr, blk_opf_t opf)
{
	struct bio *clone = remap_clone(rc, bio, base, bdev, sector, off, nr, opf);
	int r;

	if (!clone)
		return -ENOMEM;
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

/* Put block @off of @bio (zeroes for write-zeroes) on spare block @spare. */
static int remap_write_spare(struct remap_c *rc, struct bio *bio,
			     const struct bvec_iter *base, u64 off, u64 spare,
			     bool *flush)
{
	sector_t sector = remap_spare_sector(rc->st, spare);

	if (bio_op(bio) == REQ_OP_WRITE_ZEROES) {
		/* No FUA for zeroout: the caller flushes if the spare needs it. */
		*flush = true;
		return blkdev_issue_zeroout(rc->spare->bdev, sector, 1 << rc->shift,
					    GFP_NOIO, BLKDEV_ZERO_NOUNMAP);
	}
	return remap_sync_io(rc, bio, base, rc->spare->bdev, sector, off, 1,
			     remap_write_opf(rc, bio, rc->spare->bdev));
}

/*
 * Write block @off of @bio to a spare block and record it in flight for
 * main block @block.  A spare block that fails is retired and the next
 * one tried; @spare_failed says the block's current spare block failed.
 * Returns 0, -ENOSPC when no spare block can be had, or another error.
 */
static int remap_relocate(struct remap_c *rc, struct bio *bio,
			  const struct bvec_iter *base, u64 off, u64 block,
			  bool spare_failed, bool *flush)
{
	struct remap_store *st = rc->st;
	void *e;
	u64 spare;
	int r;

	/* A new slot, the one it supersedes and a pending slot it ends. */
	r = remap_make_room(rc, 3);
	if (r)
		return r;
	e = remap_lookup(st, block);

	/*
	 * A bio that failed on main after another one remapped the block:
	 * its data belongs on that spare block, the table stays as it is.
	 */
	if (e && rs_state(e) == RS_REMAPPED && !spare_failed) {
		if (!remap_write_spare(rc, bio, base, off, rs_spare(e), flush))
			return 0;
		st->counts.spare_errors++;
	}
	if (e && rs_state(e) == RS_LOST)
		return -EIO;

	/* A bio failing on a block already remapped in this batch reuses it. */
	if (e && rs_state(e) == RS_INFLIGHT && !spare_failed) {
		spare = rs_spare(e);
	} else {
		/* Nothing may fail to allocate once the data is on the spare. */
		if (remap_table_reserve_set(st))
			return -ENOMEM;
		if (!remap_alloc_spare(rc, &spare))
			return -ENOSPC;
	}

	while (remap_write_spare(rc, bio, base, off, spare, flush)) {
		st->counts.spare_errors++;
		remap_retire(rc, spare, block);
		DMERR_LIMIT("%s: write to spare block %llu failed, retiring it",
			    remap_name(rc), spare);
		if (!remap_alloc_spare(rc, &spare))
			return -ENOSPC;
	}

	remap_table_set(st, block, rs_entry(spare, RS_INFLIGHT));
	remap_meta_set_rslot(rc, spare, DMR_SLOT(block, DMR_SLOT_REMAPPED));
	/* What the block had before is superseded by this slot. */
	if (e && (rs_state(e) == RS_REMAPPED || rs_state(e) == RS_INFLIGHT) &&
	    rs_spare(e) != spare)
		remap_retire(rc, rs_spare(e), block);
	else if (e && (rs_state(e) == RS_PENDING || rs_state(e) == RS_FENCED))
		remap_meta_pending_del(rc, rs_spare(e));
	return 0;
}

/* ----------------------------------------------------------------------
 * Recovery of a failed bio (worker)
 */

struct remap_recovery {
	struct bio *bio;
	struct bvec_iter iter;		/* as the bio was mapped (main-relative) */
	u64 block;			/* main block of its first block */
	bool write;			/* write or write-zeroes */
	bool changed;			/* changed the table: needs the commit */
	bool flush;			/* zeroed a spare block without FUA */
	unsigned int bad;		/* blocks that failed */
	unsigned int lost;		/* failed blocks not recovered */
	blk_status_t stop;		/* a non-media error: give up, return it */
};

static bool remap_media_error(blk_status_t s)
{
	return s == BLK_STS_IOERR || s == BLK_STS_MEDIUM;
}

/* More failing blocks in a row; after the budget, main has failed. */
static void remap_streak(struct remap_c *rc, bool write, unsigned int nr)
{
	unsigned int budget = READ_ONCE(failure_budget);
	unsigned int streak = READ_ONCE(rc->fail_streak[write]) + nr;

	WRITE_ONCE(rc->fail_streak[write], streak);
	if (!budget || streak <= budget || rc->main_failed)
		return;
	WRITE_ONCE(rc->main_failed, true);
	DMERR("%s: %u %s of main failed in a row: taking main as failed, errors are now returned (reload the table to retry)",
	      remap_name(rc), streak, write ? "block writes" : "block reads");
	dm_table_event(rc->ti->table);
}

/* Blocks [off, off + nr) of the bio failed on main: remap or mark them. */
static void remap_bad_on_main(struct remap_c *rc, struct remap_recovery *rv,
			      u64 off, u64 nr)
{
	u64 i;

	remap_streak(rc, rv->write, nr);
	for (i = off; i < off + nr; i++) {
		u64 block = rv->block + i;

		rv->bad++;
		if (rc->main_failed) {
			/* Main is gone: errors pass through, nothing is recorded. */
			rv->lost++;
			continue;
		}
		if (!rv->write || !READ_ONCE(rc->suppress)) {
			/* We cannot invent data: EIO, and the next write remaps it. */
			remap_mark_pending(rc, block);
			rv->changed = true;
			rv->lost++;
			continue;
		}
		if (remap_relocate(rc, rv->bio, &rv->iter, i, block, false, &rv->flush)) {
			remap_mark_pending(rc, block);
			rv->lost++;
		}
		rv->changed = true;
	}
}

/* Blocks [off, off + nr) failed on their spare blocks. */
static void remap_bad_on_spare(struct remap_c *rc, struct remap_recovery *rv,
			       u64 off, u64 nr)
{
	u64 i;

	for (i = off; i < off + nr; i++) {
		rv->bad++;
		rc->st->counts.spare_errors++;
		/* A read: the data is only there.  A write: move it on. */
		if (!rv->write || remap_relocate(rc, rv->bio, &rv->iter, i,
						 rv->block + i, true, &rv->flush))
			rv->lost++;
		else
			rv->changed = true;
	}
}

static void remap_probe_endio(struct bio *clone)
{
	atomic_t *remaining = clone->bi_private;

	if (atomic_dec_and_test(remaining))
		wake_up_var(remaining);
}

/*
 * Blocks [off, off + nr) of the bio go to @bdev from @sector: issue them in
 * up to PROBE_FANOUT aligned parts at once, and narrow each failing part
 * down the same way, to units of main's physical block.  Parts that
 * succeed are done (for a read, the data is in the bio's pages).
 */
static void remap_probe(struct remap_c *rc, struct remap_recovery *rv,
			struct block_device *bdev, sector_t sector, u64 off, u64 nr)
{
	bool on_main = bdev == rc->main->bdev;
	u64 unit = 1ULL << rc->unit_shift, part, start[PROBE_FANOUT], len[PROBE_FANOUT];
	struct bio *clone[PROBE_FANOUT];
	blk_status_t status[PROBE_FANOUT];
	blk_opf_t opf;
	atomic_t remaining;
	unsigned int i, n = 0, failed = 0;
	u64 b;

	if (on_main && rc->main_failed) {
		rv->bad += nr;
		rv->lost += nr;
		return;
	}
	if (bio_op(rv->bio) == REQ_OP_READ)
		opf = REQ_OP_READ | REQ_SYNC;
	else if (bio_op(rv->bio) == REQ_OP_WRITE_ZEROES)
		opf = REQ_OP_WRITE_ZEROES | REQ_SYNC | (rv->bio->bi_opf & REQ_NOUNMAP);
	else
		opf = remap_write_opf(rc, rv->bio, bdev);

	/* Part size: a multiple of the unit, at most PROBE_FANOUT parts. */
	part = max(unit, roundup(DIV_ROUND_UP_ULL(nr, PROBE_FANOUT), unit));
	atomic_set(&remaining, 1);
	for (b = off; b < off + nr && n < PROBE_FANOUT; n++) {
		/* Align part ends to the part size in main's block numbers. */
		u64 end = min(off + nr, roundup(rv->block + b + 1, part) - rv->block);

		start[n] = b;
		len[n] = end - b;
		clone[n] = remap_clone(rc, rv->bio, &rv->iter, bdev,
				       sector + ((b - off) << rc->shift), b, len[n], opf);
		if (clone[n]) {
			clone[n]->bi_private = &remaining;
			clone[n]->bi_end_io = remap_probe_endio;
			atomic_inc(&remaining);
			submit_bio_noacct(clone[n]);
		}
		b = end;
	}
	if (!atomic_dec_and_test(&remaining))
		wait_var_event(&remaining, !atomic_read(&remaining));

	/* All clones go back first: the bio set reserves only one fan-out. */
	for (i = 0; i < n; i++) {
		status[i] = clone[i] ? clone[i]->bi_status : BLK_STS_RESOURCE;
		if (clone[i])
			bio_put(clone[i]);
		if (remap_media_error(status[i]))
			failed++;
	}
	/*
	 * Every part failed: the whole range is bad.  Narrowing it further
	 * would cost one failing I/O per unit (hours on a disk that retries
	 * each for a minute) to find the few good blocks of a bad area; those
	 * are moved to the spare too.
	 */
	if (n > 1 && failed == n && b == off + nr && !rv->stop) {
		if (on_main)
			remap_bad_on_main(rc, rv, off, nr);
		else
			remap_bad_on_spare(rc, rv, off, nr);
		return;
	}
	for (i = 0; i < n; i++) {
		blk_status_t s = status[i];
		sector_t at = sector + ((start[i] - off) << rc->shift);

		if (!s) {
			if (on_main)
				WRITE_ONCE(rc->fail_streak[rv->write], 0);
			continue;
		}
		if (rv->stop)
			continue;
		if (!remap_media_error(s)) {
			rv->stop = s;
			continue;
		}
		if (len[i] > unit && !rc->main_failed)
			remap_probe(rc, rv, bdev, at, start[i], len[i]);
		else if (on_main)
			remap_bad_on_main(rc, rv, start[i], len[i]);
		else
			remap_bad_on_spare(rc, rv, start[i], len[i]);
	}
	/* A part cut off by the fan-out limit: the same again. */
	if (b < off + nr && !rv->stop)
		remap_probe(rc, rv, bdev, sector + ((b - off) << rc->shift), b, off + nr - b);
}

/*
 * Recover a bio that failed with a media error.  The table may have changed
 * since the bio was mapped (another bio remapped one of its blocks), so each
 * run of its blocks is redone where the table says now.
 */
static void remap_recover(struct remap_c *rc, struct bio *bio, bool *changed,
			  bool *flush)
{
	struct remap_store *st = rc->st;
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	u64 nr = io->iter.bi_size >> (SECTOR_SHIFT + rc->shift), b, n;
	/* Or a write redone after a fence (remap_fenced_write()): it did not fail. */
	bool failed = bio->bi_status != BLK_STS_OK;
	struct remap_recovery rv = {
		.bio = bio,
		.block = io->block,
		.write = bio_op(bio) != REQ_OP_READ,
	};
	void *e;

	/* The main-relative iterator: the bio may have been sent to the spare. */
	rv.iter = io->iter;
	rv.iter.bi_sector = (sector_t)io->block << rc->shift;

	for (b = 0; b < nr && !rv.stop; b += n) {
		u64 at;

		/* The block's entry and its run, or the blocks before the next entry. */
		e = remap_find(st, rv.block + b, rv.block + nr - 1, &at);
		if (e && at == rv.block + b) {
			n = remap_run(st, at, rv.block + nr - 1, e);
		} else {
			n = (e ? at : rv.block + nr) - rv.block - b;
			e = NULL;
		}
		if (!e || (rs_state(e) == RS_PENDING && !rv.write)) {
			remap_probe(rc, &rv, rc->main->bdev,
				    (sector_t)(rv.block + b) << rc->shift, b, n);
		} else if ((rs_state(e) == RS_REMAPPED || rs_state(e) == RS_INFLIGHT) &&
			   bio_op(bio) != REQ_OP_WRITE_ZEROES) {
			n = rs_state(e) == RS_INFLIGHT ? 1 :
			    remap_spare_run(st, rv.block + b, rv.block + nr - 1, e);
			remap_probe(rc, &rv, rc->spare->bdev,
				    remap_spare_sector(st, rs_spare(e)), b, n);
		} else if (rs_state(e) != RS_LOST) {
			/*
			 * A write to a pending block goes to a fresh spare block;
			 * write-zeroes to a remapped one zeroes its spare block.
			 */
			n = 1;
			rv.bad++;
			if (remap_relocate(rc, bio, &rv.iter, b, rv.block + b, false,
					   &rv.flush))
				rv.lost++;
			else
				rv.changed = true;
		} else {
			rv.lost += n;
		}
	}

	*changed |= rv.changed;
	*flush |= rv.flush;
	if (rv.stop) {
		bio->bi_status = rv.stop;
	} else if (rv.lost) {
		if (!bio->bi_status)
			bio->bi_status = BLK_STS_IOERR;
	} else {
		if (rv.bad && rv.write && failed)
			st->counts.errors_suppressed++;
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

/*
 * Discard or zero the blocks of @bio: on main where they are not in the
 * table; write-zeroes also zeroes a remapped block on its spare block and
 * moves a pending one to a fresh spare block (as a write would).  A
 * discarded remapped block keeps its spare block.
 */
static void remap_extent(struct remap_c *rc, struct bio *bio, bool *changed,
			 bool *flush)
{
	struct remap_store *st = rc->st;
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));
	bool zero = bio_op(bio) == REQ_OP_WRITE_ZEROES;
	u64 cur = io->block;
	u64 last = remap_block(rc, io->iter.bi_sector +
			       (io->iter.bi_size >> SECTOR_SHIFT) - 1);
	struct bvec_iter it = io->iter;
	u64 idx;
	int r = 0;
	void *e;

	while (!r && cur <= last) {
		e = remap_find(st, cur, last, &idx);
		if (!e) {
			r = remap_extent_main(rc, bio, cur, last + 1);
			break;
		}
		if (idx > cur)
			r = remap_extent_main(rc, bio, cur, idx);
		if (r)
			break;
		switch (rs_state(e)) {
		case RS_REMAPPED:
			if (zero) {
				*flush = true;
				r = blkdev_issue_zeroout(rc->spare->bdev,
							 remap_spare_sector(st, rs_spare(e)),
							 1 << rc->shift, GFP_NOIO,
							 BLKDEV_ZERO_NOUNMAP);
			}
			break;
		case RS_PENDING:
			/* Zeroes go to a fresh spare block, as a write's data would. */
			if (zero && !remap_relocate(rc, bio, &it, idx - io->block, idx,
						    false, flush))
				*changed = true;
			else
				r = remap_extent_main(rc, bio, idx, idx + 1);
			break;
		default:
			r = -EIO;
			break;
		}
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
	void *e;

	bio_set_dev(bio, rc->main->bdev);
	bio->bi_iter = io->iter;
	io->flags = 0;
	/* Before the table, as in map: see remap_fence(). */
	io->fence = smp_load_acquire(&rc->st->fence_seq);
	e = remap_lookup(rc->st, io->block);
	if (!e || rs_state(e) == RS_PENDING) {
		/* A pending block's write could not be remapped: main it is. */
		dm_submit_bio_remap(bio, NULL);
		return;
	}
	switch (rs_state(e)) {
	case RS_REMAPPED:
		remap_to_spare(rc, bio, io, rs_spare(e));
		dm_submit_bio_remap(bio, NULL);
		break;
	case RS_LOST:
		bio->bi_status = BLK_STS_IOERR;
		io->flags |= RIO_DONE;
		bio_endio(bio);
		break;
	default:
		/* Fenced by a remap message meanwhile: back to the worker. */
		remap_defer(rc, bio);
		break;
	}
}

static void remap_worker(struct work_struct *ws)
{
	struct remap_c *rc = container_of(ws, struct remap_c, work);
	struct remap_store *st = rc->st;
	struct bio_list failed, deferred, resubmit, done, needs_commit;
	bool changed, flush = false;
	struct remap_io *io;
	struct bio *bio;
	void *e;

	bio_list_init(&resubmit);
	bio_list_init(&done);
	bio_list_init(&needs_commit);

	spin_lock_irq(&rc->lock);
	failed = rc->failed;
	deferred = rc->deferred;
	bio_list_init(&rc->failed);
	bio_list_init(&rc->deferred);
	spin_unlock_irq(&rc->lock);

	mutex_lock(&st->lock);
	while ((bio = bio_list_pop(&failed))) {
		changed = false;
		remap_recover(rc, bio, &changed, &flush);
		bio_list_add(changed ? &needs_commit : &done, bio);
	}

	while ((bio = bio_list_pop(&deferred))) {
		io = dm_per_bio_data(bio, sizeof(*io));
		changed = false;
		if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE) {
			remap_extent(rc, bio, &changed, &flush);
			bio_list_add(changed ? &needs_commit : &done, bio);
			continue;
		}
		e = remap_lookup(st, io->block);
		if (bio_op(bio) == REQ_OP_WRITE && e && rs_state(e) == RS_PENDING &&
		    rc->writable &&
		    !remap_relocate(rc, bio, &io->iter, 0, io->block, false, &flush)) {
			bio->bi_status = BLK_STS_OK;
			bio_list_add(&needs_commit, bio);
			continue;
		}
		/* Remapped, in flight until the commit below, or no entry now. */
		bio_list_add(&resubmit, bio);
	}

	if (remap_commit(rc)) {
		bio_list_for_each(bio, &needs_commit)
			bio->bi_status = BLK_STS_IOERR;
	}
	mutex_unlock(&st->lock);

	/* Zeroed spare blocks are durable before the bios complete. */
	if (flush && rc->spare_fua && blkdev_issue_flush(rc->spare->bdev)) {
		bio_list_for_each(bio, &done)
			if (bio_op(bio) == REQ_OP_WRITE_ZEROES)
				bio->bi_status = BLK_STS_IOERR;
		bio_list_for_each(bio, &needs_commit)
			if (bio_op(bio) == REQ_OP_WRITE_ZEROES)
				bio->bi_status = BLK_STS_IOERR;
	}

	bio_list_merge(&done, &needs_commit);
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
	struct remap_store *st = rc->st;

	if (READ_ONCE(st->md.failed) || READ_ONCE(rc->main_failed) ||
	    READ_ONCE(st->counts.lost))
		return RH_FAILED;
	if (READ_ONCE(st->spare_next) >= st->spare_blocks)
		return RH_EXHAUSTED;
	if (READ_ONCE(st->counts.pending) || READ_ONCE(st->counts.spare_errors) ||
	    READ_ONCE(st->counts.retired))
		return RH_DEGRADED;
	return RH_OK;
}

/* ----------------------------------------------------------------------
 * Message helpers (process context; the device is not suspended)
 */

/*
 * Copy main block @block to a spare block if it can be read, else mark it
 * pending.  The block is fenced first (map defers I/O to it), and writes
 * already sent to main are redone after the copy (remap_fence()), so no
 * write acknowledged by main is hidden behind an older copy.  Writes a
 * one-line reply.
 */
int remap_manual(struct remap_c *rc, u64 block, char *result,
		 unsigned int maxlen)
{
	struct remap_store *st = rc->st;
	unsigned int len = 512 << rc->shift;
	struct bvec_iter it = {
		.bi_sector = (sector_t)block << rc->shift,
		.bi_size = len,
	};
	bool flush = false;
	struct page *page;
	struct bio *bio;
	u64 pslot = RS_NO_PSLOT;
	void *e;
	int r;

	if (len > PAGE_SIZE)
		return -EOPNOTSUPP;
	page = alloc_page(GFP_NOIO);
	if (!page)
		return -ENOMEM;
	bio = bio_alloc(rc->main->bdev, 1, REQ_OP_READ | REQ_SYNC, GFP_NOIO);
	__bio_add_page(bio, page, len, 0);
	bio->bi_iter.bi_sector = it.bi_sector;

	mutex_lock(&st->lock);
	e = remap_lookup(st, block);
	if (e && rs_state(e) == RS_REMAPPED) {
		scnprintf(result, maxlen, "block %llu already remapped to spare block %llu",
			  block, rs_spare(e));
		r = 1;
		goto out;
	}
	if (e && rs_state(e) == RS_LOST) {
		r = -EIO;
		goto out;
	}
	r = remap_make_room(rc, 3);
	if (r)
		goto out;
	if (e)
		pslot = rs_spare(e);
	r = remap_table_set(st, block, rs_entry(pslot, RS_FENCED));
	if (r)
		goto out;
	remap_fence(st);
	if (submit_bio_wait(bio)) {
		/* Unreadable: it stays (or becomes) pending. */
		if (!e)
			pslot = remap_meta_pending_add(rc, block);
		remap_table_set(st, block, rs_entry(pslot, RS_PENDING));
		r = remap_commit(rc);
		if (!r) {
			scnprintf(result, maxlen, "block %llu unreadable: pending", block);
			r = 1;
		}
	} else {
		/* From fenced straight to in flight: no window without an entry. */
		r = remap_relocate(rc, bio, &it, 0, block, false, &flush);
		if (r) {
			if (e)
				remap_table_set(st, block, e);
			else
				remap_table_drop(st, block);
		} else {
			r = remap_commit(rc);
		}
		if (!r) {
			e = remap_lookup(st, block);
			scnprintf(result, maxlen, "block %llu remapped to spare block %llu",
				  block, rs_spare(e));
			r = 1;
		}
	}
out:
	mutex_unlock(&st->lock);
	/* Bios that waited on the fence go where the table says now. */
	queue_work(rc->wq, &rc->work);
	bio_put(bio);
	__free_page(page);
	return r;
}

int remap_clear_pending(struct remap_c *rc, u64 block)
{
	struct remap_store *st = rc->st;
	void *e;
	int r = -EINVAL;

	mutex_lock(&st->lock);
	e = remap_lookup(st, block);
	if (e && rs_state(e) == RS_PENDING) {
		if (READ_ONCE(st->md.failed)) {
			r = -EIO;
			goto out;
		}
		r = remap_make_room(rc, 1);
		if (r)
			goto out;
		remap_table_drop(st, block);
		remap_meta_pending_del(rc, rs_spare(e));
		st->pending_event = true;
		r = remap_commit(rc);
	}
out:
	mutex_unlock(&st->lock);
	return r;
}

/* ----------------------------------------------------------------------
 * Life cycle
 */

int remap_engine_init(struct remap_c *rc)
{
	int r;

	spin_lock_init(&rc->lock);
	bio_list_init(&rc->failed);
	bio_list_init(&rc->deferred);
	INIT_WORK(&rc->work, remap_worker);

	/* A probe fan-out, plus one clone for a relocation. */
	r = bioset_init(&rc->bs, PROBE_FANOUT + 1, 0, 0);
	if (r)
		return r;
	rc->wq = alloc_ordered_workqueue("kdmremap/%s", WQ_MEM_RECLAIM,
					 remap_name(rc));
	if (!rc->wq) {
		bioset_exit(&rc->bs);
		return -ENOMEM;
	}
	return 0;
}

void remap_engine_exit(struct remap_c *rc)
{
	if (rc->wq)
		destroy_workqueue(rc->wq);
	bioset_exit(&rc->bs);
}
