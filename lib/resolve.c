// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Devices as dmremaptab(5) names them: a /dev path, WWN=, SERIAL= or (for
 * a spare) FORMAT_ID=.  WWN= and SERIAL= are looked up in sysfs (whole
 * disks), FORMAT_ID= by reading the first 8 KiB of the candidate block
 * devices: never dm-remap's own devices, suspended device-mapper devices
 * (a read would hang), nor devices that are held, mounted or empty.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dm-remap-codec.h"
#include "dmr-internal.h"

enum kind { K_PATH, K_WWN, K_SERIAL, K_FORMAT_ID };

struct spec {
	enum kind kind;
	const char *value;
	uint64_t format_id;
	char wwn[256];
};

static int parse_spec(struct dmr_ctx *ctx, const char *spec, bool spare,
		      struct spec *s)
{
	char *end;

	memset(s, 0, sizeof(*s));
	if (!spec || !*spec)
		return dmri_fail(ctx, EINVAL, "no device given");
	if (spec[0] == '/') {
		s->kind = K_PATH;
		s->value = spec;
	} else if (!strncmp(spec, "WWN=", 4) && spec[4]) {
		s->kind = K_WWN;
		s->value = spec + 4;
		dmri_normalise_wwn(s->value, s->wwn, sizeof(s->wwn));
	} else if (!strncmp(spec, "SERIAL=", 7) && spec[7]) {
		s->kind = K_SERIAL;
		s->value = spec + 7;
	} else if (spare && !strncmp(spec, "FORMAT_ID=", 10) && strlen(spec) == 26) {
		s->kind = K_FORMAT_ID;
		s->value = spec + 10;
		errno = 0;
		s->format_id = strtoull(s->value, &end, 16);
		if (errno || *end || strspn(s->value, "0123456789abcdefABCDEF") != 16)
			return dmri_fail(ctx, EINVAL, "'%s': a format id is 16 hex digits", spec);
	} else {
		return dmri_fail(ctx, EINVAL,
				 "'%s' is neither a /dev path nor WWN=, SERIAL=%s", spec,
				 spare ? " or FORMAT_ID=" : "");
	}
	return 0;
}

static bool sys_attr(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
		     const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/%s", dmri_sysfs(ctx),
		 major, minor, name);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool has_holders(struct dmr_ctx *ctx, unsigned int major, unsigned int minor)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool any = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/dev/block/%u:%u/holders", dmri_sysfs(ctx),
		 major, minor);
	d = opendir(path);
	if (!d)
		return false;
	while (!any && (e = readdir(d)))
		any = e->d_name[0] != '.';
	closedir(d);
	return any;
}

/* Not to be read while looking for a spare. */
static bool skip_candidate(struct dmr_ctx *ctx, unsigned int major,
			   unsigned int minor)
{
	char v[160], mnt[8];

	if (sys_attr(ctx, major, minor, "dm/uuid", v, sizeof(v)) &&
	    !strncmp(v, DMRI_UUID_PREFIX, strlen(DMRI_UUID_PREFIX)))
		return true;
	if (sys_attr(ctx, major, minor, "dm/suspended", v, sizeof(v)) && v[0] == '1')
		return true;
	if (!sys_attr(ctx, major, minor, "size", v, sizeof(v)) || !strtoull(v, NULL, 10))
		return true;
	if (has_holders(ctx, major, minor))
		return true;
	dmri_mountpoint(major, minor, mnt, sizeof(mnt));
	return mnt[0] != '\0';
}

struct search {
	struct dmr_ctx *ctx;
	const struct spec *spec;
	unsigned int found, unheld;
	char path[2][PATH_MAX];		/* the first two found */
	char free_path[PATH_MAX];	/* the first not held by another device */
};

static void add_found(struct search *s, unsigned int major, unsigned int minor,
		      bool held)
{
	char node[PATH_MAX];

	dmri_devpath(major, minor, node, sizeof(node));
	if (!node[0])
		return;
	if (s->found < 2)
		snprintf(s->path[s->found], sizeof(s->path[0]), "%s", node);
	s->found++;
	/* Multipath paths share a WWN: their map holds them. */
	if (!held && !s->unheld++)
		snprintf(s->free_path, sizeof(s->free_path), "%s", node);
}

