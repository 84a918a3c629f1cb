// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_scrub: read a dm-remap device end to end so that the kernel finds
 * (and marks pending) the blocks main can no longer read, before anything
 * needs them.  Nothing is written to the device.  The checkpoint is a
 * small text file, replaced atomically every 10 s and when stopped:
 *
 *   # dmremapctl scrub checkpoint ...
 *   version 1
 *   device NAME
 *   uuid UUID            ("-" if none)
 *   size BYTES           (of the device)
 *   block_size BYTES
 *   start BYTES
 *   end BYTES
 *   position BYTES       (everything before it has been read)
 *   bad OFFSET LENGTH    (bytes; one line per unreadable range found)
 *
 * A checkpoint for another device, size or range is ignored (with a
 * notice) and replaced.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmr-ops.h"

int dmri_scan_opts(struct dmr_ctx *ctx, const struct dmr_scan_opts *in,
		   struct dmr_scan_opts *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (!in)
		return 0;
	r = dmri_opts_in(ctx, out, sizeof(*out), in, "scan");
	if (r)
		return r;
	if (out->flags & ~(DMR_SCAN_RESTART | DMR_SCAN_RETRY_BAD))
		return dmri_fail(ctx, EINVAL, "unknown flags %#x", out->flags);
	return 0;
}

struct scrub {
	struct dmr_ctx *ctx;
	const char *name, *uuid;
	uint64_t size, start, end;
	uint32_t bs;
	char path[4096];
	struct dmri_ranges bad;
	const struct dmr_scan_opts *a;
};

static int save_checkpoint(struct scrub *sc, uint64_t pos)
{
	size_t cap = 1024 + sc->bad.n * 48, len;
	char *text = malloc(cap);
	size_t i;
	int r;

	if (!text)
		return dmri_fail(sc->ctx, ENOMEM, "out of memory");
	len = (size_t)snprintf(text, cap,
		"# dmremapctl scrub checkpoint: run the same scrub again to resume (dmremapctl(8))\n"
		"version 1\ndevice %s\nuuid %s\nsize %" PRIu64 "\nblock_size %" PRIu32
		"\nstart %" PRIu64 "\nend %" PRIu64 "\nposition %" PRIu64 "\n",
		sc->name, sc->uuid && *sc->uuid ? sc->uuid : "-", sc->size, sc->bs,
		sc->start, sc->end, pos);
	for (i = 0; i < sc->bad.n && len < cap; i++)
		len += (size_t)snprintf(text + len, cap - len, "bad %" PRIu64 " %" PRIu64 "\n",
					sc->bad.v[i].off, sc->bad.v[i].len);
	r = len < cap ? dmri_write_file(sc->ctx, sc->path, text, len) :
	    dmri_fail(sc->ctx, EOVERFLOW, "checkpoint too long");
	free(text);
	return r;
}

static bool key_u64(const char *line, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	char *end;

	if (strncmp(line, key, n) || line[n] != ' ')
		return false;
	*v = strtoull(line + n + 1, &end, 10);
	return *end == '\0';
}

/* Position from a checkpoint that fits, or 0 with a notice (or nothing). */
static int load_checkpoint(struct scrub *sc, uint64_t *pos)
{
	char *text, *line, *save = NULL, uuid[160] = "", dev[160] = "";
	uint64_t v, want[5] = { sc->size, sc->bs, sc->start, sc->end, 1 };
	uint64_t got[5] = { 0, 0, 0, 0, 0 }, p = UINT64_MAX, off, len;
	static const char *const keys[5] = { "size", "block_size", "start", "end",
					     "version" };
	bool ok = true;
	int r, i;

	*pos = sc->start;
	r = dmri_read_file(sc->ctx, sc->path, &text);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!strncmp(line, "device ", 7))
			snprintf(dev, sizeof(dev), "%s", line + 7);
		else if (!strncmp(line, "uuid ", 5))
			snprintf(uuid, sizeof(uuid), "%s", line + 5);
		else if (key_u64(line, "position", &v))
			p = v;
		else if (!strncmp(line, "bad ", 4)) {
			if (sscanf(line + 4, "%" SCNu64 " %" SCNu64, &off, &len) != 2 ||
			    off % sc->bs || len % sc->bs || !len)
				ok = false;
			else if (dmri_ranges_add(&sc->bad, off, len))
				ok = false;
		} else {
			for (i = 0; i < 5 && !key_u64(line, keys[i], &got[i]); i++)
				;
			if (i == 5)
				ok = false;
		}
	}
	free(text);
	for (i = 0; i < 5; i++)
		ok = ok && got[i] == want[i];
	ok = ok && !strcmp(dev, sc->name) &&
	     !strcmp(uuid, sc->uuid && *sc->uuid ? sc->uuid : "-") &&
	     p != UINT64_MAX && p >= sc->start && p <= sc->end && !(p % sc->bs);
	if (!ok) {
		dmri_ranges_free(&sc->bad);
		dmri_log(sc->ctx, DMR_LOG_NOTICE,
			 "checkpoint %s is not for this device and range: starting from the beginning",
			 sc->path);
		return 0;
	}
	*pos = p;
	return 0;
}

