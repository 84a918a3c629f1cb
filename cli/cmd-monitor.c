// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dmremapctl monitor: one thread per watched device blocks in
 * libdevmapper's DM_DEVICE_WAITEVENT (dmr_watch_wait), reads what changed
 * and queues the events; the main thread prints each as a JSON line, logs
 * it to syslog and runs --exec PROG with it in the environment.  Devices
 * that appear are found by listing the dm-remap devices (one cheap
 * DM_DEVICE_LIST and a table per device, no status) every --scan-interval
 * seconds; a removal wakes its waiter at once.  SIGTERM, SIGINT and SIGHUP
 * end it (exit 0), so does the removal of every device named.
 */
#define _GNU_SOURCE	/* asprintf, pipe2, pthread_timedjoin_np */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ctl-ops.h"

extern char **environ;

struct mon;

struct watcher {
	struct mon *m;
	char *name;
	struct dmr_ctx *ctx;		/* the thread's own */
	struct dmr_watch *w;
	pthread_t th;
	bool started;
	volatile bool done;		/* the thread has ended */
};

struct mon {
	struct ctl *c;
	const char *exec;
	bool syslog, quiet;
	struct dmr_thresholds t;
	pthread_mutex_t lock;
	/* libdevmapper is not thread-safe: every call but the waits holds it
	 * (libdmremap(3), THREADS). */
	pthread_mutex_t dm;
	int pipe[2];
	struct dmr_event **q;		/* queued by the threads (lock) */
	size_t nq, capq;
	char **errors;			/* messages of the threads (lock) */
	size_t nerr;
	struct watcher **w;
	size_t nw;
	volatile int stop;
};

static void wake(struct mon *m)
{
	char b = 1;

	if (write(m->pipe[1], &b, 1) < 0 && errno != EAGAIN)
		return;
}

static void push(struct mon *m, struct dmr_event **ev, size_t n)
{
	struct dmr_event **q;
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (m->nq + n > m->capq) {
		size_t cap = m->capq ? m->capq : 16;

		while (cap < m->nq + n)
			cap *= 2;
		q = realloc(m->q, cap * sizeof(*q));
		if (q) {
			m->q = q;
			m->capq = cap;
		}
	}
	for (i = 0; i < n; i++) {
		if (m->nq < m->capq)
			m->q[m->nq++] = ev[i];
		else
			dmr_events_free(&ev[i], 1);	/* out of memory: dropped */
	}
	pthread_mutex_unlock(&m->lock);
	free(ev);
	wake(m);
}

static void push_error(struct mon *m, const char *name, const char *msg)
{
	char **e, *s = NULL;

	if (asprintf(&s, "%s: %s", name, msg) < 0)
		return;
	pthread_mutex_lock(&m->lock);
	e = realloc(m->errors, (m->nerr + 1) * sizeof(*e));
	if (e) {
		m->errors = e;
		m->errors[m->nerr++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&m->lock);
	free(s);
	wake(m);
}

static void nop(int sig)
{
	(void)sig;
}

static void *waiter(void *arg)
{
	struct watcher *wt = arg;
	struct mon *m = wt->m;
	struct dmr_event **ev;
	sigset_t set;
	size_t n;
	int r;

	/* SIGUSR1 ends a wait (EINTR): how the main thread stops us. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!m->stop) {
		r = dmr_watch_wait(wt->ctx, wt->w);
		if (m->stop)
			break;
		if (r == -EINTR)
			continue;
		pthread_mutex_lock(&m->dm);
		r = dmr_watch_update(wt->ctx, wt->w, &ev, &n);
		pthread_mutex_unlock(&m->dm);
		if (r < 0) {
			push_error(m, wt->name, dmr_error(wt->ctx));
			sleep(1);	/* no busy loop on a persistent failure */
			continue;
		}
		push(m, ev, n);
		if (r == 1)
			break;		/* removed */
	}
	wt->done = true;
	wake(m);
	return NULL;
}

