/* /proc/sysrq-trigger: one byte reboots, crashes or freezes the host.
 * Opened for writing only. */
#include "escape.h"

#include <sched.h>

ATTEMPT(sysrq_trigger)
{
	(void)argc;
	(void)argv;
	static const char *const paths[] = {"/proc/sysrq-trigger", NULL};
	static const char *const fresh[] = {"sysrq-trigger", NULL};
	return host_knobs("proc", CLONE_NEWPID, paths, fresh);
}
