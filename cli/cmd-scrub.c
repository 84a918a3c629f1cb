// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl scrub and copy: a progress bar on a terminal, JSON lines
 * otherwise (or with --json), one report per unreadable range, and exit
 * codes saying whether anything was unreadable or the run was stopped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl-ops.h"

struct prog {
	struct ctl *c;
	const char *cmd, *name;
	bool human, bar;
	struct dmr_progress last;
	bool have_last;
};

static void clear_bar(struct prog *p)
{
	if (p->bar) {
		fputs("\r\033[K", p->c->out);
		p->bar = false;
	}
}

static void hms(char *buf, size_t n, int64_t s)
{
	if (s < 0)
		snprintf(buf, n, "--:--:--");
	else
		snprintf(buf, n, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60),
			 (int)(s % 60));
}

static void on_bad(uint64_t block, uint64_t count, uint32_t bs, void *data)
{
	struct prog *p = data;
	struct ctl_jl j;

	if (p->human) {
		clear_bar(p);
		if (count == 1)
			fprintf(p->c->out, "unreadable: block %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64 ")\n",
				block, block * bs, (block + 1) * bs - 1);
		else
			fprintf(p->c->out, "unreadable: blocks %" PRIu64 "-%" PRIu64 " (%" PRIu64
				" blocks, bytes %" PRIu64 "-%" PRIu64 ")\n", block, block + count - 1,
				count, block * bs, (block + count) * bs - 1);
		fflush(p->c->out);
		return;
	}
	ctl_jl_begin(&j, "unreadable", p->cmd);
	ctl_jl_str(&j, "device", p->name);
	ctl_jl_u64(&j, "block", block);
	ctl_jl_u64(&j, "blocks", count);
	ctl_jl_u64(&j, "block_size", bs);
	ctl_jl_u64(&j, "offset_bytes", block * bs);
	ctl_jl_u64(&j, "length_bytes", count * bs);
	ctl_jl_end(&j, p->c);
}

static unsigned int permille(const struct dmr_progress *d)
{
	return d->total ? (unsigned int)((unsigned __int128)d->done * 1000 / d->total) : 1000;
}

static void on_progress(const struct dmr_progress *d, void *data)
{
	struct prog *p = data;
	char eta[32], rate[32], bar[33];
	unsigned int pm = permille(d), i;
	struct ctl_jl j;

	p->last = *d;
	p->have_last = true;
	if (d->final)
		return;		/* the caller reports the end */
	if (p->human) {
		for (i = 0; i < 30; i++)
			bar[i] = i * 1000 < pm * 30 ? '#' : '.';
		bar[30] = '\0';
		hms(eta, sizeof(eta), d->eta_sec);
		snprintf(rate, sizeof(rate), "%.1f MB/s", (double)d->bytes_per_sec / 1e6);
		fprintf(p->c->out, "\r%s %s [%s] %3u.%u %%  %s  ETA %s  unreadable %" PRIu64 "\033[K",
			p->cmd, p->name, bar, pm / 10, pm % 10, rate, eta, d->bad_blocks);
		fflush(p->c->out);
		p->bar = true;
		return;
	}
	ctl_jl_begin(&j, "progress", p->cmd);
	ctl_jl_str(&j, "device", p->name);
	ctl_jl_u64(&j, "position_bytes", d->position);
	ctl_jl_u64(&j, "done_bytes", d->done);
	ctl_jl_u64(&j, "total_bytes", d->total);
	{
		char pct[16];

		snprintf(pct, sizeof(pct), "%u.%u", pm / 10, pm % 10);
		ctl_jl_raw(&j, "percent", pct);
	}
	ctl_jl_u64(&j, "bytes_per_second", d->bytes_per_sec);
	if (d->eta_sec >= 0)
		ctl_jl_i64(&j, "eta_seconds", d->eta_sec);
	else
		ctl_jl_str(&j, "eta_seconds", NULL);
	ctl_jl_u64(&j, "unreadable_blocks", d->bad_blocks);
	ctl_jl_end(&j, p->c);
}

