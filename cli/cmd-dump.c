// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl dump: decode the remap table of a spare that is not in use.
 */
#include <inttypes.h>

#include "ctl.h"

static const char *copy_state(bool valid)
{
	return valid ? "valid" : "invalid";
}

static void print_dump(struct ctl *c, const struct dmr_dump *d)
{
	char size[32], when[64];
	uint64_t remapped = 0, pending = 0;
	size_t i;

	for (i = 0; i < d->nr_entries; i++) {
		if (dmr_dump_entry(d, i)->state == DMR_ENTRY_PENDING)
			pending++;
		else
			remapped++;
	}
	ctl_time(when, sizeof(when), d->created);

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
	struct ctl_entries t;
	struct ctl_counted k;
	uint64_t max_block = 0, max_spare = 0;
	size_t i;
	FILE *f;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 1, 1, &code) < 0)
		return code;
	if (!ctl_ctx(c, &code))
		return code;
	r = dmr_dump(c->ctx, argv[1], &d);
	if (r)
		return ctl_lib_fail(c, r);
	if (c->json) {
		f = ctl_count_begin(c, &k);
		r = dmr_json_dump(c->ctx, d, ctl_json_flags(c), f);
		code = ctl_finish_json(c, r, CTL_EXIT_OK, ctl_count_end(&k));
	} else {
		print_dump(c, d);
		for (i = 0; i < d->nr_entries; i++) {
			const struct dmr_entry *e = dmr_dump_entry(d, i);

			if (e->block > max_block)
				max_block = e->block;
			if (e->spare_block > max_spare)
				max_spare = e->spare_block;
		}
		if (d->nr_entries)
			fputc('\n', c->out);
		ctl_entries_begin(&t, c, max_block, max_spare);
		for (i = 0; i < d->nr_entries; i++)
			ctl_entries_row(dmr_dump_entry(d, i), &t);
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
