/*
 * xfedctl: control and audit tool for xfedd.  Commands come from one
 * table that also produces the help text.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "sync.h"

#ifndef XFED_VERSION
#define XFED_VERSION "unknown"
#endif

struct ctl {
	const char	*socket;
	const char	*config;
	bool		 json;
};

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*run)(struct ctl *, int, char **);
};

static int	cmd_check_config(struct ctl *, int, char **);
static int	cmd_log(struct ctl *, int, char **);

static const struct command commands[] = {
	{ "check-config", "", "validate a configuration file offline",
	    cmd_check_config },
	{ "log", "[--zone Z] [--event E]",
	    "read the audit log (no daemon needed)", cmd_log },
	{ NULL, NULL, NULL, NULL },
};

static void
usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: xfedctl [-s SOCKET] [-c FILE] [--json] COMMAND "
	    "[ARGS]\n\ncommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-13s %-26s %s\n", c->name, c->args, c->help);
}

static int
cmd_check_config(struct ctl *ctl, int argc, char **argv)
{
	struct xfed_config *cfg;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "xfedctl: check-config takes no argument; "
		    "use -c FILE\n");
		return XFED_EXIT_USAGE;
	}
	if (xfed_config_load(ctl->config, stderr, &cfg) != 0)
		return XFED_EXIT_USAGE;
	printf("%s: configuration is valid\n", ctl->config);
	xfed_config_free(cfg);
	return 0;
}

static bool
matches(json_t *rec, const char *key, const char *want)
{
	const char *v;

	if (want == NULL)
		return true;
	v = json_string_value(json_object_get(rec, key));
	return v != NULL && strcmp(v, want) == 0;
}

static const char *
field(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s != NULL ? s : "";
}

static void
print_row(json_t *rec)
{
	const char *s;

	printf("%-24s %-12s %-24s", field(rec, "ts"), field(rec, "event"),
	    field(rec, "zone"));
	if (json_object_get(rec, "add") != NULL)
		printf(" +%zu/-%zu",
		    json_array_size(json_object_get(rec, "add")),
		    json_array_size(json_object_get(rec, "delete")));
	if ((s = json_string_value(json_object_get(rec, "rcode"))) != NULL)
		printf(" %s", s);
	if ((s = json_string_value(json_object_get(rec, "trigger"))) != NULL)
		printf(" (%s)", s);
	putchar('\n');
}

static int
cmd_log(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "zone", required_argument, NULL, 'z' },
		{ "event", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *zone = NULL, *event = NULL;
	struct xfed_config *cfg;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	FILE *f;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'z')
			zone = optarg;
		else if (ch == 'e')
			event = optarg;
		else
			return XFED_EXIT_USAGE;
	}
	if (xfed_config_load(ctl->config, stderr, &cfg) != 0)
		return XFED_EXIT_USAGE;
	if ((f = fopen(cfg->audit_log, "re")) == NULL) {
		perror(cfg->audit_log);
		xfed_config_free(cfg);
		return XFED_EXIT_USAGE;
	}
	while (getline(&line, &cap, f) != -1) {
		json_t *rec = json_loads(line, 0, NULL);

		lineno++;
		if (rec == NULL) {
			fprintf(stderr, "%s:%lu: not a JSON record\n",
			    cfg->audit_log, lineno);
			continue;
		}
		if (matches(rec, "zone", zone) && matches(rec, "event", event)) {
			if (ctl->json)
				fputs(line, stdout);
			else
				print_row(rec);
		}
		json_decref(rec);
	}
	free(line);
	fclose(f);
	xfed_config_free(cfg);
	return 0;
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

	/* "+": stop at the command, its options are its own. */
	while ((ch = getopt_long(argc, argv, "+s:c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':	ctl.socket = optarg; break;
		case 'c':	ctl.config = optarg; break;
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
	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, argv[optind]) == 0)
			return c->run(&ctl, argc - optind, argv + optind);
	fprintf(stderr, "xfedctl: unknown command \"%s\"\n", argv[optind]);
	usage(stderr);
	return XFED_EXIT_USAGE;
}
