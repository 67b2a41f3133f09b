/*
 * audit_writer: append records to an audit log through the real writer,
 * for the tests that kill a writer mid-write or rotate its log.
 *
 * usage: audit_writer [-n COUNT] [-k KEYFILE] [-c CHAINFILE] [-s SECRET]
 *	      [-S] [-d MS] PATH
 *
 * Writes COUNT "update"-like records (0: until SIGTERM), each with a few
 * hundred bytes of RRs so that a kill lands inside a write now and then.
 * -k keys the chain, -c keeps the chain file, -s registers a secret that
 * must never reach the log (it is put in a record on purpose), -S skips
 * fsync, -d sleeps MS between records.  SIGUSR1 reopens the log, as xfedd
 * does.  Prints the number of records written on exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "log.h"

static volatile sig_atomic_t reopen_wanted, stop_wanted;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		reopen_wanted = 1;
	else
		stop_wanted = 1;
}

static json_t *
record(unsigned long i, const char *secret)
{
	json_t *add = json_array();
	char rr[160];
	int k;

	for (k = 0; k < 4; k++) {
		snprintf(rr, sizeof(rr), "_xmpp-server._tcp.d%lu.example.test. "
		    "3600 IN SRV 0 0 5269 xmpp%d.proxy.test.", i % 97, k);
		json_array_append_new(add, json_string(rr));
	}
	/* A careless caller: the writer must redact this. */
	if (secret != NULL && i % 10 == 0)
		json_array_append_new(add, json_string(secret));
	return json_pack("{s:s, s:s, s:s, s:I, s:o, s:[], s:s, s:s}",
	    "zone", "example.test.", "server", "127.0.0.1#53", "key",
	    "xfed-key", "message", (json_int_t)i, "add", add, "delete",
	    "rcode", "NOERROR", "trigger", "once");
}

static void
install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct xfed_audit *a;
	const char *keyfile = NULL, *chainfile = NULL, *secret = NULL;
	unsigned long count = 1, i;
	long delay = 0;
	bool nosync = false;
	uint8_t *key;
	size_t keylen;
	char err[512];
	int ch;

	while ((ch = getopt(argc, argv, "n:k:c:s:Sd:")) != -1) {
		switch (ch) {
		case 'n':	count = strtoul(optarg, NULL, 10); break;
		case 'k':	keyfile = optarg; break;
		case 'c':	chainfile = optarg; break;
		case 's':	secret = optarg; break;
		case 'S':	nosync = true; break;
		case 'd':	delay = strtol(optarg, NULL, 10); break;
		default:	goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	log_init(0);
	install();
	if (xfed_audit_open(argv[optind], &a) != 0)
		return 1;
	if (keyfile != NULL) {
		if (xfed_chain_key_load(keyfile, &key, &keylen, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "audit_writer: %s\n", err);
			return 1;
		}
		xfed_audit_set_chain_key(a, key, keylen);
		xfed_chain_key_free(key, keylen);
	}
	xfed_audit_set_chain_file(a, chainfile);
	xfed_audit_add_secret(a, secret);
	xfed_audit_set_fsync(a, !nosync);
	for (i = 0; (count == 0 || i < count) && !stop_wanted; i++) {
		if (reopen_wanted) {
			reopen_wanted = 0;
			xfed_audit_reopen(a);
		}
		if (xfed_audit_write(a, "update", record(i, secret)) != 0)
			return 1;
		if (delay > 0) {
			struct timespec ts = { delay / 1000,
			    (delay % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	xfed_audit_close(a);
	printf("%lu\n", i);
	return 0;
usage:
	fprintf(stderr, "usage: audit_writer [-n COUNT] [-k KEYFILE] "
	    "[-c CHAINFILE] [-s SECRET] [-S] [-d MS] PATH\n");
	return 1;
}
