/*
 * Log lines that others can cause without limit (a flood of clients, of
 * bad requests) are kept to one per interval, saying how many were kept
 * quiet since: the journal stays readable and the daemon's disk is safe.
 */
#ifndef XFED_RATELIMIT_H
#define XFED_RATELIMIT_H

#include <stdint.h>

struct xfed_ratelimit {
	uint64_t	 interval_ms;
	uint64_t	 last;		/* monotonic ms of the last line, 0: none */
	unsigned long	 quiet;		/* kept quiet since */
};

/*
 * Log this one?  0: no (it is counted); else 1 + how many were kept quiet
 * since the last one logged.
 */
unsigned long	xfed_ratelimit(struct xfed_ratelimit *r);

#endif
