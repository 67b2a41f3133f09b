/*
 * Hints for configuration errors: the option a misspelt name probably
 * meant, and what a named.conf habit should be in xfed.conf.  Pure string
 * functions, no libconfuse, so that config.c only decides where a hint goes.
 */
#ifndef XFED_CONFHINT_H
#define XFED_CONFHINT_H

#include <stddef.h>

/*
 * Optimal string alignment distance (insertions, deletions, substitutions
 * and swaps of neighbours each cost 1), ignoring case; at most a few dozen
 * octets of each are compared.
 */
size_t		 xfed_edit_distance(const char *a, const char *b);

/*
 * The name of names[0..n-1] closest to word, or NULL when none is close
 * enough to be the likely intent (a third of the word's length, at most 3).
 */
const char	*xfed_closest_name(const char *word, const char *const *names,
		    size_t n);

/*
 * For a word that is a named.conf statement rather than an xfed.conf
 * option ("key", "options"...), what to write instead; NULL otherwise.
 */
const char	*xfed_bind_word_hint(const char *word);

/* Said wherever a ';' ended a line: xfed.conf does not use them. */
#define XFED_HINT_SEMICOLON	"xfed.conf is not named.conf: remove the " \
				"';' at the end of the line"

/* Said for "name value" without '=', as named.conf writes options. */
#define XFED_HINT_EQUALS	"xfed.conf is not named.conf: write " \
				"name = \"value\", with '=' and no ';'"

#endif
