// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Health evaluation: a pure function of a status and thresholds (the rules
 * are documented with struct dmr_thresholds in dmremap.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dmr-internal.h"

static const char *const level_names[] = {
	[DMR_HEALTH_OK] = "ok",
	[DMR_HEALTH_WARNING] = "warning",
	[DMR_HEALTH_CRITICAL] = "critical",
	[DMR_HEALTH_UNKNOWN] = "unknown",
};

DMR_EXPORT const char *dmr_health_level_name(enum dmr_health_level l)
{
	if ((unsigned int)l >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[l];
}

/* The defaults of every field, in the library's layout. */
static void defaults(struct dmr_thresholds *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->spare_warn_pct = 80;
	t->spare_crit_pct = 95;
	t->pending_warn = 1;
	t->spare_errors_warn = 1;
}

DMR_EXPORT void dmr_thresholds_default(struct dmr_thresholds *t)
{
	struct dmr_thresholds def;
	size_t size;

	if (!t || t->size < sizeof(size_t))
		return;
	size = t->size;
	defaults(&def);
	if (size > sizeof(def)) {
		memset((char *)t + sizeof(def), 0, size - sizeof(def));
		size = sizeof(def);
	}
	memcpy(t, &def, size);
	t->size = size;
}

#define NR_REASONS_MAX 16

struct dmr_health {
	enum dmr_health_level level;
	unsigned int spare_used_pct;
	size_t nr_reasons;
	struct dmr_reason reasons[NR_REASONS_MAX];
	char *texts[NR_REASONS_MAX];
};

static void add(struct dmr_health *h, enum dmr_health_level level,
		const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct dmr_health *h, enum dmr_health_level level,
		const char *code, const char *fmt, ...)
{
	struct dmr_reason *r;
	va_list ap;
	int n;

	if (h->nr_reasons == NR_REASONS_MAX)
		return;
	r = &h->reasons[h->nr_reasons];
	va_start(ap, fmt);
	n = vasprintf(&h->texts[h->nr_reasons], fmt, ap);
	va_end(ap);
	if (n < 0)
		h->texts[h->nr_reasons] = NULL;
	r->size = sizeof(*r);
	r->level = level;
	r->code = code;
	r->text = h->texts[h->nr_reasons] ? h->texts[h->nr_reasons] : code;
	h->nr_reasons++;
	/* Unknown only for a placeholder; otherwise the highest level. */
	if (level > h->level)
		h->level = level;
}

unsigned int dmri_used_pct(const struct dmr_status *st)
{
	if (!st->spare_total || st->spare_used >= st->spare_total)
		return 100;
	return (unsigned int)((unsigned __int128)st->spare_used * 100 /
			      st->spare_total);
}

/* The smallest struct dmr_thresholds and dmr_status a caller may pass. */
#define THRESHOLDS_MIN_SIZE \
	(offsetof(struct dmr_thresholds, spare_errors_warn) + sizeof(uint64_t))

static void eval(const struct dmr_status *st, const struct dmr_thresholds *t,
		 struct dmr_health *h)
{
	bool v3 = st->status_version >= 3;
	unsigned int pct;

	h->level = DMR_HEALTH_OK;
	if (st->unreadable) {
		h->spare_used_pct = 0;
		add(h, DMR_HEALTH_UNKNOWN, "unreadable", "%s",
		    st->error[0] ? st->error : "the status could not be read");
		return;
	}
	pct = h->spare_used_pct = dmri_used_pct(st);

	if (v3 ? st->failure == DMR_FAILURE_METADATA :
		 st->kernel_health == DMR_KHEALTH_FAILED)
		add(h, DMR_HEALTH_CRITICAL, "metadata_failed",
		    "a metadata write failed: existing remaps are served, but no new ones are made and write errors are returned");
	if (v3 && st->failure == DMR_FAILURE_MAIN)
		add(h, DMR_HEALTH_CRITICAL, "main_failed",
		    "the failure budget is spent: main is taken as failed and its errors are returned");
	if (v3 && st->lost)
		add(h, DMR_HEALTH_CRITICAL, "blocks_lost",
		    "%" PRIu64 " block(s) lost: their remap could not be recorded and their I/O fails until the next activation",
		    st->lost);
	if (st->kernel_health == DMR_KHEALTH_EXHAUSTED ||
	    st->spare_used >= st->spare_total)
		add(h, DMR_HEALTH_CRITICAL, "spare_exhausted",
		    "no free spare block is left: write errors are returned");
	if (t->spare_crit_pct && pct >= t->spare_crit_pct)
		add(h, DMR_HEALTH_CRITICAL, "spare_usage",
		    "%u%% of the spare blocks are used (%" PRIu64 " of %" PRIu64 "; critical at %u%%)",
		    pct, st->spare_used, st->spare_total, t->spare_crit_pct);
	else if (t->spare_warn_pct && pct >= t->spare_warn_pct)
		add(h, DMR_HEALTH_WARNING, "spare_usage",
		    "%u%% of the spare blocks are used (%" PRIu64 " of %" PRIu64 "; warning at %u%%)",
		    pct, st->spare_used, st->spare_total, t->spare_warn_pct);
	if (t->remapped_crit && st->remapped >= t->remapped_crit)
		add(h, DMR_HEALTH_CRITICAL, "remapped_blocks",
		    "%" PRIu64 " blocks are remapped (critical at %" PRIu64 ")",
		    st->remapped, t->remapped_crit);
	else if (t->remapped_warn && st->remapped >= t->remapped_warn)
		add(h, DMR_HEALTH_WARNING, "remapped_blocks",
		    "%" PRIu64 " blocks are remapped (warning at %" PRIu64 ")",
		    st->remapped, t->remapped_warn);
	if (t->pending_warn && st->pending >= t->pending_warn)
		add(h, DMR_HEALTH_WARNING, "pending_blocks",
		    "%" PRIu64 " block(s) failed a read on main and are not remapped yet",
		    st->pending);
	if (t->spare_errors_warn && st->spare_errors >= t->spare_errors_warn)
		add(h, DMR_HEALTH_WARNING, "spare_errors",
		    "%" PRIu64 " read error(s) on the spare device", st->spare_errors);
	if (st->retired)
		add(h, DMR_HEALTH_WARNING, "spare_retired",
		    "%" PRIu64 " spare block(s) retired after failing", st->retired);
	if (t->protection_off_warn && !st->suppress)
		add(h, DMR_HEALTH_WARNING, "protection_off",
		    "suppress is off: write errors are returned instead of being remapped");
	if (st->kernel_health == DMR_KHEALTH_DEGRADED && !st->pending &&
	    !st->spare_errors && !st->retired)
		add(h, DMR_HEALTH_WARNING, "kernel_degraded",
		    "the kernel reports the device degraded");
}

DMR_EXPORT int dmr_health_eval(const struct dmr_status *st,
			       const struct dmr_thresholds *t,
			       struct dmr_health **h)
{
	struct dmr_thresholds th;
	struct dmr_status s;
	int r;

	if (!h)
		return -EINVAL;
	*h = NULL;
	if (!st || st->size < DMRI_STATUS_MIN_SIZE)
		return -EINVAL;
	/* What the status has; fields a newer caller added are ignored. */
	memset(&s, 0, sizeof(s));
	memcpy(&s, st, st->size < sizeof(s) ? st->size : sizeof(s));
	if (t) {
		r = dmri_copy_in(&th, sizeof(th), t, THRESHOLDS_MIN_SIZE);
		if (r)
			return r;
	} else {
		defaults(&th);
	}
	*h = calloc(1, sizeof(**h));
	if (!*h)
		return -ENOMEM;
	eval(&s, &th, *h);
	return 0;
}

DMR_EXPORT void dmr_health_free(struct dmr_health *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nr_reasons; i++)
		free(h->texts[i]);
	free(h);
}

DMR_EXPORT enum dmr_health_level dmr_health_level(const struct dmr_health *h)
{
	return h ? h->level : DMR_HEALTH_UNKNOWN;
}

DMR_EXPORT unsigned int dmr_health_spare_used_pct(const struct dmr_health *h)
{
	return h ? h->spare_used_pct : 0;
}

DMR_EXPORT size_t dmr_health_nr_reasons(const struct dmr_health *h)
{
	return h ? h->nr_reasons : 0;
}

DMR_EXPORT const struct dmr_reason *dmr_health_reason(const struct dmr_health *h,
						      size_t i)
{
	return h && i < h->nr_reasons ? &h->reasons[i] : NULL;
}
