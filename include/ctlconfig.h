/*
 * What xfedctl takes from the configuration: the control socket and the
 * audit log it names.  Only paths are read (never a TSIG secret: the
 * daemon may get its key as a systemd credential xfedctl cannot see).
 */
#ifndef XFED_CTLCONFIG_H
#define XFED_CTLCONFIG_H

#include <stdbool.h>

enum xfed_ctl_path {
	XFED_CTL_SOCKET,
	XFED_CTL_AUDIT_LOG,
};

/*
 * The path named by the configuration at config (given: named with -c),
 * as a malloc'd string.  When the default configuration does not exist
 * (or cannot be read) the built-in default is used, and stderr says so.
 * A configuration with errors is never passed over: its FILE:LINE
 * problems go to stderr and the result is NULL (exit 1 for the caller).
 */
char	*xfed_ctl_config_path(const char *config, bool given,
	    enum xfed_ctl_path which);

#endif
