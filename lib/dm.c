// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every device-mapper call of libdmremap, through libdevmapper's dm_task
 * API.  Devices are created and removed with udev cookies; when no udev
 * runs (or DM_DISABLE_UDEV is set) libdevmapper makes the /dev/mapper node
 * itself, and we check that it did.
 *
 * libdevmapper's log hook is process-wide: ours is installed while at
 * least one context that made a dm call exists (a reference per context,
 * as cryptsetup's dm_backend_init/exit), and removed, with dm_lib_release,
 * when the last one is freed.  It hands every line of the call running on
 * this thread (a thread-local pointer set around each libdevmapper call)
 * to that context's log function, and files the error lines into the
 * context too: a failure's message ends with them, each on a line of its
 * own after "libdevmapper: ".  Lines outside a libdmremap call are dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <libdevmapper.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "dmr-internal.h"

static __thread struct dmr_ctx *dm_current;
static pthread_mutex_t dm_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int dm_users;

static void dm_log_hook(int level, const char *file, int line,
			int dm_errno_or_class, const char *f, ...)
{
	struct dmr_ctx *ctx = dm_current;
	char msg[1024];
	va_list ap;
	size_t n;
	int lvl = level & 7;	/* the low bits are the syslog level */

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if (!ctx || (lvl > LOG_ERR && !dmri_logs(ctx, lvl)))
		return;
	va_start(ap, f);
	vsnprintf(msg, sizeof(msg), f, ap);
	va_end(ap);
	dmri_log(ctx, lvl, "libdevmapper: %s", msg);
	if (lvl > LOG_ERR)
		return;
	/* Keep every error line: the first one often says why (permission). */
	n = strlen(ctx->dm_log);
	if (n && n + 1 < sizeof(ctx->dm_log))
		ctx->dm_log[n++] = '\n';
	snprintf(ctx->dm_log + n, sizeof(ctx->dm_log) - n, "%s", msg);
}

/* Appends the current call's libdevmapper lines to the message; returns @r. */
static int add_dm_log(struct dmr_ctx *ctx, int r)
{
	char *p = ctx->error + strlen(ctx->error);
	const char *end = ctx->error + sizeof(ctx->error), *line;
	size_t len;
	int n;

	for (line = ctx->dm_log; *line; line += len + (line[len] == '\n')) {
		len = strcspn(line, "\n");
		if (!len)
			continue;
		n = snprintf(p, (size_t)(end - p), "\nlibdevmapper: %.*s",
			     (int)len, line);
		if (n < 0 || n >= end - p) {
			*p = '\0';	/* no half line */
			break;
		}
		p += n;
	}
	return r;
}

/* What a refused permission means for most users (cryptsetup's words). */
#define NON_ROOT "running as a non-root user"

/* The context's reference on the dm backend (our log hook, udev sync). */
static void dm_acquire(struct dmr_ctx *ctx)
{
	if (ctx->dm_user)
		return;
	pthread_mutex_lock(&dm_lock);
	if (!dm_users++) {
		dm_log_with_errno_init(dm_log_hook);
		dm_udev_set_sync_support(1);
	}
	pthread_mutex_unlock(&dm_lock);
	ctx->dm_user = true;
}

void dmri_dm_release(struct dmr_ctx *ctx)
{
	if (!ctx->dm_user)
		return;
	ctx->dm_user = false;
	pthread_mutex_lock(&dm_lock);
	if (!--dm_users) {
		dm_log_with_errno_init(NULL);	/* libdevmapper's own again */
		dm_lib_release();
	}
	pthread_mutex_unlock(&dm_lock);
}

static const char *const task_names[] = {
	[DM_DEVICE_CREATE] = "create", [DM_DEVICE_RELOAD] = "reload",
	[DM_DEVICE_REMOVE] = "remove", [DM_DEVICE_RESUME] = "resume",
	[DM_DEVICE_INFO] = "info", [DM_DEVICE_STATUS] = "status",
	[DM_DEVICE_TABLE] = "table", [DM_DEVICE_LIST] = "list",
	[DM_DEVICE_LIST_VERSIONS] = "list versions",
	[DM_DEVICE_TARGET_MSG] = "message",
};

static const char *task_name(int type)
{
	if (type < 0 || (size_t)type >= sizeof(task_names) / sizeof(task_names[0]) ||
	    !task_names[type])
		return "task";
	return task_names[type];
}

/* A new task for @type on device @name (NULL: none); 0 or a negative errno. */
static int task(struct dmr_ctx *ctx, int type, const char *name,
		struct dm_task **dmtp)
{
	struct dm_task *dmt = NULL;
	bool named;

	dm_acquire(ctx);
	dmri_debug(ctx, "dm: %s%s%s", task_name(type), name ? " " : "",
		   name ? name : "");
	dm_current = ctx;
	ctx->dm_log[0] = '\0';
	dmt = dm_task_create(type);
	named = dmt && (!name || dm_task_set_name(dmt, name));
	dm_current = NULL;
	if (!dmt) {
		/*
		 * libdevmapper opens /dev/mapper/control (making it if need
		 * be) and checks the driver's version here.  A non-root user
		 * is refused that, whatever else is wrong.
		 */
		if (geteuid())
			return add_dm_log(ctx, dmri_fail(ctx, EACCES,
				"cannot use device-mapper: permission denied, "
				NON_ROOT " (device-mapper needs root)"));
		return add_dm_log(ctx, dmri_fail(ctx, EOPNOTSUPP,
			"the kernel's device-mapper driver is not available (modprobe dm-mod?)"));
	}
	if (!named) {
		dm_task_destroy(dmt);
		return add_dm_log(ctx, dmri_fail(ctx, EINVAL,
				  "invalid device-mapper name '%s'", name));
	}
	*dmtp = dmt;
	return 0;
}

/* Runs @dmt; 0 or the failed ioctl's negative errno (-EIO if none). */
static int run(struct dmr_ctx *ctx, struct dm_task *dmt)
{
	int ok, e = 0;

	dm_current = ctx;
	ctx->dm_log[0] = '\0';
	ok = dm_task_run(dmt);
	if (!ok)
		e = dm_task_get_errno(dmt);
	dm_current = NULL;
	if (ok)
		return 0;
	return e > 0 ? -e : -EIO;
}

/* A failure message naming the operation, the errno and libdevmapper's words. */
static int failed(struct dmr_ctx *ctx, int r, const char *what,
		  const char *name)
{
	bool perm = (r == -EACCES || r == -EPERM) && geteuid();

	if (r == -ENXIO && name)
		return dmri_fail(ctx, r, "no device-mapper device named '%s'",
				 name);
	return add_dm_log(ctx, dmri_fail(ctx, r, "%s%s%s failed: %s%s", what,
			  name ? " of " : "", name ? name : "", strerror(-r),
			  perm ? " (" NON_ROOT ": device-mapper needs root)" : ""));
}

void dmri_dev_release(struct dmri_dev *d)
{
	free(d->params);
	d->params = NULL;
}

/* The message a missing target gets: loading its module is the cure. */
static int no_target(struct dmr_ctx *ctx, const char *target)
{
	return dmri_fail(ctx, EOPNOTSUPP,
			 "dm-%s kernel module not available (modprobe dm-%s?)",
			 target, target);
}

int dmri_dm_target_version(struct dmr_ctx *ctx, const char *target,
			   unsigned int version[3])
{
	struct dm_versions *v, *last;
	struct dm_task *dmt = NULL;
	int r;

	r = task(ctx, DM_DEVICE_LIST_VERSIONS, NULL, &dmt);
	if (r)
		return r;
	r = run(ctx, dmt);
	if (r) {
		r = failed(ctx, r, "device-mapper target list", NULL);
		goto out;
	}
	r = no_target(ctx, target);
	v = dm_task_get_versions(dmt);
	while (v) {
		if (!strcmp(v->name, target)) {
			memcpy(version, v->version, 3 * sizeof(*version));
			dmri_clear(ctx);
			r = 0;
			break;
		}
		last = v;
		v = (struct dm_versions *)((char *)v + v->next);
		if (v == last)
			break;
	}
out:
	dm_task_destroy(dmt);
	return r;
}

static void fill_info(struct dm_task *dmt, struct dmri_dev *d)
{
	struct dm_info info;
	const char *uuid;

	if (!dm_task_get_info(dmt, &info) || !info.exists)
		return;
	d->exists = true;
	d->suspended = info.suspended;
	d->major = info.major;
	d->minor = info.minor;
	uuid = dm_task_get_uuid(dmt);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid ? uuid : "");
}

