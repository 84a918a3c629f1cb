// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON documents for status, spare dumps and entry lists, written to a
 * FILE.  The schema is docs/JSON.md; keys are stable, snake_case, and every
 * number is a JSON number.  The fixed part of a document is built with
 * json-c; entry arrays are written one entry at a time in json-c's own
 * style (plain, or pretty with two-space indentation), so that a table of
 * any size takes constant memory.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmr-internal.h"

/* A document under construction; any failed allocation sets @oom. */
struct doc {
	bool oom;
};

static json_object *chk(struct doc *d, json_object *o)
{
	if (!o)
		d->oom = true;
	return o;
}

static void put(struct doc *d, json_object *obj, const char *key, json_object *v)
{
	if (!obj || !v || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		d->oom = true;
	}
}

static void put_null(struct doc *d, json_object *o, const char *k)
{
	if (!o || json_object_object_add(o, k, NULL))
		d->oom = true;
}

static void put_u64(struct doc *d, json_object *o, const char *k, uint64_t v)
{
	put(d, o, k, chk(d, json_object_new_uint64(v)));
}

static void put_bool(struct doc *d, json_object *o, const char *k, bool v)
{
	put(d, o, k, chk(d, json_object_new_boolean(v)));
}

/* A string, or null when @s is NULL or empty. */
static void put_str(struct doc *d, json_object *o, const char *k, const char *s)
{
	if (!s || !*s)
		put_null(d, o, k);
	else
		put(d, o, k, chk(d, json_object_new_string(s)));
}

static void append(struct doc *d, json_object *arr, json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v)) {
		json_object_put(v);
		d->oom = true;
	}
}

bool dmri_iso_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	/* Years 1970 to 9999: anything else is garbage, not a time. */
	if (t < 0 || t > 253402300799LL || (int64_t)tt != t ||
	    !gmtime_r(&tt, &tm))
		return false;
	return strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

/* @key: ISO 8601 UTC, @key_epoch: seconds; both null if not a valid time. */
static void put_time(struct doc *d, json_object *o, const char *key,
		     int64_t t, bool valid)
{
	char iso[32], ek[64];

	snprintf(ek, sizeof(ek), "%s_epoch", key);
	if (!valid || !dmri_iso_time(t, iso, sizeof(iso))) {
		put_null(d, o, key);
		put_null(d, o, ek);
		return;
	}
	put_str(d, o, key, iso);
	put(d, o, ek, chk(d, json_object_new_int64(t)));
}

static json_object *new_doc(struct dmr_ctx *ctx, struct doc *d)
{
	json_object *root = chk(d, json_object_new_object());
	json_object *p = chk(d, json_object_new_object());

	put(d, root, "schema_version",
	    chk(d, json_object_new_int(DMR_JSON_SCHEMA_VERSION)));
	put(d, root, "schema_minor",
	    chk(d, json_object_new_int(DMR_JSON_SCHEMA_MINOR)));
	put_time(d, root, "generated", (int64_t)time(NULL), true);
	put_str(d, p, "library", "libdmremap");
	put_str(d, p, "library_version", dmr_library_version());
	put_str(d, p, "tool", ctx->tool);
	put_str(d, p, "tool_version", ctx->tool_version);
	put(d, root, "producer", p);
	return root;
}

static int json_flags(unsigned int flags)
{
	return JSON_C_TO_STRING_NOSLASHESCAPE |
	       (flags & DMR_JSON_PRETTY ?
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
		JSON_C_TO_STRING_PLAIN);
}

/*
 * Write @root without its closing brace (and the blanks before it); the
 * caller goes on with more keys or calls close_doc.
 */
static int write_open(struct dmr_ctx *ctx, struct doc *d, json_object *root,
		      unsigned int flags, FILE *f)
{
	const char *s = NULL, *end;
	int r = 0;

	if (!d->oom)
		s = json_object_to_json_string_ext(root, json_flags(flags));
	if (!s) {
		json_object_put(root);
		return dmri_fail(ctx, ENOMEM, "out of memory building JSON");
	}
	end = strrchr(s, '}');
	while (end && end > s && (end[-1] == ' ' || end[-1] == '\n'))
		end--;
	if (!end || fwrite(s, 1, (size_t)(end - s), f) != (size_t)(end - s))
		r = dmri_fail(ctx, EIO, "cannot write the JSON document");
	json_object_put(root);
	return r;
}

