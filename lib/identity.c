// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The identity of a block device, from sysfs alone (udev is optional: the
 * tool must work in an initramfs or a container without it).  The order of
 * the sources is documented at dmr_device_identity() in dmremap.h and in
 * dmremapctl(8).  The sysfs root is ctx->sysfs (tests use a fake tree).
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dmr-internal.h"

/* Trim, blanks to one '_', drop control and non-ASCII bytes. */
static void clean(const char *in, size_t len, char *out, size_t size)
{
	size_t n = 0;
	bool blank = false;

	while (len && isspace((unsigned char)*in)) {
		in++;
		len--;
	}
	while (len && (isspace((unsigned char)in[len - 1]) || !in[len - 1]))
		len--;
	for (; len && n + 1 < size; in++, len--) {
		unsigned char c = (unsigned char)*in;

		if (isspace(c)) {
			blank = true;
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			continue;
		if (blank && n + 2 < size)
			out[n++] = '_';
		blank = false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
}

/* A text attribute, cleaned; false if missing or empty. */
static bool attr(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX], raw[512];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, raw, sizeof(raw));
	close(fd);
	if (n <= 0)
		return false;
	clean(raw, (size_t)n, buf, size);
	return buf[0] != '\0';
}

/* The product serial number of SCSI VPD page 0x80 (binary). */
static bool vpd_serial(const char *dir, char *buf, size_t size)
{
	char path[PATH_MAX];
	unsigned char raw[260];
	size_t len;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/device/vpd_pg80", dir) >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, raw, sizeof(raw));
	close(fd);
	if (n < 4 || raw[1] != 0x80)
		return false;
	len = (size_t)raw[2] << 8 | raw[3];
	if (len > (size_t)n - 4)
		len = (size_t)n - 4;
	clean((const char *)raw + 4, len, buf, size);
	return buf[0] != '\0';
}

static bool kname_of(const char *dir, char *name, size_t size)
{
	char real[PATH_MAX];
	const char *b;

	if (!realpath(dir, real))
		return false;
	b = strrchr(real, '/');
	dmri_strf(name, size, "%s", b ? b + 1 : real);
	return name[0] != '\0';
}

/* sysfs directory of a device number, and of its whole disk. */
struct sysdev {
	char dir[PATH_MAX], disk[PATH_MAX];
	char part[16];			/* partition number, or "" */
};

static int sysdev(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
		  struct sysdev *s)
{
	struct stat st;

	snprintf(s->dir, sizeof(s->dir), "%s/dev/block/%u:%u", dmri_sysfs(ctx),
		 major, minor);
	if (stat(s->dir, &st) || !S_ISDIR(st.st_mode))
		return dmri_fail(ctx, ENODEV, "block device %u:%u is not in sysfs (%s)",
				 major, minor, dmri_sysfs(ctx));
	s->part[0] = '\0';
	if (attr(s->dir, "partition", s->part, sizeof(s->part)))
		dmri_strf(s->disk, sizeof(s->disk), "%s/..", s->dir);
	else
		snprintf(s->disk, sizeof(s->disk), "%s", s->dir);
	return 0;
}

/* The identity of a whole disk (or dm device); false for the weak one. */
static bool disk_identity(const char *disk, char *id, size_t size)
{
	char v[256];

	if (attr(disk, "dm/uuid", v, sizeof(v))) {
		dmri_strf(id, size, "dm-uuid:%s", v);
	} else if (attr(disk, "dm/name", v, sizeof(v))) {
		dmri_strf(id, size, "dm-name:%s", v);
	} else if (attr(disk, "device/wwid", v, sizeof(v)) ||
		   attr(disk, "wwid", v, sizeof(v))) {
		dmri_strf(id, size, "wwid:%s", v);
	} else if (attr(disk, "device/serial", v, sizeof(v)) ||
		   attr(disk, "serial", v, sizeof(v)) ||
		   vpd_serial(disk, v, sizeof(v))) {
		dmri_strf(id, size, "serial:%s", v);
	} else if (attr(disk, "loop/backing_file", v, sizeof(v))) {
		dmri_strf(id, size, "loop:%s", v);
	} else {
		return false;
	}
	return true;
}

