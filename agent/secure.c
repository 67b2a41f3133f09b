/* See secure.h. */
#include <sys/prctl.h>
#include <sys/resource.h>

#include "log.h"
#include "secure.h"

void
xfed_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		log_warn("setrlimit(RLIMIT_CORE)");
	/* Also stops same-uid processes from attaching to read the key. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		log_warn("prctl(PR_SET_DUMPABLE)");
}
