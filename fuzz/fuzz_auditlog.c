/*
 * fuzz_auditlog: arbitrary octets as an audit log file, through what
 * `xfedctl log` does with it (auditlog.c): the streaming line reader, the
 * filters (fast header look and exact JSON check), the --since/--until
 * parser, and the integrity chain verification of a rotated set.
 *
 * Input: one flags octet, then
 *  - with FL_ARGS: five NUL-terminated strings, the arguments of --since,
 *    --until, --zone, --domain and --event (empty: not given);
 *  - the log: up to the first NUL the older file, after it the newer one
 *    (a rotated set); without a NUL, one file.
 * The files live in memfds opened by /proc/self/fd path, as the reader
 * opens paths: no real file is touched.  FL_KEY verifies with the chain
 * key the seeds were written with, FL_WAIT reads as --follow does,
 * FL_REC asks the filter for the parsed record.
 */
#include <sys/mman.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "auditlog.h"
#include "common.h"
#include "error.h"

#define FL_KEY		0x01
#define FL_WAIT		0x02
#define FL_REC		0x04
#define FL_ARGS		0x08

#define INPUT_MAX	(256 * 1024)

/* The chain key gen_seeds writes the keyed seeds with. */
#define CHAIN_KEY	"fuzz-chain-key-0123456789abcdef"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int fds[2] = { -1, -1 };
static char paths[2][64];
static FILE *devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i;

	(void)argc;
	(void)argv;
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		if ((fds[i] = memfd_create("xfed-fuzz-audit", 0)) == -1)
			abort();
		snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d",
		    fds[i]);
	}
	return 0;
}

static void
fill(int i, const uint8_t *data, size_t size)
{
	if (ftruncate(fds[i], 0) == -1 ||
	    (size > 0 && pwrite(fds[i], data, size, 0) != (ssize_t)size))
		abort();
}

/* The next NUL-terminated string of the input, or NULL at its end. */
static const char *
take_arg(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = memchr(*data, '\0', *size);
	const char *s = (const char *)*data;

	if (nul == NULL)
		return NULL;
	*size -= (size_t)(nul - *data) + 1;
	*data = nul + 1;
	return s;
}

/* The arguments of `xfedctl log`, as its option parser applies them. */
static bool
build_filter(struct xfed_log_filter *f, const uint8_t **data, size_t *size)
{
	const char *a[5];
	int i;

	for (i = 0; i < 5; i++)
		if ((a[i] = take_arg(data, size)) == NULL)
			return false;
	if (a[0][0] != '\0' && xfed_log_parse_time(a[0], FUZZ_NOW * 1000,
	    f->since, sizeof(f->since)) != 0)
		return false;
	if (a[1][0] != '\0' && xfed_log_parse_time(a[1], FUZZ_NOW * 1000,
	    f->until, sizeof(f->until)) != 0)
		return false;
	if (strlen(f->since) >= sizeof(f->since) ||
	    strlen(f->until) >= sizeof(f->until))
		abort();
	if (a[2][0] != '\0' && xfed_log_filter_zone(f, a[2]) != 0)
		return false;
	if (a[3][0] != '\0' && xfed_log_filter_domain(f, a[3]) != 0)
		return false;
	if (a[4][0] != '\0' && xfed_log_filter_event(f, a[4]) != 0)
		return false;
	return true;
}

static void
filter_file(const struct xfed_log_filter *f, const char *path, bool wait,
    bool want_rec)
{
	struct xfed_lines *r;
	enum xfed_log_match m;
	json_t *rec;
	char *line;
	size_t len;
	bool complete;
	int rc;

	if ((r = xfed_lines_open(path)) == NULL)
		abort();
	while ((rc = xfed_lines_next(r, wait, &line, &len, &complete)) > 0) {
		if (rc == XFED_LINES_LONG) {
			if (len <= XFED_AUDIT_LINE_MAX || line[0] != '\0')
				abort();	/* only over-long lines, unheld */
			continue;
		}
		if (line[len] != '\0' || memchr(line, '\n', len) != NULL)
			abort();	/* one line, NUL-terminated */
		if (wait && !complete)
			abort();	/* --follow keeps unfinished lines */
		m = xfed_log_filter_line(f, line, len, want_rec, &rec);
		if (m != XFED_LOG_YES && m != XFED_LOG_NO &&
		    m != XFED_LOG_TORN)
			abort();
		if (m == XFED_LOG_YES && want_rec && rec == NULL)
			abort();
		json_decref(rec);
	}
	if (rc != 0)
		abort();
	(void)xfed_lines_lineno(r);
	xfed_lines_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const evs[] = { "update", "sync-start,conflict" };
	struct xfed_log_filter f;
	struct xfed_verify_result res;
	const char *const set[2] = { paths[0], paths[1] };
	const uint8_t *nul;
	uint8_t flags;
	size_t n = 1, i;
	int rc;

	if (size < 1 || size > INPUT_MAX)
		return -1;
	flags = data[0];
	data++;
	size--;
	xfed_log_filter_init(&f);
	if ((flags & FL_ARGS) && !build_filter(&f, &data, &size)) {
		xfed_log_filter_clear(&f);
		return 0;
	}
	if ((nul = memchr(data, '\0', size)) != NULL) {
		fill(0, data, (size_t)(nul - data));
		fill(1, nul + 1, size - (size_t)(nul - data) - 1);
		n = 2;
	} else
		fill(0, data, size);

	for (i = 0; i < n; i++)
		filter_file(&f, paths[i], flags & FL_WAIT, flags & FL_REC);
	if (!(flags & FL_ARGS)) {
		/* A typical filter besides the empty one. */
		xfed_log_filter_clear(&f);
		if (xfed_log_filter_zone(&f, "Contoso.COM.") != 0 ||
		    xfed_log_filter_domain(&f, "contoso.com") != 0 ||
		    xfed_log_filter_event(&f, evs[flags >> 7]) != 0 ||
		    xfed_log_parse_time("2025-11-24T00:00:00Z",
		    FUZZ_NOW * 1000, f.since, sizeof(f.since)) != 0 ||
		    xfed_log_parse_time("1d", FUZZ_NOW * 1000, f.until,
		    sizeof(f.until)) != 0)
			abort();
		filter_file(&f, paths[0], false, flags & FL_REC);
	}
	xfed_log_filter_clear(&f);

	rc = xfed_log_verify(set, n, (flags & FL_KEY) ?
	    (const uint8_t *)CHAIN_KEY : NULL, (flags & FL_KEY) ?
	    strlen(CHAIN_KEY) : 0, devnull, &res);
	if (rc != 0)
		abort();	/* the files are readable */
	if (res.ok && res.problems != 0)
		abort();
	if (!res.ok && res.problems == 0 && !res.need_key)
		abort();	/* a verdict always has a reason */
	if (res.files != n)
		abort();
	xfed_verify_result_clear(&res);
	return 0;
}
