/* ptrace a process outside the container: the runner starts a host process
 * and passes its host pid.  Attaching to it (or to any visible process that
 * is not in the container's pid namespace) is the escape.  Args: HOST_PID. */
#include "escape.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

ATTEMPT(ptrace_outside)
{
	if (argc < 1)
		blocked("usage: HOST_PID");
	pid_t host = (pid_t)atoi(argv[0]);
	if (ptrace(PTRACE_SEIZE, host, 0, 0) == 0) {
		ptrace(PTRACE_DETACH, host, 0, 0);
		escaped("PTRACE_SEIZE attached to host pid %d", host);
	}
	int e = errno;
	/* also: the container's init, which is this process's parent or itself */
	int e1 = 0;
	if (getpid() != 1) {
		if (ptrace(PTRACE_SEIZE, 1, 0, 0) == 0)
			ptrace(PTRACE_DETACH, 1, 0, 0);
		else
			e1 = errno;
	}
	blocked("PTRACE_SEIZE host pid %d: %s%s%s", host, en(e), e1 ? "; pid 1: " : "", e1 ? en(e1) : "");
}