/* The end: a summary line or the final JSON line; the exit code. */
static int report(struct prog *p, int r)
{
	const struct dmr_progress *d = &p->last;
	int code = r == 1 ? CTL_EXIT_UNREADABLE : r == -EINTR ? CTL_EXIT_INTERRUPTED :
		   CTL_EXIT_OK;
	char size[32], total[32], t[32];
	bool state;
	struct ctl_jl j;

	if (r < 0 && r != -EINTR) {
		clear_bar(p);
		code = ctl_lib_fail(p->c, r);
		if (!p->human) {
			ctl_jl_begin(&j, "error", p->cmd);
			ctl_jl_str(&j, "device", p->name);
			ctl_jl_tail(&j, p->c, code);
			ctl_jl_end(&j, p->c);
		}
		return code;
	}
	if (r == -EINTR)
		ctl_note(p->c, "%s", dmr_error(p->c->ctx));
	if (p->human) {
		clear_bar(p);
		hms(t, sizeof(t), d->elapsed_ms / 1000);
		state = d->state_file && (r == -EINTR || !strcmp(p->cmd, "copy"));
		fprintf(p->c->out, "%s %s: %s, %s of %s done (%u.%u %%) in %s at %.1f MB/s, %" PRIu64
			" unreadable block(s)%s%s\n", p->cmd, p->name,
			r == -EINTR ? "stopped" : "complete",
			ctl_size(size, sizeof(size), d->done), ctl_size(total, sizeof(total), d->total),
			permille(d) / 10, permille(d) % 10, t, (double)d->bytes_per_sec / 1e6,
			d->bad_blocks, state ? "; state in " : "", state ? d->state_file : "");
		return code;
	}
	ctl_jl_begin(&j, r == -EINTR ? "stopped" : "done", p->cmd);
	ctl_jl_str(&j, "device", p->name);
	ctl_jl_bool(&j, "complete", r != -EINTR);
	ctl_jl_u64(&j, "done_bytes", d->done);
	ctl_jl_u64(&j, "total_bytes", d->total);
	ctl_jl_u64(&j, "resumed_at_bytes", d->resumed_at);
	ctl_jl_u64(&j, "unreadable_blocks", d->bad_blocks);
	ctl_jl_u64(&j, "bytes_per_second", d->bytes_per_sec);
	ctl_jl_i64(&j, "elapsed_ms", d->elapsed_ms);
	ctl_jl_str(&j, "state_file", d->state_file);
	ctl_jl_tail(&j, p->c, code);
	ctl_jl_end(&j, p->c);
	return code;
}

struct scan_opts {
	const char *rate, *start, *length, *state, *interval_s;
	uint64_t retries, interval;
	bool restart, retry_bad, yes, batch;
};

static int prepare(struct ctl *c, struct scan_opts *o, struct ctl_opt *opts,
		   struct dmr_scan_opts *a, struct prog *p)
{
	int code;

	a->size = sizeof(*a);
	if (o->rate && !ctl_parse_rate(o->rate, &a->rate))
		return ctl_usage_fail(c, "--rate '%s' is not a rate in MB/s (for example 50 or 2.5)",
				      o->rate);
	if (o->start && !ctl_parse_bytes(o->start, &a->start))
		return ctl_usage_fail(c, "--start '%s' is not a byte offset (a number, K, M, G or T after it)",
				      o->start);
	if (o->length && (!ctl_parse_bytes(o->length, &a->length) || !a->length))
		return ctl_usage_fail(c, "--length '%s' is not a positive size in bytes (K, M, G or T after it)",
				      o->length);
	if (o->retries > 100)
		return ctl_usage_fail(c, "--retries %" PRIu64 " is more than 100", o->retries);
	a->retries = (unsigned int)o->retries;
	a->state_file = o->state;
	a->flags = (o->restart ? DMR_SCAN_RESTART : 0) | (o->retry_bad ? DMR_SCAN_RETRY_BAD : 0);
	(void)opts;
	if (!ctl_ctx(c, &code))
		return code;
	p->c = c;
	p->human = !c->json && ctl_isatty(fileno(c->out));
	if (o->interval > 86400)
		return ctl_usage_fail(c, "--interval %" PRIu64 " is more than a day", o->interval);
	a->progress_ms = p->human ? 500 : (unsigned int)(o->interval ? o->interval : 10) * 1000;
	a->progress = on_progress;
	a->bad = on_bad;
	a->data = p;
	a->stop = &ctl_stop;
	dmr_set_log_fn(c->ctx, ctl_lib_note, c);
	return CTL_EXIT_OK;
}

static int scrub(struct ctl *c, int argc, char **argv)
{
	struct scan_opts o = { .rate = NULL };
	struct ctl_opt opts[] = {
		{ "--rate", CTL_OPT_STRING, &o.rate, false },
		{ "--start", CTL_OPT_STRING, &o.start, false },
		{ "--length", CTL_OPT_STRING, &o.length, false },
		{ "--checkpoint", CTL_OPT_STRING, &o.state, false },
		{ "--restart", CTL_OPT_FLAG, &o.restart, false },
		{ "--retries", CTL_OPT_U64, &o.retries, false },
		{ "--interval", CTL_OPT_U64, &o.interval, false },
		{ NULL, 0, NULL, false },
	};
	struct dmr_scan_opts a = { .size = sizeof(a) };
	struct prog p = { .cmd = "scrub" };
	int code, r;

	if (ctl_args(c, argc, argv, opts, 1, 1, &code) < 0)
		return code;
	p.name = argv[1];
	code = prepare(c, &o, opts, &a, &p);
	if (code)
		return code;
	ctl_signals_catch();
	r = dmr_scrub(c->ctx, argv[1], &a);
	ctl_signals_restore();
	return report(&p, r);
}