int dmri_identity(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
		  char *id, size_t size)
{
	char base[DMR_ID_MAX + 1], name[NAME_MAX + 1];
	struct sysdev s;
	int r;

	r = sysdev(ctx, major, minor, &s);
	if (r)
		return r;
	if (disk_identity(s.disk, base, sizeof(base))) {
		if (s.part[0])
			snprintf(id, size, "%.*s-part%s",
				 (int)(DMR_ID_MAX - 5 - strlen(s.part)), base, s.part);
		else
			snprintf(id, size, "%s", base);
		return 0;
	}
	if (!kname_of(s.dir, name, sizeof(name)))
		snprintf(name, sizeof(name), "%u:%u", major, minor);
	snprintf(id, size, "name:%s", name);
	return 0;
}

DMR_EXPORT bool dmr_identity_is_strong(const char *id)
{
	return id && *id && strncmp(id, "name:", 5);
}

static int dev_number(struct dmr_ctx *ctx, const char *dev, dev_t *rdev)
{
	struct stat st;

	if (!dev || !*dev)
		return dmri_fail(ctx, EINVAL, "no device given");
	if (stat(dev, &st))
		return dmri_fail(ctx, errno, "%s: %s", dev, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return dmri_fail(ctx, ENOTBLK, "%s is not a block device", dev);
	*rdev = st.st_rdev;
	return 0;
}

DMR_EXPORT int dmr_device_identity(struct dmr_ctx *ctx, const char *dev,
				   char id[DMR_ID_MAX + 1], uint64_t *sectors)
{
	char v[32];
	struct sysdev s;
	dev_t rdev;
	int r;

	dmri_clear(ctx);
	if (!id)
		return dmri_fail(ctx, EINVAL, "no result pointer");
	id[0] = '\0';
	r = dev_number(ctx, dev, &rdev);
	if (!r)
		r = dmri_identity(ctx, major(rdev), minor(rdev), id, DMR_ID_MAX + 1);
	if (r || !sectors)
		return r;
	r = sysdev(ctx, major(rdev), minor(rdev), &s);
	if (r)
		return r;
	*sectors = 0;
	if (attr(s.dir, "size", v, sizeof(v)))
		*sectors = strtoull(v, NULL, 10);
	return 0;
}

void dmri_normalise_wwn(const char *in, char *out, size_t size)
{
	static const char *const prefixes[] = { "wwn-", "0x", "naa.", "eui." };
	char low[256];
	size_t i;
	const char *p = low;

	for (i = 0; in[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)in[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(p, prefixes[i], strlen(prefixes[i])))
			p += strlen(prefixes[i]);
	snprintf(out, size, "%s", p);
}

void dmri_wwn(struct dmr_ctx *ctx, unsigned int major, unsigned int minor,
	      char *wwn, size_t size)
{
	char v[256];
	struct sysdev s;

	wwn[0] = '\0';
	if (sysdev(ctx, major, minor, &s) || s.part[0])
		return;
	if (attr(s.dir, "device/wwid", v, sizeof(v)) ||
	    attr(s.dir, "wwid", v, sizeof(v)))
		dmri_normalise_wwn(v, wwn, size);
}

bool dmri_serial_matches(struct dmr_ctx *ctx, unsigned int major,
			 unsigned int minor, const char *serial)
{
	char want[256], v[256];
	struct sysdev s;

	clean(serial, strlen(serial), want, sizeof(want));
	if (!want[0] || sysdev(ctx, major, minor, &s) || s.part[0])
		return false;
	return (attr(s.dir, "device/serial", v, sizeof(v)) && !strcmp(v, want)) ||
	       (attr(s.dir, "serial", v, sizeof(v)) && !strcmp(v, want)) ||
	       (vpd_serial(s.dir, v, sizeof(v)) && !strcmp(v, want));
}

int dmri_for_each_blockdev(struct dmr_ctx *ctx,
			   int (*fn)(unsigned int major, unsigned int minor,
				     const char *kname, void *data),
			   void *data)
{
	char dir[PATH_MAX], sub[PATH_MAX], v[32];
	unsigned int ma, mi;
	struct dirent *e;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/class/block", dmri_sysfs(ctx));
	d = opendir(dir);
	if (!d)
		return dmri_fail(ctx, errno, "cannot list %s: %s", dir, strerror(errno));
	while (!r && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= sizeof(sub) ||
		    !attr(sub, "dev", v, sizeof(v)) || dmri_parse_devnum(v, &ma, &mi))
			continue;
		r = fn(ma, mi, e->d_name, data);
	}
	closedir(d);
	return r;
}
