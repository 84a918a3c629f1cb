// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-fuzz: in-guest fuzzing of dm-remap's inputs (the fuzz-inputs case).
 * Every run is a function of its SEED and iteration numbers, so a failure
 * replays with the same arguments on the same devices.
 *
 *   dmr-fuzz tables SEED N [-p PATH]... DEV...
 *       N random or mutated table lines (argument and option counts, option
 *       names, numbers, huge sizes, paths, major:minor, two targets, read-only,
 *       UUIDs) naming DEVs and junk, loaded through the dm ioctls.  Each must
 *       fail cleanly (no device left) or give a working device: status and
 *       table lines well formed, the suppress option honoured, stats
 *       answered, data read back, and written back where neither device is
 *       one of the -p (protected) paths; some devices are reloaded with
 *       another fuzzed line, swapped in or discarded, and checked again.
 *   dmr-fuzz msgs SEED N NAME
 *       N random or mutated messages to live device NAME (every message name,
 *       case variants, wrong argument counts, huge numbers, non-numbers, long
 *       strings, raw bytes, other sectors), some while it is suspended.  A
 *       message built from known words must get exactly the expected result
 *       (EINVAL, EBUSY while suspended, a well-formed reply); anything else
 *       must succeed or fail with EINVAL.
 *   dmr-fuzz check DEV SEED [EIO_LIST]
 *       Reads every block of DEV: each must hold dmr-pattern's data for SEED
 *       at its position (written from offset 0) or fail with EIO (listed in
 *       EIO_LIST).  Prints "blocks= ok= eio=".  Exit 1 on any other data,
 *       naming the block whose data it is if it is one.
 *   dmr-fuzz save DEV FILE
 *   dmr-fuzz meta SEED I DEV FILE
 *       Writes image FILE (from save) back to spare DEV, then applies
 *       mutation I: raw damage (bytes flipped, sectors zeroed or random) to
 *       one or both copies of the superblock or of metadata blocks in use,
 *       or to unused areas; hostile but validly checksummed superblock
 *       fields, metadata headers and entries; stale (older) copies; swapped
 *       blocks.  Prints "expect=E format=F what=...": E is refuse, intact
 *       (must activate with the table unchanged), activate (must activate;
 *       entries may be lost) or either.
 *
 * Exit status: 0 ok, 1 an invariant failed, 2 usage, 3 setup error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "dm-remap-codec.h"

enum { EX_OK, EX_FAIL, EX_USAGE, EX_SETUP };

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmr-fuzz: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

/* ---------------------------------------------------------------------------
 * Random numbers: splitmix64, one stream per (seed, iteration).
 */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rs;

static void rseed(uint64_t seed, uint64_t iter)
{
	rs = mix(seed * 0x100000001b3ULL ^ mix(iter + 1));
}

static uint64_t rnd(void)
{
	rs += 0x9e3779b97f4a7c15ULL;
	return mix(rs);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int pct)
{
	return below(100) < pct;
}

#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

/* Stop early (a deadline in seconds from the start; 0: none). */
static time_t deadline;

static int past_deadline(void)
{
	return deadline && time(NULL) >= deadline;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die(EX_USAGE, "not a number: %s", s);
	return v;
}

/* ---------------------------------------------------------------------------
 * The dm ioctls, without libdevmapper.
 */
#define DM_BUF (256 * 1024)
static int ctl = -1;
static union {
	struct dm_ioctl io;
	char b[DM_BUF];
} dmb __attribute__((aligned(8)));

static struct dm_ioctl *dm_init(const char *name, uint32_t flags)
{
	struct dm_ioctl *io = &dmb.io;

	if (ctl < 0) {
		ctl = open("/dev/mapper/control", O_RDWR);
		if (ctl < 0)
			die(EX_SETUP, "open /dev/mapper/control: %s", strerror(errno));
	}
	memset(&dmb, 0, sizeof(struct dm_ioctl) + 4096);
	io->version[0] = DM_VERSION_MAJOR;
	io->data_size = DM_BUF;
	io->data_start = sizeof(struct dm_ioctl);
	io->flags = flags;
	snprintf(io->name, sizeof(io->name), "%s", name);
	return io;
}

/* Returns 0 or the errno of the ioctl. */
static int dm_run(unsigned long cmd, struct dm_ioctl *io)
{
	return ioctl(ctl, cmd, io) ? errno : 0;
}

static int dm_simple(unsigned long cmd, const char *name, uint32_t flags)
{
	return dm_run(cmd, dm_init(name, flags));
}

struct target {
	uint64_t start, len;
	char params[4096];
};

static int dm_load(const char *name, uint32_t flags, const struct target *t, int n)
{
	struct dm_ioctl *io = dm_init(name, flags);
	size_t off = io->data_start;
	int i;

	io->target_count = n;
	for (i = 0; i < n; i++) {
		struct dm_target_spec *sp = (void *)(dmb.b + off);
		size_t plen = strlen(t[i].params) + 1;
		size_t next = (sizeof(*sp) + plen + 7) & ~7UL;

		memset(sp, 0, next);
		sp->sector_start = t[i].start;
		sp->length = t[i].len;
		snprintf(sp->target_type, sizeof(sp->target_type), "remap");
		memcpy(sp + 1, t[i].params, plen);
		sp->next = next;
		off += next;
	}
	return dm_run(DM_TABLE_LOAD, io);
}

/*
 * Status (or, with DM_STATUS_TABLE_FLAG, table) lines of NAME's live table
 * into out[], one per target, "start len type line".  Returns the errno.
 */
static int dm_lines(const char *name, uint32_t flags, char out[][512], int *n, int max)
{
	struct dm_ioctl *io = dm_init(name, flags);
	char *data = dmb.b + sizeof(struct dm_ioctl);
	size_t next = 0;
	uint32_t i;
	int r;

	io->data_start = sizeof(struct dm_ioctl);
	r = dm_run(DM_TABLE_STATUS, io);
	if (r)
		return r;
	if (io->flags & DM_BUFFER_FULL_FLAG)
		return ENOSPC;
	data = dmb.b + io->data_start;
	*n = 0;
	for (i = 0; i < io->target_count && *n < max; i++) {
		struct dm_target_spec *sp = (void *)(data + next);

		snprintf(out[*n], 512, "%llu %llu %s %s", (unsigned long long)sp->sector_start,
			 (unsigned long long)sp->length, sp->target_type, (char *)(sp + 1));
		(*n)++;
		next = sp->next;
	}
	return 0;
}

/* Send MSG (raw, as dm splits it) to the target at SECTOR; reply in *reply. */
static int dm_msg(const char *name, uint64_t sector, const char *msg, const char **reply)
{
	struct dm_ioctl *io = dm_init(name, 0);
	struct dm_target_msg *m = (void *)(dmb.b + io->data_start);
	int r;

	m->sector = sector;
	snprintf(m->message, DM_BUF - io->data_start - sizeof(*m) - 1, "%s", msg);
	r = dm_run(DM_TARGET_MSG, io);
	*reply = (!r && (io->flags & DM_DATA_OUT_FLAG)) ? dmb.b + io->data_start : "";
	return r;
}

static const char *ename(int e)
{
	static char b[32];

	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case ENODEV: return "ENODEV";
	case ENOENT: return "ENOENT";
	case ENOTBLK: return "ENOTBLK";
	case EROFS: return "EROFS";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(b, sizeof(b), "errno%d", e);
	return b;
}

/* ---------------------------------------------------------------------------
 * Data patterns (dmr-pattern's: a function of the seed and the position).
 */
static void fill(uint64_t *buf, size_t len, uint64_t seed, uint64_t pos)
{
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = mix(seed ^ mix(pos / 8 + i));
}

static void *abuf(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n))
		die(EX_SETUP, "out of memory");
	return p;
}

/* ---------------------------------------------------------------------------
 * tables
 */
struct cand {
	const char *path;
	char mm[32];
	uint64_t sectors;	/* 0: not a block device */
	unsigned int lbs;
	int protect;
	dev_t rdev;
};

static struct cand cands[32];
static int ncand;

static void add_cand(const char *path, int protect)
{
	struct cand *c = &cands[ncand++];
	struct stat s;
	int fd;

	c->path = path;
	c->protect = protect;
	if (stat(path, &s) || !S_ISBLK(s.st_mode))
		die(EX_SETUP, "%s is not a block device", path);
	c->rdev = s.st_rdev;
	snprintf(c->mm, sizeof(c->mm), "%u:%u", major(s.st_rdev), minor(s.st_rdev));
	fd = open(path, O_RDONLY);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &c->sectors) || ioctl(fd, BLKSSZGET, &c->lbs))
		die(EX_SETUP, "cannot size %s", path);
	c->sectors >>= 9;
	close(fd);
}

