/*
 * The end of a sync in words.  Each zone that went well gets its own line
 * ("contoso.com.: in sync", "updated, N added..."); zones that failed for
 * the same cause (the same server, the same words from fault.h) share one
 * line naming them all, so a key every zone's server rejects is said once,
 * not once per zone.  The per-zone data (status, audit records) stays per
 * zone; only the telling is grouped.
 *
 * xfed_sync_report_print (sync.h) writes these lines for xfedd --once and
 * xfedctl sync; xfed_sync_report_log sends the failure lines to the log,
 * for the daemon.
 */
#ifndef XFED_REPORT_H
#define XFED_REPORT_H

#include "sync.h"

/*
 * Where the cause starts in a failure detail: at the server it names
 * ("192.0.2.53#53: ..." or "... answered REFUSED"), what comes before being
 * context (which name, which message).  0 when no server is named: the
 * whole detail is the cause.
 */
size_t	xfed_report_cause_at(const char *detail);

/* Log one warning per failure cause (the grouped FAILED lines). */
void	xfed_sync_report_log(const struct xfed_sync_report *rep);

#endif
