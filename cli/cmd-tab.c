// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl assemble, disassemble and udev-probe: the devices of
 * /etc/dmremaptab (dmremaptab(5)), the members recorded in /run/dmremap/,
 * and the udev helper that marks raw mains and spares.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl.h"

const char *ctl_run_dir = "/run/dmremap";
const char *ctl_sysfs = "/sys";

/* ------------------------------------------------------------- records */

struct member {
	char name[128];
	char main[PATH_MAX], spare[PATH_MAX];
	unsigned int main_major, main_minor;
	bool has_main;
};

static bool devnum_of(const char *path, unsigned int *ma, unsigned int *mi)
{
	struct stat st;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return false;
	*ma = major(st.st_rdev);
	*mi = minor(st.st_rdev);
	return true;
}

/* Ask udev to look at a device again ("change"), as udevadm trigger does. */
static void retrigger(const char *dev)
{
	unsigned int ma, mi;
	char path[PATH_MAX];
	int fd;

	if (!devnum_of(dev, &ma, &mi))
		return;
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/uevent", ctl_sysfs, ma, mi);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "change", 6) != 6) {
		/* udev may not run at all (an initramfs): nothing to do. */
	}
	close(fd);
}

/* /run/dmremap/NAME: KEY=VALUE lines, written whole (tmp + rename). */
static void record_member(struct ctl *c, const char *name, const char *main_dev,
			  const char *spare_dev)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	unsigned int ma = 0, mi = 0, sa = 0, si = 0;
	FILE *f;

	devnum_of(main_dev, &ma, &mi);
	devnum_of(spare_dev, &sa, &si);
	if (mkdir(ctl_run_dir, 0755) && errno != EEXIST) {
		ctl_note(c, "cannot record the members of '%s' in %s: %s", name,
			 ctl_run_dir, strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", ctl_run_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		ctl_note(c, "cannot record the members of '%s': %s: %s", name, tmp,
			 strerror(errno));
		return;
	}
	fprintf(f, "NAME=%s\nMAIN=%s\nMAIN_DEVNUM=%u:%u\nSPARE=%s\nSPARE_DEVNUM=%u:%u\n",
		name, main_dev, ma, mi, spare_dev, sa, si);
	if (fclose(f) || rename(tmp, path)) {
		ctl_note(c, "cannot record the members of '%s': %s", name, strerror(errno));
		unlink(tmp);
	}
}

static bool read_member(const char *path, struct member *m)
{
	char line[PATH_MAX];
	FILE *f = fopen(path, "re");

	memset(m, 0, sizeof(*m));
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "NAME=", 5))
			snprintf(m->name, sizeof(m->name), "%.127s", line + 5);
		else if (!strncmp(line, "MAIN=", 5))
			snprintf(m->main, sizeof(m->main), "%s", line + 5);
		else if (!strncmp(line, "SPARE=", 6))
			snprintf(m->spare, sizeof(m->spare), "%s", line + 6);
		else if (!strncmp(line, "MAIN_DEVNUM=", 12))
			m->has_main = sscanf(line + 12, "%u:%u", &m->main_major,
					     &m->main_minor) == 2;
	}
	fclose(f);
	return m->name[0] != '\0';
}

void ctl_forget_member(struct ctl *c, const char *name)
{
	char path[PATH_MAX];
	struct member m;

	(void)c;
	if (!ctl_valid_name(name))
		return;
	snprintf(path, sizeof(path), "%s/%s", ctl_run_dir, name);
	if (!read_member(path, &m))
		return;
	unlink(path);
	if (m.main[0])
		retrigger(m.main);
}

/* ---------------------------------------------------------------- tab */

/* The tab, its bad lines printed (as errors with @strict, else notes). */
static int load_tab(struct ctl *c, const char *path, bool strict,
		    struct dmr_tab **tab, bool *bad_lines)
{
	size_t i;
	int r;

	*bad_lines = false;
	r = dmr_tab_read(c->ctx, path, tab);
	if (r)
		return r;
	for (i = 0; i < (*tab)->nr_errors; i++) {
		if (strict)
			ctl_fail(c, CTL_EXIT_USAGE, "%s", (*tab)->errors[i]);
		else
			ctl_note(c, "%s", (*tab)->errors[i]);
		*bad_lines = true;
	}
	return 0;
}

