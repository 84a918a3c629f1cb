// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap messages (`dmsetup message <dev> 0 <msg>`) and counters.
 */
#include <linux/kernel.h>

#include "dm-remap.h"

static const char * const health_names[] = {
	[RH_OK] = "ok",
	[RH_DEGRADED] = "degraded",
	[RH_EXHAUSTED] = "exhausted",
	[RH_FAILED] = "failed",
};

const char *remap_health_name(enum remap_health h)
{
	return health_names[h];
}

void remap_sum_stats(struct remap_c *rc, struct remap_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct remap_stats *s = per_cpu_ptr(rc->stats, cpu);

		sum->reads += READ_ONCE(s->reads);
		sum->writes += READ_ONCE(s->writes);
		sum->read_errors += READ_ONCE(s->read_errors);
		sum->write_errors += READ_ONCE(s->write_errors);
	}
}

static void remap_clear_stats(struct remap_c *rc)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(rc->stats, cpu), 0, sizeof(struct remap_stats));
	mutex_lock(&rc->table_lock);
	rc->counts.errors_suppressed = 0;
	rc->counts.spare_errors = 0;
	mutex_unlock(&rc->table_lock);
}

static int remap_parse_block(struct remap_c *rc, const char *arg, u64 *block)
{
	if (kstrtou64(arg, 10, block)) {
		DMERR("%s: invalid block number '%s'",
		      dm_table_device_name(rc->ti->table), arg);
		return -EINVAL;
	}
	if (*block >= rc->main_blocks) {
		DMERR("%s: block %llu is beyond the device (%llu blocks)",
		      dm_table_device_name(rc->ti->table), *block, rc->main_blocks);
		return -EINVAL;
	}
	return 0;
}

static void remap_emit_stats(struct remap_c *rc, char *result,
			     unsigned int maxlen)
{
	struct remap_stats s;
	unsigned int sz = 0;

	remap_sum_stats(rc, &s);
	DMEMIT("reads=%llu writes=%llu read_errors=%llu write_errors=%llu ",
	       s.reads, s.writes, s.read_errors, s.write_errors);
	DMEMIT("remapped=%llu pending=%llu spare_used=%llu spare_total=%llu ",
	       READ_ONCE(rc->counts.remapped), READ_ONCE(rc->counts.pending),
	       READ_ONCE(rc->spare_next), rc->spare_blocks);
	DMEMIT("retired=%llu errors_suppressed=%llu spare_errors=%llu ",
	       READ_ONCE(rc->counts.retired),
	       READ_ONCE(rc->counts.errors_suppressed),
	       READ_ONCE(rc->counts.spare_errors));
	DMEMIT("spare_start=%llu metadata_generation=%llu ",
	       (unsigned long long)rc->spare_start, rc->md.generation);
	DMEMIT("block_size=%u suppress=%s health=%s", 512 << rc->shift,
	       READ_ONCE(rc->suppress) ? "on" : "off",
	       remap_health_name(remap_get_health(rc)));
}

/*
 * One line per entry, "<block> <state> <spare block or ->", from @start.
 * When @count or the reply buffer runs out first, the last line is
 * "next <block>": the start of the next page.
 */
static void remap_emit_list(struct remap_c *rc, u64 start, u64 count,
			    char *result, unsigned int maxlen)
{
	static const char * const names[] = {
		[RS_REMAPPED] = "remapped",
		[RS_PENDING] = "pending",
		[RS_INFLIGHT] = "inflight",
	};
	const unsigned int next_len = sizeof("next 18446744073709551615");
	unsigned int sz = 0, n;
	bool more = false;
	unsigned long idx;
	char line[64];
	void *e;

	if (maxlen <= next_len)
		return;
	result[0] = '\0';
	xa_for_each_start(&rc->table, idx, e, start) {
		if (rs_state(e) == RS_PENDING)
			n = scnprintf(line, sizeof(line), "%lu pending -\n", idx);
		else
			n = scnprintf(line, sizeof(line), "%lu %s %llu\n", idx,
				      names[rs_state(e)], rs_spare(e));
		if (!count || sz + n + next_len > maxlen) {
			more = true;
			break;
		}
		memcpy(result + sz, line, n + 1);
		sz += n;
		count--;
	}
	if (more)
		scnprintf(result + sz, maxlen - sz, "next %lu", idx);
}

static const char remap_help[] =
	"suppress on|off\n"
	"remap <block>\n"
	"clear_pending <block>\n"
	"stats\n"
	"list [<start> [<count>]]\n"
	"clear_stats\n"
	"help";

int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	const char *dev = dm_table_device_name(ti->table);
	u64 block, start = 0, count = U64_MAX;
	int r;

	if (!argc)
		goto bad;

	if (!strcasecmp(argv[0], "suppress") && argc == 2) {
		if (!strcasecmp(argv[1], "on"))
			WRITE_ONCE(rc->suppress, true);
		else if (!strcasecmp(argv[1], "off"))
			WRITE_ONCE(rc->suppress, false);
		else
			goto bad;
		return 0;
	}
	if (!strcasecmp(argv[0], "remap") && argc == 2) {
		r = remap_parse_block(rc, argv[1], &block);
		return r ? r : remap_manual(rc, block, result, maxlen);
	}
	if (!strcasecmp(argv[0], "clear_pending") && argc == 2) {
		r = remap_parse_block(rc, argv[1], &block);
		if (r)
			return r;
		r = remap_clear_pending(rc, block);
		if (r == -EINVAL)
			DMERR("%s: block %llu is not pending", dev, block);
		return r;
	}
	if (!strcasecmp(argv[0], "stats") && argc == 1) {
		remap_emit_stats(rc, result, maxlen);
		return 1;
	}
	if (!strcasecmp(argv[0], "list") && argc <= 3) {
		if ((argc > 1 && kstrtou64(argv[1], 10, &start)) ||
		    (argc > 2 && kstrtou64(argv[2], 10, &count))) {
			DMERR("%s: usage: list [<start> [<count>]]", dev);
			return -EINVAL;
		}
		remap_emit_list(rc, start, count, result, maxlen);
		return 1;
	}
	if (!strcasecmp(argv[0], "clear_stats") && argc == 1) {
		remap_clear_stats(rc);
		return 0;
	}
	if (!strcasecmp(argv[0], "help") && argc == 1) {
		strscpy(result, remap_help, maxlen);
		return 1;
	}
bad:
	DMERR("%s: unrecognised message '%s%s%s' (try 'help')", dev,
	      argc ? argv[0] : "", argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return -EINVAL;
}
