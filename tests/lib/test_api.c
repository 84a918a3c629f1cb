// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The 2.0 API's growth rules and plumbing: size-first structs in both
 * directions, placeholders for unreadable devices, the log callback with
 * levels (every libdevmapper line at debug), the per-context reference on
 * libdevmapper's log hook, and the streaming entries writer.
 */
#include <errno.h>
#include <json-c/json.h>
#include <libdevmapper.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmr-internal.h"
#include "fake_dm.h"

#define TABLE "250:1 250:2 1 suppress_writes"
#define STATUS3 "3 10 20 1 2 3 4 5 100 6 7 8 on degraded 1 lost 1766232000"
#define STATS "spare_start=176 metadata_generation=42 block_size=512 " \
	      "spare_stride=512 format_version=2 format_id=0123456789abcdef"

static struct dmr_ctx *ctx;

struct logged {
	char text[8192];
	int levels[64];
	unsigned int n;
};
static struct logged logged;

static void log_fn(int level, const char *msg, void *data)
{
	struct logged *l = data;
	size_t len = strlen(l->text);

	if (l->n < 64)
		l->levels[l->n] = level;
	l->n++;
	snprintf(l->text + len, sizeof(l->text) - len, "%d %s\n", level, msg);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(&logged, 0, sizeof(logged));
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	dmr_ctx_free(ctx);
	ctx = NULL;
	fake_cleanup();
	return 0;
}

static void ready(void)
{
	fake_add("safe", "remap", TABLE, STATUS3);
	fake_target_version(1, 1, 0);
	fake_msg("stats", STATS, 0);
}

/* A status fills what the caller's struct has, and says how much. */
static void test_status_sizes(void **state)
{
	struct {
		struct dmr_status st;
		char future[64];
	} big;
	struct dmr_status st = { .size = sizeof(st) };
	size_t old = DMRI_STATUS_MIN_SIZE;
	char *small;

	(void)state;
	ready();
	assert_int_equal(dmr_status(ctx, "safe", &st), 0);
	assert_int_equal(st.size, sizeof(st));
	assert_int_equal(st.status_version, 3);
	assert_int_equal(st.lost, 1);
	assert_int_equal(st.failure, DMR_FAILURE_LOST);
	assert_int_equal(st.counters_since, 1766232000);
	assert_int_equal(st.spare_stride, 512);
	assert_int_equal(st.format_version, 2);
	assert_true(st.format_id == 0x0123456789abcdefULL);
	assert_true(st.taken > 1700000000);
	assert_int_equal(st.unreadable, 0);
	assert_string_equal(st.error, "");

	/* A newer caller's bigger struct: the tail is zeroed, size is ours. */
	memset(&big, 0xaa, sizeof(big));
	big.st.size = sizeof(big);
	fake_msg("stats", STATS, 0);
	assert_int_equal(dmr_status(ctx, "safe", &big.st), 0);
	assert_int_equal(big.st.size, sizeof(struct dmr_status));
	assert_int_equal(big.st.remapped, 3);
	assert_int_equal(big.future[0], 0);
	assert_int_equal(big.future[63], 0);

	/* An older caller's smaller struct: nothing beyond its size is touched. */
	small = malloc(old + 16);
	assert_non_null(small);
	memset(small, 0x55, old + 16);
	((struct dmr_status *)small)->size = old;
	fake_msg("stats", STATS, 0);
	assert_int_equal(dmr_status(ctx, "safe", (struct dmr_status *)small), 0);
	assert_int_equal(((struct dmr_status *)small)->size, old);
	assert_int_equal(small[old], 0x55);
	assert_int_equal(small[old + 15], 0x55);
	free(small);

	/* Size not set: refused. */
	st.size = 0;
	assert_int_equal(dmr_status(ctx, "safe", &st), -EINVAL);
	assert_non_null(strstr(dmr_error(ctx), "size"));
}

/* A device that cannot be read leaves a placeholder. */
static void test_status_placeholder(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	struct dmr_health *h = NULL;

	(void)state;
	assert_int_equal(dmr_status(ctx, "gone", &st), -ENXIO);
	assert_string_equal(st.name, "gone");
	assert_int_equal(st.unreadable, -ENXIO);
	assert_string_equal(st.error, "no device-mapper device named 'gone'");
	assert_int_equal(st.size, sizeof(st));
	assert_int_equal(dmr_health_eval(&st, NULL, &h), 0);
	assert_int_equal(dmr_health_level(h), DMR_HEALTH_UNKNOWN);
	assert_string_equal(dmr_health_reason(h, 0)->code, "unreadable");
	dmr_health_free(h);
}

/* Create options: size first; unknown set bytes are -E2BIG, unset -EINVAL. */
static void test_create_opts_sizes(void **state)
{
	struct {
		struct dmr_create_opts o;
		uint64_t future;
	} big = { .o = { .size = sizeof(big) }, .future = 1 };
	struct dmr_create_opts o = { .suppress = DMR_SUPPRESS_ON };

	(void)state;
	assert_int_equal(dmr_create(ctx, "x", "/dev/null", "/dev/zero", &big.o), -E2BIG);
	assert_non_null(strstr(dmr_error(ctx), "does not know"));
	assert_int_equal(dmr_create(ctx, "x", "/dev/null", "/dev/zero", &o), -EINVAL);
	assert_non_null(strstr(dmr_error(ctx), "size not set"));
	o.size = sizeof(o);
	o.suppress = 7;
	assert_int_equal(dmr_create(ctx, "x", "/dev/null", "/dev/zero", &o), -EINVAL);
	assert_non_null(strstr(dmr_error(ctx), "invalid suppress"));
}

