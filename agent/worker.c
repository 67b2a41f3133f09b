/*
 * The sync thread.  Jobs are queued by the event loop; the worker runs
 * them one at a time against the configuration current when the job
 * starts, records the outcome in the status table, and hands the job back
 * through the done list, waking the loop with an eventfd.
 */
#include <sys/eventfd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgdiff.h"
#include "daemon.h"
#include "log.h"
#include "net.h"
#include "report.h"
#include "sync.h"
#include "synclog.h"
#include "util.h"

struct xfed_cfgref *
xfed_cfgref_get(struct xfed_daemon *d)
{
	struct xfed_cfgref *ref;

	pthread_mutex_lock(&d->lock);
	ref = d->cfg;
	ref->refs++;
	pthread_mutex_unlock(&d->lock);
	return ref;
}

void
xfed_cfgref_put(struct xfed_daemon *d, struct xfed_cfgref *ref)
{
	bool last;

	pthread_mutex_lock(&d->lock);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (last) {
		xfed_config_free(ref->cfg);
		free(ref);
	}
}

void
xfed_job_free(struct xfed_job *job)
{
	size_t i;

	if (job == NULL)
		return;
	for (i = 0; i < job->n_domains; i++)
		free(job->domains[i]);
	free(job->domains);
	for (i = 0; i < job->n_zones; i++)
		free(job->zones[i]);
	free(job->zones);
	free(job->config);
	free(job->more);
	free(job->error);
	free(job->text);
	json_decref(job->result);
	free(job);
}

void
xfed_worker_submit(struct xfed_daemon *d, struct xfed_job *job)
{
	struct xfed_job **tail;

	pthread_mutex_lock(&d->lock);
	for (tail = &d->queue; *tail != NULL; tail = &(*tail)->next)
		;
	job->next = NULL;
	*tail = job;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
}

struct xfed_job *
xfed_worker_take_done(struct xfed_daemon *d)
{
	struct xfed_job *job;

	pthread_mutex_lock(&d->lock);
	job = d->done;
	if (job != NULL)
		d->done = job->next;
	pthread_mutex_unlock(&d->lock);
	return job;
}

static json_t *
report_json(const struct xfed_sync_report *rep)
{
	json_t *zones = json_array();
	size_t i;

	for (i = 0; i < rep->n; i++) {
		const struct xfed_zone_report *z = &rep->zones[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
		    "zone", z->zone, "server", z->server,
		    "added", (json_int_t)z->added,
		    "removed", (json_int_t)z->removed,
		    "messages", (json_int_t)z->messages,
		    "conflicts", (json_int_t)z->conflicts);

		json_object_set_new(o, "result",
		    json_string(xfed_zone_result_name(z->result)));
		if (z->detail != NULL)
			json_object_set_new(o, "detail", json_string(z->detail));
		json_array_append_new(zones, o);
	}
	return json_pack("{s:i, s:o}", "exit", rep->exit_code, "zones", zones);
}

/*
 * plan --config: load the candidate file here, on the worker, with the
 * loader reload uses (and the same credentials), without swapping it in.
 * NULL, with job->error and exit 1, when it is not a valid configuration
 * or does not declare a domain the request names.
 */
static struct xfed_config *
load_candidate(struct xfed_job *job, const struct xfed_config *running,
    FILE *out)
{
	struct xfed_config *cfg = NULL;
	struct xfed_cfgdiff diff;
	const char *bad;
	size_t len = 0;
	FILE *err = open_memstream(&job->error, &len);

	if (xfed_config_load(job->config, err, &cfg) != 0) {
		fclose(err);
		log_info("plan: candidate %s is not valid", job->config);
		job->exit_code = XFED_EXIT_USAGE;
		return NULL;
	}
	bad = xfed_sync_unknown_domain(cfg, job->domains, job->n_domains);
	if (bad != NULL)
		fprintf(err, "domain \"%s\" is not in %s", bad, job->config);
	fclose(err);
	if (bad != NULL) {
		xfed_config_free(cfg);
		job->exit_code = XFED_EXIT_USAGE;
		return NULL;
	}
	free(job->error);
	job->error = NULL;
	/* What a reload of this file would change, before its plan. */
	fprintf(out, "; candidate %s\n", job->config);
	xfed_cfgdiff(running, cfg, &diff);
	xfed_cfgdiff_print(out, "; ", &diff);
	job->result = json_pack("{s:s, s:o}", "config", job->config,
	    "domains", xfed_cfgdiff_json(&diff));
	xfed_cfgdiff_clear(&diff);
	return cfg;
}

