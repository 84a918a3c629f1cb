// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Steering a live device with messages: suppress on|off, remap <block>,
 * clear_pending <block>.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

DMR_EXPORT int dmr_set_suppress(struct dmr_ctx *ctx, const char *name, bool on)
{
	struct dmri_dev d;
	char *reply;
	int r;

	dmri_clear(ctx);
	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	dmri_dev_release(&d);
	r = dmri_dm_message(ctx, name, on ? "suppress on" : "suppress off",
			    &reply);
	free(reply);
	return r;
}

/* The device exists, is a dm-remap device and @block is within it. */
static int check_block(struct dmr_ctx *ctx, const char *name, uint64_t block)
{
	struct dmr_status st = { .size = sizeof(st) };
	uint64_t blocks;
	int r = dmr_status(ctx, name, &st);

	if (r)
		return r;
	blocks = st.length / (st.block_size >> 9);
	if (block >= blocks)
		return dmri_fail(ctx, EINVAL,
				 "block %" PRIu64 " is beyond '%s' (%" PRIu64 " blocks of %" PRIu64 " bytes)",
				 block, name, blocks, st.block_size);
	return 0;
}

/*
 * Check @block, then send "<verb> <block>" to @name; *reply as
 * dmri_dm_message.  If the kernel refuses the message and @refused is set,
 * the error message is "block <block> of '<name>' <refused>".
 */
static int block_message(struct dmr_ctx *ctx, const char *name,
			 const char *verb, uint64_t block, const char *refused,
			 char **reply)
{
	char msg[48];
	int r;

	*reply = NULL;
	dmri_clear(ctx);
	r = check_block(ctx, name, block);
	if (r)
		return r;
	snprintf(msg, sizeof(msg), "%s %" PRIu64, verb, block);
	r = dmri_dm_message(ctx, name, msg, reply);
	if (r == -EINVAL && refused)
		return dmri_fail(ctx, r, "block %" PRIu64 " of '%s' %s",
				 block, name, refused);
	return r;
}

/* Matches "<prefix><block><middle>[<number>]" exactly (a final newline aside). */
static bool match_reply(const char *reply, uint64_t block, const char *middle,
			bool number, uint64_t *spare)
{
	char head[48];
	size_t hl, ml, n;
	const char *p;

	hl = (size_t)snprintf(head, sizeof(head), "block %" PRIu64, block);
	ml = strlen(middle);
	if (strncmp(reply, head, hl) || strncmp(reply + hl, middle, ml))
		return false;
	p = reply + hl + ml;
	n = strcspn(p, "\n");
	if (p[n] == '\n' && p[n + 1])
		return false;
	if (!number)
		return n == 0;
	return !dmri_parse_u64(p, n, spare);
}

int dmri_parse_remap_reply(struct dmr_ctx *ctx, const char *reply,
			   uint64_t block, enum dmr_remap_result *result,
			   uint64_t *spare_block)
{
	uint64_t spare = 0;

	if (match_reply(reply, block, " remapped to spare block ", true, &spare))
		*result = DMR_REMAP_DONE;
	else if (match_reply(reply, block, " already remapped to spare block ",
			     true, &spare))
		*result = DMR_REMAP_ALREADY;
	else if (match_reply(reply, block, " unreadable: pending", false, NULL)) {
		*result = DMR_REMAP_PENDING;
		return 0;
	} else
		return dmri_fail(ctx, EPROTO, "unexpected reply to remap: '%s'",
				 reply);
	if (spare_block)
		*spare_block = spare;
	return 0;
}

DMR_EXPORT int dmr_remap(struct dmr_ctx *ctx, const char *name, uint64_t block,
			 enum dmr_remap_result *result, uint64_t *spare_block)
{
	enum dmr_remap_result res;
	char *reply;
	int r;

	r = block_message(ctx, name, "remap", block, NULL, &reply);
	if (r)
		return r;
	r = dmri_parse_remap_reply(ctx, reply, block, &res, spare_block);
	free(reply);
	if (!r && result)
		*result = res;
	return r;
}

DMR_EXPORT int dmr_clear_pending(struct dmr_ctx *ctx, const char *name,
				 uint64_t block)
{
	char *reply;
	int r;

	r = block_message(ctx, name, "clear_pending", block, "is not pending",
			  &reply);
	free(reply);
	return r;
}
