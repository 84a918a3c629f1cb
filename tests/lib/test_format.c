// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The userspace format and the guards around it, on loop devices of the
 * host with the real libblkid (images made with mkfs.ext4 and sfdisk):
 * geometry for 512, 4096 and 512e spares, the confirmation, the wipe of
 * old signatures, MAIN and SPARE swapped, the main's identity recorded and
 * checked, spares formatted by the kernel (no identity).  device-mapper is
 * fake_dm.c.  Tests needing loop devices skip when none can be attached.
 */
#include <fcntl.h>
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
#include "dmr-internal.h"
#include "fake_dm.h"

#define MAIN_SECTORS 16384		/* 8 MiB */
#define SPARE_SECTORS 4096		/* 2 MiB */

static struct dmr_ctx *ctx;
static char files[6][64], loops[6][64];
static unsigned int nr_files, nr_loops;
static char notes[4096];
static int confirm_answer, confirm_calls;
static char question[1024];

static void note(int level, const char *msg, void *data)
{
	(void)data;
	assert_int_equal(level, DMR_LOG_NOTICE);
	snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%s\n", msg);
}

static bool confirm(const char *q, void *data)
{
	(void)data;
	confirm_calls++;
	snprintf(question, sizeof(question), "%s", q);
	return confirm_answer;
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	nr_files = nr_loops = 0;
	notes[0] = question[0] = '\0';
	confirm_answer = confirm_calls = 0;
	if (dmr_ctx_new(&ctx))
		return -1;
	dmr_set_log_fn(ctx, note, NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	unsigned int i;

	(void)state;
	for (i = 0; i < nr_loops; i++) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", loops[i]);
		assert_int_equal(system(cmd), 0);
	}
	for (i = 0; i < nr_files; i++)
		unlink(files[i]);
	dmr_ctx_free(ctx);
	fake_cleanup();
	return 0;
}

static const char *new_file(uint64_t sectors)
{
	char *f = files[nr_files++];
	int fd;

	snprintf(f, sizeof(files[0]), "/tmp/dmr-format-XXXXXX");
	fd = mkstemp(f);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(sectors << 9)), 0);
	close(fd);
	return f;
}

static const char *loop(const char *file, unsigned int ss)
{
	char cmd[160], *dev = loops[nr_loops];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "losetup -f --show --sector-size %u %s 2>/dev/null",
		 ss, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(dev, sizeof(loops[0]), p)) {
		pclose(p);
		skip();
	}
	dev[strcspn(dev, "\n")] = '\0';
	if (pclose(p) || !*dev)
		skip();
	nr_loops++;
	return dev;
}

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		skip();		/* mkfs.ext4 or sfdisk missing */
}

/* A cheap checksum of a whole device, read through a fresh descriptor. */
static uint64_t sum(const char *dev)
{
	unsigned char buf[65536];
	uint64_t h = 1469598103934665603ULL;
	ssize_t n, i;
	int fd = open(dev, O_RDONLY);

	assert_true(fd >= 0);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ULL;
	close(fd);
	return h;
}

static void read_sb(const char *dev, int copy, struct dmr_sb *sb)
{
	unsigned char buf[DMR_META_BLOCK_SIZE];
	const char *why = "";
	int fd = open(dev, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), copy * DMR_META_BLOCK_SIZE),
			 sizeof(buf));
	close(fd);
	if (dmr_sb_decode(buf, sb, &why))
		fail_msg("superblock %c: %s", 'A' + copy, why);
}

#define has(s) do { \
	if (!strstr(dmr_error(ctx), s)) \
		fail_msg("error '%s' lacks '%s'", dmr_error(ctx), s); \
} while (0)
#define noted(s) do { \
	if (!strstr(notes, s)) \
		fail_msg("notes '%s' lack '%s'", notes, s); \
} while (0)

static const struct dmr_create_opts force = {
	.size = sizeof(struct dmr_create_opts), .flags = DMR_CREATE_FORCE,
};
static const struct dmr_create_opts fmt = { .size = sizeof(struct dmr_create_opts), .suppress = DMR_SUPPRESS_DEFAULT,
					    .format = true };

/* Format @spare for @main; the superblock (both copies equal) in @sb. */
static void format(const char *name, const char *main, const char *spare,
		   struct dmr_sb *sb)
{
	struct dmr_sb b;