static void
run_sync(struct xfed_daemon *d, struct xfed_job *job,
    const struct xfed_config *cfg, bool candidate, FILE *out)
{
	struct xfed_sync_report rep;
	struct xfed_sync_opts so = {
		.trigger = job->trigger,
		.dry_run = job->kind == XFED_JOB_PLAN,
		.plan_out = out,
		.domains = job->domains, .n_domains = job->n_domains,
		.zones = job->zones, .n_zones = job->n_zones,
		.force = job->force, .uid = job->uid,
		.cancel = &d->stopping,
		/* A file not in force must not touch the running memory. */
		.flap = candidate ? NULL : &d->flap,
	};
	char *metrics = NULL;
	json_t *res;

	xfed_sync_run(cfg, d->audit, &so, &rep);
	xfed_sync_report_print(out, &rep);
	/* Failures as warnings; with -v every other zone's line too. */
	xfed_sync_report_log(&rep);
	if (job->kind == XFED_JOB_SYNC)
		xfed_sync_outcome_log(job->trigger, &rep);
	job->exit_code = rep.exit_code;
	res = report_json(&rep);
	if (job->result != NULL)
		json_object_update(job->result, res);
	else
		job->result = json_incref(res);
	json_decref(res);
	if (job->kind == XFED_JOB_SYNC) {
		pthread_mutex_lock(&d->lock);
		xfed_status_record(d, job, &rep, cfg->interval);
		if (cfg->metrics_file != NULL)
			metrics = xfed_metrics_render(&d->status);
		pthread_mutex_unlock(&d->lock);
	}
	/* File I/O outside the lock the main loop needs. */
	if (metrics != NULL)
		xfed_metrics_write(cfg->metrics_file, metrics);
	free(metrics);
	xfed_sync_report_clear(&rep);
}

/* Run one job; fills exit_code, text and result (or error). */
static void
run_job(struct xfed_daemon *d, struct xfed_job *job)
{
	struct xfed_cfgref *ref = xfed_cfgref_get(d);
	struct xfed_config *candidate = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&job->text, &len);

	if (job->config != NULL &&
	    (candidate = load_candidate(job, ref->cfg, out)) == NULL) {
		fclose(out);
		xfed_cfgref_put(d, ref);
		return;
	}
	run_sync(d, job, candidate != NULL ? candidate : ref->cfg,
	    candidate != NULL, out);
	fclose(out);
	xfed_config_free(candidate);
	xfed_cfgref_put(d, ref);
}

static void *
worker_main(void *arg)
{
	struct xfed_daemon *d = arg;
	struct xfed_job *job, **tail;
	uint64_t one = 1;

	/* Reads on this thread give up when the agent is told to stop. */
	xfed_net_set_cancel_fd(d->cancel_fd);
	for (;;) {
		pthread_mutex_lock(&d->lock);
		while (d->queue == NULL && !atomic_load(&d->stopping))
			pthread_cond_wait(&d->wake, &d->lock);
		if (atomic_load(&d->stopping)) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		job = d->queue;
		d->queue = job->next;
		d->status.syncing = true;
		d->status.sync_started = xfed_now_ms();
		pthread_mutex_unlock(&d->lock);

		run_job(d, job);

		pthread_mutex_lock(&d->lock);
		d->status.syncing = false;
		for (tail = &d->done; *tail != NULL; tail = &(*tail)->next)
			;
		job->next = NULL;
		*tail = job;
		pthread_mutex_unlock(&d->lock);
		if (write(d->done_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("worker: eventfd");
	}
	return NULL;
}

int
xfed_worker_start(struct xfed_daemon *d)
{
	if (pthread_create(&d->worker, NULL, worker_main, d) != 0)
		return -1;
	return 0;
}

/*
 * Stop: reads in progress are abandoned (cancel_fd), an update in flight
 * finishes or times out, without retries and within XFED_STOP_GRACE_MS
 * (net.h), queued jobs are dropped (their clients get an
 * answer from the loop).
 */
void
xfed_worker_stop(struct xfed_daemon *d)
{
	uint64_t one = 1;

	/* An update in flight gets a bounded grace, then gives up. */
	xfed_net_stop_by(xfed_now_ms() + XFED_STOP_GRACE_MS);
	pthread_mutex_lock(&d->lock);
	atomic_store(&d->stopping, true);
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	if (write(d->cancel_fd, &one, sizeof(one)) != sizeof(one))
		log_warn("worker: eventfd");
	pthread_join(d->worker, NULL);
}
