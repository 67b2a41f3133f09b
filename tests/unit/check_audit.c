/*
 * Unit tests for audit.c, auditlog.c and logcmd.c: the writer (one line
 * per record, ts format, the chain, torn lines, reopen, keyed chain,
 * secrets), the verifier (intact, edited, deleted, inserted, reordered,
 * rotated sets) and the filters of `xfedctl log`.  Files live in a fresh
 * temporary directory per test.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "audit.h"
#include "config.h"
#include "auditlog.h"
#include "error.h"
#include "log.h"
#include "logcmd.h"
#include "util.h"

#include "tmpdir.h"

#define ZEROS	"0000000000000000000000000000000000000000000000000000000000000000"
#define SECRET	"c2VjcmV0LXRzaWcta2V5LWJ5dGVzLTEyMzQ1Njc4"
#define KEY	"chain-key-0123456789abcdef"

static void
setup(void)
{
	tmpdir_make("check_audit");
}

static void
teardown(void)
{
	tmpdir_remove();
}

/* The file's lines, without newlines; *n of them. */
static char **
read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char **v = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;

	ck_assert_ptr_nonnull(f);
	*n = 0;
	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(line);
	}
	free(line);
	fclose(f);
	return v;
}

static void
free_lines(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
write_lines(const char *path, char **v, size_t n)
{
	FILE *f = fopen(path, "w");
	size_t i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", v[i]);
	fclose(f);
}

static void
append_raw(const char *path, const char *s)
{
	FILE *f = fopen(path, "a");

	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)len + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)len, f), len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Independent of audit.c: OpenSSL's one-shot digest and MAC. */
static void
sha256_hex(const char *s, char *hex)
{
	unsigned char md[32];
	unsigned int len = 0;
	int i;

	ck_assert(EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL));
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

static void
hmac_hex(const char *key, const char *s, char *hex)
{
	unsigned char md[32];
	size_t len = 0;
	int i;

	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    key, strlen(key), (const unsigned char *)s, strlen(s), md,
	    sizeof(md), &len));
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

static const char *
field(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s != NULL ? s : "";
}

static json_t *
parse(const char *line)
{
	json_t *j = json_loads(line, 0, NULL);

	ck_assert_msg(json_is_object(j), "not a JSON object: %s", line);
	return j;
}

static void
assert_prev(const char *line, const char *want)
{
	json_t *j = parse(line);

	ck_assert_str_eq(field(j, "prev"), want);
	json_decref(j);
}

/* n records to path through the writer, numbered from first. */
static void
write_records(const char *path, int first, int n)
{
	struct xfed_audit *a;
	int i;

	ck_assert_int_eq(xfed_audit_open(path, &a), 0);
	xfed_audit_set_fsync(a, false);
	for (i = first; i < first + n; i++)
		ck_assert_int_eq(xfed_audit_write(a, "update", json_pack(
		    "{s:s, s:i, s:[s], s:[]}", "zone", "example.test.", "n", i,
		    "add", "x.example.test. 60 IN A 192.0.2.1", "delete")), 0);
	xfed_audit_close(a);
}

static struct xfed_verify_result
verify_paths(const char **paths, size_t n, const char *key)
{
	struct xfed_verify_result res;
	FILE *out = fopen("/dev/null", "w");

	ck_assert_int_eq(xfed_log_verify(paths, n, (const uint8_t *)key,
	    key != NULL ? strlen(key) : 0, out, &res), 0);
	fclose(out);
	return res;
}

static struct xfed_verify_result
verify_one(const char *path)
{
	return verify_paths(&path, 1, NULL);
}

/* The writer. */

START_TEST(test_one_line_per_record)
{
	char *p = path_of("a.jsonl"), **v;
	size_t n, i;
	json_t *j;
	const char *ts, *k;
	void *it;

	write_records(p, 0, 3);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		j = parse(v[i]);
		ts = field(j, "ts");
		/* 2026-11-24T05:10:00.123Z */
		ck_assert_uint_eq(strlen(ts), 24);
		ck_assert(ts[4] == '-' && ts[7] == '-' && ts[10] == 'T' &&
		    ts[13] == ':' && ts[16] == ':' && ts[19] == '.' &&
		    ts[23] == 'Z');
		ck_assert_str_eq(field(j, "event"), "update");
		ck_assert_str_eq(field(j, "chain"), "sha256");
		/* ts and event first, chain and prev last. */
		it = json_object_iter(j);
		ck_assert_str_eq(json_object_iter_key(it), "ts");
		it = json_object_iter_next(j, it);
		ck_assert_str_eq(json_object_iter_key(it), "event");
		for (k = NULL; it != NULL; it = json_object_iter_next(j, it))
			k = json_object_iter_key(it);
		ck_assert_str_eq(k, "prev");
		ck_assert_int_eq(json_integer_value(json_object_get(j, "n")),
		    (json_int_t)i);
		json_decref(j);
	}
	free_lines(v, n);
	free(p);
}
END_TEST

