// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The block reader of scrub and copy: sequential O_DIRECT reads in chunks,
 * a failed chunk halved down to single blocks (each retried) to find the
 * unreadable ones, a rate limit paced on the bytes read since the start of
 * the run, progress calls, and periodic checkpoints.  Also the helpers
 * both need: opening the dm device and a target device, range sets and
 * atomically replaced state files.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dmr-ops.h"

#define SAVE_MS		10000		/* checkpoint at least this often */
#define SLEEP_SLICE_NS	200000000LL	/* a stop is seen within this */

static int64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void real_sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL,
			       .tv_nsec = ns % 1000000000LL };

	nanosleep(&ts, NULL);	/* a signal cuts it short: stop is looked at */
}

struct dmri_io dmri_io = {
	.pread = pread, .pwrite = pwrite, .fsync = fsync,
	.now_ns = real_now_ns, .sleep_ns = real_sleep_ns,
};

void dmri_io_reset(void)
{
	dmri_io.pread = pread;
	dmri_io.pwrite = pwrite;
	dmri_io.fsync = fsync;
	dmri_io.now_ns = real_now_ns;
	dmri_io.sleep_ns = real_sleep_ns;
}

/* ------------------------------------------------------------- ranges */

int dmri_ranges_add(struct dmri_ranges *r, uint64_t off, uint64_t len)
{
	uint64_t end = off + len;
	size_t i, j;

	if (!len)
		return 0;
	/* First range that ends at or after off (touching ones merge). */
	for (i = 0; i < r->n && r->v[i].off + r->v[i].len < off; i++)
		;
	for (j = i; j < r->n && r->v[j].off <= end; j++) {
		if (r->v[j].off < off)
			off = r->v[j].off;
		if (r->v[j].off + r->v[j].len > end)
			end = r->v[j].off + r->v[j].len;
	}
	if (j == i) {		/* nothing merged: insert at i */
		if (r->n == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 16;
			struct dmri_range *v = reallocarray(r->v, cap, sizeof(*v));

			if (!v)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
		r->n++;
	} else if (j > i + 1) {	/* ranges i..j-1 become one */
		memmove(&r->v[i + 1], &r->v[j], (r->n - j) * sizeof(*r->v));
		r->n -= j - i - 1;
	}
	r->v[i].off = off;
	r->v[i].len = end - off;
	return 0;
}

bool dmri_ranges_covers(const struct dmri_ranges *r, uint64_t off, uint64_t len)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].off <= off && r->v[i].off + r->v[i].len >= off + len)
			return true;
	return false;
}

uint64_t dmri_ranges_bytes(const struct dmri_ranges *r)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		sum += r->v[i].len;
	return sum;
}

