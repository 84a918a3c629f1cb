// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The long operations on files: scrub (unreadable ranges, rate limit on a
 * fake clock, checkpoint and resume), copy (ddrescue mapfile, resume,
 * retries, DEST's signature) and spare-move (the result, the dmremaptab
 * update, and a cut after every write leaving exactly one usable spare).
 * Reads fail where the test says (dmri_io hooks); device-mapper is
 * fake_dm.c (no device is active).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dm-remap-codec.h"
#include "dmr-ops.h"
#include "fake_dm.h"
#include "spare_image.h"

#define BS 512

static struct dmr_ctx *ctx;
static char dir[64], notes[8192];
static volatile int stop_flag;

/* ------------------------------------------------------------ the hooks */

static struct { uint64_t off, len; } badr[8];
static unsigned int nbad, reads;
static unsigned int stop_at;		/* set stop_flag at this read */
static uint64_t lowest_read;
static int64_t vclock;			/* fake time, ns */
static uint64_t dev_rate;		/* bytes per second the "device" reads */

static ssize_t hook_pread(int fd, void *buf, size_t n, off_t off)
{
	unsigned int i;

	reads++;
	if (stop_at && reads == stop_at)
		stop_flag = 1;
	if ((uint64_t)off < lowest_read)
		lowest_read = (uint64_t)off;
	if (dev_rate)
		vclock += (int64_t)((unsigned __int128)n * 1000000000u / dev_rate);
	for (i = 0; i < nbad; i++) {
		if ((uint64_t)off < badr[i].off + badr[i].len &&
		    (uint64_t)off + n > badr[i].off) {
			errno = EIO;
			return -1;
		}
	}
	return pread(fd, buf, n, off);
}

static int64_t fake_now(void)
{
	return vclock;
}

static void fake_sleep(int64_t ns)
{
	vclock += ns;
}

static void note(int level, const char *msg, void *data)
{
	(void)level;
	(void)data;
	snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%s\n", msg);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	snprintf(dir, sizeof(dir), "/tmp/dmr-ops-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("DMREMAP_STATE_DIR", dir, 1);
	notes[0] = '\0';
	nbad = reads = stop_at = 0;
	stop_flag = 0;
	lowest_read = UINT64_MAX;
	vclock = 1000000000;
	dev_rate = 0;
	dmri_io.pread = hook_pread;
	dmri_io.now_ns = fake_now;
	dmri_io.sleep_ns = fake_sleep;
	if (dmr_ctx_new(&ctx))
		return -1;
	dmr_set_log_fn(ctx, note, NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	dmri_io_reset();
	dmri_move_cut = 0;
	dmr_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	fake_cleanup();
	return 0;
}

/* A file of @bytes in the test directory, byte i = (i / 512 * 7 + seed). */
static void make_file(const char *name, uint64_t bytes, int seed, char *path)
{
	unsigned char b[BS];
	uint64_t i;
	int fd;

	sprintf(path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < bytes / BS; i++) {
		memset(b, (int)((i * 7 + (uint64_t)seed) & 0xff), BS);
		memcpy(b, &i, sizeof(i));
		assert_int_equal(write(fd, b, BS), BS);
	}
	close(fd);
}

static void add_bad(uint64_t off, uint64_t len)
{
	badr[nbad].off = off;
	badr[nbad].len = len;
	nbad++;
}

/* --------------------------------------------------------------- ranges */

static void test_ranges(void **state)
{
	struct dmri_ranges r = { 0 };

	(void)state;
	assert_int_equal(dmri_ranges_add(&r, 100, 10), 0);
	assert_int_equal(dmri_ranges_add(&r, 50, 10), 0);
	assert_int_equal(dmri_ranges_add(&r, 200, 10), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(dmri_ranges_add(&r, 60, 40), 0);	/* joins 50..110 */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].off, 50);
	assert_int_equal(r.v[0].len, 60);
	assert_int_equal(dmri_ranges_add(&r, 55, 5), 0);	/* inside */
	assert_int_equal(r.n, 2);
	assert_true(dmri_ranges_covers(&r, 60, 50));
	assert_false(dmri_ranges_covers(&r, 60, 51));
	assert_int_equal(dmri_ranges_add(&r, 0, 300), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(dmri_ranges_bytes(&r), 300);
	dmri_ranges_free(&r);
}

/* ---------------------------------------------------------------- scrub */

struct seen {
	uint64_t block[16], count[16];
	unsigned int n;
	unsigned int progress, finals;
	struct dmr_progress last;
};

static void on_bad(uint64_t block, uint64_t count, uint32_t bs, void *data)
{
	struct seen *s = data;

	assert_int_equal(bs, BS);
	assert_true(s->n < 16);
	s->block[s->n] = block;
	s->count[s->n++] = count;
}

static void on_progress(const struct dmr_progress *p, void *data)
{
	struct seen *s = data;

	assert_true(p->size >= sizeof(*p));
	s->progress++;
	s->finals += p->final;
	s->last = *p;
}

static int scrub_file(const char *path, struct dmr_scan_opts *a)
{
	struct stat st;
	int fd = open(path, O_RDONLY), r;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	r = dmri_scrub_fd(ctx, "r", "DMREMAP-0123456789abcdef-r", fd, path,
			  (uint64_t)st.st_size, BS, a);
	close(fd);
	return r;
}

static void test_scrub_finds_bad_ranges(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .bad = on_bad,
				   .progress = on_progress, .data = &s };
	char path[128], cp[160];

	(void)state;
	make_file("dev", 4 << 20, 1, path);
	add_bad(1000 * BS, 3 * BS);		/* blocks 1000-1002 */
	add_bad(5000 * BS + 100, 1);		/* block 5000 */
	add_bad((2 << 20) - BS, 2 * BS);	/* 4095-4096: across a chunk */
	assert_int_equal(scrub_file(path, &a), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.block[0], 1000);
	assert_int_equal(s.count[0], 3);
	assert_int_equal(s.block[1], 4095);
	assert_int_equal(s.count[1], 2);
	assert_int_equal(s.block[2], 5000);
	assert_int_equal(s.count[2], 1);
	assert_int_equal(s.finals, 1);
	assert_true(s.last.final);
	assert_int_equal(s.last.bad_blocks, 6);
	assert_int_equal(s.last.done, 4 << 20);
	/* Complete: no checkpoint is left. */
	snprintf(cp, sizeof(cp), "%s/scrub-r.checkpoint", dir);
	assert_int_equal(access(cp, F_OK), -1);

	/* Nothing bad: 0. */
	nbad = 0;
	s.n = 0;
	assert_int_equal(scrub_file(path, &a), 0);
	assert_int_equal(s.n, 0);
}

