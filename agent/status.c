/*
 * What `xfedctl status` reports and the metrics file shows: the outcome of
 * the last syncs, per zone and in total, and when failed zones are retried.
 * Every function here runs with the daemon lock held.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fileio.h"
#include "log.h"
#include "util.h"

/* Failed zones are retried after 30 s, doubling up to an hour. */
#define RETRY_FIRST_MS	(30 * 1000ULL)
#define RETRY_MAX_MS	(3600 * 1000ULL)

static struct xfed_zone_status *
zone_entry(struct xfed_status *st, const char *zone)
{
	struct xfed_zone_status *z;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->zones[i].zone, zone) == 0)
			return &st->zones[i];
	st->zones = xreallocarray(st->zones, st->n + 1, sizeof(*st->zones));
	z = &st->zones[st->n++];
	memset(z, 0, sizeof(*z));
	z->zone = xstrdup(zone);
	return z;
}

static void
set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

static uint64_t
retry_delay(unsigned failures, uint64_t interval)
{
	uint64_t ms = RETRY_FIRST_MS;

	while (--failures > 0 && ms < RETRY_MAX_MS)
		ms *= 2;
	if (interval > 0 && ms > interval * 1000)
		ms = interval * 1000;
	return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

/* Only a zone verified equal to its declaration counts as a success. */
static bool
is_success(enum xfed_zone_result r)
{
	return r == XFED_ZONE_IN_SYNC || r == XFED_ZONE_CHANGED;
}

static void
record_zone(struct xfed_zone_status *z, const struct xfed_zone_report *r,
    uint64_t now, uint64_t interval)
{
	set_str(&z->server, r->server);
	set_str(&z->result, xfed_zone_result_name(r->result));
	set_str(&z->detail, r->detail);
	z->last_sync = now;
	z->syncs++;
	z->messages += r->messages;
	z->conflicts += r->conflicts;
	/*
	 * A zone held back waits for a target in another zone: retried like
	 * a failure, so it follows soon once that zone recovers.
	 */
	if (r->result == XFED_ZONE_FAILED || r->result == XFED_ZONE_HELD) {
		z->failures++;
		z->retry_at = xfed_now_ms() + retry_delay(z->failures, interval);
		return;
	}
	/* A conflict or a refusal waits for a human, not for a retry. */
	z->failures = 0;
	z->retry_at = 0;
	if (is_success(r->result))
		z->last_success = now;
}

static void
zone_status_free(struct xfed_zone_status *z)
{
	free(z->zone);
	free(z->server);
	free(z->result);
	free(z->detail);
}

static bool
in_report(const struct xfed_sync_report *rep, const char *zone)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (strcmp(rep->zones[i].zone, zone) == 0)
			return true;
	return false;
}

/*
 * A full sync visits every declared zone, every zone still being cleaned
 * up and every name whose zone could not be found: a row it did not
 * produce belongs to a zone that is gone (or to a "(zone of NAME)" that is
 * now found).  A filtered sync proves nothing about the zones it skipped.
 */
static void
prune(struct xfed_status *st, const struct xfed_sync_report *rep)
{
	size_t i, k = 0;

	for (i = 0; i < st->n; i++) {
		if (!in_report(rep, st->zones[i].zone)) {
			zone_status_free(&st->zones[i]);
			continue;
		}
		st->zones[k++] = st->zones[i];
	}
	st->n = k;
}

void
xfed_status_record(struct xfed_daemon *d, const struct xfed_job *job,
    const struct xfed_sync_report *rep, uint64_t interval)
{
	struct xfed_status *st = &d->status;
	uint64_t now = xfed_wall_seconds();
	size_t i;

	st->last_sync = now;
	st->last_trigger = job->trigger;
	st->last_exit = rep->exit_code;
	st->syncs++;
	if (job->n_domains == 0 && job->n_zones == 0)
		prune(st, rep);
	for (i = 0; i < rep->n; i++) {
		const struct xfed_zone_report *r = &rep->zones[i];

		record_zone(zone_entry(st, r->zone), r, now, interval);
		st->messages += r->messages;
		st->conflicts += r->conflicts;
	}
}

