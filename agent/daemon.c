/*
 * The agent's event loop: signals (signalfd), the control socket, the
 * worker's completions and the timers (periodic sync with jitter, retries
 * of failed zones with backoff, the systemd watchdog), all in one poll(2).
 * No busy waits, no sleeps: the loop only ever blocks in poll.
 */
#include <sys/eventfd.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgdiff.h"
#include "daemon.h"
#include "error.h"
#include "log.h"
#include "notify.h"
#include "sockdir.h"
#include "util.h"

enum { FD_SIGNAL, FD_LISTEN, FD_DONE, FD_RELOAD, FD_FIRST_CLIENT };

/* The loop's own state, beside the shared struct xfed_daemon. */
struct loop {
	struct xfed_daemon	*d;
	int			 sigfd;
	int			 lfd;
	char			*socket_path;
	uint64_t		 next_watchdog;
	bool			 stop;
};

/* Periodic syncs are spread by up to 10% so many agents do not align. */
static uint64_t
next_periodic(unsigned interval)
{
	uint64_t ms = (uint64_t)interval * 1000;

	if (interval == 0)
		return 0;
	return xfed_now_ms() + ms - ms / 20 + (uint64_t)random() % (ms / 10 + 1);
}

static void
queue_sync(struct xfed_daemon *d, const char *trigger, char **zones,
    size_t n)
{
	struct xfed_job *job = xcalloc(1, sizeof(*job));

	job->kind = XFED_JOB_SYNC;
	job->trigger = trigger;
	job->zones = zones;
	job->n_zones = n;
	job->uid = -1;
	job->client = -1;
	(void)xfed_daemon_queue(d, job);
}

/* Say which domains the new configuration adds, removes and changes. */
static json_t *
reload_changes(const struct xfed_config *old, const struct xfed_config *cfg)
{
	struct xfed_cfgdiff diff;
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *changes;

	xfed_cfgdiff(old, cfg, &diff);
	xfed_cfgdiff_print(f, "reload: ", &diff);
	fclose(f);
	/* One journal entry per line. */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("%s", line);
	free(text);
	changes = xfed_cfgdiff_json(&diff);
	xfed_cfgdiff_clear(&diff);
	return changes;
}

static int
restart_only(FILE *err, const char *file, const char *opt, int line,
    const char *now, const char *next)
{
	if (strcmp(now, next) == 0)
		return 0;
	fprintf(err, "%s:%d: changing %s needs a restart (systemctl restart "
	    "xfedd): it is %s until then\n", file, line, opt, now);
	return 1;
}

/*
 * The socket, the audit log and the state directory are opened once: a
 * reload that moves them would leave xfedd listening, logging or
 * remembering in the old place while the file says otherwise (and a moved
 * state-dir would forget every zone published into).  Refuse it.
 */
static int
check_restart_only(const struct xfed_config *now,
    const struct xfed_config *next, FILE *err)
{
	const char *f = next->path;

	return restart_only(err, f, "socket", next->socket_line, now->socket,
	    next->socket) + restart_only(err, f, "audit-log",
	    next->audit_log_line, now->audit_log, next->audit_log) +
	    restart_only(err, f, "state-dir", next->state_dir_line,
	    now->state_dir, next->state_dir);
}

/* Loaded, but moving what only a restart may move: *errors says what. */
static bool
moves_paths(const struct xfed_config *now, const struct xfed_config *next,
    char **errors)
{
	size_t len = 0;
	FILE *err;
	int n;

	free(*errors);
	err = open_memstream(errors, &len);
	n = check_restart_only(now, next, err);
	fclose(err);
	return n > 0;
}

int
xfed_daemon_reload_apply(struct xfed_daemon *d, const char *trigger,
    long uid, struct xfed_config *cfg, const char *sha256, char **errors,
    json_t **changes)
{
	json_t *diff;
	struct xfed_cfgref *ref, *old;
	size_t i;

	if (cfg != NULL && moves_paths(d->cfg->cfg, cfg, errors)) {
		xfed_config_free(cfg);
		cfg = NULL;
	}
	if (cfg == NULL) {
		log_warnx("reload: %s rejected, the running configuration "
		    "stays in force:\n%s", d->config_path, *errors);
		xfed_audit_config_reload(d->audit, d->config_path,
		    sha256[0] != '\0' ? sha256 : NULL, false, *errors, trigger,
		    uid);
		xfed_notify_ready("reload rejected; running configuration kept");
		return XFED_ECONFIG;
	}
	free(*errors);
	*errors = NULL;
	/* Only this thread swaps the configuration: the old one is stable. */
	diff = reload_changes(d->cfg->cfg, cfg);
	if (changes != NULL)
		*changes = diff;
	else
		json_decref(diff);
	ref = xcalloc(1, sizeof(*ref));
	ref->cfg = cfg;
	ref->refs = 1;
	pthread_mutex_lock(&d->lock);
	old = d->cfg;
	d->cfg = ref;
	d->next_sync = next_periodic(cfg->interval);
	pthread_mutex_unlock(&d->lock);
	xfed_cfgref_put(d, old);
	log_info("configuration %s reloaded", d->config_path);
	xfed_audit_config_reload(d->audit, d->config_path, sha256, true, NULL,
	    trigger, uid);
	for (i = 0; i < cfg->n_keys; i++)
		xfed_audit_add_binary_secret(d->audit, cfg->keys[i].secret,
		    cfg->keys[i].secret_len);
	xfed_notify_ready("configuration reloaded");
	queue_sync(d, trigger, NULL, 0);
	return 0;
}

