/* kernel.core_pattern: "|/path" makes the host kernel run a program as root
 * on every crash, anywhere on the host (a public escape).  Opened for
 * writing only. */
#include "escape.h"

#include <sched.h>

ATTEMPT(core_pattern)
{
	(void)argc;
	(void)argv;
	static const char *const paths[] = {"/proc/sys/kernel/core_pattern", "/proc/sys/kernel/core_pipe_limit", NULL};
	static const char *const fresh[] = {"sys/kernel/core_pattern", NULL};
	return host_knobs("proc", CLONE_NEWPID, paths, fresh);
}
