/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap: internal definitions shared by the target's source files.
 */
#ifndef DM_REMAP_H
#define DM_REMAP_H

#include <linux/device-mapper.h>
#include <linux/percpu.h>

#define DM_MSG_PREFIX "remap"

/*
 * The spare device must hold two superblock copies, the metadata area and
 * at least one spare block.  Until the on-disk format exists, reserve 1 MiB.
 */
#define DMR_MIN_SPARE_SECTORS 2048

/* Per-cpu I/O counters: bumped on the hot path without shared cache lines. */
struct remap_stats {
	u64 reads;
	u64 writes;
	u64 read_errors;
	u64 write_errors;
};

struct remap_c {
	struct dm_dev *main;
	struct dm_dev *spare;
	struct remap_stats __percpu *stats;
};

#endif
