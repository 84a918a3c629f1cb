/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmremap: create, inspect and steer dm-remap devices.
 *
 * Every function returns 0 (or a documented non-negative value) on success
 * and a negative errno on failure; the failure is also described in plain
 * words by dmr_error(ctx): one line, then the error lines libdevmapper
 * logged during the failing call, if any, each after "\nlibdevmapper: ".
 * Without root, device-mapper calls fail with -EACCES; without a
 * device-mapper driver in the kernel, with -EOPNOTSUPP.
 *
 * Threads: a context is not shared between threads; use one per thread.
 * libdevmapper is not thread-safe: serialise the calls that reach
 * device-mapper (and the program's own libdevmapper calls).  On its first
 * device-mapper call the library installs a libdevmapper log function and
 * turns udev synchronisation on, process-wide and for good: the log
 * function files libdevmapper's error lines into the context of the
 * calling thread's current call and drops every other message.
 */
#ifndef DMREMAP_H
#define DMREMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the JSON documents produced below ("schema_version"). */
#define DMR_JSON_SCHEMA_VERSION	1

/* Oldest and next-incompatible kernel target versions this library drives. */
#define DMR_TARGET_MAJOR	1

struct dmr_ctx;

int dmr_ctx_new(struct dmr_ctx **ctx);
void dmr_ctx_free(struct dmr_ctx *ctx);
/* The message of the last failure on @ctx ("" if none). */
const char *dmr_error(const struct dmr_ctx *ctx);
/* The library's own version string, e.g. "0.1.0". */
const char *dmr_library_version(void);

/*
 * Version of the loaded `remap` target.  -EOPNOTSUPP: the target is not
 * loaded (the message suggests `modprobe dm-remap`) or device-mapper is not
 * available; -EPROTO: a major version this library cannot drive.
 */
int dmr_target_version(struct dmr_ctx *ctx, unsigned int version[3]);

/* ------------------------------------------------------------- lifecycle */

enum dmr_suppress {
	DMR_SUPPRESS_DEFAULT = -1,	/* the module parameter decides */
	DMR_SUPPRESS_OFF = 0,
	DMR_SUPPRESS_ON = 1,
};

struct dmr_create_opts {
	enum dmr_suppress suppress;
	bool format;		/* format a spare with no dm-remap superblock */
	const char *uuid;	/* dm UUID, or NULL for the default (below) */
	uint64_t length;	/* sectors of main to map; 0 = all of main */
};

/*
 * Validate (block devices, main != spare, not in use, spare big enough,
 * name characters, main's identity) and create /dev/mapper/@name.
 * -EINVAL/-ENOENT/-EBUSY/-ENOSPC/-EEXIST with a message naming the
 * problem.  The table load loads the dm-remap module if need be;
 * -EOPNOTSUPP if it is not available, -EPROTO if the loaded target has a
 * major version this library cannot drive.
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

/* Flags of dmr_create_ex (since 0.2, DMREMAP_1.1). */
#define DMR_CREATE_FORCE	(1U << 0)	/* use a main whose identity or size
						   differs from the spare's record, or
						   that carries a dm-remap superblock
						   (each with a notice) */
/* dmr_create with @flags; unknown flags are -EINVAL. */
int dmr_create_ex(struct dmr_ctx *ctx, const char *name, const char *main_dev,
		  const char *spare_dev, const struct dmr_create_opts *opts,
		  unsigned int flags);
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

struct dmr_dev_ref {
	char path[256];		/* /dev/<node> if found, else "" */
	unsigned int major, minor;
};

struct dmr_status {
	char name[128];
	char uuid[129];
	unsigned int dm_major, dm_minor;
	unsigned int target_version[3];
	struct dmr_dev_ref main, spare;
	uint64_t start, length;		/* table line, sectors */
	unsigned int status_version;	/* first field of the status line */
	uint32_t block_size;		/* bytes */
	uint64_t reads, writes, read_errors, write_errors;
	uint64_t remapped, pending;
	uint64_t spare_used, spare_total, retired;
	uint64_t errors_suppressed, spare_errors;
	uint64_t spare_start;		/* sector of spare block 0 on the spare */
	uint64_t metadata_generation;
	bool suppress;
	enum dmr_kernel_health kernel_health;
	bool suspended;
	time_t taken;			/* when the status was read */
};

int dmr_status(struct dmr_ctx *ctx, const char *name, struct dmr_status *st);
/*
 * Parse a v2+ status line (as `dmsetup status` prints after the target
 * name) into @st's counters; exported for tools and tests.
 */
int dmr_parse_status_line(struct dmr_ctx *ctx, const char *line,
			  struct dmr_status *st);
const char *dmr_kernel_health_name(enum dmr_kernel_health h);

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
};
struct dmr_entry {
	uint64_t block;
	enum dmr_entry_state state;
	uint64_t spare_block;	/* valid for REMAPPED and INFLIGHT */
};
/* Every entry of a live device (pages through the kernel's `list`). */
int dmr_list_entries(struct dmr_ctx *ctx, const char *name,
		     struct dmr_entry **entries, size_t *count);
const char *dmr_entry_state_name(enum dmr_entry_state s);

/* --------------------------------------------------------------- health */

enum dmr_health_level {		/* also the exit status of `dmremapctl health` */
	DMR_HEALTH_OK = 0,
	DMR_HEALTH_WARNING = 1,
	DMR_HEALTH_CRITICAL = 2,
	DMR_HEALTH_UNKNOWN = 3,	/* never from dmr_health_eval: no status */
};

