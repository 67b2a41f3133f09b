/* Reading, filtering and verifying the audit log: see auditlog.h. */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "auditlog.h"
#include "error.h"
#include "log.h"
#include "util.h"

#define LINES_INITIAL	(1 << 20)

/* What the writer puts first in every record: {"ts":"<24>","event":"... */
#define HDR_TS		"{\"ts\":\""
#define HDR_EVENT	"\",\"event\":\""
#define TS_LEN		24

/* ... and last: ,"chain":"ALG","prev":"<64 hex>"} */
#define SUF_SHA		",\"chain\":\"sha256\",\"prev\":\""
#define SUF_HMAC	",\"chain\":\"hmac-sha256\",\"prev\":\""
#define SUF_END		"\"}"

#define MAX_SHOWN	20	/* verification problems printed in full */

/* The line reader. */

struct xfed_lines {
	int		 fd;
	bool		 own;
	char		*buf;
	size_t		 cap;
	size_t		 start;		/* unread data is [start, end) */
	size_t		 end;
	size_t		 scanned;	/* of it, searched for a newline */
	unsigned long	 lineno;
	/*
	 * Inside a line longer than XFED_AUDIT_LINE_MAX: its bytes are
	 * counted and dropped as they come, never held.
	 */
	bool		 skipping;
	size_t		 skipped;
	char		 empty[1];	/* what *line is for such a line */
};

struct xfed_lines *
xfed_lines_open(const char *path)
{
	struct xfed_lines *r;
	int fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->own = fd != STDIN_FILENO;
	r->cap = LINES_INITIAL;
	r->buf = xmalloc(r->cap);
	return r;
}

void
xfed_lines_close(struct xfed_lines *r)
{
	if (r == NULL)
		return;
	if (r->own)
		close(r->fd);
	free(r->buf);
	free(r);
}

unsigned long
xfed_lines_lineno(const struct xfed_lines *r)
{
	return r->lineno;
}

int
xfed_lines_fd(const struct xfed_lines *r)
{
	return r->fd;
}

/*
 * Room for more data after end, always one spare byte for the NUL; the
 * buffer never grows past a longest line, its newline and that NUL.
 */
static void
make_room(struct xfed_lines *r)
{
	size_t most = (size_t)XFED_AUDIT_LINE_MAX + 2;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < 2 && r->cap < most) {
		r->cap = r->cap * 2 < most ? r->cap * 2 : most;
		r->buf = xreallocarray(r->buf, r->cap, 1);
	}
}

static int
take_line(struct xfed_lines *r, size_t stop, bool complete, char **line,
    size_t *len)
{
	*line = r->buf + r->start;
	*len = stop - r->start;
	r->buf[stop] = '\0';
	r->start = complete ? stop + 1 : stop;
	r->scanned = 0;
	r->lineno++;
	return 1;
}

/* The end of a line too long to be a record: XFED_LINES_LONG. */
static int
take_long(struct xfed_lines *r, char **line, size_t *len)
{
	r->skipping = false;
	r->lineno++;
	r->empty[0] = '\0';
	*line = r->empty;
	*len = r->skipped;
	return XFED_LINES_LONG;
}

/*
 * Drop what is buffered of a line too long to be a record, up to its
 * newline if it has come: true when the line ended.
 */
static bool
skip_long(struct xfed_lines *r)
{
	char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
	size_t stop = nl != NULL ? (size_t)(nl - r->buf) : r->end;

	r->skipped += stop - r->start;
	r->start = nl != NULL ? stop + 1 : stop;
	r->scanned = 0;
	return nl != NULL;
}

