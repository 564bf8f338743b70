/* Write host sysctls: kernel/modprobe names the program the kernel runs as
 * root to load modules, binfmt_misc/register adds interpreters for every
 * exec on the host (both public escapes), vm/drop_caches and kernel/sysrq are
 * host-wide.  Opened for writing only. */
#include "escape.h"

#include <sched.h>

ATTEMPT(proc_sys_write)
{
	(void)argc;
	(void)argv;
	static const char *const paths[] = {"/proc/sys/kernel/modprobe", "/proc/sys/fs/binfmt_misc/register",
					    "/proc/sys/vm/drop_caches", "/proc/sys/kernel/sysrq", NULL};
	static const char *const fresh[] = {"sys/kernel/modprobe", "sys/vm/drop_caches", NULL};
	return host_knobs("proc", CLONE_NEWPID, paths, fresh);
}