static int search_one(unsigned int major, unsigned int minor,
		      const char *kname, void *data)
{
	struct search *s = data;
	char v[256], node[PATH_MAX];
	struct dmr_sb sb;
	int fd;

	(void)kname;
	switch (s->spec->kind) {
	case K_WWN:
		dmri_wwn(s->ctx, major, minor, v, sizeof(v));
		if (v[0] && !strcmp(v, s->spec->wwn))
			add_found(s, major, minor, has_holders(s->ctx, major, minor));
		break;
	case K_SERIAL:
		if (dmri_serial_matches(s->ctx, major, minor, s->spec->value))
			add_found(s, major, minor, has_holders(s->ctx, major, minor));
		break;
	case K_FORMAT_ID:
		if (skip_candidate(s->ctx, major, minor))
			break;
		dmri_devpath(major, minor, node, sizeof(node));
		if (!node[0])
			break;
		fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			break;
		if (!dmri_read_sb(fd, &sb) && sb.format_id == s->spec->format_id)
			add_found(s, major, minor, false);
		close(fd);
		break;
	case K_PATH:
		break;
	}
	return 0;
}

DMR_EXPORT int dmr_resolve_device(struct dmr_ctx *ctx, const char *spec,
				  bool spare, char *path, size_t size)
{
	const char *role = spare ? "spare" : "main";
	struct search s = { .ctx = ctx };
	struct spec sp;
	struct stat st;
	int r;

	dmri_clear(ctx);
	if (!path || !size)
		return dmri_fail(ctx, EINVAL, "no result buffer");
	path[0] = '\0';
	r = parse_spec(ctx, spec, spare, &sp);
	if (r)
		return r;
	if (sp.kind == K_PATH) {
		if (stat(spec, &st))
			return dmri_fail(ctx, errno, "%s %s: %s", role, spec,
					 strerror(errno));
		if (!S_ISBLK(st.st_mode))
			return dmri_fail(ctx, ENOTBLK, "%s %s is not a block device",
					 role, spec);
		snprintf(path, size, "%s", spec);
		return 0;
	}
	s.spec = &sp;
	r = dmri_for_each_blockdev(ctx, search_one, &s);
	if (r < 0)
		return r;
	if (!s.found)
		return dmri_fail(ctx, ENOENT, "no block device has %s (%s %s)", spec,
				 role, sp.kind == K_FORMAT_ID ?
				 "not attached, or held or mounted by something else" :
				 "not attached?");
	if (s.found > 1 && s.unheld == 1) {
		snprintf(path, size, "%s", s.free_path);
		return 0;
	}
	if (s.found > 1)
		return dmri_fail(ctx, EEXIST,
				 "%s matches more than one block device (%s and %s%s): %s",
				 spec, s.path[0], s.path[1], s.found > 2 ? ", ..." : "",
				 sp.kind == K_FORMAT_ID ?
				 "a copied disk? name the spare by its path" :
				 "multipath paths? name the device by its path");
	snprintf(path, size, "%s", s.path[0]);
	return 0;
}

DMR_EXPORT int dmr_device_matches(struct dmr_ctx *ctx, const char *spec,
				  const char *dev)
{
	struct stat a, b;
	struct spec sp;
	char v[256];
	struct dmr_sb sb;
	int fd, r;

	dmri_clear(ctx);
	r = parse_spec(ctx, spec, true, &sp);
	if (r)
		return r;
	if (!dev || stat(dev, &b) || !S_ISBLK(b.st_mode))
		return dmri_fail(ctx, ENOTBLK, "%s is not a block device", dev ? dev : "(none)");
	switch (sp.kind) {
	case K_PATH:
		return !stat(spec, &a) && S_ISBLK(a.st_mode) && a.st_rdev == b.st_rdev;
	case K_WWN:
		dmri_wwn(ctx, major(b.st_rdev), minor(b.st_rdev), v, sizeof(v));
		return v[0] && !strcmp(v, sp.wwn);
	case K_SERIAL:
		return dmri_serial_matches(ctx, major(b.st_rdev), minor(b.st_rdev),
					   sp.value);
	case K_FORMAT_ID:
		fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return 0;
		r = !dmri_read_sb(fd, &sb) && sb.format_id == sp.format_id;
		close(fd);
		return r;
	}
	return 0;
}
