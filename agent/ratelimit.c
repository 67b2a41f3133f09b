/* One log line per interval: see ratelimit.h. */
#include "ratelimit.h"
#include "util.h"

unsigned long
xfed_ratelimit(struct xfed_ratelimit *r)
{
	uint64_t now = xfed_now_ms();
	unsigned long n;

	if (r->last != 0 && now - r->last < r->interval_ms) {
		r->quiet++;
		return 0;
	}
	n = r->quiet + 1;
	r->last = now;
	r->quiet = 0;
	return n;
}