void dmri_ranges_free(struct dmri_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------- reader */

int dmri_scan_init(struct dmri_scan *s)
{
	uint64_t c = s->chunk ? s->chunk : 1 << 20;

	/* Rate-limited: at least 8 reads a second, so the pace is smooth. */
	if (s->rate && c > s->rate / 8)
		c = s->rate / 8;
	c -= c % s->bs;
	if (c < s->bs)
		c = s->bs;
	s->chunk = c;
	s->buf = NULL;
	if (posix_memalign(&s->buf, 4096, (size_t)c))
		return dmri_fail(s->ctx, ENOMEM, "out of memory");
	s->t0 = s->last_progress = s->last_save = dmri_io.now_ns();
	s->run_bytes = 0;
	s->bad_len = 0;
	s->p.size = sizeof(s->p);
	s->p.block_size = s->bs;
	s->p.eta_sec = -1;
	if (!s->progress_ms)
		s->progress_ms = 1000;
	return 0;
}

void dmri_scan_release(struct dmri_scan *s)
{
	free(s->buf);
	s->buf = NULL;
}

static bool stopped(const struct dmri_scan *s)
{
	return s->stop && *s->stop;
}

/* Sleep until the bytes read so far are within the rate. */
static void pace(struct dmri_scan *s)
{
	int64_t due, now;

	if (!s->rate)
		return;
	due = s->t0 + (int64_t)((unsigned __int128)s->run_bytes * 1000000000u /
				s->rate);
	while (!stopped(s) && (now = dmri_io.now_ns()) < due)
		dmri_io.sleep_ns(due - now < SLEEP_SLICE_NS ? due - now : SLEEP_SLICE_NS);
}

/* One read: 0, -EIO (unreadable) or another failure (reported). */
static int rd(struct dmri_scan *s, uint64_t off, size_t len, void *buf)
{
	ssize_t n;
	int e;

	errno = 0;
	n = dmri_io.pread(s->fd, buf, len, (off_t)off);
	e = errno;
	s->run_bytes += len;
	pace(s);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && e == EIO)
		return -EIO;
	if (n >= 0)
		return dmri_fail(s->ctx, EIO, "short read of %s at byte %llu (%zd of %zu bytes)",
				 s->path, (unsigned long long)off, n, len);
	return dmri_fail(s->ctx, e, "cannot read %s at byte %llu: %s", s->path,
			 (unsigned long long)off, strerror(e));
}

static int flush_bad(struct dmri_scan *s)
{
	int r = 0;

	if (s->bad_len && s->bad)
		r = s->bad(s, s->bad_off, s->bad_len);
	s->bad_len = 0;
	return r;
}

static int add_bad(struct dmri_scan *s, uint64_t off, uint64_t len)
{
	int r;

	s->p.bad_blocks += len / s->bs;
	if (s->bad_len && s->bad_off + s->bad_len == off) {
		s->bad_len += len;
		return 0;
	}
	r = flush_bad(s);
	s->bad_off = off;
	s->bad_len = len;
	return r;
}

static int piece(struct dmri_scan *s, uint64_t off, uint64_t len, char *buf)
{
	uint64_t half;
	unsigned int i;
	int r;

	r = rd(s, off, (size_t)len, buf);
	if (r == -EIO && len == s->bs) {
		for (i = 0; i < s->retries && r == -EIO; i++) {
			if (stopped(s))
				return -EINTR;
			r = rd(s, off, (size_t)len, buf);
		}
		if (r == -EIO)
			return add_bad(s, off, len);
	}
	if (!r)
		return s->good ? s->good(s, off, buf, (size_t)len) : 0;
	if (r != -EIO)
		return r;
	half = len / s->bs / 2 * s->bs;
	r = piece(s, off, half, buf);
	if (!r && stopped(s))
		r = -EINTR;
	if (!r)
		r = piece(s, off + half, len - half, buf + half);
	return r;
}

static void progress(struct dmri_scan *s, int64_t now)
{
	uint64_t run_done = s->p.done - s->p.resumed_at;
	int64_t ms = dmri_ms(s->t0, now);

	s->last_progress = now;
	s->p.elapsed_ms = ms;
	s->p.bytes_per_sec = ms > 0 ? (uint64_t)((unsigned __int128)s->run_bytes *
						 1000 / (uint64_t)ms) : 0;
	s->p.eta_sec = -1;
	if (run_done && ms > 0)
		s->p.eta_sec = (int64_t)((unsigned __int128)(s->p.total - s->p.done) *
					 (uint64_t)ms / run_done / 1000);
	if (s->progress)
		s->progress(&s->p, s->pdata);
}

static int save(struct dmri_scan *s, uint64_t pos, int64_t now)
{
	int r = flush_bad(s);

	s->last_save = now;
	if (!r && s->save)
		r = s->save(s, pos);
	return r;
}