/* Run PROG EVENT DEVICE with the event's environment; wait for it. */
static void run_exec(struct mon *m, const struct dmr_event *e)
{
	char *argv[4] = { (char *)m->exec, (char *)e->type, e->name, NULL };
	size_t n = 0, k = 0, i;
	char **envp;
	pid_t pid;
	int st;

	while (environ[n])
		n++;
	for (i = 0; e->env[i]; i++)
		;
	envp = calloc(n + i + 1, sizeof(*envp));
	if (!envp)
		return;
	for (i = 0; e->env[i]; i++)
		envp[k++] = e->env[i];
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "DMREMAP_", 8))
			envp[k++] = environ[i];
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execve(m->exec, argv, envp);
		_exit(127);
	}
	free(envp);
	if (pid < 0) {
		ctl_note(m->c, "cannot run %s: %s", m->exec, strerror(errno));
		return;
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		ctl_note(m->c, "%s %s %s: could not be run (exit 127)", m->exec, e->type, e->name);
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		ctl_note(m->c, "%s %s %s failed (%s %d)", m->exec, e->type, e->name,
			 WIFEXITED(st) ? "exit" : "signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void deliver(struct mon *m, struct dmr_event **ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!m->quiet) {
			fprintf(m->c->out, "%s\n", ev[i]->json);
			fflush(m->c->out);
		}
		if (m->syslog)
			ctl_syslog(ev[i]->level, ev[i]->message);
		if (m->exec)
			run_exec(m, ev[i]);
	}
}

static void drain(struct mon *m)
{
	struct dmr_event **q;
	char **errs;
	size_t n, ne, i;
	char b[64];

	while (read(m->pipe[0], b, sizeof(b)) > 0)
		;
	pthread_mutex_lock(&m->lock);
	q = m->q;
	n = m->nq;
	errs = m->errors;
	ne = m->nerr;
	m->q = NULL;
	m->nq = m->capq = 0;
	m->errors = NULL;
	m->nerr = 0;
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < ne; i++) {
		ctl_note(m->c, "%s", errs[i]);
		if (m->syslog)
			ctl_syslog(LOG_ERR, errs[i]);
		free(errs[i]);
	}
	free(errs);
	deliver(m, q, n);
	dmr_events_free(q, n);
}

static struct watcher *find(struct mon *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nw; i++)
		if (!strcmp(m->w[i]->name, name))
			return m->w[i];
	return NULL;
}

static void free_watcher(struct watcher *wt)
{
	dmr_watch_free(wt->w);
	dmr_ctx_free(wt->ctx);
	free(wt->name);
	free(wt);
}

/* Start watching @name: its first events, then its thread.  0 or errno. */
static int add(struct mon *m, const char *name, unsigned int flags, bool report)
{
	struct dmr_watch_opts o = { .size = sizeof(o), .thresholds = &m->t,
				    .flags = flags };
	struct watcher *wt = calloc(1, sizeof(*wt)), **w;
	struct dmr_event **ev;
	size_t n;
	int r;

	if (!wt || !(wt->name = strdup(name)) || dmr_ctx_new(&wt->ctx)) {
		if (wt)
			free(wt->name);
		free(wt);
		ctl_fail(m->c, CTL_EXIT_NOMEM, "out of memory");
		return -ENOMEM;
	}
	wt->m = m;
	dmr_set_producer(wt->ctx, "dmremapctl", CTL_VERSION);
	pthread_mutex_lock(&m->dm);
	r = dmr_watch_new(wt->ctx, name, &o, &wt->w, &ev, &n);
	pthread_mutex_unlock(&m->dm);
	if (r) {
		if (report)
			ctl_fail(m->c, ctl_exit_from_errno(r), "%s", dmr_error(wt->ctx));
		free_watcher(wt);
		return r;
	}
	w = realloc(m->w, (m->nw + 1) * sizeof(*w));
	if (!w) {
		dmr_events_free(ev, n);
		free_watcher(wt);
		ctl_fail(m->c, CTL_EXIT_NOMEM, "out of memory");
		return -ENOMEM;
	}
	m->w = w;
	m->w[m->nw++] = wt;
	deliver(m, ev, n);
	dmr_events_free(ev, n);
	return 0;
}

