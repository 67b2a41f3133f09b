/* Logging: see log.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int verbosity;
static int journal_prefix;

void
log_init(int verbose)
{
	verbosity = verbose;
	/* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
	journal_prefix = getenv("JOURNAL_STREAM") != NULL;
}

int
log_verbose(void)
{
	return verbosity;
}

static void
vlog(int prio, const char *errstr, const char *fmt, va_list ap)
{
	char msg[2048], line[2300], pfx[8] = "";

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (journal_prefix)
		snprintf(pfx, sizeof(pfx), "<%d>", prio);
	snprintf(line, sizeof(line), "%sxfed: %s%s%s\n", pfx, msg,
	    errstr != NULL ? ": " : "", errstr != NULL ? errstr : "");
	/* One call, so lines from the sync threads never interleave. */
	fputs(line, stderr);
}

/* syslog(3) priorities, without pulling in <syslog.h> names. */
enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_INFO = 6, PRIO_DEBUG = 7 };

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(PRIO_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRIO_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRIO_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(PRIO_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(PRIO_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PRIO_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
