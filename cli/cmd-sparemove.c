// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl spare-move: move a device's remap table and remapped blocks
 * to a new spare (libdmremap's dmr_spare_move does the work).
 */
#include "ctl-ops.h"

static int spare_move(struct ctl *c, int argc, char **argv)
{
	struct dmr_move_opts a = { .size = sizeof(a) };
	struct ctl_confirm cf = { .c = c };
	bool yes = false, batch = false, force = false, no_tab = false;
	struct ctl_opt opts[] = {
		{ "--main", CTL_OPT_STRING, &a.main_dev, false },
		{ "--spare", CTL_OPT_STRING, &a.old_spare, false },
		{ "--tab", CTL_OPT_STRING, &a.tab, false },
		{ "--no-tab", CTL_OPT_FLAG, &no_tab, false },
		{ "--force", CTL_OPT_FLAG, &force, false },
		{ "--yes", CTL_OPT_FLAG, &yes, false },
		{ "--batch-mode", CTL_OPT_FLAG, &batch, false },
		{ NULL, 0, NULL, false },
	};
	int code, r;

	if (ctl_args(c, argc, argv, opts, 2, 2, &code) < 0)
		return code;
	if (!a.main_dev != !a.old_spare)
		return ctl_usage_fail(c, "--main and --spare go together (for a device that is not active)");
	if (no_tab && a.tab)
		return ctl_usage_fail(c, "--tab and --no-tab exclude each other");
	if (no_tab)
		a.tab = "";
	a.flags = force ? DMR_MOVE_FORCE : 0;
	if (!ctl_ctx(c, &code))
		return code;
	cf.yes = yes || batch;
	dmr_set_log_fn(c->ctx, ctl_lib_note, c);
	dmr_set_confirm_fn(c->ctx, ctl_confirm, &cf);
	/* A signal now would leave the device removed: the move runs to its
	 * end (a crash is safe, a stop in the middle only slower to redo). */
	r = dmr_spare_move(c->ctx, argv[1], argv[2], &a);
	return r ? ctl_lib_fail(c, r) : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_spare_move = {
	.name = "spare-move",
	.usage = "NAME NEWSPARE [--main MAIN --spare OLDSPARE] [--tab FILE|--no-tab] [--force] [--yes|--batch-mode]",
	.summary = "move NAME's remapped blocks and remap table to a new spare",
	.help =
	"Offline: an active NAME is removed (it must not be in use), its table and\n"
	"remapped blocks are written to NEWSPARE (format version 2, a new format\n"
	"id, superblocks last), the old spare is retired (its superblocks erased),\n"
	"the dmremaptab line is updated and NAME is created again on NEWSPARE.  A\n"
	"crash at any point leaves one usable spare; run the same command again to\n"
	"finish.  For a NAME that is not active, MAIN and OLDSPARE come from\n"
	"--main/--spare or its dmremaptab line, and NAME is not created.\n"
	"  --main MAIN --spare OLDSPARE  the devices of an inactive NAME\n"
	"  --tab FILE        the dmremaptab to read and update (default /etc/dmremaptab)\n"
	"  --no-tab          do not update a dmremaptab\n"
	"  --force           NEWSPARE may carry another device's dm-remap metadata\n"
	"  --yes, --batch-mode  use NEWSPARE without asking when it holds a signature\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = spare_move,
};
