/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap: every difference between supported kernels (Debian 12's 6.1 and
 * Debian 13's 6.12) is handled here and nowhere else.
 *
 * DMR_DM_IO_IOPRIO is set by Kbuild when <linux/dm-io.h> declares dm_io()
 * with an ioprio argument (mainline 6.10, backported to some 6.1 stables,
 * so the kernel version cannot tell); DMR_BLK_MODE when
 * <linux/device-mapper.h> uses blk_mode_t for table modes (6.5).
 */
#ifndef DM_REMAP_COMPAT_H
#define DM_REMAP_COMPAT_H

#include <linux/device-mapper.h>
#include <linux/dm-io.h>
#include <linux/ioprio.h>

static inline int dmr_dm_io(struct dm_io_request *req, struct dm_io_region *where,
			    unsigned long *error_bits)
{
#ifdef DMR_DM_IO_IOPRIO
	return dm_io(req, 1, where, error_bits, IOPRIO_DEFAULT);
#else
	return dm_io(req, 1, where, error_bits);
#endif
}

/*
 * dm_get_device() reports a path that is not a block device as -ENODEV on
 * 6.1 but passes lookup_bdev()'s -ENOENT or -ENOTBLK through on later
 * kernels (6.12); dm-remap reports -ENODEV on every kernel.
 */
static inline int dmr_get_device(struct dm_target *ti, const char *path,
				 struct dm_dev **result)
{
	int r = dm_get_device(ti, path, dm_table_get_mode(ti->table), result);

	return r == -ENOENT || r == -ENOTBLK ? -ENODEV : r;
}

/* Whether the table may write: 6.1 has fmode_t modes, 6.5 on blk_mode_t. */
static inline bool dmr_table_writable(struct dm_target *ti)
{
#ifdef DMR_BLK_MODE
	return dm_table_get_mode(ti->table) & BLK_OPEN_WRITE;
#else
	return dm_table_get_mode(ti->table) & FMODE_WRITE;
#endif
}

#endif
