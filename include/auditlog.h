/*
 * Reading the audit log: a streaming line reader (memory bounded by the
 * longest line, never by the file), the filters of `xfedctl log`, and the
 * verification of the integrity chain (see audit.h).  No daemon needed.
 *
 * Filters run in two steps so that a million records filter in well under
 * two seconds: a cheap look at the bytes the writer always puts first
 * ({"ts":"...","event":"...") and a substring test reject most lines; only
 * the survivors are parsed as JSON and checked exactly.
 */
#ifndef XFED_AUDITLOG_H
#define XFED_AUDITLOG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Line reader. */

struct xfed_lines;

/* Open path ("-": standard input); NULL with errno set. */
struct xfed_lines *xfed_lines_open(const char *path);
void	xfed_lines_close(struct xfed_lines *r);

/*
 * The next line, without its newline, NUL-terminated in a buffer valid
 * until the next call: 1 with *line and *len; 0 at the end; XFED_EIO.
 * *complete: the line ended in a newline.  wait: at the end of the file
 * keep an unfinished last line for later (--follow) instead of returning
 * it; a later call picks up what was appended since.
 *
 * A line longer than XFED_AUDIT_LINE_MAX cannot be a record: it is read
 * past without being held (memory stays bounded by that limit, whatever
 * the file holds) and reported as XFED_LINES_LONG, with *len its length
 * and *line empty.
 */
#define XFED_LINES_LONG	2
int	xfed_lines_next(struct xfed_lines *r, bool wait, char **line,
	    size_t *len, bool *complete);

/* Line number of the line last returned (1-based). */
unsigned long xfed_lines_lineno(const struct xfed_lines *r);
int	xfed_lines_fd(const struct xfed_lines *r);

/* Filters. */

struct xfed_log_filter {
	char	 since[32];	/* canonical "ts" bound, inclusive; "" none */
	char	 until[32];	/* inclusive; "" none */
	char	*zone;		/* lower case, with the trailing dot */
	char	*domain;	/* lower case, without the trailing dot */
	char	**events;
	size_t	 n_events;
};

/*
 * A --since/--until argument: RFC 3339 ("2026-11-24T05:10:00Z", with
 * optional fraction and a Z or +HH:MM offset, "T" or a space; or a bare
 * date, midnight UTC), or a duration back from now_ms: "90s", "15m", "2h",
 * "7d", "1w".  Written to out (>= 32) in the log's own "ts" format, so that
 * comparing strings compares times.  0 or XFED_EINVAL.
 */
int	xfed_log_parse_time(const char *arg, int64_t now_ms, char *out,
	    size_t size);

void	xfed_log_filter_init(struct xfed_log_filter *f);
void	xfed_log_filter_clear(struct xfed_log_filter *f);
/* 0, or XFED_EINVAL when the name is empty or not a domain name. */
int	xfed_log_filter_zone(struct xfed_log_filter *f, const char *zone);
int	xfed_log_filter_domain(struct xfed_log_filter *f, const char *domain);
/* One event name, or several separated by commas. */
int	xfed_log_filter_event(struct xfed_log_filter *f, const char *events);

enum xfed_log_match {
	XFED_LOG_NO = 0,
	XFED_LOG_YES = 1,
	XFED_LOG_TORN = -1,	/* not a record: the remains of a torn write */
};

/*
 * Test one line (len bytes, NUL-terminated).  want_rec: the caller needs
 * the parsed record of a match (the table does, --json does not); it is
 * then in *rec (json_decref it).  *rec may also be set when not asked for.
 */
enum xfed_log_match xfed_log_filter_line(const struct xfed_log_filter *f,
	    const char *line, size_t len, bool want_rec, json_t **rec);

/* Verification. */

struct xfed_verify_result {
	bool		 ok;		/* the whole chain checked out */
	bool		 need_key;	/* keyed records, and no key given */
	size_t		 files;
	size_t		 records;
	size_t		 keyed;		/* records chained with HMAC */
	size_t		 torn;		/* incomplete lines tolerated */
	size_t		 problems;
	char		*bad_file;	/* the first bad line's file, or NULL */
	unsigned long	 bad_line;	/* and its number (1-based), or 0 */
};

/*
 * Check the chain through paths[0 .. n), in order (oldest first: a rotated
 * set), with the chain key if the log is keyed (NULL: none).  Problems and
 * a summary are written to out (NULL: silent).  0 with res filled (res->ok
 * tells the verdict), or XFED_EIO when a file cannot be read.
 */
int	xfed_log_verify(const char *const *paths, size_t n, const uint8_t *key,
	    size_t keylen, FILE *out, struct xfed_verify_result *res);
void	xfed_verify_result_clear(struct xfed_verify_result *res);

#endif
