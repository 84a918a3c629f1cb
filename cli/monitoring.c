// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl for monitoring systems: the Prometheus text exposition format
 * (status --prometheus, --textfile for node_exporter's textfile collector)
 * and the monitoring-plugins line of Nagios and Icinga (health --nagios).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

/* ------------------------------------------------------------ Prometheus */

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *key, const char *v, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void dev_label(FILE *f, const char *key, const struct dmr_dev_ref *d)
{
	char num[24];

	snprintf(num, sizeof(num), "%u:%u", d->major, d->minor);
	label(f, key, d->path[0] ? d->path : num, false);
}

/* {name="..",main="..",spare=".."[,extra="value"]} */
static void labels(FILE *f, const struct dmr_status *st, const char *extra,
		   const char *value)
{
	fputc('{', f);
	label(f, "name", st->name, true);
	dev_label(f, "main", &st->main);
	dev_label(f, "spare", &st->spare);
	if (extra)
		label(f, extra, value, false);
	fputc('}', f);
}

enum kind { GAUGE, COUNTER };

static void family(FILE *f, const char *name, enum kind k, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		k == COUNTER ? "counter" : "gauge");
}

/* What a metric reads from a status; false: no sample for this device. */
typedef bool (*value_fn)(const struct dmr_status *st,
			 const struct dmr_thresholds *t, double *v);

struct metric {
	const char *name;
	enum kind kind;
	const char *help;
	size_t off;		/* a uint64_t field, or (size_t)-1: @fn */
	value_fn fn;
	bool v3;		/* only from status format 3 on */
};

#define U64(field) offsetof(struct dmr_status, field), NULL
#define FN(fn) (size_t)-1, fn

static bool v_size(const struct dmr_status *st, const struct dmr_thresholds *t,
		   double *v)
{
	(void)t;
	*v = (double)st->length * 512;
	return true;
}

static bool v_ratio(const struct dmr_status *st, const struct dmr_thresholds *t,
		    double *v)
{
	(void)t;
	*v = st->spare_total ? (double)st->spare_used / (double)st->spare_total : 1;
	return true;
}

static bool v_suppress(const struct dmr_status *st,
		       const struct dmr_thresholds *t, double *v)
{
	(void)t;
	*v = st->suppress;
	return true;
}

static bool v_suspended(const struct dmr_status *st,
			const struct dmr_thresholds *t, double *v)
{
	(void)t;
	*v = st->suspended;
	return true;
}

static bool v_level(const struct dmr_status *st, const struct dmr_thresholds *t,
		    double *v)
{
	*v = ctl_level(st, t, NULL);
	return true;
}

static bool v_since(const struct dmr_status *st, const struct dmr_thresholds *t,
		    double *v)
{
	(void)t;
	*v = (double)st->counters_since;
	return true;
}

static bool v_taken(const struct dmr_status *st, const struct dmr_thresholds *t,
		    double *v)
{
	(void)t;
	*v = (double)st->taken;
	return true;
}

