// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Health evaluation at the edges of every threshold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmremap.h"

/* The opaque evaluation copied out, so that the checks stay short. */
struct hres {
	enum dmr_health_level level;
	unsigned int nr_reasons, spare_used_pct;
	struct {
		enum dmr_health_level level;
		char code[32], text[200];
	} reasons[16];
};

static void eval(const struct dmr_status *st, const struct dmr_thresholds *t,
		 struct hres *out)
{
	struct dmr_health *h = NULL;
	size_t i;

	assert_int_equal(dmr_health_eval(st, t, &h), 0);
	memset(out, 0, sizeof(*out));
	out->level = dmr_health_level(h);
	out->spare_used_pct = dmr_health_spare_used_pct(h);
	out->nr_reasons = (unsigned int)dmr_health_nr_reasons(h);
	assert_true(out->nr_reasons <= 16);
	for (i = 0; i < out->nr_reasons; i++) {
		const struct dmr_reason *r = dmr_health_reason(h, i);

		assert_int_equal(r->size, sizeof(*r));
		out->reasons[i].level = r->level;
		snprintf(out->reasons[i].code, sizeof(out->reasons[i].code), "%s", r->code);
		snprintf(out->reasons[i].text, sizeof(out->reasons[i].text), "%s", r->text);
	}
	assert_null(dmr_health_reason(h, i));
	dmr_health_free(h);
}

static struct dmr_status healthy(void)
{
	struct dmr_status st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.status_version = 2;
	st.spare_total = 1000;
	st.kernel_health = DMR_KHEALTH_OK;
	return st;
}

/* The reason with @code, or NULL. */
static const char *reason(const struct hres *h, const char *code,
			  enum dmr_health_level *level)
{
	unsigned int i;

	for (i = 0; i < h->nr_reasons; i++) {
		if (!strcmp(h->reasons[i].code, code)) {
			if (level)
				*level = h->reasons[i].level;
			return h->reasons[i].text;
		}
	}
	return NULL;
}

static void test_defaults(void **state)
{
	struct dmr_thresholds t = { .size = sizeof(t) };

	(void)state;
	dmr_thresholds_default(&t);
	assert_int_equal(t.size, sizeof(t));
	assert_int_equal(t.remapped_warn, 0);
	assert_int_equal(t.remapped_crit, 0);
	assert_false(t.protection_off_warn);
	assert_int_equal(t.spare_warn_pct, 80);
	assert_int_equal(t.spare_crit_pct, 95);
	assert_int_equal(t.pending_warn, 1);
	assert_int_equal(t.spare_errors_warn, 1);
	assert_string_equal(dmr_health_level_name(DMR_HEALTH_OK), "ok");
	assert_string_equal(dmr_health_level_name(DMR_HEALTH_WARNING), "warning");
	assert_string_equal(dmr_health_level_name(DMR_HEALTH_CRITICAL), "critical");
	assert_string_equal(dmr_health_level_name(DMR_HEALTH_UNKNOWN), "unknown");
	assert_string_equal(dmr_health_level_name((enum dmr_health_level)9), "unknown");
}

static void test_ok(void **state)
{
	struct dmr_status st = healthy();
	struct hres h;

	(void)state;
	st.spare_used = 799;
	st.remapped = 799;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);
	assert_int_equal(h.nr_reasons, 0);
	assert_int_equal(h.spare_used_pct, 79);
}

static void test_spare_usage_edges(void **state)
{
	static const struct {
		uint64_t used;
		unsigned int pct;
		enum dmr_health_level level;
	} c[] = {
		{ 0, 0, DMR_HEALTH_OK },
		{ 799, 79, DMR_HEALTH_OK },
		{ 800, 80, DMR_HEALTH_WARNING },
		{ 949, 94, DMR_HEALTH_WARNING },
		{ 950, 95, DMR_HEALTH_CRITICAL },
		{ 999, 99, DMR_HEALTH_CRITICAL },
	};
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		st.spare_used = c[i].used;
		eval(&st, NULL, &h);
		assert_int_equal(h.spare_used_pct, c[i].pct);
		assert_int_equal(h.level, c[i].level);
		if (c[i].level == DMR_HEALTH_OK) {
			assert_null(reason(&h, "spare_usage", NULL));
			continue;
		}
		assert_non_null(reason(&h, "spare_usage", &lv));
		assert_int_equal(lv, c[i].level);
		assert_int_equal(h.nr_reasons, 1);
	}
	assert_non_null(strstr(reason(&h, "spare_usage", NULL), "99% of the spare blocks"));
}

