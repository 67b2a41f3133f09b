/* Verified AXFR: see zone.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "error.h"
#include "fault.h"
#include "log.h"
#include "net.h"
#include "tsig.h"
#include "util.h"
#include "zone.h"

/* State of one transfer while its messages arrive. */
struct transfer {
	const struct xfed_peer		*peer;
	const ldns_rdf			*zone;
	char				*zname;		/* for messages */
	ldns_pkt			*query;
	struct xfed_tsig_verifier	*verifier;
	ldns_rr_list			*rrs;
	unsigned			 messages;
	unsigned long long		 octets;	/* received, prefixes too */
	uint64_t			 end;		/* transfer-timeout, ms */
	bool				 overdue;	/* end passed */
	ldns_pkt_rcode			 rcode;		/* of a refusing answer */
	bool				 last_signed;
	bool				 done;		/* closing SOA seen */
	char				*detail;
	size_t				 dlen;
};

void
xfed_zone_data_clear(struct xfed_zone_data *data)
{
	if (data->rrs != NULL)
		ldns_rr_list_deep_free(data->rrs);
	memset(data, 0, sizeof(*data));
}

/*
 * A transfer message answers our query when ID, QR and opcode agree; the
 * question section may be empty after the first message (RFC 5936 2.2).
 */
static int
check_message(struct transfer *t, const uint8_t *wire, size_t len,
    ldns_pkt **pkt)
{
	const ldns_rr *q;
	int rc;

	*pkt = NULL;
	if (len < LDNS_HEADER_SIZE || LDNS_ID_WIRE(wire) !=
	    ldns_pkt_id(t->query) || !LDNS_QR_WIRE(wire))
		return XFED_EMISMATCH;
	/* Before ldns, which leaks all TSIG records but the last. */
	if ((rc = xfed_tsig_check_placement(wire, len)) != 0)
		return rc;
	if (ldns_wire2pkt(pkt, wire, len) != LDNS_STATUS_OK)
		return XFED_EMALFORMED;
	if (ldns_pkt_get_opcode(*pkt) != LDNS_PACKET_QUERY)
		return XFED_EMISMATCH;
	if (ldns_pkt_qdcount(*pkt) == 0)
		return t->messages == 0 &&
		    ldns_pkt_get_rcode(*pkt) == LDNS_RCODE_NOERROR ?
		    XFED_EMISMATCH : 0;
	q = ldns_rr_list_rr(ldns_pkt_question(*pkt), 0);
	if (ldns_pkt_qdcount(*pkt) != 1 || q == NULL ||
	    ldns_rr_get_type(q) != LDNS_RR_TYPE_AXFR ||
	    ldns_dname_compare(ldns_rr_owner(q), t->zone) != 0)
		return XFED_EMISMATCH;
	return 0;
}

static int
fail(struct transfer *t, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct transfer *t, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->detail, t->dlen, fmt, ap);
	va_end(ap);
	return rc;
}

/*
 * A failure met in message number no (0: not tied to one message), in the
 * words of fault.h, after the transfer's context.
 */
static int
fail_fault(struct transfer *t, const struct xfed_fault *f, unsigned no,
    const char *advice)
{
	char phrase[320], ctx[48] = "zone transfer";

	if (no > 0)
		snprintf(ctx, sizeof(ctx), "zone transfer, message %u", no);
	xfed_fault_phrase(t->peer, f, phrase, sizeof(phrase));
	return fail(t, f->status, "%s: %s%s", ctx, phrase,
	    advice != NULL ? advice : "");
}

static int
explain_rcode(struct transfer *t, ldns_pkt_rcode rcode)
{
	struct xfed_fault f = { .status = XFED_ERCODE, .rcode = (int)rcode };
	char advice[160] = "";
	const char *kn = t->peer->key ? t->peer->key->name : "(none)";

	t->rcode = rcode;
	if (rcode == LDNS_RCODE_REFUSED)
		snprintf(advice, sizeof(advice), ": allow zone transfers for "
		    "key \"%s\" on the primary", kn);
	else if (rcode == LDNS_RCODE_NOTAUTH)
		snprintf(advice, sizeof(advice), " (not authoritative): wrong "
		    "zone or server, or key \"%s\" not accepted there", kn);
	return fail_fault(t, &f, 0, advice);
}