/*
 * Names of no device the case made: not "254:0" and the like, which name
 * its own dm devices (the protected one first) and let a fuzzed table
 * write to it.
 */
static const char *const junk_devs[] = {
	"/dev/null", "/nonexistent", "/dev", "", "0:0", "1:3", "7:250", "253:99999",
	"-1:-1", "999999999999:1", "8:0", "/dev/mapper/control", "/dev/zero",
	"../../dev/null", "/tmp", "254:250", "254:1000", "254:1048575", "0x7:0", "07:00", ":",
	"7:", ":7", "/dev/loop-control",
};

static const char *const opt_words[] = {
	"format", "suppress_writes", "no_suppress_writes", "FORMAT", "Suppress_Writes",
	"NO_SUPPRESS_WRITES", "bogus", "suppress", "suppress_write", "format=1", "-",
	"0", "1", "2", "formatx", "no_suppress_writesx", "\\", "%s%n",
};

static void junk_word(char *b, size_t n)
{
	size_t len = 1 + below(chance(10) ? 3000 : 20), i;

	if (len >= n)
		len = n - 1;
	for (i = 0; i < len; i++) {
		char c = (char)(33 + below(94));

		b[i] = c;
	}
	b[len] = '\0';
}

static void num_word(char *b, size_t n, uint64_t base)
{
	static const char *const nums[] = {
		"-1", "-0", "+1", "0x10", "010", "1e3", "18446744073709551615",
		"18446744073709551616", "99999999999999999999999999", "4294967296",
		"4294967295", "2147483648", "abc", "1.5", " ", "0", "1", "3", "-2147483649",
	};

	switch (below(4)) {
	case 0: snprintf(b, n, "%s", PICK(nums)); break;
	case 1: snprintf(b, n, "%" PRIu64, base); break;
	case 2: snprintf(b, n, "%" PRIu64, base + below(3) - 1); break;
	default: snprintf(b, n, "%" PRIu64, rnd() >> below(64)); break;
	}
}

/* Append a device word: a candidate's path or major:minor, or junk. */
static int dev_word(char *p, size_t n, int *which)
{
	*which = -1;
	if (chance(88)) {
		int i = (int)below(ncand);

		*which = i;
		return snprintf(p, n, "%s", chance(70) ? cands[i].path : cands[i].mm);
	}
	if (chance(15)) {
		junk_word(p, n);
		return (int)strlen(p);
	}
	return snprintf(p, n, "%s", PICK(junk_devs));
}

struct gen {
	struct target t[2];
	int n;
	int main_i, spare_i;	/* of target 0, -1 for junk */
	int suppress;		/* expected suppress of target 0 if created */
	uint32_t flags;		/* DM_READONLY_FLAG */
	char uuid[DM_UUID_LEN];
	char text[8192];	/* for the log */
};

static uint64_t len_for(int mi, uint64_t start)
{
	uint64_t L = mi >= 0 ? cands[mi].sectors : 2048, b = mi >= 0 ? cands[mi].lbs / 512 : 1;
	uint64_t v;

	switch (below(14)) {
	case 0: case 1: case 2: case 3: case 4: v = L; break;
	case 5: v = L - b; break;
	case 6: v = (L / 2) / b * b; break;
	case 7: v = b; break;
	case 8: v = L + 1; break;
	case 9: v = L + b; break;
	case 10: v = below(3); break;
	case 11: v = 1 + below(L); break;
	case 12: v = PICK(((uint64_t[]){ ~0ULL, 1ULL << 63, (1ULL << 63) - 1, 1ULL << 32,
					  ~0ULL >> 9, DMR_MAX_BLOCKS, DMR_MAX_BLOCKS >> 1 })); break;
	default: v = rnd(); break;
	}
	(void)start;
	return v;
}

/* Length and main each spare was last activated with (0: none yet). */
static uint64_t spare_len[32];
static int spare_main[32];

static int real_cand(int writable_only)
{
	for (int tries = 0; tries < 100; tries++) {
		int i = (int)below(ncand);

		if (!writable_only || !cands[i].protect)
			return i;
	}
	return 0;
}

/*
 * One target's words after "<start> <len> remap": mostly a valid line
 * (devices that fit, a length the spare takes, format where needed), then
 * mutated; or words made up from scratch.
 */
static void gen_words(char w[][600], int *nw, int prefer_main, int prefer_spare, int *mi,
		      int *si, uint64_t *len, uint64_t start)
{
	int n = 0, i, nmut;

	*mi = *si = -1;
	if (chance(55) || prefer_spare >= 0) {
		*mi = prefer_main >= 0 && chance(70) ? prefer_main : real_cand(1);
		*si = prefer_spare >= 0 ? prefer_spare : real_cand(0);
		/* Mostly a spare that can serve the main device. */
		for (i = 0; i < 20 && prefer_spare < 0 && chance(80) &&
			    (*si == *mi || cands[*si].lbs > cands[*mi].lbs); i++)
			*si = real_cand(0);
		if (*si == *mi && ncand > 1)
			*si = (*mi + 1) % ncand;
		/* Mostly the main (and length) the spare was formatted for. */
		if (spare_len[*si] && prefer_main < 0 && chance(60) && spare_main[*si] != *si)
			*mi = spare_main[*si];
		if (spare_len[*si] && chance(75))
			*len = spare_len[*si];
		else if (chance(80))
			*len = cands[*mi].sectors - start;
		else
			*len = len_for(*mi, start);
		snprintf(w[n++], 600, "%s", chance(70) ? cands[*mi].path : cands[*mi].mm);
		snprintf(w[n++], 600, "%s", chance(70) ? cands[*si].path : cands[*si].mm);
		switch (below(5)) {
		case 0: break;
		case 1: snprintf(w[n++], 600, "1"); snprintf(w[n++], 600, "format"); break;
		case 2: snprintf(w[n++], 600, "2"); snprintf(w[n++], 600, "format");
			snprintf(w[n++], 600, "%s", chance(50) ? "suppress_writes" : "no_suppress_writes"); break;
		case 3: snprintf(w[n++], 600, "2");
			snprintf(w[n++], 600, "%s", chance(50) ? "suppress_writes" : "no_suppress_writes");
			snprintf(w[n++], 600, "format"); break;
		default: snprintf(w[n++], 600, "1");
			snprintf(w[n++], 600, "%s", chance(50) ? "suppress_writes" : "no_suppress_writes"); break;
		}
		nmut = chance(45) ? 0 : 1 + (int)below(2);
	} else {
		int dummy;

		dev_word(w[n++], 600, mi);
		if (chance(8) && *mi >= 0)
			snprintf(w[n++], 600, "%s", cands[*mi].path);
		else
			dev_word(w[n++], 600, si);
		if (chance(8))
			*si = *mi;
		*len = len_for(*mi, start);
		if (chance(60)) {
			int k = (int)below(4);

			num_word(w[n++], 600, (uint64_t)k);
			if (chance(70))
				snprintf(w[n - 1], 600, "%d", k);
			for (i = 0; i < k; i++)
				snprintf(w[n++], 600, "%s", PICK(opt_words));
		}
		(void)dummy;
		nmut = (int)below(2);
	}
	/* Mutations: drop, repeat, replace, swap, insert a word; change the length. */
	while (nmut-- > 0) {
		int a = n ? (int)below(n) : 0, b = n ? (int)below(n) : 0;
		char tmp[600];

		switch (below(7)) {
		case 0:
			if (n) {
				memmove(w[a], w[a + 1], (size_t)(n - a - 1) * 600);
				n--;
			}
			break;
		case 1:
			if (n && n < 11) {
				memmove(w[a + 1], w[a], (size_t)(n - a) * 600);
				n++;
			}
			break;
		case 2:
			if (n) {
				if (chance(50))
					num_word(w[a], 600, 2);
				else if (chance(50))
					snprintf(w[a], 600, "%s", PICK(opt_words));
				else
					junk_word(w[a], 600);
			}
			break;
		case 3:
			if (n > 1) {
				memcpy(tmp, w[a], 600);
				memcpy(w[a], w[b], 600);
				memcpy(w[b], tmp, 600);
			}
			break;
		case 4:
			if (n < 11) {
				memmove(w[a + 1], w[a], (size_t)(n - a) * 600);
				n++;
				if (chance(50))
					dev_word(w[a], 600, &b);
				else
					snprintf(w[a], 600, "%s", PICK(opt_words));
			}
			break;
		default:
			*len = len_for(*mi, start);
			break;
		}
	}
	*nw = n;
}