static const struct metric metrics[] = {
	{ "dmremap_size_bytes", GAUGE, "Size of the dm-remap device.", FN(v_size), false },
	{ "dmremap_block_size_bytes", GAUGE, "Block size (main's logical block size).",
	  U64(block_size), false },
	{ "dmremap_reads_total", COUNTER,
	  "Data bios mapped for reading since dmremap_counters_since_seconds.",
	  U64(reads), false },
	{ "dmremap_writes_total", COUNTER,
	  "Data bios mapped for writing since dmremap_counters_since_seconds.",
	  U64(writes), false },
	{ "dmremap_read_errors_total", COUNTER,
	  "Bios that failed a read on main or spare since dmremap_counters_since_seconds.",
	  U64(read_errors), false },
	{ "dmremap_write_errors_total", COUNTER,
	  "Bios that failed a write on main or spare since dmremap_counters_since_seconds.",
	  U64(write_errors), false },
	{ "dmremap_suppressed_write_errors_total", COUNTER,
	  "Failed writes completed successfully after remapping, since dmremap_counters_since_seconds.",
	  U64(errors_suppressed), false },
	{ "dmremap_spare_errors_total", COUNTER,
	  "Failed reads and writes of spare blocks since dmremap_counters_since_seconds.",
	  U64(spare_errors), false },
	{ "dmremap_remapped_blocks", GAUGE, "Main blocks now served from the spare.",
	  U64(remapped), false },
	{ "dmremap_pending_blocks", GAUGE,
	  "Main blocks that failed a read and are not remapped yet.", U64(pending), false },
	{ "dmremap_lost_blocks", GAUGE,
	  "Blocks whose remap could not be recorded: their I/O fails until the next activation.",
	  U64(lost), true },
	{ "dmremap_retired_spare_blocks", GAUGE, "Spare blocks never to be used again.",
	  U64(retired), false },
	{ "dmremap_spare_used_blocks", GAUGE, "Spare blocks handed out, retired ones included.",
	  U64(spare_used), false },
	{ "dmremap_spare_size_blocks", GAUGE, "Spare blocks in all.", U64(spare_total), false },
	{ "dmremap_spare_used_ratio", GAUGE, "Spare blocks used, 0 to 1.", FN(v_ratio), false },
	{ "dmremap_suppress_write_errors", GAUGE,
	  "1 if write errors are absorbed by remapping (suppress on), 0 if they are returned.",
	  FN(v_suppress), false },
	{ "dmremap_suspended", GAUGE, "1 if the device is suspended.", FN(v_suspended), false },
	{ "dmremap_health_level", GAUGE,
	  "dmremapctl health: 0 ok, 1 warning, 2 critical (with the thresholds given).",
	  FN(v_level), false },
	{ "dmremap_metadata_generation", GAUGE, "Generation of the last metadata commit.",
	  U64(metadata_generation), false },
	{ "dmremap_counters_since_seconds", GAUGE,
	  "When the counters started (table activation or clear_stats), seconds since the epoch.",
	  FN(v_since), true },
	{ "dmremap_status_time_seconds", GAUGE,
	  "When dmremapctl read this status, seconds since the epoch.", FN(v_taken), false },
};

/* A sample value: integers exactly, others as %.17g. */
static void value(FILE *f, double v)
{
	if (v == (double)(int64_t)v && v > -9007199254740992.0 && v < 9007199254740992.0)
		fprintf(f, " %" PRId64 "\n", (int64_t)v);
	else
		fprintf(f, " %.17g\n", v);
}

void ctl_prometheus(FILE *f, const struct dmr_status *const *st, size_t count,
		    const struct dmr_thresholds *t)
{
	static const char *const khealth[] = { "ok", "degraded", "exhausted", "failed" };
	static const char *const failures[] = { "none", "metadata", "main", "lost" };
	char ver[40];
	size_t i, m, k;
	double v;

	family(f, "dmremap_devices", GAUGE, "dm-remap devices reported in this file.");
	fprintf(f, "dmremap_devices %zu\n", count);
	if (!count)
		return;
	family(f, "dmremap_info", GAUGE,
	       "Identity of a dm-remap device (always 1): uuid, target and status format versions.");
	for (i = 0; i < count; i++) {
		snprintf(ver, sizeof(ver), "%u.%u.%u", st[i]->target_version[0],
			 st[i]->target_version[1], st[i]->target_version[2]);
		fputs("dmremap_info{", f);
		label(f, "name", st[i]->name, true);
		dev_label(f, "main", &st[i]->main);
		dev_label(f, "spare", &st[i]->spare);
		label(f, "uuid", st[i]->uuid, false);
		label(f, "target_version", ver, false);
		snprintf(ver, sizeof(ver), "%u", st[i]->status_version);
		label(f, "status_version", ver, false);
		fputc('}', f);
		value(f, 1);
	}
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		const struct metric *mt = &metrics[m];

		family(f, mt->name, mt->kind, mt->help);
		for (i = 0; i < count; i++) {
			if (mt->v3 && st[i]->status_version < 3)
				continue;
			if (mt->fn)
				mt->fn(st[i], t, &v);
			else
				v = (double)*(const uint64_t *)((const char *)st[i] + mt->off);
			fputs(mt->name, f);
			labels(f, st[i], NULL, NULL);
			value(f, v);
		}
	}
	family(f, "dmremap_kernel_health", GAUGE,
	       "1 for the kernel's health word of the device (ok, degraded, exhausted, failed), else 0.");
	for (i = 0; i < count; i++)
		for (k = 0; k < 4; k++) {
			fputs("dmremap_kernel_health", f);
			labels(f, st[i], "state", khealth[k]);
			value(f, (unsigned int)st[i]->kernel_health == k);
		}
	family(f, "dmremap_failure", GAUGE,
	       "1 for why the kernel's health is failed (none, metadata, main, lost), else 0.");
	for (i = 0; i < count; i++) {
		if (st[i]->status_version < 3)
			continue;
		for (k = 0; k < 4; k++) {
			fputs("dmremap_failure", f);
			labels(f, st[i], "reason", failures[k]);
			value(f, (unsigned int)st[i]->failure == k);
		}
	}
}

