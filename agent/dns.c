/* One signed, verified DNS exchange: see dns.h. */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "error.h"
#include "fault.h"
#include "log.h"
#include "net.h"
#include "util.h"

/* Without EDNS a UDP answer is at most 512 octets (RFC 1035 4.2.1). */
#define UDP_PLAIN_MAX	512

int
xfed_peer_init(struct xfed_peer *peer, const char *ip, uint16_t port,
    const struct xfed_key *key, enum xfed_transport transport,
    unsigned timeout, unsigned retries)
{
	memset(peer, 0, sizeof(*peer));
	if (xfed_sockaddr(ip, port, &peer->addr, &peer->addrlen) != 0)
		return XFED_EINVAL;
	xfed_sockaddr_label(&peer->addr, peer->label, sizeof(peer->label));
	peer->key = key;
	peer->transport = transport;
	peer->timeout = timeout > 0 ? timeout : 1;
	peer->retries = retries;
	peer->xfr_max_records = XFED_XFR_RECORDS_DEFAULT;
	peer->xfr_max_size = XFED_XFR_SIZE_DEFAULT;
	peer->xfr_timeout = XFED_XFR_TIMEOUT_DEFAULT;
	return 0;
}

void
xfed_exchange_clear(struct xfed_exchange *ex)
{
	if (ex->answer != NULL)
		ldns_pkt_free(ex->answer);
	memset(ex, 0, sizeof(*ex));
}

const char *
xfed_rcode_name(ldns_pkt_rcode rcode)
{
	static _Thread_local char unknown[16];
	ldns_lookup_table *lt;

	lt = ldns_lookup_by_id(ldns_rcodes, (int)rcode);
	if (lt != NULL && lt->name != NULL)
		return lt->name;
	snprintf(unknown, sizeof(unknown), "RCODE%u", (unsigned)rcode);
	return unknown;
}

const char *
xfed_failure_name(int status)
{
	switch (status) {
	case XFED_ETIMEOUT:	return "TIMEOUT";
	case XFED_ENETWORK:	return "NETWORK";
	case XFED_EREFUSED:	return "CONNREFUSED";
	case XFED_EUNSIGNED:	return "UNSIGNED";
	case XFED_EBADSIG:	return "BADSIG";
	case XFED_EBADKEY:	return "BADKEY";
	case XFED_EBADTIME:	return "BADTIME";
	case XFED_EBADTRUNC:	return "BADTRUNC";
	case XFED_ETSIGFORMAT:
	case XFED_EMALFORMED:
	case XFED_EMISMATCH:	return "FORMERR";
	case XFED_ETOOBIG:	return "TOOBIG";
	}
	return "ERROR";
}

int
xfed_dns_render(const struct xfed_peer *peer, ldns_pkt *query, uint8_t *buf,
    size_t *len, struct xfed_tsig_request *req)
{
	ldns_buffer *b;
	ldns_status st;

	ldns_pkt_set_random_id(query);
	if ((b = ldns_buffer_new(XFED_DNS_MAX_MSG)) == NULL)
		return XFED_ENOMEM;
	/*
	 * No name compression (no tree): ldns' compression compares names
	 * in a tree, a fifth of the time of a large update, and the message
	 * budget already counts names uncompressed.
	 */
	st = ldns_pkt2buffer_wire_compress(b, query, NULL);
	if (st != LDNS_STATUS_OK || ldns_buffer_position(b) >
	    XFED_DNS_MAX_MSG) {
		ldns_buffer_free(b);
		return st == LDNS_STATUS_OK ? XFED_ETOOBIG : XFED_EINVAL;
	}
	*len = ldns_buffer_position(b);
	memcpy(buf, ldns_buffer_begin(b), *len);
	ldns_buffer_free(b);
	memset(req, 0, sizeof(*req));
	req->id = ldns_pkt_id(query);
	if (peer->key == NULL)
		return 0;
	return xfed_tsig_sign(peer->key, buf, len, XFED_DNS_MAX_MSG,
	    xfed_wall_seconds(), req);
}

