// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Health evaluation: a pure function of a status and thresholds (the rules
 * are documented with struct dmr_thresholds in dmremap.h).
 */
#include <inttypes.h>
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

DMR_EXPORT void dmr_thresholds_default(struct dmr_thresholds *t)
{
	t->spare_warn_pct = 80;
	t->spare_crit_pct = 95;
	t->pending_warn = 1;
	t->spare_errors_warn = 1;
}

static void add(struct dmr_health *h, enum dmr_health_level level,
		const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct dmr_health *h, enum dmr_health_level level,
		const char *code, const char *fmt, ...)
{
	va_list ap;

	if (h->nr_reasons == DMR_MAX_REASONS)
		return;
	h->reasons[h->nr_reasons].level = level;
	snprintf(h->reasons[h->nr_reasons].code,
		 sizeof(h->reasons[0].code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(h->reasons[h->nr_reasons].text,
		  sizeof(h->reasons[0].text), fmt, ap);
	va_end(ap);
	h->nr_reasons++;
	if (level > h->level)
		h->level = level;
}

/* Percentage of spare blocks used, rounded down, at most 100. */
static unsigned int used_pct(const struct dmr_status *st)
{
	if (!st->spare_total || st->spare_used >= st->spare_total)
		return 100;
	return (unsigned int)((unsigned __int128)st->spare_used * 100 /
			      st->spare_total);
}

DMR_EXPORT void dmr_health_eval(const struct dmr_status *st,
				const struct dmr_thresholds *t,
				struct dmr_health *h)
{
	struct dmr_thresholds def;
	unsigned int pct;

	if (!t) {
		dmr_thresholds_default(&def);
		t = &def;
	}
	memset(h, 0, sizeof(*h));
	h->level = DMR_HEALTH_OK;
	pct = h->spare_used_pct = used_pct(st);

	if (st->kernel_health == DMR_KHEALTH_FAILED)
		add(h, DMR_HEALTH_CRITICAL, "metadata_failed",
		    "a metadata write failed: existing remaps are served, but no new ones are made and write errors are returned");
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
	if (st->kernel_health == DMR_KHEALTH_DEGRADED && !st->pending &&
	    !st->spare_errors && !st->retired)
		add(h, DMR_HEALTH_WARNING, "kernel_degraded",
		    "the kernel reports the device degraded");
}
