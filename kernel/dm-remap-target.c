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

static int parse_options(struct dm_arg_set *as, struct dm_target *ti)
{
	static const struct dm_arg _args[] = {
		{0, 0, "Invalid number of optional arguments"},
	};
	unsigned int argc;
	int r;

	if (!as->argc)
		return 0;

	r = dm_read_arg_group(_args, as, &argc, &ti->error);
	if (r)
		return r;

	if (as->argc) {
		ti->error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

static int remap_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct remap_c *rc;
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

	r = dm_get_device(ti, dm_shift_arg(&as), dm_table_get_mode(ti->table),
			  &rc->main);
	if (r) {
		ti->error = "Main device lookup failed";
		goto bad;
	}

	r = dm_get_device(ti, dm_shift_arg(&as), dm_table_get_mode(ti->table),
			  &rc->spare);
	if (r) {
		ti->error = "Spare device lookup failed";
		goto bad;
	}

	r = -EINVAL;
	if (rc->main->bdev == rc->spare->bdev) {
		ti->error = "Main and spare are the same device";
		goto bad;
	}

	r = parse_options(&as, ti);
	if (r)
		goto bad;

	r = -EINVAL;
	if (ti->len > bdev_nr_sectors(rc->main->bdev)) {
		ti->error = "Target length exceeds main device size";
		goto bad;
	}
	if (bdev_nr_sectors(rc->spare->bdev) < DMR_MIN_SPARE_SECTORS) {
		ti->error = "Spare device too small (minimum 1 MiB)";
		goto bad;
	}
	if (bdev_logical_block_size(rc->spare->bdev) >
	    bdev_logical_block_size(rc->main->bdev)) {
		ti->error = "Spare logical block size larger than main's";
		goto bad;
	}

	rc->stats = alloc_percpu(struct remap_stats);
	if (!rc->stats) {
		ti->error = "Cannot allocate statistics";
		r = -ENOMEM;
		goto bad;
	}

	ti->num_flush_bios = 1;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	return 0;

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

	free_percpu(rc->stats);
	dm_put_device(ti, rc->spare);
	dm_put_device(ti, rc->main);
	kfree(rc);
}

static int remap_map(struct dm_target *ti, struct bio *bio)
{
	struct remap_c *rc = ti->private;

	bio_set_dev(bio, rc->main->bdev);
	if (bio_sectors(bio)) {
		bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
		if (bio_op(bio) == REQ_OP_READ)
			this_cpu_inc(rc->stats->reads);
		else if (bio_op(bio) == REQ_OP_WRITE)
			this_cpu_inc(rc->stats->writes);
	}
	return DM_MAPIO_REMAPPED;
}

static int remap_end_io(struct dm_target *ti, struct bio *bio,
			blk_status_t *error)
{
	struct remap_c *rc = ti->private;

	if (unlikely(*error)) {
		if (bio_op(bio) == REQ_OP_READ)
			this_cpu_inc(rc->stats->read_errors);
		else
			this_cpu_inc(rc->stats->write_errors);
	}
	return DM_ENDIO_DONE;
}

static void remap_sum_stats(struct remap_c *rc, struct remap_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct remap_stats *s = per_cpu_ptr(rc->stats, cpu);

		sum->reads += READ_ONCE(s->reads);
		sum->writes += READ_ONCE(s->writes);
		sum->read_errors += READ_ONCE(s->read_errors);
		sum->write_errors += READ_ONCE(s->write_errors);
	}
}

/*
 * STATUSTYPE_INFO line, version 1:
 *   1 <reads> <writes> <read_errors> <write_errors>
 * The leading field is the status format version; later versions only
 * append fields.
 */
static void remap_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result,
			 unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	struct remap_stats sum;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		remap_sum_stats(rc, &sum);
		DMEMIT("1 %llu %llu %llu %llu", sum.reads, sum.writes,
		       sum.read_errors, sum.write_errors);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", rc->main->name, rc->spare->name);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",main_device=%s,spare_device=%s;", rc->main->name,
		       rc->spare->name);
		break;
	}
}

static int remap_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct remap_c *rc = ti->private;

	/* Only main shapes the queue limits; the spare holds a few blocks. */
	return fn(ti, rc->main, 0, ti->len, data);
}

static void remap_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct remap_c *rc = ti->private;
	struct block_device *main = rc->main->bdev;

	/* The remap granularity is main's logical block: never advertise less. */
	limits->logical_block_size = max_t(unsigned int,
					   limits->logical_block_size,
					   bdev_logical_block_size(main));
	limits->physical_block_size = max_t(unsigned int,
					    limits->physical_block_size,
					    bdev_physical_block_size(main));
}

static struct target_type remap_target = {
	.name = "remap",
	.version = {1, 0, 0},
	.module = THIS_MODULE,
	.ctr = remap_ctr,
	.dtr = remap_dtr,
	.map = remap_map,
	.end_io = remap_end_io,
	.status = remap_status,
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
