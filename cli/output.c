// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: human output (aligned labels, column tables, sizes) and the
 * printing of the library's JSON documents.
 */
#define _GNU_SOURCE	/* fopencookie */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define CTL_LABEL_WIDTH 16
#define CTL_TABLE_MAX_COLS 16

void ctl_kv(struct ctl *c, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->out, "  %-*s", CTL_LABEL_WIDTH, label);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

const char *ctl_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t scale = 1;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes / scale >= 1024) {
		scale *= 1024;
		u++;
	}
	if (bytes % scale == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bytes / scale, units[u]);
	else
		snprintf(buf, len, "%.1f %s", (double)bytes / (double)scale, units[u]);
	return buf;
}

const char *ctl_time(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || t > 253402300799LL || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%" PRId64 " s after the epoch", t);
	return buf;
}

/* A JSON string; bytes from 0x80 up pass through, as json-c does. */
void ctl_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/*
 * The end of every document dmremapctl prints, after its other keys:
 * ,"exit_status":N,"messages":[{"severity":"error","text":...}...]}
 * indented like json-c's pretty output with --pretty.
 */
static void json_tail(struct ctl *c, int code)
{
	const char *nl = c->pretty ? "\n  " : "", *sp = c->pretty ? " " : "";
	size_t i;

	fprintf(c->out, ",%s\"exit_status\":%s%d,%s\"messages\":%s[", nl, sp,
		code, nl, sp);
	for (i = 0; i < c->nmsgs; i++) {
		fprintf(c->out, "%s%s{%s\"severity\":%s\"error\",%s\"text\":%s",
			i ? "," : "", c->pretty ? "\n    " : "", sp, sp, sp, sp);
		ctl_json_string(c->out, c->msgs[i]);
		fprintf(c->out, "%s}", sp);
	}
	fprintf(c->out, "%s]%s}\n", c->nmsgs ? nl : "", c->pretty ? "\n" : "");
	c->json_done = true;
}

unsigned int ctl_json_flags(const struct ctl *c)
{
	return DMR_JSON_OPEN | (c->pretty ? DMR_JSON_PRETTY : 0);
}

static ssize_t count_write(void *cookie, const char *buf, size_t size)
{
	struct ctl_counted *k = cookie;
	size_t n = fwrite(buf, 1, size, k->real);

	k->n += n;
	return n == size ? (ssize_t)size : -1;
}

FILE *ctl_count_begin(struct ctl *c, struct ctl_counted *k)
{
	static const cookie_io_functions_t io = { .write = count_write };

	k->real = c->out;
	k->n = 0;
	k->f = fopencookie(k, "w", io);
	return k->f ? k->f : c->out;	/* then counted as written */
}

size_t ctl_count_end(struct ctl_counted *k)
{
	if (!k->f)
		return 1;
	fclose(k->f);
	return k->n;
}

int ctl_finish_json(struct ctl *c, int r, int code, size_t written)
{
	if (r)
		code = ctl_lib_fail(c, r);
	if (r && !written)
		return code;	/* ctl_main prints the failure document */
	json_tail(c, code);
	return code;
}

void ctl_print_json_error(struct ctl *c, int code)
{
	const char *nl = c->pretty ? "\n  " : "", *sp = c->pretty ? " " : "";
	time_t now = time(NULL);
	char iso[32] = "";
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(c->out, "{%s\"schema_version\":%s%d,%s\"schema_minor\":%s%d,%s"
		"\"generated\":%s\"%s\",%s\"generated_epoch\":%s%lld,%s"
		"\"producer\":%s{%s\"library\":%s\"libdmremap\",%s"
		"\"library_version\":%s", nl, sp, DMR_JSON_SCHEMA_VERSION, nl, sp,
		DMR_JSON_SCHEMA_MINOR, nl, sp, iso, nl, sp, (long long)now, nl,
		sp, c->pretty ? "\n    " : "", sp, c->pretty ? "\n    " : "", sp);
	ctl_json_string(c->out, dmr_library_version());
	fprintf(c->out, ",%s\"tool\":%s\"dmremapctl\",%s\"tool_version\":%s",
		c->pretty ? "\n    " : "", sp, c->pretty ? "\n    " : "", sp);
	ctl_json_string(c->out, CTL_VERSION);
	fprintf(c->out, "%s}", nl);
	json_tail(c, code);
}

