// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Watching a dm-remap device: its state (the table, the status line and
 * its event counter), a wait for the next dm event with libdevmapper's
 * DM_DEVICE_WAITEVENT (the kernel raises one for every commit that adds
 * remaps or changes pending blocks, for lost blocks, a metadata failure, a
 * spent failure budget and exhaustion, and when the device is removed),
 * and the difference between two states as events.  Each event carries a
 * line of JSON, a message for syslog and an environment for programs; all
 * three come from one list of keys (dmremapctl(8), MONITOR).
 */
#include <inttypes.h>
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "dm-remap-codec.h"
#include "dmr-ops.h"

struct snap {
	unsigned int major, minor;
	char uuid[DMR_UUID_LEN + 1];
	char main[256], spare[256];
	uint64_t remapped, pending, spare_used, spare_total, retired;
	uint64_t spare_errors, lost;
	enum dmr_kernel_health health;
	enum dmr_failure failure;
	bool suppress;
};

struct dmr_watch {
	char *name;
	struct dmr_thresholds t;
	uint32_t event_nr;
	struct snap s;
	bool gone;
};

/* ------------------------------------------------------------- state */

/* -ENXIO: gone (or no longer a dm-remap device). */
static int snapshot(struct dmr_ctx *ctx, const char *name, uint32_t *event_nr,
		    struct snap *s)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct dmri_dev d;
	int r;

	memset(s, 0, sizeof(*s));
	r = dmri_dm_event_nr(ctx, name, event_nr, &d);
	if (!r && !d.exists)
		r = -ENXIO;
	if (r)
		return r;
	r = dmri_remap_table(ctx, name, &d);
	if (r == -EINVAL)
		r = -ENXIO;
	if (r)
		return r;
	s->major = d.major;
	s->minor = d.minor;
	snprintf(s->uuid, sizeof(s->uuid), "%s", d.uuid);
	r = dmri_parse_table_params(ctx, d.params, &st);
	dmri_dev_release(&d);
	if (r)
		return r;
	snprintf(s->main, sizeof(s->main), "%s", st.main.path);
	snprintf(s->spare, sizeof(s->spare), "%s", st.spare.path);
	r = dmri_dm_query(ctx, name, true, &d);
	if (r)
		return r;
	r = d.nr_targets == 1 && !strcmp(d.type, DMRI_TARGET) ?
	    dmri_parse_status_line(ctx, d.params, &st) : -ENXIO;
	dmri_dev_release(&d);
	if (r)
		return r;
	s->remapped = st.remapped;
	s->pending = st.pending;
	s->spare_used = st.spare_used;
	s->spare_total = st.spare_total;
	s->retired = st.retired;
	s->spare_errors = st.spare_errors;
	s->lost = st.lost;
	s->health = st.kernel_health;
	s->failure = st.failure;
	s->suppress = st.suppress;
	return 0;
}

static unsigned int pct(const struct snap *s)
{
	return s->spare_total ? (unsigned int)(s->spare_used * 100 / s->spare_total) : 0;
}

/* 0 below the thresholds, 1 warning, 2 critical. */
static int spare_level(const struct dmr_watch *w, const struct snap *s)
{
	unsigned int p = pct(s);

	if (w->t.spare_crit_pct && p >= w->t.spare_crit_pct)
		return 2;
	if (w->t.spare_warn_pct && p >= w->t.spare_warn_pct)
		return 1;
	return 0;
}

/* ------------------------------------------------------------ events */

#define MAX_KEYS 24

struct build {
	struct dmr_ctx *ctx;
	const struct dmr_watch *w;
	const struct snap *s;
	struct dmr_event **ev;
	size_t n, cap;
	int err;
};

struct kv {
	const char *key;
	char val[512];
	bool num;
};

static const char *level_name(int level)
{
	switch (level) {
	case LOG_CRIT:
		return "critical";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	default:
		return "info";
	}
}

