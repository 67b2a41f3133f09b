/*
 * One zone's transaction within a sync: read it (verified AXFR), plan it,
 * check it against the safety limits, remember the zone, apply the plan,
 * and read and plan again until the zone converges; with what the zone's
 * report, the plan output and the audit say about it.  The waves that run
 * the zones are sync.c's.
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
#include "plan.h"
#include "state.h"
#include "sync.h"
#include "syncrun.h"
#include "update.h"
#include "util.h"
#include "zone.h"

static void
report_conflicts(struct run *r, const struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_conflicts; i++) {
		char *name = ldns_rdf2str(plan->conflicts[i].name);

		log_warnx("zone %s: conflict at %s: %s; left untouched",
		    z->zone, name, plan->conflicts[i].reason);
		xfed_audit_event(r, "conflict", json_pack("{s:s, s:s, s:s}",
		    "zone", z->zone, "name", name, "reason",
		    plan->conflicts[i].reason));
		free(name);
	}
}

static void
count_plan(struct xfed_zone_report *z, const struct xfed_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_changes; i++) {
		z->added += ldns_rr_list_rr_count(plan->changes[i].added);
		z->removed += ldns_rr_list_rr_count(plan->changes[i].removed);
	}
}

/*
 * The plan under its zone line; refused: the refusal, then every line
 * --force would send, so that the operator reviews what they would force.
 */
static void
print_plan(const struct job *j, const struct xfed_plan *plan,
    const char *refused)
{
	FILE *f = j->out;
	size_t i;

	if (f == NULL || (plan->n_changes == 0 && plan->n_holds == 0))
		return;
	fprintf(f, "; zone %s at %s\n", j->zone_str, j->peer.label);
	if (refused != NULL)
		fprintf(f, "; refused: %s; with --force it would send:\n",
		    refused);
	for (i = 0; i < plan->n_holds; i++) {
		char *name = ldns_rdf2str(plan->holds[i].name);

		fprintf(f, "; %s %s: %s\n", plan->holds[i].failure ?
		    "held:" : "kept:", name, plan->holds[i].reason);
		free(name);
	}
	xfed_plan_print(f, plan);
}

/* Each SRV RRset held back, and each host kept, once per sync. */
static void
report_holds(struct run *r, struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	size_t i;

	z->held = 0;
	for (i = 0; i < plan->n_holds; i++) {
		const struct xfed_hold *h = &plan->holds[i];
		char *name = ldns_rdf2str(h->name);

		/* The zone's report line says it (the first, and how many). */
		log_debug("zone %s: %s: %s", z->zone, name, h->reason);
		z->held += h->failure;
		if (z->detail == NULL)
			z->detail = xasprintf("%s: %s", name, h->reason);
		xfed_audit_event(r, "held", json_pack("{s:s, s:s, s:s, s:b}",
		    "zone", z->zone, "name", name, "reason", h->reason,
		    "kept", !h->failure));
		free(name);
	}
	if (plan->n_holds > 1 && z->detail != NULL) {
		char *more = xasprintf("%s (and %zu more: xfedctl plan lists "
		    "them)", z->detail, plan->n_holds - 1);

		free(z->detail);
		z->detail = more;
	}
}

/*
 * What max-deletes limits is the sync's deletions in the zone: a zone that
 * runs again in a later wave counts what its earlier runs deleted.
 */
static bool
over_limit(const struct run *r, const struct job *j,
    const struct xfed_plan *plan)
{
	return j->deleted + plan->deletes > r->cfg->max_deletes &&
	    !r->opts->force;
}

static void
refuse_limit(struct run *r, struct job *j, struct xfed_zone_report *z,
    const struct xfed_plan *plan)
{
	size_t total = j->deleted + plan->deletes;
	char *msg = j->deleted == 0 ? xasprintf("would delete %zu records, "
	    "more than max-deletes (%u): refused, nothing sent", total,
	    r->cfg->max_deletes) : xasprintf("would delete %zu records in "
	    "this sync (%zu of them already deleted), more than max-deletes "
	    "(%u): refused, nothing more sent", total, j->deleted,
	    r->cfg->max_deletes);

	if (r->opts->dry_run)
		print_plan(j, plan, msg);

	z->result = XFED_ZONE_LIMIT;
	z->deletes = total;
	free(z->detail);
	z->detail = msg;
	log_warnx("zone %s: %s", z->zone, msg);
	xfed_audit_event(r, "refused", json_pack("{s:s, s:s, s:I, s:I}", "zone",
	    z->zone, "reason", "max-deletes", "deletes",
	    (json_int_t)total, "max-deletes",
	    (json_int_t)r->cfg->max_deletes));
}

