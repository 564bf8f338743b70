/* process_vm_writev into a process outside the container (the runner's host
 * process, by its host pid).  The remote address is 0: a call that gets past
 * the pid lookup and the ptrace access check fails with EFAULT without
 * writing anything, and that EFAULT is the escape.  Args: HOST_PID. */
#include "escape.h"

#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

ATTEMPT(process_vm_writev)
{
	if (argc < 1)
		blocked("usage: HOST_PID");
	pid_t host = (pid_t)atoi(argv[0]);
	char byte = 0;
	struct iovec local = {.iov_base = &byte, .iov_len = 1};
	struct iovec remote = {.iov_base = NULL, .iov_len = 1};
	ssize_t n = process_vm_writev(host, &local, 1, &remote, 1, 0);
	if (n >= 0 || errno == EFAULT)
		escaped("process_vm_writev reached host pid %d's memory (%s)", host, n >= 0 ? "wrote" : "EFAULT at address 0");
	blocked("process_vm_writev(host pid %d): %s", host, en(errno));
}