START_TEST(test_caller_cannot_forge_header)
{
	char *p = path_of("a.jsonl"), **v;
	struct xfed_audit *a;
	size_t n;
	json_t *j;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", json_pack(
	    "{s:s, s:s, s:s, s:i}", "ts", "1999-01-01T00:00:00.000Z", "prev",
	    ZEROS, "trigger", "ctl", "uid", 1000)), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-end", NULL), 0);
	xfed_audit_close(a);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 2);
	j = parse(v[0]);
	ck_assert_str_ne(field(j, "ts"), "1999-01-01T00:00:00.000Z");
	ck_assert_str_eq(field(j, "trigger"), "ctl");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "uid")), 1000);
	json_decref(j);
	free_lines(v, n);
	free(p);
}
END_TEST

START_TEST(test_prev_chaining)
{
	char *p = path_of("a.jsonl"), **v, hex[65];
	size_t n, i;

	write_records(p, 0, 2);
	/* A second writer (a restart) picks the chain up from the file. */
	write_records(p, 2, 2);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 4);
	assert_prev(v[0], ZEROS);
	for (i = 1; i < n; i++) {
		sha256_hex(v[i - 1], hex);
		assert_prev(v[i], hex);
	}
	free_lines(v, n);
	free(p);
}
END_TEST

START_TEST(test_torn_last_line)
{
	char *p = path_of("a.jsonl"), **v, hex[65], *all;
	struct xfed_verify_result res;
	size_t n;

	write_records(p, 0, 2);
	append_raw(p, "{\"ts\":\"2026-11-24T05:10:00.123Z\",\"event\":\"upd");
	/* Torn: the verifier tolerates it as the last line. */
	res = verify_one(p);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.torn, 1);
	ck_assert_uint_eq(res.records, 2);
	xfed_verify_result_clear(&res);

	write_records(p, 2, 1);
	all = slurp(p);
	ck_assert_ptr_nonnull(strstr(all, "\"event\":\"upd\n{\"ts\""));
	free(all);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 4);
	/* The new record follows the last complete one, not the fragment. */
	sha256_hex(v[1], hex);
	assert_prev(v[3], hex);
	free_lines(v, n);

	res = verify_one(p);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.torn, 1);
	ck_assert_uint_eq(res.records, 3);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_whole_record_without_newline)
{
	char *p = path_of("a.jsonl"), **v, hex[65], *all;
	struct xfed_verify_result res;
	size_t n;

	write_records(p, 0, 2);
	ck_assert_int_eq(truncate(p, (off_t)strlen(all = slurp(p)) - 1), 0);
	free(all);
	write_records(p, 2, 1);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 3);
	sha256_hex(v[1], hex);
	assert_prev(v[2], hex);
	free_lines(v, n);
	res = verify_one(p);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.torn, 0);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_reopen_keeps_chain)
{
	char *p = path_of("a.jsonl"), *old = path_of("a.jsonl.1"), **v, **w,
	    hex[65];
	const char *set[2];
	struct xfed_verify_result res;
	struct xfed_audit *a;
	size_t n, m;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", NULL), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-end", NULL), 0);
	/* logrotate: rename, then SIGUSR1. */
	ck_assert_int_eq(rename(p, old), 0);
	ck_assert_int_eq(xfed_audit_reopen(a), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", NULL), 0);
	xfed_audit_close(a);
	v = read_lines(old, &n);
	w = read_lines(p, &m);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(m, 1);
	sha256_hex(v[1], hex);
	assert_prev(w[0], hex);
	set[0] = old;
	set[1] = p;
	res = verify_paths(set, 2, NULL);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.records, 3);
	xfed_verify_result_clear(&res);
	/* Out of order, the link is broken. */
	set[0] = p;
	set[1] = old;
	res = verify_paths(set, 2, NULL);
	ck_assert(!res.ok);
	ck_assert_str_eq(res.bad_file, old);
	ck_assert_uint_eq(res.bad_line, 1);
	xfed_verify_result_clear(&res);
	free_lines(v, n);
	free_lines(w, m);
	free(p);
	free(old);
}
END_TEST

