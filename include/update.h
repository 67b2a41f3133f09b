/*
 * Applying a plan: its changes packed, in phase order, into as few UPDATE
 * messages as fit well under the 64 KiB limit (ldns aborts when signing a
 * larger one), each carrying the prerequisites of its own changes, sent
 * one after another.  One audit "update" record per message sent.
 */
#ifndef XFED_UPDATE_H
#define XFED_UPDATE_H

#include "audit.h"
#include "dns.h"
#include "plan.h"

/*
 * Payload budget of one message, counted as uncompressed RR sizes (an
 * upper bound of what they take on the wire); the rest of the 65,535
 * octets is the header, the zone and the TSIG record.
 */
#define XFED_UPDATE_BUDGET	(60 * 1024)

struct xfed_apply_result {
	int	 status;	/* 0; XFED_ESTALE: prerequisites failed; else failure */
	size_t	 messages;	/* UPDATE messages sent */
	size_t	 changes;	/* changes the server accepted */
	char	 detail[384];
};

/*
 * Send plan's changes to peer.  Stops at the first message not accepted:
 * an authenticated YXDOMAIN/YXRRSET/NXDOMAIN/NXRRSET means the zone changed
 * since it was read (XFED_ESTALE: re-read and re-plan); anything else is a
 * failure for this zone.  budget: payload octets per message (0: default).
 */
int	xfed_update_apply(const struct xfed_peer *peer,
	    const struct xfed_plan *plan, struct xfed_audit *audit,
	    const char *trigger, size_t budget, struct xfed_apply_result *res);

#endif