int
xfed_lines_next(struct xfed_lines *r, bool wait, char **line, size_t *len,
    bool *complete)
{
	char *nl;
	ssize_t n;

	for (;;) {
		if (r->skipping && skip_long(r)) {
			*complete = true;
			return take_long(r, line, len);
		}
		nl = r->skipping ? NULL : memchr(r->buf + r->start +
		    r->scanned, '\n', r->end - r->start - r->scanned);
		if (nl != NULL) {
			*complete = true;
			return take_line(r, (size_t)(nl - r->buf), true, line,
			    len);
		}
		r->scanned = r->end - r->start;
		if (!r->skipping && r->scanned > XFED_AUDIT_LINE_MAX) {
			r->skipping = true;
			r->skipped = 0;
			continue;
		}
		make_room(r);
		n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
		if (n > 0) {
			r->end += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return XFED_EIO;
		/* The end, for now. */
		if (wait || (r->end == r->start && !r->skipping))
			return 0;
		*complete = false;
		if (r->skipping)
			return take_long(r, line, len);
		return take_line(r, r->end, false, line, len);
	}
}

/* Times. */

static int
parse_relative(const char *arg, int64_t now_ms, int64_t *ms)
{
	char *end;
	unsigned long long n;
	int64_t unit;

	if (!isdigit((unsigned char)arg[0]))
		return XFED_EINVAL;
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0')
		return XFED_EINVAL;
	switch (end[0]) {
	case 's':	unit = 1000; break;
	case 'm':	unit = 60 * 1000; break;
	case 'h':	unit = 3600 * 1000; break;
	case 'd':	unit = 86400 * 1000; break;
	case 'w':	unit = 7 * 86400 * 1000; break;
	default:	return XFED_EINVAL;
	}
	if (n > (unsigned long long)(now_ms / unit))
		return XFED_EINVAL;
	*ms = now_ms - (int64_t)n * unit;
	return 0;
}

/* "+HH:MM", "-HH:MM" or "Z" at s: the offset east of UTC in ms. */
static int
parse_offset(const char *s, int64_t *off)
{
	int h, m, n = 0;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') ||
	    sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) != 2 || s[1 + n] != '\0' ||
	    n != 5 || h > 23 || m > 59)
		return XFED_EINVAL;
	*off = ((int64_t)h * 60 + m) * 60 * 1000 * (s[0] == '-' ? -1 : 1);
	return 0;
}

static int
parse_rfc3339(const char *arg, int64_t *ms)
{
	struct tm tm = { 0 };
	const char *p;
	int64_t frac = 0, scale = 100, off = 0;
	int n = 0;

	if (sscanf(arg, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &n) != 3 || n != 10)
		return XFED_EINVAL;
	p = arg + n;
	if (*p != '\0') {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return XFED_EINVAL;
		n = 0;
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min,
		    &tm.tm_sec, &n) != 3 || n != 8)
			return XFED_EINVAL;
		p += 1 + n;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
		/* A time without a zone would be a guess: insist. */
		if (parse_offset(p, &off) != 0)
			return XFED_EINVAL;
	}
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1970)
		return XFED_EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = (int64_t)timegm(&tm) * 1000 + frac - off;
	return 0;
}

int
xfed_log_parse_time(const char *arg, int64_t now_ms, char *out, size_t size)
{
	int64_t ms;

	if (parse_relative(arg, now_ms, &ms) != 0 &&
	    parse_rfc3339(arg, &ms) != 0)
		return XFED_EINVAL;
	xfed_rfc3339_ms(ms, out, size);
	return 0;
}

/* Filters. */

void
xfed_log_filter_init(struct xfed_log_filter *f)
{
	memset(f, 0, sizeof(*f));
}

void
xfed_log_filter_clear(struct xfed_log_filter *f)
{
	size_t i;

	free(f->zone);
	free(f->domain);
	for (i = 0; i < f->n_events; i++)
		free(f->events[i]);
	free(f->events);
	memset(f, 0, sizeof(*f));
}