static void gen_table(struct gen *g, int prefer_main, int prefer_spare)
{
	size_t tl = 0;
	int t, i;

	memset(g, 0, sizeof(*g));
	g->n = chance(8) ? 2 : 1;
	g->main_i = g->spare_i = -1;
	g->suppress = 1;
	if (chance(12))
		g->flags |= DM_READONLY_FLAG;
	if (chance(12)) {
		if (chance(80))
			snprintf(g->uuid, sizeof(g->uuid), "FZ-%" PRIu64, below(1000));
		else
			junk_word(g->uuid, chance(50) ? sizeof(g->uuid) : 40);
	}
	for (t = 0; t < g->n; t++) {
		struct target *tg = &g->t[t];
		char w[12][600];
		int nw, mi, si, suppress = 1;
		size_t o = 0;

		tg->start = t == 0 ? (chance(97) ? 0 : PICK(((uint64_t[]){ 1, 8, ~0ULL, 4096 }))) :
				     (chance(90) ? g->t[0].start + g->t[0].len : rnd() >> below(64));
		if (chance(3)) {
			/* Raw junk as the whole parameter string. */
			junk_word(tg->params, sizeof(tg->params));
			for (i = 0; tg->params[i]; i++)
				if (chance(15))
					tg->params[i] = ' ';
			tg->len = len_for(-1, tg->start);
			mi = si = -1;
		} else {
			gen_words(w, &nw, t == 0 ? prefer_main : -1, t == 0 ? prefer_spare : -1, &mi, &si,
				  &tg->len, tg->start);
			for (i = 0; i < nw; i++)
				o += snprintf(tg->params + o, sizeof(tg->params) - o, "%s%s", i ? " " : "", w[i]);
			/* If it is created, words 3 on were its options. */
			for (i = 3; i < nw; i++) {
				if (!strcasecmp(w[i], "suppress_writes"))
					suppress = 1;
				else if (!strcasecmp(w[i], "no_suppress_writes"))
					suppress = 0;
			}
		}
		if (t == 0) {
			g->main_i = mi;
			g->spare_i = si;
			g->suppress = suppress;
		}
		tl += snprintf(g->text + tl, sizeof(g->text) - tl, "%s%" PRIu64 " %" PRIu64 " remap %.300s%s",
			       t ? " | " : "", tg->start, tg->len, tg->params,
			       strlen(tg->params) > 300 ? "..." : "");
	}
	if (g->flags & DM_READONLY_FLAG)
		tl += snprintf(g->text + tl, sizeof(g->text) - tl, " [ro]");
	if (g->uuid[0])
		snprintf(g->text + tl, sizeof(g->text) - tl, " [uuid %.40s]", g->uuid);
}

static int is_protected(const char *mm)
{
	for (int i = 0; i < ncand; i++)
		if (cands[i].protect && !strcmp(cands[i].mm, mm))
			return 1;
	return 0;
}

static int fails;

static void bad(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fails++;
}

static int count_words(const char *s)
{
	int n = 0, in = 0;

	for (; *s; s++) {
		if (isspace((unsigned char)*s))
			in = 0;
		else if (!in)
			in = 1, n++;
	}
	return n;
}

static const char *health_words[] = { "ok", "degraded", "exhausted", "failed" };
static const char *failure_words[] = { "none", "metadata", "main", "lost" };

static int in_list(const char *w, const char **l, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w, l[i]))
			return 1;
	return 0;
}

/* One status line "start len remap 3 <16 fields>": well formed? */
static int status_ok(const char *line)
{
	char f[20][64];
	int n = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s %63s"
		       " %63s %63s %63s %63s %63s %63s %63s",
		       f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11],
		       f[12], f[13], f[14], f[15], f[16], f[17], f[18], f[19]);
	int i;

	if (n != 20 || count_words(line) != 20 || strcmp(f[2], "remap") || strcmp(f[3], "3"))
		return 0;
	for (i = 4; i <= 14; i++)
		if (strspn(f[i], "0123456789") != strlen(f[i]))
			return 0;
	return (!strcmp(f[15], "on") || !strcmp(f[15], "off")) &&
	       in_list(f[16], health_words, 4) && strspn(f[17], "0123456789") == strlen(f[17]) &&
	       in_list(f[18], failure_words, 4) && strspn(f[19], "0123456789-") == strlen(f[19]);
}

