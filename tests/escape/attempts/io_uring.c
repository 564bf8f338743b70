/* io_uring: a second syscall interface whose operations no seccomp filter
 * sees, and a long run of kernel CVEs.  An io_uring fd is the escape. */
#include "escape.h"

#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(io_uring)
{
	(void)argc;
	(void)argv;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	long fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd >= 0)
		escaped("io_uring_setup returned fd %ld (features 0x%x)", fd, p.features);
	blocked("io_uring_setup: %s", en(errno));
}
