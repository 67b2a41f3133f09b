/*
 * A table of indexes keyed by strings, for the configuration's duplicate
 * checks: options set twice (configscan.c), domains named twice
 * (configfed.c), titles seen in an earlier batch (configparse.c).
 * Separate: those three share it, and it knows nothing of them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "confighash.h"
#include "util.h"

void
xfed_htab_init(struct htab *h, size_t n, hkey_fn key, const void *arg)
{
	size_t cap = 16;

	while (cap < n + n / 2)
		cap *= 2;
	h->slot = xcalloc(cap, sizeof(*h->slot));
	h->mask = cap - 1;
	h->key = key;
	h->arg = arg;
}

/* The slot for s: holding the index of an equal key + 1, or free. */
size_t *
xfed_htab_slot(struct htab *h, const char *s, size_t len)
{
	uint64_t	 hash = 14695981039346656037ULL;
	size_t		 i, klen;
	const char	*k;

	for (i = 0; i < len; i++)
		hash = (hash ^ (unsigned char)s[i]) * 1099511628211ULL;
	for (i = (size_t)hash & h->mask; h->slot[i] != 0;
	    i = (i + 1) & h->mask) {
		k = h->key(h->arg, h->slot[i] - 1, &klen);
		if (klen == len && memcmp(k, s, len) == 0)
			break;
	}
	return &h->slot[i];
}
