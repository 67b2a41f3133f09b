/*
 * The audit log: JSON Lines, one object per line, each written with a
 * single write(2) on an O_APPEND descriptor and fsync'd before the agent
 * moves on.  Never rewritten.  Secrets never enter it: records are built
 * from key names only, and any string registered with xfed_audit_add_secret
 * is redacted should a caller ever pass it by mistake.
 *
 * Every record ends with "chain" ("sha256" or "hmac-sha256") and "prev":
 * the hex hash (or HMAC with the chain key) of the previous record's line,
 * without its newline.  The first record of a log links to 64 zeros; the
 * first record of a file opened after rotation links to the last record of
 * the previous file, so a rotated set forms one chain that `xfedctl log
 * --verify` can check end to end.
 */
#ifndef XFED_AUDIT_H
#define XFED_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define XFED_CHAIN_HEX		64	/* hex digits of a chain hash */
#define XFED_CHAIN_KEY_MIN	16	/* shortest chain key accepted, bytes */
#define XFED_CHAIN_KEY_MAX	1024

/*
 * The longest line a record may be, and so the most any reader holds in
 * memory for one line.  The largest record is an update-intent: one
 * UPDATE message (at most 64 KiB on the wire) in presentation format
 * (\DDD escapes: up to 4 octets a byte) and JSON (escaped again), a few
 * hundred KiB at worst.  4 MiB leaves room for that many times over, and
 * anything longer is garbage (a crash's NULs, a torn line glued to junk):
 * readers skip it without holding it, the writer never writes one.
 */
#define XFED_AUDIT_LINE_MAX	(4 * 1024 * 1024)

struct xfed_audit;
struct xfed_config;

/* Open (creating with mode 0640) path; 0, or XFED_EIO with errno kept. */
int	xfed_audit_open(const char *path, struct xfed_audit **out);

/*
 * What xfedd and xfedd --once do: open cfg->audit_log, keep the chain file
 * STATE-DIR/audit.chain, and register every configured TSIG secret (in
 * base64, as it would leak) with xfed_audit_add_secret.
 */
int	xfed_audit_open_config(const struct xfed_config *cfg,
	    struct xfed_audit **out);

/*
 * Close and open the same path again (log rotation: SIGUSR1, xfedctl
 * reopen).  The chain carries over: the first record in a new, empty file
 * links to the last record written to the old one.  On failure the old
 * descriptor stays in use.
 */
int	xfed_audit_reopen(struct xfed_audit *a);
void	xfed_audit_close(struct xfed_audit *a);

/*
 * Key the chain with HMAC-SHA256 (key copied; NULL or len 0: plain
 * SHA-256 again).  Records then say "chain":"hmac-sha256".
 */
void	xfed_audit_set_chain_key(struct xfed_audit *a, const uint8_t *key,
	    size_t len);

/*
 * A file (e.g. STATE-DIR/audit.chain) remembering the hash of the last
 * record written, so that a daemon restarted after its log was rotated
 * away still links the new file to the old one.  NULL: none.
 */
void	xfed_audit_set_chain_file(struct xfed_audit *a, const char *path);

/*
 * A string that must never appear in the log (a TSIG secret): any string
 * value containing it is replaced by "[redacted]" and a warning logged.
 */
void	xfed_audit_add_secret(struct xfed_audit *a, const char *secret);

/* How many distinct secrets the writer watches for (diagnostics, tests). */
size_t	xfed_audit_secret_count(struct xfed_audit *a);
/* A binary secret, registered in its base64 spelling. */
void	xfed_audit_add_binary_secret(struct xfed_audit *a,
	    const unsigned char *secret, size_t len);

/* Tests and benchmarks only: skip fsync (never in the daemon). */
void	xfed_audit_set_fsync(struct xfed_audit *a, bool on);

/*
 * Append record, after setting "ts" (RFC 3339 UTC, milliseconds) and
 * "event" in front and "chain" and "prev" at the end; any other fields the
 * caller wants ("uid" of a ctl request, counts...) are kept in order.
 * Takes ownership of record (json_decref; NULL: no fields).  0, or
 * XFED_EIO (logged with the failing call's errno): the record may not be
 * on disk.  A record that could not be written at all (a full disk) is
 * kept, except an "update-intent" (its UPDATE is then not sent), and
 * written before the next record with "late" set to the time it was due;
 * one still unwritten at close is named in the journal.
 */
int	xfed_audit_write(struct xfed_audit *a, const char *event, json_t *record);

/*
 * A "config-reload" record: the file's path, whether the new configuration
 * was accepted, sha256: the hex SHA-256 of the bytes the loader parsed
 * (NULL, written as null: the file could not be read), and the error when
 * it was rejected (NULL: none).
 */
int	xfed_audit_config_reload(struct xfed_audit *a, const char *path,
	    const char *sha256, bool accepted, const char *error,
	    const char *trigger, long uid);

/*
 * Read a chain key file: its bytes, trailing white space removed, at least
 * XFED_CHAIN_KEY_MIN long.  Refuses a symlink or anything but a regular
 * file and warns when others can read it.  0 with *key (free it with
 * xfed_chain_key_free), or XFED_EIO / XFED_EINVAL with the reason in err.
 */
int	xfed_chain_key_load(const char *path, uint8_t **key, size_t *len,
	    char *err, size_t errlen);
void	xfed_chain_key_free(uint8_t *key, size_t len);

/*
 * The chain hash itself, shared by the writer and the verifier: SHA-256,
 * or HMAC-SHA256 when a key is given.  NULL on allocation failure.
 */
struct xfed_chain;
struct xfed_chain *xfed_chain_new(const uint8_t *key, size_t len);
void	xfed_chain_free(struct xfed_chain *c);
const char *xfed_chain_name(const struct xfed_chain *c);
/* hex[XFED_CHAIN_HEX + 1] = hash of data[0 .. len); 0 or XFED_ENOMEM. */
int	xfed_chain_hash(struct xfed_chain *c, const void *data, size_t len,
	    char *hex);

/* The current time as "2026-11-24T05:10:00.123Z" into buf (>= 32). */
void	xfed_rfc3339_now(char *buf, size_t size);

/* A time in milliseconds since the epoch, in the same format. */
void	xfed_rfc3339_ms(int64_t ms, char *buf, size_t size);

#endif
