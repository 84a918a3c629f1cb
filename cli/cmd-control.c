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
	struct dmr_status st;
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
				      " blocks of %" PRIu32 " bytes)", *block, blocks,
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

/* Shared with dump: BLOCK STATE SPARE-BLOCK columns. */
int ctl_print_entries(struct ctl *c, const struct dmr_entry *e, size_t count)
{
	static const char *const heads[] = { ">BLOCK", "STATE", ">SPARE BLOCK" };
	struct ctl_table *t = ctl_table_new(3, heads);
	char block[24], spare[24];
	size_t i;

	if (!t)
		return ctl_fail(c, CTL_EXIT_NOMEM, "out of memory");
	for (i = 0; i < count; i++) {
		const char *cells[] = { block, dmr_entry_state_name(e[i].state), spare };

		snprintf(block, sizeof(block), "%" PRIu64, e[i].block);
		if (e[i].state == DMR_ENTRY_PENDING)
			strcpy(spare, "-");
		else
			snprintf(spare, sizeof(spare), "%" PRIu64, e[i].spare_block);
		if (!ctl_table_row(t, cells)) {
			ctl_table_free(t);
			return ctl_fail(c, CTL_EXIT_NOMEM, "out of memory");
		}
	}
	ctl_table_print(t, c->out);
	ctl_table_free(t);
	return CTL_EXIT_OK;
}

static int remaps(struct ctl *c, int argc, char **argv)
{
	struct dmr_entry *e = NULL;
	size_t count = 0;
	char *json = NULL;
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 1, 1, &code) < 0 || !ctl_ctx(c, &code))
		return code;
	r = dmr_list_entries(c->ctx, argv[1], &e, &count);
	if (r)
		return ctl_lib_fail(c, r);
	if (c->json) {
		r = dmr_json_entries(c->ctx, argv[1], e, count, c->pretty, &json);
		code = ctl_print_json(c, r, json, CTL_EXIT_OK);
	} else if (!count) {
		fprintf(c->out, "%s: no remapped or pending blocks\n", argv[1]);
	} else {
		code = ctl_print_entries(c, e, count);
	}
	free(e);
	return code;
}

const struct ctl_cmd ctl_cmd_remaps = {
	.name = "remaps",
	.usage = "NAME [--json [--pretty]]",
	.summary = "list the remapped and pending blocks of a device",
	.help = "Columns: main block, state (remapped, pending, or inflight while\n"
		"being remapped), spare block.\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = remaps,
};
