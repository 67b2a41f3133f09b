/*
 * One sync of every declared zone (see sync.h): its steps in order, the
 * waves of zones on the thread pool (syncrun.h), the exit code and the
 * sync-end record.  What each step does has its own file: assign.c and
 * syncjobs.c (the jobs), syncfilter.c, aliases.c, zonesync.c (with flap.c
 * and serialskip.c), targets.c, zonereport.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "desired.h"
#include "error.h"
#include "log.h"
#include "net.h"
#include "plan.h"
#include "state.h"
#include "sync.h"
#include "syncrun.h"
#include "util.h"

/* One run of a zone, and what the other zones learn from it. */
static void
run_job(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];
	struct xfed_plan *plan;

	plan = xfed_sync_job(r, j);
	j->runs++;
	xfed_targets_learn(r, j, plan, z);
	xfed_plan_free(plan);
}

static int
exit_code(const struct xfed_sync_report *rep)
{
	bool failed = false, limited = false;
	size_t i;

	for (i = 0; i < rep->n; i++) {
		switch (rep->zones[i].result) {
		case XFED_ZONE_FAILED:
		case XFED_ZONE_CONFLICT:
		case XFED_ZONE_HELD:
			failed = true;
			break;
		case XFED_ZONE_LIMIT:
			limited = true;
			break;
		default:
			break;
		}
	}
	/* A zone that failed outright outweighs one a limit held back. */
	if (failed)
		return XFED_EXIT_FAILED;
	return limited ? XFED_EXIT_LIMIT : XFED_EXIT_OK;
}

/* A dry run succeeds when every zone could be read and planned. */
static int
dry_run_exit_code(const struct xfed_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (rep->zones[i].result == XFED_ZONE_FAILED)
			return XFED_EXIT_FAILED;
	return XFED_EXIT_OK;
}

static void
free_run(struct run *r)
{
	size_t i;

	/* Before the jobs: the tables and what the jobs learnt. */
	xfed_targets_clear(r);
	for (i = 0; i < r->njobs; i++) {
		ldns_rdf_deep_free(r->jobs[i].zone);
		free(r->jobs[i].zone_str);
		free(r->jobs[i].names);
		free(r->jobs[i].text);
	}
	for (i = 0; i < r->ndown; i++) {
		free(r->down[i]);
		free(r->down_why[i]);
	}
	free(r->down);
	free(r->down_why);
	free(r->unassigned);
	free(r->jobs);
	free(r->slots);
	free(r->aliases);
	free(r->resolvers);
	xfed_desired_free(r->desired);
	xfed_state_clear(&r->state);
	pthread_mutex_destroy(&r->lock);
}

/* One of the pool's threads: take the next zone until none is left. */
static void *
pool_thread(void *arg)
{
	struct run *r = arg;
	size_t i;

	/* Reads on this thread too give up when the agent stops. */
	xfed_net_set_cancel_fd(r->cancel_fd);
	while ((i = atomic_fetch_add(&r->next_job, 1)) < r->njobs) {
		struct job *j = &r->jobs[i];

		if (!j->go)
			continue;
		if (r->opts->cancel != NULL && atomic_load(r->opts->cancel)) {
			r->rep->zones[j->report].result = XFED_ZONE_SKIPPED;
			continue;
		}
		run_job(r, j);
	}
	return NULL;
}

/* Run the zones marked to go on up to `concurrency` threads. */
static void
run_pool(struct run *r, size_t selected)
{
	pthread_t threads[XFED_MAX_CONCURRENCY];
	size_t i, nthreads;

	atomic_store(&r->next_job, 0);
	nthreads = r->cfg->concurrency < selected ? r->cfg->concurrency :
	    selected;
	if (nthreads <= 1) {
		pool_thread(r);
		return;
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, pool_thread, r) != 0)
			break;
	if (i == 0)
		pool_thread(r);		/* no thread to be had: do it here */
	while (i-- > 0)
		pthread_join(threads[i], NULL);
}

/*
 * A dry run shows one plan per zone: a zone that runs again forgets what
 * its earlier run printed and counted.
 */
static void
restart_dry_run_text(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];

	if (!r->opts->dry_run || j->runs == 0)
		return;
	z->added = z->removed = 0;
	if (j->out != NULL) {
		fclose(j->out);
		free(j->text);
		j->text = NULL;
		j->textlen = 0;
		j->out = open_memstream(&j->text, &j->textlen);
	}
}

