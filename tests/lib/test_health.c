// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Health evaluation at the edges of every threshold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dmremap.h"

static struct dmr_status healthy(void)
{
	struct dmr_status st;

	memset(&st, 0, sizeof(st));
	st.status_version = 2;
	st.spare_total = 1000;
	st.kernel_health = DMR_KHEALTH_OK;
	return st;
}

/* The reason with @code, or NULL. */
static const char *reason(const struct dmr_health *h, const char *code,
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
	struct dmr_thresholds t;

	(void)state;
	dmr_thresholds_default(&t);
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
	struct dmr_health h;

	(void)state;
	st.spare_used = 799;
	st.remapped = 799;
	dmr_health_eval(&st, NULL, &h);
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
	struct dmr_health h;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		st.spare_used = c[i].used;
		dmr_health_eval(&st, NULL, &h);
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
	struct dmr_health h;

	(void)state;
	st.spare_used = 1000;
	st.kernel_health = DMR_KHEALTH_EXHAUSTED;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.spare_used_pct, 100);
	assert_non_null(reason(&h, "spare_exhausted", &lv));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "spare_usage", NULL));
	/* The kernel's word alone is enough. */
	st.spare_used = 10;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "spare_exhausted", NULL));
	assert_null(reason(&h, "spare_usage", NULL));
}

static void test_failed(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct dmr_health h;

	(void)state;
	st.kernel_health = DMR_KHEALTH_FAILED;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_non_null(reason(&h, "metadata_failed", &lv));
	assert_int_equal(lv, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.nr_reasons, 1);
}

static void test_pending_errors_retired(void **state)
{
	struct dmr_status st = healthy();
	enum dmr_health_level lv;
	struct dmr_health h;

	(void)state;
	st.pending = 1;
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(strstr(reason(&h, "pending_blocks", &lv), "1 block(s)"));
	assert_int_equal(lv, DMR_HEALTH_WARNING);
	assert_null(reason(&h, "kernel_degraded", NULL));	/* explained */
	assert_int_equal(h.nr_reasons, 1);

	st.pending = 0;
	st.spare_errors = 1;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(reason(&h, "spare_errors", NULL));
	assert_int_equal(h.nr_reasons, 1);

	st.spare_errors = 0;
	st.retired = 3;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(strstr(reason(&h, "spare_retired", NULL), "3 spare block(s)"));

	/* Degraded with no cause we know of still warns. */
	st.retired = 0;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_non_null(reason(&h, "kernel_degraded", NULL));
}

static void test_custom_thresholds(void **state)
{
	struct dmr_thresholds t = {
		.spare_warn_pct = 50, .spare_crit_pct = 0,
		.pending_warn = 5, .spare_errors_warn = 0,
	};
	struct dmr_status st = healthy();
	struct dmr_health h;

	(void)state;
	st.spare_used = 990;		/* critical disabled: only a warning */
	st.pending = 4;			/* below 5 */
	st.spare_errors = 100;		/* disabled */
	st.kernel_health = DMR_KHEALTH_DEGRADED;
	dmr_health_eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_WARNING);
	assert_int_equal(h.nr_reasons, 1);
	assert_non_null(strstr(reason(&h, "spare_usage", NULL), "warning at 50%"));
	st.pending = 5;
	dmr_health_eval(&st, &t, &h);
	assert_non_null(reason(&h, "pending_blocks", NULL));
	st.spare_used = 499;
	st.pending = 0;
	st.spare_errors = 0;
	st.kernel_health = DMR_KHEALTH_OK;
	dmr_health_eval(&st, &t, &h);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

static void test_huge_numbers(void **state)
{
	struct dmr_status st = healthy();
	struct dmr_health h;

	(void)state;
	st.spare_total = UINT64_MAX;
	st.spare_used = UINT64_MAX - 1;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.spare_used_pct, 99);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	st.spare_used = UINT64_MAX / 2;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.spare_used_pct, 49);
	assert_int_equal(h.level, DMR_HEALTH_OK);
}

static void test_everything(void **state)
{
	struct dmr_status st = healthy();
	struct dmr_health h;
	unsigned int i;

	(void)state;
	st.spare_used = st.spare_total;
	st.pending = st.spare_errors = st.retired = 1;
	st.kernel_health = DMR_KHEALTH_FAILED;
	dmr_health_eval(&st, NULL, &h);
	assert_int_equal(h.level, DMR_HEALTH_CRITICAL);
	assert_int_equal(h.nr_reasons, 6);
	assert_string_equal(h.reasons[0].code, "metadata_failed");
	for (i = 0; i < h.nr_reasons; i++)
		assert_true(strlen(h.reasons[i].text) > 10);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