/* The created device NAME works: status, table, stats, data. */
static void check_device(const char *name, const struct gen *g, uint64_t it, const char *when)
{
	char lines[4][512], node[64], mm0[32], mm1[32], sup[32];
	int n, r, i, fd, writable, prot = 0;
	struct dm_ioctl *io;
	const char *reply;
	uint64_t bytes;
	unsigned int lbs;
	size_t len;
	void *buf, *want;

	r = dm_lines(name, 0, lines, &n, 4);
	if (r || n < 1) {
		bad(when, "%" PRIu64 ": status: %s", it, ename(r));
		return;
	}
	for (i = 0; i < n; i++)
		if (!status_ok(lines[i]))
			bad(when, "%" PRIu64 ": malformed status line '%s'", it, lines[i]);
	r = dm_lines(name, DM_STATUS_TABLE_FLAG, lines, &n, 4);
	if (r || n < 1) {
		bad(when, "%" PRIu64 ": table: %s", it, ename(r));
		return;
	}
	for (i = 0; i < n; i++) {
		if (sscanf(lines[i], "%*s %*s remap %31s %31s 1 %31s", mm0, mm1, sup) != 3 ||
		    count_words(lines[i]) != 7 ||
		    (strcmp(sup, "suppress_writes") && strcmp(sup, "no_suppress_writes"))) {
			bad(when, "%" PRIu64 ": malformed table line '%s'", it, lines[i]);
			return;
		}
		prot |= is_protected(mm0) || is_protected(mm1);
		if (is_protected(mm1))
			bad(when, "%" PRIu64 ": spare %s, in use by another dm-remap device, was accepted",
			    it, mm1);
		if (i == 0 && g && g->suppress != !strcmp(sup, "suppress_writes"))
			bad(when, "%" PRIu64 ": table says %s, the line asked for suppress %s", it, sup,
			    g->suppress ? "on" : "off");
	}
	r = dm_msg(name, 0, "stats", &reply);
	if (r || !strstr(reply, "block_size="))
		bad(when, "%" PRIu64 ": stats: %s '%.100s'", it, ename(r), reply);

	/* A node for the device (no udev here). */
	io = dm_init(name, 0);
	r = dm_run(DM_DEV_STATUS, io);
	if (r) {
		bad(when, "%" PRIu64 ": dev status: %s", it, ename(r));
		return;
	}
	writable = !(io->flags & DM_READONLY_FLAG);
	snprintf(node, sizeof(node), "/tmp/dmr-fuzz-node.%d", getpid());
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, makedev(major(io->dev), minor(io->dev))))
		die(EX_SETUP, "mknod: %s", strerror(errno));
	fd = open(node, O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) || ioctl(fd, BLKSSZGET, &lbs)) {
		bad(when, "%" PRIu64 ": open %s: %s", it, node, strerror(errno));
		goto out;
	}
	len = bytes < 4096 ? bytes : 4096;
	len -= len % lbs;
	buf = abuf(4096);
	want = abuf(4096);
	if (len && (pread(fd, buf, len, 0) != (ssize_t)len ||
		    pread(fd, buf, len, (off_t)(bytes - len)) != (ssize_t)len))
		bad(when, "%" PRIu64 ": read: %s", it, strerror(errno));
	close(fd);
	fd = open(node, O_RDWR | O_DIRECT);
	if (!writable) {
		if (fd >= 0 && len && pwrite(fd, buf, len, 0) == (ssize_t)len)
			bad(when, "%" PRIu64 ": a read-only device took a write", it);
	} else if (!prot && len) {
		if (fd < 0) {
			bad(when, "%" PRIu64 ": open for write: %s", it, strerror(errno));
		} else {
			off_t at[2] = { 0, (off_t)(bytes - len) };

			for (i = 0; i < 2; i++) {
				fill(want, len, it + 77, (uint64_t)at[i]);
				if (pwrite(fd, want, len, at[i]) != (ssize_t)len ||
				    pread(fd, buf, len, at[i]) != (ssize_t)len)
					bad(when, "%" PRIu64 ": write/read at %lld: %s", it,
					    (long long)at[i], strerror(errno));
				else if (memcmp(buf, want, len))
					bad(when, "%" PRIu64 ": data written at %lld did not read back", it,
					    (long long)at[i]);
			}
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	free(want);
out:
	unlink(node);
}

static int cmd_tables(int argc, char **argv)
{
	uint64_t seed, n, it;
	unsigned int hist[4][160] = { { 0 } };	/* create, load, resume, reload */
	unsigned int created = 0, reloaded = 0, swapped = 0;
	int i;

	if (argc < 4)
		die(EX_USAGE, "usage: dmr-fuzz tables SEED N [-p PATH]... DEV...");
	seed = parse_u64(argv[2]);
	n = parse_u64(argv[3]);
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc)
			deadline = time(NULL) + (time_t)parse_u64(argv[++i]);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			add_cand(argv[++i], 1);
		else
			add_cand(argv[i], 0);
	}
	for (it = 0; it < n; it++) {
		struct gen g, g2;
		int r;

		rseed(seed, it);
		gen_table(&g, -1, -1);
		{
			struct dm_ioctl *io = dm_init("fz", 0);

			memcpy(io->uuid, g.uuid, sizeof(io->uuid) - 1);
			r = dm_run(DM_DEV_CREATE, io);
		}
		if (r) {
			hist[0][r < 160 ? r : 0]++;
			printf("%" PRIu64 ": create %s: %s\n", it, ename(r), g.text);
			if (r == EBUSY)
				bad("create", "%" PRIu64 ": device fz exists already", it);
			continue;
		}
		r = dm_load("fz", g.flags, g.t, g.n);
		if (!r) {
			r = dm_simple(DM_DEV_SUSPEND, "fz", 0);	/* resume: table goes live */
			if (r) {
				hist[2][r < 160 ? r : 0]++;
				printf("%" PRIu64 ": resume %s: %s\n", it, ename(r), g.text);
			}
		} else {
			hist[1][r < 160 ? r : 0]++;
			printf("%" PRIu64 ": %s: %s\n", it, ename(r), g.text);
		}
		if (!r) {
			created++;
			printf("%" PRIu64 ": created: %s\n", it, g.text);
			if (g.spare_i >= 0 && g.main_i >= 0) {
				spare_len[g.spare_i] = g.t[0].len;
				spare_main[g.spare_i] = g.main_i;
			}
			check_device("fz", &g, it, "created");
			if (chance(60) && g.spare_i >= 0) {
				/* Reload: another line, likely on the same spare. */
				gen_table(&g2, g.main_i, g.spare_i);
				g2.flags = chance(10) ? DM_READONLY_FLAG : 0;
				r = dm_load("fz", g2.flags, g2.t, g2.n);
				hist[3][r < 160 ? r : 0]++;
				printf("%" PRIu64 ": reload %s: %s\n", it, ename(r), g2.text);
				if (!r) {
					reloaded++;
					if (chance(60)) {
						r = dm_simple(DM_DEV_SUSPEND, "fz", 0);
						if (r)
							bad("reload", "%" PRIu64 ": resume of the reloaded table: %s",
							    it, ename(r));
						else
							swapped++;
						if (!r && g2.spare_i >= 0 && g2.main_i >= 0) {
							spare_len[g2.spare_i] = g2.t[0].len;
							spare_main[g2.spare_i] = g2.main_i;
						}
						check_device("fz", r ? &g : &g2, it, "reloaded");
					} else {
						r = dm_simple(DM_TABLE_CLEAR, "fz", 0);
						if (r)
							bad("reload", "%" PRIu64 ": clear: %s", it, ename(r));
						check_device("fz", &g, it, "reload cleared");
					}
				} else {
					check_device("fz", &g, it, "reload refused");
				}
			}
		}
		r = dm_simple(DM_DEV_REMOVE, "fz", 0);
		if (r)
			bad("remove", "%" PRIu64 ": remove: %s", it, ename(r));
		r = dm_simple(DM_DEV_STATUS, "fz", 0);
		if (r != ENXIO)
			bad("remove", "%" PRIu64 ": device still there after remove (%s)", it, ename(r));
		if (fails > 10 || (it >= 100 && past_deadline()))
			break;
	}
	if (it < n)
		it++;
	printf("tables: %" PRIu64 " lines, %u created, %u reloads loaded (%u swapped in)\n",
	       it, created, reloaded, swapped);
	for (i = 0; i < 4; i++) {
		static const char *const what[] = { "create", "load", "resume", "reload" };
		int e;

		printf("  refused by %s:", what[i]);
		for (e = 0; e < 160; e++)
			if (hist[i][e])
				printf(" %s=%u", ename(e), hist[i][e]);
		printf("\n");
	}
	return fails ? EX_FAIL : EX_OK;
}

/* ---------------------------------------------------------------------------
 * msgs
 */

