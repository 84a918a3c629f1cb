// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_status: the table line, the v2+ status line and the `stats` reply of
 * a dm-remap device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

/* The fields of status format version 2 after the version itself. */
#define STATUS_V2_FIELDS 13

static const char *const khealth_names[] = {
	[DMR_KHEALTH_OK] = "ok",
	[DMR_KHEALTH_DEGRADED] = "degraded",
	[DMR_KHEALTH_EXHAUSTED] = "exhausted",
	[DMR_KHEALTH_FAILED] = "failed",
};

DMR_EXPORT const char *dmr_kernel_health_name(enum dmr_kernel_health h)
{
	if ((unsigned int)h >= sizeof(khealth_names) / sizeof(khealth_names[0]))
		return "unknown";
	return khealth_names[h];
}

static int parse_khealth(const char *w, size_t n, enum dmr_kernel_health *h)
{
	unsigned int i;

	for (i = 0; i < sizeof(khealth_names) / sizeof(khealth_names[0]); i++) {
		if (dmri_word_is(w, n, khealth_names[i])) {
			*h = (enum dmr_kernel_health)i;
			return 0;
		}
	}
	return -EPROTO;
}

DMR_EXPORT int dmr_parse_status_line(struct dmr_ctx *ctx, const char *line,
				     struct dmr_status *st)
{
	static const char *const names[] = {
		"reads", "writes", "read_errors", "write_errors", "remapped",
		"pending", "spare_used", "spare_total", "retired",
		"errors_suppressed", "spare_errors",
	};
	uint64_t *const fields[] = {
		&st->reads, &st->writes, &st->read_errors, &st->write_errors,
		&st->remapped, &st->pending, &st->spare_used, &st->spare_total,
		&st->retired, &st->errors_suppressed, &st->spare_errors,
	};
	uint64_t v[11], version;
	enum dmr_kernel_health health;
	const char *p = line, *w;
	bool suppress;
	unsigned int i;
	size_t n;

	dmri_clear(ctx);
	if (!line || !st)
		return dmri_fail(ctx, EINVAL, "no status line");
	n = dmri_next_word(&p, &w);
	if (!n)
		return dmri_fail(ctx, EPROTO, "empty status line");
	if (dmri_parse_u64(w, n, &version) || version > UINT32_MAX)
		return dmri_fail(ctx, EPROTO, "bad status version '%.*s'",
				 (int)n, w);
	if (version < 2)
		return dmri_fail(ctx, EPROTO,
				 "status format version %llu is too old (need 2 or later)",
				 (unsigned long long)version);
	for (i = 0; i < 11; i++) {
		n = dmri_next_word(&p, &w);
		if (!n)
			return dmri_fail(ctx, EPROTO,
					 "status line too short: no '%s' field",
					 names[i]);
		if (dmri_parse_u64(w, n, &v[i]))
			return dmri_fail(ctx, EPROTO,
					 "bad '%s' field in status line: '%.*s'",
					 names[i], (int)n, w);
	}
	n = dmri_next_word(&p, &w);
	if (!n)
		return dmri_fail(ctx, EPROTO,
				 "status line too short: no 'suppress' field");
	if (dmri_word_is(w, n, "on"))
		suppress = true;
	else if (dmri_word_is(w, n, "off"))
		suppress = false;
	else
		return dmri_fail(ctx, EPROTO,
				 "bad 'suppress' field in status line: '%.*s'",
				 (int)n, w);
	n = dmri_next_word(&p, &w);
	if (!n)
		return dmri_fail(ctx, EPROTO,
				 "status line too short: no 'health' field");
	if (parse_khealth(w, n, &health))
		return dmri_fail(ctx, EPROTO,
				 "bad 'health' field in status line: '%.*s'",
				 (int)n, w);
	/* Version 2 has exactly these fields; later ones append more. */
	if (version == 2 && dmri_next_word(&p, &w))
		return dmri_fail(ctx, EPROTO,
				 "unexpected field '%s' after a version 2 status line",
				 w);

	st->status_version = (unsigned int)version;
	for (i = 0; i < 11; i++)
		*fields[i] = v[i];
	st->suppress = suppress;
	st->kernel_health = health;
	return 0;
}

int dmri_parse_table_params(struct dmr_ctx *ctx, const char *params,
			    struct dmr_status *st)
{
	struct dmr_dev_ref *refs[2] = { &st->main, &st->spare };
	char dev[32];
	const char *p = params, *w;
	unsigned int i;
	size_t n;