	assert_int_equal(dmr_create(ctx, name, main, spare, &fmt), 0);
	read_sb(spare, 0, sb);
	read_sb(spare, 1, &b);
	assert_memory_equal(sb, &b, sizeof(b));
}

/* The layout is the codec's for (spare size, slot size): geometry. */
static void check_layout(const struct dmr_sb *sb, uint64_t spare_sectors,
			 uint32_t bs, uint32_t slot)
{
	struct dmr_geometry g;

	assert_int_equal(sb->version, DMR_FORMAT_VERSION);
	assert_int_equal(sb->block_size, bs);
	assert_int_equal(sb->slot_size, slot);
	assert_int_equal(sb->spare_sectors, spare_sectors);
	assert_int_equal(dmr_geometry(spare_sectors, slot, &g), 0);
	assert_memory_equal(&sb->geo, &g, sizeof(g));
	assert_int_equal(sb->generation, 1);
	assert_int_equal(sb->remap_meta_used, 0);
	assert_int_equal(sb->pending_meta_used, 0);
	assert_int_equal(sb->state, 0);
	assert_true(sb->format_id != 0);
}

static void test_geometry_512_4096_512e(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *m4 = loop(new_file(MAIN_SECTORS), 4096);
	const char *s = loop(new_file(SPARE_SECTORS), 512);
	const char *s4 = loop(new_file(SPARE_SECTORS), 4096);
	struct dmr_sb sb;
	char uuid[64];

	(void)state;
	format("a", m, s, &sb);
	check_layout(&sb, SPARE_SECTORS, 512, 512);
	assert_int_equal(sb.main_blocks, MAIN_SECTORS);
	snprintf(uuid, sizeof(uuid), "DMREMAP-%016llx-a", (unsigned long long)sb.format_id);
	assert_string_equal(sb.uuid, uuid);
	assert_string_equal(fake_find("a")->uuid, uuid);
	noted("formatted spare");

	format("b", m4, s4, &sb);
	check_layout(&sb, SPARE_SECTORS, 4096, 4096);
	assert_int_equal(sb.main_blocks, MAIN_SECTORS / 8);

	/* 512e: 512-byte logical, 4096-byte physical blocks. */
	ctx->test_pbs = 4096;
	fake_reset();
	format("c", m, loop(new_file(SPARE_SECTORS), 512), &sb);
	check_layout(&sb, SPARE_SECTORS, 512, 4096);
	assert_int_equal(sb.geo.data_start % 8, 0);
	ctx->test_pbs = 0;
}

static void test_ext4_spare_needs_confirmation(void **state)
{
	const char *sf = new_file(SPARE_SECTORS);
	const char *m = loop(new_file(MAIN_SECTORS), 512), *s;
	uint64_t before_m, before_s;
	char what[512];
	struct dmr_sb sb;

	(void)state;
	sh("mkfs.ext4 -qF -L oldfs %s >/dev/null 2>&1", sf);
	s = loop(sf, 512);
	assert_int_equal(dmr_probe_signatures(ctx, s, what, sizeof(what)), 1);
	assert_non_null(strstr(what, "an ext4 filesystem (UUID "));
	assert_non_null(strstr(what, "LABEL oldfs"));
	before_m = sum(m);
	before_s = sum(s);

	/* Without a confirm function: refused, nothing written. */
	assert_int_equal(dmr_create(ctx, "r", m, s, &fmt), -ECANCELED);
	has("holds an ext4 filesystem");
	has("not formatted without confirmation (nothing was written)");
	/* The confirm function says no. */
	dmr_set_confirm_fn(ctx, confirm, NULL);
	assert_int_equal(dmr_create(ctx, "r", m, s, &fmt), -ECANCELED);
	assert_int_equal(confirm_calls, 1);
	assert_non_null(strstr(question, "holds an ext4 filesystem"));
	assert_non_null(strstr(question, "destroys that"));
	assert_null(fake_find("r"));
	assert_true(sum(m) == before_m);
	assert_true(sum(s) == before_s);

	/* Without --format, the hint never suggests formatting it. */
	assert_int_equal(dmr_create(ctx, "r", m, s, NULL), -EINVAL);
	has("it holds an ext4 filesystem");
	has("is it the right disk?");
	if (strstr(dmr_error(ctx), "create --format"))
		fail_msg("a hint to format a filesystem: %s", dmr_error(ctx));

	/* Yes: formatted, and the ext4 signature is gone. */
	confirm_answer = 1;
	format("r", m, s, &sb);
	check_layout(&sb, SPARE_SECTORS, 512, 512);
	assert_int_equal(confirm_calls, 2);
	assert_int_equal(dmr_probe_signatures(ctx, s, what, sizeof(what)), 1);
	if (strstr(what, "ext4"))
		fail_msg("ext4 still found: %s", what);
	assert_non_null(strstr(what, "a dm-remap superblock (format id "));
	assert_true(sum(m) == before_m);
}

