// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap: a device-mapper target that keeps a failing disk usable by
 * moving blocks that can no longer be written to a spare device.
 *
 * Table line:
 *   <start> <len> remap <main_dev> <spare_dev> [<#opt_args> <opt>...]
 *
 * This file holds the target's life cycle (ctr/dtr), its I/O entry points
 * and its status reporting.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dm-remap.h"
#include "dm-remap-compat.h"

static bool suppress_write_errors = true;
module_param(suppress_write_errors, bool, 0644);
MODULE_PARM_DESC(suppress_write_errors,
		 "Default for new devices: absorb write errors by remapping (Y) or return them (N)");

static int parse_options(struct dm_arg_set *as, struct remap_c *rc,
			 struct dm_target *ti, bool *format)
{
	static const struct dm_arg _args[] = {
		{0, 2, "Invalid number of optional arguments"},
	};
	unsigned int argc;
	const char *opt;
	int r;

	rc->suppress = READ_ONCE(suppress_write_errors);
	if (!as->argc)
		return 0;

	r = dm_read_arg_group(_args, as, &argc, &ti->error);
	if (r)
		return r;

	while (argc--) {
		opt = dm_shift_arg(as);
		if (!strcasecmp(opt, "suppress_writes")) {
			rc->suppress = true;
		} else if (!strcasecmp(opt, "no_suppress_writes")) {
			rc->suppress = false;
		} else if (!strcasecmp(opt, "format")) {
			*format = true;
		} else {
			ti->error = "Unrecognised optional argument";
			return -EINVAL;
		}
	}

	if (as->argc) {
		ti->error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

static int remap_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct block_device *main, *spare;
	struct remap_c *rc;
	bool format = false;
	int r;

	if (argc < 2) {
		ti->error = "Not enough arguments: <main_dev> <spare_dev> [<#opt_args> <opt>...]";
		return -EINVAL;
	}

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	ti->private = rc;
	rc->ti = ti;
	rc->writable = dmr_table_writable(ti);

	r = dmr_get_device(ti, dm_shift_arg(&as), &rc->main);
	if (r) {
		ti->error = "Main device lookup failed";
		goto bad;
	}

	r = dmr_get_device(ti, dm_shift_arg(&as), &rc->spare);
	if (r) {
		ti->error = "Spare device lookup failed";
		goto bad;
	}
	main = rc->main->bdev;
	spare = rc->spare->bdev;

	r = -EINVAL;
	if (main == spare) {
		ti->error = "Main and spare are the same device";
		goto bad;
	}

	r = parse_options(&as, rc, ti, &format);
	if (r)
		goto bad;

	r = -EINVAL;
	if (ti->len > bdev_nr_sectors(main)) {
		ti->error = "Target length exceeds main device size";
		goto bad;
	}
	if (bdev_is_zoned(spare)) {
		ti->error = "Zoned spare devices are not supported (spare blocks are written in any order)";
		goto bad;
	}
	if (bdev_logical_block_size(spare) > bdev_logical_block_size(main)) {
		ti->error = "Spare logical block size larger than main's";
		goto bad;
	}

	rc->shift = ilog2(bdev_logical_block_size(main)) - SECTOR_SHIFT;
	if (ti->len & ((1U << rc->shift) - 1)) {
		ti->error = "Target length is not a multiple of main's logical block size";
		goto bad;
	}
	if ((ti->len >> rc->shift) >= DMR_MAX_BLOCKS >> 1) {
		ti->error = "Target length too large";
		goto bad;
	}
	/* Recovery narrows a failed bio down to main's physical blocks. */
	rc->unit_shift = ilog2(max(bdev_physical_block_size(main),
				   bdev_logical_block_size(main))) - SECTOR_SHIFT -
			 rc->shift;
	/*
	 * Flushes reach the spare only if the dm device advertises a write
	 * cache, which it does when main has one; otherwise write through.
	 */
	rc->spare_fua = bdev_write_cache(spare) && !bdev_write_cache(main);

	r = remap_engine_init(rc);
	if (r) {
		ti->error = "Cannot allocate the bio set, counters or workqueue";
		goto bad;
	}
	r = remap_store_attach(rc, format, &ti->error);
	if (r)
		goto bad_engine;

	/* One flush for main, one for the spare, which holds remapped data. */
	ti->num_flush_bios = 2;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct remap_io);
	return 0;

bad_engine:
	remap_engine_exit(rc);
bad:
	if (rc->spare)
		dm_put_device(ti, rc->spare);
	if (rc->main)
		dm_put_device(ti, rc->main);
	kfree(rc);
	ti->private = NULL;
	return r;
}

static void remap_dtr(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	remap_engine_exit(rc);
	remap_store_detach(rc);
	dm_put_device(ti, rc->spare);
	dm_put_device(ti, rc->main);
	kfree(rc);
}

/* Which failures the worker recovers: media errors of data I/O. */
static bool remap_recoverable(struct remap_c *rc, struct bio *bio,
			      struct remap_io *io, blk_status_t error)
{
	enum req_op op = bio_op(bio);

	if (op != REQ_OP_READ && op != REQ_OP_WRITE && op != REQ_OP_WRITE_ZEROES)
		return false;
	if (!rc->writable || !io->iter.bi_size || READ_ONCE(rc->main_failed))
		return false;
	/* Read-ahead may fail for any reason: the real read will tell. */
	if (bio->bi_opf & REQ_RAHEAD)
		return false;
	/* Only media errors: no space, a device gone, a transport fault are not. */
	return error == BLK_STS_IOERR || error == BLK_STS_MEDIUM;
}

/* End_io of a write that succeeded with no failure streak to end. */
static noinline int remap_end_write(struct remap_c *rc, struct bio *bio)
{
	struct remap_io *io = dm_per_bio_data(bio, sizeof(*io));

	/* A remap message fenced a block meanwhile: it may be this one's. */
	if (likely(io->fence == READ_ONCE(rc->st->fence_seq)) || (io->flags & RIO_DONE))
		return DM_ENDIO_DONE;
	return remap_fenced_write(rc, bio);
}

/* End_io of a failed bio, or of one that may end a failure streak. */
static noinline int remap_end_io_slow(struct remap_c *rc, struct bio *bio,
				      blk_status_t *error)
{
	struct remap_io *io;

	if (!*error) {
		bool w = op_is_write(bio_op(bio));

		io = dm_per_bio_data(bio, sizeof(*io));
		if (io->flags & RIO_DONE)
			return DM_ENDIO_DONE;
		if (!(io->flags & RIO_SPARE) && io->iter.bi_size)
			WRITE_ONCE(rc->fail_streak[w], 0);
		if (w && unlikely(io->fence != READ_ONCE(rc->st->fence_seq)))
			return remap_fenced_write(rc, bio);
		return DM_ENDIO_DONE;
	}

	io = dm_per_bio_data(bio, sizeof(*io));
	if (io->flags & RIO_DONE)
		return DM_ENDIO_DONE;

	if (bio_op(bio) == REQ_OP_READ)
		this_cpu_inc(rc->st->stats->read_errors);
	else
		this_cpu_inc(rc->st->stats->write_errors);

	if (!remap_recoverable(rc, bio, io, *error))
		return DM_ENDIO_DONE;
	remap_queue_failed(rc, bio);
	return DM_ENDIO_INCOMPLETE;
}

static int remap_end_io(struct dm_target *ti, struct bio *bio,
			blk_status_t *error)
{
	struct remap_c *rc = ti->private;

	/* Success, with no failure streak to end: a read is done. */
	if (likely(!*error)) {
		if (!op_is_write(bio_op(bio))) {
			if (likely(!READ_ONCE(rc->fail_streak[0])))
				return DM_ENDIO_DONE;
		} else if (likely(!READ_ONCE(rc->fail_streak[1]))) {
			return remap_end_write(rc, bio);
		}
	}
	return remap_end_io_slow(rc, bio, error);
}

/*
 * STATUSTYPE_INFO line, version 3 (documented in dm-remap(7) and README):
 *   3 <reads> <writes> <read_errors> <write_errors> <remapped> <pending>
 *     <spare_used> <spare_total> <retired> <errors_suppressed>
 *     <spare_errors> <suppress on|off> <health> <lost> <failure>
 *     <counters_since>
 * The leading field is the status format version; later versions only
 * append fields (version 2 ended at <health>).
 */
static void remap_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	struct remap_store *st = rc->st;
	const char *suppress = READ_ONCE(rc->suppress) ? "on" : "off";
	struct remap_stats sum;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		remap_sum_stats(st, &sum);
		DMEMIT("3 %llu %llu %llu %llu", sum.reads, sum.writes,
		       sum.read_errors, sum.write_errors);
		DMEMIT(" %llu %llu %llu %llu %llu %llu %llu %s %s",
		       READ_ONCE(st->counts.remapped),
		       READ_ONCE(st->counts.pending),
		       READ_ONCE(st->spare_next), st->spare_blocks,
		       READ_ONCE(st->counts.retired),
		       READ_ONCE(st->counts.errors_suppressed),
		       READ_ONCE(st->counts.spare_errors), suppress,
		       remap_health_name(remap_get_health(rc)));
		DMEMIT(" %llu %s %lld", READ_ONCE(st->counts.lost),
		       remap_failure_name(rc), (long long)READ_ONCE(st->counters_since));
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s 1 %s", rc->main->name, rc->spare->name,
		       READ_ONCE(rc->suppress) ? "suppress_writes" : "no_suppress_writes");
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",main_device=%s,spare_device=%s,suppress_writes=%s;",
		       rc->main->name, rc->spare->name, suppress);
		break;
	}
}

