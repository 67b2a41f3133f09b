/* The end of a sync in words: see report.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "sync.h"
#include "util.h"

/* A zone that could not be assigned is reported as "(zone of NAME)". */
#define UNASSIGNED	"(zone of "

/* Zones that failed for one cause. */
struct group {
	const char	*cause;		/* tail of the first member's detail */
	size_t		 first;		/* index of the first member */
	size_t		*members;
	size_t		 n;
};

struct groups {
	struct group	*g;
	size_t		 n;
};

static bool
is_addr_char(char c)
{
	return isxdigit((unsigned char)c) || c == '.' || c == ':';
}

/* Length of "ADDR#PORT" at s, or 0 when s does not start with one. */
static size_t
label_len(const char *s)
{
	size_t i = 0, dots = 0;

	for (; is_addr_char(s[i]); i++)
		dots += s[i] == '.' || s[i] == ':';
	if (i == 0 || dots == 0 || s[i] != '#' ||
	    !isdigit((unsigned char)s[i + 1]))
		return 0;
	for (i++; isdigit((unsigned char)s[i]); i++)
		;
	return s[i] == ':' || s[i] == ' ' || s[i] == '\0' ? i : 0;
}

size_t
xfed_report_cause_at(const char *detail)
{
	size_t i;

	for (i = 0; detail[i] != '\0'; i++) {
		if (i > 0 && detail[i - 1] != ' ')
			continue;
		if (label_len(detail + i) > 0)
			return i;
	}
	return 0;
}

static bool
grouped(const struct xfed_zone_report *z)
{
	return z->result == XFED_ZONE_FAILED && z->detail != NULL;
}

static const char *
cause_of(const struct xfed_zone_report *z)
{
	return z->detail + xfed_report_cause_at(z->detail);
}

static bool
not_asked_again(const char *cause)
{
	return strstr(cause, " did not answer earlier") != NULL;
}

/* A name whose discovery found its server silent or closed. */
static bool
unreachable_name(const struct xfed_zone_report *z)
{
	const char *cause = cause_of(z);

	return strncmp(z->zone, UNASSIGNED, strlen(UNASSIGNED)) == 0 &&
	    !not_asked_again(cause) && (strstr(cause, ": no answer within ") !=
	    NULL || strstr(cause, ": connection refused") != NULL ||
	    strstr(cause, ": network error") != NULL);
}

/*
 * A name not looked up because its server "did not answer earlier in this
 * sync" failed for the reason that server failed then: the cause of the
 * zone that met it.  The server is named ("ADDR#PORT did not answer"), or
 * it is "the resolvers", whose failure is the one name that met a silent
 * server during discovery, when there is exactly one such cause.
 */
static const char *
group_key(const struct xfed_sync_report *rep, size_t i)
{
	const char *cause = cause_of(&rep->zones[i]), *other, *found = NULL;
	size_t len = label_len(cause), k;

	if (!not_asked_again(cause))
		return cause;
	for (k = 0; k < rep->n; k++) {
		if (k == i || !grouped(&rep->zones[k]))
			continue;
		other = cause_of(&rep->zones[k]);
		if (len > 0 && strncmp(other, cause, len) == 0 &&
		    other[len] == ':')
			return other;
		if (len > 0 || !unreachable_name(&rep->zones[k]))
			continue;
		if (found != NULL && strcmp(found, other) != 0)
			return cause;	/* which one is not known */
		found = other;
	}
	return found != NULL ? found : cause;
}

static void
build_groups(const struct xfed_sync_report *rep, struct groups *gs)
{
	const char *key;
	struct group *g;
	size_t i, k;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; i < rep->n; i++) {
		if (!grouped(&rep->zones[i]))
			continue;
		key = group_key(rep, i);
		for (k = 0; k < gs->n && strcmp(gs->g[k].cause, key) != 0; k++)
			;
		if (k == gs->n) {
			gs->g = xreallocarray(gs->g, gs->n + 1, sizeof(*gs->g));
			g = &gs->g[gs->n++];
			memset(g, 0, sizeof(*g));
			g->cause = key;
			g->first = i;
		}
		g = &gs->g[k];
		g->members = xreallocarray(g->members, g->n + 1,
		    sizeof(*g->members));
		g->members[g->n++] = i;
	}
}

static void
free_groups(struct groups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		free(gs->g[i].members);
	free(gs->g);
}

static struct group *
group_of(struct groups *gs, size_t i)
{
	size_t k, m;

	for (k = 0; k < gs->n; k++)
		for (m = 0; m < gs->g[k].n; m++)
			if (gs->g[k].members[m] == i)
				return &gs->g[k];
	return NULL;
}

