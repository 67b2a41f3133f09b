/*
 * race_sync: one sync like `xfedd --once`, but after the first read of
 * each zone it runs a shell command (once per zone), so a test can change
 * the zone between xfedd's read and its update.
 *
 * usage: race_sync CONFIG COMMAND
 * The command sees the zone in $XFED_RACE_ZONE.  Exit status as xfedd --once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "sync.h"

static void
run_command(const char *zone, void *arg)
{
	setenv("XFED_RACE_ZONE", zone, 1);
	if (system((const char *)arg) != 0)
		fprintf(stderr, "race_sync: command failed for %s\n", zone);
}

int
main(int argc, char **argv)
{
	struct xfed_sync_opts so = { .trigger = "once",
	    .after_read = run_command, .uid = -1 };
	struct xfed_sync_report rep;
	struct xfed_config *cfg;
	struct xfed_audit *audit;
	int code;

	if (argc != 3) {
		fprintf(stderr, "usage: race_sync CONFIG COMMAND\n");
		return 1;
	}
	log_init(1);
	signal(SIGPIPE, SIG_IGN);
	if (xfed_config_load(argv[1], stderr, &cfg) != 0)
		return 1;
	if (xfed_audit_open_config(cfg, &audit) != 0)
		return 1;
	so.hook_arg = argv[2];
	xfed_sync_run(cfg, audit, &so, &rep);
	xfed_sync_report_print(stderr, &rep);
	code = rep.exit_code;
	xfed_sync_report_clear(&rep);
	xfed_audit_close(audit);
	xfed_config_free(cfg);
	return code;
}
