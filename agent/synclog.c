/* The agent's log of a sync's outcome: see synclog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "synclog.h"
#include "util.h"

void
xfed_sync_outcome_log(const char *trigger, const struct xfed_sync_report *rep)
{
	struct xfed_sync_report sub = { NULL, 0, rep->exit_code };
	char	*text = NULL, *line, *save = NULL;
	size_t	 len = 0, i;
	FILE	*f;

	if (log_verbose() < 1)
		return;
	/* The same words as xfedd --once and xfedctl sync print. */
	if ((f = open_memstream(&text, &len)) == NULL) {
		log_warn("sync report");
		return;
	}
	/* Failures and held-back zones are logged as warnings, always. */
	sub.zones = xcalloc(rep->n + 1, sizeof(*sub.zones));
	sub.n = 0;
	for (i = 0; i < rep->n; i++)
		if (rep->zones[i].result != XFED_ZONE_FAILED &&
		    rep->zones[i].result != XFED_ZONE_HELD)
			sub.zones[sub.n++] = rep->zones[i];
	xfed_sync_report_print(f, &sub);
	free(sub.zones);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("sync (%s): zone %s", trigger, line);
	if (rep->n == 0)
		log_info("sync (%s): no zone to sync", trigger);
	free(text);
}