static void test_exhausted(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;

	(void)state;
	st.spare_used = 1000;
	st.kernel_health = DMR_KHEALTH_EXHAUSTED;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.spare_used_pct, 100);
	assert_non_null(reason(&h, "spare_exhausted", &lv));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "spare_usage", NULL));
	/* The kernel's word alone is enough. */
	st.spare_used = 10;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "spare_exhausted", NULL));
	assert_null(reason(&h, "spare_usage", NULL));
}

static void test_failed(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;

	(void)state;
	st.kernel_health = DMR_KHEALTH_FAILED;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "metadata_failed", &lv));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.nr_reasons, 1);
}

static void test_pending_errors_retired(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;

	(void)state;
	st.pending = 1;
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(strstr(reason(&h, "pending_blocks", &lv), "1 block(s)"));
	assert_int_equal(lv, DMR_HEALTH_WARNING);
	assert_null(reason(&h, "kernel_degraded", NULL));	/* explained */
	assert_int_equal(h.nr_reasons, 1);

	st.pending = 0;
	st.spare_errors = 1;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(reason(&h, "spare_errors", NULL));
	assert_int_equal(h.nr_reasons, 1);

	st.spare_errors = 0;
	st.retired = 3;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(strstr(reason(&h, "spare_retired", NULL), "3 spare block(s)"));

	/* Degraded with no cause we know of still warns. */
	st.retired = 0;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(reason(&h, "kernel_degraded", NULL));
}

static void test_custom_thresholds(void **state)
{
	struct dmr_thresholds t = {
		.size = sizeof(t), .spare_warn_pct = 50, .spare_crit_pct = 0,
		.pending_warn = 5, .spare_errors_warn = 0,
	};
	struct dmr_status st = healthy();
	struct hres h;

	(void)state;
	st.spare_used = 990;		/* critical disabled: only a warning */
	st.pending = 4;			/* below 5 */
	st.spare_errors = 100;		/* disabled */
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_int_equal(h.nr_reasons, 1);
	assert_non_null(strstr(reason(&h, "spare_usage", NULL), "warning at 50%"));
	st.pending = 5;
	eval(&st, &t, &h);
	assert_non_null(reason(&h, "pending_blocks", NULL));
	st.spare_used = 499;
	st.pending = 0;
	st.spare_errors = 0;
	st.kernel_health = DMR_KHEALTH_OK;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

static void test_huge_numbers(void **state)
{
	struct dmr_status st = healthy();
	struct hres h;

	(void)state;
	st.spare_total = UINT64_MAX;
	st.spare_used = UINT64_MAX - 1;
	eval(&st, NULL, &h);
	assert_int_equal(h.spare_used_pct, 99);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	st.spare_used = UINT64_MAX / 2;
	eval(&st, NULL, &h);
	assert_int_equal(h.spare_used_pct, 49);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

static void test_everything(void **state)
{
	struct dmr_status st = healthy();
	struct hres h;
	unsigned int i;

	(void)state;
	st.spare_used = st.spare_total;
	st.pending = st.spare_errors = st.retired = 1;
	st.kernel_health = DMR_KHEALTH_FAILED;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.nr_reasons, 6);
	assert_string_equal(h.reasons[0].code, "metadata_failed");
	for (i = 0; i < h.nr_reasons; i++)
		assert_true(strlen(h.reasons[i].text) > 10);
}

/* Status format 3: failure metadata/main and lost blocks are critical. */
static void test_v3_failures(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;

	(void)state;
	st.status_version = 3;
	st.kernel_health = DMR_KHEALTH_FAILED;
	st.failure = DMR_FAILURE_METADATA;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "metadata_failed", &lv));
	assert_int_equal(h.nr_reasons, 1);

	st.failure = DMR_FAILURE_MAIN;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(strstr(reason(&h, "main_failed", &lv), "failure budget"));
	assert_null(reason(&h, "metadata_failed", NULL));
	assert_int_equal(h.nr_reasons, 1);

	st.failure = DMR_FAILURE_LOST;
	st.lost = 3;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(strstr(reason(&h, "blocks_lost", &lv), "3 block(s) lost"));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.nr_reasons, 1);

	/* Lost blocks count even when the health word says degraded only. */
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	st.failure = DMR_FAILURE_NONE;
	st.lost = 1;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "blocks_lost", NULL));

	/* A format 2 status has no lost field: whatever it holds is ignored. */
	st.status_version = 2;
	st.kernel_health = DMR_KHEALTH_OK;
	st.lost = 7;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

