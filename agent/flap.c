/*
 * Flap memory across syncs (sync.h): a zone whose same changes are applied
 * sync after sync, and undone each time, is not sent them again.  Kept
 * apart from the zone's transaction (zonesync.c), which only asks it and
 * tells it what was applied.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "plan.h"
#include "sync.h"
#include "syncrun.h"
#include "util.h"

void
xfed_flap_clear(struct xfed_flap *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->entries[i].zone);
	free(f->entries);
	f->entries = NULL;
	f->n = 0;
}

static struct xfed_flap_entry *
flap_entry(struct xfed_flap *f, const char *zone)
{
	struct xfed_flap_entry *e;
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->entries[i].zone, zone) == 0)
			return &f->entries[i];
	f->entries = xreallocarray(f->entries, f->n + 1, sizeof(*e));
	e = &f->entries[f->n++];
	memset(e, 0, sizeof(*e));
	e->zone = xstrdup(zone);
	return e;
}

/* The plan as its text, hashed: equal digests, same changes. */
static void
plan_digest(const struct xfed_plan *plan, unsigned char digest[32])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	unsigned int dlen = 32;

	xfed_plan_print(f, plan);
	fclose(f);
	EVP_Digest(text, len, digest, &dlen, EVP_sha256(), NULL);
	free(text);
}

/*
 * Before sending: true when this zone has had the very same changes
 * applied in the last XFED_FLAP_LIMIT syncs, so sending them again would
 * only feed a fight with whatever undoes them.
 */
bool
xfed_is_flapping(struct run *r, const struct job *j,
    const struct xfed_plan *plan, unsigned char digest[32])
{
	struct xfed_flap_entry *e;

	bool flapping;

	if (r->opts->flap == NULL)
		return false;
	plan_digest(plan, digest);
	pthread_mutex_lock(&r->lock);
	e = flap_entry(r->opts->flap, j->zone_str);
	if (r->opts->force)
		e->repeats = 0;
	flapping = e->repeats >= XFED_FLAP_LIMIT &&
	    memcmp(e->digest, digest, 32) == 0;
	pthread_mutex_unlock(&r->lock);
	return flapping;
}

void
xfed_flap_applied(struct run *r, const struct job *j, const unsigned char d[32])
{
	struct xfed_flap_entry *e;

	if (r->opts->flap == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	e = flap_entry(r->opts->flap, j->zone_str);
	if (e->repeats > 0 && memcmp(e->digest, d, 32) == 0) {
		e->repeats++;
	} else {
		memcpy(e->digest, d, 32);
		e->repeats = 1;
	}
	pthread_mutex_unlock(&r->lock);
}

void
xfed_flap_settled(struct run *r, const struct job *j)
{
	if (r->opts->flap == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	flap_entry(r->opts->flap, j->zone_str)->repeats = 0;
	pthread_mutex_unlock(&r->lock);
}

void
xfed_refuse_flapping(struct run *r, struct xfed_zone_report *z)
{
	char *msg = xasprintf("flapping: the same changes were applied in "
	    "%d syncs in a row and undone each time; not sent again until "
	    "they change (or xfedctl sync --force)", XFED_FLAP_LIMIT);

	xfed_fail_zone(r, z, msg);
	free(msg);
}
