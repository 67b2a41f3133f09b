/*
 * The worker's queue, as the event loop fills it.  A sync costs a read of
 * every zone, so requests that ask for the same thing share one job: a
 * request equal to a job still queued (or a filtered sync while a full one
 * is queued) is folded into it, and all its clients get its answer.  A job
 * only clients asked for is dropped once they have all gone, and the queue
 * is bounded, so a flood of requests cannot build up hours of syncs.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

static bool
same_names(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Would running queued give the client of job what it asked for? */
static bool
covers(const struct xfed_job *queued, const struct xfed_job *job)
{
	if (queued->kind != job->kind || queued->force != job->force ||
	    queued->config != NULL || job->config != NULL)
		return false;
	/* A full sync syncs every domain a filtered one names. */
	if (job->kind == XFED_JOB_SYNC && queued->n_domains == 0 &&
	    queued->n_zones == 0)
		return true;
	return same_names(queued->domains, queued->n_domains, job->domains,
	    job->n_domains) && same_names(queued->zones, queued->n_zones,
	    job->zones, job->n_zones);
}

static void
add_client(struct xfed_job *job, int id)
{
	if (id < 0)
		return;
	if (job->client < 0) {
		job->client = id;
		return;
	}
	job->more = xreallocarray(job->more, job->n_more + 1,
	    sizeof(*job->more));
	job->more[job->n_more++] = id;
}

/* Called with d->lock held: the queued job that covers job, or NULL. */
static struct xfed_job *
find_cover(struct xfed_daemon *d, const struct xfed_job *job, size_t *len)
{
	struct xfed_job *q, *found = NULL;

	*len = 0;
	for (q = d->queue; q != NULL; q = q->next) {
		(*len)++;
		if (found == NULL && covers(q, job))
			found = q;
	}
	return found;
}

int
xfed_daemon_queue(struct xfed_daemon *d, struct xfed_job *job)
{
	struct xfed_job *q;
	size_t len;

	pthread_mutex_lock(&d->lock);
	if ((q = find_cover(d, job, &len)) != NULL) {
		add_client(q, job->client);
		/* Someone besides clients now wants it: never drop it. */
		q->on_demand = q->on_demand && job->on_demand;
		pthread_mutex_unlock(&d->lock);
		log_debug("%s (%s) folded into the one already queued",
		    job->kind == XFED_JOB_SYNC ? "sync" : "plan", job->trigger);
		xfed_job_free(job);
		return 0;
	}
	if (len >= XFED_QUEUE_MAX && job->on_demand) {
		pthread_mutex_unlock(&d->lock);
		/* The client is told; control.c logs the refusal. */
		log_debug("%u jobs already queued: %s request refused",
		    XFED_QUEUE_MAX, job->trigger);
		xfed_job_free(job);
		return -1;
	}
	if (d->status.syncing || d->queue != NULL)
		log_debug("sync queued behind the one in progress");
	pthread_mutex_unlock(&d->lock);
	xfed_worker_submit(d, job);
	return 0;
}

/* Forget client id in job; true when nobody is left to want the job. */
static bool
forget_client(struct xfed_job *job, int id)
{
	size_t i;

	for (i = 0; i < job->n_more; i++)
		if (job->more[i] == id)
			job->more[i] = job->more[--job->n_more];
	if (job->client == id)
		job->client = job->n_more > 0 ? job->more[--job->n_more] : -1;
	return job->on_demand && job->client < 0;
}

void
xfed_daemon_client_gone(struct xfed_daemon *d, int id)
{
	struct xfed_job **p, *job, *dropped = NULL;

	pthread_mutex_lock(&d->lock);
	for (p = &d->queue; (job = *p) != NULL; ) {
		if (!forget_client(job, id)) {
			p = &job->next;
			continue;
		}
		*p = job->next;
		job->next = dropped;
		dropped = job;
	}
	pthread_mutex_unlock(&d->lock);
	while ((job = dropped) != NULL) {
		dropped = job->next;
		log_info("%s requested by uid %ld dropped before it ran: its "
		    "client has gone", job->kind == XFED_JOB_SYNC ? "sync" :
		    "plan", job->uid);
		xfed_job_free(job);
	}
}

void
xfed_job_reply(struct xfed_job *job, char *line)
{
	size_t i;

	for (i = 0; i < job->n_more; i++)
		xfed_control_reply(job->more[i], xstrdup(line));
	if (job->client >= 0)
		xfed_control_reply(job->client, line);
	else
		free(line);
}
