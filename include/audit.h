/*
 * The audit log: JSON Lines, one object per line, each written with a
 * single write(2) on an O_APPEND descriptor and fsync'd before the agent
 * moves on.  Never rewritten.  Secrets never enter it: records are built
 * from key names only.
 */
#ifndef XFED_AUDIT_H
#define XFED_AUDIT_H

#include <jansson.h>

struct xfed_audit;

/* Open (creating with mode 0640) path; 0, or XFED_EIO with errno kept. */
int	xfed_audit_open(const char *path, struct xfed_audit **out);

/* Close and open the same path again (log rotation, SIGUSR1). */
int	xfed_audit_reopen(struct xfed_audit *a);
void	xfed_audit_close(struct xfed_audit *a);

/*
 * Append record, after setting "ts" (RFC 3339 UTC, milliseconds) and
 * "event" in front.  Takes ownership of record (json_decref).  0 or
 * XFED_EIO (logged).
 */
int	xfed_audit_write(struct xfed_audit *a, const char *event, json_t *record);

/* The current time as "2026-11-24T05:10:00.123Z" into buf (>= 32). */
void	xfed_rfc3339_now(char *buf, size_t size);

#endif
