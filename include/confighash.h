/*
 * A table of indexes keyed by strings (confighash.c), for the
 * configuration's duplicate checks.  No libconfuse.
 */
#ifndef XFED_CONFIGHASH_H
#define XFED_CONFIGHASH_H

#include <stddef.h>

/*
 * A table of indexes keyed by strings that key() finds for an index;
 * open addressing, for the duplicate checks.
 */
typedef const char *(*hkey_fn)(const void *, size_t, size_t *);

struct htab {
	size_t		*slot;		/* index + 1; 0: free */
	size_t		 mask;
	hkey_fn		 key;
	const void	*arg;
};

/* Room for n indexes whose keys key(arg, index, &len) gives. */
void	 xfed_htab_init(struct htab *h, size_t n, hkey_fn key,
	    const void *arg);
/* The slot for s: holding the index of an equal key + 1, or free. */
size_t	*xfed_htab_slot(struct htab *h, const char *s, size_t len);

#endif