static void test_partition_table_spare(void **state)
{
	const char *sf = new_file(SPARE_SECTORS);
	const char *m = loop(new_file(MAIN_SECTORS), 512), *s;
	char what[512];

	(void)state;
	sh("echo 'label: gpt' | sfdisk -q %s >/dev/null 2>&1", sf);
	s = loop(sf, 512);
	assert_int_equal(dmr_probe_signatures(ctx, s, what, sizeof(what)), 1);
	assert_non_null(strstr(what, "a gpt partition table"));
	assert_int_equal(dmr_create(ctx, "r", m, s, &fmt), -ECANCELED);
	has("holds a gpt partition table");
	/* A blank device holds nothing. */
	assert_int_equal(dmr_probe_signatures(ctx, m, what, sizeof(what)), 0);
	assert_string_equal(what, "");
}

static void test_swapped(void **state)
{
	const char *data = loop(new_file(MAIN_SECTORS), 512);
	const char *spare = loop(new_file(SPARE_SECTORS * 4), 512);
	const char *other = loop(new_file(SPARE_SECTORS * 4), 512);
	uint64_t before_d, before_s;
	struct dmr_sb sb;

	(void)state;
	format("safe", data, spare, &sb);
	fake_reset();
	sh("mkfs.ext4 -qF %s >/dev/null 2>&1", data);
	before_d = sum(data);
	before_s = sum(spare);
	/* NAME SPARE MAIN: the spare is given as main. */
	assert_int_equal(dmr_create(ctx, "safe", spare, data, NULL), -EINVAL);
	has("MAIN and SPARE swapped?");
	assert_int_equal(dmr_create(ctx, "safe", spare, data, &fmt), -EINVAL);
	has("MAIN and SPARE swapped?");
	has("nothing was written");
	dmr_set_confirm_fn(ctx, confirm, NULL);
	confirm_answer = 1;
	assert_int_equal(dmr_create(ctx, "safe", spare, other, &fmt), -EINVAL);
	has("carries a dm-remap superblock");
	assert_int_equal(confirm_calls, 0);
	assert_true(sum(data) == before_d);
	assert_true(sum(spare) == before_s);
	assert_null(fake_find("safe"));
	/* --force: a former spare reused as a main (with a notice). */
	assert_int_equal(dmr_create(ctx, "reuse", spare, other,
				    &(struct dmr_create_opts){ .size = sizeof(struct dmr_create_opts),
							       .format = true,
							       .flags = DMR_CREATE_FORCE }), 0);
	noted("used as main anyway (--force)");
	assert_int_equal(dmr_create(ctx, "x", spare, other,
				    &(struct dmr_create_opts){ .size = sizeof(struct dmr_create_opts),
							       .flags = 0x80 }), -EINVAL);
}

static void test_identity_recorded_and_checked(void **state)
{
	const char *mf = new_file(MAIN_SECTORS), *m2f = new_file(MAIN_SECTORS);
	const char *m = loop(mf, 512), *m2 = loop(m2f, 512);
	const char *s = loop(new_file(SPARE_SECTORS), 512);
	char want[256], id[DMR_ID_MAX + 1];
	uint64_t sectors;
	struct dmr_sb sb;

	(void)state;
	format("safe", m, s, &sb);
	snprintf(want, sizeof(want), "loop:%s", mf);
	assert_string_equal(sb.main_id, want);
	assert_int_equal(sb.main_sectors, MAIN_SECTORS);
	assert_int_equal(dmr_device_identity(ctx, m, id, &sectors), 0);
	assert_string_equal(id, want);
	assert_int_equal(sectors, MAIN_SECTORS);
	assert_true(dmr_identity_is_strong(id));

	fake_reset();
	notes[0] = '\0';
	assert_int_equal(dmr_create(ctx, "safe", m, s, NULL), 0);
	assert_string_equal(notes, "");		/* the same main: nothing to say */
	fake_reset();
	/* Another main of the same size: refused, naming the expected disk. */
	assert_int_equal(dmr_create(ctx, "safe", m2, s, NULL), -EINVAL);
	has("belongs to another main: it expects loop:");
	has(mf);
	has(" (now /dev/loop");
	has("wrong disk?");
	assert_null(fake_find("safe"));
	notes[0] = '\0';
	assert_int_equal(dmr_create(ctx, "safe", m2, s, &force), 0);
	noted("used anyway (--force)");
}