static int bad(struct dmri_scan *s, uint64_t off, uint64_t len)
{
	struct scrub *sc = s->data;
	bool known = dmri_ranges_covers(&sc->bad, off, len);

	if (dmri_ranges_add(&sc->bad, off, len))
		return dmri_fail(s->ctx, ENOMEM, "out of memory");
	s->p.bad_blocks = dmri_ranges_bytes(&sc->bad) / s->bs;
	if (!known && sc->a->bad)
		sc->a->bad(off / s->bs, len / s->bs, s->bs, sc->a->data);
	return 0;
}

static int checkpoint(struct dmri_scan *s, uint64_t pos)
{
	return save_checkpoint(s->data, pos);
}

int dmri_scrub_fd(struct dmr_ctx *ctx, const char *name, const char *uuid,
		  int fd, const char *path, uint64_t size, uint32_t bs,
		  const struct dmr_scan_opts *args)
{
	struct scrub sc = { .ctx = ctx, .name = name, .uuid = uuid, .size = size,
			    .bs = bs };
	struct dmri_scan s = { .ctx = ctx, .fd = fd, .path = path, .bs = bs };
	struct dmr_scan_opts a;
	uint64_t pos;
	size_t i;
	int r;

	r = dmri_scan_opts(ctx, args, &a);
	if (r)
		return r;
	sc.a = &a;
	if (a.start % bs || a.length % bs)
		return dmri_fail(ctx, EINVAL,
				 "start and length must be multiples of the %u-byte block", bs);
	if (a.start >= size || a.length > size - a.start)
		return dmri_fail(ctx, EINVAL,
				 "range %" PRIu64 "+%" PRIu64 " is beyond %s (%" PRIu64 " bytes)",
				 a.start, a.length, path, size);
	sc.start = a.start;
	sc.end = a.length ? a.start + a.length : size;
	if (a.state_file && *a.state_file)
		snprintf(sc.path, sizeof(sc.path), "%s", a.state_file);
	else
		dmri_state_path(sc.path, sizeof(sc.path), "scrub-", name, ".checkpoint");
	pos = sc.start;
	if (!(a.flags & DMR_SCAN_RESTART)) {
		r = load_checkpoint(&sc, &pos);
		if (r)
			return r;
	}
	s.rate = a.rate;
	s.retries = a.retries;
	s.stop = a.stop;
	s.bad = bad;
	s.save = checkpoint;
	s.data = &sc;
	s.progress = a.progress;
	s.pdata = a.data;
	s.progress_ms = a.progress_ms;
	r = dmri_scan_init(&s);
	if (r) {
		dmri_ranges_free(&sc.bad);
		return r;
	}
	s.p.start = sc.start;
	s.p.end = sc.end;
	s.p.total = sc.end - sc.start;
	s.p.done = s.p.resumed_at = pos - sc.start;
	s.p.position = pos;
	s.p.state_file = sc.path;
	s.p.bad_blocks = dmri_ranges_bytes(&sc.bad) / bs;
	/* What earlier runs found is part of this scrub's report. */
	for (i = 0; i < sc.bad.n && a.bad; i++)
		a.bad(sc.bad.v[i].off / bs, sc.bad.v[i].len / bs, bs, a.data);
	if (pos > sc.start)
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "resuming from checkpoint %s at byte %" PRIu64 " (%" PRIu64
			 " unreadable blocks found before)", sc.path, pos, s.p.bad_blocks);
	r = dmri_scan_range(&s, pos, sc.end);
	if (!r && unlink(sc.path) && errno != ENOENT)
		dmri_log(ctx, DMR_LOG_WARNING, "cannot remove checkpoint %s: %s", sc.path,
			 strerror(errno));
	if (!r || r == -EINTR)
		dmri_scan_final(&s);
	if (r == -EINTR)
		dmri_fail(ctx, EINTR, "stopped at byte %" PRIu64 "; checkpoint %s: run it again to resume",
			  s.p.position, sc.path);
	else if (!r)
		r = s.p.bad_blocks ? 1 : 0;
	dmri_scan_release(&s);
	dmri_ranges_free(&sc.bad);
	return r;
}

DMR_EXPORT int dmr_scrub(struct dmr_ctx *ctx, const char *name,
			 const struct dmr_scan_opts *args)
{
	struct dmri_source src;
	int r;

	dmri_clear(ctx);
	r = dmri_open_source(ctx, name, &src);
	if (!r)
		r = dmri_scrub_fd(ctx, name, src.uuid, src.fd, src.path, src.size,
				  src.bs, args);
	if (src.fd >= 0)
		close(src.fd);
	return r;
}
