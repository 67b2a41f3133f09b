/*
 * The agent's own memory, kept in state-dir: the zones it has published
 * into.  A zone whose last declared domain was removed from the
 * configuration is still visited, so its records and markers are removed.
 * Written atomically and durably (fresh temporary file under an
 * unpredictable name, fsync, rename, fsync of the directory).
 */
#ifndef XFED_STATE_H
#define XFED_STATE_H

#include <stddef.h>
#include <stdint.h>

struct xfed_state_zone {
	char	*zone;		/* "contoso.com." */
	char	*server;	/* "127.0.0.1#53" the zone was last sent to */
	char	*key;		/* key name used, or "" */
	/*
	 * The last verified full read that found the zone in sync: its SOA
	 * serial, a digest of what was declared for the zone then, and when
	 * (0: none).  While the serial has not moved and the declaration is
	 * the same, the zone is still in sync and need not be transferred.
	 */
	uint32_t serial;
	char	 digest[65];
	uint64_t checked;
};

struct xfed_state {
	struct xfed_state_zone	*zones;
	size_t			 n;
};

/*
 * A missing file is an empty state.  0, or XFED_EIO with the reason in
 * err: a file that cannot be read (a FIFO, a symlink, no permission) is
 * never taken for an empty state.
 */
int	xfed_state_load(const char *dir, struct xfed_state *st, char *err,
	    size_t errlen);
/*
 * Replace the file durably (new file, fsync, rename, fsync of the
 * directory).  0, or XFED_EIO with the reason in err.
 */
int	xfed_state_save(const char *dir, const struct xfed_state *st,
	    char *err, size_t errlen);
/*
 * Remember one zone durably, now, before the first UPDATE into it: a line
 * appended to STATE-DIR/zones.pending and fdatasync'ed.  xfed_state_load
 * reads it after the state file, xfed_state_save folds it in and removes
 * it.  0, or XFED_EIO with the reason in err.
 */
int	xfed_state_note(const char *dir, const char *zone, const char *server,
	    const char *key, char *err, size_t errlen);
void	xfed_state_clear(struct xfed_state *st);

/* Insert or update a zone (forgetting its in-sync mark); remove a zone. */
void	xfed_state_set(struct xfed_state *st, const char *zone,
	    const char *server, const char *key);
/* Record that a full read found the zone in sync at serial. */
void	xfed_state_mark_in_sync(struct xfed_state *st, const char *zone,
	    uint32_t serial, const char *digest, uint64_t when);
void	xfed_state_remove(struct xfed_state *st, const char *zone);
const struct xfed_state_zone *xfed_state_find(const struct xfed_state *st,
	    const char *zone);

#endif
