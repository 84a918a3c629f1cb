// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parsers: the v2+ status line, the table line, the `stats` reply, list
 * pages and remap replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmr-internal.h"

static struct dmr_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	dmr_ctx_free(ctx);
	return 0;
}

#define GOOD_V2 "2 10 20 1 2 3 4 5 100 6 7 8 on degraded"

static void check_good(const struct dmr_status *st)
{
	assert_int_equal(st->status_version, 2);
	assert_int_equal(st->reads, 10);
	assert_int_equal(st->writes, 20);
	assert_int_equal(st->read_errors, 1);
	assert_int_equal(st->write_errors, 2);
	assert_int_equal(st->remapped, 3);
	assert_int_equal(st->pending, 4);
	assert_int_equal(st->spare_used, 5);
	assert_int_equal(st->spare_total, 100);
	assert_int_equal(st->retired, 6);
	assert_int_equal(st->errors_suppressed, 7);
	assert_int_equal(st->spare_errors, 8);
	assert_true(st->suppress);
	assert_int_equal(st->kernel_health, DMR_KHEALTH_DEGRADED);
}

static void test_status_v2(void **state)
{
	struct dmr_status st;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(dmri_parse_status_line(ctx, GOOD_V2, &st), 0);
	check_good(&st);
	assert_string_equal(dmr_error(ctx), "");
}

#define GOOD_V3 "3 10 20 1 2 3 4 5 100 6 7 8 on degraded 2 lost 1766232000"

static void test_status_v3(void **state)
{
	static const char *const f[] = { "none", "metadata", "main", "lost" };
	struct dmr_status st;
	char line[128];
	unsigned int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(dmri_parse_status_line(ctx, GOOD_V3, &st), 0);
	assert_int_equal(st.status_version, 3);
	assert_int_equal(st.lost, 2);
	assert_int_equal(st.failure, DMR_FAILURE_LOST);
	assert_int_equal(st.counters_since, 1766232000);
	st.status_version = 2;
	check_good(&st);
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "3 0 0 0 0 0 0 0 1 0 0 0 on failed 0 %s -5", f[i]);
		assert_int_equal(dmri_parse_status_line(ctx, line, &st), 0);
		assert_int_equal(st.failure, i);
		assert_int_equal(st.counters_since, -5);
		assert_string_equal(dmr_failure_name(st.failure), f[i]);
	}
	assert_string_equal(dmr_failure_name((enum dmr_failure)9), "unknown");
	/* Version 3 has exactly these fields; a later version may add more. */
	assert_int_equal(dmri_parse_status_line(ctx, GOOD_V3 " 99", &st), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "after a version 3 status line"));
	assert_int_equal(dmri_parse_status_line(ctx,
		"4 10 20 1 2 3 4 5 100 6 7 8 on degraded 2 lost 1 future=x", &st), 0);
	assert_int_equal(st.status_version, 4);
	assert_int_equal(st.lost, 2);
}

static void test_status_v3_bad(void **state)
{
	static const struct { const char *line, *want; } bad[] = {
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok", "no 'lost' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0", "no 'failure' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0 none", "no 'counters_since' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok x none 1", "'lost' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0 broken 1", "'failure' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0 none 1x", "'counters_since' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0 none --1", "'counters_since' field" },
		{ "3 10 20 1 2 3 4 5 100 6 7 8 on ok 0 none 9223372036854775808",
		  "'counters_since' field" },
	};
	struct dmr_status st;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dmri_parse_status_line(ctx, bad[i].line, &st), -EPROTO);
		if (!strstr(dmr_error(ctx), bad[i].want))
			fail_msg("%s: '%s'", bad[i].line, dmr_error(ctx));
	}
	assert_int_equal(dmri_parse_status_line(ctx,
		"3 0 0 0 0 0 0 0 1 0 0 0 on ok 0 none -9223372036854775808", &st), 0);
	assert_true(st.counters_since == INT64_MIN);
}

static void test_status_v2_trailing_field(void **state)
{
	struct dmr_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(dmri_parse_status_line(ctx, GOOD_V2 " 99", &st), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "unexpected field '99'"));
	/* Nothing was stored. */
	assert_int_equal(st.reads, 0);
}

static void test_status_every_health_and_suppress(void **state)
{
	static const char *const h[] = { "ok", "degraded", "exhausted", "failed" };
	char line[128];
	struct dmr_status st;
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "2 0 0 0 0 0 0 0 1 0 0 0 %s %s",
			 i & 1 ? "off" : "on", h[i]);
		assert_int_equal(dmri_parse_status_line(ctx, line, &st), 0);
		assert_int_equal(st.kernel_health, i);
		assert_int_equal(st.suppress, !(i & 1));
		assert_string_equal(dmr_kernel_health_name(st.kernel_health), h[i]);
	}
	assert_string_equal(dmr_kernel_health_name((enum dmr_kernel_health)7),
			    "unknown");
}

