// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * JSON documents parsed back with json-c and checked key by key against
 * docs/JSON.md.
 */
#include <errno.h>
#include <json-c/json.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dmr-internal.h"
#include "fake_dm.h"

static struct dmr_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	if (dmr_ctx_new(&ctx))
		return -1;
	return dmr_set_producer(ctx, "testtool", "1.2");
}

static int teardown(void **state)
{
	(void)state;
	dmr_ctx_free(ctx);
	fake_cleanup();
	return 0;
}

/* What a writer puts in a memory stream, NUL-terminated (free it). */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	return m->f;
}

static char *mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
	return m->buf;
}

static json_object *key(json_object *o, const char *k, json_type type)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing key '%s'", k);
	if (!json_object_is_type(v, type))
		fail_msg("key '%s' has type %s", k,
			 json_type_to_name(json_object_get_type(v)));
	return v;
}

static void u64_is(json_object *o, const char *k, uint64_t want)
{
	assert_true(json_object_get_uint64(key(o, k, json_type_int)) == want);
}

static void str_is(json_object *o, const char *k, const char *want)
{
	assert_string_equal(json_object_get_string(key(o, k, json_type_string)),
			    want);
}

static void bool_is(json_object *o, const char *k, bool want)
{
	assert_int_equal(json_object_get_boolean(key(o, k, json_type_boolean)),
			 want);
}

static void nkeys(json_object *o, int n)
{
	assert_int_equal(json_object_object_length(o), n);
}

static void check_iso(json_object *o, const char *k, const char *epoch_key,
		      time_t near, time_t slack)
{
	const char *iso = json_object_get_string(key(o, k, json_type_string));
	int64_t epoch = json_object_get_int64(key(o, epoch_key, json_type_int));
	char want[32];
	struct tm tm;
	regex_t re;

	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, iso, 0, NULL, 0), 0);
	regfree(&re);
	assert_true(epoch >= near && epoch <= near + slack);
	/* The two forms agree. */
	time_t t = (time_t)epoch;
	gmtime_r(&t, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(iso, want);
}

static json_object *parse_doc(const char *s, time_t now)
{
	json_object *root = json_tokener_parse(s);

	assert_non_null(root);
	json_object *p;

	assert_int_equal(json_object_get_int(key(root, "schema_version", json_type_int)),
			 DMR_JSON_SCHEMA_VERSION);
	assert_int_equal(json_object_get_int(key(root, "schema_minor", json_type_int)),
			 DMR_JSON_SCHEMA_MINOR);
	check_iso(root, "generated", "generated_epoch", now, 5);
	p = key(root, "producer", json_type_object);
	nkeys(p, 4);
	str_is(p, "library", "libdmremap");
	str_is(p, "library_version", dmr_library_version());
	str_is(p, "tool", "testtool");
	str_is(p, "tool_version", "1.2");
	return root;
}

static struct dmr_status sample(void)
{
	struct dmr_status st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	snprintf(st.name, sizeof(st.name), "safe");
	snprintf(st.uuid, sizeof(st.uuid), "DMREMAP-safe");
	snprintf(st.dm.path, sizeof(st.dm.path), "/dev/mapper/safe");
	st.dm.major = 253;
	st.dm.minor = 4;
	st.target_version[0] = 1;
	st.target_version[1] = 2;
	st.target_version[2] = 3;
	snprintf(st.main.path, sizeof(st.main.path), "/dev/sdb");
	st.main.major = 8;
	st.main.minor = 16;
	st.spare.major = 8;		/* no path: null */
	st.spare.minor = 32;
	st.start = 0;
	st.length = 8192;
	st.status_version = 2;
	st.block_size = 4096;
	st.reads = UINT64_MAX;		/* beyond int64 */
	st.writes = 2;
	st.read_errors = 3;
	st.write_errors = 4;
	st.remapped = 5;
	st.pending = 1;
	st.spare_used = 85;
	st.spare_total = 100;
	st.retired = 7;
	st.errors_suppressed = 8;
	st.spare_errors = 0;
	st.spare_start = 176;
	st.metadata_generation = 42;
	st.suppress = true;
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	st.suspended = false;
	st.taken = 1700000000;
	return st;
}

static void check_ref(json_object *o, const char *path, const char *devnum,
		      unsigned int ma, unsigned int mi)
{
	nkeys(o, 4);
	if (path)
		str_is(o, "path", path);
	else
		assert_true(json_object_is_type(key(o, "path", json_type_null),
						json_type_null));
	str_is(o, "devnum", devnum);
	u64_is(o, "major", ma);
	u64_is(o, "minor", mi);
}

