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

/* A broken promise of the caller: the test run stops here. */
#define check(x) do { if (!(x)) { fprintf(stderr, "stub: %s:%d: %s\n", __FILE__, __LINE__, #x); abort(); } } while (0)

#include "stub-lib.h"

struct dmr_ctx {
	char error[1024];
	dmr_log_fn log_fn;
	void *log_data;
	int log_level;
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

	st->size = sizeof(*st);
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
	stub.create_calls++;
	if (!opts || opts->size != sizeof(*opts))
		return fail(ctx, -EINVAL, "create options: size not set");
	stub.create_flags = opts->flags;
	if (stub.create_question) {
		if (!ctx->confirm_fn || !ctx->confirm_fn(stub.create_question,
							 ctx->confirm_data))
			return fail(ctx, -ECANCELED, "spare %s: not formatted without confirmation",
				    spare_dev);
		stub.confirm_answers++;
	}
	if (stub.create_note && ctx->log_fn)
		ctx->log_fn(DMR_LOG_NOTICE, stub.create_note, ctx->log_data);
	if (ctx->log_fn && ctx->log_level >= DMR_LOG_DEBUG)
		ctx->log_fn(DMR_LOG_DEBUG, "libdevmapper: stub debug line", ctx->log_data);
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
	if (!st || st->size != sizeof(*st))
		return fail(ctx, -EINVAL, "status size not set");
	if (!s) {
		memset(st, 0, sizeof(*st));
		st->size = sizeof(*st);
		snprintf(st->name, sizeof(st->name), "%s", name);
		st->unreadable = -ENOENT;
		snprintf(st->error, sizeof(st->error), "no dm-remap device '%s'", name);
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	}
	*st = *s;
	return 0;
}

const char *dmr_kernel_health_name(enum dmr_kernel_health h)
{
	static const char *const n[] = { "ok", "degraded", "exhausted", "failed" };

	return n[h];
}