/* Append the message's answer RRs; notice the closing SOA. */
static int
collect(struct transfer *t, const ldns_pkt *pkt)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		bool soa = ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA;

		if (t->done)
			return fail(t, XFED_EMALFORMED, "%s: records after "
			    "the closing SOA of %s", t->peer->label,
			    t->zname);
		if (ldns_rr_list_rr_count(t->rrs) == 0 &&
		    (!soa || ldns_rr_rd_count(rr) != 7))
			return fail(t, XFED_EMALFORMED, "%s: transfer of %s "
			    "does not start with its SOA", t->peer->label,
			    t->zname);
		if (soa && ldns_rr_list_rr_count(t->rrs) > 0) {
			t->done = true;
			continue;
		}
		if (ldns_rr_list_rr_count(t->rrs) >= t->peer->xfr_max_records)
			return fail(t, XFED_ETOOBIG, "%s: transfer of %s has "
			    "more than %lu records (max-transfer-records); "
			    "abandoned", t->peer->label, t->zname,
			    t->peer->xfr_max_records);
		ldns_rr_list_push_rr(t->rrs, ldns_rr_clone(rr));
	}
	return 0;
}

static int
handle_message(struct transfer *t, const uint8_t *wire, size_t len)
{
	struct xfed_tsig_result res;
	ldns_pkt *pkt;
	int rc;

	if ((rc = check_message(t, wire, len, &pkt)) != 0) {
		struct xfed_fault f = { .status = rc, .rcode = -1 };

		ldns_pkt_free(pkt);
		return fail_fault(t, &f, t->messages + 1, NULL);
	}
	if (t->verifier != NULL) {
		memset(&res, 0, sizeof(res));
		rc = xfed_tsig_verify(t->verifier, wire, len,
		    xfed_wall_seconds(), &res);
		if (rc != 0) {
			struct xfed_fault f = { .status = rc, .tsig = res,
			    .rcode = (int)ldns_pkt_get_rcode(pkt) };

			ldns_pkt_free(pkt);
			return fail_fault(t, &f, t->messages + 1, NULL);
		}
		t->last_signed = res.is_signed;
	}
	t->messages++;
	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR) {
		rc = explain_rcode(t, ldns_pkt_get_rcode(pkt));
		ldns_pkt_free(pkt);
		return rc;
	}
	rc = collect(t, pkt);
	ldns_pkt_free(pkt);
	return rc;
}

/* Now plus ms, but never past the whole transfer's deadline. */
static uint64_t
until(const struct transfer *t, unsigned ms)
{
	uint64_t d = xfed_now_ms() + ms;

	return d < t->end ? d : t->end;
}

/*
 * The next message.  Each gets the full per-attempt timeout (big zones take
 * time), within transfer-timeout for the whole; the octets received count
 * against max-transfer-size before anything is parsed.
 */
static int
recv_next(struct transfer *t, int fd, unsigned timeout_ms, uint8_t **wire,
    size_t *len)
{
	int rc;

	if ((rc = xfed_tcp_recv_msg(fd, wire, len, until(t, timeout_ms))) != 0)
		return rc;
	t->octets += *len + 2;
	if (t->octets > t->peer->xfr_max_size) {
		free(*wire);
		return fail(t, XFED_ETOOBIG, "%s: transfer of %s is larger "
		    "than %llu octets (max-transfer-size) after %u "
		    "message(s); abandoned", t->peer->label, t->zname,
		    t->peer->xfr_max_size, t->messages);
	}
	return 0;
}

static int
run_transfer(struct transfer *t)
{
	struct xfed_tsig_request req;
	uint8_t *buf, *wire;
	size_t len;
	uint64_t deadline;
	unsigned timeout_ms = t->peer->timeout * 1000;
	int fd = -1, rc;

	buf = xmalloc(XFED_DNS_MAX_MSG);
	rc = xfed_dns_render(t->peer, t->query, buf, &len, &req);
	if (rc == 0 && t->peer->key != NULL &&
	    (t->verifier = xfed_tsig_verifier_new(t->peer->key, &req,
	    true)) == NULL)
		rc = XFED_ENOMEM;
	deadline = until(t, timeout_ms);
	if (rc == 0)
		rc = xfed_tcp_connect(&t->peer->addr, t->peer->addrlen,
		    deadline, &fd);
	if (rc == 0)
		rc = xfed_tcp_send_msg(fd, buf, len, deadline);
	free(buf);
	while (rc == 0 && !t->done) {
		/*
		 * A server that sends without pause never lets a receive
		 * wait, so the stop request is looked at here, between
		 * messages, as well as in every wait.
		 */
		if ((rc = xfed_net_cancelled()) != 0)
			break;
		if ((rc = recv_next(t, fd, timeout_ms, &wire, &len)) != 0)
			break;
		rc = handle_message(t, wire, len);
		free(wire);
	}
	if (fd != -1)
		close(fd);
	if (rc == XFED_ETIMEOUT && xfed_now_ms() >= t->end)
		t->overdue = true;
	if (rc == XFED_ECANCELED)
		fail(t, rc, "%s: transfer of %s stopped after %u message(s): "
		    "the agent is shutting down", t->peer->label, t->zname,
		    t->messages);
	else if (t->overdue)
		fail(t, rc, "%s: transfer of %s did not finish within %u s "
		    "(transfer-timeout) after %u message(s), %lu record(s); "
		    "abandoned", t->peer->label, t->zname,
		    t->peer->xfr_timeout, t->messages,
		    (unsigned long)ldns_rr_list_rr_count(t->rrs));
	else if (rc == 0 && t->verifier != NULL && !t->last_signed) {
		struct xfed_fault f = { .status = XFED_EUNSIGNED, .rcode = -1 };

		rc = fail_fault(t, &f, t->messages, NULL);
	}
	return rc;
}

