/*
 * What the fuzz targets and the seed generator share: a fixed clock, one
 * TSIG key per algorithm and the signed requests whose answers
 * fuzz_response verifies.  Everything is deterministic (fixed IDs, fixed
 * time, HMAC), so the seeds gen_seeds writes verify in the target.
 */
#ifndef XFED_FUZZ_COMMON_H
#define XFED_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "tsig.h"

#define FUZZ_NOW	1764000000ULL		/* 2025-11-24T16:00:00Z */
#define FUZZ_ZONE	"contoso.com."
#define FUZZ_KEYNAME	"xfed-key"
#define FUZZ_MAX_MSG	65535

/* The requests an answer can be fed to; first input octet picks one. */
enum fuzz_req {
	FUZZ_REQ_SOA,		/* discovery: SOA query, single answer */
	FUZZ_REQ_UPDATE,	/* RFC 2136 UPDATE, single answer */
	FUZZ_REQ_AXFR,		/* zone read: a stream of messages */
	FUZZ_NREQ
};

struct fuzz_request {
	ldns_pkt		*pkt;		/* as xfed would hold it */
	uint8_t			*wire;		/* signed, FUZZ_MAX_MSG octets */
	size_t			 len;
	struct xfed_tsig_request req;
};

/*
 * The first input octet of fuzz_response: request kind in the low two
 * bits (3 counts as AXFR), TSIG algorithm index (mod 6) above.
 */
#define FUZZ_SELECTOR(kind, alg)	((uint8_t)(((alg) << 2) | (kind)))
#define FUZZ_SEL_KIND(b)	((enum fuzz_req)(((b) & 3) == 3 ? \
				    FUZZ_REQ_AXFR : ((b) & 3)))
#define FUZZ_SEL_ALG(b)		((enum xfed_tsig_alg)(((b) >> 2) % XFED_TSIG_NALGS))

/* The fixed key for alg (name FUZZ_KEYNAME, 32 octets of secret). */
void	fuzz_key_init(struct xfed_key *k, enum xfed_tsig_alg alg);

/* Build and sign request kind with k at FUZZ_NOW; 0 or -1. */
int	fuzz_request_init(struct fuzz_request *r, enum fuzz_req kind,
	    const struct xfed_key *k);
void	fuzz_request_clear(struct fuzz_request *r);

/*
 * The configuration whose declared records the zone read is planned
 * against: two proxies and three domains in FUZZ_ZONE.
 */
extern const char fuzz_plan_config[];

#endif
