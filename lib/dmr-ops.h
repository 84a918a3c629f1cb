/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmremap internals of the long operations (scrub, copy, spare-move,
 * monitor): the block reader they share, the I/O hooks the tests replace,
 * range sets, state files, and the spare-move record.  Not installed.
 */
#ifndef DMR_OPS_H
#define DMR_OPS_H

#include <stdint.h>
#include <sys/types.h>

#include "dmr-internal.h"

/* ----------------------------------------------------------- blockio.c */

/*
 * Every read and write of the long operations, the clock and sleeping go
 * through these, so that tests can fail reads, cut writes and fake time.
 * Process-wide; the defaults are pread, pwrite, fsync, CLOCK_MONOTONIC
 * and nanosleep.
 */
struct dmri_io {
	ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	int (*fsync)(int fd);
	int64_t (*now_ns)(void);
	void (*sleep_ns)(int64_t ns);
};
extern struct dmri_io dmri_io;
void dmri_io_reset(void);

/* A sorted set of disjoint byte ranges (unreadable areas). */
struct dmri_ranges {
	size_t n, cap;
	struct dmri_range { uint64_t off, len; } *v;
};
int dmri_ranges_add(struct dmri_ranges *r, uint64_t off, uint64_t len);
uint64_t dmri_ranges_bytes(const struct dmri_ranges *r);
bool dmri_ranges_covers(const struct dmri_ranges *r, uint64_t off, uint64_t len);
void dmri_ranges_free(struct dmri_ranges *r);

struct dmri_scan;
/* The reader: what is read well goes to @good (may be NULL), bad blocks
 * (merged into ranges) to @bad; @save is called every 10 s of this run
 * with everything below @pos finished. */
struct dmri_scan {
	struct dmr_ctx *ctx;
	const char *path;		/* of fd, for messages */
	int fd;
	uint32_t bs;			/* block size: the smallest read */
	uint64_t chunk;			/* bytes per read (a multiple of bs) */
	uint64_t rate;			/* bytes per second, 0 = no limit */
	unsigned int retries;
	const volatile int *stop;
	int (*good)(struct dmri_scan *s, uint64_t off, const void *buf,
		    size_t len);
	int (*bad)(struct dmri_scan *s, uint64_t off, uint64_t len);
	int (*save)(struct dmri_scan *s, uint64_t pos);
	void *data;
	/* Progress: the caller fills p (start, end, total, done, ...). */
	struct dmr_progress p;
	dmr_progress_fn progress;
	void *pdata;
	unsigned int progress_ms;
	/* The reader's own. */
	void *buf;
	int64_t t0, last_progress, last_save;
	uint64_t run_bytes;		/* read by this run (rate limit) */
	uint64_t bad_off, bad_len;	/* a bad range still growing */
};

/* Set up (buffer, clock); 0 or a negative errno. */
int dmri_scan_init(struct dmri_scan *s);
void dmri_scan_release(struct dmri_scan *s);
/* Read [start, end): 0, -EINTR when *stop was seen (save() called), or an
 * error.  s->p.done grows by what was finished. */
int dmri_scan_range(struct dmri_scan *s, uint64_t start, uint64_t end);
/* The final progress call. */
void dmri_scan_final(struct dmri_scan *s);

/*
 * Open the dm device @name for reading (O_DIRECT where it works): its
 * path, fd, size (bytes), logical block size and dm UUID.
 */
struct dmri_source {
	char path[4096];
	char uuid[129];
	int fd;
	uint64_t size;
	uint32_t bs;
};
int dmri_open_source(struct dmr_ctx *ctx, const char *name,
		     struct dmri_source *src);
/* The same for any file or block device (the tests use files). */
int dmri_open_path(struct dmr_ctx *ctx, const char *path, bool write,
		   bool excl, int *fd, uint64_t *size, uint32_t *lbs);
/* O_DIRECT on or off (where the file system allows it). */
void dmri_set_direct(int fd, bool on);
/*
 * A device to be written whole (copy's DEST, spare-move's NEWSPARE): a
 * block device not held, mounted or with a partition in use, opened
 * O_RDWR | O_EXCL (O_DIRECT where it works); a regular file (copy only,
 * @files) is opened or created.
 */
int dmri_open_target(struct dmr_ctx *ctx, const char *role, const char *path,
		     bool files, int *fd, uint64_t *size, uint32_t *lbs,
		     uint32_t *pbs);

/* The arguments as this library knows them (zeroed, defaults set). */
int dmri_scan_opts(struct dmr_ctx *ctx, const struct dmr_scan_opts *in,
		   struct dmr_scan_opts *out);
/* scrub and copy on an open device (dmr_scrub, dmr_copy; the tests use
 * files): @name and @uuid identify it in the state files. */
int dmri_scrub_fd(struct dmr_ctx *ctx, const char *name, const char *uuid,
		  int fd, const char *path, uint64_t size, uint32_t bs,
		  const struct dmr_scan_opts *a);
int dmri_copy_fd(struct dmr_ctx *ctx, const char *name, const char *uuid,
		 int fd, const char *path, uint64_t size, uint32_t bs,
		 const char *dest, const struct dmr_scan_opts *a);

/* Write @text to @path atomically (temp file in the same directory,
 * fsync, rename, fsync of the directory), making the directory first. */
int dmri_write_file(struct dmr_ctx *ctx, const char *path, const char *text,
		    size_t len);
/* The whole file, NUL-terminated (malloc'd); -ENOENT if there is none. */
int dmri_read_file(struct dmr_ctx *ctx, const char *path, char **text);
/* /var/lib/dmremap/<prefix><name><suffix> (DMREMAP_STATE_DIR overrides
 * the directory, for tests). */
void dmri_state_path(char *buf, size_t size, const char *prefix,
		     const char *name, const char *suffix);

/* Milliseconds between two dmri_io.now_ns() values. */
static inline int64_t dmri_ms(int64_t from, int64_t to)
{
	return (to - from) / 1000000;
}

/* ------------------------------------------------------ dm.c, monitor.c */

/* The device's event counter and its info (d->exists false if none). */
int dmri_dm_event_nr(struct dmr_ctx *ctx, const char *name, uint32_t *event_nr,
		     struct dmri_dev *d);
/* DM_DEVICE_WAITEVENT: until the counter differs from @event_nr; -EINTR. */
int dmri_dm_wait_event(struct dmr_ctx *ctx, const char *name, uint32_t event_nr);

/* --------------------------------------------------------- sparemove.c */

/* Where the move record lives in the old spare's superblock (bytes the
 * readers never look at; docs/FORMAT.md, "Spare moves"). */
#define DMRI_MOVE_OFFSET	3584
#define DMRI_MOVE_MAGIC		0x31564f4d524d4444ULL	/* "DDMRMOV1" */

/* Move record of a superblock block (the raw 4 KiB), 0 if none. */
uint64_t dmri_move_record(const void *sb_block);
/*
 * For create and assemble: the spare open on @fd records a move to
 * another spare.  If that spare is here with a valid superblock, the move
 * was committed: -EINVAL, saying which device to use.  Otherwise 0 (a
 * notice says the move did not finish).
 */
int dmri_check_moved(struct dmr_ctx *ctx, int fd, const char *path);

/* Test hook: the number of writes after which spare-move's writes fail
 * as if the machine had stopped (0 = never; env DMREMAP_TEST_CUT_WRITES). */
extern unsigned long dmri_move_cut;
/* Tests: regular files as the new spare; the paths searched for the spare
 * a move record names (NULL-terminated; NULL: every block device). */
extern bool dmri_move_files;
extern const char *const *dmri_move_candidates;

#endif