START_TEST(test_chain_file_links_restart)
{
	char *p = path_of("a.jsonl"), *old = path_of("a.jsonl.1"),
	    *cf = path_of("audit.chain"), **v, **w, hex[65];
	struct xfed_audit *a;
	size_t n, m;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_chain_file(a, cf);
	ck_assert_int_eq(xfed_audit_write(a, "sync-end", NULL), 0);
	xfed_audit_close(a);
	/* Rotated while the daemon was down. */
	ck_assert_int_eq(rename(p, old), 0);
	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_chain_file(a, cf);
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", NULL), 0);
	xfed_audit_close(a);
	v = read_lines(old, &n);
	w = read_lines(p, &m);
	sha256_hex(v[0], hex);
	assert_prev(w[0], hex);
	free_lines(v, n);
	free_lines(w, m);
	free(p);
	free(old);
	free(cf);
}
END_TEST

START_TEST(test_keyed_chain)
{
	char *p = path_of("a.jsonl"), **v, hex[65], *all;
	struct xfed_verify_result res;
	struct xfed_audit *a;
	size_t n;
	json_t *j;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_set_chain_key(a, (const uint8_t *)KEY, strlen(KEY));
	ck_assert_int_eq(xfed_audit_write(a, "sync-start", NULL), 0);
	ck_assert_int_eq(xfed_audit_write(a, "sync-end", NULL), 0);
	xfed_audit_close(a);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 2);
	j = parse(v[1]);
	ck_assert_str_eq(field(j, "chain"), "hmac-sha256");
	json_decref(j);
	hmac_hex(KEY, v[0], hex);
	assert_prev(v[1], hex);
	free_lines(v, n);
	all = slurp(p);
	ck_assert_ptr_null(strstr(all, KEY));
	free(all);

	res = verify_paths((const char **)&p, 1, KEY);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.keyed, 2);
	xfed_verify_result_clear(&res);
	res = verify_paths((const char **)&p, 1, NULL);
	ck_assert(!res.ok);
	ck_assert(res.need_key);
	xfed_verify_result_clear(&res);
	res = verify_paths((const char **)&p, 1, "not-the-chain-key-at-all");
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 2);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_chain_key_file)
{
	char *p = path_of("key"), *l = path_of("keylink"), err[256];
	uint8_t *key;
	size_t len;
	FILE *f = fopen(p, "w");

	fputs(KEY "\n", f);
	fclose(f);
	chmod(p, 0600);
	ck_assert_int_eq(xfed_chain_key_load(p, &key, &len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(len, strlen(KEY));
	ck_assert(memcmp(key, KEY, len) == 0);
	xfed_chain_key_free(key, len);
	ck_assert_int_eq(symlink(p, l), 0);
	ck_assert_int_ne(xfed_chain_key_load(l, &key, &len, err, sizeof(err)),
	    0);
	f = fopen(p, "w");
	fputs("short\n", f);
	fclose(f);
	ck_assert_int_eq(xfed_chain_key_load(p, &key, &len, err, sizeof(err)),
	    XFED_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, p));
	free(p);
	free(l);
}
END_TEST

START_TEST(test_secret_never_added)
{
	char *p = path_of("a.jsonl"), *all, **v;
	struct xfed_audit *a;
	size_t n;

	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	xfed_audit_add_secret(a, SECRET);
	/* Each reload registers the keys again: still one copy. */
	xfed_audit_add_secret(a, SECRET);
	ck_assert_uint_eq(xfed_audit_secret_count(a), 1);
	ck_assert_int_eq(xfed_audit_write(a, "error", json_pack(
	    "{s:s, s:[s, s], s:{s:s}}", "error", "bad key " SECRET " here",
	    "add", "ok", SECRET, "nested", "deep", SECRET)), 0);
	/* In a field name, where redaction cannot reach. */
	ck_assert_int_eq(xfed_audit_write(a, "error", json_pack("{s:s}",
	    SECRET, "x")), 0);
	ck_assert_int_eq(xfed_audit_write(a, "update", json_pack("{s:s}",
	    "key", "xfed-key")), 0);
	xfed_audit_close(a);
	all = slurp(p);
	ck_assert_ptr_null(strstr(all, SECRET));
	ck_assert_ptr_nonnull(strstr(all, "[redacted]"));
	free(all);
	/* Still one chained record per write. */
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 3);
	free_lines(v, n);
	free(p);
}
END_TEST

