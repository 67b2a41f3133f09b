/*
 * One DNS exchange with a server: render, sign, send, receive, match and
 * verify.  Every attempt is a new message (new ID, fresh TSIG), as ldns'
 * own retry and TC fallback re-send an already-signed message and break it.
 */
#ifndef XFED_DNS_H
#define XFED_DNS_H

#include <sys/socket.h>

#include <stdbool.h>

#include <ldns/ldns.h>

#include "config.h"
#include "tsig.h"

#define XFED_DNS_MAX_MSG	65535

struct xfed_peer {
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	char			 label[64];	/* "127.0.0.1#53" */
	const struct xfed_key	*key;		/* NULL: unsigned */
	enum xfed_transport	 transport;
	unsigned		 timeout;	/* seconds per attempt */
	unsigned		 retries;	/* extra attempts */
	/* Zone transfer bounds (the server's, or the defaults). */
	unsigned long		 xfr_max_records;
	unsigned long long	 xfr_max_size;	/* octets */
	unsigned		 xfr_timeout;	/* seconds, whole transfer */
};

/* Fill a peer from an IP literal; 0 or XFED_EINVAL. */
int	 xfed_peer_init(struct xfed_peer *peer, const char *ip, uint16_t port,
	    const struct xfed_key *key, enum xfed_transport transport,
	    unsigned timeout, unsigned retries);

/* The outcome of an exchange, for the caller, the log and the audit log. */
struct xfed_exchange {
	ldns_pkt		*answer;	/* parsed answer (NULL if none) */
	int			 status;	/* 0, XFED_ERCODE, or failure */
	ldns_pkt_rcode		 rcode;		/* valid when authenticated */
	bool			 authenticated;	/* TSIG verified (or unsigned peer) */
	struct xfed_tsig_result	 tsig;
	unsigned		 attempts;
	uint64_t		 elapsed_ms;
	char			 detail[320];	/* why it failed, for humans */
};

/*
 * Send query (a question or an UPDATE; its ID is overwritten on each
 * attempt) to peer and wait for the verified answer.  Timeouts and network
 * errors are retried up to peer->retries times; a refused connection,
 * authentication failures and answers are final.  ex->detail says why it
 * failed in the words of fault.h.  Returns ex->status: 0 when an authenticated NOERROR
 * answer arrived, XFED_ERCODE for an authenticated error RCODE, else the
 * failure (XFED_ETIMEOUT, XFED_EBADSIG...).  Free with xfed_exchange_clear.
 */
int	 xfed_dns_exchange(const struct xfed_peer *peer, ldns_pkt *query,
	    struct xfed_exchange *ex);
void	 xfed_exchange_clear(struct xfed_exchange *ex);

/*
 * Building blocks, shared with the zone transfer: give the query a fresh
 * random ID, render it and sign it (when peer->key) into buf (size
 * XFED_DNS_MAX_MSG).
 */
int	 xfed_dns_render(const struct xfed_peer *peer, ldns_pkt *query,
	    uint8_t *buf, size_t *len, struct xfed_tsig_request *req);

/*
 * Parse wire as DNS and check it answers query: same ID, QR set, same
 * opcode, same question (or zone) when present.  0 with *answer set,
 * XFED_EMALFORMED or XFED_EMISMATCH.
 */
int	 xfed_dns_match(const ldns_pkt *query, const uint8_t *wire, size_t len,
	    ldns_pkt **answer);

/* "NOERROR", "REFUSED", ... */
const char *xfed_rcode_name(ldns_pkt_rcode rcode);

/* The name an audit record gives a failed exchange: TIMEOUT, BADSIG... */
const char *xfed_failure_name(int status);

#endif