/* kstrtou64(s, 10): optional '+', decimal digits, no overflow. */
static int k_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (x > (~0ULL - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static const char *const msg_names[] = {
	"suppress", "remap", "clear_pending", "stats", "list", "clear_stats", "help",
};

static void case_variant(char *w)
{
	if (chance(85))
		return;
	for (; *w; w++)
		if (chance(50))
			*w = (char)toupper((unsigned char)*w);
}

static void msg_arg(char *b, size_t n, uint64_t nblocks, uint64_t *known, int nknown)
{
	switch (below(12)) {
	case 0: case 1: case 2:
		snprintf(b, n, "%" PRIu64, below(nblocks));
		break;
	case 3:
		if (nknown) {
			snprintf(b, n, "%" PRIu64, known[below(nknown)]);
			break;
		}
		/* fall through */
	case 4:
		snprintf(b, n, "%" PRIu64, PICK(((uint64_t[]){ 0, nblocks - 1, nblocks,
							      nblocks + 1, ~0ULL, 1ULL << 63,
							      (1ULL << 62) - 1, 1ULL << 32 })));
		break;
	case 5:
		snprintf(b, n, "%s", PICK(((const char *[]){ "on", "off", "ON", "Off", "yes", "1",
							      "0", "onn", "o", "-" })));
		break;
	case 6: {
		size_t len = 1 + below(chance(30) ? 500 : 25), i;

		if (len >= n)
			len = n - 1;
		for (i = 0; i < len; i++)
			b[i] = (char)('0' + below(10));
		b[len] = '\0';
		break;
	}
	case 7:
		num_word(b, n, below(nblocks));
		break;
	case 8:
		snprintf(b, n, "+%" PRIu64, below(nblocks));
		break;
	default:
		junk_word(b, n < 200 ? n : 200);
		break;
	}
}

struct msg {
	char text[20000];
	char argv[6][600];
	int argc;		/* -1: chaos, no expectation */
	uint64_t sector;
};

static void gen_msg(struct msg *m, uint64_t nblocks, uint64_t *known, int nknown)
{
	size_t o = 0;
	int i;

	memset(m, 0, sizeof(*m));
	m->sector = chance(95) ? 0 : PICK(((uint64_t[]){ 1, 8, nblocks, ~0ULL, 1ULL << 40 }));
	if (chance(8)) {
		/* Chaos: random bytes (no NUL, no leading '@': dm's own messages). */
		size_t len = below(chance(20) ? sizeof(m->text) - 1 : 64);

		for (i = 0; i < (int)len; i++)
			m->text[i] = (char)(1 + below(255));
		m->text[len] = '\0';
		if (m->text[0] == '@')
			m->text[0] = 'x';
		m->argc = -1;
		return;
	}
	if (chance(90)) {
		snprintf(m->argv[0], sizeof(m->argv[0]), "%s", PICK(msg_names));
		case_variant(m->argv[0]);
	} else {
		junk_word(m->argv[0], sizeof(m->argv[0]));
		if (m->argv[0][0] == '@')
			m->argv[0][0] = 'y';
	}
	{
		/* Mostly the right count for the name, sometimes not. */
		int want = !strcasecmp(m->argv[0], "remap") || !strcasecmp(m->argv[0], "clear_pending") ||
			   !strcasecmp(m->argv[0], "suppress") ? 2 :
			   !strcasecmp(m->argv[0], "list") ? (int)below(4) : 1;
		int argc = chance(75) ? want : (int)below(6);

		for (i = 1; i < argc; i++)
			msg_arg(m->argv[i], sizeof(m->argv[i]), nblocks, known, nknown);
		m->argc = argc;
	}
	for (i = 0; i < m->argc; i++) {
		const char *sep = i ? PICK(((const char *[]){ " ", " ", " ", "  ", "\t", " \n " })) :
				      (chance(5) ? " " : "");

		o += snprintf(m->text + o, sizeof(m->text) - o, "%s%s", sep, m->argv[i]);
	}
	if (chance(3))
		o += snprintf(m->text + o, sizeof(m->text) - o, " ");
	/* Words with characters dm splits on or unescapes: no expectation. */
	for (i = 0; i < m->argc; i++)
		if (strpbrk(m->argv[i], " \t\n\\") || !m->argv[i][0])
			m->argc = -1;
}

/* What the kernel must answer to a message of known words. */
enum expect { E_EINVAL, E_OK, E_OK_OR_EINVAL, E_BUSY };

static enum expect msg_expect(const struct msg *m, uint64_t nblocks, int suspended,
			      const char **kind)
{
	const char *n = m->argv[0];
	uint64_t v;

	*kind = "other";
	if (m->argc < 1)
		return E_EINVAL;
	if (!strcasecmp(n, "suppress") && m->argc == 2) {
		*kind = "suppress";
		return !strcasecmp(m->argv[1], "on") || !strcasecmp(m->argv[1], "off") ? E_OK : E_EINVAL;
	}
	if ((!strcasecmp(n, "remap") || !strcasecmp(n, "clear_pending")) && m->argc == 2) {
		*kind = tolower((unsigned char)n[0]) == 'r' ? "remap" : "clear_pending";
		if (k_u64(m->argv[1], &v) || v >= nblocks)
			return E_EINVAL;
		if (suspended)
			return E_BUSY;
		return **kind == 'r' ? E_OK : E_OK_OR_EINVAL;
	}
	if (!strcasecmp(n, "stats") && m->argc == 1)
		return *kind = "stats", E_OK;
	if (!strcasecmp(n, "list") && m->argc <= 3) {
		*kind = "list";
		if ((m->argc > 1 && k_u64(m->argv[1], &v)) || (m->argc > 2 && k_u64(m->argv[2], &v)))
			return E_EINVAL;
		return E_OK;
	}
	if (!strcasecmp(n, "clear_stats") && m->argc == 1)
		return *kind = "clear_stats", E_OK;
	if (!strcasecmp(n, "help") && m->argc == 1)
		return *kind = "help", E_OK;
	return E_EINVAL;
}

/* A reply of a successful message of KIND: well formed? */
static int reply_ok(const char *kind, const struct msg *m, const char *r)
{
	uint64_t b, s;
	char tail[64];

	if (!strcmp(kind, "stats"))
		return strstr(r, "reads=") == r && strstr(r, " health=");
	if (!strcmp(kind, "help"))
		return strstr(r, "suppress on|off\n") == r;
	if (!strcmp(kind, "remap")) {
		uint64_t want;

		k_u64(m->argv[1], &want);
		if (sscanf(r, "block %" SCNu64 " remapped to spare block %" SCNu64 "%63s", &b, &s, tail) == 2 ||
		    sscanf(r, "block %" SCNu64 " already remapped to spare block %" SCNu64 "%63s", &b, &s, tail) == 2)
			return b == want;
		if (sscanf(r, "block %" SCNu64 " unreadable: pendin%63s", &b, tail) == 2)
			return b == want && !strcmp(tail, "g");
		return 0;
	}
	if (!strcmp(kind, "list")) {
		const char *p = r;

		while (*p) {
			char st[32], sp[32];
			const char *nl = strchr(p, '\n');
			int n = sscanf(p, "%" SCNu64 " %31s %31s", &b, st, sp);

			if (!strncmp(p, "next ", 5)) {
				if (nl)
					return 0;	/* must be the last line */
				break;
			}
			if (n != 3 || (strcmp(st, "remapped") && strcmp(st, "pending") &&
				       strcmp(st, "copying") && strcmp(st, "inflight") && strcmp(st, "lost")))
				return 0;
			if (!nl)
				return 0;
			p = nl + 1;
		}
		return 1;
	}
	return !*r || !strcmp(kind, "other");
}

/* Blocks the table names (for arguments that hit entries). */
static int known_blocks(const char *name, uint64_t *out, int max)
{
	const char *r, *p;
	int n = 0;

	if (dm_msg(name, 0, "list 0 1000", &r))
		return 0;
	for (p = r; *p && n < max; ) {
		uint64_t b;

		if (sscanf(p, "%" SCNu64, &b) == 1)
			out[n++] = b;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return n;
}

static int cmd_msgs(int argc, char **argv)
{
	static struct msg m;
	static const char *const kinds[] = { "suppress", "remap", "clear_pending", "stats", "list",
					     "clear_stats", "help", "other" };
	unsigned int got[8][4] = { { 0 } }, chaos[3] = { 0 }, suspends = 0;
	uint64_t seed, n, it, nblocks, bs, known[1000];
	int suspended = 0, nknown, r, k;
	const char *name, *reply;
	char lines[2][512];

	if (argc != 5 && argc != 6)
		die(EX_USAGE, "usage: dmr-fuzz msgs SEED N NAME [SECONDS]");
	if (argc == 6)
		deadline = time(NULL) + (time_t)parse_u64(argv[5]);
	seed = parse_u64(argv[2]);
	n = parse_u64(argv[3]);
	name = argv[4];
	if (dm_lines(name, 0, lines, &k, 1) || dm_msg(name, 0, "stats", &reply) ||
	    !strstr(reply, "block_size="))
		die(EX_SETUP, "%s is not a live remap device", name);
	{
		unsigned long long start, len;

		sscanf(lines[0], "%llu %llu", &start, &len);
		sscanf(strstr(reply, "block_size="), "block_size=%" SCNu64, &bs);
		nblocks = len / (bs / 512);
	}
	nknown = known_blocks(name, known, 1000);
	for (it = 0; it < n; it++) {
		enum expect e;
		const char *kind;
		int ki;

		rseed(seed, it);
		if (chance(3)) {
			/* Suspend (flush or noflush) or resume between messages. */
			if (!suspended) {
				r = dm_simple(DM_DEV_SUSPEND, name, DM_SUSPEND_FLAG |
					      (chance(50) ? DM_NOFLUSH_FLAG : 0));
				suspends++;
			} else {
				r = dm_simple(DM_DEV_SUSPEND, name, 0);
			}
			if (r)
				die(EX_FAIL, "%" PRIu64 ": %s failed: %s", it,
				    suspended ? "resume" : "suspend", ename(r));
			suspended = !suspended;
		}
		if (chance(5))
			nknown = known_blocks(name, known, 1000);
		gen_msg(&m, nblocks, known, nknown);
		r = dm_msg(name, m.sector, m.text, &reply);
		if (m.argc == -1 || m.sector) {
			/* No expectation beyond: succeed or EINVAL (EBUSY suspended). */
			chaos[r == 0 ? 0 : r == EINVAL ? 1 : 2]++;
			if (r && r != EINVAL && !(r == EBUSY && suspended))
				bad("message", "%" PRIu64 ": '%.80s' (sector %" PRIu64 "): %s", it, m.text,
				    m.sector, ename(r));
			if (m.sector && r != EINVAL && m.sector >= nblocks * (bs / 512))
				bad("message", "%" PRIu64 ": sector %" PRIu64 " beyond the device: %s",
				    it, m.sector, ename(r));
			continue;
		}
		e = msg_expect(&m, nblocks, suspended, &kind);
		for (ki = 0; ki < 7 && strcmp(kinds[ki], kind); ki++)
			;
		got[ki][r == 0 ? 0 : r == EINVAL ? 1 : r == EBUSY ? 2 : 3]++;
		if ((e == E_OK && r) || (e == E_EINVAL && r != EINVAL) || (e == E_BUSY && r != EBUSY) ||
		    (e == E_OK_OR_EINVAL && r && r != EINVAL))
			bad("message", "%" PRIu64 ": '%.200s'%s: %s, expected %s", it, m.text,
			    suspended ? " (suspended)" : "", ename(r),
			    e == E_OK ? "success" : e == E_EINVAL ? "EINVAL" : e == E_BUSY ? "EBUSY" :
			    "success or EINVAL");
		else if (!r && !reply_ok(kind, &m, reply))
			bad("message", "%" PRIu64 ": '%.200s': malformed reply '%.200s'", it, m.text, reply);
		if (fails > 10 || (it >= 500 && past_deadline()))
			break;
	}
	if (it < n)
		it++;
	if (suspended && (r = dm_simple(DM_DEV_SUSPEND, name, 0)))
		die(EX_FAIL, "final resume failed: %s", ename(r));
	printf("messages: %" PRIu64 " sent, %u suspensions\n", it, suspends);
	for (k = 0; k < 8; k++)
		printf("  %-13s ok=%u EINVAL=%u EBUSY=%u other=%u\n", kinds[k], got[k][0], got[k][1],
		       got[k][2], got[k][3]);
	printf("  unchecked     ok=%u EINVAL=%u other=%u\n", chaos[0], chaos[1], chaos[2]);
	return fails ? EX_FAIL : EX_OK;
}

/* ---------------------------------------------------------------------------
 * check
 */
/* Block B holds something else: say what, if it is another block's data. */
static int mismatch(const char *got, uint64_t b, uint64_t nblocks, unsigned int bs, uint64_t seed)
{
	uint64_t w0 = *(const uint64_t *)got, o;
	size_t z = 0;

	while (z < bs && !got[z])
		z++;
	printf("MISMATCH: block %" PRIu64 "%s\n", b, z == bs ? ": all zeroes" : "");
	for (o = 0; o < nblocks; o++)
		if (mix(seed ^ mix(o * bs / 8)) == w0)
			printf("  block %" PRIu64 " holds the data of block %" PRIu64 "\n", b, o);
	return 1;
}

static int cmd_check(int argc, char **argv)
{
	uint64_t seed, bytes, nblocks, b, okc = 0, eio = 0;
	unsigned int bs;
	size_t chunk = 65536;
	FILE *list = NULL;
	char *buf, *want;
	int fd, mism = 0;

	if (argc != 4 && argc != 5)
		die(EX_USAGE, "usage: dmr-fuzz check DEV SEED [EIO_LIST]");
	seed = parse_u64(argv[3]);
	fd = open(argv[2], O_RDONLY | O_DIRECT);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &bytes) || ioctl(fd, BLKSSZGET, &bs))
		die(EX_SETUP, "open %s: %s", argv[2], strerror(errno));
	if (argc == 5 && !(list = fopen(argv[4], "w")))
		die(EX_SETUP, "cannot write %s", argv[4]);
	nblocks = bytes / bs;
	buf = abuf(chunk);
	want = abuf(chunk);
	for (b = 0; b < nblocks; ) {
		uint64_t nb = chunk / bs, i;
		ssize_t r;

		if (nb > nblocks - b)
			nb = nblocks - b;
		r = pread(fd, buf, nb * bs, (off_t)(b * bs));
		if (r < 0 && errno == EIO) {
			/* Block by block: which ones fail. */
			for (i = 0; i < nb; i++) {
				r = pread(fd, buf + i * bs, bs, (off_t)((b + i) * bs));
				if (r < 0 && errno == EIO) {
					memset(buf + i * bs, 0, bs);
					eio++;
					if (list)
						fprintf(list, "%" PRIu64 "\n", b + i);
					continue;
				}
				if (r != (ssize_t)bs)
					die(EX_FAIL, "read of block %" PRIu64 ": %s", b + i,
					    r < 0 ? strerror(errno) : "short");
				fill((uint64_t *)(want + i * bs), bs, seed, (b + i) * bs);
				if (!memcmp(buf + i * bs, want + i * bs, bs))
					okc++;
				else
					mism += mismatch(buf + i * bs, b + i, nblocks, bs, seed);
			}
		} else if (r != (ssize_t)(nb * bs)) {
			die(EX_FAIL, "read at block %" PRIu64 ": %s", b, r < 0 ? strerror(errno) : "short");
		} else {
			fill((uint64_t *)want, nb * bs, seed, b * bs);
			for (i = 0; i < nb; i++) {
				if (!memcmp(buf + i * bs, want + i * bs, bs)) {
					okc++;
					continue;
				}
				mism += mismatch(buf + i * bs, b + i, nblocks, bs, seed);
			}
		}
		if (mism > 10)
			break;
		b += nb;
	}
	printf("blocks=%" PRIu64 " ok=%" PRIu64 " eio=%" PRIu64 " mismatched=%d\n", nblocks, okc, eio, mism);
	if (list)
		fclose(list);
	return mism ? EX_FAIL : EX_OK;
}

/* ---------------------------------------------------------------------------
 * save, meta
 */
static char *img;
static uint64_t img_len;

static void dev_io(const char *dev, int write)
{
	int fd = open(dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	uint64_t len;

	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &len))
		die(EX_SETUP, "open %s: %s", dev, strerror(errno));
	if (!write) {
		img_len = len;
		img = abuf(len);
	} else if (len != img_len) {
		die(EX_SETUP, "%s: size changed", dev);
	}
	for (uint64_t o = 0; o < len; o += 1 << 20) {
		size_t n = len - o < (1 << 20) ? len - o : 1 << 20;

		if ((write ? pwrite(fd, img + o, n, (off_t)o) : pread(fd, img + o, n, (off_t)o)) != (ssize_t)n)
			die(EX_SETUP, "%s %s: %s", write ? "write" : "read", dev, strerror(errno));
	}
	if (write && fsync(fd))
		die(EX_SETUP, "fsync %s: %s", dev, strerror(errno));
	close(fd);
}

