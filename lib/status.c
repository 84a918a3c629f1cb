// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_status: the table line, the v2+ status line and the `stats` reply of
 * a dm-remap device.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmr-internal.h"


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

static const char *const failure_names[] = {
	[DMR_FAILURE_NONE] = "none",
	[DMR_FAILURE_METADATA] = "metadata",
	[DMR_FAILURE_MAIN] = "main",
	[DMR_FAILURE_LOST] = "lost",
};

DMR_EXPORT const char *dmr_failure_name(enum dmr_failure f)
{
	if ((unsigned int)f >= sizeof(failure_names) / sizeof(failure_names[0]))
		return "unknown";
	return failure_names[f];
}

/* A decimal int64 with an optional '-'. */
static int parse_i64(const char *w, size_t n, int64_t *v)
{
	bool neg = n && w[0] == '-';
	uint64_t u;

	if (dmri_parse_u64(w + neg, n - neg, &u) ||
	    u > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return -EPROTO;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
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

int dmri_parse_status_line(struct dmr_ctx *ctx, const char *line,
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
	uint64_t v[11], version, lost = 0;
	enum dmr_kernel_health health;
	enum dmr_failure failure = DMR_FAILURE_NONE;
	int64_t since = 0;
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
	/* Version 3 appends lost, failure and counters_since. */
	if (version >= 3) {
		n = dmri_next_word(&p, &w);
		if (!n)
			return dmri_fail(ctx, EPROTO,
					 "status line too short: no 'lost' field");
		if (dmri_parse_u64(w, n, &lost))
			return dmri_fail(ctx, EPROTO,
					 "bad 'lost' field in status line: '%.*s'",
					 (int)n, w);
		n = dmri_next_word(&p, &w);
		for (i = 0; i < 4; i++)
			if (dmri_word_is(w, n, failure_names[i]))
				break;
		if (!n)
			return dmri_fail(ctx, EPROTO,
					 "status line too short: no 'failure' field");
		if (i == 4)
			return dmri_fail(ctx, EPROTO,
					 "bad 'failure' field in status line: '%.*s'",
					 (int)n, w);
		failure = (enum dmr_failure)i;
		n = dmri_next_word(&p, &w);
		if (!n)
			return dmri_fail(ctx, EPROTO,
					 "status line too short: no 'counters_since' field");
		if (parse_i64(w, n, &since))
			return dmri_fail(ctx, EPROTO,
					 "bad 'counters_since' field in status line: '%.*s'",
					 (int)n, w);
	}
	/* Versions 2 and 3 have exactly these fields; later ones append more. */
	if (version <= 3 && dmri_next_word(&p, &w))
		return dmri_fail(ctx, EPROTO,
				 "unexpected field '%s' after a version %u status line",
				 w, (unsigned int)version);

	st->status_version = (unsigned int)version;
	for (i = 0; i < 11; i++)
		*fields[i] = v[i];
	st->suppress = suppress;
	st->kernel_health = health;
	st->lost = lost;
	st->failure = failure;
	st->counters_since = since;
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

/* A hexadecimal u64 (format_id), 1 to 16 digits. */
static int parse_hex64(const char *w, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!n || n > 16)
		return -EPROTO;
	for (i = 0; i < n; i++) {
		char c = w[i];
		unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0') :
				 c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10) : 16;

		if (d > 15)
			return -EPROTO;
		x = x << 4 | d;
	}
	*v = x;
	return 0;
}

int dmri_parse_stats(struct dmr_ctx *ctx, const char *reply,
		     struct dmr_status *st)
{
	/* The first three are required; the rest came with target 1.1. */
	static const char *const keys[] = {
		"spare_start", "metadata_generation", "block_size",
		"spare_stride", "format_version", "format_id",
	};
	enum { NKEYS = sizeof(keys) / sizeof(keys[0]), NREQ = 3 };
	uint64_t v[NKEYS] = { 0 };
	bool seen[NKEYS] = { false };
	const char *p = reply, *w, *eq;
	unsigned int i;
	size_t n, kl;

	while ((n = dmri_next_word(&p, &w))) {
		eq = memchr(w, '=', n);
		if (!eq)
			return dmri_fail(ctx, EPROTO,
					 "bad stats reply field '%.*s'", (int)n, w);
		kl = (size_t)(eq - w);
		for (i = 0; i < NKEYS; i++) {
			int r;

			if (!dmri_word_is(w, kl, keys[i]))
				continue;
			if (i == NKEYS - 1)
				r = parse_hex64(eq + 1, n - kl - 1, &v[i]);
			else
				r = dmri_parse_u64(eq + 1, n - kl - 1, &v[i]);
			if (r)
				return dmri_fail(ctx, EPROTO,
						 "bad stats reply field '%.*s'",
						 (int)n, w);
			seen[i] = true;
		}
		if (*p == '\n')
			p++;
	}
	for (i = 0; i < NREQ; i++)
		if (!seen[i])
			return dmri_fail(ctx, EPROTO,
					 "stats reply has no '%s'", keys[i]);
	if (v[2] < 512 || v[2] > 65536 || (v[2] & (v[2] - 1)))
		return dmri_fail(ctx, EPROTO, "bad block_size %llu in stats reply",
				 (unsigned long long)v[2]);
	st->spare_start = v[0];
	st->metadata_generation = v[1];
	st->block_size = v[2];
	st->spare_stride = v[3];
	st->format_version = v[4];
	st->format_id = v[5];
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


static int read_status(struct dmr_ctx *ctx, const char *name,
		       struct dmr_status *st)
{
	struct dmri_dev d;
	char *reply = NULL;
	int r;

	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	snprintf(st->uuid, sizeof(st->uuid), "%s", d.uuid);
	st->dm.major = d.major;
	st->dm.minor = d.minor;
	dmri_dm_node(name, st->dm.path, sizeof(st->dm.path));
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
	else if ((r = dmri_parse_status_line(ctx, d.params, st))) {
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
	st->taken = (int64_t)time(NULL);
	return 0;
}

DMR_EXPORT int dmr_status(struct dmr_ctx *ctx, const char *name,
			  struct dmr_status *st)
{
	struct dmr_status s;
	size_t size;
	int r;

	dmri_clear(ctx);
	if (!st || st->size < DMRI_STATUS_MIN_SIZE || st->size > 65536)
		return dmri_fail(ctx, EINVAL,
				 "no status buffer, or its size is not set");
	size = st->size;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name ? name : "");
	r = read_status(ctx, name, &s);
	if (r) {
		/* A placeholder: the name and why it could not be read. */
		memset((char *)&s + offsetof(struct dmr_status, uuid), 0,
		       sizeof(s) - offsetof(struct dmr_status, uuid));
		s.unreadable = r;
		dmri_strf(s.error, sizeof(s.error), "%.*s",
			  (int)strcspn(ctx->error, "\n"), ctx->error);
	}
	s.size = size < sizeof(s) ? size : sizeof(s);
	memset(st, 0, size);
	memcpy(st, &s, s.size);
	return r;
}
