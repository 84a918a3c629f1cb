// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmremap contexts: the last failure's message, the library version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmr-internal.h"

#ifndef DMR_VERSION
#error "DMR_VERSION must be defined by the build (from the VERSION file)"
#endif

DMR_EXPORT int dmr_ctx_new(struct dmr_ctx **ctx)
{
	if (!ctx)
		return -EINVAL;
	*ctx = calloc(1, sizeof(**ctx));
	if (!*ctx)
		return -ENOMEM;
	(*ctx)->log_level = DMR_LOG_NOTICE;
	return 0;
}

DMR_EXPORT void dmr_ctx_free(struct dmr_ctx *ctx)
{
	if (!ctx)
		return;
	dmri_dm_release(ctx);
	free(ctx->tool);
	free(ctx->tool_version);
	free(ctx);
}

DMR_EXPORT int dmr_set_producer(struct dmr_ctx *ctx, const char *tool,
				const char *version)
{
	char *t = NULL, *v = NULL;

	if (!ctx)
		return -EINVAL;
	if ((tool && !(t = strdup(tool))) || (version && !(v = strdup(version)))) {
		free(t);
		return -ENOMEM;
	}
	free(ctx->tool);
	free(ctx->tool_version);
	ctx->tool = t;
	ctx->tool_version = v;
	return 0;
}

DMR_EXPORT void dmr_set_log_level(struct dmr_ctx *ctx, int level)
{
	if (ctx)
		ctx->log_level = level;
}

bool dmri_logs(const struct dmr_ctx *ctx, int level)
{
	return ctx->log_fn && level <= ctx->log_level;
}

int dmri_copy_in(void *dst, size_t dst_size, const void *src, size_t min)
{
	size_t size = *(const size_t *)src, i;

	memset(dst, 0, dst_size);
	if (size < min || size > 65536)
		return -EINVAL;
	for (i = dst_size; i < size; i++)
		if (((const unsigned char *)src)[i])
			return -E2BIG;
	memcpy(dst, src, size < dst_size ? size : dst_size);
	*(size_t *)dst = dst_size;
	return 0;
}

DMR_EXPORT const char *dmr_error(const struct dmr_ctx *ctx)
{
	return ctx ? ctx->error : "no context";
}

DMR_EXPORT const char *dmr_library_version(void)
{
	return DMR_VERSION;
}

void dmri_clear(struct dmr_ctx *ctx)
{
	ctx->error[0] = '\0';
	ctx->dm_log[0] = '\0';
}

int dmri_fail(struct dmr_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	if (err < 0)
		err = -err;
	return err ? -err : -EIO;
}

DMR_EXPORT void dmr_set_log_fn(struct dmr_ctx *ctx, dmr_log_fn fn, void *data)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_data = data;
}

DMR_EXPORT void dmr_set_confirm_fn(struct dmr_ctx *ctx, dmr_confirm_fn fn,
				   void *data)
{
	if (!ctx)
		return;
	ctx->confirm_fn = fn;
	ctx->confirm_data = data;
}

void dmri_log(struct dmr_ctx *ctx, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!dmri_logs(ctx, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(level, msg, ctx->log_data);
}

const char *dmri_sysfs(const struct dmr_ctx *ctx)
{
	return ctx->sysfs[0] ? ctx->sysfs : "/sys";
}

void dmri_strf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}
