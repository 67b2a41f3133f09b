/*
 * Reading a zone's live state from its primary: a TSIG-verified AXFR.
 *
 * ldns' own AXFR functions never verify TSIG (a forged unsigned transfer is
 * accepted), so every message is checked here with the running MAC, and any
 * failure discards the whole transfer: an unreadable zone is never mistaken
 * for an empty one.
 */
#ifndef XFED_ZONE_H
#define XFED_ZONE_H

#include <ldns/ldns.h>

#include "dns.h"

struct xfed_zone_data {
	ldns_rr_list	*rrs;		/* every RR, SOA first, trailing SOA dropped */
	uint32_t	 serial;
	unsigned	 messages;	/* messages in the transfer */
};

/*
 * Transfer zone from peer.  Returns 0 and fills data, or an XFED_E* code
 * with a human explanation in detail (refused, not authoritative, timed
 * out, failed verification...).  Timeouts are retried peer->retries times.
 */
int	xfed_zone_read(const struct xfed_peer *peer, const ldns_rdf *zone,
	    struct xfed_zone_data *data, char *detail, size_t dlen);
void	xfed_zone_data_clear(struct xfed_zone_data *data);

#endif
