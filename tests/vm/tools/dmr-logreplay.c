// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-logreplay: replay a dm-log-writes log onto a device, one entry at a
 * time, and check the device at every point a power cut could leave it in.
 *
 *   dmr-logreplay LOG DEV CMD
 *
 * Entries are applied in log order (the order the writes completed).  After
 * every entry flagged FLUSH or FUA (the points where the log says what is on
 * stable storage), CMD is run with `sh -c` and the environment
 *   DMR_ENTRY  index of the entry just applied
 *   DMR_MARK   the last mark seen so far (`dmsetup message <log> 0 mark X`),
 *              or empty
 * A failing CMD stops the replay.  Discards are not applied (their content
 * is undefined).  Prints "<entries> entries, <points> crash points checked".
 * Exit status: 0 all checks passed, 1 a check failed, 2 usage or bad log.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_MAGIC	0x6a736677736872ULL
#define LOG_FLUSH	(1 << 0)
#define LOG_FUA		(1 << 1)
#define LOG_DISCARD	(1 << 2)
#define LOG_MARK	(1 << 3)

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void die(const char *msg)
{
	fprintf(stderr, "dmr-logreplay: %s\n", msg);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t nr, i, sector, nsec, flags, dlen, points = 0;
	unsigned char super[512], *ent, *data = NULL;
	char mark[512] = "", env[64];
	size_t ss, cap = 0;
	off_t pos;
	int log, dev;

	if (argc != 4)
		die("usage: dmr-logreplay LOG DEV CMD");
	log = open(argv[1], O_RDONLY);
	dev = open(argv[2], O_WRONLY);
	if (log < 0 || dev < 0)
		die("cannot open the log or the device");
	if (pread(log, super, sizeof(super), 0) != sizeof(super) ||
	    le64(super) != LOG_MAGIC || le64(super + 8) != 1)
		die("not a dm-log-writes log (version 1)");
	nr = le64(super + 16);
	ss = super[24] | super[25] << 8 | super[26] << 16 | (size_t)super[27] << 24;
	if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
		die("bad log sector size");
	ent = malloc(ss);
	if (!ent)
		die("out of memory");

	pos = ss;
	for (i = 0; i < nr; i++) {
		if (pread(log, ent, ss, pos) != (ssize_t)ss)
			die("log truncated");
		pos += ss;
		sector = le64(ent);
		nsec = le64(ent + 8);
		flags = le64(ent + 16);
		dlen = le64(ent + 24);

		if (flags & LOG_MARK) {
			size_t n = dlen < sizeof(mark) - 1 ? dlen : sizeof(mark) - 1;

			if (32 + n > ss)
				die("bad mark entry");
			memcpy(mark, ent + 32, n);
			mark[n] = '\0';
		} else if (nsec && !(flags & LOG_DISCARD)) {
			size_t len = nsec * ss;

			if (len > cap) {
				free(data);
				data = malloc(len);
				cap = len;
				if (!data)
					die("out of memory");
			}
			if (pread(log, data, len, pos) != (ssize_t)len)
				die("log data truncated");
			if (pwrite(dev, data, len, (off_t)(sector * ss)) != (ssize_t)len)
				die("write to the device failed");
			pos += len;
		}

		if (!(flags & (LOG_FLUSH | LOG_FUA)))
			continue;
		if (fsync(dev))
			die("fsync failed");
		snprintf(env, sizeof(env), "%" PRIu64, i);
		setenv("DMR_ENTRY", env, 1);
		setenv("DMR_MARK", mark, 1);
		points++;
		if (system(argv[3]) != 0) {
			fprintf(stderr, "dmr-logreplay: check failed at entry %" PRIu64
				" (last mark '%s')\n", i, mark);
			return 1;
		}
	}
	printf("%" PRIu64 " entries, %" PRIu64 " crash points checked\n", nr, points);
	return 0;
}