uint64_t
xfed_status_next_retry(const struct xfed_daemon *d)
{
	uint64_t next = 0;
	size_t i;

	for (i = 0; i < d->status.n; i++) {
		uint64_t t = d->status.zones[i].retry_at;

		if (t != 0 && (next == 0 || t < next))
			next = t;
	}
	return next;
}

static bool
is_pseudo(const struct xfed_zone_status *z)
{
	/* "(zone of NAME)": the name's zone could not be found. */
	return z->zone[0] == '(';
}

/*
 * Zones whose retry time has come; every due retry is consumed, so the
 * loop never sees it due again.  A "(zone of NAME)" cannot be synced by
 * zone: it asks for a full sync (*full), which also covers the others.
 */
char **
xfed_status_due_zones(const struct xfed_daemon *d, uint64_t now, size_t *n,
    bool *full)
{
	char **zones = NULL;
	size_t i;

	*n = 0;
	*full = false;
	for (i = 0; i < d->status.n; i++) {
		struct xfed_zone_status *z = &d->status.zones[i];

		if (z->retry_at == 0 || z->retry_at > now)
			continue;
		z->retry_at = 0;
		if (is_pseudo(z)) {
			*full = true;
			continue;
		}
		zones = xreallocarray(zones, *n + 1, sizeof(char *));
		zones[(*n)++] = xstrdup(z->zone);
	}
	return zones;
}

/*
 * The health check: 0 when every zone was last found in sync, else as a
 * sync exits (2 wins over 3); XFED_STATUS_EXIT_UNKNOWN before the first
 * sync has finished.
 */
int
xfed_status_exit(const struct xfed_status *st)
{
	bool failed = false, limited = false;
	size_t i;

	if (st->last_sync == 0)
		return XFED_STATUS_EXIT_UNKNOWN;
	for (i = 0; i < st->n; i++) {
		const char *r = st->zones[i].result;

		if (r == NULL || strcmp(r, xfed_zone_result_name(
		    XFED_ZONE_IN_SYNC)) == 0 || strcmp(r,
		    xfed_zone_result_name(XFED_ZONE_CHANGED)) == 0)
			continue;
		if (strcmp(r, xfed_zone_result_name(XFED_ZONE_LIMIT)) == 0)
			limited = true;
		else
			failed = true;
	}
	if (failed)
		return XFED_EXIT_FAILED;
	return limited ? XFED_EXIT_LIMIT : XFED_EXIT_OK;
}

void
xfed_status_clear(struct xfed_status *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		zone_status_free(&st->zones[i]);
	free(st->zones);
	memset(st, 0, sizeof(*st));
}

