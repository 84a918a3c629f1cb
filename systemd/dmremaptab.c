// SPDX-License-Identifier: GPL-2.0-only
/*
 * /etc/dmremaptab parser for early boot: libc only.  See dmremaptab.h.
 */
#include "dmremaptab.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Characters udev keeps in a symlink name; others become '_'. */
static int udev_link_char(char c)
{
	return isalnum((unsigned char)c) || strchr("#+-.:=@_", c);
}

/* The digits of a WWN= value, past the prefixes dmremapctl also drops. */
static const char *wwn_digits(const char *v, int *eui)
{
	static const char *const prefixes[] = { "wwn-", "0x", "naa.", "eui." };
	size_t i;

	if (eui)
		*eui = 0;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncasecmp(v, prefixes[i], strlen(prefixes[i]))) {
			if (i == 3 && eui)
				*eui = 1;
			v += strlen(prefixes[i]);
		}
	return v;
}

enum dmr_tab_spec_kind dmr_tab_spec_kind(const char *spec, const char **value)
{
	static const struct { const char *key; enum dmr_tab_spec_kind kind; } keys[] = {
		{ "WWN=", DMR_SPEC_WWN },
		{ "SERIAL=", DMR_SPEC_SERIAL },
		{ "FORMAT_ID=", DMR_SPEC_FORMAT_ID },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i].key);

		if (!strncmp(spec, keys[i].key, n)) {
			if (value)
				*value = spec + n;
			return keys[i].kind;
		}
	}
	if (value)
		*value = spec;
	return DMR_SPEC_PATH;
}

/* A path the generator can put into unit names and command lines. */
static int check_path(const char *p, const char *what, char *err, size_t errlen)
{
	const char *c, *seg;

	if (strncmp(p, "/dev/", 5) || !p[5])
		return fail(err, errlen, "%s '%s' is neither a /dev path nor WWN=, SERIAL=%s", what, p,
			    strcmp(what, "SPARE") ? "" : " or FORMAT_ID=");
	for (c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || strchr("'\"\\$%`;", *c))
			return fail(err, errlen, "%s '%s' contains a character dm-remap does not accept in paths", what, p);
	/* Normalised: no empty, "." or ".." component, no trailing slash. */
	for (seg = p + 1;; ) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);

		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return fail(err, errlen, "%s '%s' is not a normalised path", what, p);
		if (!end)
			break;
		seg = end + 1;
	}
	return 0;
}

static int check_spec(const char *spec, const char *what, char *err, size_t errlen)
{
	const char *v;
	size_t n;

	switch (dmr_tab_spec_kind(spec, &v)) {
	case DMR_SPEC_PATH:
		return check_path(spec, what, err, errlen);
	case DMR_SPEC_WWN:
		v = wwn_digits(v, NULL);
		n = strlen(v);
		if (n == 0 || n > 32 || !is_hex(v, n))
			return fail(err, errlen, "%s '%s': a WWN is up to 32 hex digits, after 0x, naa. or eui. if you like", what, spec);
		return 0;
	case DMR_SPEC_SERIAL:
		if (!*v)
			return fail(err, errlen, "%s '%s': empty serial", what, spec);
		for (; *v; v++)
			if ((unsigned char)*v < 0x20 || *v == '/')
				return fail(err, errlen, "%s '%s': a serial cannot contain '/'", what, spec);
		return 0;
	case DMR_SPEC_FORMAT_ID:
		if (strcmp(what, "SPARE"))
			return fail(err, errlen, "%s cannot be FORMAT_ID= (only the spare has a format id)", what);
		if (strlen(v) != 16 || !is_hex(v, 16))
			return fail(err, errlen, "%s '%s': a format id is 16 hex digits", what, spec);
		return 0;
	}
	return fail(err, errlen, "%s '%s': unknown kind", what, spec);
}

int dmr_tab_spec_link(const char *spec, char *buf, size_t len)
{
	const char *v;
	size_t i, o;
	int n;

	switch (dmr_tab_spec_kind(spec, &v)) {
	case DMR_SPEC_PATH:
		n = snprintf(buf, len, "%s", v);
		break;
	case DMR_SPEC_WWN: {
		/* SCSI and ATA disks: 60-persistent-storage.rules' wwn-0x link; an NVMe
		 * EUI-64 (eui.): its nvme-eui. link. */
		int eui;
		size_t pre;

		v = wwn_digits(v, &eui);
		n = snprintf(buf, len, eui ? "/dev/disk/by-id/nvme-eui.%s" : "/dev/disk/by-id/wwn-0x%s", v);
		pre = strlen(eui ? "/dev/disk/by-id/nvme-eui." : "/dev/disk/by-id/wwn-0x");
		if (n > 0 && (size_t)n < len)
			for (i = pre; buf[i]; i++)
				buf[i] = (char)tolower((unsigned char)buf[i]);
		break;
	}
	case DMR_SPEC_SERIAL:
		n = snprintf(buf, len, "/dev/disk/by-dmremap-serial/");
		if (n < 0 || (size_t)n >= len)
			return -1;
		/* As udev writes $env{DMREMAP_SERIAL} into a link name. */
		for (o = (size_t)n, i = 0; v[i]; i++, o++) {
			if (o + 1 >= len)
				return -1;
			buf[o] = udev_link_char(v[i]) ? v[i] : '_';
		}
		buf[o] = 0;
		return 0;
	case DMR_SPEC_FORMAT_ID:
		n = snprintf(buf, len, "/dev/disk/by-dmremap-id/%s", v);
		if (n > 0 && (size_t)n < len)
			for (i = strlen("/dev/disk/by-dmremap-id/"); buf[i]; i++)
				buf[i] = (char)tolower((unsigned char)buf[i]);
		break;
	default:
		return -1;
	}
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int dmr_tab_parse_timespan(const char *s, long long *ms)
{
	/* As dmremapctl: whole seconds with no unit or s, sec, min, h; 0 = no timeout. */
	static const struct { const char *unit; long long ms; } units[] = {
		{ "", 1000 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 }, { "h", 3600000 },
	};
	size_t i, n = strspn(s, "0123456789");
	long long x = 0;

	if (!n || n > 12)
		return -1;
	for (i = 0; i < n; i++)
		x = x * 10 + (s[i] - '0');
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + n, units[i].unit)) {
			*ms = x ? x * units[i].ms : DMR_TAB_TIMEOUT_INFINITY;
			return 0;
		}
	return -1;
}

