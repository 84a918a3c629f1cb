// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl argument handling, messages and exit codes, against the
 * libdmremap stand-in of stub-lib.c (no kernel involved).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <ctype.h>
#include <regex.h>
#include <json-c/json.h>

#include "ctl.h"
#include "stub-lib.h"

/* ------------------------------------------------------------ harness */

static struct {
	int code;
	char *out, *err;
} res;

static char tmpdir[] = "/tmp/dmremapctl-test.XXXXXX";
static char node_a[64], node_b[64], node_a2[64], regular[64];
static bool have_nodes;
static char run_dir[96], sys_dir[96];

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
	memcpy(copy, argv, sizeof(argv));	/* ctl_main reorders argv */
	free(res.out);
	free(res.err);
	o = open_memstream(&res.out, &olen);
	e = open_memstream(&res.err, &elen);
	assert_non_null(o);
	assert_non_null(e);
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

/* stderr is exactly one "dmremapctl: ..." line containing @want. */
static void error_line(const char *want)
{
	size_t n = strlen(res.err);

	if (strncmp(res.err, "dmremapctl: ", 12) || !n || res.err[n - 1] != '\n' ||
	    strchr(res.err, '\n') != res.err + n - 1)
		fail_msg("not one 'dmremapctl: ' line: '%s'", res.err);
	contains(res.err, want);
}

/*
 * stdout is one JSON object and nothing else, with the keys dmremapctl
 * adds: "exit_status" @code and @nmsgs "messages", each an error.  Returns
 * the object (json_object_put it).
 */
static json_object *json_doc(int code, size_t nmsgs)
{
	json_tokener *tok = json_tokener_new();
	json_object *o, *v, *m;
	size_t i, end;

	assert_non_null(tok);
	o = json_tokener_parse_ex(tok, res.out, (int)strlen(res.out));
	if (!o)
		fail_msg("not JSON: '%s'", res.out);
	end = json_tokener_get_parse_end(tok);	/* after trailing blanks */
	json_tokener_free(tok);
	assert_string_equal(res.out + end, "");
	assert_int_equal(res.out[end - 1], '\n');
	assert_true(json_object_is_type(o, json_type_object));
	assert_true(json_object_object_get_ex(o, "exit_status", &v));
	assert_int_equal(json_object_get_int(v), code);
	assert_true(json_object_object_get_ex(o, "messages", &v));
	assert_int_equal(json_object_array_length(v), nmsgs);
	for (i = 0; i < nmsgs; i++) {
		m = json_object_array_get_idx(v, i);
		assert_true(json_object_object_get_ex(m, "severity", &m));
		assert_string_equal(json_object_get_string(m), "error");
	}
	return o;
}

/* The text of message @i of @o. */
static const char *json_msg(json_object *o, size_t i)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, "messages", &v));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(v, i), "text", &v));
	return json_object_get_string(v);
}

static int setup(void **state)
{
	char cmd[600];

	(void)state;
	stub_reset();
	ctl_isatty = isatty;
	ctl_stdin = NULL;
	unsetenv("DEVLINKS");
	if (run_dir[0]) {
		snprintf(cmd, sizeof(cmd),
			 "rm -rf '%s' '%s' && mkdir -p '%s/dev/block/60:250' '%s/dev/block/60:251'"
			 " && touch '%s/dev/block/60:250/uevent'",
			 run_dir, sys_dir, sys_dir, sys_dir, sys_dir);
		if (system(cmd))
			return -1;
	}
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

static int group_setup(void **state)
{
	int fd;

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(node_a, sizeof(node_a), "%s/a", tmpdir);
	snprintf(node_b, sizeof(node_b), "%s/b", tmpdir);
	snprintf(node_a2, sizeof(node_a2), "%s/a2", tmpdir);
	snprintf(regular, sizeof(regular), "%s/file", tmpdir);
	fd = open(regular, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	/*
	 * Block nodes of major 60 (reserved for local use, no driver): stat
	 * works, open fails with ENXIO, and nothing gets probed.
	 */
	have_nodes = !mknod(node_a, S_IFBLK | 0600, makedev(60, 250)) &&
		     !mknod(node_b, S_IFBLK | 0600, makedev(60, 251)) &&
		     !mknod(node_a2, S_IFBLK | 0600, makedev(60, 250));
	/* /run/dmremap and the uevent files of a fake sysfs. */
	snprintf(run_dir, sizeof(run_dir), "%s/run", tmpdir);
	snprintf(sys_dir, sizeof(sys_dir), "%s/sys", tmpdir);
	ctl_run_dir = run_dir;
	ctl_sysfs = sys_dir;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[200];

	(void)state;
	unlink(node_a);
	unlink(node_b);
	unlink(node_a2);
	unlink(regular);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

#define NEED_NODES() do { if (!have_nodes) skip(); } while (0)

/* ------------------------------------------------------- global level */

static void test_no_arguments(void **state)
{
	(void)state;
	assert_int_equal(RUN(NULL), CTL_EXIT_USAGE);
	contains(res.err, "usage: dmremapctl");
	assert_string_equal(res.out, "");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(RUN("--help"), CTL_EXIT_OK);
	contains(res.out, "usage: dmremapctl");
	contains(res.out, "  create ");
	contains(res.out, "  dump ");
	assert_string_equal(res.err, "");
	assert_int_equal(RUN("help"), CTL_EXIT_OK);
	contains(res.out, "  health ");
	assert_int_equal(RUN("help", "create"), CTL_EXIT_OK);
	contains(res.out, "usage: dmremapctl create NAME MAIN SPARE");
	contains(res.out, "--block-size N");
	assert_int_equal(RUN("remaps", "--help"), CTL_EXIT_OK);
	contains(res.out, "usage: dmremapctl remaps NAME");
	assert_int_equal(RUN("--help", "status"), CTL_EXIT_OK);
	contains(res.out, "usage: dmremapctl status");
	/* --help on a command wins over its missing arguments */
	assert_int_equal(RUN("create", "-h"), CTL_EXIT_OK);
	assert_int_equal(stub.create_calls, 0);
	assert_int_equal(RUN("help", "frob"), CTL_EXIT_USAGE);
	error_line("help: unknown command 'frob'");
	assert_int_equal(RUN("help", "create", "remove"), CTL_EXIT_USAGE);
	error_line("unexpected argument 'remove'");
}

/* "CMD --help", "CMD -h" and "help CMD" for every command of the table. */
static void test_help_every_command(void **state)
{
	char want[64];
	size_t i;

	(void)state;
	stub_add_device("r", 0, 100, 0);
	assert_true(ctl_nr_commands > 0);
	for (i = 0; i < ctl_nr_commands; i++) {
		const char *name = ctl_commands[i]->name;

		snprintf(want, sizeof(want), "usage: dmremapctl %s ", name);
		assert_int_equal(RUN(name, "--help"), CTL_EXIT_OK);
		assert_true(strlen(res.out) > strlen(want));
		contains(res.out, want);
		assert_string_equal(res.err, "");
		assert_int_equal(RUN(name, "-h"), CTL_EXIT_OK);
		contains(res.out, want);
		assert_int_equal(RUN("help", name), CTL_EXIT_OK);
		contains(res.out, want);
		assert_string_equal(res.err, "");
		if (ctl_commands[i]->json) {
			assert_int_equal(RUN(name, "--help", "--json"), CTL_EXIT_OK);
			contains(res.out, want);
		}
	}
	assert_int_equal(stub.create_calls + stub.remove_calls + stub.status_calls +
			 stub.suppress_calls + stub.remap_calls + stub.clear_calls, 0);
}

static void test_unknown_command_and_option(void **state)
{
	(void)state;
	assert_int_equal(RUN("frob"), CTL_EXIT_USAGE);
	assert_string_equal(res.err,
		"dmremapctl: unknown command 'frob' (see 'dmremapctl help')\n");
	assert_int_equal(RUN("--frob", "list"), CTL_EXIT_USAGE);
	error_line("unknown option '--frob'");
	assert_int_equal(RUN("list", "--frob"), CTL_EXIT_USAGE);
	assert_string_equal(res.err, "dmremapctl: list: unknown option '--frob'\n");
	assert_int_equal(RUN("list", "-x"), CTL_EXIT_USAGE);
	error_line("list: unknown option '-x'");
	assert_int_equal(RUN("list", "--frob=1"), CTL_EXIT_USAGE);
	error_line("list: unknown option '--frob'");
}

/* --version prints the two versions and asks the kernel nothing. */
static void test_version(void **state)
{
	(void)state;
	assert_int_equal(RUN("--version"), CTL_EXIT_OK);
	assert_string_equal(res.out, "dmremapctl " CTL_VERSION "\nlibdmremap 9.8.7\n");
	assert_string_equal(res.err, "");
	stub.target_ret = -EOPNOTSUPP;
	assert_int_equal(RUN("-V"), CTL_EXIT_OK);
	assert_string_equal(res.out, "dmremapctl " CTL_VERSION "\nlibdmremap 9.8.7\n");
	assert_int_equal(stub.target_calls, 0);
	assert_int_equal(RUN("--version", "list"), CTL_EXIT_USAGE);
	error_line("--version takes no command");
}

/* ---------------------------------------------------------------- create */

static void test_create_arguments(void **state)
{
	(void)state;
	assert_int_equal(RUN("create"), CTL_EXIT_USAGE);
	error_line("create: missing argument (usage: dmremapctl create NAME MAIN SPARE");
	assert_int_equal(RUN("create", "r", "/dev/a"), CTL_EXIT_USAGE);
	error_line("missing argument");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "extra"), CTL_EXIT_USAGE);
	assert_string_equal(res.err, "dmremapctl: create: unexpected argument 'extra'\n");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--bogus"), CTL_EXIT_USAGE);
	error_line("create: unknown option '--bogus'");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--uuid"), CTL_EXIT_USAGE);
	error_line("option '--uuid' needs a value");
	assert_int_equal(RUN("create", "--format=yes", "r", "/dev/a", "/dev/b"), CTL_EXIT_USAGE);
	error_line("option '--format' takes no value");
	assert_int_equal(RUN("create", "--format", "--format", "r", "/dev/a", "/dev/b"),
			 CTL_EXIT_USAGE);
	error_line("option '--format' given twice");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--suppress", "--no-suppress"),
			 CTL_EXIT_USAGE);
	error_line("--suppress and --no-suppress exclude each other");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--json"), CTL_EXIT_USAGE);
	error_line("create: no JSON output");
	assert_int_equal(RUN("--json", "create", "r", "/dev/a", "/dev/b"), CTL_EXIT_USAGE);
	error_line("create: no JSON output");
	assert_int_equal(stub.create_calls, 0);
}