START_TEST(test_open_config)
{
	/* The decoded secret; the log must never show its base64 spelling. */
	static unsigned char secret[] = "0123456789abcdef";
	struct xfed_key key = { .name = (char *)"xfed-key", .secret = secret,
	    .secret_len = 16 };
	struct xfed_config cfg;
	struct xfed_audit *a;
	struct stat st;
	char *p = path_of("a.jsonl"), *all, *chain;

	memset(&cfg, 0, sizeof(cfg));
	cfg.audit_log = p;
	cfg.state_dir = tmpdir;
	cfg.keys = &key;
	cfg.n_keys = 1;
	ck_assert_int_eq(xfed_audit_open_config(&cfg, &a), 0);
	ck_assert_int_eq(xfed_audit_write(a, "error", json_pack("{s:s}",
	    "error", "secret MDEyMzQ1Njc4OWFiY2RlZg== leaked")), 0);
	xfed_audit_close(a);
	all = slurp(p);
	ck_assert_ptr_null(strstr(all, "MDEyMzQ1Njc4OWFiY2RlZg=="));
	ck_assert_ptr_nonnull(strstr(all, "[redacted]"));
	free(all);
	/* The chain file is a copy of the last record, private. */
	chain = path_of("audit.chain");
	ck_assert_int_eq(stat(chain, &st), 0);
	ck_assert_int_eq(st.st_mode & 077, 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07, 0);
	free(chain);
	free(p);
}
END_TEST

START_TEST(test_config_reload)
{
	char *p = path_of("a.jsonl"), *conf = path_of("xfed.conf"), **v,
	    hex[65], loaded[65], none[65];
	struct xfed_audit *a;
	struct xfed_config *cfg;
	size_t n;
	json_t *j;
	FILE *f = fopen(conf, "w"), *quiet = fopen("/dev/null", "w");

	fputs("interval = 300\n", f);
	fclose(f);
	sha256_hex("interval = 300\n", hex);
	/* The loader's digest is of the bytes it parsed. */
	ck_assert_int_eq(xfed_config_load_digest(conf, quiet, &cfg, loaded),
	    0);
	ck_assert_str_eq(loaded, hex);
	xfed_config_free(cfg);
	ck_assert_int_ne(xfed_config_load_digest("/nonexistent", quiet, &cfg,
	    none), 0);
	ck_assert_str_eq(none, "");
	fclose(quiet);
	ck_assert_int_eq(xfed_audit_open(p, &a), 0);
	ck_assert_int_eq(xfed_audit_config_reload(a, conf, loaded, true, NULL,
	    "ctl", 1000), 0);
	ck_assert_int_eq(xfed_audit_config_reload(a, conf, loaded, false,
	    "xfed.conf:1: bad", "signal", -1), 0);
	ck_assert_int_eq(xfed_audit_config_reload(a, "/nonexistent", NULL,
	    false, "cannot read", "signal", -1), 0);
	xfed_audit_close(a);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 3);
	j = parse(v[0]);
	ck_assert_str_eq(field(j, "event"), "config-reload");
	ck_assert_str_eq(field(j, "sha256"), hex);
	ck_assert(json_is_true(json_object_get(j, "accepted")));
	ck_assert_ptr_null(json_object_get(j, "error"));
	json_decref(j);
	j = parse(v[1]);
	ck_assert(json_is_false(json_object_get(j, "accepted")));
	ck_assert_str_eq(field(j, "error"), "xfed.conf:1: bad");
	json_decref(j);
	j = parse(v[2]);
	ck_assert(json_is_null(json_object_get(j, "sha256")));
	json_decref(j);
	free_lines(v, n);
	free(p);
	free(conf);
}
END_TEST

/* The verifier on altered copies of a ten-record log. */

enum tamper { T_NONE, T_EDIT, T_DELETE, T_INSERT, T_REORDER };

static struct xfed_verify_result
tampered(enum tamper how, size_t at)
{
	char *p = path_of("a.jsonl"), *q = path_of("b.jsonl"), **v, *s;
	struct xfed_verify_result res;
	size_t n, i;

	write_records(p, 0, 10);
	v = read_lines(p, &n);
	ck_assert_uint_eq(n, 10);
	switch (how) {
	case T_NONE:
		break;
	case T_EDIT:
		/* One character: "n":3 becomes "n":8. */
		s = strstr(v[at - 1], "\"n\":");
		ck_assert_ptr_nonnull(s);
		s[4] = '8';
		break;
	case T_DELETE:
		free(v[at - 1]);
		for (i = at - 1; i + 1 < n; i++)
			v[i] = v[i + 1];
		n--;
		break;
	case T_INSERT:
		/* A copy of line 2 inserted as line "at". */
		v = xreallocarray(v, n + 1, sizeof(*v));
		for (i = n; i > at - 1; i--)
			v[i] = v[i - 1];
		v[at - 1] = xstrdup(v[1]);
		n++;
		break;
	case T_REORDER:
		s = v[at - 1];
		v[at - 1] = v[at];
		v[at] = s;
		break;
	}
	write_lines(q, v, n);
	free_lines(v, n);
	res = verify_one(q);
	free(p);
	free(q);
	return res;
}

