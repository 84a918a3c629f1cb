/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dmremapctl internals: the command table, the option parser, exit codes
 * and output helpers shared by the cli/cmd-*.c files.
 */
#ifndef DMREMAPCTL_H
#define DMREMAPCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dmremap.h"

/* Exit codes (dmremapctl(8), EXIT STATUS), modelled on cryptsetup's. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_USAGE = 1,	/* wrong parameters */
	CTL_EXIT_PERM = 2,	/* no permission */
	CTL_EXIT_NOMEM = 3,	/* out of memory */
	CTL_EXIT_DEVICE = 4,	/* wrong device: missing, not a block device... */
	CTL_EXIT_BUSY = 5,	/* device or name exists or is in use, or the
				   device is not in the state the request needs */
	CTL_EXIT_KERNEL = 6,	/* target not loaded, kernel refused */
};
/* `health` exits with enum dmr_health_level (0 ok .. 3 unknown) instead. */

/* One invocation's state. */
struct ctl {
	FILE *out, *err;
	const struct ctl_cmd *cmd;	/* NULL before dispatch */
	bool json, pretty, help;
	bool debug;			/* --debug: every library and libdevmapper line */
	bool json_asked;		/* --json anywhere before "--" */
	bool json_done;			/* a JSON document is on @out */
	char **msgs;			/* every error line so far, for JSON */
	size_t nmsgs;
	struct dmr_ctx *ctx;		/* created on first use */
	int argc;			/* the whole command line, for --debug */
	char **argv;
};

struct ctl_cmd {
	const char *name;
	const char *usage;	/* arguments and options, one line */
	const char *summary;	/* one line for the command list */
	const char *help;	/* the rest of `help CMD` */
	bool json;		/* accepts --json */
	int usage_exit;		/* exit status for usage errors */
	int (*run)(struct ctl *c, int argc, char **argv);
};

extern const struct ctl_cmd ctl_cmd_create, ctl_cmd_remove, ctl_cmd_list,
	ctl_cmd_status, ctl_cmd_health, ctl_cmd_suppress, ctl_cmd_remap,
	ctl_cmd_clear_pending, ctl_cmd_remaps, ctl_cmd_dump, ctl_cmd_assemble,
	ctl_cmd_disassemble, ctl_cmd_udev_probe;
/* The command table, in the order `help` lists it. */
extern const struct ctl_cmd *const ctl_commands[];
extern const size_t ctl_nr_commands;

/* The whole program; main() only calls this.  Returns the exit status. */
int ctl_main(int argc, char **argv, FILE *out, FILE *err);

/* ---------------------------------------------------------- options */

enum ctl_opt_kind {
	CTL_OPT_FLAG,		/* bool */
	CTL_OPT_STRING,		/* const char * */
	CTL_OPT_PERCENT,	/* unsigned int, 0..100 */
	CTL_OPT_U64,		/* uint64_t */
};

struct ctl_opt {
	const char *name;	/* "--format" */
	enum ctl_opt_kind kind;
	void *dest;
	bool seen;
};

/*
 * Parse a subcommand's arguments (argv[0] is its name).  Options may come
 * anywhere; "--" ends them; --json, --pretty and --help are always known.
 * Positional arguments are moved to argv[1..n] and must number from @min
 * to @max (-1: no limit).  Returns n; or -1 with *code set when the
 * command must stop: its help was shown (0) or an error printed.
 * @opts ends with a NULL name; may be NULL.
 */
int ctl_args(struct ctl *c, int argc, char **argv, struct ctl_opt *opts,
	     int min, int max, int *code);
/* `dmremapctl help CMD`. */
void ctl_cmd_help(const struct ctl_cmd *cmd, FILE *f);

/* Strict unsigned decimal; false on anything else (sign, space, overflow). */
bool ctl_parse_u64(const char *s, uint64_t *v);
/*
 * Names for create: 1..127 of A-Z a-z 0-9 _ . + -, not "." or "..".  Other
 * commands take an existing device's name as device-mapper has it.
 */
#define CTL_NAME_MAX 127
#define CTL_NAME_RULE "1-127 characters from A-Z a-z 0-9 _ . + -"
bool ctl_valid_name(const char *s);
/* dm UUIDs: 1..128 printable ASCII characters, no blank. */
#define CTL_UUID_MAX 128
bool ctl_valid_uuid(const char *s);

/* ---------------------------------------------------------- errors */

/*
 * "dmremapctl: <cmd>: <message>" on c->err, one line per line of the
 * message, each also kept in c->msgs; returns @code.
 */
