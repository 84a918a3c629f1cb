// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Block device numbers ↔ /dev paths, holders and mount points, from sysfs
 * and /proc/self/mountinfo.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dmr-internal.h"

/* @path names the block device @major:@minor. */
static bool is_dev(const char *path, unsigned int major, unsigned int minor)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode) &&
	       st.st_rdev == makedev(major, minor);
}

static bool read_line(const char *file, char *buf, size_t size)
{
	FILE *f = fopen(file, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok && buf[0];
}

void dmri_devpath(unsigned int major, unsigned int minor, char *path,
		  size_t size)
{
	char sys[64], link[PATH_MAX], name[NAME_MAX + 1], cand[PATH_MAX + 16];
	const char *base;
	ssize_t n;

	path[0] = '\0';
	/* A dm device: its /dev/mapper name. */
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/dm/name", major, minor);
	if (read_line(sys, name, sizeof(name))) {
		snprintf(cand, sizeof(cand), "/dev/mapper/%s", name);
		if (is_dev(cand, major, minor)) {
			snprintf(path, size, "%s", cand);
			return;
		}
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major, minor);
	n = readlink(sys, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	snprintf(cand, sizeof(cand), "/dev/%s", base);
	if (is_dev(cand, major, minor))
		snprintf(path, size, "%s", cand);
}

int dmri_parse_devnum(const char *s, unsigned int *major, unsigned int *minor)
{
	const char *colon = strchr(s, ':');
	uint64_t ma, mi;

	if (!colon || dmri_parse_u64(s, (size_t)(colon - s), &ma) ||
	    dmri_parse_u64(colon + 1, strlen(colon + 1), &mi) ||
	    ma > UINT32_MAX || mi > UINT32_MAX)
		return -EINVAL;
	*major = (unsigned int)ma;
	*minor = (unsigned int)mi;
	return 0;
}

void dmri_holder(unsigned int major, unsigned int minor, char *holder,
		 size_t size)
{
	char dir[64], file[NAME_MAX + 32], name[NAME_MAX + 1];
	struct dirent *e;
	DIR *d;

	holder[0] = '\0';
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u/holders", major, minor);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.') {
			snprintf(holder, size, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
	/* A dm device: add its name. */
	if (*holder && (size_t)snprintf(file, sizeof(file), "/sys/block/%s/dm/name",
					holder) < sizeof(file) &&
	    read_line(file, name, sizeof(name)))
		snprintf(holder + strlen(holder), size - strlen(holder),
			 " (/dev/mapper/%s)", name);
}

void dmri_mountpoint(unsigned int major, unsigned int minor, char *mnt,
		     size_t size)
{
	char *line = NULL, dev[32], *f[5], *save, *p;
	size_t cap = 0;
	FILE *mi;
	int i;

	mnt[0] = '\0';
	mi = fopen("/proc/self/mountinfo", "re");
	if (!mi)
		return;
	snprintf(dev, sizeof(dev), "%u:%u", major, minor);
	/* id parent major:minor root mount-point ... */
	while (getline(&line, &cap, mi) > 0) {
		for (i = 0, p = line; i < 5; i++, p = NULL) {
			f[i] = strtok_r(p, " \n", &save);
			if (!f[i])
				break;
		}
		if (i == 5 && !strcmp(f[2], dev)) {
			snprintf(mnt, size, "%s", f[4]);
			break;
		}
	}
	free(line);
	fclose(mi);
}

void dmri_busy_partition(unsigned int major, unsigned int minor, char *what,
			 size_t size)
{
	char dir[64], file[NAME_MAX + 80], line[32], use[256];
	unsigned int pma, pmi;
	struct dirent *e;
	DIR *d;

	what[0] = '\0';
	snprintf(dir, sizeof(dir), "/sys/dev/block/%u:%u", major, minor);
	d = opendir(dir);
	if (!d)
		return;
	while (!*what && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* A partition is a subdirectory with a "partition" file. */
		snprintf(file, sizeof(file), "%s/%s/partition", dir, e->d_name);
		if (access(file, F_OK))
			continue;
		snprintf(file, sizeof(file), "%s/%s/dev", dir, e->d_name);
		if (!read_line(file, line, sizeof(line)) ||
		    dmri_parse_devnum(line, &pma, &pmi))
			continue;
		dmri_holder(pma, pmi, use, sizeof(use));
		if (*use) {
			snprintf(what, size, "its partition %s is in use by %s",
				 e->d_name, use);
			break;
		}
		dmri_mountpoint(pma, pmi, use, sizeof(use));
		if (*use)
			snprintf(what, size, "its partition %s is mounted on %s",
				 e->d_name, use);
	}
	closedir(d);
}