static void remap_postsuspend(struct dm_target *ti)
{
	/* dm has waited for our bios; make sure no worker pass is left. */
	remap_flush_worker(ti->private);
}

static int remap_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct remap_c *rc = ti->private;

	/*
	 * Only main shapes the queue limits (the spare holds a few blocks and
	 * must not take discard or write-zeroes away from the device); what the
	 * spare needs is handled in the target: it may not be zoned, it is
	 * written through (FUA) when only it caches writes, and its blocks are
	 * its physical blocks apart.
	 */
	return fn(ti, rc->main, 0, ti->len, data);
}

static void remap_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct remap_c *rc = ti->private;
	struct block_device *main = rc->main->bdev;

	/*
	 * dm stacks main's limits already; the remap granularity is main's
	 * logical block, so never advertise less even if that changes.
	 */
	limits->logical_block_size = max_t(unsigned int,
					   limits->logical_block_size,
					   bdev_logical_block_size(main));
	limits->physical_block_size = max_t(unsigned int,
					    limits->physical_block_size,
					    bdev_physical_block_size(main));
}

static struct target_type remap_target = {
	.name = "remap",
	.version = {1, 1, 0},
	.module = THIS_MODULE,
	.ctr = remap_ctr,
	.dtr = remap_dtr,
	.map = remap_map,
	.end_io = remap_end_io,
	.postsuspend = remap_postsuspend,
	.status = remap_status,
	.message = remap_message,
	.iterate_devices = remap_iterate_devices,
	.io_hints = remap_io_hints,
};

static int __init dm_remap_init(void)
{
	return dm_register_target(&remap_target);
}

static void __exit dm_remap_exit(void)
{
	dm_unregister_target(&remap_target);
}

module_init(dm_remap_init);
module_exit(dm_remap_exit);

MODULE_DESCRIPTION(DM_NAME " target that remaps failing blocks to a spare device");
MODULE_AUTHOR("dm-remap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(DMR_VERSION);
