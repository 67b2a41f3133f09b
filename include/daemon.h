/*
 * The long-running agent.  The main thread runs the event loop (signals,
 * the control socket, timers); syncs run on one worker thread, so that the
 * daemon answers `xfedctl status` while a sync waits on a silent server.
 *
 *   daemon.c   event loop, signals, scheduling, reload
 *   worker.c   the sync thread and its queue
 *   control.c  the control socket and its clients
 *   status.c   what status reports, and the metrics file
 */
#ifndef XFED_DAEMON_H
#define XFED_DAEMON_H

#include <sys/types.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "audit.h"
#include "config.h"
#include "control.h"
#include "sync.h"

/* A configuration shared by the loop and the worker, freed by the last. */
struct xfed_cfgref {
	struct xfed_config	*cfg;
	int			 refs;		/* guarded by daemon.lock */
};

enum xfed_job_kind { XFED_JOB_SYNC, XFED_JOB_PLAN };

/* One sync or plan for the worker; its result comes back in the same. */
struct xfed_job {
	enum xfed_job_kind	 kind;
	const char		*trigger;	/* startup, timer, ctl, signal */
	char			**domains;	/* filters, owned */
	size_t			 n_domains;
	char			**zones;
	size_t			 n_zones;
	bool			 force;
	char			*config;	/* plan: candidate, owned */
	long			 uid;		/* requester, -1: none */
	int			 client;	/* waiting client id, -1: none */
	/* Clients of equivalent requests folded into this job. */
	int			*more;
	size_t			 n_more;
	bool			 on_demand;	/* only clients want it */
	/* Filled in by the worker. */
	int			 exit_code;
	char			*error;		/* why the job could not run */
	char			*text;
	json_t			*result;
	struct xfed_job		*next;
};

/*
 * xfedctl status exits as sync does (XFED_EXIT_*: 0 every zone in sync, 2
 * some zone failed or in conflict, 3 some zone refused by max-deletes), or
 * with this when no sync has finished yet: nothing is known.
 */
#define XFED_STATUS_EXIT_UNKNOWN	4

/* Per zone, what the last syncs found. */
struct xfed_zone_status {
	char		*zone;
	char		*server;
	char		*result;	/* "in sync", "FAILED"... */
	char		*detail;
	uint64_t	 last_sync;	/* wall clock, seconds */
	uint64_t	 last_success;
	unsigned	 failures;	/* consecutive */
	uint64_t	 retry_at;	/* monotonic ms, 0: none */
	uint64_t	 syncs;
	uint64_t	 messages;
	uint64_t	 conflicts;
};

struct xfed_status {
	struct xfed_zone_status	*zones;
	size_t			 n;
	uint64_t		 started;	/* wall clock */
	uint64_t		 last_sync;	/* wall clock, 0: none yet */
	const char		*last_trigger;
	int			 last_exit;
	uint64_t		 syncs;
	uint64_t		 messages;
	uint64_t		 conflicts;
	bool			 syncing;
	uint64_t		 sync_started;	/* monotonic ms */
};

struct xfed_daemon {
	const char		*config_path;
	struct xfed_cfgref	*cfg;		/* current; guarded by lock */
	struct xfed_audit	*audit;
	pthread_mutex_t		 lock;		/* cfg, queue, done, status */
	pthread_cond_t		 wake;		/* worker: queue or stop */
	struct xfed_job		*queue;
	struct xfed_job		*done;
	struct xfed_status	 status;
	int			 done_fd;	/* eventfd: a job finished */
	int			 cancel_fd;	/* eventfd: abandon reads */
	int			 reload_fd;	/* eventfd: a load finished */
	struct xfed_reload	*reload;	/* main thread only */
	atomic_bool		 stopping;
	pthread_t		 worker;
	uint64_t		 next_sync;	/* monotonic ms, 0: none */
	uint64_t		 watchdog_usec;	/* 0: no watchdog */
	struct xfed_flap	 flap;		/* worker thread only */
};