static int close_doc(struct dmr_ctx *ctx, unsigned int flags, FILE *f, int r)
{
	if (!(flags & DMR_JSON_OPEN))
		fputs(flags & DMR_JSON_PRETTY ? "\n}\n" : "}\n", f);
	if (ferror(f) && !r)
		r = dmri_fail(ctx, EIO, "cannot write the JSON document");
	return r;
}

static int check_flags(struct dmr_ctx *ctx, unsigned int flags, FILE *f)
{
	if (!f)
		return dmri_fail(ctx, EINVAL, "no output stream");
	if (flags & ~(DMR_JSON_PRETTY | DMR_JSON_OPEN))
		return dmri_fail(ctx, EINVAL, "unknown JSON flags %#x", flags);
	return 0;
}

/* ---------------------------------------------------------------- status */

static json_object *dev_ref(struct doc *d, const struct dmr_dev_ref *r)
{
	json_object *o = chk(d, json_object_new_object());
	char num[24];

	snprintf(num, sizeof(num), "%u:%u", r->major, r->minor);
	put_str(d, o, "path", r->path);
	put_str(d, o, "devnum", num);
	put_u64(d, o, "major", r->major);
	put_u64(d, o, "minor", r->minor);
	return o;
}

static json_object *health_obj(struct doc *d, const struct dmr_health *h)
{
	json_object *o = chk(d, json_object_new_object());
	json_object *reasons = chk(d, json_object_new_array());
	size_t i;

	put_str(d, o, "level", dmr_health_level_name(dmr_health_level(h)));
	put_u64(d, o, "level_code", dmr_health_level(h));
	for (i = 0; i < dmr_health_nr_reasons(h); i++) {
		const struct dmr_reason *rs = dmr_health_reason(h, i);
		json_object *r = chk(d, json_object_new_object());

		put_str(d, r, "code", rs->code);
		put_str(d, r, "level", dmr_health_level_name(rs->level));
		put_str(d, r, "text", rs->text);
		append(d, reasons, r);
	}
	put(d, o, "reasons", reasons);
	return o;
}

/* The keys of a device object after "name", "error" and before "health". */
static const char *const status_keys[] = {
	"uuid", "dm_device", "target_version", "main", "spare", "start",
	"length", "size_bytes", "block_size", "status_version", "suspended",
	"suppress", "kernel_health", "failure", "reads", "writes",
	"read_errors", "write_errors", "remapped", "pending", "lost", "retired",
	"errors_suppressed", "spare_errors", "spare_blocks", "spare_start",
	"spare_stride", "metadata_generation", "format_version", "format_id",
	"counters_since", "counters_since_epoch", "taken", "taken_epoch",
};

static void status_keys_of(struct doc *d, json_object *o,
			   const struct dmr_status *st, unsigned int pct)
{
	json_object *sb = chk(d, json_object_new_object());
	bool v3 = st->status_version >= 3;
	char ver[40], fid[24];

	snprintf(ver, sizeof(ver), "%u.%u.%u", st->target_version[0],
		 st->target_version[1], st->target_version[2]);
	put_str(d, o, "uuid", st->uuid);
	put(d, o, "dm_device", dev_ref(d, &st->dm));
	put_str(d, o, "target_version", ver);
	put(d, o, "main", dev_ref(d, &st->main));
	put(d, o, "spare", dev_ref(d, &st->spare));
	put_u64(d, o, "start", st->start);
	put_u64(d, o, "length", st->length);
	put_u64(d, o, "size_bytes", st->length * 512);
	put_u64(d, o, "block_size", st->block_size);
	put_u64(d, o, "status_version", st->status_version);
	put_bool(d, o, "suspended", st->suspended);
	put_bool(d, o, "suppress", st->suppress);
	put_str(d, o, "kernel_health", dmr_kernel_health_name(st->kernel_health));
	put_str(d, o, "failure", v3 ? dmr_failure_name(st->failure) : NULL);
	put_u64(d, o, "reads", st->reads);
	put_u64(d, o, "writes", st->writes);
	put_u64(d, o, "read_errors", st->read_errors);
	put_u64(d, o, "write_errors", st->write_errors);
	put_u64(d, o, "remapped", st->remapped);
	put_u64(d, o, "pending", st->pending);
	if (v3)
		put_u64(d, o, "lost", st->lost);
	else
		put_null(d, o, "lost");
	put_u64(d, o, "retired", st->retired);
	put_u64(d, o, "errors_suppressed", st->errors_suppressed);
	put_u64(d, o, "spare_errors", st->spare_errors);
	put_u64(d, sb, "used", st->spare_used);
	put_u64(d, sb, "total", st->spare_total);
	put_u64(d, sb, "free", st->spare_used < st->spare_total ?
			       st->spare_total - st->spare_used : 0);
	put_u64(d, sb, "used_pct", pct);
	put(d, o, "spare_blocks", sb);
	put_u64(d, o, "spare_start", st->spare_start);
	if (st->spare_stride)
		put_u64(d, o, "spare_stride", st->spare_stride);
	else
		put_null(d, o, "spare_stride");
	put_u64(d, o, "metadata_generation", st->metadata_generation);
	if (st->format_version)
		put_u64(d, o, "format_version", st->format_version);
	else
		put_null(d, o, "format_version");
	snprintf(fid, sizeof(fid), "%016" PRIx64, st->format_id);
	put_str(d, o, "format_id", st->format_id ? fid : NULL);
	put_time(d, o, "counters_since", st->counters_since, v3);
	put_time(d, o, "taken", st->taken, true);
}

