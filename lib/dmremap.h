/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmremap 2: create, inspect and steer dm-remap devices.
 *
 * Every function returns 0 (or a documented non-negative value) on success
 * and a negative errno on failure; the failure is also described in plain
 * words by dmr_error(ctx): one line, then the error lines libdevmapper
 * logged during the failing call, if any, each after "\nlibdevmapper: ".
 * Without root, device-mapper calls fail with -EACCES; without a
 * device-mapper driver in the kernel, with -EOPNOTSUPP.
 *
 * HOW THE API GROWS WITHOUT A NEW SONAME (since 2.0)
 *
 * Two kinds of objects cross the API, and each has one rule:
 *
 * - Structs start with "size_t size" (libnvme's args_size; the Linux
 *   "extensible struct" rule of openat2, clone3 and sched_getattr).  Fields
 *   are only ever appended, each release after the previous sizeof, and a
 *   field added later has 0 as its neutral value.
 *   . A struct the caller provides (dmr_create_opts, dmr_thresholds, the
 *     dmr_status it wants filled): the caller sets size = sizeof(struct)
 *     as its header declares it, e.g.
 *         struct dmr_create_opts o = { .size = sizeof(o), .format = true };
 *     The library reads (or fills) only those bytes.  Fields the caller's
 *     header did not have count as 0 (or are not filled); a caller built
 *     against a newer header may pass a bigger struct, and the library
 *     refuses it with -E2BIG only if a byte it does not know is not zero
 *     (an option it cannot honour); filling a bigger dmr_status, it zeroes
 *     the unknown tail and sets size to what it filled.
 *   . A struct the library hands out (dmr_entry, dmr_reason, dmr_dump,
 *     dmr_tab, dmr_tab_entry) is only ever seen through a pointer; its size
 *     is the library's sizeof, so a program tests a field added later with
 *     DMR_HAS_FIELD(p, field) before reading it.  Never copy these by value
 *     or index arrays of them: the library gives arrays of pointers or an
 *     accessor instead.
 * - Results whose length varies are opaque, with getters: the health of a
 *   device (any number of reasons, of any length) is struct dmr_health.
 *
 * Why not opaque everything: a status is polled for many devices every few
 * seconds by exporters, and a caller-allocated, size-prefixed struct keeps
 * that to one call with no allocation while still letting fields be added;
 * opaque handles are used where a fixed layout cannot hold the data.
 * Times are int64_t seconds since the epoch (no time_t in the ABI).
 * A release that adds to the API adds a version node to libdmremap.map
 * (DMREMAP_2.0, DMREMAP_2.1, ...); symbols never move between nodes.
 *
 * Threads: a context is not shared between threads; use one per thread.
 * libdevmapper is not thread-safe: serialise the calls that reach
 * device-mapper (and the program's own libdevmapper calls).  While at
 * least one context that has made a device-mapper call exists, the library
 * has libdevmapper's log function installed (process-wide) and udev
 * synchronisation on; the log function hands every libdevmapper line of
 * the calling thread's current call to that context (dmr_set_log_fn, with
 * libdevmapper's level) and keeps its error lines for dmr_error().  When
 * the last such context is freed, libdevmapper's default logging is put
 * back and dm_lib_release() is called (cryptsetup's dm_backend_exit).
 */
#ifndef DMREMAP_H
#define DMREMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Version of the JSON documents produced below: "schema_version" changes
 * only when a key changes meaning or goes away, "schema_minor" when keys
 * are added (docs/JSON.md).
 */
#define DMR_JSON_SCHEMA_VERSION	1
#define DMR_JSON_SCHEMA_MINOR	1

/* The kernel target's major version this library drives. */
#define DMR_TARGET_MAJOR	1

/* Does the library-provided struct at @p (first member "size") have @field? */
#define DMR_HAS_FIELD(p, field) \
	((p)->size >= offsetof(__typeof__(*(p)), field) + sizeof((p)->field))

struct dmr_ctx;

int dmr_ctx_new(struct dmr_ctx **ctx);
void dmr_ctx_free(struct dmr_ctx *ctx);
/* The message of the last failure on @ctx ("" if none). */
const char *dmr_error(const struct dmr_ctx *ctx);
/* The library's own version string, e.g. "0.3.0". */
const char *dmr_library_version(void);

/*
 * Version of the loaded `remap` target.  -EOPNOTSUPP: the target is not
 * loaded (the message suggests `modprobe dm-remap`) or device-mapper is not
 * available; -EPROTO: a major version this library cannot drive.
 */
int dmr_target_version(struct dmr_ctx *ctx, unsigned int version[3]);

/* ------------------------------------------------------------- messages */

/* Levels of dmr_log_fn: syslog's numbers. */
enum dmr_log_level {
	DMR_LOG_ERR = 3,	/* libdevmapper's error lines (also in dmr_error) */
	DMR_LOG_WARNING = 4,
	DMR_LOG_NOTICE = 5,	/* a check that was relaxed */
	DMR_LOG_INFO = 6,
	DMR_LOG_DEBUG = 7,	/* every libdevmapper line, ioctls, kernel replies */
};
/*
 * Messages (one line each, no program name; libdevmapper's lines start with
 * "libdevmapper: ") at @level or more important than the context's log
 * level (dmr_set_log_level, default DMR_LOG_NOTICE).  Without a log
 * function they are dropped.  @fn NULL removes it.  As cryptsetup's
 * crypt_set_log_callback.
 */
typedef void (*dmr_log_fn)(int level, const char *msg, void *data);
void dmr_set_log_fn(struct dmr_ctx *ctx, dmr_log_fn fn, void *data);
/* Most verbose level passed to the log function (DMR_LOG_DEBUG: all). */
void dmr_set_log_level(struct dmr_ctx *ctx, int level);
/*
 * Asked before a destructive step that libblkid's findings make risky:
 * @question is one or more lines saying what would be destroyed.  Return
 * true to go on.  Without a confirm function the step is refused.
 */
typedef bool (*dmr_confirm_fn)(const char *question, void *data);
void dmr_set_confirm_fn(struct dmr_ctx *ctx, dmr_confirm_fn fn, void *data);
/*
 * The program named in the "producer" block of the JSON documents (copied;
 * NULL: none).
 */
int dmr_set_producer(struct dmr_ctx *ctx, const char *tool,
		     const char *version);

/* ------------------------------------------------------------- lifecycle */

enum dmr_suppress {
	DMR_SUPPRESS_DEFAULT = 0,	/* the module parameter decides */
	DMR_SUPPRESS_OFF = 1,
	DMR_SUPPRESS_ON = 2,
};

/* Flags of dmr_create_opts. */
#define DMR_CREATE_FORCE	(1U << 0)	/* use a main whose identity or size
						   differs from the spare's record, or
						   that carries a dm-remap superblock
						   (each with a notice) */

/* Caller-provided, size first (see the top of this file); 0 = default. */
struct dmr_create_opts {
	size_t size;		/* sizeof(struct dmr_create_opts) */
	enum dmr_suppress suppress;
	unsigned int flags;	/* DMR_CREATE_*; unknown flags are -EINVAL */
	const char *uuid;	/* dm UUID, or NULL for the default (below) */
	uint64_t length;	/* sectors of main to map; 0 = all of main */
	bool format;		/* format a spare with no dm-remap superblock */
};

/*
 * Validate (block devices, main != spare, not in use, spare big enough,
 * name characters, main's identity) and create /dev/mapper/@name; @opts
 * NULL: all defaults.  -EINVAL/-ENOENT/-EBUSY/-ENOSPC/-EEXIST with a
 * message naming the problem.  The table load loads the dm-remap module if
 * need be; -EOPNOTSUPP if it is not available, -EPROTO if the loaded
 * target has a major version this library cannot drive.
 *
 * The default dm UUID is "DMREMAP-<format id, 16 hex digits>-<name>";
 * for a spare whose superblock records the UUID "DMREMAP-<name>" (the
 * default before version 0.2) it is that one.
 *
 * A MAIN that carries a dm-remap superblock is refused ("MAIN and SPARE
 * swapped?"); so is a spare whose superblock records another main
 * (main_id, main_sectors: see dmr_device_identity).  Spares that record no
 * identity (formatted by the kernel's `format` table option) are checked
 * on the main's size only, with a notice (dmr_set_log_fn).
 *
 * With opts->format, a spare with no dm-remap superblock is formatted by
 * the library (format version 2, both superblocks, O_DIRECT and fsync)
 * before the table is loaded, without the kernel's `format` option.  If
 * libblkid finds a filesystem, partition table or RAID/LVM/ZFS member
 * signature on it, the confirm function (dmr_set_confirm_fn) is asked
 * first; without one, or if it says no, nothing is written (-EEXIST).  The
 * signatures found are wiped before the superblocks are written.  A spare
 * with a dm-remap superblock, even a damaged one, is never formatted.
 */
int dmr_create(struct dmr_ctx *ctx, const char *name, const char *main_dev,
	       const char *spare_dev, const struct dmr_create_opts *opts);
int dmr_remove(struct dmr_ctx *ctx, const char *name);

/* Names of all active dm-remap devices, sorted; free with dmr_names_free. */
int dmr_list(struct dmr_ctx *ctx, char ***names, size_t *count);
void dmr_names_free(char **names, size_t count);

/* --------------------------------------------------------------- status */

enum dmr_kernel_health {
	DMR_KHEALTH_OK,
	DMR_KHEALTH_DEGRADED,
	DMR_KHEALTH_EXHAUSTED,
	DMR_KHEALTH_FAILED,
};

/* Why the kernel's health is failed (status format 3). */
enum dmr_failure {
	DMR_FAILURE_NONE,
	DMR_FAILURE_METADATA,	/* a metadata write failed */
	DMR_FAILURE_MAIN,	/* the failure budget was spent: main is failed */
	DMR_FAILURE_LOST,	/* lost blocks only */
};

struct dmr_dev_ref {
	char path[256];		/* /dev/<node> if found, else "" */
	unsigned int major, minor;
};

/*
 * Caller-provided, size first: set size = sizeof(struct dmr_status) before
 * dmr_status(); the library fills at most that many bytes and sets size to
 * what it filled.  Fields marked "v3" are valid when status_version >= 3
 * (else 0); those from the `stats` reply are 0 when a kernel does not give
 * them.
 */
struct dmr_status {
	size_t size;
	char name[128];
	char uuid[129];		/* "" if none */
	/*
	 * 0; or, when dmr_status failed, its negative errno: then only name,
	 * unreadable and error are set (a placeholder that the JSON documents
	 * and dmr_health_eval show as unknown).
	 */
	int unreadable;
	char error[256];	/* the failure's first line, or "" */
	struct dmr_dev_ref dm;	/* path "/dev/mapper/<name>" if that node exists */
	struct dmr_dev_ref main, spare;
	unsigned int target_version[3];
	unsigned int status_version;	/* first field of the status line */
	uint64_t start, length;		/* table line, sectors */
	uint64_t block_size;		/* bytes */
	uint64_t reads, writes, read_errors, write_errors;
	uint64_t remapped, pending;
	uint64_t spare_used, spare_total, retired;
	uint64_t errors_suppressed, spare_errors;
	uint64_t lost;			/* v3: blocks whose remap was not recorded */
	uint64_t spare_start;		/* sector of spare block 0 on the spare */
	uint64_t spare_stride;		/* bytes from one spare block to the next */
	uint64_t metadata_generation;
	uint64_t format_id;		/* the spare's format id */
	uint64_t format_version;	/* the spare's on-disk format version */
	int64_t counters_since;		/* v3: when the counters started (epoch s) */
	int64_t taken;			/* when the status was read (epoch s) */
	enum dmr_kernel_health kernel_health;
	enum dmr_failure failure;	/* v3 */
	bool suppress;			/* write errors absorbed by remapping */
	bool suspended;
};

/*
 * One atomic-enough snapshot: table, status line, `stats` reply and target
 * version.  On failure @st is still a placeholder for @name (unreadable,
 * error); -EINVAL if st->size is smaller than the 2.0 layout.
 */
int dmr_status(struct dmr_ctx *ctx, const char *name, struct dmr_status *st);
const char *dmr_kernel_health_name(enum dmr_kernel_health h);
/* "none", "metadata", "main", "lost". */
const char *dmr_failure_name(enum dmr_failure f);

/* -------------------------------------------------------------- control */

int dmr_set_suppress(struct dmr_ctx *ctx, const char *name, bool on);

enum dmr_remap_result {
	DMR_REMAP_DONE,		/* copied to a spare block */
	DMR_REMAP_ALREADY,	/* was already remapped */
	DMR_REMAP_PENDING,	/* main cannot read it: marked pending */
};
/* Manually remap @block (main's logical blocks); *spare_block set if known. */
int dmr_remap(struct dmr_ctx *ctx, const char *name, uint64_t block,
	      enum dmr_remap_result *result, uint64_t *spare_block);
int dmr_clear_pending(struct dmr_ctx *ctx, const char *name, uint64_t block);

enum dmr_entry_state {
	DMR_ENTRY_REMAPPED,
	DMR_ENTRY_PENDING,
	DMR_ENTRY_INFLIGHT,	/* being remapped right now (live lists only) */
	DMR_ENTRY_COPYING,	/* the remap message is copying it (live only) */
	DMR_ENTRY_LOST,		/* its remap could not be recorded (live only) */
};
/* One entry, handed out by the library (size first: see the top). */
struct dmr_entry {
	size_t size;
	uint64_t block;
	enum dmr_entry_state state;
	/* valid for REMAPPED, INFLIGHT and LOST; 0 for PENDING and COPYING */
	uint64_t spare_block;
};
/* Called per entry; a non-zero return stops the walk and is returned. */
typedef int (*dmr_entry_fn)(const struct dmr_entry *e, void *data);
/*
 * Every entry of a live device in block order, paged through the kernel's
 * `list` (one page in memory at a time, whatever the table's size).
 */
int dmr_entries_foreach(struct dmr_ctx *ctx, const char *name,
			dmr_entry_fn fn, void *data);
const char *dmr_entry_state_name(enum dmr_entry_state s);

/* --------------------------------------------------------------- health */

enum dmr_health_level {		/* also the exit status of `dmremapctl health` */
	DMR_HEALTH_OK = 0,
	DMR_HEALTH_WARNING = 1,
	DMR_HEALTH_CRITICAL = 2,
	DMR_HEALTH_UNKNOWN = 3,	/* a placeholder status (unreadable) */
};

/*
 * Health rules (reason codes in quotes; a threshold of 0 is disabled):
 *   unknown  "unreadable"       the status could not be read (placeholder)
 *   critical "metadata_failed"  failure metadata (format 2: kernel health
 *                               failed)
 *   critical "main_failed"      failure main: the failure budget was spent
 *   critical "blocks_lost"      lost > 0: I/O to those blocks fails
 *   critical "spare_exhausted"  kernel health exhausted, or no free spare block
 *   critical "spare_usage"      spare use (rounded down) >= spare_crit_pct
 *   warning  "spare_usage"      otherwise spare use >= spare_warn_pct
 *   critical "remapped_blocks"  remapped >= remapped_crit
 *   warning  "remapped_blocks"  otherwise remapped >= remapped_warn
 *   warning  "pending_blocks"   pending >= pending_warn
 *   warning  "spare_errors"     spare_errors >= spare_errors_warn
 *   warning  "spare_retired"    retired > 0
 *   warning  "protection_off"   suppress off, with protection_off_warn
 *   warning  "kernel_degraded"  kernel health degraded for none of the above
 * The level is the highest of the reasons (ok if none).  docs/JSON.md has
 * the same table.
 */
/* Caller-provided, size first (see the top of this file). */
struct dmr_thresholds {
	size_t size;			/* sizeof(struct dmr_thresholds) */
	unsigned int spare_warn_pct;	/* default 80 */
	unsigned int spare_crit_pct;	/* default 95 */
	uint64_t pending_warn;		/* default 1 */
	uint64_t spare_errors_warn;	/* default 1 */
	uint64_t remapped_warn;		/* default 0 (off) */
	uint64_t remapped_crit;		/* default 0 (off) */
	bool protection_off_warn;	/* default false */
};
/* The defaults into the first t->size bytes (t->size must be set). */
void dmr_thresholds_default(struct dmr_thresholds *t);

/* One finding, handed out by the library (size first). */
struct dmr_reason {
	size_t size;
	enum dmr_health_level level;
	const char *code;		/* stable key, e.g. "spare_usage" */
	const char *text;		/* one English sentence */
};
struct dmr_health;			/* opaque */
/*
 * Pure: evaluates a status against thresholds (NULL = defaults) into a new
 * *h (free with dmr_health_free).  -ENOMEM, -EINVAL (a struct too small),
 * -E2BIG (thresholds with fields this library does not know set).
 */
int dmr_health_eval(const struct dmr_status *st,
		    const struct dmr_thresholds *t, struct dmr_health **h);
void dmr_health_free(struct dmr_health *h);
enum dmr_health_level dmr_health_level(const struct dmr_health *h);
/* Spare blocks used, percent rounded down (100 when there are none). */
unsigned int dmr_health_spare_used_pct(const struct dmr_health *h);
size_t dmr_health_nr_reasons(const struct dmr_health *h);
/* Reason @i (0 .. nr_reasons - 1) in rule order, NULL beyond. */
const struct dmr_reason *dmr_health_reason(const struct dmr_health *h,
					   size_t i);
const char *dmr_health_level_name(enum dmr_health_level l);

/* ------------------------------------------- ----- devices and identity */

/* Longest identity string (the superblock's main_id field). */
#define DMR_ID_MAX	128

/*
 * The identity of a block device as dm-remap records it for a main (read
 * from sysfs; udev is not needed), and its size in sectors.  The first
 * that applies, for a whole device:
 *   "dm-uuid:<uuid>"   a device-mapper device with a UUID
 *   "dm-name:<name>"   a device-mapper device without one
 *   "wwid:<wwid>"      /sys/block/X/device/wwid, then /sys/block/X/wwid
 *                      (SCSI/SATA NAA or T10 ids, NVMe EUI-64/NGUID)
 *   "serial:<serial>"  /sys/block/X/device/serial, /sys/block/X/serial
 *                      (virtio), then the serial of SCSI VPD page 0x80
 *                      (/sys/block/X/device/vpd_pg80)
 *   "loop:<file>"      a loop device: its backing file
 *   "name:<kernel name>"  anything else (null_blk, virtio without a
 *                      serial, ...): a weak identity, since kernel names
 *                      can change; a mismatch is a notice, not a refusal
 * Blanks become '_'; a partition gets "-part<N>" after its disk's identity
 * ("name:" uses the partition's own name).  At most DMR_ID_MAX characters.
 */
int dmr_device_identity(struct dmr_ctx *ctx, const char *dev,
			char id[DMR_ID_MAX + 1], uint64_t *sectors);
/* Whether an identity string is a strong one (not "name:" nor empty). */
bool dmr_identity_is_strong(const char *id);

/*
 * libblkid's view of @dev: the filesystem, partition table and RAID, LVM,
 * ZFS or crypto member signatures it finds, as text ("an ext4 filesystem
 * (UUID ...); a gpt partition table"), plus a dm-remap superblock if any.
 * Returns 1 if anything was found (@what set), 0 if none (@what ""), or a
 * negative errno.
 */
int dmr_probe_signatures(struct dmr_ctx *ctx, const char *dev, char *what,
			 size_t size);

/*
 * The format id of the dm-remap superblock on @dev (copy A, or B if A is
 * not valid); reads its first 8 KiB.  -ENODATA if it has none, -EBADMSG if
 * it has the magic but no valid copy.
 */
int dmr_spare_format_id(struct dmr_ctx *ctx, const char *dev,
			uint64_t *format_id);

/*
 * Resolve a device as dmremaptab(5) names it: a path (any /dev path, best
 * /dev/disk/by-id/...), "WWN=<wwn>", "SERIAL=<serial>" (whole disks, as
 * sysfs shows them; see dmr_device_identity) or, for a spare only,
 * "FORMAT_ID=<16 hex digits>" (the block device carrying that dm-remap
 * superblock: the first 8 KiB of every block device are read, except
 * dm-remap's own devices, suspended device-mapper devices and devices that
 * are held, mounted or empty).  Writes the /dev path to @path.
 * -ENOENT: no such device; -EEXIST: more than one (a copied disk?).
 */
int dmr_resolve_device(struct dmr_ctx *ctx, const char *spec, bool spare,
		       char *path, size_t size);
/* Does @dev match @spec (as above)?  1 yes, 0 no, or a negative errno. */
int dmr_device_matches(struct dmr_ctx *ctx, const char *spec, const char *dev);

/* ---------------------------------------------------------- dmremaptab */

#define DMR_TAB_PATH	"/etc/dmremaptab"

#define DMR_TAB_NOFAIL	(1U << 0)
#define DMR_TAB_NOAUTO	(1U << 1)

/* One line of dmremaptab(5); handed out by the library (size: as above). */
struct dmr_tab_entry {
	size_t size;
	unsigned int line;		/* 1-based line number */
	char *name, *main, *spare;	/* as written */
	unsigned int flags;		/* DMR_TAB_* */
	enum dmr_suppress suppress;	/* suppress_writes, no_suppress_writes */
	bool device_timeout_set;	/* x-systemd.device-timeout= given */
	uint64_t device_timeout;	/* seconds; 0 = no limit */
};

struct dmr_tab {
	size_t size;
	char *path;			/* where it was read from (or "-") */
	size_t count;
	struct dmr_tab_entry **entries;	/* in file order */
	size_t nr_errors;
	char **errors;			/* "PATH:LINE: message", one per bad line */
};

/*
 * Parse dmremaptab text.  Lines that cannot be used are left out of
 * entries and described in errors (with their line numbers); the result is
 * still 0.  Negative errno only for memory or I/O trouble.  @origin names
 * the text in the messages.
 */
int dmr_tab_parse(struct dmr_ctx *ctx, const char *text, const char *origin,
		  struct dmr_tab **tab);
/* Read and parse @path (NULL: DMR_TAB_PATH); -ENOENT if it does not exist. */
int dmr_tab_read(struct dmr_ctx *ctx, const char *path, struct dmr_tab **tab);
const struct dmr_tab_entry *dmr_tab_find(const struct dmr_tab *tab,
					 const char *name);
void dmr_tab_free(struct dmr_tab *tab);

/* ------------------------------------------------- offline spare dump */

/* Handed out by the library (size first): fields are only appended. */
struct dmr_dump {
	size_t size;
	char *spare_path;		/* as given */
	unsigned int format_version;
	bool sb_a_valid, sb_b_valid;
	bool metadata_failed;
	uint64_t generation;
	uint32_t state;			/* DMR_STATE_* bits */
	uint32_t block_size;
	uint64_t main_blocks;
	uint64_t spare_sectors;
	uint64_t spare_start;		/* sector of spare block 0 */
	uint64_t remap_slots, pending_slots;
	uint32_t meta_blocks;		/* per copy */
	uint32_t slot_size;		/* bytes between spare blocks */
	int64_t created;		/* seconds since the epoch */
	char uuid[129];
	uint64_t retired;
	unsigned int bad_meta_copies;	/* blocks where one copy was bad */
	uint64_t format_id;
	uint64_t main_sectors;		/* whole main at format; 0 = unknown */
	char main_id[DMR_ID_MAX + 1];	/* main's identity at format, or "" */
	size_t nr_entries;		/* REMAPPED and PENDING, by block */
};
/*
 * Decode the metadata of a spare that is not in use by an active table.
 * -EBUSY if it is; -ENODATA if it carries no dm-remap superblock; -EBADMSG
 * if both copies of something are corrupt.
 */
int dmr_dump(struct dmr_ctx *ctx, const char *spare_dev, struct dmr_dump **dump);
/* Entry @i (0 .. nr_entries - 1) of a dump, sorted by block; NULL beyond. */
const struct dmr_entry *dmr_dump_entry(const struct dmr_dump *dump, size_t i);
void dmr_dump_free(struct dmr_dump *dump);

/* ----------------------------------------------------------------- JSON */

/* Flags of the dmr_json_* writers. */
#define DMR_JSON_PRETTY	(1U << 0)	/* indent (json-c's pretty style) */
#define DMR_JSON_OPEN	(1U << 1)	/* leave the top-level object open: no
					   closing brace and newline, so that
					   the caller can append keys */

/*
 * Whole JSON documents (schema: docs/JSON.md) written to @f; 0, or a
 * negative errno (-EIO when @f reports a write error).  Every document
 * starts with schema_version, schema_minor, generated and the producer.
 *   status:  "devices": one object per status, each with its health
 *            (evaluated with @t, NULL = defaults); placeholders of
 *            unreadable devices have health unknown
 *   dump:    "spare": {...}, "entries": [...]
 *   entries: "device": NAME, "entries": [...], "entries_complete": bool;
 *            pages through the kernel and writes as it goes: the memory
 *            used does not depend on the number of entries.  On a failure
 *            after the document was begun, the array is closed,
 *            entries_complete is false and the error is returned.
 */
int dmr_json_status(struct dmr_ctx *ctx, const struct dmr_status *const *st,
		    size_t count, const struct dmr_thresholds *t,
		    unsigned int flags, FILE *f);
int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
		  unsigned int flags, FILE *f);
int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
		     unsigned int flags, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
