// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device-mapper side of libdmremap against fake_dm.c: target version,
 * status, list, create (create/reload/resume, undo on failure, node
 * fallback), remove, messages, entry paging, errno mapping.
 */
#include <libdevmapper.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dmr-internal.h"
#include "fake_dm.h"

static struct dmr_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_msgs_left(), 0);
	dmr_ctx_free(ctx);
	fake_cleanup();
	return 0;
}

#define has(s) assert_non_null(strstr(dmr_error(ctx), s))

#define TABLE "250:1 250:2 1 suppress_writes"
#define STATUS "2 10 20 1 2 3 4 5 100 6 7 8 on degraded"
#define STATS "reads=10 spare_start=176 metadata_generation=9 block_size=4096"

static struct fake_dev *add_remap(const char *name)
{
	return fake_add(name, "remap", TABLE, STATUS);
}

static void test_target_version(void **state)
{
	unsigned int v[3] = { 0, 0, 0 };

	(void)state;
	fake_target_version(1, 2, 3);
	assert_int_equal(dmr_target_version(ctx, v), 0);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 3);
	assert_string_equal(dmr_error(ctx), "");
}

static void test_target_not_loaded(void **state)
{
	unsigned int v[3];

	(void)state;
	fake_target_version(0, 0, 0);
	assert_int_equal(dmr_target_version(ctx, v), -EOPNOTSUPP);
	assert_string_equal(dmr_error(ctx),
			    "dm-remap kernel module not available (modprobe dm-remap?)");
}

static void test_target_wrong_major(void **state)
{
	unsigned int v[3];

	(void)state;
	fake_target_version(2, 0, 0);
	assert_int_equal(dmr_target_version(ctx, v), -EPROTO);
	has("2.0.0 is not supported");
}

/* Every error line libdevmapper logged, each on a line of its own. */
#define DM_LINES "\nlibdevmapper: " FAKE_LOG_TEXT "\nlibdevmapper: " FAKE_LOG_TEXT2

/* As root, libdevmapper cannot reach the driver: exit 6 material. */
static void test_dm_unavailable(void **state)
{
	unsigned int v[3];
	char **names;
	size_t n;

	(void)state;
	fake_fail_create();
	assert_int_equal(dmr_target_version(ctx, v), -EOPNOTSUPP);
	assert_string_equal(dmr_error(ctx),
			    "the kernel's device-mapper driver is not available (modprobe dm-mod?)"
			    DM_LINES);
	fake_fail_create();
	assert_int_equal(dmr_list(ctx, &names, &n), -EOPNOTSUPP);
	has("driver is not available");
	/* An ioctl refused for permission stays a permission error. */
	fake_fail(DM_DEVICE_LIST_VERSIONS, EACCES);
	assert_int_equal(dmr_target_version(ctx, v), -EACCES);
	assert_string_equal(dmr_error(ctx),
			    "device-mapper target list failed: Permission denied" DM_LINES);
}

/* Not root: permission denied (-EACCES), as cryptsetup says it. */
static void test_dm_not_root(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	unsigned int v[3];
	char **names;
	size_t n;

	(void)state;
	fake_euid = 65534;
	add_remap("safe");
	fake_fail_create();
	assert_int_equal(dmr_list(ctx, &names, &n), -EACCES);
	assert_string_equal(dmr_error(ctx),
			    "cannot use device-mapper: permission denied, running as a "
			    "non-root user (device-mapper needs root)" DM_LINES);
	fake_fail_create();
	assert_int_equal(dmr_status(ctx, "safe", &st), -EACCES);
	has("permission denied, running as a non-root user");
	fake_fail_create();
	assert_int_equal(dmr_target_version(ctx, v), -EACCES);
	fake_fail(DM_DEVICE_TABLE, EPERM);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EPERM);
	assert_string_equal(dmr_error(ctx),
			    "device-mapper table of safe failed: Operation not permitted "
			    "(running as a non-root user: device-mapper needs root)" DM_LINES);
}

static void *other_thread(void *arg)
{
	unsigned int v[3];

	return (void *)(intptr_t)dmr_target_version(arg, v);
}

