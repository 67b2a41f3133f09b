/* The zones the agent has published into: see state.h. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define STATE_FILE	"zones"

static void
zone_clear(struct xfed_state_zone *z)
{
	free(z->zone);
	free(z->server);
	free(z->key);
}

void
xfed_state_clear(struct xfed_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		zone_clear(&st->zones[i]);
	free(st->zones);
	st->zones = NULL;
	st->n = 0;
}

const struct xfed_state_zone *
xfed_state_find(const struct xfed_state *st, const char *zone)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcasecmp(st->zones[i].zone, zone) == 0)
			return &st->zones[i];
	return NULL;
}

void
xfed_state_set(struct xfed_state *st, const char *zone, const char *server,
    const char *key)
{
	struct xfed_state_zone *z = (struct xfed_state_zone *)
	    xfed_state_find(st, zone);

	if (z == NULL) {
		st->zones = xreallocarray(st->zones, st->n + 1,
		    sizeof(*st->zones));
		z = &st->zones[st->n++];
		z->zone = xstrdup(zone);
	} else {
		free(z->server);
		free(z->key);
	}
	z->server = xstrdup(server);
	z->key = xstrdup(key != NULL ? key : "");
	z->checked = 0;
	z->serial = 0;
	z->digest[0] = '\0';
}

void
xfed_state_mark_in_sync(struct xfed_state *st, const char *zone,
    uint32_t serial, const char *digest, uint64_t when)
{
	struct xfed_state_zone *z = (struct xfed_state_zone *)
	    xfed_state_find(st, zone);

	if (z == NULL)
		return;
	z->serial = serial;
	snprintf(z->digest, sizeof(z->digest), "%s", digest);
	z->checked = when;
}

void
xfed_state_remove(struct xfed_state *st, const char *zone)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (strcasecmp(st->zones[i].zone, zone) != 0)
			continue;
		zone_clear(&st->zones[i]);
		st->zones[i] = st->zones[--st->n];
		return;
	}
}

/*
 * One line per zone: "zone server key [serial digest checked]", fields
 * without white space; "-" for no key.  Older files have three fields.
 */
static void
load_line(struct xfed_state *st, const char *line)
{
	char zone[256], server[80], key[256], digest[65];
	unsigned long long checked;
	unsigned long serial;
	int n;

	n = sscanf(line, "%255s %79s %255s %lu %64s %llu", zone, server, key,
	    &serial, digest, &checked);
	if (n < 2)
		return;
	xfed_state_set(st, zone, server, n >= 3 && strcmp(key, "-") ? key :
	    "");
	if (n == 6 && strlen(digest) == 64)
		xfed_state_mark_in_sync(st, zone, (uint32_t)serial, digest,
		    checked);
}

int
xfed_state_load(const char *dir, struct xfed_state *st)
{
	char *path = xasprintf("%s/%s", dir, STATE_FILE);
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = fopen(path, "re");
	if (f == NULL) {
		free(path);
		return errno == ENOENT ? 0 : XFED_EIO;
	}
	while (getline(&line, &cap, f) != -1)
		load_line(st, line);
	free(line);
	fclose(f);
	free(path);
	return 0;
}

int
xfed_state_save(const char *dir, const struct xfed_state *st)
{
	char *path = xasprintf("%s/%s", dir, STATE_FILE);
	char *tmp = xasprintf("%s/.%s.tmp", dir, STATE_FILE);
	FILE *f;
	size_t i;
	int rc = XFED_EIO;

	(void)mkdir(dir, 0750);
	if ((f = fopen(tmp, "we")) == NULL)
		goto out;
	for (i = 0; i < st->n; i++) {
		const struct xfed_state_zone *z = &st->zones[i];

		fprintf(f, "%s %s %s", z->zone, z->server,
		    z->key[0] != '\0' ? z->key : "-");
		if (z->checked != 0)
			fprintf(f, " %lu %s %llu", (unsigned long)z->serial,
			    z->digest, (unsigned long long)z->checked);
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		log_warn("cannot save state in %s", dir);
		unlink(tmp);
	}
	free(path);
	free(tmp);
	return rc;
}
