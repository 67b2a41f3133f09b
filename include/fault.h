/*
 * What went wrong with a server, in words.  Discovery, the zone transfer
 * and the update all describe a failed exchange through this one function,
 * so the same failure reads the same whichever path met it, and the
 * per-sync report can print each cause once (see report.h).
 *
 * The phrase is "ADDR#PORT: what happened[; what to do]", or
 * "ADDR#PORT answered RCODE" for an authenticated error answer.  It never
 * names the zone: that is context the caller puts in front.
 */
#ifndef XFED_FAULT_H
#define XFED_FAULT_H

#include <stddef.h>

#include "dns.h"
#include "tsig.h"

struct xfed_fault {
	int			 status;	/* XFED_E* */
	unsigned		 attempts;	/* tries made */
	int			 rcode;		/* the answer's RCODE, or -1 */
	struct xfed_tsig_result	 tsig;		/* what its TSIG said */
};

/* The fault of a finished exchange. */
void	xfed_fault_from_exchange(const struct xfed_exchange *ex,
	    struct xfed_fault *f);

/* Phrase f, met talking to peer, into buf. */
void	xfed_fault_phrase(const struct xfed_peer *peer,
	    const struct xfed_fault *f, char *buf, size_t size);

#endif