int dmri_dm_info(struct dmr_ctx *ctx, const char *name, struct dmri_dev *d)
{
	struct dm_task *dmt = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = task(ctx, DM_DEVICE_INFO, name, &dmt);
	if (r)
		return r;
	r = run(ctx, dmt);
	if (r)
		r = failed(ctx, r, "device-mapper info", name);
	else
		fill_info(dmt, d);
	dm_task_destroy(dmt);
	return r;
}

int dmri_dm_query(struct dmr_ctx *ctx, const char *name, bool status,
		  struct dmri_dev *d)
{
	char *type, *params;
	uint64_t start, length;
	struct dm_task *dmt = NULL;
	void *next = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = task(ctx, status ? DM_DEVICE_STATUS : DM_DEVICE_TABLE, name, &dmt);
	if (r)
		return r;
	r = run(ctx, dmt);
	if (r) {
		r = failed(ctx, r, status ? "device-mapper status" :
					    "device-mapper table", name);
		goto out;
	}
	fill_info(dmt, d);
	if (!d->exists) {
		r = failed(ctx, -ENXIO, "", name);
		goto out;
	}
	do {
		type = params = NULL;
		next = dm_get_next_target(dmt, next, &start, &length, &type,
					  &params);
		if (!type)
			continue;
		dmri_debug(ctx, "dm: %s %s: %" PRIu64 " %" PRIu64 " %s %s",
			   status ? "status" : "table", name, start, length,
			   type, params ? params : "");
		if (!d->nr_targets++) {
			snprintf(d->type, sizeof(d->type), "%s", type);
			d->start = start;
			d->length = length;
			d->params = strdup(params ? params : "");
			if (!d->params) {
				r = dmri_fail(ctx, ENOMEM, "out of memory");
				goto out;
			}
		}
	} while (next);
out:
	dm_task_destroy(dmt);
	return r;
}

