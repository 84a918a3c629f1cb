// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl monitor, scrub, copy and spare-move against the stand-in
 * library (stub-ops.c): options reaching the library, JSON lines, the
 * progress bar, exit codes, --exec and syslog, SIGTERM and removal.
 * Run by test_cli.c's main (test_ops_main).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "ctl-ops.h"
#include "stub-lib.h"
#include "stub-ops.h"

int test_ops_main(void);

static struct {
	int code;
	char *out, *err;
} res;
static char logged[4096];
static char dir[] = "/tmp/dmremapctl-ops.XXXXXX";

static int run(const char *first, ...)
{
	char *argv[32], *copy[32];
	int argc = 0, i;
	size_t olen, elen;
	const char *a;
	va_list ap;
	FILE *o, *e;

	argv[argc++] = strdup("dmremapctl");
	va_start(ap, first);
	for (a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	memcpy(copy, argv, sizeof(argv));
	free(res.out);
	free(res.err);
	o = open_memstream(&res.out, &olen);
	e = open_memstream(&res.err, &elen);
	res.code = ctl_main(argc, argv, o, e);
	fclose(o);
	fclose(e);
	for (i = 0; i < argc; i++)
		free(copy[i]);
	return res.code;
}
#define RUN(...) run(__VA_ARGS__, NULL)

static void contains(const char *s, const char *want)
{
	if (!strstr(s, want))
		fail_msg("'%s' not found in:\n%s", want, s);
}

/* Both lines are in s, and first comes before then. */
static void in_order(const char *s, const char *first, const char *then)
{
	const char *a = strstr(s, first), *b = strstr(s, then);

	if (!a || !b || a > b)
		fail_msg("'%s' not before '%s' in:\n%s", first, then, s);
}

static void record_syslog(int level, const char *msg)
{
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%d %s\n",
		 level, msg);
}

static int always_tty(int fd)
{
	(void)fd;
	return 1;
}

static int never_tty(int fd)
{
	(void)fd;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	stub_reset();
	stub_ops_reset();
	logged[0] = '\0';
	ctl_syslog = record_syslog;
	ctl_isatty = isatty;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(res.out);
	free(res.err);
	memset(&res, 0, sizeof(res));
	return 0;
}

/* Line @i (0-based) of stdout parsed; json_object_put it. */
static json_object *line(size_t i)
{
	const char *p = res.out;
	char buf[4096];
	size_t n;
	json_object *o;

	while (i-- && p)
		if ((p = strchr(p, '\n')))
			p++;
	assert_non_null(p);
	n = strcspn(p, "\n");
	assert_true(n < sizeof(buf));
	memcpy(buf, p, n);
	buf[n] = '\0';
	o = json_tokener_parse(buf);
	if (!o)
		fail_msg("line %zu is not JSON: '%s'", i, buf);
	return o;
}

static const char *get(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s' in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

/* The keys every document starts with, first and in order (docs/JSON.md). */
static void header(json_object *o)
{
	static const char *const want[] = { "schema_version", "schema_minor", "generated",
					    "generated_epoch", "producer", "event" };
	json_object *p = NULL;
	size_t i = 0;

	json_object_object_foreach(o, k, v) {
		(void)v;
		if (i < sizeof(want) / sizeof(want[0]))
			assert_string_equal(k, want[i]);
		i++;
	}
	assert_true(i > 6);
	assert_string_equal(get(o, "schema_version"), "1");
	assert_true(json_object_object_get_ex(o, "producer", &p));
	assert_string_equal(get(p, "library"), "libdmremap");
	assert_string_equal(get(p, "tool"), "dmremapctl");
	assert_string_equal(get(p, "tool_version"), CTL_VERSION);
}

static size_t lines(void)
{
	size_t n = 0;
	const char *p;

	for (p = res.out; *p; p++)
		n += *p == '\n';
	return n;
}

/* The "event" keys of stdout's lines, space-separated. */
static void events(const char *want)
{
	char got[1024] = "";
	size_t i, n = lines();
	json_object *o;

	for (i = 0; i < n; i++) {
		o = line(i);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
			 get(o, "event"));
		json_object_put(o);
	}
	assert_string_equal(got, want);
}

/* -------------------------------------------------------------- monitor */