static void
remember_zone(struct run *r, const struct job *j, const struct xfed_plan *p)
{
	if (r->opts->dry_run)
		return;
	pthread_mutex_lock(&r->lock);
	/* While some names have no known zone, forget no zone. */
	if (p->n_owned_after > 0 || p->n_conflicts > 0 || r->nunassigned > 0)
		xfed_state_set(&r->state, j->zone_str, j->peer.label,
		    j->peer.key != NULL ? j->peer.key->name : "");
	else
		xfed_state_remove(&r->state, j->zone_str);
	pthread_mutex_unlock(&r->lock);
}

/*
 * Read the zone from the primary's address in use; when it does not answer
 * at all, from its next address, which then stays in use for the updates.
 */
static int
read_zone(struct job *j, struct xfed_zone_data *data, char *why,
    size_t wlen)
{
	struct xfed_peer next;
	size_t i;
	int rc;

	rc = xfed_zone_read(&j->peer, j->zone, data, why, wlen);
	for (i = 0; i < j->nalt && (rc == XFED_ETIMEOUT ||
	    rc == XFED_ENETWORK); i++) {
		log_warnx("zone %s: %s; trying the next address, %s",
		    j->zone_str, why, j->alt[i].label);
		next = j->alt[i];
		j->alt[i] = j->peer;
		j->peer = next;
		rc = xfed_zone_read(&j->peer, j->zone, data, why, wlen);
	}
	return rc;
}

/* Read and plan; 0 with *plan, or a failure recorded in z. */
static int
read_and_plan(struct run *r, struct job *j, struct xfed_zone_report *z,
    struct xfed_plan **plan, uint32_t *serial)
{
	struct xfed_zone_data data;
	struct xfed_owned *names;
	struct xfed_plan_ctx ctx;
	struct job_ctx jc;
	char why[384], **blocked;
	size_t i;
	int rc;

	*plan = NULL;
	if ((rc = read_zone(j, &data, why, sizeof(why))) != 0) {
		xfed_fail_zone(r, z, why);
		return rc;
	}
	if (strcmp(z->server, j->peer.label) != 0) {
		free(z->server);
		z->server = xstrdup(j->peer.label);
	}
	*serial = data.serial;
	names = xcalloc(j->n + r->nunassigned, sizeof(*names));
	blocked = xcalloc(j->n, sizeof(*blocked));
	for (i = 0; i < j->n; i++) {
		names[i] = *j->names[i];
		if (names[i].blocked == NULL)
			names[i].blocked = blocked[i] = xfed_alias_block(r,
			    j->names[i]);
	}
	/* Any of them may live in this zone: protect them from removal. */
	for (i = 0; i < r->nunassigned; i++) {
		names[j->n + i] = *r->unassigned[i];
		names[j->n + i].elsewhere = true;
	}
	jc.r = r;
	jc.j = j;
	xfed_targets_ctx(&jc, &ctx);
	rc = xfed_plan_zone_ctx(j->zone, names, j->n + r->nunassigned,
	    data.rrs, r->cfg->owner, &ctx, plan);
	for (i = 0; i < j->n; i++)
		free(blocked[i]);
	free(blocked);
	free(names);
	xfed_zone_data_clear(&data);
	if (rc != 0)
		xfed_fail_zone(r, z, "planning failed: out of memory");
	return rc;
}

/*
 * The zone is remembered on disk before the first UPDATE into it: a crash
 * right after the UPDATE must not leave records that no later run knows
 * to clean up.  A line in the state's journal (xfed_state_note): zones
 * running side by side do not wait for each other's disk writes.
 * Fails the zone, with nothing sent, when it cannot be remembered.
 */
static int
remember_before_update(struct run *r, const struct job *j,
    struct xfed_zone_report *z)
{
	const char *key = j->peer.key != NULL ? j->peer.key->name : "";
	char err[512], *msg;
	bool known;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	known = xfed_state_find(&r->state, j->zone_str) != NULL;
	if (r->state_ok && !known)
		xfed_state_set(&r->state, j->zone_str, j->peer.label, key);
	pthread_mutex_unlock(&r->lock);
	if (!r->state_ok) {
		snprintf(err, sizeof(err), "the state in %s could not be read",
		    r->cfg->state_dir);
		rc = -1;
	} else if (!known && xfed_state_note(r->cfg->state_dir, j->zone_str,
	    j->peer.label, key, err, sizeof(err)) != 0) {
		pthread_mutex_lock(&r->lock);
		xfed_state_remove(&r->state, j->zone_str);
		pthread_mutex_unlock(&r->lock);
		rc = -1;
	}
	if (rc != 0) {
		msg = xasprintf("cannot remember the zone in state-dir (%s): "
		    "nothing sent", err);
		xfed_fail_zone(r, z, msg);
		free(msg);
	}
	return rc;
}

/*
 * Test hook (XFED_TEST_ABORT_AFTER_UPDATE set, tests only): die right
 * after the first UPDATEs of a sync were applied, as a kill -9 would.
 */