static void test_scrub_range_and_retries(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .bad = on_bad, .data = &s,
				   .start = 1 << 20, .length = 1 << 20, .retries = 2 };
	char path[128];
	unsigned int before;

	(void)state;
	make_file("dev", 4 << 20, 1, path);
	add_bad(10 * BS, BS);			/* outside the range */
	add_bad((1 << 20) + 7 * BS, BS);
	assert_int_equal(scrub_file(path, &a), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.block[0], 2048 + 7);
	assert_true(lowest_read >= 1 << 20);
	/* One failed chunk read halves down to the block (11 levels), then the
	 * block is tried twice more. */
	before = reads;
	nbad = 0;
	assert_int_equal(scrub_file(path, &a), 0);
	assert_true(before > reads - before + 2);

	a.start = 100;
	assert_int_equal(scrub_file(path, &a), -EINVAL);
	assert_non_null(strstr(dmr_error(ctx), "multiples"));
	a.start = 4 << 20;
	assert_int_equal(scrub_file(path, &a), -EINVAL);
}

static void test_scrub_rate_limit(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .rate = 1000000,
				   .progress = on_progress, .data = &s };
	char path[128];
	int64_t t0;
	double secs, rate;

	(void)state;
	make_file("dev", 4 << 20, 1, path);
	dev_rate = 100000000;			/* a fast disk: 100 MB/s */
	t0 = vclock;
	assert_int_equal(scrub_file(path, &a), 0);
	secs = (double)(vclock - t0) / 1e9;
	rate = (double)(4 << 20) / secs;
	if (rate < 0.9e6 || rate > 1.1e6)
		fail_msg("rate %.0f B/s over %.2f s, limit 1000000", rate, secs);
	/* Reads of at most an eighth of a second's worth keep it smooth. */
	assert_true(reads >= 32);
	assert_true(s.progress >= 4);
	assert_true(s.last.bytes_per_sec > 900000 && s.last.bytes_per_sec < 1100000);

	/* A slow disk under the limit just goes at its own pace. */
	dev_rate = 500000;
	t0 = vclock;
	assert_int_equal(scrub_file(path, &a), 0);
	secs = (double)(vclock - t0) / 1e9;
	assert_true((double)(4 << 20) / secs > 0.49e6);
}