/* ------------------------------------------------------------ entries */

static int digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

void ctl_entries_begin(struct ctl_entries *t, struct ctl *c,
		       uint64_t max_block, uint64_t max_spare)
{
	t->c = c;
	t->rows = 0;
	t->bw = digits(max_block) > 5 ? digits(max_block) : 5;
	t->sw = digits(max_spare) > 11 ? digits(max_spare) : 11;
}

int ctl_entries_row(const struct dmr_entry *e, void *data)
{
	struct ctl_entries *t = data;
	FILE *out = t->c->out;

	if (!t->rows++)
		fprintf(out, "%*s  %-8s  %*s\n", t->bw, "BLOCK", "STATE", t->sw,
			"SPARE BLOCK");
	if (e->state == DMR_ENTRY_PENDING || e->state == DMR_ENTRY_COPYING)
		fprintf(out, "%*" PRIu64 "  %-8s  %*s\n", t->bw, e->block,
			dmr_entry_state_name(e->state), t->sw, "-");
	else
		fprintf(out, "%*" PRIu64 "  %-8s  %*" PRIu64 "\n", t->bw, e->block,
			dmr_entry_state_name(e->state), t->sw, e->spare_block);
	return ferror(out) ? -EIO : 0;
}

/* ---------------------------------------------------------------- tables */

struct ctl_table {
	unsigned int ncols;
	const char *const *heads;
	size_t nrows, cap;
	char **cells;		/* nrows * ncols */
};

struct ctl_table *ctl_table_new(unsigned int ncols, const char *const *heads)
{
	struct ctl_table *t;

	if (!ncols || ncols > CTL_TABLE_MAX_COLS)
		return NULL;
	t = calloc(1, sizeof(*t));

	if (t) {
		t->ncols = ncols;
		t->heads = heads;
	}
	return t;
}

bool ctl_table_row(struct ctl_table *t, const char *const *cells)
{
	unsigned int i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **n = realloc(t->cells, cap * t->ncols * sizeof(*n));

		if (!n)
			return false;
		t->cells = n;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *s = strdup(cells[i]);

		if (!s) {
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			return false;
		}
		t->cells[t->nrows * t->ncols + i] = s;
	}
	t->nrows++;
	return true;
}

static void print_row(const struct ctl_table *t, const size_t *width,
		      const char *const *cells, FILE *out)
{
	unsigned int i;

	for (i = 0; i < t->ncols; i++) {
		bool right = t->heads[i][0] == '>';
		bool last = i + 1 == t->ncols;

		if (i)
			fputs("  ", out);
		if (right)
			fprintf(out, "%*s", (int)width[i], cells[i]);
		else
			fprintf(out, "%-*s", last ? 0 : (int)width[i], cells[i]);
	}
	fputc('\n', out);
}

void ctl_table_print(struct ctl_table *t, FILE *out)
{
	const char *heads[CTL_TABLE_MAX_COLS];
	size_t width[CTL_TABLE_MAX_COLS];
	unsigned int i;
	size_t r;

	for (i = 0; i < t->ncols; i++) {
		heads[i] = t->heads[i] + (t->heads[i][0] == '>');
		width[i] = strlen(heads[i]);
		for (r = 0; r < t->nrows; r++) {
			size_t w = strlen(t->cells[r * t->ncols + i]);

			if (w > width[i])
				width[i] = w;
		}
	}
	print_row(t, width, heads, out);
	for (r = 0; r < t->nrows; r++)
		print_row(t, width, (const char *const *)&t->cells[r * t->ncols], out);
}

void ctl_table_free(struct ctl_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
