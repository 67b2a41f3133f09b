/*
 * xfedctl: control and audit tool for xfedd.  The commands come from one
 * table, which also produces the help text, so usage and code cannot drift.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "control.h"
#include "ctlclient.h"
#include "ctlconfig.h"
#include "logcmd.h"
#include "secure.h"
#include "sync.h"

#ifndef XFED_VERSION
#define XFED_VERSION "unknown"
#endif

/* Syncs wait on servers; other commands answer at once. */
#define SYNC_TIMEOUT_MS		(15 * 60 * 1000)
#define QUICK_TIMEOUT_MS	(10 * 1000)
/* A reload parses the file (off the daemon's loop): a large one takes time. */
#define RELOAD_TIMEOUT_MS	(2 * 60 * 1000)

struct ctl {
	const char	*socket;
	const char	*config;
	bool		 config_given;
	bool		 json;
};

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*run)(struct ctl *, int, char **);
};

static int	cmd_sync(struct ctl *, int, char **);
static int	cmd_plan(struct ctl *, int, char **);
static int	cmd_simple(struct ctl *, int, char **);
static int	cmd_log(struct ctl *, int, char **);
static int	cmd_check_config(struct ctl *, int, char **);

static const struct command commands[] = {
	{ "sync", "[--force] [DOMAIN...]", "resync now (all domains or those "
	    "named), wait, print what changed", cmd_sync },
	{ "plan", "[--config FILE] [DOMAIN...]", "show what a sync would "
	    "change (of FILE: without loading it), send nothing", cmd_plan },
	{ "status", "", "per-zone result, last success, next retry; exit 0 "
	    "only if all in sync", cmd_simple },
	{ "reload", "", "reload the configuration (as SIGHUP); say whether "
	    "it was accepted and which domains changed", cmd_simple },
	{ "reopen", "", "reopen the audit log (as SIGUSR1)", cmd_simple },
	{ "log", "[--since T] [--until T] [--zone Z] [--domain D] [--event E] "
	    "[--follow] [--verify] [FILE...]", "read or verify the audit log "
	    "(no daemon needed)", cmd_log },
	{ "check-config", "[-c FILE | FILE]", "validate a configuration file "
	    "offline",
	    cmd_check_config },
	{ NULL, NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: xfedctl [-s SOCKET] [-c FILE] [--json] COMMAND "
	    "[ARGS]\n\n"
	    "  -s, --socket SOCKET  xfedd's control socket (default: the "
	    "configuration's, then %s)\n"
	    "  -c, --config FILE    configuration file (default %s)\n"
	    "      --json           machine-readable output\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        print the version\n\ncommands:\n",
	    XFED_DEFAULT_SOCKET, XFED_DEFAULT_CONFIG);
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-13s %-22s %s\n", c->name, c->args, c->help);
	fprintf(f, "\nexit status of sync: 0 in sync, 1 usage error or "
	    "xfedd unreachable, 2 a zone\ncould not be brought in sync, 3 "
	    "max-deletes refused a change.\n"
	    "status exits the same way for the zones' last results (2 also "
	    "for a conflict),\nand 4 when no sync has finished yet.\n");
}

/*
 * -s, else the configuration's socket, else (no configuration file at the
 * default place) the default, said so; NULL when the configuration is
 * broken, its problems reported.
 */
static char *
socket_path(struct ctl *ctl)
{
	if (ctl->socket != NULL)
		return strdup(ctl->socket);
	return xfed_ctl_config_path(ctl->config, ctl->config_given,
	    XFED_CTL_SOCKET);
}

