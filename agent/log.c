/* Logging: see log.h. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int verbosity;
static int journal_prefix;
static int timestamps;
static int to_syslog;

void
log_init(int verbose)
{
	verbosity = verbose;
	/* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
	journal_prefix = getenv("JOURNAL_STREAM") != NULL;
	/* The journal stamps lines itself; a terminal does not. */
	timestamps = !journal_prefix && isatty(STDERR_FILENO);
}

int
log_verbose(void)
{
	return verbosity;
}

int
log_syslog_available(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	/* A socket left behind by a syslog daemon that is gone takes nothing. */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	strncpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path) - 1);
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

void
log_to_syslog(void)
{
	/* LOG_NDELAY: connect now, while /dev/log is surely reachable. */
	openlog("xfedd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	to_syslog = 1;
}

/* "2026-11-24 06:10:00.123 ", local time, for a person at a terminal. */
static void
stamp(char *buf, size_t size)
{
	struct timespec	ts;
	struct tm	tm;
	char		s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s.%03d ", s, (int)(ts.tv_nsec / 1000000) % 1000);
}

static void
vlog(int prio, const char *errstr, const char *fmt, va_list ap)
{
	char msg[2048], line[2400], pfx[8] = "", when[64] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (to_syslog) {
		syslog(prio, "%s%s%s", msg, errstr != NULL ? ": " : "",
		    errstr != NULL ? errstr : "");
		return;
	}
	if (journal_prefix)
		snprintf(pfx, sizeof(pfx), "<%d>", prio);
	if (timestamps)
		stamp(when, sizeof(when));
	snprintf(line, sizeof(line), "%s%sxfed: %s%s%s\n", pfx, when, msg,
	    errstr != NULL ? ": " : "", errstr != NULL ? errstr : "");
	/* One call, so lines from the sync threads never interleave. */
	fputs(line, stderr);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
