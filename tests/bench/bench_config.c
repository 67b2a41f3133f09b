/*
 * bench_config: how fast the configuration of many domains is read.
 *
 * usage: bench_config [-r RUNS] [N ...]
 *
 * For each N (default 1,000, 10,000 and 20,000) writes a configuration of
 * N domains in N / 10 zones, shaped like bench/gen.py's (one key, one
 * server, one proxy; each domain a four-line section with proxy, priority
 * and zone), then times in this process, best of RUNS (default 5):
 * a plain read of the file (the floor: what any parser must do), and
 * xfed_config_load() (scan, libconfuse, validation, conversion).  Prints
 * the CPU time of each, their ratio, the ratio to the first N scaled
 * linearly (1.0: linear), and the peak RSS of a child process that only
 * loads the file.  Figures only: nothing is asserted.
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#define SECRET	"eGZlZC11bml0LXRlc3Qtc2VjcmV0LTMyLW9jdGV0cyE="

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
write_config(const char *path, unsigned n)
{
	FILE		*fp;
	unsigned	 i, zones = n / 10 > 0 ? n / 10 : 1;

	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "tsig-key \"k\" { secret = \"%s\" }\n"
	    "server \"s\" { address = \"127.0.0.1\" port = 5300 }\n"
	    "owner = \"bench\"\n"
	    "proxy \"edge\" {\n  host = \"xmpp.proxy.bench\"\n"
	    "  ipv4 = {\"127.0.0.10\"}\n  ipv6 = {\"::1\"}\n  ttl  = 3600\n"
	    "  zone = \"proxy.bench\"\n}\n\n", SECRET);
	for (i = 0; i < n; i++)
		fprintf(fp, "domain \"dom%u.zone%u.bench\" {\n"
		    "  proxy = {\"edge\"}\n  priority = 0\n"
		    "  zone = \"zone%u.bench\"\n}\n", i, i % zones, i % zones);
	if (fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* CPU seconds of a plain read of the whole file. */
static double
time_read(const char *path)
{
	static char	 buf[65536];
	FILE		*fp;
	double		 t0 = cpu_s();
	size_t		 n, sum = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		exit(1);
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sum += n;
	fclose(fp);
	if (sum == 0)
		exit(1);
	return cpu_s() - t0;
}

static double
time_load(const char *path, unsigned n)
{
	struct xfed_config	*cfg;
	double			 t0 = cpu_s(), t;

	if (xfed_config_load(path, stderr, &cfg) != 0)
		exit(1);
	t = cpu_s() - t0;
	if (cfg->n_domains != n) {
		fprintf(stderr, "bench_config: %zu domains, not %u\n",
		    cfg->n_domains, n);
		exit(1);
	}
	xfed_config_free(cfg);
	return t;
}

/* Peak RSS in KiB of a child that only loads path. */
static long
child_rss(const char *path, unsigned n)
{
	struct rusage	 ru;
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		time_load(path, n);
		_exit(0);
	}
	if (wait4(pid, &status, 0, &ru) == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_config: the child failed\n");
		exit(1);
	}
	return ru.ru_maxrss;
}

int
main(int argc, char **argv)
{
	unsigned	 def[] = { 1000, 10000, 20000 }, *ns = def, n;
	unsigned	 nn = 3, runs = 5, i, r;
	double		 tr, tl, t, base = 0;
	char		 path[256];
	const char	*tmp = getenv("TMPDIR");
	int		 ch;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		switch (ch) {
		case 'r':
			runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench_config [-r RUNS] "
			    "[N ...]\n");
			return 2;
		}
	}
	if (optind < argc) {
		nn = (unsigned)(argc - optind);
		ns = calloc(nn, sizeof(*ns));
		if (ns == NULL)
			return 1;
		for (i = 0; i < nn; i++)
			ns[i] = (unsigned)strtoul(argv[optind + i], NULL, 10);
	}
	if (runs == 0)
		runs = 1;
	snprintf(path, sizeof(path), "%s/xfed-bench-config.%ld.conf",
	    tmp != NULL ? tmp : "/tmp", (long)getpid());
	printf("%8s %10s %10s %9s %8s %10s\n", "domains", "read ms",
	    "load ms", "load/read", "linear", "peak KiB");
	for (i = 0; i < nn; i++) {
		n = ns[i];
		write_config(path, n);
		tr = tl = 1e9;
		for (r = 0; r < runs; r++) {
			if ((t = time_read(path)) < tr)
				tr = t;
			if ((t = time_load(path, n)) < tl)
				tl = t;
		}
		if (i == 0)
			base = tl / n;
		printf("%8u %10.3f %10.3f %9.1f %8.2f %10ld\n", n, tr * 1e3,
		    tl * 1e3, tr > 0 ? tl / tr : 0, tl / (base * n),
		    child_rss(path, n));
		fflush(stdout);
	}
	unlink(path);
	if (ns != def)
		free(ns);
	return 0;
}
