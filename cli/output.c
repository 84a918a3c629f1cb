// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: human output (aligned labels, column tables, sizes) and the
 * printing of the library's JSON documents.
 */
#include <ctype.h>
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

/* A JSON string; bytes from 0x80 up pass through, as json-c does. */
static void json_string(FILE *f, const char *s)
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
		json_string(c->out, c->msgs[i]);
		fprintf(c->out, "%s}", sp);
	}
	fprintf(c->out, "%s]%s}\n", c->nmsgs ? nl : "", c->pretty ? "\n" : "");
	c->json_done = true;
}

int ctl_print_json(struct ctl *c, int r, char *json, int code)
{
	char *end;

	if (r)
		return ctl_lib_fail(c, r);
	/* The library's documents are objects with keys: ours go last. */
	end = strrchr(json, '}');
	if (!end) {
		free(json);
		return ctl_fail(c, CTL_EXIT_KERNEL, "the library's JSON is not an object");
	}
	while (end > json && isspace((unsigned char)end[-1]))
		end--;
	fwrite(json, 1, (size_t)(end - json), c->out);
	json_tail(c, code);
	free(json);
	return CTL_EXIT_OK;
}

void ctl_print_json_error(struct ctl *c, int code)
{
	const char *nl = c->pretty ? "\n  " : "", *sp = c->pretty ? " " : "";
	time_t now = time(NULL);
	char iso[32] = "";
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(c->out, "{%s\"schema_version\":%s%d,%s\"generated\":%s\"%s\",%s"
		"\"generated_epoch\":%s%lld", nl, sp, DMR_JSON_SCHEMA_VERSION, nl,
		sp, iso, nl, sp, (long long)now);
	json_tail(c, code);
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
