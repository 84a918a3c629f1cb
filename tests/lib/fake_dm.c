// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libdevmapper stand-in of fake_dm.h.
 */
#include <errno.h>
#include <libdevmapper.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_dm.h"

#define MAX_DEVS 16
#define MAX_MSGS 32

struct dm_task {
	int type;
	char name[128], uuid[129];
	char *message;
	uint64_t sector;
	bool has_target;
	char ttype[32], tparams[256];
	uint64_t tlength;
	int err;
	char *response;
	void *buf;			/* names or versions */
	struct fake_dev snap;
	bool exists;
};

static struct fake_dev devs[MAX_DEVS];
static unsigned int nr_devs;
static int fail_type = -1, fail_err;
static bool fail_create;
static struct {
	char msg[64];
	char *reply;
	int err;
} msgs[MAX_MSGS];
static unsigned int msg_head, msg_tail;
static unsigned int tv[3] = { 1, 0, 0 }, module_tv[3] = { 1, 0, 0 };
static dm_log_with_errno_fn log_fn;

bool fake_node_on_resume = true, fake_mknodes_works = true;
unsigned int fake_euid;
char fake_dm_dir[PATH_MAX];
unsigned int fake_cookies_set, fake_cookies_waited;

void fake_cleanup(void)
{
	unsigned int i;
	char p[PATH_MAX + 200];

	for (i = 0; i < nr_devs; i++) {
		snprintf(p, sizeof(p), "%s/%s", fake_dm_dir, devs[i].name);
		unlink(p);
	}
	while (msg_head < msg_tail)
		free(msgs[msg_head++].reply);
	if (fake_dm_dir[0])
		rmdir(fake_dm_dir);
	fake_dm_dir[0] = '\0';
}

void fake_reset(void)
{
	fake_cleanup();
	snprintf(fake_dm_dir, sizeof(fake_dm_dir), "/tmp/dmr-fake-XXXXXX");
	assert_non_null(mkdtemp(fake_dm_dir));
	nr_devs = 0;
	fail_type = -1;
	fail_create = false;
	msg_head = msg_tail = 0;
	tv[0] = module_tv[0] = 1;
	tv[1] = tv[2] = module_tv[1] = module_tv[2] = 0;
	fake_node_on_resume = fake_mknodes_works = true;
	fake_cookies_set = fake_cookies_waited = 0;
	fake_euid = 0;
	fake_list_count = 0;
	fake_list_page = 4096;
}

struct fake_dev *fake_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_devs; i++)
		if (!strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

struct fake_dev *fake_add(const char *name, const char *type,
			  const char *table, const char *status)
{
	struct fake_dev *d = &devs[nr_devs++];

	assert_true(nr_devs <= MAX_DEVS);
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->uuid, sizeof(d->uuid), "DMREMAP-%s", name);
	d->major = 250;
	d->minor = nr_devs;
	if (type) {
		d->nr_targets = 1;
		snprintf(d->type, sizeof(d->type), "%s", type);
		d->length = 2048;
		snprintf(d->table, sizeof(d->table), "%s", table ? table : "");
		snprintf(d->status, sizeof(d->status), "%s", status ? status : "");
	}
	return d;
}

static void del_dev(struct fake_dev *d)
{
	char p[PATH_MAX + 200];

	snprintf(p, sizeof(p), "%s/%s", fake_dm_dir, d->name);
	unlink(p);
	*d = devs[--nr_devs];
}

