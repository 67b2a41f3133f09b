/*
 * Reloads, off the event loop.  Reading and parsing a configuration file
 * may take a while (a large file, a slow disk), and the loop must keep
 * answering `xfedctl status` meanwhile: the file is loaded on a thread of
 * its own, and the loop swaps the result in (xfed_daemon_reload_apply)
 * once the thread says it is done, through an eventfd.
 *
 * One load at a time.  Requests that come while one runs get the result
 * of the next load, started as soon as this one is applied: the file may
 * have changed since the running load read it.
 */
#include <sys/eventfd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "error.h"
#include "log.h"
#include "notify.h"
#include "util.h"

struct waiter {
	const char	*trigger;	/* signal, ctl */
	long		 uid;
	int		 client;	/* -1: nobody to answer */
};

struct xfed_reload {
	pthread_t	 thread;
	bool		 running;
	struct waiter	*cur;		/* asked for the load that runs */
	size_t		 ncur;
	struct waiter	*next;		/* asked since it started */
	size_t		 nnext;
	/* Written by the thread before it signals, read after the join. */
	const char	*path;
	int		 fd;
	struct xfed_config *cfg;
	char		*errors;
	char		 sha256[65];
};

static void *
load_main(void *arg)
{
	struct xfed_reload *r = arg;
	size_t len = 0;
	FILE *err = open_memstream(&r->errors, &len);
	uint64_t one = 1;

	if (xfed_config_load_digest(r->path, err, &r->cfg, r->sha256) != 0)
		r->cfg = NULL;
	fclose(err);
	if (write(r->fd, &one, sizeof(one)) != sizeof(one))
		log_warn("reload: eventfd");
	return NULL;
}

static void
start(struct xfed_daemon *d)
{
	struct xfed_reload *r = d->reload;

	r->path = d->config_path;
	r->fd = d->reload_fd;
	r->cfg = NULL;
	r->errors = NULL;
	r->sha256[0] = '\0';
	xfed_notify_reloading();
	if (pthread_create(&r->thread, NULL, load_main, r) != 0) {
		/* No thread: load here, the loop waits this once. */
		log_warnx("reload: no thread; loading on the main loop");
		load_main(r);
		r->running = true;
		r->thread = pthread_self();
		return;
	}
	r->running = true;
}

void
xfed_reload_request(struct xfed_daemon *d, const char *trigger, long uid,
    int client)
{
	struct xfed_reload *r = d->reload;
	struct waiter w = { trigger, uid, client };

	if (r->running) {
		r->next = xreallocarray(r->next, r->nnext + 1,
		    sizeof(*r->next));
		r->next[r->nnext++] = w;
		return;
	}
	r->cur = xreallocarray(r->cur, r->ncur + 1, sizeof(*r->cur));
	r->cur[r->ncur++] = w;
	start(d);
}

/* "domains added (1): a.test." ... from the reload's JSON. */
static void
print_changes(FILE *f, json_t *changes)
{
	static const char *const what[] = { "added", "removed", "changed" };
	size_t i, k, total = 0;

	for (i = 0; i < 3; i++) {
		json_t *list = json_object_get(changes, what[i]);

		total += json_array_size(list);
		if (json_array_size(list) == 0)
			continue;
		fprintf(f, "domains %s (%zu):", what[i], json_array_size(list));
		for (k = 0; k < json_array_size(list); k++)
			fprintf(f, " %s", json_string_value(
			    json_array_get(list, k)));
		fputc('\n', f);
	}
	if (total == 0)
		fprintf(f, "no domain added, removed or changed\n");
}

/* The control response for a reload; takes changes. */
static char *
response(int rc, const char *errors, json_t *changes)
{
	char *text = NULL, *line;
	json_t *res = NULL;
	size_t len = 0;
	FILE *f;

	if (rc == 0) {
		f = open_memstream(&text, &len);
		fprintf(f, "configuration reloaded; resync queued\n");
		print_changes(f, changes);
		fclose(f);
		res = json_pack("{s:b, s:O}", "accepted", 1, "domains",
		    changes);
	}
	line = xfed_ctl_format_response(rc == 0, rc == 0 ? 0 : 1, text,
	    errors, res);
	free(text);
	return line;
}

static void
answer(struct xfed_reload *r, int rc, const char *errors, json_t *changes)
{
	size_t i;

	for (i = 0; i < r->ncur; i++)
		if (r->cur[i].client >= 0)
			xfed_control_reply(r->cur[i].client,
			    response(rc, errors, changes));
	free(r->cur);
	r->cur = NULL;
	r->ncur = 0;
}

void
xfed_reload_done(struct xfed_daemon *d)
{
	struct xfed_reload *r = d->reload;
	json_t *changes = NULL;
	uint64_t n;
	int rc;

	if (read(d->reload_fd, &n, sizeof(n)) != sizeof(n) || !r->running)
		return;
	if (!pthread_equal(r->thread, pthread_self()))
		pthread_join(r->thread, NULL);
	r->running = false;
	/* The first to ask is the one the audit log names. */
	rc = xfed_daemon_reload_apply(d, r->cur[0].trigger, r->cur[0].uid,
	    r->cfg, r->sha256, &r->errors, &changes);
	answer(r, rc, r->errors, changes);
	json_decref(changes);
	free(r->errors);
	r->errors = NULL;
	r->cfg = NULL;
	if (r->nnext > 0) {
		r->cur = r->next;
		r->ncur = r->nnext;
		r->next = NULL;
		r->nnext = 0;
		start(d);
	}
}

int
xfed_reload_init(struct xfed_daemon *d)
{
	d->reload = xcalloc(1, sizeof(*d->reload));
	d->reload_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return d->reload_fd == -1 ? -1 : 0;
}

/* Stopping: a load in progress is waited for, and dropped unapplied. */
void
xfed_reload_stop(struct xfed_daemon *d)
{
	struct xfed_reload *r = d->reload;
	const char *why = "xfedd is stopping; configuration not reloaded";
	size_t i;

	if (r->running && !pthread_equal(r->thread, pthread_self()))
		pthread_join(r->thread, NULL);
	xfed_config_free(r->cfg);
	free(r->errors);
	answer(r, XFED_ECONFIG, why, NULL);
	for (i = 0; i < r->nnext; i++)
		if (r->next[i].client >= 0)
			xfed_control_reply(r->next[i].client,
			    response(XFED_ECONFIG, why, NULL));
	free(r->next);
	close(d->reload_fd);
	free(r);
	d->reload = NULL;
}