static void test_monitor_named_until_removed(void **state)
{
	(void)state;
	stub_ops.watch[0].name = "r";
	stub_ops.watch[0].steps[0] = "remapped pending";
	stub_ops.watch[0].steps[1] = "lost";
	stub_ops.watch[0].steps[2] = "removed";
	stub_ops.nwatch = 1;
	assert_int_equal(RUN("monitor", "r", "--warn-spare", "70"), CTL_EXIT_OK);
	events("watching remapped pending lost removed");
	assert_string_equal(res.err, "");
	assert_string_equal(logged, "4 r: watching\n4 r: remapped\n4 r: pending\n4 r: lost\n4 r: removed\n");
	assert_int_equal(stub_ops.watch_t.spare_warn_pct, 70);
	assert_int_equal(stub_ops.watch_t.spare_crit_pct, 95);
	assert_int_equal(stub_ops.watch_flags[0], 0);
}

static void test_monitor_two_devices_and_no_syslog(void **state)
{
	(void)state;
	stub_ops.watch[0].name = "a";
	stub_ops.watch[0].steps[0] = "removed";
	stub_ops.watch[1].name = "b";
	stub_ops.watch[1].steps[0] = "exhausted";
	stub_ops.watch[1].steps[1] = "removed";
	stub_ops.nwatch = 2;
	assert_int_equal(RUN("monitor", "a", "b", "--no-syslog"), CTL_EXIT_OK);
	assert_string_equal(logged, "");
	/* Per device in order; the two devices' lines may interleave. */
	assert_int_equal(lines(), 5);
	in_order(res.out, "{\"event\":\"watching\",\"device\":\"a\"}",
		 "{\"event\":\"removed\",\"device\":\"a\"}");
	in_order(res.out, "{\"event\":\"watching\",\"device\":\"b\"}",
		 "{\"event\":\"exhausted\",\"device\":\"b\"}");
	in_order(res.out, "{\"event\":\"exhausted\",\"device\":\"b\"}",
		 "{\"event\":\"removed\",\"device\":\"b\"}");
}

static void test_monitor_sigterm(void **state)
{
	(void)state;
	stub_ops.watch[0].name = "r";
	stub_ops.watch[0].steps[0] = "remapped";
	stub_ops.watch[0].steps[1] = "term";
	stub_ops.nwatch = 1;
	assert_int_equal(RUN("monitor", "r", "--quiet"), CTL_EXIT_OK);
	assert_string_equal(res.out, "");
	assert_string_equal(logged, "4 r: watching\n4 r: remapped\n");
}