START_TEST(test_verify_intact)
{
	struct xfed_verify_result res = tampered(T_NONE, 0);

	ck_assert(res.ok);
	ck_assert_uint_eq(res.records, 10);
	ck_assert_uint_eq(res.problems, 0);
	xfed_verify_result_clear(&res);
}
END_TEST

START_TEST(test_verify_edited)
{
	struct xfed_verify_result res = tampered(T_EDIT, 4);

	/* Line 4 itself still links; line 5 no longer follows it. */
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 5);
	xfed_verify_result_clear(&res);
}
END_TEST

START_TEST(test_verify_deleted)
{
	struct xfed_verify_result res = tampered(T_DELETE, 4);

	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 4);
	ck_assert_uint_eq(res.problems, 1);
	xfed_verify_result_clear(&res);
}
END_TEST

START_TEST(test_verify_inserted)
{
	struct xfed_verify_result res = tampered(T_INSERT, 6);

	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 6);
	xfed_verify_result_clear(&res);
}
END_TEST

START_TEST(test_verify_reordered)
{
	struct xfed_verify_result res = tampered(T_REORDER, 4);

	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 4);
	xfed_verify_result_clear(&res);
}
END_TEST

START_TEST(test_verify_last_line_garbled)
{
	char *p = path_of("a.jsonl"), **v, *s;
	struct xfed_verify_result res;
	size_t n;

	write_records(p, 0, 3);
	v = read_lines(p, &n);
	/* Breaks the JSON but keeps the chain fields at the end. */
	s = strstr(v[2], "\"zone\"");
	s[0] = '#';
	write_lines(p, v, n);
	free_lines(v, n);
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 3);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_verify_unchained_record)
{
	char *p = path_of("a.jsonl");
	struct xfed_verify_result res;

	write_records(p, 0, 2);
	append_raw(p, "{\"ts\":\"2026-11-24T05:10:00.123Z\",\"event\":\"x\"}\n");
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 3);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

/* Only a prefix of a record, alone on its line, passes as a torn write. */
START_TEST(test_verify_garbage)
{
	char *p = path_of("a.jsonl");
	struct xfed_verify_result res;

	append_raw(p, "hello\nworld\n");
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 1);
	ck_assert_uint_eq(res.torn, 0);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_verify_empty_file)
{
	char *p = path_of("a.jsonl");
	struct xfed_verify_result res;

	append_raw(p, "");
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.records, 0);
	ck_assert_uint_eq(res.problems, 1);
	xfed_verify_result_clear(&res);
	free(p);
}
END_TEST

START_TEST(test_verify_inserted_text)
{
	char *p = path_of("a.jsonl"), **v, **w;
	struct xfed_verify_result res;
	size_t n;

	write_records(p, 0, 3);
	v = read_lines(p, &n);
	w = xreallocarray(NULL, 4, sizeof(*w));
	w[0] = v[0];
	w[1] = xstrdup("# a comment");
	w[2] = v[1];
	w[3] = v[2];
	write_lines(p, w, 4);
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 2);
	xfed_verify_result_clear(&res);
	free(w[1]);
	free(w);
	free_lines(v, n);
	free(p);
}
END_TEST

START_TEST(test_verify_torn_prefix_only)
{
	char *p = path_of("a.jsonl"), **v, **w;
	struct xfed_verify_result res;
	size_t n;

	write_records(p, 0, 2);
	v = read_lines(p, &n);
	w = xreallocarray(NULL, 3, sizeof(*w));
	w[0] = v[0];
	w[2] = v[1];
	/* A torn prefix: tolerated. */
	w[1] = xstrdup("{\"ts\":\"2026-11-24T05:1");
	write_lines(p, w, 3);
	res = verify_one(p);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.torn, 1);
	xfed_verify_result_clear(&res);
	/* Even shorter, still a prefix. */
	free(w[1]);
	w[1] = xstrdup("{\"t");
	write_lines(p, w, 3);
	res = verify_one(p);
	ck_assert(res.ok);
	xfed_verify_result_clear(&res);
	/* A fragment with a record glued on: never written by xfedd. */
	free(w[1]);
	w[1] = xasprintf("{\"ts\":\"2026%s", v[1]);
	write_lines(p, w, 3);
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 2);
	xfed_verify_result_clear(&res);
	/* Something else that is not JSON: a bad line. */
	free(w[1]);
	w[1] = xstrdup("{\"tx\":1");
	write_lines(p, w, 3);
	res = verify_one(p);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.bad_line, 2);
	xfed_verify_result_clear(&res);
	free(w[1]);
	free(w);
	free_lines(v, n);
	free(p);
}
END_TEST

