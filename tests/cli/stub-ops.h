/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stand-in's 2.1 functions (stub-ops.c): their script and record. */
#ifndef STUB_OPS_H
#define STUB_OPS_H

#include "dmremap.h"

#define STUB_MAX_STEPS 8

struct stub_ops {
	/* scrub and copy */
	int scan_ret;			/* returned (0, 1, -EINTR, -errno) */
	const char *scan_error;		/* its message */
	uint64_t bad[4][2];		/* reported (block, count) */
	size_t nbad;
	const char *scan_question;	/* asked to the confirm fn (copy) */
	int scan_calls;
	char scan_name[128], scan_dest[256], scan_state[256];
	struct dmr_scan_opts scan_args;	/* as received (pointers not kept) */
	/* spare-move */
	int move_ret;
	const char *move_error, *move_note;
	int move_calls;
	char move_name[128], move_new[256], move_main[256], move_spare[256];
	char move_tab[256];
	bool move_tab_null;
	unsigned int move_flags;
	/* monitor: per device, the event types of each update ("a b"), then
	 * "removed" (gone) or "term" (SIGTERM to the process, then a wait
	 * that only a signal ends) */
	struct {
		const char *name;
		const char *steps[STUB_MAX_STEPS];
	} watch[4];
	size_t nwatch;
	int watch_new_calls, watch_waits;
	unsigned int watch_flags[4];
	struct dmr_thresholds watch_t;
};

extern struct stub_ops stub_ops;
void stub_ops_reset(void);

int stub_ctx_fail(struct dmr_ctx *ctx, int err, const char *msg);
bool stub_ctx_confirm(struct dmr_ctx *ctx, const char *question);
void stub_ctx_note(struct dmr_ctx *ctx, const char *msg);

#endif
