// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl status and health (and list's JSON): the devices, their
 * thresholds, and the outputs: text, JSON, Prometheus, Nagios.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static bool is_missing(int r)
{
	return r == -ENOENT || r == -ENXIO || r == -ENODEV;
}

void ctl_devs_free(struct ctl_devs *d)
{
	free(d->st);
	free(d->ptr);
	d->st = NULL;
	d->ptr = NULL;
	d->count = 0;
}

/* Room for one more status, its size set; NULL when memory is short. */
static struct dmr_status *next_status(struct ctl_devs *d, size_t cap)
{
	if (!d->st) {
		d->st = calloc(cap ? cap : 1, sizeof(*d->st));
		d->ptr = calloc(cap ? cap : 1, sizeof(*d->ptr));
		if (!d->st || !d->ptr)
			return NULL;
	}
	d->st[d->count].size = sizeof(d->st[0]);
	return &d->st[d->count];
}

int ctl_gather(struct ctl *c, char **names, int n, bool tolerant,
	       struct ctl_devs *d)
{
	unsigned int version[3];
	struct dmr_status *st;
	char **all = NULL;
	size_t count = 0, i;
	int code, r;

	memset(d, 0, sizeof(*d));
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
	code = CTL_EXIT_OK;
	for (i = 0; i < count; i++) {
		st = next_status(d, count);
		if (!st) {
			code = ctl_fail(c, tolerant ? DMR_HEALTH_UNKNOWN :
					CTL_EXIT_NOMEM, "out of memory");
			break;
		}
		r = dmr_status(c->ctx, names[i], st);
		if (!r) {
			d->ptr[d->count] = st;
			d->count++;
		} else if (all && is_missing(r)) {
			continue;	/* removed since it was listed */
		} else if (tolerant) {
			/* Kept as a placeholder: unknown in every output. */
			ctl_lib_fail(c, r);
			d->ptr[d->count] = st;
			d->count++;
			d->worst = DMR_HEALTH_UNKNOWN;
		} else {
			code = ctl_lib_fail(c, r);
			break;
		}
	}
	if (all)
		dmr_names_free(all, count);
	if (code)
		ctl_devs_free(d);
	return code;
}

/* The level of a status, or unknown when it cannot be evaluated. */
int ctl_level(const struct dmr_status *st, const struct dmr_thresholds *t,
	      struct dmr_health **hp)
{
	struct dmr_health *h = NULL;
	int level;

	if (dmr_health_eval(st, t, &h))
		return DMR_HEALTH_UNKNOWN;
	level = dmr_health_level(h);
	if (hp)
		*hp = h;
	else
		dmr_health_free(h);
	return level;
}

static void print_health_reasons(struct ctl *c, const struct dmr_health *h)
{
	size_t i;

	for (i = 0; i < dmr_health_nr_reasons(h); i++) {
		const struct dmr_reason *r = dmr_health_reason(h, i);

		ctl_kv(c, "", "%s: %s", dmr_health_level_name(r->level), r->text);
	}
}

