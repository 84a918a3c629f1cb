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
	bool format;		/* initialise a spare with no dm-remap superblock */
	const char *uuid;	/* dm UUID, or NULL for "DMREMAP-<name>" */
	uint64_t length;	/* sectors of main to map; 0 = all of main */
};

/*
 * Validate (block devices, main != spare, not in use, spare big enough,
 * name characters) and create /dev/mapper/@name.  -EINVAL/-ENOENT/-EBUSY/
 * -ENOSPC/-EEXIST with a message naming the problem.  The table load
 * loads the dm-remap module if need be; -EOPNOTSUPP if it is not available,
 * -EPROTO if the loaded target has a major version this library cannot drive.
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
