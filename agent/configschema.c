/*
 * The grammar of xfed.conf as libconfuse option tables: every section and
 * option, its type and its default.  Separate so that a new option is
 * added in one place; what its value may be is checked in the file of its
 * section (configkeys.c, configservers.c, configfed.c, configglobals.c).
 */
#include <stddef.h>

#include "config.h"
#include "config_impl.h"

/* An empty libconfuse tree for xfed.conf, or NULL. */
cfg_t *
xfed_new_root(void)
{
	cfg_opt_t key_opts[] = {
		CFG_STR("algorithm", NULL, CFGF_NODEFAULT),
		CFG_STR("secret", NULL, CFGF_NODEFAULT),
		CFG_STR("file", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t server_opts[] = {
		CFG_STR("address", NULL, CFGF_NODEFAULT),
		CFG_INT("port", 53, CFGF_NONE),
		CFG_STR("tsig-key", NULL, CFGF_NODEFAULT),
		CFG_STR("transport", "auto", CFGF_NONE),
		CFG_INT("timeout", 3, CFGF_NONE),
		CFG_INT("retries", 2, CFGF_NONE),
		CFG_INT("max-transfer-records", XFED_XFR_RECORDS_DEFAULT,
		    CFGF_NONE),
		CFG_INT("max-transfer-size", XFED_XFR_SIZE_DEFAULT, CFGF_NONE),
		CFG_INT("transfer-timeout", XFED_XFR_TIMEOUT_DEFAULT,
		    CFGF_NONE),
		CFG_END()
	};
	cfg_opt_t proxy_opts[] = {
		CFG_STR("host", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("ipv4", NULL, CFGF_NONE),
		CFG_STR_LIST("ipv6", NULL, CFGF_NONE),
		CFG_INT("ttl", 3600, CFGF_NONE),
		CFG_STR("zone", NULL, CFGF_NODEFAULT),
		CFG_STR("server", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t domain_opts[] = {
		CFG_STR_LIST("proxy", NULL, CFGF_NONE),
		CFG_INT("port", 5269, CFGF_NONE),
		CFG_INT("tls-port", 5270, CFGF_NONE),
		CFG_INT("priority", 0, CFGF_NONE),
		CFG_INT("weight", 0, CFGF_NONE),
		CFG_INT("ttl", 3600, CFGF_NONE),
		CFG_BOOL("direct-tls", cfg_false, CFGF_NONE),
		CFG_STR("zone", NULL, CFGF_NODEFAULT),
		CFG_STR("server", NULL, CFGF_NODEFAULT),
		CFG_END()
	};
	cfg_opt_t opts[] = {
		CFG_INT("interval", 300, CFGF_NONE),
		CFG_STR("owner", "xfed", CFGF_NONE),
		CFG_STR("socket", XFED_DEFAULT_SOCKET, CFGF_NONE),
		CFG_STR("audit-log", XFED_DEFAULT_AUDIT_LOG, CFGF_NONE),
		CFG_STR("state-dir", XFED_DEFAULT_STATE_DIR, CFGF_NONE),
		CFG_STR("metrics-file", NULL, CFGF_NONE),
		CFG_STR("audit-chain-key", NULL, CFGF_NONE),
		CFG_INT("concurrency", 8, CFGF_NONE),
		CFG_INT("max-deletes", 10, CFGF_NONE),
		CFG_STR_LIST("resolver", NULL, CFGF_NONE),
		CFG_INT("primary-port", 53, CFGF_NONE),
		CFG_STR(TOP_KEY_OPT, NULL, CFGF_NODEFAULT),
		CFG_SEC("tsig-key", key_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("server", server_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("proxy", proxy_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_SEC("domain", domain_opts,
		    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
		CFG_END()
	};
	cfg_t *root;

	/* cfg_init() copies the options. */
	if ((root = cfg_init(opts, CFGF_NONE)) != NULL)
		cfg_set_error_function(root, xfed_confuse_error);
	return root;
}
