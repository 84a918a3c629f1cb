/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /etc/dmremaptab parser for early boot (dmremaptab(5)): libc only, no
 * libdevmapper, so the systemd generator can use it.  The rules are those of
 * the Step 10 contract (docs: dmremaptab(5)); dmremapctl parses the same
 * syntax with the same rules.
 *
 *     NAME   MAIN   SPARE   [OPTIONS]
 */
#ifndef DMREMAPTAB_H
#define DMREMAPTAB_H

#include <stddef.h>
#include <stdint.h>

#define DMR_TAB_NAME_MAX	127
#define DMR_TAB_SPEC_MAX	1024	/* a MAIN or SPARE field */
#define DMR_TAB_LINE_MAX	4096

/* Options. */
#define DMR_TAB_NOFAIL		(1u << 0)
#define DMR_TAB_NOAUTO		(1u << 1)
#define DMR_TAB_SUPPRESS	(1u << 2)
#define DMR_TAB_NO_SUPPRESS	(1u << 3)

/* device_timeout_ms: not given, or no timeout at all (0). */
#define DMR_TAB_TIMEOUT_UNSET	(-1LL)
#define DMR_TAB_TIMEOUT_INFINITY (-2LL)

enum dmr_tab_spec_kind {
	DMR_SPEC_PATH,		/* /dev/... */
	DMR_SPEC_WWN,		/* WWN=<hex> */
	DMR_SPEC_SERIAL,	/* SERIAL=<serial> */
	DMR_SPEC_FORMAT_ID,	/* FORMAT_ID=<16 hex digits>, SPARE only */
};

struct dmr_tab_entry {
	unsigned int line;		/* 1-based line number */
	char name[DMR_TAB_NAME_MAX + 1];
	char main[DMR_TAB_SPEC_MAX + 1];	/* as written */
	char spare[DMR_TAB_SPEC_MAX + 1];
	unsigned int flags;		/* DMR_TAB_* */
	long long device_timeout_ms;	/* DMR_TAB_TIMEOUT_* or milliseconds > 0 */
};

/*
 * Parse one line (without or with its newline).  Returns 1 and fills *e for
 * a device line, 0 for a blank or comment line, -1 for a malformed line with
 * a message in err.  A '#' that begins a field starts a comment that runs to
 * the end of the line.
 */
int dmr_tab_parse_line(const char *line, unsigned int lineno,
		       struct dmr_tab_entry *e, char *err, size_t errlen);

/* The kind of a MAIN or SPARE field; *value points past "KEY=" (or at the path). */
enum dmr_tab_spec_kind dmr_tab_spec_kind(const char *spec, const char **value);

/*
 * The /dev path that appears when the device a MAIN or SPARE field names is
 * present (for the generator to wait for):
 *   /dev/...          itself
 *   WWN=<w>           /dev/disk/by-id/wwn-0x<w, lower case>  (60-persistent-storage.rules)
 *   SERIAL=<s>        /dev/disk/by-dmremap-serial/<s>         (the dm-remap udev rule)
 *   FORMAT_ID=<id>    /dev/disk/by-dmremap-id/<id, lower case> (the dm-remap udev rule)
 * Returns 0, or -1 if buf is too small.
 */
int dmr_tab_spec_link(const char *spec, char *buf, size_t len);

/* Parse a timeout as dmremapctl does: "30", "30s", "30sec", "2min", "1h"; 0 means none; -1 if invalid. */
int dmr_tab_parse_timespan(const char *s, long long *ms);

#endif
