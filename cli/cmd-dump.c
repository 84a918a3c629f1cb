// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl dump: decode the remap table of a spare that is not in use.
 */
#include <inttypes.h>
#include <time.h>

#include "ctl.h"

static const char *copy_state(bool valid)
{
	return valid ? "valid" : "invalid";
}

static void print_dump(struct ctl *c, const struct dmr_dump *d)
{
	char size[32], when[64];
	time_t created = (time_t)d->created;
	struct tm tm;
	uint64_t remapped = 0, pending = 0;
	size_t i;

	for (i = 0; i < d->nr_entries; i++) {
		if (d->entries[i].state == DMR_ENTRY_PENDING)
			pending++;
		else
			remapped++;
	}
	if (!gmtime_r(&created, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%" PRIu64 " s after the epoch", d->created);

	fprintf(c->out, "%s\n", d->spare_path);
	ctl_kv(c, "format", "dm-remap version %u; superblock copy A %s, B %s",
	       d->format_version, copy_state(d->sb_a_valid), copy_state(d->sb_b_valid));
	ctl_kv(c, "generation", "%" PRIu64, d->generation);
	ctl_kv(c, "state", "%s", d->metadata_failed ?
	       "metadata failed (no new remaps; existing ones are served)" : "ok");
	ctl_kv(c, "block size", "%" PRIu32 " bytes", d->block_size);
	ctl_kv(c, "main", "%" PRIu64 " blocks (%s)", d->main_blocks,
	       ctl_size(size, sizeof(size), d->main_blocks * d->block_size));
	ctl_kv(c, "spare", "%" PRIu64 " sectors (%s), spare blocks from sector %" PRIu64,
	       d->spare_sectors, ctl_size(size, sizeof(size), d->spare_sectors * 512),
	       d->spare_start);
	ctl_kv(c, "slots", "%" PRIu64 " spare blocks, %" PRIu64
	       " pending slots, %" PRIu32 " metadata blocks per copy",
	       d->remap_slots, d->pending_slots, d->meta_blocks);
	ctl_kv(c, "created", "%s", when);
	ctl_kv(c, "uuid", "%s", d->uuid[0] ? d->uuid : "(none)");
	ctl_kv(c, "format id", "%016" PRIx64 " (FORMAT_ID= in dmremaptab)", d->format_id);
	if (d->format_version >= 2)
		ctl_kv(c, "slot size", "%" PRIu32 " bytes", d->slot_size);
	if (d->main_sectors)
		ctl_kv(c, "main device", "%s, %" PRIu64 " sectors (%s)",
		       d->main_id[0] ? d->main_id : "identity not recorded",
		       d->main_sectors, ctl_size(size, sizeof(size), d->main_sectors * 512));
	else
		ctl_kv(c, "main device", "%s", d->main_id[0] ? d->main_id : "not recorded");
	ctl_kv(c, "entries", "%" PRIu64 " remapped, %" PRIu64 " pending, %" PRIu64
	       " spare blocks retired", remapped, pending, d->retired);
	ctl_kv(c, "damaged copies", "%u table blocks with one bad copy",
	       d->bad_meta_copies);
}

static int dump(struct ctl *c, int argc, char **argv)
{
	struct dmr_dump *d = NULL;
	char *json = NULL;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 1, 1, &code) < 0)
		return code;
	if (!ctl_ctx(c, &code))
		return code;
	r = dmr_dump(c->ctx, argv[1], &d);
	if (r)
		return ctl_lib_fail(c, r);
	if (c->json) {
		r = dmr_json_dump(c->ctx, d, c->pretty, &json);
		code = ctl_print_json(c, r, json, CTL_EXIT_OK);
	} else {
		print_dump(c, d);
		if (d->nr_entries) {
			fputc('\n', c->out);
			code = ctl_print_entries(c, d->entries, d->nr_entries);
		}
	}
	dmr_dump_free(d);
	return code;
}

const struct ctl_cmd ctl_cmd_dump = {
	.name = "dump",
	.usage = "SPARE [--json [--pretty]]",
	.summary = "decode the remap table on a spare that no device is using",
	.help = "Reads both copies of the metadata without changing anything; fails\n"
		"if a dm-remap device is using SPARE (use 'remaps' for a live device).\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = dump,
};