/* libdevmapper's words go to the context of the call that caused them. */
static void test_log_routing(void **state)
{
	struct dmr_ctx *other;
	unsigned int v[3];
	pthread_t t;
	void *ret;

	(void)state;
	assert_int_equal(dmr_ctx_new(&other), 0);
	assert_int_equal(dmr_target_version(ctx, v), 0);
	fake_fail(DM_DEVICE_LIST_VERSIONS, EIO);
	assert_int_equal(pthread_create(&t, NULL, other_thread, other), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, -EIO);
	assert_non_null(strstr(dmr_error(other), DM_LINES));
	assert_string_equal(dmr_error(ctx), "");
	/* A later successful call on the same context clears its message. */
	assert_int_equal(dmr_target_version(other, v), 0);
	assert_string_equal(dmr_error(other), "");
	dmr_ctx_free(other);
}

static void test_status_full(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct fake_dev *d;
	time_t now = time(NULL);

	(void)state;
	fake_add("other", "linear", "8:0 0", "");
	d = add_remap("safe");
	d->start = 0;
	d->length = 8192;
	d->suspended = true;
	fake_msg("stats", STATS, 0);
	assert_int_equal(dmr_status(ctx, "safe", &st), 0);
	assert_string_equal(st.name, "safe");
	assert_string_equal(st.uuid, "DMREMAP-safe");
	assert_int_equal(st.dm.major, 250);
	assert_int_equal(st.dm.minor, d->minor);
	assert_int_equal(st.target_version[0], 1);
	assert_int_equal(st.main.major, 250);
	assert_int_equal(st.main.minor, 1);
	assert_int_equal(st.spare.minor, 2);
	assert_int_equal(st.start, 0);
	assert_int_equal(st.length, 8192);
	assert_true(st.suspended);
	assert_int_equal(st.status_version, 2);
	assert_int_equal(st.reads, 10);
	assert_int_equal(st.spare_errors, 8);
	assert_int_equal(st.kernel_health, DMR_KHEALTH_DEGRADED);
	assert_int_equal(st.spare_start, 176);
	assert_int_equal(st.metadata_generation, 9);
	assert_int_equal(st.block_size, 4096);
	assert_true(st.taken >= now && st.taken <= now + 5);
}

static void test_status_missing(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };

	(void)state;
	assert_int_equal(dmr_status(ctx, "nope", &st), -ENXIO);
	assert_string_equal(dmr_error(ctx), "no device-mapper device named 'nope'");
	assert_int_equal(dmr_status(ctx, "bad name", &st), -ENXIO);
	assert_string_equal(dmr_error(ctx), "no device-mapper device named 'bad name'");
	assert_int_equal(dmr_status(ctx, "", &st), -EINVAL);
	assert_string_equal(dmr_error(ctx), "no device name given");
	assert_int_equal(dmr_status(ctx, NULL, &st), -EINVAL);
}

/*
 * Names that create refuses (a dm-remap device made with plain dmsetup)
 * are looked up like any other: they do not break list or status.
 */
static void test_foreign_names(void **state)
{
	static const char *const odd[] = { "a:b@c#d", "caf\xc3\xa9", "odd name" };
	struct dmr_status st = { .size = sizeof(st) };
	char **names;
	size_t n, i;

	(void)state;
	add_remap("safe");
	for (i = 0; i < 3; i++)
		add_remap(odd[i]);
	assert_int_equal(dmr_list(ctx, &names, &n), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		fake_msg("stats", STATS, 0);
		assert_int_equal(dmr_status(ctx, names[i], &st), 0);
		assert_string_equal(st.name, names[i]);
		assert_string_equal(names[i], i < 3 ? odd[i] : "safe");
	}
	dmr_names_free(names, n);
	fake_msg("suppress off", NULL, 0);
	assert_int_equal(dmr_set_suppress(ctx, "odd name", false), 0);
	assert_int_equal(dmr_remove(ctx, "odd name"), 0);
	assert_null(fake_find("odd name"));
}

