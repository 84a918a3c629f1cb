// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_spare_move: move a dm-remap device's remap table and remapped blocks
 * to a new spare, offline, so that a crash at any instant leaves exactly
 * one spare that dmremapctl accepts, holding all the data.  The order
 * (docs/FORMAT.md, "Spare moves"):
 *
 *   1. NEWSPARE's superblock area is zeroed: it is blank until step 5.
 *   2. The remapped blocks are copied from the old spare (spare block k of
 *      the new spare is the k-th remapped block in the old spare's order),
 *      then fsync.
 *   3. The table blocks in use are written, copy A then copy B, fsync
 *      after each (a new format id, generation 2).
 *   4. The old spare's superblocks (A, then B) get a move record naming
 *      the new format id in bytes the readers never look at (generation
 *      + 1): the old spare stays valid, but create and assemble refuse it
 *      once a valid spare with that format id exists.
 *   5. The new superblocks, A then B (counting the blocks of step 3, so
 *      they were on both copies before being counted), each fsync'd: the
 *      commit point.
 *   6. The old spare is retired: its superblocks are zeroed (A, then B).
 *   7. The dmremaptab line of the device is changed (FORMAT_ID= or path).
 *
 * Running the command again after a crash redoes 1-5 (before the commit)
 * or 6-7 (after it).  Main, the old spare and the new spare are held open
 * exclusively while the move runs, so nothing activates the device.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dm-remap-codec.h"
#include "dmr-ops.h"

#define BS DMR_META_BLOCK_SIZE
#define RUN_MAX (1U << 20)	/* bytes of spare blocks copied per write */

unsigned long dmri_move_cut;
bool dmri_move_files;
/* Tests: paths tried instead of every block device when looking for the
 * spare a move record names (NULL-terminated). */
const char *const *dmri_move_candidates;

/* ------------------------------------------------------------ records */

uint64_t dmri_move_record(const void *sb_block)
{
	const unsigned char *p = (const unsigned char *)sb_block + DMRI_MOVE_OFFSET;
	uint64_t magic, fid;

	memcpy(&magic, p, 8);
	memcpy(&fid, p + 8, 8);
	return le64toh(magic) == DMRI_MOVE_MAGIC ? le64toh(fid) : 0;
}

static void set_move_record(void *sb_block, uint64_t fid)
{
	unsigned char *p = (unsigned char *)sb_block + DMRI_MOVE_OFFSET;
	uint64_t v[3] = { htole64(DMRI_MOVE_MAGIC), htole64(fid),
			  htole64((uint64_t)time(NULL)) };
	uint32_t csum;

	memcpy(p, v, sizeof(v));
	csum = htole32(dmr_block_csum(sb_block));
	memcpy(sb_block, &csum, 4);
}

/* The two raw superblock blocks of @fd, which copy wins (-1 none). */
static int read_raw_sb(int fd, unsigned char raw[2][BS], struct dmr_sb *sb)
{
	struct dmr_sb s[2];
	const char *why;
	bool ok[2];
	int i;

	void *tmp;
	ssize_t n;

	memset(raw, 0, 2 * BS);
	if (posix_memalign(&tmp, 4096, 2 * BS))
		return -1;
	n = pread(fd, tmp, 2 * BS, 0);	/* aligned: fd may be O_DIRECT */
	if (n > 0)
		memcpy(raw, tmp, (size_t)n);
	free(tmp);
	if (n < (ssize_t)BS)
		return -1;
	for (i = 0; i < 2; i++)
		ok[i] = !dmr_sb_decode(raw[i], &s[i], &why);
	switch (dmr_pick_copy(ok[0], s[0].generation, ok[1], s[1].generation)) {
	case DMR_PICK_A:
		*sb = s[0];
		return 0;
	case DMR_PICK_B:
		*sb = s[1];
		return 1;
	default:
		return -1;
	}
}

/* A valid spare with format id @fid other than @self: its path in @path. */
static bool find_candidate(const char *node, uint64_t fid, dev_t self,
			   char *path, size_t size)
{
	struct dmr_sb sb;
	struct stat st;
	bool found;
	int fd;

	if (stat(node, &st) || (S_ISBLK(st.st_mode) && st.st_rdev == self))
		return false;
	fd = open(node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	found = !dmri_read_sb(fd, &sb) && sb.format_id == fid;
	close(fd);
	if (found)
		snprintf(path, size, "%s", node);
	return found;
}

struct find {
	struct dmr_ctx *ctx;
	uint64_t fid;
	dev_t self;
	char path[PATH_MAX];
};

static int find_one(unsigned int major, unsigned int minor, const char *kname,
		    void *data)
{
	struct find *f = data;
	char sys[PATH_MAX], v[16] = "", node[PATH_MAX];
	FILE *fp;

	(void)kname;
	/* A suspended device-mapper device would hang the read. */
	snprintf(sys, sizeof(sys), "%s/dev/block/%u:%u/dm/suspended",
		 dmri_sysfs(f->ctx), major, minor);
	fp = fopen(sys, "re");
	if (fp) {
		if (!fgets(v, sizeof(v), fp))
			v[0] = '\0';
		fclose(fp);
		if (v[0] == '1')
			return 0;
	}
	dmri_devpath(major, minor, node, sizeof(node));
	return node[0] && find_candidate(node, f->fid, f->self, f->path,
					 sizeof(f->path));
}

/* Where the spare with format id @fid is ("" if nowhere). */
static void find_format_id(struct dmr_ctx *ctx, uint64_t fid, dev_t self,
			   char *path, size_t size)
{
	struct dmr_ctx scratch = { .error = "" };
	struct find f = { .ctx = &scratch, .fid = fid, .self = self };
	size_t i;

	path[0] = '\0';
	if (dmri_move_candidates) {
		for (i = 0; dmri_move_candidates[i]; i++)
			if (find_candidate(dmri_move_candidates[i], fid, self, path, size))
				return;
		return;
	}
	memcpy(scratch.sysfs, ctx->sysfs, sizeof(scratch.sysfs));
	if (dmri_for_each_blockdev(&scratch, find_one, &f) == 1)
		snprintf(path, size, "%s", f.path);
}

int dmri_check_moved(struct dmr_ctx *ctx, int fd, const char *path)
{
	unsigned char raw[2][BS];
	char where[PATH_MAX];
	struct dmr_sb sb;
	struct stat st;
	uint64_t fid;
	int win;

	win = read_raw_sb(fd, raw, &sb);
	if (win < 0)
		return 0;
	fid = dmri_move_record(raw[win]);
	if (!fid)
		return 0;
	find_format_id(ctx, fid, !fstat(fd, &st) ? st.st_rdev : 0, where, sizeof(where));
	if (where[0])
		return dmri_fail(ctx, EINVAL,
				 "spare %s was moved to %s (format id %016" PRIx64
				 ") by dmremapctl spare-move: use that one (running the spare-move again finishes it)",
				 path, where, fid);
	dmri_log(ctx, DMR_LOG_NOTICE,
		 "spare %s records a move to format id %016" PRIx64
		 " that did not finish (no valid spare has it): using %s",
		 path, fid, path);
	return 0;
}

/* --------------------------------------------------------------- move */

struct mv {
	struct dmr_ctx *ctx;
	const char *name, *new_path;
	struct dmr_move_opts a;
	char main_path[PATH_MAX], old_path[PATH_MAX], tab_path[PATH_MAX];
	char tab_spare[PATH_MAX];	/* the tab's spec of the old spare */
	int mfd, ofd, nfd;
	dev_t main_rdev, old_rdev, new_rdev;
	uint64_t new_size;
	uint32_t new_lbs, new_pbs;
	/* The device, if it was active. */
	bool was_active, suppress;
	bool removed, committed;	/* by this run */
	char dm_uuid[DMR_UUID_LEN + 1];
	uint64_t live_remapped, live_pending;
	/* The old spare. */
	unsigned char (*oraw)[BS];
	int owin;
	struct dmr_sb osb;
	struct dmr_dump *dump;
	/* The new one. */
	struct dmr_sb nsb;
	void *buf;			/* RUN_MAX, aligned */
	unsigned long writes;
};

static int mv_write(struct mv *m, int fd, const char *dev, const void *buf,
		    size_t len, uint64_t off)
{
	ssize_t n;

	if (dmri_move_cut && m->writes >= dmri_move_cut)
		return dmri_fail(m->ctx, ECANCELED,
				 "stopped after %lu writes (test hook DMREMAP_TEST_CUT_WRITES)",
				 m->writes);
	errno = 0;
	n = dmri_io.pwrite(fd, buf, len, (off_t)off);
	if (n != (ssize_t)len)
		return dmri_fail(m->ctx, errno ? errno : EIO,
				 "cannot write %s at byte %" PRIu64 ": %s", dev, off,
				 strerror(errno ? errno : EIO));
	m->writes++;
	return 0;
}

static int mv_sync(struct mv *m, int fd, const char *dev)
{
	if (dmri_move_cut && m->writes >= dmri_move_cut)
		return 0;	/* nothing after the cut, not even a flush */
	if (dmri_io.fsync(fd))
		return dmri_fail(m->ctx, errno ? errno : EIO, "cannot flush %s: %s", dev,
				 strerror(errno ? errno : EIO));
	return 0;
}

static int same_dev(const char *a, dev_t b)
{
	struct stat st;

	return !stat(a, &st) && S_ISBLK(st.st_mode) && st.st_rdev == b;
}

/* Main, old spare and how the device was, from the live table or the tab. */
static int find_devices(struct mv *m)
{
	struct dmri_dev d;
	struct dmr_status st = { .size = sizeof(st) };
	struct dmr_tab *tab = NULL;
	const struct dmr_tab_entry *e;
	int r;

	r = dmri_dm_info(m->ctx, m->name, &d);
	if (r)
		return r;
	if (d.exists) {
		r = dmr_status(m->ctx, m->name, &st);
		if (r)
			return r;
		if (!st.main.path[0] || !st.spare.path[0])
			return dmri_fail(m->ctx, ENOENT, "'%s': no /dev node for main %u:%u or spare %u:%u",
					 m->name, st.main.major, st.main.minor,
					 st.spare.major, st.spare.minor);
		snprintf(m->main_path, sizeof(m->main_path), "%s", st.main.path);
		snprintf(m->old_path, sizeof(m->old_path), "%s", st.spare.path);
		snprintf(m->dm_uuid, sizeof(m->dm_uuid), "%s", st.uuid);
		m->was_active = true;
		m->suppress = st.suppress;
		m->live_remapped = st.remapped;
		m->live_pending = st.pending;
		return 0;
	}
	if (m->a.main_dev && m->a.old_spare) {
		snprintf(m->main_path, sizeof(m->main_path), "%s", m->a.main_dev);
		snprintf(m->old_path, sizeof(m->old_path), "%s", m->a.old_spare);
		return 0;
	}
	if (!m->tab_path[0])
		return dmri_fail(m->ctx, ENXIO,
				 "'%s' is not active: name its main and old spare (no dmremaptab to look in)",
				 m->name);
	r = dmr_tab_read(m->ctx, m->tab_path, &tab);
	if (r == -ENOENT || (!r && !(e = dmr_tab_find(tab, m->name)))) {
		dmr_tab_free(tab);
		return dmri_fail(m->ctx, ENXIO,
				 "'%s' is neither active nor in %s: name its main and old spare",
				 m->name, m->tab_path);
	}
	if (r)
		return r;
	snprintf(m->tab_spare, sizeof(m->tab_spare), "%s", e->spare);
	r = dmr_resolve_device(m->ctx, e->main, false, m->main_path, sizeof(m->main_path));
	if (!r) {
		r = dmr_resolve_device(m->ctx, e->spare, true, m->old_path,
				       sizeof(m->old_path));
		if (r == -ENOENT) {	/* retired already? */
			dmri_clear(m->ctx);
			m->old_path[0] = '\0';
			r = 0;
		}
	}
	dmr_tab_free(tab);
	return r;
}

/* The slot size, layout and fit of the new spare. */
static int plan_new(struct mv *m, uint32_t bs)
{
	struct dmr_sb *n = &m->nsb;
	int align = 0;

	if (m->new_lbs > bs || m->new_lbs > BS)
		return dmri_fail(m->ctx, EINVAL,
				 "new spare %s has %u-byte logical blocks, more than the device's %u-byte blocks",
				 m->new_path, m->new_lbs, bs);
	n->slot_size = m->new_pbs > bs ? m->new_pbs : bs;
	if (n->slot_size > 65536)
		n->slot_size = 65536;
	if (n->slot_size > bs && !ioctl(m->nfd, BLKALIGNOFF, &align) && align)
		return dmri_fail(m->ctx, EINVAL,
				 "new spare %s is not aligned to its %u-byte physical blocks (repartition it)",
				 m->new_path, m->new_pbs);
	n->spare_sectors = m->new_size >> 9;
	if (dmr_geometry(n->spare_sectors, n->slot_size, &n->geo))
		return dmri_fail(m->ctx, ENOSPC,
				 "new spare %s (%" PRIu64 " sectors) is too small for dm-remap metadata",
				 m->new_path, n->spare_sectors);
	return 0;
}

static int check_fit(struct mv *m, uint64_t remapped, uint64_t pending)
{
	if (remapped > m->nsb.geo.remap_slots || pending > m->nsb.geo.pending_slots)
		return dmri_fail(m->ctx, ENOSPC,
				 "new spare %s holds %" PRIu64 " spare blocks and %" PRIu64
				 " pending entries; '%s' has %" PRIu64 " remapped and %" PRIu64 " pending",
				 m->new_path, m->nsb.geo.remap_slots, m->nsb.geo.pending_slots,
				 m->name, remapped, pending);
	return 0;
}

/* What NEWSPARE holds: nothing of ours to lose, or a confirmation. */
static int check_new(struct mv *m, uint64_t record, bool *committed)
{
	unsigned char raw[2][BS];
	char what[512], question[1024];
	struct dmr_sb sb;
	uint64_t fid = 0;
	bool other = false;
	int win, r;

	*committed = false;
	win = read_raw_sb(m->nfd, raw, &sb);
	if (win >= 0) {
		if (record && sb.format_id == record) {
			*committed = true;
			m->nsb = sb;
			return 0;
		}
		other = true;
		fid = sb.format_id;
	} else if (dmr_sb_has_magic(raw[0]) || dmr_sb_has_magic(raw[1])) {
		/* A torn superblock of this very move is ours to redo. */
		memcpy(&fid, raw[dmr_sb_has_magic(raw[0]) ? 0 : 1] + 24, 8);
		fid = le64toh(fid);
		other = !record || fid != record;
	}
	if (other && !(m->a.flags & DMR_MOVE_FORCE))
		return dmri_fail(m->ctx, EEXIST,
				 "new spare %s carries dm-remap metadata (format id %016" PRIx64
				 "): the spare of another device? (--force overwrites it)",
				 m->new_path, fid);
	r = dmri_probe_fd(m->ctx, m->nfd, m->new_path, what, sizeof(what), false);
	if (r < 0)
		return r;
	if (!r && !other)
		return 0;
	snprintf(question, sizeof(question),
		 "new spare %s holds %s.\nMoving the spare of %s onto it destroys that.",
		 m->new_path, r ? what : "dm-remap metadata", m->name);
	if (!m->ctx->confirm_fn || !m->ctx->confirm_fn(question, m->ctx->confirm_data))
		return dmri_fail(m->ctx, ECANCELED,
				 "new spare %s holds %s: not used without confirmation (nothing was written)",
				 m->new_path, r ? what : "dm-remap metadata");
	if (r) {
		r = dmri_probe_fd(m->ctx, m->nfd, m->new_path, what, sizeof(what), true);
		if (r < 0)
			return r;
	}
	return 0;
}

static uint64_t new_format_id(uint64_t not)
{
	uint64_t id = 0;

	while (!id || id == not)
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = ((uint64_t)time(NULL) << 32) ^ (uint64_t)getpid() ^ not ^
			     (uint64_t)(uintptr_t)&id;
	return id;
}

/* The new superblock from the old one (the layout is already planned). */
static void fill_new_sb(struct mv *m, uint64_t nr_remap, uint64_t nr_pend)
{
	const struct dmr_sb *o = &m->osb;
	struct dmr_sb *n = &m->nsb;
	char prefix[40];
	size_t k;
	uint64_t sectors;

	n->version = DMR_FORMAT_VERSION;
	n->generation = 2;
	n->format_id = new_format_id(o->format_id);
	n->block_size = o->block_size;
	n->main_blocks = o->main_blocks;
	n->created = (uint64_t)time(NULL);
	n->remap_meta_used = (uint32_t)((nr_remap + DMR_ENTRIES_PER_BLOCK - 1) /
					DMR_ENTRIES_PER_BLOCK);
	n->pending_meta_used = (uint32_t)((nr_pend + DMR_ENTRIES_PER_BLOCK - 1) /
					  DMR_ENTRIES_PER_BLOCK);
	/* The default uuid names the format id: it follows the new one. */
	k = (size_t)snprintf(prefix, sizeof(prefix), "%s%016" PRIx64 "-",
			     DMRI_UUID_PREFIX, o->format_id);
	if (!strncmp(o->uuid, prefix, k))
		dmri_strf(n->uuid, sizeof(n->uuid), "%s%016" PRIx64 "-%s",
			  DMRI_UUID_PREFIX, n->format_id, o->uuid + k);
	else
		snprintf(n->uuid, sizeof(n->uuid), "%s", o->uuid);
	if (o->main_id[0]) {
		snprintf(n->main_id, sizeof(n->main_id), "%s", o->main_id);
		n->main_sectors = o->main_sectors;
	} else {
		if (dmr_device_identity(m->ctx, m->main_path, n->main_id, &sectors))
			n->main_id[0] = '\0';
		else
			n->main_sectors = sectors;
		dmri_clear(m->ctx);
	}
}

static int cmp_spare(const void *pa, const void *pb)
{
	const struct dmr_entry *a = pa, *b = pb;

	return a->spare_block < b->spare_block ? -1 : a->spare_block > b->spare_block;
}

/* Step 2: the remapped blocks, in the old spare's order. */
static int copy_blocks(struct mv *m, struct dmr_entry *e, size_t n)
{
	uint64_t oslot = m->osb.slot_size, nslot = m->nsb.slot_size;
	uint32_t bs = m->osb.block_size;
	size_t i = 0, j, t;
	ssize_t got;
	int r;

	qsort(e, n, sizeof(*e), cmp_spare);
	while (i < n) {
		/* A run of consecutive old slots, one read (and one write when
		 * the slots are as far apart on both spares). */
		for (j = i + 1; j < n && e[j].spare_block == e[j - 1].spare_block + 1 &&
		     (j - i + 1) * oslot <= RUN_MAX; j++)
			;
		errno = 0;
		got = dmri_io.pread(m->ofd, m->buf, (j - i) * oslot,
				    (off_t)((m->osb.geo.data_start << 9) + e[i].spare_block * oslot));
		if (got != (ssize_t)((j - i) * oslot))
			return dmri_fail(m->ctx, errno ? errno : EIO,
					 "cannot read spare blocks %" PRIu64 "-%" PRIu64
					 " (main blocks %" PRIu64 "...) of %s: %s; nothing was committed, %s is unchanged",
					 e[i].spare_block, e[j - 1].spare_block, e[i].block,
					 m->old_path, strerror(errno ? errno : EIO), m->old_path);
		if (oslot == nslot) {
			r = mv_write(m, m->nfd, m->new_path, m->buf, (j - i) * nslot,
				     (m->nsb.geo.data_start << 9) + i * nslot);
			if (r)
				return r;
		} else {
			for (t = i; t < j; t++) {
				r = mv_write(m, m->nfd, m->new_path,
					     (char *)m->buf + (t - i) * oslot, bs,
					     (m->nsb.geo.data_start << 9) + t * nslot);
				if (r)
					return r;
			}
		}
		i = j;
	}
	return mv_sync(m, m->nfd, m->new_path);
}

/* Step 3: the table blocks in use, copy A then copy B. */
static int write_table(struct mv *m, const struct dmr_entry *e, size_t n)
{
	const struct dmr_sb *sb = &m->nsb;
	uint32_t ru = sb->remap_meta_used, pu = sb->pending_meta_used, i, idx;
	uint64_t *rs, *ps, nr = 0, np = 0, sector;
	size_t k;
	int c, r = 0;

	rs = calloc((size_t)ru * DMR_ENTRIES_PER_BLOCK + 1, sizeof(*rs));
	ps = calloc((size_t)pu * DMR_ENTRIES_PER_BLOCK + 1, sizeof(*ps));
	if (!rs || !ps) {
		free(rs);
		free(ps);
		return dmri_fail(m->ctx, ENOMEM, "out of memory");
	}
	for (k = 0; k < n; k++) {
		if (e[k].state == DMR_ENTRY_REMAPPED)
			rs[nr++] = DMR_SLOT(e[k].block, DMR_SLOT_REMAPPED);
		else
			ps[np++] = DMR_SLOT(e[k].block, DMR_PSLOT_PENDING);
	}
	for (c = 0; c < 2 && !r; c++) {
		for (i = 0; i < ru + pu && !r; i++) {
			idx = i < ru ? i : sb->geo.remap_meta_blocks + (i - ru);
			dmr_meta_encode(m->buf, sb, 2, idx,
					i < ru ? rs + (uint64_t)i * DMR_ENTRIES_PER_BLOCK :
					ps + (uint64_t)(i - ru) * DMR_ENTRIES_PER_BLOCK);
			sector = (c ? sb->geo.meta_b : DMR_META_A_SECTOR) +
				 (uint64_t)idx * DMR_META_BLOCK_SECTORS;
			r = mv_write(m, m->nfd, m->new_path, m->buf, BS, sector << 9);
		}
		if (!r)
			r = mv_sync(m, m->nfd, m->new_path);
	}
	free(rs);
	free(ps);
	return r;
}

/* Step 4: the old spare's superblocks with the move record. */
static int write_record(struct mv *m)
{
	struct dmr_sb sb = m->osb;
	int c, r = 0;

	sb.generation++;
	for (c = 0; c < 2 && !r; c++) {
		dmr_sb_encode(&sb, m->buf);
		set_move_record(m->buf, m->nsb.format_id);
		r = mv_write(m, m->ofd, m->old_path, m->buf, BS,
			     (c ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR) << 9);
		if (!r)
			r = mv_sync(m, m->ofd, m->old_path);
	}
	return r;
}

/* Step 5 (superblocks of @fd from @sb) and step 6 (@sb NULL: zeros). */
static int write_sbs(struct mv *m, int fd, const char *dev, const struct dmr_sb *sb)
{
	int c, r = 0;

	for (c = 0; c < 2 && !r; c++) {
		if (sb)
			dmr_sb_encode(sb, m->buf);
		else
			memset(m->buf, 0, BS);
		r = mv_write(m, fd, dev, m->buf, BS, (c ? DMR_SB_B_SECTOR : DMR_SB_A_SECTOR) << 9);
		if (!r)
			r = mv_sync(m, fd, dev);
	}
	return r;
}

/* Step 7: the dmremaptab line of the device names the new spare. */
static int update_tab(struct mv *m, uint64_t old_fid)
{
	char spec[PATH_MAX + 16], real[PATH_MAX], *text, *out, *p;
	const struct dmr_tab_entry *e;
	struct dmr_tab *tab = NULL;
	size_t f0, f1, k, n;
	unsigned int line;
	struct stat st;
	int r;

	if (!m->tab_path[0])
		return 0;
	r = dmri_read_file(m->ctx, m->tab_path, &text);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	r = dmr_tab_parse(m->ctx, text, m->tab_path, &tab);
	e = r ? NULL : dmr_tab_find(tab, m->name);
	if (!e) {
		dmr_tab_free(tab);
		free(text);
		return r;
	}
	if (!strncmp(e->spare, "FORMAT_ID=", 10) &&
	    strtoull(e->spare + 10, NULL, 16) == m->nsb.format_id)
		goto done;		/* updated before */
	if (e->spare[0] == '/' && same_dev(e->spare, m->new_rdev))
		goto done;
	if (!strncmp(e->spare, "FORMAT_ID=", 10)) {
		if (strtoull(e->spare + 10, NULL, 16) != old_fid)
			goto keep;
		snprintf(spec, sizeof(spec), "FORMAT_ID=%016" PRIx64, m->nsb.format_id);
	} else {
		if (e->spare[0] == '/' ? !same_dev(e->spare, m->old_rdev) :
		    dmr_device_matches(m->ctx, e->spare, m->old_path) != 1)
			goto keep;
		if (m->new_path[0] == '/' || !realpath(m->new_path, real))
			snprintf(real, sizeof(real), "%s", m->new_path);
		snprintf(spec, sizeof(spec), "%s", real);
	}
	/* The third field of line e->line, replaced in the text. */
	for (p = text, line = 1; line < e->line && (p = strchr(p, '\n')); line++)
		p++;
	if (!p)
		goto keep;
	for (f0 = 0, k = 0; k < 3; k++) {
		f0 += strspn(p + f0, " \t");
		f1 = f0 + strcspn(p + f0, " \t\n");
		if (k < 2)
			f0 = f1;
	}
	if (f1 - f0 != strlen(e->spare) || strncmp(p + f0, e->spare, f1 - f0))
		goto keep;
	n = strlen(text) - (f1 - f0) + strlen(spec);
	out = malloc(n + 1);
	if (!out) {
		r = dmri_fail(m->ctx, ENOMEM, "out of memory");
		goto done;
	}
	k = (size_t)(p - text) + f0;
	memcpy(out, text, k);
	strcpy(out + k, spec);
	strcat(out, p + f1);
	r = dmri_write_file(m->ctx, m->tab_path, out, strlen(out));
	free(out);
	if (!r) {
		if (!stat(m->tab_path, &st))
			chmod(m->tab_path, 0644);
		dmri_log(m->ctx, DMR_LOG_NOTICE, "%s line %u: spare %s is now %s",
			 m->tab_path, e->line, e->spare, spec);
	}
	goto done;
keep:
	dmri_log(m->ctx, DMR_LOG_WARNING,
		 "%s line %u names spare %s, not the old spare %s: left as it is",
		 m->tab_path, e->line, e->spare, m->old_path);
done:
	dmr_tab_free(tab);
	free(text);
	return r;
}

static void close_all(struct mv *m)
{
	if (m->mfd >= 0)
		close(m->mfd);
	if (m->ofd >= 0)
		close(m->ofd);
	if (m->nfd >= 0)
		close(m->nfd);
	m->mfd = m->ofd = m->nfd = -1;
}

/* After the commit: retire the old spare, update the tab. */
static int finish(struct mv *m, bool retire)
{
	int r = 0;

	if (retire) {
		r = write_sbs(m, m->ofd, m->old_path, NULL);
		if (r)
			return r;
		dmri_log(m->ctx, DMR_LOG_NOTICE,
			 "old spare %s retired (its superblocks are erased)", m->old_path);
	}
	return update_tab(m, m->osb.format_id);
}

/* Create the device again on the new spare, as it was. */
static int activate(struct mv *m, const struct dmr_sb *sb)
{
	struct dmr_create_opts o = { .size = sizeof(o),
				     .suppress = m->suppress ? DMR_SUPPRESS_ON :
						 DMR_SUPPRESS_OFF };
	char prefix[40], legacy[DMR_UUID_LEN + 16];

	snprintf(prefix, sizeof(prefix), "%s%016" PRIx64 "-", DMRI_UUID_PREFIX,
		 m->osb.format_id);
	snprintf(legacy, sizeof(legacy), "%s%s", DMRI_UUID_PREFIX, m->name);
	if (sb->uuid[0] && strncmp(sb->uuid, DMRI_UUID_PREFIX, strlen(DMRI_UUID_PREFIX)))
		o.uuid = sb->uuid;		/* a uuid of the user's */
	else if (!sb->uuid[0] && m->dm_uuid[0] && strcmp(m->dm_uuid, legacy) &&
		 strncmp(m->dm_uuid, prefix, strlen(prefix)))
		o.uuid = m->dm_uuid;
	return dmr_create(m->ctx, m->name, m->main_path, m->new_path, &o);
}

/*
 * The old spare has no superblock (or the tab's FORMAT_ID= is nowhere):
 * if the new spare is a valid spare of this main, a move committed and
 * retired the old one before; only the tab may still be behind.
 */
static int finished_before(struct mv *m)
{
	char id[DMR_ID_MAX + 1] = "";
	const char *old = m->old_path[0] ? m->old_path : m->tab_spare;
	uint64_t sectors = 0;
	struct dmr_sb nsb;

	if (dmri_read_sb(m->nfd, &nsb))
		return dmri_fail(m->ctx, ENODATA, "old spare %s has no valid dm-remap superblock",
				 old);
	if (dmr_device_identity(m->ctx, m->main_path, id, &sectors))
		id[0] = '\0';
	dmri_clear(m->ctx);
	if (nsb.main_id[0] && id[0] && strcmp(nsb.main_id, id) &&
	    dmr_identity_is_strong(nsb.main_id) && dmr_identity_is_strong(id))
		return dmri_fail(m->ctx, EINVAL,
				 "old spare %s has no dm-remap superblock, and %s is the spare of another main (%s, not %s)",
				 old, m->new_path, nsb.main_id, id);
	dmri_log(m->ctx, DMR_LOG_NOTICE,
		 "old spare %s has no dm-remap superblock and %s has one (format id %016"
		 PRIx64 "): the move finished before", old, m->new_path, nsb.format_id);
	m->nsb = nsb;
	if (!strncmp(m->tab_spare, "FORMAT_ID=", 10))
		m->osb.format_id = strtoull(m->tab_spare + 10, NULL, 16);
	return update_tab(m, m->osb.format_id);
}

/* Main and the old spare held exclusively, the old table read. */
static int hold(struct mv *m)
{
	struct dmr_sb sb;
	uint64_t size;
	uint32_t lbs;
	int r, w;

	r = dmri_open_path(m->ctx, m->main_path, false, true, &m->mfd, &size, &lbs);
	if (r)
		return r;
	r = dmr_dump(m->ctx, m->old_path, &m->dump);
	if (r)
		return r;
	r = dmri_open_path(m->ctx, m->old_path, true, true, &m->ofd, &size, &lbs);
	if (r)
		return r;
	w = read_raw_sb(m->ofd, m->oraw, &sb);
	if (w < 0 || sb.generation != m->osb.generation || sb.format_id != m->osb.format_id ||
	    m->dump->generation != sb.generation)
		return dmri_fail(m->ctx, EAGAIN,
				 "old spare %s changed while it was being read: try again",
				 m->old_path);
	m->owin = w;
	m->osb = sb;
	return 0;
}

/* Steps 2 and 3, with one order of the remapped blocks for both. */
static int copy_and_table(struct mv *m, uint64_t nr_remap, uint64_t nr_pend)
{
	struct dmr_entry *e = calloc(nr_remap + nr_pend + 1, sizeof(*e));
	size_t i, k = 0;
	int r;

	if (!e)
		return dmri_fail(m->ctx, ENOMEM, "out of memory");
	for (i = 0; i < m->dump->nr_entries; i++)
		if (dmr_dump_entry(m->dump, i)->state == DMR_ENTRY_REMAPPED)
			e[k++] = *dmr_dump_entry(m->dump, i);
	r = copy_blocks(m, e, nr_remap);
	for (i = 0; i < m->dump->nr_entries; i++)
		if (dmr_dump_entry(m->dump, i)->state == DMR_ENTRY_PENDING)
			e[k++] = *dmr_dump_entry(m->dump, i);
	if (!r)
		r = write_table(m, e, k);
	free(e);
	return r;
}

static int move(struct mv *m)
{
	struct stat st;
	uint64_t record, nr_remap = 0, nr_pend = 0;
	bool committed;
	size_t i;
	int r;

	r = find_devices(m);
	if (r)
		return r;
	if (!stat(m->main_path, &st) && S_ISBLK(st.st_mode))
		m->main_rdev = st.st_rdev;
	r = dmri_open_target(m->ctx, "new spare", m->new_path, dmri_move_files, &m->nfd,
			     &m->new_size, &m->new_lbs, &m->new_pbs);
	if (r == -EBUSY && m->old_path[0] && !stat(m->new_path, &st) &&
	    same_dev(m->old_path, st.st_rdev))
		return dmri_fail(m->ctx, EEXIST, "'%s' already uses %s as its spare",
				 m->name, m->new_path);
	if (r)
		return r;
	if (!fstat(m->nfd, &st) && S_ISBLK(st.st_mode))
		m->new_rdev = st.st_rdev;
	if (m->new_rdev && m->new_rdev == m->main_rdev)
		return dmri_fail(m->ctx, EINVAL, "new spare %s is the main device of '%s'",
				 m->new_path, m->name);
	if (m->old_path[0] && same_dev(m->old_path, m->new_rdev)) {
		if (m->was_active)
			return dmri_fail(m->ctx, EEXIST, "'%s' already uses %s as its spare",
					 m->name, m->new_path);
		dmri_log(m->ctx, DMR_LOG_NOTICE, "the spare of '%s' is %s already: nothing to move",
			 m->name, m->new_path);
		return 0;
	}
	/* The old spare, read without holding it (it may be live). */
	if (m->old_path[0]) {
		m->ofd = open(m->old_path, O_RDONLY | O_CLOEXEC);
		if (m->ofd < 0)
			return dmri_fail(m->ctx, errno, "cannot open old spare %s: %s",
					 m->old_path, strerror(errno));
		if (!fstat(m->ofd, &st) && S_ISBLK(st.st_mode))
			m->old_rdev = st.st_rdev;
		m->owin = read_raw_sb(m->ofd, m->oraw, &m->osb);
		close(m->ofd);
		m->ofd = -1;
	} else {
		m->owin = -1;
	}
	if (m->owin < 0)
		return finished_before(m);
	record = dmri_move_record(m->oraw[m->owin]);
	r = check_new(m, record, &committed);
	dmri_set_direct(m->nfd, true);
	if (!r && !committed)
		r = plan_new(m, m->osb.block_size);
	if (!r && !committed && m->was_active)
		r = check_fit(m, m->live_remapped, m->live_pending);
	if (r)
		return r;

	if (m->was_active) {
		r = dmr_remove(m->ctx, m->name);
		if (r == -EBUSY)
			return dmri_fail(m->ctx, EBUSY,
					 "'%s' is in use (mounted or open): stop using it first (nothing was changed)",
					 m->name);
		if (r)
			return r;
		m->removed = true;
		dmri_log(m->ctx, DMR_LOG_NOTICE, "removed '%s' for the move", m->name);
	}
	/* Hold main (so nothing activates the device), read, hold the spare. */
	r = hold(m);
	if (!r && committed) {
		m->committed = true;
		dmri_log(m->ctx, DMR_LOG_NOTICE,
			 "the move to %s (format id %016" PRIx64 ") was committed before: finishing it",
			 m->new_path, record);
		return finish(m, true);
	}
	for (i = 0; !r && i < m->dump->nr_entries; i++) {
		if (dmr_dump_entry(m->dump, i)->state == DMR_ENTRY_REMAPPED)
			nr_remap++;
		else
			nr_pend++;
	}
	if (!r)
		r = check_fit(m, nr_remap, nr_pend);
	if (r)
		return r;
	fill_new_sb(m, nr_remap, nr_pend);
	r = write_sbs(m, m->nfd, m->new_path, NULL);
	if (!r)
		r = copy_and_table(m, nr_remap, nr_pend);
	if (!r)
		r = write_record(m);
	if (!r)
		r = write_sbs(m, m->nfd, m->new_path, &m->nsb);
	if (r)
		return r;
	m->committed = true;
	dmri_log(m->ctx, DMR_LOG_NOTICE,
		 "moved %" PRIu64 " remapped blocks and %" PRIu64 " pending entries to %s (format id %016"
		 PRIx64 ", %" PRIu64 " spare blocks of %u bytes)", nr_remap, nr_pend,
		 m->new_path, m->nsb.format_id, m->nsb.geo.remap_slots, m->nsb.slot_size);
	return finish(m, true);
}

DMR_EXPORT int dmr_spare_move(struct dmr_ctx *ctx, const char *name,
			      const char *new_spare, const struct dmr_move_opts *opts)
{
	struct mv m = { .ctx = ctx, .name = name, .new_path = new_spare,
			.mfd = -1, .ofd = -1, .nfd = -1 };
	const char *cut = getenv("DMREMAP_TEST_CUT_WRITES");
	unsigned long saved_cut = dmri_move_cut;
	int r;

	dmri_clear(ctx);
	if (opts) {
		r = dmri_opts_in(ctx, &m.a, sizeof(m.a), opts, "spare-move");
		if (r)
			return r;
	}
	if (m.a.flags & ~DMR_MOVE_FORCE)
		return dmri_fail(ctx, EINVAL, "unknown flags %#x", m.a.flags);
	if (!name || !*name)
		return dmri_fail(ctx, EINVAL, "no device name given");
	if (!new_spare || !*new_spare)
		return dmri_fail(ctx, EINVAL, "no new spare given");
	if (!!m.a.main_dev != !!m.a.old_spare)
		return dmri_fail(ctx, EINVAL, "give both the main and the old spare, or neither");
	snprintf(m.tab_path, sizeof(m.tab_path), "%s", m.a.tab ? m.a.tab : DMR_TAB_PATH);
	if (cut && *cut && !dmri_move_cut)
		dmri_move_cut = strtoul(cut, NULL, 10);
	if (posix_memalign(&m.buf, 4096, RUN_MAX) ||
	    posix_memalign((void **)&m.oraw, 4096, 2 * BS)) {
		free(m.buf);
		return dmri_fail(ctx, ENOMEM, "out of memory");
	}
	r = move(&m);
	close_all(&m);
	if (m.removed && (!r || !(dmri_move_cut && m.writes >= dmri_move_cut))) {
		char why[sizeof(ctx->error)];
		int c;

		/* Back on the spare that holds the table now (not after a cut:
		 * a crash would not either). */
		snprintf(why, sizeof(why), "%s", ctx->error);
		if (!m.committed)
			m.new_path = m.old_path;
		c = activate(&m, m.committed ? &m.nsb : &m.osb);
		if (!c && !r)
			dmri_log(ctx, DMR_LOG_NOTICE, "created '%s' again, on %s", name,
				 m.new_path);
		else if (!c)
			dmri_fail(ctx, r, "%s\n'%s' was created again on %s", why, name,
				  m.new_path);
		else if (!r)
			r = c;
		else
			dmri_fail(ctx, r, "%s\n'%s' was removed for the move and could not be created again: run the same spare-move again",
				  why, name);
	} else if (r && m.removed) {
		char why[sizeof(ctx->error)];

		snprintf(why, sizeof(why), "%s", ctx->error);
		dmri_fail(ctx, r, "%s\n'%s' was removed for the move: run the same spare-move again to finish it, then create or assemble '%s'",
			  why, name, name);
	}
	dmri_move_cut = saved_cut;
	dmr_dump_free(m.dump);
	free(m.buf);
	free(m.oraw);
	return r;
}
