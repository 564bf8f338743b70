/* New namespaces from inside the container: clone3 (flags in memory BPF
 * cannot read) and clone with CLONE_NEWUSER and the rest.  A child that runs
 * in a new user namespace holds every capability over what it creates next:
 * the gateway to most kernel entry points here.  The child exits at once. */
#include "escape.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)

ATTEMPT(clone3_namespaces)
{
	(void)argc;
	(void)argv;
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	a.flags = NS_FLAGS;
	a.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		escaped("clone3 made a child in new user, mount, net, pid, ipc and uts namespaces");
	}
	int e3 = errno;
	pid = syscall(SYS_clone, NS_FLAGS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		escaped("clone3: %s, but clone made a child in new user, mount, net, pid, ipc and uts namespaces",
			en(e3));
	}
	blocked("clone3: %s; clone(CLONE_NEWUSER|...): %s", en(e3), en(errno));
}