static void check_status_dev(json_object *d)
{
	json_object *sb, *h, *reasons, *r;
	size_t i;
	bool seen_usage = false, seen_pending = false;

	nkeys(d, 37);
	str_is(d, "name", "safe");
	assert_true(json_object_is_type(key(d, "error", json_type_null), json_type_null));
	u64_is(d, "size_bytes", 8192 * 512);
	/* Status format 2: the format 3 keys are there, null. */
	assert_true(json_object_is_type(key(d, "lost", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "failure", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "counters_since", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "counters_since_epoch", json_type_null),
					json_type_null));
	assert_true(json_object_is_type(key(d, "spare_stride", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "format_version", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "format_id", json_type_null), json_type_null));
	str_is(d, "uuid", "DMREMAP-safe");
	check_ref(key(d, "dm_device", json_type_object), "/dev/mapper/safe",
		  "253:4", 253, 4);
	str_is(d, "target_version", "1.2.3");
	check_ref(key(d, "main", json_type_object), "/dev/sdb", "8:16", 8, 16);
	check_ref(key(d, "spare", json_type_object), NULL, "8:32", 8, 32);
	u64_is(d, "start", 0);
	u64_is(d, "length", 8192);
	u64_is(d, "block_size", 4096);
	u64_is(d, "status_version", 2);
	bool_is(d, "suspended", false);
	bool_is(d, "suppress", true);
	str_is(d, "kernel_health", "degraded");
	u64_is(d, "reads", UINT64_MAX);
	u64_is(d, "writes", 2);
	u64_is(d, "read_errors", 3);
	u64_is(d, "write_errors", 4);
	u64_is(d, "remapped", 5);
	u64_is(d, "pending", 1);
	u64_is(d, "retired", 7);
	u64_is(d, "errors_suppressed", 8);
	u64_is(d, "spare_errors", 0);
	sb = key(d, "spare_blocks", json_type_object);
	nkeys(sb, 4);
	u64_is(sb, "used", 85);
	u64_is(sb, "total", 100);
	u64_is(sb, "free", 15);
	u64_is(sb, "used_pct", 85);
	u64_is(d, "spare_start", 176);
	u64_is(d, "metadata_generation", 42);
	check_iso(d, "taken", "taken_epoch", 1700000000, 0);
	str_is(d, "taken", "2023-11-14T22:13:20Z");
	h = key(d, "health", json_type_object);
	nkeys(h, 3);
	str_is(h, "level", "warning");
	u64_is(h, "level_code", 1);
	reasons = key(h, "reasons", json_type_array);
	/* spare_usage (85 %), pending_blocks, spare_retired */
	assert_int_equal(json_object_array_length(reasons), 3);
	for (i = 0; i < 3; i++) {
		r = json_object_array_get_idx(reasons, i);
		nkeys(r, 3);
		str_is(r, "level", "warning");
		assert_true(strlen(json_object_get_string(key(r, "text", json_type_string))) > 10);
		seen_usage |= !strcmp(json_object_get_string(key(r, "code", json_type_string)),
				      "spare_usage");
		seen_pending |= !strcmp(json_object_get_string(key(r, "code", json_type_string)),
					"pending_blocks");
	}
	assert_true(seen_usage);
	assert_true(seen_pending);
}

static char *status_doc(const struct dmr_status *st, size_t n,
			const struct dmr_thresholds *t, unsigned int flags)
{
	const struct dmr_status *p[4];
	struct mem m;
	size_t i;

	assert_true(n <= 4);
	for (i = 0; i < n; i++)
		p[i] = &st[i];
	assert_int_equal(dmr_json_status(ctx, p, n, t, flags, mem_open(&m)), 0);
	return mem_close(&m);
}

static void test_status_json(void **state)
{
	struct dmr_status st[2] = { sample(), sample() };
	json_object *root, *devs;
	time_t now = time(NULL);
	char *s;
	int pretty;

	(void)state;
	for (pretty = 0; pretty < 2; pretty++) {
		s = status_doc(st, 2, NULL, pretty ? DMR_JSON_PRETTY : 0);
		assert_int_equal(strchr(s, '\n') != strrchr(s, '\n'), pretty);
		assert_int_equal(s[strlen(s) - 1], '\n');
		assert_null(strstr(s, "\\/"));	/* paths unescaped */
		root = parse_doc(s, now);
		nkeys(root, 6);
		devs = key(root, "devices", json_type_array);
		assert_int_equal(json_object_array_length(devs), 2);
		check_status_dev(json_object_array_get_idx(devs, 0));
		check_status_dev(json_object_array_get_idx(devs, 1));
		json_object_put(root);
		free(s);
	}
}