static void test_status_not_remap(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct fake_dev *d;

	(void)state;
	fake_add("lin", "linear", "8:0 0", "");
	assert_int_equal(dmr_status(ctx, "lin", &st), -EINVAL);
	assert_string_equal(dmr_error(ctx), "'lin' is not a dm-remap device");
	d = add_remap("two");
	d->nr_targets = 2;
	assert_int_equal(dmr_status(ctx, "two", &st), -EINVAL);
	has("not a dm-remap device");
	fake_add("empty", NULL, NULL, NULL);
	assert_int_equal(dmr_status(ctx, "empty", &st), -EINVAL);
	assert_string_equal(dmr_error(ctx), "'empty' has no active table");
}

static void test_status_errors(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct fake_dev *d;

	(void)state;
	d = add_remap("safe");
	fake_fail(DM_DEVICE_STATUS, EACCES);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EACCES);
	assert_string_equal(dmr_error(ctx),
			    "device-mapper status of safe failed: Permission denied" DM_LINES);

	snprintf(d->status, sizeof(d->status), "1 0 0 0 0 0 0 0 1 0 0 0 on ok");
	assert_int_equal(dmr_status(ctx, "safe", &st), -EPROTO);
	has("'safe': status format version 1 is too old");

	snprintf(d->status, sizeof(d->status), "%s", STATUS);
	fake_msg("stats", "reads=1", 0);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EPROTO);
	has("stats reply has no 'spare_start'");

	/* The device goes away between the table and the message. */
	fake_msg("stats", NULL, ENXIO);
	assert_int_equal(dmr_status(ctx, "safe", &st), -ENXIO);
	has("no device-mapper device named 'safe'");

	fake_fail(DM_DEVICE_TABLE, ENOMEM);
	assert_int_equal(dmr_status(ctx, "safe", &st), -ENOMEM);
	has("Cannot allocate memory");
}

