/* userfaultfd: lets a process stall the kernel in the middle of copying from
 * its memory, the race-widening staple of kernel exploits.  A userfaultfd
 * that handles kernel-mode faults is the escape; one limited to user-mode
 * faults (UFFD_USER_MODE_ONLY, open to everyone since 5.11) cannot stall the
 * kernel and is reported as evidence only. */
#include "escape.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

ATTEMPT(userfaultfd)
{
	(void)argc;
	(void)argv;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0)
		escaped("userfaultfd() returned fd %ld, handling kernel-mode faults", fd);
	int e1 = errno;
	long um = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	int e2 = errno;
	int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	int e3 = errno;
	if (dev >= 0)
		escaped("opened /dev/userfaultfd");
	blocked("userfaultfd(0): %s; UFFD_USER_MODE_ONLY: %s (user faults only); /dev/userfaultfd: %s", en(e1),
		um >= 0 ? "fd" : en(e2), en(e3));
}