static bool
zone_may_rerun(const struct run *r, const struct job *j)
{
	switch (r->rep->zones[j->report].result) {
	case XFED_ZONE_FAILED:
	case XFED_ZONE_LIMIT:
	case XFED_ZONE_SKIPPED:
		return false;
	default:
		return true;
	}
}

/* Which zones run in this wave (see syncrun.h); how many. */
static size_t
mark_wave(struct run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		j->go = false;
		if (j->report == SIZE_MAX)
			continue;
		/* A zone that failed or was refused is not tried again. */
		if (j->runs > 0 && !zone_may_rerun(r, j))
			continue;
		switch (r->wave) {
		case 1:
			j->go = xfed_job_has_hosts(j);
			break;
		case 2:
			j->go = j->runs == 0 || j->want_targets;
			break;
		default:
			j->go = j->want_usage;
			break;
		}
		if (j->go) {
			restart_dry_run_text(r, j);
			n++;
		}
	}
	return n;
}

/*
 * The hosts of zones this sync does not visit (a sync of some domains or
 * zones only): ready when their zone was found in sync with the same
 * declaration by an earlier sync, else not known to be ready.
 */
static void
judge_unvisited(struct run *r)
{
	char declared[65];
	size_t i, k;
	bool in_sync;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		if (j->report != SIZE_MAX || !xfed_job_has_hosts(j))
			continue;
		xfed_declared_digest(r, j, declared);
		/* The serial skip's own test: recent, same declaration, same SOA. */
		in_sync = xfed_unchanged_since_last_read(r, j, declared);
		j->host_why = xcalloc(j->n + 1, sizeof(*j->host_why));
		for (k = 0; k < j->n && !in_sync; k++)
			if (j->names[k]->kind == XFED_NAME_HOST)
				j->host_why[k] = xasprintf("its zone %s is not "
				    "part of this sync, and was not found in "
				    "sync earlier", j->zone_str);
	}
}

/*
 * A host is about to lose its addresses: the zones not read this time
 * (serial unchanged) are read now, for every SRV record they hold, xfed's
 * or not, before anyone decides that none names the host.
 */
static void
read_skipped(struct run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		j->go = j->report != SIZE_MAX && j->skipped;
		j->skipped = false;
		n += j->go;
	}
	if (n > 0)
		run_pool(r, n);
}

/* Is any zone waiting to know which hosts SRV records name? */
static bool
usage_wanted(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].report != SIZE_MAX && r->jobs[i].want_usage)
			return true;
	return false;
}

/*
 * Give every selected zone its report slot up front (so the array does
 * not move while threads write to it), then run the zones in waves
 * (syncrun.h), each wave on up to `concurrency` threads: zones are
 * independent within a wave, and most of a zone's time is spent waiting
 * for its server.
 */
static void
run_jobs(struct run *r)
{
	struct selection sel;
	size_t i, n;

	xfed_selection_build(r, &sel);
	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		j->report = SIZE_MAX;
		if (!xfed_job_selected(j, &sel))
			continue;
		j->report = xfed_new_report(r, j->zone_str, j->peer.label) -
		    r->rep->zones;
		if (r->opts->plan_out != NULL)
			j->out = open_memstream(&j->text, &j->textlen);
	}
	xfed_selection_free(&sel);
	if (r->opts->n_domains > 0 || r->opts->n_zones > 0)
		r->usage_unknown = xstrdup("this sync does not visit every "
		    "zone, so whether other SRV records still name it is not "
		    "known (a full sync will decide)");
	judge_unvisited(r);
	xfed_targets_build(r);
	for (r->wave = 1; r->wave <= 3; r->wave++) {
		if ((n = mark_wave(r)) > 0)
			run_pool(r, n);
		if (r->wave == 1)
			xfed_targets_build(r);
		else if (r->wave == 2 && r->usage_unknown == NULL &&
		    usage_wanted(r)) {
			read_skipped(r);
			xfed_usage_build(r);
		}
	}
}

/* The zones' plans and changes, in a stable order whatever the threads. */
static void
emit_texts(struct run *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];

		if (j->out == NULL)
			continue;
		fclose(j->out);
		j->out = NULL;
		if (j->textlen > 0)
			fwrite(j->text, 1, j->textlen, r->opts->plan_out);
	}
}

