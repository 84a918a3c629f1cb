// SPDX-License-Identifier: GPL-2.0
/*
 * dmr-bench: clocks and timed O_DIRECT I/O for the benchmark cases
 * (tests/bench/cases); times are CLOCK_MONOTONIC nanoseconds, which under
 * QEMU's -icount are guest time, proportional to instructions executed.
 *
 *   dmr-bench now                        the clock, ns
 *   dmr-bench read DEV SECTOR SECTORS KB read SECTORS from SECTOR in KB-KiB
 *                                        O_DIRECT requests; prints ns taken
 *   dmr-bench write DEV BYTE LEN         one O_DIRECT write of LEN bytes at
 *                                        byte offset BYTE; prints ns taken
 *                                        (exit 1 if it fails)
 *   dmr-bench writes DEV BYTE STRIDE N   N threads, each one O_DIRECT write
 *                                        of 512 bytes at BYTE + i*STRIDE,
 *                                        released together; prints each
 *                                        thread's ns (concurrent writers
 *                                        even on one CPU: a thread blocked
 *                                        in its write lets the next submit)
 *   dmr-bench mark                       run the marker instruction that
 *                                        tests/bench/profile/insn-count.c
 *                                        (a QEMU plugin) counts phases by
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

static uint64_t now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void *buffer(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		exit(1);
	memset(p, 0xa5, len);
	return p;
}

struct writer {
	pthread_t t;
	const char *dev;
	off_t off;
	uint64_t ns;
	int err;
};

static pthread_barrier_t go;

static void *writer(void *arg)
{
	struct writer *w = arg;
	void *buf = buffer(512);
	uint64_t t0;
	int fd = open(w->dev, O_WRONLY | O_DIRECT);

	pthread_barrier_wait(&go);
	t0 = now();
	w->err = fd < 0 || pwrite(fd, buf, 512, w->off) != 512;
	w->ns = now() - t0;
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "mark")) {
		/* A jump, so that the marker begins a translation block. */
		__asm__ volatile("jmp 1f\n1:\tmovabs $0x6b72616d6b72616d, %%rax" ::: "rax");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%" PRIu64 "\n", now());
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "read")) {
		uint64_t sector = strtoull(argv[3], NULL, 0);
		uint64_t left = strtoull(argv[4], NULL, 0) * 512;
		size_t chunk = strtoull(argv[5], NULL, 0) * 1024, n;
		void *buf = buffer(chunk);

		fd = open(argv[2], O_RDONLY | O_DIRECT);
		if (fd < 0)
			return perror(argv[2]), 1;
		t0 = now();
		for (; left; left -= n, sector += n / 512) {
			n = left < chunk ? left : chunk;
			if (pread(fd, buf, n, (off_t)sector * 512) != (ssize_t)n)
				return perror("read"), 1;
		}
		t1 = now();
		printf("%" PRIu64 "\n", t1 - t0);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "write")) {
		off_t off = strtoll(argv[3], NULL, 0);
		size_t len = strtoull(argv[4], NULL, 0);
		void *buf = buffer(len);
		ssize_t r;

		fd = open(argv[2], O_WRONLY | O_DIRECT);
		if (fd < 0)
			return perror(argv[2]), 1;
		t0 = now();
		r = pwrite(fd, buf, len, off);
		t1 = now();
		if (r != (ssize_t)len)
			return perror("write"), 1;
		printf("%" PRIu64 "\n", t1 - t0);
		return 0;
	}
	if (argc == 6 && !strcmp(argv[1], "writes")) {
		off_t off = strtoll(argv[3], NULL, 0), stride = strtoll(argv[4], NULL, 0);
		int n = atoi(argv[5]), i, bad = 0;
		struct writer *w = calloc(n, sizeof(*w));

		if (!w || n < 1 || pthread_barrier_init(&go, NULL, n))
			return 1;
		for (i = 0; i < n; i++) {
			w[i].dev = argv[2];
			w[i].off = off + i * stride;
			if (pthread_create(&w[i].t, NULL, writer, &w[i]))
				return 1;
		}
		for (i = 0; i < n; i++) {
			pthread_join(w[i].t, NULL);
			bad |= w[i].err;
			printf("%" PRIu64 "\n", w[i].ns);
		}
		return bad;
	}
	fprintf(stderr, "usage: see the source\n");
	return 2;
}
