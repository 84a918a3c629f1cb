/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap: internal definitions shared by the target's source files.
 *
 * Two objects:
 *  - struct remap_store, one per spare device in use: the remap table, the
 *    counters and the on-disk metadata.  Every table of one dm device that
 *    names the spare shares it (the live table and one being loaded), so a
 *    reload never re-reads the metadata and never races the live table's
 *    commits: there is one writer, under one lock.
 *  - struct remap_c, one per target: the devices of its table line, its
 *    options, and the bios it is recovering.
 */
#ifndef DM_REMAP_H
#define DM_REMAP_H

#include <linux/bio.h>
#include <linux/device-mapper.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "dm-remap-codec.h"
#include "dm-remap-table.h"

#define DM_MSG_PREFIX "remap"

/*
 * Table entries are xarray values, which hold BITS_PER_LONG - 1 bits, and
 * md.pend is indexed by an unsigned long: block numbers need 64 bits.
 * Debian still builds 32-bit kernels; refuse them rather than alias blocks.
 */
#if BITS_PER_LONG != 64
#error "dm-remap needs a 64-bit kernel"
#endif

/*
 * A table entry is keyed by main block number (relative to the start of
 * main) and is an xarray value (never 0): (n << RS_SHIFT) | state.
 */
enum remap_state {
	RS_REMAPPED,	/* reads and writes go to spare block n */
	RS_PENDING,	/* unreadable on main (n: pending slot); next write is remapped */
	RS_INFLIGHT,	/* spare block n written, entry not yet committed */
	RS_FENCED,	/* being copied by the remap message: I/O waits (n: as pending) */
	RS_LOST,	/* its entry could not be made durable: I/O fails (n: spare block) */
};

#define RS_SHIFT	3
#define RS_MASK		((1UL << RS_SHIFT) - 1)
#define RS_NO_PSLOT	((1ULL << 60) - 1)	/* pending, but not on disk */

static inline void *rs_entry(u64 n, enum remap_state st)
{
	return xa_mk_value((unsigned long)(n << RS_SHIFT) | st);
}

static inline enum remap_state rs_state(void *e)
{
	return xa_to_value(e) & RS_MASK;
}

static inline u64 rs_spare(void *e)
{
	return xa_to_value(e) >> RS_SHIFT;
}

enum remap_health {
	RH_OK,
	RH_DEGRADED,	/* pending blocks, spare errors or retired spare blocks */
	RH_EXHAUSTED,	/* no free spare block left */
	RH_FAILED,	/* metadata cannot be written, or main fails everything */
};

/* Per-cpu I/O counters: bumped on the hot path without shared cache lines. */
struct remap_stats {
	u64 reads;
	u64 writes;
	u64 read_errors;	/* read bios that failed (main or spare) */
	u64 write_errors;	/* write bios that failed (main or spare) */
};

/* Counters kept under the store's lock. */
struct remap_counts {
	u64 errors_suppressed;	/* failed write bios completed OK after remap */
	u64 spare_errors;	/* failed reads or writes of spare blocks */
	u64 retired;		/* spare blocks never to be used again: failed or superseded */
	u64 remapped;		/* entries in state RS_REMAPPED */
	u64 pending;		/* entries in state RS_PENDING */
	u64 lost;		/* entries in state RS_LOST */
};

/*
 * The on-disk table's in-memory state (dm-remap-metadata.c), sized by use:
 * a slot that was never used costs nothing.
 */
#define REMAP_MAX_DIRTY	64	/* metadata blocks changed between commits */
#define REMAP_MAX_REGIONS (1UL << 21)	/* bits in the region map: 256 KiB */

struct remap_md {
	struct dm_io_client *io;
	struct dmr_sb sb;
	u64 generation;			/* of the last commit */
	/* Spare block -> DMR_SLOT of its remap slot (0: free), for [0, rev_len). */
	u64 *rev;
	u64 rev_len;
	struct xarray pend;		/* pending slot -> main block (allocating) */
	u32 dirty[REMAP_MAX_DIRTY];	/* metadata block indices to write */
	unsigned int nr_dirty;
	void *block;			/* one metadata block buffer */
	bool failed;			/* a metadata write failed: no more commits */
};

struct remap_store {
	struct list_head list;		/* in the list of spares in use */
	dev_t dev;			/* the spare */
	struct mapped_device *owner;	/* the dm device of every table using it */
	struct list_head targets;	/* struct remap_c using it */
	unsigned int users;

	struct mutex lock;		/* table changes, metadata, recovery I/O */
	struct remap_table table;	/* main block -> entry */
	unsigned long nr_entries;	/* zero: the lock-free fast path */
	/* Main blocks given an RS_INFLIGHT entry since the last commit. */
	u64 *inflight;
	unsigned int nr_inflight, max_inflight;
	/*
	 * One bit per region of 1 << region_shift main blocks: set before an
	 * entry is added in it, so that map skips the table for a bio whose
	 * regions have none.  Bits are never cleared while the store lives.
	 */
	unsigned long *regions;
	unsigned int region_shift;	/* at least 1 MiB; at most REMAP_MAX_REGIONS */
	/* Bumped by each block fence of the remap message: see remap_fence(). */
	unsigned int fence_seq;
	unsigned int shift;		/* block size = 512 << shift */
	u64 main_blocks;
	u64 spare_blocks;		/* usable spare blocks */
	sector_t spare_start;		/* sector of spare block 0 */
	unsigned int slot_shift;	/* spare block k at spare_start + (k << slot_shift) */
	u64 spare_next;			/* next never-used spare block */
	bool exhausted_logged;
	bool pending_event;		/* pending blocks changed since the last event */
	struct remap_counts counts;
	struct remap_stats __percpu *stats;
	time64_t counters_since;	/* load of the store, or clear_stats */
	struct remap_md md;
};

