// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dmremaptab(5) parser: every field form and option, and every kind
 * of bad line, reported with its line number while the good lines stay.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dmr-internal.h"
#include "fake_dm.h"

static struct dmr_ctx *ctx;
static struct dmr_tab *tab;

static int setup(void **state)
{
	(void)state;
	tab = NULL;
	return dmr_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	dmr_tab_free(tab);
	dmr_ctx_free(ctx);
	return 0;
}

static void parse(const char *text)
{
	dmr_tab_free(tab);
	tab = NULL;
	assert_int_equal(dmr_tab_parse(ctx, text, "tab", &tab), 0);
	assert_non_null(tab);
}

/* The only error is @want (the whole "tab:LINE: ..." text starts so). */
static void one_error(const char *text, const char *want)
{
	parse(text);
	if (tab->nr_errors != 1)
		fail_msg("%zu errors for '%s' (want '%s')", tab->nr_errors, text, want);
	if (!strstr(tab->errors[0], want))
		fail_msg("error '%s' lacks '%s'", tab->errors[0], want);
}

static void test_fields_and_options(void **state)
{
	const struct dmr_tab_entry *e;

	(void)state;
	parse("# dm-remap devices\n"
	      "\n"
	      "safe /dev/disk/by-id/wwn-0x5000c500a1b2c3d4 /dev/disk/by-id/wwn-0x5000c500a1b2c3d5\n"
	      "  \t  # indented comment\n"
	      "b\tWWN=0x5000c500a1b2c3d6\tFORMAT_ID=0123456789ABCDEF\tnofail,noauto   # trailing\n"
	      "c SERIAL=ZA1BCD SERIAL=ZA1BCE suppress_writes,x-systemd.device-timeout=30\n"
	      "d /dev/sdx /dev/sdy no_suppress_writes,x-systemd.device-timeout=2min\n"
	      "e /dev/sdz /dev/sdw -\n"
	      "f /dev/a1 /dev/a2 x-systemd.device-timeout=0\r\n"
	      "g /dev/b1 /dev/b2 x-systemd.device-timeout=1h");
	assert_int_equal(tab->nr_errors, 0);
	assert_int_equal(tab->count, 7);
	assert_string_equal(tab->path, "tab");
	e = tab->entries[0];
	assert_int_equal(e->line, 3);
	assert_string_equal(e->name, "safe");
	assert_string_equal(e->main, "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4");
	assert_string_equal(e->spare, "/dev/disk/by-id/wwn-0x5000c500a1b2c3d5");
	assert_int_equal(e->flags, 0);
	assert_int_equal(e->suppress, DMR_SUPPRESS_DEFAULT);
	assert_false(e->device_timeout_set);
	e = dmr_tab_find(tab, "b");
	assert_non_null(e);
	assert_int_equal(e->line, 5);
	assert_string_equal(e->main, "WWN=0x5000c500a1b2c3d6");
	assert_string_equal(e->spare, "FORMAT_ID=0123456789ABCDEF");
	assert_int_equal(e->flags, DMR_TAB_NOFAIL | DMR_TAB_NOAUTO);
	e = dmr_tab_find(tab, "c");
	assert_string_equal(e->main, "SERIAL=ZA1BCD");
	assert_int_equal(e->suppress, DMR_SUPPRESS_ON);
	assert_true(e->device_timeout_set);
	assert_int_equal(e->device_timeout, 30);
	e = dmr_tab_find(tab, "d");
	assert_int_equal(e->suppress, DMR_SUPPRESS_OFF);
	assert_int_equal(e->device_timeout, 120);
	e = dmr_tab_find(tab, "e");
	assert_int_equal(e->flags, 0);
	e = dmr_tab_find(tab, "f");
	assert_true(e->device_timeout_set);
	assert_int_equal(e->device_timeout, 0);
	assert_string_equal(e->spare, "/dev/a2");
	assert_int_equal(dmr_tab_find(tab, "g")->device_timeout, 3600);
	assert_null(dmr_tab_find(tab, "zz"));
	assert_null(dmr_tab_find(NULL, "b"));

	parse("");
	assert_int_equal(tab->count, 0);
	assert_int_equal(tab->nr_errors, 0);
	parse("x /dev/a /dev/b 30s\n");
	assert_int_equal(tab->nr_errors, 1);
	parse("x /dev/a /dev/b x-systemd.device-timeout=30s\n");
	assert_int_equal(tab->entries[0]->device_timeout, 30);
}

