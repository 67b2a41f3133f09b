/* xfedctl's look-ups in the configuration: see ctlconfig.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctlconfig.h"
#include "util.h"

static const struct {
	const char	*what;
	const char	*def;
	const char	*instead;	/* how to name it without a config */
} paths[] = {
	[XFED_CTL_SOCKET] = { "socket", XFED_DEFAULT_SOCKET, "-s SOCKET" },
	[XFED_CTL_AUDIT_LOG] = { "audit log", XFED_DEFAULT_AUDIT_LOG,
	    "the file to read" },
};

/*
 * No configuration where none was asked for: the built-in default, said
 * out loud, so that "cannot connect" is never a mystery.  Only for the
 * default file, and only when it is absent or unreadable to this user.
 */
static char *
fallback(const char *config, enum xfed_ctl_path which)
{
	int saved;

	if (access(config, R_OK) == 0)
		return NULL;
	saved = errno;
	if (saved != ENOENT && saved != EACCES && saved != ENOTDIR)
		return NULL;
	fprintf(stderr, "xfedctl: %s %s: using the default %s %s (give -c "
	    "FILE, or %s)\n", saved == EACCES ? "cannot read" :
	    "no configuration at", config, paths[which].what,
	    paths[which].def, paths[which].instead);
	return xstrdup(paths[which].def);
}

char *
xfed_ctl_config_path(const char *config, bool given, enum xfed_ctl_path which)
{
	struct xfed_config	*cfg;
	char			*path;

	if (!given && (path = fallback(config, which)) != NULL)
		return path;
	if (xfed_config_load_nokeys(config, stderr, &cfg) != 0) {
		fprintf(stderr, "xfedctl: the configuration %s cannot be used "
		    "(above), so the %s it names is unknown: fix it (xfedctl "
		    "check-config) or give %s\n",
		    config, paths[which].what, paths[which].instead);
		return NULL;
	}
	path = xstrdup(which == XFED_CTL_SOCKET ? cfg->socket :
	    cfg->audit_log);
	xfed_config_free(cfg);
	return path;
}
