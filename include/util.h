/* Small helpers shared by every module. */
#ifndef XFED_UTIL_H
#define XFED_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocation that cannot fail: on exhaustion the process exits (fatal). */
void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *p, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds on the monotonic clock, and wall-clock seconds. */
uint64_t	 xfed_now_ms(void);
uint64_t	 xfed_wall_seconds(void);

#endif