static bool
same_question(const ldns_pkt *query, const ldns_pkt *answer)
{
	const ldns_rr *q, *a;

	if (ldns_pkt_qdcount(answer) == 0)
		/* Allowed on error answers (FORMERR, NOTIMP...) only. */
		return ldns_pkt_get_rcode(answer) != LDNS_RCODE_NOERROR;
	if (ldns_pkt_qdcount(answer) != 1 || ldns_pkt_qdcount(query) != 1)
		return false;
	q = ldns_rr_list_rr(ldns_pkt_question(query), 0);
	a = ldns_rr_list_rr(ldns_pkt_question(answer), 0);
	return ldns_dname_compare(ldns_rr_owner(q), ldns_rr_owner(a)) == 0 &&
	    ldns_rr_get_type(q) == ldns_rr_get_type(a) &&
	    ldns_rr_get_class(q) == ldns_rr_get_class(a);
}

int
xfed_dns_match(const ldns_pkt *query, const uint8_t *wire, size_t len,
    ldns_pkt **answer)
{
	ldns_pkt *pkt = NULL;
	int rc;

	*answer = NULL;
	if (len < LDNS_HEADER_SIZE)
		return XFED_EMALFORMED;
	/* Cheap header checks first: a stray datagram is no parse work. */
	if (LDNS_ID_WIRE(wire) != ldns_pkt_id(query) || !LDNS_QR_WIRE(wire))
		return XFED_EMISMATCH;
	if ((rc = xfed_tsig_check_placement(wire, len)) != 0)
		return rc;
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return XFED_EMALFORMED;
	if (ldns_pkt_get_opcode(pkt) != ldns_pkt_get_opcode(query) ||
	    !same_question(query, pkt)) {
		ldns_pkt_free(pkt);
		return XFED_EMISMATCH;
	}
	*answer = pkt;
	return 0;
}

/* Why the exchange failed, in the words every path uses (fault.h). */
static void
explain(const struct xfed_peer *peer, struct xfed_exchange *ex)
{
	struct xfed_fault f;

	xfed_fault_from_exchange(ex, &f);
	xfed_fault_phrase(peer, &f, ex->detail, sizeof(ex->detail));
}

/* Check the answer's TSIG and settle ex->status. */
static void
authenticate(const struct xfed_peer *peer, const struct xfed_tsig_request *req,
    const uint8_t *wire, size_t len, struct xfed_exchange *ex)
{
	struct xfed_tsig_verifier *v;
	int rc = 0;

	if (peer->key != NULL) {
		if ((v = xfed_tsig_verifier_new(peer->key, req, false)) == NULL)
			rc = XFED_ENOMEM;
		else
			rc = xfed_tsig_verify(v, wire, len,
			    xfed_wall_seconds(), &ex->tsig);
		xfed_tsig_verifier_free(v);
	}
	if (rc != 0) {
		ex->status = rc;
		explain(peer, ex);
		return;
	}
	/* The only place an answer becomes authenticated. */
	ex->authenticated = true;
	ex->rcode = ldns_pkt_get_rcode(ex->answer);
	if (ex->rcode != LDNS_RCODE_NOERROR) {
		ex->status = XFED_ERCODE;
		explain(peer, ex);
	}
}

/* Read datagrams until one answers the query; strays are dropped. */
static int
udp_wait_answer(int fd, const ldns_pkt *query, uint64_t deadline,
    uint8_t *buf, size_t *len, ldns_pkt **answer)
{
	int rc;

	for (;;) {
		if ((rc = xfed_udp_recv_msg(fd, buf, XFED_DNS_MAX_MSG, len,
		    deadline)) != 0)
			return rc;
		rc = xfed_dns_match(query, buf, *len, answer);
		if (rc != XFED_EMISMATCH)
			return rc;
		log_debug("dropped a datagram that does not answer ID %u",
		    ldns_pkt_id(query));
	}
}