static void test_scrub_resume(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .bad = on_bad,
				   .progress = on_progress, .data = &s,
				   .stop = &stop_flag };
	char path[128], cp[160], *text;
	uint64_t pos;

	(void)state;
	make_file("dev", 8 << 20, 1, path);
	add_bad(100 * BS, BS);
	add_bad((6 << 20) + 5 * BS, BS);
	stop_at = 27;	/* chunk 1 takes ~24 reads (halving to block 100): stop in chunk 4 */
	assert_int_equal(scrub_file(path, &a), -EINTR);
	assert_non_null(strstr(dmr_error(ctx), "run it again to resume"));
	assert_int_equal(s.n, 1);
	assert_int_equal(s.block[0], 100);
	assert_int_equal(s.finals, 1);
	snprintf(cp, sizeof(cp), "%s/scrub-r.checkpoint", dir);
	assert_int_equal(dmri_read_file(ctx, cp, &text), 0);
	assert_non_null(strstr(text, "device r\n"));
	assert_non_null(strstr(text, "bad 51200 512\n"));
	assert_non_null(strstr(text, "position "));
	pos = strtoull(strstr(text, "position ") + 9, NULL, 10);
	assert_true(pos >= 1 << 20 && pos < 8 << 20);
	free(text);

	/* Resumed: no read below the checkpoint, both bad blocks reported. */
	stop_flag = 0;
	stop_at = 0;
	lowest_read = UINT64_MAX;
	memset(&s, 0, sizeof(s));
	assert_int_equal(scrub_file(path, &a), 1);
	assert_true(lowest_read >= pos);
	assert_non_null(strstr(notes, "resuming from checkpoint"));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.block[0], 100);
	assert_int_equal(s.block[1], 12288 + 5);
	assert_int_equal(s.last.bad_blocks, 2);
	assert_int_equal(s.last.resumed_at, pos);
	assert_int_equal(access(cp, F_OK), -1);

	/* A checkpoint of another device is ignored. */
	assert_int_equal(dmri_write_file(ctx, cp, "version 1\ndevice other\nposition 512\n", 36), 0);
	notes[0] = '\0';
	lowest_read = UINT64_MAX;
	assert_int_equal(scrub_file(path, &a), 1);
	assert_int_equal(lowest_read, 0);
	assert_non_null(strstr(notes, "is not for this device"));
}

/* ----------------------------------------------------------------- copy */

static int copy_file(const char *src, const char *dest, struct dmr_scan_opts *a)
{
	struct stat st;
	int fd = open(src, O_RDONLY), r;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	r = dmri_copy_fd(ctx, "r", "DMREMAP-0123456789abcdef-r", fd, src,
			 (uint64_t)st.st_size, BS, dest, a);
	close(fd);
	return r;
}

/* @a and @b equal but for [skip_off, +skip_len) (where @b must be 0xee). */
static void same_but(const char *a, const char *b, uint64_t skip_off, uint64_t skip_len)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	uint64_t i = 0;
	int ca, cb;

	assert_non_null(fa);
	assert_non_null(fb);
	while ((ca = fgetc(fa)) != EOF) {
		cb = fgetc(fb);
		if (i >= skip_off && i < skip_off + skip_len) {
			if (cb != 0xee)
				fail_msg("byte %" PRIu64 " of an unreadable block was written", i);
		} else if (ca != cb) {
			fail_msg("byte %" PRIu64 " differs", i);
		}
		i++;
	}
	fclose(fa);
	fclose(fb);
}