static void add_kv(struct kv *kv, int *n, const char *key, bool num,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_kv(struct kv *kv, int *n, const char *key, bool num,
		   const char *fmt, ...)
{
	va_list ap;

	if (*n >= MAX_KEYS)
		return;
	kv[*n].key = key;
	kv[*n].num = num;
	va_start(ap, fmt);
	vsnprintf(kv[*n].val, sizeof(kv[*n].val), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* "DMREMAP_" and the key in capitals. */
static char *env_entry(const char *key, const char *val)
{
	size_t kl = strlen(key), i;
	char *e = malloc(8 + kl + 1 + strlen(val) + 1);

	if (!e)
		return NULL;
	memcpy(e, "DMREMAP_", 8);
	for (i = 0; i < kl; i++)
		e[8 + i] = (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 32 : key[i]);
	e[8 + kl] = '=';
	strcpy(e + 9 + kl, val);
	return e;
}

static void free_event(struct dmr_event *e)
{
	char **p;

	if (!e)
		return;
	free(e->name);
	free(e->message);
	free(e->json);
	for (p = e->env; p && *p; p++)
		free(*p);
	free(e->env);
	free(e);
}

/*
 * One event: the common keys (event, time, device, ...), then @extra
 * (key, value pairs of numbers, NULL-terminated), the message last.
 */
static void emit(struct build *b, const char *type, int level,
		 const char *const *extra_keys, const uint64_t *extra_vals,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void emit(struct build *b, const char *type, int level,
		 const char *const *extra_keys, const uint64_t *extra_vals,
		 const char *fmt, ...)
{
	const struct snap *s = b->s;
	struct kv kv[MAX_KEYS];
	char msg[512], iso[32] = "", epoch[24];
	struct json_object *o = NULL, *v;
	struct dmr_event *e = NULL, **grown;
	time_t now = time(NULL);
	va_list ap;
	int n = 0, i;

	if (b->err)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dmri_iso_time((int64_t)now, iso, sizeof(iso));
	add_kv(kv, &n, "event", false, "%s", type);
	add_kv(kv, &n, "level", false, "%s", level_name(level));
	add_kv(kv, &n, "device", false, "%s", b->w->name);
	add_kv(kv, &n, "uuid", false, "%s", s->uuid);
	add_kv(kv, &n, "main", false, "%s", s->main);
	add_kv(kv, &n, "spare", false, "%s", s->spare);
	for (i = 0; extra_keys && extra_keys[i]; i++)
		add_kv(kv, &n, extra_keys[i], true, "%" PRIu64, extra_vals[i]);
	add_kv(kv, &n, "remapped", true, "%" PRIu64, s->remapped);
	add_kv(kv, &n, "pending", true, "%" PRIu64, s->pending);
	add_kv(kv, &n, "lost", true, "%" PRIu64, s->lost);
	add_kv(kv, &n, "spare_used", true, "%" PRIu64, s->spare_used);
	add_kv(kv, &n, "spare_total", true, "%" PRIu64, s->spare_total);
	add_kv(kv, &n, "spare_used_pct", true, "%u", pct(s));
	add_kv(kv, &n, "spare_errors", true, "%" PRIu64, s->spare_errors);
	add_kv(kv, &n, "kernel_health", false, "%s", dmr_kernel_health_name(s->health));
	add_kv(kv, &n, "failure", false, "%s", dmr_failure_name(s->failure));
	add_kv(kv, &n, "suppress", false, "%s", s->suppress ? "on" : "off");
	add_kv(kv, &n, "message", false, "%s", msg);

	e = calloc(1, sizeof(*e));
	o = dmri_json_header(b->ctx, (int64_t)now);
	if (!e || !o)
		goto oom;
	e->size = sizeof(*e);
	e->type = type;
	e->level = level;
	e->name = strdup(b->w->name);
	e->message = strdup(msg);
	e->env = calloc((size_t)n + 4, sizeof(*e->env));
	if (!e->name || !e->message || !e->env)
		goto oom;
	for (i = 0; i < n; i++) {
		/* Unknown strings are null, as in every dmremapctl document. */
		if (kv[i].num)
			v = json_object_new_int64((int64_t)strtoull(kv[i].val, NULL, 10));
		else
			v = kv[i].val[0] ? json_object_new_string(kv[i].val) : NULL;
		if ((!v && (kv[i].num || kv[i].val[0])) ||
		    json_object_object_add(o, kv[i].key, v))
			goto oom;
		e->env[i] = env_entry(kv[i].key, kv[i].val);
		if (!e->env[i])
			goto oom;
	}
	e->json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!e->json)
		goto oom;
	snprintf(epoch, sizeof(epoch), "%lld", (long long)now);
	if (!(e->env[n] = env_entry("time", iso)) ||
	    !(e->env[n + 1] = env_entry("time_epoch", epoch)) ||
	    !(e->env[n + 2] = env_entry("json", e->json)))
		goto oom;
	json_object_put(o);
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;

		grown = reallocarray(b->ev, cap, sizeof(*grown));
		if (!grown) {
			o = NULL;
			goto oom;
		}
		b->ev = grown;
		b->cap = cap;
	}
	b->ev[b->n++] = e;
	return;
oom:
	json_object_put(o);
	free_event(e);
	b->err = dmri_fail(b->ctx, ENOMEM, "out of memory");
}

static void ev1(struct build *b, const char *type, int level, const char *key,
		uint64_t val, const char *msg)
{
	const char *keys[2] = { key, NULL };
	uint64_t vals[1] = { val };

	emit(b, type, level, key ? keys : NULL, vals, "%s: %s", b->w->name, msg);
}

/* The problems a device has right now (at the start, or when it appears). */
static void state_events(struct build *b)
{
	const struct snap *s = b->s;
	char msg[256];
	int lvl = spare_level(b->w, s);

	if (lvl) {
		snprintf(msg, sizeof(msg), "spare %u %% used (%" PRIu64 " of %" PRIu64
			 " blocks): at or above the %s threshold of %u %%", pct(s),
			 s->spare_used, s->spare_total, lvl == 2 ? "critical" : "warning",
			 lvl == 2 ? b->w->t.spare_crit_pct : b->w->t.spare_warn_pct);
		ev1(b, "spare_threshold", lvl == 2 ? LOG_CRIT : LOG_WARNING, "threshold_pct",
		    lvl == 2 ? b->w->t.spare_crit_pct : b->w->t.spare_warn_pct, msg);
	}
	if (s->health == DMR_KHEALTH_EXHAUSTED)
		ev1(b, "exhausted", LOG_CRIT, NULL, 0,
		    "spare exhausted: no free spare block, write errors are returned");
	if (s->failure == DMR_FAILURE_METADATA)
		ev1(b, "metadata_failed", LOG_CRIT, NULL, 0,
		    "metadata write failed: no new remaps, write errors are returned");
	if (s->failure == DMR_FAILURE_MAIN)
		ev1(b, "main_failed", LOG_CRIT, NULL, 0,
		    "main taken as failed (failure budget spent): errors are returned until the table is reloaded");
	if (s->lost) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " block(s) lost: their remap could not be recorded, their I/O fails",
			 s->lost);
		ev1(b, "lost", LOG_CRIT, "new_blocks", s->lost, msg);
	}
}