/* Remove @name, waiting for udev; returns 0 or a negative errno. */
static int remove_dev(struct dmr_ctx *ctx, const char *name)
{
	uint32_t cookie = 0;
	struct dm_task *dmt = NULL;
	bool waiting;
	int r;

	r = task(ctx, DM_DEVICE_REMOVE, name, &dmt);
	if (r)
		return r;
	dm_task_retry_remove(dmt);
	waiting = dm_task_set_cookie(dmt, &cookie, 0);
	r = run(ctx, dmt);
	if (waiting)
		dm_udev_wait(cookie);
	dm_task_destroy(dmt);
	return r;
}

/* Remove a half-made device without losing the first failure's message. */
static void undo_create(const char *name)
{
	struct dmr_ctx scratch = { .error = "", .dm_user = true };

	remove_dev(&scratch, name);
}

/* Is the remap target loaded?  Asked without touching @ctx's message. */
static bool target_loaded(void)
{
	struct dmr_ctx scratch = { .error = "", .dm_user = true };
	unsigned int v[3];

	return dmri_dm_target_version(&scratch, DMRI_TARGET, v) != -EOPNOTSUPP;
}

int dmri_dm_create(struct dmr_ctx *ctx, const char *name, const char *uuid,
		   uint64_t length, const char *params)
{
	char node[PATH_MAX];
	uint32_t cookie = 0;
	struct dm_task *dmt = NULL;
	unsigned int version[3];
	bool waiting;
	int r;

	r = task(ctx, DM_DEVICE_CREATE, name, &dmt);
	if (r)
		return r;
	if (!dm_task_set_uuid(dmt, uuid)) {
		dm_task_destroy(dmt);
		return dmri_fail(ctx, EINVAL, "invalid uuid '%s'", uuid);
	}
	r = run(ctx, dmt);
	dm_task_destroy(dmt);
	if (r == -EBUSY || r == -EEXIST)
		return dmri_fail(ctx, EEXIST,
				 "a device-mapper device named '%s' or with uuid '%s' already exists",
				 name, uuid);
	if (r)
		return failed(ctx, r, "device-mapper create", name);

	r = task(ctx, DM_DEVICE_RELOAD, name, &dmt);
	if (r) {
		undo_create(name);
		return r;
	}
	if (!dm_task_add_target(dmt, 0, length, DMRI_TARGET, params)) {
		dm_task_destroy(dmt);
		undo_create(name);
		return dmri_fail(ctx, ENOMEM, "cannot build the table of '%s'",
				 name);
	}
	/*
	 * Loading the table loads the target's module if need be (the
	 * kernel's request_module), so the target is not checked before:
	 * only an unknown target type (EINVAL) means the module is missing.
	 */
	r = run(ctx, dmt);
	dm_task_destroy(dmt);
	if (r) {
		undo_create(name);
		if (r == -EINVAL && !target_loaded())
			return add_dm_log(ctx, no_target(ctx, DMRI_TARGET));
		return add_dm_log(ctx, dmri_fail(ctx, r,
				  "the kernel refused the table for '%s': see dmesg (%s)",
				  name, strerror(-r)));
	}
	/* Loaded now: one this library drives?  Else it never goes live. */
	r = dmr_target_version(ctx, version);
	if (r) {
		undo_create(name);
		return r;
	}

	r = task(ctx, DM_DEVICE_RESUME, name, &dmt);
	if (r) {
		undo_create(name);
		return r;
	}
	waiting = dm_task_set_cookie(dmt, &cookie, 0);
	r = run(ctx, dmt);
	if (waiting)
		dm_udev_wait(cookie);
	dm_task_destroy(dmt);
	if (r) {
		undo_create(name);
		return add_dm_log(ctx, dmri_fail(ctx, r,
				  "the kernel could not activate '%s': see dmesg (%s)",
				  name, strerror(-r)));
	}

	/* Without udev, libdevmapper should have made the node: make sure. */
	snprintf(node, sizeof(node), "%s/%s", dm_dir(), name);
	if (access(node, F_OK) && (!dm_mknodes(name) || access(node, F_OK))) {
		undo_create(name);
		return dmri_fail(ctx, EIO, "could not create %s", node);
	}
	return 0;
}

