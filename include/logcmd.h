/*
 * `xfedctl log`: read, filter, follow and verify the audit log.  A library
 * function so that xfedctl stays a thin table of commands and the tests
 * and the benchmark can run it in-process.  No daemon needed.
 */
#ifndef XFED_LOGCMD_H
#define XFED_LOGCMD_H

#include <stdbool.h>

#define XFED_LOG_EXIT_OK	0
#define XFED_LOG_EXIT_USAGE	1	/* bad option, unreadable file, no key */
#define XFED_LOG_EXIT_BROKEN	2	/* --verify: the chain is broken */

/*
 * argv[0] is "log"; its options follow (see the usage text, or README).
 * default_path: the configured audit log, read when no file is named.
 * json: the global --json flag (raw lines instead of the table).
 * Writes records to stdout and problems to stderr; returns the exit
 * status above.
 */
int	xfed_log_command(const char *default_path, bool json, int argc,
	    char **argv);

/*
 * Same, but the audit log to read when no file is named is asked of
 * find(arg) only then: a malloc'd path, or NULL after find has said why
 * on stderr (exit 1).  xfedctl reads its configuration only when needed.
 */
int	xfed_log_command_find(char *(*find)(void *), void *arg, bool json,
	    int argc, char **argv);

#endif
