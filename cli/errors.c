// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: error messages and the mapping of errno values to exit codes.
 */
#define _GNU_SOURCE	/* vasprintf */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/*
 * "dmremapctl: <cmd>: " and @len bytes of @text, as one line; the text is
 * kept for the JSON document too (unless memory is short).
 */
static void line(struct ctl *c, const char *text, size_t len)
{
	char **m;

	fputs("dmremapctl: ", c->err);
	if (c->cmd)
		fprintf(c->err, "%s: ", c->cmd->name);
	fprintf(c->err, "%.*s\n", (int)len, text);
	m = realloc(c->msgs, (c->nmsgs + 1) * sizeof(*m));
	if (!m)
		return;
	c->msgs = m;
	m[c->nmsgs] = strndup(text, len);
	if (m[c->nmsgs])
		c->nmsgs++;
}

/* Each line of @text in turn (a library message may have several). */
static void lines(struct ctl *c, const char *text)
{
	size_t n;

	for (; *text; text += n + (text[n] == '\n')) {
		n = strcspn(text, "\n");
		if (n)
			line(c, text, n);
	}
}

static void vmsg(struct ctl *c, const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0) {
		lines(c, "out of memory");
		return;
	}
	lines(c, text);
	free(text);
}

void ctl_free_msgs(struct ctl *c)
{
	while (c->nmsgs)
		free(c->msgs[--c->nmsgs]);
	free(c->msgs);
	c->msgs = NULL;
}

int ctl_fail(struct ctl *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return code;
}

int ctl_usage_fail(struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	return c->cmd ? c->cmd->usage_exit : CTL_EXIT_USAGE;
}

void ctl_note(struct ctl *c, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fputs("dmremapctl: ", c->err);
	if (c->cmd)
		fprintf(c->err, "%s: ", c->cmd->name);
	fprintf(c->err, "%s\n", text);
	free(text);
}

void ctl_lib_note(int level, const char *msg, void *data)
{
	struct ctl *c = data;

	if (c->debug) {
		fprintf(c->err, "dmremapctl: debug: %s\n", msg);
		return;
	}
	/* Error lines come back in the failure's message (dmr_error). */
	if (level > DMR_LOG_ERR && level <= DMR_LOG_NOTICE)
		ctl_note(c, "%s", msg);
}

int ctl_exit_from_errno(int err)
{
	switch (-err) {
	case 0:
		return CTL_EXIT_OK;
	case EPERM:
	case EACCES:
		return CTL_EXIT_PERM;
	case ENOMEM:
		return CTL_EXIT_NOMEM;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTBLK:
	case ENOSPC:
	case ENODATA:
	case EBADMSG:
	case EINVAL:	/* the library's word for a device that does not fit */
		return CTL_EXIT_DEVICE;
	case EBUSY:
	case EEXIST:
	case ECANCELED:	/* not confirmed: the device holds something */
		return CTL_EXIT_BUSY;
	default:
		return CTL_EXIT_KERNEL;
	}
}

int ctl_lib_fail(struct ctl *c, int err)
{
	const char *msg = c->ctx ? dmr_error(c->ctx) : "";

	if (!msg || !*msg)
		msg = strerror(-err);
	/* One line, then libdevmapper's lines if it logged any. */
	lines(c, msg);
	return ctl_exit_from_errno(err);
}

struct dmr_ctx *ctl_ctx(struct ctl *c, int *code)
{
	int r;

	*code = CTL_EXIT_OK;
	if (!c->ctx) {
		r = dmr_ctx_new(&c->ctx);
		if (r) {
			c->ctx = NULL;
			*code = ctl_fail(c, ctl_exit_from_errno(r),
					 "cannot create a library context: %s",
					 strerror(-r));
			return NULL;
		}
		dmr_set_log_fn(c->ctx, ctl_lib_note, c);
		dmr_set_log_level(c->ctx, c->debug ? DMR_LOG_DEBUG : DMR_LOG_NOTICE);
		dmr_set_producer(c->ctx, "dmremapctl", CTL_VERSION);
	}
	return c->ctx;
}
