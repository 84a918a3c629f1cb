// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: human output (aligned labels, column tables, sizes) and the
 * printing of the library's JSON documents.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

int ctl_print_json(struct ctl *c, int r, char *json)
{
	size_t n;

	if (r)
		return ctl_lib_fail(c, r);
	n = strlen(json);
	fputs(json, c->out);
	if (!n || json[n - 1] != '\n')
		fputc('\n', c->out);
	free(json);
	return CTL_EXIT_OK;
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