/* Lower case, without trailing dots; NULL if it cannot be a name. */
static char *
bare_name(const char *s)
{
	size_t len = strlen(s), i;
	char *out;

	while (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return NULL;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (isspace((unsigned char)s[i]) || s[i] == '"' ||
		    s[i] == '\\') {
			free(out);
			return NULL;
		}
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[len] = '\0';
	return out;
}

int
xfed_log_filter_zone(struct xfed_log_filter *f, const char *zone)
{
	char *b;

	if ((b = bare_name(zone)) == NULL)
		return XFED_EINVAL;
	free(f->zone);
	f->zone = b;
	return 0;
}

int
xfed_log_filter_domain(struct xfed_log_filter *f, const char *domain)
{
	char *b;

	if ((b = bare_name(domain)) == NULL)
		return XFED_EINVAL;
	free(f->domain);
	f->domain = b;
	return 0;
}

int
xfed_log_filter_event(struct xfed_log_filter *f, const char *events)
{
	const char *p = events;
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (len == 0 || memchr(p, '"', len) != NULL)
			return XFED_EINVAL;
		f->events = xreallocarray(f->events, f->n_events + 1,
		    sizeof(*f->events));
		f->events[f->n_events] = xmalloc(len + 1);
		memcpy(f->events[f->n_events], p, len);
		f->events[f->n_events][len] = '\0';
		f->n_events++;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* The writer's own layout: ts and event without parsing. */
static bool
header(const char *line, size_t len, const char **ts, const char **ev,
    size_t *evlen)
{
	const size_t pre = sizeof(HDR_TS) - 1, mid = sizeof(HDR_EVENT) - 1;
	const char *q;

	if (len < pre + TS_LEN + mid + 1 || memcmp(line, HDR_TS, pre) != 0 ||
	    memcmp(line + pre + TS_LEN, HDR_EVENT, mid) != 0)
		return false;
	*ts = line + pre;
	*ev = *ts + TS_LEN + mid;
	if ((q = memchr(*ev, '"', len - (size_t)(*ev - line))) == NULL)
		return false;
	*evlen = (size_t)(q - *ev);
	return true;
}

static bool
time_ok(const struct xfed_log_filter *f, const char *ts, size_t len)
{
	if (f->since[0] != '\0' && (len != TS_LEN ||
	    memcmp(ts, f->since, TS_LEN) < 0))
		return false;
	if (f->until[0] != '\0' && (len != TS_LEN ||
	    memcmp(ts, f->until, TS_LEN) > 0))
		return false;
	return true;
}

static bool
event_ok(const struct xfed_log_filter *f, const char *ev, size_t len)
{
	size_t i;

	if (f->n_events == 0)
		return true;
	for (i = 0; i < f->n_events; i++)
		if (strlen(f->events[i]) == len &&
		    memcmp(f->events[i], ev, len) == 0)
			return true;
	return false;
}

/* name (any case, trailing dot or not) is bare, or a name under it. */
static bool
name_at_or_under(const char *name, size_t len, const char *bare)
{
	size_t blen = strlen(bare);

	while (len > 0 && name[len - 1] == '.')
		len--;
	if (len < blen || strncasecmp(name + len - blen, bare, blen) != 0)
		return false;
	return len == blen || name[len - blen - 1] == '.';
}

static bool
field_is_name(json_t *rec, const char *key, const char *bare, bool under)
{
	const char *s = json_string_value(json_object_get(rec, key));
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (under)
		return name_at_or_under(s, len, bare);
	while (len > 0 && s[len - 1] == '.')
		len--;
	return len == strlen(bare) && strncasecmp(s, bare, len) == 0;
}

/* An RR line (or a plain name) in one of the record's lists is under d. */
static bool
list_mentions(json_t *rec, const char *key, const char *d)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(rec, key), i, e) {
		const char *s = json_string_value(e);

		if (s != NULL && name_at_or_under(s, strcspn(s, " \t"), d))
			return true;
	}
	return false;
}

/*
 * --domain: the domain's own records: its SRV names and markers (owners
 * at or under the domain), or a record about the domain or its zone.
 */
