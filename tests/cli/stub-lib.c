// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for libdmremap with the same API (lib/dmremap.h): an
 * in-memory set of devices and scripted return values, so that dmremapctl's
 * argument handling and exit codes are tested without device-mapper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stub-lib.h"

struct dmr_ctx {
	char error[1024];
	dmr_log_fn log_fn;
	void *log_data;
	dmr_confirm_fn confirm_fn;
	void *confirm_data;
};

struct stub_state stub;
static struct dmr_tab_entry tab_lines[STUB_MAX_DEVS];

void stub_reset(void)
{
	memset(&stub, 0, sizeof(stub));
	memset(tab_lines, 0, sizeof(tab_lines));
}

struct dmr_tab_entry *stub_tab(const char *name, const char *main_dev,
			       const char *spare_dev, unsigned int flags)
{
	struct dmr_tab_entry *e = &tab_lines[stub.ntab];

	e->line = (unsigned int)stub.ntab + 1;
	e->name = (char *)name;
	e->main = (char *)main_dev;
	e->spare = (char *)spare_dev;
	e->flags = flags;
	e->suppress = DMR_SUPPRESS_DEFAULT;
	stub.tab[stub.ntab++] = e;
	return e;
}

struct dmr_status *stub_add_device(const char *name, uint64_t spare_used,
				   uint64_t spare_total, uint64_t pending)
{
	struct dmr_status *st = &stub.dev[stub.ndev++];

	snprintf(st->name, sizeof(st->name), "%s", name);
	snprintf(st->uuid, sizeof(st->uuid), "DMREMAP-%s", name);
	snprintf(st->main.path, sizeof(st->main.path), "/dev/main-%s", name);
	snprintf(st->spare.path, sizeof(st->spare.path), "/dev/spare-%s", name);
	st->length = 2048;
	st->block_size = 512;
	st->status_version = 2;
	st->remapped = spare_used;
	st->spare_used = spare_used;
	st->spare_total = spare_total;
	st->pending = pending;
	st->suppress = true;
	st->kernel_health = spare_used == spare_total ? DMR_KHEALTH_EXHAUSTED :
			    pending ? DMR_KHEALTH_DEGRADED : DMR_KHEALTH_OK;
	return st;
}

static int fail(struct dmr_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return err;
}

static struct dmr_status *find(const char *name)
{
	size_t i;

	for (i = 0; i < stub.ndev; i++)
		if (!strcmp(stub.dev[i].name, name))
			return &stub.dev[i];
	return NULL;
}

int dmr_ctx_new(struct dmr_ctx **ctx)
{
	*ctx = calloc(1, sizeof(**ctx));
	return *ctx ? 0 : -ENOMEM;
}

void dmr_ctx_free(struct dmr_ctx *ctx)
{
	free(ctx);
}

const char *dmr_error(const struct dmr_ctx *ctx)
{
	return ctx->error;
}

const char *dmr_library_version(void)
{
	return "9.8.7";
}

int dmr_target_version(struct dmr_ctx *ctx, unsigned int version[3])
{
	stub.target_calls++;
	if (stub.target_ret)
		return fail(ctx, stub.target_ret,
			    "dm-remap kernel module not available (modprobe dm-remap?)");
	version[0] = 1;
	version[1] = 2;
	version[2] = 3;
	return 0;
}

int dmr_create(struct dmr_ctx *ctx, const char *name, const char *main_dev,
	       const char *spare_dev, const struct dmr_create_opts *opts)
{
	return dmr_create_ex(ctx, name, main_dev, spare_dev, opts, 0);
}

int dmr_create_ex(struct dmr_ctx *ctx, const char *name, const char *main_dev,
		  const char *spare_dev, const struct dmr_create_opts *opts,
		  unsigned int flags)
{
	stub.create_calls++;
	stub.create_flags = flags;
	if (stub.create_question) {
		if (!ctx->confirm_fn || !ctx->confirm_fn(stub.create_question,
							 ctx->confirm_data))
			return fail(ctx, -ECANCELED, "spare %s: not formatted without confirmation",
				    spare_dev);
		stub.confirm_answers++;
	}
	if (stub.create_note && ctx->log_fn)
		ctx->log_fn(DMR_LOG_NOTICE, stub.create_note, ctx->log_data);
	snprintf(stub.create_name, sizeof(stub.create_name), "%s", name);
	snprintf(stub.create_main, sizeof(stub.create_main), "%s", main_dev);
	snprintf(stub.create_spare, sizeof(stub.create_spare), "%s", spare_dev);
	stub.create_opts = *opts;
	snprintf(stub.create_uuid, sizeof(stub.create_uuid), "%s",
		 opts->uuid ? opts->uuid : "");
	if (stub.create_ret)
		return fail(ctx, stub.create_ret, "create %s: scripted failure", name);
	return 0;
}

