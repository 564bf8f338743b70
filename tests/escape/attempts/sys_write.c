/* Write host sysfs knobs: /sys/kernel/uevent_helper names a program the host
 * kernel runs as root on every uevent (a classic escape); power/state
 * suspends the host.  Opened for writing only. */
#include "escape.h"

#include <sched.h>

ATTEMPT(sys_write)
{
	(void)argc;
	(void)argv;
	static const char *const paths[] = {"/sys/kernel/uevent_helper", "/sys/power/state",
					    "/sys/kernel/mm/transparent_hugepage/enabled", NULL};
	static const char *const fresh[] = {"kernel/uevent_helper", "power/state", NULL};
	return host_knobs("sysfs", CLONE_NEWNET, paths, fresh);
}