int dmri_scan_range(struct dmri_scan *s, uint64_t start, uint64_t end)
{
	uint64_t pos = start, len;
	int64_t now;
	int r;

	while (pos < end) {
		s->p.position = pos;
		if (stopped(s)) {
			r = save(s, pos, dmri_io.now_ns());
			return r ? r : -EINTR;
		}
		len = end - pos < s->chunk ? end - pos : s->chunk;
		r = piece(s, pos, len, s->buf);
		if (r == -EINTR) {
			/* Parts of this chunk may be done: it is read again. */
			r = save(s, pos, dmri_io.now_ns());
			return r ? r : -EINTR;
		}
		if (r)
			return r;
		pos += len;
		s->p.position = pos;
		s->p.done += len;
		now = dmri_io.now_ns();
		if (dmri_ms(s->last_progress, now) >= s->progress_ms)
			progress(s, now);
		if (dmri_ms(s->last_save, now) >= SAVE_MS) {
			r = save(s, pos, now);
			if (r)
				return r;
		}
	}
	return flush_bad(s);
}

void dmri_scan_final(struct dmri_scan *s)
{
	s->p.final = true;
	progress(s, dmri_io.now_ns());
}

/* ------------------------------------------------------------ devices */

int dmri_open_path(struct dmr_ctx *ctx, const char *path, bool write,
		   bool excl, int *fd, uint64_t *size, uint32_t *lbs)
{
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | (excl ? O_EXCL : 0);
	struct stat st;
	int v;

	*fd = open(path, flags | O_DIRECT);
	if (*fd < 0 && errno == EINVAL)	/* tmpfs files: no O_DIRECT */
		*fd = open(path, flags);
	if (*fd < 0 && errno == EBUSY)
		return dmri_fail(ctx, EBUSY, "%s is in use (mounted, held or open exclusively)",
				 path);
	if (*fd < 0)
		return dmri_fail(ctx, errno, "cannot open %s: %s", path, strerror(errno));
	if (fstat(*fd, &st))
		goto fail;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(*fd, BLKGETSIZE64, size) || ioctl(*fd, BLKSSZGET, &v) || v <= 0)
			goto fail;
		*lbs = (uint32_t)v;
	} else if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		*lbs = 512;
	} else {
		close(*fd);
		*fd = -1;
		return dmri_fail(ctx, EINVAL, "%s is neither a block device nor a file", path);
	}
	return 0;
fail:
	v = errno ? errno : EIO;
	close(*fd);
	*fd = -1;
	return dmri_fail(ctx, v, "cannot read the size of %s: %s", path, strerror(v));
}

void dmri_set_direct(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	/* Files on tmpfs refuse O_DIRECT: they are read through the cache. */
	if (fl >= 0)
		fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}

int dmri_open_source(struct dmr_ctx *ctx, const char *name,
		     struct dmri_source *src)
{
	char mapper[4096];
	struct dmri_dev d;
	struct stat st;
	int r;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	r = dmri_remap_table(ctx, name, &d);
	if (r)
		return r;
	dmri_dev_release(&d);
	if (d.suspended)
		return dmri_fail(ctx, EBUSY, "'%s' is suspended: reading it would wait", name);
	snprintf(src->uuid, sizeof(src->uuid), "%s", d.uuid);
	snprintf(mapper, sizeof(mapper), "/dev/mapper/%s", name);
	if (!stat(mapper, &st) && S_ISBLK(st.st_mode) &&
	    st.st_rdev == makedev(d.major, d.minor))
		snprintf(src->path, sizeof(src->path), "%s", mapper);
	else
		dmri_devpath(d.major, d.minor, src->path, sizeof(src->path));
	if (!src->path[0])
		return dmri_fail(ctx, ENOENT, "'%s' (%u:%u) has no device node", name,
				 d.major, d.minor);
	return dmri_open_path(ctx, src->path, false, false, &src->fd, &src->size,
			      &src->bs);
}