static int
tcp_wait_answer(int fd, const ldns_pkt *query, uint64_t deadline,
    uint8_t **wire, size_t *len, ldns_pkt **answer)
{
	int rc;

	for (;;) {
		if ((rc = xfed_tcp_recv_msg(fd, wire, len, deadline)) != 0)
			return rc;
		rc = xfed_dns_match(query, *wire, *len, answer);
		if (rc != XFED_EMISMATCH)
			return rc;
		log_debug("dropped a TCP message that does not answer ID %u",
		    ldns_pkt_id(query));
		free(*wire);
		*wire = NULL;
	}
}

/*
 * One attempt over UDP or TCP.  Returns 0 when an answer was received
 * (ex->status then tells whether it was authentic and NOERROR), 1 when a
 * UDP answer was truncated, or a transport failure.
 */
static int
attempt(const struct xfed_peer *peer, ldns_pkt *query, bool *use_tcp,
    struct xfed_exchange *ex)
{
	struct xfed_tsig_request req;
	uint64_t deadline = xfed_now_ms() + (uint64_t)peer->timeout * 1000;
	uint8_t *buf, *tcpwire = NULL;
	size_t len = 0;
	int fd = -1, rc;
	bool tcp;

	buf = xmalloc(XFED_DNS_MAX_MSG);
	if ((rc = xfed_dns_render(peer, query, buf, &len, &req)) != 0)
		goto out;
	/* auto: a request too large for a plain UDP answer goes by TCP. */
	if (peer->transport == XFED_TRANSPORT_AUTO && len > UDP_PLAIN_MAX)
		*use_tcp = true;
	tcp = *use_tcp;
	if (tcp) {
		if ((rc = xfed_tcp_connect(&peer->addr, peer->addrlen,
		    deadline, &fd)) == 0 &&
		    (rc = xfed_tcp_send_msg(fd, buf, len, deadline)) == 0)
			rc = tcp_wait_answer(fd, query, deadline, &tcpwire,
			    &len, &ex->answer);
	} else {
		if ((rc = xfed_udp_open(&peer->addr, peer->addrlen, &fd)) == 0 &&
		    (rc = xfed_udp_send_msg(fd, buf, len)) == 0)
			rc = udp_wait_answer(fd, query, deadline, buf, &len,
			    &ex->answer);
	}
	if (rc != 0)
		goto out;
	if (!tcp && ldns_pkt_tc(ex->answer)) {
		ldns_pkt_free(ex->answer);
		ex->answer = NULL;
		rc = 1;
		goto out;
	}
	authenticate(peer, &req, tcp ? tcpwire : buf, len, ex);
out:
	if (fd != -1)
		close(fd);
	free(tcpwire);
	free(buf);
	return rc;
}

int
xfed_dns_exchange(const struct xfed_peer *peer, ldns_pkt *query,
    struct xfed_exchange *ex)
{
	uint64_t start = xfed_now_ms();
	bool tcp = peer->transport == XFED_TRANSPORT_TCP;
	int rc = XFED_ETIMEOUT;

	memset(ex, 0, sizeof(*ex));
	while (ex->attempts <= peer->retries) {
		ex->attempts++;
		rc = attempt(peer, query, &tcp, ex);
		if (rc == 1) {
			/* Truncated: again at once over TCP, freshly signed. */
			log_debug("%s: truncated answer, retrying over TCP",
			    peer->label);
			tcp = true;
			ex->attempts--;
			continue;
		}
		/*
		 * Retry only what another try may change: silence, loss;
		 * and not once the agent is stopping (net.h).
		 */
		if (rc != XFED_ETIMEOUT && rc != XFED_ENETWORK)
			break;
		if (xfed_net_stop_deadline() != 0 &&
		    ex->attempts <= peer->retries) {
			log_info("%s: stopping: no retry after attempt %u",
			    peer->label, ex->attempts);
			break;
		}
		log_debug("%s: attempt %u: %s", peer->label, ex->attempts,
		    xfed_strerror(rc));
	}
	ex->elapsed_ms = xfed_now_ms() - start;
	if (rc != 0) {
		ex->status = rc;
		explain(peer, ex);
	}
	return ex->status;
}