int
xfed_daemon_reopen(struct xfed_daemon *d, const char *trigger, long uid)
{
	json_t *rec;

	if (xfed_audit_reopen(d->audit) != 0)
		return XFED_EIO;
	/* The first record of the new file says who rotated it. */
	rec = json_pack("{s:s}", "trigger", trigger);
	if (uid >= 0)
		json_object_set_new(rec, "uid", json_integer(uid));
	xfed_audit_write(d->audit, "audit-reopen", rec);
	return 0;
}

static void
on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %u: stopping", si.ssi_signo);
		l->stop = true;
		break;
	case SIGHUP:
		log_info("SIGHUP: reloading %s", l->d->config_path);
		xfed_reload_request(l->d, "signal", -1, -1);
		break;
	case SIGUSR1:
		log_info("SIGUSR1: reopening the audit log");
		xfed_daemon_reopen(l->d, "signal", -1);
		break;
	}
}

static void
announce(const struct xfed_job *job)
{
	char *status;

	status = xasprintf("last sync (%s): %s", job->trigger,
	    job->exit_code == 0 ? "all zones in sync" : job->exit_code == 3 ?
	    "a change was refused by max-deletes" :
	    "some zones could not be brought in sync");
	xfed_notify_status(status);
	free(status);
}

/* Hand finished jobs back to their clients. */
static void
on_done(struct loop *l)
{
	struct xfed_job *job;
	uint64_t n;

	if (read(l->d->done_fd, &n, sizeof(n)) != sizeof(n))
		return;
	while ((job = xfed_worker_take_done(l->d)) != NULL) {
		if (job->kind == XFED_JOB_SYNC)
			announce(job);
		if (job->client >= 0) {
			json_t *res = job->result;

			job->result = NULL;
			xfed_job_reply(job, xfed_ctl_format_response(
			    job->error == NULL, job->exit_code, job->text,
			    job->error, res));
		}
		xfed_job_free(job);
	}
}

/* Called with d->lock held. */
static bool
worker_busy(const struct xfed_daemon *d)
{
	return d->status.syncing || d->queue != NULL;
}

static void
on_timers(struct loop *l, uint64_t now)
{
	struct xfed_daemon *d = l->d;
	char **zones = NULL;
	size_t n = 0, i;
	bool periodic, full = false;

	if (d->watchdog_usec > 0 && now >= l->next_watchdog) {
		xfed_notify_watchdog();
		l->next_watchdog = now + d->watchdog_usec / 2000;
	}
	xfed_control_expire(d, now);
	pthread_mutex_lock(&d->lock);
	/*
	 * Timers wait while a sync runs or is queued: that sync reads the
	 * zones anyway, and a stuck one must not leave a pile of timer
	 * syncs behind it.  Once the worker is idle, one timer sync runs.
	 */
	if (worker_busy(d)) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	periodic = d->next_sync != 0 && now >= d->next_sync;
	if (periodic)
		d->next_sync = next_periodic(d->cfg->cfg->interval);
	if (!periodic)
		zones = xfed_status_due_zones(d, now, &n, &full);
	pthread_mutex_unlock(&d->lock);
	if (full) {
		for (i = 0; i < n; i++)
			free(zones[i]);
		free(zones);
		zones = NULL;
	}
	if (periodic || full)
		queue_sync(d, "timer", NULL, 0);
	else if (zones != NULL)
		queue_sync(d, "timer", zones, n);
}