int ctl_write_atomic(struct ctl *c, const char *path, const char *text,
		     size_t len)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX * 2];
	size_t done = 0;
	ssize_t n;
	int fd, e;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	/* In the same directory (rename is atomic there), not named *.prom. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dir), basename(base));
	fd = mkstemp(tmp);
	if (fd < 0)
		return ctl_fail(c, errno == EACCES ? CTL_EXIT_PERM : CTL_EXIT_USAGE,
				"cannot write %s: %s", path, strerror(errno));
	while (done < len) {
		n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	e = done < len ? errno : 0;
	if (!e && (fchmod(fd, 0644) || fsync(fd)))
		e = errno;
	if (close(fd) && !e)
		e = errno;
	if (!e && rename(tmp, path))
		e = errno;
	if (e) {
		unlink(tmp);
		return ctl_fail(c, e == EACCES ? CTL_EXIT_PERM : CTL_EXIT_USAGE,
				"cannot write %s: %s", path, strerror(e ? e : EIO));
	}
	return CTL_EXIT_OK;
}

/* -------------------------------------------------------------- Nagios */

static const char *const states[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

/* Text for the status line: no '|' (it starts the perfdata), one line. */
static void plain(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '|' ? '/' : *s == '\n' ? ' ' : *s, f);
}

/* A perfdata label: 'NAME_what' ("'" and "=" in NAME become '_'). */
static void perf_label(FILE *f, const char *name, const char *what)
{
	fputs(" '", f);
	for (; *name; name++)
		fputc(*name == '\'' || *name == '=' ? '_' : *name, f);
	fprintf(f, "_%s'=", what);
}

/*
 * A threshold: our rules are "value >= N" on integers, the plugins' range
 * "N-1" alerts above N-1, i.e. from N on; empty when the rule is off.
 */
static void thr(FILE *f, uint64_t n)
{
	if (n)
		fprintf(f, "%" PRIu64, n - 1);
}

static void perfdata(FILE *f, const struct dmr_status *st,
		     const struct dmr_thresholds *t)
{
	struct dmr_health *h = NULL;

	if (st->unreadable)
		return;
	ctl_level(st, t, &h);
	perf_label(f, st->name, "spare_used");
	fprintf(f, "%u%%;", dmr_health_spare_used_pct(h));
	thr(f, t->spare_warn_pct);
	fputc(';', f);
	thr(f, t->spare_crit_pct);
	fputs(";0;100", f);
	perf_label(f, st->name, "remapped");
	fprintf(f, "%" PRIu64 ";", st->remapped);
	thr(f, t->remapped_warn);
	fputc(';', f);
	thr(f, t->remapped_crit);
	fprintf(f, ";0;%" PRIu64, st->spare_total);
	perf_label(f, st->name, "pending");
	fprintf(f, "%" PRIu64 ";", st->pending);
	thr(f, t->pending_warn);
	fputs(";;0;", f);
	if (st->status_version >= 3) {
		perf_label(f, st->name, "lost");
		fprintf(f, "%" PRIu64 ";;0;0;", st->lost);
	}
	perf_label(f, st->name, "spare_errors");
	fprintf(f, "%" PRIu64 ";", st->spare_errors);
	thr(f, t->spare_errors_warn);
	fputs(";;0;", f);
	dmr_health_free(h);
}

void ctl_nagios(FILE *f, const struct dmr_status *const *st, size_t count,
		const struct dmr_thresholds *t, int level, const char *msg)
{
	struct dmr_health *h;
	size_t i, k;
	int l;

	if (level < 0 || level > 3)
		level = DMR_HEALTH_UNKNOWN;
	fprintf(f, "DMREMAP %s - ", states[level]);
	if (!count) {
		plain(f, msg ? msg : "no dm-remap devices");
		fputc('\n', f);
		return;
	}
	for (i = 0; i < count; i++) {
		h = NULL;
		l = ctl_level(st[i], t, &h);
		fprintf(f, "%s", i ? "; " : "");
		plain(f, st[i]->name);
		fprintf(f, " %s", dmr_health_level_name(l));
		for (k = 0; k < dmr_health_nr_reasons(h); k++) {
			fputs(k ? ", " : ": ", f);
			plain(f, dmr_health_reason(h, k)->text);
		}
		dmr_health_free(h);
	}
	fputs(" |", f);
	for (i = 0; i < count; i++)
		perfdata(f, st[i], t);
	fputc('\n', f);
}
