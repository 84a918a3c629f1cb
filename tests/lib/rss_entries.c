// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory of `remaps --json` at scale: dmr_json_entries writes the entries
 * document of a fake device with COUNT (default 1,000,000) remapped blocks
 * to /dev/null and prints "entries N bytes B maxrss_kib K" (getrusage).
 * tests/lib/run runs it outside valgrind and checks K against its bar.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "dmremap.h"
#include "fake_dm.h"

static long bytes;

static ssize_t count(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	(void)buf;
	bytes += (long)size;
	return (ssize_t)size;
}

int main(int argc, char **argv)
{
	static const cookie_io_functions_t io = { .write = count };
	struct dmr_ctx *ctx;
	struct rusage ru;
	FILE *f;
	int r;

	fake_reset();
	fake_add("big", "remap", "250:1 250:2 1 suppress_writes",
		 "3 0 0 0 0 1000000 0 1000000 2000000 0 0 0 on ok 0 none 1");
	fake_list_count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	fake_list_page = 30000;		/* about what a 1 MiB reply holds */
	if (dmr_ctx_new(&ctx))
		return 1;
	f = fopencookie(NULL, "w", io);
	if (!f)
		return 1;
	r = dmr_json_entries(ctx, "big", argc > 2 ? DMR_JSON_PRETTY : 0, f);
	fclose(f);
	getrusage(RUSAGE_SELF, &ru);
	printf("entries %llu bytes %ld maxrss_kib %ld\n",
	       (unsigned long long)fake_list_count, bytes, ru.ru_maxrss);
	if (r)
		fprintf(stderr, "rss_entries: %s\n", dmr_error(ctx));
	dmr_ctx_free(ctx);
	fake_cleanup();
	return r ? 1 : 0;
}