/* Send one request and print the answer; returns the exit status. */
static int
call(struct ctl *ctl, const char *command, char **args, size_t n, bool force,
    const char *config, uint64_t timeout_ms)
{
	char *path = socket_path(ctl), *line, *raw = NULL, err[512];
	json_t *resp = NULL;
	const char *text, *error;
	int code;

	if (path == NULL)
		return XFED_EXIT_USAGE;
	line = xfed_ctl_format_request_config(command, args, n, force, config);
	if (xfed_ctl_call(path, line, timeout_ms, &resp, &raw, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "xfedctl: %s\n", err);
		free(line);
		free(path);
		return XFED_EXIT_USAGE;
	}
	code = (int)json_integer_value(json_object_get(resp, "exit"));
	text = json_string_value(json_object_get(resp, "text"));
	error = json_string_value(json_object_get(resp, "error"));
	if (ctl->json)
		printf("%s\n", raw);
	else if (text != NULL)
		fputs(text, stdout);
	/* A candidate's problems are "FILE:LINE: message" lines, as is. */
	if (!ctl->json && error != NULL && config != NULL &&
	    strncmp(error, config, strlen(config)) == 0)
		fputs(error, stderr);
	else if (!ctl->json && error != NULL)
		fprintf(stderr, "xfedctl: %s: %s", command, error);
	if (!ctl->json && error != NULL && error[strlen(error) - 1] != '\n')
		fputc('\n', stderr);
	json_decref(resp);
	free(raw);
	free(line);
	free(path);
	return code;
}

static int
cmd_sync(struct ctl *ctl, int argc, char **argv)
{
	bool force = false;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--force") == 0) {
		force = true;
		i++;
	}
	for (int k = i; k < argc; k++) {
		if (argv[k][0] == '-') {
			fprintf(stderr, "xfedctl: sync: unknown option %s\n",
			    argv[k]);
			return XFED_EXIT_USAGE;
		}
	}
	return call(ctl, "sync", argv + i, (size_t)(argc - i), force, NULL,
	    SYNC_TIMEOUT_MS);
}

/* The daemon has another working directory: send an absolute name. */
static char *
absolute(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/')
		return strdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL) {
		fprintf(stderr, "xfedctl: plan: %s: cannot tell the current "
		    "directory (%s); give an absolute file name\n", path,
		    strerror(errno));
		return NULL;
	}
	if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		abs = NULL;
	free(cwd);
	return abs;
}

/*
 * plan [--config FILE | -c FILE] [DOMAIN...]: with a file, the daemon
 * plans that candidate (with the secrets it holds) instead of the running
 * configuration, and does not load it.
 */
static int
cmd_plan(struct ctl *ctl, int argc, char **argv)
{
	char *config = NULL;
	int i = 1, rc;

	if (i < argc && (strcmp(argv[i], "--config") == 0 ||
	    strcmp(argv[i], "-c") == 0)) {
		if (i + 1 >= argc || argv[i + 1][0] == '\0') {
			fprintf(stderr, "xfedctl: plan: %s needs a file name\n",
			    argv[i]);
			return XFED_EXIT_USAGE;
		}
		if ((config = absolute(argv[i + 1])) == NULL)
			return XFED_EXIT_USAGE;
		i += 2;
	} else if (i < argc && strncmp(argv[i], "--config=", 9) == 0 &&
	    argv[i][9] != '\0') {
		if ((config = absolute(argv[i] + 9)) == NULL)
			return XFED_EXIT_USAGE;
		i++;
	}
	for (int k = i; k < argc; k++) {
		if (argv[k][0] == '-') {
			fprintf(stderr, "xfedctl: plan: unknown option %s "
			    "(usage: plan [--config FILE] [DOMAIN...])\n",
			    argv[k]);
			free(config);
			return XFED_EXIT_USAGE;
		}
	}
	rc = call(ctl, "plan", argv + i, (size_t)(argc - i), false, config,
	    SYNC_TIMEOUT_MS);
	free(config);
	return rc;
}

static int
cmd_simple(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "xfedctl: %s takes no argument\n", argv[0]);
		return XFED_EXIT_USAGE;
	}
	return call(ctl, argv[0], NULL, 0, false, NULL,
	    strcmp(argv[0], "reload") == 0 ? RELOAD_TIMEOUT_MS :
	    QUICK_TIMEOUT_MS);
}