/* The opt-in rules: remapped blocks (smartd-like) and protection off. */
static void test_opt_in_rules(void **state)
{
	struct dmr_thresholds t = { .size = sizeof(t) };
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct hres h;

	(void)state;
	st.spare_total = 1000000;
	st.spare_used = st.remapped = 50000;	/* 5 %: ok by spare use */
	st.suppress = false;
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);

	dmr_thresholds_default(&t);
	t.remapped_warn = 100;
	t.remapped_crit = 50000;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(strstr(reason(&h, "remapped_blocks", &lv), "critical at 50000"));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	st.remapped = 49999;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(strstr(reason(&h, "remapped_blocks", NULL), "warning at 100"));
	st.remapped = 99;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);

	t.protection_off_warn = true;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(reason(&h, "protection_off", &lv));
	st.suppress = true;
	eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

/* A placeholder for a device that could not be read is unknown. */
static void test_unreadable(void **state)
{
	struct dmr_status st = healthy();
	struct hres h;

	(void)state;
	st.unreadable = -ENXIO;
	snprintf(st.error, sizeof(st.error), "no device-mapper device named 'x'");
	eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_UNKNOWN);
	assert_int_equal(h.nr_reasons, 1);
	assert_string_equal(h.reasons[0].code, "unreadable");
	assert_string_equal(h.reasons[0].text, "no device-mapper device named 'x'");
}

/*
 * Size-first structs: an older caller's smaller thresholds take 0 for the
 * fields it lacks; a newer caller's bigger ones are refused (-E2BIG) only
 * if a byte this library does not know is set; too small is -EINVAL.
 */
static void test_struct_sizes(void **state)
{
	struct {
		struct dmr_thresholds t;
		uint64_t future;
	} big;
	struct dmr_thresholds t;
	struct dmr_status st = healthy();
	struct dmr_health *h = NULL;

	(void)state;
	memset(&big, 0, sizeof(big));
	big.t.size = sizeof(big);
	dmr_thresholds_default(&big.t);
	assert_int_equal(big.t.size, sizeof(big.t));	/* what it filled */
	assert_int_equal(big.t.spare_warn_pct, 80);
	big.t.size = sizeof(big);
	assert_int_equal(dmr_health_eval(&st, &big.t, &h), 0);
	dmr_health_free(h);
	big.future = 1;
	assert_int_equal(dmr_health_eval(&st, &big.t, &h), -E2BIG);
	assert_null(h);

	/* The 2.0 fields only (before remapped_warn): the rest counts as 0. */
	memset(&t, 0xff, sizeof(t));
	t.size = offsetof(struct dmr_thresholds, remapped_warn);
	dmr_thresholds_default(&t);
	assert_int_equal(t.spare_crit_pct, 95);
	assert_int_equal(t.remapped_warn, UINT64_MAX);	/* not written */
	st.remapped = 1000;
	assert_int_equal(dmr_health_eval(&st, &t, &h), 0);
	assert_int_equal(dmr_health_level(h), DMR_HEALTH_OK);
	dmr_health_free(h);

	t.size = 8;
	assert_int_equal(dmr_health_eval(&st, &t, &h), -EINVAL);
	st.size = 16;
	assert_int_equal(dmr_health_eval(&st, NULL, &h), -EINVAL);
	assert_int_equal(dmr_health_eval(NULL, NULL, &h), -EINVAL);
	assert_int_equal(dmr_health_level(NULL), DMR_HEALTH_UNKNOWN);
	assert_int_equal(dmr_health_nr_reasons(NULL), 0);
	dmr_health_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_spare_usage_edges),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_pending_errors_retired),
		cmocka_unit_test(test_custom_thresholds),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_v3_failures),
		cmocka_unit_test(test_opt_in_rules),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_struct_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
