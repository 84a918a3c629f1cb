// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-pattern: write and verify deterministic data patterns with O_DIRECT.
 *
 *   dmr-pattern write  DEV OFFSET LENGTH SEED [-b IOSIZE] [-B] [-p POS]
 *   dmr-pattern verify DEV OFFSET LENGTH SEED [-b IOSIZE] [-B] [-p POS]
 *   dmr-pattern read   DEV OFFSET LENGTH [-b IOSIZE] [-B]
 *
 * OFFSET and LENGTH are bytes (suffixes k, m, g; s for 512-byte sectors).
 * The pattern depends on the seed and on the position inside the region,
 * not on OFFSET, so data written through a dm device can be verified on the
 * underlying device at the mapped offset.  -p POS starts at byte POS of the
 * pattern (to check a piece of a larger region).  -B uses buffered I/O.
 *
 * Exit status: 0 ok, 1 data mismatch, 2 usage, 3 I/O error (errno printed
 * with the failing offset), 4 setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EX_OK, EX_MISMATCH, EX_USAGE, EX_IO, EX_SETUP };

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fill(uint64_t *buf, size_t len, uint64_t seed, uint64_t pos)
{
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = mix(seed ^ mix(pos / 8 + i));
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 0: break;
	case 's': v <<= 9; end++; break;
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: return -1;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: dmr-pattern write|verify DEV OFFSET LENGTH SEED [-b IOSIZE] [-B] [-p POS]\n"
		"       dmr-pattern read DEV OFFSET LENGTH [-b IOSIZE] [-B]\n");
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	uint64_t off, len, seed = 0, iosz = 1 << 20, pos = 0, done;
	int direct = 1, fd, nargs, opt;
	const char *cmd, *dev;
	void *buf, *want;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	nargs = strcmp(cmd, "read") ? 5 : 4;
	if (strcmp(cmd, "write") && strcmp(cmd, "verify") && strcmp(cmd, "read"))
		return usage();
	if (argc < nargs + 1)
		return usage();
	dev = argv[2];
	if (parse_size(argv[3], &off) || parse_size(argv[4], &len) ||
	    (nargs == 5 && parse_size(argv[5], &seed)))
		return usage();
	optind = nargs + 1;
	while ((opt = getopt(argc, argv, "b:Bp:")) != -1) {
		if (opt == 'p' && !parse_size(optarg, &pos) && !(pos % 8))
			continue;
		if (opt == 'b' && !parse_size(optarg, &iosz) && iosz && !(iosz % 512))
			continue;
		if (opt == 'B') {
			direct = 0;
			continue;
		}
		return usage();
	}
	if (optind != argc || off % 512 || len % 512)
		return usage();

	fd = open(dev, (cmd[0] == 'w' ? O_WRONLY : O_RDONLY) |
		  (direct ? O_DIRECT : 0));
	if (fd < 0) {
		fprintf(stderr, "dmr-pattern: open %s: %s\n", dev, strerror(errno));
		return EX_SETUP;
	}
	if (posix_memalign(&buf, 4096, iosz) || posix_memalign(&want, 4096, iosz)) {
		fprintf(stderr, "dmr-pattern: out of memory\n");
		return EX_SETUP;
	}

	for (done = 0; done < len; ) {
		size_t n = len - done < iosz ? len - done : iosz;
		ssize_t r;

		if (cmd[0] == 'w') {
			fill(buf, n, seed, pos + done);
			r = pwrite(fd, buf, n, off + done);
		} else {
			r = pread(fd, buf, n, off + done);
		}
		if (r < 0) {
			fprintf(stderr, "dmr-pattern: %s %s at byte %" PRIu64 ": %s\n",
				cmd, dev, off + done, strerror(errno));
			return EX_IO;
		}
		if ((size_t)r != n) {
			fprintf(stderr, "dmr-pattern: short %s at byte %" PRIu64 "\n",
				cmd, off + done + r);
			return EX_IO;
		}
		if (cmd[0] == 'v') {
			fill(want, n, seed, pos + done);
			for (size_t i = 0; i < n; i += 512) {
				if (memcmp((char *)buf + i, (char *)want + i, 512)) {
					fprintf(stderr,
						"dmr-pattern: mismatch on %s at byte %" PRIu64 " (sector %" PRIu64 ")\n",
						dev, off + done + i, (off + done + i) >> 9);
					return EX_MISMATCH;
				}
			}
		}
		done += n;
	}
	if (cmd[0] == 'w' && fsync(fd)) {
		fprintf(stderr, "dmr-pattern: fsync %s: %s\n", dev, strerror(errno));
		return EX_IO;
	}
	close(fd);
	return EX_OK;
}