static bool
domain_ok(json_t *rec, const char *d)
{
	return field_is_name(rec, "domain", d, false) ||
	    field_is_name(rec, "zone", d, false) ||
	    field_is_name(rec, "name", d, true) ||
	    list_mentions(rec, "add", d) || list_mentions(rec, "delete", d) ||
	    list_mentions(rec, "prereq", d) || list_mentions(rec, "domains", d);
}

static bool
exact_ok(const struct xfed_log_filter *f, json_t *rec, bool checked_header)
{
	const char *ts, *ev;

	if (!checked_header) {
		ts = json_string_value(json_object_get(rec, "ts"));
		ev = json_string_value(json_object_get(rec, "event"));
		if ((f->since[0] != '\0' || f->until[0] != '\0') &&
		    (ts == NULL || !time_ok(f, ts, strlen(ts))))
			return false;
		if (f->n_events > 0 &&
		    (ev == NULL || !event_ok(f, ev, strlen(ev))))
			return false;
	}
	if (f->zone != NULL && !field_is_name(rec, "zone", f->zone, false))
		return false;
	if (f->domain != NULL && !domain_ok(rec, f->domain))
		return false;
	return true;
}

enum xfed_log_match
xfed_log_filter_line(const struct xfed_log_filter *f, const char *line,
    size_t len, bool want_rec, json_t **rec)
{
	const char *ts, *ev;
	size_t evlen;
	bool hdr, whole;
	json_t *r = NULL;

	*rec = NULL;
	/* Every record ends in "prev":"..."}: anything else may be torn. */
	whole = len >= 2 && line[len - 2] == '"' && line[len - 1] == '}';
	hdr = whole && header(line, len, &ts, &ev, &evlen);
	if (hdr && (!time_ok(f, ts, TS_LEN) || !event_ok(f, ev, evlen)))
		return XFED_LOG_NO;
	/* Names as written may differ in case: strcasestr, not memmem. */
	if (whole && f->zone != NULL && strcasestr(line, f->zone) == NULL)
		return XFED_LOG_NO;
	if (whole && f->domain != NULL && strcasestr(line, f->domain) == NULL)
		return XFED_LOG_NO;
	if (hdr && !want_rec && f->zone == NULL && f->domain == NULL)
		return XFED_LOG_YES;
	r = json_loadb(line, len, 0, NULL);
	if (!json_is_object(r)) {
		json_decref(r);
		return XFED_LOG_TORN;
	}
	if (!exact_ok(f, r, hdr)) {
		json_decref(r);
		return XFED_LOG_NO;
	}
	*rec = r;
	return XFED_LOG_YES;
}

/* Verification. */

#define RECORD_START	"{\"ts\":\""

struct vstate {
	FILE				*out;
	struct xfed_verify_result	*res;
	struct xfed_chain		*sha;
	struct xfed_chain		*hmac;	/* NULL: no key given */
	/* The previous record, which the next one's "prev" must hash. */
	char				*prev;
	size_t				 prevlen;
	size_t				 prevcap;
	bool				 have_prev;
	bool				 prev_parsed;	/* known to be JSON */
	const char			*prev_file;
	unsigned long			 prev_line;
	bool				 seen_keyed;
	bool				 warned_key;
};

static void
problem(struct vstate *v, const char *file, unsigned long line,
    const char *fmt, ...) XFED_PRINTF(4, 5);

static void
problem(struct vstate *v, const char *file, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;

	v->res->ok = false;
	if (v->res->problems++ == 0) {
		v->res->bad_file = xstrdup(file);
		v->res->bad_line = line;
	}
	if (v->out == NULL || v->res->problems > MAX_SHOWN)
		return;
	fprintf(v->out, "%s:%lu: ", file, line);
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
}

static void
note(struct vstate *v, const char *file, unsigned long line, const char *msg)
{
	if (v->out != NULL)
		fprintf(v->out, "%s:%lu: %s\n", file, line, msg);
}

