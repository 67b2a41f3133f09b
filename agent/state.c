/* The zones the agent has published into: see state.h. */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "state.h"
#include "util.h"

#define STATE_FILE	"zones"
#define PENDING_FILE	"zones.pending"	/* see xfed_state_note */

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

/* Add every line of one file to st; a missing file adds nothing. */
static int
load_file(const char *path, const char *dir, struct xfed_state *st,
    char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int fd;

	fd = xfed_open_regular(path, O_RDONLY, 0, err, errlen);
	if (fd == -1) {
		if (errno == ENOTDIR)
			snprintf(err, errlen, "%s is not a directory", dir);
		return errno == ENOENT ? 0 : XFED_EIO;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return XFED_EIO;
	}
	/*
	 * A line without its newline is what a crash or a full disk left of
	 * an append: it may hold half a server label, so it is not taken.
	 */
	while ((len = getline(&line, &cap, f)) != -1)
		if (len > 0 && line[len - 1] == '\n')
			load_line(st, line);
	free(line);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path,
		    strerror(errno));
		fclose(f);
		return XFED_EIO;
	}
	fclose(f);
	return 0;
}

int
xfed_state_load(const char *dir, struct xfed_state *st, char *err,
    size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, STATE_FILE);
	char *pending = xasprintf("%s/%s", dir, PENDING_FILE);
	int rc;

	memset(st, 0, sizeof(*st));
	/* The journal is newer than the file it will be folded into. */
	if ((rc = load_file(path, dir, st, err, errlen)) == 0)
		rc = load_file(pending, dir, st, err, errlen);
	if (rc != 0)
		xfed_state_clear(st);
	free(path);
	free(pending);
	return rc;
}

/*
 * One line appended and fdatasync'ed: cheap enough to do before the
 * first UPDATE into each of a thousand zones, where rewriting the whole
 * file each time was not.  Zones run side by side: O_APPEND keeps their
 * lines whole, and no lock is held while the disk works.
 */
int
xfed_state_note(const char *dir, const char *zone, const char *server,
    const char *key, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, PENDING_FILE);
	char *line = xasprintf("%s %s %s\n", zone, server,
	    key[0] != '\0' ? key : "-");
	size_t len = strlen(line);
	bool created = false;
	int fd, rc = XFED_EIO;

	fd = xfed_open_regular(path, O_RDWR | O_APPEND, 0, err, errlen);
	if (fd == -1 && errno == ENOENT) {
		fd = xfed_open_regular(path, O_RDWR | O_APPEND | O_CREAT,
		    0640, err, errlen);
		created = fd != -1;
	}
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(err, errlen, "state-dir %s is missing or not "
			    "a directory: create it (mkdir -m 0750 %s)", dir,
			    dir);
		goto out;
	}
	if (write(fd, line, len) != (ssize_t)len || fdatasync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno :
		    ENOSPC));
		close(fd);
		goto out;
	}
	close(fd);
	/* A new journal must survive a crash as a name, not only as data. */
	if (created && xfed_fsync_parent(path) != 0) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	free(path);
	return rc;
}

static void
save_zone(struct xfed_newfile *nf, const struct xfed_state_zone *z)
{
	char *line;

	if (z->checked != 0)
		line = xasprintf("%s %s %s %lu %s %llu\n", z->zone, z->server,
		    z->key[0] != '\0' ? z->key : "-",
		    (unsigned long)z->serial, z->digest,
		    (unsigned long long)z->checked);
	else
		line = xasprintf("%s %s %s\n", z->zone, z->server,
		    z->key[0] != '\0' ? z->key : "-");
	xfed_newfile_write(nf, line, strlen(line));
	free(line);
}

/*
 * A fresh file under an unpredictable name, fsync'ed, renamed over the
 * old one, and the directory fsync'ed: once this returns 0 the state
 * survives a crash.  The directory is not created: systemd's
 * StateDirectory= (or the operator) does that.
 */
int
xfed_state_save(const char *dir, const struct xfed_state *st, char *err,
    size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, STATE_FILE);
	struct xfed_newfile nf;
	size_t i;
	int rc = 0;

	if (xfed_newfile_open(&nf, path, 0640, err, errlen) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(err, errlen, "state-dir %s is missing or not "
			    "a directory: create it (mkdir -m 0750 %s)", dir,
			    dir);
		rc = XFED_EIO;
		goto out;
	}
	for (i = 0; i < st->n; i++)
		save_zone(&nf, &st->zones[i]);
	if (xfed_newfile_commit(&nf, true, err, errlen) == -1) {
		rc = XFED_EIO;
		goto out;
	}
	/* Folded in: the journal can go (if it comes back, it repeats). */
	free(path);
	path = xasprintf("%s/%s", dir, PENDING_FILE);
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
out:
	free(path);
	return rc;
}