/* The line of one zone, as it always was. */
static void
zone_line(FILE *f, const struct xfed_zone_report *z)
{
	fprintf(f, "%s: %s", z->zone, xfed_zone_result_name(z->result));
	if (z->added + z->removed > 0)
		fprintf(f, ", %zu added, %zu removed", z->added, z->removed);
	if (z->messages > 0)
		fprintf(f, " in %zu message%s", z->messages,
		    z->messages == 1 ? "" : "s");
	if (z->conflicts > 0)
		fprintf(f, ", %zu conflict%s", z->conflicts,
		    z->conflicts == 1 ? "" : "s");
	if (z->detail != NULL)
		fprintf(f, ": %s", z->detail);
}

static bool
is_name(const struct xfed_zone_report *z)
{
	return strncmp(z->zone, UNASSIGNED, strlen(UNASSIGNED)) == 0;
}

/* "zones a., b." or "names x.a., y.b. (zone unknown)": one kind of member. */
static void
member_list(FILE *f, const struct xfed_sync_report *rep,
    const struct group *g, bool names)
{
	const struct xfed_zone_report *z;
	size_t m, count = 0, total = 0;

	for (m = 0; m < g->n; m++)
		total += is_name(&rep->zones[g->members[m]]) == names;
	for (m = 0; m < g->n; m++) {
		z = &rep->zones[g->members[m]];
		if (is_name(z) != names)
			continue;
		if (count++ == 0)
			fprintf(f, "%s%s ", names ? "name" : "zone",
			    total > 1 ? "s" : "");
		else
			fputs(", ", f);
		if (names)	/* "(zone of NAME)" */
			fprintf(f, "%.*s", (int)(strlen(z->zone) -
			    strlen(UNASSIGNED) - 1), z->zone +
			    strlen(UNASSIGNED));
		else
			fputs(z->zone, f);
	}
	if (names && count > 0)
		fputs(" (zone unknown)", f);
}

/*
 * The context before the cause ("zone transfer, message 1"), when every
 * member has the same one; else nothing (names give their own).
 */
static void
common_context(FILE *f, const struct xfed_sync_report *rep,
    const struct group *g)
{
	const char *d0 = rep->zones[g->members[0]].detail, *d;
	size_t len = xfed_report_cause_at(d0), m;

	if (len == 0)
		return;
	for (m = 1; m < g->n; m++) {
		d = rep->zones[g->members[m]].detail;
		if (xfed_report_cause_at(d) != len || strncmp(d, d0, len) != 0)
			return;
	}
	if (strncmp(d0, "cannot find the zone of ", 24) == 0)
		return;
	fprintf(f, "%.*s", (int)len, d0);
}

static void
group_line(FILE *f, const struct xfed_sync_report *rep, const struct group *g)
{
	size_t m, names = 0;

	for (m = 0; m < g->n; m++)
		names += is_name(&rep->zones[g->members[m]]);
	fputs("FAILED ", f);
	member_list(f, rep, g, false);
	if (names > 0 && names < g->n)
		fputs("; ", f);
	member_list(f, rep, g, true);
	fputs(": ", f);
	common_context(f, rep, g);
	fputs(g->cause, f);
}

/*
 * Every line of the report, in the order of the zones; a cause's line
 * where its first zone would be.  emit gets each line without newline.
 */
static void
report_lines(const struct xfed_sync_report *rep, bool failures_only,
    void (*emit)(void *, const char *), void *arg)
{
	struct groups gs;
	struct group *g;
	char *line = NULL;
	size_t len = 0, i;
	FILE *f;

	build_groups(rep, &gs);
	for (i = 0; i < rep->n; i++) {
		g = grouped(&rep->zones[i]) ? group_of(&gs, i) : NULL;
		/* The daemon logs failures and held-back zones only. */
		if ((failures_only && g == NULL &&
		    rep->zones[i].result != XFED_ZONE_HELD) ||
		    (g != NULL && g->first != i))
			continue;
		if ((f = open_memstream(&line, &len)) == NULL)
			fatal("open_memstream");
		if (g != NULL && g->n > 1)
			group_line(f, rep, g);
		else
			zone_line(f, &rep->zones[i]);
		fclose(f);
		emit(arg, line);
		free(line);
		line = NULL;
	}
	free_groups(&gs);
}

static void
emit_file(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

void
xfed_sync_report_print(FILE *f, const struct xfed_sync_report *rep)
{
	report_lines(rep, false, emit_file, f);
}

static void
emit_log(void *arg, const char *line)
{
	(void)arg;
	log_warnx("%s", line);
}

void
xfed_sync_report_log(const struct xfed_sync_report *rep)
{
	report_lines(rep, true, emit_log, NULL);
}