static int parse_options(char *opts, struct dmr_tab_entry *e, char *err, size_t errlen)
{
	char *o, *next;
	unsigned int seen = 0;
	int timeout_seen = 0;

	if (!strcmp(opts, "-"))
		return 0;
	for (o = opts; o; o = next) {
		next = strchr(o, ',');
		if (next)
			*next++ = 0;
		if (!*o)
			return fail(err, errlen, "empty option in '%s'", opts);
		unsigned int f = 0;

		if (!strcmp(o, "nofail"))
			f = DMR_TAB_NOFAIL;
		else if (!strcmp(o, "noauto"))
			f = DMR_TAB_NOAUTO;
		else if (!strcmp(o, "suppress_writes"))
			f = DMR_TAB_SUPPRESS;
		else if (!strcmp(o, "no_suppress_writes"))
			f = DMR_TAB_NO_SUPPRESS;
		if (f) {
			if (seen & f)
				return fail(err, errlen, "option '%s' given twice", o);
			seen |= f;
			e->flags |= f;
		} else if (!strncmp(o, "x-systemd.device-timeout=", 25)) {
			if (timeout_seen++)
				return fail(err, errlen, "option 'x-systemd.device-timeout' given twice");
			if (dmr_tab_parse_timespan(o + 25, &e->device_timeout_ms) < 0)
				return fail(err, errlen, "option '%s': not a time in seconds (30, 30s, 2min, 1h; 0 waits for ever)", o);
		} else
			return fail(err, errlen, "unknown option '%s'", o);
	}
	if ((e->flags & DMR_TAB_SUPPRESS) && (e->flags & DMR_TAB_NO_SUPPRESS))
		return fail(err, errlen, "both suppress_writes and no_suppress_writes");
	return 0;
}

int dmr_tab_parse_line(const char *line, unsigned int lineno,
		       struct dmr_tab_entry *e, char *err, size_t errlen)
{
	char buf[DMR_TAB_LINE_MAX + 1], *field[5], *p;
	size_t n, i;
	int nf = 0;

	n = strlen(line);
	if (n > DMR_TAB_LINE_MAX)
		return fail(err, errlen, "line longer than %d characters", DMR_TAB_LINE_MAX);
	memcpy(buf, line, n + 1);
	p = strchr(buf, '#');
	if (p)
		*p = 0;
	for (p = buf; *p; ) {
		while (is_ws(*p))
			p++;
		if (!*p)
			break;
		if (nf == 5)
			return fail(err, errlen, "more than 4 fields");
		field[nf++] = p;
		while (*p && !is_ws(*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	if (nf == 0)
		return 0;
	if (nf > 4)
		return fail(err, errlen, "more than 4 fields");
	if (nf < 3)
		return fail(err, errlen, "expected NAME MAIN SPARE [OPTIONS]");

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	e->device_timeout_ms = DMR_TAB_TIMEOUT_UNSET;
	n = strlen(field[0]);
	if (n > DMR_TAB_NAME_MAX)
		return fail(err, errlen, "name '%s' is longer than %d characters", field[0], DMR_TAB_NAME_MAX);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)field[0][i]) && !strchr("_.+-", field[0][i]))
			return fail(err, errlen, "name '%s' has characters other than A-Z a-z 0-9 _ . + -", field[0]);
	if (!strcmp(field[0], ".") || !strcmp(field[0], ".."))
		return fail(err, errlen, "name '%s' is not allowed", field[0]);
	memcpy(e->name, field[0], n + 1);
	for (i = 1; i <= 2; i++) {
		char *dst = i == 1 ? e->main : e->spare;

		if (strlen(field[i]) > DMR_TAB_SPEC_MAX)
			return fail(err, errlen, "%s field is longer than %d characters",
				    i == 1 ? "MAIN" : "SPARE", DMR_TAB_SPEC_MAX);
		if (check_spec(field[i], i == 1 ? "MAIN" : "SPARE", err, errlen) < 0)
			return -1;
		strcpy(dst, field[i]);
	}
	if (!strcmp(e->main, e->spare))
		return fail(err, errlen, "MAIN and SPARE are the same");
	if (nf == 4 && parse_options(field[3], e, err, errlen) < 0)
		return -1;
	return 1;
}
