/* perf_event_open: the perf core is reached by any event fd, and has been a
 * way into the kernel repeatedly (CVE-2013-2094, CVE-2023-2235); kernel
 * samples also expose kernel addresses.  Any perf fd is the escape: a
 * software clock on this process, user space only, then with the kernel. */
#include "escape.h"

#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

ATTEMPT(perf_event_open)
{
	(void)argc;
	(void)argv;
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.exclude_kernel = 0;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd >= 0)
		escaped("perf_event_open (kernel included) returned fd %ld", fd);
	int e1 = errno;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd >= 0)
		escaped("perf_event_open (user space only) returned fd %ld; with the kernel: %s", fd, en(e1));
	blocked("perf_event_open: %s; user space only: %s", en(e1), en(errno));
}
