/*
 * One sync: every declared name assigned to its zone and primary (from the
 * configuration, else discovered), each zone read (verified AXFR),
 * planned, checked against the safety limits and brought in sync.  Zones
 * are independent: one failing does not stop the others.
 */
#ifndef XFED_SYNC_H
#define XFED_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "audit.h"
#include "config.h"

/* Exit codes shared by xfedd --once and xfedctl sync (the contract). */
#define XFED_EXIT_OK		0
#define XFED_EXIT_USAGE		1
#define XFED_EXIT_FAILED	2
#define XFED_EXIT_LIMIT		3

/* A zone unchanged by its serial is still read in full this often. */
#define XFED_FULL_READ_SECONDS	3600

/* Re-read and re-plan at most this often when the zone moves under us. */
#define XFED_SYNC_MAX_ROUNDS	3

enum xfed_zone_result {
	XFED_ZONE_IN_SYNC,	/* nothing left to do */
	XFED_ZONE_CHANGED,	/* changes applied and verified */
	XFED_ZONE_PLANNED,	/* dry run: plan computed, nothing sent */
	XFED_ZONE_CONFLICT,	/* converged except for conflicting names */
	XFED_ZONE_HELD,		/* converged except SRV records held back */
	XFED_ZONE_LIMIT,	/* refused by max-deletes */
	XFED_ZONE_FAILED,	/* could not be read, planned or updated */
	XFED_ZONE_SKIPPED,	/* not reached: the agent is stopping */
};

struct xfed_zone_report {
	char			*zone;		/* "contoso.com." */
	char			*server;	/* "192.0.2.53#53" */
	enum xfed_zone_result	 result;
	size_t			 added;		/* RRs added (markers included) */
	size_t			 removed;	/* RRs removed */
	size_t			 messages;	/* UPDATE messages sent */
	size_t			 conflicts;
	size_t			 held;		/* SRV RRsets held back */
	size_t			 deletes;	/* what max-deletes counted */
	char			*detail;	/* why it failed, or NULL */
};

struct xfed_sync_report {
	struct xfed_zone_report	*zones;
	size_t			 n;
	int			 exit_code;	/* XFED_EXIT_* */
};

/*
 * Memory across syncs, kept by the daemon: a zone whose same changes are
 * applied sync after sync (something keeps undoing them) is flapping;
 * after XFED_FLAP_LIMIT such syncs xfed stops re-sending them until the
 * plan changes or a forced sync.
 */
#define XFED_FLAP_LIMIT	3

struct xfed_flap_entry {
	char		*zone;
	unsigned char	 digest[32];	/* SHA-256 of the applied plan */
	unsigned	 repeats;
};

struct xfed_flap {
	struct xfed_flap_entry	*entries;
	size_t			 n;
};

void	xfed_flap_clear(struct xfed_flap *f);

struct xfed_sync_opts {
	const char	*trigger;	/* startup, timer, ctl, signal, once */
	bool		 dry_run;	/* plan only, send nothing */
	FILE		*plan_out;	/* where a dry run prints its plan */
	/*
	 * Test hook: called once per zone after its first read, before any
	 * update is sent (so a test can change the zone in between).
	 */
	void		(*after_read)(const char *zone, void *arg);
	void		*hook_arg;

	/* Only zones holding names of these domains (none: every zone). */
	char * const	*domains;
	size_t		 n_domains;
	/* Only these zones, e.g. a retry of the ones that failed. */
	char * const	*zones;
	size_t		 n_zones;
	bool		 force;		/* ignore max-deletes, this once */
	long		 uid;		/* requester's uid for the audit, or -1 */
	/* Set by another thread to stop between zones (SIGTERM). */
	atomic_bool	*cancel;
	/* Flapping memory across syncs (daemon), or NULL. */
	struct xfed_flap *flap;
};

/*
 * The domains in names that the configuration does not declare: the first
 * one, or NULL when all are declared.
 */
const char *xfed_sync_unknown_domain(const struct xfed_config *cfg,
	    char * const *names, size_t n);

/* Run one sync.  audit may be NULL only for a dry run. */
void	xfed_sync_run(const struct xfed_config *cfg, struct xfed_audit *audit,
	    const struct xfed_sync_opts *opts, struct xfed_sync_report *rep);
void	xfed_sync_report_clear(struct xfed_sync_report *rep);

/* "in sync", "updated", "FAILED"... */
const char *xfed_zone_result_name(enum xfed_zone_result res);

/*
 * One line per zone ("contoso.com.: in sync" ...), zones that failed for
 * the same cause sharing one line: see report.c / report.h.
 */
void	xfed_sync_report_print(FILE *f, const struct xfed_sync_report *rep);

#endif
