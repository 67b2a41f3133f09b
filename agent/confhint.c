/* Hints for configuration errors: see confhint.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confhint.h"

/* Names are short; a longer word is compared on its first octets only. */
#define MAX_CMP		48

size_t
xfed_edit_distance(const char *a, const char *b)
{
	size_t	 n = strlen(a), m = strlen(b), i, j, best;
	size_t	 d[MAX_CMP + 1][MAX_CMP + 1];

	n = n > MAX_CMP ? MAX_CMP : n;
	m = m > MAX_CMP ? MAX_CMP : m;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		for (j = 1; j <= m; j++) {
			int same = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]);

			best = d[i - 1][j - 1] + (same ? 0 : 1);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			/* "max-dleetes": two neighbours swapped is one slip. */
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1])
			    == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m];
}

const char *
xfed_closest_name(const char *word, const char *const *names, size_t n)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1, limit = strlen(word) / 3;

	if (limit == 0)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		d = xfed_edit_distance(word, names[i]);
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

static const struct {
	const char	*word;
	const char	*hint;
} bind_words[] = {
	{ "key", "xfed.conf is not named.conf: declare the key as "
	    "tsig-key \"NAME\" { algorithm = \"hmac-sha256\" secret = "
	    "\"...\" }, or point at the key file with file = \"PATH\"" },
	{ "options", "xfed.conf is not named.conf: it has no options "
	    "block; its settings are at the top level (see xfed.conf(5))" },
	{ "masters", "xfed.conf is not named.conf: the primary is a "
	    "server \"NAME\" { address = \"...\" } section" },
	{ "primaries", "xfed.conf is not named.conf: the primary is a "
	    "server \"NAME\" { address = \"...\" } section" },
	{ "secret", "xfed.conf is not named.conf: a secret goes inside a "
	    "tsig-key \"NAME\" { ... } section, as secret = \"...\"" },
	{ "algorithm", "xfed.conf is not named.conf: an algorithm goes "
	    "inside a tsig-key \"NAME\" { ... } section" },
};

const char *
xfed_bind_word_hint(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(bind_words) / sizeof(bind_words[0]); i++) {
		if (strcasecmp(word, bind_words[i].word) == 0)
			return bind_words[i].hint;
	}
	return NULL;
}
