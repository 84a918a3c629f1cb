// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: global options, the command table, help and --version.
 */
#include <string.h>

#include "ctl.h"

#ifndef CTL_VERSION
#error "CTL_VERSION must be defined (cli/Makefile passes the VERSION file)"
#endif

const struct ctl_cmd *const ctl_commands[] = {
	&ctl_cmd_create, &ctl_cmd_remove, &ctl_cmd_list, &ctl_cmd_status,
	&ctl_cmd_health, &ctl_cmd_suppress, &ctl_cmd_remap,
	&ctl_cmd_clear_pending, &ctl_cmd_remaps, &ctl_cmd_dump,
	&ctl_cmd_assemble, &ctl_cmd_disassemble, &ctl_cmd_udev_probe,
};
const size_t ctl_nr_commands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

static const struct ctl_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ctl_nr_commands; i++)
		if (!strcmp(ctl_commands[i]->name, name))
			return ctl_commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: dmremapctl [--json] [--pretty] [--debug] COMMAND [ARGS...]\n"
	      "       dmremapctl --version | help [COMMAND]\n\n"
	      "Manage dm-remap devices: block devices that move the blocks a\n"
	      "failing disk can no longer write to a spare device.\n\n"
	      "Commands:\n", f);
	for (i = 0; i < ctl_nr_commands; i++)
		fprintf(f, "  %-14s %s\n", ctl_commands[i]->name,
			ctl_commands[i]->summary);
	fprintf(f, "  %-14s %s\n", "help", "show this list, or one command's help");
	fputs("\n'dmremapctl help COMMAND' or 'dmremapctl COMMAND --help' shows a command's\n"
	      "arguments; dmremapctl(8) documents exit codes and the JSON schema.\n", f);
}

void ctl_cmd_help(const struct ctl_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: dmremapctl %s %s\n\n%s\n", cmd->name, cmd->usage,
		cmd->summary);
	if (cmd->help[0])
		fprintf(f, "\n%s", cmd->help);
}

static int help(struct ctl *c, int argc, char **argv)
{
	const struct ctl_cmd *cmd;

	if (argc == 1) {
		usage(c->out);
		return CTL_EXIT_OK;
	}
	if (argc > 2)
		return ctl_fail(c, CTL_EXIT_USAGE, "help: unexpected argument '%s'",
				argv[2]);
	cmd = find_cmd(argv[1]);
	if (!cmd)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"help: unknown command '%s' (see 'dmremapctl help')",
				argv[1]);
	ctl_cmd_help(cmd, c->out);
	return CTL_EXIT_OK;
}

/*
 * The tool's and the library's versions only: asking for the kernel's
 * would open /dev/mapper/control, which libdevmapper even creates when it
 * is missing.  `status` shows the loaded target's version.
 */
static int version(struct ctl *c)
{
	fprintf(c->out, "dmremapctl %s\nlibdmremap %s\n", CTL_VERSION,
		dmr_library_version());
	return CTL_EXIT_OK;
}

static int dispatch(struct ctl *c, int argc, char **argv)
{
	bool show_version = false;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--json"))
			c->json = true;
		else if (!strcmp(argv[i], "--pretty"))
			c->pretty = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			c->help = true;
		else if (!strcmp(argv[i], "--debug"))
			c->debug = true;
		else if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
			show_version = true;
		else
			return ctl_fail(c, CTL_EXIT_USAGE,
					"unknown option '%s' (see 'dmremapctl help')",
					argv[i]);
	}
	if (i == argc) {
		if (show_version)
			return version(c);
		if (c->help) {
			usage(c->out);
			return CTL_EXIT_OK;
		}
		usage(c->err);
		return ctl_fail(c, CTL_EXIT_USAGE, "no command given");
	}
	if (show_version)
		return ctl_fail(c, CTL_EXIT_USAGE, "--version takes no command");
	argc -= i;
	argv += i;
	if (!strcmp(argv[0], "help"))
		return help(c, argc, argv);
	c->cmd = find_cmd(argv[0]);
	if (!c->cmd)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown command '%s' (see 'dmremapctl help')", argv[0]);
	if (c->help) {
		ctl_cmd_help(c->cmd, c->out);
		return CTL_EXIT_OK;
	}
	return c->cmd->run(c, argc, argv);
}

int ctl_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct ctl c = { .out = out, .err = err };
	int code, i;

	/* --json anywhere asks for JSON on failure, even one found before it. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			c.json_asked = true;
	c.argc = argc;
	c.argv = argv;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--debug"))
			c.debug = true;
	/* As cryptsetup's --debug: versions and the command line first. */
	if (c.debug) {
		fprintf(err, "dmremapctl: debug: dmremapctl %s, libdmremap %s\n",
			CTL_VERSION, dmr_library_version());
		fputs("dmremapctl: debug: command line:", err);
		for (i = 0; i < argc; i++)
			fprintf(err, " %s", argv[i]);
		fputc('\n', err);
	}
	code = dispatch(&c, argc, argv);
	/* health's warning and critical are results: their document is out. */
	if (c.json_asked && code != CTL_EXIT_OK && !c.json_done)
		ctl_print_json_error(&c, code);
	dmr_ctx_free(c.ctx);
	if (fflush(out) && code == CTL_EXIT_OK)
		code = ctl_fail(&c, CTL_EXIT_USAGE, "cannot write the output");
	ctl_free_msgs(&c);
	return code;
}
