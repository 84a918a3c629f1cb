// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /etc/dmremaptab (dmremaptab(5)): one device per line,
 *     NAME  MAIN  SPARE  [OPTIONS]
 * '#' starts a comment, blank lines are ignored.  A line that cannot be
 * used is reported with its line number and left out; the others stay
 * usable, so one typo does not stop every device from assembling.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

#define MAX_FIELDS 4
#define MAX_ERRORS 1000

struct parser {
	struct dmr_ctx *ctx;
	struct dmr_tab *tab;
	const char *origin;
	unsigned int line;
	bool oom;
};

static char *dup_n(struct parser *p, const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		p->oom = true;
	return d;
}

static void bad(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(struct parser *p, const char *fmt, ...)
{
	char msg[600], *line, **n;
	va_list ap;

	if (p->tab->nr_errors >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (asprintf(&line, "%s:%u: %s", p->origin, p->line, msg) < 0) {
		p->oom = true;
		return;
	}
	n = realloc(p->tab->errors, (p->tab->nr_errors + 1) * sizeof(*n));
	if (!n) {
		free(line);
		p->oom = true;
		return;
	}
	p->tab->errors = n;
	n[p->tab->nr_errors++] = line;
}

static bool is_hex16(const char *s)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return !s[16];
}

/* MAIN or SPARE as the line gives it. */
static bool check_dev(struct parser *p, const char *what, const char *v,
		      bool spare)
{
	if (v[0] == '/')
		return true;
	if (!strncmp(v, "WWN=", 4) || !strncmp(v, "SERIAL=", 7)) {
		if (!strchr(v, '=')[1]) {
			bad(p, "%s '%s' names no device", what, v);
			return false;
		}
		return true;
	}
	if (!strncmp(v, "FORMAT_ID=", 10)) {
		if (!spare) {
			bad(p, "MAIN '%s': FORMAT_ID= names a spare (the spare's own format id)", v);
			return false;
		}
		if (!is_hex16(v + 10)) {
			bad(p, "SPARE '%s': a format id is 16 hex digits (dmremapctl dump shows it)", v);
			return false;
		}
		return true;
	}
	bad(p, "%s '%s' is neither a /dev path nor WWN=, SERIAL=%s", what, v,
	    spare ? " or FORMAT_ID=" : "");
	return false;
}

/* "30", "30s", "2min", "1h": seconds; false if not such a time. */
static bool parse_timeout(const char *v, uint64_t *sec)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "", 1 }, { "s", 1 }, { "sec", 1 }, { "min", 60 }, { "h", 3600 },
	};
	size_t i, n = strspn(v, "0123456789");
	uint64_t x;

	if (!n || n > 12 || dmri_parse_u64(v, n, &x))
		return false;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(v + n, units[i].unit)) {
			*sec = x * units[i].mul;
			return true;
		}
	return false;
}

static bool parse_options(struct parser *p, struct dmr_tab_entry *e,
			  const char *opts)
{
	char *copy, *save, *o;
	bool ok = true, seen_suppress = false;
	unsigned int seen = 0;

	e->suppress = DMR_SUPPRESS_DEFAULT;
	if (!strcmp(opts, "-"))
		return true;
	copy = strdup(opts);
	if (!copy) {
		p->oom = true;
		return false;
	}
	for (o = strtok_r(copy, ",", &save); o && ok; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "nofail") || !strcmp(o, "noauto")) {
			unsigned int f = o[2] == 'f' ? DMR_TAB_NOFAIL : DMR_TAB_NOAUTO;

			if (seen & f) {
				bad(p, "option '%s' given twice", o);
				ok = false;
			}
			seen |= f;
			e->flags |= f;
		} else if (!strcmp(o, "suppress_writes") || !strcmp(o, "no_suppress_writes")) {
			if (seen_suppress) {
				bad(p, "option '%s': suppress_writes and no_suppress_writes given together or twice", o);
				ok = false;
			}
			seen_suppress = true;
			e->suppress = o[0] == 'n' ? DMR_SUPPRESS_OFF : DMR_SUPPRESS_ON;
		} else if (!strncmp(o, "x-systemd.device-timeout=", 25)) {
			if (e->device_timeout_set) {
				bad(p, "option 'x-systemd.device-timeout' given twice");
				ok = false;
			} else if (!parse_timeout(o + 25, &e->device_timeout)) {
				bad(p, "option '%s': not a time in seconds (30, 30s, 2min, 1h; 0 waits for ever)", o);
				ok = false;
			}
			e->device_timeout_set = true;
		} else {
			bad(p, "unknown option '%s' (known: nofail, noauto, suppress_writes, no_suppress_writes, x-systemd.device-timeout=SEC)", o);
			ok = false;
		}
	}
	if (ok && (opts[0] == ',' || opts[strlen(opts) - 1] == ',' || strstr(opts, ",,"))) {
		bad(p, "empty option in '%s'", opts);
		ok = false;
	}
	free(copy);
	return ok;
}

static void free_entry(struct dmr_tab_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->main);
	free(e->spare);
	free(e);
}