static void test_status_short(void **state)
{
	static const char *const missing[] = {
		"reads", "writes", "read_errors", "write_errors", "remapped",
		"pending", "spare_used", "spare_total", "retired",
		"errors_suppressed", "spare_errors", "suppress", "health",
	};
	const char *full = GOOD_V2;
	char line[128], want[64];
	struct dmr_status st;
	unsigned int i, words;
	size_t n;

	(void)state;
	/* Cut the line after 1, 2, ... 13 words. */
	for (i = 0; i < 13; i++) {
		for (n = 0, words = 0; full[n]; n++)
			if (full[n] == ' ' && ++words == i + 1)
				break;
		snprintf(line, sizeof(line), "%.*s", (int)n, full);
		assert_int_equal(dmri_parse_status_line(ctx, line, &st), -EPROTO);
		snprintf(want, sizeof(want), "no '%s' field", missing[i]);
		assert_non_null(strstr(dmr_error(ctx), want));
	}
	assert_int_equal(dmri_parse_status_line(ctx, "", &st), -EPROTO);
	assert_int_equal(dmri_parse_status_line(ctx, "   ", &st), -EPROTO);
}

static void test_status_garbage_numbers(void **state)
{
	static const char *const bad[] = {
		"2 1x 20 1 2 3 4 5 100 6 7 8 on ok",
		"2 10 -1 1 2 3 4 5 100 6 7 8 on ok",
		"2 10 20 +1 2 3 4 5 100 6 7 8 on ok",
		"2 10 20 1 2 3 4 5 0x10 6 7 8 on ok",
		"2 10 20 1 2 3 4 5 100 6 7 8 yes ok",
		"2 10 20 1 2 3 4 5 100 6 7 8 on",
		"2 10 20 1 2 3 4 5 100 6 7 8 on healthy",
		"2 10 20 1 2 3 4 5 100 6 7 8 on OK",
		"x 10 20 1 2 3 4 5 100 6 7 8 on ok",
	};
	struct dmr_status st;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dmri_parse_status_line(ctx, bad[i], &st), -EPROTO);
		assert_true(strlen(dmr_error(ctx)) > 0);
	}
	assert_int_equal(dmri_parse_status_line(ctx,
		"2 10 20 1 2 3 4 5 100 6 7 8 on healthy", &st), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "'health' field"));
	assert_non_null(strstr(dmr_error(ctx), "healthy"));
}

static void test_status_overflow(void **state)
{
	struct dmr_status st;

	(void)state;
	assert_int_equal(dmri_parse_status_line(ctx,
		"2 18446744073709551615 0 0 0 0 0 0 1 0 0 0 on ok", &st), 0);
	assert_true(st.reads == UINT64_MAX);
	assert_int_equal(dmri_parse_status_line(ctx,
		"2 18446744073709551616 0 0 0 0 0 0 1 0 0 0 on ok", &st), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "'reads'"));
	assert_int_equal(dmri_parse_status_line(ctx,
		"2 0 0 0 0 0 0 0 99999999999999999999999 0 0 0 on ok", &st), -EPROTO);
	assert_int_equal(dmri_parse_status_line(ctx,
		"4294967296 0 0 0 0 0 0 0 1 0 0 0 on ok", &st), -EPROTO);
}

static void test_status_old_version(void **state)
{
	struct dmr_status st;

	(void)state;
	assert_int_equal(dmri_parse_status_line(ctx, "1 10 20 1 2 3 4 5 100 6 7 8 on ok",
					       &st), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "version 1 is too old"));
	assert_int_equal(dmri_parse_status_line(ctx, "0", &st), -EPROTO);
	assert_int_equal(dmri_parse_status_line(ctx, NULL, &st), -EINVAL);
}

static void test_table_params(void **state)
{
	struct dmr_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(dmri_parse_table_params(ctx, "250:7 250:9 1 suppress_writes",
						 &st), 0);
	assert_int_equal(st.main.major, 250);
	assert_int_equal(st.main.minor, 7);
	assert_int_equal(st.spare.major, 250);
	assert_int_equal(st.spare.minor, 9);
	/* No such device on this machine: no path. */
	assert_string_equal(st.main.path, "");
	assert_int_equal(dmri_parse_table_params(ctx, "250:7", &st), -EPROTO);
	assert_int_equal(dmri_parse_table_params(ctx, "/dev/sda 250:9", &st), -EPROTO);
	assert_int_equal(dmri_parse_table_params(ctx, "250:x 250:9", &st), -EPROTO);
	assert_int_equal(dmri_parse_table_params(ctx, ":7 250:9", &st), -EPROTO);
	assert_int_equal(dmri_parse_table_params(ctx, "4294967296:0 250:9", &st),
			 -EPROTO);
}

