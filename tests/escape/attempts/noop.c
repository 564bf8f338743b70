/* Not an attempt: what the runner execs into a container when it only needs
 * a process to come and go (cve-2019-5736). */
#include "escape.h"

ATTEMPT(noop)
{
	(void)argc;
	(void)argv;
	return 0;
}
