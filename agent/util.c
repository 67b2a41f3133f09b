/* Small helpers: see util.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *q;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("reallocarray: overflow");
	q = realloc(p, nmemb * size == 0 ? 1 : nmemb * size);
	if (q == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	return s;
}

uint64_t
xfed_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
xfed_wall_seconds(void)
{
	return (uint64_t)time(NULL);
}