/*
 * No transfer at all, after attempts tries (or stopped by something with
 * no detail of its own).  A refused connection is reported as
 * XFED_ENETWORK, the class of failure on which the caller moves on to the
 * server's next address; the words still say "connection refused".
 */
static int
explain_unreachable(struct transfer *t, int rc, unsigned attempts)
{
	struct xfed_fault f = { .status = rc, .attempts = attempts,
	    .rcode = -1 };
	char phrase[320];

	xfed_fault_phrase(t->peer, &f, phrase, sizeof(phrase));
	if (t->messages > 0)
		fail(t, rc, "zone transfer, after %u message%s: %s",
		    t->messages, t->messages == 1 ? "" : "s", phrase);
	else
		fail(t, rc, "zone transfer: %s", phrase);
	return rc == XFED_EREFUSED ? XFED_ENETWORK : rc;
}

/* A server busy with other transfers is asked again, this often. */
#define BUSY_TRIES	5
#define BUSY_PAUSE_MS	50

static void
transfer_reset(struct transfer *t)
{
	xfed_tsig_verifier_free(t->verifier);
	t->verifier = NULL;
	ldns_rr_list_deep_free(t->rrs);
	t->rrs = ldns_rr_list_new();
	t->messages = 0;
	t->octets = 0;
	t->rcode = LDNS_RCODE_NOERROR;
	t->done = false;
	t->last_signed = false;
}

int
xfed_zone_read(const struct xfed_peer *peer, const ldns_rdf *zone,
    struct xfed_zone_data *data, char *detail, size_t dlen)
{
	struct transfer t = { .peer = peer, .zone = zone, .detail = detail,
	    .dlen = dlen };
	unsigned attempt, busy = 0, tries = 0;
	int rc = XFED_ETIMEOUT;

	memset(data, 0, sizeof(*data));
	detail[0] = '\0';
	t.query = ldns_pkt_query_new(ldns_rdf_clone(zone), LDNS_RR_TYPE_AXFR,
	    LDNS_RR_CLASS_IN, 0);
	if (t.query == NULL)
		return XFED_ENOMEM;
	t.zname = ldns_rdf2str(zone);
	/* One budget for every attempt: a slow drip is not tried again. */
	t.end = xfed_now_ms() + (uint64_t)peer->xfr_timeout * 1000;
	for (attempt = 0; attempt <= peer->retries && !t.overdue;
	    attempt++) {
		transfer_reset(&t);
		rc = run_transfer(&t);
		if (rc == XFED_ERCODE && t.rcode == LDNS_RCODE_SERVFAIL &&
		    busy < BUSY_TRIES) {
			/*
			 * BIND answers SERVFAIL when too many transfers run at
			 * once (transfers-out): a short pause, not a failure.
			 */
			log_debug("%s; trying again", detail);
			if ((rc = xfed_net_pause(BUSY_PAUSE_MS << busy++)) != 0)
				break;
			attempt--;
			continue;
		}
		tries = attempt + 1;
		if (rc != XFED_ETIMEOUT && rc != XFED_ENETWORK)
			break;
		log_debug("%s: zone transfer, attempt %u: %s", t.zname,
		    tries, xfed_strerror(rc));
	}
	/* Past transfer-timeout: the words say so already. */
	if (!t.overdue && (xfed_error_is_unreachable(rc) ||
	    (rc != 0 && detail[0] == '\0')))
		rc = explain_unreachable(&t, rc, tries);
	xfed_tsig_verifier_free(t.verifier);
	ldns_pkt_free(t.query);
	free(t.zname);
	if (rc != 0) {
		ldns_rr_list_deep_free(t.rrs);
		return rc;
	}
	data->rrs = t.rrs;
	data->serial = ldns_rdf2native_int32(ldns_rr_rdf(
	    ldns_rr_list_rr(t.rrs, 0), 2));
	data->messages = t.messages;
	return 0;
}
