// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl status and health.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "ctl.h"

/* The devices a status/health call is about. */
struct devs {
	struct dmr_status *st;
	size_t count;
	enum dmr_health_level worst;	/* health: unknown if one was unreadable */
};

static bool is_missing(int r)
{
	return r == -ENOENT || r == -ENXIO || r == -ENODEV;
}

/*
 * Statuses of the named devices, or of every dm-remap device if none is
 * named.  With @tolerant (health), a named device that cannot be read is
 * reported on stderr and makes the result unknown; otherwise it fails.
 * health also needs the target loaded (a host without it is unknown);
 * for status, a host without it simply has no dm-remap device.
 */
static int gather(struct ctl *c, char **names, int n, bool tolerant,
		  struct devs *d)
{
	unsigned int version[3];
	char **all = NULL;
	size_t count = 0, i;
	int code, r;

	d->st = NULL;
	d->count = 0;
	d->worst = DMR_HEALTH_OK;
	if (!ctl_ctx(c, &code))
		return tolerant ? DMR_HEALTH_UNKNOWN : code;
	if (tolerant) {
		r = dmr_target_version(c->ctx, version);
		if (r) {
			ctl_lib_fail(c, r);
			return DMR_HEALTH_UNKNOWN;
		}
	}
	if (!n) {
		r = dmr_list(c->ctx, &all, &count);
		if (r) {
			code = ctl_lib_fail(c, r);
			return tolerant ? DMR_HEALTH_UNKNOWN : code;
		}
		names = all;
	} else {
		count = (size_t)n;
	}
	d->st = calloc(count ? count : 1, sizeof(*d->st));
	if (!d->st) {
		if (all)
			dmr_names_free(all, count);
		return ctl_fail(c, tolerant ? DMR_HEALTH_UNKNOWN : CTL_EXIT_NOMEM,
				"out of memory");
	}
	code = CTL_EXIT_OK;
	for (i = 0; i < count; i++) {
		r = dmr_status(c->ctx, names[i], &d->st[d->count]);
		if (!r) {
			d->count++;
		} else if (all && is_missing(r)) {
			continue;	/* removed since it was listed */
		} else if (tolerant) {
			ctl_lib_fail(c, r);
			d->worst = DMR_HEALTH_UNKNOWN;
		} else {
			code = ctl_lib_fail(c, r);
			break;
		}
	}
	if (all)
		dmr_names_free(all, count);
	if (code) {
		free(d->st);
		d->st = NULL;
	}
	return code;
}

static void print_health_reasons(struct ctl *c, const struct dmr_health *h)
{
	unsigned int i;

	for (i = 0; i < h->nr_reasons && i < DMR_MAX_REASONS; i++)
		ctl_kv(c, "", "%s: %s", dmr_health_level_name(h->reasons[i].level),
		       h->reasons[i].text);
}

static void print_status(struct ctl *c, const struct dmr_status *st,
			 const struct dmr_thresholds *t)
{
	char size[32];
	struct dmr_health h;

	dmr_health_eval(st, t, &h);
	fprintf(c->out, "%s\n", st->name);
	ctl_kv(c, "device", "/dev/mapper/%s (%u:%u), %s", st->name, st->dm_major,
	       st->dm_minor, st->suspended ? "suspended" : "active");
	ctl_kv(c, "main", "%s (%u:%u)", st->main.path[0] ? st->main.path : "?",
	       st->main.major, st->main.minor);
	ctl_kv(c, "spare", "%s (%u:%u)", st->spare.path[0] ? st->spare.path : "?",
	       st->spare.major, st->spare.minor);
	ctl_kv(c, "size", "%s (%" PRIu64 " sectors from sector %" PRIu64
	       "), %" PRIu32 "-byte blocks", ctl_size(size, sizeof(size), st->length * 512),
	       st->length, st->start, st->block_size);
	ctl_kv(c, "suppress", "%s", st->suppress ? "on (write errors are remapped)" :
	       "off (write errors are returned)");
	ctl_kv(c, "health", "%s (kernel: %s)", dmr_health_level_name(h.level),
	       dmr_kernel_health_name(st->kernel_health));
	print_health_reasons(c, &h);
	ctl_kv(c, "remapped", "%" PRIu64 " blocks", st->remapped);
	ctl_kv(c, "pending", "%" PRIu64 " blocks", st->pending);
	ctl_kv(c, "spare blocks", "%" PRIu64 " used of %" PRIu64 " (%u %%), %"
	       PRIu64 " retired", st->spare_used, st->spare_total,
	       h.spare_used_pct, st->retired);
	ctl_kv(c, "reads", "%" PRIu64, st->reads);
	ctl_kv(c, "writes", "%" PRIu64, st->writes);
	ctl_kv(c, "read errors", "%" PRIu64, st->read_errors);
	ctl_kv(c, "write errors", "%" PRIu64 " (%" PRIu64 " suppressed by remapping)",
	       st->write_errors, st->errors_suppressed);
	ctl_kv(c, "spare errors", "%" PRIu64, st->spare_errors);
	ctl_kv(c, "metadata", "generation %" PRIu64 ", spare blocks from sector %"
	       PRIu64, st->metadata_generation, st->spare_start);
	ctl_kv(c, "uuid", "%s", st->uuid[0] ? st->uuid : "(none)");
	ctl_kv(c, "target", "remap %u.%u.%u, status format %u",
	       st->target_version[0], st->target_version[1],
	       st->target_version[2], st->status_version);
}