/* Status format 3 and the stats keys of target 1.1. */
static void test_status_json_v3(void **state)
{
	struct dmr_status st = sample();
	json_object *root, *d, *r;
	char *s;

	(void)state;
	st.status_version = 3;
	st.lost = 2;
	st.failure = DMR_FAILURE_LOST;
	st.counters_since = 1766232000;
	st.spare_stride = 4096;
	st.format_version = 2;
	st.format_id = 0x0123456789abcdefULL;
	s = status_doc(&st, 1, NULL, 0);
	root = json_tokener_parse(s);
	d = json_object_array_get_idx(key(root, "devices", json_type_array), 0);
	u64_is(d, "lost", 2);
	str_is(d, "failure", "lost");
	str_is(d, "counters_since", "2025-12-20T12:00:00Z");
	u64_is(d, "counters_since_epoch", 1766232000);
	u64_is(d, "spare_stride", 4096);
	u64_is(d, "format_version", 2);
	str_is(d, "format_id", "0123456789abcdef");
	r = json_object_array_get_idx(key(key(d, "health", json_type_object), "reasons",
					  json_type_array), 0);
	str_is(r, "code", "blocks_lost");
	str_is(r, "level", "critical");
	json_object_put(root);
	free(s);

	/* A garbage time is null, never a string. */
	st.counters_since = -5;
	s = status_doc(&st, 1, NULL, 0);
	root = json_tokener_parse(s);
	d = json_object_array_get_idx(key(root, "devices", json_type_array), 0);
	assert_true(json_object_is_type(key(d, "counters_since", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(d, "counters_since_epoch", json_type_null),
					json_type_null));
	json_object_put(root);
	free(s);
}

/* A device that could not be read: every key null, health unknown. */
static void test_status_json_unreadable(void **state)
{
	struct dmr_status st[2] = { sample(), sample() };
	json_object *root, *d, *h, *r, *v;
	char *s;

	(void)state;
	memset(&st[1], 0, sizeof(st[1]));
	st[1].size = sizeof(st[1]);
	snprintf(st[1].name, sizeof(st[1].name), "gone");
	st[1].unreadable = -ENXIO;
	snprintf(st[1].error, sizeof(st[1].error), "no device-mapper device named 'gone'");
	s = status_doc(st, 2, NULL, 0);
	root = json_tokener_parse(s);
	d = json_object_array_get_idx(key(root, "devices", json_type_array), 1);
	nkeys(d, 37);
	str_is(d, "name", "gone");
	str_is(d, "error", "no device-mapper device named 'gone'");
	json_object_object_foreach(d, k, val) {
		if (strcmp(k, "name") && strcmp(k, "error") && strcmp(k, "health"))
			if (val)
				fail_msg("key '%s' of an unreadable device is not null", k);
	}
	h = key(d, "health", json_type_object);
	str_is(h, "level", "unknown");
	u64_is(h, "level_code", 3);
	r = json_object_array_get_idx(key(h, "reasons", json_type_array), 0);
	str_is(r, "code", "unreadable");
	str_is(r, "level", "unknown");
	(void)v;
	json_object_put(root);
	free(s);
}

static void test_status_json_thresholds(void **state)
{
	struct dmr_thresholds t = { .size = sizeof(t), .spare_warn_pct = 50,
				    .spare_crit_pct = 80 };
	struct dmr_status st = sample();
	json_object *root, *h;
	struct mem m;
	char *s;

	(void)state;
	s = status_doc(&st, 1, &t, 0);
	root = json_tokener_parse(s);
	h = key(json_object_array_get_idx(key(root, "devices", json_type_array), 0),
		"health", json_type_object);
	str_is(h, "level", "critical");
	u64_is(h, "level_code", 2);
	json_object_put(root);
	free(s);

	/* No devices: an empty array. */
	s = status_doc(NULL, 0, NULL, 0);
	root = json_tokener_parse(s);
	assert_int_equal(json_object_array_length(key(root, "devices", json_type_array)), 0);
	json_object_put(root);
	free(s);
	assert_int_equal(dmr_json_status(ctx, NULL, 1, NULL, 0, mem_open(&m)), -EINVAL);
	free(mem_close(&m));
	assert_int_equal(dmr_json_status(ctx, NULL, 0, NULL, 0x80, mem_open(&m)), -EINVAL);
	free(mem_close(&m));
	assert_int_equal(dmr_json_status(ctx, NULL, 0, NULL, 0, NULL), -EINVAL);
}

/* DMR_JSON_OPEN leaves the object open for the caller's keys. */
static void test_json_open(void **state)
{
	struct dmr_status st = sample();
	json_object *root;
	char *s, *all;
	int pretty;

	(void)state;
	for (pretty = 0; pretty < 2; pretty++) {
		s = status_doc(&st, 1, NULL, DMR_JSON_OPEN | (pretty ? DMR_JSON_PRETTY : 0));
		assert_int_not_equal(s[strlen(s) - 1], '}');
		assert_int_not_equal(s[strlen(s) - 1], '\n');
		assert_int_equal(asprintf(&all, "%s,\"exit_status\":0}", s) > 0, 1);
		root = json_tokener_parse(all);
		assert_non_null(root);
		u64_is(root, "exit_status", 0);
		json_object_put(root);
		free(all);
		free(s);
	}
}

static void test_dump_json(void **state)
{
	struct dmr_entry e[2] = {
		{ sizeof(struct dmr_entry), 10, DMR_ENTRY_REMAPPED, 0 },
		{ sizeof(struct dmr_entry), 77, DMR_ENTRY_PENDING, 0 },
	};
	struct dmri_dump dd;
	struct dmr_dump *dp = &dd.pub;
	struct dmr_dump d;
	json_object *root, *s, *arr, *o;
	time_t now = time(NULL);
	struct mem m;
	char *out, path[] = "/dev/sdc";
	int pretty;

	(void)state;
	memset(&dd, 0, sizeof(dd));
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.spare_path = path;
	d.format_version = 1;
	d.sb_a_valid = true;
	d.generation = 7;
	d.state = 1;
	d.metadata_failed = true;
	d.block_size = 512;
	d.main_blocks = 100000;
	d.spare_sectors = 2048;
	d.spare_start = 176;
	d.remap_slots = 1872;
	d.pending_slots = 508;
	d.meta_blocks = 10;
	d.created = 1700000000;
	d.retired = 2;
	d.bad_meta_copies = 3;
	d.nr_entries = 2;
	d.format_id = 0x0123456789abcdefULL;
	d.slot_size = 4096;
	d.main_sectors = 800008;
	snprintf(d.main_id, sizeof(d.main_id), "wwid:naa.5000c500a1b2c3d4");
	dd.pub = d;
	dd.entries = e;
	for (pretty = 0; pretty < 2; pretty++) {
		assert_int_equal(dmr_json_dump(ctx, dp, pretty ? DMR_JSON_PRETTY : 0,
					       mem_open(&m)), 0);
		out = mem_close(&m);
		root = parse_doc(out, now);
		nkeys(root, 7);
		s = key(root, "spare", json_type_object);
		nkeys(s, 25);
		str_is(s, "path", "/dev/sdc");
		u64_is(s, "format_version", 1);
		bool_is(s, "superblock_a_valid", true);
		bool_is(s, "superblock_b_valid", false);
		u64_is(s, "generation", 7);
		u64_is(s, "state", 1);
		bool_is(s, "metadata_failed", true);
		u64_is(s, "block_size", 512);
		u64_is(s, "main_blocks", 100000);
		u64_is(s, "spare_sectors", 2048);
		u64_is(s, "spare_start", 176);
		u64_is(s, "remap_slots", 1872);
		u64_is(s, "pending_slots", 508);
		u64_is(s, "meta_blocks", 10);
		str_is(s, "created", "2023-11-14T22:13:20Z");
		u64_is(s, "created_epoch", 1700000000);
		assert_true(json_object_is_type(key(s, "uuid", json_type_null), json_type_null));
		str_is(s, "format_id", "0123456789abcdef");
		u64_is(s, "slot_size", 4096);
		u64_is(s, "main_sectors", 800008);
		str_is(s, "main_id", "wwid:naa.5000c500a1b2c3d4");
		u64_is(s, "remapped", 1);
		u64_is(s, "pending", 1);
		u64_is(s, "retired", 2);
		u64_is(s, "bad_meta_copies", 3);
		arr = key(root, "entries", json_type_array);
		assert_int_equal(json_object_array_length(arr), 2);
		o = json_object_array_get_idx(arr, 0);
		nkeys(o, 3);
		u64_is(o, "block", 10);
		str_is(o, "state", "remapped");
		u64_is(o, "spare_block", 0);
		o = json_object_array_get_idx(arr, 1);
		u64_is(o, "block", 77);
		str_is(o, "state", "pending");
		assert_true(json_object_is_type(key(o, "spare_block", json_type_null),
						json_type_null));
		json_object_put(root);
		free(out);
	}
	/* A garbage creation time (hostile metadata) is null, not "invalid". */
	dd.pub.created = -1;
	assert_int_equal(dmr_json_dump(ctx, dp, 0, mem_open(&m)), 0);
	out = mem_close(&m);
	assert_null(strstr(out, "invalid"));
	root = json_tokener_parse(out);
	s = key(root, "spare", json_type_object);
	assert_true(json_object_is_type(key(s, "created", json_type_null), json_type_null));
	assert_true(json_object_is_type(key(s, "created_epoch", json_type_null), json_type_null));
	json_object_put(root);
	free(out);
	dd.pub.created = 253402300800LL;	/* year 10000 */
	assert_int_equal(dmr_json_dump(ctx, dp, 0, mem_open(&m)), 0);
	out = mem_close(&m);
	root = json_tokener_parse(out);
	assert_true(json_object_is_type(key(key(root, "spare", json_type_object), "created",
					    json_type_null), json_type_null));
	json_object_put(root);
	free(out);
}

#define TABLE "250:7 250:9 1 suppress_writes"
#define STATUS "3 0 0 0 0 0 0 0 10 0 0 0 on ok 0 none 1"

static void test_entries_json(void **state)
{
	json_object *root, *arr, *o;
	time_t now = time(NULL);
	struct mem m;
	char *out;
	int pretty;

	(void)state;
	for (pretty = 0; pretty < 2; pretty++) {
		fake_reset();
		fake_add("safe", "remap", TABLE, STATUS);
		fake_msg("list 0", "1 remapped 4\n2 inflight 5\nnext 3", 0);
		fake_msg("list 3", "3 copying -\n4611686018427387903 pending -\n"
			 "4611686018427387904 lost 6\n", 0);
		assert_int_equal(dmr_json_entries(ctx, "safe",
						  pretty ? DMR_JSON_PRETTY : 0,
						  mem_open(&m)), 0);
		out = mem_close(&m);
		root = parse_doc(out, now);
		nkeys(root, 8);
		str_is(root, "device", "safe");
		bool_is(root, "entries_complete", true);
		arr = key(root, "entries", json_type_array);
		assert_int_equal(json_object_array_length(arr), 5);
		o = json_object_array_get_idx(arr, 1);
		str_is(o, "state", "inflight");
		u64_is(o, "spare_block", 5);
		o = json_object_array_get_idx(arr, 2);
		str_is(o, "state", "copying");
		assert_true(json_object_is_type(key(o, "spare_block", json_type_null),
						json_type_null));
		o = json_object_array_get_idx(arr, 3);
		u64_is(o, "block", UINT64_MAX >> 2);
		o = json_object_array_get_idx(arr, 4);
		str_is(o, "state", "lost");
		u64_is(o, "spare_block", 6);
		json_object_put(root);
		free(out);
	}

	/* None: an empty array. */
	fake_msg("list 0", "", 0);
	assert_int_equal(dmr_json_entries(ctx, "safe", DMR_JSON_PRETTY, mem_open(&m)), 0);
	out = mem_close(&m);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_int_equal(json_object_array_length(key(root, "entries", json_type_array)), 0);
	json_object_put(root);
	free(out);

	/* No such device: nothing is written at all. */
	assert_int_equal(dmr_json_entries(ctx, "gone", 0, mem_open(&m)), -ENXIO);
	out = mem_close(&m);
	assert_string_equal(out, "");
	free(out);

	/* A failure half-way: the document is still whole, and says so. */
	fake_msg("list 0", "1 remapped 4\nnext 3", 0);
	fake_msg("list 3", NULL, ENXIO);
	assert_int_equal(dmr_json_entries(ctx, "safe", 0, mem_open(&m)), -ENXIO);
	assert_non_null(strstr(dmr_error(ctx), "safe"));
	out = mem_close(&m);
	root = json_tokener_parse(out);
	assert_non_null(root);
	bool_is(root, "entries_complete", false);
	assert_int_equal(json_object_array_length(key(root, "entries", json_type_array)), 1);
	json_object_put(root);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_status_json_v3),
		cmocka_unit_test(test_status_json_unreadable),
		cmocka_unit_test(test_status_json_thresholds),
		cmocka_unit_test(test_json_open),
		cmocka_unit_test(test_dump_json),
		cmocka_unit_test(test_entries_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