/*
 * Health rules (reason codes in quotes; a threshold of 0 is disabled):
 *   critical "metadata_failed"  kernel health failed
 *   critical "spare_exhausted"  kernel health exhausted, or no free spare block
 *   critical "spare_usage"      spare use (rounded down) >= spare_crit_pct
 *   warning  "spare_usage"      otherwise spare use >= spare_warn_pct
 *   warning  "pending_blocks"   pending >= pending_warn
 *   warning  "spare_errors"     spare_errors >= spare_errors_warn
 *   warning  "spare_retired"    retired > 0
 *   warning  "kernel_degraded"  kernel health degraded for none of the above
 * The level is the highest of the reasons (ok if none).  docs/JSON.md has
 * the same table.
 */
struct dmr_thresholds {
	unsigned int spare_warn_pct;	/* default 80 */
	unsigned int spare_crit_pct;	/* default 95 */
	uint64_t pending_warn;		/* default 1 */
	uint64_t spare_errors_warn;	/* default 1 */
};
void dmr_thresholds_default(struct dmr_thresholds *t);

#define DMR_MAX_REASONS 8
struct dmr_health {
	enum dmr_health_level level;
	unsigned int nr_reasons;
	struct {
		enum dmr_health_level level;
		char code[32];		/* stable key, e.g. "spare_usage" */
		char text[160];		/* human sentence */
	} reasons[DMR_MAX_REASONS];
	unsigned int spare_used_pct;
};
/* Pure: evaluates a status against thresholds (NULL = defaults). */
void dmr_health_eval(const struct dmr_status *st,
		     const struct dmr_thresholds *t, struct dmr_health *h);
const char *dmr_health_level_name(enum dmr_health_level l);

/* --------------------------------------- messages, confirmation (1.1) */

enum dmr_log_level {
	DMR_LOG_WARNING = 4,	/* as syslog's LOG_WARNING */
	DMR_LOG_NOTICE = 5,	/* as LOG_NOTICE: a check that was relaxed */
};
/*
 * Messages that are not failures (one line each, no program name).  Without
 * a log function they are dropped.  @fn NULL removes it.
 */
typedef void (*dmr_log_fn)(int level, const char *msg, void *data);
void dmr_set_log_fn(struct dmr_ctx *ctx, dmr_log_fn fn, void *data);
/*
 * Asked before a destructive step that libblkid's findings make risky:
 * @question is one or more lines saying what would be destroyed.  Return
 * true to go on.  Without a confirm function the step is refused.
 */
typedef bool (*dmr_confirm_fn)(const char *question, void *data);
void dmr_set_confirm_fn(struct dmr_ctx *ctx, dmr_confirm_fn fn, void *data);

/* ------------------------------------------- devices and identity (1.1) */

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

/* ---------------------------------------------------- dmremaptab (1.1) */

#define DMR_TAB_PATH	"/etc/dmremaptab"

#define DMR_TAB_NOFAIL	(1U << 0)
#define DMR_TAB_NOAUTO	(1U << 1)

/* One line of dmremaptab(5); allocated by the library. */
struct dmr_tab_entry {
	unsigned int line;		/* 1-based line number */
	char *name, *main, *spare;	/* as written */
	unsigned int flags;		/* DMR_TAB_* */
	enum dmr_suppress suppress;	/* suppress_writes, no_suppress_writes */
	bool device_timeout_set;	/* x-systemd.device-timeout= given */
	uint64_t device_timeout;	/* seconds; 0 = no limit */
};

struct dmr_tab {
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

struct dmr_dump {
	char spare_path[256];
	unsigned int format_version;
	bool sb_a_valid, sb_b_valid;
	uint64_t generation;
	uint32_t state;			/* DMR_STATE_* bits */
	bool metadata_failed;
	uint32_t block_size;
	uint64_t main_blocks;
	uint64_t spare_sectors;
	uint64_t spare_start;		/* sector of spare block 0 */
	uint64_t remap_slots, pending_slots;
	uint32_t meta_blocks;		/* per copy */
	uint64_t created;		/* seconds since the epoch */
	char uuid[129];
	uint64_t retired;
	unsigned int bad_meta_copies;	/* blocks where one copy was bad */
	size_t nr_entries;
	struct dmr_entry *entries;	/* REMAPPED and PENDING, sorted by block */
	/* Since 0.2 (the library allocates this struct, so it may grow). */
	uint64_t format_id;
	uint32_t slot_size;		/* bytes between spare blocks */
	uint64_t main_sectors;		/* whole main at format; 0 = unknown */
	char main_id[DMR_ID_MAX + 1];	/* main's identity at format, or "" */
};
/*
 * Decode the metadata of a spare that is not in use by an active table.
 * -EBUSY if it is; -ENODATA if it carries no dm-remap superblock; -EBADMSG
 * if both copies of something are corrupt.
 */
int dmr_dump(struct dmr_ctx *ctx, const char *spare_dev, struct dmr_dump **dump);
void dmr_dump_free(struct dmr_dump *dump);

/* ----------------------------------------------------------------- JSON */

/*
 * Whole JSON documents (schema: docs/JSON.md), malloc'd, NUL-terminated;
 * free with free().  @pretty selects indentation.
 *   status: {"schema_version":1,"generated":...,"devices":[...]}
 *           each device with its health (evaluated with @t, NULL = defaults)
 *   dump:   {"schema_version":1,"generated":...,"spare":{...},"entries":[...]}
 *   entries:{"schema_version":1,"generated":...,"device":...,"entries":[...]}
 */
int dmr_json_status(struct dmr_ctx *ctx, const struct dmr_status *st,
		    size_t count, const struct dmr_thresholds *t, bool pretty,
		    char **out);
int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
		  bool pretty, char **out);
int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
		     const struct dmr_entry *entries, size_t count,
		     bool pretty, char **out);

#ifdef __cplusplus
}
#endif

#endif