static void print_status(struct ctl *c, const struct dmr_status *st,
			 const struct dmr_thresholds *t)
{
	char size[32], since[32];
	struct dmr_health *h = NULL;
	int level = ctl_level(st, t, &h);

	fprintf(c->out, "%s\n", st->name);
	ctl_kv(c, "device", "/dev/mapper/%s (%u:%u), %s", st->name, st->dm.major,
	       st->dm.minor, st->suspended ? "suspended" : "active");
	ctl_kv(c, "main", "%s (%u:%u)", st->main.path[0] ? st->main.path : "?",
	       st->main.major, st->main.minor);
	ctl_kv(c, "spare", "%s (%u:%u)", st->spare.path[0] ? st->spare.path : "?",
	       st->spare.major, st->spare.minor);
	ctl_kv(c, "size", "%s (%" PRIu64 " sectors from sector %" PRIu64
	       "), %" PRIu64 "-byte blocks", ctl_size(size, sizeof(size), st->length * 512),
	       st->length, st->start, st->block_size);
	ctl_kv(c, "suppress", "%s", st->suppress ? "on (write errors are remapped)" :
	       "off (write errors are returned)");
	if (st->status_version >= 3 && st->failure != DMR_FAILURE_NONE)
		ctl_kv(c, "health", "%s (kernel: %s, failure %s)",
		       dmr_health_level_name(level),
		       dmr_kernel_health_name(st->kernel_health),
		       dmr_failure_name(st->failure));
	else
		ctl_kv(c, "health", "%s (kernel: %s)", dmr_health_level_name(level),
		       dmr_kernel_health_name(st->kernel_health));
	print_health_reasons(c, h);
	ctl_kv(c, "remapped", "%" PRIu64 " blocks", st->remapped);
	ctl_kv(c, "pending", "%" PRIu64 " blocks", st->pending);
	if (st->status_version >= 3)
		ctl_kv(c, "lost", "%" PRIu64 " blocks", st->lost);
	ctl_kv(c, "spare blocks", "%" PRIu64 " used of %" PRIu64 " (%u %%), %"
	       PRIu64 " retired", st->spare_used, st->spare_total,
	       dmr_health_spare_used_pct(h), st->retired);
	ctl_kv(c, "reads", "%" PRIu64, st->reads);
	ctl_kv(c, "writes", "%" PRIu64, st->writes);
	ctl_kv(c, "read errors", "%" PRIu64, st->read_errors);
	ctl_kv(c, "write errors", "%" PRIu64 " (%" PRIu64 " suppressed by remapping)",
	       st->write_errors, st->errors_suppressed);
	ctl_kv(c, "spare errors", "%" PRIu64, st->spare_errors);
	if (st->status_version >= 3)
		ctl_kv(c, "counters since", "%s",
		       ctl_time(since, sizeof(since), st->counters_since));
	ctl_kv(c, "metadata", "generation %" PRIu64 ", spare blocks from sector %"
	       PRIu64, st->metadata_generation, st->spare_start);
	ctl_kv(c, "uuid", "%s", st->uuid[0] ? st->uuid : "(none)");
	ctl_kv(c, "target", "remap %u.%u.%u, status format %u",
	       st->target_version[0], st->target_version[1],
	       st->target_version[2], st->status_version);
	dmr_health_free(h);
}

static bool thresholds_ok(struct ctl *c, const struct dmr_thresholds *t)
{
	/* 0 turns a threshold off. */
	if (t->spare_warn_pct && t->spare_crit_pct &&
	    t->spare_warn_pct > t->spare_crit_pct) {
		ctl_usage_fail(c, "--warn-spare %u is above --crit-spare %u",
			       t->spare_warn_pct, t->spare_crit_pct);
		return false;
	}
	if (t->remapped_warn && t->remapped_crit &&
	    t->remapped_warn > t->remapped_crit) {
		ctl_usage_fail(c, "--warn-remapped %" PRIu64 " is above --crit-remapped %" PRIu64,
			       t->remapped_warn, t->remapped_crit);
		return false;
	}
	return true;
}

/* What status and health can print instead of text. */
struct outputs {
	bool prometheus, nagios;
	const char *textfile;
};

/*
 * The arguments of status and health: device names (default: all) and the
 * thresholds.  True with the devices read into @d; false when the command
 * must stop, with *code its exit status (0 after --help).
 */
static bool read_devices(struct ctl *c, int argc, char **argv, bool tolerant,
			 struct dmr_thresholds *t, struct outputs *o,
			 struct ctl_devs *d, int *code)
{
	struct ctl_opt opts[] = {
		{ "--warn-spare", CTL_OPT_PERCENT, &t->spare_warn_pct, false },
		{ "--crit-spare", CTL_OPT_PERCENT, &t->spare_crit_pct, false },
		{ "--warn-remapped", CTL_OPT_U64, &t->remapped_warn, false },
		{ "--crit-remapped", CTL_OPT_U64, &t->remapped_crit, false },
		{ "--warn-protection-off", CTL_OPT_FLAG, &t->protection_off_warn, false },
		{ tolerant ? "--nagios" : "--prometheus", CTL_OPT_FLAG,
		  tolerant ? &o->nagios : &o->prometheus, false },
		{ tolerant ? NULL : "--textfile", CTL_OPT_STRING, &o->textfile, false },
		{ NULL, 0, NULL, false }
	};
	int n;