static void parse_line(struct parser *p, const char *s, size_t len)
{
	const char *f[MAX_FIELDS + 1];
	size_t fl[MAX_FIELDS + 1], i, n = 0;
	struct dmr_tab_entry *e, **grow;
	char opts[512];
	const char *end = s + len, *hash;

	hash = memchr(s, '#', len);
	if (hash)
		end = hash;
	while (s < end && n <= MAX_FIELDS) {
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s == end)
			break;
		f[n] = s;
		while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
		fl[n] = (size_t)(s - f[n]);
		n++;
	}
	if (!n)
		return;
	if (n > MAX_FIELDS) {
		bad(p, "too many fields (NAME MAIN SPARE [OPTIONS]; options are separated by commas, not blanks)");
		return;
	}
	if (n < 3) {
		bad(p, "%s (NAME MAIN SPARE [OPTIONS])", n == 1 ? "MAIN and SPARE missing" :
		    "SPARE missing");
		return;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		p->oom = true;
		return;
	}
	e->size = sizeof(*e);
	e->line = p->line;
	e->name = dup_n(p, f[0], fl[0]);
	e->main = dup_n(p, f[1], fl[1]);
	e->spare = dup_n(p, f[2], fl[2]);
	if (p->oom)
		goto drop;
	{
		struct dmr_ctx scratch = { .error = "" };

		if (dmri_validate_name(&scratch, e->name)) {
			bad(p, "%s", scratch.error);
			goto drop;
		}
	}
	if (!check_dev(p, "MAIN", e->main, false) ||
	    !check_dev(p, "SPARE", e->spare, true))
		goto drop;
	if (!strcmp(e->main, e->spare)) {
		bad(p, "MAIN and SPARE are both '%s'", e->main);
		goto drop;
	}
	snprintf(opts, sizeof(opts), "%.*s", n > 3 ? (int)fl[3] : 1, n > 3 ? f[3] : "-");
	if (!parse_options(p, e, opts))
		goto drop;
	for (i = 0; i < p->tab->count; i++) {
		const struct dmr_tab_entry *o = p->tab->entries[i];

		if (!strcmp(o->name, e->name)) {
			bad(p, "name '%s' is already used on line %u", e->name, o->line);
			goto drop;
		}
		if (!strcmp(o->main, e->main) || !strcmp(o->spare, e->main) ||
		    !strcmp(o->main, e->spare) || !strcmp(o->spare, e->spare)) {
			bad(p, "'%s' is already used by '%s' on line %u",
			    !strcmp(o->main, e->main) || !strcmp(o->spare, e->main) ?
			    e->main : e->spare, o->name, o->line);
			goto drop;
		}
	}
	grow = realloc(p->tab->entries, (p->tab->count + 1) * sizeof(*grow));
	if (!grow) {
		p->oom = true;
		goto drop;
	}
	p->tab->entries = grow;
	grow[p->tab->count++] = e;
	return;
drop:
	free_entry(e);
}

DMR_EXPORT int dmr_tab_parse(struct dmr_ctx *ctx, const char *text,
			     const char *origin, struct dmr_tab **tab)
{
	struct parser p = { .ctx = ctx, .origin = origin ? origin : "-" };
	const char *s, *nl;

	dmri_clear(ctx);
	if (!tab || !text)
		return dmri_fail(ctx, EINVAL, "no text or result pointer");
	*tab = NULL;
	p.tab = calloc(1, sizeof(*p.tab));
	if (!p.tab)
		return dmri_fail(ctx, ENOMEM, "out of memory");
	p.tab->size = sizeof(*p.tab);
	p.tab->path = strdup(p.origin);
	if (!p.tab->path)
		p.oom = true;
	for (s = text; *s && !p.oom; s = nl + 1) {
		nl = strchr(s, '\n');
		p.line++;
		parse_line(&p, s, nl ? (size_t)(nl - s) : strlen(s));
		if (!nl)
			break;
	}
	if (p.oom) {
		dmr_tab_free(p.tab);
		return dmri_fail(ctx, ENOMEM, "out of memory");
	}
	*tab = p.tab;
	return 0;
}

DMR_EXPORT int dmr_tab_read(struct dmr_ctx *ctx, const char *path,
			    struct dmr_tab **tab)
{
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f;
	int r;

	dmri_clear(ctx);
	if (!tab)
		return dmri_fail(ctx, EINVAL, "no result pointer");
	*tab = NULL;
	if (!path)
		path = DMR_TAB_PATH;
	f = fopen(path, "re");
	if (!f)
		return dmri_fail(ctx, errno, "cannot read %s: %s", path, strerror(errno));
	do {
		if (len + 4096 + 1 > cap) {
			char *g;

			cap = cap ? 2 * cap : 8192;
			if (cap > (64U << 20)) {
				free(text);
				fclose(f);
				return dmri_fail(ctx, EFBIG, "%s is too large", path);
			}
			g = realloc(text, cap);
			if (!g) {
				free(text);
				fclose(f);
				return dmri_fail(ctx, ENOMEM, "out of memory");
			}
			text = g;
		}
		n = fread(text + len, 1, 4096, f);
		len += n;
	} while (n == 4096);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r) {
		free(text);
		return dmri_fail(ctx, EIO, "cannot read %s", path);
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		free(text);
		return dmri_fail(ctx, EINVAL, "%s is not a text file (it has a NUL byte)", path);
	}
	r = dmr_tab_parse(ctx, text, path, tab);
	free(text);
	return r;
}

DMR_EXPORT const struct dmr_tab_entry *dmr_tab_find(const struct dmr_tab *tab,
						    const char *name)
{
	size_t i;

	if (!tab || !name)
		return NULL;
	for (i = 0; i < tab->count; i++)
		if (!strcmp(tab->entries[i]->name, name))
			return tab->entries[i];
	return NULL;
}

DMR_EXPORT void dmr_tab_free(struct dmr_tab *tab)
{
	size_t i;

	if (!tab)
		return;
	for (i = 0; i < tab->count; i++)
		free_entry(tab->entries[i]);
	for (i = 0; i < tab->nr_errors; i++)
		free(tab->errors[i]);
	free(tab->entries);
	free(tab->errors);
	free(tab->path);
	free(tab);
}