static bool
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < XFED_CHAIN_HEX; i++)
		if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return false;
	return true;
}

/* The fast path: the chain fields at the end, where the writer puts them. */
static bool
chain_suffix(const char *line, size_t len, bool *keyed, const char **prev)
{
	const size_t tail = XFED_CHAIN_HEX + sizeof(SUF_END) - 1;
	const size_t ls = sizeof(SUF_SHA) - 1, lh = sizeof(SUF_HMAC) - 1;

	if (line[0] != '{' || len < lh + tail ||
	    memcmp(line + len - sizeof(SUF_END) + 1, SUF_END,
	    sizeof(SUF_END) - 1) != 0)
		return false;
	*prev = line + len - tail;
	if (!is_hex64(*prev))
		return false;
	if (memcmp(*prev - ls, SUF_SHA, ls) == 0)
		*keyed = false;
	else if (memcmp(*prev - lh, SUF_HMAC, lh) == 0)
		*keyed = true;
	else
		return false;
	return true;
}

enum vline { V_RECORD, V_TORN, V_UNCHAINED };

/* What the line is, with its chain fields when it is a chained record. */
static enum vline
classify(const char *line, size_t len, bool *keyed, char *prev, bool *parsed)
{
	const char *p, *chain;
	json_t *j;
	enum vline kind = V_UNCHAINED;

	*parsed = false;
	/* Two records' starts on one line: a fragment with a record glued. */
	if (len > 1 && memmem(line + 1, len - 1, RECORD_START,
	    sizeof(RECORD_START) - 1) != NULL)
		return V_TORN;
	if (chain_suffix(line, len, keyed, &p)) {
		memcpy(prev, p, XFED_CHAIN_HEX);
		prev[XFED_CHAIN_HEX] = '\0';
		return V_RECORD;
	}
	/* Slow path: not in the writer's layout; is it JSON at all? */
	j = json_loadb(line, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return V_TORN;
	}
	*parsed = true;
	chain = json_string_value(json_object_get(j, "chain"));
	p = json_string_value(json_object_get(j, "prev"));
	if (chain != NULL && p != NULL && strlen(p) == XFED_CHAIN_HEX &&
	    is_hex64(p) && (strcmp(chain, "sha256") == 0 ||
	    strcmp(chain, "hmac-sha256") == 0)) {
		*keyed = strcmp(chain, "hmac-sha256") == 0;
		memcpy(prev, p, XFED_CHAIN_HEX + 1);
		kind = V_RECORD;
	}
	json_decref(j);
	return kind;
}

static void
keep_prev(struct vstate *v, const char *file, unsigned long ln,
    const char *line, size_t len, bool parsed)
{
	if (len + 1 > v->prevcap) {
		v->prevcap = len + 1 > 2 * v->prevcap ? len + 1 : 2 * v->prevcap;
		v->prev = xreallocarray(v->prev, v->prevcap, 1);
	}
	memcpy(v->prev, line, len);
	v->prev[len] = '\0';
	v->prevlen = len;
	v->have_prev = true;
	v->prev_parsed = parsed;
	v->prev_file = file;
	v->prev_line = ln;
}

static bool
all_zero(const char *hex)
{
	return strspn(hex, "0") == XFED_CHAIN_HEX;
}

