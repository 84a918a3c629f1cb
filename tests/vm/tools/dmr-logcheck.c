// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-logcheck: check that every write recorded by dm-log-writes reads back.
 *
 *   dmr-logcheck [-r RANGES] [-w BLOCKS_OUT] [-c SECTOR] LOGDEV DATADEV
 *
 * LOGDEV holds a complete dm-log-writes log (the log-writes device has been
 * removed, so its closing "dm-log-writes-end" mark is there).  The log is
 * replayed in order into a map block -> hash of the block's latest logged
 * content (or "discarded"); then every block still mapped is read from
 * DATADEV with O_DIRECT and compared.  Discarded blocks are skipped: their
 * content is undefined.  A block is the log's sectorsize, which is the
 * logical block size of the device that was logged.
 *
 * Log format (drivers/md/dm-log-writes.c): block 0 is the super block
 * (magic, version, nr_entries, sectorsize); entries follow, each one block
 * (sector, nr_sectors, flags, data_len, all in units of sectorsize, then the
 * mark text for marks) followed by nr_sectors data blocks unless the entry is
 * a discard or a mark.
 *
 * -r RANGES      file of "FIRST LAST" lines (512-byte sectors, inclusive, as
 *                given to null_blk's badblocks); prints for each range how
 *                many distinct blocks of it were ever written, and the total
 *                of distinct such blocks ("bad_written").
 * -w BLOCKS_OUT  write those distinct blocks, one per line, ascending.
 * -c SECTOR      print the state of the block holding 512-byte SECTOR
 *                ("checked", "discarded" or "unwritten") on a "block" line.
 *
 * Log order is completion order, except that dm-log-writes holds a non-FUA
 * write back until the next flush completes while it logs a FUA write at
 * once: a FUA write that completed after a non-FUA write of the same block
 * can be logged before it.  So a block whose latest logged write is not FUA
 * also accepts the content of a FUA write of it logged at most one flush
 * before that write's flush window; such blocks are counted as
 * "fua_reordered", not as mismatches.
 *
 * Output: "log ..." and "check ..." lines of key=value pairs; the first
 * mismatches on stderr.  Exit status: 0 every mapped block matches, 1 a
 * mismatch, an unreadable block or a malformed/incomplete log, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_FLUSH_FLAG		(1 << 0)
#define LOG_FUA_FLAG		(1 << 1)
#define LOG_DISCARD_FLAG	(1 << 2)
#define LOG_MARK_FLAG		(1 << 3)
#define LOG_METADATA_FLAG	(1 << 4)
#define LOG_KNOWN_FLAGS		0x1f

#define WRITE_LOG_VERSION	1ULL
#define WRITE_LOG_MAGIC		0x6a736677736872ULL
#define END_MARK		"dm-log-writes-end"

#define ENTRY_SIZE		32	/* struct log_write_entry */
#define LOG_CHUNK		(4u << 20)
#define LOG_BUF			(LOG_CHUNK + 65536)
#define DATA_CHUNK		(1u << 20)
#define SHOW_MISMATCHES		10

/* Per-block state in the replay map. */
#define B_WRITTEN	1	/* ever written (not discard) */
#define B_VALID		2	/* hash[] holds the latest content */
#define B_DISCARDED	4	/* latest operation was a discard */
#define B_INRANGE	8	/* in a -r range */
#define B_FUA		16	/* fua_hash[]/fua_epoch[] hold a FUA write */
#define B_ALT		32	/* alt[] holds an acceptable older-logged FUA write */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("dmr-logcheck: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/*
 * 64-bit hash of one block (an xxh64-style 4-lane loop).  The block size is a
 * multiple of 512, so there is no tail.
 */
static uint64_t block_hash(const unsigned char *p, size_t len)
{
	const uint64_t P1 = 0x9e3779b185ebca87ULL, P2 = 0xc2b2ae3d27d4eb4fULL;
	uint64_t v[4] = { P1 + P2, P2, 0, -P1 };
	uint64_t h, w;

	for (size_t i = 0; i < len; i += 32) {
		for (int l = 0; l < 4; l++) {
			memcpy(&w, p + i + 8 * l, 8);
			v[l] = rotl(v[l] + w * P2, 31) * P1;
		}
	}
	h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
	for (int l = 0; l < 4; l++)
		h = (h ^ (rotl(v[l] * P2, 31) * P1)) * P1 + 0x85ebca77c2b2ae63ULL;
	h ^= len;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= 0x165667b19e3779f9ULL;
	h ^= h >> 32;
	return h;
}

static void *xalloc_aligned(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		die("out of memory (%zu bytes)", len);
	return p;
}

/* Open read-only; block devices with O_DIRECT (no stale page cache). */
static int open_direct(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		die("stat %s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		close(fd);
		fd = open(path, O_RDONLY | O_DIRECT);
		if (fd < 0)
			die("open %s with O_DIRECT: %s", path, strerror(errno));
	}
	return fd;
}

static uint64_t dev_size(int fd, const char *path)
{
	struct stat st;
	uint64_t sz;

	if (fstat(fd, &st))
		die("stat %s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (ioctl(fd, BLKGETSIZE64, &sz))
		die("BLKGETSIZE64 %s: %s", path, strerror(errno));
	return sz;
}

/* Sequential reader of the log: large aligned reads, a window into them. */
struct reader {
	int fd;
	const char *path;
	unsigned char *buf;
	size_t len;		/* valid bytes in buf */
	size_t pos;		/* consumed bytes in buf */
	uint64_t file_off;	/* file offset of buf[len] */
	uint64_t size;		/* size of the log device */
};

/* Make @n bytes available at r->buf + r->pos; returns that pointer. */
static const unsigned char *rd_get(struct reader *r, size_t n)
{
	const unsigned char *p;

	if (r->len - r->pos < n) {
		size_t keep = r->len - r->pos;
		size_t want;
		ssize_t got;

		/* Keep the unconsumed tail, aligned: it is at most one block. */
		memmove(r->buf, r->buf + r->pos, keep);
		r->len = keep;
		r->pos = 0;
		while (r->len < n) {
			if (r->file_off >= r->size)
				die("log is truncated: needed %zu bytes at log offset %" PRIu64,
				    n, r->file_off - r->len);
			want = LOG_BUF - r->len;
			if (want > LOG_CHUNK)
				want = LOG_CHUNK;
			if (want > r->size - r->file_off)
				want = r->size - r->file_off;
			/* O_DIRECT wants an aligned buffer: read into a bounce. */
			if (r->len % 4096) {
				static unsigned char *bounce;

				if (!bounce)
					bounce = xalloc_aligned(LOG_CHUNK);
				got = pread(r->fd, bounce, want, r->file_off);
				if (got > 0)
					memcpy(r->buf + r->len, bounce, got);
			} else {
				got = pread(r->fd, r->buf + r->len, want, r->file_off);
			}
			if (got < 0)
				die("read %s at %" PRIu64 ": %s", r->path, r->file_off,
				    strerror(errno));
			if (got == 0)
				die("log is truncated at %" PRIu64, r->file_off);
			r->len += got;
			r->file_off += got;
		}
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

struct range {
	uint64_t first, last;	/* blocks, inclusive */
	uint64_t s_first, s_last;	/* as given, sectors */
};

static int read_ranges(const char *path, unsigned int spb, struct range **out)
{
	FILE *f = fopen(path, "r");
	unsigned long long a, b;
	struct range *rg = NULL;
	int n = 0, cap = 0, m;
	char line[256];

	if (!f)
		die("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		m = sscanf(line, "%llu %llu", &a, &b);
		if (m <= 0)
			continue;
		if (m != 2 || b < a)
			die("%s: bad range line: %s", path, line);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			rg = realloc(rg, cap * sizeof(*rg));
			if (!rg)
				die("out of memory");
		}
		rg[n].s_first = a;
		rg[n].s_last = b;
		rg[n].first = a / spb;
		rg[n].last = b / spb;
		n++;
	}
	fclose(f);
	*out = rg;
	return n;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: dmr-logcheck [-r RANGES] [-w BLOCKS_OUT] [-c SECTOR] LOGDEV DATADEV\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *ranges_path = NULL, *blocks_out = NULL;
	uint64_t nr_entries, data_size, nblocks, ss, query = UINT64_MAX;
	uint64_t n_write = 0, n_flush = 0, n_fua = 0, n_discard = 0, n_mark = 0;
	uint64_t n_meta = 0, logged_blocks = 0;
	uint64_t checked = 0, discarded = 0, mismatches = 0, unreadable = 0;
	unsigned int spb;
	struct reader r = { 0 };
	const unsigned char *p;
	unsigned char *dbuf;
	uint64_t *hash, *alt, *fua_hash;
	uint32_t *fua_epoch, epoch = 0;
	uint64_t reordered = 0;
	uint8_t *state;
	char last_mark[512] = "";
	int opt, dfd, end_mark = 0;

	while ((opt = getopt(argc, argv, "r:w:c:")) != -1) {
		char *end;

		switch (opt) {
		case 'r':
			ranges_path = optarg;
			break;
		case 'w':
			blocks_out = optarg;
			break;
		case 'c':
			query = strtoull(optarg, &end, 0);
			if (*end || end == optarg)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();

	/* --- the super block ------------------------------------------------ */
	r.path = argv[optind];
	r.fd = open_direct(r.path);
	r.size = dev_size(r.fd, r.path);
	r.buf = xalloc_aligned(LOG_BUF);
	p = rd_get(&r, 512);
	if (le64(p) != WRITE_LOG_MAGIC)
		die("%s: bad magic %#" PRIx64 " (not a dm-log-writes log)", r.path, le64(p));
	if (le64(p + 8) != WRITE_LOG_VERSION)
		die("%s: unsupported log version %" PRIu64, r.path, le64(p + 8));
	nr_entries = le64(p + 16);
	ss = le32(p + 24);
	if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
		die("%s: bad sectorsize %" PRIu64, r.path, ss);
	spb = ss / 512;
	rd_get(&r, ss - 512);	/* rest of the super block */

	dfd = open_direct(argv[optind + 1]);
	data_size = dev_size(dfd, argv[optind + 1]);
	nblocks = data_size / ss;
	hash = calloc(nblocks ? nblocks : 1, sizeof(*hash));
	alt = calloc(nblocks ? nblocks : 1, sizeof(*alt));
	fua_hash = calloc(nblocks ? nblocks : 1, sizeof(*fua_hash));
	fua_epoch = calloc(nblocks ? nblocks : 1, sizeof(*fua_epoch));
	state = calloc(nblocks ? nblocks : 1, 1);
	if (!hash || !alt || !fua_hash || !fua_epoch || !state)
		die("out of memory for %" PRIu64 " blocks", nblocks);

	/* --- replay --------------------------------------------------------- */
	for (uint64_t i = 0; i < nr_entries; i++) {
		uint64_t sector, nr, flags, data_len;

		p = rd_get(&r, ss);
		sector = le64(p);
		nr = le64(p + 8);
		flags = le64(p + 16);
		data_len = le64(p + 24);
		end_mark = 0;
		if (flags & ~(uint64_t)LOG_KNOWN_FLAGS)
			die("entry %" PRIu64 ": unknown flags %#" PRIx64, i, flags);
		if (flags & LOG_METADATA_FLAG)
			n_meta++;
		if (flags & LOG_MARK_FLAG) {
			if (nr || data_len >= ss - ENTRY_SIZE)
				die("entry %" PRIu64 ": malformed mark (nr_sectors %" PRIu64
				    ", data_len %" PRIu64 ")", i, nr, data_len);
			memcpy(last_mark, p + ENTRY_SIZE, data_len);
			last_mark[data_len] = 0;
			end_mark = !strcmp(last_mark, END_MARK);
			n_mark++;
			continue;
		}
		if (data_len)
			die("entry %" PRIu64 ": write with inline data (data_len %" PRIu64 ")",
			    i, data_len);
		if (sector > nblocks || nr > nblocks - sector)
			die("entry %" PRIu64 ": blocks %" PRIu64 "+%" PRIu64
			    " beyond the data device (%" PRIu64 " blocks)", i, sector, nr, nblocks);
		if (flags & LOG_DISCARD_FLAG) {
			for (uint64_t b = sector; b < sector + nr; b++)
				state[b] = (state[b] & (B_WRITTEN | B_FUA)) | B_DISCARDED;
			n_discard++;
			continue;
		}
		if (flags & LOG_FLUSH_FLAG) {
			n_flush++;
			epoch++;
		}
		if (flags & LOG_FUA_FLAG)
			n_fua++;
		if (nr)
			n_write++;
		for (uint64_t b = sector; b < sector + nr; b++) {
			p = rd_get(&r, ss);
			hash[b] = block_hash(p, ss);
			if (flags & LOG_FUA_FLAG) {
				fua_hash[b] = hash[b];
				fua_epoch[b] = epoch;
				state[b] = B_WRITTEN | B_VALID | B_FUA;
			} else if ((state[b] & B_FUA) && fua_epoch[b] + 1 >= epoch) {
				alt[b] = fua_hash[b];
				state[b] = B_WRITTEN | B_VALID | B_FUA | B_ALT;
			} else {
				state[b] = B_WRITTEN | B_VALID | (state[b] & B_FUA);
			}
		}
		logged_blocks += nr;
	}
	close(r.fd);
	printf("log sectorsize=%" PRIu64 " entries=%" PRIu64 " writes=%" PRIu64
	       " flushes=%" PRIu64 " fua=%" PRIu64 " discards=%" PRIu64 " marks=%" PRIu64
	       " metadata=%" PRIu64 " logged_blocks=%" PRIu64 " last_mark=%s\n",
	       ss, nr_entries, n_write, n_flush, n_fua, n_discard, n_mark, n_meta,
	       logged_blocks, last_mark[0] ? last_mark : "-");
	fflush(stdout);
	if (!end_mark)
		die("log is incomplete: the last entry is not the '%s' mark "
		    "(log device full, or log-writes still loaded?)", END_MARK);

	/* --- compare -------------------------------------------------------- */
	dbuf = xalloc_aligned(DATA_CHUNK > ss ? DATA_CHUNK : ss);
	for (uint64_t b = 0; b < nblocks; ) {
		uint64_t run, h, max = (DATA_CHUNK > ss ? DATA_CHUNK : ss) / ss;
		ssize_t got;

		if (!(state[b] & B_VALID) || (state[b] & B_DISCARDED)) {
			discarded += !!(state[b] & B_DISCARDED);
			b++;
			continue;
		}
		for (run = 1; run < max && b + run < nblocks &&
		     (state[b + run] & B_VALID) && !(state[b + run] & B_DISCARDED); run++)
			;
		got = pread(dfd, dbuf, run * ss, b * ss);
		if (got != (ssize_t)(run * ss)) {
			/* Find the unreadable blocks one by one. */
			for (uint64_t k = 0; k < run; k++) {
				got = pread(dfd, dbuf + k * ss, ss, (b + k) * ss);
				if (got == (ssize_t)ss)
					continue;
				if (unreadable + mismatches < SHOW_MISMATCHES)
					fprintf(stderr, "dmr-logcheck: block %" PRIu64
						" (sector %" PRIu64 ") unreadable: %s\n",
						b + k, (b + k) * spb,
						got < 0 ? strerror(errno) : "short read");
				unreadable++;
				state[b + k] &= ~B_VALID;
			}
		}
		for (uint64_t k = 0; k < run; k++) {
			if (!(state[b + k] & B_VALID))
				continue;
			checked++;
			h = block_hash(dbuf + k * ss, ss);
			if (h == hash[b + k])
				continue;
			if ((state[b + k] & B_ALT) && h == alt[b + k]) {
				if (reordered++ < SHOW_MISMATCHES)
					fprintf(stderr, "dmr-logcheck: block %" PRIu64
						" holds a FUA write logged before its last non-FUA write (accepted)\n",
						b + k);
				continue;
			}
			if (unreadable + mismatches < SHOW_MISMATCHES)
				fprintf(stderr, "dmr-logcheck: mismatch at block %" PRIu64
					" (sector %" PRIu64 ")\n", b + k, (b + k) * spb);
			mismatches++;
		}
		b += run;
	}
	close(dfd);
	printf("check checked=%" PRIu64 " discarded=%" PRIu64 " fua_reordered=%" PRIu64
	       " unreadable=%" PRIu64 " mismatches=%" PRIu64 "\n", checked, discarded,
	       reordered, unreadable, mismatches);

	if (query != UINT64_MAX) {
		uint64_t b = query / spb;
		const char *what = "unwritten";

		if (b >= nblocks)
			die("-c %" PRIu64 ": beyond the data device", query);
		if (state[b] & B_DISCARDED)
			what = "discarded";
		else if (state[b] & B_WRITTEN)
			what = "checked";
		printf("block %" PRIu64 " %s\n", b, what);
	}

	/* --- bad ranges ----------------------------------------------------- */
	if (ranges_path) {
		struct range *rg;
		int nr = read_ranges(ranges_path, spb, &rg);
		uint64_t total = 0;
		FILE *out = NULL;

		for (int i = 0; i < nr; i++) {
			uint64_t n = 0;

			if (rg[i].last >= nblocks)
				die("range %" PRIu64 "-%" PRIu64 " beyond the data device",
				    rg[i].s_first, rg[i].s_last);
			for (uint64_t b = rg[i].first; b <= rg[i].last; b++)
				n += state[b] & B_WRITTEN;
			printf("range %" PRIu64 " %" PRIu64 " written=%" PRIu64 "\n",
			       rg[i].s_first, rg[i].s_last, n);
		}
		/* Distinct blocks: mark them in the state map. */
		for (int i = 0; i < nr; i++)
			for (uint64_t b = rg[i].first; b <= rg[i].last; b++)
				state[b] |= B_INRANGE;
		if (blocks_out) {
			out = fopen(blocks_out, "w");
			if (!out)
				die("open %s: %s", blocks_out, strerror(errno));
		}
		for (uint64_t b = 0; b < nblocks; b++) {
			if ((state[b] & B_INRANGE) && (state[b] & B_WRITTEN)) {
				total++;
				if (out)
					fprintf(out, "%" PRIu64 "\n", b);
			}
		}
		if (out && fclose(out))
			die("write %s: %s", blocks_out, strerror(errno));
		printf("bad_written=%" PRIu64 "\n", total);
		free(rg);
	}
	return mismatches || unreadable ? 1 : 0;
}
