/*
 * xfedd: keeps the XMPP federation records of the configured domains in
 * sync, with TSIG-signed RFC 2136 updates.  One pass with --once, else a
 * long-running agent.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "daemon.h"
#include "config.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "net.h"
#include "secure.h"
#include "sockdir.h"
#include "sync.h"

#ifndef XFED_VERSION
#define XFED_VERSION "unknown"
#endif

struct options {
	const char	*config;
	bool		 foreground;
	bool		 once;
	bool		 dry_run;
	bool		 check;
	int		 verbose;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: xfedd [-c FILE] [-f] [--once] [--dry-run] [-n|--check] "
	    "[-v] [-h] [-V]\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -f, --foreground   stay in the foreground, log to stderr "
	    "(without -f:\n"
	    "                     detach and log to syslog)\n"
	    "      --once         one full sync of every declared domain, "
	    "then exit\n"
	    "      --dry-run      compute and show the plan, send nothing\n"
	    "  -n, --check        validate the configuration and exit\n"
	    "  -v                 more verbose logging (repeatable)\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      print the version\n"
	    "\n"
	    "Exit status with --once: 0 in sync, 1 usage or configuration "
	    "error,\n"
	    "2 a zone could not be brought in sync, 3 a safety limit "
	    "refused a change.\n", XFED_DEFAULT_CONFIG);
}

enum { OPT_ONCE = 256, OPT_DRY_RUN };

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "once",	no_argument,		NULL, OPT_ONCE },
		{ "dry-run",	no_argument,		NULL, OPT_DRY_RUN },
		{ "check",	no_argument,		NULL, 'n' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = XFED_DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "c:fnvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':	o->config = optarg; break;
		case 'f':	o->foreground = true; break;
		case OPT_ONCE:	o->once = true; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case 'n':	o->check = true; break;
		case 'v':	o->verbose++; break;
		case 'h':	usage(stdout); exit(0);
		case 'V':	printf("xfedd %s\n", XFED_VERSION); exit(0);
		default:	usage(stderr); exit(XFED_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xfedd: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		exit(XFED_EXIT_USAGE);
	}
}

static struct xfed_config *
load_config_or_exit(const char *path)
{
	struct xfed_config *cfg;

	if (xfed_config_load(path, stderr, &cfg) != 0)
		exit(XFED_EXIT_USAGE);
	return cfg;
}

/*
 * Not an error, but worth knowing before a stop: an UPDATE in flight
 * when xfedd is told to stop is given XFED_STOP_GRACE_MS, not the
 * server's whole timeout x (retries + 1).
 */
static void
warn_stop_grace(const char *path, const struct xfed_config *cfg)
{
	const struct xfed_server *s;
	unsigned long total;
	size_t i;

	for (i = 0; i < cfg->n_servers; i++) {
		s = &cfg->servers[i];
		total = (unsigned long)s->timeout * (s->retries + 1);
		if (total * 1000 <= XFED_STOP_GRACE_MS)
			continue;
		fprintf(stderr, "%s:%d: warning: server \"%s\": timeout x "
		    "(retries + 1) is %lu s, but at a stop an UPDATE in flight "
		    "gets %d s and no retry\n", path, s->line, s->name, total,
		    XFED_STOP_GRACE_MS / 1000);
	}
}

/*
 * What -n checks beyond the grammar: the files the agent will need at run
 * time (as the systemd unit's ExecStartPre, after StateDirectory= made
 * the state directory).  0, or 1 with each problem printed.
 */
static int
check_paths(const char *path, const struct xfed_config *cfg)
{
	char err[1024];
	uint8_t *key;
	size_t len;
	int rc = 0;

	if (xfed_dir_writable(cfg->state_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:0: state-dir: %s\n", path, err);
		rc = 1;
	}
	if (xfed_socket_dir_check(cfg->socket, (uid_t)-1, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s:%d: socket %s: %s\n", path,
		    cfg->socket_line, cfg->socket, err);
		rc = 1;
	}
	warn_stop_grace(path, cfg);
	if (cfg->audit_chain_key != NULL) {
		if (xfed_chain_key_load(cfg->audit_chain_key, &key, &len, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s:0: audit-chain-key: %s\n", path,
			    err);
			rc = 1;
		} else
			xfed_chain_key_free(key, len);
	}
	return rc;
}

static struct xfed_audit *
open_audit_or_exit(const struct xfed_config *cfg)
{
	struct xfed_audit *audit;

	/* No audit log, no updates: every change must leave a record. */
	if (xfed_audit_open_config(cfg, &audit) != 0) {
		log_warnx("cannot open the audit log %s; nothing was sent",
		    cfg->audit_log);
		exit(XFED_EXIT_USAGE);
	}
	return audit;
}

static int
run_once(const struct options *o)
{
	struct xfed_config *cfg = load_config_or_exit(o->config);
	struct xfed_audit *audit = NULL;
	struct xfed_sync_opts so = { .trigger = "once", .dry_run = o->dry_run,
	    .plan_out = o->dry_run ? stdout : NULL, .uid = -1 };
	struct xfed_sync_report rep;
	int code;

	if (!o->dry_run)
		audit = open_audit_or_exit(cfg);
	xfed_sync_run(cfg, audit, &so, &rep);
	xfed_sync_report_print(stderr, &rep);
	code = rep.exit_code;
	xfed_sync_report_clear(&rep);
	xfed_audit_close(audit);
	xfed_config_free(cfg);
	return code;
}

/*
 * Without -f xfedd detaches: stderr goes to /dev/null and the working
 * directory to "/".  So it logs to syslog, and refuses to start where
 * there is none rather than run unheard; and relative paths (the -c file,
 * and those in the configuration, now and at every reload) are resolved
 * against the directory it was started in, as they would be with -f.
 */
static int
run_detached(const char *config)
{
	char	*cwd, *abs;
	int	 rc;

	if (!log_syslog_available()) {
		fprintf(stderr, "xfedd: cannot detach: no syslog socket at "
		    "/dev/log to log to; run xfedd -f (under systemd or "
		    "another supervisor), or start a syslog daemon\n");
		return XFED_EXIT_USAGE;
	}
	if ((cwd = getcwd(NULL, 0)) == NULL)
		fatal("getcwd");
	xfed_config_set_base(cwd);
	/* A file that cannot be resolved is reported by the loader. */
	abs = realpath(config, NULL);
	rc = xfed_daemon_run(abs != NULL ? abs : config, false);
	free(abs);
	free(cwd);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct xfed_config *cfg;

	parse_options(argc, argv, &o);
	log_init(o.verbose);
	xfed_no_core_dumps();
	/* ldns and our own sockets must never die of a peer's hang-up. */
	signal(SIGPIPE, SIG_IGN);
	umask(027);
	if (o.check) {
		cfg = load_config_or_exit(o.config);
		if (check_paths(o.config, cfg) != 0) {
			xfed_config_free(cfg);
			return XFED_EXIT_USAGE;
		}
		if (o.verbose > 0)
			printf("%s: configuration is valid\n", o.config);
		xfed_config_free(cfg);
		return 0;
	}
	if (o.once) {
		/*
		 * A one-shot run has no audit log to reopen: a SIGUSR1 meant
		 * for the daemon (a rotation script's pkill) must not end it
		 * between an UPDATE and its audit record.
		 */
		signal(SIGUSR1, SIG_IGN);
		return run_once(&o);
	}
	if (o.dry_run) {
		fprintf(stderr, "xfedd: --dry-run needs --once\n");
		return XFED_EXIT_USAGE;
	}
	if (!o.foreground)
		return run_detached(o.config);
	return xfed_daemon_run(o.config, true);
}