static int start(struct watcher *wt)
{
	int r = pthread_create(&wt->th, NULL, waiter, wt);

	wt->started = !r;
	return -r;
}

/* Join the threads that ended; returns how many watchers are left. */
static size_t reap(struct mon *m)
{
	size_t i, k = 0;

	for (i = 0; i < m->nw; i++) {
		if (m->w[i]->started && m->w[i]->done) {
			pthread_join(m->w[i]->th, NULL);
			free_watcher(m->w[i]);
			continue;
		}
		m->w[k++] = m->w[i];
	}
	m->nw = k;
	return k;
}

/* The devices that appeared since the last look. */
static void scan(struct mon *m, unsigned int flags)
{
	struct dmr_ctx *ctx = m->c->ctx;
	char **names;
	size_t n, i;
	int r;

	pthread_mutex_lock(&m->dm);
	r = dmr_list(ctx, &names, &n);
	pthread_mutex_unlock(&m->dm);
	if (r) {
		ctl_note(m->c, "cannot list the devices: %s", dmr_error(ctx));
		return;
	}
	for (i = 0; i < n && !m->stop; i++) {
		if (find(m, names[i]))
			continue;
		if (!add(m, names[i], flags, false) && flags)
			start(m->w[m->nw - 1]);
	}
	dmr_names_free(names, n);
}

/* Stop every thread: SIGUSR1 until it has seen m->stop. */
static void stop_all(struct mon *m)
{
	struct timespec ts;
	size_t i;
	int tries;

	m->stop = 1;
	for (i = 0; i < m->nw; i++) {
		if (!m->w[i]->started)
			continue;
		for (tries = 0; tries < 100; tries++) {
			pthread_kill(m->w[i]->th, SIGUSR1);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (!pthread_timedjoin_np(m->w[i]->th, NULL, &ts))
				break;
		}
		if (tries == 100)
			pthread_detach(m->w[i]->th);	/* stuck: leave it */
		else
			m->w[i]->started = false;
	}
}

static int monitor(struct ctl *c, int argc, char **argv)
{
	uint64_t interval = 10;
	bool no_syslog = false, oneshot = false;
	struct mon m = { .c = c };
	struct ctl_opt opts[] = {
		{ "--exec", CTL_OPT_STRING, &m.exec, false },
		{ "--no-syslog", CTL_OPT_FLAG, &no_syslog, false },
		{ "--quiet", CTL_OPT_FLAG, &m.quiet, false },
		{ "--oneshot", CTL_OPT_FLAG, &oneshot, false },
		{ "--scan-interval", CTL_OPT_U64, &interval, false },
		{ "--warn-spare", CTL_OPT_PERCENT, &m.t.spare_warn_pct, false },
		{ "--crit-spare", CTL_OPT_PERCENT, &m.t.spare_crit_pct, false },
		{ NULL, 0, NULL, false },
	};
	struct sigaction sa, old_usr1;
	sigset_t set, old_mask;
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	int64_t next_scan;
	struct timespec now;
	int n, code = CTL_EXIT_OK, i, sfd = -1, timeout;

	m.t.size = sizeof(m.t);
	dmr_thresholds_default(&m.t);
	n = ctl_args(c, argc, argv, opts, 0, -1, &code);
	if (n < 0)
		return code;
	if (!interval || interval > 86400)
		return ctl_usage_fail(c, "--scan-interval must be 1 to 86400 seconds");
	if (m.t.spare_warn_pct && m.t.spare_crit_pct && m.t.spare_warn_pct > m.t.spare_crit_pct)
		return ctl_usage_fail(c, "--warn-spare %u is above --crit-spare %u",
				      m.t.spare_warn_pct, m.t.spare_crit_pct);
	if (m.exec && access(m.exec, X_OK))
		return ctl_fail(c, CTL_EXIT_USAGE, "--exec %s: %s", m.exec, strerror(errno));
	m.syslog = !no_syslog;
	if (!ctl_ctx(c, &code))
		return code;
	if (pipe2(m.pipe, O_CLOEXEC | O_NONBLOCK))
		return ctl_fail(c, CTL_EXIT_NOMEM, "pipe: %s", strerror(errno));
	pthread_mutex_init(&m.lock, NULL);
	pthread_mutex_init(&m.dm, NULL);

	/* The signals go to a signalfd of this thread; SIGUSR1 wakes waiters. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old_mask);
	sigdelset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nop;		/* no SA_RESTART: the wait ioctl returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old_usr1);
	if (sfd < 0) {
		code = ctl_fail(c, CTL_EXIT_NOMEM, "signalfd: %s", strerror(errno));
		goto out;
	}

	for (i = 1; i <= n; i++) {
		int r = add(&m, argv[i], 0, true);

		if (r) {
			code = ctl_exit_from_errno(r);
			goto out;
		}
	}
	if (!n)
		scan(&m, 0);	/* there at the start: "watching" */
	if (oneshot)
		goto out;
	for (i = 0; i < (int)m.nw; i++)
		start(m.w[i]);
	clock_gettime(CLOCK_MONOTONIC, &now);
	next_scan = now.tv_sec + (int64_t)interval;
	for (;;) {
		if (n && !reap(&m))
			break;			/* every named device is gone */
		if (!n)
			reap(&m);
		timeout = -1;
		if (!n) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			timeout = next_scan > now.tv_sec ? (int)(next_scan - now.tv_sec) * 1000 : 0;
		}
		pfd[0] = (struct pollfd){ .fd = m.pipe[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN) {
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			break;
		}
		if (pfd[0].revents & POLLIN)
			drain(&m);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!n && now.tv_sec >= next_scan) {
			scan(&m, DMR_WATCH_APPEARED);
			next_scan = now.tv_sec + (int64_t)interval;
		}
	}
	stop_all(&m);
	drain(&m);