const struct ctl_cmd ctl_cmd_scrub = {
	.name = "scrub",
	.usage = "NAME [--rate MB/s] [--start BYTES] [--length BYTES] [--checkpoint FILE] [--restart] [--retries N] [--interval SEC] [--json]",
	.summary = "read all of /dev/mapper/NAME so that unreadable blocks become pending",
	.help =
	"Reads with O_DIRECT and writes nothing; the kernel marks the blocks main\n"
	"cannot read pending (the next write remaps them).  Every unreadable range\n"
	"is reported.  A progress bar on a terminal, JSON lines otherwise.\n"
	"Exit 0: all read; 7: unreadable blocks found; 8: stopped (SIGINT, SIGTERM).\n"
	"  --rate MB/s       read at most this fast (10^6 bytes a second; 2.5 works)\n"
	"  --start BYTES     where to begin, a multiple of the block (K M G T suffixes)\n"
	"  --length BYTES    how much to read (default: to the end)\n"
	"  --checkpoint FILE where progress is kept, to resume (default\n"
	"                    /var/lib/dmremap/scrub-NAME.checkpoint, removed when done)\n"
	"  --restart         ignore the checkpoint: start from the beginning\n"
	"  --retries N       read a failing block N more times (default 0)\n"
	"  --interval SEC    seconds between JSON progress lines (default 10)\n"
	"  --json            JSON lines even on a terminal\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = scrub,
};

static int copy(struct ctl *c, int argc, char **argv)
{
	struct scan_opts o = { .retries = 2 };
	struct ctl_opt opts[] = {
		{ "--rate", CTL_OPT_STRING, &o.rate, false },
		{ "--mapfile", CTL_OPT_STRING, &o.state, false },
		{ "--restart", CTL_OPT_FLAG, &o.restart, false },
		{ "--retry-bad", CTL_OPT_FLAG, &o.retry_bad, false },
		{ "--retries", CTL_OPT_U64, &o.retries, false },
		{ "--interval", CTL_OPT_U64, &o.interval, false },
		{ "--yes", CTL_OPT_FLAG, &o.yes, false },
		{ "--batch-mode", CTL_OPT_FLAG, &o.batch, false },
		{ NULL, 0, NULL, false },
	};
	struct dmr_scan_opts a = { .size = sizeof(a) };
	struct prog p = { .cmd = "copy" };
	struct ctl_confirm cf = { .c = c };
	int code, r;

	if (ctl_args(c, argc, argv, opts, 2, 2, &code) < 0)
		return code;
	if (o.restart && o.retry_bad)
		return ctl_usage_fail(c, "--restart and --retry-bad exclude each other");
	p.name = argv[1];
	code = prepare(c, &o, opts, &a, &p);
	if (code)
		return code;
	cf.yes = o.yes || o.batch;
	dmr_set_confirm_fn(c->ctx, ctl_confirm, &cf);
	ctl_signals_catch();
	r = dmr_copy(c->ctx, argv[1], argv[2], &a);
	ctl_signals_restore();
	return report(&p, r);
}

const struct ctl_cmd ctl_cmd_copy = {
	.name = "copy",
	.usage = "NAME DEST [--mapfile FILE] [--retries N] [--retry-bad] [--restart] [--rate MB/s] [--yes|--batch-mode] [--interval SEC] [--json]",
	.summary = "copy /dev/mapper/NAME to a new disk DEST, skipping unreadable blocks",
	.help =
	"Copies the device as it reads (remapped blocks from the spare) with\n"
	"O_DIRECT; a block that cannot be read is retried, then left as it is on\n"
	"DEST and recorded in the mapfile (GNU ddrescue's format).  Running it\n"
	"again resumes from the mapfile.  DEST must be at least as large, not in\n"
	"use, and is only overwritten when it holds a signature libblkid knows\n"
	"after a confirmation.  Exit 0: all copied; 7: unreadable blocks (see the\n"
	"mapfile); 8: stopped (SIGINT, SIGTERM).\n"
	"  --mapfile FILE    the map (default /var/lib/dmremap/copy-NAME.map)\n"
	"  --retries N       read a failing block N more times (default 2)\n"
	"  --retry-bad       read the blocks the mapfile says unreadable again\n"
	"  --restart         ignore the mapfile: copy everything again\n"
	"  --rate MB/s       read at most this fast (10^6 bytes a second)\n"
	"  --yes, --batch-mode  overwrite DEST without asking\n"
	"  --interval SEC    seconds between JSON progress lines (default 10)\n"
	"  --json            JSON lines even on a terminal\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = copy,
};
