/* kexec_load: replaces the running kernel.  Called with 17 segments (one
 * more than KEXEC_SEGMENT_MAX), which the kernel rejects with EINVAL right
 * after its capability check: EINVAL is the escape, and nothing is loaded or
 * unloaded.  In a child, since moat's table kills the caller. */
#include "escape.h"

#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int call(void *arg, char *msg, size_t n)
{
	(void)arg;
	long r = syscall(SYS_kexec_load, 0, 17, NULL, 0);
	int e = errno;
	if (r == 0 || e == EINVAL || e == EBUSY || e == EFAULT) {
		snprintf(msg, n, "kexec_load passed the CAP_SYS_BOOT check (%s)", r == 0 ? "returned 0" : en(e));
		return 1;
	}
	snprintf(msg, n, "kexec_load: %s", en(e));
	return 0;
}

ATTEMPT(kexec_load)
{
	(void)argc;
	(void)argv;
	char msg[512];
	if (in_child(call, NULL, msg, sizeof(msg)))
		escaped("%s", msg);
	blocked("%s", msg);
}
