/* xfedctl log: see logcmd.h. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "auditlog.h"
#include "confhint.h"
#include "error.h"
#include "logcmd.h"
#include "util.h"

#define FOLLOW_POLL_MS	250

/* Options come from one table, which also writes the usage text. */
enum opt {
	OPT_SINCE = 1, OPT_UNTIL, OPT_ZONE, OPT_DOMAIN, OPT_EVENT, OPT_FOLLOW,
	OPT_VERIFY, OPT_FILE, OPT_KEY, OPT_JSON, OPT_HELP,
};

static const struct logopt {
	const char	*name;
	int		 has_arg;
	enum opt	 id;
	const char	*arg;
	const char	*help;
} logopts[] = {
	{ "since", required_argument, OPT_SINCE, "TIME",
	    "records at or after TIME (RFC 3339, or 30s, 15m, 2h, 7d ago)" },
	{ "until", required_argument, OPT_UNTIL, "TIME",
	    "records at or before TIME" },
	{ "zone", required_argument, OPT_ZONE, "ZONE",
	    "records about ZONE (any case, trailing dot optional)" },
	{ "domain", required_argument, OPT_DOMAIN, "DOMAIN",
	    "records touching DOMAIN's SRV names and markers, or its zone" },
	{ "event", required_argument, OPT_EVENT, "E[,E...]",
	    "only these events (update, update-intent, sync-start...)" },
	{ "follow", no_argument, OPT_FOLLOW, NULL,
	    "keep reading as records are added (survives rotation)" },
	{ "verify", no_argument, OPT_VERIFY, NULL,
	    "check the integrity chain; exit 2 naming the first bad line" },
	{ "file", required_argument, OPT_FILE, "PATH",
	    "read PATH (repeatable, oldest first; - is stdin)" },
	{ "chain-key", required_argument, OPT_KEY, "FILE",
	    "key of a keyed (hmac-sha256) chain, for --verify" },
	{ "json", no_argument, OPT_JSON, NULL, "the raw JSON lines" },
	{ "help", no_argument, OPT_HELP, NULL, "this text" },
	{ NULL, 0, 0, NULL, NULL },
};

struct logcmd {
	struct xfed_log_filter	 filter;
	bool			 json;
	bool			 follow;
	bool			 verify;
	const char		**files;
	size_t			 nfiles;
	const char		*chain_key;
	size_t			 torn;
	bool			 header_done;	/* the table's, once a row comes */
};

/*
 * Every event name the agent writes (audit.c, update.c, sync.c,
 * zonesync.c, zonereport.c, daemon.c): --event takes only these, so that
 * a typo is an error rather than an empty, reassuring answer.  Add a new
 * event here too.
 */
static const char *const event_names[] = {
	"sync-start", "update-intent", "update", "sync-end", "config-reload",
	"audit-reopen", "conflict", "held", "refused", "error",
};
#define N_EVENTS	(sizeof(event_names) / sizeof(event_names[0]))

static volatile sig_atomic_t stop_following;

