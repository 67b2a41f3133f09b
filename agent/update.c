/* Sending a plan as RFC 2136 UPDATE messages: see update.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <ldns/ldns.h>
#include <openssl/rand.h>

#include "error.h"
#include "log.h"
#include "net.h"
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

/* The prerequisites exactly as they go on the wire, one line each. */
static json_t *
prereq_lines(const struct xfed_plan *plan, struct batch b)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = b.first; i < b.first + b.count; i++) {
		const ldns_rr_list *l = plan->changes[i].prereq;

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

/* What became of the answer's TSIG, for the "tsig" field. */
static const char *
tsig_outcome(const struct xfed_peer *peer, const struct xfed_exchange *ex)
{
	if (peer->key == NULL)
		return "none";
	switch (ex->status) {
	case XFED_EUNSIGNED:	return "unsigned";
	case XFED_EBADSIG:	return "badsig";
	case XFED_EBADKEY:	return "badkey";
	case XFED_EBADTIME:	return "badtime";
	case XFED_EBADTRUNC:	return "badtrunc";
	case XFED_ETSIGFORMAT:	return "malformed";
	case XFED_ETIMEOUT:
	case XFED_EREFUSED:
	case XFED_ENETWORK:	return "no-answer";
	}
	return ex->authenticated ? "verified" : "not-verified";
}

/*
 * Which message an intent and its result are about: its number in this
 * apply, and an id unique to it, as zones sync side by side and their
 * records interleave in the log.
 */
struct msgref {
	size_t	 no;
	char	 id[17];
};

static void
msgref_init(struct msgref *m, size_t no)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char r[8];
	size_t i;

	m->no = no;
	if (RAND_bytes(r, sizeof(r)) != 1)
		fatalx("no random bytes for an audit record id");
	for (i = 0; i < sizeof(r); i++) {
		m->id[2 * i] = digits[r[i] >> 4];
		m->id[2 * i + 1] = digits[r[i] & 0x0f];
	}
	m->id[16] = '\0';
}

/* Fields an intent and its result share, so the two pair up. */
static json_t *
message_fields(const struct xfed_peer *peer, const struct xfed_plan *plan,
    struct batch b, const char *trigger, const struct msgref *m)
{
	json_t *rec = json_object();
	char *zone = ldns_rdf2str(plan->zone);

	json_object_set_new(rec, "zone", json_string(zone));
	json_object_set_new(rec, "server", json_string(peer->label));
	json_object_set_new(rec, "key", peer->key != NULL ?
	    json_string(peer->key->name) : json_null());
	json_object_set_new(rec, "id", json_string(m->id));
	json_object_set_new(rec, "message", json_integer((json_int_t)m->no));
	json_object_set_new(rec, "add", rr_lines(plan, b, true));
	json_object_set_new(rec, "delete", rr_lines(plan, b, false));
	json_object_set_new(rec, "trigger", json_string(trigger));
	free(zone);
	return rec;
}

/*
 * Before sending: what is about to be asked of the server, on disk before
 * the first packet leaves.  If it cannot be recorded nothing is sent: every
 * change must leave a record.
 */
static int
audit_intent(struct xfed_audit *audit, const struct xfed_plan *plan,
    struct batch b, json_t *shared)
{
	json_t *rec;

	if (audit == NULL)
		return 0;
	/* The shared fields are referenced, not copied or rendered again. */
	rec = json_object();
	json_object_update(rec, shared);
	json_object_set_new(rec, "prereq", prereq_lines(plan, b));
	return xfed_audit_write(audit, "update-intent", rec);
}

static void
audit_update(struct xfed_audit *audit, const struct xfed_peer *peer,
    json_t *shared, const struct xfed_exchange *ex)
{
	json_t *rec;

	if (audit == NULL)
		return;
	rec = json_object();
	json_object_update(rec, shared);
	json_object_set_new(rec, "rcode", json_string(outcome_name(ex)));
	json_object_set_new(rec, "tsig", json_string(tsig_outcome(peer, ex)));
	json_object_set_new(rec, "attempts", json_integer(ex->attempts));
	json_object_set_new(rec, "duration_ms",
	    json_integer((json_int_t)ex->elapsed_ms));
	if (ex->status != 0)
		json_object_set_new(rec, "error", json_string(
		    ex->detail[0] != '\0' ? ex->detail :
		    xfed_strerror(ex->status)));
	xfed_audit_write(audit, "update", rec);
}