static const char *tab_path(const char *opt)
{
	return opt ? opt : DMR_TAB_PATH;
}

/* A path of a device in a status ("" if it has no node). */
static bool same_device(struct ctl *c, const char *spec,
			const struct dmr_dev_ref *d)
{
	return d->path[0] && dmr_device_matches(c->ctx, spec, d->path) == 1;
}

static int assemble_one(struct ctl *c, const struct dmr_tab_entry *e,
			const char *tab, bool force)
{
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = e->suppress };
	char main_dev[PATH_MAX], spare_dev[PATH_MAX];
	struct dmr_status st = { .size = sizeof(st) };
	int r;

	r = dmr_status(c->ctx, e->name, &st);
	if (!r) {
		if (same_device(c, e->main, &st.main) &&
		    same_device(c, e->spare, &st.spare)) {
			record_member(c, e->name, st.main.path, st.spare.path);
			ctl_note(c, "'%s' is already assembled (main %s, spare %s)",
				 e->name, st.main.path, st.spare.path);
			return CTL_EXIT_OK;
		}
		return ctl_fail(c, CTL_EXIT_BUSY,
				"'%s' exists with other devices (main %s, spare %s) than %s line %u gives (%s %s)",
				e->name, st.main.path[0] ? st.main.path : "?",
				st.spare.path[0] ? st.spare.path : "?", tab, e->line,
				e->main, e->spare);
	}
	if (r != -ENXIO && r != -ENOENT && r != -ENODEV)
		return ctl_lib_fail(c, r);

	r = dmr_resolve_device(c->ctx, e->main, false, main_dev, sizeof(main_dev));
	if (r)
		return ctl_lib_fail(c, r);
	r = dmr_resolve_device(c->ctx, e->spare, true, spare_dev, sizeof(spare_dev));
	if (r)
		return ctl_lib_fail(c, r);
	o.flags = force ? DMR_CREATE_FORCE : 0;
	r = dmr_create(c->ctx, e->name, main_dev, spare_dev, &o);
	if (r)
		return ctl_lib_fail(c, r);
	record_member(c, e->name, main_dev, spare_dev);
	retrigger(main_dev);
	return CTL_EXIT_OK;
}

static int assemble(struct ctl *c, int argc, char **argv)
{
	const char *tabopt = NULL;
	bool all = false, force = false, bad = false;
	struct ctl_opt opts[] = {
		{ "--all", CTL_OPT_FLAG, &all, false },
		{ "--force", CTL_OPT_FLAG, &force, false },
		{ "--tab", CTL_OPT_STRING, &tabopt, false },
		{ NULL, 0, NULL, false },
	};
	struct dmr_tab *tab = NULL;
	int code = CTL_EXIT_OK, one, n, i, r;
	size_t k;

	n = ctl_args(c, argc, argv, opts, 0, -1, &code);
	if (n < 0)
		return code;
	if (all == (n > 0))
		return ctl_usage_fail(c, "give --all or the NAMEs to assemble (usage: dmremapctl %s %s)",
				      c->cmd->name, c->cmd->usage);
	if (!ctl_ctx(c, &code))
		return code;
	r = load_tab(c, tabopt, all, &tab, &bad);
	if (r == -ENOENT && all) {
		ctl_note(c, "no %s: nothing to assemble", tab_path(tabopt));
		return CTL_EXIT_OK;
	}
	if (r)
		return ctl_lib_fail(c, r);
	if (bad && all)
		code = CTL_EXIT_USAGE;
	if (all) {
		for (k = 0; k < tab->count; k++) {
			const struct dmr_tab_entry *e = tab->entries[k];

			if (e->flags & DMR_TAB_NOAUTO)
				continue;
			one = assemble_one(c, e, tab->path, force);
			if (one && (e->flags & DMR_TAB_NOFAIL))
				ctl_note(c, "'%s' not assembled (nofail)", e->name);
			else if (one && !code)
				code = one;
		}
	} else {
		for (i = 1; i <= n; i++) {
			const struct dmr_tab_entry *e = dmr_tab_find(tab, argv[i]);

			one = e ? assemble_one(c, e, tab->path, force) :
				  ctl_fail(c, CTL_EXIT_DEVICE, "'%s' is not in %s", argv[i],
					   tab->path);
			if (one && !code)
				code = one;
		}
	}
	dmr_tab_free(tab);
	return code;
}

