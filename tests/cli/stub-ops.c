// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The stand-in's dmr_scrub, dmr_copy, dmr_spare_move and dmr_watch_*
 * (see stub-ops.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "stub-ops.h"

struct stub_ops stub_ops;

void stub_ops_reset(void)
{
	memset(&stub_ops, 0, sizeof(stub_ops));
}

static int scan(struct dmr_ctx *ctx, const char *name, const char *dest,
		const struct dmr_scan_opts *a)
{
	struct dmr_progress p = { .size = sizeof(p), .block_size = 512 };
	size_t i;

	stub_ops.scan_calls++;
	if (a->size != sizeof(*a))
		return stub_ctx_fail(ctx, -EINVAL, "scan options: size not set");
	snprintf(stub_ops.scan_name, sizeof(stub_ops.scan_name), "%s", name);
	snprintf(stub_ops.scan_dest, sizeof(stub_ops.scan_dest), "%s", dest ? dest : "");
	snprintf(stub_ops.scan_state, sizeof(stub_ops.scan_state), "%s",
		 a->state_file ? a->state_file : "");
	stub_ops.scan_args = *a;
	if (stub_ops.scan_question && !stub_ctx_confirm(ctx, stub_ops.scan_question))
		return stub_ctx_fail(ctx, -ECANCELED, "not confirmed");
	if (stub_ops.scan_ret < 0 && stub_ops.scan_ret != -EINTR)
		return stub_ctx_fail(ctx, stub_ops.scan_ret, stub_ops.scan_error);
	p.total = p.end = 1 << 20;
	p.done = p.position = 1 << 19;
	p.bytes_per_sec = 2500000;
	p.eta_sec = 3;
	p.state_file = "/var/lib/dmremap/x";
	a->progress(&p, a->data);
	for (i = 0; i < stub_ops.nbad; i++)
		a->bad(stub_ops.bad[i][0], stub_ops.bad[i][1], 512, a->data);
	p.bad_blocks = 2;
	if (stub_ops.scan_ret != -EINTR)
		p.done = p.position = p.total;
	p.final = true;
	a->progress(&p, a->data);
	if (stub_ops.scan_ret == -EINTR)
		return stub_ctx_fail(ctx, -EINTR, "stopped at byte 524288; checkpoint /x: run it again to resume");
	return stub_ops.scan_ret;
}

int dmr_scrub(struct dmr_ctx *ctx, const char *name, const struct dmr_scan_opts *a)
{
	return scan(ctx, name, NULL, a);
}

int dmr_copy(struct dmr_ctx *ctx, const char *name, const char *dest,
	     const struct dmr_scan_opts *a)
{
	return scan(ctx, name, dest, a);
}

int dmr_spare_move(struct dmr_ctx *ctx, const char *name, const char *new_spare,
		   const struct dmr_move_opts *a)
{
	stub_ops.move_calls++;
	if (a->size != sizeof(*a))
		return stub_ctx_fail(ctx, -EINVAL, "spare-move options: size not set");
	snprintf(stub_ops.move_name, sizeof(stub_ops.move_name), "%s", name);
	snprintf(stub_ops.move_new, sizeof(stub_ops.move_new), "%s", new_spare);
	snprintf(stub_ops.move_main, sizeof(stub_ops.move_main), "%s",
		 a->main_dev ? a->main_dev : "");
	snprintf(stub_ops.move_spare, sizeof(stub_ops.move_spare), "%s",
		 a->old_spare ? a->old_spare : "");
	stub_ops.move_tab_null = !a->tab;
	snprintf(stub_ops.move_tab, sizeof(stub_ops.move_tab), "%s", a->tab ? a->tab : "");
	stub_ops.move_flags = a->flags;
	if (stub_ops.move_note)
		stub_ctx_note(ctx, stub_ops.move_note);
	if (stub_ops.move_ret)
		return stub_ctx_fail(ctx, stub_ops.move_ret, stub_ops.move_error);
	return 0;
}

/* ---------------------------------------------------------------- watch */

struct dmr_watch {
	size_t dev;
	unsigned int step;
	bool gone;
};

static struct dmr_event *event(const char *type, const char *name)
{
	struct dmr_event *e = calloc(1, sizeof(*e));

	e->size = sizeof(*e);
	e->type = type;		/* the script's strings live for the test */
	e->level = LOG_WARNING;
	e->name = strdup(name);
	if (asprintf(&e->message, "%s: %s", name, type) < 0 ||
	    asprintf(&e->json, "{\"event\":\"%s\",\"device\":\"%s\"}", type, name) < 0)
		abort();
	e->env = calloc(3, sizeof(*e->env));
	if (asprintf(&e->env[0], "DMREMAP_EVENT=%s", type) < 0 ||
	    asprintf(&e->env[1], "DMREMAP_DEVICE=%s", name) < 0)
		abort();
	return e;
}

/* The events of a step "a b c". */
static void events(const char *step, const char *name, struct dmr_event ***ev,
		   size_t *n)
{
	char *copy = strdup(step), *t, *save = NULL;
	static const char *const known[] = {
		"watching", "appeared", "removed", "remapped", "pending", "lost",
		"exhausted", NULL,
	};
	size_t i;

	*ev = calloc(8, sizeof(**ev));
	*n = 0;
	for (t = strtok_r(copy, " ", &save); t && *n < 8; t = strtok_r(NULL, " ", &save)) {
		for (i = 0; known[i] && strcmp(known[i], t); i++)
			;
		(*ev)[(*n)++] = event(known[i] ? known[i] : "other", name);
	}
	free(copy);
}

int dmr_watch_new(struct dmr_ctx *ctx, const char *name, const struct dmr_watch_opts *o,
		  struct dmr_watch **w, struct dmr_event ***ev, size_t *n)
{
	unsigned int flags = o ? o->flags : 0;
	size_t i;

	stub_ops.watch_new_calls++;
	if (o && (o->size != sizeof(*o) ||
		  (o->thresholds && o->thresholds->size != sizeof(*o->thresholds))))
		return stub_ctx_fail(ctx, -EINVAL, "watch options: size not set");
	if (o && o->thresholds)
		stub_ops.watch_t = *o->thresholds;
	for (i = 0; i < stub_ops.nwatch && strcmp(stub_ops.watch[i].name, name); i++)
		;
	if (i == stub_ops.nwatch)
		return stub_ctx_fail(ctx, -ENXIO, "no dm-remap device named 'nosuch'");
	stub_ops.watch_flags[i] = flags;
	*w = calloc(1, sizeof(**w));
	(*w)->dev = i;
	events(flags & DMR_WATCH_APPEARED ? "appeared" : "watching", name, ev, n);
	return 0;
}

int dmr_watch_wait(struct dmr_ctx *ctx, struct dmr_watch *w)
{
	const char *step = stub_ops.watch[w->dev].steps[w->step];

	(void)ctx;
	__atomic_add_fetch(&stub_ops.watch_waits, 1, __ATOMIC_SEQ_CST);
	if (step && strcmp(step, "term"))
		return 0;
	if (step) {
		w->step++;
		kill(getpid(), SIGTERM);
	}
	pause();		/* until SIGUSR1 */
	return -EINTR;
}

int dmr_watch_update(struct dmr_ctx *ctx, struct dmr_watch *w, struct dmr_event ***ev,
		     size_t *n)
{
	const char *step = stub_ops.watch[w->dev].steps[w->step++];

	(void)ctx;
	events(step, stub_ops.watch[w->dev].name, ev, n);
	if (!strcmp(step, "removed")) {
		w->gone = true;
		return 1;
	}
	return 0;
}

void dmr_watch_free(struct dmr_watch *w)
{
	free(w);
}

void dmr_events_free(struct dmr_event **ev, size_t n)
{
	size_t i;
	char **p;

	if (!ev)
		return;
	for (i = 0; i < n; i++) {
		free(ev[i]->name);
		free(ev[i]->message);
		free(ev[i]->json);
		for (p = ev[i]->env; *p; p++)
			free(*p);
		free(ev[i]->env);
		free(ev[i]);
	}
	free(ev);
}
