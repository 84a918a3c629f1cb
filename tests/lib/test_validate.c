// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dmr_create's checks and table line, on loop devices of the host (the
 * device-mapper side is fake_dm.c; tests needing loop devices skip when
 * losetup cannot attach one).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "dmr-internal.h"
#include "fake_dm.h"
#include "spare_image.h"

#define MAIN_SECTORS 16384		/* 8 MiB */

static struct dmr_ctx *ctx;
static char files[6][64];
static char loops[6][64];
static unsigned int nr_files, nr_loops;

static int setup(void **state)
{
	(void)state;
	fake_reset();
	nr_files = nr_loops = 0;
	return dmr_ctx_new(&ctx);
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

	snprintf(f, sizeof(files[0]), "/tmp/dmr-validate-XXXXXX");
	fd = mkstemp(f);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(sectors << 9)), 0);
	close(fd);
	return f;
}

/* A loop device over @file with @ss-byte sectors; skips the test if none. */
static const char *loop(const char *file, unsigned int ss)
{
	char cmd[160], *dev = loops[nr_loops];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "losetup -f --show --sector-size %u %s 2>/dev/null", ss, file);
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

static void devnum(const char *dev, char *buf, size_t n)
{
	struct stat st;

	assert_int_equal(stat(dev, &st), 0);
	snprintf(buf, n, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
}

#define has(s) do { \
	if (!strstr(dmr_error(ctx), s)) \
		fail_msg("error '%s' lacks '%s'", dmr_error(ctx), s); \
} while (0)

static void test_names(void **state)
{
	char name[200];

	(void)state;
	assert_int_equal(dmr_create(ctx, "", "/a", "/b", NULL), -EINVAL);
	has("no device name");
	assert_int_equal(dmr_create(ctx, NULL, "/a", "/b", NULL), -EINVAL);
	assert_int_equal(dmr_create(ctx, "a b", "/a", "/b", NULL), -EINVAL);
	has("invalid device name 'a b'");
	assert_int_equal(dmr_create(ctx, "a/b", "/a", "/b", NULL), -EINVAL);
	assert_int_equal(dmr_create(ctx, "..", "/a", "/b", NULL), -EINVAL);
	memset(name, 'n', 128);
	name[128] = '\0';
	assert_int_equal(dmr_create(ctx, name, "/a", "/b", NULL), -EINVAL);
	has("128 characters long (at most 127)");
	/* 127 characters: a valid name, but DMREMAP-<name> is too long a uuid. */
	name[127] = '\0';
	assert_int_equal(dmr_create(ctx, name, "/a", "/b", NULL), -EINVAL);
	has("pass a uuid");
	/* With a uuid the checks go on to the devices. */
	assert_int_equal(dmr_create(ctx, name, "/nonexistent-main", "/b",
		&(struct dmr_create_opts){ .size = sizeof(struct dmr_create_opts), .suppress = DMR_SUPPRESS_DEFAULT,
					   .uuid = "u" }), -ENOENT);
	assert_int_equal(dmri_validate_name(ctx, "Ok_.+-9"), 0);
}

static void test_options(void **state)
{
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = 5 };
	char u[200];

	(void)state;
	assert_int_equal(dmr_create(ctx, "x", "/a", "/b", &o), -EINVAL);
	has("invalid suppress option 5");
	o.suppress = DMR_SUPPRESS_ON;
	o.uuid = "has space";
	assert_int_equal(dmr_create(ctx, "x", "/a", "/b", &o), -EINVAL);
	has("blank or non-ASCII");
	memset(u, 'u', 129);
	u[129] = '\0';
	o.uuid = u;
	assert_int_equal(dmr_create(ctx, "x", "/a", "/b", &o), -EINVAL);
	has("1 to 128 characters");
	o.uuid = "";
	assert_int_equal(dmr_create(ctx, "x", "/a", "/b", &o), -EINVAL);
}

/*
 * No check of the loaded targets before the table load: the load brings
 * the module in (request_module).  Only a load that fails for want of the
 * module says so; a loaded target of another major version is refused.
 */
static void test_create_loads_target(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *s = loop(new_file(4096), 512);
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = DMR_SUPPRESS_DEFAULT,
				     .format = true };
	unsigned int v[3];

	(void)state;
	fake_target_version(0, 0, 0);		/* installed, not loaded */
	assert_int_equal(dmr_create(ctx, "safe", m, s, &o), 0);
	assert_non_null(fake_find("safe"));
	assert_int_equal(dmr_target_version(ctx, v), 0);

	fake_target_version(0, 0, 0);
	fake_target_module(0, 0, 0);		/* not installed either */
	s = loop(new_file(4096), 512);
	assert_int_equal(dmr_create(ctx, "other", m, s, &o), -EOPNOTSUPP);
	assert_string_equal(dmr_error(ctx),
			    "dm-remap kernel module not available (modprobe dm-remap?)"
			    "\nlibdevmapper: " FAKE_LOG_TEXT
			    "\nlibdevmapper: " FAKE_LOG_TEXT2);
	assert_null(fake_find("other"));

	fake_target_module(3, 0, 0);		/* a major this library cannot drive */
	s = loop(new_file(4096), 512);
	assert_int_equal(dmr_create(ctx, "other", m, s, &o), -EPROTO);
	has("3.0.0 is not supported");
	assert_null(fake_find("other"));
}