/* {"file": ..., "valid": true|false, "errors": ["FILE:LINE: message", ...]} */
static int
check_config_json(const char *path)
{
	struct xfed_config *cfg = NULL;
	json_t *out = json_object(), *errs = json_array();
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	rc = xfed_config_load(path, f, &cfg);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		json_array_append_new(errs, json_string(line));
	json_object_set_new(out, "file", json_string(path));
	json_object_set_new(out, "valid", json_boolean(rc == 0));
	json_object_set_new(out, "errors", errs);
	json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
	free(text);
	xfed_config_free(cfg);
	return rc == 0 ? 0 : XFED_EXIT_USAGE;
}

/* check-config [-c FILE | FILE]: the file may also follow the command. */
static int
cmd_check_config(struct ctl *ctl, int argc, char **argv)
{
	struct xfed_config *cfg;
	const char *path = ctl->config;

	if (argc == 3 && (strcmp(argv[1], "-c") == 0 ||
	    strcmp(argv[1], "--config") == 0))
		path = argv[2];
	else if (argc == 2 && argv[1][0] != '-')
		path = argv[1];
	else if (argc != 1) {
		fprintf(stderr, "usage: xfedctl [-c FILE] check-config "
		    "[-c FILE | FILE]\n");
		return XFED_EXIT_USAGE;
	}
	if (ctl->json)
		return check_config_json(path);
	if (xfed_config_load(path, stderr, &cfg) != 0)
		return XFED_EXIT_USAGE;
	printf("%s: configuration is valid\n", path);
	xfed_config_free(cfg);
	return 0;
}

/* The configured audit log, asked for only when no file is named. */
static char *
audit_log_path(void *arg)
{
	struct ctl *ctl = arg;

	return xfed_ctl_config_path(ctl->config, ctl->config_given,
	    XFED_CTL_AUDIT_LOG);
}

static int
cmd_log(struct ctl *ctl, int argc, char **argv)
{
	return xfed_log_command_find(audit_log_path, ctl, ctl->json, argc,
	    argv);
}

/* "xfedctl COMMAND --help": the command's line of the table, at length. */
static bool
wants_help(const struct command *c, int argc, char **argv)
{
	int i;

	/* log has a help of its own, option by option. */
	if (strcmp(c->name, "log") == 0)
		return false;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

static void
command_usage(const struct command *c)
{
	printf("usage: xfedctl [-s SOCKET] [-c FILE] [--json] %s%s%s\n\n"
	    "%s.\n", c->name, *c->args != '\0' ? " " : "", c->args, c->help);
	if (strcmp(c->name, "check-config") == 0)
		printf("\nexit status: 0 valid, 1 not (each problem as "
		    "FILE:LINE: message).\n");
	else
		printf("\nThe socket is -s, else the configuration's socket, "
		    "else %s.\nexit status: 0 done, 1 usage error, broken "
		    "configuration or xfedd\nunreachable%s.\n",
		    XFED_DEFAULT_SOCKET, strcmp(c->name, "sync") == 0 ?
		    ", 2 a zone could not be brought in sync, 3 max-deletes\n"
		    "refused a change" : "; otherwise as xfedd answers");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl = { .config = XFED_DEFAULT_CONFIG };
	const struct command *c;
	int ch;

	xfed_no_core_dumps();
	/* "+": stop at the command; what follows is the command's. */
	while ((ch = getopt_long(argc, argv, "+s:c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':	ctl.socket = optarg; break;
		case 'c':	ctl.config = optarg; ctl.config_given = true; break;
		case 'j':	ctl.json = true; break;
		case 'h':	usage(stdout); return 0;
		case 'V':	printf("xfedctl %s\n", XFED_VERSION); return 0;
		default:	usage(stderr); return XFED_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return XFED_EXIT_USAGE;
	}
	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[optind]) != 0)
			continue;
		if (wants_help(c, argc - optind, argv + optind)) {
			command_usage(c);
			return 0;
		}
		return c->run(&ctl, argc - optind, argv + optind);
	}
	fprintf(stderr, "xfedctl: unknown command \"%s\" (see xfedctl "
	    "--help)\n", argv[optind]);
	return XFED_EXIT_USAGE;
}