int ctl_fail(struct ctl *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Usage error of the current command: exits with its usage_exit. */
int ctl_usage_fail(struct ctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A library call failed with @err (negative errno): print dmr_error(). */
int ctl_lib_fail(struct ctl *c, int err);
void ctl_free_msgs(struct ctl *c);
int ctl_exit_from_errno(int err);
/* The library context, created on first use; NULL after printing why. */
struct dmr_ctx *ctl_ctx(struct ctl *c, int *code);
/* "dmremapctl: <cmd>: <message>" on c->err, not an error (not in JSON). */
void ctl_note(struct ctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The dmr_log_fn of every context (data: ctl): warnings and notices with
 * ctl_note; with --debug, every line, as "dmremapctl: debug: ...".
 */
void ctl_lib_note(int level, const char *msg, void *data);
/* JSON flags for the library's writers: pretty if asked, left open. */
unsigned int ctl_json_flags(const struct ctl *c);

/* ------------------------------------------- the system (tests redirect) */

extern FILE *ctl_stdin;			/* where confirmations are read */
extern int (*ctl_isatty)(int fd);	/* isatty */
extern const char *ctl_run_dir;		/* /run/dmremap */
extern const char *ctl_sysfs;		/* /sys (uevent files) */

/*
 * A confirm function for the library: with *yes (--yes, --batch-mode) it
 * goes on, saying so; on a terminal it asks for "YES"; otherwise it
 * refuses, saying why.  data: struct ctl_confirm.
 */
struct ctl_confirm {
	struct ctl *c;
	bool yes;
};
bool ctl_confirm(const char *question, void *data);
/* Drop /run/dmremap/NAME (after a remove) and retrigger its main. */
void ctl_forget_member(struct ctl *c, const char *name);

/* -------------------------------------------- devices (cmd-status.c) */

/* The statuses a status/health/list call is about. */
struct ctl_devs {
	struct dmr_status *st;		/* count of them, size set */
	struct dmr_status **ptr;	/* &st[i], as the library takes them */
	size_t count;
	int worst;	/* health: unknown if one was unreadable */
};
/*
 * Statuses of the named devices, or of every dm-remap device if none is
 * named.  With @tolerant (health), a device that cannot be read is reported
 * on stderr and kept as a placeholder (its health is unknown); otherwise it
 * fails.  health also needs the target loaded (a host without it is
 * unknown); for status, a host without it simply has no dm-remap device.
 */
int ctl_gather(struct ctl *c, char **names, int n, bool tolerant,
	       struct ctl_devs *d);
void ctl_devs_free(struct ctl_devs *d);
/* The health level of @st (unknown if it cannot be evaluated); with @h,
 * the evaluation too (dmr_health_free it). */
int ctl_level(const struct dmr_status *st, const struct dmr_thresholds *t,
	      struct dmr_health **h);
/* The status document of @d with exit_status @code; returns the exit status. */
int ctl_json_statuses(struct ctl *c, const struct ctl_devs *d,
		      const struct dmr_thresholds *t, int code);
/* The worse of two health levels: critical, warning, unknown, ok. */
int ctl_worse(int a, int b);

/* ---------------------------------------------------------- output */

/* "2026-12-20 12:00:00 UTC", or "<n> s after the epoch" if not a date. */
const char *ctl_time(char *buf, size_t len, int64_t t);

/* "  label        value" with labels aligned. */
void ctl_kv(struct ctl *c, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "256 MiB", "1.5 GiB", "512 B". */
const char *ctl_size(char *buf, size_t len, uint64_t bytes);
/*
 * After a dmr_json_* writer (r = its return value) left the document open
 * on c->out (@written bytes): "exit_status" and the "messages" so far, and
 * the closing brace; returns @code, or the failure's exit status (the
 * document then says so).  If the writer failed and wrote nothing, nothing
 * is added: ctl_main prints the failure document.
 */
int ctl_finish_json(struct ctl *c, int r, int code, size_t written);
/* c->out through a byte counter, for a library writer (then ctl_count_end). */
struct ctl_counted {
	FILE *real, *f;
	size_t n;
};
FILE *ctl_count_begin(struct ctl *c, struct ctl_counted *k);
/* Closes the counter (flushing it to c->out); the bytes written. */
size_t ctl_count_end(struct ctl_counted *k);
/* The document for a failure that printed none: exit_status and messages. */
void ctl_print_json_error(struct ctl *c, int code);
/* A JSON string (escaped, quoted) on @f. */
void ctl_json_string(FILE *f, const char *s);
/*
 * BLOCK STATE SPARE-BLOCK table of remap entries, one row at a time (no
 * table is kept): the widths are fixed from the largest numbers possible.
 */
struct ctl_entries {
	struct ctl *c;
	int bw, sw;		/* column widths */
	uint64_t rows;
};
void ctl_entries_begin(struct ctl_entries *t, struct ctl *c,
		       uint64_t max_block, uint64_t max_spare);
/* A dmr_entry_fn (data: struct ctl_entries); the heading before row one. */
int ctl_entries_row(const struct dmr_entry *e, void *data);

/* ------------------------------------------- monitoring (monitoring.c) */

/*
 * The Prometheus text exposition format (node_exporter's textfile
 * collector) of @count statuses; health evaluated with @t.
 */
void ctl_prometheus(FILE *f, const struct dmr_status *const *st,
		    size_t count, const struct dmr_thresholds *t);
/* Write @text to @path atomically (a temporary file in its directory,
 * fsync, rename); CTL_EXIT_OK or the exit status (printed). */
int ctl_write_atomic(struct ctl *c, const char *path, const char *text,
		     size_t len);
/*
 * One monitoring-plugins line: "DMREMAP <STATE> - <text> | <perfdata>",
 * for @count statuses and the overall @level; @msg (may be NULL) is said
 * when there is no device to report on.
 */
void ctl_nagios(FILE *f, const struct dmr_status *const *st, size_t count,
		const struct dmr_thresholds *t, int level, const char *msg);

struct ctl_table;
/* A table of @ncols columns; a heading starting with '>' is right-aligned. */
struct ctl_table *ctl_table_new(unsigned int ncols, const char *const *heads);
/* Add one row of ncols cells (copied); false on allocation failure. */
bool ctl_table_row(struct ctl_table *t, const char *const *cells);
void ctl_table_print(struct ctl_table *t, FILE *out);
void ctl_table_free(struct ctl_table *t);

#endif