static int cmd_save(int argc, char **argv)
{
	FILE *f;

	if (argc != 4)
		die(EX_USAGE, "usage: dmr-fuzz save DEV FILE");
	dev_io(argv[2], 0);
	f = fopen(argv[3], "w");
	if (!f || fwrite(img, 1, img_len, f) != img_len || fclose(f))
		die(EX_SETUP, "cannot write %s", argv[3]);
	return EX_OK;
}

static struct dmr_sb sb;

static char *sb_at(int b)
{
	return img + (b ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR) * 512ULL;
}

static char *meta_at(int b, uint32_t index)
{
	return img + ((b ? sb.geo.meta_b : DMR_META_A_SECTOR) +
		      (uint64_t)index * DMR_META_BLOCK_SECTORS) * 512;
}

static void recsum(char *blk)
{
	__le32 c = cpu_to_le32(dmr_block_csum(blk));

	memcpy(blk, &c, sizeof(c));
}

static struct dmr_disk_entry *entries(char *blk)
{
	return (struct dmr_disk_entry *)(blk + sizeof(struct dmr_disk_meta_header));
}

/* Used metadata block number k of all used ones (remap first, then pending). */
static uint32_t used_index(uint64_t k)
{
	return k < sb.remap_meta_used ? (uint32_t)k :
	       sb.geo.remap_meta_blocks + (uint32_t)(k - sb.remap_meta_used);
}

static void damage1(char *blk, size_t len, char *what, size_t wn);

/* Damage that changes the block (zeroing a zero sector would not). */
static void damage(char *blk, size_t len, char *what, size_t wn)
{
	static char before[DMR_META_BLOCK_SIZE];

	memcpy(before, blk, len);
	damage1(blk, len, what, wn);
	if (!memcmp(before, blk, len)) {
		blk[below(len)] ^= (char)(1 + below(255));
		snprintf(what + strlen(what), wn - strlen(what), " (+1 byte flipped)");
	}
}

static void damage1(char *blk, size_t len, char *what, size_t wn)
{
	size_t o, n, i;

	switch (below(5)) {
	case 0: case 1:
		n = 1 + below(8);
		for (i = 0; i < n; i++) {
			o = below(len);
			blk[o] ^= (char)(1 + below(255));
		}
		snprintf(what, wn, "%zu bytes flipped", n);
		break;
	case 2:
		o = below(len / 512) * 512;
		memset(blk + o, 0, 512);
		snprintf(what, wn, "sector %zu zeroed", o / 512);
		break;
	case 3:
		o = below(len / 512) * 512;
		for (i = 0; i < 512; i++)
			blk[o + i] = (char)rnd();
		snprintf(what, wn, "sector %zu random", o / 512);
		break;
	default:
		memset(blk, chance(50) ? 0 : 0xff, len);
		snprintf(what, wn, "block %s", blk[0] ? "all ones" : "zeroed");
		break;
	}
}