int dmr_remove(struct dmr_ctx *ctx, const char *name)
{
	stub.remove_calls++;
	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	return 0;
}

int dmr_list(struct dmr_ctx *ctx, char ***names, size_t *count)
{
	size_t i;

	if (stub.list_ret)
		return fail(ctx, stub.list_ret, "%s", stub.list_error);
	*names = calloc(stub.ndev + 1, sizeof(**names));
	if (!*names)
		return -ENOMEM;
	for (i = 0; i < stub.ndev; i++)
		(*names)[i] = strdup(stub.dev[i].name);
	*count = stub.ndev;
	return 0;
}

void dmr_names_free(char **names, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int dmr_status(struct dmr_ctx *ctx, const char *name, struct dmr_status *st)
{
	struct dmr_status *s = find(name);

	stub.status_calls++;
	if (!s)
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	*st = *s;
	return 0;
}

int dmr_parse_status_line(struct dmr_ctx *ctx, const char *line,
			  struct dmr_status *st)
{
	(void)line;
	(void)st;
	return fail(ctx, -EINVAL, "not used by dmremapctl");
}

const char *dmr_kernel_health_name(enum dmr_kernel_health h)
{
	static const char *const n[] = { "ok", "degraded", "exhausted", "failed" };

	return n[h];
}

int dmr_set_suppress(struct dmr_ctx *ctx, const char *name, bool on)
{
	struct dmr_status *s = find(name);

	if (!s)
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	s->suppress = on;
	stub.suppress_calls++;
	return 0;
}

int dmr_remap(struct dmr_ctx *ctx, const char *name, uint64_t block,
	      enum dmr_remap_result *result, uint64_t *spare_block)
{
	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	stub.remap_calls++;
	stub.remap_block = block;
	*result = stub.remap_result;
	*spare_block = 7;
	return 0;
}

/* As the library: the kernel's EINVAL is "not pending". */
int dmr_clear_pending(struct dmr_ctx *ctx, const char *name, uint64_t block)
{
	size_t i;

	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	stub.clear_calls++;
	stub.remap_block = block;
	for (i = 0; i < stub.nentries; i++)
		if (stub.entries[i].block == block &&
		    stub.entries[i].state == DMR_ENTRY_PENDING)
			return 0;
	return fail(ctx, -EINVAL, "block %llu of '%s' is not pending",
		    (unsigned long long)block, name);
}

int dmr_list_entries(struct dmr_ctx *ctx, const char *name,
		     struct dmr_entry **entries, size_t *count)
{
	stub.entries_calls++;
	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	*entries = calloc(stub.nentries + 1, sizeof(**entries));
	if (!*entries)
		return -ENOMEM;
	memcpy(*entries, stub.entries, stub.nentries * sizeof(**entries));
	*count = stub.nentries;
	return 0;
}

const char *dmr_entry_state_name(enum dmr_entry_state s)
{
	static const char *const n[] = { "remapped", "pending", "inflight" };

	return n[s];
}

void dmr_thresholds_default(struct dmr_thresholds *t)
{
	t->spare_warn_pct = 80;
	t->spare_crit_pct = 95;
	t->pending_warn = 1;
	t->spare_errors_warn = 1;
}

static void reason(struct dmr_health *h, enum dmr_health_level l,
		   const char *code, const char *text)
{
	snprintf(h->reasons[h->nr_reasons].code, sizeof(h->reasons[0].code), "%s", code);
	snprintf(h->reasons[h->nr_reasons].text, sizeof(h->reasons[0].text), "%s", text);
	h->reasons[h->nr_reasons++].level = l;
	if (l > h->level)
		h->level = l;
}

void dmr_health_eval(const struct dmr_status *st,
		     const struct dmr_thresholds *t, struct dmr_health *h)
{
	struct dmr_thresholds def;

	if (!t) {
		dmr_thresholds_default(&def);
		t = &def;
	}
	memset(h, 0, sizeof(*h));
	h->spare_used_pct = (unsigned int)(st->spare_used * 100 / st->spare_total);
	if (t->spare_crit_pct && h->spare_used_pct >= t->spare_crit_pct)
		reason(h, DMR_HEALTH_CRITICAL, "spare_usage", "spare nearly full");
	else if (t->spare_warn_pct && h->spare_used_pct >= t->spare_warn_pct)
		reason(h, DMR_HEALTH_WARNING, "spare_usage", "spare filling up");
	if (st->pending >= t->pending_warn)
		reason(h, DMR_HEALTH_WARNING, "pending", "pending blocks");
}

const char *dmr_health_level_name(enum dmr_health_level l)
{
	static const char *const n[] = { "ok", "warning", "critical", "unknown" };

	return n[l];
}

int dmr_dump(struct dmr_ctx *ctx, const char *spare_dev, struct dmr_dump **dump)
{
	struct dmr_dump *d;

	if (stub.dump_ret)
		return fail(ctx, stub.dump_ret, "%s: scripted failure", spare_dev);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->spare_path, sizeof(d->spare_path), "%s", spare_dev);
	d->format_version = 1;
	d->sb_a_valid = d->sb_b_valid = true;
	d->block_size = 512;
	d->nr_entries = stub.nentries;
	d->entries = calloc(stub.nentries + 1, sizeof(*d->entries));
	if (!d->entries) {
		free(d);
		return -ENOMEM;
	}
	memcpy(d->entries, stub.entries, stub.nentries * sizeof(*d->entries));
	*dump = d;
	return 0;
}