static size_t
count_rrs(const struct xfed_plan *plan, struct batch b, bool added)
{
	size_t i, n = 0;

	for (i = b.first; i < b.first + b.count; i++)
		n += ldns_rr_list_rr_count(added ? plan->changes[i].added :
		    plan->changes[i].removed);
	return n;
}

/*
 * A message that could not be built or signed (larger than a DNS message
 * once signed, or not renderable) never left: its log and audit record
 * say so, and speak of no attempt and no timeout.
 */
static bool
never_sent(const struct xfed_exchange *ex)
{
	return ex->status == XFED_ETOOBIG || ex->status == XFED_EINVAL;
}

static void
explain_unsent(const struct xfed_peer *peer, struct xfed_exchange *ex)
{
	ex->attempts = 0;
	if (ex->status == XFED_ETOOBIG)
		snprintf(ex->detail, sizeof(ex->detail), "%s: not sent: the "
		    "UPDATE message would be larger than %u octets once "
		    "signed", peer->label, XFED_DNS_MAX_MSG);
	else
		snprintf(ex->detail, sizeof(ex->detail), "%s: not sent: the "
		    "UPDATE message could not be built", peer->label);
}

/*
 * The journal's one line per UPDATE, for those who never open the audit
 * log.  A failed one only with -v: the sync's report says why it failed,
 * once for all the zones that failed for the same reason.  One that never
 * left is said at once: no report line explains it better.
 */
static void
journal_update(const struct xfed_peer *peer, const struct xfed_plan *plan,
    struct batch b, const struct xfed_exchange *ex)
{
	char *zone, line[512];

	zone = ldns_rdf2str(plan->zone);
	if (never_sent(ex)) {
		log_warnx("update %s: +%zu -%zu %s", zone,
		    count_rrs(plan, b, true), count_rrs(plan, b, false),
		    ex->detail);
		free(zone);
		return;
	}
	if (ex->status != 0 && ex->status != XFED_ERCODE && log_verbose() < 1) {
		free(zone);
		return;
	}
	snprintf(line, sizeof(line), "update %s at %s: +%zu -%zu %s (%u "
	    "attempt%s, %llu ms)", zone, peer->label, count_rrs(plan, b, true),
	    count_rrs(plan, b, false), outcome_name(ex), ex->attempts,
	    ex->attempts == 1 ? "" : "s", (unsigned long long)ex->elapsed_ms);
	if (ex->status == 0 || ex->status == XFED_ERCODE)
		log_info("%s", line);
	else
		log_debug("%s", line);
	free(zone);
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
	struct msgref m;
	ldns_pkt *pkt;
	json_t *shared;
	int rc, cancel = xfed_net_cancel_fd();

	if ((pkt = build_message(plan, b)) == NULL)
		return XFED_ENOMEM;
	msgref_init(&m, res->messages + 1);
	shared = audit != NULL ? message_fields(peer, plan, b, trigger, &m) :
	    NULL;
	if (audit_intent(audit, plan, b, shared) != 0) {
		json_decref(shared);
		ldns_pkt_free(pkt);
		snprintf(res->detail, sizeof(res->detail), "%s: the audit log "
		    "could not record the update; not sent", peer->label);
		return XFED_EIO;
	}
	/* An update once started is seen through: no cancellation. */
	xfed_net_set_cancel_fd(-1);
	rc = xfed_dns_exchange(peer, pkt, &ex);
	xfed_net_set_cancel_fd(cancel);
	ldns_pkt_free(pkt);
	if (never_sent(&ex))
		explain_unsent(peer, &ex);
	res->messages++;
	audit_update(audit, peer, shared, &ex);
	json_decref(shared);
	journal_update(peer, plan, b, &ex);
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
