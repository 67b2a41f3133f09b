/*
 * fuzz_config: arbitrary text as xfed.conf, through xfed_config_parse_string
 * (the text scan, libconfuse, every check and conversion), then what the
 * agent does next with an accepted configuration: the look-ups, the
 * declared records (desired.c) and a plan of them against an empty zone
 * and against a zone holding them without markers (plan.c).
 *
 * Input: the configuration text, optionally followed by a NUL octet and
 * the text of a BIND key file.  No file is ever opened: run.sh links this
 * target with --wrap for the secret file readers, which hand back that key
 * file text (or a fixed valid one) whatever path the configuration names,
 * so `file = "..."` exercises the key file parser (keyfile.c) instead of
 * the file system.  $CREDENTIALS_DIRECTORY is unset.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "config.h"
#include "desired.h"
#include "error.h"
#include "keyfile.h"
#include "plan.h"

#define INPUT_MAX	(64 * 1024)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	__wrap_xfed_secret_file_read(const char *, char **, size_t *, char *,
	    size_t);
int	__wrap_xfed_credential_file_read(const char *, char **, size_t *,
	    char *, size_t);

static const char default_keyfile[] =
    "key \"xfed-key\" {\n"
    "\talgorithm hmac-sha256;\n"
    "\tsecret \"paKrsLmGj5SdmuPo8f7HzNXS2yApNj8EDQoTGGFud3w=\";\n"
    "};\n";

static FILE *devnull;
static const char *keyfile_text = default_keyfile;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	unsetenv("CREDENTIALS_DIRECTORY");
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	return 0;
}

/* Every secret file "read" during one input is the input's key file. */
int
__wrap_xfed_secret_file_read(const char *path, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	(void)path;
	*len = strlen(keyfile_text);
	if (*len > XFED_SECRET_FILE_MAX) {
		snprintf(errbuf, errlen, "too large");
		*buf = NULL;
		*len = 0;
		return XFED_EIO;
	}
	if ((*buf = strdup(keyfile_text)) == NULL)
		abort();
	return 0;
}

int
__wrap_xfed_credential_file_read(const char *path, char **buf, size_t *len,
    char *errbuf, size_t errlen)
{
	return __wrap_xfed_secret_file_read(path, buf, len, errbuf, errlen);
}

static void
plan_against(const struct xfed_desired *d, const ldns_rr_list *live)
{
	struct xfed_plan *p = NULL;
	ldns_rdf *root;

	if ((root = ldns_dname_new_frm_str(".")) == NULL)
		abort();
	if (xfed_plan_zone(root, d->names, d->n, live, "xfed", &p) == 0) {
		xfed_plan_print(devnull, p);
		xfed_plan_free(p);
	}
	ldns_rdf_deep_free(root);
}

static void
use_config(const struct xfed_config *cfg)
{
	struct xfed_desired *d = NULL;
	ldns_rr_list *live;
	size_t i, j;

	for (i = 0; i < cfg->n_keys; i++)
		if (xfed_config_key(cfg, cfg->keys[i].name) == NULL)
			abort();
	for (i = 0; i < cfg->n_servers; i++)
		if (xfed_config_server(cfg, cfg->servers[i].name) == NULL)
			abort();
	(void)xfed_config_domain(cfg, "contoso.com");
	if (xfed_desired_build(cfg, &d) != 0)
		return;
	if ((live = ldns_rr_list_new()) == NULL)
		abort();
	plan_against(d, live);
	for (i = 0; i < d->n; i++)
		for (j = 0; j < ldns_rr_list_rr_count(d->names[i].rrs); j++)
			ldns_rr_list_push_rr(live, ldns_rr_clone(
			    ldns_rr_list_rr(d->names[i].rrs, j)));
	plan_against(d, live);
	ldns_rr_list_deep_free(live);
	xfed_desired_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfed_config *cfg = NULL;
	const uint8_t *nul;
	char *text;
	int rc;

	if (size > INPUT_MAX)
		return -1;
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	nul = memchr(data, '\0', size);
	keyfile_text = nul != NULL ? text + (nul - data) + 1 : default_keyfile;

	rc = xfed_config_parse_string(text, "fuzz.conf", devnull, &cfg);
	if ((rc == 0) != (cfg != NULL))
		abort();	/* the interface's promise */
	if (rc != 0 && rc != XFED_ECONFIG && rc != XFED_ENOMEM)
		abort();
	if (cfg != NULL) {
		use_config(cfg);
		xfed_config_free(cfg);
	}
	keyfile_text = default_keyfile;
	free(text);
	return 0;
}