static void test_create_names(void **state)
{
	static const char *const bad[] = { "a/b", "", ".", "..", "a b", "caf\xc3\xa9", "x;y",
					   "a#b", "a:b", "a@b" };
	char longname[130];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(RUN("create", bad[i], "/dev/a", "/dev/b"), CTL_EXIT_USAGE);
		error_line("invalid device name");
	}
	memset(longname, 'n', 128);
	longname[128] = '\0';
	assert_int_equal(RUN("create", longname, "/dev/a", "/dev/b"), CTL_EXIT_USAGE);
	error_line("invalid device name");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--uuid", "has space"),
			 CTL_EXIT_USAGE);
	error_line("invalid UUID 'has space'");
	assert_int_equal(stub.create_calls, 0);
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--uuid", ""), CTL_EXIT_USAGE);
	assert_int_equal(stub.create_calls, 0);
	assert_true(ctl_valid_name("A-z_0.9+"));
	longname[127] = '\0';
	assert_true(ctl_valid_name(longname));
	assert_true(ctl_valid_uuid("CRYPT-LUKS2-0123/x:y#z"));
	memset(longname, 'u', 129);
	longname[129] = '\0';
	assert_false(ctl_valid_uuid(longname));
	longname[128] = '\0';
	assert_true(ctl_valid_uuid(longname));
}

static void test_create_block_size(void **state)
{
	(void)state;
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--block-size", "1000"),
			 CTL_EXIT_USAGE);
	error_line("--block-size 1000 is not a power of two from 512 to 65536");
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--block-size=131072"),
			 CTL_EXIT_USAGE);
	assert_int_equal(RUN("create", "r", "/dev/a", "/dev/b", "--block-size", "4k"),
			 CTL_EXIT_USAGE);
	error_line("option '--block-size': '4k' is not a number");
	NEED_NODES();
	/* A node of a device that is not there: the check cannot read it. */
	assert_int_equal(RUN("create", "r", node_a, node_b, "--block-size", "4096"),
			 CTL_EXIT_DEVICE);
	error_line("cannot open main device");
	assert_int_equal(stub.create_calls, 0);
}

static void test_create_devices(void **state)
{
	(void)state;
	assert_int_equal(RUN("create", "r", "/nonexistent/main", "/dev/null"), CTL_EXIT_DEVICE);
	assert_string_equal(res.err,
		"dmremapctl: create: main device '/nonexistent/main' does not exist\n");
	assert_int_equal(RUN("create", "r", regular, "/dev/null"), CTL_EXIT_DEVICE);
	error_line("is not a block device");
	NEED_NODES();
	assert_int_equal(RUN("create", "r", node_a, "/nonexistent"), CTL_EXIT_DEVICE);
	error_line("spare device '/nonexistent' does not exist");
	assert_int_equal(RUN("create", "r", node_a, "/dev/null"), CTL_EXIT_DEVICE);
	error_line("spare device '/dev/null' is not a block device");
	assert_int_equal(RUN("create", "r", node_a, node_a2), CTL_EXIT_DEVICE);
	error_line("main and spare are the same device (60:250)");
	assert_int_equal(RUN("create", "r", node_a, node_a), CTL_EXIT_DEVICE);
	assert_int_equal(stub.create_calls, 0);
}

static void test_create_passes_options(void **state)
{
	(void)state;
	NEED_NODES();
	assert_int_equal(RUN("create", "r1", node_a, node_b), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
	assert_int_equal(stub.create_calls, 1);
	assert_string_equal(stub.create_name, "r1");
	assert_string_equal(stub.create_main, node_a);
	assert_string_equal(stub.create_spare, node_b);
	assert_int_equal(stub.create_opts.suppress, DMR_SUPPRESS_DEFAULT);
	assert_false(stub.create_opts.format);
	assert_null(stub.create_opts.uuid);
	assert_int_equal(stub.create_opts.length, 0);

	assert_int_equal(RUN("create", "--format", "r2", node_a, "--no-suppress",
			     node_b, "--uuid=u-1"), CTL_EXIT_OK);
	assert_int_equal(stub.create_calls, 2);
	assert_string_equal(stub.create_name, "r2");
	assert_string_equal(stub.create_spare, node_b);
	assert_true(stub.create_opts.format);
	assert_int_equal(stub.create_opts.suppress, DMR_SUPPRESS_OFF);
	assert_string_equal(stub.create_uuid, "u-1");

	assert_int_equal(RUN("create", "r3", node_a, node_b, "--suppress"), CTL_EXIT_OK);
	assert_int_equal(stub.create_opts.suppress, DMR_SUPPRESS_ON);
}

static void test_create_library_errors(void **state)
{
	static const struct { int err, code; } map[] = {
		{ -EEXIST, CTL_EXIT_BUSY }, { -EBUSY, CTL_EXIT_BUSY },
		{ -ENOSPC, CTL_EXIT_DEVICE }, { -ENOENT, CTL_EXIT_DEVICE },
		{ -ENOTBLK, CTL_EXIT_DEVICE }, { -ENXIO, CTL_EXIT_DEVICE },
		{ -EACCES, CTL_EXIT_PERM }, { -EPERM, CTL_EXIT_PERM },
		{ -ENOMEM, CTL_EXIT_NOMEM }, { -EINVAL, CTL_EXIT_DEVICE },
		{ -EBADMSG, CTL_EXIT_DEVICE }, { -EIO, CTL_EXIT_KERNEL },
		{ -EPROTO, CTL_EXIT_KERNEL }, { -EOPNOTSUPP, CTL_EXIT_KERNEL },
	};
	size_t i;

	(void)state;
	NEED_NODES();
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		stub.create_ret = map[i].err;
		assert_int_equal(RUN("create", "r", node_a, node_b), map[i].code);
		assert_string_equal(res.err, "dmremapctl: create: create r: scripted failure\n");
	}
}

/*
 * create does not ask for the target first: the table load brings the
 * module in.  The library's answer when it cannot is exit 6.
 */
static void test_create_target_missing(void **state)
{
	(void)state;
	NEED_NODES();
	stub.target_ret = -EOPNOTSUPP;
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_OK);
	assert_int_equal(stub.create_calls, 1);
	assert_int_equal(stub.target_calls, 0);
	stub.create_ret = -EOPNOTSUPP;
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_KERNEL);
	stub.create_ret = -EPROTO;
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_KERNEL);
	stub.create_ret = -EACCES;
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_PERM);
	assert_int_equal(stub.target_calls, 0);
}

/*
 * Without the dm-remap module there are no dm-remap devices: list and
 * status say so and succeed; health is unknown (dmremapctl(8), HEALTH).
 * No other command asks for the target first.
 */
