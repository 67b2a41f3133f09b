/*
 * A sync's zone reports and the audit events they make.  Every part of
 * the sync engine (syncrun.h) records a zone's outcome through these, so
 * a failure is always said in words, logged and audited the same way.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "log.h"
#include "net.h"
#include "sync.h"
#include "syncrun.h"
#include "util.h"

struct xfed_zone_report *
xfed_new_report(struct run *r, const char *zone, const char *server)
{
	struct xfed_zone_report *z;

	r->rep->zones = xreallocarray(r->rep->zones, r->rep->n + 1,
	    sizeof(*r->rep->zones));
	z = &r->rep->zones[r->rep->n++];
	memset(z, 0, sizeof(*z));
	z->zone = xstrdup(zone);
	z->server = xstrdup(server);
	return z;
}

void
xfed_audit_event(struct run *r, const char *event, json_t *rec)
{
	if (r->audit != NULL && !r->opts->dry_run)
		xfed_audit_write(r->audit, event, rec);
	else
		json_decref(rec);
}

void
xfed_fail_zone(struct run *r, struct xfed_zone_report *z, const char *detail)
{
	/* Every failure in words, even from a path that lost them. */
	if (detail == NULL || *detail == '\0')
		detail = xfed_net_cancelled() != 0 ? "stopped: the agent is "
		    "shutting down" : "failed (no cause was recorded)";
	z->result = XFED_ZONE_FAILED;
	free(z->detail);
	z->detail = xstrdup(detail);
	/* Said once per cause at the end of the sync: see report.h. */
	log_debug("zone %s: %s", z->zone, detail);
	xfed_audit_event(r, "error", json_pack("{s:s, s:s, s:s}", "zone",
	    z->zone, "server", z->server, "error", detail));
}
