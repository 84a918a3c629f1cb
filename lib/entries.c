// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The remap table of a live device, paged through the kernel's
 * `list <start>` message: one line per entry, "<block> remapped <spare>",
 * "<block> pending -", "<block> inflight <spare>", "<block> copying -" or
 * "<block> lost <spare>", and a last line
 * "next <block>" when the reply was cut short.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

static const char *const state_names[] = {
	[DMR_ENTRY_REMAPPED] = "remapped",
	[DMR_ENTRY_PENDING] = "pending",
	[DMR_ENTRY_INFLIGHT] = "inflight",
	[DMR_ENTRY_COPYING] = "copying",
	[DMR_ENTRY_LOST] = "lost",
};
#define NSTATES (sizeof(state_names) / sizeof(state_names[0]))

DMR_EXPORT const char *dmr_entry_state_name(enum dmr_entry_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

static int bad_line(struct dmr_ctx *ctx, const char *line)
{
	return dmri_fail(ctx, EPROTO, "unexpected line in list reply: '%.*s'",
			 (int)strcspn(line, "\n"), line);
}

int dmri_parse_list_page(struct dmr_ctx *ctx, const char *reply,
			 dmr_entry_fn fn, void *data, uint64_t *last,
			 uint64_t *next)
{
	const char *p = reply, *line, *w;
	struct dmr_entry e = { .size = sizeof(e) };
	unsigned int s;
	size_t n;
	int r;

	*next = UINT64_MAX;
	while (*p) {
		line = p;
		if (*next != UINT64_MAX)	/* "next" must be the last line */
			return bad_line(ctx, line);
		n = dmri_next_word(&p, &w);
		if (!n) {			/* an empty line */
			if (*p == '\n') {
				p++;
				continue;
			}
			break;
		}
		if (dmri_word_is(w, n, "next")) {
			n = dmri_next_word(&p, &w);
			if (dmri_parse_u64(w, n, next) || *next == UINT64_MAX ||
			    (*last != UINT64_MAX && *next <= *last))
				return bad_line(ctx, line);
		} else {
			if (dmri_parse_u64(w, n, &e.block) || e.block == UINT64_MAX)
				return bad_line(ctx, line);
			n = dmri_next_word(&p, &w);
			for (s = 0; s < NSTATES; s++)
				if (dmri_word_is(w, n, state_names[s]))
					break;
			if (s == NSTATES)
				return bad_line(ctx, line);
			e.state = (enum dmr_entry_state)s;
			n = dmri_next_word(&p, &w);
			e.spare_block = 0;
			if (e.state == DMR_ENTRY_PENDING || e.state == DMR_ENTRY_COPYING ?
			    !dmri_word_is(w, n, "-") :
			    dmri_parse_u64(w, n, &e.spare_block))
				return bad_line(ctx, line);
			/* The kernel lists in increasing block order. */
			if (*last != UINT64_MAX && e.block <= *last)
				return bad_line(ctx, line);
			if (dmri_next_word(&p, &w))
				return bad_line(ctx, line);
			*last = e.block;
			r = fn(&e, data);
			if (r)
				return r;
		}
		if (dmri_next_word(&p, &w))
			return bad_line(ctx, line);
		if (*p == '\n')
			p++;
	}
	return 0;
}

DMR_EXPORT int dmr_entries_foreach(struct dmr_ctx *ctx, const char *name,
				   dmr_entry_fn fn, void *data)
{
	uint64_t start = 0, next, last = UINT64_MAX;
	struct dmri_dev d;
	char msg[48], *reply;
	int r;

	dmri_clear(ctx);
	if (!fn)
		return dmri_fail(ctx, EINVAL, "no entry function");
	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	dmri_dev_release(&d);
	for (;;) {
		snprintf(msg, sizeof(msg), "list %" PRIu64, start);
		r = dmri_dm_message(ctx, name, msg, &reply);
		if (r)
			break;
		r = dmri_parse_list_page(ctx, reply, fn, data, &last, &next);
		free(reply);
		if (r || next == UINT64_MAX)
			break;
		if (next <= start) {
			r = dmri_fail(ctx, EPROTO,
				      "list reply for '%s' made no progress at block %" PRIu64,
				      name, start);
			break;
		}
		start = next;
	}
	return r;
}