out:
	stop_all(&m);
	for (i = 0; i < (int)m.nw; i++)
		if (!m.w[i]->started)
			free_watcher(m.w[i]);
	free(m.w);
	drain(&m);
	if (sfd >= 0)
		close(sfd);
	close(m.pipe[0]);
	close(m.pipe[1]);
	sigaction(SIGUSR1, &old_usr1, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	pthread_mutex_destroy(&m.lock);
	pthread_mutex_destroy(&m.dm);
	return code;
}

const struct ctl_cmd ctl_cmd_monitor = {
	.name = "monitor",
	.usage = "[NAME...] [--exec PROG] [--no-syslog] [--quiet] [--oneshot] [--scan-interval SEC] [--warn-spare PCT] [--crit-spare PCT]",
	.summary = "wait for dm events of dm-remap devices; one JSON line per change",
	.help =
	"Waits with libdevmapper's DM_DEVICE_WAITEVENT (no polling of the status).\n"
	"Events: watching, appeared, removed, remapped, pending, pending_cleared,\n"
	"spare_errors, spare_threshold, exhausted, metadata_failed, main_failed,\n"
	"lost.  Each is a JSON line on standard output and a syslog message.\n"
	"Without NAME every dm-remap device is watched, and new ones are found by\n"
	"listing the devices every --scan-interval seconds.  Ends with exit 0 on\n"
	"SIGTERM, SIGINT or SIGHUP, and when every NAME given has been removed.\n"
	"  --exec PROG       run PROG EVENT NAME for each event, with DMREMAP_*\n"
	"                    variables (dmremapctl(8), MONITOR); waited for\n"
	"  --no-syslog       no syslog messages\n"
	"  --quiet           no JSON lines\n"
	"  --oneshot         report the devices' state once and exit\n"
	"  --scan-interval SEC  how often to look for new devices (default 10)\n"
	"  --warn-spare PCT  spare use that is a warning event (default 80)\n"
	"  --crit-spare PCT  spare use that is a critical event (default 95)\n",
	.json = true,
	.usage_exit = CTL_EXIT_USAGE,
	.run = monitor,
};