	for (i = 0; i < 2; i++) {
		n = dmri_next_word(&p, &w);
		if (!n || n >= sizeof(dev))
			return dmri_fail(ctx, EPROTO, "bad table line '%s'",
					 params);
		memcpy(dev, w, n);
		dev[n] = '\0';
		if (dmri_parse_devnum(dev, &refs[i]->major, &refs[i]->minor))
			return dmri_fail(ctx, EPROTO,
					 "bad device '%s' in table line '%s'",
					 dev, params);
		dmri_devpath(refs[i]->major, refs[i]->minor, refs[i]->path,
			     sizeof(refs[i]->path));
	}
	return 0;
}

int dmri_parse_stats(struct dmr_ctx *ctx, const char *reply,
		     struct dmr_status *st)
{
	static const char *const keys[] = {
		"spare_start", "metadata_generation", "block_size",
	};
	uint64_t v[3];
	bool seen[3] = { false, false, false };
	const char *p = reply, *w, *eq;
	unsigned int i;
	size_t n;

	while ((n = dmri_next_word(&p, &w))) {
		eq = memchr(w, '=', n);
		if (!eq)
			return dmri_fail(ctx, EPROTO,
					 "bad stats reply field '%.*s'", (int)n, w);
		for (i = 0; i < 3; i++) {
			if (!dmri_word_is(w, (size_t)(eq - w), keys[i]))
				continue;
			if (dmri_parse_u64(eq + 1, n - (size_t)(eq - w) - 1,
					   &v[i]))
				return dmri_fail(ctx, EPROTO,
						 "bad stats reply field '%.*s'",
						 (int)n, w);
			seen[i] = true;
		}
		if (*p == '\n')
			p++;
	}
	for (i = 0; i < 3; i++)
		if (!seen[i])
			return dmri_fail(ctx, EPROTO,
					 "stats reply has no '%s'", keys[i]);
	if (v[2] < 512 || v[2] > 65536 || (v[2] & (v[2] - 1)))
		return dmri_fail(ctx, EPROTO, "bad block_size %llu in stats reply",
				 (unsigned long long)v[2]);
	st->spare_start = v[0];
	st->metadata_generation = v[1];
	st->block_size = (uint32_t)v[2];
	return 0;
}

int dmri_remap_table(struct dmr_ctx *ctx, const char *name, struct dmri_dev *d)
{
	int r;

	/*
	 * Only dmr_create checks the characters of a name: an existing device
	 * goes by whatever name device-mapper gave it (dmsetup accepts more).
	 */
	if (!name || !*name)
		return dmri_fail(ctx, EINVAL, "no device name given");
	r = dmri_dm_query(ctx, name, false, d);
	if (r)
		return r;
	if (!d->nr_targets) {
		dmri_dev_release(d);
		return dmri_fail(ctx, EINVAL, "'%s' has no active table", name);
	}
	if (d->nr_targets != 1 || strcmp(d->type, DMRI_TARGET)) {
		dmri_dev_release(d);
		return dmri_fail(ctx, EINVAL, "'%s' is not a dm-remap device",
				 name);
	}
	return 0;
}

DMR_EXPORT int dmr_status(struct dmr_ctx *ctx, const char *name,
			  struct dmr_status *st)
{
	struct dmri_dev d;
	char *reply = NULL;
	int r;

	dmri_clear(ctx);
	if (!st)
		return dmri_fail(ctx, EINVAL, "no status buffer");
	memset(st, 0, sizeof(*st));
	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	snprintf(st->name, sizeof(st->name), "%s", name);
	snprintf(st->uuid, sizeof(st->uuid), "%s", d.uuid);
	st->dm_major = d.major;
	st->dm_minor = d.minor;
	st->suspended = d.suspended;
	st->start = d.start;
	st->length = d.length;
	r = dmri_parse_table_params(ctx, d.params, st);
	dmri_dev_release(&d);
	if (r)
		return r;

	r = dmri_dm_query(ctx, name, true, &d);
	if (r)
		return r;
	if (d.nr_targets != 1 || strcmp(d.type, DMRI_TARGET))
		r = dmri_fail(ctx, EAGAIN, "the table of '%s' changed", name);
	else if ((r = dmr_parse_status_line(ctx, d.params, st))) {
		char why[sizeof(ctx->error)];

		snprintf(why, sizeof(why), "%s", ctx->error);
		dmri_fail(ctx, r, "'%s': %s", name, why);
	}
	dmri_dev_release(&d);
	if (r)
		return r;

	r = dmri_dm_message(ctx, name, "stats", &reply);
	if (!r)
		r = dmri_parse_stats(ctx, reply, st);
	free(reply);
	if (r)
		return r;

	r = dmri_dm_target_version(ctx, DMRI_TARGET, st->target_version);
	if (r)
		return r;
	st->taken = time(NULL);
	return 0;
}