static void first_events(struct build *b, bool appeared)
{
	const struct snap *s = b->s;
	char msg[256];

	snprintf(msg, sizeof(msg), "%s: %" PRIu64 " remapped, %" PRIu64
		 " pending, spare %" PRIu64 "/%" PRIu64 " (%u %%), health %s",
		 appeared ? "appeared" : "watching", s->remapped, s->pending,
		 s->spare_used, s->spare_total, pct(s), dmr_kernel_health_name(s->health));
	ev1(b, appeared ? "appeared" : "watching", LOG_INFO, NULL, 0, msg);
	state_events(b);
}

/* What changed from @o to b->s. */
static void diff_events(struct build *b, const struct snap *o)
{
	const struct snap *s = b->s;
	char msg[256];
	int lvl;

	if (s->remapped > o->remapped) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " new remapped block(s), %" PRIu64
			 " in all; spare %u %% used", s->remapped - o->remapped, s->remapped,
			 pct(s));
		ev1(b, "remapped", LOG_WARNING, "new_blocks", s->remapped - o->remapped, msg);
	}
	if (s->pending > o->pending) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " new pending block(s) (failed a read), %"
			 PRIu64 " in all", s->pending - o->pending, s->pending);
		ev1(b, "pending", LOG_WARNING, "new_blocks", s->pending - o->pending, msg);
	} else if (s->pending < o->pending) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " pending block(s) no longer pending, %"
			 PRIu64 " left", o->pending - s->pending, s->pending);
		ev1(b, "pending_cleared", LOG_INFO, "cleared_blocks", o->pending - s->pending,
		    msg);
	}
	if (s->spare_errors > o->spare_errors) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " new spare I/O error(s), %" PRIu64
			 " spare block(s) retired", s->spare_errors - o->spare_errors, s->retired);
		ev1(b, "spare_errors", LOG_WARNING, "new_errors",
		    s->spare_errors - o->spare_errors, msg);
	}
	lvl = spare_level(b->w, s);
	if (lvl > spare_level(b->w, o)) {
		snprintf(msg, sizeof(msg), "spare %u %% used (%" PRIu64 " of %" PRIu64
			 " blocks): crossed the %s threshold of %u %%", pct(s), s->spare_used,
			 s->spare_total, lvl == 2 ? "critical" : "warning",
			 lvl == 2 ? b->w->t.spare_crit_pct : b->w->t.spare_warn_pct);
		ev1(b, "spare_threshold", lvl == 2 ? LOG_CRIT : LOG_WARNING, "threshold_pct",
		    lvl == 2 ? b->w->t.spare_crit_pct : b->w->t.spare_warn_pct, msg);
	}
	if (s->health == DMR_KHEALTH_EXHAUSTED && o->health != DMR_KHEALTH_EXHAUSTED)
		ev1(b, "exhausted", LOG_CRIT, NULL, 0,
		    "spare exhausted: no free spare block, write errors are returned");
	if (s->failure == DMR_FAILURE_METADATA && o->failure != DMR_FAILURE_METADATA)
		ev1(b, "metadata_failed", LOG_CRIT, NULL, 0,
		    "metadata write failed: no new remaps, write errors are returned");
	if (s->failure == DMR_FAILURE_MAIN && o->failure != DMR_FAILURE_MAIN)
		ev1(b, "main_failed", LOG_CRIT, NULL, 0,
		    "main taken as failed (failure budget spent): errors are returned until the table is reloaded");
	if (s->lost > o->lost) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " block(s) lost (%" PRIu64
			 " in all): their remap could not be recorded, their I/O fails",
			 s->lost - o->lost, s->lost);
		ev1(b, "lost", LOG_CRIT, "new_blocks", s->lost - o->lost, msg);
	}
}