#define STATS "reads=1 writes=2 read_errors=0 write_errors=0 remapped=0 pending=0 " \
	      "spare_used=0 spare_total=10 retired=0 errors_suppressed=0 "    \
	      "spare_errors=0 spare_start=176 metadata_generation=42 "        \
	      "block_size=4096 suppress=on health=ok"

static void test_stats_reply(void **state)
{
	struct dmr_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(dmri_parse_stats(ctx, STATS, &st), 0);
	assert_int_equal(st.spare_start, 176);
	assert_int_equal(st.metadata_generation, 42);
	assert_int_equal(st.block_size, 4096);
	assert_int_equal(st.spare_stride, 0);	/* target 1.0: not given */
	assert_int_equal(st.format_id, 0);
	assert_int_equal(dmri_parse_stats(ctx, STATS " spare_stride=8192 format_version=2"
					  " format_id=00c0ffee12345678", &st), 0);
	assert_int_equal(st.spare_stride, 8192);
	assert_int_equal(st.format_version, 2);
	assert_true(st.format_id == 0x00c0ffee12345678ULL);
	assert_int_equal(dmri_parse_stats(ctx, STATS " format_id=xyz", &st), -EPROTO);
	assert_int_equal(dmri_parse_stats(ctx, STATS " format_id=00c0ffee123456789", &st),
			 -EPROTO);
	/* Unknown keys are ignored; a missing one is an error. */
	assert_int_equal(dmri_parse_stats(ctx, "new=1 " STATS, &st), 0);
	assert_int_equal(dmri_parse_stats(ctx, "spare_start=1 block_size=512", &st),
			 -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "metadata_generation"));
	assert_int_equal(dmri_parse_stats(ctx, "spare_start=1 metadata_generation=1 "
					  "block_size=1000", &st), -EPROTO);
	assert_int_equal(dmri_parse_stats(ctx, "spare_start=x metadata_generation=1 "
					  "block_size=512", &st), -EPROTO);
	assert_int_equal(dmri_parse_stats(ctx, "spare_start metadata_generation=1 "
					  "block_size=512", &st), -EPROTO);
}

/* Collects what dmri_parse_list_page hands out. */
struct got {
	struct dmr_entry e[16];
	size_t n;
	int stop_at;		/* return 42 at this entry (0: never) */
};

static int collect(const struct dmr_entry *e, void *data)
{
	struct got *g = data;

	assert_int_equal(e->size, sizeof(*e));
	assert_true(g->n < 16);
	g->e[g->n++] = *e;
	return g->stop_at && (int)g->n == g->stop_at ? 42 : 0;
}

