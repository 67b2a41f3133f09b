/* Sending a plan as RFC 2136 UPDATE messages: see update.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "error.h"
#include "log.h"
#include "update.h"
#include "util.h"

/* A run of consecutive plan changes that travel in one message. */
struct batch {
	size_t	first;
	size_t	count;
};

static size_t
list_size(const ldns_rr_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_uncompressed_size(ldns_rr_list_rr(l, i));
	return n;
}

static size_t
change_size(const struct xfed_change *c)
{
	return list_size(c->prereq) + list_size(c->update);
}

/* The next batch starting at change i; never splits one change. */
static struct batch
next_batch(const struct xfed_plan *plan, size_t i, size_t budget)
{
	struct batch b = { .first = i, .count = 0 };
	size_t used = 0, sz;

	while (i < plan->n_changes) {
		sz = change_size(&plan->changes[i]);
		if (b.count > 0 && used + sz > budget)
			break;
		used += sz;
		b.count++;
		i++;
	}
	return b;
}

static void
push_clones(ldns_rr_list *to, const ldns_rr_list *from)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(from); i++)
		ldns_rr_list_push_rr(to, ldns_rr_clone(ldns_rr_list_rr(from, i)));
}

static ldns_pkt *
build_message(const struct xfed_plan *plan, struct batch b)
{
	ldns_rr_list *pre = ldns_rr_list_new(), *up = ldns_rr_list_new();
	ldns_pkt *pkt;
	size_t i;

	for (i = b.first; i < b.first + b.count; i++) {
		push_clones(pre, plan->changes[i].prereq);
		push_clones(up, plan->changes[i].update);
	}
	/* ldns copies the lists; RD must be clear in an UPDATE. */
	pkt = ldns_update_pkt_new(ldns_rdf_clone(plan->zone),
	    LDNS_RR_CLASS_IN, pre, up, NULL);
	ldns_rr_list_deep_free(pre);
	ldns_rr_list_deep_free(up);
	if (pkt != NULL)
		ldns_pkt_set_rd(pkt, false);
	return pkt;
}

static json_t *
rr_lines(const struct xfed_plan *plan, struct batch b, bool added)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = b.first; i < b.first + b.count; i++) {
		const ldns_rr_list *l = added ? plan->changes[i].added :
		    plan->changes[i].removed;

		for (j = 0; j < ldns_rr_list_rr_count(l); j++) {
			char *line = xfed_rr_to_line(ldns_rr_list_rr(l, j));

			json_array_append_new(arr, json_string(line));
			free(line);
		}
	}
	return arr;
}

/* The contract's rcode field: the answer's RCODE only when authentic. */
static const char *
outcome_name(const struct xfed_exchange *ex)
{
	if (ex->authenticated)
		return xfed_rcode_name(ex->rcode);
	return xfed_failure_name(ex->status);
}

static void
audit_update(struct xfed_audit *audit, const struct xfed_peer *peer,
    const struct xfed_plan *plan, struct batch b, const char *trigger,
    const struct xfed_exchange *ex)
{
	json_t *rec = json_object();
	char *zone = ldns_rdf2str(plan->zone);

	json_object_set_new(rec, "zone", json_string(zone));
	json_object_set_new(rec, "server", json_string(peer->label));
	json_object_set_new(rec, "key", peer->key != NULL ?
	    json_string(peer->key->name) : json_null());
	json_object_set_new(rec, "add", rr_lines(plan, b, true));
	json_object_set_new(rec, "delete", rr_lines(plan, b, false));
	json_object_set_new(rec, "rcode", json_string(outcome_name(ex)));
	json_object_set_new(rec, "trigger", json_string(trigger));
	json_object_set_new(rec, "attempts", json_integer(ex->attempts));
	json_object_set_new(rec, "duration_ms",
	    json_integer((json_int_t)ex->elapsed_ms));
	if (ex->status != 0)
		json_object_set_new(rec, "error", json_string(ex->detail));
	free(zone);
	if (audit != NULL)
		xfed_audit_write(audit, "update", rec);
	else
		json_decref(rec);
}

static bool
prerequisite_failed(ldns_pkt_rcode rcode)
{
	return rcode == LDNS_RCODE_YXDOMAIN || rcode == LDNS_RCODE_YXRRSET ||
	    rcode == LDNS_RCODE_NXDOMAIN || rcode == LDNS_RCODE_NXRRSET;
}

static int
send_batch(const struct xfed_peer *peer, const struct xfed_plan *plan,
    struct batch b, struct xfed_audit *audit, const char *trigger,
    struct xfed_apply_result *res)
{
	struct xfed_exchange ex;
	ldns_pkt *pkt;
	int rc;

	if ((pkt = build_message(plan, b)) == NULL)
		return XFED_ENOMEM;
	rc = xfed_dns_exchange(peer, pkt, &ex);
	ldns_pkt_free(pkt);
	res->messages++;
	audit_update(audit, peer, plan, b, trigger, &ex);
	if (rc == 0) {
		res->changes += b.count;
	} else if (rc == XFED_ERCODE && prerequisite_failed(ex.rcode)) {
		rc = XFED_ESTALE;
		snprintf(res->detail, sizeof(res->detail), "%s: prerequisites "
		    "failed (%s): the zone changed since it was read",
		    peer->label, xfed_rcode_name(ex.rcode));
	} else {
		snprintf(res->detail, sizeof(res->detail), "%s", ex.detail);
	}
	xfed_exchange_clear(&ex);
	return rc;
}

int
xfed_update_apply(const struct xfed_peer *peer, const struct xfed_plan *plan,
    struct xfed_audit *audit, const char *trigger, size_t budget,
    struct xfed_apply_result *res)
{
	struct batch b;
	size_t i = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (budget == 0)
		budget = XFED_UPDATE_BUDGET;
	while (i < plan->n_changes) {
		b = next_batch(plan, i, budget);
		if ((rc = send_batch(peer, plan, b, audit, trigger, res)) != 0)
			break;
		i += b.count;
	}
	res->status = rc;
	return rc;
}
