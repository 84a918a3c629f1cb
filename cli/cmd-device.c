// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl create, remove and list.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "ctl.h"

/* Exists, is a block device: CTL_EXIT_OK, else the exit code (printed). */
static int check_blockdev(struct ctl *c, const char *what, const char *path,
			  dev_t *rdev)
{
	struct stat s;

	if (stat(path, &s)) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return ctl_fail(c, CTL_EXIT_DEVICE, "%s device '%s' does not exist",
					what, path);
		return ctl_fail(c, e == EACCES ? CTL_EXIT_PERM : CTL_EXIT_DEVICE,
				"%s device '%s': %s", what, path, strerror(e));
	}
	if (!S_ISBLK(s.st_mode))
		return ctl_fail(c, CTL_EXIT_DEVICE, "%s device '%s' is not a block device",
				what, path);
	*rdev = s.st_rdev;
	return CTL_EXIT_OK;
}

/* --block-size N: an assertion about main, since the block size is main's. */
static int check_block_size(struct ctl *c, const char *path, uint64_t want)
{
	int fd, lbs, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return ctl_fail(c, e == EACCES ? CTL_EXIT_PERM : CTL_EXIT_DEVICE,
				"cannot open main device '%s': %s", path, strerror(e));
	}
	if (ioctl(fd, BLKSSZGET, &lbs)) {
		e = errno;
		close(fd);
		return ctl_fail(c, CTL_EXIT_DEVICE,
				"cannot read the block size of '%s': %s", path, strerror(e));
	}
	close(fd);
	if ((uint64_t)lbs != want)
		return ctl_fail(c, CTL_EXIT_DEVICE,
				"main device '%s' has a logical block size of %d bytes, not %" PRIu64
				" (the block size is always main's)", path, lbs, want);
	return CTL_EXIT_OK;
}

FILE *ctl_stdin;
int (*ctl_isatty)(int fd) = isatty;

bool ctl_confirm(const char *question, void *data)
{
	struct ctl_confirm *cf = data;
	FILE *in = ctl_stdin ? ctl_stdin : stdin;
	char answer[16];
	const char *q, *nl;

	for (q = question; *q; q = nl + (*nl == '\n')) {
		nl = q + strcspn(q, "\n");
		ctl_note(cf->c, "WARNING: %.*s", (int)(nl - q), q);
	}
	if (cf->yes) {
		ctl_note(cf->c, "going on: confirmed with --yes");
		return true;
	}
	if (!ctl_isatty(fileno(in))) {
		ctl_note(cf->c, "not asking: standard input is not a terminal (--yes or --batch-mode confirms)");
		return false;
	}
	fputs("Are you sure? (Type 'YES' in capital letters): ", cf->c->err);
	fflush(cf->c->err);
	if (!fgets(answer, sizeof(answer), in))
		return false;
	answer[strcspn(answer, "\n")] = '\0';
	return !strcmp(answer, "YES");
}