/* The sync-end record: what the sync did, in numbers. */
static json_t *
sync_end_record(const struct xfed_sync_opts *opts,
    const struct xfed_sync_report *rep, uint64_t ms)
{
	size_t i, added = 0, removed = 0, messages = 0, conflicts = 0;
	size_t failed = 0, changed = 0;
	json_t *rec;

	for (i = 0; i < rep->n; i++) {
		const struct xfed_zone_report *z = &rep->zones[i];

		added += z->added;
		removed += z->removed;
		messages += z->messages;
		conflicts += z->conflicts;
		failed += z->result == XFED_ZONE_FAILED ||
		    z->result == XFED_ZONE_LIMIT;
		changed += z->result == XFED_ZONE_CHANGED;
	}
	rec = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "trigger", opts->trigger, "zones", (json_int_t)rep->n,
	    "changed", (json_int_t)changed, "failed", (json_int_t)failed,
	    "messages", (json_int_t)messages, "added", (json_int_t)added,
	    "removed", (json_int_t)removed, "conflicts",
	    (json_int_t)conflicts);
	if (opts->uid >= 0)
		json_object_set_new(rec, "uid", json_integer(opts->uid));
	json_object_set_new(rec, "exit", json_integer(rep->exit_code));
	json_object_set_new(rec, "duration_ms", json_integer((json_int_t)ms));
	return rec;
}

/* The zones' memory could not be read or kept: say so, in the audit too. */
static void
state_error(struct run *r, const char *err)
{
	r->state_failed = true;
	log_warnx("state-dir %s: %s", r->cfg->state_dir, err);
	xfed_audit_event(r, "error", json_pack("{s:s, s:s}", "state-dir",
	    r->cfg->state_dir, "error", err));
}

/*
 * An unreadable state is never taken for an empty one: it would forget
 * zones to clean up, and saving over it would make that final.
 */
static void
load_state(struct run *r)
{
	char err[512];

	r->state_ok = xfed_state_load(r->cfg->state_dir, &r->state, err,
	    sizeof(err)) == 0;
	if (!r->state_ok)
		state_error(r, err);
}

static void
save_state(struct run *r)
{
	char err[512];

	if (r->opts->dry_run || !r->state_ok)
		return;
	if (xfed_state_save(r->cfg->state_dir, &r->state, err,
	    sizeof(err)) != 0)
		state_error(r, err);
}

void
xfed_sync_run(const struct xfed_config *cfg, struct xfed_audit *audit,
    const struct xfed_sync_opts *opts, struct xfed_sync_report *rep)
{
	struct run r = { .cfg = cfg, .audit = audit, .opts = opts, .rep = rep,
	    .cancel_fd = xfed_net_cancel_fd() };
	uint64_t start = xfed_now_ms();
	json_t *start_record;
	int rc;

	memset(rep, 0, sizeof(*rep));
	pthread_mutex_init(&r.lock, NULL);
	start_record = json_pack("{s:s}", "trigger", opts->trigger);
	if (opts->uid >= 0)
		json_object_set_new(start_record, "uid", json_integer(opts->uid));
	if (opts->force)
		json_object_set_new(start_record, "force", json_true());
	xfed_audit_event(&r, "sync-start", start_record);
	if ((rc = xfed_desired_build(cfg, &r.desired)) != 0)
		fatalx("cannot build the declared records: %s",
		    xfed_strerror(rc));
	load_state(&r);
	xfed_build_jobs(&r);
	if (opts->n_domains == 0)
		xfed_add_state_jobs(&r);
	xfed_find_aliases(&r);
	run_jobs(&r);
	emit_texts(&r);
	save_state(&r);
	rep->exit_code = opts->dry_run ? dry_run_exit_code(rep) :
	    exit_code(rep);
	/* What xfed must remember was not kept: that is a failed sync. */
	if (!opts->dry_run && r.state_failed)
		rep->exit_code = XFED_EXIT_FAILED;
	xfed_audit_event(&r, "sync-end", sync_end_record(opts, rep,
	    xfed_now_ms() - start));
	free_run(&r);
}

void
xfed_sync_report_clear(struct xfed_sync_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->zones[i].zone);
		free(rep->zones[i].server);
		free(rep->zones[i].detail);
	}
	free(rep->zones);
	memset(rep, 0, sizeof(*rep));
}

const char *
xfed_zone_result_name(enum xfed_zone_result res)
{
	switch (res) {
	case XFED_ZONE_IN_SYNC:		return "in sync";
	case XFED_ZONE_CHANGED:		return "updated";
	case XFED_ZONE_PLANNED:		return "changes pending";
	case XFED_ZONE_CONFLICT:	return "conflict";
	case XFED_ZONE_HELD:		return "held back";
	case XFED_ZONE_LIMIT:		return "refused";
	case XFED_ZONE_FAILED:		return "FAILED";
	case XFED_ZONE_SKIPPED:		return "skipped (stopping)";
	}
	return "?";
}