	memset(d, 0, sizeof(*d));
	t->size = sizeof(*t);
	dmr_thresholds_default(t);
	n = ctl_args(c, argc, argv, opts, 0, -1, code);
	if (n < 0)
		return false;
	if (o->textfile)
		o->prometheus = true;
	if ((o->prometheus || o->nagios) && c->json) {
		*code = ctl_usage_fail(c, "--json and --%s exclude each other",
				       o->nagios ? "nagios" : "prometheus");
		return false;
	}
	if (o->textfile && !o->textfile[0]) {
		*code = ctl_usage_fail(c, "--textfile needs a file name");
		return false;
	}
	if (!thresholds_ok(c, t)) {
		*code = c->cmd->usage_exit;
		return false;
	}
	*code = ctl_gather(c, argv + 1, n, tolerant, d);
	return *code == CTL_EXIT_OK;
}

int ctl_json_statuses(struct ctl *c, const struct ctl_devs *d,
		      const struct dmr_thresholds *t, int code)
{
	struct ctl_counted k;
	FILE *f = ctl_count_begin(c, &k);
	int r = dmr_json_status(c->ctx, (const struct dmr_status *const *)d->ptr,
				d->count, t, ctl_json_flags(c), f);

	return ctl_finish_json(c, r, code, ctl_count_end(&k));
}

static int prometheus(struct ctl *c, const struct ctl_devs *d,
		      const struct dmr_thresholds *t, const char *textfile)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int code;

	if (!textfile) {
		ctl_prometheus(c->out, (const struct dmr_status *const *)d->ptr,
			       d->count, t);
		return CTL_EXIT_OK;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return ctl_fail(c, CTL_EXIT_NOMEM, "out of memory");
	ctl_prometheus(f, (const struct dmr_status *const *)d->ptr, d->count, t);
	if (fclose(f)) {
		free(text);
		return ctl_fail(c, CTL_EXIT_NOMEM, "out of memory");
	}
	code = ctl_write_atomic(c, textfile, text, len);
	free(text);
	return code;
}

static int status(struct ctl *c, int argc, char **argv)
{
	struct dmr_thresholds t;
	struct outputs o = { 0 };
	struct ctl_devs d;
	size_t i;
	int code;

	if (!read_devices(c, argc, argv, false, &t, &o, &d, &code))
		return code;
	if (c->json) {
		code = ctl_json_statuses(c, &d, &t, CTL_EXIT_OK);
	} else if (o.prometheus) {
		code = prometheus(c, &d, &t, o.textfile);
	} else if (!d.count) {
		fputs("no dm-remap devices\n", c->out);
	} else {
		for (i = 0; i < d.count; i++) {
			if (i)
				fputc('\n', c->out);
			print_status(c, d.ptr[i], &t);
		}
	}
	ctl_devs_free(&d);
	return code;
}

#define THRESHOLD_HELP							\
	"  --warn-spare PCT  spare use (percent of spare blocks) that is a\n"	\
	"                    warning (default 80; 0 turns it off)\n"		\
	"  --crit-spare PCT  spare use that is critical (default 95; 0 turns it\n"	\
	"                    off); an exhausted spare, failed metadata or main,\n"	\
	"                    or lost blocks are always critical\n"		\
	"  --warn-remapped N, --crit-remapped N\n"				\
	"                    remapped blocks that are a warning, critical (default\n"	\
	"                    off): a disk that keeps failing is reported long\n"	\
	"                    before its spare is full\n"				\
	"  --warn-protection-off  warn when suppress is off (write errors are\n"	\
	"                    returned instead of being remapped)\n"