static void make_node(const char *name)
{
	char p[PATH_MAX + 200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", fake_dm_dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

void fake_fail(int type, int err)
{
	fail_type = type;
	fail_err = err;
}

void fake_fail_create(void)
{
	fail_create = true;
}

void fake_msg(const char *msg, const char *reply, int err)
{
	assert_true(msg_tail < MAX_MSGS);
	snprintf(msgs[msg_tail].msg, sizeof(msgs[0].msg), "%s", msg);
	msgs[msg_tail].reply = reply ? strdup(reply) : NULL;
	msgs[msg_tail].err = err;
	msg_tail++;
}

unsigned int fake_msgs_left(void)
{
	return msg_tail - msg_head;
}

void fake_target_version(unsigned int a, unsigned int b, unsigned int c)
{
	tv[0] = a;
	tv[1] = b;
	tv[2] = c;
}

void fake_target_module(unsigned int a, unsigned int b, unsigned int c)
{
	module_tv[0] = a;
	module_tv[1] = b;
	module_tv[2] = c;
}

/* ------------------------------------------------------------ wrappers */

uid_t __wrap_geteuid(void);
uid_t __wrap_geteuid(void)
{
	return fake_euid;
}

/* What libdevmapper logs when it fails: errors around a debug line. */
static void log_failure(void)
{
	if (!log_fn)
		return;
	log_fn(3, __FILE__, __LINE__, -1, "%s", FAKE_LOG_TEXT);
	log_fn(7, __FILE__, __LINE__, 0, "%s", FAKE_LOG_DEBUG);
	log_fn(3, __FILE__, __LINE__, -1, "%s", FAKE_LOG_TEXT2);
}

struct dm_task *__wrap_dm_task_create(int type);
struct dm_task *__wrap_dm_task_create(int type)
{
	struct dm_task *t;

	if (fail_create) {
		fail_create = false;
		log_failure();
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->type = type;
	return t;
}

void __wrap_dm_task_destroy(struct dm_task *t);
void __wrap_dm_task_destroy(struct dm_task *t)
{
	if (!t)
		return;
	free(t->message);
	free(t->response);
	free(t->buf);
	free(t);
}

int __wrap_dm_task_set_name(struct dm_task *t, const char *name);
int __wrap_dm_task_set_name(struct dm_task *t, const char *name)
{
	snprintf(t->name, sizeof(t->name), "%s", name);
	return 1;
}

int __wrap_dm_task_set_uuid(struct dm_task *t, const char *uuid);
int __wrap_dm_task_set_uuid(struct dm_task *t, const char *uuid)
{
	snprintf(t->uuid, sizeof(t->uuid), "%s", uuid);
	return 1;
}

int __wrap_dm_task_set_sector(struct dm_task *t, uint64_t sector);
int __wrap_dm_task_set_sector(struct dm_task *t, uint64_t sector)
{
	t->sector = sector;
	return 1;
}

int __wrap_dm_task_set_message(struct dm_task *t, const char *msg);
int __wrap_dm_task_set_message(struct dm_task *t, const char *msg)
{
	free(t->message);
	t->message = strdup(msg);
	return t->message != NULL;
}

int __wrap_dm_task_add_target(struct dm_task *t, uint64_t start,
			      uint64_t size, const char *ttype,
			      const char *params);
int __wrap_dm_task_add_target(struct dm_task *t, uint64_t start,
			      uint64_t size, const char *ttype,
			      const char *params)
{
	assert_int_equal(start, 0);
	assert_false(t->has_target);
	t->has_target = true;
	t->tlength = size;
	snprintf(t->ttype, sizeof(t->ttype), "%s", ttype);
	snprintf(t->tparams, sizeof(t->tparams), "%s", params);
	return 1;
}

int __wrap_dm_task_retry_remove(struct dm_task *t);
int __wrap_dm_task_retry_remove(struct dm_task *t)
{
	(void)t;
	return 1;
}

int __wrap_dm_task_set_cookie(struct dm_task *t, uint32_t *cookie,
			      uint16_t flags);
int __wrap_dm_task_set_cookie(struct dm_task *t, uint32_t *cookie,
			      uint16_t flags)
{
	(void)t;
	assert_int_equal(flags, 0);
	*cookie = 0x0d4d0000u + ++fake_cookies_set;
	return 1;
}

int __wrap_dm_udev_wait(uint32_t cookie);
int __wrap_dm_udev_wait(uint32_t cookie)
{
	assert_int_equal(cookie, 0x0d4d0000u + fake_cookies_waited + 1);
	fake_cookies_waited++;
	return 1;
}

void __wrap_dm_udev_set_sync_support(int sync);
void __wrap_dm_udev_set_sync_support(int sync)
{
	(void)sync;
}

unsigned int fake_lib_releases;

void __wrap_dm_lib_release(void);
void __wrap_dm_lib_release(void)
{
	fake_lib_releases++;
}

bool fake_log_hooked(void)
{
	return log_fn != NULL;
}

void __wrap_dm_log_with_errno_init(dm_log_with_errno_fn fn);
void __wrap_dm_log_with_errno_init(dm_log_with_errno_fn fn)
{
	log_fn = fn;
}

const char *__wrap_dm_dir(void);
const char *__wrap_dm_dir(void)
{
	return fake_dm_dir;
}

int __wrap_dm_mknodes(const char *name);
int __wrap_dm_mknodes(const char *name)
{
	if (!fake_mknodes_works)
		return 0;
	make_node(name);
	return 1;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void build_names(struct dm_task *t)
{
	size_t size = 0, off = 0, sz;
	unsigned int i;
	struct dm_names *n;

	for (i = 0; i < nr_devs; i++)
		size += align8(offsetof(struct dm_names, name) +
			       strlen(devs[i].name) + 1);
	t->buf = calloc(1, size + sizeof(struct dm_names) + 8);
	assert_non_null(t->buf);
	for (i = 0; i < nr_devs; i++) {
		n = (struct dm_names *)((char *)t->buf + off);
		sz = align8(offsetof(struct dm_names, name) +
			    strlen(devs[i].name) + 1);
		n->dev = ((uint64_t)devs[i].major << 8) | devs[i].minor;
		strcpy(n->name, devs[i].name);
		n->next = i + 1 < nr_devs ? (uint32_t)sz : 0;
		off += sz;
	}
}

static void build_versions(struct dm_task *t)
{
	static const char *const names[] = { "linear", "remap", "striped" };
	unsigned int i, n = 0, k;
	size_t off = 0, sz;
	struct dm_versions *v;

	t->buf = calloc(3, 64);
	assert_non_null(t->buf);
	for (i = 0; i < 3; i++) {
		if (i == 1 && !tv[0])
			continue;
		n++;
	}
	for (i = 0, k = 0; i < 3; i++) {
		if (i == 1 && !tv[0])
			continue;
		v = (struct dm_versions *)((char *)t->buf + off);
		sz = align8(offsetof(struct dm_versions, name) +
			    strlen(names[i]) + 1);
		strcpy(v->name, names[i]);
		v->version[0] = i == 1 ? tv[0] : 1;
		v->version[1] = i == 1 ? tv[1] : 4;
		v->version[2] = i == 1 ? tv[2] : 0;
		v->next = ++k < n ? (uint32_t)sz : 0;
		off += sz;
	}
}

static int failed(struct dm_task *t, int err)
{
	t->err = err;
	log_failure();
	return 0;
}

uint64_t fake_list_count;
unsigned int fake_list_page = 4096;

/* One page of a generated table: blocks 0.. fake_list_count-1, remapped. */
static char *generate_list(uint64_t start)
{
	size_t cap = (size_t)fake_list_page * 48 + 32, n = 0;
	char *buf = malloc(cap);
	uint64_t b;

	assert_non_null(buf);
	buf[0] = '\0';
	for (b = start; b < fake_list_count && b < start + fake_list_page; b++)
		n += (size_t)snprintf(buf + n, cap - n, "%llu remapped %llu\n",
				      (unsigned long long)b, (unsigned long long)b);
	if (b < fake_list_count)
		snprintf(buf + n, cap - n, "next %llu", (unsigned long long)b);
	return buf;
}

int __wrap_dm_task_run(struct dm_task *t);
int __wrap_dm_task_run(struct dm_task *t)
{
	struct fake_dev *d = t->name[0] ? fake_find(t->name) : NULL;

	if (t->type == fail_type) {
		fail_type = -1;
		return failed(t, fail_err);
	}
	switch (t->type) {
	case DM_DEVICE_LIST_VERSIONS:
		build_versions(t);
		return 1;
	case DM_DEVICE_LIST:
		build_names(t);
		return 1;
	case DM_DEVICE_INFO:
		if (d) {
			t->snap = *d;
			t->exists = true;
		}
		return 1;
	case DM_DEVICE_CREATE:
		if (d || nr_devs == MAX_DEVS)
			return failed(t, EBUSY);
		d = fake_add(t->name, NULL, NULL, NULL);
		snprintf(d->uuid, sizeof(d->uuid), "%s", t->uuid);
		d->suspended = true;
		return 1;
	default:
		break;
	}
	if (!d)
		return failed(t, ENXIO);
	switch (t->type) {
	case DM_DEVICE_TABLE:
	case DM_DEVICE_STATUS:
		t->snap = *d;
		t->exists = true;
		return 1;
	case DM_DEVICE_RELOAD:
		assert_true(t->has_target);
		if (!strcmp(t->ttype, "remap") && !tv[0]) {
			if (!module_tv[0])
				return failed(t, EINVAL);	/* unknown target type */
			memcpy(tv, module_tv, sizeof(tv));
		}
		d->has_inactive = true;
		snprintf(d->inactive_type, sizeof(d->inactive_type), "%s", t->ttype);
		snprintf(d->inactive_params, sizeof(d->inactive_params), "%s",
			 t->tparams);
		d->inactive_length = t->tlength;
		return 1;
	case DM_DEVICE_RESUME:
		if (d->has_inactive) {
			d->nr_targets = 1;
			snprintf(d->type, sizeof(d->type), "%s", d->inactive_type);
			snprintf(d->table, sizeof(d->table), "%s", d->inactive_params);
			d->length = d->inactive_length;
			d->has_inactive = false;
		}
		d->suspended = false;
		if (fake_node_on_resume)
			make_node(d->name);
		return 1;
	case DM_DEVICE_REMOVE:
		if (d->busy)
			return failed(t, EBUSY);
		del_dev(d);
		return 1;
	case DM_DEVICE_TARGET_MSG:
		if (msg_head == msg_tail && fake_list_count &&
		    !strncmp(t->message, "list ", 5)) {
			t->response = generate_list(strtoull(t->message + 5, NULL, 10));
			return 1;
		}
		assert_true(msg_head < msg_tail);
		assert_int_equal(t->sector, 0);
		assert_string_equal(t->message, msgs[msg_head].msg);
		msg_head++;
		if (msgs[msg_head - 1].err) {
			free(msgs[msg_head - 1].reply);
			return failed(t, msgs[msg_head - 1].err);
		}
		t->response = msgs[msg_head - 1].reply;
		return 1;
	default:
		fail_msg("unexpected task type %d", t->type);
		return 0;
	}
}

int __wrap_dm_task_get_errno(struct dm_task *t);
int __wrap_dm_task_get_errno(struct dm_task *t)
{
	return t->err;
}

int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info);
int __wrap_dm_task_get_info(struct dm_task *t, struct dm_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!t->exists)
		return 1;
	info->exists = 1;
	info->suspended = t->snap.suspended;
	info->live_table = t->snap.nr_targets > 0;
	info->major = t->snap.major;
	info->minor = t->snap.minor;
	info->target_count = (int32_t)t->snap.nr_targets;
	return 1;
}

const char *__wrap_dm_task_get_uuid(const struct dm_task *t);
const char *__wrap_dm_task_get_uuid(const struct dm_task *t)
{
	return t->snap.uuid;
}

struct dm_names *__wrap_dm_task_get_names(struct dm_task *t);
struct dm_names *__wrap_dm_task_get_names(struct dm_task *t)
{
	return t->buf;
}

struct dm_versions *__wrap_dm_task_get_versions(struct dm_task *t);
struct dm_versions *__wrap_dm_task_get_versions(struct dm_task *t)
{
	return t->buf;
}

const char *__wrap_dm_task_get_message_response(struct dm_task *t);
const char *__wrap_dm_task_get_message_response(struct dm_task *t)
{
	return t->response;
}

void *__wrap_dm_get_next_target(struct dm_task *t, void *next,
				uint64_t *start, uint64_t *length,
				char **target_type, char **params);
void *__wrap_dm_get_next_target(struct dm_task *t, void *next,
				uint64_t *start, uint64_t *length,
				char **target_type, char **params)
{
	/* @next counts the targets already returned, plus one. */
	uintptr_t i = (uintptr_t)next;

	*target_type = *params = NULL;
	*start = *length = 0;
	if (i >= t->snap.nr_targets)
		return NULL;
	*start = t->snap.start + i * t->snap.length;
	*length = t->snap.length;
	*target_type = t->snap.type;
	*params = t->type == DM_DEVICE_STATUS ? t->snap.status : t->snap.table;
	return i + 1 < t->snap.nr_targets ? (void *)(i + 1) : NULL;
}
