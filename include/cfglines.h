/*
 * A look at the configuration text before libconfuse sees it: lines no
 * configuration needs, but which libconfuse's lexer reads in time
 * quadratic in their length.  A 6 MB run of blanks (or a comment, which
 * config.c blanks out, or one unquoted word) took 12 s to lex, holding a
 * reload and with it `xfedctl status`.  So a line longer than
 * XFED_CONFIG_LINE_MAX is refused, by its number, in one linear pass.
 */
#ifndef XFED_CFGLINES_H
#define XFED_CFGLINES_H

#include <stddef.h>

/*
 * 64 KiB: a list of some 1,500 IPv6 addresses on one line, or a base64
 * secret many times the largest key; and lexed in about a millisecond.
 */
#define XFED_CONFIG_LINE_MAX	(64 * 1024)

/* The number (1-based) of the first line of text longer than max, or 0. */
int	xfed_config_long_line(const char *text, size_t max);

#endif