static void test_target_missing(void **state)
{
	(void)state;
	stub.target_ret = -EOPNOTSUPP;
	assert_int_equal(RUN("list"), CTL_EXIT_OK);
	assert_string_equal(res.out, "no dm-remap devices\n");
	assert_string_equal(res.err, "");
	assert_int_equal(RUN("status"), CTL_EXIT_OK);
	assert_string_equal(res.out, "no dm-remap devices\n");
	assert_string_equal(res.err, "");
	assert_int_equal(RUN("status", "--json"), CTL_EXIT_OK);
	contains(res.out, "\"devices\":0");
	assert_int_equal(stub.target_calls, 0);
	assert_int_equal(RUN("health"), DMR_HEALTH_UNKNOWN);
	error_line("health: dm-remap kernel module not available (modprobe dm-remap?)");
	assert_int_equal(RUN("health", "r"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(stub.target_calls, 2);
	/* A device name is looked up: there is none. */
	assert_int_equal(RUN("remove", "r"), CTL_EXIT_DEVICE);
	error_line("remove: no dm-remap device 'r'");
	assert_int_equal(RUN("suppress", "r", "on"), CTL_EXIT_DEVICE);
	assert_int_equal(RUN("remap", "r", "1"), CTL_EXIT_DEVICE);
	assert_int_equal(RUN("clear-pending", "r", "1"), CTL_EXIT_DEVICE);
	assert_int_equal(RUN("remaps", "r"), CTL_EXIT_DEVICE);
	assert_int_equal(stub.target_calls, 2);
	/* A bad block number is a usage error before any lookup. */
	assert_int_equal(RUN("remap", "r", "12abc"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("clear-pending", "r", "-5"), CTL_EXIT_USAGE);
	assert_int_equal(stub.status_calls, 3);
}

/* ----------------------------------------------------- remove and list */

static void test_remove(void **state)
{
	(void)state;
	stub_add_device("r", 0, 100, 0);
	assert_int_equal(RUN("remove"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("remove", "r", "s"), CTL_EXIT_USAGE);
	error_line("unexpected argument 's'");
	assert_int_equal(stub.remove_calls, 0);
	assert_int_equal(RUN("remove", "nosuch"), CTL_EXIT_DEVICE);
	assert_string_equal(res.err, "dmremapctl: remove: no dm-remap device 'nosuch'\n");
	assert_int_equal(RUN("remove", "r"), CTL_EXIT_OK);
	assert_int_equal(stub.remove_calls, 2);
}

/*
 * Only create checks names: a dm-remap device made with dmsetup under a
 * name create refuses is shown, checked and steered like the others.
 */
static void test_foreign_names(void **state)
{
	(void)state;
	stub_add_device("odd name", 3, 100, 0);
	stub_add_device("safe", 0, 100, 0);
	assert_int_equal(RUN("status"), CTL_EXIT_OK);
	contains(res.out, "odd name\n  device          /dev/mapper/odd name");
	contains(res.out, "\nsafe\n");
	assert_int_equal(RUN("status", "odd name"), CTL_EXIT_OK);
	contains(res.out, "odd name\n  device");
	assert_int_equal(RUN("list"), CTL_EXIT_OK);
	contains(res.out, "odd name  /dev/main-odd name");
	assert_int_equal(RUN("health"), DMR_HEALTH_OK);
	assert_string_equal(res.out, "odd name: ok\nsafe: ok\n");
	assert_int_equal(RUN("health", "odd name"), DMR_HEALTH_OK);
	assert_int_equal(RUN("remaps", "odd name"), CTL_EXIT_OK);
	assert_int_equal(RUN("suppress", "odd name", "off"), CTL_EXIT_OK);
	assert_int_equal(RUN("remap", "odd name", "1"), CTL_EXIT_OK);
	assert_int_equal(RUN("remove", "odd name"), CTL_EXIT_OK);
	assert_int_equal(RUN("remove", "a/b"), CTL_EXIT_DEVICE);
	error_line("no dm-remap device 'a/b'");
	assert_int_equal(RUN("create", "odd name", "/dev/a", "/dev/b"), CTL_EXIT_USAGE);
	error_line("invalid device name 'odd name'");
	assert_int_equal(stub.create_calls, 0);
}

static void test_list(void **state)
{
	(void)state;
	assert_int_equal(RUN("list"), CTL_EXIT_OK);
	assert_string_equal(res.out, "no dm-remap devices\n");
	stub_add_device("alpha", 5, 100, 0);
	stub_add_device("b", 85, 100, 2);
	assert_int_equal(RUN("list"), CTL_EXIT_OK);
	contains(res.out, "NAME   MAIN");
	contains(res.out, "alpha  /dev/main-alpha");
	contains(res.out, "b      /dev/main-b");
	contains(res.out, "1 MiB  ok");
	contains(res.out, "warning");
	contains(res.out, "85/100 (85%)");
	assert_int_equal(RUN("list", "x"), CTL_EXIT_USAGE);
	/* --json: the status document of every device. */
	assert_int_equal(RUN("list", "--json"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"devices\":2,\"unreadable\":0,\"first\":\"alpha\","
			    "\"warn\":80,\"pretty\":0,\"exit_status\":0,\"messages\":[]}\n");
}

/*
 * A library message of several lines (libdevmapper's after the library's)
 * is printed line by line; not being root is exit 2, no driver exit 6.
 */
static void test_dm_errors(void **state)
{
	(void)state;
	stub.list_ret = -EACCES;
	stub.list_error = "cannot use device-mapper: permission denied, running as a "
			  "non-root user (device-mapper needs root)\n"
			  "libdevmapper: /dev/mapper/control: open failed: Permission denied\n"
			  "libdevmapper: Failure to communicate with kernel device-mapper driver.";
	assert_int_equal(RUN("list"), CTL_EXIT_PERM);
	assert_string_equal(res.err,
		"dmremapctl: list: cannot use device-mapper: permission denied, running "
		"as a non-root user (device-mapper needs root)\n"
		"dmremapctl: list: libdevmapper: /dev/mapper/control: open failed: "
		"Permission denied\n"
		"dmremapctl: list: libdevmapper: Failure to communicate with kernel "
		"device-mapper driver.\n");
	assert_string_equal(res.out, "");
	assert_int_equal(RUN("status"), CTL_EXIT_PERM);
	contains(res.err, "dmremapctl: status: libdevmapper: /dev/mapper/control");
	assert_int_equal(RUN("health"), DMR_HEALTH_UNKNOWN);
	contains(res.err, "dmremapctl: health: cannot use device-mapper: permission denied");
	stub.list_ret = -EOPNOTSUPP;
	stub.list_error = "the kernel's device-mapper driver is not available (modprobe dm-mod?)\n"
			  "libdevmapper: /dev/mapper/control: open failed: No such device";
	assert_int_equal(RUN("list"), CTL_EXIT_KERNEL);
	assert_string_equal(res.err,
		"dmremapctl: list: the kernel's device-mapper driver is not available "
		"(modprobe dm-mod?)\n"
		"dmremapctl: list: libdevmapper: /dev/mapper/control: open failed: "
		"No such device\n");
}

/* ------------------------------------------------------ status, health */

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(RUN("status"), CTL_EXIT_OK);
	assert_string_equal(res.out, "no dm-remap devices\n");
	stub_add_device("r", 3, 100, 1);
	stub_add_device("s", 0, 100, 0);
	assert_int_equal(RUN("status", "r"), CTL_EXIT_OK);
	contains(res.out, "r\n  device          /dev/mapper/r");
	contains(res.out, "  remapped        3 blocks\n");
	contains(res.out, "  pending         1 blocks\n");
	contains(res.out, "  health          warning (kernel: degraded)\n");
	contains(res.out, "warning: pending blocks\n");
	assert_null(strstr(res.out, "\ns\n"));
	assert_int_equal(RUN("status"), CTL_EXIT_OK);
	contains(res.out, "\ns\n  device");
	assert_int_equal(RUN("status", "r", "nosuch"), CTL_EXIT_DEVICE);
	assert_string_equal(res.err, "dmremapctl: status: no dm-remap device 'nosuch'\n");
	assert_string_equal(res.out, "");
	assert_int_equal(RUN("status", "bad/name"), CTL_EXIT_DEVICE);
	error_line("no dm-remap device 'bad/name'");
}

static void test_status_json(void **state)
{
	(void)state;
	stub_add_device("r", 3, 100, 1);
	stub_add_device("s", 0, 100, 0);
	assert_int_equal(RUN("status", "--json"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"devices\":2,\"unreadable\":0,\"first\":\"r\",\"warn\":80,"
			    "\"pretty\":0,\"exit_status\":0,\"messages\":[]}\n");
	assert_int_equal(RUN("--json", "status", "s"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"devices\":1,\"unreadable\":0,\"first\":\"s\",\"warn\":80,"
			    "\"pretty\":0,\"exit_status\":0,\"messages\":[]}\n");
	assert_int_equal(RUN("--json", "--pretty", "status", "--warn-spare", "50"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"devices\":2,\"unreadable\":0,\"first\":\"r\",\"warn\":50,"
			    "\"pretty\":1,\n  \"exit_status\": 0,\n  \"messages\": []\n}\n");
	assert_int_equal(RUN("status", "--pretty"), CTL_EXIT_USAGE);
	error_line("--pretty needs --json");
}

static void test_health_levels(void **state)
{
	(void)state;
	assert_int_equal(RUN("health"), DMR_HEALTH_OK);
	stub_add_device("ok", 10, 100, 0);
	assert_int_equal(RUN("health"), DMR_HEALTH_OK);
	assert_string_equal(res.out, "ok: ok\n");
	stub_add_device("pend", 0, 100, 1);
	assert_int_equal(RUN("health", "pend"), DMR_HEALTH_WARNING);
	assert_string_equal(res.out, "pend: warning - pending blocks\n");
	stub_add_device("full", 96, 100, 0);
	assert_int_equal(RUN("health", "full"), DMR_HEALTH_CRITICAL);
	assert_int_equal(RUN("health", "ok", "pend"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health"), DMR_HEALTH_CRITICAL);
	contains(res.out, "ok: ok\npend: warning - pending blocks\nfull: critical");
	/* thresholds */
	assert_int_equal(RUN("health", "full", "--crit-spare", "97"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health", "ok", "--warn-spare", "10"), DMR_HEALTH_WARNING);
	/* 0 turns a threshold off */
	assert_int_equal(RUN("health", "full", "--crit-spare", "0"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health", "full", "--crit-spare", "0", "--warn-spare", "0"),
			 DMR_HEALTH_OK);
	/* a device that is not there is unknown, which beats only ok */
	assert_int_equal(RUN("health", "ok", "nosuch"), DMR_HEALTH_UNKNOWN);
	assert_string_equal(res.out, "ok: ok\nnosuch: unknown - the status could not be read\n");
	error_line("health: no dm-remap device 'nosuch'");
	assert_int_equal(RUN("health", "--json", "pend"), DMR_HEALTH_WARNING);
}

/* Critical > warning > unknown > ok, as monitoring-plugins' max_state(). */
static void test_health_order(void **state)
{
	(void)state;
	stub_add_device("ok", 10, 100, 0);
	stub_add_device("pend", 0, 100, 1);
	stub_add_device("full", 100, 100, 0);
	assert_int_equal(RUN("health", "nosuch", "full"), DMR_HEALTH_CRITICAL);
	contains(res.out, "full: critical");
	error_line("health: no dm-remap device 'nosuch'");
	assert_int_equal(RUN("health", "full", "nosuch"), DMR_HEALTH_CRITICAL);
	assert_int_equal(RUN("health", "--json", "full", "nosuch"), DMR_HEALTH_CRITICAL);
	/* The unreadable device is in the document too (level unknown). */
	contains(res.out, "\"devices\":2,\"unreadable\":1,\"first\":\"full\"");
	assert_int_equal(RUN("health", "nosuch", "pend"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health", "pend", "nosuch", "ok"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health", "ok", "nosuch"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(RUN("health", "nosuch", "ok"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(RUN("health", "pend", "full", "nosuch", "ok"), DMR_HEALTH_CRITICAL);
}

static void test_health_usage_is_unknown(void **state)
{
	(void)state;
	stub_add_device("ok", 10, 100, 0);
	assert_int_equal(RUN("health", "--warn-spare", "101"), DMR_HEALTH_UNKNOWN);
	error_line("option '--warn-spare': 101 is not a percentage (0-100)");
	assert_int_equal(RUN("health", "--warn-spare", "-5"), DMR_HEALTH_UNKNOWN);
	error_line("is not a number");
	assert_int_equal(RUN("health", "--crit-spare", "x"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(RUN("health", "--warn-spare", "90", "--crit-spare", "80"),
			 DMR_HEALTH_UNKNOWN);
	error_line("--warn-spare 90 is above --crit-spare 80");
	assert_int_equal(RUN("health", "--bogus"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(RUN("health", "a/b"), DMR_HEALTH_UNKNOWN);
	assert_int_equal(RUN("status", "--warn-spare", "101"), CTL_EXIT_USAGE);
}

/* ---------------------------------------------------- control commands */

static void test_suppress(void **state)
{
	(void)state;
	stub_add_device("r", 0, 100, 0);
	assert_int_equal(RUN("suppress", "r"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("suppress", "r", "maybe"), CTL_EXIT_USAGE);
	error_line("suppress: expected 'on' or 'off', not 'maybe'");
	assert_int_equal(RUN("suppress", "r", "ON"), CTL_EXIT_USAGE);
	assert_int_equal(stub.suppress_calls, 0);
	assert_int_equal(RUN("suppress", "r", "off"), CTL_EXIT_OK);
	assert_false(stub.dev[0].suppress);
	assert_int_equal(RUN("suppress", "r", "on"), CTL_EXIT_OK);
	assert_true(stub.dev[0].suppress);
	assert_int_equal(RUN("suppress", "nosuch", "on"), CTL_EXIT_DEVICE);
}

static void test_remap_block_numbers(void **state)
{
	static const char *const bad[] = { "abc", "-1", "1x", "+1", " 1", "",
					   "18446744073709551616", "0x10" };
	size_t i;

	(void)state;
	stub_add_device("r", 0, 100, 0);	/* 2048 sectors of 512 bytes */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(RUN("remap", "r", bad[i]), CTL_EXIT_USAGE);
		error_line("remap: invalid block number");
	}
	assert_int_equal(RUN("remap", "r", "2048"), CTL_EXIT_USAGE);
	error_line("block 2048 is beyond the device (2048 blocks of 512 bytes)");
	assert_int_equal(RUN("remap", "r", "18446744073709551615"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("remap", "r", "--", "-5"), CTL_EXIT_USAGE);
	error_line("invalid block number '-5'");
	assert_int_equal(stub.remap_calls, 0);
	assert_int_equal(RUN("remap", "nosuch", "1"), CTL_EXIT_DEVICE);
	assert_int_equal(RUN("remap", "r", "2047"), CTL_EXIT_OK);
	assert_string_equal(res.out, "block 2047 remapped to spare block 7\n");
	assert_int_equal(stub.remap_block, 2047);
	stub.remap_result = DMR_REMAP_PENDING;
	assert_int_equal(RUN("remap", "r", "0"), CTL_EXIT_OK);
	contains(res.out, "block 0 cannot be read from main: marked pending");
	stub.remap_result = DMR_REMAP_ALREADY;
	assert_int_equal(RUN("remap", "r", "3"), CTL_EXIT_OK);
	contains(res.out, "block 3 was already remapped (spare block 7)");
}

/*
 * A block that is not pending is a state error (exit 5), found by the
 * library's answer to the message, not by listing every entry first.
 */
static void test_clear_pending(void **state)
{
	(void)state;
	stub_add_device("r", 0, 100, 0);
	assert_int_equal(RUN("clear-pending", "r", "2048"), CTL_EXIT_USAGE);
	error_line("block 2048 is beyond the device");
	assert_int_equal(RUN("clear-pending", "r", "12"), CTL_EXIT_BUSY);
	assert_string_equal(res.err,
			    "dmremapctl: clear-pending: block 12 of 'r' is not pending\n");
	stub.entries[0] = (struct dmr_entry){ sizeof(struct dmr_entry), 12, DMR_ENTRY_PENDING, 0 };
	stub.entries[1] = (struct dmr_entry){ sizeof(struct dmr_entry), 13, DMR_ENTRY_REMAPPED, 4 };
	stub.nentries = 2;
	assert_int_equal(RUN("clear-pending", "r", "13"), CTL_EXIT_BUSY);
	assert_int_equal(RUN("clear-pending", "r", "12"), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
	assert_int_equal(stub.clear_calls, 3);
	assert_int_equal(stub.remap_block, 12);
	assert_int_equal(RUN("clear-pending", "nosuch", "1"), CTL_EXIT_DEVICE);
	assert_int_equal(stub.entries_calls, 0);
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(ctl_parse_u64("0", &v));
	assert_int_equal(v, 0);
	assert_true(ctl_parse_u64("18446744073709551615", &v));
	assert_true(v == UINT64_MAX);
	assert_false(ctl_parse_u64("18446744073709551616", &v));
	assert_false(ctl_parse_u64("-0", &v));
	assert_false(ctl_parse_u64("1 ", &v));
	assert_false(ctl_parse_u64(NULL, &v));
}

static void test_remaps(void **state)
{
	(void)state;
	/* 200000 blocks: the BLOCK column is 6 wide. */
	stub_add_device("r", 0, 100, 0)->length = 200000;
	assert_int_equal(RUN("remaps", "r"), CTL_EXIT_OK);
	assert_string_equal(res.out, "r: no remapped or pending blocks\n");
	stub.entries[0] = (struct dmr_entry){ sizeof(struct dmr_entry), 12, DMR_ENTRY_REMAPPED, 0 };
	stub.entries[1] = (struct dmr_entry){ sizeof(struct dmr_entry), 4100, DMR_ENTRY_PENDING, 0 };
	stub.entries[2] = (struct dmr_entry){ sizeof(struct dmr_entry), 123456, DMR_ENTRY_REMAPPED, 1 };
	stub.nentries = 3;
	assert_int_equal(RUN("remaps", "r"), CTL_EXIT_OK);
	assert_string_equal(res.out,
		" BLOCK  STATE     SPARE BLOCK\n"
		"    12  remapped            0\n"
		"  4100  pending             -\n"
		"123456  remapped            1\n");
	assert_int_equal(RUN("remaps", "r", "--json"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"device\":\"r\",\"entries\":3,\"pretty\":0,"
			    "\"exit_status\":0,\"messages\":[]}\n");
	/* The table states of a live list. */
	stub.entries[0].state = DMR_ENTRY_COPYING;
	stub.entries[1].state = DMR_ENTRY_LOST;
	stub.entries[1].spare_block = 9;
	assert_int_equal(RUN("remaps", "r"), CTL_EXIT_OK);
	contains(res.out, "    12  copying             -\n  4100  lost                9\n");
	/* A failure half-way through the stream: still one document, saying so. */
	stub.entries_fail_midway = true;
	assert_int_equal(RUN("remaps", "r", "--json"), CTL_EXIT_DEVICE);
	json_object_put(json_doc(CTL_EXIT_DEVICE, 1));
	contains(res.out, "\"entries_complete\":false");
	assert_int_equal(RUN("remaps"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("remaps", "nosuch"), CTL_EXIT_DEVICE);
}

static void test_dump(void **state)
{
	(void)state;
	assert_int_equal(RUN("dump"), CTL_EXIT_USAGE);
	stub.entries[0] = (struct dmr_entry){ sizeof(struct dmr_entry), 5, DMR_ENTRY_REMAPPED, 0 };
	stub.nentries = 1;
	assert_int_equal(RUN("dump", "/dev/sp"), CTL_EXIT_OK);
	contains(res.out, "/dev/sp\n  format          dm-remap version 1; superblock copy A valid, B valid\n");
	contains(res.out, "  entries         1 remapped, 0 pending");
	contains(res.out, "BLOCK  STATE     SPARE BLOCK\n    5  remapped            0\n");
	assert_int_equal(RUN("dump", "--json", "/dev/sp"), CTL_EXIT_OK);
	assert_string_equal(res.out, "{\"spare\":\"/dev/sp\",\"entries\":1,\"pretty\":0,"
			    "\"exit_status\":0,\"messages\":[]}\n");
	stub.dump_ret = -EBUSY;
	assert_int_equal(RUN("dump", "/dev/sp"), CTL_EXIT_BUSY);
	assert_string_equal(res.err, "dmremapctl: dump: /dev/sp: scripted failure\n");
	stub.dump_ret = -ENODATA;
	assert_int_equal(RUN("dump", "/dev/sp"), CTL_EXIT_DEVICE);
	stub.dump_ret = -EBADMSG;
	assert_int_equal(RUN("dump", "/dev/sp"), CTL_EXIT_DEVICE);
}

/*
 * With --json, every failure still prints one document on stdout (smartctl
 * -j style): schema_version, generated, exit_status, messages.
 */
static void test_json_errors(void **state)
{
	json_object *o, *v;

	(void)state;
	stub_add_device("full", 100, 100, 0);
	assert_int_equal(RUN("status", "--json", "nosuch"), CTL_EXIT_DEVICE);
	error_line("status: no dm-remap device 'nosuch'");
	o = json_doc(CTL_EXIT_DEVICE, 1);
	assert_string_equal(json_msg(o, 0), "no dm-remap device 'nosuch'");
	assert_true(json_object_object_get_ex(o, "schema_version", &v));
	assert_int_equal(json_object_get_int(v), DMR_JSON_SCHEMA_VERSION);
	assert_true(json_object_object_get_ex(o, "generated", &v));
	assert_int_equal(strlen(json_object_get_string(v)), 20);
	assert_true(json_object_object_get_ex(o, "generated_epoch", &v));
	assert_true(json_object_get_int64(v) > 1700000000);
	json_object_put(o);

	/* Usage errors too: before the command, before --json, no JSON command. */
	assert_int_equal(RUN("--json", "frob"), CTL_EXIT_USAGE);
	o = json_doc(CTL_EXIT_USAGE, 1);
	assert_string_equal(json_msg(o, 0), "unknown command 'frob' (see 'dmremapctl help')");
	json_object_put(o);
	assert_int_equal(RUN("status", "--bogus", "--json"), CTL_EXIT_USAGE);
	json_object_put(json_doc(CTL_EXIT_USAGE, 1));
	assert_int_equal(RUN("remove", "--json", "x"), CTL_EXIT_USAGE);
	json_object_put(json_doc(CTL_EXIT_USAGE, 1));
	assert_int_equal(RUN("--json"), CTL_EXIT_USAGE);
	json_object_put(json_doc(CTL_EXIT_USAGE, 1));
	assert_int_equal(RUN("health", "--json", "--warn-spare", "x"), DMR_HEALTH_UNKNOWN);
	json_object_put(json_doc(DMR_HEALTH_UNKNOWN, 1));
	assert_int_equal(RUN("remaps", "nosuch", "--json", "--pretty"), CTL_EXIT_DEVICE);
	contains(res.out, "{\n  \"schema_version\": 1,\n");
	contains(res.out, "\n  \"exit_status\": 4,\n");
	json_object_put(json_doc(CTL_EXIT_DEVICE, 1));

	/* A library message of several lines: one message per line. */
	stub.list_ret = -EACCES;
	stub.list_error = "permission denied\nlibdevmapper: open failed";
	assert_int_equal(RUN("status", "--json"), CTL_EXIT_PERM);
	o = json_doc(CTL_EXIT_PERM, 2);
	assert_string_equal(json_msg(o, 1), "libdevmapper: open failed");
	json_object_put(o);
	stub.list_ret = 0;

	/* Quotes, backslashes and control characters are escaped. */
	assert_int_equal(RUN("status", "--json", "q\"b\\s\tn\x01"), CTL_EXIT_DEVICE);
	o = json_doc(CTL_EXIT_DEVICE, 1);
	assert_string_equal(json_msg(o, 0), "no dm-remap device 'q\"b\\s\tn\x01'");
	json_object_put(o);

	/* health: a device it could read and one it could not, one document. */
	assert_int_equal(RUN("health", "--json", "full", "nosuch"), DMR_HEALTH_CRITICAL);
	o = json_doc(DMR_HEALTH_CRITICAL, 1);
	assert_string_equal(json_msg(o, 0), "no dm-remap device 'nosuch'");
	assert_true(json_object_object_get_ex(o, "first", &v));
	assert_string_equal(json_object_get_string(v), "full");
	json_object_put(o);
	assert_int_equal(RUN("health", "--json", "nosuch"), DMR_HEALTH_UNKNOWN);
	json_object_put(json_doc(DMR_HEALTH_UNKNOWN, 1));

	/* Success: the same two keys, no message. */
	assert_int_equal(RUN("status", "--json"), CTL_EXIT_OK);
	json_object_put(json_doc(CTL_EXIT_OK, 0));
	assert_int_equal(RUN("--pretty", "--json", "dump", "/dev/sp"), CTL_EXIT_OK);
	json_object_put(json_doc(CTL_EXIT_OK, 0));

	/* Not errors, or no --json: no document. */
	assert_int_equal(RUN("status", "--help", "--json"), CTL_EXIT_OK);
	contains(res.out, "usage: dmremapctl status");
	assert_int_equal(RUN("remap", "full", "--", "--json"), CTL_EXIT_USAGE);
	assert_string_equal(res.out, "");
	assert_int_equal(RUN("status", "nosuch"), CTL_EXIT_DEVICE);
	assert_string_equal(res.out, "");
}

/* dmremapctl(8) documents every command `help` lists, and every exit code. */
static void test_man_page_covers_commands(void **state)
{
	char *page = NULL, *line, *save = NULL, want[96];
	const char *exits;
	size_t len = 0;
	int code, found;
	FILE *f;

	(void)state;
	f = fopen(MAN_PAGE, "r");
	assert_non_null(f);
	assert_true(getdelim(&page, &len, '\0', f) > 0);
	fclose(f);
	assert_int_equal(RUN("help"), CTL_EXIT_OK);
	found = 0;
	for (line = strtok_r(res.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char word[32], name[64];
		size_t i, n = 0;

		if (strncmp(line, "  ", 2) || line[2] == ' ' ||
		    sscanf(line, "%31s", word) != 1)
			continue;
		for (i = 0; word[i]; i++) {	/* roff writes '-' as "\\-" */
			if (word[i] == '-')
				name[n++] = '\\';
			name[n++] = word[i];
		}
		name[n] = '\0';
		/* An entry: ".BI name", ".BR name", ".B name" or "\fBname\fP" at a line start. */
		snprintf(want, sizeof(want), "\n.BI %s ", name);
		if (!strstr(page, want)) {
			snprintf(want, sizeof(want), "\n.BR %s ", name);
			if (!strstr(page, want)) {
				snprintf(want, sizeof(want), "\n.B %s\n", name);
				if (!strstr(page, want)) {
					snprintf(want, sizeof(want), "\n\\fB%s\\fP", name);
					if (!strstr(page, want))
						fail_msg("command '%s' has no entry in " MAN_PAGE, name);
				}
			}
		}
		found++;
	}
	assert_int_equal(found, 14);	/* thirteen commands and help */
	exits = strstr(page, ".SH EXIT STATUS");
	assert_non_null(exits);
	for (code = CTL_EXIT_OK; code <= CTL_EXIT_KERNEL; code++) {
		snprintf(want, sizeof(want), "\n.TP\n.B %d\n", code);
		if (!strstr(exits, want))
			fail_msg("exit status %d is not in the EXIT STATUS section", code);
	}
	free(page);
}


/* ------------------------------------------------ create: confirmation */

static int never_tty(int fd)
{
	(void)fd;
	return 0;
}

static int always_tty(int fd)
{
	(void)fd;
	return 1;
}

static int answer(const char *text)
{
	static char buf[64];
	int code;

	snprintf(buf, sizeof(buf), "%s", text);
	ctl_stdin = fmemopen(buf, strlen(buf), "r");
	assert_non_null(ctl_stdin);
	ctl_isatty = always_tty;
	code = RUN("create", "r", node_a, node_b, "--format");
	fclose(ctl_stdin);
	ctl_stdin = NULL;
	return code;
}

static void test_create_confirm(void **state)
{
	(void)state;
	NEED_NODES();
	stub.create_question = "spare X holds an ext4 filesystem.\nFormatting it destroys that.";
	ctl_isatty = never_tty;
	assert_int_equal(RUN("create", "r", node_a, node_b, "--format"), CTL_EXIT_BUSY);
	contains(res.err, "dmremapctl: create: WARNING: spare X holds an ext4 filesystem.\n"
		 "dmremapctl: create: WARNING: Formatting it destroys that.\n");
	contains(res.err, "not asking: standard input is not a terminal (--yes or --batch-mode confirms)");
	contains(res.err, "not formatted without confirmation");
	assert_int_equal(stub.confirm_answers, 0);

	assert_int_equal(RUN("create", "r", node_a, node_b, "--format", "--yes"), CTL_EXIT_OK);
	contains(res.err, "going on: confirmed with --yes");
	assert_int_equal(stub.confirm_answers, 1);
	assert_int_equal(RUN("create", "--batch-mode", "r", node_a, node_b, "--format"),
			 CTL_EXIT_OK);
	assert_int_equal(stub.confirm_answers, 2);

	/* On a terminal: only "YES" goes on. */
	assert_int_equal(answer("YES\n"), CTL_EXIT_OK);
	contains(res.err, "Are you sure? (Type 'YES' in capital letters): ");
	assert_int_equal(stub.confirm_answers, 3);
	assert_int_equal(answer("yes\n"), CTL_EXIT_BUSY);
	assert_int_equal(answer("y\n"), CTL_EXIT_BUSY);
	assert_int_equal(answer(""), CTL_EXIT_BUSY);
	assert_int_equal(stub.confirm_answers, 3);

	assert_int_equal(RUN("create", "r", node_a, node_b, "--yes=1"), CTL_EXIT_USAGE);
	error_line("option '--yes' takes no value");
}

static void test_create_force_and_notes(void **state)
{
	(void)state;
	NEED_NODES();
	stub.create_note = "spare records no identity of its main";
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_OK);
	assert_string_equal(res.err, "dmremapctl: create: spare records no identity of its main\n");
	assert_int_equal(stub.create_flags, 0);
	assert_int_equal(RUN("create", "r", node_a, node_b, "--force"), CTL_EXIT_OK);
	assert_int_equal(stub.create_flags, DMR_CREATE_FORCE);
}

/* ------------------------------------------------ assemble, disassemble */

static char *slurp(const char *path)
{
	static char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_assemble(void **state)
{
	char path[256], want[512];
	struct dmr_status *st;
	const char *rec;

	(void)state;
	NEED_NODES();
	stub_tab("r1", node_a, "FORMAT_ID=0123456789abcdef", 0);
	stub_tab("r2", "WWN=0x5000", "/dev/spare-r2", DMR_TAB_NOAUTO);
	stub_tab("r3", "SERIAL=gone", "/dev/spare-r3", DMR_TAB_NOFAIL)->suppress = DMR_SUPPRESS_OFF;
	stub.resolve[0][0] = "FORMAT_ID=0123456789abcdef";
	stub.resolve[0][1] = node_b;

	assert_int_equal(RUN("assemble"), CTL_EXIT_USAGE);
	error_line("give --all or the NAMEs to assemble");
	assert_int_equal(RUN("assemble", "--all", "r1"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("assemble", "nosuch"), CTL_EXIT_DEVICE);
	error_line("'nosuch' is not in /etc/dmremaptab");
	assert_int_equal(stub.create_calls, 0);

	assert_int_equal(RUN("assemble", "r1"), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
	assert_int_equal(stub.create_calls, 1);
	assert_string_equal(stub.create_main, node_a);
	assert_string_equal(stub.create_spare, node_b);
	assert_false(stub.create_opts.format);
	assert_int_equal(stub.create_flags, 0);
	snprintf(path, sizeof(path), "%s/r1", run_dir);
	rec = slurp(path);
	assert_non_null(rec);
	snprintf(want, sizeof(want), "NAME=r1\nMAIN=%s\nMAIN_DEVNUM=60:250\nSPARE=%s\n"
		 "SPARE_DEVNUM=60:251\n", node_a, node_b);
	assert_string_equal(rec, want);
	snprintf(path, sizeof(path), "%s/dev/block/60:250/uevent", sys_dir);
	assert_string_equal(slurp(path), "change");

	/* Assembled from the same devices: nothing to do. */
	st = stub_add_device("r1", 0, 100, 0);
	snprintf(st->main.path, sizeof(st->main.path), "%s", node_a);
	snprintf(st->spare.path, sizeof(st->spare.path), "%s", node_b);
	stub.matches[0][0] = "FORMAT_ID=0123456789abcdef";
	stub.matches[0][1] = node_b;
	assert_int_equal(RUN("assemble", "r1", "--force"), CTL_EXIT_OK);
	contains(res.err, "'r1' is already assembled");
	assert_int_equal(stub.create_calls, 1);
	/* ... from others: refused. */
	stub.matches[0][1] = "/dev/else";
	assert_int_equal(RUN("assemble", "r1"), CTL_EXIT_BUSY);
	error_line("'r1' exists with other devices");
	contains(res.err, "/etc/dmremaptab line 1");

	/* --all: noauto lines are skipped, a failed nofail line does not count. */
	stub.ndev = 0;
	assert_int_equal(RUN("assemble", "--all", "--force", "--tab", "/etc/other"), CTL_EXIT_OK);
	assert_string_equal(stub.tab_path, "/etc/other");
	assert_int_equal(stub.create_calls, 2);
	assert_int_equal(stub.create_flags, DMR_CREATE_FORCE);
	contains(res.err, "no block device has SERIAL=gone");
	contains(res.err, "'r3' not assembled (nofail)");
	if (strstr(res.err, "r2"))
		fail_msg("a noauto line was assembled: %s", res.err);
	stub.tab[2]->flags = 0;
	assert_int_equal(RUN("assemble", "--all"), CTL_EXIT_DEVICE);

	/* Bad lines: errors for --all, notes for a NAME. */
	stub.tab[2]->flags = DMR_TAB_NOFAIL;
	stub.tab_errors[0] = "/etc/dmremaptab:9: unknown option 'bogus'";
	stub.ntab_errors = 1;
	assert_int_equal(RUN("assemble", "--all"), CTL_EXIT_USAGE);
	contains(res.err, "dmremapctl: assemble: /etc/dmremaptab:9: unknown option 'bogus'\n");
	assert_int_equal(RUN("assemble", "r1"), CTL_EXIT_OK);
	contains(res.err, "/etc/dmremaptab:9: unknown option 'bogus'");
	stub.ntab_errors = 0;

	/* No tab: nothing to assemble for --all; a NAME is an error. */
	stub.tab_ret = -ENOENT;
	assert_int_equal(RUN("assemble", "--all"), CTL_EXIT_OK);
	contains(res.err, "no /etc/dmremaptab: nothing to assemble");
	assert_int_equal(RUN("assemble", "r1"), CTL_EXIT_DEVICE);
}

static void test_disassemble(void **state)
{
	char path[256];
	FILE *f;

	(void)state;
	NEED_NODES();
	stub_tab("r1", node_a, node_b, 0);
	stub_tab("r2", "/dev/m2", "/dev/s2", 0);
	stub_add_device("r1", 0, 100, 0);
	mkdir(run_dir, 0755);
	snprintf(path, sizeof(path), "%s/r1", run_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "NAME=r1\nMAIN=%s\nMAIN_DEVNUM=60:250\n", node_a);
	fclose(f);
	assert_int_equal(RUN("disassemble"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("disassemble", "r1", "r2"), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
	assert_int_equal(stub.remove_calls, 1);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/dev/block/60:250/uevent", sys_dir);
	assert_string_equal(slurp(path), "change");
	assert_int_equal(RUN("disassemble", "--all"), CTL_EXIT_OK);
	assert_int_equal(stub.remove_calls, 2);
	stub.tab_ret = -ENOENT;
	assert_int_equal(RUN("disassemble", "--all"), CTL_EXIT_OK);
}

/* ------------------------------------------------------------ udev-probe */

static void test_udev_probe(void **state)
{
	char path[256], want[512];
	FILE *f;

	(void)state;
	NEED_NODES();
	assert_int_equal(RUN("udev-probe"), CTL_EXIT_USAGE);
	assert_int_equal(RUN("udev-probe", "a", "b"), CTL_EXIT_USAGE);
	/* Neither spare nor main: nothing. */
	assert_int_equal(RUN("udev-probe", node_a), CTL_EXIT_OK);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "");
	assert_int_equal(RUN("udev-probe", "nonexistent-dev"), CTL_EXIT_OK);
	assert_string_equal(res.out, "");

	stub.spare_dev = node_b;
	stub.spare_fid = 0x0123456789abcdefULL;
	assert_int_equal(RUN("udev-probe", node_b), CTL_EXIT_OK);
	assert_string_equal(res.out, "ID_FS_TYPE=dm_remap_spare\nID_FS_USAGE=other\n"
			    "DMREMAP_FORMAT_ID=0123456789abcdef\nDMREMAP_ROLE=spare\n");

	/* A main named in the tab (by path, or by a link udev is making). */
	stub_tab("safe", node_a, node_b, 0);
	assert_int_equal(RUN("udev-probe", node_a, "--tab", "/etc/t"), CTL_EXIT_OK);
	assert_string_equal(res.out, "DMREMAP_ROLE=main\nDMREMAP_NAME=safe\n"
			    "ID_FS_TYPE=dm_remap_member\nID_FS_USAGE=other\n"
			    "SYSTEMD_READY=0\nUDISKS_IGNORE=1\n");
	assert_string_equal(stub.tab_path, "/etc/t");
	stub.tab[0]->main = "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4";
	assert_int_equal(RUN("udev-probe", node_a), CTL_EXIT_OK);
	assert_string_equal(res.out, "");
	setenv("DEVLINKS", "/dev/disk/by-path/x /dev/disk/by-id/wwn-0x5000c500a1b2c3d4", 1);
	assert_int_equal(RUN("udev-probe", node_a), CTL_EXIT_OK);
	contains(res.out, "DMREMAP_NAME=safe\n");
	unsetenv("DEVLINKS");

	/* A main recorded by assemble (given by WWN=, say). */
	mkdir(run_dir, 0755);
	snprintf(path, sizeof(path), "%s/rec", run_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "NAME=rec\nMAIN=/dev/sdq\nMAIN_DEVNUM=60:250\nSPARE=/dev/sdr\n");
	fclose(f);
	assert_int_equal(RUN("udev-probe", node_a), CTL_EXIT_OK);
	snprintf(want, sizeof(want), "DMREMAP_ROLE=main\nDMREMAP_NAME=rec\n"
		 "ID_FS_TYPE=dm_remap_member\nID_FS_USAGE=other\n"
		 "SYSTEMD_READY=0\nUDISKS_IGNORE=1\n");
	assert_string_equal(res.out, want);

	/* dm-remap's own devices and suspended dm devices are not probed. */
	snprintf(path, sizeof(path), "%s/dev/block/60:251/dm", sys_dir);
	mkdir(path, 0755);
	strcat(path, "/uuid");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "DMREMAP-0123456789abcdef-safe\n");
	fclose(f);
	assert_int_equal(RUN("udev-probe", node_b), CTL_EXIT_OK);
	assert_string_equal(res.out, "");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ------------------------------------------------------- monitoring */

/*
 * A strict reader of the Prometheus text format (version 0.0.4) as
 * node_exporter's textfile collector takes it: every family has HELP then
 * TYPE (gauge or counter) before its samples and appears once; names and
 * label names are valid; label values use only the \\ \" \n escapes;
 * values are numbers; counters end in _total and nothing else does; a
 * series appears once; the text ends with a newline.  Returns the number
 * of samples; fails the test otherwise.
 */
static int prom_check(const char *text)
{
	char fam[64][96], type[16], series[512][256];
	int nfam = 0, nseries = 0, i;
	const char *p = text, *nl;
	bool typed = false;
	char cur[96] = "";

	assert_true(*text && text[strlen(text) - 1] == '\n');
	for (; *p; p = nl + 1) {
		char line[1024], name[96], *q, *end;
		size_t len;

		nl = strchr(p, '\n');
		len = (size_t)(nl - p);
		assert_true(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			for (i = 0; i < nfam; i++)
				if (!strcmp(fam[i], name))
					fail_msg("family %s twice", name);
			assert_true(nfam < 64);
			strcpy(fam[nfam++], name);
			strcpy(cur, name);
			typed = false;
			assert_true(strlen(line) > 8 + strlen(name));	/* a text */
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s %15s", name, type), 2);
			assert_string_equal(name, cur);
			assert_false(typed);
			if (!strcmp(type, "counter"))
				assert_non_null(strstr(name, "_total"));
			else if (!strcmp(type, "gauge"))
				assert_null(strstr(name, "_total"));
			else
				fail_msg("type %s", type);
			assert_true(strlen(name) > 6 &&
				    (strcmp(type, "counter") ||
				     !strcmp(name + strlen(name) - 6, "_total")));
			typed = true;
			continue;
		}
		assert_true(line[0] != '#' && line[0]);
		/* A sample: name{labels} value */
		q = line;
		while (*q && (isalnum((unsigned char)*q) || *q == '_' || *q == ':'))
			q++;
		assert_true(q > line && !isdigit((unsigned char)line[0]));
		snprintf(name, sizeof(name), "%.*s", (int)(q - line), line);
		if (strcmp(name, cur))
			fail_msg("sample %s outside its family (%s)", name, cur);
		assert_true(typed);
		if (*q == '{') {
			q++;
			while (*q != '}') {
				char *k = q;

				assert_true(isalpha((unsigned char)*k) || *k == '_');
				while (isalnum((unsigned char)*q) || *q == '_')
					q++;
				assert_true(q > k && q[0] == '=' && q[1] == '"');
				for (q += 2; *q != '"'; q++) {
					assert_true(*q && *q != '\n');
					if (*q == '\\') {
						q++;
						assert_non_null(strchr("\\\"n", *q));
					}
				}
				q++;
				if (*q == ',')
					q++;
				else
					assert_int_equal(*q, '}');
			}
			q++;
		}
		assert_int_equal(*q, ' ');
		*q = '\0';
		for (i = 0; i < nseries; i++)
			if (!strcmp(series[i], line))
				fail_msg("series %s twice", line);
		assert_true(nseries < 512);
		assert_true(strlen(line) < sizeof(series[0]));
		memcpy(series[nseries++], line, strlen(line) + 1);
		strtod(q + 1, &end);
		assert_true(end > q + 1 && *end == '\0');
	}
	return nseries;
}

/* The value of the sample that starts with @series ("name{...}"), as text. */
static const char *prom_value(const char *text, const char *series)
{
	static char v[64];
	const char *p = text;
	size_t n = strlen(series);

	for (; (p = strstr(p, series)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == ' ') {
			snprintf(v, sizeof(v), "%.*s", (int)strcspn(p + n + 1, "\n"), p + n + 1);
			return v;
		}
	fail_msg("no sample %s in:\n%s", series, text);
	return NULL;
}

#define R_LABELS "{name=\"r\",main=\"/dev/main-r\",spare=\"/dev/spare-r\"}"

static void test_prometheus(void **state)
{
	struct dmr_status *st;
	char *first;

	(void)state;
	assert_int_equal(RUN("status", "--prometheus"), CTL_EXIT_OK);
	assert_int_equal(prom_check(res.out), 1);
	assert_string_equal(prom_value(res.out, "dmremap_devices"), "0");

	st = stub_add_device("r", 30, 100, 2);
	st->status_version = 3;
	st->reads = 1234;
	st->write_errors = 7;
	st->lost = 1;
	st->counters_since = 1766232000;
	st->failure = DMR_FAILURE_LOST;
	st->suppress = false;
	st->target_version[0] = 1;
	st->target_version[1] = 1;
	stub_add_device("q\"x", 5, 100, 0);	/* format 2: no v3 metrics */
	assert_int_equal(RUN("status", "--prometheus", "--warn-protection-off"), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
	/* 2 devices: info, 21 metrics (2 of them v3 only), 4 + 4 kernel health, 4 failure. */
	assert_int_equal(prom_check(res.out), 1 + 2 + 21 * 2 - 2 + 8 + 4);
	contains(res.out, "# HELP dmremap_reads_total ");
	contains(res.out, "# TYPE dmremap_reads_total counter\n");
	contains(res.out, "# TYPE dmremap_remapped_blocks gauge\n");
	contains(res.out, "dmremap_info{name=\"r\",main=\"/dev/main-r\",spare=\"/dev/spare-r\","
		 "uuid=\"DMREMAP-r\",target_version=\"1.1.0\",status_version=\"3\"} 1\n");
	assert_string_equal(prom_value(res.out, "dmremap_devices"), "2");
	assert_string_equal(prom_value(res.out, "dmremap_reads_total" R_LABELS), "1234");
	assert_string_equal(prom_value(res.out, "dmremap_write_errors_total" R_LABELS), "7");
	assert_string_equal(prom_value(res.out, "dmremap_remapped_blocks" R_LABELS), "30");
	assert_string_equal(prom_value(res.out, "dmremap_pending_blocks" R_LABELS), "2");
	assert_string_equal(prom_value(res.out, "dmremap_lost_blocks" R_LABELS), "1");
	assert_string_equal(prom_value(res.out, "dmremap_spare_used_ratio" R_LABELS), "0.29999999999999999");
	assert_string_equal(prom_value(res.out, "dmremap_size_bytes" R_LABELS), "1048576");
	assert_string_equal(prom_value(res.out, "dmremap_suppress_write_errors" R_LABELS), "0");
	assert_string_equal(prom_value(res.out, "dmremap_counters_since_seconds" R_LABELS),
			    "1766232000");
	assert_string_equal(prom_value(res.out, "dmremap_health_level" R_LABELS), "2");
	assert_string_equal(prom_value(res.out, "dmremap_kernel_health{name=\"r\",main=\"/dev/main-r\","
				       "spare=\"/dev/spare-r\",state=\"degraded\"}"), "1");
	assert_string_equal(prom_value(res.out, "dmremap_kernel_health{name=\"r\",main=\"/dev/main-r\","
				       "spare=\"/dev/spare-r\",state=\"ok\"}"), "0");
	assert_string_equal(prom_value(res.out, "dmremap_failure{name=\"r\",main=\"/dev/main-r\","
				       "spare=\"/dev/spare-r\",reason=\"lost\"}"), "1");
	/* Label values are escaped; a format 2 device has no v3 samples. */
	contains(res.out, "dmremap_remapped_blocks{name=\"q\\\"x\",");
	assert_null(strstr(res.out, "dmremap_lost_blocks{name=\"q"));
	assert_null(strstr(res.out, "dmremap_counters_since_seconds{name=\"q"));
	first = strdup(res.out);
	assert_non_null(first);
	/* For promtool (tests/cli/run). */
	{
		FILE *f = fopen(PROM_OUT, "w");

		assert_non_null(f);
		fputs(res.out, f);
		fclose(f);
	}

	/* --textfile: the same text, written atomically. */
	{
		char path[128], cmd[256], *text = NULL;
		size_t len = 0;
		struct stat sb;
		FILE *f;

		snprintf(path, sizeof(path), "%s/dmremap.prom", tmpdir);
		assert_int_equal(RUN("status", "--textfile", path, "--warn-protection-off"),
				 CTL_EXIT_OK);
		assert_string_equal(res.out, "");
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0644);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_int_equal(getdelim(&text, &len, '\0', f) > 0, 1);
		fclose(f);
		assert_string_equal(text, first);
		free(text);
		/* No temporary file is left beside it. */
		snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | grep -c prom) = 1", tmpdir);
		assert_int_equal(system(cmd), 0);
		unlink(path);
		/* A directory that cannot be written: an error, no file. */
		assert_int_equal(RUN("status", "--textfile", "/nonexistent/dir/x.prom"),
				 CTL_EXIT_USAGE);
		error_line("cannot write /nonexistent/dir/x.prom");
		assert_int_equal(RUN("status", "--textfile", ""), CTL_EXIT_USAGE);
		assert_int_equal(RUN("status", "--json", "--prometheus"), CTL_EXIT_USAGE);
		error_line("--json and --prometheus exclude each other");
		assert_int_equal(RUN("health", "--prometheus"), DMR_HEALTH_UNKNOWN);
	}
	free(first);
}

/* 'label'=value[UOM];[warn];[crit];[min];[max], space-separated. */
static void check_perfdata(const char *perf)
{
	regex_t re;

	assert_int_equal(regcomp(&re, "^( '[^'=]+'=[0-9]+%?;[0-9]*;[0-9]*;[0-9]*;[0-9]*)+$",
				 REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, perf, 0, NULL, 0))
		fail_msg("bad perfdata '%s'", perf);
	regfree(&re);
}

/* One line "DMREMAP <STATE> - text | perfdata" (or without perfdata). */
static void nagios_line(const char *state, const char *text)
{
	char want[64], *bar, *line;

	snprintf(want, sizeof(want), "DMREMAP %s - ", state);
	if (strncmp(res.out, want, strlen(want)))
		fail_msg("'%s' does not start with '%s'", res.out, want);
	assert_true(strchr(res.out, '\n') == res.out + strlen(res.out) - 1);
	contains(res.out, text);
	line = strndup(res.out, strlen(res.out) - 1);
	assert_non_null(line);
	bar = strchr(line, '|');
	if (bar) {
		assert_null(strchr(bar + 1, '|'));
		check_perfdata(bar + 1);
	}
	free(line);
}

static void test_nagios(void **state)
{
	(void)state;
	assert_int_equal(RUN("health", "--nagios"), DMR_HEALTH_OK);
	nagios_line("OK", "no dm-remap devices");
	stub_add_device("ok", 10, 100, 0);
	assert_int_equal(RUN("health", "--nagios"), DMR_HEALTH_OK);
	assert_string_equal(res.out, "DMREMAP OK - ok ok | 'ok_spare_used'=10%;79;94;0;100 "
			    "'ok_remapped'=10;;;0;100 'ok_pending'=0;0;;0; "
			    "'ok_spare_errors'=0;0;;0;\n");
	nagios_line("OK", "ok ok");
	stub_add_device("pend", 0, 100, 1);
	assert_int_equal(RUN("health", "--nagios", "pend"), DMR_HEALTH_WARNING);
	nagios_line("WARNING", "pend warning: pending blocks |");
	stub_add_device("full", 96, 100, 0);
	assert_int_equal(RUN("health", "--nagios"), DMR_HEALTH_CRITICAL);
	nagios_line("CRITICAL", "ok ok; pend warning: pending blocks; full critical: spare nearly full |");
	contains(res.out, "'full_spare_used'=96%;79;94;0;100");
	/* Thresholds reach the perfdata: the plugins' "N-1" is our ">= N". */
	assert_int_equal(RUN("health", "--nagios", "ok", "--warn-remapped", "5",
			     "--crit-remapped", "50", "--warn-spare", "9"), DMR_HEALTH_WARNING);
	nagios_line("WARNING", "ok warning: spare filling up, remapped blocks");
	contains(res.out, "'ok_remapped'=10;4;49;0;100");
	contains(res.out, "'ok_spare_used'=10%;8;94;0;100");
	/* Unknown: a device that cannot be read, a usage error, no module. */
	assert_int_equal(RUN("health", "--nagios", "ok", "nosuch"), DMR_HEALTH_UNKNOWN);
	nagios_line("UNKNOWN", "nosuch unknown: the status could not be read");
	assert_int_equal(RUN("health", "--nagios", "full", "nosuch"), DMR_HEALTH_CRITICAL);
	nagios_line("CRITICAL", "full critical");
	assert_int_equal(RUN("health", "--nagios", "--warn-spare", "x"), DMR_HEALTH_UNKNOWN);
	nagios_line("UNKNOWN", "option '--warn-spare': 'x' is not a number");
	assert_int_equal(RUN("health", "--nagios", "--json"), DMR_HEALTH_UNKNOWN);
	stub.target_ret = -EOPNOTSUPP;
	assert_int_equal(RUN("health", "--nagios"), DMR_HEALTH_UNKNOWN);
	nagios_line("UNKNOWN", "dm-remap kernel module not available");
	assert_null(strchr(res.out, '|'));
}

/* The opt-in rules reach the library's thresholds. */
static void test_health_opt_in(void **state)
{
	struct dmr_status *st;

	(void)state;
	st = stub_add_device("r", 10, 100, 0);
	st->suppress = false;
	assert_int_equal(RUN("health", "r"), DMR_HEALTH_OK);
	assert_int_equal(RUN("health", "r", "--warn-protection-off"), DMR_HEALTH_WARNING);
	assert_string_equal(res.out, "r: warning - suppress is off\n");
	assert_int_equal(RUN("health", "r", "--warn-remapped", "10"), DMR_HEALTH_WARNING);
	assert_int_equal(RUN("health", "r", "--crit-remapped", "10"), DMR_HEALTH_CRITICAL);
	assert_int_equal(RUN("health", "r", "--warn-remapped", "11"), DMR_HEALTH_OK);
	assert_int_equal(RUN("health", "r", "--warn-remapped", "20", "--crit-remapped", "10"),
			 DMR_HEALTH_UNKNOWN);
	error_line("--warn-remapped 20 is above --crit-remapped 10");
	assert_int_equal(RUN("status", "r", "--warn-remapped", "x"), CTL_EXIT_USAGE);
	st->status_version = 3;
	st->lost = 2;
	assert_int_equal(RUN("health", "r"), DMR_HEALTH_CRITICAL);
	assert_int_equal(RUN("status", "r"), CTL_EXIT_OK);
	contains(res.out, "  lost            2 blocks\n");
	contains(res.out, "  counters since  1970-01-01 00:00:00 UTC\n");
}

/* --debug: versions, the command line, and the library's debug lines. */
static void test_debug(void **state)
{
	(void)state;
	if (!have_nodes)
		skip();
	assert_int_equal(RUN("--debug", "create", "r", node_a, node_b), CTL_EXIT_OK);
	contains(res.err, "dmremapctl: debug: dmremapctl " CTL_VERSION ", libdmremap 9.8.7\n");
	contains(res.err, "dmremapctl: debug: command line: dmremapctl --debug create r ");
	contains(res.err, "dmremapctl: debug: libdevmapper: stub debug line\n");
	assert_int_equal(RUN("create", "r", node_a, node_b, "--debug"), CTL_EXIT_OK);
	contains(res.err, "dmremapctl: debug: libdevmapper: stub debug line\n");
	assert_int_equal(RUN("create", "r", node_a, node_b), CTL_EXIT_OK);
	assert_string_equal(res.err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_arguments), T(test_help), T(test_help_every_command),
		T(test_unknown_command_and_option),
		T(test_version), T(test_create_arguments), T(test_create_names),
		T(test_create_block_size), T(test_create_devices),
		T(test_create_passes_options), T(test_create_library_errors),
		T(test_create_target_missing), T(test_target_missing), T(test_remove),
		T(test_foreign_names), T(test_list), T(test_dm_errors),
		T(test_status), T(test_status_json), T(test_health_levels), T(test_health_order),
		T(test_health_usage_is_unknown), T(test_suppress),
		T(test_remap_block_numbers), T(test_clear_pending),
		T(test_parse_u64), T(test_remaps),
		T(test_dump), T(test_json_errors), T(test_man_page_covers_commands),
		T(test_create_confirm), T(test_create_force_and_notes),
		T(test_assemble), T(test_disassemble), T(test_udev_probe),
		T(test_prometheus), T(test_nagios), T(test_health_opt_in), T(test_debug),
	};

	return cmocka_run_group_tests_name("dmremapctl", tests, group_setup,
					   group_teardown);
}
