// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: the subcommand option parser and argument checks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

bool ctl_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

bool ctl_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CTL_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.+-", *s))
			return false;
	return true;
}

bool ctl_valid_uuid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > CTL_UUID_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static struct ctl_opt *find_opt(struct ctl_opt *opts, const char *name,
				size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static int set_opt(struct ctl *c, struct ctl_opt *o, const char *val)
{
	uint64_t v;

	if (o->kind == CTL_OPT_FLAG) {
		if (val)
			return ctl_usage_fail(c, "option '%s' takes no value", o->name);
		*(bool *)o->dest = true;
	} else if (o->kind == CTL_OPT_STRING) {
		*(const char **)o->dest = val;
	} else if (!ctl_parse_u64(val, &v)) {
		return ctl_usage_fail(c, "option '%s': '%s' is not a number",
				      o->name, val);
	} else if (o->kind == CTL_OPT_PERCENT) {
		if (v > 100)
			return ctl_usage_fail(c, "option '%s': %s is not a percentage (0-100)",
					      o->name, val);
		*(unsigned int *)o->dest = (unsigned int)v;
	} else {
		*(uint64_t *)o->dest = v;
	}
	o->seen = true;
	return 0;
}

/* A negative number is an argument (a bad one, reported as such). */
static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] && !isdigit((unsigned char)a[1]);
}

static int parse(struct ctl *c, int argc, char **argv, struct ctl_opt *opts)
{
	bool options = true;
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const char *eq, *val = NULL;
		struct ctl_opt *o;
		size_t len;

		if (!options || !is_option(a)) {
			argv[++n] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			options = false;
			continue;
		}
		if (!strcmp(a, "--json")) {
			c->json = true;
			continue;
		}
		if (!strcmp(a, "--pretty")) {
			c->pretty = true;
			continue;
		}
		if (!strcmp(a, "--debug")) {
			c->debug = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			c->help = true;
			continue;
		}
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		o = a[1] == '-' ? find_opt(opts, a, len) : NULL;
		if (!o) {
			ctl_usage_fail(c, "unknown option '%.*s'", (int)len, a);
			return -1;
		}
		if (eq) {
			val = eq + 1;
		} else if (o->kind != CTL_OPT_FLAG) {
			if (++i == argc) {
				ctl_usage_fail(c, "option '%s' needs a value", o->name);
				return -1;
			}
			val = argv[i];
		}
		if (o->seen) {
			ctl_usage_fail(c, "option '%s' given twice", o->name);
			return -1;
		}
		if (set_opt(c, o, val))
			return -1;
	}
	return n;
}

int ctl_args(struct ctl *c, int argc, char **argv, struct ctl_opt *opts,
	     int min, int max, int *code)
{
	int n = parse(c, argc, argv, opts);

	*code = c->cmd->usage_exit;
	if (n < 0)
		return -1;
	if (c->help) {
		ctl_cmd_help(c->cmd, c->out);
		*code = CTL_EXIT_OK;
		return -1;
	}
	if (c->json && !c->cmd->json) {
		ctl_usage_fail(c, "no JSON output (--json is for list, status, health, remaps and dump)");
		return -1;
	}
	if (c->pretty && !c->json) {
		ctl_usage_fail(c, "--pretty needs --json");
		return -1;
	}
	if (n < min) {
		ctl_usage_fail(c, "missing argument (usage: dmremapctl %s %s)",
			       c->cmd->name, c->cmd->usage);
		return -1;
	}
	if (max >= 0 && n > max) {
		ctl_usage_fail(c, "unexpected argument '%s'", argv[max + 1]);
		return -1;
	}
	return n;
}