int dmri_open_target(struct dmr_ctx *ctx, const char *role, const char *path,
		     bool files, int *fd, uint64_t *size, uint32_t *lbs,
		     uint32_t *pbs)
{
	unsigned int ma, mi, v;
	char what[512];
	struct stat st;
	int r;

	*fd = -1;
	if (!path || !*path)
		return dmri_fail(ctx, EINVAL, "no %s given", role);
	if (stat(path, &st)) {
		if (errno == ENOENT && files) {
			*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			if (*fd < 0)
				return dmri_fail(ctx, errno, "cannot create %s %s: %s", role,
						 path, strerror(errno));
			*size = 0;
			*lbs = *pbs = 512;
			return 0;
		}
		return dmri_fail(ctx, errno, "%s %s: %s", role, path, strerror(errno));
	}
	if (S_ISREG(st.st_mode) && files) {
		r = dmri_open_path(ctx, path, true, false, fd, size, lbs);
		if (!r)
			dmri_set_direct(*fd, false);
		*pbs = 512;
		return r;
	}
	if (!S_ISBLK(st.st_mode))
		return dmri_fail(ctx, EINVAL, "%s %s is not a block device%s", role, path,
				 files ? " or a file" : "");
	ma = major(st.st_rdev);
	mi = minor(st.st_rdev);
	dmri_holder(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s %s is in use by %s", role, path, what);
	dmri_mountpoint(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s %s is mounted on %s", role, path, what);
	dmri_busy_partition(ma, mi, what, sizeof(what));
	if (*what)
		return dmri_fail(ctx, EBUSY, "%s %s is in use: %s", role, path, what);
	r = dmri_open_path(ctx, path, true, true, fd, size, lbs);
	if (!r)
		dmri_set_direct(*fd, false);	/* libblkid reads unaligned */
	if (r == -EBUSY)
		return dmri_fail(ctx, EBUSY, "%s %s is in use (mounted, held or open exclusively)",
				 role, path);
	if (r)
		return r;
	if (ioctl(*fd, BLKPBSZGET, &v) || !v)
		v = *lbs;
	*pbs = v;
	return 0;
}

/* --------------------------------------------------------- state files */

void dmri_state_path(char *buf, size_t size, const char *prefix,
		     const char *name, const char *suffix)
{
	const char *dir = getenv("DMREMAP_STATE_DIR");

	dmri_strf(buf, size, "%s/%s%s%s", dir && *dir ? dir : "/var/lib/dmremap",
		  prefix, name, suffix);
}

static int mkdirs(const char *dir)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int dmri_write_file(struct dmr_ctx *ctx, const char *path, const char *text,
		    size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX], copy[PATH_MAX];
	int fd, dfd, e;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	if (mkdirs(dir))
		return dmri_fail(ctx, errno, "cannot make directory %s: %s", dir,
				 strerror(errno));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >=
	    sizeof(tmp))
		return dmri_fail(ctx, ENAMETOOLONG, "path too long: %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dmri_fail(ctx, errno, "cannot write %s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd)) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return dmri_fail(ctx, e, "cannot write %s: %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		return dmri_fail(ctx, e, "cannot replace %s: %s", path, strerror(e));
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int dmri_read_file(struct dmr_ctx *ctx, const char *path, char **text)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *n;
	ssize_t got;
	int fd, e;

	*text = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return dmri_fail(ctx, errno, "cannot read %s: %s", path, strerror(errno));
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			n = realloc(buf, cap + 1);
			if (!n) {
				free(buf);
				close(fd);
				return dmri_fail(ctx, ENOMEM, "out of memory");
			}
			buf = n;
		}
		got = read(fd, buf + len, cap - len);
		if (got > 0)
			len += (size_t)got;
	} while (got > 0);
	e = errno;
	close(fd);
	if (got < 0) {
		free(buf);
		return dmri_fail(ctx, e, "cannot read %s: %s", path, strerror(e));
	}
	if (!buf && !(buf = malloc(1)))
		return dmri_fail(ctx, ENOMEM, "out of memory");
	buf[len] = '\0';
	*text = buf;
	return 0;
}