/* A v2 spare as the kernel's `format` writes it: main_id empty. */
static void kernel_format(const char *dev, uint64_t main_sectors, const char *uuid)
{
	unsigned char block[DMR_META_BLOCK_SIZE];
	struct dmr_sb sb = { 0 };
	int fd;

	sb.version = DMR_FORMAT_VERSION;
	sb.block_size = 512;
	sb.slot_size = 512;
	sb.spare_sectors = SPARE_SECTORS;
	assert_int_equal(dmr_geometry(SPARE_SECTORS, 512, &sb.geo), 0);
	sb.generation = 1;
	sb.format_id = 0xfeedfacecafebeefULL;
	sb.main_blocks = MAIN_SECTORS;
	sb.main_sectors = main_sectors;
	snprintf(sb.uuid, sizeof(sb.uuid), "%s", uuid);
	dmr_sb_encode(&sb, block);
	fd = open(dev, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, block, sizeof(block), 0), sizeof(block));
	assert_int_equal(pwrite(fd, block, sizeof(block), 4096), sizeof(block));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void test_kernel_formatted_spare(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *s = loop(new_file(SPARE_SECTORS), 512);

	(void)state;
	kernel_format(s, MAIN_SECTORS, "");
	assert_int_equal(dmr_create(ctx, "k", m, s, NULL), 0);
	noted("records no identity of its main");
	noted("only the size of main");
	assert_string_equal(fake_find("k")->uuid, "DMREMAP-feedfacecafebeef-k");
	/* Its recorded size is still checked. */
	fake_reset();
	kernel_format(s, MAIN_SECTORS + 8, "");
	assert_int_equal(dmr_create(ctx, "k", m, s, NULL), -EINVAL);
	has("expects a main, 16392 sectors");
	assert_int_equal(dmr_create(ctx, "k", m, s, &force), 0);
	/* The kernel recorded the uuid of a dmsetup device. */
	fake_reset();
	kernel_format(s, MAIN_SECTORS, "my-dmsetup-uuid");
	assert_int_equal(dmr_create(ctx, "k", m, s, NULL), -EINVAL);
	has("belongs to the device with uuid 'my-dmsetup-uuid'");
	assert_int_equal(dmr_create(ctx, "k", m, s,
		&(struct dmr_create_opts){ .size = sizeof(struct dmr_create_opts), .suppress = DMR_SUPPRESS_DEFAULT,
					   .uuid = "my-dmsetup-uuid" }), 0);
	/* dmr_spare_format_id reads it back. */
	{
		uint64_t fid;

		assert_int_equal(dmr_spare_format_id(ctx, s, &fid), 0);
		assert_true(fid == 0xfeedfacecafebeefULL);
		assert_int_equal(dmr_spare_format_id(ctx, m, &fid), -ENODATA);
	}
}

static void test_default_uuid(void **state)
{
	char buf[DMR_UUID_LEN + 1], name[128];

	(void)state;
	assert_int_equal(dmri_default_uuid(0x0123456789abcdefULL, "safe", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "DMREMAP-0123456789abcdef-safe");
	assert_int_equal(dmri_default_uuid(1, "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "DMREMAP-0000000000000001-x");
	memset(name, 'n', 103);
	name[103] = '\0';
	assert_int_equal(dmri_default_uuid(1, name, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), DMR_UUID_LEN);
	name[103] = 'n';
	name[104] = '\0';
	assert_int_equal(dmri_default_uuid(1, name, buf, sizeof(buf)), -ENAMETOOLONG);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_geometry_512_4096_512e),
		T(test_ext4_spare_needs_confirmation),
		T(test_partition_table_spare),
		T(test_swapped),
		T(test_identity_recorded_and_checked),
		T(test_kernel_formatted_spare),
		T(test_default_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