static void test_not_block_devices(void **state)
{
	const char *f = new_file(8);
	char a[80], b[80];

	(void)state;
	assert_int_equal(dmr_create(ctx, "x", "/nonexistent", f, NULL), -ENOENT);
	has("main device /nonexistent: No such file or directory");
	assert_int_equal(dmr_create(ctx, "x", f, "/nonexistent", NULL), -EINVAL);
	has("is not a block device");
	/* Device nodes of a device that does not exist. */
	snprintf(a, sizeof(a), "%s.a", f);
	snprintf(b, sizeof(b), "%s.b", f);
	if (mknod(a, S_IFBLK | 0600, makedev(250, 250)) ||
	    mknod(b, S_IFBLK | 0600, makedev(250, 250))) {
		unlink(a);
		skip();
	}
	assert_int_equal(dmr_create(ctx, "x", a, b, NULL), -EINVAL);
	has("are the same device");
	unlink(b);
	assert_int_equal(mknod(b, S_IFBLK | 0600, makedev(250, 251)), 0);
	assert_int_equal(dmr_create(ctx, "x", a, b, NULL), -ENXIO);
	has("cannot open main device");
	unlink(a);
	unlink(b);
}

/* The superblock copy @copy (0 = A) of @dev, decoded. */
static void read_sb_copy(const char *dev, int copy, struct dmr_sb *sb)
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

static void test_create_format(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *s = loop(new_file(4096), 512);
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = DMR_SUPPRESS_DEFAULT };
	char mn[32], sn[32], want[160];
	struct fake_dev *d;
	struct dmr_sb sb, sb2;

	(void)state;
	devnum(m, mn, sizeof(mn));
	devnum(s, sn, sizeof(sn));
	assert_int_equal(dmr_create(ctx, "safe", m, s, &o), -EINVAL);
	has("has no dm-remap metadata: if it is the new, empty spare for main");
	has("initialise it with the format option (dmremapctl create --format)");
	assert_null(fake_find("safe"));
	o.format = true;
	assert_int_equal(dmr_create(ctx, "safe", m, s, &o), 0);
	d = fake_find("safe");
	assert_non_null(d);
	/* The library formatted it: the kernel's `format` option is not used. */
	snprintf(want, sizeof(want), "%s %s", mn, sn);
	assert_string_equal(d->table, want);
	assert_int_equal(d->length, MAIN_SECTORS);
	read_sb_copy(s, 0, &sb);
	read_sb_copy(s, 1, &sb2);
	assert_memory_equal(&sb, &sb2, sizeof(sb));
	snprintf(want, sizeof(want), "DMREMAP-%016llx-safe", (unsigned long long)sb.format_id);
	assert_string_equal(d->uuid, want);
	assert_string_equal(sb.uuid, want);
	assert_int_equal(sb.version, 2);
	assert_int_equal(sb.generation, 1);
	assert_int_equal(sb.main_blocks, MAIN_SECTORS);
	assert_int_equal(sb.main_sectors, MAIN_SECTORS);
	assert_int_equal(sb.remap_meta_used, 0);
	assert_int_equal(sb.pending_meta_used, 0);
	assert_int_equal(strncmp(sb.main_id, "loop:/tmp/dmr-validate-", 23), 0);
	assert_int_equal(dmr_create(ctx, "safe", m, s, &o), -EEXIST);
	has("a device named 'safe' already exists");

	/* Formatted now: the same spare under another name needs its uuid. */
	o.suppress = DMR_SUPPRESS_OFF;
	assert_int_equal(dmr_create(ctx, "other", m, s, &o), -EINVAL);
	has("(it was created as 'safe': use that name, or pass that uuid)");
	o.uuid = want;
	assert_int_equal(dmr_create(ctx, "other", m, s, &o), 0);
	d = fake_find("other");
	snprintf(want, sizeof(want), "%s %s 1 no_suppress_writes", mn, sn);
	assert_string_equal(d->table, want);
	o.uuid = NULL;
	o.suppress = DMR_SUPPRESS_ON;
	o.format = false;
	o.length = MAIN_SECTORS + 1;
	assert_int_equal(dmr_create(ctx, "big", m, s, &o), -EINVAL);
	has("exceeds main device");
}

