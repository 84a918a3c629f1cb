/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdmremap internals shared between its source files; not installed.
 * Internal functions are prefixed dmri_ and hidden from the shared library.
 */
#ifndef DMR_INTERNAL_H
#define DMR_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "dmremap.h"

#define DMR_EXPORT __attribute__((visibility("default")))

/* The only `remap` target type name, and the default UUID prefix. */
#define DMRI_TARGET		"remap"
#define DMRI_UUID_PREFIX	"DMREMAP-"

struct dmr_ctx {
	char error[1024];
	/* The error lines libdevmapper logged during the current dm call. */
	char dm_log[768];
	dmr_log_fn log_fn;
	void *log_data;
	int log_level;			/* most verbose level passed on */
	bool dm_user;			/* holds a reference on the dm backend */
	char *tool, *tool_version;	/* the JSON producer, or NULL */
	dmr_confirm_fn confirm_fn;
	void *confirm_data;
	/* Where sysfs is ("" = /sys); the tests point it at a fake tree. */
	char sysfs[256];
	/* Tests: the spare's physical block size as a format sees it (0: ask). */
	unsigned int test_pbs;
};

/* A notice or warning through the log function, if there is one. */
void dmri_log(struct dmr_ctx *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Would a message at @level reach the log function? */
bool dmri_logs(const struct dmr_ctx *ctx, int level);
/* A debug line ("dm: ..."). */
#define dmri_debug(ctx, ...) dmri_log(ctx, DMR_LOG_DEBUG, __VA_ARGS__)
/*
 * A caller-provided size-first struct into @dst (@dst_size bytes, zeroed
 * first): copies min(src->size, dst_size) bytes; -EINVAL if src->size is
 * below @min, -E2BIG if it is bigger than @dst_size with a non-zero byte
 * there (Linux's copy_struct_from_user).
 */
int dmri_copy_in(void *dst, size_t dst_size, const void *src, size_t min);
/* The dm backend reference of @ctx is dropped (dmr_ctx_free). */
void dmri_dm_release(struct dmr_ctx *ctx);
/* snprintf where truncation is intended (long paths, ids cut to size). */
void dmri_strf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ctx->sysfs or "/sys". */
const char *dmri_sysfs(const struct dmr_ctx *ctx);

/* Forget the previous failure: every public entry point starts with it. */
void dmri_clear(struct dmr_ctx *ctx);
/* Record a failure; returns -|err|. */
int dmri_fail(struct dmr_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --------------------------------------------------------- parse.c */

/* Decimal digits only, no sign, no overflow: 0 or -EPROTO. */
int dmri_parse_u64(const char *s, size_t len, uint64_t *v);
/* Skips blanks, returns the next word's length (0 at a newline or the end). */
size_t dmri_next_word(const char **p, const char **word);
bool dmri_word_is(const char *word, size_t len, const char *s);

/* ------------------------------------------------------------ dm.c */

struct dmri_dev {
	bool exists, suspended;
	unsigned int major, minor;
	char uuid[129];
	unsigned int nr_targets;
	/* The first target (the only one of a dm-remap device). */
	char type[64];
	uint64_t start, length;
	char *params;			/* malloc'd table or status parameters */
};

void dmri_dev_release(struct dmri_dev *d);
int dmri_dm_target_version(struct dmr_ctx *ctx, const char *target,
			   unsigned int version[3]);
/* Exists or not: 0 either way (d->exists), negative only on failure. */
int dmri_dm_info(struct dmr_ctx *ctx, const char *name, struct dmri_dev *d);
/* @status: STATUS (status line) instead of TABLE (table line). -ENXIO. */
int dmri_dm_query(struct dmr_ctx *ctx, const char *name, bool status,
		  struct dmri_dev *d);
int dmri_dm_create(struct dmr_ctx *ctx, const char *name, const char *uuid,
		   uint64_t length, const char *params);
int dmri_dm_remove(struct dmr_ctx *ctx, const char *name);
/* The node of dm device @name (dm_dir()/name) into @path if it exists, else "". */
void dmri_dm_node(const char *name, char *path, size_t size);
int dmri_dm_names(struct dmr_ctx *ctx, char ***names, size_t *count);
/* Sends @msg to sector 0; *reply is malloc'd ("" if none). */
int dmri_dm_message(struct dmr_ctx *ctx, const char *name, const char *msg,
		    char **reply);

/* ------------------------------------------------------- validate.c */

struct dmri_create_plan {
	unsigned int main_major, main_minor, spare_major, spare_minor;
	uint32_t block_size;		/* main's logical block size */
	uint64_t length;		/* sectors */
	char uuid[129];
	uint64_t format_id;		/* the spare's (new, with a format) */
	bool formatted;			/* the library wrote the superblocks */
};

int dmri_validate_name(struct dmr_ctx *ctx, const char *name);
/* All the checks; with opts->format, also the format of a blank spare. */
int dmri_validate_create(struct dmr_ctx *ctx, const char *name,
			 const char *main_dev, const char *spare_dev,
			 const struct dmr_create_opts *opts, unsigned int flags,
			 struct dmri_create_plan *plan);
/* "DMREMAP-<16 hex>-<name>" into @buf (DMR_UUID_LEN + 1); -ENAMETOOLONG. */
int dmri_default_uuid(uint64_t format_id, const char *name, char *buf,
		      size_t size);
/* The table parameters after "remap": "<M:m> <M:m> [n opts]". */
int dmri_create_params(const struct dmri_create_plan *plan,
		       const struct dmr_create_opts *opts, char *buf,
		       size_t size);

/* -------------------------------------------------------- devpath.c */

/* /dev/<node> of a block device ("" if there is none). */
void dmri_devpath(unsigned int major, unsigned int minor, char *path,
		  size_t size);
/* "M:m" (as the kernel prints devices in a table line) → numbers. */
int dmri_parse_devnum(const char *s, unsigned int *major,
		      unsigned int *minor);
/* First holder of a block device ("dm-3 (/dev/mapper/x)"), or "" if none. */
void dmri_holder(unsigned int major, unsigned int minor, char *holder,
		 size_t size);
/* What uses a partition of a whole disk ("its partition sdb1 is mounted
 * on /mnt"), or "" if none is in use. */
void dmri_busy_partition(unsigned int major, unsigned int minor, char *what,
			 size_t size);
/* Mount point of a block device, or "" if it is not mounted. */
void dmri_mountpoint(unsigned int major, unsigned int minor, char *mnt,
		     size_t size);

/* ------------------------------------------------------- identity.c */

/* dmr_device_identity for a device number (sysfs under dmri_sysfs). */
int dmri_identity(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
		  char *id, size_t size);
/* Whole-disk WWN / serial candidates of a device, normalised ("" if none). */
void dmri_wwn(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
	      char *wwn, size_t size);
bool dmri_serial_matches(struct dmr_ctx *ctx, unsigned int major,
			 unsigned int minor, const char *serial);
/* Lowercase, without "wwn-", "0x", "naa.", "eui." prefixes. */
void dmri_normalise_wwn(const char *in, char *out, size_t size);
/* Iterate over the block devices of sysfs: calls @fn(major, minor, kname,
 * data) for each until it returns non-zero (then returns that). */
int dmri_for_each_blockdev(struct dmr_ctx *ctx,
			   int (*fn)(unsigned int major, unsigned int minor,
				     const char *kname, void *data),
			   void *data);

/* ---------------------------------------------------------- probe.c */

/* libblkid on an open fd; with @wipe, erase what was found (after the
 * description was made).  1 found, 0 none, negative errno. */
int dmri_probe_fd(struct dmr_ctx *ctx, int fd, const char *path, char *what,
		  size_t size, bool wipe);
/* Superblock A/B of an open device: 0 and *sb, -ENODATA, -EBADMSG. */
struct dmr_sb;
int dmri_read_sb(int fd, struct dmr_sb *sb);

/* --------------------------------------------------------- status.c */

/* The 2.0 layout: the smallest struct dmr_status a caller may pass. */
#define DMRI_STATUS_MIN_SIZE \
	(offsetof(struct dmr_status, suspended) + sizeof(bool))

/* A v2+ status line (after the target name) into @st's counters. */
int dmri_parse_status_line(struct dmr_ctx *ctx, const char *line,
			   struct dmr_status *st);
int dmri_parse_table_params(struct dmr_ctx *ctx, const char *params,
			    struct dmr_status *st);
int dmri_parse_stats(struct dmr_ctx *ctx, const char *reply,
		     struct dmr_status *st);
/* The device's table, or -EINVAL if it is not a dm-remap device. */
int dmri_remap_table(struct dmr_ctx *ctx, const char *name, struct dmri_dev *d);

/* -------------------------------------------------------- control.c */

int dmri_parse_remap_reply(struct dmr_ctx *ctx, const char *reply,
			   uint64_t block, enum dmr_remap_result *result,
			   uint64_t *spare_block);

/* -------------------------------------------------------- entries.c */

/*
 * Calls @fn for each entry of one page (blocks above *last, in order;
 * *last updated, UINT64_MAX before the first); *next = start of the next
 * page, or UINT64_MAX.  A non-zero return of @fn stops and is returned.
 */
int dmri_parse_list_page(struct dmr_ctx *ctx, const char *reply,
			 dmr_entry_fn fn, void *data, uint64_t *last,
			 uint64_t *next);

/* ------------------------------------------------------------ dump.c */

/* The entries of a dump (dmr_dump_entry). */
struct dmri_dump {
	struct dmr_dump pub;
	struct dmr_entry *entries;
};

/* ----------------------------------------------------------- health.c */

/* Percentage of spare blocks used, rounded down, at most 100. */
unsigned int dmri_used_pct(const struct dmr_status *st);

/* ------------------------------------------------------------ json.c */

/* ISO 8601 UTC of @t into @buf (>= 21 bytes); false if not representable. */
bool dmri_iso_time(int64_t t, char *buf, size_t size);

#endif
