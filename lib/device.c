// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Life cycle of dm-remap devices: target version, create, remove, list.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

DMR_EXPORT int dmr_target_version(struct dmr_ctx *ctx, unsigned int version[3])
{
	int r;

	dmri_clear(ctx);
	r = dmri_dm_target_version(ctx, DMRI_TARGET, version);
	if (r)
		return r;
	if (version[0] != DMR_TARGET_MAJOR)
		return dmri_fail(ctx, EPROTO,
				 "dm-remap target version %u.%u.%u is not supported (this library drives %u.x)",
				 version[0], version[1], version[2],
				 DMR_TARGET_MAJOR);
	return 0;
}

/* The 2.0 layout of struct dmr_create_opts. */
#define CREATE_OPTS_MIN_SIZE \
	(offsetof(struct dmr_create_opts, format) + sizeof(bool))

DMR_EXPORT int dmr_create(struct dmr_ctx *ctx, const char *name,
			  const char *main_dev, const char *spare_dev,
			  const struct dmr_create_opts *opts)
{
	struct dmr_create_opts o = { .size = sizeof(o) };
	struct dmri_create_plan plan;
	struct dmri_dev d;
	char params[128];
	int r;

	dmri_clear(ctx);
	if (opts) {
		r = dmri_copy_in(&o, sizeof(o), opts, CREATE_OPTS_MIN_SIZE);
		if (r == -E2BIG)
			return dmri_fail(ctx, r,
					 "create options this library (%s) does not know are set",
					 dmr_library_version());
		if (r)
			return dmri_fail(ctx, r, "create options: size not set");
	}
	if (o.flags & ~DMR_CREATE_FORCE)
		return dmri_fail(ctx, EINVAL, "unknown create flags %#x", o.flags);
	if (o.suppress > DMR_SUPPRESS_ON)
		return dmri_fail(ctx, EINVAL, "invalid suppress option %d",
				 o.suppress);
	r = dmri_validate_name(ctx, name);
	if (r)
		return r;
	r = dmri_dm_info(ctx, name, &d);
	if (r)
		return r;
	if (d.exists)
		return dmri_fail(ctx, EEXIST, "a device named '%s' already exists",
				 name);
	r = dmri_validate_create(ctx, name, main_dev, spare_dev, &o, o.flags,
				 &plan);
	if (r)
		return r;
	r = dmri_create_params(&plan, &o, params, sizeof(params));
	if (r)
		return dmri_fail(ctx, r, "table line too long");
	return dmri_dm_create(ctx, name, plan.uuid, plan.length, params);
}

DMR_EXPORT int dmr_remove(struct dmr_ctx *ctx, const char *name)
{
	struct dmri_dev d;
	int r;

	dmri_clear(ctx);
	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	dmri_dev_release(&d);
	return dmri_dm_remove(ctx, name);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

DMR_EXPORT int dmr_list(struct dmr_ctx *ctx, char ***names, size_t *count)
{
	struct dmri_dev d;
	size_t n, i, kept = 0;
	char **all;
	int r;

	dmri_clear(ctx);
	if (!names || !count)
		return dmri_fail(ctx, EINVAL, "no result pointers");
	*names = NULL;
	*count = 0;
	r = dmri_dm_names(ctx, &all, &n);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		r = dmri_dm_query(ctx, all[i], false, &d);
		if (r == -ENXIO) {		/* removed meanwhile */
			r = 0;
			dmri_clear(ctx);
		}
		if (r)
			break;
		if (d.nr_targets == 1 && !strcmp(d.type, DMRI_TARGET)) {
			char *keep = all[i];

			all[i] = NULL;
			all[kept++] = keep;
		} else {
			free(all[i]);
			all[i] = NULL;
		}
		dmri_dev_release(&d);
	}
	if (r) {
		dmr_names_free(all, n);
		return r;
	}
	qsort(all, kept, sizeof(*all), cmp_names);
	if (!kept) {
		free(all);
		all = NULL;
	}
	*names = all;
	*count = kept;
	return 0;
}

DMR_EXPORT void dmr_names_free(char **names, size_t count)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
