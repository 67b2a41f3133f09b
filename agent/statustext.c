/*
 * `xfedctl status` for humans, rendered from the status JSON alone (so the
 * text never says more than the machine-readable answer).  Times are shown
 * as they are stored, and also relative to the daemon's "now": an operator
 * reading "FAILED, last success 3 h ago, retry in 4 min" needs no clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

static const char *
str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

/* An RFC 3339 UTC time as written by status.c; -1 when absent. */
static long long
parse_time(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	struct tm tm;
	const char *end;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return (long long)timegm(&tm);
}

/* "12 s", "3 min", "5 h", "2 d": precise enough at a glance. */
static void
span(char *buf, size_t len, long long s)
{
	if (s < 90)
		snprintf(buf, len, "%lld s", s);
	else if (s < 90 * 60)
		snprintf(buf, len, "%lld min", (s + 30) / 60);
	else if (s < 36 * 3600)
		snprintf(buf, len, "%lld h", (s + 1800) / 3600);
	else
		snprintf(buf, len, "%lld d", (s + 43200) / 86400);
}

/* "3 min ago", "in 4 min", "now", or dflt when the time is absent. */
static const char *
relative(char *buf, size_t len, json_t *o, const char *key, long long now,
    const char *dflt)
{
	long long t = parse_time(o, key);
	char d[32];

	if (t < 0 || now < 0)
		return dflt;
	if (t == now)
		return "now";
	span(d, sizeof(d), t < now ? now - t : t - now);
	snprintf(buf, len, t < now ? "%s ago" : "in %s", d);
	return buf;
}

static const char *
health(long long code)
{
	switch (code) {
	case 0:		return "every zone in sync";
	case 2:		return "some zone failed or is in conflict";
	case 3:		return "some change was refused by max-deletes";
	case XFED_STATUS_EXIT_UNKNOWN:
			return "unknown: no sync has finished yet";
	default:	return "?";
	}
}

static void
header(FILE *f, json_t *s, long long now)
{
	char rel[48];

	fprintf(f, "config:     %s\n", str_or(s, "config", "?"));
	fprintf(f, "pid:        %lld\n", json_integer_value(
	    json_object_get(s, "pid")));
	fprintf(f, "started:    %s (%s)\n", str_or(s, "started", "-"),
	    relative(rel, sizeof(rel), s, "started", now, "-"));
	fprintf(f, "state:      %s\n", json_is_true(json_object_get(s,
	    "syncing")) ? "syncing" : "idle");
	if (json_string_value(json_object_get(s, "last_sync")) == NULL)
		fprintf(f, "last sync:  never\n");
	else
		fprintf(f, "last sync:  %s (%s; %s, exit %lld)\n",
		    str_or(s, "last_sync", "?"), relative(rel, sizeof(rel), s,
		    "last_sync", now, "?"), str_or(s, "last_trigger", "-"),
		    json_integer_value(json_object_get(s, "last_exit")));
	if (json_string_value(json_object_get(s, "next_sync")) == NULL)
		fprintf(f, "next sync:  on demand\n");
	else
		fprintf(f, "next sync:  %s (%s)\n", str_or(s, "next_sync", "?"),
		    relative(rel, sizeof(rel), s, "next_sync", now, "?"));
	fprintf(f, "counters:   %lld syncs, %lld update messages, "
	    "%lld conflicts\n",
	    json_integer_value(json_object_get(s, "syncs")),
	    json_integer_value(json_object_get(s, "messages")),
	    json_integer_value(json_object_get(s, "conflicts")));
	fprintf(f, "health:     %s (exit %lld)\n", health(json_integer_value(
	    json_object_get(s, "exit"))), json_integer_value(
	    json_object_get(s, "exit")));
}

static void
zone_row(FILE *f, json_t *z, long long now)
{
	char last[48], ok[48], retry[48];

	fprintf(f, "%-32s %-16s %-12s %-12s %-12s %s\n",
	    str_or(z, "zone", "?"), str_or(z, "result", "?"),
	    relative(last, sizeof(last), z, "last_sync", now, "-"),
	    relative(ok, sizeof(ok), z, "last_success", now, "never"),
	    relative(retry, sizeof(retry), z, "next_retry", now, "-"),
	    str_or(z, "server", "?"));
	if (json_object_get(z, "detail") != NULL)
		fprintf(f, "    %s\n", str_or(z, "detail", ""));
}

char *
xfed_status_text(json_t *s)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	json_t *zones = json_object_get(s, "zones");
	long long now = parse_time(s, "now");

	header(f, s, now);
	if (json_array_size(zones) > 0)
		fprintf(f, "\n%-32s %-16s %-12s %-12s %-12s %s\n", "ZONE",
		    "RESULT", "LAST SYNC", "LAST SUCCESS", "NEXT RETRY",
		    "SERVER");
	for (i = 0; i < json_array_size(zones); i++)
		zone_row(f, json_array_get(zones, i), now);
	fclose(f);
	return text;
}