static json_object *status_obj(struct doc *d, const struct dmr_status *st,
			       const struct dmr_thresholds *t)
{
	json_object *o = chk(d, json_object_new_object());
	struct dmr_health *h = NULL;
	size_t i;

	if (dmr_health_eval(st, t, &h)) {
		d->oom = true;
		return o;
	}
	put_str(d, o, "name", st->name);
	put_str(d, o, "error", st->unreadable ? st->error : NULL);
	if (st->unreadable)
		for (i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++)
			put_null(d, o, status_keys[i]);
	else
		status_keys_of(d, o, st, dmr_health_spare_used_pct(h));
	put(d, o, "health", health_obj(d, h));
	dmr_health_free(h);
	return o;
}

DMR_EXPORT int dmr_json_status(struct dmr_ctx *ctx,
			       const struct dmr_status *const *st, size_t count,
			       const struct dmr_thresholds *t, unsigned int flags,
			       FILE *f)
{
	struct doc d = { false };
	struct dmr_health *h;
	json_object *root, *devs;
	size_t i;
	int r;

	dmri_clear(ctx);
	r = check_flags(ctx, flags, f);
	if (r)
		return r;
	if (count && !st)
		return dmri_fail(ctx, EINVAL, "no statuses");
	for (i = 0; i < count; i++) {
		if (!st[i])
			return dmri_fail(ctx, EINVAL, "no status %zu", i);
		r = dmr_health_eval(st[i], t, &h);
		dmr_health_free(h);
		if (r)
			return dmri_fail(ctx, r, "status %zu or the thresholds: %s",
					 i, strerror(-r));
	}
	root = new_doc(ctx, &d);
	devs = chk(&d, json_object_new_array());
	for (i = 0; i < count; i++)
		append(&d, devs, status_obj(&d, st[i], t));
	put(&d, root, "devices", devs);
	r = write_open(ctx, &d, root, flags, f);
	return close_doc(ctx, flags, f, r);
}

/* ------------------------------------------------------- entry arrays */

struct ewriter {
	FILE *f;
	bool pretty;
	uint64_t n;
};

static int write_entry(const struct dmr_entry *e, void *data)
{
	struct ewriter *w = data;
	const char *state = dmr_entry_state_name(e->state);
	char spare[24] = "null";

	if (e->state != DMR_ENTRY_PENDING && e->state != DMR_ENTRY_COPYING)
		snprintf(spare, sizeof(spare), "%" PRIu64, e->spare_block);
	if (w->pretty)
		fprintf(w->f, "%s\n    {\n      \"block\": %" PRIu64
			",\n      \"state\": \"%s\",\n      \"spare_block\": %s\n    }",
			w->n ? "," : "", e->block, state, spare);
	else
		fprintf(w->f, "%s{\"block\":%" PRIu64 ",\"state\":\"%s\",\"spare_block\":%s}",
			w->n ? "," : "", e->block, state, spare);
	w->n++;
	return ferror(w->f) ? -EIO : 0;
}

static void begin_entries(struct ewriter *w)
{
	fputs(w->pretty ? ",\n  \"entries\": [" : ",\"entries\":[", w->f);
}

static void end_entries(struct ewriter *w)
{
	fputs(w->pretty ? "\n  ]" : "]", w->f);
}