static void test_bad_lines(void **state)
{
	(void)state;
	one_error("\n\nonly\n", "tab:3: MAIN and SPARE missing");
	one_error("x /dev/a\n", "tab:1: SPARE missing");
	one_error("x /dev/a /dev/b nofail noauto\n", "tab:1: too many fields");
	one_error("a/b /dev/a /dev/b\n", "tab:1: invalid device name 'a/b'");
	one_error("..  /dev/a /dev/b\n", "invalid device name '..'");
	one_error("x sdb /dev/b\n", "tab:1: MAIN 'sdb' is neither a /dev path nor WWN=, SERIAL=");
	one_error("x /dev/a LABEL=x\n",
		  "SPARE 'LABEL=x' is neither a /dev path nor WWN=, SERIAL= or FORMAT_ID=");
	one_error("x FORMAT_ID=0123456789abcdef /dev/b\n", "MAIN 'FORMAT_ID=0123456789abcdef': FORMAT_ID= names a spare");
	one_error("x /dev/a FORMAT_ID=0123\n", "a format id is 16 hex digits");
	one_error("x /dev/a FORMAT_ID=0123456789abcdeg\n", "a format id is 16 hex digits");
	one_error("x WWN= /dev/b\n", "MAIN 'WWN=' names no device");
	one_error("x /dev/a /dev/a\n", "MAIN and SPARE are both '/dev/a'");
	one_error("x /dev/a /dev/b bogus\n", "tab:1: unknown option 'bogus'");
	one_error("x /dev/a /dev/b nofail,nofail\n", "option 'nofail' given twice");
	one_error("x /dev/a /dev/b suppress_writes,no_suppress_writes\n",
		  "suppress_writes and no_suppress_writes given together");
	one_error("x /dev/a /dev/b x-systemd.device-timeout=soon\n", "not a time in seconds");
	one_error("x /dev/a /dev/b x-systemd.device-timeout=5,x-systemd.device-timeout=6\n",
		  "'x-systemd.device-timeout' given twice");
	one_error("x /dev/a /dev/b nofail,\n", "empty option in 'nofail,'");
	one_error("x /dev/a /dev/b ,nofail\n", "empty option");
	one_error("x /dev/a /dev/b x-systemd.automount\n", "unknown option 'x-systemd.automount'");
	one_error("x /dev/a /dev/b\nx /dev/c /dev/d\n", "tab:2: name 'x' is already used on line 1");
	one_error("x /dev/a /dev/b\ny /dev/a /dev/d\n", "tab:2: '/dev/a' is already used by 'x' on line 1");
	one_error("x /dev/a /dev/b\ny /dev/c /dev/a\n", "tab:2: '/dev/a' is already used by 'x' on line 1");
	{
		char name[200];

		memset(name, 'n', 128);
		strcpy(name + 128, " /dev/a /dev/b\n");
		one_error(name, "128 characters long (at most 127)");
	}
	/* Bad lines are left out; the others stay, numbered as in the file. */
	parse("good /dev/a /dev/b\nbad\n# c\nalso-good /dev/c /dev/d nofail\nworse /dev/e\n");
	assert_int_equal(tab->count, 2);
	assert_int_equal(tab->nr_errors, 2);
	assert_string_equal(tab->entries[1]->name, "also-good");
	assert_int_equal(tab->entries[1]->line, 4);
	assert_non_null(strstr(tab->errors[0], "tab:2: "));
	assert_non_null(strstr(tab->errors[1], "tab:5: "));
}

static void test_read(void **state)
{
	char path[] = "/tmp/dmr-tab-XXXXXX";
	const char text[] = "r /dev/x /dev/y noauto\n";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(dmr_tab_read(ctx, path, &tab), 0);
	assert_int_equal(tab->count, 1);
	assert_string_equal(tab->path, path);
	assert_int_equal(tab->entries[0]->flags, DMR_TAB_NOAUTO);
	dmr_tab_free(tab);
	tab = NULL;
	/* A NUL byte: not a text file. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\0x\n", 3), 3);
	close(fd);
	assert_int_equal(dmr_tab_read(ctx, path, &tab), -EINVAL);
	assert_null(tab);
	unlink(path);
	assert_int_equal(dmr_tab_read(ctx, path, &tab), -ENOENT);
	assert_non_null(strstr(dmr_error(ctx), "cannot read /tmp/dmr-tab-"));
	assert_int_equal(dmr_tab_parse(ctx, NULL, "x", &tab), -EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fields_and_options),
		T(test_bad_lines),
		T(test_read),
	};

	fake_cleanup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