/* daemon.c */
int	xfed_daemon_run(const char *config_path, bool foreground);
/*
 * Swap in cfg, loaded by reload.c (NULL: it did not load, and *errors
 * says why), unless it moves what only a restart may move.  0 with
 * *changes (which domains changed; the caller's), or XFED_ECONFIG with
 * the FILE:LINE problems in *errors; the running configuration then stays.
 */
int	xfed_daemon_reload_apply(struct xfed_daemon *d, const char *trigger,
	    long uid, struct xfed_config *cfg, const char *sha256,
	    char **errors, json_t **changes);

/*
 * reload.c: SIGHUP and `xfedctl reload` load the file on a thread of
 * their own; the loop calls xfed_reload_done when reload_fd is readable,
 * and the client (-1: none) gets the outcome.
 */
int	xfed_reload_init(struct xfed_daemon *d);
void	xfed_reload_request(struct xfed_daemon *d, const char *trigger,
	    long uid, int client);
void	xfed_reload_done(struct xfed_daemon *d);
void	xfed_reload_stop(struct xfed_daemon *d);
/* Reopen the audit log (rotation) and say who asked, in the new file. */
int	xfed_daemon_reopen(struct xfed_daemon *d, const char *trigger,
	    long uid);

/* worker.c */
int	xfed_worker_start(struct xfed_daemon *d);
void	xfed_worker_stop(struct xfed_daemon *d);
void	xfed_worker_submit(struct xfed_daemon *d, struct xfed_job *job);
struct xfed_job *xfed_worker_take_done(struct xfed_daemon *d);
void	xfed_job_free(struct xfed_job *job);
struct xfed_cfgref *xfed_cfgref_get(struct xfed_daemon *d);
void	xfed_cfgref_put(struct xfed_daemon *d, struct xfed_cfgref *ref);

/* status.c (callers hold d->lock) */
void	xfed_status_record(struct xfed_daemon *d, const struct xfed_job *job,
	    const struct xfed_sync_report *rep, uint64_t interval);
json_t	*xfed_status_json(const struct xfed_daemon *d);
uint64_t xfed_status_next_retry(const struct xfed_daemon *d);
char	**xfed_status_due_zones(const struct xfed_daemon *d, uint64_t now,
	    size_t *n, bool *full);
int	xfed_status_exit(const struct xfed_status *st);
void	xfed_status_clear(struct xfed_status *st);
char	*xfed_metrics_render(const struct xfed_status *st);
/* Not under d->lock: writes the file rendered above. */
int	xfed_metrics_write(const char *path, const char *text);

/* statustext.c: status for humans, with times relative to now */
char	*xfed_status_text(json_t *status);

/* control.c: the socket and its clients (main thread only) */
#define XFED_CONTROL_MAX_CLIENTS	64
int	xfed_control_listen(const char *path, int *fd);
void	xfed_control_accept(struct xfed_daemon *d, int lfd);
size_t	xfed_control_pollfds(struct pollfd *pfd, int *ids, size_t max);
void	xfed_control_handle(struct xfed_daemon *d, int id, short revents);
void	xfed_control_reply(int id, char *line);	/* takes line */
uint64_t xfed_control_next_deadline(void);
void	xfed_control_expire(struct xfed_daemon *d, uint64_t now);
void	xfed_control_close_all(void);

/*
 * daemon.c: what the control commands ask of the agent.  A job equal to
 * (or covered by) one still queued is folded into it, and freed; 0, or -1
 * when the queue is full (the job is freed: tell the client to retry).
 */
#define XFED_QUEUE_MAX	64
int	xfed_daemon_queue(struct xfed_daemon *d, struct xfed_job *job);
/* Client id left: forget it; drop a queued job nobody else waits for. */
void	xfed_daemon_client_gone(struct xfed_daemon *d, int id);
/* Send line (taken) to every client of job. */
void	xfed_job_reply(struct xfed_job *job, char *line);

#endif
