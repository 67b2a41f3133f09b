/*
 * Make before break across zones: what the sync engine tells the planner
 * about SRV targets and host usage in other zones.  See syncrun.h for the
 * waves, plan.h for the planner's side.
 *
 * The tables are rebuilt between waves from what every zone's last run
 * learnt, and only read while a wave runs, so the zones of a wave can
 * consult them from their threads without a lock.
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "log.h"
#include "plan.h"
#include "syncrun.h"
#include "util.h"

static int
target_cmp(const void *a, const void *b)
{
	return ldns_dname_compare(((const struct target_entry *)a)->host,
	    ((const struct target_entry *)b)->host);
}

static int
usage_cmp(const void *a, const void *b)
{
	return ldns_dname_compare(((const struct usage_entry *)a)->target,
	    ((const struct usage_entry *)b)->target);
}

static const struct target_entry *
target_find(const struct run *r, const ldns_rdf *host)
{
	struct target_entry key = { (ldns_rdf *)host, XFED_TARGET_READY,
	    NULL };

	if (r->ntargets == 0)
		return NULL;
	return bsearch(&key, r->targets, r->ntargets, sizeof(key),
	    target_cmp);
}

static enum xfed_target_state
target_cb(const ldns_rdf *host, char **why, void *arg)
{
	struct job_ctx *jc = arg;
	const struct target_entry *t = target_find(jc->r, host);

	if (t != NULL) {
		if (t->why != NULL)
			*why = xstrdup(t->why);
		return t->state;
	}
	if (jc->r->wave == 1) {
		/* Its zone runs in this wave too: ask again in the next. */
		jc->j->want_targets = true;
		return XFED_TARGET_PENDING;
	}
	*why = xstrdup("it is not a declared proxy host");
	return XFED_TARGET_NOT_READY;
}

static enum xfed_usage
usage_cb(const ldns_rdf *host, char **why, void *arg)
{
	struct job_ctx *jc = arg;
	const struct run *r = jc->r;
	struct usage_entry key = { (ldns_rdf *)host, NULL, 0 };
	const struct usage_entry *u;
	size_t self = (size_t)(jc->j - r->jobs), i;
	char *owner;

	if (r->usage_unknown != NULL) {
		*why = xstrdup(r->usage_unknown);
		return XFED_USAGE_UNKNOWN;
	}
	if (r->wave < 3) {
		jc->j->want_usage = true;
		return XFED_USAGE_PENDING;
	}
	if (r->nusage == 0 || (u = bsearch(&key, r->usage, r->nusage,
	    sizeof(key), usage_cmp)) == NULL)
		return XFED_USAGE_UNUSED;
	/* Back to the first entry of this target, then skip our own zone. */
	i = (size_t)(u - r->usage);
	while (i > 0 && usage_cmp(&r->usage[i - 1], &key) == 0)
		i--;
	for (; i < r->nusage && usage_cmp(&r->usage[i], &key) == 0; i++) {
		if (r->usage[i].job == self)
			continue;
		owner = ldns_rdf2str(r->usage[i].owner);
		*why = xasprintf("still the target of %s", owner);
		free(owner);
		return XFED_USAGE_USED;
	}
	return XFED_USAGE_UNUSED;
}

void
xfed_targets_ctx(struct job_ctx *jc, struct xfed_plan_ctx *ctx)
{
	ctx->target = target_cb;
	ctx->usage = usage_cb;
	ctx->arg = jc;
}

bool
xfed_job_has_hosts(const struct job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		if (j->names[i]->kind == XFED_NAME_HOST)
			return true;
	return false;
}

void
xfed_job_learnt_clear(struct job *j)
{
	size_t i;

	if (j->host_why != NULL)
		for (i = 0; i < j->n; i++)
			free(j->host_why[i]);
	free(j->host_why);
	j->host_why = NULL;
	for (i = 0; i < j->nuses; i++) {
		ldns_rdf_deep_free(j->uses[i].target);
		ldns_rdf_deep_free(j->uses[i].owner);
	}
	free(j->uses);
	j->uses = NULL;
	j->nuses = 0;
}

static const char *
conflict_of(const struct xfed_plan *plan, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; plan != NULL && i < plan->n_conflicts; i++)
		if (ldns_dname_compare(plan->conflicts[i].name, name) == 0)
			return plan->conflicts[i].reason;
	return NULL;
}

static bool
result_settles(enum xfed_zone_result res)
{
	switch (res) {
	case XFED_ZONE_IN_SYNC:
	case XFED_ZONE_CHANGED:
	case XFED_ZONE_PLANNED:
	case XFED_ZONE_CONFLICT:
	case XFED_ZONE_HELD:
		return true;
	default:
		return false;
	}
}

/*
 * After a run of job j: are its declared hosts' addresses in place (for
 * the SRV records elsewhere that would name them), and which hosts do
 * its SRV records name once applied (for the hosts elsewhere that would
 * lose their addresses)?  Takes the plan's uses.
 */
