// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON documents (json-c) for status, spare dumps and entry lists.  The
 * schema is docs/JSON.md; keys are stable, snake_case, and every number is
 * a JSON number.
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
	if (!s || !*s) {
		if (o && !json_object_object_add(o, k, NULL))
			return;
		d->oom = true;
		return;
	}
	put(d, o, k, chk(d, json_object_new_string(s)));
}

static void append(struct doc *d, json_object *arr, json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v)) {
		json_object_put(v);
		d->oom = true;
	}
}

static void put_time(struct doc *d, json_object *o, const char *key,
		     const char *epoch_key, time_t t)
{
	char iso[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(iso, sizeof(iso), "invalid");
	put_str(d, o, key, iso);
	put(d, o, epoch_key, chk(d, json_object_new_int64((int64_t)t)));
}

static json_object *new_doc(struct doc *d)
{
	json_object *root = chk(d, json_object_new_object());

	put(d, root, "schema_version",
	    chk(d, json_object_new_int(DMR_JSON_SCHEMA_VERSION)));
	put_time(d, root, "generated", "generated_epoch", time(NULL));
	return root;
}

static int finish(struct dmr_ctx *ctx, struct doc *d, json_object *root,
		  bool pretty, char **out)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			      JSON_C_TO_STRING_PLAIN);
	const char *s = NULL;

	if (!d->oom)
		s = json_object_to_json_string_ext(root, flags);
	*out = s ? strdup(s) : NULL;
	json_object_put(root);
	return *out ? 0 : dmri_fail(ctx, ENOMEM, "out of memory building JSON");
}

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
	unsigned int i;

	put_str(d, o, "level", dmr_health_level_name(h->level));
	put_u64(d, o, "level_code", h->level);
	for (i = 0; i < h->nr_reasons; i++) {
		json_object *r = chk(d, json_object_new_object());

		put_str(d, r, "code", h->reasons[i].code);
		put_str(d, r, "level", dmr_health_level_name(h->reasons[i].level));
		put_str(d, r, "text", h->reasons[i].text);
		append(d, reasons, r);
	}
	put(d, o, "reasons", reasons);
	return o;
}

static json_object *status_obj(struct doc *d, const struct dmr_status *st,
			       const struct dmr_thresholds *t)
{
	json_object *o = chk(d, json_object_new_object());
	json_object *sb = chk(d, json_object_new_object());
	struct dmr_dev_ref dm = { .major = st->dm_major, .minor = st->dm_minor };
	struct dmr_health h;
	char ver[40];

	dmr_health_eval(st, t, &h);
	snprintf(dm.path, sizeof(dm.path), "/dev/mapper/%s", st->name);
	snprintf(ver, sizeof(ver), "%u.%u.%u", st->target_version[0],
		 st->target_version[1], st->target_version[2]);
	put_str(d, o, "name", st->name);
	put_str(d, o, "uuid", st->uuid);
	put(d, o, "dm_device", dev_ref(d, &dm));
	put_str(d, o, "target_version", ver);
	put(d, o, "main", dev_ref(d, &st->main));
	put(d, o, "spare", dev_ref(d, &st->spare));
	put_u64(d, o, "start", st->start);
	put_u64(d, o, "length", st->length);
	put_u64(d, o, "block_size", st->block_size);
	put_u64(d, o, "status_version", st->status_version);
	put_bool(d, o, "suspended", st->suspended);
	put_bool(d, o, "suppress", st->suppress);
	put_str(d, o, "kernel_health", dmr_kernel_health_name(st->kernel_health));
	put_u64(d, o, "reads", st->reads);
	put_u64(d, o, "writes", st->writes);
	put_u64(d, o, "read_errors", st->read_errors);
	put_u64(d, o, "write_errors", st->write_errors);
	put_u64(d, o, "remapped", st->remapped);
	put_u64(d, o, "pending", st->pending);
	put_u64(d, o, "retired", st->retired);
	put_u64(d, o, "errors_suppressed", st->errors_suppressed);
	put_u64(d, o, "spare_errors", st->spare_errors);
	put_u64(d, sb, "used", st->spare_used);
	put_u64(d, sb, "total", st->spare_total);
	put_u64(d, sb, "free", st->spare_used < st->spare_total ?
			       st->spare_total - st->spare_used : 0);
	put_u64(d, sb, "used_pct", h.spare_used_pct);
	put(d, o, "spare_blocks", sb);
	put_u64(d, o, "spare_start", st->spare_start);
	put_u64(d, o, "metadata_generation", st->metadata_generation);
	put_time(d, o, "taken", "taken_epoch", st->taken);
	put(d, o, "health", health_obj(d, &h));
	return o;
}

