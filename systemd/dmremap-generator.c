// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmremap-generator: systemd generator that turns each /etc/dmremaptab line
 * into dmremap@<NAME>.service (systemd.generator(7); the pattern of
 * systemd-cryptsetup-generator).  libc only: it runs before anything is
 * mounted but the root file system.
 *
 *   dmremap-generator NORMAL_DIR [EARLY_DIR LATE_DIR]
 *
 * For each line, in NORMAL_DIR:
 *   dmremap@<esc NAME>.service      waits for the spare's device unit
 *                                   (BindsTo=, After=) and for the main (see
 *                                   below), runs `dmremapctl assemble NAME`,
 *                                   `dmremapctl disassemble NAME` on stop;
 *                                   DefaultDependencies=no, ordered before
 *                                   local-fs-pre.target, the ZFS import
 *                                   services and blockdev@dev-mapper-NAME.target
 *   dev-mapper-<esc NAME>.device.requires/  the service (mounting /dev/mapper/NAME,
 *                                   e.g. from fstab, assembles it)
 *   local-fs-pre.target.requires/ (.wants/ with nofail)  the service, unless noauto
 *   <spare device>.d/40-dmremap-device-timeout.conf  JobRunningTimeoutSec= from
 *                                   x-systemd.device-timeout=
 *
 * The main is waited for with `udevadm wait`, not through its device unit:
 * the dm-remap udev rule gives a main SYSTEMD_READY=0, so systemd never sees
 * it as plugged (as multipath hides its path devices).
 *
 * Environment (for tests): DMREMAPTAB (default /etc/dmremaptab),
 * DMREMAPCTL (default the configured path of dmremapctl).
 * Kernel command line: dmremap=0 (or no, off) generates nothing.
 */
#include "dmremaptab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DMREMAPCTL_PATH
#define DMREMAPCTL_PATH "/usr/sbin/dmremapctl"
#endif
#define UNIT_NAME_MAX 255
/* systemd's DefaultDeviceTimeoutSec, used for the main when the line sets none. */
#define DEFAULT_TIMEOUT_MS 90000LL
#define MAX_ENTRIES 256

static const char *tab_path = "/etc/dmremaptab";
static const char *ctl_path = DMREMAPCTL_PATH;
static const char *dest;
static FILE *logf;
static int use_kmsg;
static int errors;

static void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio <= 3)
		errors++;
	if (use_kmsg && logf) {
		fprintf(logf, "<%d>dmremap-generator[%d]: ", prio, (int)getpid());
	} else {
		logf = stderr;
		fputs("dmremap-generator: ", logf);
	}
	va_start(ap, fmt);
	vfprintf(logf, fmt, ap);
	va_end(ap);
	fputc('\n', logf);
	fflush(logf);
}

/* systemd's unit name escaping of a string (systemd-escape). */
static int escape_name(const char *s, char *out, size_t len, int path)
{
	size_t o = 0;
	const char *p = s;
	char tmp[4096];

	if (path) {
		/* systemd-escape --path: drop leading, trailing and repeated slashes. */
		size_t t = 0;

		while (*p == '/')
			p++;
		for (; *p; p++) {
			if (*p == '/' && (p[1] == '/' || p[1] == 0))
				continue;
			if (t + 1 >= sizeof(tmp))
				return -1;
			tmp[t++] = *p;
		}
		tmp[t] = 0;
		if (!t) {
			if (len < 2)
				return -1;
			strcpy(out, "-");
			return 0;
		}
		p = tmp;
	}
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/') {
			if (o + 1 >= len)
				return -1;
			out[o++] = '-';
		} else if ((c == '.' && p == (path ? tmp : s)) ||
			   !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '.')) {
			if (o + 4 >= len)
				return -1;
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		} else {
			if (o + 1 >= len)
				return -1;
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
	return 0;
}

static int unit_from_path(const char *path, const char *suffix, char *out, size_t len)
{
	char esc[1024];

	if (escape_name(path, esc, sizeof(esc), 1) < 0)
		return -1;
	if ((size_t)snprintf(out, len, "%s%s", esc, suffix) >= len || strlen(out) > UNIT_NAME_MAX)
		return -1;
	return 0;
}

static int mkdir_p(const char *dir)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		logmsg(3, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* DEST/UNIT.KIND/TARGET -> ../TARGET */
static int add_symlink(const char *unit, const char *kind, const char *target)
{
	char dir[4096], link[4096], to[1024];

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s.%s", dest, unit, kind) >= sizeof(dir) ||
	    (size_t)snprintf(link, sizeof(link), "%s/%s", dir, target) >= sizeof(link) ||
	    (size_t)snprintf(to, sizeof(to), "../%s", target) >= sizeof(to))
		return -1;
	if (mkdir_p(dir) < 0)
		return -1;
	if (symlink(to, link) < 0 && errno != EEXIST) {
		logmsg(3, "cannot create %s: %s", link, strerror(errno));
		return -1;
	}
	return 0;
}