void
xfed_targets_learn(struct run *r, struct job *j, struct xfed_plan *plan,
    const struct xfed_zone_report *z)
{
	bool ok = result_settles(z->result);
	const char *conflict;
	size_t i;

	xfed_job_learnt_clear(j);
	j->host_why = xcalloc(j->n + 1, sizeof(*j->host_why));
	for (i = 0; i < j->n; i++) {
		if (j->names[i]->kind != XFED_NAME_HOST)
			continue;
		if (!ok)
			j->host_why[i] = xasprintf("its zone %s is not in sync "
			    "(%s%s%s)", j->zone_str, xfed_zone_result_name(
			    z->result), z->detail != NULL ? ": " : "",
			    z->detail != NULL ? z->detail : "");
		else if ((conflict = conflict_of(plan, j->names[i]->name)) !=
		    NULL)
			j->host_why[i] = xasprintf("its addresses are not in "
			    "place (%s)", conflict);
	}
	/*
	 * In a dry run nothing is applied: the plan is what would be.  A zone
	 * not read (serial unchanged) knows no SRV record of anyone else's:
	 * it is read before usage is needed (sync.c).
	 */
	j->settled = ok && plan != NULL && (plan->n_changes == 0 ||
	    r->opts->dry_run);
	if (plan != NULL) {
		j->uses = plan->uses;
		j->nuses = plan->n_uses;
		plan->uses = NULL;
		plan->n_uses = 0;
	}
}

static void
target_push(struct run *r, const ldns_rdf *host, const char *why)
{
	struct target_entry *t;

	r->targets = xreallocarray(r->targets, r->ntargets + 1,
	    sizeof(*r->targets));
	t = &r->targets[r->ntargets++];
	t->host = ldns_rdf_clone(host);
	ldns_dname2canonical(t->host);
	t->state = why == NULL ? XFED_TARGET_READY : XFED_TARGET_NOT_READY;
	t->why = why != NULL ? xstrdup(why) : NULL;
}

static void
targets_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ntargets; i++) {
		ldns_rdf_deep_free(r->targets[i].host);
		free(r->targets[i].why);
	}
	free(r->targets);
	r->targets = NULL;
	r->ntargets = 0;
}

/*
 * The state of every host known so far: hosts whose zone could not be
 * found, and the hosts of every zone that has run (or was judged without
 * running, see sync.c).  A zone that has not run yet is left out: its
 * hosts are "pending".
 */
void
xfed_targets_build(struct run *r)
{
	size_t i, k;

	targets_free(r);
	for (i = 0; i < r->nunassigned; i++)
		if (r->unassigned[i]->kind == XFED_NAME_HOST)
			target_push(r, r->unassigned[i]->name,
			    "no zone found for it");
	for (i = 0; i < r->njobs; i++) {
		const struct job *j = &r->jobs[i];

		if (j->host_why == NULL)
			continue;
		for (k = 0; k < j->n; k++)
			if (j->names[k]->kind == XFED_NAME_HOST)
				target_push(r, j->names[k]->name,
				    j->host_why[k]);
	}
	if (r->ntargets > 1)
		qsort(r->targets, r->ntargets, sizeof(*r->targets),
		    target_cmp);
}

static void
usage_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nusage; i++) {
		ldns_rdf_deep_free(r->usage[i].target);
		ldns_rdf_deep_free(r->usage[i].owner);
	}
	free(r->usage);
	r->usage = NULL;
	r->nusage = 0;
}

/*
 * Every SRV target in every zone of the sync, once waves 1 and 2 are
 * over.  A zone that did not settle leaves usage unknown: its SRV
 * records may still name any host.
 */
void
xfed_usage_build(struct run *r)
{
	struct usage_entry *u;
	size_t i, k, n = 0;

	usage_free(r);
	for (i = 0; i < r->njobs; i++) {
		const struct job *j = &r->jobs[i];

		if (j->report == SIZE_MAX)
			continue;
		if (!j->settled) {
			r->usage_unknown = xasprintf("zone %s is not in sync, "
			    "so whether its SRV records still name it is not "
			    "known", j->zone_str);
			return;
		}
		n += j->nuses;
	}
	r->usage = xcalloc(n + 1, sizeof(*r->usage));
	for (i = 0; i < r->njobs; i++) {
		const struct job *j = &r->jobs[i];

		for (k = 0; j->report != SIZE_MAX && k < j->nuses; k++) {
			u = &r->usage[r->nusage++];
			u->target = ldns_rdf_clone(j->uses[k].target);
			u->owner = ldns_rdf_clone(j->uses[k].owner);
			u->job = i;
			if (u->target == NULL || u->owner == NULL)
				fatalx("out of memory");
		}
	}
	if (r->nusage > 1)
		qsort(r->usage, r->nusage, sizeof(*r->usage), usage_cmp);
}

void
xfed_targets_clear(struct run *r)
{
	size_t i;

	targets_free(r);
	usage_free(r);
	free(r->usage_unknown);
	r->usage_unknown = NULL;
	for (i = 0; i < r->njobs; i++)
		xfed_job_learnt_clear(&r->jobs[i]);
}
