// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_watch_*: the events a device's changes make, in order, with their
 * JSON and environment; waits (DM_DEVICE_WAITEVENT on the fake, whose hook
 * makes the changes), interruption, removal, re-creation.
 */
#include <errno.h>
#include <json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "dmremap.h"
#include "fake_dm.h"

static struct dmr_ctx *ctx;

/* Status line v3: remapped pending spare_used health lost failure. */
static void set_status(struct fake_dev *d, unsigned int remapped, unsigned int pending,
		       unsigned int used, const char *health, unsigned int lost,
		       const char *failure)
{
	snprintf(d->status, sizeof(d->status),
		 "3 10 20 1 2 %u %u %u 20 0 %u 0 on %s %u %s 1700000000",
		 remapped, pending, used, remapped, health, lost, failure);
}

static struct fake_dev *add_dev(const char *name)
{
	struct fake_dev *d = fake_add(name, "remap", "7:1 7:2 1 suppress_writes", "");

	set_status(d, 0, 0, 0, "ok", 0, "none");
	d->event_nr = 4;
	return d;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	dmr_ctx_free(ctx);
	fake_cleanup();
	return 0;
}

/* "type type ..." of @ev. */
static void types(struct dmr_event **ev, size_t n, const char *want)
{
	char got[512] = "";
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 ev[i]->type);
	assert_string_equal(got, want);
}

static const char *env(const struct dmr_event *e, const char *key)
{
	size_t n = strlen(key);
	char **p;

	for (p = e->env; *p; p++)
		if (!strncmp(*p, key, n) && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

static int64_t jnum(const struct dmr_event *e, const char *key)
{
	struct json_object *o = json_tokener_parse(e->json), *v;
	int64_t r = -1;

	assert_non_null(o);
	if (json_object_object_get_ex(o, key, &v))
		r = json_object_get_int64(v);
	json_object_put(o);
	return r;
}

/* The hook's script: the next change of the device. */
static int step;

static int change(struct fake_dev *d, uint32_t nr)
{
	assert_int_equal(nr, d->event_nr);
	d->event_nr++;
	switch (step++) {
	case 0:
		set_status(d, 3, 1, 3, "degraded", 0, "none");
		return 0;
	case 1:
		set_status(d, 17, 0, 17, "ok", 0, "none");
		return 0;
	case 2:
		set_status(d, 20, 0, 20, "exhausted", 0, "none");
		return 0;
	case 3:
		set_status(d, 20, 0, 20, "failed", 2, "metadata");
		return 0;
	case 4:
		d->event_nr--;
		return EINTR;		/* a signal */
	default:
		fake_del(d);
		return 0;
	}
}

static void test_watch_events(void **state)
{
	struct dmr_watch *w;
	struct dmr_event **ev;
	char want[256];
	size_t n;

	(void)state;
	add_dev("r");
	fake_wait_hook = change;
	step = 0;
	assert_int_equal(dmr_set_producer(ctx, "montest", "4.5"), 0);
	assert_int_equal(dmr_watch_new(ctx, "r", NULL, &w, &ev, &n), 0);
	types(ev, n, "watching");
	/* Each event is a document: the common keys first, then the event. */
	assert_true(!strncmp(ev[0]->json, "{\"schema_version\":1,\"schema_minor\":1,"
			     "\"generated\":\"", 48));
	snprintf(want, sizeof(want), "\"producer\":{\"library\":\"libdmremap\","
		 "\"library_version\":\"%s\",\"tool\":\"montest\",\"tool_version\":\"4.5\"},"
		 "\"event\":\"watching\",", dmr_library_version());
	assert_non_null(strstr(ev[0]->json, want));
	assert_null(strstr(ev[0]->json, "\"time\""));
	assert_non_null(env(ev[0], "DMREMAP_TIME"));
	assert_non_null(env(ev[0], "DMREMAP_TIME_EPOCH"));
	assert_int_equal(ev[0]->level, LOG_INFO);
	assert_string_equal(env(ev[0], "DMREMAP_EVENT"), "watching");
	assert_string_equal(env(ev[0], "DMREMAP_DEVICE"), "r");
	assert_string_equal(env(ev[0], "DMREMAP_UUID"), "DMREMAP-r");
	assert_non_null(env(ev[0], "DMREMAP_JSON"));
	assert_int_equal(jnum(ev[0], "spare_total"), 20);
	assert_non_null(strstr(ev[0]->message, "r: watching: 0 remapped"));
	dmr_events_free(ev, n);

	/* 3 remaps and a pending block: two events, in this order. */
	assert_int_equal(dmr_watch_wait(ctx, w), 0);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 0);
	types(ev, n, "remapped pending");
	assert_int_equal(jnum(ev[0], "new_blocks"), 3);
	assert_int_equal(jnum(ev[0], "remapped"), 3);
	assert_string_equal(env(ev[0], "DMREMAP_NEW_BLOCKS"), "3");
	assert_int_equal(ev[0]->level, LOG_WARNING);
	assert_int_equal(jnum(ev[1], "new_blocks"), 1);
	assert_int_equal(jnum(ev[1], "pending"), 1);
	dmr_events_free(ev, n);

	/* 17 of 20 (85 %): the warning threshold; the pending one was written. */
	assert_int_equal(dmr_watch_wait(ctx, w), 0);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 0);
	types(ev, n, "remapped pending_cleared spare_threshold");
	assert_int_equal(jnum(ev[2], "threshold_pct"), 80);
	assert_int_equal(jnum(ev[2], "spare_used_pct"), 85);
	assert_int_equal(ev[2]->level, LOG_WARNING);
	dmr_events_free(ev, n);

	/* Exhausted: critical threshold and exhaustion. */
	assert_int_equal(dmr_watch_wait(ctx, w), 0);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 0);
	types(ev, n, "remapped spare_threshold exhausted");
	assert_int_equal(jnum(ev[1], "threshold_pct"), 95);
	assert_int_equal(ev[1]->level, LOG_CRIT);
	assert_int_equal(ev[2]->level, LOG_CRIT);
	dmr_events_free(ev, n);

	/* A metadata failure losing 2 blocks. */
	assert_int_equal(dmr_watch_wait(ctx, w), 0);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 0);
	types(ev, n, "metadata_failed lost");
	assert_int_equal(jnum(ev[1], "new_blocks"), 2);
	assert_string_equal(env(ev[0], "DMREMAP_FAILURE"), "metadata");
	dmr_events_free(ev, n);

	/* A signal ends the wait; then the device goes. */
	assert_int_equal(dmr_watch_wait(ctx, w), -EINTR);
	assert_int_equal(dmr_watch_wait(ctx, w), 0);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 1);
	types(ev, n, "removed");
	assert_int_equal(ev[0]->level, LOG_NOTICE);
	dmr_events_free(ev, n);
	assert_int_equal(dmr_watch_wait(ctx, w), -ENXIO);
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 1);
	assert_int_equal(n, 0);
	dmr_watch_free(w);
}