const struct ctl_cmd ctl_cmd_assemble = {
	.name = "assemble",
	.usage = "--all | NAME... [--force] [--tab FILE]",
	.summary = "create the devices of /etc/dmremaptab (see dmremaptab(5))",
	.help =
	"  --all            every line without 'noauto' (a failed 'nofail' line does\n"
	"                   not fail the command)\n"
	"  --force          use a main whose identity differs from the one its spare\n"
	"                   records (the message names the disk the spare expects)\n"
	"  --tab FILE       read FILE instead of /etc/dmremaptab\n"
	"A device already assembled from the same devices is left as it is.  The\n"
	"members are recorded in /run/dmremap/NAME and udev is asked to look at the\n"
	"main again, so that its raw filesystem is hidden.  Spares are never formatted.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = assemble,
};

static int disassemble(struct ctl *c, int argc, char **argv)
{
	const char *tabopt = NULL;
	bool all = false, bad;
	struct ctl_opt opts[] = {
		{ "--all", CTL_OPT_FLAG, &all, false },
		{ "--tab", CTL_OPT_STRING, &tabopt, false },
		{ NULL, 0, NULL, false },
	};
	struct dmr_tab *tab = NULL;
	struct dmr_status st = { .size = sizeof(st) };
	int code = CTL_EXIT_OK, n, r, i, count;
	const char *name;

	n = ctl_args(c, argc, argv, opts, 0, -1, &code);
	if (n < 0)
		return code;
	if (all == (n > 0))
		return ctl_usage_fail(c, "give --all or the NAMEs to disassemble (usage: dmremapctl %s %s)",
				      c->cmd->name, c->cmd->usage);
	if (!ctl_ctx(c, &code))
		return code;
	if (all) {
		r = load_tab(c, tabopt, false, &tab, &bad);
		if (r == -ENOENT)
			return CTL_EXIT_OK;
		if (r)
			return ctl_lib_fail(c, r);
	}
	count = all ? (int)tab->count : n;
	/* In reverse order: a device stacked on an earlier one goes first. */
	for (i = count - 1; i >= 0; i--) {
		name = all ? tab->entries[i]->name : argv[i + 1];
		r = dmr_status(c->ctx, name, &st);
		if (r == -ENXIO || r == -ENOENT || r == -ENODEV) {
			ctl_forget_member(c, name);
			continue;	/* not assembled: nothing to do */
		}
		if (!r)
			r = dmr_remove(c->ctx, name);
		if (r) {
			int one = ctl_lib_fail(c, r);

			if (!code)
				code = one;
			continue;
		}
		ctl_forget_member(c, name);
	}
	dmr_tab_free(tab);
	return code;
}

const struct ctl_cmd ctl_cmd_disassemble = {
	.name = "disassemble",
	.usage = "--all | NAME... [--tab FILE]",
	.summary = "remove dm-remap devices assembled from /etc/dmremaptab",
	.help =
	"  --all            every device of /etc/dmremaptab (in reverse order)\n"
	"  --tab FILE       read FILE instead of /etc/dmremaptab\n"
	"As remove, but a device that is not there is not an error, and its\n"
	"/run/dmremap record goes too.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = disassemble,
};

/* ---------------------------------------------------------- udev-probe */

