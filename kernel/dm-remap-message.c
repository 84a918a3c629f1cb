// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap messages (`dmsetup message <dev> 0 <msg>`) and counters.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

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

/* Why the health is "failed": none, metadata, main or lost (blocks). */
const char *remap_failure_name(struct remap_c *rc)
{
	if (READ_ONCE(rc->st->md.failed))
		return "metadata";
	if (READ_ONCE(rc->main_failed))
		return "main";
	if (READ_ONCE(rc->st->counts.lost))
		return "lost";
	return "none";
}

void remap_sum_stats(struct remap_store *st, struct remap_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct remap_stats *s = per_cpu_ptr(st->stats, cpu);

		sum->reads += READ_ONCE(s->reads);
		sum->writes += READ_ONCE(s->writes);
		sum->read_errors += READ_ONCE(s->read_errors);
		sum->write_errors += READ_ONCE(s->write_errors);
	}
}

static void remap_clear_stats(struct remap_c *rc)
{
	struct remap_store *st = rc->st;
	int cpu;

	/* Per-cpu counters race with I/O on other CPUs: a count may survive. */
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(st->stats, cpu), 0, sizeof(struct remap_stats));
	mutex_lock(&st->lock);
	WRITE_ONCE(st->counts.errors_suppressed, 0);
	WRITE_ONCE(st->counts.spare_errors, 0);
	WRITE_ONCE(st->counters_since, ktime_get_real_seconds());
	mutex_unlock(&st->lock);
}

static int remap_parse_block(struct remap_c *rc, const char *arg, u64 *block)
{
	if (kstrtou64(arg, 10, block)) {
		DMWARN_LIMIT("%s: invalid block number '%s'", remap_name(rc), arg);
		return -EINVAL;
	}
	if (*block >= rc->st->main_blocks) {
		DMWARN_LIMIT("%s: block %llu is beyond the device (%llu blocks)",
			     remap_name(rc), *block, rc->st->main_blocks);
		return -EINVAL;
	}
	return 0;
}

/*
 * Messages that change the table write the spare: not on a read-only
 * table, and not while the device is suspended (the stack above may be
 * frozen for a snapshot, and reclaim could wait on it).
 */
static int remap_may_change(struct remap_c *rc, const char *what)
{
	if (!rc->writable) {
		DMWARN_LIMIT("%s: %s: the table is read-only", remap_name(rc), what);
		return -EROFS;
	}
	if (dm_suspended(rc->ti)) {
		DMWARN_LIMIT("%s: %s: the device is suspended", remap_name(rc), what);
		return -EBUSY;
	}
	return 0;
}

static void remap_emit_stats(struct remap_c *rc, char *result,
			     unsigned int maxlen)
{
	struct remap_store *st = rc->st;
	struct remap_stats s;
	unsigned int sz = 0;

	remap_sum_stats(st, &s);
	DMEMIT("reads=%llu writes=%llu read_errors=%llu write_errors=%llu ",
	       s.reads, s.writes, s.read_errors, s.write_errors);
	DMEMIT("remapped=%llu pending=%llu spare_used=%llu spare_total=%llu ",
	       READ_ONCE(st->counts.remapped), READ_ONCE(st->counts.pending),
	       READ_ONCE(st->spare_next), st->spare_blocks);
	DMEMIT("retired=%llu errors_suppressed=%llu spare_errors=%llu ",
	       READ_ONCE(st->counts.retired),
	       READ_ONCE(st->counts.errors_suppressed),
	       READ_ONCE(st->counts.spare_errors));
	DMEMIT("lost=%llu failure=%s counters_since=%lld ",
	       READ_ONCE(st->counts.lost), remap_failure_name(rc),
	       (long long)READ_ONCE(st->counters_since));
	DMEMIT("spare_start=%llu spare_stride=%u metadata_generation=%llu ",
	       (unsigned long long)st->spare_start, 512U << st->slot_shift,
	       READ_ONCE(st->md.generation));
	DMEMIT("format_version=%u format_id=%016llx ", st->md.sb.version,
	       st->md.sb.format_id);
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
		[RS_FENCED] = "copying",
		[RS_LOST] = "lost",
	};
	const unsigned int next_len = sizeof("next 18446744073709551615");
	unsigned int sz = 0, n;
	bool more = false;
	u64 idx = start;
	char line[64];
	void *e;

	if (!maxlen)
		return;
	result[0] = '\0';
	if (maxlen <= next_len)
		return;
	for (e = remap_find(rc->st, start, U64_MAX, &idx); e;
	     e = idx < U64_MAX ? remap_find(rc->st, idx + 1, U64_MAX, &idx) : NULL) {
		if (rs_state(e) == RS_PENDING || rs_state(e) == RS_FENCED)
			n = scnprintf(line, sizeof(line), "%llu %s -\n", idx,
				      names[rs_state(e)]);
		else
			n = scnprintf(line, sizeof(line), "%llu %s %llu\n", idx,
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
		scnprintf(result + sz, maxlen - sz, "next %llu", idx);
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
		if (!r)
			r = remap_may_change(rc, "remap");
		return r ? r : remap_manual(rc, block, result, maxlen);
	}
	if (!strcasecmp(argv[0], "clear_pending") && argc == 2) {
		r = remap_parse_block(rc, argv[1], &block);
		if (!r)
			r = remap_may_change(rc, "clear_pending");
		if (r)
			return r;
		r = remap_clear_pending(rc, block);
		if (r == -EINVAL)
			DMWARN_LIMIT("%s: block %llu is not pending", remap_name(rc), block);
		return r;
	}
	if (!strcasecmp(argv[0], "stats") && argc == 1) {
		remap_emit_stats(rc, result, maxlen);
		return 1;
	}
	if (!strcasecmp(argv[0], "list") && argc <= 3) {
		if ((argc > 1 && kstrtou64(argv[1], 10, &start)) ||
		    (argc > 2 && kstrtou64(argv[2], 10, &count))) {
			DMWARN_LIMIT("%s: usage: list [<start> [<count>]]", remap_name(rc));
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
	DMWARN_LIMIT("%s: unrecognised message '%s%s%s' (try 'help')", remap_name(rc),
		     argc ? argv[0] : "", argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return -EINVAL;
}