struct remap_c {
	struct dm_target *ti;
	struct dm_dev *main;
	struct dm_dev *spare;
	struct remap_store *st;
	struct list_head store_link;	/* in st->targets */
	unsigned int shift;		/* block size = 512 << shift */
	unsigned int unit_shift;	/* blocks per recovery probe: main's physical block */
	bool suppress;			/* absorb write errors by remapping */
	bool spare_fua;			/* spare caches writes, main does not */
	bool writable;			/* the table may write (not --readonly) */
	bool main_failed;		/* failure budget spent: errors pass through */
	/*
	 * Failing blocks of main in a row, reads and writes apart (a disk may
	 * still read when it can no longer write); reset by a success.
	 */
	unsigned int fail_streak[2];

	/* Bios waiting for the worker. */
	spinlock_t lock;
	struct bio_list failed;		/* completed with a media error */
	struct bio_list deferred;	/* touch a pending, in-flight or fenced block */

	struct workqueue_struct *wq;
	struct work_struct work;
	struct bio_set bs;
};

/* Per-bio data: where the bio was sent, so the worker can replay it. */
struct remap_io {
	struct bvec_iter iter;
	u64 block;		/* main block of the bio's first sector */
	unsigned int flags;
	unsigned int fence;	/* st->fence_seq when a write was mapped (reads: unset) */
};

#define RIO_SPARE	1	/* sent to the spare device */
#define RIO_DONE	2	/* completed by the worker: end_io passes it on */

/* The entry of main block @block, or NULL. */
static inline void *remap_lookup(struct remap_store *st, u64 block)
{
	return (void *)remap_table_get(&st->table, block);
}

/* The entry of the first block in [first, last] that has one (at *@block). */
static inline void *remap_find(struct remap_store *st, u64 first, u64 last,
			       u64 *block)
{
	struct rt_cursor c;
	void *e;

	rcu_read_lock();
	e = (void *)remap_table_seek(&st->table, first, last, &c, block);
	rcu_read_unlock();
	return e;
}

static inline u64 remap_block(struct remap_c *rc, sector_t main_sector)
{
	return main_sector >> rc->shift;
}

static inline sector_t remap_spare_sector(struct remap_store *st, u64 spare)
{
	return st->spare_start + ((sector_t)spare << st->slot_shift);
}

/* Before an entry for @block is added (st->lock held, or while loading). */
static inline void remap_region_set(struct remap_store *st, u64 block)
{
	set_bit(block >> st->region_shift, st->regions);
}

/* May blocks [first, last] have table entries?  (Map side, lock-free.) */
static inline bool remap_regions_hit(struct remap_store *st, u64 first, u64 last)
{
	unsigned long r = first >> st->region_shift, end = last >> st->region_shift;

	if (likely(r == end))
		return test_bit(r, st->regions);
	return find_next_bit(st->regions, end + 1, r) <= end;
}

static inline const char *remap_name(struct remap_c *rc)
{
	return dm_table_device_name(rc->ti->table);
}

/* dm-remap-engine.c */
int remap_engine_init(struct remap_c *rc);
void remap_engine_exit(struct remap_c *rc);
int remap_map(struct dm_target *ti, struct bio *bio);
void remap_queue_failed(struct remap_c *rc, struct bio *bio);
int remap_fenced_write(struct remap_c *rc, struct bio *bio);
void remap_flush_worker(struct remap_c *rc);
enum remap_health remap_get_health(struct remap_c *rc);
int remap_manual(struct remap_c *rc, u64 block, char *result, unsigned int maxlen);
int remap_clear_pending(struct remap_c *rc, u64 block);

/* dm-remap-metadata.c (st->lock held, except attach and detach) */
int remap_store_attach(struct remap_c *rc, bool format, char **error);
void remap_store_detach(struct remap_c *rc);
unsigned int remap_meta_room(struct remap_store *st);
int remap_meta_rev_reserve(struct remap_store *st, u64 spare);
int remap_meta_set_rslot(struct remap_c *rc, u64 spare, u64 slot);
u64 remap_meta_pending_add(struct remap_c *rc, u64 block);
void remap_meta_pending_del(struct remap_c *rc, u64 slot);
int remap_meta_commit(struct remap_c *rc);

/* dm-remap-message.c */
int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);
void remap_sum_stats(struct remap_store *st, struct remap_stats *sum);
const char *remap_health_name(enum remap_health h);
const char *remap_failure_name(struct remap_c *rc);

#endif
