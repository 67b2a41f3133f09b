/*
 * What a new configuration changes in the declared federation: the domains
 * it adds, removes, and those whose declaration differs (anything that
 * shapes their records: proxies and their addresses, ports, TTLs, zone,
 * server).  `xfedctl reload` and `xfedctl plan --config` report it.
 */
#ifndef XFED_CFGDIFF_H
#define XFED_CFGDIFF_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "config.h"

struct xfed_cfgdiff {
	char	**added;	/* canonical names, sorted */
	size_t	  n_added;
	char	**removed;
	size_t	  n_removed;
	char	**changed;
	size_t	  n_changed;
};

void	 xfed_cfgdiff(const struct xfed_config *old,
	    const struct xfed_config *new, struct xfed_cfgdiff *diff);
void	 xfed_cfgdiff_clear(struct xfed_cfgdiff *diff);
/* {"added": [...], "removed": [...], "changed": [...]} */
json_t	*xfed_cfgdiff_json(const struct xfed_cfgdiff *diff);
/* One line per non-empty list, each starting with prefix. */
void	 xfed_cfgdiff_print(FILE *f, const char *prefix,
	    const struct xfed_cfgdiff *diff);

#endif