static void test_create_params(void **state)
{
	struct dmri_create_plan p = { 8, 16, 8, 32, 512, 8, "", 0, false };
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = DMR_SUPPRESS_ON };
	char buf[128];

	(void)state;
	assert_int_equal(dmri_create_params(&p, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "8:16 8:32 1 suppress_writes");
	o.suppress = DMR_SUPPRESS_DEFAULT;
	assert_int_equal(dmri_create_params(&p, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "8:16 8:32");
	o.format = true;		/* done by the library, never by the kernel */
	assert_int_equal(dmri_create_params(&p, &o, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "8:16 8:32");
	assert_int_equal(dmri_create_params(&p, &o, buf, 5), -ENAMETOOLONG);
}

static void test_sizes(void **state)
{
	const char *m4k = loop(new_file(MAIN_SECTORS), 4096);
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *tiny = loop(new_file(40), 512);
	const char *s4k = loop(new_file(4096), 4096);
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = DMR_SUPPRESS_DEFAULT,
				     .format = true };

	(void)state;
	assert_int_equal(dmr_create(ctx, "x", m, tiny, &o), -ENOSPC);
	has("is too small to hold dm-remap metadata");
	assert_int_equal(dmr_create(ctx, "x", m, s4k, &o), -EINVAL);
	has("4096-byte logical blocks, more than main's 512");
	o.length = 1001;
	assert_int_equal(dmr_create(ctx, "x", m4k, s4k, &o), -EINVAL);
	has("not a positive multiple of main's 4096-byte block");
	o.length = 1000;
	assert_int_equal(dmr_create(ctx, "x", m4k, s4k, &o), 0);
	assert_int_equal(fake_find("x")->length, 1000);
	{
		struct dmr_sb sb;

		read_sb_copy(s4k, 0, &sb);
		assert_int_equal(sb.block_size, 4096);
		assert_int_equal(sb.slot_size, 4096);
		assert_int_equal(sb.main_blocks, 1000 / 8);
		assert_int_equal(sb.main_sectors, MAIN_SECTORS);
	}
}

/* Write a spare image formatted for @main_blocks, @block_size and @uuid
 * onto the device @dev (its page cache stays coherent: we write through it). */
static void format_onto(const char *dev, u64 main_blocks, u32 block_size,
			const char *uuid, bool corrupt)
{
	static unsigned char buf[4096 << 9];
	struct spare_image im;
	int fd;

	spare_image_new(&im, 4096, block_size, main_blocks, uuid);
	spare_image_write(&im);
	if (corrupt) {
		spare_image_corrupt_sb(&im, 0);
		spare_image_corrupt_sb(&im, 1);
	}
	fd = open(im.path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	spare_image_free(&im);
	fd = open(dev, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void test_existing_metadata(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *s = loop(new_file(4096), 512);

	(void)state;
	/* A spare of dm-remap 0.1 keeps its "DMREMAP-<name>" uuid. */
	format_onto(s, MAIN_SECTORS, 512, "DMREMAP-safe", false);
	assert_int_equal(dmr_create(ctx, "safe", m, s, NULL), 0);
	assert_non_null(fake_find("safe"));
	assert_string_equal(fake_find("safe")->uuid, "DMREMAP-safe");

	format_onto(s, 999, 512, "DMREMAP-x", false);
	assert_int_equal(dmr_create(ctx, "x", m, s, NULL), -EINVAL);
	has("formatted for 999 main blocks, this device has 16384");

	format_onto(s, MAIN_SECTORS, 512, "DMREMAP-other", false);
	assert_int_equal(dmr_create(ctx, "x", m, s, NULL), -EINVAL);
	has("belongs to the device with uuid 'DMREMAP-other', not 'DMREMAP-0123456789abcdef-x'");

	format_onto(s, MAIN_SECTORS / 8, 4096, "", false);
	assert_int_equal(dmr_create(ctx, "x", m, s, NULL), -EINVAL);
	has("formatted for 4096-byte blocks, main has 512-byte blocks");

	/* A damaged superblock is never formatted over. */
	format_onto(s, MAIN_SECTORS, 512, "", true);
	assert_int_equal(dmr_create(ctx, "x", m, s,
		&(struct dmr_create_opts){ .size = sizeof(struct dmr_create_opts), .suppress = DMR_SUPPRESS_DEFAULT,
					   .format = true }), -EBADMSG);
	has("both superblocks of spare");
}

static void test_in_use(void **state)
{
	const char *m = loop(new_file(MAIN_SECTORS), 512);
	const char *s = loop(new_file(4096), 512);
	struct dmr_create_opts o = { .size = sizeof(o), .suppress = DMR_SUPPRESS_DEFAULT,
				     .format = true };
	int fd = open(s, O_RDONLY | O_EXCL);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dmr_create(ctx, "x", m, s, &o), -EBUSY);
	has("spare device");
	has("is in use");
	close(fd);
	assert_int_equal(dmr_create(ctx, "x", m, s, &o), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_names),
		T(test_options),
		T(test_create_loads_target),
		T(test_not_block_devices),
		T(test_create_format),
		T(test_create_params),
		T(test_sizes),
		T(test_existing_metadata),
		T(test_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
