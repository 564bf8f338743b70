/* The host's CPUs: /proc/cpuinfo, /sys/devices/system/cpu/online and
 * sched_getaffinity against the host's CPU count the runner passes.  A
 * source that gives exactly the host's count is the escape (the default
 * config sets no cpuset, so a container that may run on every host CPU and
 * is told so learns the host's size).  Args: HOST_CPUS. */
#include "escape.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_list(const char *s)
{
	/* "0-3,5" */
	int n = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += (int)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

ATTEMPT(host_cpus)
{
	if (argc < 1)
		blocked("usage: HOST_CPUS");
	int host = atoi(argv[0]);
	struct ev e = {0};
	bool leak = false;
	static char buf[1 << 16];
	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0) {
		int n = 0;
		for (char *p = buf; (p = strstr(p, "processor")); p++)
			n++;
		ev_add(&e, "/proc/cpuinfo lists %d", n);
		leak |= n == host;
	} else {
		ev_add(&e, "/proc/cpuinfo: %s", en(errno));
	}
	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) > 0) {
		int n = count_list(buf);
		ev_add(&e, "/sys/devices/system/cpu/online lists %d", n);
		leak |= n == host;
	} else {
		ev_add(&e, "/sys/devices/system/cpu/online: %s", en(errno));
	}
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		ev_add(&e, "sched_getaffinity allows %d", n);
		leak |= n == host;
	}
	if (leak)
		escaped("%s (host: %d CPUs)", e.s, host);
	blocked("%s (host: %d CPUs)", e.s, host);
}
