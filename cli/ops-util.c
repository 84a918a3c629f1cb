// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl: what monitor, scrub, copy and spare-move share: JSON lines,
 * signal handling, rates and sizes, syslog.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ctl-ops.h"

/* ------------------------------------------------------------ JSON lines */

static void put(struct ctl_jl *j, const char *s, size_t n)
{
	char *b;

	if (j->oom)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;

		while (cap < j->len + n + 1)
			cap *= 2;
		b = realloc(j->buf, cap);
		if (!b) {
			j->oom = true;
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct ctl_jl *j, const char *s)
{
	put(j, s, strlen(s));
}

static void string(struct ctl_jl *j, const char *s)
{
	char esc[8];

	puts_(j, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			put(j, esc, 2);
		} else if (ch < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			puts_(j, esc);
		} else {
			put(j, s, 1);
		}
	}
	puts_(j, "\"");
}

static void key(struct ctl_jl *j, const char *k)
{
	puts_(j, j->len > 1 ? "," : "");
	string(j, k);
	puts_(j, ":");
}

void ctl_jl_begin(struct ctl_jl *j, const char *event, const char *command)
{
	time_t now = time(NULL);
	char iso[32] = "";
	struct tm tm;

	memset(j, 0, sizeof(*j));
	puts_(j, "{");
	if (gmtime_r(&now, &tm))
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* What every document starts with (docs/JSON.md). */
	ctl_jl_i64(j, "schema_version", DMR_JSON_SCHEMA_VERSION);
	ctl_jl_i64(j, "schema_minor", DMR_JSON_SCHEMA_MINOR);
	ctl_jl_str(j, "generated", iso);
	ctl_jl_i64(j, "generated_epoch", (int64_t)now);
	key(j, "producer");
	puts_(j, "{\"library\":\"libdmremap\",\"library_version\":");
	string(j, dmr_library_version());
	puts_(j, ",\"tool\":\"dmremapctl\",\"tool_version\":");
	string(j, CTL_VERSION);
	puts_(j, "}");
	ctl_jl_str(j, "event", event);
	ctl_jl_str(j, "command", command);
}

void ctl_jl_str(struct ctl_jl *j, const char *k, const char *val)
{
	key(j, k);
	if (val)
		string(j, val);
	else
		puts_(j, "null");
}

void ctl_jl_u64(struct ctl_jl *j, const char *k, uint64_t val)
{
	char n[24];

	key(j, k);
	snprintf(n, sizeof(n), "%" PRIu64, val);
	puts_(j, n);
}

void ctl_jl_i64(struct ctl_jl *j, const char *k, int64_t val)
{
	char n[24];

	key(j, k);
	snprintf(n, sizeof(n), "%" PRId64, val);
	puts_(j, n);
}

void ctl_jl_raw(struct ctl_jl *j, const char *k, const char *json)
{
	key(j, k);
	puts_(j, json);
}

void ctl_jl_bool(struct ctl_jl *j, const char *k, bool val)
{
	key(j, k);
	puts_(j, val ? "true" : "false");
}

void ctl_jl_tail(struct ctl_jl *j, struct ctl *c, int code)
{
	size_t i;

	ctl_jl_i64(j, "exit_status", code);
	key(j, "messages");
	puts_(j, "[");
	for (i = 0; i < c->nmsgs; i++) {
		puts_(j, i ? ",{\"severity\":\"error\",\"text\":" :
		      "{\"severity\":\"error\",\"text\":");
		string(j, c->msgs[i]);
		puts_(j, "}");
	}
	puts_(j, "]");
	c->json_done = true;
}

void ctl_jl_end(struct ctl_jl *j, struct ctl *c)
{
	puts_(j, "}");
	if (!j->oom)
		fprintf(c->out, "%s\n", j->buf);
	fflush(c->out);
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

/* ------------------------------------------------------------- signals */

volatile int ctl_stop;
static struct sigaction old[3];
static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	ctl_stop = sig;
}

void ctl_signals_catch(void)
{
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: reads return EINTR */
	sigemptyset(&sa.sa_mask);
	ctl_stop = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
}

void ctl_signals_restore(void)
{
	int i;

	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
}

/* ------------------------------------------------------------- options */

bool ctl_parse_rate(const char *s, uint64_t *bps)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > 1000000)
			return false;		/* > 1 TB/s */
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (scale < 1000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (*p)
		return false;
	*bps = whole * 1000000 + frac * 1000000 / scale;
	return *bps > 0;
}

bool ctl_parse_bytes(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	const char *u;
	unsigned int shift = 0;
	uint64_t v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1])
			return false;
		shift = 10 * (unsigned int)(u - units + 1);
		if (v > (UINT64_MAX >> shift))
			return false;
	}
	*bytes = v << shift;
	return true;
}

/* ------------------------------------------------------- system hooks */

static void real_syslog(int level, const char *msg)
{
	static bool open;

	if (!open) {
		openlog("dmremapctl", LOG_PID, LOG_DAEMON);
		open = true;
	}
	syslog(level, "%s", msg);
}

void (*ctl_syslog)(int level, const char *msg) = real_syslog;
