/*
 * A configuration parsed from a string, its error output captured: what
 * the configuration suites (check_config, check_confhint) assert on.
 */
#ifndef XFED_TESTS_CFGPARSE_H
#define XFED_TESTS_CFGPARSE_H

#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "config.h"

static struct xfed_config	*cfg;
static char			*errtext;

/* Parse text as "t.conf": cfg and errtext hold the outcome. */
static inline int
parse(const char *text)
{
	size_t	 len;
	FILE	*fp;
	int	 rc;

	free(errtext);
	errtext = NULL;
	fp = open_memstream(&errtext, &len);
	ck_assert_ptr_nonnull(fp);
	xfed_config_free(cfg);
	cfg = NULL;
	rc = xfed_config_parse_string(text, "t.conf", fp, &cfg);
	fclose(fp);
	return rc;
}

static inline void
parse_clear(void)
{
	xfed_config_free(cfg);
	cfg = NULL;
	free(errtext);
	errtext = NULL;
}

#endif
