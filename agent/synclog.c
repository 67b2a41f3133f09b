/* The agent's log of a sync's outcome: see synclog.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "synclog.h"

void
xfed_sync_report_log(const char *trigger, const struct xfed_sync_report *rep)
{
	char	*text = NULL, *line, *save = NULL;
	size_t	 len = 0;
	FILE	*f;

	if (log_verbose() < 1)
		return;
	/* The same words as xfedd --once and xfedctl sync print. */
	if ((f = open_memstream(&text, &len)) == NULL) {
		log_warn("sync report");
		return;
	}
	xfed_sync_report_print(f, rep);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("sync (%s): zone %s", trigger, line);
	if (rep->n == 0)
		log_info("sync (%s): no zone to sync", trigger);
	free(text);
}
