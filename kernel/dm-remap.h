/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap: internal definitions shared by the target's source files.
 */
#ifndef DM_REMAP_H
#define DM_REMAP_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dm-remap-codec.h"

#define DM_MSG_PREFIX "remap"

/*
 * A table entry lives in an xarray indexed by main block number (relative to
 * the start of main) and is an xarray value: (n << 2) | state, where n is
 * the spare block (remapped, in flight) or the pending slot (pending).
 * In-flight entries also carry XA_MARK_0 until they are committed.
 */
enum remap_state {
	RS_REMAPPED = 0,	/* reads and writes go to the spare block */
	RS_PENDING = 1,		/* unreadable on main; next write is remapped */
	RS_INFLIGHT = 2,	/* spare block written, entry not yet committed */
};
#define RS_MASK 3
#define RS_MARK_NEW XA_MARK_0
#define RS_NO_PSLOT ((1ULL << 60) - 1)	/* pending, but not on disk */

static inline void *rs_entry(u64 spare, enum remap_state st)
{
	return xa_mk_value((spare << 2) | st);
}

static inline enum remap_state rs_state(void *e)
{
	return xa_to_value(e) & RS_MASK;
}

static inline u64 rs_spare(void *e)
{
	return xa_to_value(e) >> 2;
}

enum remap_health {
	RH_OK,
	RH_DEGRADED,	/* pending blocks, spare errors or retired spare blocks */
	RH_EXHAUSTED,	/* no free spare block left */
	RH_FAILED,	/* metadata cannot be written: no new remaps */
};

/* Per-cpu I/O counters: bumped on the hot path without shared cache lines. */
struct remap_stats {
	u64 reads;
	u64 writes;
	u64 read_errors;	/* read bios that failed (main or spare) */
	u64 write_errors;	/* write bios that failed (main or spare) */
};

/* Counters kept by the worker, under table_lock. */
struct remap_counts {
	u64 errors_suppressed;	/* failed write bios completed OK after remap */
	u64 spare_errors;	/* failed I/O on the spare device */
	u64 retired;		/* spare blocks never to be used again */
	u64 remapped;		/* entries in state RS_REMAPPED */
	u64 pending;		/* entries in state RS_PENDING */
};

/* The on-disk table and its in-memory mirror (dm-remap-metadata.c). */
struct remap_md {
	struct remap_spare_user *user;	/* shared with other tables of the device */
	struct dm_io_client *io;
	struct dmr_sb sb;
	u64 generation;			/* of the last commit */
	u64 *rslot;			/* slot per spare block */
	u64 *pslot;			/* pending slots */
	unsigned long *pused;		/* pending slots in use */
	unsigned long *dirty;		/* metadata blocks to write */
	u32 nr_dirty;
	u64 *gens;			/* per block generation, at load */
	void *block;			/* one metadata block buffer */
	bool failed;			/* a metadata write failed */
};

struct remap_c {
	struct dm_target *ti;
	struct dm_dev *main;
	struct dm_dev *spare;
	unsigned int shift;		/* block size = 512 << shift */
	u64 main_blocks;
	u64 spare_blocks;		/* usable spare blocks */
	sector_t spare_start;		/* sector of spare block 0 */
	bool suppress;			/* absorb write errors by remapping */
	bool spare_fua;			/* spare caches writes, main does not */

	/* Number of table entries: zero means the lock-free fast path. */
	unsigned long nr_entries;
	struct xarray table;

	/* Bios waiting for the worker; protected by the table's xa_lock. */
	struct bio_list failed;		/* completed with an error */
	struct bio_list deferred;	/* touch a pending or in-flight block */

	struct mutex table_lock;	/* serialises table changes and I/O probes */
	u64 spare_next;			/* next never-used spare block */
	bool exhausted_logged;
	struct remap_counts counts;

	struct remap_md md;

	struct workqueue_struct *wq;
	struct work_struct work;
	struct bio_set bs;
	struct remap_stats __percpu *stats;
};

/* Per-bio data: where the bio was sent, so the worker can replay it. */
struct remap_io {
	struct bvec_iter iter;
	u64 block;		/* main block of the bio's first sector */
	unsigned int flags;
};
#define RIO_SPARE	1	/* sent to the spare device */
#define RIO_DONE	2	/* completed by the worker: end_io passes it on */

static inline u64 remap_block(struct remap_c *rc, sector_t main_sector)
{
	return main_sector >> rc->shift;
}

static inline sector_t remap_spare_sector(struct remap_c *rc, u64 spare)
{
	return rc->spare_start + (spare << rc->shift);
}

/* dm-remap-engine.c */
int remap_engine_init(struct remap_c *rc);
void remap_engine_exit(struct remap_c *rc);
int remap_map_slow(struct remap_c *rc, struct bio *bio, struct remap_io *io);
void remap_queue_failed(struct remap_c *rc, struct bio *bio);
void remap_flush_worker(struct remap_c *rc);
enum remap_health remap_get_health(struct remap_c *rc);
int remap_manual(struct remap_c *rc, u64 block, char *result, unsigned int maxlen);
int remap_clear_pending(struct remap_c *rc, u64 block);

/* dm-remap-metadata.c (table_lock held, except open and close) */
int remap_meta_open(struct remap_c *rc, bool format, char **error);
void remap_meta_close(struct remap_c *rc);
int remap_meta_preresume(struct remap_c *rc);
void remap_meta_set_rslot(struct remap_c *rc, u64 spare, u64 slot);
u64 remap_meta_pending_add(struct remap_c *rc, u64 block);
void remap_meta_pending_del(struct remap_c *rc, u64 i);
int remap_meta_commit(struct remap_c *rc);

/* dm-remap-message.c */
int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);
void remap_sum_stats(struct remap_c *rc, struct remap_stats *sum);
const char *remap_health_name(enum remap_health h);

#endif
