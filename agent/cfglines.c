/* Lines too long for libconfuse: see cfglines.h. */
#include <string.h>

#include "cfglines.h"

int
xfed_config_long_line(const char *text, size_t max)
{
	const char *p = text, *nl;
	int line = 1;

	for (;; line++) {
		nl = strchr(p, '\n');
		if ((size_t)((nl != NULL ? nl : p + strlen(p)) - p) > max)
			return line;
		if (nl == NULL)
			return 0;
		p = nl + 1;
	}
}