/* ---------------------------------------------------------------- dump */

DMR_EXPORT int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
			     unsigned int flags, FILE *f)
{
	struct ewriter w = { .f = f, .pretty = flags & DMR_JSON_PRETTY };
	struct doc d = { false };
	json_object *root, *s;
	uint64_t remapped = 0;
	char fid[24];
	size_t i;
	int r;

	dmri_clear(ctx);
	r = check_flags(ctx, flags, f);
	if (r)
		return r;
	if (!dump)
		return dmri_fail(ctx, EINVAL, "no dump");
	for (i = 0; i < dump->nr_entries; i++)
		remapped += dmr_dump_entry(dump, i)->state == DMR_ENTRY_REMAPPED;
	root = new_doc(ctx, &d);
	s = chk(&d, json_object_new_object());
	put_str(&d, s, "path", dump->spare_path);
	put_u64(&d, s, "format_version", dump->format_version);
	put_bool(&d, s, "superblock_a_valid", dump->sb_a_valid);
	put_bool(&d, s, "superblock_b_valid", dump->sb_b_valid);
	put_u64(&d, s, "generation", dump->generation);
	put_u64(&d, s, "state", dump->state);
	put_bool(&d, s, "metadata_failed", dump->metadata_failed);
	put_u64(&d, s, "block_size", dump->block_size);
	put_u64(&d, s, "main_blocks", dump->main_blocks);
	put_u64(&d, s, "spare_sectors", dump->spare_sectors);
	put_u64(&d, s, "spare_start", dump->spare_start);
	put_u64(&d, s, "remap_slots", dump->remap_slots);
	put_u64(&d, s, "pending_slots", dump->pending_slots);
	put_u64(&d, s, "meta_blocks", dump->meta_blocks);
	put_time(&d, s, "created", dump->created, true);
	put_str(&d, s, "uuid", dump->uuid);
	snprintf(fid, sizeof(fid), "%016" PRIx64, dump->format_id);
	put_str(&d, s, "format_id", fid);
	put_u64(&d, s, "slot_size", dump->slot_size);
	if (dump->main_sectors)
		put_u64(&d, s, "main_sectors", dump->main_sectors);
	else
		put_null(&d, s, "main_sectors");
	put_str(&d, s, "main_id", dump->main_id);
	put_u64(&d, s, "remapped", remapped);
	put_u64(&d, s, "pending", dump->nr_entries - remapped);
	put_u64(&d, s, "retired", dump->retired);
	put_u64(&d, s, "bad_meta_copies", dump->bad_meta_copies);
	put(&d, root, "spare", s);
	r = write_open(ctx, &d, root, flags, f);
	if (r)
		return r;
	begin_entries(&w);
	for (i = 0; i < dump->nr_entries && !r; i++)
		r = write_entry(dmr_dump_entry(dump, i), &w);
	end_entries(&w);
	return close_doc(ctx, flags, f, r);
}

/* ------------------------------------------------------------- entries */

DMR_EXPORT int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
				unsigned int flags, FILE *f)
{
	struct ewriter w = { .f = f, .pretty = flags & DMR_JSON_PRETTY };
	struct doc d = { false };
	struct dmri_dev dev;
	json_object *root;
	char err[sizeof(ctx->error)];
	int r;

	dmri_clear(ctx);
	r = check_flags(ctx, flags, f);
	if (r)
		return r;
	/* A device that is not there gets no document at all. */
	r = dmri_remap_table(ctx, name, &dev);
	if (r)
		return r;
	dmri_dev_release(&dev);
	root = new_doc(ctx, &d);
	put_str(&d, root, "device", name);
	r = write_open(ctx, &d, root, flags, f);
	if (r)
		return r;
	begin_entries(&w);
	r = dmr_entries_foreach(ctx, name, write_entry, &w);
	if (r == -EIO && !ctx->error[0])
		dmri_fail(ctx, EIO, "cannot write the JSON document");
	snprintf(err, sizeof(err), "%s", ctx->error);
	end_entries(&w);
	fprintf(f, w.pretty ? ",\n  \"entries_complete\": %s" :
			     ",\"entries_complete\":%s", r ? "false" : "true");
	r = close_doc(ctx, flags, f, r);
	if (r && err[0])	/* the failure's own message, not a later one */
		snprintf(ctx->error, sizeof(ctx->error), "%s", err);
	return r;
}