static void test_list_page(void **state)
{
	struct got g = { .n = 0 };
	uint64_t next, last = UINT64_MAX;

	(void)state;
	assert_int_equal(dmri_parse_list_page(ctx,
		"0 remapped 5\n3 pending -\n4 inflight 6\n5 copying -\n6 lost 9\nnext 9",
		collect, &g, &last, &next), 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(next, 9);
	assert_int_equal(last, 6);
	assert_int_equal(g.e[0].block, 0);
	assert_int_equal(g.e[0].state, DMR_ENTRY_REMAPPED);
	assert_int_equal(g.e[0].spare_block, 5);
	assert_int_equal(g.e[1].block, 3);
	assert_int_equal(g.e[1].state, DMR_ENTRY_PENDING);
	assert_int_equal(g.e[2].state, DMR_ENTRY_INFLIGHT);
	assert_int_equal(g.e[2].spare_block, 6);
	assert_int_equal(g.e[3].state, DMR_ENTRY_COPYING);
	assert_int_equal(g.e[3].spare_block, 0);
	assert_int_equal(g.e[4].state, DMR_ENTRY_LOST);
	assert_int_equal(g.e[4].spare_block, 9);
	/* A last page: no "next", a trailing newline. */
	assert_int_equal(dmri_parse_list_page(ctx, "9 remapped 7\n", collect, &g,
					      &last, &next), 0);
	assert_int_equal(g.n, 6);
	assert_true(next == UINT64_MAX);
	assert_int_equal(dmri_parse_list_page(ctx, "", collect, &g, &last, &next), 0);
	assert_int_equal(g.n, 6);
	/* Blocks must go on increasing across pages too. */
	assert_int_equal(dmri_parse_list_page(ctx, "9 remapped 8\n", collect, &g,
					      &last, &next), -EPROTO);
	assert_string_equal(dmr_entry_state_name(DMR_ENTRY_INFLIGHT), "inflight");
	assert_string_equal(dmr_entry_state_name(DMR_ENTRY_COPYING), "copying");
	assert_string_equal(dmr_entry_state_name(DMR_ENTRY_LOST), "lost");
	/* The function's non-zero return stops the walk and is returned. */
	g.n = 0;
	g.stop_at = 2;
	last = UINT64_MAX;
	assert_int_equal(dmri_parse_list_page(ctx, "0 remapped 5\n3 pending -\n4 remapped 6\n",
					      collect, &g, &last, &next), 42);
	assert_int_equal(g.n, 2);
}

static void test_list_page_bad(void **state)
{
	static const char *const bad[] = {
		"0 remapped\n",			/* no spare block */
		"0 remapped -\n",
		"0 pending 5\n",
		"0 copying 5\n",
		"0 lost -\n",
		"0 gone 5\n",
		"x remapped 5\n",
		"0 remapped 5 extra\n",
		"5 remapped 1\n4 remapped 2\n",	/* not increasing */
		"5 remapped 1\n5 pending -\n",
		"next 3\n0 remapped 1\n",	/* next not last */
		"5 remapped 1\nnext 5",		/* next not beyond */
		"next\n",
		"next 18446744073709551615",
		"-1 remapped 1\n",
	};
	struct got g;
	uint64_t next, last;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&g, 0, sizeof(g));
		last = UINT64_MAX;
		assert_int_equal(dmri_parse_list_page(ctx, bad[i], collect, &g, &last,
						      &next), -EPROTO);
		assert_non_null(strstr(dmr_error(ctx), "unexpected line"));
	}
}

static void test_remap_replies(void **state)
{
	enum dmr_remap_result res;
	uint64_t spare = 77;

	(void)state;
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 remapped to spare block 3", 12, &res, &spare), 0);
	assert_int_equal(res, DMR_REMAP_DONE);
	assert_int_equal(spare, 3);
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 already remapped to spare block 4\n", 12, &res, &spare), 0);
	assert_int_equal(res, DMR_REMAP_ALREADY);
	assert_int_equal(spare, 4);
	spare = 77;
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 unreadable: pending", 12, &res, &spare), 0);
	assert_int_equal(res, DMR_REMAP_PENDING);
	assert_int_equal(spare, 77);		/* not known: untouched */
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 13 remapped to spare block 3", 12, &res, &spare), -EPROTO);
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 remapped to spare block x", 12, &res, &spare), -EPROTO);
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 remapped to spare block ", 12, &res, &spare), -EPROTO);
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 unreadable: pending!", 12, &res, &spare), -EPROTO);
	assert_int_equal(dmri_parse_remap_reply(ctx, "", 12, &res, &spare), -EPROTO);
	assert_non_null(strstr(dmr_error(ctx), "unexpected reply"));
	assert_int_equal(dmri_parse_remap_reply(ctx,
		"block 12 remapped to spare block 3\nmore", 12, &res, &spare), -EPROTO);
}

static void test_devnum(void **state)
{
	unsigned int ma, mi;

	(void)state;
	assert_int_equal(dmri_parse_devnum("8:16", &ma, &mi), 0);
	assert_int_equal(ma, 8);
	assert_int_equal(mi, 16);
	assert_int_equal(dmri_parse_devnum("8:", &ma, &mi), -EINVAL);
	assert_int_equal(dmri_parse_devnum("816", &ma, &mi), -EINVAL);
	assert_int_equal(dmri_parse_devnum("8:1:6", &ma, &mi), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_v2),
		cmocka_unit_test(test_status_v3),
		cmocka_unit_test(test_status_v3_bad),
		cmocka_unit_test(test_status_v2_trailing_field),
		cmocka_unit_test(test_status_every_health_and_suppress),
		cmocka_unit_test(test_status_short),
		cmocka_unit_test(test_status_garbage_numbers),
		cmocka_unit_test(test_status_overflow),
		cmocka_unit_test(test_status_old_version),
		cmocka_unit_test(test_table_params),
		cmocka_unit_test(test_stats_reply),
		cmocka_unit_test(test_list_page),
		cmocka_unit_test(test_list_page_bad),
		cmocka_unit_test(test_remap_replies),
		cmocka_unit_test(test_devnum),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
