/*
 * Inside one sync (sync.c, assign.c, syncjobs.c, syncfilter.c, aliases.c,
 * zonesync.c, flap.c, serialskip.c, targets.c, zonereport.c): the zones to
 * visit ("jobs"), and what the sync has learnt so far.  Not for use
 * outside the sync engine.
 *
 * A sync runs its zones in up to three waves, so that no SRV record ever
 * names a host whose addresses are not in place (make before break):
 *   1. the zones that hold declared proxy hosts: their addresses first;
 *   2. every other zone, and the zones of wave 1 that had to wait for a
 *      target in another zone of wave 1;
 *   3. the zones where an owned host is no longer declared, once every
 *      SRV record that could still name it is known.
 */
#ifndef XFED_SYNCRUN_H
#define XFED_SYNCRUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <ldns/ldns.h>

#include "audit.h"
#include "config.h"
#include "desired.h"
#include "dns.h"
#include "plan.h"
#include "state.h"
#include "sync.h"

/* A primary's addresses: a host name or an MNAME may have several. */
#define MAX_ADDRS	4

struct primary {
	struct xfed_peer	 addr[MAX_ADDRS];
	size_t			 n;
};

/* One zone at one primary, and the declared names that live in it. */
struct job {
	ldns_rdf		*zone;
	char			*zone_str;
	struct xfed_peer	 peer;		/* the address in use */
	struct xfed_peer	 alt[MAX_ADDRS - 1];	/* the others */
	size_t			 nalt;
	const struct xfed_owned	**names;
	size_t			 n;
	size_t			 cap;
	size_t			 report;	/* index in the sync report */
	char			*text;		/* plan/changes, for plan_out */
	size_t			 textlen;
	FILE			*out;		/* writes to text */
	/* Across the waves of one sync. */
	bool			 go;		/* runs in the current wave */
	unsigned		 runs;		/* times it has run */
	bool			 want_targets;	/* waited for a target: rerun */
	bool			 want_usage;	/* waited for SRV usage: rerun */
	bool			 settled;	/* converged: its uses are true */
	bool			 skipped;	/* not read: serial unchanged */
	size_t			 deleted;	/* records deleted in this sync */
	char			**host_why;	/* per name: NULL ready, or why not */
	struct xfed_srv_use	*uses;		/* SRV targets once applied */
	size_t			 nuses;
};

/* A host an SRV record may name, and whether its addresses are in place. */
struct target_entry {
	ldns_rdf		*host;		/* canonical */
	enum xfed_target_state	 state;
	char			*why;
};

/*
 * An SRV target somewhere, by the job whose zone holds the SRV record.
 * Copies: a zone that runs again in wave 3 replaces its own uses while
 * the other zones of the wave still read the table.
 */
struct usage_entry {
	ldns_rdf		*target;
	ldns_rdf		*owner;
	size_t			 job;
};

/* Everything one sync works with. */
struct run {
	const struct xfed_config	*cfg;
	struct xfed_audit		*audit;
	const struct xfed_sync_opts	*opts;
	struct xfed_sync_report		*rep;
	struct xfed_desired		*desired;
	struct xfed_peer		*resolvers;
	size_t				 nresolvers;
	bool				 resolvers_loaded;
	/*
	 * Servers that did not answer discovery in this sync ("" for the
	 * resolvers), with why: the other names that need them fail at once
	 * instead of each waiting out the same timeouts.
	 */
	char				**down;
	char				**down_why;
	size_t				 ndown;
	struct job			*jobs;
	size_t				 njobs;
	/* Declared names whose zone could not be found: never removed. */
	const struct xfed_owned		**unassigned;
	size_t				 nunassigned;
	size_t				*slots;		/* zone hash: job index + 1 */
	size_t				 nslots;	/* a power of two */
	struct xfed_state		 state;
	bool				 state_ok;	/* read: may be saved */
	bool				 state_failed;	/* read or save failed */
	/* Proxy hosts found to be aliases (CNAME): no SRV may name them. */
	const ldns_rdf			**aliases;
	size_t				 naliases;
	/* While zones run in parallel: state, flap memory, the hook. */
	pthread_mutex_t			 lock;
	atomic_size_t			 next_job;
	int				 cancel_fd;
	/* Make before break (targets.c); read-only while a wave runs. */
	unsigned			 wave;		/* 1..3 */
	struct target_entry		*targets;	/* sorted by host */
	size_t				 ntargets;
	struct usage_entry		*usage;		/* sorted by target */
	size_t				 nusage;
	char				*usage_unknown;	/* why usage is not known */
};