/* Remap slot k's entry, and the block holding it. */
static struct dmr_disk_entry *slot_entry(int copy, uint64_t k, char **blk)
{
	*blk = meta_at(copy, (uint32_t)(k / DMR_ENTRIES_PER_BLOCK));
	return entries(*blk) + k % DMR_ENTRIES_PER_BLOCK;
}

static int cmd_meta(int argc, char **argv)
{
	static const struct { const char *name; size_t off, size; } fields[] = {
#define F(x) { #x, offsetof(struct dmr_disk_sb, x), sizeof(((struct dmr_disk_sb *)0)->x) }
		F(version), F(magic), F(generation), F(format_id), F(incompat_features),
		F(compat_features), F(state), F(block_size), F(main_blocks), F(spare_sectors),
		F(remap_slots), F(pending_slots), F(meta_blocks), F(remap_meta_blocks), F(meta_b),
		F(data_start), F(created), F(uuid), F(slot_size), F(remap_meta_used),
		F(pending_meta_used), F(reserved), F(main_sectors), F(main_id),
#undef F
		{ "padding", sizeof(struct dmr_disk_sb), 64 },
	};
	const char *why, *expect = "either";
	char what[256], blkbuf[DMR_META_BLOCK_SIZE];
	uint64_t seed, it, nused, spare_next = 0, k, nremapped = 0;
	uint64_t remapped[4096];
	int fmt = 0, cls, copy, f;
	FILE *fi;

	if (argc != 6)
		die(EX_USAGE, "usage: dmr-fuzz meta SEED I DEV FILE");
	seed = parse_u64(argv[2]);
	it = parse_u64(argv[3]);
	fi = fopen(argv[5], "r");
	if (!fi)
		die(EX_SETUP, "cannot read %s", argv[5]);
	fseek(fi, 0, SEEK_END);
	img_len = (uint64_t)ftell(fi);
	rewind(fi);
	img = abuf(img_len);
	if (fread(img, 1, img_len, fi) != img_len)
		die(EX_SETUP, "short %s", argv[5]);
	fclose(fi);
	if (dmr_sb_decode(sb_at(0), &sb, &why))
		die(EX_SETUP, "image superblock A: %s", why);
	nused = sb.remap_meta_used + sb.pending_meta_used;
	/* Slots in use, from copy A. */
	for (k = 0; k < sb.geo.remap_slots && k / DMR_ENTRIES_PER_BLOCK < sb.remap_meta_used; k++) {
		char *blk;
		struct dmr_disk_entry *e = slot_entry(0, k, &blk);

		if (le32_to_cpu(e->state) != DMR_SLOT_FREE)
			spare_next = k + 1;
		if (le32_to_cpu(e->state) == DMR_SLOT_REMAPPED && nremapped < 4096)
			remapped[nremapped++] = k;
	}
	if (!nused || !nremapped)
		die(EX_SETUP, "the image has no metadata blocks or remaps in use");

	rseed(seed, it);
	cls = (int)below(13);
	copy = (int)below(3);	/* 0: A, 1: B, 2: both */
	switch (cls) {
	case 0: {	/* raw damage to superblock copies */
		char w2[64] = "";

		damage(sb_at(copy == 1), DMR_META_BLOCK_SIZE, what, sizeof(what));
		if (copy == 2)
			damage(sb_at(1), DMR_META_BLOCK_SIZE, w2, sizeof(w2));
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", copy == 2 ? ", " : "", w2);
		expect = copy == 2 ? "refuse" : "intact";
		snprintf(blkbuf, sizeof(blkbuf), "raw superblock %s: %s", copy == 2 ? "A+B" : copy ? "B" : "A", what);
		break;
	}
	case 1: case 2: {	/* raw damage to a metadata block in use */
		uint32_t idx = used_index(below(nused));

		damage(meta_at(copy == 1, idx), DMR_META_BLOCK_SIZE, what, sizeof(what));
		if (copy == 2) {
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "; ");
			damage(meta_at(1, idx), DMR_META_BLOCK_SIZE, what + strlen(what),
			       sizeof(what) - strlen(what));
		}
		expect = copy == 2 ? "refuse" : "intact";
		snprintf(blkbuf, sizeof(blkbuf), "raw metadata block %u copy %s: %s", idx,
			 copy == 2 ? "A+B" : copy ? "B" : "A", what);
		break;
	}
	case 3: {	/* raw damage where nothing is in use */
		uint64_t lo, hi;

		if (chance(50) && sb.remap_meta_used < sb.geo.remap_meta_blocks) {
			uint32_t idx = sb.remap_meta_used + (uint32_t)below(sb.geo.remap_meta_blocks - sb.remap_meta_used);

			damage(meta_at(0, idx), DMR_META_BLOCK_SIZE, what, sizeof(what));
			damage(meta_at(1, idx), DMR_META_BLOCK_SIZE, what, sizeof(what));
			snprintf(blkbuf, sizeof(blkbuf), "raw unused metadata block %u, both copies", idx);
		} else {
			lo = sb.geo.data_start * 512 + (spare_next << (31 - __builtin_clz(sb.slot_size)));
			hi = img_len;
			if (hi <= lo + 4096)
				lo = hi - 4096;
			k = lo + below((hi - lo) / 512 - 7) * 512;
			damage(img + k, 4096, what, sizeof(what));
			snprintf(blkbuf, sizeof(blkbuf), "raw unused spare area at sector %" PRIu64 ": %s",
				 k / 512, what);
		}
		expect = "intact";
		break;
	}
	case 4: {	/* hostile superblock field, checksum made valid */
		uint64_t v, old = 0;

		f = (int)below(sizeof(fields) / sizeof(fields[0]));
		switch (below(8)) {
		case 0: v = 0; break;
		case 1: v = 1; break;
		case 2: v = ~0ULL; break;
		case 3: v = 1ULL << below(64); break;
		case 4: case 5: v = (uint64_t)-1; /* old + delta, below */ break;
		default: v = rnd(); break;
		}
		for (int c = 0; c < 2; c++) {
			char *blk = sb_at(c);

			if (copy != 2 && c != copy)
				continue;
			if (fields[f].size <= 8) {
				memcpy(&old, blk + fields[f].off, fields[f].size);
				if (v == (uint64_t)-1 && chance(60))
					v = old + below(5) - 2;
				if (!memcmp(&v, &old, fields[f].size))
					v ^= 1;		/* always a change */
				memcpy(blk + fields[f].off, &v, fields[f].size);
			} else {
				size_t o = below(fields[f].size);

				blk[fields[f].off + o] = (char)rnd();
				v = o;
			}
			recsum(blk);
		}
		snprintf(blkbuf, sizeof(blkbuf), "hostile superblock %s: %s = 0x%" PRIx64 " (was 0x%" PRIx64 ")",
			 copy == 2 ? "A+B" : copy ? "B" : "A", fields[f].name, v, old);
		expect = "either";
		break;
	}
	case 5: case 6: {	/* hostile remap entry, checksum made valid */
		uint64_t s = remapped[below(nremapped)], s2 = 0;
		int kind = (int)below(9);
		const char *kn = "";

		for (int c = 0; c < 2; c++) {
			char *blk;
			struct dmr_disk_entry *e, *e2;

			if (copy != 2 && c != copy)
				continue;
			e = slot_entry(c, s, &blk);
			switch (kind) {
			case 0: kn = "block beyond main";
				e->block = cpu_to_le64(sb.main_blocks + below(3)); break;
			case 1: kn = "block huge";
				e->block = cpu_to_le64(PICK(((uint64_t[]){ ~0ULL, 1ULL << 62, DMR_MAX_BLOCKS }))); break;
			case 2: kn = "state invalid";
				e->state = cpu_to_le32(3 + (uint32_t)below(chance(50) ? 5 : ~0U - 3)); break;
			case 3: kn = "reserved set";
				e->reserved = cpu_to_le32(1 + (uint32_t)below(1000)); break;
			case 4: kn = "free slot with a block";
				s2 = spare_next + below(DMR_ENTRIES_PER_BLOCK);
				if (s2 / DMR_ENTRIES_PER_BLOCK != s / DMR_ENTRIES_PER_BLOCK)
					s2 = s;
				e2 = slot_entry(c, s2, &blk);
				e2->block = cpu_to_le64(1 + below(sb.main_blocks - 1));
				e2->state = cpu_to_le32(DMR_SLOT_FREE);
				break;
			case 5: kn = "main block mapped twice in one block";
				/* s ^ 1 is in the same block (the count per block is even). */
				s2 = c ? s2 : (s / DMR_ENTRIES_PER_BLOCK) * DMR_ENTRIES_PER_BLOCK +
					      below(DMR_ENTRIES_PER_BLOCK);
				if (s2 >= sb.geo.remap_slots || s2 == s)
					s2 = s ^ 1;
				if (s2 >= sb.geo.remap_slots)
					die(EX_SETUP, "slot %" PRIu64 " has no neighbour", s);
				e2 = slot_entry(c, s2, &blk);
				*e2 = *e;
				break;
			case 6: kn = "remapped slot made free";
				e->block = 0; e->state = cpu_to_le32(DMR_SLOT_FREE); break;
			case 7: kn = "remapped slot retired";
				e->state = cpu_to_le32(DMR_SLOT_RETIRED); break;
			default: kn = "generation in the header";
				((struct dmr_disk_meta_header *)blk)->generation =
					cpu_to_le64(PICK(((uint64_t[]){ 0, 1, ~0ULL, rnd() })));
				break;
			}
			recsum(blk);
		}
		/* Invalid entries: refused in both copies, repaired in one. */
		expect = kind <= 4 ? (copy == 2 ? "refuse" : "intact") :
			 kind == 5 ? (copy == 1 ? "intact" : "refuse") :
			 kind <= 7 ? (copy == 1 ? "intact" : "activate") : "intact";
		snprintf(blkbuf, sizeof(blkbuf), "hostile remap slot %" PRIu64 " copy %s: %s", s,
			 copy == 2 ? "A+B" : copy ? "B" : "A", kn);
		break;
	}
	case 7: {	/* hostile metadata header, checksum made valid */
		uint32_t idx = used_index(below(nused));
		int kind = (int)below(4);
		static const char *const kn[] = { "magic", "format_id", "index", "kind" };

		for (int c = 0; c < 2; c++) {
			struct dmr_disk_meta_header *h = (void *)meta_at(c, idx);

			if (copy != 2 && c != copy)
				continue;
			switch (kind) {
			case 0: h->magic ^= cpu_to_le32(1U << below(32)); break;
			case 1: h->format_id ^= cpu_to_le64(1ULL << below(64)); break;
			case 2: h->index = cpu_to_le32(idx ^ (1U << below(8))); break;
			default: h->kind = cpu_to_le32(PICK(((uint32_t[]){ 0, 1, 2, 3, ~0U }))); break;
			}
			recsum((char *)h);
		}
		expect = copy == 2 ? "either" : "intact";
		if (kind != 3 && copy == 2)
			expect = "refuse";
		snprintf(blkbuf, sizeof(blkbuf), "hostile header of metadata block %u copy %s: %s", idx,
			 copy == 2 ? "A+B" : copy ? "B" : "A", kn[kind]);
		break;
	}
	case 8: {	/* a stale (older) copy: as if a commit had stopped between A and B */
		uint32_t idx = (uint32_t)below(sb.remap_meta_used);
		uint64_t gen, first = (uint64_t)idx * DMR_ENTRIES_PER_BLOCK, cut, slots[DMR_ENTRIES_PER_BLOCK];
		uint32_t i, ns = dmr_meta_nr_slots(&sb, idx);

		if (dmr_meta_decode(meta_at(0, idx), &sb, idx, &gen, slots, &why))
			die(EX_SETUP, "image block %u: %s", idx, why);
		cut = first + below(ns);
		for (i = 0; i < ns; i++)
			if (first + i >= cut)
				slots[i] = 0;
		dmr_meta_encode(blkbuf, &sb, gen ? gen - 1 : 0, idx, slots);
		for (int c = 0; c < 2; c++)
			if (copy == 2 || c == copy)
				memcpy(meta_at(c, idx), blkbuf, DMR_META_BLOCK_SIZE);
		expect = copy == 2 ? "activate" : "intact";
		snprintf(blkbuf, sizeof(blkbuf), "older copy %s of metadata block %u (generation %" PRIu64
			 ", slots from %" PRIu64 " free)", copy == 2 ? "A+B" : copy ? "B" : "A", idx,
			 gen ? gen - 1 : 0, cut);
		break;
	}
	case 9: {	/* another block's contents in a block's place */
		uint32_t a = used_index(below(nused)), b = used_index(below(nused));

		if (a == b)
			b = a + 1;
		for (int c = 0; c < 2; c++)
			if (copy == 2 || c == copy)
				memcpy(meta_at(c, a), meta_at(c, b), DMR_META_BLOCK_SIZE);
		expect = copy == 2 ? "refuse" : "intact";
		snprintf(blkbuf, sizeof(blkbuf), "metadata block %u copy %s holds block %u", a,
			 copy == 2 ? "A+B" : copy ? "B" : "A", b);
		break;
	}
	case 10: {	/* hostile pending entry */
		uint32_t idx = sb.geo.remap_meta_blocks + (uint32_t)below(sb.pending_meta_used ? sb.pending_meta_used : 1);
		int kind = (int)below(4);
		static const char *const kn[] = { "block beyond main", "state invalid",
						  "another main block pending", "pending slot freed" };

		if (!sb.pending_meta_used) {
			expect = "intact";
			snprintf(blkbuf, sizeof(blkbuf), "no pending block in use: unchanged");
			break;
		}
		for (int c = 0; c < 2; c++) {
			char *blk = meta_at(c, idx);
			struct dmr_disk_entry *e = entries(blk);
			uint32_t i, ns = dmr_meta_nr_slots(&sb, idx);

			if (copy != 2 && c != copy)
				continue;
			for (i = 0; i < ns && le32_to_cpu(e[i].state) != DMR_PSLOT_PENDING; i++)
				;
			if (i == ns)
				i = 0;
			switch (kind) {
			case 0: e[i].block = cpu_to_le64(sb.main_blocks + below(1000));
				e[i].state = cpu_to_le32(DMR_PSLOT_PENDING); break;
			case 1: e[i].state = cpu_to_le32(2 + (uint32_t)below(100)); break;
			case 2: e[i].block = cpu_to_le64(below(sb.main_blocks));
				e[i].state = cpu_to_le32(DMR_PSLOT_PENDING); break;
			default: e[i].block = 0; e[i].state = 0; break;
			}
			recsum(blk);
		}
		expect = kind <= 1 ? (copy == 2 ? "refuse" : "intact") : (copy == 1 ? "intact" : "activate");
		snprintf(blkbuf, sizeof(blkbuf), "hostile pending entry in block %u copy %s: %s", idx,
			 copy == 2 ? "A+B" : copy ? "B" : "A", kn[kind]);
		break;
	}
	case 12: {	/* one copy of every block damaged, not always the same copy */
		size_t o = 0;

		o += snprintf(blkbuf + o, sizeof(blkbuf) - o, "raw damage to one copy of each:");
		copy = (int)below(2);
		damage(sb_at(copy), DMR_META_BLOCK_SIZE, what, sizeof(what));
		o += snprintf(blkbuf + o, sizeof(blkbuf) - o, " superblock %c", "AB"[copy]);
		for (k = 0; k < nused; k++) {
			uint32_t idx = used_index(k);

			copy = (int)below(2);
			damage(meta_at(copy, idx), DMR_META_BLOCK_SIZE, what, sizeof(what));
			o += snprintf(blkbuf + o, sizeof(blkbuf) - o, ", block %u %c", idx, "AB"[copy]);
		}
		expect = "intact";
		break;
	}
	default: {	/* no superblock magic in either copy: format may reinitialise */
		for (int c = 0; c < 2; c++)
			memset(sb_at(c) + offsetof(struct dmr_disk_sb, magic), 0, 8);
		fmt = (int)below(2);
		expect = fmt ? "activate" : "refuse";
		snprintf(blkbuf, sizeof(blkbuf), "both superblock magics wiped%s",
			 fmt ? ", table with format" : "");
		break;
	}
	}
	dev_io(argv[4], 1);
	printf("expect=%s format=%d what=%s\n", expect, fmt, blkbuf);
	return EX_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		die(EX_USAGE, "usage: dmr-fuzz tables|msgs|check|save|meta ...");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "tables"))
		return cmd_tables(argc, argv);
	if (!strcmp(argv[1], "msgs"))
		return cmd_msgs(argc, argv);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc, argv);
	if (!strcmp(argv[1], "save"))
		return cmd_save(argc, argv);
	if (!strcmp(argv[1], "meta"))
		return cmd_meta(argc, argv);
	die(EX_USAGE, "unknown command %s", argv[1]);
	return EX_USAGE;
}
