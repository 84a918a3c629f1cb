// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_copy: evacuate a dm-remap device to a new disk while the old one
 * still reads, keeping a GNU ddrescue mapfile (ddrescue(1), "Mapfile
 * structure"): comment lines, a status line "current_pos current_status
 * current_pass", then "pos size status" lines covering the device, in
 * hexadecimal.  Block statuses written: '?' not tried yet, '+' copied,
 * '-' unreadable (after the retries); '*' and '/' (ddrescue's non-trimmed
 * and non-scraped) are read as not tried.  One comment line of our own
 * names the source and DEST, so that a resumed copy knows the signature
 * it finds on DEST is its own.  DEST is fsync'd before every mapfile
 * save, so the mapfile never claims more than DEST holds.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dmr-ops.h"

struct blk {
	uint64_t pos, size;
	char st;
};

struct map {
	size_t n, cap;
	struct blk *v;
};

static int map_push(struct map *m, uint64_t pos, uint64_t size, char st)
{
	if (m->n && m->v[m->n - 1].st == st &&
	    m->v[m->n - 1].pos + m->v[m->n - 1].size == pos) {
		m->v[m->n - 1].size += size;
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct blk *v = reallocarray(m->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (struct blk){ pos, size, st };
	return 0;
}

/* [pos, pos + size) gets status @st (the map covers it). */
static int map_set(struct map *m, uint64_t pos, uint64_t size, char st)
{
	struct map out = { 0 };
	uint64_t end = pos + size, a, b;
	size_t i;
	int r = 0;

	for (i = 0; i < m->n && !r; i++) {
		a = m->v[i].pos;
		b = a + m->v[i].size;
		if (b <= pos || a >= end) {
			r = map_push(&out, a, b - a, m->v[i].st);
			continue;
		}
		if (a < pos)
			r = map_push(&out, a, pos - a, m->v[i].st);
		if (!r && a <= pos)
			r = map_push(&out, pos, size, st);
		if (!r && b > end)
			r = map_push(&out, end, b - end, m->v[i].st);
	}
	if (r) {
		free(out.v);
		return -ENOMEM;
	}
	free(m->v);
	*m = out;
	return 0;
}

static uint64_t map_bytes(const struct map *m, const char *states)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strchr(states, m->v[i].st))
			sum += m->v[i].size;
	return sum;
}

struct copy {
	struct dmr_ctx *ctx;
	const char *name, *uuid, *dest;
	char dest_id[DMR_ID_MAX + 64];
	int dfd;
	uint64_t size;
	uint32_t bs;
	char path[4096];
	struct map map;
	char status;			/* current_status */
	time_t started;
	const struct dmr_scan_opts *a;
};

static int save_map(struct copy *cp, uint64_t pos)
{
	char now[32], start[32], *text;
	size_t cap = 1024 + cp->map.n * 64, len, i;
	struct tm tm;
	time_t t = time(NULL);
	int r;

	if (dmri_io.fsync(cp->dfd))
		return dmri_fail(cp->ctx, errno ? errno : EIO, "cannot flush %s: %s",
				 cp->dest, strerror(errno ? errno : EIO));
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	strftime(start, sizeof(start), "%Y-%m-%d %H:%M:%S",
		 localtime_r(&cp->started, &tm));
	text = malloc(cap);
	if (!text)
		return dmri_fail(cp->ctx, ENOMEM, "out of memory");
	len = (size_t)snprintf(text, cap,
		"# Mapfile. Created by dmremapctl copy (libdmremap %s), in GNU ddrescue's format\n"
		"# Command line: dmremapctl copy %s %s\n"
		"# Start time:   %s\n# Current time: %s\n"
		"# dmremapctl-copy source=%s uuid=%s size=%" PRIu64 " dest=%s\n"
		"# current_pos  current_status  current_pass\n"
		"0x%08" PRIX64 "     %c               1\n"
		"#      pos        size  status\n",
		dmr_library_version(), cp->name, cp->dest, start, now, cp->name,
		cp->uuid && *cp->uuid ? cp->uuid : "-", cp->size, cp->dest_id, pos,
		cp->status);
	for (i = 0; i < cp->map.n && len < cap; i++)
		len += (size_t)snprintf(text + len, cap - len, "0x%08" PRIX64 "  0x%08" PRIX64 "  %c\n",
					cp->map.v[i].pos, cp->map.v[i].size, cp->map.v[i].st);
	r = len < cap ? dmri_write_file(cp->ctx, cp->path, text, len) :
	    dmri_fail(cp->ctx, EOVERFLOW, "mapfile too long");
	free(text);
	return r;
}

/*
 * Read a mapfile: 0 with the map (and *ours set if our comment names this
 * DEST), -ENOENT if there is none, else an error.
 */
static int load_map(struct copy *cp, bool *ours)
{
	char *text, *line, *save = NULL, *c, st;
	uint64_t pos, size, next = 0;
	bool status_line = false;
	int r, n;

	*ours = false;
	r = dmri_read_file(cp->ctx, cp->path, &text);
	if (r)
		return r;
	for (line = strtok_r(text, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# dmremapctl-copy ", 18)) {
			c = strstr(line, " dest=");
			*ours = c && !strcmp(c + 6, cp->dest_id);
			if (c && !*ours)
				r = dmri_fail(cp->ctx, EEXIST,
					      "mapfile %s is of a copy to %s, not to %s (%s): use --restart, or another mapfile",
					      cp->path, c + 6, cp->dest, cp->dest_id);
			continue;
		}
		if ((c = strchr(line, '#')))
			*c = '\0';
		if (!line[strspn(line, " \t\r")])
			continue;
		if (!status_line) {
			status_line = true;	/* position, status and pass: redone */
			continue;
		}
		n = sscanf(line, "%" SCNi64 " %" SCNi64 " %c", &pos, &size, &st);
		if (n != 3 || pos != next || !size || !strchr("?*/-+", st) ||
		    pos % cp->bs || size % cp->bs)
			r = dmri_fail(cp->ctx, EINVAL, "mapfile %s: bad line '%s'", cp->path, line);
		else if (map_push(&cp->map, pos, size, st == '*' || st == '/' ? '?' : st))
			r = dmri_fail(cp->ctx, ENOMEM, "out of memory");
		next = pos + size;
	}
	free(text);
	if (!r && next != cp->size)
		r = dmri_fail(cp->ctx, EINVAL,
			      "mapfile %s covers %" PRIu64 " bytes, the device has %" PRIu64
			      ": use --restart, or another mapfile", cp->path, next, cp->size);
	if (r) {
		free(cp->map.v);
		memset(&cp->map, 0, sizeof(cp->map));
		*ours = false;
	}
	return r;
}

static int good(struct dmri_scan *s, uint64_t off, const void *buf, size_t len)
{
	struct copy *cp = s->data;
	ssize_t n;

	errno = 0;
	n = dmri_io.pwrite(cp->dfd, buf, len, (off_t)off);
	if (n != (ssize_t)len)
		return dmri_fail(s->ctx, errno ? errno : EIO, "cannot write %s at byte %" PRIu64 ": %s",
				 cp->dest, off, strerror(errno ? errno : EIO));
	return map_set(&cp->map, off, len, '+') ?
	       dmri_fail(s->ctx, ENOMEM, "out of memory") : 0;
}

static int bad(struct dmri_scan *s, uint64_t off, uint64_t len)
{
	struct copy *cp = s->data;

	if (map_set(&cp->map, off, len, '-'))
		return dmri_fail(s->ctx, ENOMEM, "out of memory");
	s->p.bad_blocks = map_bytes(&cp->map, "-") / s->bs;
	if (cp->a->bad)
		cp->a->bad(off / s->bs, len / s->bs, s->bs, cp->a->data);
	return 0;
}

static int checkpoint(struct dmri_scan *s, uint64_t pos)
{
	return save_map(s->data, pos);
}

/* DEST as the mapfile names it: its identity, or the file's real path. */
static void dest_identity(struct copy *cp)
{
	char real[PATH_MAX], id[DMR_ID_MAX + 1];
	struct stat st;

	if (!fstat(cp->dfd, &st) && S_ISBLK(st.st_mode) &&
	    !dmri_identity(cp->ctx, major(st.st_rdev), minor(st.st_rdev), id, sizeof(id)) &&
	    id[0]) {
		snprintf(cp->dest_id, sizeof(cp->dest_id), "%s", id);
		return;
	}
	dmri_clear(cp->ctx);
	if (!realpath(cp->dest, real))
		snprintf(real, sizeof(real), "%s", cp->dest);
	dmri_strf(cp->dest_id, sizeof(cp->dest_id), "file:%s", real);
}

/* DEST holds something libblkid knows: ask, and wipe it once confirmed. */
static int check_signatures(struct copy *cp)
{
	char what[512], question[1024];
	int r = dmri_probe_fd(cp->ctx, cp->dfd, cp->dest, what, sizeof(what), false);

	if (r <= 0)
		return r;
	snprintf(question, sizeof(question),
		 "%s holds %s.\nCopying %s onto it destroys that.", cp->dest, what, cp->name);
	if (!cp->ctx->confirm_fn || !cp->ctx->confirm_fn(question, cp->ctx->confirm_data))
		return dmri_fail(cp->ctx, ECANCELED,
				 "%s holds %s: not overwritten without confirmation (nothing was written)",
				 cp->dest, what);
	/* A signature beyond the copy (a larger DEST) must not survive it. */
	r = dmri_probe_fd(cp->ctx, cp->dfd, cp->dest, what, sizeof(what), true);
	return r < 0 ? r : 0;
}

int dmri_copy_fd(struct dmr_ctx *ctx, const char *name, const char *uuid,
		 int fd, const char *path, uint64_t size, uint32_t bs,
		 const char *dest, const struct dmr_scan_opts *args)
{
	struct copy cp = { .ctx = ctx, .name = name, .uuid = uuid, .dest = dest,
			   .size = size, .bs = bs, .dfd = -1, .status = '?' };
	struct dmri_scan s = { .ctx = ctx, .fd = fd, .path = path, .bs = bs };
	const char *todo = "?";
	struct stat sst, dst;
	uint64_t dsize = 0, pos;
	uint32_t dlbs = 0, dpbs = 0;
	struct dmr_scan_opts a;
	bool ours = false;
	size_t i;
	int r;

	r = dmri_scan_opts(ctx, args, &a);
	if (r)
		return r;
	cp.a = &a;
	if (a.start || a.length)
		return dmri_fail(ctx, EINVAL, "copy takes the whole device (no range)");
	cp.started = time(NULL);
	r = dmri_open_target(ctx, "destination", dest, true, &cp.dfd, &dsize, &dlbs, &dpbs);
	if (r)
		return r;
	if (!fstat(fd, &sst) && !fstat(cp.dfd, &dst) && sst.st_rdev == dst.st_rdev &&
	    S_ISBLK(dst.st_mode)) {
		r = dmri_fail(ctx, EINVAL, "%s is %s itself", dest, path);
		goto out;
	}
	if (S_ISBLK(dst.st_mode) && dsize < size) {
		r = dmri_fail(ctx, ENOSPC,
			      "%s (%" PRIu64 " bytes) is smaller than %s (%" PRIu64 " bytes)",
			      dest, dsize, name, size);
		goto out;
	}
	if (dlbs > bs) {
		r = dmri_fail(ctx, EINVAL,
			      "%s has %u-byte logical blocks, %s %u-byte ones: they cannot be copied one by one",
			      dest, dlbs, name, bs);
		goto out;
	}
	dest_identity(&cp);
	if (a.state_file && *a.state_file)
		snprintf(cp.path, sizeof(cp.path), "%s", a.state_file);
	else
		dmri_state_path(cp.path, sizeof(cp.path), "copy-", name, ".map");
	r = a.flags & DMR_SCAN_RESTART ? -ENOENT : load_map(&cp, &ours);
	if (r == -ENOENT) {
		dmri_clear(ctx);
		r = map_push(&cp.map, 0, size, '?') ? dmri_fail(ctx, ENOMEM, "out of memory") : 0;
	} else if (!r) {
		dmri_log(ctx, DMR_LOG_NOTICE,
			 "resuming from mapfile %s: %" PRIu64 " bytes copied, %" PRIu64 " unreadable",
			 cp.path, map_bytes(&cp.map, "+"), map_bytes(&cp.map, "-"));
	}
	if (!r && !ours)
		r = check_signatures(&cp);
	if (r)
		goto out;
	dmri_set_direct(cp.dfd, true);
	if (a.flags & DMR_SCAN_RETRY_BAD)
		todo = "?-";
	s.rate = a.rate;
	s.retries = a.retries;
	s.stop = a.stop;
	s.good = good;
	s.bad = bad;
	s.save = checkpoint;
	s.data = &cp;
	s.progress = a.progress;
	s.pdata = a.data;
	s.progress_ms = a.progress_ms;
	r = dmri_scan_init(&s);
	if (r)
		goto out;
	s.p.start = 0;
	s.p.end = s.p.total = size;
	s.p.done = s.p.resumed_at = size - map_bytes(&cp.map, todo);
	s.p.bad_blocks = map_bytes(&cp.map, "-") / bs;
	s.p.state_file = cp.path;
	/* What could not be read before is part of this copy's report. */
	for (i = 0; i < cp.map.n && a.bad && !strchr(todo, '-'); i++)
		if (cp.map.v[i].st == '-')
			a.bad(cp.map.v[i].pos / bs, cp.map.v[i].size / bs, bs, a.data);
	/* The first region still to do, again and again: the map changes. */
	for (pos = 0; !r;) {
		for (i = 0; i < cp.map.n && (cp.map.v[i].pos + cp.map.v[i].size <= pos ||
					     !strchr(todo, cp.map.v[i].st)); i++)
			;
		if (i == cp.map.n)
			break;
		if (cp.map.v[i].pos > pos)
			pos = cp.map.v[i].pos;
		cp.status = cp.map.v[i].st == '-' ? '-' : '?';
		r = dmri_scan_range(&s, pos, cp.map.v[i].pos + cp.map.v[i].size);
		pos = s.p.position;
	}
	if (!r) {
		cp.status = '+';
		r = save_map(&cp, size);
	}
	if (!r || r == -EINTR)
		dmri_scan_final(&s);
	if (r == -EINTR)
		dmri_fail(ctx, EINTR, "stopped at byte %" PRIu64 "; mapfile %s: run it again to resume",
			  s.p.position, cp.path);
	else if (!r)
		r = map_bytes(&cp.map, "-") ? 1 : 0;
	dmri_scan_release(&s);
out:
	if (cp.dfd >= 0)
		close(cp.dfd);
	free(cp.map.v);
	return r;
}

DMR_EXPORT int dmr_copy(struct dmr_ctx *ctx, const char *name, const char *dest,
			const struct dmr_scan_opts *args)
{
	struct dmri_source src;
	int r;

	dmri_clear(ctx);
	r = dmri_open_source(ctx, name, &src);
	if (!r)
		r = dmri_copy_fd(ctx, name, src.uuid, src.fd, src.path, src.size,
				 src.bs, dest, args);
	if (src.fd >= 0)
		close(src.fd);
	return r;
}