static int done(struct build *b, struct dmr_event ***ev, size_t *n)
{
	if (b->err) {
		dmr_events_free(b->ev, b->n);
		return b->err;
	}
	*ev = b->ev;
	*n = b->n;
	return 0;
}

/* ------------------------------------------------------------ the API */

DMR_EXPORT int dmr_watch_new(struct dmr_ctx *ctx, const char *name,
			     const struct dmr_watch_opts *opts, struct dmr_watch **wp,
			     struct dmr_event ***ev, size_t *n)
{
	struct dmr_watch_opts o = { .size = sizeof(o) };
	struct build b = { .ctx = ctx };
	struct dmr_watch *w;
	int r;

	dmri_clear(ctx);
	if (!wp || !ev || !n)
		return dmri_fail(ctx, EINVAL, "no result pointers");
	*wp = NULL;
	*ev = NULL;
	*n = 0;
	if (!name || !*name)
		return dmri_fail(ctx, EINVAL, "no device name given");
	if (opts) {
		r = dmri_opts_in(ctx, &o, sizeof(o), opts, "watch");
		if (r)
			return r;
	}
	if (o.flags & ~DMR_WATCH_APPEARED)
		return dmri_fail(ctx, EINVAL, "unknown flags %#x", o.flags);
	w = calloc(1, sizeof(*w));
	if (!w || !(w->name = strdup(name))) {
		free(w);
		return dmri_fail(ctx, ENOMEM, "out of memory");
	}
	w->t.size = sizeof(w->t);
	if (o.thresholds) {
		r = dmri_copy_in(&w->t, sizeof(w->t), o.thresholds,
				 DMRI_THRESHOLDS_MIN_SIZE);
		if (r) {
			dmr_watch_free(w);
			return dmri_fail(ctx, r, "thresholds: %s",
					 r == -E2BIG ? "fields this library does not know are set" :
					 "size not set");
		}
	} else {
		dmr_thresholds_default(&w->t);
	}
	r = snapshot(ctx, name, &w->event_nr, &w->s);
	if (r == -ENXIO && !ctx->error[0])
		dmri_fail(ctx, ENXIO, "no dm-remap device named '%s'", name);
	if (r) {
		dmr_watch_free(w);
		return r;
	}
	b.w = w;
	b.s = &w->s;
	first_events(&b, o.flags & DMR_WATCH_APPEARED);
	r = done(&b, ev, n);
	if (r) {
		dmr_watch_free(w);
		return r;
	}
	*wp = w;
	return 0;
}