/* Filters. */

static const char *sample[] = {
	"{\"ts\":\"2026-11-24T05:00:00.000Z\",\"event\":\"sync-start\","
	    "\"trigger\":\"timer\",\"chain\":\"sha256\",\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:01.000Z\",\"event\":\"update-intent\","
	    "\"zone\":\"Example.TEST.\",\"add\":[\"_xmpp-server._tcp.example."
	    "test. 3600 IN SRV 0 0 5269 xmpp.proxy.test.\"],\"delete\":[],"
	    "\"chain\":\"sha256\",\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:02.000Z\",\"event\":\"update\","
	    "\"zone\":\"example.test.\",\"add\":[\"_xmpp-server._tcp.example."
	    "test. 3600 IN SRV 0 0 5269 xmpp.proxy.test.\"],\"delete\":[],"
	    "\"rcode\":\"NOERROR\",\"chain\":\"sha256\",\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:03.000Z\",\"event\":\"update\","
	    "\"zone\":\"proxy.test.\",\"add\":[\"xmpp.proxy.test. 1800 IN A "
	    "127.0.0.10\"],\"delete\":[],\"rcode\":\"NOERROR\",\"chain\":"
	    "\"sha256\",\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:04.000Z\",\"event\":\"update\","
	    "\"zone\":\"example.test.\",\"add\":[\"_xmpp-server._tcp.chat."
	    "example.test. 3600 IN SRV 0 0 5269 xmpp.proxy.test.\"],"
	    "\"delete\":[],\"rcode\":\"NOERROR\",\"chain\":\"sha256\","
	    "\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:05.000Z\",\"event\":\"conflict\","
	    "\"zone\":\"notexample.test.\",\"name\":\"_xmpp-server._tcp."
	    "notexample.test.\",\"chain\":\"sha256\",\"prev\":\"" ZEROS "\"}",
	/* Not the writer's layout: only the slow path can judge it. */
	"{ \"event\": \"update\", \"ts\": \"2026-11-24T05:00:06.000Z\", "
	    "\"zone\": \"example.test\", \"add\": [], \"delete\": [], "
	    "\"chain\": \"sha256\", \"prev\": \"" ZEROS "\" }",
	"{\"ts\":\"2026-11-24T05:00:07.000Z\",\"event\":\"sync-end\","
	    "\"trigger\":\"timer\",\"chain\":\"sha256\",\"prev\":\"" ZEROS "\"}",
	"{\"ts\":\"2026-11-24T05:00:08.000Z\",\"event\":\"upd",
};
#define NSAMPLE	(sizeof(sample) / sizeof(sample[0]))

/* Which sample lines match, as a string of digits ("T" for torn). */
static char *
matching(const struct xfed_log_filter *f, bool want_rec)
{
	static char out[32];
	size_t i, k = 0;
	json_t *rec;

	for (i = 0; i < NSAMPLE; i++) {
		switch (xfed_log_filter_line(f, sample[i], strlen(sample[i]),
		    want_rec, &rec)) {
		case XFED_LOG_YES:
			out[k++] = (char)('0' + i);
			if (want_rec)
				ck_assert_ptr_nonnull(rec);
			break;
		case XFED_LOG_TORN:
			out[k++] = 'T';
			break;
		case XFED_LOG_NO:
			break;
		}
		json_decref(rec);
	}
	out[k] = '\0';
	return out;
}

static void
check_filter(struct xfed_log_filter *f, const char *want)
{
	ck_assert_str_eq(matching(f, false), want);
	ck_assert_str_eq(matching(f, true), want);
	xfed_log_filter_clear(f);
}

START_TEST(test_filter_none)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	check_filter(&f, "01234567T");
}
END_TEST

START_TEST(test_filter_time)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24T05:00:02Z", 0,
	    f.since, sizeof(f.since)), 0);
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24T06:00:06+01:00", 0,
	    f.until, sizeof(f.until)), 0);
	/* Bounds are inclusive; the torn line is never judged by time. */
	check_filter(&f, "23456T");
	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24T05:00:06.5Z", 0,
	    f.since, sizeof(f.since)), 0);
	check_filter(&f, "7T");
}
END_TEST

START_TEST(test_filter_zone)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_zone(&f, "example.test"), 0);
	check_filter(&f, "1246T");
	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_zone(&f, "EXAMPLE.test."), 0);
	check_filter(&f, "1246T");
	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_zone(&f, "proxy.test"), 0);
	check_filter(&f, "3T");
	xfed_log_filter_init(&f);
	ck_assert_int_ne(xfed_log_filter_zone(&f, "."), 0);
	ck_assert_int_ne(xfed_log_filter_zone(&f, "a b"), 0);
	xfed_log_filter_clear(&f);
}
END_TEST