void dmr_dump_free(struct dmr_dump *dump)
{
	if (dump)
		free(dump->entries);
	free(dump);
}

static int json(struct dmr_ctx *ctx, char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n < 0 ? fail(ctx, -ENOMEM, "out of memory") : 0;
}

int dmr_json_status(struct dmr_ctx *ctx, const struct dmr_status *st,
		    size_t count, const struct dmr_thresholds *t, bool pretty,
		    char **out)
{
	return json(ctx, out, "{\"devices\":%zu,\"first\":\"%s\",\"warn\":%u,\"pretty\":%d}",
		    count, count ? st[0].name : "", t ? t->spare_warn_pct : 0, pretty);
}

int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
		  bool pretty, char **out)
{
	return json(ctx, out, "{\"spare\":\"%s\",\"entries\":%zu,\"pretty\":%d}",
		    dump->spare_path, dump->nr_entries, pretty);
}

int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
		     const struct dmr_entry *entries, size_t count,
		     bool pretty, char **out)
{
	(void)entries;
	return json(ctx, out, "{\"device\":\"%s\",\"entries\":%zu,\"pretty\":%d}\n",
		    name, count, pretty);
}

void dmr_set_log_fn(struct dmr_ctx *ctx, dmr_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

void dmr_set_confirm_fn(struct dmr_ctx *ctx, dmr_confirm_fn fn, void *data)
{
	ctx->confirm_fn = fn;
	ctx->confirm_data = data;
}

int dmr_tab_read(struct dmr_ctx *ctx, const char *path, struct dmr_tab **tab)
{
	struct dmr_tab *t;

	snprintf(stub.tab_path, sizeof(stub.tab_path), "%s", path ? path : "");
	if (stub.tab_ret)
		return fail(ctx, stub.tab_ret, "cannot read %s: scripted", path ? path : DMR_TAB_PATH);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->path = strdup(path ? path : DMR_TAB_PATH);
	t->count = stub.ntab;
	t->entries = stub.tab;
	t->nr_errors = stub.ntab_errors;
	t->errors = (char **)stub.tab_errors;
	*tab = t;
	return 0;
}

const struct dmr_tab_entry *dmr_tab_find(const struct dmr_tab *tab, const char *name)
{
	size_t i;

	for (i = 0; tab && i < tab->count; i++)
		if (!strcmp(tab->entries[i]->name, name))
			return tab->entries[i];
	return NULL;
}

void dmr_tab_free(struct dmr_tab *tab)
{
	if (tab)
		free(tab->path);
	free(tab);
}

int dmr_resolve_device(struct dmr_ctx *ctx, const char *spec, bool spare,
		       char *path, size_t size)
{
	size_t i;

	(void)spare;
	if (spec[0] == '/') {
		snprintf(path, size, "%s", spec);
		return 0;
	}
	for (i = 0; i < STUB_MAX_DEVS; i++)
		if (stub.resolve[i][0] && !strcmp(stub.resolve[i][0], spec)) {
			snprintf(path, size, "%s", stub.resolve[i][1]);
			return 0;
		}
	return fail(ctx, -ENOENT, "no block device has %s", spec);
}

int dmr_device_matches(struct dmr_ctx *ctx, const char *spec, const char *dev)
{
	size_t i;

	(void)ctx;
	if (!strcmp(spec, dev))
		return 1;
	for (i = 0; i < STUB_MAX_DEVS; i++)
		if (stub.matches[i][0] && !strcmp(stub.matches[i][0], spec) &&
		    !strcmp(stub.matches[i][1], dev))
			return 1;
	return 0;
}

int dmr_spare_format_id(struct dmr_ctx *ctx, const char *dev, uint64_t *format_id)
{
	if (stub.spare_dev && !strcmp(stub.spare_dev, dev)) {
		*format_id = stub.spare_fid;
		return 0;
	}
	return fail(ctx, -ENODATA, "%s has no dm-remap superblock", dev);
}