const char *dmr_failure_name(enum dmr_failure f)
{
	static const char *const n[] = { "none", "metadata", "main", "lost" };

	return n[f];
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

int dmr_entries_foreach(struct dmr_ctx *ctx, const char *name,
			dmr_entry_fn fn, void *data)
{
	size_t i;
	int r;

	stub.entries_calls++;
	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	for (i = 0; i < stub.nentries; i++) {
		r = fn(&stub.entries[i], data);
		if (r)
			return r;
	}
	return 0;
}

const char *dmr_entry_state_name(enum dmr_entry_state s)
{
	static const char *const n[] = { "remapped", "pending", "inflight", "copying",
					 "lost" };

	return n[s];
}

void dmr_thresholds_default(struct dmr_thresholds *t)
{
	check(t->size == sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->spare_warn_pct = 80;
	t->spare_crit_pct = 95;
	t->pending_warn = 1;
	t->spare_errors_warn = 1;
}

struct dmr_health {
	enum dmr_health_level level;
	unsigned int pct;
	size_t n;
	struct dmr_reason r[8];
};

static void reason(struct dmr_health *h, enum dmr_health_level l,
		   const char *code, const char *text)
{
	h->r[h->n].size = sizeof(h->r[0]);
	h->r[h->n].code = code;
	h->r[h->n].text = text;
	h->r[h->n++].level = l;
	if (l > h->level)
		h->level = l;
}

int dmr_health_eval(const struct dmr_status *st,
		    const struct dmr_thresholds *t, struct dmr_health **hp)
{
	struct dmr_thresholds def = { .size = sizeof(def) };
	struct dmr_health *h;

	if (!t) {
		dmr_thresholds_default(&def);
		t = &def;
	}
	check(st->size == sizeof(*st));
	check(t->size == sizeof(*t));
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	*hp = h;
	if (st->unreadable) {
		reason(h, DMR_HEALTH_UNKNOWN, "unreadable", "the status could not be read");
		return 0;
	}
	h->pct = (unsigned int)(st->spare_used * 100 / st->spare_total);
	if (st->status_version >= 3 && st->lost)
		reason(h, DMR_HEALTH_CRITICAL, "blocks_lost", "blocks lost");
	if (t->spare_crit_pct && h->pct >= t->spare_crit_pct)
		reason(h, DMR_HEALTH_CRITICAL, "spare_usage", "spare nearly full");
	else if (t->spare_warn_pct && h->pct >= t->spare_warn_pct)
		reason(h, DMR_HEALTH_WARNING, "spare_usage", "spare filling up");
	if (t->remapped_crit && st->remapped >= t->remapped_crit)
		reason(h, DMR_HEALTH_CRITICAL, "remapped_blocks", "many remapped blocks");
	else if (t->remapped_warn && st->remapped >= t->remapped_warn)
		reason(h, DMR_HEALTH_WARNING, "remapped_blocks", "remapped blocks");
	if (st->pending >= t->pending_warn)
		reason(h, DMR_HEALTH_WARNING, "pending", "pending blocks");
	if (t->protection_off_warn && !st->suppress)
		reason(h, DMR_HEALTH_WARNING, "protection_off", "suppress is off");
	return 0;
}

void dmr_health_free(struct dmr_health *h)
{
	free(h);
}

enum dmr_health_level dmr_health_level(const struct dmr_health *h)
{
	return h->level;
}

unsigned int dmr_health_spare_used_pct(const struct dmr_health *h)
{
	return h->pct;
}

size_t dmr_health_nr_reasons(const struct dmr_health *h)
{
	return h ? h->n : 0;
}

const struct dmr_reason *dmr_health_reason(const struct dmr_health *h, size_t i)
{
	return i < h->n ? &h->r[i] : NULL;
}

const char *dmr_health_level_name(enum dmr_health_level l)
{
	static const char *const n[] = { "ok", "warning", "critical", "unknown" };

	return n[l];
}

struct stub_dump {
	struct dmr_dump d;
	struct dmr_entry e[STUB_MAX_ENTRIES];
};

int dmr_dump(struct dmr_ctx *ctx, const char *spare_dev, struct dmr_dump **dump)
{
	struct stub_dump *sd;
	struct dmr_dump *d;

	if (stub.dump_ret)
		return fail(ctx, stub.dump_ret, "%s: scripted failure", spare_dev);
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	d = &sd->d;
	d->size = sizeof(*d);
	d->spare_path = strdup(spare_dev);
	d->format_version = 1;
	d->sb_a_valid = d->sb_b_valid = true;
	d->block_size = 512;
	d->created = -1;		/* not a time */
	d->nr_entries = stub.nentries;
	memcpy(sd->e, stub.entries, stub.nentries * sizeof(*sd->e));
	*dump = d;
	return 0;
}

const struct dmr_entry *dmr_dump_entry(const struct dmr_dump *dump, size_t i)
{
	return i < dump->nr_entries ? &((const struct stub_dump *)dump)->e[i] : NULL;
}

void dmr_dump_free(struct dmr_dump *dump)
{
	if (dump)
		free(dump->spare_path);
	free(dump);
}

/* The stub's documents: their arguments, left open like the library's. */
static int json(struct dmr_ctx *ctx, unsigned int flags, FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int json(struct dmr_ctx *ctx, unsigned int flags, FILE *f, const char *fmt, ...)
{
	va_list ap;

	if (flags & ~(DMR_JSON_PRETTY | DMR_JSON_OPEN))
		return fail(ctx, -EINVAL, "flags");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fprintf(f, ",\"pretty\":%d%s", !!(flags & DMR_JSON_PRETTY),
		flags & DMR_JSON_OPEN ? "" : "}\n");
	return 0;
}

int dmr_json_status(struct dmr_ctx *ctx, const struct dmr_status *const *st,
		    size_t count, const struct dmr_thresholds *t,
		    unsigned int flags, FILE *f)
{
	size_t i, unknown = 0;

	for (i = 0; i < count; i++)
		unknown += st[i]->unreadable != 0;
	return json(ctx, flags, f, "{\"devices\":%zu,\"unreadable\":%zu,\"first\":\"%s\",\"warn\":%u",
		    count, unknown, count ? st[0]->name : "", t ? t->spare_warn_pct : 0);
}

int dmr_json_dump(struct dmr_ctx *ctx, const struct dmr_dump *dump,
		  unsigned int flags, FILE *f)
{
	return json(ctx, flags, f, "{\"spare\":\"%s\",\"entries\":%zu",
		    dump->spare_path, dump->nr_entries);
}

int dmr_json_entries(struct dmr_ctx *ctx, const char *name,
		     unsigned int flags, FILE *f)
{
	if (!find(name))
		return fail(ctx, -ENOENT, "no dm-remap device '%s'", name);
	if (stub.entries_fail_midway) {
		fprintf(f, "{\"device\":\"%s\",\"entries\":[],\"entries_complete\":false",
			name);
		return fail(ctx, -ENXIO, "list of '%s' failed midway", name);
	}
	return json(ctx, flags, f, "{\"device\":\"%s\",\"entries\":%zu", name,
		    stub.nentries);
}

void dmr_set_log_level(struct dmr_ctx *ctx, int level)
{
	ctx->log_level = level;
}

int dmr_set_producer(struct dmr_ctx *ctx, const char *tool, const char *version)
{
	(void)ctx;
	check(!strcmp(tool, "dmremapctl"));
	check(version != NULL);
	return 0;
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
