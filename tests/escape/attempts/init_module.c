/* init_module / finit_module: load kernel code.  Called with an empty image
 * and an invalid fd, which the kernel rejects (ENOEXEC, EFAULT, EBADF) right
 * after its CAP_SYS_MODULE check: those are the escape, and nothing loads.
 * In a child, since moat's table kills the caller. */
#include "escape.h"

#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int call(void *arg, char *msg, size_t n)
{
	(void)arg;
	long r = syscall(SYS_init_module, NULL, 0, "");
	int e = errno;
	if (r == 0 || (e != EPERM && e != EACCES && e != ENOSYS)) {
		snprintf(msg, n, "init_module passed the CAP_SYS_MODULE check (%s)", r == 0 ? "returned 0" : en(e));
		return 1;
	}
	r = syscall(SYS_finit_module, -1, "", 0);
	int e2 = errno;
	if (r == 0 || (e2 != EPERM && e2 != EACCES && e2 != ENOSYS)) {
		snprintf(msg, n, "finit_module passed the CAP_SYS_MODULE check (%s)", r == 0 ? "returned 0" : en(e2));
		return 1;
	}
	snprintf(msg, n, "init_module: %s; finit_module: %s", en(e), en(e2));
	return 0;
}

ATTEMPT(init_module)
{
	(void)argc;
	(void)argv;
	char msg[512];
	if (in_child(call, NULL, msg, sizeof(msg)))
		escaped("%s", msg);
	blocked("%s", msg);
}