/* Levels: notices by default; with debug, every libdevmapper line too. */
static void test_log_levels(void **state)
{
	struct dmr_status st = { .size = sizeof(st) };
	unsigned int i;

	(void)state;
	dmr_set_log_fn(ctx, log_fn, &logged);
	fake_fail(DM_DEVICE_TABLE, EIO);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EIO);
	/* The error lines, not the debug line between them. */
	assert_int_equal(logged.n, 2);
	assert_int_equal(logged.levels[0], DMR_LOG_ERR);
	assert_non_null(strstr(logged.text, "3 libdevmapper: " FAKE_LOG_TEXT "\n"));
	assert_null(strstr(logged.text, FAKE_LOG_DEBUG));
	/* ... which also end the failure's message. */
	assert_non_null(strstr(dmr_error(ctx), "\nlibdevmapper: " FAKE_LOG_TEXT));

	memset(&logged, 0, sizeof(logged));
	dmr_set_log_level(ctx, DMR_LOG_DEBUG);
	fake_fail(DM_DEVICE_TABLE, EIO);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EIO);
	assert_non_null(strstr(logged.text, "7 libdevmapper: " FAKE_LOG_DEBUG "\n"));
	assert_non_null(strstr(logged.text, "7 dm: table safe\n"));
	assert_null(strstr(dmr_error(ctx), FAKE_LOG_DEBUG));

	/* A good status at debug: the ioctls and the kernel's replies. */
	memset(&logged, 0, sizeof(logged));
	ready();
	assert_int_equal(dmr_status(ctx, "safe", &st), 0);
	assert_non_null(strstr(logged.text, "7 dm: status safe: 0 "));
	assert_non_null(strstr(logged.text, STATUS3));
	assert_non_null(strstr(logged.text, "7 dm: message 'stats' to safe: reply"));
	for (i = 0; i < logged.n && i < 64; i++)
		assert_int_equal(logged.levels[i], DMR_LOG_DEBUG);

	/* No log function: nothing, and no crash. */
	dmr_set_log_fn(ctx, NULL, NULL);
	fake_fail(DM_DEVICE_TABLE, EIO);
	assert_int_equal(dmr_status(ctx, "safe", &st), -EIO);
}

/* libdevmapper's hook is held while a context that used dm exists. */
static void test_backend_reference(void **state)
{
	struct dmr_ctx *a, *b, *unused;
	unsigned int v[3];

	(void)state;
	dmr_ctx_free(ctx);		/* the fixture's, which did nothing */
	ctx = NULL;
	fake_lib_releases = 0;
	assert_false(fake_log_hooked());
	assert_int_equal(dmr_ctx_new(&a), 0);
	assert_int_equal(dmr_ctx_new(&b), 0);
	assert_int_equal(dmr_ctx_new(&unused), 0);
	assert_false(fake_log_hooked());	/* only a dm call takes it */
	assert_int_equal(dmr_target_version(a, v), 0);
	assert_int_equal(dmr_target_version(b, v), 0);
	assert_int_equal(dmr_target_version(a, v), 0);
	assert_true(fake_log_hooked());
	dmr_ctx_free(unused);
	dmr_ctx_free(a);
	assert_true(fake_log_hooked());
	assert_int_equal(fake_lib_releases, 0);
	dmr_ctx_free(b);
	assert_false(fake_log_hooked());	/* libdevmapper's own logging again */
	assert_int_equal(fake_lib_releases, 1);
	assert_int_equal(dmr_ctx_new(&ctx), 0);
}

/* The producer block; dmr_set_producer copies its strings. */
static void test_producer(void **state)
{
	char tool[] = "tool", ver[] = "9";
	json_object *root, *p, *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(dmr_set_producer(ctx, tool, ver), 0);
	tool[0] = ver[0] = 'X';
	f = open_memstream(&buf, &len);
	assert_int_equal(dmr_json_status(ctx, NULL, 0, NULL, 0, f), 0);
	fclose(f);
	root = json_tokener_parse(buf);
	assert_true(json_object_object_get_ex(root, "producer", &p));
	assert_true(json_object_object_get_ex(p, "tool", &v));
	assert_string_equal(json_object_get_string(v), "tool");
	assert_true(json_object_object_get_ex(p, "tool_version", &v));
	assert_string_equal(json_object_get_string(v), "9");
	json_object_put(root);
	free(buf);
	assert_int_equal(dmr_set_producer(ctx, NULL, NULL), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(dmr_json_status(ctx, NULL, 0, NULL, 0, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"tool\":null"));
	free(buf);
	assert_int_equal(dmr_set_producer(NULL, "x", "y"), -EINVAL);
}

/* Many pages, entry by entry: every one arrives, in order, in the JSON. */
static void test_entries_stream(void **state)
{
	json_object *root, *arr, *o;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	fake_add("safe", "remap", TABLE, STATUS3);
	fake_list_count = 20000;
	fake_list_page = 1000;
	f = open_memstream(&buf, &len);
	assert_int_equal(dmr_json_entries(ctx, "safe", 0, f), 0);
	fclose(f);
	root = json_tokener_parse(buf);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "entries", &arr));
	assert_int_equal(json_object_array_length(arr), 20000);
	for (i = 0; i < 20000; i += 997) {
		o = json_object_array_get_idx(arr, i);
		assert_true(json_object_object_get_ex(o, "block", &o));
		assert_int_equal(json_object_get_uint64(o), i);
	}
	json_object_put(root);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_opts_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entries_stream, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
