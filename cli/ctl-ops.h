/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dmremapctl internals of the long-running commands (monitor, scrub, copy,
 * spare-move): their exit codes, JSON lines, progress and signals.
 */
#ifndef DMREMAPCTL_OPS_H
#define DMREMAPCTL_OPS_H

#include <signal.h>
#include <stdint.h>

#include "ctl.h"

/* Exit codes of scrub and copy beyond enum ctl_exit (dmremapctl(8)). */
#define CTL_EXIT_UNREADABLE	7	/* finished; unreadable blocks found */
#define CTL_EXIT_INTERRUPTED	8	/* stopped by a signal; state saved */

/* ------------------------------------------------------------ JSON lines */

/* One JSON object being built on one line (malloc'd, grows). */
struct ctl_jl {
	char *buf;
	size_t len, cap;
	bool oom;
};
void ctl_jl_begin(struct ctl_jl *j, const char *event, const char *command);
void ctl_jl_str(struct ctl_jl *j, const char *key, const char *val);	/* NULL: null */
void ctl_jl_u64(struct ctl_jl *j, const char *key, uint64_t val);
void ctl_jl_i64(struct ctl_jl *j, const char *key, int64_t val);
void ctl_jl_raw(struct ctl_jl *j, const char *key, const char *json);
void ctl_jl_bool(struct ctl_jl *j, const char *key, bool val);
/* "exit_status" and the "messages" so far, as every document has. */
void ctl_jl_tail(struct ctl_jl *j, struct ctl *c, int code);
/* Close the object, print it and a newline on c->out, flush, free. */
void ctl_jl_end(struct ctl_jl *j, struct ctl *c);

/* ------------------------------------------------------------- signals */

/*
 * SIGINT, SIGTERM and SIGHUP set ctl_stop (handlers without SA_RESTART, so
 * a blocking call returns EINTR); ctl_signals_restore puts the previous
 * handlers back.
 */
extern volatile int ctl_stop;
void ctl_signals_catch(void);
void ctl_signals_restore(void);

/* ------------------------------------------------------------- options */

/* "1.5" (MB/s, 10^6 bytes) -> bytes per second; false if not a rate. */
bool ctl_parse_rate(const char *s, uint64_t *bytes_per_sec);
/* "4096", "1M", "2G" (K, M, G, T: binary) -> bytes; false otherwise. */
bool ctl_parse_bytes(const char *s, uint64_t *bytes);

/* ------------------------------------------------------- system hooks */

/* syslog(3) (tests record instead); the first call opens the log. */
extern void (*ctl_syslog)(int level, const char *msg);

extern const struct ctl_cmd ctl_cmd_monitor, ctl_cmd_scrub, ctl_cmd_copy,
	ctl_cmd_spare_move;

#endif