/* The link from the previous record to this one. */
static void
check_link(struct vstate *v, const char *file, unsigned long ln, bool keyed,
    const char *prev)
{
	char want[XFED_CHAIN_HEX + 1];

	if (!v->have_prev) {
		note(v, file, ln, all_zero(prev) ? "the chain starts here" :
		    "continues an earlier file not given here (that link is "
		    "not checked)");
		return;
	}
	if (keyed && v->hmac == NULL)
		return;
	if (xfed_chain_hash(keyed ? v->hmac : v->sha, v->prev, v->prevlen,
	    want) != 0)
		fatalx("out of memory");
	if (strcmp(want, prev) == 0)
		return;
	if (all_zero(prev))
		problem(v, file, ln, "the chain starts over after %s:%lu: the "
		    "records before it were removed, or the writer lost its "
		    "place", v->prev_file, v->prev_line);
	else if (v->prev_file != file)
		problem(v, file, ln, "does not follow the last record of %s "
		    "(line %lu): files out of order, or records missing "
		    "between them", v->prev_file, v->prev_line);
	else
		problem(v, file, ln, "\"prev\" is not the hash of line %lu: "
		    "line %lu was altered, or records were deleted, inserted "
		    "or moved between lines %lu and %lu%s", v->prev_line,
		    v->prev_line, v->prev_line, ln, keyed && !v->seen_keyed ?
		    " (or the chain key is not the daemon's)" : "");
}

/*
 * What a torn write of xfedd's leaves: the beginning of a record (which
 * starts with RECORD_START), cut anywhere, and nothing after it on the
 * line, since the writer starts the next record on a fresh line.  Inside
 * a record the quotes of RECORD_START would be escaped, so a second
 * occurrence means a record was glued to the fragment.
 */
static bool
torn_prefix(const char *line, size_t len)
{
	const size_t ls = sizeof(RECORD_START) - 1;

	if (len == 0)
		return false;
	if (len <= ls)
		return memcmp(line, RECORD_START, len) == 0;
	return memcmp(line, RECORD_START, ls) == 0 &&
	    memmem(line + 1, len - 1, RECORD_START, ls) == NULL;
}

static void
verify_line(struct vstate *v, const char *file, unsigned long ln,
    const char *line, size_t len, bool complete)
{
	char prev[XFED_CHAIN_HEX + 1];
	bool keyed = false, parsed;

	switch (classify(line, len, &keyed, prev, &parsed)) {
	case V_TORN:
		if (!torn_prefix(line, len)) {
			problem(v, file, ln, "not a record, nor the beginning "
			    "of one cut short by a crash: text inserted into "
			    "the log, or a record overwritten");
			return;
		}
		/* The chain goes on from the record before it. */
		v->res->torn++;
		note(v, file, ln, complete ? "incomplete record (torn write), "
		    "tolerated: the chain continues from the record before it" :
		    "incomplete last line (torn write), tolerated");
		return;
	case V_UNCHAINED:
		problem(v, file, ln, "record without a valid integrity chain "
		    "(\"chain\"/\"prev\" fields)");
		keep_prev(v, file, ln, line, len, parsed);
		v->res->records++;
		return;
	case V_RECORD:
		break;
	}
	v->res->records++;
	if (keyed) {
		v->res->keyed++;
		if (v->hmac == NULL && !v->warned_key) {
			v->res->need_key = true;
			v->res->ok = false;
			v->warned_key = true;
			note(v, file, ln, "the chain is keyed (hmac-sha256): "
			    "verify with --chain-key FILE");
		}
	} else if (v->hmac != NULL && v->seen_keyed)
		problem(v, file, ln, "unkeyed record inside a keyed chain "
		    "(rewritten without the key?)");
	check_link(v, file, ln, keyed, prev);
	if (keyed)
		v->seen_keyed = true;
	keep_prev(v, file, ln, line, len, parsed);
}

/*
 * Only the fast path saw the last record; nothing after it vouches for
 * its bytes, so at least make sure it is a well-formed record.
 */
static void
check_last(struct vstate *v)
{
	json_t *j;

	if (!v->have_prev || v->prev_parsed)
		return;
	j = json_loadb(v->prev, v->prevlen, 0, NULL);
	if (!json_is_object(j))
		problem(v, v->prev_file, v->prev_line, "the last record is not "
		    "valid JSON: altered?");
	json_decref(j);
}