static int
poll_timeout(struct loop *l, uint64_t now)
{
	uint64_t next = 0, t = 0;

	pthread_mutex_lock(&l->d->lock);
	/* Timers wait for an idle worker (on_timers): no busy loop. */
	if (!worker_busy(l->d)) {
		next = l->d->next_sync;
		t = xfed_status_next_retry(l->d);
	}
	pthread_mutex_unlock(&l->d->lock);
	if (t != 0 && (next == 0 || t < next))
		next = t;
	t = xfed_control_next_deadline();
	if (t != 0 && (next == 0 || t < next))
		next = t;
	if (l->d->watchdog_usec > 0 && (next == 0 || l->next_watchdog < next))
		next = l->next_watchdog;
	if (next == 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void
run_loop(struct loop *l)
{
	struct pollfd pfd[FD_FIRST_CLIENT + XFED_CONTROL_MAX_CLIENTS];
	int ids[XFED_CONTROL_MAX_CLIENTS];
	size_t nc, i;
	int n;

	pfd[FD_SIGNAL] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };
	pfd[FD_LISTEN] = (struct pollfd){ .fd = l->lfd, .events = POLLIN };
	pfd[FD_DONE] = (struct pollfd){ .fd = l->d->done_fd, .events = POLLIN };
	pfd[FD_RELOAD] = (struct pollfd){ .fd = l->d->reload_fd,
	    .events = POLLIN };
	while (!l->stop) {
		nc = xfed_control_pollfds(pfd + FD_FIRST_CLIENT, ids,
		    XFED_CONTROL_MAX_CLIENTS);
		n = poll(pfd, FD_FIRST_CLIENT + nc,
		    poll_timeout(l, xfed_now_ms()));
		if (n == -1 && errno != EINTR)
			fatal("poll");
		if (n > 0 && pfd[FD_SIGNAL].revents)
			on_signal(l);
		if (n > 0 && pfd[FD_DONE].revents)
			on_done(l);
		if (n > 0 && pfd[FD_RELOAD].revents)
			xfed_reload_done(l->d);
		/* Requests before newcomers, who may push idle clients out. */
		for (i = 0; n > 0 && i < nc; i++)
			if (pfd[FD_FIRST_CLIENT + i].revents)
				xfed_control_handle(l->d, ids[i],
				    pfd[FD_FIRST_CLIENT + i].revents);
		if (n > 0 && pfd[FD_LISTEN].revents)
			xfed_control_accept(l->d, l->lfd);
		on_timers(l, xfed_now_ms());
	}
}

static int
block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	/* Blocked before the worker starts, so only signalfd sees them. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
setup(struct loop *l, struct xfed_daemon *d, const char *path, bool fg)
{
	struct xfed_config *cfg;
	char why[1024];

	if (xfed_config_load(path, stderr, &cfg) != 0)
		exit(1);
	if (xfed_audit_open_config(cfg, &d->audit) != 0)
		fatalx("cannot open the audit log %s; not starting",
		    cfg->audit_log);
	d->config_path = path;
	d->cfg = xcalloc(1, sizeof(*d->cfg));
	d->cfg->cfg = cfg;
	d->cfg->refs = 1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	if ((l->sigfd = block_signals()) == -1)
		fatal("signalfd");
	if ((d->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    (d->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1 ||
	    xfed_reload_init(d) == -1)
		fatal("eventfd");
	if (xfed_socket_dir_check(cfg->socket, (uid_t)-1, why,
	    sizeof(why)) != 0)
		fatalx("%s:%d: socket %s: %s; not starting", path,
		    cfg->socket_line, cfg->socket, why);
	if (xfed_control_listen(cfg->socket, &l->lfd) != 0)
		fatalx("cannot listen on %s; not starting", cfg->socket);
	l->socket_path = xstrdup(cfg->socket);
	l->d = d;
	/* Fork before any thread exists; "-f" (systemd) never forks. */
	if (!fg) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		/* stderr is /dev/null now: never silent, so syslog. */
		log_to_syslog();
	}
	srandom((unsigned)(getpid() ^ xfed_now_ms()));
	d->status.started = xfed_wall_seconds();
	d->watchdog_usec = xfed_notify_watchdog_usec();
	d->next_sync = next_periodic(cfg->interval);
	if (xfed_worker_start(d) != 0)
		fatalx("cannot start the sync thread");
}

/* Clients still waiting for a job that will not run get a clear answer. */
static void
drop_queue(struct xfed_daemon *d)
{
	struct xfed_job *job;

	pthread_mutex_lock(&d->lock);
	job = d->queue;
	d->queue = NULL;
	pthread_mutex_unlock(&d->lock);
	while (job != NULL) {
		struct xfed_job *next = job->next;

		if (job->client >= 0)
			xfed_job_reply(job, xfed_ctl_format_response(false, 2,
			    NULL, "xfedd is stopping; not synced", NULL));
		xfed_job_free(job);
		job = next;
	}
}

static void
teardown(struct loop *l, struct xfed_daemon *d)
{
	struct xfed_job *job;

	xfed_notify_stopping();
	xfed_worker_stop(d);
	drop_queue(d);
	while ((job = xfed_worker_take_done(d)) != NULL)
		xfed_job_free(job);
	xfed_reload_stop(d);
	xfed_control_close_all();
	close(l->lfd);
	unlink(l->socket_path);
	free(l->socket_path);
	close(l->sigfd);
	close(d->done_fd);
	close(d->cancel_fd);
	xfed_cfgref_put(d, d->cfg);
	xfed_status_clear(&d->status);
	xfed_flap_clear(&d->flap);
	xfed_audit_close(d->audit);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->wake);
}

int
xfed_daemon_run(const char *config_path, bool foreground)
{
	struct xfed_daemon d;
	struct loop l;

	memset(&d, 0, sizeof(d));
	memset(&l, 0, sizeof(l));
	setup(&l, &d, config_path, foreground);
	log_info("xfedd started: %s, control socket %s", config_path,
	    l.socket_path);
	xfed_notify_ready("started; first sync queued");
	queue_sync(&d, "startup", NULL, 0);
	run_loop(&l);
	teardown(&l, &d);
	log_info("xfedd stopped");
	return 0;
}