START_TEST(test_filter_domain)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_domain(&f, "chat.example.test"), 0);
	check_filter(&f, "4T");
	xfed_log_filter_init(&f);
	/* Its zone, its SRV names; not notexample.test. */
	ck_assert_int_eq(xfed_log_filter_domain(&f, "example.test."), 0);
	check_filter(&f, "1246T");
	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_domain(&f, "notexample.test"), 0);
	check_filter(&f, "5T");
}
END_TEST

START_TEST(test_filter_event)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_event(&f, "update"), 0);
	check_filter(&f, "2346T");
	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_event(&f, "sync-start,sync-end"), 0);
	ck_assert_int_eq(xfed_log_filter_event(&f, "update-intent"), 0);
	check_filter(&f, "017T");
	xfed_log_filter_init(&f);
	ck_assert_int_ne(xfed_log_filter_event(&f, "a,,b"), 0);
	xfed_log_filter_clear(&f);
}
END_TEST

START_TEST(test_filter_combined)
{
	struct xfed_log_filter f;

	xfed_log_filter_init(&f);
	ck_assert_int_eq(xfed_log_filter_event(&f, "update"), 0);
	ck_assert_int_eq(xfed_log_filter_zone(&f, "example.test"), 0);
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24T05:00:03Z", 0,
	    f.since, sizeof(f.since)), 0);
	check_filter(&f, "46T");
}
END_TEST