static int create(struct ctl *c, int argc, char **argv)
{
	struct dmr_create_opts o = { .size = sizeof(o) };
	bool suppress = false, no_suppress = false, yes = false, batch = false;
	bool force = false;
	struct ctl_confirm cf = { .c = c };
	const char *name, *main_dev, *spare_dev;
	uint64_t block_size = 0;
	dev_t main_rdev, spare_rdev;
	struct ctl_opt opts[] = {
		{ "--format", CTL_OPT_FLAG, &o.format, false },
		{ "--suppress", CTL_OPT_FLAG, &suppress, false },
		{ "--no-suppress", CTL_OPT_FLAG, &no_suppress, false },
		{ "--uuid", CTL_OPT_STRING, &o.uuid, false },
		{ "--block-size", CTL_OPT_U64, &block_size, false },
		{ "--yes", CTL_OPT_FLAG, &yes, false },
		{ "--batch-mode", CTL_OPT_FLAG, &batch, false },
		{ "--force", CTL_OPT_FLAG, &force, false },
		{ NULL, 0, NULL, false },
	};
	bool check_bs;
	int code, r;

	if (ctl_args(c, argc, argv, opts, 3, 3, &code) < 0)
		return code;
	name = argv[1];
	main_dev = argv[2];
	spare_dev = argv[3];
	check_bs = opts[4].seen;

	if (!ctl_valid_name(name))
		return ctl_usage_fail(c, "invalid device name '%s' (" CTL_NAME_RULE ")", name);
	if (o.uuid && !ctl_valid_uuid(o.uuid))
		return ctl_usage_fail(c, "invalid UUID '%s' (1-128 printable ASCII characters, no blank)",
				      o.uuid);
	if (suppress && no_suppress)
		return ctl_usage_fail(c, "--suppress and --no-suppress exclude each other");
	if (suppress)
		o.suppress = DMR_SUPPRESS_ON;
	if (no_suppress)
		o.suppress = DMR_SUPPRESS_OFF;
	if (check_bs && (block_size < 512 || block_size > 65536 ||
			 (block_size & (block_size - 1))))
		return ctl_usage_fail(c, "--block-size %" PRIu64
				      " is not a power of two from 512 to 65536", block_size);

	code = check_blockdev(c, "main", main_dev, &main_rdev);
	if (!code)
		code = check_blockdev(c, "spare", spare_dev, &spare_rdev);
	if (code)
		return code;
	if (main_rdev == spare_rdev)
		return ctl_fail(c, CTL_EXIT_DEVICE, "main and spare are the same device (%u:%u)",
				major(main_rdev), minor(main_rdev));
	if (check_bs) {
		code = check_block_size(c, main_dev, block_size);
		if (code)
			return code;
	}

	/* No check of the target: the table load loads its module. */
	if (!ctl_ctx(c, &code))
		return code;
	cf.yes = yes || batch;
	dmr_set_confirm_fn(c->ctx, ctl_confirm, &cf);
	o.flags = force ? DMR_CREATE_FORCE : 0;
	r = dmr_create(c->ctx, name, main_dev, spare_dev, &o);
	return r ? ctl_lib_fail(c, r) : CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_create = {
	.name = "create",
	.usage = "NAME MAIN SPARE [--format [--yes|--batch-mode]] [--force] [--no-suppress|--suppress] [--uuid UUID] [--block-size N]",
	.summary = "create /dev/mapper/NAME over MAIN, moving failed blocks to SPARE",
	.help =
	"  --format         format SPARE if it carries no dm-remap metadata, recording\n"
	"                   MAIN's identity (a spare with metadata, even damaged, is\n"
	"                   never reformatted); if libblkid finds a filesystem, partition\n"
	"                   table or RAID/LVM/ZFS member on SPARE, asks first\n"
	"  --yes, --batch-mode  format without asking (what SPARE holds is destroyed)\n"
	"  --force          use MAIN although the spare records another main, or MAIN\n"
	"                   carries a dm-remap superblock (a reused spare)\n"
	"  --no-suppress    return write errors (failed blocks become pending)\n"
	"  --suppress       absorb write errors by remapping (the module default)\n"
	"  --uuid UUID      dm UUID (default DMREMAP-<format id>-NAME); a formatted\n"
	"                   spare remembers it and refuses a device with another one\n"
	"  --block-size N   check that MAIN's logical block size is N bytes: the\n"
	"                   block size is always main's and cannot be chosen\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = create,
};

static int remove_cmd(struct ctl *c, int argc, char **argv)
{
	int code, r;

	if (ctl_args(c, argc, argv, NULL, 1, 1, &code) < 0 || !ctl_ctx(c, &code))
		return code;
	r = dmr_remove(c->ctx, argv[1]);
	if (r)
		return ctl_lib_fail(c, r);
	ctl_forget_member(c, argv[1]);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_remove = {
	.name = "remove",
	.usage = "NAME",
	.summary = "remove /dev/mapper/NAME (the remap table stays on the spare)",
	.help = "",
	.usage_exit = CTL_EXIT_USAGE,
	.run = remove_cmd,
};

static const char *dev_name(char *buf, size_t len, const struct dmr_dev_ref *d)
{
	if (d->path[0])
		return d->path;
	snprintf(buf, len, "%u:%u", d->major, d->minor);
	return buf;
}

static void list_row(struct ctl_table *t, const struct dmr_status *st,
		     bool *oom)
{
	char mbuf[32], sbuf[32], size[32], remapped[24], pending[24], spare[64];
	struct dmr_health *h = NULL;
	int level = ctl_level(st, NULL, &h);
	const char *cells[] = {
		st->name, dev_name(mbuf, sizeof(mbuf), &st->main),
		dev_name(sbuf, sizeof(sbuf), &st->spare),
		ctl_size(size, sizeof(size), st->length * 512),
		dmr_health_level_name(level), remapped, pending, spare,
	};

	snprintf(remapped, sizeof(remapped), "%" PRIu64, st->remapped);
	snprintf(pending, sizeof(pending), "%" PRIu64, st->pending);
	snprintf(spare, sizeof(spare), "%" PRIu64 "/%" PRIu64 " (%u%%)",
		 st->spare_used, st->spare_total, dmr_health_spare_used_pct(h));
	dmr_health_free(h);
	if (!ctl_table_row(t, cells))
		*oom = true;
}

static int list(struct ctl *c, int argc, char **argv)
{
	static const char *const heads[] = {
		"NAME", "MAIN", "SPARE", ">SIZE", "HEALTH", ">REMAPPED", ">PENDING",
		">SPARE USED",
	};
	struct dmr_thresholds t = { .size = sizeof(t) };
	struct ctl_table *tab;
	struct ctl_devs d;
	bool oom = false;
	size_t i;
	int code;

	/* Without the dm-remap module loaded, there is no device to list. */
	if (ctl_args(c, argc, argv, NULL, 0, 0, &code) < 0)
		return code;
	code = ctl_gather(c, NULL, 0, false, &d);
	if (code)
		return code;
	if (c->json) {
		dmr_thresholds_default(&t);
		code = ctl_json_statuses(c, &d, &t, CTL_EXIT_OK);
		ctl_devs_free(&d);
		return code;
	}
	tab = ctl_table_new(sizeof(heads) / sizeof(heads[0]), heads);
	for (i = 0; tab && i < d.count; i++)
		list_row(tab, d.ptr[i], &oom);
	if (!tab || oom)
		code = ctl_fail(c, CTL_EXIT_NOMEM, "out of memory");
	else if (d.count)
		ctl_table_print(tab, c->out);
	else
		fputs("no dm-remap devices\n", c->out);
	ctl_table_free(tab);
	ctl_devs_free(&d);
	return code;
}

const struct ctl_cmd ctl_cmd_list = {
	.name = "list",
	.usage = "[--json [--pretty]]",
	.summary = "list the dm-remap devices, one line each",
	.help = "Columns: name, main and spare devices, size, health (as 'health'\n"
		"evaluates it with the default thresholds), remapped and pending\n"
		"blocks, spare blocks used of the total.\n"
		"  --json            the status document (as 'status --json')\n"
		"  --pretty          indent the JSON\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = list,
};
