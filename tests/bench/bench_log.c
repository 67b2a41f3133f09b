/*
 * bench_log: how fast `xfedctl log` filters and verifies a big audit log.
 *
 * usage: bench_log [-n RECORDS] [-k] [FILE]
 *
 * Writes RECORDS (default 1,000,000) records to FILE (default
 * $TMPDIR/xfed-bench-audit.jsonl) through the real writer (fsync off),
 * shaped like a busy agent's log: per sync a sync-start, an intent and a
 * result per zone touched, a sync-end, over 50 zones.  Then times, in this
 * process, `grep -c` over the same file as the baseline and each filter of
 * xfed_log_command() (output to a file, counted), and prints the times and
 * their ratio to grep.  -k keeps an existing FILE instead of regenerating.
 * The target: a filter over a million records in under 2 s.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "log.h"
#include "logcmd.h"
#include "util.h"

#define ZONES	50

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *
rr_list(unsigned z, unsigned n, bool srv)
{
	json_t *a = json_array();
	char rr[200];
	unsigned i;

	for (i = 0; i < n; i++) {
		if (srv)
			snprintf(rr, sizeof(rr), "_xmpp-server._tcp.d%u.z%u."
			    "example.test. 3600 IN SRV 0 0 5269 "
			    "xmpp%u.proxy.test.", i, z, i);
		else
			snprintf(rr, sizeof(rr), "xmpp%u.proxy.test. 1800 IN A "
			    "192.0.2.%u", i, z);
		json_array_append_new(a, json_string(rr));
	}
	return a;
}

static json_t *
update_fields(unsigned z, unsigned long i)
{
	char zone[64];

	snprintf(zone, sizeof(zone), "z%u.example.test.", z);
	return json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "zone", zone,
	    "server", "192.0.2.53#53", "key", "xfed-key", "message", 1,
	    "add", rr_list(z, 1 + (unsigned)(i % 3), true), "delete",
	    rr_list(z, (unsigned)(i % 2), false), "trigger", "timer");
}

/* n records; *mid: the "ts" of the record half way, for --since. */
static void
generate(const char *path, unsigned long n, char *mid, size_t midlen)
{
	struct xfed_audit *a;
	unsigned long i = 0, sync = 0;
	unsigned z;
	json_t *rec;

	unlink(path);
	if (xfed_audit_open(path, &a) != 0)
		exit(1);
	xfed_audit_set_fsync(a, false);
	while (i < n) {
		xfed_audit_write(a, "sync-start", json_pack("{s:s}", "trigger",
		    "timer"));
		i++;
		for (z = (unsigned)(sync % 7); z < ZONES && i + 3 <= n;
		    z += 7) {
			xfed_audit_write(a, "update-intent",
			    update_fields(z, i));
			rec = update_fields(z, i);
			json_object_set_new(rec, "rcode", json_string("NOERROR"));
			json_object_set_new(rec, "tsig", json_string("verified"));
			json_object_set_new(rec, "attempts", json_integer(1));
			json_object_set_new(rec, "duration_ms", json_integer(4));
			xfed_audit_write(a, "update", rec);
			i += 2;
			if (i >= n / 2 && mid[0] == '\0')
				xfed_rfc3339_now(mid, midlen);
		}
		if (i < n) {
			xfed_audit_write(a, "sync-end", json_pack("{s:s, s:i, "
			    "s:i, s:i}", "trigger", "timer", "zones", ZONES,
			    "exit", 0, "duration_ms", 120));
			i++;
		}
		sync++;
	}
	xfed_audit_close(a);
}

static unsigned long
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = getc_unlocked(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static double baseline;

static void
report(const char *what, double t, unsigned long matches)
{
	printf("%-52s %7.3f s  %6.2fx grep  %8lu lines%s\n", what, t,
	    baseline > 0 ? t / baseline : 0.0, matches,
	    t < 2.0 ? "" : "  (over the 2 s target)");
	fflush(stdout);
}

static void
time_grep(const char *file, const char *out, const char *pattern)
{
	/* Not >/dev/null: GNU grep then stops at the first match. */
	char *cmd = xasprintf("grep -c -F -e '%s' '%s' >'%s'", pattern, file,
	    out);
	double t0 = now_s();

	if (system(cmd) == -1)
		perror("grep");
	baseline = now_s() - t0;
	printf("%-52s %7.3f s\n", "baseline: grep -c -F (same file)", baseline);
	free(cmd);
}

/* One run of the command with its stdout in outpath. */
static void
time_log(const char *label, const char *outpath, int argc, char **argv)
{
	double t0, t;
	int saved, fd, rc;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	t0 = now_s();
	rc = xfed_log_command(NULL, false, argc, argv);
	fflush(stdout);
	t = now_s() - t0;
	dup2(saved, STDOUT_FILENO);
	close(saved);
	if (rc != 0)
		printf("%s: exit %d\n", label, rc);
	report(label, t, count_lines(outpath));
}

int
main(int argc, char **argv)
{
	unsigned long n = 1000000;
	const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *file, *out, mid[40] = "";
	bool keep = false;
	struct stat st;
	double t0;
	int ch;

	while ((ch = getopt(argc, argv, "n:k")) != -1) {
		if (ch == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (ch == 'k')
			keep = true;
		else {
			fprintf(stderr, "usage: bench_log [-n RECORDS] [-k] "
			    "[FILE]\n");
			return 1;
		}
	}
	log_init(0);
	file = optind < argc ? xstrdup(argv[optind]) :
	    xasprintf("%s/xfed-bench-audit.jsonl", tmp);
	out = xasprintf("%s.out", file);
	if (!keep || stat(file, &st) == -1) {
		t0 = now_s();
		generate(file, n, mid, sizeof(mid));
		printf("generated %lu records in %.1f s\n", n, now_s() - t0);
	}
	if (mid[0] == '\0')
		xfed_rfc3339_now(mid, sizeof(mid));	/* -k: nothing is newer */
	stat(file, &st);
	printf("file %s: %.0f MB, %lu lines\n", file,
	    (double)st.st_size / 1e6, count_lines(file));
	/* Warm the page cache so that every run reads the same way. */
	count_lines(file);

	time_grep(file, out, "\"zone\":\"z7.example.test.\"");
	{
		char *a1[] = { "log", "--json", "--zone", "z7.example.test",
		    file, NULL };
		char *a2[] = { "log", "--zone", "Z7.example.test.", file, NULL };
		char *a3[] = { "log", "--json", "--event", "update", "--since",
		    mid, file, NULL };
		char *a4[] = { "log", "--domain", "d2.z14.example.test", file,
		    NULL };
		char *a5[] = { "log", "--event", "sync-end", "--until", mid,
		    file, NULL };
		char *a6[] = { "log", "--json", "--since", "1h", file, NULL };
		char *a7[] = { "log", "--json", "--zone", "nowhere.test", file,
		    NULL };
		char *a8[] = { "log", "--verify", file, NULL };

		time_log("log --json --zone z7.example.test", out, 5, a1);
		time_log("log --zone Z7.example.test. (table)", out, 4, a2);
		time_log("log --json --event update --since MID", out, 7, a3);
		time_log("log --domain d2.z14.example.test (table)", out, 4,
		    a4);
		time_log("log --event sync-end --until MID (table)", out, 6,
		    a5);
		time_log("log --json --since 1h (every record out)", out, 5,
		    a6);
		time_log("log --json --zone nowhere.test (no match)", out, 5,
		    a7);
		time_log("log --verify (SHA-256 over every line)", out, 3, a8);
	}
	unlink(out);
	free(out);
	free(file);
	return 0;
}