static void
usage(FILE *f)
{
	const struct logopt *o;
	char left[40];

	fprintf(f, "usage: xfedctl log [OPTION...] [FILE...]\n");
	for (o = logopts; o->name != NULL; o++) {
		snprintf(left, sizeof(left), "--%s%s%s", o->name,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
		fprintf(f, "  %-22s %s\n", left, o->help);
	}
	fprintf(f, "exit: 0 ok, 1 usage or unreadable file, 2 --verify found "
	    "the log altered\n");
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xfedctl log: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	return XFED_LOG_EXIT_USAGE;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each name of a comma-separated list must be an event the agent writes. */
static int
check_events(const char *list)
{
	const char	*p = list, *near;
	char		 name[64];
	size_t		 len, i;

	for (;; p += len + 1) {
		len = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		for (i = 0; i < N_EVENTS && strcmp(name, event_names[i]) != 0;
		    i++)
			;
		if (i == N_EVENTS && len > 0) {
			fprintf(stderr, "xfedctl log: --event: unknown event "
			    "\"%s\"", name);
			if ((near = xfed_closest_name(name, event_names,
			    N_EVENTS)) != NULL)
				fprintf(stderr, " (did you mean '%s'?)", near);
			fprintf(stderr, "; the events are:");
			for (i = 0; i < N_EVENTS; i++)
				fprintf(stderr, "%s %s", i > 0 ? "," : "",
				    event_names[i]);
			fputc('\n', stderr);
			return -1;
		}
		if (p[len] == '\0')
			return 0;
	}
}

static int
one_option(struct logcmd *c, int id, const char *arg)
{
	switch (id) {
	case OPT_SINCE:
	case OPT_UNTIL:
		if (xfed_log_parse_time(arg, now_ms(), id == OPT_SINCE ?
		    c->filter.since : c->filter.until,
		    sizeof(c->filter.since)) != 0)
			return usage_error("bad time \"%s\": use RFC 3339 "
			    "(2026-11-24T05:10:00Z) or an age (30s, 15m, 2h, "
			    "7d)", arg);
		return 0;
	case OPT_ZONE:
		if (xfed_log_filter_zone(&c->filter, arg) != 0)
			return usage_error("bad zone name \"%s\"", arg);
		return 0;
	case OPT_DOMAIN:
		if (xfed_log_filter_domain(&c->filter, arg) != 0)
			return usage_error("bad domain name \"%s\"", arg);
		return 0;
	case OPT_EVENT:
		if (check_events(arg) != 0)
			return XFED_LOG_EXIT_USAGE;
		if (xfed_log_filter_event(&c->filter, arg) != 0)
			return usage_error("bad event list \"%s\"", arg);
		return 0;
	case OPT_FOLLOW:	c->follow = true; return 0;
	case OPT_VERIFY:	c->verify = true; return 0;
	case OPT_JSON:		c->json = true; return 0;
	case OPT_KEY:		c->chain_key = arg; return 0;
	case OPT_FILE:
		c->files = xreallocarray(c->files, c->nfiles + 1,
		    sizeof(*c->files));
		c->files[c->nfiles++] = arg;
		return 0;
	}
	return XFED_LOG_EXIT_USAGE;
}

static bool
has_filter(const struct xfed_log_filter *f)
{
	return f->since[0] != '\0' || f->until[0] != '\0' || f->zone != NULL ||
	    f->domain != NULL || f->n_events > 0;
}

/* Combinations that cannot mean anything: say so rather than guess. */
static int
check_options(struct logcmd *c)
{
	size_t i;

	if (c->verify && (c->follow || has_filter(&c->filter)))
		return usage_error("%s", "--verify checks whole files: no "
		    "--follow or filters with it");
	if (c->chain_key != NULL && !c->verify)
		return usage_error("%s", "--chain-key goes with --verify");
	if (c->follow && c->nfiles > 0 &&
	    strcmp(c->files[c->nfiles - 1], "-") == 0)
		return usage_error("%s", "--follow needs a file, not stdin");
	for (i = 0; i + 1 < c->nfiles; i++)
		if (strcmp(c->files[i], "-") == 0)
			return usage_error("%s", "stdin (-) can only be the "
			    "last file");
	return 0;
}

static int
parse_args(struct logcmd *c, int argc, char **argv)
{
	struct option longopts[sizeof(logopts) / sizeof(logopts[0])];
	size_t i;
	int ch, rc;

	for (i = 0; logopts[i].name != NULL; i++) {
		longopts[i].name = logopts[i].name;
		longopts[i].has_arg = logopts[i].has_arg;
		longopts[i].flag = NULL;
		longopts[i].val = logopts[i].id;
	}
	memset(&longopts[i], 0, sizeof(longopts[i]));
	/* 0, not 1: GNU getopt must forget the caller's earlier parse. */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		if (ch == 'f')
			ch = OPT_FOLLOW;
		if (ch == 'h' || ch == OPT_HELP) {
			usage(stdout);
			return -1;
		}
		if (ch == '?' || ch == ':')
			return usage_error("unknown option or missing argument: "
			    "%s", argv[optind - 1]);
		if ((rc = one_option(c, ch, optarg)) != 0)
			return rc;
	}
	for (; optind < argc; optind++)
		one_option(c, OPT_FILE, argv[optind]);
	return check_options(c);
}

/* The table. */

static const char *
str(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s != NULL ? s : "";
}

static void
add_detail(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add_detail(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= size - 1)
		return;
	if (used > 0)
		used += (size_t)snprintf(buf + used, size - used, ", ");
	if (used >= size - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void
int_detail(char *buf, size_t size, json_t *rec, const char *key,
    const char *fmt)
{
	json_t *v = json_object_get(rec, key);

	if (json_is_integer(v))
		add_detail(buf, size, fmt, (long long)json_integer_value(v));
}

static void
str_detail(char *buf, size_t size, json_t *rec, const char *key,
    const char *fmt)
{
	const char *s = json_string_value(json_object_get(rec, key));

	if (s != NULL && *s != '\0')
		add_detail(buf, size, fmt, s);
}

/* The last column: what else matters about this kind of record. */
static void
detail(json_t *rec, const char *event, char *buf, size_t size)
{
	json_t *v;

	buf[0] = '\0';
	if (strcmp(event, "update-intent") == 0) {
		int_detail(buf, size, rec, "message", "message %lld");
		str_detail(buf, size, rec, "server", "to %s");
		add_detail(buf, size, "%zu prereq",
		    json_array_size(json_object_get(rec, "prereq")));
	} else if (strcmp(event, "update") == 0) {
		str_detail(buf, size, rec, "tsig", "tsig %s");
		int_detail(buf, size, rec, "attempts", "%lld attempt(s)");
		int_detail(buf, size, rec, "duration_ms", "%lld ms");
	} else if (strcmp(event, "sync-end") == 0) {
		int_detail(buf, size, rec, "zones", "%lld zone(s)");
		int_detail(buf, size, rec, "exit", "exit %lld");
		int_detail(buf, size, rec, "duration_ms", "%lld ms");
	} else if (strcmp(event, "config-reload") == 0) {
		v = json_object_get(rec, "accepted");
		add_detail(buf, size, "%s", json_is_true(v) ? "accepted" :
		    "rejected");
		str_detail(buf, size, rec, "file", "%s");
		str_detail(buf, size, rec, "sha256", "sha256 %.16s...");
	} else if (strcmp(event, "refused") == 0) {
		str_detail(buf, size, rec, "reason", "%s");
		int_detail(buf, size, rec, "deletes", "%lld deletes");
		int_detail(buf, size, rec, "max-deletes", "max %lld");
	}
	int_detail(buf, size, rec, "uid", "uid %lld");
	str_detail(buf, size, rec, "name", "%s");
	if (strcmp(event, "refused") != 0)
		str_detail(buf, size, rec, "reason", "%s");
	str_detail(buf, size, rec, "error", "%s");
}

#define ROW_FMT	"%-24s  %-13s  %-24s  %-9s  %-9s  %-7s  %s"

/* One row; no trailing blanks when the last columns are empty. */
static void
print_cols(const char *ts, const char *event, const char *zone,
    const char *changes, const char *rcode, const char *trigger,
    const char *more)
{
	char row[1024];
	size_t len;

	snprintf(row, sizeof(row), ROW_FMT, ts, event, zone, changes, rcode,
	    trigger, more);
	len = strlen(row);
	while (len > 0 && row[len - 1] == ' ')
		len--;
	row[len] = '\0';
	puts(row);
}

static void
print_header(void)
{
	print_cols("TIME", "EVENT", "ZONE", "CHANGES", "RCODE", "TRIGGER",
	    "DETAIL");
}

static void
print_row(json_t *rec)
{
	const char *event = str(rec, "event");
	json_t *add = json_object_get(rec, "add");
	json_t *del = json_object_get(rec, "delete");
	char changes[48] = "", more[512];

	if (json_is_array(add) || json_is_array(del))
		snprintf(changes, sizeof(changes), "+%zu -%zu",
		    json_array_size(add), json_array_size(del));
	detail(rec, event, more, sizeof(more));
	print_cols(str(rec, "ts"), event, str(rec, "zone"), changes,
	    str(rec, "rcode"), str(rec, "trigger"), more);
}

/* Reading. */

static void
one_line(struct logcmd *c, const char *path, unsigned long ln,
    const char *line, size_t len, bool complete)
{
	json_t *rec = NULL;

	switch (xfed_log_filter_line(&c->filter, line, len, !c->json, &rec)) {
	case XFED_LOG_TORN:
		c->torn++;
		fprintf(stderr, "xfedctl log: %s:%lu: incomplete %s (torn "
		    "write), skipped\n", path, ln, complete ? "record" :
		    "last line");
		return;
	case XFED_LOG_NO:
		return;
	case XFED_LOG_YES:
		break;
	}
	if (c->json) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	} else {
		/* Not before: an error or no match leaves stdout empty. */
		if (!c->header_done)
			print_header();
		c->header_done = true;
		print_row(rec);
	}
	json_decref(rec);
}

/* Read r to its end (for now); 0 or XFED_EIO. */
static int
drain(struct logcmd *c, struct xfed_lines *r, const char *path, bool wait)
{
	char *line;
	size_t len;
	bool complete;
	int rc;

	while ((rc = xfed_lines_next(r, wait, &line, &len, &complete)) > 0) {
		if (rc == XFED_LINES_LONG)
			fprintf(stderr, "xfedctl log: %s:%lu: line too long "
			    "(not a record), skipped\n", path,
			    xfed_lines_lineno(r));
		else
			one_line(c, path, xfed_lines_lineno(r), line, len,
			    complete);
	}
	if (rc != 0)
		fprintf(stderr, "xfedctl log: %s: %s\n", path, strerror(errno));
	return rc;
}

static int
read_file(struct logcmd *c, const char *path)
{
	struct xfed_lines *r;
	int rc;

	if ((r = xfed_lines_open(path)) == NULL) {
		fprintf(stderr, "xfedctl log: %s: %s\n", path, strerror(errno));
		return XFED_LOG_EXIT_USAGE;
	}
	rc = drain(c, r, path, false);
	xfed_lines_close(r);
	return rc == 0 ? 0 : XFED_LOG_EXIT_USAGE;
}

/* --follow. */

static void
on_stop(int sig)
{
	(void)sig;
	stop_following = 1;
}

static void
nap(void)
{
	struct timespec ts = { 0, FOLLOW_POLL_MS * 1000000L };

	nanosleep(&ts, NULL);
}

/* The path now names another file than the one open: it was rotated. */
static bool
rotated(const char *path, struct xfed_lines *r)
{
	struct stat now, open_st;

	if (stat(path, &now) == -1 || fstat(xfed_lines_fd(r), &open_st) == -1)
		return false;
	return now.st_ino != open_st.st_ino || now.st_dev != open_st.st_dev;
}

static int
follow(struct logcmd *c, const char *path)
{
	struct sigaction sa, old_int, old_term;
	struct xfed_lines *r = NULL;
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal must cut the nap short. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	stop_following = 0;
	while (!stop_following) {
		if (r == NULL && (r = xfed_lines_open(path)) == NULL &&
		    errno != ENOENT) {
			fprintf(stderr, "xfedctl log: %s: %s\n", path,
			    strerror(errno));
			rc = XFED_LOG_EXIT_USAGE;
			break;
		}
		if (r != NULL && drain(c, r, path, true) != 0) {
			rc = XFED_LOG_EXIT_USAGE;
			break;
		}
		fflush(stdout);
		if (r != NULL && rotated(path, r)) {
			/* What the writer added before it reopened. */
			drain(c, r, path, false);
			xfed_lines_close(r);
			r = NULL;
			continue;
		}
		nap();
	}
	xfed_lines_close(r);
	fflush(stdout);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

/* --verify. */

static int
verify(struct logcmd *c)
{
	struct xfed_verify_result res;
	uint8_t *key = NULL;
	size_t keylen = 0;
	char err[512];
	int rc;

	if (c->chain_key != NULL && xfed_chain_key_load(c->chain_key, &key,
	    &keylen, err, sizeof(err)) != 0) {
		fprintf(stderr, "xfedctl log: %s\n", err);
		return XFED_LOG_EXIT_USAGE;
	}
	rc = xfed_log_verify(c->files, c->nfiles, key, keylen, stdout, &res);
	xfed_chain_key_free(key, keylen);
	if (rc != 0)
		rc = XFED_LOG_EXIT_USAGE;
	else if (res.problems > 0)
		rc = XFED_LOG_EXIT_BROKEN;
	else if (res.need_key)
		rc = XFED_LOG_EXIT_USAGE;
	else
		rc = XFED_LOG_EXIT_OK;
	xfed_verify_result_clear(&res);
	return rc;
}

static int
run(struct logcmd *c)
{
	size_t i;
	int rc = 0;

	if (c->verify)
		return verify(c);
	for (i = 0; i < c->nfiles && rc == 0; i++) {
		if (c->follow && i == c->nfiles - 1)
			rc = follow(c, c->files[i]);
		else
			rc = read_file(c, c->files[i]);
	}
	fflush(stdout);
	return rc;
}

int
xfed_log_command_find(char *(*find)(void *), void *arg, bool json, int argc,
    char **argv)
{
	struct logcmd c = { .json = json };
	char *path = NULL;
	int rc;

	xfed_log_filter_init(&c.filter);
	if ((rc = parse_args(&c, argc, argv)) != 0)
		goto out;
	/* Only now: a file named on the command line needs no configuration. */
	if (c.nfiles == 0) {
		if ((path = find(arg)) == NULL) {
			rc = XFED_LOG_EXIT_USAGE;
			goto out;
		}
		one_option(&c, OPT_FILE, path);
	}
	rc = run(&c);
out:
	if (rc == -1)
		rc = 0;
	xfed_log_filter_clear(&c.filter);
	free(c.files);
	free(path);
	return rc;
}

static char *
given_path(void *arg)
{
	if (arg == NULL) {
		usage_error("%s", "no audit log: the configuration could not be "
		    "read (see xfedctl check-config); name a file");
		return NULL;
	}
	return xstrdup(arg);
}

int
xfed_log_command(const char *default_path, bool json, int argc, char **argv)
{
	return xfed_log_command_find(given_path, (void *)(uintptr_t)default_path,
	    json, argc, argv);
}