static void test_watch_start_state(void **state)
{
	struct dmr_thresholds t = { .size = sizeof(t), .spare_warn_pct = 50, .spare_crit_pct = 0 };
	struct dmr_watch_opts o = { .size = sizeof(o), .thresholds = &t,
				    .flags = DMR_WATCH_APPEARED };
	struct dmr_watch_opts bad = { .size = sizeof(bad), .flags = 2 };
	struct dmr_watch *w;
	struct dmr_event **ev;
	struct fake_dev *d;
	size_t n;

	(void)state;
	d = add_dev("r");
	set_status(d, 20, 0, 20, "exhausted", 0, "none");
	assert_int_equal(dmr_watch_new(ctx, "r", &o, &w, &ev, &n), 0);
	types(ev, n, "appeared spare_threshold exhausted");
	assert_int_equal(jnum(ev[1], "threshold_pct"), 50);
	dmr_events_free(ev, n);
	/* Removed and made again between two looks: a new device number. */
	d->minor += 10;
	set_status(d, 0, 0, 0, "ok", 0, "none");
	assert_int_equal(dmr_watch_update(ctx, w, &ev, &n), 0);
	types(ev, n, "removed appeared");
	dmr_events_free(ev, n);
	dmr_watch_free(w);

	/* Not there, not dm-remap. */
	assert_int_equal(dmr_watch_new(ctx, "nosuch", NULL, &w, &ev, &n), -ENXIO);
	assert_null(w);
	fake_add("lin", "linear", "7:1 0", "");
	assert_int_equal(dmr_watch_new(ctx, "lin", NULL, &w, &ev, &n), -ENXIO);
	assert_int_equal(dmr_watch_new(ctx, "r", &bad, &w, &ev, &n), -EINVAL);
	/* Options and thresholds without their size. */
	bad.flags = 0;
	bad.size = 0;
	assert_int_equal(dmr_watch_new(ctx, "r", &bad, &w, &ev, &n), -EINVAL);
	bad.size = sizeof(bad);
	bad.thresholds = &t;
	t.size = 0;
	assert_int_equal(dmr_watch_new(ctx, "r", &bad, &w, &ev, &n), -EINVAL);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_start_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