static FILE *open_file(const char *dir_unit, const char *name)
{
	char path[4096];
	FILE *f;
	int fd;

	if (dir_unit) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.d", dest, dir_unit) >= sizeof(path) ||
		    mkdir_p(path) < 0)
			return NULL;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s.d/%s", dest, dir_unit, name) >= sizeof(path))
			return NULL;
	} else if ((size_t)snprintf(path, sizeof(path), "%s/%s", dest, name) >= sizeof(path)) {
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		logmsg(3, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static int close_file(FILE *f, const char *what)
{
	if (ferror(f) | fclose(f)) {
		logmsg(3, "cannot write %s", what);
		return -1;
	}
	return 0;
}

/* Seconds, rounded up, for systemd settings and udevadm. */
static long long secs(long long ms)
{
	return (ms + 999) / 1000;
}

static int write_unit(const struct dmr_tab_entry *e)
{
	char esc[1024], unit[UNIT_NAME_MAX + 64], spare_link[DMR_TAB_SPEC_MAX + 64],
	     main_link[DMR_TAB_SPEC_MAX + 64], spare_unit[UNIT_NAME_MAX + 64],
	     dm_unit[UNIT_NAME_MAX + 64], dm_esc[UNIT_NAME_MAX + 64], dm_path[256],
	     wait_arg[32], wait_text[32], start_timeout[32];
	int nofail = !!(e->flags & DMR_TAB_NOFAIL), noauto = !!(e->flags & DMR_TAB_NOAUTO);
	long long wait_ms = e->device_timeout_ms == DMR_TAB_TIMEOUT_UNSET ?
			    DEFAULT_TIMEOUT_MS : e->device_timeout_ms;
	const char *sep = e->name[0] == '-' ? "-- " : "";
	FILE *f;

	if (escape_name(e->name, esc, sizeof(esc), 0) < 0 ||
	    (size_t)snprintf(unit, sizeof(unit), "dmremap@%s.service", esc) >= sizeof(unit) ||
	    strlen(unit) > UNIT_NAME_MAX) {
		logmsg(3, "%s:%u: name '%s' makes a unit name longer than %d characters; skipped",
		       tab_path, e->line, e->name, UNIT_NAME_MAX);
		return -1;
	}
	snprintf(dm_path, sizeof(dm_path), "/dev/mapper/%s", e->name);
	if (dmr_tab_spec_link(e->spare, spare_link, sizeof(spare_link)) < 0 ||
	    dmr_tab_spec_link(e->main, main_link, sizeof(main_link)) < 0 ||
	    unit_from_path(spare_link, ".device", spare_unit, sizeof(spare_unit)) < 0 ||
	    unit_from_path(dm_path, ".device", dm_unit, sizeof(dm_unit)) < 0 ||
	    unit_from_path(dm_path, "", dm_esc, sizeof(dm_esc)) < 0) {
		logmsg(3, "%s:%u: device names of '%s' too long for unit names; skipped",
		       tab_path, e->line, e->name);
		return -1;
	}
	if (!strncmp(main_link, "/dev/disk/by-uuid/", 18) || !strncmp(main_link, "/dev/disk/by-label/", 19))
		logmsg(4, "%s:%u: MAIN %s names a file system, which dm-remap shows on /dev/mapper/%s "
		       "and hides on the main: name the main by /dev/disk/by-id, WWN= or SERIAL=",
		       tab_path, e->line, main_link, e->name);

	if (wait_ms == DMR_TAB_TIMEOUT_INFINITY) {
		strcpy(wait_arg, "infinity");
		wait_text[0] = 0;
		strcpy(start_timeout, "infinity");
	} else {
		snprintf(wait_arg, sizeof(wait_arg), "%lld", secs(wait_ms));
		snprintf(wait_text, sizeof(wait_text), " within %lld s", secs(wait_ms));
		snprintf(start_timeout, sizeof(start_timeout), "%llds", secs(wait_ms) + 120);
	}

	f = open_file(NULL, unit);
	if (!f)
		return -1;
	fprintf(f,
		"# Automatically generated by dmremap-generator from %s line %u\n\n"
		"[Unit]\n"
		"Description=dm-remap device %s\n"
		"Documentation=man:dmremaptab(5) man:dmremapctl(8)\n"
		"SourcePath=%s\n"
		"DefaultDependencies=no\n"
		"IgnoreOnIsolate=true\n"
		"After=systemd-udevd-kernel.socket\n"
		"BindsTo=%s\n"
		"After=%s\n"
		"Wants=blockdev@%s.target\n"
		"Before=blockdev@%s.target\n"
		"Before=local-fs-pre.target zfs-import-cache.service zfs-import-scan.service\n"
		"Conflicts=umount.target\n"
		"Before=umount.target\n\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"TimeoutStartSec=%s\n",
		tab_path, e->line, e->name, tab_path, spare_unit, spare_unit,
		dm_esc, dm_esc, start_timeout);
	/* No '$' or '%' can reach here: the parser refuses them in paths. */
	fprintf(f,
		"ExecStartPre=/bin/sh -c 'udevadm wait --timeout=%s %s || "
		"{ echo \"dm-remap device %s: main %s did not appear%s; not assembling\" >&2; exit 1; }'\n"
		"ExecStart=%s assemble %s%s\n"
		"ExecStop=%s disassemble %s%s\n",
		wait_arg, main_link, e->name, main_link, wait_text,
		ctl_path, sep, e->name, ctl_path, sep, e->name);
	if (close_file(f, unit) < 0)
		return -1;

	/* Whatever needs /dev/mapper/NAME (a mount from fstab) pulls the service in. */
	if (add_symlink(dm_unit, "requires", unit) < 0)
		return -1;
	if (!noauto && add_symlink("local-fs-pre.target", nofail ? "wants" : "requires", unit) < 0)
		return -1;
	/* As systemd-cryptsetup-generator: a required device waits for the
	 * service, which has timeouts of its own. */
	if (!noauto && !nofail) {
		f = open_file(dm_unit, "40-dmremap-device-timeout.conf");
		if (!f)
			return -1;
		fprintf(f, "# Automatically generated by dmremap-generator\n\n[Unit]\nJobTimeoutSec=0\n");
		if (close_file(f, dm_unit) < 0)
			return -1;
	}
	if (e->device_timeout_ms != DMR_TAB_TIMEOUT_UNSET) {
		f = open_file(spare_unit, "40-dmremap-device-timeout.conf");
		if (!f)
			return -1;
		fprintf(f, "# Automatically generated by dmremap-generator\n\n[Unit]\nJobRunningTimeoutSec=");
		if (e->device_timeout_ms == DMR_TAB_TIMEOUT_INFINITY)
			fprintf(f, "infinity\n");
		else
			fprintf(f, "%llds\n", secs(e->device_timeout_ms));
		if (close_file(f, spare_unit) < 0)
			return -1;
	}
	return 0;
}

static int disabled_on_cmdline(void)
{
	char buf[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n;
	int off = 0;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
		if (!strncmp(tok, "dmremap=", 8))
			off = !strcmp(tok + 8, "0") || !strcmp(tok + 8, "no") || !strcmp(tok + 8, "off");
	return off;
}

int main(int argc, char **argv)
{
	static struct dmr_tab_entry entries[MAX_ENTRIES];
	char line[DMR_TAB_LINE_MAX + 2], err[512];
	unsigned int lineno = 0;
	int n = 0, i, j;
	FILE *tab;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: dmremap-generator NORMAL_DIR [EARLY_DIR LATE_DIR]\n");
		return 2;
	}
	dest = argv[1];
	/* Run by systemd (three directories): log to the kernel log, which the
	 * journal reads; run by hand: to stderr. */
	if (argc == 4) {
		logf = fopen("/dev/kmsg", "we");
		use_kmsg = !!logf;
	}
	if (getenv("DMREMAPTAB"))
		tab_path = getenv("DMREMAPTAB");
	if (getenv("DMREMAPCTL"))
		ctl_path = getenv("DMREMAPCTL");
	if (disabled_on_cmdline()) {
		logmsg(5, "dmremap=0 on the kernel command line: no dm-remap device at boot");
		return 0;
	}
	tab = fopen(tab_path, "re");
	if (!tab) {
		if (errno != ENOENT)
			logmsg(3, "cannot open %s: %s", tab_path, strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), tab)) {
		size_t len = strlen(line);
		struct dmr_tab_entry *e = &entries[n];
		int r;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;

			logmsg(3, "%s:%u: line longer than %d characters; skipped", tab_path, lineno, DMR_TAB_LINE_MAX);
			while ((c = fgetc(tab)) != EOF && c != '\n')
				;
			continue;
		}
		r = dmr_tab_parse_line(line, lineno, e, err, sizeof(err));
		if (r < 0) {
			logmsg(3, "%s:%u: %s; line skipped", tab_path, lineno, err);
			continue;
		}
		if (r == 0)
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(entries[j].name, e->name))
				break;
		if (j < n) {
			logmsg(3, "%s:%u: name '%s' is already used on line %u; line skipped",
			       tab_path, lineno, e->name, entries[j].line);
			continue;
		}
		for (j = 0; j < n; j++)
			if (!strcmp(entries[j].main, e->main) || !strcmp(entries[j].spare, e->main) ||
			    !strcmp(entries[j].main, e->spare) || !strcmp(entries[j].spare, e->spare))
				break;
		if (j < n) {
			logmsg(3, "%s:%u: '%s' is already used by '%s' on line %u; line skipped",
			       tab_path, lineno,
			       !strcmp(entries[j].main, e->main) || !strcmp(entries[j].spare, e->main) ?
			       e->main : e->spare, entries[j].name, entries[j].line);
			continue;
		}
		if (n == MAX_ENTRIES) {
			logmsg(3, "%s:%u: more than %d devices; the rest skipped", tab_path, lineno, MAX_ENTRIES);
			break;
		}
		n++;
	}
	fclose(tab);
	for (i = 0; i < n; i++)
		write_unit(&entries[i]);
	return errors ? 1 : 0;
}