static void test_copy_mapfile(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .bad = on_bad, .data = &s,
				   .retries = 1 };
	char src[128], dest[128], map[160], *text;
	int fd;

	(void)state;
	make_file("src", 2 << 20, 3, src);
	sprintf(dest, "%s/dest", dir);
	fd = open(dest, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	{
		char b[4096];

		memset(b, 0xee, sizeof(b));
		for (int i = 0; i < 512; i++)
			assert_int_equal(write(fd, b, sizeof(b)), sizeof(b));
	}
	close(fd);
	add_bad(0x1000, 0x400);			/* blocks 8, 9 */
	assert_int_equal(copy_file(src, dest, &a), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.block[0], 8);
	assert_int_equal(s.count[0], 2);
	same_but(src, dest, 0x1000, 0x400);
	snprintf(map, sizeof(map), "%s/copy-r.map", dir);
	assert_int_equal(dmri_read_file(ctx, map, &text), 0);
	assert_non_null(strstr(text, "# Mapfile. Created by dmremapctl copy"));
	assert_non_null(strstr(text, "\n0x00200000     +               1\n"));
	assert_non_null(strstr(text,
		"0x00000000  0x00001000  +\n0x00001000  0x00000400  -\n0x00001400  0x001FEC00  +\n"));
	free(text);

	/* Again: nothing left to read, the bad blocks are reported from the map. */
	reads = 0;
	s.n = 0;
	assert_int_equal(copy_file(src, dest, &a), 1);
	assert_int_equal(reads, 0);
	assert_int_equal(s.n, 1);
	/* The disk reads them now: --retry-bad copies them. */
	nbad = 0;
	a.flags = DMR_SCAN_RETRY_BAD;
	assert_int_equal(copy_file(src, dest, &a), 0);
	same_but(src, dest, 0, 0);
	assert_int_equal(dmri_read_file(ctx, map, &text), 0);
	assert_non_null(strstr(text, "0x00000000  0x00200000  +\n"));
	free(text);
}

static void test_copy_resume(void **state)
{
	struct seen s = { .n = 0 };
	struct dmr_scan_opts a = { .size = sizeof(a), .bad = on_bad, .data = &s,
				   .stop = &stop_flag };
	char src[128], dest[128];

	(void)state;
	make_file("src", 6 << 20, 5, src);
	sprintf(dest, "%s/new", dir);		/* a file copy creates */
	add_bad(5 << 20, BS);
	stop_at = 3;
	assert_int_equal(copy_file(src, dest, &a), -EINTR);
	stop_flag = 0;
	stop_at = 0;
	lowest_read = UINT64_MAX;
	assert_int_equal(copy_file(src, dest, &a), 1);
	assert_true(lowest_read >= 2 << 20);	/* the first chunks were done */
	nbad = 0;
	{
		/* Everything but the bad block made it across. */
		FILE *fa = fopen(src, "r"), *fb = fopen(dest, "r");
		uint64_t i = 0;
		int ca;

		while ((ca = fgetc(fa)) != EOF) {
			int cb = fgetc(fb);

			if ((i < 5 << 20 || i >= (5 << 20) + BS) && ca != cb)
				fail_msg("byte %" PRIu64 " differs", i);
			i++;
		}
		fclose(fa);
		fclose(fb);
	}
}

static bool confirm_yes(const char *q, void *data)
{
	(void)data;
	return strstr(q, "holds an ext4 filesystem") != NULL;
}

static void test_copy_signature_needs_confirmation(void **state)
{
	struct dmr_scan_opts a = { .size = sizeof(a) };
	char src[128], dest[128], cmd[300];
	int fd;

	(void)state;
	make_file("src", 2 << 20, 1, src);
	sprintf(dest, "%s/fs", dir);
	fd = open(dest, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4 << 20), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -qF %s >/dev/null 2>&1", dest);
	if (system(cmd))
		skip();
	reads = 0;
	assert_int_equal(copy_file(src, dest, &a), -ECANCELED);
	assert_non_null(strstr(dmr_error(ctx), "holds an ext4 filesystem"));
	assert_int_equal(reads, 0);
	dmr_set_confirm_fn(ctx, confirm_yes, NULL);
	assert_int_equal(copy_file(src, dest, &a), 0);
	same_but(src, dest, 0, 0);
	/* A resumed copy of ours does not ask: its mapfile names DEST. */
	dmr_set_confirm_fn(ctx, NULL, NULL);
	assert_int_equal(copy_file(src, dest, &a), 0);
}

/* ----------------------------------------------------------- spare-move */

#define MAIN_BLOCKS 8192
#define NR_REMAP 300
#define NR_PEND 3

struct movefix {
	char main[128], old[128], new[128], tab[160];
	char oldsave[160];
	struct spare_image im;
};

/* An old (version 1) spare with NR_REMAP remapped blocks in slots 0..,
 * one retired slot among them, and NR_PEND pending blocks; a blank new
 * spare twice its size. */