static void
test_crash_point(void)
{
	if (getenv("XFED_TEST_ABORT_AFTER_UPDATE") != NULL)
		abort();
}

/* What a plan that converged says about the zone. */
static enum xfed_zone_result
settled_result(const struct xfed_plan *plan, bool applied)
{
	size_t i;

	if (plan->n_conflicts > 0)
		return XFED_ZONE_CONFLICT;
	for (i = 0; i < plan->n_holds; i++)
		if (plan->holds[i].failure)
			return XFED_ZONE_HELD;
	return applied ? XFED_ZONE_CHANGED : XFED_ZONE_IN_SYNC;
}

/* Nothing left to wait for in this zone: the serial skip may trust it. */
static bool
fully_in_sync(const struct xfed_plan *plan)
{
	return plan->n_conflicts == 0 && plan->n_holds == 0 &&
	    plan->n_pending == 0;
}

/*
 * Bring one zone in sync: read, plan, apply; on a failed prerequisite, or
 * to confirm what was applied, read and plan again (bounded).  Returns the
 * last plan (NULL when none was made), for what the other zones must know.
 * A zone may run again in a later wave of the same sync (syncrun.h): what
 * is said once per sync (conflicts, flapping) is said on its first run.
 */
struct xfed_plan *
xfed_sync_job(struct run *r, struct job *j)
{
	struct xfed_zone_report *z = &r->rep->zones[j->report];
	struct xfed_apply_result res;
	struct xfed_plan *plan = NULL;
	unsigned char digest[32];
	char declared[65];
	uint32_t serial = 0;
	unsigned round;
	bool applied = false, first = j->runs == 0;

	j->want_targets = j->want_usage = false;
	/* What an earlier run said no longer holds once this one ends. */
	if (!first) {
		free(z->detail);
		z->detail = NULL;
	}
	xfed_declared_digest(r, j, declared);
	if (first && xfed_unchanged_since_last_read(r, j, declared)) {
		z->result = XFED_ZONE_IN_SYNC;
		j->skipped = true;
		xfed_flap_settled(r, j);
		return NULL;
	}
	for (round = 0; round <= XFED_SYNC_MAX_ROUNDS; round++) {
		xfed_plan_free(plan);
		if (read_and_plan(r, j, z, &plan, &serial) != 0)
			return plan;
		if (first && round == 0 && r->opts->after_read != NULL) {
			pthread_mutex_lock(&r->lock);
			r->opts->after_read(j->zone_str, r->opts->hook_arg);
			pthread_mutex_unlock(&r->lock);
		}
		if (first && round == 0)
			report_conflicts(r, z, plan);
		z->conflicts = plan->n_conflicts;
		if (plan->n_changes == 0) {
			if (first && round == 0)
				xfed_flap_settled(r, j);
			break;
		}
		if (over_limit(r, j, plan)) {
			refuse_limit(r, j, z, plan);
			return plan;
		}
		if (r->opts->dry_run) {
			print_plan(j, plan, NULL);
			count_plan(z, plan);
			z->result = XFED_ZONE_PLANNED;
			if (plan->n_pending == 0)
				report_holds(r, z, plan);
			return plan;
		}
		if (first && round == 0 &&
		    xfed_is_flapping(r, j, plan, digest)) {
			xfed_refuse_flapping(r, z);
			return plan;
		}
		if (remember_before_update(r, j, z) != 0)
			return plan;
		xfed_update_apply(&j->peer, plan, r->audit, r->opts->trigger,
		    0, &res);
		test_crash_point();
		z->messages += res.messages;
		if (res.status != 0 && res.status != XFED_ESTALE) {
			xfed_fail_zone(r, z, res.detail);
			return plan;
		}
		if (res.status == 0) {
			j->deleted += plan->deletes;
			if (first && round == 0)
				xfed_flap_applied(r, j, digest);
			count_plan(z, plan);
			/* What changed, for `xfedctl sync`. */
			print_plan(j, plan, NULL);
			applied = true;
		} else {
			log_info("zone %s: %s; reading it again", z->zone,
			    res.detail);
		}
	}
	if (plan->n_changes > 0) {
		xfed_fail_zone(r, z, "not converged: the zone still differs "
		    "after repeated reads and updates (is someone else "
		    "changing it?)");
		return plan;
	}
	/* A later run of this sync may have changed what an earlier did. */
	if (!applied && z->result == XFED_ZONE_CHANGED)
		applied = true;
	z->result = settled_result(plan, applied);
	if (r->opts->dry_run && z->added + z->removed > 0)
		z->result = XFED_ZONE_PLANNED;
	if (plan->n_pending == 0)
		report_holds(r, z, plan);
	if (r->opts->dry_run && plan->n_pending == 0)
		print_plan(j, plan, NULL);
	remember_zone(r, j, plan);
	if (fully_in_sync(plan))
		xfed_mark_in_sync(r, j, serial, declared);
	return plan;
}