static json_t *
time_json(uint64_t wall)
{
	char buf[40];
	struct tm tm;
	time_t t = (time_t)wall;

	if (wall == 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* A monotonic deadline as wall-clock time, for humans. */
static json_t *
mono_json(uint64_t mono_ms)
{
	uint64_t now = xfed_now_ms();

	if (mono_ms == 0)
		return json_null();
	return time_json(xfed_wall_seconds() +
	    (mono_ms > now ? (mono_ms - now + 999) / 1000 : 0));
}

static json_t *
zone_json(const struct xfed_zone_status *z)
{
	json_t *o = json_object();

	json_object_set_new(o, "zone", json_string(z->zone));
	json_object_set_new(o, "server", json_string(z->server ? z->server : ""));
	json_object_set_new(o, "result", json_string(z->result ? z->result : ""));
	if (z->detail != NULL)
		json_object_set_new(o, "detail", json_string(z->detail));
	json_object_set_new(o, "last_sync", time_json(z->last_sync));
	json_object_set_new(o, "last_success", time_json(z->last_success));
	json_object_set_new(o, "failures", json_integer(z->failures));
	json_object_set_new(o, "next_retry", mono_json(z->retry_at));
	json_object_set_new(o, "syncs", json_integer((json_int_t)z->syncs));
	json_object_set_new(o, "messages",
	    json_integer((json_int_t)z->messages));
	json_object_set_new(o, "conflicts",
	    json_integer((json_int_t)z->conflicts));
	return o;
}

json_t *
xfed_status_json(const struct xfed_daemon *d)
{
	const struct xfed_status *st = &d->status;
	json_t *o = json_object(), *zones = json_array();
	size_t i;

	json_object_set_new(o, "config", json_string(d->config_path));
	json_object_set_new(o, "now", time_json(xfed_wall_seconds()));
	json_object_set_new(o, "exit", json_integer(xfed_status_exit(st)));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "started", time_json(st->started));
	json_object_set_new(o, "syncing", json_boolean(st->syncing));
	if (st->syncing)
		json_object_set_new(o, "sync_running_ms", json_integer(
		    (json_int_t)(xfed_now_ms() - st->sync_started)));
	json_object_set_new(o, "last_sync", time_json(st->last_sync));
	json_object_set_new(o, "last_trigger", st->last_trigger ?
	    json_string(st->last_trigger) : json_null());
	json_object_set_new(o, "last_exit", st->last_sync ?
	    json_integer(st->last_exit) : json_null());
	json_object_set_new(o, "next_sync", mono_json(d->next_sync));
	json_object_set_new(o, "syncs", json_integer((json_int_t)st->syncs));
	json_object_set_new(o, "messages",
	    json_integer((json_int_t)st->messages));
	json_object_set_new(o, "conflicts",
	    json_integer((json_int_t)st->conflicts));
	for (i = 0; i < st->n; i++)
		json_array_append_new(zones, zone_json(&st->zones[i]));
	json_object_set_new(o, "zones", zones);
	return o;
}

static void
metric(FILE *f, const char *name, const char *help, const char *type)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Prometheus text format for node_exporter's textfile collector. */
static void
write_metrics(FILE *f, const struct xfed_status *st)
{
	size_t i;

	metric(f, "xfed_syncs_total", "Syncs run.", "counter");
	fprintf(f, "xfed_syncs_total %llu\n", (unsigned long long)st->syncs);
	metric(f, "xfed_update_messages_total", "UPDATE messages sent.",
	    "counter");
	fprintf(f, "xfed_update_messages_total %llu\n",
	    (unsigned long long)st->messages);
	metric(f, "xfed_conflicts_total", "Conflicts found (records without "
	    "our ownership marker).", "counter");
	fprintf(f, "xfed_conflicts_total %llu\n",
	    (unsigned long long)st->conflicts);
	metric(f, "xfed_last_sync_exit", "Exit status of the last sync.",
	    "gauge");
	fprintf(f, "xfed_last_sync_exit %d\n", st->last_exit);
	metric(f, "xfed_zone_last_success_seconds", "Time of the last "
	    "successful sync of the zone.", "gauge");
	for (i = 0; i < st->n; i++)
		fprintf(f, "xfed_zone_last_success_seconds{zone=\"%s\"} %llu\n",
		    st->zones[i].zone,
		    (unsigned long long)st->zones[i].last_success);
	metric(f, "xfed_zone_failures", "Consecutive failed syncs of the "
	    "zone.", "gauge");
	for (i = 0; i < st->n; i++)
		fprintf(f, "xfed_zone_failures{zone=\"%s\"} %u\n",
		    st->zones[i].zone, st->zones[i].failures);
}

/*
 * The metrics as text, rendered while the caller holds the status lock;
 * the file is written after it is released.
 */
char *
xfed_metrics_render(const struct xfed_status *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		fatalx("out of memory");
	write_metrics(f, st);
	if (fclose(f) != 0)
		fatalx("out of memory");
	return text;
}

/*
 * Written to a fresh file under an unpredictable name and renamed: readers
 * never see half, and nothing planted in the directory is followed.
 * Metrics are not secret; node_exporter runs as another user: 0644.
 */
int
xfed_metrics_write(const char *path, const char *text)
{
	struct xfed_newfile nf;
	char err[1024];

	if (xfed_newfile_open(&nf, path, 0644, err, sizeof(err)) == -1) {
		log_warnx("metrics file: %s", err);
		return -1;
	}
	xfed_newfile_write(&nf, text, strlen(text));
	if (xfed_newfile_commit(&nf, false, err, sizeof(err)) == -1) {
		log_warnx("metrics file: %s", err);
		return -1;
	}
	return 0;
}