/* The context a job's plan gets: the run and the job. */
struct job_ctx {
	struct run	*r;
	struct job	*j;
};

/*
 * The filters of `sync DOMAIN...` as sorted sets of normalised names (lower
 * case, no trailing dot): thousands of requested names against a hundred
 * thousand domains cost a sort and binary searches, not their product.
 */
struct nameset {
	char	**v;
	size_t	  n, cap;
};

/* What a filtered sync visits: zones named, or the requested domains' names. */
struct selection {
	bool		 all;
	struct nameset	 zones;
	struct nameset	 domains;	/* requested and configured */
	struct nameset	 hosts;		/* their proxies' host names */
};

/* zonereport.c */
/* A new report for a zone, appended to the sync's report. */
struct xfed_zone_report *xfed_new_report(struct run *r, const char *zone,
	    const char *server);
/* Write rec to the audit (not in a dry run); takes rec. */
void	xfed_audit_event(struct run *r, const char *event, json_t *rec);
/* Mark the zone failed, with why, in the report, the log and the audit. */
void	xfed_fail_zone(struct run *r, struct xfed_zone_report *z,
	    const char *detail);

/* assign.c */
/* The zone and primary of a declared name; the reason in why on failure. */
int	xfed_assign(struct run *r, const struct xfed_owned *o,
	    ldns_rdf **zone, struct primary *pr, char *why, size_t wlen);

/* syncjobs.c */
/* Sort every declared name into its job; failures become zone reports. */
void	xfed_build_jobs(struct run *r);
/* Jobs for the zones in the state that no declared name holds now. */
void	xfed_add_state_jobs(struct run *r);

/* syncfilter.c */
/* The selection of the sync's filters (r->opts); free with the next. */
void	xfed_selection_build(const struct run *r, struct selection *sel);
void	xfed_selection_free(struct selection *sel);
/* Is this job within the sync's filters? */
bool	xfed_job_selected(const struct job *j, const struct selection *sel);

/* aliases.c */
/* Why a declared SRV name may not be published (malloc'd), or NULL. */
char	*xfed_alias_block(struct run *r, const struct xfed_owned *o);
/* Find the proxy hosts that are aliases, into r->aliases. */
void	xfed_find_aliases(struct run *r);

/* flap.c */
/* Are the plan's changes the ones applied and undone lately?  digest out. */
bool	xfed_is_flapping(struct run *r, const struct job *j,
	    const struct xfed_plan *plan, unsigned char digest[32]);
/* The changes of digest d were applied to the job's zone. */
void	xfed_flap_applied(struct run *r, const struct job *j,
	    const unsigned char d[32]);
/* The job's zone needed no change: it no longer flaps. */
void	xfed_flap_settled(struct run *r, const struct job *j);
/* Fail the zone as flapping. */
void	xfed_refuse_flapping(struct run *r, struct xfed_zone_report *z);

/* serialskip.c */
/* A digest of everything declared for the job's zone, in hex. */
void	xfed_declared_digest(struct run *r, const struct job *j,
	    char hex[65]);
/* Is the zone still as the last full read found it in sync? */
bool	xfed_unchanged_since_last_read(struct run *r, const struct job *j,
	    const char *declared);
/* Record in the state that the zone is in sync at serial. */
void	xfed_mark_in_sync(struct run *r, const struct job *j,
	    uint32_t serial, const char *declared);

/* zonesync.c */
/* Bring one zone in sync; its last plan, or NULL when none was made. */
struct xfed_plan *xfed_sync_job(struct run *r, struct job *j);

/* targets.c */
void	xfed_targets_ctx(struct job_ctx *jc, struct xfed_plan_ctx *ctx);
void	xfed_targets_learn(struct run *r, struct job *j,
	    struct xfed_plan *plan, const struct xfed_zone_report *z);
void	xfed_targets_build(struct run *r);
void	xfed_usage_build(struct run *r);
void	xfed_targets_clear(struct run *r);
void	xfed_job_learnt_clear(struct job *j);
bool	xfed_job_has_hosts(const struct job *j);

#endif
