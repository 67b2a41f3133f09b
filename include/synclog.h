/*
 * The agent's log of a sync's outcome.  With -v the daemon logs one line
 * per zone, "zone Z: in sync" included, so that a quiet agent can be told
 * from a stuck one.
 */
#ifndef XFED_SYNCLOG_H
#define XFED_SYNCLOG_H

#include "sync.h"

/*
 * With -v, one log_info line per zone of rep that neither failed nor was
 * held back (those are warnings already: xfed_sync_report_log).
 */
void	xfed_sync_outcome_log(const char *trigger,
	    const struct xfed_sync_report *rep);

#endif
