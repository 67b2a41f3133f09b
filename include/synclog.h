/*
 * The agent's log of a sync's outcome.  With -v the daemon logs one line
 * per zone, "zone Z: in sync" included, so that a quiet agent can be told
 * from a stuck one.
 */
#ifndef XFED_SYNCLOG_H
#define XFED_SYNCLOG_H

#include "sync.h"

/* One log_info line per zone of rep (as xfed_sync_report_print), when -v. */
void	xfed_sync_report_log(const char *trigger,
	    const struct xfed_sync_report *rep);

#endif