static int
verify_file(struct vstate *v, const char *path)
{
	struct xfed_lines *r;
	size_t len, before = v->res->records;
	char *line;
	bool complete;
	int rc;

	if ((r = xfed_lines_open(path)) == NULL) {
		if (v->out != NULL)
			fprintf(v->out, "%s: %s\n", path, strerror(errno));
		return XFED_EIO;
	}
	while ((rc = xfed_lines_next(r, false, &line, &len, &complete)) > 0) {
		if (rc == XFED_LINES_LONG)
			problem(v, path, xfed_lines_lineno(r), "line too long "
			    "(%zu bytes, no record exceeds %d): not a record",
			    len, XFED_AUDIT_LINE_MAX);
		else
			verify_line(v, path, xfed_lines_lineno(r), line, len,
			    complete);
	}
	/* xfedd starts every file it opens with a record. */
	if (rc == 0 && v->res->records == before)
		problem(v, path, xfed_lines_lineno(r) > 0 ? xfed_lines_lineno(r) :
		    1, "no records in this file: it is empty or holds nothing "
		    "xfedd wrote, so there is nothing to vouch for");
	xfed_lines_close(r);
	if (rc != 0 && v->out != NULL)
		fprintf(v->out, "%s: read error\n", path);
	v->res->files++;
	return rc;
}

static void
summary(struct vstate *v)
{
	struct xfed_verify_result *res = v->res;

	if (v->out == NULL)
		return;
	if (res->ok) {
		fprintf(v->out, "intact: %zu record%s in %zu file%s, chain %s",
		    res->records, res->records == 1 ? "" : "s", res->files,
		    res->files == 1 ? "" : "s",
		    res->keyed == 0 ? "sha256" : "hmac-sha256");
		if (res->keyed > 0 && res->keyed < res->records)
			fprintf(v->out, " (%zu unkeyed record%s before the key "
			    "was set)", res->records - res->keyed,
			    res->records - res->keyed == 1 ? "" : "s");
		if (res->torn > 0)
			fprintf(v->out, "; %zu torn line%s tolerated", res->torn,
			    res->torn == 1 ? "" : "s");
		fputc('\n', v->out);
	} else if (res->problems > 0) {
		if (res->problems > MAX_SHOWN)
			fprintf(v->out, "... and %zu more\n",
			    res->problems - MAX_SHOWN);
		fprintf(v->out, "FAILED: %zu problem%s in %zu record%s; first "
		    "bad line %s:%lu\n", res->problems,
		    res->problems == 1 ? "" : "s", res->records,
		    res->records == 1 ? "" : "s", res->bad_file, res->bad_line);
	} else if (res->need_key)
		fprintf(v->out, "NOT VERIFIED: %zu keyed record%s need the chain "
		    "key (--chain-key FILE)\n", res->keyed,
		    res->keyed == 1 ? "" : "s");
}

int
xfed_log_verify(const char *const *paths, size_t n, const uint8_t *key,
    size_t keylen, FILE *out, struct xfed_verify_result *res)
{
	struct vstate v = { .out = out, .res = res };
	size_t i;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->ok = true;
	if ((v.sha = xfed_chain_new(NULL, 0)) == NULL)
		fatalx("out of memory");
	if (key != NULL && keylen > 0 &&
	    (v.hmac = xfed_chain_new(key, keylen)) == NULL)
		fatalx("out of memory");
	for (i = 0; i < n && rc == 0; i++)
		rc = verify_file(&v, paths[i]);
	if (rc == 0) {
		check_last(&v);
		if (v.hmac != NULL && res->keyed == 0 && res->records > 0)
			problem(&v, paths[n - 1], v.prev_line, "a chain key was "
			    "given but no record is keyed: was the log "
			    "rewritten without it?");
		summary(&v);
	} else
		res->ok = false;
	xfed_chain_free(v.sha);
	xfed_chain_free(v.hmac);
	free(v.prev);
	return rc;
}

void
xfed_verify_result_clear(struct xfed_verify_result *res)
{
	free(res->bad_file);
	memset(res, 0, sizeof(*res));
}