DMR_EXPORT int dmr_json_status(struct dmr_ctx *ctx, const struct dmr_status *st,
			       size_t count, const struct dmr_thresholds *t,
			       bool pretty, char **out)
{
	struct doc d = { false };
	json_object *root, *devs;
	size_t i;

	dmri_clear(ctx);
	if (!out || (count && !st))
		return dmri_fail(ctx, EINVAL, "no status or output pointer");
	root = new_doc(&d);
	devs = chk(&d, json_object_new_array());
	for (i = 0; i < count; i++)
		append(&d, devs, status_obj(&d, &st[i], t));
	put(&d, root, "devices", devs);
	return finish(ctx, &d, root, pretty, out);
}

static json_object *entries_arr(struct doc *d, const struct dmr_entry *e,
				size_t count)
{
	json_object *arr = chk(d, json_object_new_array());
	size_t i;

	for (i = 0; i < count; i++) {
		json_object *o = chk(d, json_object_new_object());

		put_u64(d, o, "block", e[i].block);
		put_str(d, o, "state", dmr_entry_state_name(e[i].state));
		if (e[i].state == DMR_ENTRY_PENDING)
			put_str(d, o, "spare_block", NULL);
		else
			put_u64(d, o, "spare_block", e[i].spare_block);
		append(d, arr, o);
	}
	return arr;
}

DMR_EXPORT int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
			     bool pretty, char **out)
{
	struct doc d = { false };
	json_object *root, *s;
	uint64_t remapped = 0;
	char fid[24];
	size_t i;

	dmri_clear(ctx);
	if (!dump || !out)
		return dmri_fail(ctx, EINVAL, "no dump or output pointer");
	for (i = 0; i < dump->nr_entries; i++)
		remapped += dump->entries[i].state == DMR_ENTRY_REMAPPED;
	root = new_doc(&d);
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
	put_time(&d, s, "created", "created_epoch", (time_t)dump->created);
	put_str(&d, s, "uuid", dump->uuid);
	snprintf(fid, sizeof(fid), "%016" PRIx64, dump->format_id);
	put_str(&d, s, "format_id", fid);
	put_u64(&d, s, "slot_size", dump->slot_size);
	if (dump->main_sectors)
		put_u64(&d, s, "main_sectors", dump->main_sectors);
	else
		put_str(&d, s, "main_sectors", NULL);
	put_str(&d, s, "main_id", dump->main_id);
	put_u64(&d, s, "remapped", remapped);
	put_u64(&d, s, "pending", dump->nr_entries - remapped);
	put_u64(&d, s, "retired", dump->retired);
	put_u64(&d, s, "bad_meta_copies", dump->bad_meta_copies);
	put(&d, root, "spare", s);
	put(&d, root, "entries", entries_arr(&d, dump->entries, dump->nr_entries));
	return finish(ctx, &d, root, pretty, out);
}

DMR_EXPORT int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
				const struct dmr_entry *entries, size_t count,
				bool pretty, char **out)
{
	struct doc d = { false };
	json_object *root;

	dmri_clear(ctx);
	if (!out || (count && !entries))
		return dmri_fail(ctx, EINVAL, "no entries or output pointer");
	root = new_doc(&d);
	put_str(&d, root, "device", name);
	put(&d, root, "entries", entries_arr(&d, entries, count));
	return finish(ctx, &d, root, pretty, out);
}
