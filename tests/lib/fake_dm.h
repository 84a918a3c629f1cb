/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A scriptable stand-in for libdevmapper: the library under test is linked
 * with -Wl,--wrap for every dm_* function it calls, and these wrappers
 * answer from an in-memory set of devices.
 */
#ifndef FAKE_DM_H
#define FAKE_DM_H

#include <stdbool.h>
#include <stdint.h>

struct fake_dev {
	char name[128], uuid[129];
	unsigned int major, minor;
	bool suspended, busy;
	unsigned int nr_targets;	/* 0: no live table */
	char type[32];
	uint64_t start, length;
	char table[256], status[512];
	/* Loaded by RELOAD, made live by RESUME. */
	bool has_inactive;
	char inactive_type[32], inactive_params[256];
	uint64_t inactive_length;
};

/* Forget all devices, failures and messages; a fresh node directory. */
void fake_reset(void);
/* Removes the node directory; call at the end of a test binary. */
void fake_cleanup(void);
struct fake_dev *fake_add(const char *name, const char *type,
			  const char *table, const char *status);
struct fake_dev *fake_find(const char *name);
/* The next dm_task_run of @type (a DM_DEVICE_* value) fails with @err. */
void fake_fail(int type, int err);
/* The next dm_task_create fails. */
void fake_fail_create(void);
/* Expect message @msg next; answer @reply (may be NULL) or fail with @err. */
void fake_msg(const char *msg, const char *reply, int err);
unsigned int fake_msgs_left(void);
/* The `remap` target's version; major 0 = not loaded. */
void fake_target_version(unsigned int a, unsigned int b, unsigned int c);
/*
 * The version a table load of `remap` loads when the target is not loaded
 * (the kernel's request_module); major 0 = no module: the load fails with
 * EINVAL.  1.0.0 after fake_reset.
 */
void fake_target_module(unsigned int a, unsigned int b, unsigned int c);
/* Node creation by resume (libdevmapper's fallback) and by dm_mknodes. */
extern bool fake_node_on_resume, fake_mknodes_works;
extern char fake_dm_dir[];
/* Cookies handed out and waited for. */
extern unsigned int fake_cookies_set, fake_cookies_waited;
/*
 * What the fake logs through the installed log function on a failure: two
 * error lines with a debug line between them (libdevmapper's backtrace).
 */
#define FAKE_LOG_TEXT "fake ioctl failed"
#define FAKE_LOG_TEXT2 "fake second error line"
#define FAKE_LOG_DEBUG "<backtrace>"
/*
 * With no message queued, "list N" is answered from a generated table of
 * fake_list_count remapped blocks (spare block = block), fake_list_page
 * entries a page (0 count: off).  fake_reset turns it off.
 */
extern uint64_t fake_list_count;
extern unsigned int fake_list_page;
/* dm_lib_release calls; whether a log function is installed. */
extern unsigned int fake_lib_releases;
bool fake_log_hooked(void);
/* What geteuid() returns to the library (0 after fake_reset). */
extern unsigned int fake_euid;

#endif
