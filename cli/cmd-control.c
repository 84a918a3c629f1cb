// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl suppress, remap, clear-pending and remaps: steering a live
 * device and listing its remap table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* BLOCK: a decimal number below the device's number of blocks. */
static int block_arg(struct ctl *c, const char *name, const char *arg,
		     uint64_t *block)
{
	struct dmr_status st = { .size = sizeof(st) };
	uint64_t blocks;
	int code, r;

	if (!ctl_parse_u64(arg, block))
		return ctl_usage_fail(c, "invalid block number '%s'", arg);
	if (!ctl_ctx(c, &code))
		return code;
	r = dmr_status(c->ctx, name, &st);
	if (r)
		return ctl_lib_fail(c, r);
	blocks = st.block_size ? st.length * 512 / st.block_size : 0;
	if (*block >= blocks)
		return ctl_usage_fail(c, "block %" PRIu64 " is beyond the device (%" PRIu64
				      " blocks of %" PRIu64 " bytes)", *block, blocks,
				      st.block_size);
	return CTL_EXIT_OK;
}

static int suppress(struct ctl *c, int argc, char **argv)
{
	bool on;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 2, 2, &code) < 0)
		return code;
	if (!strcmp(argv[2], "on"))
		on = true;
	else if (!strcmp(argv[2], "off"))
		on = false;
	else
		return ctl_usage_fail(c, "expected 'on' or 'off', not '%s'", argv[2]);
	if (!ctl_ctx(c, &code))
		return code;
	r = dmr_set_suppress(c->ctx, argv[1], on);
	return r ? ctl_lib_fail(c, r) : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_suppress = {
	.name = "suppress",
	.usage = "NAME on|off",
	.summary = "absorb write errors by remapping (on) or return them (off)",
	.help = "With 'off', a failed write returns the error and its blocks become\n"
		"pending; their next write goes to the spare.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = suppress,
};

static int remap(struct ctl *c, int argc, char **argv)
{
	enum dmr_remap_result res;
	uint64_t block, spare = 0;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 2, 2, &code) < 0)
		return code;
	code = block_arg(c, argv[1], argv[2], &block);
	if (code)
		return code;
	r = dmr_remap(c->ctx, argv[1], block, &res, &spare);
	if (r)
		return ctl_lib_fail(c, r);
	switch (res) {
	case DMR_REMAP_DONE:
		fprintf(c->out, "block %" PRIu64 " remapped to spare block %" PRIu64 "\n",
			block, spare);
		break;
	case DMR_REMAP_ALREADY:
		fprintf(c->out, "block %" PRIu64 " was already remapped (spare block %"
			PRIu64 ")\n", block, spare);
		break;
	case DMR_REMAP_PENDING:
		fprintf(c->out, "block %" PRIu64 " cannot be read from main: marked pending"
			" (its next write goes to the spare)\n", block);
		break;
	}
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_remap = {
	.name = "remap",
	.usage = "NAME BLOCK",
	.summary = "move BLOCK (main's logical blocks) to the spare now",
	.help = "Copies the block to a spare block if main can read it; otherwise\n"
		"marks it pending, so that its next write goes to the spare.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = remap,
};

static int clear_pending(struct ctl *c, int argc, char **argv)
{
	uint64_t block;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 2, 2, &code) < 0)
		return code;
	code = block_arg(c, argv[1], argv[2], &block);
	if (code)
		return code;
	r = dmr_clear_pending(c->ctx, argv[1], block);
	if (r == -EINVAL) {
		/* BLOCK is within the device: the kernel says it is not pending. */
		ctl_lib_fail(c, r);
		return CTL_EXIT_BUSY;
	}
	return r ? ctl_lib_fail(c, r) : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_clear_pending = {
	.name = "clear-pending",
	.usage = "NAME BLOCK",
	.summary = "forget that BLOCK is pending (main reads it again)",
	.help = "Exits 5 if BLOCK is not pending.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = clear_pending,
};

/*
 * Both outputs stream: the JSON writer and the table take one kernel page
 * at a time, whatever the number of entries.
 */
static int remaps(struct ctl *c, int argc, char **argv)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct ctl_entries t;
	struct ctl_counted k;
	FILE *f;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 1, 1, &code) < 0 || !ctl_ctx(c, &code))
		return code;
	if (c->json) {
		f = ctl_count_begin(c, &k);
		r = dmr_json_entries(c->ctx, argv[1], ctl_json_flags(c), f);
		return ctl_finish_json(c, r, CTL_EXIT_OK, ctl_count_end(&k));
	}
	/* The widths of the columns: the largest block and spare block. */
	r = dmr_status(c->ctx, argv[1], &st);
	if (r)
		return ctl_lib_fail(c, r);
	ctl_entries_begin(&t, c, st.block_size ? st.length * 512 / st.block_size : 0,
			  st.spare_total);
	r = dmr_entries_foreach(c->ctx, argv[1], ctl_entries_row, &t);
	if (r)
		return ctl_lib_fail(c, r);
	if (!t.rows)
		fprintf(c->out, "%s: no remapped or pending blocks\n", argv[1]);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_remaps = {
	.name = "remaps",
	.usage = "NAME [--json [--pretty]]",
	.summary = "list the remapped and pending blocks of a device",
	.help = "Columns: main block, state (remapped, pending, inflight or copying\n"
		"while being remapped, lost when its remap could not be recorded),\n"
		"spare block.  The output is written as the kernel's pages come in,\n"
		"in constant memory, JSON too.\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = remaps,
};