static void move_fixture(struct movefix *f)
{
	unsigned char b[BS];
	uint64_t k, blk;
	int fd;
	char cmd[400];

	make_file("main", MAIN_BLOCKS * BS, 9, f->main);
	spare_image_new(&f->im, 4096, BS, MAIN_BLOCKS, "DMREMAP-0123456789abcdef-r");
	for (k = 0, blk = 1; k <= NR_REMAP; k++, blk += 3)
		f->im.remap[k] = k == 5 ? DMR_SLOT(7, DMR_SLOT_RETIRED) :
				 DMR_SLOT(blk, DMR_SLOT_REMAPPED);
	for (k = 0; k < NR_PEND; k++)
		f->im.pending[k] = DMR_SLOT(5000 + k, DMR_PSLOT_PENDING);
	spare_image_write(&f->im);
	fd = open(f->im.path, O_WRONLY);
	assert_true(fd >= 0);
	for (k = 0; k <= NR_REMAP; k++) {
		memset(b, (int)(k & 0xff), BS);
		memcpy(b, &f->im.remap[k], 8);
		assert_int_equal(pwrite(fd, b, BS, (off_t)((f->im.sb.geo.data_start + k) * BS)), BS);
	}
	close(fd);
	sprintf(f->old, "%s", f->im.path);
	sprintf(f->oldsave, "%s/old.save", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", f->old, f->oldsave);
	assert_int_equal(system(cmd), 0);
	sprintf(f->new, "%s/new", dir);
	fd = open(f->new, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192 * BS), 0);
	close(fd);
	sprintf(f->tab, "%s/tab", dir);
	snprintf(cmd, sizeof(cmd), "printf '# devices\\nr  %s  FORMAT_ID=0123456789abcdef  nofail\\n' >%s",
		 f->main, f->tab);
	assert_int_equal(system(cmd), 0);
}

static int do_move(struct movefix *f, unsigned long cut)
{
	struct dmr_move_opts a = { .size = sizeof(a), .main_dev = f->main,
				   .old_spare = f->old, .tab = f->tab };

	int r;

	dmri_move_cut = cut;
	r = dmr_spare_move(ctx, "r", f->new, &a);
	if (r && r != -ECANCELED)
		print_message("spare-move: %s\n", dmr_error(ctx));
	return r;
}