static bool in_devlinks(const char *path)
{
	const char *links = getenv("DEVLINKS"), *p;
	size_t n = strlen(path);

	if (!links)
		return false;
	for (p = links; (p = strstr(p, path)); p += n)
		if ((p == links || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* The name of the device whose main @dev is, from the records or the tab. */
static bool main_of(struct ctl *c, const char *dev, const char *tabopt,
		    char *name, size_t size)
{
	unsigned int ma, mi;
	char path[PATH_MAX];
	struct dmr_tab *tab = NULL;
	struct member m;
	struct dirent *e;
	bool found = false;
	size_t i;
	DIR *d;

	if (!devnum_of(dev, &ma, &mi))
		return false;
	d = opendir(ctl_run_dir);
	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", ctl_run_dir, e->d_name);
		if (read_member(path, &m) && m.has_main && m.main_major == ma &&
		    m.main_minor == mi) {
			snprintf(name, size, "%s", m.name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	if (found || dmr_tab_read(c->ctx, tabopt, &tab))
		return found;
	for (i = 0; i < tab->count && !found; i++) {
		const struct dmr_tab_entry *t = tab->entries[i];

		if (dmr_device_matches(c->ctx, t->main, dev) == 1 ||
		    (t->main[0] == '/' && in_devlinks(t->main))) {
			snprintf(name, size, "%s", t->name);
			found = true;
		}
	}
	dmr_tab_free(tab);
	return found;
}

/* dm-remap's own devices, and suspended dm devices, are never probed. */
static bool skip_probe(const char *dev)
{
	unsigned int ma, mi;
	char path[PATH_MAX], v[160] = "";
	FILE *f;

	if (!devnum_of(dev, &ma, &mi))
		return true;
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/dm/uuid", ctl_sysfs, ma, mi);
	f = fopen(path, "re");
	if (f) {
		if (fgets(v, sizeof(v), f) && !strncmp(v, "DMREMAP-", 8)) {
			fclose(f);
			return true;
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/dm/suspended", ctl_sysfs, ma, mi);
	f = fopen(path, "re");
	if (f) {
		bool susp = fgets(v, sizeof(v), f) && v[0] == '1';

		fclose(f);
		return susp;
	}
	return false;
}

static int udev_probe(struct ctl *c, int argc, char **argv)
{
	const char *tabopt = NULL;
	struct ctl_opt opts[] = {
		{ "--tab", CTL_OPT_STRING, &tabopt, false },
		{ NULL, 0, NULL, false },
	};
	char dev[PATH_MAX], name[128];
	uint64_t fid;
	int code;

	if (ctl_args(c, argc, argv, opts, 1, 1, &code) < 0 || !ctl_ctx(c, &code))
		return code;
	if (argv[1][0] == '/')
		snprintf(dev, sizeof(dev), "%s", argv[1]);
	else
		snprintf(dev, sizeof(dev), "/dev/%s", argv[1]);
	if (skip_probe(dev))
		return CTL_EXIT_OK;
	if (!dmr_spare_format_id(c->ctx, dev, &fid)) {
		fprintf(c->out, "ID_FS_TYPE=dm_remap_spare\nID_FS_USAGE=other\n"
			"DMREMAP_FORMAT_ID=%016" PRIx64 "\nDMREMAP_ROLE=spare\n", fid);
		return CTL_EXIT_OK;
	}
	if (main_of(c, dev, tabopt, name, sizeof(name)))
		fprintf(c->out, "DMREMAP_ROLE=main\nDMREMAP_NAME=%s\n"
			"ID_FS_TYPE=dm_remap_member\nID_FS_USAGE=other\n"
			"SYSTEMD_READY=0\nUDISKS_IGNORE=1\n", name);
	return CTL_EXIT_OK;
}

const struct ctl_cmd ctl_cmd_udev_probe = {
	.name = "udev-probe",
	.usage = "DEVNAME [--tab FILE]",
	.summary = "print udev properties for a block device (for IMPORT{program})",
	.help =
	"For a dm-remap spare: ID_FS_TYPE=dm_remap_spare, ID_FS_USAGE=other,\n"
	"DMREMAP_FORMAT_ID=<16 hex digits>, DMREMAP_ROLE=spare.  For the main of a\n"
	"device of /etc/dmremaptab or /run/dmremap: DMREMAP_ROLE=main,\n"
	"DMREMAP_NAME=<name>, ID_FS_TYPE=dm_remap_member, ID_FS_USAGE=other,\n"
	"SYSTEMD_READY=0, UDISKS_IGNORE=1.  Nothing for other devices.  Always\n"
	"exits 0 once DEVNAME is given; reads at most the first 8 KiB of DEVNAME.\n",
	.usage_exit = CTL_EXIT_USAGE,
	.run = udev_probe,
};