START_TEST(test_parse_time)
{
	const int64_t now = 1795496400000LL;	/* 2026-11-24T05:00:00Z */
	char out[32];

	ck_assert_int_eq(xfed_log_parse_time("2026-11-24T05:10:00Z", now, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T05:10:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24t05:10:00.12345z",
	    now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T05:10:00.123Z");
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24 07:10:00-02:30", now,
	    out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T09:40:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("2026-11-24", now, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T00:00:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("30s", now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T04:59:30.000Z");
	ck_assert_int_eq(xfed_log_parse_time("15m", now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T04:45:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("2h", now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-24T03:00:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("7d", now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-17T05:00:00.000Z");
	ck_assert_int_eq(xfed_log_parse_time("1w", now, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2026-11-17T05:00:00.000Z");
	ck_assert_int_ne(xfed_log_parse_time("", now, out, sizeof(out)), 0);
	ck_assert_int_ne(xfed_log_parse_time("2h30m", now, out, sizeof(out)),
	    0);
	ck_assert_int_ne(xfed_log_parse_time("-2h", now, out, sizeof(out)), 0);
	ck_assert_int_ne(xfed_log_parse_time("yesterday", now, out,
	    sizeof(out)), 0);
	/* A time of day without a zone would be a guess. */
	ck_assert_int_ne(xfed_log_parse_time("2026-11-24T05:10:00", now, out,
	    sizeof(out)), 0);
	ck_assert_int_ne(xfed_log_parse_time("2026-13-24", now, out,
	    sizeof(out)), 0);
	ck_assert_int_ne(xfed_log_parse_time("2026-11-24T25:00:00Z", now, out,
	    sizeof(out)), 0);
}
END_TEST

/* The command, end to end, with stdout and stderr captured. */

static int
run_log(char **out, char **err, const char *first, ...)
{
	char *argv[16], *o = path_of("stdout"), *e = path_of("stderr");
	const char *a;
	va_list ap;
	int argc = 0, rc, so, se;

	argv[argc++] = (char *)"log";
	va_start(ap, first);
	for (a = first; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	so = dup(STDOUT_FILENO);
	se = dup(STDERR_FILENO);
	ck_assert(freopen(o, "w", stdout) != NULL);
	ck_assert(freopen(e, "w", stderr) != NULL);
	rc = xfed_log_command(NULL, false, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	*out = slurp(o);
	*err = slurp(e);
	free(o);
	free(e);
	return rc;
}

START_TEST(test_command)
{
	char *p = path_of("a.jsonl"), *q = path_of("b.jsonl"), *out, *err,
	    **v;
	size_t n;

	write_records(p, 0, 4);
	ck_assert_int_eq(run_log(&out, &err, "--json", "--event", "update",
	    "--zone", "EXAMPLE.test", p, NULL), 0);
	v = read_lines(p, &n);
	ck_assert_uint_eq(strlen(out), strlen(v[0]) * 4 + 4);
	ck_assert(strncmp(out, v[0], strlen(v[0])) == 0);
	free_lines(v, n);
	free(out);
	free(err);

	ck_assert_int_eq(run_log(&out, &err, "--file", p, "--since", "1h",
	    NULL), 0);
	ck_assert(strncmp(out, "TIME ", 5) == 0);
	ck_assert_ptr_nonnull(strstr(out, "  update  "));
	ck_assert_ptr_nonnull(strstr(out, "+1 -0"));
	free(out);
	free(err);

	append_raw(p, "{\"ts\":\"2026");
	ck_assert_int_eq(run_log(&out, &err, "--json", p, NULL), 0);
	ck_assert_ptr_nonnull(strstr(err, ":5: incomplete last line"));
	free(out);
	free(err);

	ck_assert_int_eq(run_log(&out, &err, "--verify", "--file", p, NULL),
	    0);
	ck_assert_ptr_nonnull(strstr(out, "intact: 4 records"));
	free(out);
	free(err);

	v = read_lines(p, &n);
	write_lines(q, v + 1, 2);
	free_lines(v, n);
	ck_assert_int_eq(run_log(&out, &err, "--verify", p, q, NULL),
	    XFED_LOG_EXIT_BROKEN);
	ck_assert_ptr_nonnull(strstr(out, "b.jsonl:1: does not follow"));
	free(out);
	free(err);

	ck_assert_int_eq(run_log(&out, &err, "--since", "tomorrow", p, NULL),
	    XFED_LOG_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "bad time"));
	free(out);
	free(err);
	ck_assert_int_eq(run_log(&out, &err, "--verify", "--zone", "x", p,
	    NULL), XFED_LOG_EXIT_USAGE);
	free(out);
	free(err);
	ck_assert_int_eq(run_log(&out, &err, "--bogus", NULL),
	    XFED_LOG_EXIT_USAGE);
	free(out);
	free(err);
	ck_assert_int_eq(run_log(&out, &err, "/nonexistent/audit.jsonl",
	    NULL), XFED_LOG_EXIT_USAGE);
	free(out);
	free(err);
	free(p);
	free(q);
}
END_TEST

/*
 * The log is opened so nobody can redirect or read it: a symbolic link at
 * its path is refused, and a new file is 0640 whatever the umask.
 */
START_TEST(test_open_is_safe)
{
	char *target = path_of("target.jsonl"), *link = path_of("a.jsonl");
	char *fresh = path_of("fresh.jsonl");
	struct xfed_audit *a = NULL;
	struct stat st;
	mode_t old;

	ck_assert_int_eq(close(open(target, O_CREAT | O_WRONLY, 0600)), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(xfed_audit_open(link, &a), XFED_EIO);
	ck_assert_ptr_null(a);
	old = umask(0);
	ck_assert_int_eq(xfed_audit_open(fresh, &a), 0);
	umask(old);
	ck_assert_int_eq(stat(fresh, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	xfed_audit_close(a);
	free(target);
	free(link);
	free(fresh);
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc;

	tc = tcase_create("writer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_one_line_per_record);
	tcase_add_test(tc, test_open_is_safe);
	tcase_add_test(tc, test_caller_cannot_forge_header);
	tcase_add_test(tc, test_prev_chaining);
	tcase_add_test(tc, test_torn_last_line);
	tcase_add_test(tc, test_whole_record_without_newline);
	tcase_add_test(tc, test_reopen_keeps_chain);
	tcase_add_test(tc, test_chain_file_links_restart);
	tcase_add_test(tc, test_keyed_chain);
	tcase_add_test(tc, test_chain_key_file);
	tcase_add_test(tc, test_secret_never_added);
	tcase_add_test(tc, test_open_config);
	tcase_add_test(tc, test_config_reload);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verify_intact);
	tcase_add_test(tc, test_verify_edited);
	tcase_add_test(tc, test_verify_deleted);
	tcase_add_test(tc, test_verify_inserted);
	tcase_add_test(tc, test_verify_reordered);
	tcase_add_test(tc, test_verify_last_line_garbled);
	tcase_add_test(tc, test_verify_unchained_record);
	tcase_add_test(tc, test_verify_garbage);
	tcase_add_test(tc, test_verify_empty_file);
	tcase_add_test(tc, test_verify_inserted_text);
	tcase_add_test(tc, test_verify_torn_prefix_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("filter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filter_none);
	tcase_add_test(tc, test_filter_time);
	tcase_add_test(tc, test_filter_zone);
	tcase_add_test(tc, test_filter_domain);
	tcase_add_test(tc, test_filter_event);
	tcase_add_test(tc, test_filter_combined);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_command);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	log_init(0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