DMR_EXPORT int dmr_watch_wait(struct dmr_ctx *ctx, struct dmr_watch *w)
{
	dmri_clear(ctx);
	if (!w)
		return dmri_fail(ctx, EINVAL, "no watch");
	if (w->gone)
		return dmri_fail(ctx, ENXIO, "'%s' is gone", w->name);
	return dmri_dm_wait_event(ctx, w->name, w->event_nr);
}

DMR_EXPORT int dmr_watch_update(struct dmr_ctx *ctx, struct dmr_watch *w,
				struct dmr_event ***ev, size_t *n)
{
	struct build b = { .ctx = ctx, .w = w };
	struct snap s, old;
	uint32_t nr;
	int r;

	dmri_clear(ctx);
	if (!w || !ev || !n)
		return dmri_fail(ctx, EINVAL, "no watch or result pointers");
	*ev = NULL;
	*n = 0;
	if (w->gone)
		return 1;
	r = snapshot(ctx, w->name, &nr, &s);
	if (r == -ENXIO) {
		dmri_clear(ctx);
		w->gone = true;
		b.s = &w->s;
		ev1(&b, "removed", LOG_NOTICE, NULL, 0, "removed");
		r = done(&b, ev, n);
		return r ? r : 1;
	}
	if (r)
		return r;
	old = w->s;
	w->s = s;
	w->event_nr = nr;
	b.s = &w->s;
	if (s.major != old.major || s.minor != old.minor) {
		/* Removed and created again between two looks. */
		b.s = &old;
		ev1(&b, "removed", LOG_NOTICE, NULL, 0, "removed");
		b.s = &w->s;
		first_events(&b, true);
	} else {
		diff_events(&b, &old);
	}
	return done(&b, ev, n);
}

DMR_EXPORT void dmr_watch_free(struct dmr_watch *w)
{
	if (!w)
		return;
	free(w->name);
	free(w);
}

DMR_EXPORT void dmr_events_free(struct dmr_event **ev, size_t n)
{
	size_t i;

	if (!ev)
		return;
	for (i = 0; i < n; i++)
		free_event(ev[i]);
	free(ev);
}