static void test_list(void **state)
{
	char **names;
	size_t n;

	(void)state;
	add_remap("zeta");
	fake_add("lin", "linear", "8:0 0", "");
	add_remap("alpha");
	fake_add("notable", NULL, NULL, NULL);
	add_remap("mid");
	assert_int_equal(dmr_list(ctx, &names, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "mid");
	assert_string_equal(names[2], "zeta");
	dmr_names_free(names, n);

	/* A device removed while listing is skipped. */
	fake_fail(DM_DEVICE_TABLE, ENXIO);
	assert_int_equal(dmr_list(ctx, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "mid");
	dmr_names_free(names, n);

	fake_fail(DM_DEVICE_TABLE, EIO);
	assert_int_equal(dmr_list(ctx, &names, &n), -EIO);
	has("Input/output error");

	fake_fail(DM_DEVICE_LIST, EPERM);
	assert_int_equal(dmr_list(ctx, &names, &n), -EPERM);
	assert_null(names);
	assert_int_equal(n, 0);
}

static void test_list_none(void **state)
{
	char **names = (char **)1;
	size_t n = 9;

	(void)state;
	assert_int_equal(dmr_list(ctx, &names, &n), 0);
	assert_null(names);
	assert_int_equal(n, 0);
	fake_add("lin", "linear", "8:0 0", "");
	assert_int_equal(dmr_list(ctx, &names, &n), 0);
	assert_null(names);
	assert_int_equal(n, 0);
}

static bool node_exists(const char *name)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", fake_dm_dir, name);
	return !access(p, F_OK);
}

static void test_create(void **state)
{
	struct fake_dev *d;

	(void)state;
	assert_int_equal(dmri_dm_create(ctx, "safe", "DMREMAP-safe", 4096,
					"250:1 250:2 1 format"), 0);
	d = fake_find("safe");
	assert_non_null(d);
	assert_string_equal(d->uuid, "DMREMAP-safe");
	assert_int_equal(d->nr_targets, 1);
	assert_string_equal(d->type, "remap");
	assert_string_equal(d->table, "250:1 250:2 1 format");
	assert_int_equal(d->length, 4096);
	assert_false(d->suspended);
	assert_true(node_exists("safe"));
	assert_int_equal(fake_cookies_set, 1);
	assert_int_equal(fake_cookies_waited, 1);
}

static void test_create_refused(void **state)
{
	(void)state;
	fake_fail(DM_DEVICE_RELOAD, EINVAL);
	assert_int_equal(dmri_dm_create(ctx, "safe", "DMREMAP-safe", 4096,
					"250:1 250:2"), -EINVAL);
	assert_string_equal(dmr_error(ctx),
			    "the kernel refused the table for 'safe': see dmesg (Invalid argument)"
			    DM_LINES);
	assert_null(fake_find("safe"));		/* the half-made device is gone */
	assert_int_equal(fake_cookies_set, fake_cookies_waited);

	fake_fail(DM_DEVICE_RESUME, EIO);
	assert_int_equal(dmri_dm_create(ctx, "safe", "DMREMAP-safe", 4096,
					"250:1 250:2"), -EIO);
	has("the kernel could not activate 'safe': see dmesg");
	assert_null(fake_find("safe"));
	assert_false(node_exists("safe"));
	assert_int_equal(fake_cookies_set, fake_cookies_waited);
}

static void test_create_exists(void **state)
{
	(void)state;
	add_remap("safe");
	assert_int_equal(dmri_dm_create(ctx, "safe", "DMREMAP-safe", 4096,
					"250:1 250:2"), -EEXIST);
	has("already exists");
	assert_non_null(fake_find("safe"));	/* not removed */
}

static void test_create_node_fallback(void **state)
{
	(void)state;
	fake_node_on_resume = false;
	assert_int_equal(dmri_dm_create(ctx, "a", "u-a", 8, "250:1 250:2"), 0);
	assert_true(node_exists("a"));		/* made by dm_mknodes */
	fake_mknodes_works = false;
	assert_int_equal(dmri_dm_create(ctx, "b", "u-b", 8, "250:1 250:2"), -EIO);
	has("could not create");
	assert_null(fake_find("b"));
}

static void test_remove(void **state)
{
	struct fake_dev *d;

	(void)state;
	add_remap("safe");
	fake_add("lin", "linear", "8:0 0", "");
	assert_int_equal(dmr_remove(ctx, "safe"), 0);
	assert_null(fake_find("safe"));
	assert_int_equal(fake_cookies_set, 1);
	assert_int_equal(fake_cookies_waited, 1);
	assert_int_equal(dmr_remove(ctx, "safe"), -ENXIO);
	assert_string_equal(dmr_error(ctx), "no device-mapper device named 'safe'");
	assert_int_equal(dmr_remove(ctx, "lin"), -EINVAL);
	assert_non_null(fake_find("lin"));
	d = add_remap("busy");
	d->busy = true;
	assert_int_equal(dmr_remove(ctx, "busy"), -EBUSY);
	assert_string_equal(dmr_error(ctx), "'busy' is in use (mounted or open)");
	assert_non_null(fake_find("busy"));
}

static void test_suppress(void **state)
{
	(void)state;
	add_remap("safe");
	fake_msg("suppress off", NULL, 0);
	assert_int_equal(dmr_set_suppress(ctx, "safe", false), 0);
	fake_msg("suppress on", NULL, 0);
	assert_int_equal(dmr_set_suppress(ctx, "safe", true), 0);
	fake_msg("suppress on", NULL, EINVAL);
	assert_int_equal(dmr_set_suppress(ctx, "safe", true), -EINVAL);
	has("the kernel refused the message 'suppress on' to 'safe': see dmesg");
}

static void test_remap(void **state)
{
	enum dmr_remap_result res;
	uint64_t spare = 0;
	struct fake_dev *d;

	(void)state;
	d = add_remap("safe");
	d->length = 80;			/* 10 blocks of 4096 bytes */
	fake_msg("stats", STATS, 0);
	fake_msg("remap 9", "block 9 remapped to spare block 2", 0);
	assert_int_equal(dmr_remap(ctx, "safe", 9, &res, &spare), 0);
	assert_int_equal(res, DMR_REMAP_DONE);
	assert_int_equal(spare, 2);

	fake_msg("stats", STATS, 0);
	fake_msg("remap 9", "block 9 already remapped to spare block 2", 0);
	assert_int_equal(dmr_remap(ctx, "safe", 9, &res, &spare), 0);
	assert_int_equal(res, DMR_REMAP_ALREADY);

	fake_msg("stats", STATS, 0);
	fake_msg("remap 0", "block 0 unreadable: pending", 0);
	assert_int_equal(dmr_remap(ctx, "safe", 0, &res, NULL), 0);
	assert_int_equal(res, DMR_REMAP_PENDING);

	fake_msg("stats", STATS, 0);
	fake_msg("remap 1", "what?", 0);
	res = DMR_REMAP_DONE;
	assert_int_equal(dmr_remap(ctx, "safe", 1, &res, NULL), -EPROTO);
	has("unexpected reply to remap: 'what?'");

	/* Beyond the device: refused without a message to the kernel. */
	fake_msg("stats", STATS, 0);
	assert_int_equal(dmr_remap(ctx, "safe", 10, &res, NULL), -EINVAL);
	assert_string_equal(dmr_error(ctx),
			    "block 10 is beyond 'safe' (10 blocks of 4096 bytes)");
}

static void test_clear_pending(void **state)
{
	struct fake_dev *d;

	(void)state;
	d = add_remap("safe");
	d->length = 80;
	fake_msg("stats", STATS, 0);
	fake_msg("clear_pending 3", NULL, 0);
	assert_int_equal(dmr_clear_pending(ctx, "safe", 3), 0);
	fake_msg("stats", STATS, 0);
	fake_msg("clear_pending 4", NULL, EINVAL);
	assert_int_equal(dmr_clear_pending(ctx, "safe", 4), -EINVAL);
	assert_string_equal(dmr_error(ctx), "block 4 of 'safe' is not pending");
	assert_int_equal(dmr_clear_pending(ctx, "gone", 4), -ENXIO);
}

/* The old array API, on top of dmr_entries_foreach. */
struct collected {
	struct dmr_entry *e;
	size_t n;
};

static int collect(const struct dmr_entry *e, void *data)
{
	struct collected *c = data;
	struct dmr_entry *n = realloc(c->e, (c->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->e = n;
	c->e[c->n++] = *e;
	return 0;
}

static int list_entries(struct dmr_ctx *cx, const char *name,
			struct dmr_entry **e, size_t *n)
{
	struct collected c = { NULL, 0 };
	int r = dmr_entries_foreach(cx, name, collect, &c);

	if (r) {
		free(c.e);
		c.e = NULL;
		c.n = 0;
	}
	*e = c.e;
	*n = c.n;
	return r;
}

static void test_entries_paging(void **state)
{
	struct dmr_entry *e;
	size_t n;

	(void)state;
	add_remap("safe");
	fake_msg("list 0", "0 remapped 5\n3 pending -\nnext 7", 0);
	fake_msg("list 7", "7 inflight 9\n9 remapped 10\nnext 12", 0);
	fake_msg("list 12", "next 15", 0);
	fake_msg("list 15", "15 remapped 11\n", 0);
	assert_int_equal(list_entries(ctx, "safe", &e, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].block, 0);
	assert_int_equal(e[1].block, 3);
	assert_int_equal(e[1].state, DMR_ENTRY_PENDING);
	assert_int_equal(e[2].block, 7);
	assert_int_equal(e[2].state, DMR_ENTRY_INFLIGHT);
	assert_int_equal(e[3].spare_block, 10);
	assert_int_equal(e[4].block, 15);
	assert_int_equal(e[4].spare_block, 11);
	free(e);

	fake_msg("list 0", "", 0);
	assert_int_equal(list_entries(ctx, "safe", &e, &n), 0);
	assert_int_equal(n, 0);
	assert_null(e);
}

static void test_entries_errors(void **state)
{
	struct dmr_entry *e;
	size_t n;

	(void)state;
	add_remap("safe");
	/* A page going backwards (a buggy or changing reply) is refused. */
	fake_msg("list 0", "5 remapped 1\nnext 9", 0);
	fake_msg("list 9", "2 remapped 3\n", 0);
	assert_int_equal(list_entries(ctx, "safe", &e, &n), -EPROTO);
	assert_null(e);
	fake_msg("list 0", "next 0", 0);
	assert_int_equal(list_entries(ctx, "safe", &e, &n), -EPROTO);
	has("made no progress");
	fake_msg("list 0", "0 remapped 1\nnext 4", 0);
	fake_msg("list 4", NULL, ENXIO);
	assert_int_equal(list_entries(ctx, "safe", &e, &n), -ENXIO);
	assert_null(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_target_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_not_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_wrong_major, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dm_unavailable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dm_not_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_not_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_node_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
