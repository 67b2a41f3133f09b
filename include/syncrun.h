/*
 * Inside one sync (sync.c, targets.c): the zones to visit ("jobs"), and
 * what the sync has learnt so far.  Not for use outside the sync engine.
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

/* An SRV target somewhere, by the job whose zone holds the SRV record. */
struct usage_entry {
	const ldns_rdf		*target;	/* borrowed from a job's uses */
	const ldns_rdf		*owner;
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