static void test_monitor_exec(void **state)
{
	char script[160], outf[160], cmd[400], *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	snprintf(script, sizeof(script), "%s/prog", dir);
	snprintf(outf, sizeof(outf), "%s/prog.out", dir);
	f = fopen(script, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$1 $2 $DMREMAP_EVENT $DMREMAP_DEVICE ${DMREMAP_OTHER:-unset}\" >>%s\n"
		   "[ \"$1\" != lost ]\n", outf);
	fclose(f);
	assert_int_equal(chmod(script, 0755), 0);
	unlink(outf);
	setenv("DMREMAP_OTHER", "leaked", 1);
	stub_ops.watch[0].name = "r";
	stub_ops.watch[0].steps[0] = "remapped lost";
	stub_ops.watch[0].steps[1] = "removed";
	stub_ops.nwatch = 1;
	assert_int_equal(RUN("monitor", "r", "--exec", script, "--no-syslog"), CTL_EXIT_OK);
	unsetenv("DMREMAP_OTHER");
	f = fopen(outf, "r");
	assert_non_null(f);
	assert_true(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	assert_string_equal(text, "watching r watching r unset\nremapped r remapped r unset\n"
			    "lost r lost r unset\nremoved r removed r unset\n");
	free(text);
	/* A failing PROG is reported, not fatal. */
	contains(res.err, "lost r failed (exit 1)");
	snprintf(cmd, sizeof(cmd), "rm -f %s %s", script, outf);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(RUN("monitor", "r", "--exec", "/nonexistent/prog"), CTL_EXIT_USAGE);
}

static void test_monitor_errors_and_oneshot(void **state)
{
	(void)state;
	stub_ops.watch[0].name = "r";
	stub_ops.nwatch = 1;
	assert_int_equal(RUN("monitor", "nosuch"), CTL_EXIT_DEVICE);
	contains(res.err, "no dm-remap device named 'nosuch'");
	assert_int_equal(RUN("monitor", "--scan-interval", "0"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("monitor", "--warn-spare", "90", "--crit-spare", "80"), CTL_EXIT_USAGE);
	/* Every device, once: the stub's list has "r" (stub_add_device). */
	stub_add_device("r", 0, 20, 0);
	assert_int_equal(RUN("monitor", "--oneshot"), CTL_EXIT_OK);
	events("watching");
	assert_int_equal(stub_ops.watch_waits, 0);
}

/* ---------------------------------------------------------- scrub, copy */

static void test_scrub_json_lines(void **state)
{
	json_object *o;

	(void)state;
	stub_ops.scan_ret = 1;
	stub_ops.bad[0][0] = 10;
	stub_ops.bad[0][1] = 2;
	stub_ops.nbad = 1;
	assert_int_equal(RUN("scrub", "r", "--rate", "2.5", "--start", "1M", "--length", "64K",
			     "--checkpoint", "/tmp/cp", "--retries", "3", "--interval", "2"),
			 CTL_EXIT_UNREADABLE);
	assert_string_equal(stub_ops.scan_name, "r");
	assert_int_equal(stub_ops.scan_args.rate, 2500000);
	assert_int_equal(stub_ops.scan_args.start, 1 << 20);
	assert_int_equal(stub_ops.scan_args.length, 65536);
	assert_int_equal(stub_ops.scan_args.retries, 3);
	assert_int_equal(stub_ops.scan_args.progress_ms, 2000);
	assert_int_equal(stub_ops.scan_args.flags, 0);
	assert_string_equal(stub_ops.scan_state, "/tmp/cp");
	events("progress unreadable done");
	o = line(0);
	header(o);
	assert_string_equal(get(o, "percent"), "50.0");
	assert_string_equal(get(o, "command"), "scrub");
	assert_string_equal(get(o, "eta_seconds"), "3");
	json_object_put(o);
	o = line(1);
	header(o);
	assert_string_equal(get(o, "block"), "10");
	assert_string_equal(get(o, "blocks"), "2");
	assert_string_equal(get(o, "offset_bytes"), "5120");
	json_object_put(o);
	o = line(2);
	header(o);
	assert_string_equal(get(o, "exit_status"), "7");
	assert_int_equal(json_object_array_length(json_object_object_get(o, "messages")), 0);
	assert_string_equal(get(o, "complete"), "true");
	assert_string_equal(get(o, "unreadable_blocks"), "2");
	json_object_put(o);

	/* Clean: 0; --restart reaches the library. */
	stub_ops.scan_ret = 0;
	stub_ops.nbad = 0;
	assert_int_equal(RUN("scrub", "r", "--restart"), CTL_EXIT_OK);
	assert_int_equal(stub_ops.scan_args.flags, DMR_SCAN_RESTART);
	assert_int_equal(stub_ops.scan_args.progress_ms, 10000);
	events("progress done");
}

static void test_scrub_terminal_and_stop(void **state)
{
	(void)state;
	ctl_isatty = always_tty;
	stub_ops.scan_ret = -EINTR;
	stub_ops.bad[0][0] = 7;
	stub_ops.bad[0][1] = 1;
	stub_ops.nbad = 1;
	assert_int_equal(RUN("scrub", "r"), CTL_EXIT_INTERRUPTED);
	contains(res.out, "\rscrub r [###############...............]  50.0 %  2.5 MB/s  ETA 0:00:03  unreadable 0");
	contains(res.out, "\r\033[Kunreadable: block 7 (bytes 3584-4095)\n");
	contains(res.out, "scrub r: stopped, 512 KiB of 1 MiB done (50.0 %)");
	contains(res.out, "state in /var/lib/dmremap/x");
	contains(res.err, "run it again to resume");
	/* --json on a terminal: lines. */
	assert_int_equal(RUN("scrub", "r", "--json"), CTL_EXIT_INTERRUPTED);
	events("progress unreadable stopped");
}

static void test_scrub_usage_and_errors(void **state)
{
	json_object *o;

	(void)state;
	assert_int_equal(RUN("scrub", "r", "--rate", "fast"), CTL_EXIT_USAGE);
	contains(res.err, "not a rate in MB/s");
	assert_int_equal(RUN("scrub", "r", "--rate", "0"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("scrub", "r", "--start", "1X"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("scrub", "r", "--length", "0"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("scrub"), CTL_EXIT_USAGE);
	assert_int_equal(stub_ops.scan_calls, 0);
	stub_ops.scan_ret = -ENXIO;
	stub_ops.scan_error = "no device-mapper device named 'r'";
	assert_int_equal(RUN("scrub", "r"), CTL_EXIT_DEVICE);
	o = line(0);
	assert_string_equal(get(o, "event"), "error");
	assert_string_equal(get(o, "exit_status"), "4");
	json_object_put(o);
	assert_int_equal(lines(), 1);
}

static void test_copy(void **state)
{
	(void)state;
	assert_int_equal(RUN("copy", "r", "/dev/sdz", "--mapfile", "/tmp/m", "--retry-bad"),
			 CTL_EXIT_OK);
	assert_string_equal(stub_ops.scan_dest, "/dev/sdz");
	assert_string_equal(stub_ops.scan_state, "/tmp/m");
	assert_int_equal(stub_ops.scan_args.retries, 2);
	assert_int_equal(stub_ops.scan_args.flags, DMR_SCAN_RETRY_BAD);
	events("progress done");
	/* DEST holds something: no terminal, no --yes: refused (5). */
	ctl_isatty = never_tty;
	stub_ops.scan_question = "/dev/sdz holds an ext4 filesystem.";
	assert_int_equal(RUN("copy", "r", "/dev/sdz"), CTL_EXIT_BUSY);
	contains(res.err, "WARNING: /dev/sdz holds an ext4 filesystem.");
	assert_int_equal(RUN("copy", "r", "/dev/sdz", "--yes", "--retries", "0"), CTL_EXIT_OK);
	assert_int_equal(stub_ops.scan_args.retries, 0);
	contains(res.err, "confirmed with --yes");
	assert_int_equal(RUN("copy", "r"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("copy", "r", "/dev/sdz", "--restart", "--retry-bad"), CTL_EXIT_USAGE);
}

/* ----------------------------------------------------------- spare-move */

static void test_spare_move(void **state)
{
	(void)state;
	stub_ops.move_note = "moved 3 remapped blocks";
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn"), CTL_EXIT_OK);
	assert_string_equal(stub_ops.move_name, "r");
	assert_string_equal(stub_ops.move_new, "/dev/sdn");
	assert_true(stub_ops.move_tab_null);
	assert_string_equal(stub_ops.move_main, "");
	contains(res.err, "dmremapctl: spare-move: moved 3 remapped blocks");
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn", "--main", "/dev/a", "--spare",
			     "/dev/b", "--no-tab", "--force"), CTL_EXIT_OK);
	assert_string_equal(stub_ops.move_main, "/dev/a");
	assert_string_equal(stub_ops.move_spare, "/dev/b");
	assert_false(stub_ops.move_tab_null);
	assert_string_equal(stub_ops.move_tab, "");
	assert_int_equal(stub_ops.move_flags, DMR_MOVE_FORCE);
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn", "--tab", "/x"), CTL_EXIT_OK);
	assert_string_equal(stub_ops.move_tab, "/x");
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn", "--main", "/dev/a"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn", "--tab", "/x", "--no-tab"),
			 CTL_EXIT_USAGE);
	assert_int_equal(RUN("spare-move", "r"), CTL_EXIT_USAGE);
	stub_ops.move_ret = -EBUSY;
	stub_ops.move_error = "'r' is in use (mounted or open): stop using it first (nothing was changed)";
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn"), CTL_EXIT_BUSY);
	contains(res.err, "stop using it first");
	stub_ops.move_ret = -ENOSPC;
	stub_ops.move_error = "new spare /dev/sdn holds 10 spare blocks";
	assert_int_equal(RUN("spare-move", "r", "/dev/sdn"), CTL_EXIT_DEVICE);
}

/* dmremapctl(8) documents the new exit codes and every event type. */
static void test_man_page(void **state)
{
	static const char *const words[] = {
		"\n.B 7\n", "\n.B 8\n", "DMREMAP_EVENT", "DMREMAP_JSON", "spare_threshold",
		"metadata_failed", "main_failed", "pending_cleared", "spare_errors",
		"appeared", "removed", "dmremap\\-monitor.service", "scrub\\- NAME .checkpoint",
		"copy\\- NAME .map", "FORMAT_ID=", NULL,
	};
	char *page = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	f = fopen(MAN_PAGE, "r");
	assert_non_null(f);
	assert_true(getdelim(&page, &len, '\0', f) > 0);
	fclose(f);
	for (i = 0; words[i]; i++)
		if (!strstr(page, words[i]))
			fail_msg("'%s' is not in " MAN_PAGE, words[i]);
	free(page);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int test_ops_main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_monitor_named_until_removed), T(test_monitor_two_devices_and_no_syslog),
		T(test_monitor_sigterm), T(test_monitor_exec), T(test_monitor_errors_and_oneshot),
		T(test_scrub_json_lines), T(test_scrub_terminal_and_stop),
		T(test_scrub_usage_and_errors), T(test_copy), T(test_spare_move),
		T(test_man_page),
	};
	int r;

	if (!mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests_name("dmremapctl-ops", tests, NULL, NULL);
	rmdir(dir);
	return r;
}