/* The spare @path holds every entry of the fixture and its data. */
static void check_spare(const char *path)
{
	struct dmr_dump *d;
	unsigned char b[BS];
	uint64_t nr = 0, np = 0, want;
	size_t i;
	int fd;

	assert_int_equal(dmr_dump(ctx, path, &d), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	for (i = 0; i < d->nr_entries; i++) {
		if (dmr_dump_entry(d, i)->state == DMR_ENTRY_PENDING) {
			assert_int_equal(dmr_dump_entry(d, i)->block, 5000 + np);
			np++;
			continue;
		}
		nr++;
		assert_int_equal(pread(fd, b, BS, (off_t)((d->spare_start * BS) +
						       dmr_dump_entry(d, i)->spare_block * d->slot_size)), BS);
		memcpy(&want, b, 8);
		if (DMR_SLOT_BLOCK(want) != dmr_dump_entry(d, i)->block)
			fail_msg("%s: block %" PRIu64 " has the data of %" PRIu64, path,
				 dmr_dump_entry(d, i)->block, DMR_SLOT_BLOCK(want));
	}
	close(fd);
	assert_int_equal(nr, NR_REMAP);
	assert_int_equal(np, NR_PEND);
	assert_int_equal(d->main_blocks, MAIN_BLOCKS);
	dmr_dump_free(d);
}

/* Would create accept the spare (a valid superblock, and no committed
 * move away from it)? */
static bool usable(const char *path)
{
	struct dmr_sb sb;
	int fd = open(path, O_RDONLY), r;

	assert_true(fd >= 0);
	r = dmri_read_sb(fd, &sb);
	if (!r)
		r = dmri_check_moved(ctx, fd, path);
	close(fd);
	return r == 0;
}

static void test_spare_move(void **state)
{
	struct movefix f;
	struct dmr_dump *d;
	char *tab, want[300];

	(void)state;
	move_fixture(&f);
	dmri_move_files = true;
	{
		const char *c[] = { f.new, f.old, NULL };

		dmri_move_candidates = c;
		assert_int_equal(do_move(&f, 0), 0);
		dmri_move_candidates = NULL;
	}
	check_spare(f.new);
	assert_int_equal(dmr_dump(ctx, f.new, &d), 0);
	assert_int_equal(d->format_version, 2);
	assert_true(d->format_id != 0x0123456789abcdefULL);
	assert_int_equal(d->retired, 0);
	assert_int_equal(d->bad_meta_copies, 0);
	/* Spare blocks 0..299 in the old spare's order: the retired one gone. */
	assert_int_equal(dmr_dump_entry(d, 0)->block, 1);
	assert_int_equal(dmr_dump_entry(d, 0)->spare_block, 0);
	assert_int_equal(dmr_dump_entry(d, 5)->block, 19);
	assert_int_equal(dmr_dump_entry(d, 5)->spare_block, 5);
	snprintf(want, sizeof(want), "DMREMAP-%016" PRIx64 "-r", d->format_id);
	assert_string_equal(d->uuid, want);
	/* The old spare is retired, the tab names the new one. */
	assert_int_equal(dmr_dump(ctx, f.old, &(struct dmr_dump *){ NULL }), -ENODATA);
	assert_int_equal(dmri_read_file(ctx, f.tab, &tab), 0);
	snprintf(want, sizeof(want), "# devices\nr  %s  FORMAT_ID=%016" PRIx64 "  nofail\n",
		 f.main, d->format_id);
	assert_string_equal(tab, want);
	free(tab);
	/* Again: finished already. */
	assert_int_equal(do_move(&f, 0), 0);
	assert_non_null(strstr(notes, "the move finished before"));
	dmr_dump_free(d);
	dmri_move_files = false;
	spare_image_free(&f.im);
}

static void test_spare_move_cut_everywhere(void **state)
{
	struct movefix f;
	unsigned long cut;
	char cmd[1024];
	bool old_ok, new_ok;
	int r;

	(void)state;
	move_fixture(&f);
	dmri_move_files = true;
	for (cut = 0;; cut++) {
		const char *c[] = { f.new, NULL };

		snprintf(cmd, sizeof(cmd), "cp %s %s && truncate -s 0 %s && truncate -s %d %s",
			 f.oldsave, f.old, f.new, 8192 * BS, f.new);
		assert_int_equal(system(cmd), 0);
		dmri_move_candidates = c;
		r = do_move(&f, cut + 1);
		if (!r)
			break;
		assert_int_equal(r, -ECANCELED);
		/* Exactly one spare is usable, with every entry and its data. */
		old_ok = usable(f.old);
		new_ok = usable(f.new);
		if (old_ok == new_ok)
			fail_msg("cut after %lu writes: old %s, new %s", cut + 1,
				 old_ok ? "usable" : "not usable", new_ok ? "usable" : "not usable");
		check_spare(old_ok ? f.old : f.new);
		/* Running it again finishes the move. */
		assert_int_equal(do_move(&f, 0), 0);
		assert_false(usable(f.old));
		assert_true(usable(f.new));
		check_spare(f.new);
		dmri_move_candidates = NULL;
	}
	dmri_move_candidates = NULL;
	/* 2 zeroing + 2 data runs + 6 table blocks + 2 records + 2 superblocks
	 * + 2 retirement writes. */
	if (cut < 14)
		fail_msg("only %lu writes", cut);
	dmri_move_files = false;
	spare_image_free(&f.im);
}

static void test_spare_move_refusals(void **state)
{
	struct movefix f;
	struct dmr_move_opts a = { .size = sizeof(a) };
	char small[160];
	int fd;

	(void)state;
	move_fixture(&f);
	dmri_move_files = true;
	/* Not active, no tab line: main and spare are needed. */
	a.tab = "";
	assert_int_equal(dmr_spare_move(ctx, "r", f.new, &a), -ENXIO);
	a.main_dev = f.main;
	assert_int_equal(dmr_spare_move(ctx, "r", f.new, &a), -EINVAL);
	/* Too small for 300 remaps. */
	sprintf(small, "%s/small", dir);
	fd = open(small, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 200 * BS), 0);
	close(fd);
	a.old_spare = f.old;
	assert_int_equal(dmr_spare_move(ctx, "r", small, &a), -ENOSPC);
	/* A new spare that is another device's spare. */
	assert_int_equal(dmr_spare_move(ctx, "r", f.new, &a), 0);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "cp %s %s", f.oldsave, f.old);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(dmr_spare_move(ctx, "r", f.new, &a), -EEXIST);
	assert_non_null(strstr(dmr_error(ctx), "--force"));
	dmri_move_files = false;
	spare_image_free(&f.im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges),
		cmocka_unit_test_setup_teardown(test_scrub_finds_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub_range_and_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_mapfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_signature_needs_confirmation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spare_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spare_move_cut_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spare_move_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