static bool thresholds_ok(struct ctl *c, const struct dmr_thresholds *t)
{
	/* 0 turns a threshold off. */
	if (!t->spare_warn_pct || !t->spare_crit_pct ||
	    t->spare_warn_pct <= t->spare_crit_pct)
		return true;
	ctl_usage_fail(c, "--warn-spare %u is above --crit-spare %u",
		       t->spare_warn_pct, t->spare_crit_pct);
	return false;
}

/*
 * The arguments of status and health: device names (default: all) and the
 * spare thresholds.  True with the devices read into @d; false when the
 * command must stop, with *code its exit status (0 after --help).
 */
static bool read_devices(struct ctl *c, int argc, char **argv, bool tolerant,
			 struct dmr_thresholds *t, struct devs *d, int *code)
{
	struct ctl_opt opts[] = {
		{ "--warn-spare", CTL_OPT_PERCENT, &t->spare_warn_pct, false },
		{ "--crit-spare", CTL_OPT_PERCENT, &t->spare_crit_pct, false },
		{ NULL, 0, NULL, false }
	};
	int n;

	dmr_thresholds_default(t);
	n = ctl_args(c, argc, argv, opts, 0, -1, code);
	if (n < 0)
		return false;
	if (!thresholds_ok(c, t)) {
		*code = c->cmd->usage_exit;
		return false;
	}
	*code = gather(c, argv + 1, n, tolerant, d);
	return *code == CTL_EXIT_OK;
}

static int status(struct ctl *c, int argc, char **argv)
{
	struct dmr_thresholds t;
	struct devs d;
	char *json = NULL;
	size_t i;
	int code, r;

	if (!read_devices(c, argc, argv, false, &t, &d, &code))
		return code;
	if (c->json) {
		r = dmr_json_status(c->ctx, d.st, d.count, &t, c->pretty, &json);
		code = ctl_print_json(c, r, json, CTL_EXIT_OK);
	} else if (!d.count) {
		fputs("no dm-remap devices\n", c->out);
	} else {
		for (i = 0; i < d.count; i++) {
			if (i)
				fputc('\n', c->out);
			print_status(c, &d.st[i], &t);
		}
	}
	free(d.st);
	return code;
}

#define THRESHOLD_HELP							\
	"  --warn-spare PCT  spare use (percent of spare blocks) that is a\n"	\
	"                    warning (default 80; 0 turns it off)\n"		\
	"  --crit-spare PCT  spare use that is critical (default 95; 0 turns it\n"	\
	"                    off); an exhausted spare or failed metadata is\n"	\
	"                    always critical\n"

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.usage = "[NAME...] [--json [--pretty]] [--warn-spare PCT] [--crit-spare PCT]",
	.summary = "show the state and counters of dm-remap devices (default: all)",
	.help = "  --json            the JSON document of dmremapctl(8)\n"
		"  --pretty          indent the JSON\n"
		THRESHOLD_HELP,
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = status,
};

/*
 * The worse of two levels in monitoring-plugins' order (max_state()):
 * critical, warning, unknown, ok.  An unreadable device (unknown) must not
 * hide an exhausted spare (critical) on another.
 */
static int worse(int a, int b)
{
	static const int rank[] = {
		[DMR_HEALTH_OK] = 0, [DMR_HEALTH_UNKNOWN] = 1,
		[DMR_HEALTH_WARNING] = 2, [DMR_HEALTH_CRITICAL] = 3,
	};

	return rank[b] > rank[a] ? b : a;
}

static int health(struct ctl *c, int argc, char **argv)
{
	struct dmr_thresholds t;
	struct dmr_health h;
	struct devs d;
	char *json = NULL;
	size_t i;
	unsigned int k;
	int code, r;

	if (!read_devices(c, argc, argv, true, &t, &d, &code))
		return code;
	code = d.worst;
	for (i = 0; i < d.count; i++) {
		dmr_health_eval(&d.st[i], &t, &h);
		code = worse(code, h.level);
		if (c->json)
			continue;
		fprintf(c->out, "%s: %s", d.st[i].name, dmr_health_level_name(h.level));
		for (k = 0; k < h.nr_reasons && k < DMR_MAX_REASONS; k++)
			fprintf(c->out, "%s%s", k ? "; " : " - ", h.reasons[k].text);
		fputc('\n', c->out);
	}
	if (c->json) {
		/* The document carries the exit status: known by now. */
		r = dmr_json_status(c->ctx, d.st, d.count, &t, c->pretty, &json);
		if (ctl_print_json(c, r, json, code))
			code = worse(code, DMR_HEALTH_UNKNOWN);
	} else if (!d.count && code == DMR_HEALTH_OK) {
		fputs("no dm-remap devices\n", c->out);
	}
	free(d.st);
	return code;
}

const struct ctl_cmd ctl_cmd_health = {
	.name = "health",
	.usage = "[NAME...] [--json [--pretty]] [--warn-spare PCT] [--crit-spare PCT]",
	.summary = "check dm-remap devices; exit 0 ok, 1 warning, 2 critical, 3 unknown",
	.help = "One line per device: 'NAME: LEVEL - reasons'.  The exit status is\n"
		"the worst level of all devices, in the order critical, warning,\n"
		"unknown, ok; a device that cannot be read is unknown (3), and so is\n"
		"a usage error.\n"
		"  --json            the status JSON document, with each device's health\n"
		"  --pretty          indent the JSON\n"
		THRESHOLD_HELP,
	.json = true,
	.usage_exit = DMR_HEALTH_UNKNOWN,
	.run = health,
};
