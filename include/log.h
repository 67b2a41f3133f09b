/*
 * One logging vocabulary, after OpenBSD's log.c.  In the foreground messages
 * go to stderr; when stderr is the journal ($JOURNAL_STREAM) each line gets
 * a "<N>" priority prefix so journald files it at the right level, and on a
 * terminal each line starts with the local time.  A detached xfedd logs to
 * syslog(3) instead (log_to_syslog).
 */
#ifndef XFED_LOG_H
#define XFED_LOG_H

#include <stdarg.h>

#define XFED_PRINTF(a, b)	__attribute__((format(printf, a, b)))

/* verbose: 0 info and up, 1 debug, 2 and more: debug with wire detail. */
void	log_init(int verbose);
int	log_verbose(void);

/* Is there a syslog socket (/dev/log) to log to once detached? */
int	log_syslog_available(void);
/* From now on, to syslog as "xfedd[PID]", facility daemon. */
void	log_to_syslog(void);

void	log_warn(const char *fmt, ...) XFED_PRINTF(1, 2);	/* adds strerror */
void	log_warnx(const char *fmt, ...) XFED_PRINTF(1, 2);
void	log_info(const char *fmt, ...) XFED_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) XFED_PRINTF(1, 2);
void	fatal(const char *fmt, ...) XFED_PRINTF(1, 2) __attribute__((noreturn));
void	fatalx(const char *fmt, ...) XFED_PRINTF(1, 2) __attribute__((noreturn));

#endif