const struct ctl_cmd ctl_cmd_status = {
	.name = "status",
	.usage = "[NAME...] [--json [--pretty] | --prometheus [--textfile PATH]] [THRESHOLDS]",
	.summary = "show the state and counters of dm-remap devices (default: all)",
	.help = "  --json            the JSON document of dmremapctl(8)\n"
		"  --pretty          indent the JSON\n"
		"  --prometheus      the Prometheus text format (node_exporter's textfile\n"
		"                    collector)\n"
		"  --textfile PATH   write that to PATH atomically (a temporary file in\n"
		"                    its directory, then rename), e.g.\n"
		"                    /var/lib/prometheus/node-exporter/dmremap.prom\n"
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
int ctl_worse(int a, int b)
{
	static const int rank[] = {
		[DMR_HEALTH_OK] = 0, [DMR_HEALTH_UNKNOWN] = 1,
		[DMR_HEALTH_WARNING] = 2, [DMR_HEALTH_CRITICAL] = 3,
	};

	if (a < 0 || a > 3)
		a = DMR_HEALTH_UNKNOWN;
	if (b < 0 || b > 3)
		b = DMR_HEALTH_UNKNOWN;
	return rank[b] > rank[a] ? b : a;
}

static int health(struct ctl *c, int argc, char **argv)
{
	struct dmr_thresholds t;
	struct outputs o = { 0 };
	struct dmr_health *h;
	struct ctl_devs d;
	size_t i, k;
	int code, level;

	if (!read_devices(c, argc, argv, true, &t, &o, &d, &code)) {
		if (o.nagios && code && !c->json_asked)	/* the one line a monitor reads */
			ctl_nagios(c->out, NULL, 0, &t, ctl_worse(code, DMR_HEALTH_UNKNOWN),
				   c->nmsgs ? c->msgs[0] : NULL);
		return code;
	}
	code = d.worst;
	for (i = 0; i < d.count; i++) {
		h = NULL;
		level = ctl_level(d.ptr[i], &t, &h);
		code = ctl_worse(code, level);
		if (!c->json && !o.nagios) {
			fprintf(c->out, "%s: %s", d.ptr[i]->name,
				dmr_health_level_name(level));
			for (k = 0; k < dmr_health_nr_reasons(h); k++)
				fprintf(c->out, "%s%s", k ? "; " : " - ",
					dmr_health_reason(h, k)->text);
			fputc('\n', c->out);
		}
		dmr_health_free(h);
	}
	if (c->json) {
		/* The document carries the exit status: known by now. */
		level = ctl_json_statuses(c, &d, &t, code);
		if (level != code)
			code = ctl_worse(code, DMR_HEALTH_UNKNOWN);
	} else if (o.nagios) {
		ctl_nagios(c->out, (const struct dmr_status *const *)d.ptr, d.count,
			   &t, code, NULL);
	} else if (!d.count && code == DMR_HEALTH_OK) {
		fputs("no dm-remap devices\n", c->out);
	}
	ctl_devs_free(&d);
	return code;
}

const struct ctl_cmd ctl_cmd_health = {
	.name = "health",
	.usage = "[NAME...] [--json [--pretty] | --nagios] [THRESHOLDS]",
	.summary = "check dm-remap devices; exit 0 ok, 1 warning, 2 critical, 3 unknown",
	.help = "One line per device: 'NAME: LEVEL - reasons'.  The exit status is\n"
		"the worst level of all devices, in the order critical, warning,\n"
		"unknown, ok; a device that cannot be read is unknown (3), and so is\n"
		"a usage error.\n"
		"  --json            the status JSON document, with each device's health\n"
		"                    (a device that cannot be read has level unknown)\n"
		"  --pretty          indent the JSON\n"
		"  --nagios          one line for Nagios/Icinga: 'DMREMAP STATE - text |\n"
		"                    perfdata' (monitoring-plugins conventions)\n"
		THRESHOLD_HELP,
	.json = true,
	.usage_exit = DMR_HEALTH_UNKNOWN,
	.run = health,
};