void dmri_dm_node(const char *name, char *path, size_t size)
{
	dmri_strf(path, size, "%s/%s", dm_dir(), name);
	if (access(path, F_OK))
		path[0] = '\0';
}

int dmri_dm_remove(struct dmr_ctx *ctx, const char *name)
{
	int r = remove_dev(ctx, name);

	if (r == -EBUSY)
		return dmri_fail(ctx, r, "'%s' is in use (mounted or open)",
				 name);
	return r ? failed(ctx, r, "device-mapper remove", name) : 0;
}

int dmri_dm_names(struct dmr_ctx *ctx, char ***names, size_t *count)
{
	struct dm_names *n;
	struct dm_task *dmt = NULL;
	size_t cnt = 0;
	unsigned int next = 0;
	char **v = NULL, **nv;
	int r;

	*names = NULL;
	*count = 0;
	r = task(ctx, DM_DEVICE_LIST, NULL, &dmt);
	if (r)
		return r;
	r = run(ctx, dmt);
	if (r) {
		r = failed(ctx, r, "device-mapper list", NULL);
		goto out;
	}
	n = dm_task_get_names(dmt);
	if (!n || !n->dev)
		goto out;
	do {
		n = (struct dm_names *)((char *)n + next);
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv) {
			r = dmri_fail(ctx, ENOMEM, "out of memory");
			goto out;
		}
		v = nv;
		v[cnt] = strdup(n->name);
		if (!v[cnt]) {
			r = dmri_fail(ctx, ENOMEM, "out of memory");
			goto out;
		}
		cnt++;
		next = n->next;
	} while (next);
out:
	dm_task_destroy(dmt);
	if (r) {
		dmr_names_free(v, cnt);
		return r;
	}
	*names = v;
	*count = cnt;
	return 0;
}

int dmri_dm_message(struct dmr_ctx *ctx, const char *name, const char *msg,
		    char **reply)
{
	struct dm_task *dmt = NULL;
	const char *resp;
	int r;

	*reply = NULL;
	r = task(ctx, DM_DEVICE_TARGET_MSG, name, &dmt);
	if (r)
		return r;
	if (!dm_task_set_sector(dmt, 0) || !dm_task_set_message(dmt, msg)) {
		dm_task_destroy(dmt);
		return dmri_fail(ctx, ENOMEM, "cannot build message '%s'", msg);
	}
	r = run(ctx, dmt);
	if (r == -EINVAL)
		r = add_dm_log(ctx, dmri_fail(ctx, r,
			       "the kernel refused the message '%s' to '%s': see dmesg",
			       msg, name));
	else if (r)
		r = failed(ctx, r, "device-mapper message", name);
	else {
		resp = dm_task_get_message_response(dmt);
		if (dmri_logs(ctx, DMR_LOG_DEBUG))
			dmri_debug(ctx, "dm: message '%s' to %s: reply %zu bytes: %.200s%s",
				   msg, name, resp ? strlen(resp) : 0,
				   resp ? resp : "", resp && strlen(resp) > 200 ? "..." : "");
		*reply = strdup(resp ? resp : "");
		if (!*reply)
			r = dmri_fail(ctx, ENOMEM, "out of memory");
	}
	dm_task_destroy(dmt);
	return r;
}
