/* The host's memory size: sysinfo().totalram and /proc/meminfo's MemTotal
 * against the host's MemTotal the runner passes.  Within 1% of it is the
 * escape.  Args: HOST_MEMTOTAL_KB. */
#include "escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

static bool near(unsigned long long kb, unsigned long long host)
{
	return kb + host / 100 >= host && kb <= host + host / 100;
}

ATTEMPT(host_memory)
{
	if (argc < 1)
		blocked("usage: HOST_MEMTOTAL_KB");
	unsigned long long host = strtoull(argv[0], NULL, 10);
	struct ev e = {0};
	bool leak = false;
	struct sysinfo si;
	if (sysinfo(&si) == 0) {
		unsigned long long kb = (unsigned long long)si.totalram * si.mem_unit / 1024;
		ev_add(&e, "sysinfo().totalram = %llu kB", kb);
		leak |= near(kb, host);
	} else {
		ev_add(&e, "sysinfo: %s", en(errno));
	}
	char buf[4096];
	if (read_file("/proc/meminfo", buf, sizeof(buf)) > 0) {
		char *p = strstr(buf, "MemTotal:");
		unsigned long long kb = p ? strtoull(p + 9, NULL, 10) : 0;
		ev_add(&e, "/proc/meminfo MemTotal = %llu kB", kb);
		leak |= near(kb, host);
	} else {
		ev_add(&e, "/proc/meminfo: %s", en(errno));
	}
	if (leak)
		escaped("%s (host: %llu kB)", e.s, host);
	blocked("%s (host: %llu kB)", e.s, host);
}
